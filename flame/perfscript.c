// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "folded.h"
#include "hash.h"
#include "perfscript.h"
#include "profile.h"

/* Header fields are looked for among the first tokens; the rest is the frame or trace data. */
#define MAX_HEADER_TOKENS 32
/* An ip has at most 16 hex digits. */
#define MAX_IP_DIGITS 16

enum frame_flags {
	FRAME_INLINED = 1, /* "(inlined)": part of the next frame's location */
	FRAME_UNKNOWN_SYM = 2,
};

struct span {
	const char *s, *e;
};

/* One frame line, split. */
struct ps_frame {
	uint64_t ip;
	struct span sym; /* without the +0x offset; empty when perf printed none */
	struct span dso; /* s == NULL when there is no "(dso)" */
};

/* The sample being read: its header and whether it is open at all. */
struct ps_record {
	bool open;
	struct span comm;
	bool has_pid, has_tid;
	int64_t pid, tid;
	struct span frame; /* the frame on the header line (no callchain), s == NULL if none */
	bool has_fields;   /* a pid, time, cpu or event was found: not just any words */
	bool has_period;   /* -F +period (a default field for most events) */
	int64_t period;
	struct span event; /* "cpu-clock" of "cpu-clock:ppp:", s == NULL if not shown */
};

struct perfscript_parser {
	struct profile *p;
	struct span_map frames;	  /* frame text -> a = function id, b = location id, flags */
	struct idset dsos;	  /* mapping indexes by file name, to give each dso one mapping */
	VEC(uint64_t) locs;	  /* the current sample's locations, leaf first */
	VEC(struct line) inlined; /* inlined frames waiting for their caller, innermost first */
	uint32_t key_comm, key_pid, key_tid;
	int period_vi; /* the column of the periods; -1: every sample counts 1 */
	struct ps_record rec;
	bool in_chain; /* the previous line was part of a callchain */
	size_t nsamples;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hex_value(char c)
{
	return is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
}

static struct span trim(const char *s, const char *e)
{
	while (s < e && is_space(*s))
		s++;
	while (e > s && is_space(e[-1]))
		e--;
	return (struct span){s, e};
}

static bool span_is(struct span sp, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(sp.e - sp.s) == n && !memcmp(sp.s, lit, n);
}

static bool all_digits(const char *s, const char *e)
{
	if (s == e)
		return false;
	for (; s < e; s++)
		if (!is_digit(*s))
			return false;
	return true;
}

static bool all_hex(const char *s, const char *e)
{
	if (s == e)
		return false;
	for (; s < e; s++)
		if (!is_hex(*s))
			return false;
	return true;
}

/* A decimal number that fits int64 (pids are small; anything longer is not a pid). */
static bool parse_num(const char *s, const char *e, int64_t *out)
{
	int64_t v = 0;

	if (s == e || e - s > 18)
		return false;
	for (; s < e; s++) {
		if (!is_digit(*s))
			return false;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return true;
}

/* ---- frame lines: "ip symbol+0xoff (dso)" ---- */

/* The "(...)" that ends sp, parentheses balanced, if a space (or nothing) comes before it. */
static const char *trailing_group(struct span sp)
{
	const char *q;
	size_t depth = 0;

	if (sp.e == sp.s || sp.e[-1] != ')')
		return NULL;
	for (q = sp.e; q-- > sp.s;) {
		if (*q == ')')
			depth++;
		else if (*q == '(' && --depth == 0)
			return q == sp.s || is_space(q[-1]) ? q : NULL;
	}
	return NULL;
}

/* "name+0x1f" -> "name": perf adds the offset into the symbol, which is not part of it. */
static struct span strip_offset(struct span sym)
{
	const char *q = sym.e;

	while (q > sym.s && is_hex(q[-1]))
		q--;
	if (q < sym.e && q - sym.s > 3 && q[-1] == 'x' && q[-2] == '0' && q[-3] == '+')
		sym.e = q - 3;
	return sym;
}

static bool parse_frame_text(const char *s, const char *e, struct ps_frame *f)
{
	struct span sp = trim(s, e);
	const char *q = sp.s, *open;

	f->ip = 0;
	while (q < sp.e && is_hex(*q)) {
		if (q - sp.s >= MAX_IP_DIGITS)
			return false;
		f->ip = f->ip << 4 | (uint64_t)hex_value(*q++);
	}
	if (q == sp.s || (q < sp.e && !is_space(*q)))
		return false;
	sp = trim(q, sp.e);
	open = trailing_group(sp);
	f->dso = (struct span){NULL, NULL};
	if (open) {
		f->dso = (struct span){open + 1, sp.e - 1};
		sp = trim(sp.s, open);
	}
	f->sym = strip_offset(sp);
	return true;
}

static bool is_cpu_token(struct span t);
static bool is_time_token(struct span t);
static size_t tokenize(const char *s, const char *e, struct span *tk, size_t max);

/* "file.c:123" or "??:0": ends in ':' and a line number. */
static bool is_file_line(struct span sp)
{
	const char *q = sp.e;

	while (q > sp.s && (is_digit(q[-1]) || q[-1] == '?'))
		q--;
	return q < sp.e && q > sp.s && q[-1] == ':';
}

/* "[kernel.kallsyms][ffffffff8100a1b2]" or "python3.11[1f2e3d]": a dso, then [hex address]. */
static bool is_dso_address(struct span sp)
{
	const char *q = sp.e - 1;

	if (sp.e - sp.s < 4 || sp.e[-1] != ']')
		return false;
	while (q > sp.s && is_hex(q[-1]))
		q--;
	return q < sp.e - 1 && q - 1 > sp.s && q[-1] == '[';
}

/*
 * -F +srcline prints the source of a frame on a line of its own, "\n  " then either
 * "file.c:123" or, where there is no line table, the dso and the address:
 * "[kernel.kallsyms][ffffffff8100a1b2]", "python3.11[1f2e3d]". A path may hold spaces, but no
 * source line holds a cpu "[003]" or time "12.5:" field as a sample header does.
 */
static bool is_srcline(const char *s, const char *e)
{
	struct span sp = trim(s, e), tk[MAX_HEADER_TOKENS];
	size_t n, k;

	if (sp.s == sp.e || memchr(sp.s, '\t', (size_t)(sp.e - sp.s)))
		return false;
	if (!is_file_line(sp) && !is_dso_address(sp))
		return false;
	n = tokenize(sp.s, sp.e, tk, MAX_HEADER_TOKENS);
	for (k = 0; k < n; k++)
		if (is_cpu_token(tk[k]) || is_time_token(tk[k]))
			return false;
	return true;
}

/* Does the line start (after blanks) with a hex token followed by a blank or its end? */
static bool starts_with_ip(const char *s, const char *e)
{
	const char *q;

	while (s < e && is_space(*s))
		s++;
	for (q = s; q < e && is_hex(*q); q++)
		;
	return q > s && q - s <= MAX_IP_DIGITS && (q == e || is_space(*q));
}

static bool mapping_name_eq(uint32_t idx, const void *key, void *ctx)
{
	return ((struct profile *)ctx)->mappings.data[idx].filename == *(const uint32_t *)key;
}

static uint64_t name_hash(uint32_t name)
{
	return hash_mix(0x6d6170, name);
}

/* The mapping of a dso, shared with the profile's mappings of the same name. */
static int64_t dso_mapping(struct perfscript_parser *ps, struct span dso)
{
	struct mapping m = {.has_functions = true};
	int64_t idx = profile__intern(ps->p, dso.s, (size_t)(dso.e - dso.s)), id;
	uint32_t name;

	if (idx < 0)
		return idx;
	name = (uint32_t)idx;
	idx = idset__find(&ps->dsos, name_hash(name), &name, mapping_name_eq, ps->p);
	if (idx >= 0)
		return idx + 1;
	m.filename = name;
	id = profile__add_mapping(ps->p, &m);
	if (id < 0)
		return id;
	if (ps->p->mappings.len >= UINT32_MAX ||
	    idset__insert(&ps->dsos, name_hash(name), (uint32_t)(id - 1)))
		return -ENOMEM;
	return id;
}

static int64_t intern_named_function(struct profile *p, const char *s, size_t n)
{
	struct function fn = {0};
	int64_t name = profile__intern(p, s, n);

	if (name < 0)
		return name;
	fn.name = fn.system_name = (uint32_t)name;
	return profile__intern_function(p, &fn);
}

/*
 * An unsymbolized frame keeps its module, as stackcollapse-perf does and as singe's recorder
 * names such frames: "[unknown] (/usr/bin/python3.11)" becomes "[python3.11]", so the unknown
 * frames of different modules stay apart. A dso already in brackets ("[kernel.kallsyms]",
 * "[vdso]") is used as it is; no dso, or "[unknown]", gives "[unknown]".
 */
static int64_t intern_unknown_function(struct profile *p, struct span dso)
{
	const char *base = dso.s;
	char *name;
	int64_t fid;
	size_t n;

	if (!dso.s || dso.s == dso.e || span_is(dso, "unknown") || span_is(dso, "[unknown]"))
		return intern_named_function(p, "[unknown]", 9);
	if (*dso.s == '[')
		return intern_named_function(p, dso.s, (size_t)(dso.e - dso.s));
	for (const char *q = dso.s; q < dso.e; q++)
		if (*q == '/')
			base = q + 1;
	n = (size_t)(dso.e - base);
	if (!n)
		return intern_named_function(p, "[unknown]", 9);
	name = malloc(n + 2);
	if (!name)
		return -ENOMEM;
	name[0] = '[';
	memcpy(name + 1, base, n);
	name[n + 1] = ']';
	fid = intern_named_function(p, name, n + 2);
	free(name);
	return fid;
}

/* Resolve a frame line to ids: 0, 1 when it does not parse, or a negative errno. */
static int resolve_frame(struct perfscript_parser *ps, const char *s, const char *e,
			 struct span_entry *out)
{
	struct ps_frame f;
	struct line line = {0};
	bool inlined, unknown;
	int64_t fid, mid = 0, lid = 0;

	if (!parse_frame_text(s, e, &f))
		return 1;
	if ((size_t)(e - s) >= UINT32_MAX || (size_t)(f.dso.e - f.dso.s) >= UINT32_MAX)
		return -E2BIG;
	inlined = f.dso.s && span_is(f.dso, "inlined");
	unknown = f.sym.s == f.sym.e || span_is(f.sym, "[unknown]");
	if (unknown)
		fid = intern_unknown_function(ps->p, inlined ? (struct span){NULL, NULL} : f.dso);
	else
		fid = intern_named_function(ps->p, f.sym.s, (size_t)(f.sym.e - f.sym.s));
	if (fid < 0)
		return (int)fid;
	if (f.dso.s && !inlined && (mid = dso_mapping(ps, f.dso)) < 0)
		return (int)mid;
	if (!inlined) {
		line.function_id = (uint64_t)fid;
		lid = profile__intern_location(ps->p, (uint64_t)mid, f.ip, &line, 1);
		if (lid < 0)
			return (int)lid;
	}
	*out = (struct span_entry){.s = s,
				   .len = (uint32_t)(e - s),
				   .flags = (inlined ? FRAME_INLINED : 0) |
					    (unknown ? FRAME_UNKNOWN_SYM : 0),
				   .a = (uint64_t)fid,
				   .b = (uint64_t)lid};
	return 0;
}

/* A caller and the frames perf showed inlined into it: one location, innermost line first. */
static int push_with_inlined(struct perfscript_parser *ps, const struct span_entry *caller)
{
	const struct location *loc = profile__location(ps->p, caller->b);
	struct line line = {.function_id = caller->a};
	int64_t id;

	if (vec_push(&ps->inlined, line))
		return -ENOMEM;
	id = profile__intern_location(ps->p, loc->mapping_id, loc->address, ps->inlined.data,
				      (uint32_t)ps->inlined.len);
	ps->inlined.len = 0;
	if (id < 0)
		return (int)id;
	return vec_push(&ps->locs, (uint64_t)id);
}

/* Add one frame line (s..e trimmed) to the sample: 0, 1 if it does not parse, or -errno. */
static int add_frame(struct perfscript_parser *ps, const char *s, const char *e)
{
	size_t n = (size_t)(e - s);
	uint64_t hash = hash_bytes(s, n, 0);
	struct span_entry *ent = span_map__find(&ps->frames, hash, s, n), tmp;
	struct line line = {0};
	int ret;

	if (!ent) {
		ret = resolve_frame(ps, s, e, &tmp);
		if (ret)
			return ret;
		ent = span_map__add(&ps->frames, hash, &tmp);
		if (!ent)
			return -ENOMEM;
	}
	if (ent->flags & FRAME_UNKNOWN_SYM)
		ps->p->quality.unknown_frames++;
	if (ent->flags & FRAME_INLINED) {
		line.function_id = ent->a;
		return vec_push(&ps->inlined, line);
	}
	if (ps->inlined.len)
		return push_with_inlined(ps, ent);
	return vec_push(&ps->locs, ent->b);
}

/* Inlined frames with no caller after them: one location of their own. */
static int flush_inlined(struct perfscript_parser *ps)
{
	int64_t id;

	if (!ps->inlined.len)
		return 0;
	id = profile__intern_location(ps->p, 0, 0, ps->inlined.data, (uint32_t)ps->inlined.len);
	ps->inlined.len = 0;
	return id < 0 ? (int)id : vec_push(&ps->locs, (uint64_t)id);
}

/* ---- header lines ---- */

static bool is_cpu_token(struct span t)
{
	return t.e - t.s >= 3 && t.s[0] == '[' && t.e[-1] == ']' && all_digits(t.s + 1, t.e - 1);
}

static bool is_time_token(struct span t)
{
	const char *dot;

	if (t.e - t.s < 4 || t.e[-1] != ':')
		return false;
	dot = memchr(t.s, '.', (size_t)(t.e - t.s));
	return dot && all_digits(t.s, dot) && all_digits(dot + 1, t.e - 1);
}

static bool is_event_token(struct span t)
{
	return t.e - t.s >= 2 && t.e[-1] == ':' && !is_time_token(t);
}

/* "1234" (the tid, as perf prints by default) or "1234/1235" (pid/tid). */
static bool parse_pid_token(struct span t, struct ps_record *rec)
{
	const char *slash = memchr(t.s, '/', (size_t)(t.e - t.s));
	int64_t a, b;

	if (!slash) {
		if (!parse_num(t.s, t.e, &a))
			return false;
		rec->has_tid = true;
		rec->tid = a;
		return true;
	}
	if (!parse_num(t.s, slash, &a) || !parse_num(slash + 1, t.e, &b))
		return false;
	rec->has_pid = rec->has_tid = true;
	rec->pid = a;
	rec->tid = b;
	return true;
}

static size_t tokenize(const char *s, const char *e, struct span *tk, size_t max)
{
	size_t n = 0;

	while (n < max) {
		while (s < e && is_space(*s))
			s++;
		if (s == e)
			break;
		tk[n].s = s;
		while (s < e && !is_space(*s))
			s++;
		tk[n++].e = s;
	}
	return n;
}

/* Where the frame on a header line starts: after the event, or after time and period. */
static size_t header_frame_token(const struct span *tk, size_t n, size_t m)
{
	size_t k;

	for (k = m; k < n; k++)
		if (is_event_token(tk[k]))
			return k + 1;
	k = m;
	while (k < n && (is_cpu_token(tk[k]) || is_time_token(tk[k])))
		k++;
	/* no event: "1001001 7f12 sym" is a period, then the ip */
	if (k + 1 < n && all_digits(tk[k].s, tk[k].e) && all_hex(tk[k + 1].s, tk[k + 1].e))
		k++;
	return k;
}

/* "cpu-clock:ppp:" -> "cpu-clock", "sched:sched_switch:" -> "sched:sched_switch". */
static struct span event_name(struct span t)
{
	const char *colon = NULL, *q;

	t.e--; /* the ':' that ends the field */
	for (q = t.s; q < t.e; q++)
		if (*q == ':')
			colon = q;
	if (!colon || colon + 1 == t.e)
		return colon ? (struct span){t.s, colon} : t;
	/* perf's modifiers (u, k, p, P, G, H, I, S, D, W, e, b) follow the name */
	for (q = colon + 1; q < t.e; q++)
		if (!strchr("ukhpPGHISDWeb", *q))
			return t;
	return (struct span){t.s, colon};
}

/*
 * The period and event that follow the cpu and time fields (from token m): "time: period
 * event:", or "time: period" then the frame or nothing when the event is not shown.
 */
static void parse_period_event(const struct span *tk, size_t n, size_t m, struct ps_record *rec)
{
	size_t k = m;

	while (k < n && (is_cpu_token(tk[k]) || is_time_token(tk[k])))
		k++;
	if (k < n && all_digits(tk[k].s, tk[k].e) &&
	    (k + 1 == n || is_event_token(tk[k + 1]) || all_hex(tk[k + 1].s, tk[k + 1].e)))
		rec->has_period = parse_num(tk[k].s, tk[k].e, &rec->period) && rec->period > 0;
	for (; k < n; k++)
		if (is_event_token(tk[k])) {
			rec->event = event_name(tk[k]);
			break;
		}
}

/*
 * Split a header into comm, pid/tid and the frame it may carry. The comm may hold spaces
 * ("Web Content"), so the fields are found from the first cpu "[003]" or time "12.5:" token
 * (else the event "cpu-clock:"): the token before it is the pid/tid if it is a number, and
 * everything before that is the comm.
 */
static void parse_header(const char *s, const char *e, struct ps_record *rec)
{
	struct span tk[MAX_HEADER_TOKENS];
	size_t n = tokenize(s, e, tk, MAX_HEADER_TOKENS), m, comm_end, frame = n, k;

	*rec = (struct ps_record){.open = true};
	for (m = 0; m < n && !is_cpu_token(tk[m]) && !is_time_token(tk[m]); m++)
		;
	if (m == n)
		for (m = 0; m < n && !is_event_token(tk[m]); m++)
			;
	if (m < n) {
		rec->has_fields = true;
		comm_end = m >= 1 && parse_pid_token(tk[m - 1], rec) ? m - 1 : m;
		frame = header_frame_token(tk, n, m);
		parse_period_event(tk, n, m, rec);
	} else if (n && starts_with_ip(tk[0].s, tk[0].e)) {
		comm_end = 0; /* -F ip,sym without callchains: the line is the frame */
		frame = 0;
	} else {
		for (k = 1; k < n && !parse_pid_token(tk[k], rec); k++)
			;
		rec->has_fields = k < n;
		comm_end = k < n ? k : n;
		frame = k < n ? k + 1 : n;
	}
	if (comm_end)
		rec->comm = (struct span){tk[0].s, tk[comm_end - 1].e};
	if (frame < n)
		rec->frame = (struct span){tk[frame].s, e}; /* symbols hold spaces: to the end */
}

/* ---- samples ---- */

static int add_labels_and_sample(struct perfscript_parser *ps)
{
	struct ps_record *rec = &ps->rec;
	struct label labels[3];
	uint32_t nl = 0;
	int64_t values[2] = {1, 1}, idx;

	if (rec->comm.s) {
		idx = profile__intern(ps->p, rec->comm.s, (size_t)(rec->comm.e - rec->comm.s));
		if (idx < 0)
			return (int)idx;
		labels[nl++] = (struct label){.key = ps->key_comm, .str = (uint32_t)idx};
	}
	if (rec->has_pid)
		labels[nl++] = (struct label){.key = ps->key_pid, .num = rec->pid};
	if (rec->has_tid)
		labels[nl++] = (struct label){.key = ps->key_tid, .num = rec->tid};
	if (ps->locs.len >= UINT32_MAX)
		return -E2BIG;
	if (ps->period_vi >= 0 && rec->has_period)
		values[ps->period_vi] = rec->period;
	return profile__add_sample(ps->p, ps->locs.data, (uint32_t)ps->locs.len, values, labels,
				   nl);
}

/* A sample with no callchain: its header's frame, else a frame named after the comm. */
static int add_fallback_frame(struct perfscript_parser *ps)
{
	struct ps_record *rec = &ps->rec;
	struct line line = {0};
	int64_t fid, lid;
	int ret;

	if (rec->frame.s) {
		struct span f = trim(rec->frame.s, rec->frame.e);

		/* 1: not a frame after all (tracepoint data), so fall back to the comm */
		ret = add_frame(ps, f.s, f.e);
		if (ret < 0)
			return ret;
		if (!ret && (ret = flush_inlined(ps)))
			return ret;
		if (ps->locs.len)
			return 0;
	}
	/* a line of words with no callchain, no fields and no frame is not a sample */
	if (!rec->comm.s || !rec->has_fields)
		return 1;
	fid = intern_named_function(ps->p, rec->comm.s, (size_t)(rec->comm.e - rec->comm.s));
	if (fid < 0)
		return (int)fid;
	line.function_id = (uint64_t)fid;
	lid = profile__intern_location(ps->p, 0, 0, &line, 1);
	return lid < 0 ? (int)lid : vec_push(&ps->locs, (uint64_t)lid);
}

/* End the open sample: 0 (added or nothing open), 1 if it had nothing to show, or -errno. */
static int finish_record(struct perfscript_parser *ps)
{
	int ret;

	if (!ps->rec.open)
		return 0;
	ps->rec.open = false;
	ret = flush_inlined(ps);
	if (!ret && !ps->locs.len)
		ret = add_fallback_frame(ps);
	if (!ret) {
		ret = add_labels_and_sample(ps);
		if (!ret)
			ps->nsamples++;
	}
	ps->locs.len = 0;
	ps->inlined.len = 0;
	return ret;
}

static void open_record(struct perfscript_parser *ps)
{
	ps->rec = (struct ps_record){.open = true};
	ps->locs.len = 0;
	ps->inlined.len = 0;
}

/* One line without its '\n': 0, 1 when it was bad, or a negative errno. */
static int parse_line(struct perfscript_parser *ps, const char *s, const char *e)
{
	struct span t;
	int ret;

	while (e > s && e[-1] == '\r')
		e--;
	t = trim(s, e);
	if (t.s == t.e) {
		ps->in_chain = false;
		return finish_record(ps);
	}
	if (*s == '#')
		return 0;
	/*
	 * With callchains perf prints headers unindented, so an indented line inside a chain
	 * is a frame, a source line, or bad: never the start of a new sample.
	 */
	if (*s == '\t' || (*s == ' ' && ps->rec.open && ps->in_chain)) {
		if (!ps->rec.open)
			open_record(ps); /* -F ip,sym with callchains prints no header at all */
		ps->in_chain = true;
		if (!starts_with_ip(s, e))
			return is_srcline(s, e) ? 0 : 1;
		return add_frame(ps, t.s, t.e);
	}
	if (*s == ' ' && ps->rec.open && is_srcline(s, e))
		return 0;
	ret = finish_record(ps);
	parse_header(t.s, t.e, &ps->rec);
	ps->in_chain = false;
	return ret;
}

#define PRESCAN_LINES 256

/* The header of the first sample, to learn whether samples carry a period and its event. */
static bool first_header(const char *buf, size_t len, struct ps_record *rec)
{
	const char *pos = buf, *end = buf + len;
	int lines = 0;

	while (pos < end && lines++ < PRESCAN_LINES) {
		const char *nl = memchr(pos, '\n', (size_t)(end - pos));
		const char *le = nl ? nl : end, *raw = pos;
		struct span t = trim(pos, le);

		pos = nl ? nl + 1 : end;
		if (t.s == t.e || *raw == '#' || *raw == '\t' || is_srcline(t.s, t.e))
			continue;
		parse_header(t.s, t.e, rec);
		if (rec->has_fields)
			return true;
	}
	return false;
}

/* "cpu-clock" and "task-clock" count nanoseconds; other events count events (cycles...). */
static const char *event_unit(struct span event)
{
	return span_is(event, "cpu-clock") || span_is(event, "task-clock") ? "nanoseconds"
									   : "count";
}

/*
 * The columns of an empty p: "samples/count", and when the samples carry a period (perf
 * script -F +period, shown by default for most events) a second column named after the event
 * that sums the periods, the default, as perf report and stackcollapse-perf weigh samples.
 * Without periods every sample counts 1, which matches perf report only for a fixed-period
 * event (-c N), and the profile says so in a comment.
 */
static int setup_sample_types(struct perfscript_parser *ps, const char *buf, size_t len)
{
	struct profile *p = ps->p;
	struct ps_record first = {0};
	char name[128];
	int vi;

	if (profile__add_sample_type(p, "samples", "count") < 0)
		return -ENOMEM;
	if (!first_header(buf, len, &first) || !first.has_period)
		return profile__add_comment(p, "perf script: the input has no sample periods "
					       "(perf script -F +period): every sample counts 1");
	if (first.event.s && first.event.e - first.event.s < (ptrdiff_t)sizeof(name))
		snprintf(name, sizeof(name), "%.*s", (int)(first.event.e - first.event.s),
			 first.event.s);
	else
		snprintf(name, sizeof(name), "period");
	vi = profile__add_sample_type(p, name, event_unit(first.event));
	if (vi < 0)
		return vi;
	p->default_sample_type = p->sample_types.data[vi].type;
	ps->period_vi = vi;
	return 0;
}

static int setup(struct perfscript_parser *ps, const char *buf, size_t len, struct flame_err *err)
{
	struct profile *p = ps->p;
	int64_t c, pid, tid;
	size_t i;
	int ret;

	ps->period_vi = -1;
	if (p->sample_types.len > 2)
		return flame_err__set(err, EINVAL,
				      "perf script: cannot add samples to a profile with %zu "
				      "sample types (perf script gives 1 or 2)",
				      p->sample_types.len);
	if (!p->sample_types.len) {
		if ((ret = setup_sample_types(ps, buf, len)))
			return ret;
	} else if (p->sample_types.len == 2) {
		ps->period_vi = 1; /* an earlier perf script with periods */
	}
	c = profile__intern_str(p, "comm");
	pid = profile__intern_str(p, "pid");
	tid = profile__intern_str(p, "tid");
	if (c < 0 || pid < 0 || tid < 0)
		return -ENOMEM;
	ps->key_comm = (uint32_t)c;
	ps->key_pid = (uint32_t)pid;
	ps->key_tid = (uint32_t)tid;
	/* mappings already in p (an earlier file) are reused by name */
	for (i = 0; i < p->mappings.len; i++) {
		uint32_t name = p->mappings.data[i].filename;

		if (i >= UINT32_MAX)
			return -E2BIG;
		if (idset__find(&ps->dsos, name_hash(name), &name, mapping_name_eq, p) < 0 &&
		    idset__insert(&ps->dsos, name_hash(name), (uint32_t)i))
			return -ENOMEM;
	}
	return 0;
}

/*
 * The profile's period: the mean of its samples' (exact for a fixed period, as cpu-clock's).
 * Readers that need sample counts (singe diff's statistical tests) divide the period
 * column by it, so a column of nanoseconds is never taken for that many samples.
 */
static void set_mean_period(struct profile *p, int vi)
{
	double sum = (double)profile__total(p, (size_t)vi), n = (double)profile__total(p, 0);

	if (n < 1 || sum < 1)
		return;
	p->period_type = p->sample_types.data[vi];
	p->period = (int64_t)(sum / n + 0.5);
}

int perfscript__parse(struct profile *p, const char *buf, size_t len, struct flame_err *err)
{
	struct perfscript_parser ps = {.p = p};
	const char *pos = buf, *end = buf + len;
	size_t lineno = 0, ntypes = p->sample_types.len;
	int ret = setup(&ps, buf, len, err);

	while (!ret && pos < end) {
		const char *nl = memchr(pos, '\n', (size_t)(end - pos));

		lineno++;
		ret = parse_line(&ps, pos, nl ? nl : end);
		if (ret == 1) {
			p->quality.bad_lines++;
			ret = 0;
		}
		pos = nl ? nl + 1 : end;
	}
	if (!ret) {
		ret = finish_record(&ps);
		if (ret == 1) {
			p->quality.bad_lines++;
			ret = 0;
		}
	}
	if (!ret && ps.nsamples && !ntypes && ps.period_vi >= 0)
		set_mean_period(p, ps.period_vi);
	if (!ret && !ps.nsamples) {
		ret = flame_err__set(err, EINVAL,
				     "perf script: no samples found (expected a header line per "
				     "sample such as 'comm 123 1.5: cpu-clock:', then its stack)");
		if (!ntypes && !p->samples.len) {
			p->sample_types.len = 0;
			p->comments.len = 0;
			p->default_sample_type = 0;
		}
	}
	if (ret == -ENOMEM || ret == -E2BIG)
		flame_err__set(err, -ret, "perf script: %s at line %zu",
			       ret == -ENOMEM ? "out of memory" : "too many strings or frames",
			       lineno);
	span_map__release(&ps.frames);
	idset_release(&ps.dsos);
	vec_free(&ps.locs);
	vec_free(&ps.inlined);
	return ret;
}

#define SNIFF_BYTES (1 << 20) /* the detection window of cli/input.c */
#define SNIFF_LINES 8

/* A header with a time stamp and an event: "comm 123 [000] 1.5: 1001 cpu-clock:". */
static bool looks_like_header(const char *s, const char *e)
{
	struct span tk[MAX_HEADER_TOKENS];
	size_t n = tokenize(s, e, tk, MAX_HEADER_TOKENS), k;

	for (k = 0; k < n && !is_time_token(tk[k]); k++)
		;
	for (k++; k < n; k++)
		if (is_event_token(tk[k]))
			return true;
	return false;
}

bool perfscript__sniff(const char *buf, size_t len)
{
	const char *pos = buf, *end = buf + (len < SNIFF_BYTES ? len : SNIFF_BYTES);
	int checked = 0, bare_frames = 0;

	while (pos < end && checked < SNIFF_LINES) {
		const char *nl = memchr(pos, '\n', (size_t)(end - pos));
		const char *le = nl ? nl : end, *raw = pos;
		struct span t = trim(pos, le);

		pos = nl ? nl + 1 : end;
		if (t.s == t.e || *raw == '#')
			continue;
		checked++;
		if (memchr(t.s, '\0', (size_t)(t.e - t.s)))
			return false;
		/* a callchain line ("\t    7f12 sym (dso)") or a sample header */
		if ((*raw == '\t' && starts_with_ip(t.s, t.e)) || looks_like_header(t.s, t.e))
			return true;
		/* -F ip,sym without callchains: every line is "ip symbol" */
		if (starts_with_ip(t.s, t.e) && memchr(t.s, ' ', (size_t)(t.e - t.s)))
			bare_frames++;
	}
	return checked && bare_frames == checked;
}
