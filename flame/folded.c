// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "folded.h"
#include "hash.h"
#include "profile.h"

/* ---- span map (also used by perfscript.c) ---- */

struct span_key {
	const char *s;
	size_t len;
};

static bool span_eq(uint32_t idx, const void *key, void *ctx)
{
	const struct span_entry *e = &((struct span_map *)ctx)->entries.data[idx];
	const struct span_key *k = key;

	return e->len == k->len && memcmp(e->s, k->s, k->len) == 0;
}

struct span_entry *span_map__find(struct span_map *m, uint64_t hash, const char *s, size_t len)
{
	struct span_key k = {s, len};
	int64_t idx = idset__find(&m->set, hash, &k, span_eq, m);

	return idx < 0 ? NULL : &m->entries.data[idx];
}

struct span_entry *span_map__add(struct span_map *m, uint64_t hash, const struct span_entry *e)
{
	if (m->entries.len >= UINT32_MAX - 1 || vec_push(&m->entries, *e) ||
	    idset__insert(&m->set, hash, (uint32_t)(m->entries.len - 1)))
		return NULL;
	return &m->entries.data[m->entries.len - 1];
}

void span_map__release(struct span_map *m)
{
	idset_release(&m->set);
	vec_free(&m->entries);
}

/* ---- reading ---- */

enum frame_suffix {
	SUFFIX_NONE = 0,
	SUFFIX_KERNEL, /* _[k] */
	SUFFIX_JIT,    /* _[j] */
	SUFFIX_INLINE, /* _[i] */
	SUFFIX_WAKER,  /* _[w]: flamegraph.pl only colours these; we read them as native */
};

enum line_result {
	LINE_SAMPLE,
	LINE_BLANK,
	LINE_BAD,
};

/* How many lines ending in a count decide the number of columns. */
#define DETECT_LINES 16

struct folded_parser {
	struct profile *p;
	size_t ncols;
	struct span_map frames; /* frame text -> a = function id, b = location id, flags = suffix */
	VEC(uint64_t) locs;	/* the current line's location ids, root first */
	VEC(size_t) ends;	/* per location: where its last frame ends, from the stack start */
	VEC(uint64_t) leaf_first;
	VEC(struct line) group; /* a caller and the frames inlined into it, root first */
	uint64_t group_loc;	/* the caller's own location, used when nothing was inlined */
	uint64_t group_mapping;
	size_t group_end;
	VEC(struct line) lines; /* scratch: group in pprof order (innermost first) */
	uint64_t kernel_mapping, jit_mapping;
	/* the last good line's stack: a new line's common prefix reuses its locations */
	const char *prev;
	size_t prev_len;
	const char *header; /* the unit header line, skipped by the line loop, or NULL */
};

/*
 * The unit header: a first line "# sample type: cpu/nanoseconds" (two words for two
 * columns), written when a column is not a count. It ends in a letter, so flamegraph.pl and
 * speedscope skip it as a line without a count.
 */
#define UNIT_HEADER "# sample type:"

struct unit_header {
	const char *line; /* where the header line starts */
	size_t n;	  /* columns */
	struct {
		const char *type, *unit;
		size_t type_len, unit_len;
	} col[2];
};

/* The first non-blank line of buf: its start and end (without '\r'), or false. */
static bool first_line(const char *buf, size_t len, const char **s, const char **e)
{
	const char *pos = buf, *end = buf + len;

	while (pos < end) {
		const char *nl = memchr(pos, '\n', (size_t)(end - pos));
		const char *le = nl ? nl : end, *q = pos;

		if (le > pos && le[-1] == '\r')
			le--;
		while (q < le && (*q == ' ' || *q == '\t' || *q == '\r'))
			q++;
		if (q < le) {
			*s = pos;
			*e = le;
			return true;
		}
		pos = nl ? nl + 1 : end;
	}
	return false;
}

/* One "type/unit" word: split at its last '/', both sides non-empty. */
static bool split_type_unit(const char *s, const char *e, struct unit_header *h)
{
	const char *slash = NULL, *q;

	for (q = s; q < e; q++)
		if (*q == '/')
			slash = q;
	if (!slash || slash == s || slash + 1 == e || h->n == 2)
		return false;
	/* bytes the writer would not write back as they are: then it is not singe's header */
	for (q = s; q < e; q++)
		if (*q == '\t' || *q == '\r' || *q == '\0')
			return false;
	h->col[h->n].type = s;
	h->col[h->n].type_len = (size_t)(slash - s);
	h->col[h->n].unit = slash + 1;
	h->col[h->n].unit_len = (size_t)(e - slash - 1);
	h->n++;
	return true;
}

/* Does buf start with a unit header? Then *h describes it. */
static bool find_unit_header(const char *buf, size_t len, struct unit_header *h)
{
	size_t hl = sizeof(UNIT_HEADER) - 1;
	const char *s, *e, *q;

	memset(h, 0, sizeof(*h));
	if (!first_line(buf, len, &s, &e) || (size_t)(e - s) <= hl || memcmp(s, UNIT_HEADER, hl))
		return false;
	h->line = s;
	for (q = s + hl; q < e;) {
		const char *w;

		while (q < e && *q == ' ')
			q++;
		for (w = q; q < e && *q != ' '; q++)
			;
		if (q > w && !split_type_unit(w, q, h))
			return false;
	}
	return h->n > 0;
}

