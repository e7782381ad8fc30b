// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sym_perfmap.h"
#include "sym_procmaps.h"

/* JVMs with large code caches write tens of MB; beyond this the file is not a perf map */
#define PERFMAP_MAX_BYTES (512u << 20)
/* how far back a lookup walks for an older, larger symbol that still covers the address */
#define OVERLAP_WALK 16

struct sym_entry {
	struct perfmap_sym sym;
	size_t order; /* line number, so that the newest definition wins */
};

/* perf maps come from many JITs: some write "0x7f00…", most plain hex */
static bool parse_addr(const char **p, const char *end, uint64_t *out)
{
	if (end - *p > 2 && (*p)[0] == '0' && ((*p)[1] == 'x' || (*p)[1] == 'X'))
		*p += 2;
	return text__parse_hex(p, end, out);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Parse "START SIZE NAME"; the name is NUL-terminated in place. */
static bool parse_line(char *line, size_t len, struct perfmap_sym *out)
{
	const char *p = line, *end = line + len;
	uint64_t size;
	char *name;

	while (end > p && (end[-1] == '\r' || is_blank(end[-1])))
		end--;
	if (!parse_addr(&p, end, &out->start) || p >= end || !is_blank(*p))
		return false;
	while (p < end && is_blank(*p))
		p++;
	if (!parse_addr(&p, end, &size) || p >= end || !is_blank(*p))
		return false;
	while (p < end && is_blank(*p))
		p++;
	if (p >= end || size > UINT64_MAX - out->start)
		return false;
	out->end = out->start + size;
	name = line + (p - line);
	name[end - p] = '\0';
	out->name = name;
	return true;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct sym_entry *x = a, *y = b;

	if (x->sym.start != y->sym.start)
		return x->sym.start < y->sym.start ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Sort by start and keep only the newest of the symbols that share a start. */
static int finish(struct perfmap *m, struct sym_entry *e, size_t n)
{
	size_t i, out = 0;

	if (n > 1)
		qsort(e, n, sizeof(*e), cmp_entry);
	m->syms = malloc((n ? n : 1) * sizeof(*m->syms));
	if (!m->syms)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (i + 1 < n && e[i + 1].sym.start == e[i].sym.start)
			continue;
		m->syms[out++] = e[i].sym;
	}
	m->len = out;
	return 0;
}

static int grow(struct sym_entry **e, size_t *cap)
{
	size_t ncap = *cap ? *cap * 2 : 256;
	struct sym_entry *ne = realloc(*e, ncap * sizeof(*ne));

	if (!ne)
		return -ENOMEM;
	*e = ne;
	*cap = ncap;
	return 0;
}

struct perfmap *perfmap__parse(const char *buf, size_t len)
{
	struct perfmap *m = calloc(1, sizeof(*m));
	struct sym_entry *e = NULL;
	size_t n = 0, cap = 0, pos = 0;

	if (!m)
		return NULL;
	m->text = malloc(len + 1);
	if (!m->text)
		goto nomem;
	memcpy(m->text, buf, len);
	m->text[len] = '\0';
	m->text_len = len;
	while (pos < len) {
		char *line = m->text + pos, *nl = memchr(line, '\n', len - pos);
		size_t line_len = nl ? (size_t)(nl - line) : len - pos;
		struct perfmap_sym sym;

		pos += line_len + 1;
		if (!line_len)
			continue;
		if (!parse_line(line, line_len, &sym)) {
			m->bad_lines++;
			continue;
		}
		if (sym.end == sym.start)
			continue; /* an empty range can hold no address */
		if (n == cap && grow(&e, &cap))
			goto nomem;
		e[n].sym = sym;
		e[n].order = n;
		n++;
	}
	if (finish(m, e, n))
		goto nomem;
	free(e);
	return m;
nomem:
	free(e);
	perfmap__free(m);
	errno = ENOMEM;
	return NULL;
}

pid_t perfmap__ns_pid(pid_t pid)
{
	char path[64], *buf, *line;
	long ns_pid = pid;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	buf = procfs__read_file(path, 1 << 20, &len);
	if (!buf)
		return pid;
	line = strstr(buf, "\nNSpid:");
	if (line) {
		char *p = line + 7, *end;

		/* one pid per nested namespace, outermost first: the last is the innermost */
		for (;;) {
			long v = strtol(p, &end, 10);

			if (end == p || v <= 0)
				break;
			ns_pid = v;
			p = end;
		}
	}
	free(buf);
	return (pid_t)ns_pid;
}

struct perfmap *perfmap__load(pid_t pid)
{
	struct perfmap *m;
	char path[96];
	size_t len;
	char *buf;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/root/tmp/perf-%d.map", (int)pid,
		 (int)perfmap__ns_pid(pid));
	buf = procfs__read_file(path, PERFMAP_MAX_BYTES, &len);
	if (!buf)
		return NULL;
	m = perfmap__parse(buf, len);
	err = errno;
	free(buf);
	errno = err;
	return m;
}

void perfmap__free(struct perfmap *m)
{
	if (!m)
		return;
	free(m->syms);
	free(m->text);
	free(m);
}

const struct perfmap_sym *perfmap__lookup(const struct perfmap *m, uint64_t addr)
{
	size_t lo = 0, hi = m->len, i, stop;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->syms[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* usually the last symbol starting at or below addr; JITs may also leave a larger, older
	 * one around it, so look a few symbols further back before giving up */
	stop = lo > OVERLAP_WALK ? lo - OVERLAP_WALK : 0;
	for (i = lo; i > stop; i--)
		if (addr < m->syms[i - 1].end)
			return &m->syms[i - 1];
	return NULL;
}
