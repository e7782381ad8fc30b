// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sym_kallsyms.h"
#include "sym_procmaps.h"

#define KALLSYMS_MAX_BYTES (256u << 20)
/* kallsyms has no sizes; no kernel function is anywhere near this long */
#define KSYM_MAX_SPAN (1u << 20)

struct entry {
	struct ksym sym;
	size_t order;
	bool global;
};

enum line_kind { LINE_BAD, LINE_SKIP, LINE_TEXT };

/* "ADDR TYPE NAME[\t[MODULE]]"; NUL-terminates name and module in place. */
static enum line_kind parse_line(char *line, size_t len, struct entry *out)
{
	const char *p = line, *end = line + len;
	char *name, *tab, type;

	if (!text__parse_hex(&p, end, &out->sym.addr) || end - p < 3 || p[0] != ' ' || p[2] != ' ')
		return LINE_BAD;
	type = p[1];
	name = line + (p + 3 - line);
	if (name >= end)
		return LINE_BAD;
	if (type != 't' && type != 'T' && type != 'w' && type != 'W')
		return LINE_SKIP;
	out->global = type == 'T' || type == 'W';
	out->sym.module = "";
	tab = memchr(name, '\t', (size_t)(end - name));
	if (tab) {
		char *mod = tab + 1;
		size_t mlen = (size_t)(end - mod);

		*tab = '\0';
		if (mlen >= 2 && mod[0] == '[' && mod[mlen - 1] == ']') {
			mod[mlen - 1] = '\0';
			out->sym.module = mod + 1;
		}
	} else {
		line[len] = '\0';
	}
	if (!name[0])
		return LINE_BAD;
	out->sym.name = name;
	return LINE_TEXT;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->sym.addr != y->sym.addr)
		return x->sym.addr < y->sym.addr ? -1 : 1;
	/* among aliases, a global name is the one people know (T before t) */
	if (x->global != y->global)
		return x->global ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int finish(struct ksyms *k, struct entry *e, size_t n)
{
	size_t i;

	qsort(e, n, sizeof(*e), cmp_entry);
	k->syms = malloc(n * sizeof(*k->syms));
	if (!k->syms)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (!i || e[i].sym.addr != e[i - 1].sym.addr)
			k->syms[k->len++] = e[i].sym;
	return 0;
}

struct ksyms *ksyms__parse(const char *buf, size_t len)
{
	struct ksyms *k = calloc(1, sizeof(*k));
	struct entry *e = NULL;
	size_t n = 0, cap = 0, pos = 0;
	bool any_addr = false;
	int err = ENOMEM;

	if (!k)
		return NULL;
	k->text = malloc(len + 1);
	if (!k->text)
		goto fail;
	memcpy(k->text, buf, len);
	k->text[len] = '\0';
	while (pos < len) {
		char *line = k->text + pos, *nl = memchr(line, '\n', len - pos);
		size_t line_len = nl ? (size_t)(nl - line) : len - pos;
		enum line_kind kind;
		struct entry ent;

		pos += line_len + 1;
		if (!line_len)
			continue;
		kind = parse_line(line, line_len, &ent);
		if (kind == LINE_BAD)
			k->bad_lines++;
		if (kind != LINE_TEXT)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			struct entry *ne = realloc(e, ncap * sizeof(*ne));

			if (!ne)
				goto fail;
			e = ne;
			cap = ncap;
		}
		ent.order = n;
		any_addr |= ent.sym.addr != 0;
		e[n++] = ent;
	}
	if (!n || !any_addr) {
		err = n ? EACCES : ENOENT;
		goto fail;
	}
	if (finish(k, e, n))
		goto fail;
	free(e);
	return k;
fail:
	free(e);
	ksyms__free(k);
	errno = err;
	return NULL;
}

struct ksyms *ksyms__load(void)
{
	struct ksyms *k;
	size_t len;
	char *buf;
	int err;

	buf = procfs__read_file("/proc/kallsyms", KALLSYMS_MAX_BYTES, &len);
	if (!buf)
		return NULL;
	k = ksyms__parse(buf, len);
	err = errno;
	free(buf);
	errno = err;
	return k;
}

void ksyms__free(struct ksyms *k)
{
	if (!k)
		return;
	free(k->syms);
	free(k->text);
	free(k);
}

const struct ksym *ksyms__lookup(const struct ksyms *k, uint64_t addr)
{
	size_t lo = 0, hi = k->len;
	const struct ksym *s;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	s = &k->syms[lo - 1];
	/* past the end of the kernel image: _etext is a marker, not a function */
	if (!s->module[0] && !strcmp(s->name, "_etext"))
		return NULL;
	if (addr - s->addr >= KSYM_MAX_SPAN)
		return NULL;
	return s;
}

const struct ksym *ksyms__find_name(const struct ksyms *k, const char *name)
{
	size_t i;

	for (i = 0; i < k->len; i++)
		if (!strcmp(k->syms[i].name, name))
			return &k->syms[i];
	return NULL;
}