static bool col_is(const struct profile *p, uint32_t idx, const char *s, size_t n)
{
	const char *have = profile__str(p, idx);

	return strlen(have) == n && !memcmp(have, s, n);
}

/* Column i of the header against sample type i of p: 0 or -EINVAL with a message. */
static int check_header_column(const struct profile *p, const struct unit_header *h, size_t i,
			       struct flame_err *err)
{
	const struct value_type *vt = &p->sample_types.data[i];

	if (col_is(p, vt->type, h->col[i].type, h->col[i].type_len) &&
	    col_is(p, vt->unit, h->col[i].unit, h->col[i].unit_len))
		return 0;
	return flame_err__set(err, EINVAL,
			      "folded: the input's sample type %.*s/%.*s does not match the "
			      "profile's %s/%s",
			      (int)h->col[i].type_len, h->col[i].type, (int)h->col[i].unit_len,
			      h->col[i].unit, profile__str(p, vt->type), profile__str(p, vt->unit));
}

/* A file that says its units: an empty profile takes them, a profile with types must match. */
static int setup_from_header(struct folded_parser *ps, const struct unit_header *h,
			     struct flame_err *err)
{
	struct profile *p = ps->p;
	char type[256], unit[256];
	size_t i;
	int ret;

	ps->header = h->line;
	ps->ncols = h->n;
	if (p->sample_types.len) {
		if (p->sample_types.len != h->n)
			return flame_err__set(err, EINVAL,
					      "folded: the input has %zu sample type%s but the "
					      "profile has %zu",
					      h->n, h->n == 1 ? "" : "s", p->sample_types.len);
		for (i = 0; i < h->n; i++)
			if ((ret = check_header_column(p, h, i, err)))
				return ret;
		return 0;
	}
	for (i = 0; i < h->n; i++) {
		if (h->col[i].type_len >= sizeof(type) || h->col[i].unit_len >= sizeof(unit))
			return flame_err__set(err, EINVAL,
					      "folded: a sample type in the header is longer than "
					      "%zu bytes",
					      sizeof(type) - 1);
		snprintf(type, sizeof(type), "%.*s", (int)h->col[i].type_len, h->col[i].type);
		snprintf(unit, sizeof(unit), "%.*s", (int)h->col[i].unit_len, h->col[i].unit);
		if ((ret = profile__add_sample_type(p, type, unit)) < 0)
			return ret;
	}
	/* two columns are "base head": the head is what is drawn, as without a header */
	if (h->n == 2)
		p->default_sample_type = p->sample_types.data[1].type;
	return 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A whole non-negative decimal number that fits int64: s[0..n) digits only. */
static bool parse_count(const char *s, const char *e, int64_t *out)
{
	int64_t v = 0;

	if (s == e)
		return false;
	for (; s < e; s++) {
		if (!is_digit(*s))
			return false;
		if (v > (INT64_MAX - (*s - '0')) / 10)
			return false;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return true;
}

/* Does line s..e end with " <digits>"? Then *sp is that space. */
static bool ends_with_count(const char *s, const char *e, const char **sp)
{
	const char *d = e;

	while (d > s && is_digit(d[-1]))
		d--;
	if (d == e || d == s || d[-1] != ' ')
		return false;
	*sp = d - 1;
	return true;
}

static bool is_blank(const char *s, const char *e)
{
	while (s < e && (*s == ' ' || *s == '\t' || *s == '\r'))
		s++;
	return s == e;
}

/* How the first lines end: with one count or two. */
struct column_census {
	int seen; /* lines ending in a count */
	int two;  /* of which end in two counts */
};

static struct column_census count_columns(const char *buf, size_t len)
{
	const char *pos = buf, *end = buf + len;
	struct column_census c = {0, 0};
	int lines = 0;

	while (pos < end && c.seen < DETECT_LINES && lines++ < 4 * DETECT_LINES) {
		const char *nl = memchr(pos, '\n', (size_t)(end - pos));
		const char *le = nl ? nl : end, *sp, *sp2;

		if (le > pos && le[-1] == '\r')
			le--;
		if (!is_blank(pos, le) && ends_with_count(pos, le, &sp)) {
			c.seen++;
			c.two += ends_with_count(pos, sp, &sp2);
		}
		pos = nl ? nl + 1 : end;
	}
	return c;
}

/*
 * Into a profile that has sample types: their number is the column count. Names may end in
 * digits ("Thread 2"), so only a file whose first lines all have the other count is refused.
 */
static int check_columns(struct folded_parser *ps, struct column_census c, struct flame_err *err)
{
	size_t ntypes = ps->p->sample_types.len;

	if (ntypes > 2)
		return flame_err__set(
			err, EINVAL,
			"folded: cannot add stacks to a profile with %zu sample types "
			"(folded has 1 or 2 count columns)",
			ntypes);
	if (c.seen && ((ntypes == 1 && c.two == c.seen) || (ntypes == 2 && !c.two)))
		return flame_err__set(err, EINVAL,
				      "folded: the input has %s count column%s but the profile has "
				      "%zu sample type%s",
				      ntypes == 1 ? "two" : "one", ntypes == 1 ? "s" : "", ntypes,
				      ntypes == 1 ? "" : "s");
	ps->ncols = ntypes;
	return 0;
}

/*
 * Into an empty profile: one column or two? One line cannot tell, since names may end in
 * digits; the majority of the first lines decides, as difffolded.pl puts two counts on every
 * line.
 */
static int setup_columns(struct folded_parser *ps, const char *buf, size_t len,
			 struct flame_err *err)
{
	struct column_census c = count_columns(buf, len);
	struct profile *p = ps->p;
	struct unit_header h;
	int64_t def;

	if (find_unit_header(buf, len, &h))
		return setup_from_header(ps, &h, err);
	if (p->sample_types.len)
		return check_columns(ps, c, err);
	ps->ncols = c.seen && 2 * c.two > c.seen ? 2 : 1;
	if (ps->ncols == 2) {
		if (profile__add_sample_type(p, "base", "count") < 0 ||
		    profile__add_sample_type(p, "samples", "count") < 0 ||
		    (def = profile__intern_str(p, "samples")) < 0)
			return -ENOMEM;
		p->default_sample_type = (uint32_t)def;
		return 0;
	}
	return profile__add_sample_type(p, "samples", "count") < 0 ? -ENOMEM : 0;
}

/* The profile's mapping named name, added the first time it is needed. */
static int64_t shared_mapping(struct profile *p, const char *name, uint64_t *cache)
{
	struct mapping m = {.has_functions = true};
	int64_t idx;
	size_t i;

	if (*cache)
		return (int64_t)*cache;
	idx = profile__intern_str(p, name);
	if (idx < 0)
		return idx;
	for (i = 0; i < p->mappings.len; i++)
		if (p->mappings.data[i].filename == (uint32_t)idx)
			return (int64_t)(*cache = i + 1);
	m.filename = (uint32_t)idx;
	idx = profile__add_mapping(p, &m);
	if (idx > 0)
		*cache = (uint64_t)idx;
	return idx;
}

static enum frame_suffix frame_suffix(const char *s, size_t n)
{
	/* a name must remain: "_[k]" alone is a frame named "_[k]" */
	if (n <= 4 || s[n - 4] != '_' || s[n - 3] != '[' || s[n - 1] != ']')
		return SUFFIX_NONE;
	switch (s[n - 2]) {
	case 'k':
		return SUFFIX_KERNEL;
	case 'j':
		return SUFFIX_JIT;
	case 'i':
		return SUFFIX_INLINE;
	case 'w':
		return SUFFIX_WAKER;
	default:
		return SUFFIX_NONE;
	}
}

static int64_t suffix_mapping(struct folded_parser *ps, enum frame_suffix suffix)
{
	if (suffix == SUFFIX_KERNEL)
		return shared_mapping(ps->p, KERNEL_MAPPING_NAME, &ps->kernel_mapping);
	if (suffix == SUFFIX_JIT)
		return shared_mapping(ps->p, JIT_MAPPING_NAME, &ps->jit_mapping);
	return 0;
}

/*
 * Resolve one frame's text to a function and (unless it is inlined, which has no location of
 * its own) a location. as_root: an "_[i]" frame with no caller keeps its suffix as its name.
 */
static int resolve_frame(struct folded_parser *ps, const char *s, size_t n, bool as_root,
			 struct span_entry *out)
{
	enum frame_suffix suffix = frame_suffix(s, n);
	struct function fn = {0};
	struct line line = {0};
	int64_t name, fid, mid, lid = 0;

	if (suffix == SUFFIX_INLINE && as_root)
		suffix = SUFFIX_NONE;
	name = profile__intern(ps->p, s, suffix == SUFFIX_NONE ? n : n - 4);
	if (name < 0)
		return (int)name;
	fn.name = fn.system_name = (uint32_t)name;
	fid = profile__intern_function(ps->p, &fn);
	if (fid < 0)
		return (int)fid;
	mid = suffix_mapping(ps, suffix);
	if (mid < 0)
		return (int)mid;
	if (suffix != SUFFIX_INLINE) {
		line.function_id = (uint64_t)fid;
		lid = profile__intern_location(ps->p, (uint64_t)mid, 0, &line, 1);
		if (lid < 0)
			return (int)lid;
	}
	*out = (struct span_entry){.s = s,
				   .len = (uint32_t)n,
				   .flags = suffix,
				   .a = (uint64_t)fid,
				   .b = (uint64_t)lid};
	return 0;
}

/* Close the current caller group: one location for the caller and what was inlined in it. */
static int flush_group(struct folded_parser *ps)
{
	size_t n = ps->group.len, i;
	int64_t id;

	if (!n)
		return 0;
	ps->group.len = 0;
	if (vec_push(&ps->ends, ps->group_end))
		return -ENOMEM;
	if (n == 1)
		return vec_push(&ps->locs, ps->group_loc);
	ps->lines.len = 0;
	if (vec_reserve(&ps->lines, n))
		return -ENOMEM;
	for (i = 0; i < n; i++)
		ps->lines.data[i] = ps->group.data[n - 1 - i];
	id = profile__intern_location(ps->p, ps->group_mapping, 0, ps->lines.data, (uint32_t)n);
	if (id < 0)
		return (int)id;
	return vec_push(&ps->locs, (uint64_t)id);
}

/* The frame s[0..n) of the stack at stack[0..): its function joins the current group. */
static int add_frame(struct folded_parser *ps, const char *stack, const char *s, size_t n)
{
	bool is_root = s == stack;
	struct span_entry *e, tmp;
	struct line line = {0};
	uint64_t hash;
	int ret;

	if (n >= UINT32_MAX)
		return -E2BIG;
	if (is_root && frame_suffix(s, n) == SUFFIX_INLINE) {
		/* inlined into nothing: a frame named with its suffix; rare, so not cached */
		ret = resolve_frame(ps, s, n, true, &tmp);
		if (ret)
			return ret;
		e = &tmp;
	} else {
		hash = hash_bytes(s, n, 0);
		e = span_map__find(&ps->frames, hash, s, n);
		if (!e) {
			ret = resolve_frame(ps, s, n, false, &tmp);
			if (ret)
				return ret;
			e = span_map__add(&ps->frames, hash, &tmp);
			if (!e)
				return -ENOMEM;
		}
	}
	line.function_id = e->a;
	if (e->flags != SUFFIX_INLINE) {
		ret = flush_group(ps);
		if (ret)
			return ret;
		ps->group_loc = e->b;
		ps->group_mapping = e->flags == SUFFIX_KERNEL ? ps->kernel_mapping
				    : e->flags == SUFFIX_JIT  ? ps->jit_mapping
							      : 0;
	}
	ps->group_end = (size_t)(s + n - stack);
	return vec_push(&ps->group, line);
}

/* How many leading bytes of a[0..n) and b[0..n) are equal. */
static size_t common_prefix(const char *a, const char *b, size_t n)
{
	size_t i = 0;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (; i + 8 <= n; i += 8) {
		uint64_t x, y;

		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return i + (size_t)(__builtin_ctzll(x ^ y) >> 3);
	}
#endif
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

/*
 * Keep the previous line's locations that the new stack s[0..n) starts with, so a sorted
 * file (where neighbours share long prefixes) costs a memcmp for most frames. Returns where
 * parsing resumes.
 */
static size_t reuse_prefix(struct folded_parser *ps, const char *s, size_t n)
{
	size_t len = ps->prev_len < n ? ps->prev_len : n, common, k = 0, r;
	const char *next;

	common = ps->prev ? common_prefix(ps->prev, s, len) : 0;
	while (k < ps->ends.len &&
	       (ps->ends.data[k] < common ||
		(ps->ends.data[k] == common && (common == n || s[common] == ';'))))
		k++;
	/* the frame after the kept ones must not be inlined into the last kept one */
	if (k && ps->ends.data[k - 1] < n) {
		r = ps->ends.data[k - 1] + 1;
		next = memchr(s + r, ';', n - r);
		if (frame_suffix(s + r, (size_t)((next ? next : s + n) - (s + r))) == SUFFIX_INLINE)
			k--;
	}
	ps->locs.len = ps->ends.len = k;
	return k ? ps->ends.data[k - 1] + 1 : 0;
}

/* Parse the frames of a stack into ps->locs: 0, LINE_BAD for an empty frame, or -errno. */
static int parse_stack(struct folded_parser *ps, const char *s, size_t n)
{
	const char *e = s + n, *f, *next;
	size_t r = reuse_prefix(ps, s, n);
	int ret;

	ps->group.len = 0;
	if (r > n)
		return 0; /* the whole stack was the previous line's */
	for (f = s + r;; f = next + 1) {
		next = memchr(f, ';', (size_t)(e - f));
		if (!next)
			next = e;
		if (next == f)
			return LINE_BAD; /* "a;;b", ";a", "a;": empty frame */
		ret = add_frame(ps, s, f, (size_t)(next - f));
		if (ret)
			return ret;
		if (next == e)
			break;
	}
	return flush_group(ps);
}

/* Split "stack c1 [c2]" into the stack's end and its counts. */
static bool split_counts(const struct folded_parser *ps, const char *s, const char *e,
			 const char **stack_end, int64_t *values)
{
	const char *sp = memrchr(s, ' ', (size_t)(e - s)), *sp2;

	if (!sp || !parse_count(sp + 1, e, &values[ps->ncols - 1]))
		return false;
	if (ps->ncols == 2) {
		sp2 = memrchr(s, ' ', (size_t)(sp - s));
		if (!sp2 || !parse_count(sp2 + 1, sp, &values[0]))
			return false;
		sp = sp2;
	}
	*stack_end = sp;
	return true;
}

static int add_sample(struct folded_parser *ps, const int64_t *values)
{
	size_t n = ps->locs.len, i;

	if (n >= UINT32_MAX)
		return -E2BIG;
	ps->leaf_first.len = 0;
	if (vec_reserve(&ps->leaf_first, n))
		return -ENOMEM;
	/* folded is root first, samples leaf first */
	for (i = 0; i < n; i++)
		ps->leaf_first.data[i] = ps->locs.data[n - 1 - i];
	return profile__add_sample(ps->p, ps->leaf_first.data, (uint32_t)n, values, NULL, 0);
}

/* Parse one line (without its '\n'): a LINE_* result or a negative errno. */
static int parse_line(struct folded_parser *ps, const char *s, const char *e)
{
	int64_t values[2] = {0};
	const char *stack_end;
	size_t n;
	int ret;

	if (e > s && e[-1] == '\r')
		e--;
	if (is_blank(s, e))
		return LINE_BLANK;
	if (!split_counts(ps, s, e, &stack_end, values))
		return LINE_BAD;
	n = (size_t)(stack_end - s);
	ret = 0;
	if (n)
		ret = parse_stack(ps, s, n);
	else
		ps->locs.len = ps->ends.len = 0;
	if (ret) {
		ps->prev = NULL; /* the scratch holds a partial stack */
		ps->prev_len = 0;
		return ret;
	}
	ps->prev = s;
	ps->prev_len = n;
	ret = add_sample(ps, values);
	return ret ? ret : LINE_SAMPLE;
}

int folded__parse(struct profile *p, const char *buf, size_t len, size_t *first_bad_line,
		  struct flame_err *err)
{
	struct folded_parser ps = {.p = p};
	const char *pos = buf, *end = buf + len;
	size_t lineno = 0, first_bad = 0, ngood = 0, ntypes = p->sample_types.len;
	int ret;

	if (first_bad_line)
		*first_bad_line = 0;
	ret = setup_columns(&ps, buf, len, err);
	if (ret)
		goto out;
	while (pos < end) {
		const char *nl = memchr(pos, '\n', (size_t)(end - pos));

		lineno++;
		ret = pos == ps.header ? LINE_BLANK : parse_line(&ps, pos, nl ? nl : end);
		if (ret < 0)
			goto out;
		if (ret == LINE_SAMPLE) {
			ngood++;
		} else if (ret == LINE_BAD) {
			p->quality.bad_lines++;
			if (!first_bad)
				first_bad = lineno;
		}
		pos = nl ? nl + 1 : end;
	}
	ret = 0;
	if (first_bad_line)
		*first_bad_line = first_bad;
	if (!ngood) {
		ret = flame_err__set(err, EINVAL,
				     "folded: no stack lines found (expected 'frame;frame;... "
				     "count')");
		/* leave p as it came when nothing was added to it */
		if (!ntypes && !p->samples.len) {
			p->sample_types.len = 0;
			p->default_sample_type = 0;
		}
	}
out:
	if (ret == -ENOMEM || ret == -E2BIG)
		flame_err__set(err, -ret, "folded: %s at line %zu",
			       ret == -ENOMEM ? "out of memory" : "too many strings or frames",
			       lineno);
	span_map__release(&ps.frames);
	vec_free(&ps.locs);
	vec_free(&ps.ends);
	vec_free(&ps.leaf_first);
	vec_free(&ps.group);
	vec_free(&ps.lines);
	return ret;
}

/*
 * Guess from the first lines, however long: one deep stack can take a megabyte. The byte
 * limit only bounds the work on a huge single line.
 */
#define SNIFF_BYTES (16 << 20)
#define SNIFF_LINES 8

bool folded__sniff(const char *buf, size_t len)
{
	const char *pos = buf, *end = buf + (len < SNIFF_BYTES ? len : SNIFF_BYTES);
	struct unit_header h;
	int checked = 0;

	if (find_unit_header(buf, (size_t)(end - buf), &h)) {
		/* the header line is singe's own: judge by the stack lines after it */
		const char *nl = memchr(h.line, '\n', (size_t)(end - h.line));

		pos = nl ? nl + 1 : end;
	}
	while (pos < end && checked < SNIFF_LINES) {
		const char *nl = memchr(pos, '\n', (size_t)(end - pos));
		const char *le = nl ? nl : end, *sp;

		if (!nl && end < buf + len)
			break; /* a line cut by the sniff window: judge by the lines before it */
		if (le > pos && le[-1] == '\r')
			le--;
		if (!is_blank(pos, le)) {
			/* perf script starts lines with a tab, "#" or padding */
			if (*pos == '#' || *pos == '\t' ||
			    (le - pos > 1 && pos[0] == ' ' && pos[1] == ' '))
				return false;
			/* NUL bytes are allowed: hostile names carry them (a PHP anonymous
			 * class, say), and binary formats were ruled out before this sniff */
			if (!ends_with_count(pos, le, &sp))
				return false;
			checked++;
		}
		pos = nl ? nl + 1 : end;
	}
	return checked > 0;
}

/* ---- writing ---- */

#define OUT_BUF_SIZE (1 << 16)

struct text {
	size_t off;
	size_t len;
};

struct folded_writer {
	const struct profile *p;
	FILE *out;
	char *buf;
	size_t len;
	int nv, vi[2];	  /* value columns to write, base first */
	bool header_done; /* the unit header, when one is due, is written */

	uint32_t *loc_text; /* per location: its text's index + 1, 0 until rendered */
	VEC(char) arena;
	VEC(struct text) texts; /* distinct frame texts in arena */
	struct idset text_index;

	/* 4 + 8 * nv bytes per distinct stack: a million-sample profile has nearly a million */
	VEC(uint32_t) stacks;	  /* the first sample of each distinct stack */
	VEC(int64_t) sums;	  /* nv sums per stack, the part in [-SUM_SPAN, SUM_SPAN) */
	VEC(int64_t) carries;	  /* beside sums once one leaves that range, else empty */
	struct idset stack_index; /* stack -> index in stacks */
	VEC(uint32_t) cur;	  /* the location ids of the sample being added, leaf first */
	VEC(uint32_t) other;	  /* scratch: those of a stack it is compared with or written */
};

/*
 * A stack's sum is exact whatever the counts: sums[k] + carries[k] * SUM_SPAN. Sums past
 * int64 are rare, so the carries are only allocated when one happens, and a sum costs 8
 * bytes instead of an __int128's 16.
 */
#define SUM_SPAN ((int64_t)1 << 62)

/* The cause of a failed write (ENOSPC, EFBIG...), kept by stdio in errno; EIO if none. */
static int write_error(void)
{
	return errno ? -errno : -EIO;
}

static int out_write(struct folded_writer *w, const char *s, size_t n)
{
	errno = 0;
	return fwrite(s, 1, n, w->out) == n ? 0 : write_error();
}

static int out_flush(struct folded_writer *w)
{
	int ret = w->len ? out_write(w, w->buf, w->len) : 0;

	w->len = 0;
	return ret;
}

static int out_bytes(struct folded_writer *w, const char *s, size_t n)
{
	int ret;

	if (n > OUT_BUF_SIZE - w->len) {
		if ((ret = out_flush(w)))
			return ret;
		if (n > OUT_BUF_SIZE)
			return out_write(w, s, n);
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	return 0;
}

static int out_u64(struct folded_writer *w, char sep, uint64_t v)
{
	char tmp[24], *e = tmp + sizeof(tmp), *s = e;

	do {
		*--s = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	*--s = sep;
	return out_bytes(w, s, (size_t)(e - s));
}

static int arena_put(struct folded_writer *w, const char *s, size_t n)
{
	if (vec_reserve(&w->arena, n))
		return -ENOMEM;
	memcpy(w->arena.data + w->arena.len, s, n);
	w->arena.len += n;
	return 0;
}

/* Append a function's name, with the bytes that would break a folded line replaced. */
static int arena_put_name(struct folded_writer *w, uint64_t fid)
{
	const struct profile *p = w->p;
	const struct function *f;
	size_t n, i, start = w->arena.len;
	const char *s;

	f = profile__function(p, fid);
	s = strtab__str(&p->strings, f->name);
	n = strtab__strlen(&p->strings, f->name);
	if (!n)
		return arena_put(w, "[unknown]", 9);
	if (arena_put(w, s, n))
		return -ENOMEM;
	for (i = start; i < w->arena.len; i++) {
		char *c = &w->arena.data[i];

		if (*c == ';')
			*c = ':';
		else if (*c == '\n' || *c == '\r')
			*c = ' '; /* a reader would end the line there */
		else if (*c == '\0')
			*c = '?'; /* C strings, and so most tools, would end the name there */
	}
	return 0;
}

static const char *kind_suffix(const struct profile *p, const struct location *loc,
			       const struct line *line)
{
	switch (profile__frame_kind(p, loc, line)) {
	case FRAME_KERNEL:
		return "_[k]";
	case FRAME_JIT:
		return "_[j]";
	case FRAME_INTERPRETED:
		/* a JVM's interpreter frame is in JIT memory: read back, it is one again */
		return profile__frame_kind(p, loc, NULL) == FRAME_JIT ? "_[j]" : "";
	default:
		return "";
	}
}

/*
 * A plain name that ends like a kernel, JIT or waker suffix ("b_[k]", "b_[w]") would lose it
 * when read back: "_[w]" after it is the one suffix a reader drops, keeping the name whole.
 * ("_[i]" is left alone: a root frame keeps it as its name, any other is inlined.)
 */
static bool loses_suffix(const char *s, size_t n)
{
	enum frame_suffix suffix = frame_suffix(s, n);

	return suffix == SUFFIX_KERNEL || suffix == SUFFIX_JIT || suffix == SUFFIX_WAKER;
}

/* Render a location root first: the real function, then what was inlined into it. */
static int render_location(struct folded_writer *w, const struct location *loc)
{
	const struct line *lines = profile__location_lines(w->p, loc);
	const char *suffix;
	char addr[24];
	uint32_t k;
	int ret;

	if (!loc->nlines) {
		/* unsymbolized: the address is all there is to show */
		if (loc->address)
			ret = arena_put(w, addr,
					(size_t)snprintf(addr, sizeof(addr), "0x%llx",
							 (unsigned long long)loc->address));
		else
			ret = arena_put(w, "[unknown]", 9);
		suffix = kind_suffix(w->p, loc, NULL);
		return ret ? ret : arena_put(w, suffix, strlen(suffix));
	}
	for (k = loc->nlines; k-- > 0;) {
		bool outer = k == loc->nlines - 1;

		size_t start;

		suffix = outer ? kind_suffix(w->p, loc, &lines[k]) : "_[i]";
		if (!outer && arena_put(w, ";", 1))
			return -ENOMEM;
		start = w->arena.len;
		ret = arena_put_name(w, lines[k].function_id);
		if (!ret && !*suffix && loses_suffix(w->arena.data + start, w->arena.len - start))
			suffix = "_[w]";
		if (!ret)
			ret = arena_put(w, suffix, strlen(suffix));
		if (ret)
			return ret;
	}
	return 0;
}

struct text_key {
	const char *s;
	size_t len;
};

static bool text_eq(uint32_t idx, const void *key, void *ctx)
{
	const struct folded_writer *w = ctx;
	const struct text *t = &w->texts.data[idx];
	const struct text_key *k = key;

	return t->len == k->len && memcmp(w->arena.data + t->off, k->s, k->len) == 0;
}

/* The writer takes any profile, validated or not: check what it is about to follow. */
static int check_location(const struct profile *p, const struct location *loc)
{
	const struct line *lines = p->lines.data + loc->line_start;
	uint32_t k;

	if (loc->mapping_id > p->mappings.len ||
	    (size_t)loc->line_start + loc->nlines > p->lines.len)
		return -EINVAL;
	for (k = 0; k < loc->nlines; k++)
		if (!lines[k].function_id || lines[k].function_id > p->functions.len)
			return -EINVAL;
	return 0;
}

/* The index + 1 of location id's text, rendering it (and deduplicating it) on first use. */
static int64_t location_text(struct folded_writer *w, uint64_t id)
{
	const struct location *loc;
	struct text t = {.off = w->arena.len};
	struct text_key k;
	uint64_t hash;
	int64_t idx;
	int ret;

	if (!id || id > w->p->locations.len)
		return -EINVAL;
	if (w->loc_text[id - 1])
		return w->loc_text[id - 1];
	loc = profile__location(w->p, id);
	ret = check_location(w->p, loc);
	if (ret)
		return ret;
	ret = render_location(w, loc);
	if (ret)
		return ret;
	t.len = w->arena.len - t.off;
	k = (struct text_key){w->arena.data + t.off, t.len};
	hash = hash_bytes(k.s, k.len, 0);
	idx = idset__find(&w->text_index, hash, &k, text_eq, w);
	if (idx >= 0) {
		w->arena.len = t.off; /* the same text as another location's: keep one copy */
	} else {
		if (w->texts.len >= UINT32_MAX - 1 || vec_push(&w->texts, t) ||
		    idset__insert(&w->text_index, hash, (uint32_t)(w->texts.len - 1)))
			return -ENOMEM;
		idx = (int64_t)w->texts.len - 1;
	}
	w->loc_text[id - 1] = (uint32_t)idx + 1;
	return idx + 1;
}

/* A stored stack's location ids into other.data (an empty stack leaves it as it is). */
static int stack_locs(struct folded_writer *w, size_t si)
{
	uint32_t n = w->p->samples.data[si].nlocs;

	w->other.len = 0;
	if (!n)
		return 0;
	if (vec_reserve(&w->other, n))
		return -ENOMEM;
	/* (read once already, when the stack was added: it cannot fail here) */
	return profile__sample_locs(w->p, si, w->other.data);
}

/* Stacks are equal when their frames' texts are: compare through loc_text. */
static bool stack_eq(uint32_t idx, const void *key, void *ctx)
{
	struct folded_writer *w = ctx;
	const struct profile *p = w->p;
	size_t a = w->stacks.data[idx], b = *(const uint32_t *)key;
	const uint32_t *la, *lb = w->cur.data;
	uint32_t n = p->samples.data[a].nlocs, j;

	if (n != p->samples.data[b].nlocs)
		return false;
	/* (other has room for the ids of the sample being added: no allocation here) */
	if (stack_locs(w, a))
		return false;
	la = w->other.data;
	for (j = 0; j < n; j++)
		if (la[j] != lb[j] && w->loc_text[la[j] - 1] != w->loc_text[lb[j] - 1])
			return false;
	return true;
}

/* The carries start when the first sum leaves the range: zero for every stack so far. */
static int start_carries(struct folded_writer *w)
{
	if (vec_reserve(&w->carries, w->sums.len))
		return -ENOMEM;
	memset(w->carries.data, 0, w->sums.len * sizeof(*w->carries.data));
	w->carries.len = w->sums.len;
	return 0;
}

static int add_to_sum(struct folded_writer *w, size_t at, int64_t v)
{
	__int128 t = (__int128)w->sums.data[at] + v;
	int64_t carry = 0;

	/* |t| < 3 * SUM_SPAN: at most two steps either way */
	for (; t >= SUM_SPAN; t -= SUM_SPAN)
		carry++;
	for (; t < -SUM_SPAN; t += SUM_SPAN)
		carry--;
	w->sums.data[at] = (int64_t)t;
	if (!carry)
		return 0;
	if (!w->carries.data && start_carries(w))
		return -ENOMEM;
	w->carries.data[at] += carry;
	return 0;
}

static __int128 sum_of(const struct folded_writer *w, size_t at)
{
	__int128 carry = w->carries.data ? w->carries.data[at] : 0;

	return carry * SUM_SPAN + w->sums.data[at];
}

/* A new stack's sums, all zero. */
static int push_zero_sums(struct folded_writer *w)
{
	int i;

	if (vec_reserve(&w->sums, (size_t)w->nv) ||
	    (w->carries.data && vec_reserve(&w->carries, (size_t)w->nv)))
		return -ENOMEM;
	for (i = 0; i < w->nv; i++) {
		w->sums.data[w->sums.len++] = 0;
		if (w->carries.data)
			w->carries.data[w->carries.len++] = 0;
	}
	return 0;
}

static int add_to_stacks(struct folded_writer *w, uint32_t si)
{
	const struct profile *p = w->p;
	const struct sample *s = &p->samples.data[si];
	const int64_t *values = profile__sample_values(p, si);
	const uint32_t *locs;
	uint64_t hash = s->nlocs;
	int64_t idx;
	uint32_t j;
	int i;

	w->cur.len = 0;
	if (vec_reserve(&w->cur, s->nlocs) || vec_reserve(&w->other, s->nlocs))
		return -ENOMEM;
	if (profile__sample_locs(p, si, w->cur.data))
		return -EINVAL;
	locs = w->cur.data;
	for (j = 0; j < s->nlocs; j++) {
		int64_t t = location_text(w, locs[j]);

		if (t < 0)
			return (int)t;
		hash = hash_mix(hash, (uint64_t)t);
	}
	idx = idset__find(&w->stack_index, hash, &si, stack_eq, w);
	if (idx < 0) {
		if (w->stacks.len >= UINT32_MAX - 1 || vec_push(&w->stacks, si) ||
		    push_zero_sums(w) ||
		    idset__insert(&w->stack_index, hash, (uint32_t)(w->stacks.len - 1)))
			return -ENOMEM;
		idx = (int64_t)w->stacks.len - 1;
	}
	for (i = 0; i < w->nv; i++)
		if (add_to_sum(w, (size_t)idx * (size_t)w->nv + (size_t)i, values[w->vi[i]]))
			return -ENOMEM;
	return 0;
}

/* A type or unit name in the header: one word, so blanks become '_'. */
static int out_header_word(struct folded_writer *w, const char *s)
{
	for (; *s; s++) {
		char c = *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' ? '_' : *s;

		if (out_bytes(w, &c, 1))
			return -EIO;
	}
	return 0;
}

/*
 * The unit header, when a column is not a count: its readers would take it for one. Written
 * before the first stack line, so output without stacks stays empty.
 */
static int write_unit_header(struct folded_writer *w)
{
	const struct profile *p = w->p;
	bool counts = true;
	int k, ret = 0;

	if (w->header_done)
		return 0;
	w->header_done = true;
	for (k = 0; k < w->nv; k++)
		counts &= !strcmp(profile__str(p, p->sample_types.data[w->vi[k]].unit), "count");
	if (counts)
		return 0;
	ret = out_bytes(w, UNIT_HEADER, sizeof(UNIT_HEADER) - 1);
	for (k = 0; k < w->nv && !ret; k++) {
		const struct value_type *vt = &p->sample_types.data[w->vi[k]];

		ret = out_bytes(w, " ", 1) ?: out_header_word(w, profile__str(p, vt->type)) ?:
		      out_bytes(w, "/", 1) ?: out_header_word(w, profile__str(p, vt->unit));
	}
	return ret ?: out_bytes(w, "\n", 1);
}

static int write_stack_text(struct folded_writer *w, size_t si)
{
	uint32_t j = w->p->samples.data[si].nlocs;
	const uint32_t *locs;
	int ret = stack_locs(w, si);

	locs = w->other.data;
	while (j-- > 0 && !ret) {
		const struct text *t = &w->texts.data[w->loc_text[locs[j] - 1] - 1];

		ret = out_bytes(w, w->arena.data + t->off, t->len);
		if (!ret && j)
			ret = out_bytes(w, ";", 1);
	}
	return ret;
}

/* One stack's lines; sums beyond INT64_MAX are split so a reader can take every count. */
static int write_stack(struct folded_writer *w, size_t k)
{
	__int128 left[2];
	bool any = false;
	int i, ret;

	for (i = 0; i < w->nv; i++) {
		left[i] = sum_of(w, k * (size_t)w->nv + (size_t)i);
		if (left[i] < 0)
			left[i] = 0;
		any |= left[i] > 0;
	}
	while (any) {
		any = false;
		ret = write_unit_header(w) ?: write_stack_text(w, w->stacks.data[k]);
		for (i = 0; i < w->nv && !ret; i++) {
			int64_t chunk = left[i] > INT64_MAX ? INT64_MAX : (int64_t)left[i];

			left[i] -= chunk;
			any |= left[i] > 0;
			ret = out_u64(w, ' ', (uint64_t)chunk);
		}
		if (ret || (ret = out_bytes(w, "\n", 1)))
			return ret;
	}
	return 0;
}

static void writer_release(struct folded_writer *w)
{
	free(w->buf);
	free(w->loc_text);
	vec_free(&w->arena);
	vec_free(&w->texts);
	idset_release(&w->text_index);
	vec_free(&w->stacks);
	vec_free(&w->sums);
	vec_free(&w->carries);
	idset_release(&w->stack_index);
	vec_free(&w->cur);
	vec_free(&w->other);
}

int folded__default_sample_type(const struct profile *p)
{
	int def = profile__default_sample_type(p);
	size_t i;

	if (def < 0 || !strcmp(profile__str(p, p->sample_types.data[def].unit), "count"))
		return def;
	/* a type's count comes just before its value: inuse_objects before inuse_space */
	if (def > 0 && !strcmp(profile__str(p, p->sample_types.data[def - 1].unit), "count"))
		return def - 1;
	for (i = 0; i < p->sample_types.len; i++)
		if (!strcmp(profile__str(p, p->sample_types.data[i].unit), "count"))
			return (int)i;
	return def;
}

int folded__write(const struct profile *p, int vi, int base_vi, FILE *out)
{
	struct folded_writer w = {.p = p, .out = out};
	size_t i, ntypes = p->sample_types.len;
	int ret = 0;

	if (vi < 0 || (size_t)vi >= ntypes || base_vi >= (int)ntypes || base_vi < -1)
		return -EINVAL;
	if (p->sample_values.len != p->samples.len * ntypes)
		return -EINVAL;
	/* stacks are kept by a sample index of 32 bits (a 1 GiB input holds fewer samples) */
	if (p->samples.len > UINT32_MAX)
		return -E2BIG;
	if (base_vi >= 0)
		w.vi[w.nv++] = base_vi;
	w.vi[w.nv++] = vi;
	w.buf = malloc(OUT_BUF_SIZE);
	w.loc_text = calloc(p->locations.len + 1, sizeof(*w.loc_text));
	if (!w.buf || !w.loc_text)
		ret = -ENOMEM;
	for (i = 0; i < p->samples.len && !ret; i++)
		ret = add_to_stacks(&w, (uint32_t)i);
	/* the indexes are not needed for writing: free them before the output grows */
	idset_release(&w.text_index);
	idset_release(&w.stack_index);
	for (i = 0; i < w.stacks.len && !ret; i++)
		ret = write_stack(&w, i);
	if (!ret)
		ret = out_flush(&w);
	errno = 0;
	if (!ret && (fflush(out) || ferror(out)))
		ret = write_error();
	writer_release(&w);
	return ret;
}
