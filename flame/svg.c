// SPDX-License-Identifier: MIT
/*
 * The SVG flame graph writer. Three steps:
 *  1. build the call tree (tree.h) for the chosen value column;
 *  2. choose what to draw: walk the tree depth first, dropping frames narrower than
 *     minwidth (merging runs of small siblings into one box when they are wide enough
 *     together), then keep only the max_frames widest; children are never wider than their
 *     parent, so the widest frames form a connected tree;
 *  3. write the frames, depth first (the script relies on that order to find subtrees).
 *
 * Layout follows flamegraph.pl: xpad 10, title on top, controls at the top corners, details
 * line at the bottom, one px between rows, text fitted at fontsize * 0.59 px per character.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "svg.h"
#include "svg_script.h"
#include "tree.h"

#define XPAD SVG_XPAD
#define FRAMEPAD SVG_FRAMEPAD
#define FONTWIDTH 0.59
#define DEFAULT_WIDTH 1200
#define DEFAULT_FRAME_HEIGHT 16
#define DEFAULT_FONTSIZE 12
#define DEFAULT_MINWIDTH 0.1
#define DEFAULT_MAX_FRAMES 20000
#define DEFAULT_MAX_BYTES 5000000

const char *palette__name(enum palette palette)
{
	static const char *const names[PALETTE_COUNT] = {
		[PALETTE_AUTO] = "auto", [PALETTE_HOT] = "hot",	      [PALETTE_MEM] = "mem",
		[PALETTE_IO] = "io",	 [PALETTE_WAKEUP] = "wakeup",
	};

	return (unsigned)palette < PALETTE_COUNT ? names[palette] : "auto";
}

void svg_opts__init(struct svg_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->width = DEFAULT_WIDTH;
	o->frame_height = DEFAULT_FRAME_HEIGHT;
	o->fontsize = DEFAULT_FONTSIZE;
	o->minwidth = DEFAULT_MINWIDTH;
	o->colors = PALETTE_AUTO;
	o->max_frames = DEFAULT_MAX_FRAMES;
	o->max_bytes = DEFAULT_MAX_BYTES;
}

/* How values are shown in tooltips. */
enum unit_kind {
	UNIT_COUNT, /* "1,234 samples" */
	UNIT_TIME,  /* nanoseconds, shown as "12.3 ms" */
	UNIT_BYTES, /* shown as "4.5 MiB" */
};

/* One frame to draw: a tree node, or a box standing for several small siblings. */
struct cand {
	uint32_t node;	 /* tree node (for a merged box: the parent's node) */
	uint32_t parent; /* index of the parent candidate; UINT32_MAX for the root */
	uint32_t depth;
	uint32_t nmerged; /* 0 = a real node; else the number of siblings merged */
	double x;	  /* offset from the left, in value units */
	int64_t total;
	bool keep;
};

struct render {
	const struct profile *p;
	const struct svg_opts *o;
	FILE *out;
	struct tree *t;
	struct cand *cands;
	size_t ncands, cands_cap;
	int width, frame_height, fontsize;
	double scale;  /* px per value unit */
	double minval; /* frames below this value are not drawn */
	int64_t total; /* the root's value */
	uint32_t max_depth;
	bool diff; /* colour by self change against the base column */
	bool wall; /* the wall view: the base column is the off-CPU part of each frame */
	int64_t maxdelta;
	enum unit_kind unit;
	int64_t unit_scale; /* multiply values by this to get ns or bytes */
	const char *countname;
	bool kinds_seen[FRAME_KIND_COUNT];
	bool inlined_seen;
	int ypad1;
	int frames_bottom; /* y of the bottom edge of the frame area */
	int height;
};

/* --- number formatting --------------------------------------------------------------- */

/*
 * Number output for the per-frame hot path: formatted by hand and written unlocked, since
 * vfprintf was most of the cost of writing 20,000 frames.
 */
static void put_s(FILE *out, const char *s)
{
	fputs_unlocked(s, out);
}

static void put_u64(FILE *out, uint64_t v)
{
	char buf[24];
	int i = sizeof(buf);

	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	fwrite_unlocked(buf + i, 1, sizeof(buf) - (size_t)i, out);
}

/* v / 10^decimals with exactly that many decimals (v >= 0): 1234, 2 → "12.34". */
static void put_fixed(FILE *out, uint64_t v, int decimals)
{
	uint64_t div = decimals == 2 ? 100 : decimals == 1 ? 10 : 1, frac = v % div;

	put_u64(out, v / div);
	if (!decimals)
		return;
	putc_unlocked('.', out);
	if (decimals == 2)
		putc_unlocked((int)('0' + frac / 10), out);
	putc_unlocked((int)('0' + frac % 10), out);
}

/* A coordinate with at most two decimals and no trailing zeros: "12", "12.5", "12.34". */
static void put_num(FILE *out, double v)
{
	long long c = llround(v * 100);
	uint64_t a = c < 0 ? -(uint64_t)c : (uint64_t)c;

	if (c < 0)
		putc_unlocked('-', out);
	if (a % 100 == 0)
		put_u64(out, a / 100);
	else if (a % 10 == 0)
		put_fixed(out, a / 10, 1);
	else
		put_fixed(out, a, 2);
}

void svg__put_num(FILE *out, double v)
{
	put_num(out, v);
}

/* An integer with thousands separators: "1,234,567". */
static void put_int(FILE *out, int64_t v)
{
	char buf[32];
	uint64_t a = v < 0 ? -(uint64_t)v : (uint64_t)v;
	int i = sizeof(buf), digits = 0;

	do {
		if (digits && digits % 3 == 0)
			buf[--i] = ',';
		buf[--i] = (char)('0' + a % 10);
		a /= 10;
		digits++;
	} while (a);
	if (v < 0)
		buf[--i] = '-';
	fwrite_unlocked(buf + i, 1, sizeof(buf) - (size_t)i, out);
}

static void put_scaled(FILE *out, double v, const char *const *units, const double *steps,
		       int nunits)
{
	int i = 0;
	double a = fabs(v);

	while (i < nunits - 1 && a >= steps[i + 1])
		i++;
	if (v < 0)
		putc_unlocked('-', out);
	if (i == 0)
		put_u64(out, (uint64_t)llround(a));
	else
		put_fixed(out, (uint64_t)llround(a / steps[i] * 10), 1);
	putc_unlocked(' ', out);
	put_s(out, units[i]);
}

/* A value in the drawn unit: "1,234 samples", "12.3 ms", "4.5 MiB". */
static void put_value(struct render *r, int64_t v)
{
	static const char *const time_units[] = {"ns", "\xc2\xb5s", "ms", "s"};
	static const double time_steps[] = {1, 1e3, 1e6, 1e9};
	static const char *const byte_units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	static const double byte_steps[] = {1, 1024.0, 1048576.0, 1073741824.0, 1099511627776.0};

	switch (r->unit) {
	case UNIT_TIME:
		put_scaled(r->out, (double)v * (double)r->unit_scale, time_units, time_steps, 4);
		break;
	case UNIT_BYTES:
		put_scaled(r->out, (double)v * (double)r->unit_scale, byte_units, byte_steps, 5);
		break;
	default:
		put_int(r->out, v);
		putc_unlocked(' ', r->out);
		escape__xml_text(r->out, r->countname, strlen(r->countname));
	}
}

static void put_signed_value(struct render *r, int64_t v)
{
	putc_unlocked(v < 0 ? '-' : '+', r->out);
	put_value(r, v < 0 ? (v == INT64_MIN ? INT64_MAX : -v) : v);
}

static void put_pct(FILE *out, double part, double whole)
{
	double pct = whole != 0 ? 100.0 * part / whole : 0.0;

	if (pct < 0)
		putc_unlocked('-', out);
	put_fixed(out, (uint64_t)llround(fabs(pct) * 100), 2);
	putc_unlocked('%', out);
}

/* --- choosing the unit --------------------------------------------------------------- */

static void choose_unit(struct render *r, size_t vi)
{
	const struct value_type *vt = &r->p->sample_types.data[vi];
	const char *unit = profile__str(r->p, vt->unit), *type = profile__str(r->p, vt->type);
	static const struct {
		const char *name;
		enum unit_kind kind;
		int64_t scale;
	} units[] = {
		{"nanoseconds", UNIT_TIME, 1},
		{"ns", UNIT_TIME, 1},
		{"microseconds", UNIT_TIME, 1000},
		{"us", UNIT_TIME, 1000},
		{"milliseconds", UNIT_TIME, 1000000},
		{"ms", UNIT_TIME, 1000000},
		{"seconds", UNIT_TIME, 1000000000},
		{"s", UNIT_TIME, 1000000000},
		{"bytes", UNIT_BYTES, 1},
		{"kilobytes", UNIT_BYTES, 1024},
		{"megabytes", UNIT_BYTES, 1048576},
	};
	size_t i;

	r->unit = UNIT_COUNT;
	r->unit_scale = 1;
	if (r->o->countname) {
		/* an explicit countname means raw numbers with that name, as in flamegraph.pl */
		r->countname = r->o->countname;
		return;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(unit, units[i].name)) {
			r->unit = units[i].kind;
			r->unit_scale = units[i].scale;
			r->countname = r->unit == UNIT_TIME ? "ns" : "bytes";
			return;
		}
	}
	if (!*unit || !strcmp(unit, "count"))
		r->countname = *type ? type : "samples";
	else
		r->countname = unit;
}

/* --- colours ------------------------------------------------------------------------- */

struct rgb {
	int r, g, b;
};

/* Three independent fractions of 1 from a name (FNV-1a, byte order independent). */
static void name_hash(const char *s, size_t len, double v[3])
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	v[0] = (double)(h & 0xffff) / 65536.0;
	v[1] = (double)((h >> 16) & 0xffff) / 65536.0;
	v[2] = (double)((h >> 32) & 0xffff) / 65536.0;
}

static struct rgb hue(enum palette pal, enum frame_kind kind, const double v[3])
{
	if (pal == PALETTE_AUTO) {
		switch (kind) {
		case FRAME_KERNEL: /* steel blue */
			return (struct rgb){100 + (int)(50 * v[0]), 140 + (int)(50 * v[0]),
					    200 + (int)(55 * v[1])};
		case FRAME_GO: /* aqua */
			return (struct rgb){50 + (int)(60 * v[0]), 165 + (int)(55 * v[0]),
					    165 + (int)(55 * v[0])};
		case FRAME_JIT: /* green */
			return (struct rgb){50 + (int)(60 * v[0]), 200 + (int)(55 * v[0]),
					    50 + (int)(60 * v[0])};
		case FRAME_INTERPRETED: /* purple */
			return (struct rgb){190 + (int)(65 * v[0]), 80 + (int)(60 * v[0]),
					    190 + (int)(65 * v[0])};
		case FRAME_UNKNOWN: /* grey */
			return (struct rgb){170 + (int)(40 * v[0]), 170 + (int)(40 * v[0]),
					    170 + (int)(40 * v[0])};
		default: /* native: flamegraph.pl's "hot" */
			break;
		}
	}
	switch (pal) {
	case PALETTE_MEM:
		return (struct rgb){0, 190 + (int)(50 * v[1]), (int)(210 * v[0])};
	case PALETTE_IO:
		return (struct rgb){80 + (int)(60 * v[0]), 80 + (int)(60 * v[0]),
				    190 + (int)(55 * v[1])};
	case PALETTE_WAKEUP:
		return (struct rgb){50 + (int)(60 * v[0]), 165 + (int)(55 * v[0]),
				    165 + (int)(55 * v[0])};
	default:
		return (struct rgb){205 + (int)(50 * v[2]), (int)(230 * v[0]), (int)(55 * v[1])};
	}
}

/* Inlined frames: the same hue, lighter (and dashed, through CSS). */
static struct rgb lighten(struct rgb c)
{
	return (struct rgb){c.r + (255 - c.r) * 11 / 20, c.g + (255 - c.g) * 11 / 20,
			    c.b + (255 - c.b) * 11 / 20};
}

/* flamegraph.pl's differential scale: red grew, blue shrank, white unchanged. */
static struct rgb diff_colour(int64_t delta, int64_t maxdelta)
{
	struct rgb c = {255, 255, 255};
	double f;

	if (!maxdelta || !delta)
		return c;
	f = (double)(delta < 0 ? -(double)delta : (double)delta) / (double)maxdelta;
	if (delta > 0)
		c.g = c.b = (int)(210 * (1 - f));
	else
		c.r = c.g = (int)(210 * (1 - f));
	return c;
}

static void put_rgb(FILE *out, struct rgb c)
{
	static const char hex[] = "0123456789abcdef";
	char buf[7] = {'#',	      hex[(c.r >> 4) & 15], hex[c.r & 15], hex[(c.g >> 4) & 15],
		       hex[c.g & 15], hex[(c.b >> 4) & 15], hex[c.b & 15]};

	fwrite_unlocked(buf, 1, sizeof(buf), out);
}

/* In the wall view: whether most of a frame's time (with its callees') was spent off-CPU. */
static bool mostly_off_cpu(const struct render *r, uint32_t node)
{
	return 2 * tree__base_total(r->t, node) > tree__node(r->t, node)->total;
}

static struct rgb frame_colour(struct render *r, const struct cand *c)
{
	const struct tree_node *n = tree__node(r->t, c->node);
	const char *name = tree__name(r->t, c->node);
	size_t len = tree__name_len(r->t, c->node);
	double v[3];
	struct rgb rgb;

	if (c->nmerged)
		return (struct rgb){200, 200, 200};
	if (r->diff)
		return diff_colour(n->self - tree__base_self(r->t, c->node), r->maxdelta);
	/* flamegraph.pl's separator frames; offwaketime's between a waker and its wakee */
	if ((len == 1 && name[0] == '-') || (len == 2 && !memcmp(name, "--", 2)))
		return (struct rgb){160, 160, 160};
	name_hash(name, len, v);
	if (r->wall) /* cool where most of the frame's time was off-CPU, warm where on-CPU */
		return hue(mostly_off_cpu(r, c->node) ? PALETTE_IO : PALETTE_HOT, FRAME_NATIVE, v);
	rgb = hue(r->o->colors, (enum frame_kind)n->kind, v);
	return n->inlined ? lighten(rgb) : rgb;
}

/* --- choosing the frames ------------------------------------------------------------- */

static int push_cand(struct render *r, const struct cand *c)
{
	if (r->ncands == r->cands_cap) {
		size_t cap = r->cands_cap ? r->cands_cap * 2 : 1024;
		void *p = realloc(r->cands, cap * sizeof(*r->cands));

		if (!p)
			return -ENOMEM;
		r->cands = p;
		r->cands_cap = cap;
	}
	r->cands[r->ncands++] = *c;
	return 0;
}

struct walk_item {
	uint32_t node, parent, depth, nmerged;
	double x;
	int64_t total;
};

struct walk_stack {
	struct walk_item *items;
	size_t len, cap;
};

static int walk_push(struct walk_stack *s, struct walk_item it)
{
	if (s->len == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		void *p = realloc(s->items, cap * sizeof(*s->items));

		if (!p)
			return -ENOMEM;
		s->items = p;
		s->cap = cap;
	}
	s->items[s->len++] = it;
	return 0;
}

/*
 * Push the children of candidate ci: wide ones in their sorted order, packed from the left,
 * then one box for the small ones if they are wide enough together. Pushed in reverse so
 * the depth-first walk meets them in layout order.
 */
static int push_children(struct render *r, struct walk_stack *s, uint32_t ci)
{
	const struct cand *c = &r->cands[ci];
	const struct tree_node *n = tree__node(r->t, c->node);
	size_t base = s->len, i, j;
	double x = c->x;
	int64_t small = 0;
	uint32_t nsmall = 0;
	int ret;

	for (i = 0; i < n->nchildren; i++) {
		uint32_t child = tree__child(r->t, c->node, (uint32_t)i);
		int64_t total = tree__node(r->t, child)->total;

		if (total <= 0)
			continue;
		if ((double)total < r->minval) {
			small += total;
			nsmall++;
			continue;
		}
		ret = walk_push(s, (struct walk_item){child, ci, c->depth + 1, 0, x, total});
		if (ret)
			return ret;
		x += (double)total;
	}
	if (nsmall >= 2 && (double)small >= r->minval) {
		ret = walk_push(s, (struct walk_item){c->node, ci, c->depth + 1, nsmall, x, small});
		if (ret)
			return ret;
	}
	/* reverse what was pushed, so the leftmost child is on top */
	for (i = base, j = s->len; i + 1 < j; i++, j--) {
		struct walk_item tmp = s->items[i];

		s->items[i] = s->items[j - 1];
		s->items[j - 1] = tmp;
	}
	return 0;
}

static int collect(struct render *r)
{
	struct walk_stack s = {0};
	int ret = walk_push(&s, (struct walk_item){TREE_ROOT, UINT32_MAX, 0, 0, 0, r->total});

	while (!ret && s.len) {
		struct walk_item it = s.items[--s.len];
		struct cand c = {it.node, it.parent, it.depth, it.nmerged, it.x, it.total, true};

		if (r->ncands >= UINT32_MAX - 1) {
			ret = -E2BIG;
			break;
		}
		ret = push_cand(r, &c);
		if (!ret && !it.nmerged)
			ret = push_children(r, &s, (uint32_t)(r->ncands - 1));
	}
	free(s.items);
	return ret;
}

static void swap64(int64_t *a, int64_t *b)
{
	int64_t t = *a;

	*a = *b;
	*b = t;
}

/* The k-th largest value of v[0..n) (k from 0), reordering v: quickselect. */
static int64_t kth_largest(int64_t *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n;

	/* three-way partitions: many frames share a total (1 sample), which must stay linear */
	while (hi - lo > 1) {
		int64_t a = v[lo], b = v[lo + (hi - lo) / 2], c = v[hi - 1];
		int64_t pivot =
			a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
		size_t gt = lo, i = lo, lt = hi;

		/* [lo, gt) > pivot, [gt, i) == pivot, [lt, hi) < pivot */
		while (i < lt) {
			if (v[i] > pivot)
				swap64(&v[i++], &v[gt++]);
			else if (v[i] < pivot)
				swap64(&v[i], &v[--lt]);
			else
				i++;
		}
		if (k < gt)
			hi = gt;
		else if (k < lt)
			return pivot;
		else
			lo = lt;
	}
	return v[lo];
}

/* Keep the max_frames widest candidates (ties: the first ones in depth-first order). */
static int apply_budget(struct render *r, size_t max_frames)
{
	int64_t *totals, threshold;
	size_t i, above = 0, ties;

	if (!max_frames || r->ncands <= max_frames) {
		for (i = 0; i < r->ncands; i++)
			r->cands[i].keep = true;
		return 0;
	}
	totals = malloc(r->ncands * sizeof(*totals));
	if (!totals)
		return -ENOMEM;
	for (i = 0; i < r->ncands; i++)
		totals[i] = r->cands[i].total;
	threshold = kth_largest(totals, r->ncands, max_frames - 1);
	free(totals);
	for (i = 0; i < r->ncands; i++)
		above += r->cands[i].total > threshold;
	ties = max_frames - above;
	for (i = 0; i < r->ncands; i++) {
		struct cand *c = &r->cands[i];
		bool parent_kept = c->parent == UINT32_MAX || r->cands[c->parent].keep;

		c->keep = false;
		if (!parent_kept || c->total < threshold)
			continue;
		if (c->total == threshold) {
			if (!ties)
				continue;
			ties--;
		}
		c->keep = true;
	}
	return 0;
}

/* About how many bytes a frame takes: markup and figures, its name twice (title, label). */
static size_t frame_bytes(const struct render *r, const struct cand *c)
{
	size_t name = c->nmerged ? 20 : tree__name_len(r->t, c->node);
	size_t fit = (size_t)((double)c->total * r->scale / (r->fontsize * FONTWIDTH));

	return 150 + (r->diff || r->wall ? 60 : 0) + name +
	       (fit >= 3 ? 30 + (fit < name ? fit : name) : 0);
}

static size_t kept_bytes(const struct render *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->ncands; i++)
		if (r->cands[i].keep)
			n += frame_bytes(r, &r->cands[i]);
	return n;
}

/*
 * Apply the frame budget, then the byte budget: when the widest max_frames frames would
 * take more than max_bytes (long C++ names do that), draw as many of the widest as fit.
 */
static int choose_frames(struct render *r, size_t max_frames, size_t max_bytes)
{
	size_t lo = 1, hi, mid;
	int ret = apply_budget(r, max_frames);

	if (ret || !max_bytes || kept_bytes(r) <= max_bytes)
		return ret;
	/* the widest lo frames fit, the widest hi do not */
	hi = max_frames && max_frames < r->ncands ? max_frames : r->ncands;
	while (lo + 1 < hi) {
		mid = lo + (hi - lo) / 2;
		if ((ret = apply_budget(r, mid)))
			return ret;
		if (kept_bytes(r) <= max_bytes)
			lo = mid;
		else
			hi = mid;
	}
	return apply_budget(r, lo);
}

static void summarize(struct render *r)
{
	size_t i;

	r->max_depth = 0;
	r->maxdelta = 0;
	for (i = 0; i < r->ncands; i++) {
		const struct cand *c = &r->cands[i];
		const struct tree_node *n = tree__node(r->t, c->node);
		int64_t d;

		if (!c->keep)
			continue;
		if (c->depth > r->max_depth)
			r->max_depth = c->depth;
		if (c->nmerged || c->parent == UINT32_MAX)
			continue;
		r->kinds_seen[n->kind < FRAME_KIND_COUNT ? n->kind : FRAME_UNKNOWN] = true;
		r->inlined_seen |= n->inlined;
		d = n->self - tree__base_self(r->t, c->node);
		d = d < 0 ? (d == INT64_MIN ? INT64_MAX : -d) : d;
		if (d > r->maxdelta)
			r->maxdelta = d;
	}
}

/* --- writing ------------------------------------------------------------------------- */

static const char css[] =
	"text{font-family:Verdana,sans-serif;font-size:%dpx;fill:#000}\n"
	"#title{text-anchor:middle;font-size:%dpx}\n"
	"#subtitle{text-anchor:middle;fill:#a0a0a0}\n"
	"#search,#ignorecase{opacity:0.1;cursor:pointer}\n"
	"#search:hover,#search.show,#ignorecase:hover,#ignorecase.show{opacity:1}\n"
	"#unzoom{cursor:pointer}\n"
	"#frames>*:hover{stroke:#000;stroke-width:0.5;cursor:pointer}\n"
	"#frames rect{rx:2px;ry:2px}\n"
	"#frames text{pointer-events:none}\n"
	".i rect{stroke:#555;stroke-width:0.75;stroke-dasharray:3,2}\n"
	".hide{display:none}\n"
	".parent{opacity:0.5}\n"
	"#legend text{font-size:%dpx;fill:#444}\n"
	"#legend rect{stroke:#888;stroke-width:0.5}\n";

static void put_str(FILE *out, const char *s)
{
	escape__xml_text(out, s, strlen(s));
}

static const char *default_title(const struct svg_opts *o)
{
	return o->inverted ? "Icicle Graph" : "Flame Graph";
}

void svg__write_header(FILE *out, const struct svg_opts *o, const char *title, int width,
		       int height, int fontsize, const char *extra_css)
{
	fprintf(out,
		"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\"%s "
		"xmlns=\"http://www.w3.org/2000/svg\">\n",
		width, height, width, height, o->no_js ? "" : " onload=\"init(evt)\"");
	fputs("<title>", out);
	put_str(out, title);
	fputs("</title>\n", out);
	if (o->notes) {
		fputs("<desc>", out);
		put_str(out, o->notes);
		fputs("</desc>\n", out);
	}
	fputs("<defs>\n<linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\">"
	      "<stop stop-color=\"#eeeeee\" offset=\"5%\"/>"
	      "<stop stop-color=\"#eeeeb0\" offset=\"95%\"/></linearGradient>\n</defs>\n",
	      out);
	fputs("<style type=\"text/css\">\n", out);
	fprintf(out, css, fontsize, fontsize + 5, fontsize > 2 ? fontsize - 1 : 1);
	if (extra_css)
		fputs(extra_css, out);
	fputs("</style>\n", out);
	if (!o->no_js) {
		fputs("<script type=\"text/ecmascript\"><![CDATA[\n", out);
		fputs(svg_script, out);
		fputs("]]></script>\n", out);
	}
	fprintf(out,
		"<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"url(#background)\"/>\n",
		width, height);
	fprintf(out, "<text id=\"title\" x=\"%d\" y=\"%d\">", width / 2, fontsize * 2);
	put_str(out, title);
	fputs("</text>\n", out);
	if (o->subtitle) {
		fprintf(out, "<text id=\"subtitle\" x=\"%d\" y=\"%d\">", width / 2, fontsize * 4);
		put_str(out, o->subtitle);
		fputs("</text>\n", out);
	}
}

static void write_header(struct render *r)
{
	svg__write_header(r->out, r->o, r->o->title ? r->o->title : default_title(r->o), r->width,
			  r->height, r->fontsize, NULL);
}

void svg__write_controls(FILE *out, int width, int fontsize, int frames_bottom)
{
	int details_y = frames_bottom + fontsize + 6;

	fprintf(out, "<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n", XPAD, details_y);
	fprintf(out, "<text id=\"unzoom\" class=\"hide\" x=\"%d\" y=\"%d\">Reset Zoom</text>\n",
		XPAD, fontsize * 2);
	fprintf(out, "<text id=\"search\" x=\"%d\" y=\"%d\">Search</text>\n", width - XPAD - 100,
		fontsize * 2);
	fprintf(out, "<text id=\"ignorecase\" x=\"%d\" y=\"%d\">ic</text>\n", width - XPAD - 16,
		fontsize * 2);
	fprintf(out, "<text id=\"matched\" class=\"hide\" x=\"%d\" y=\"%d\"> </text>\n",
		width - XPAD - 100, details_y);
}

static void write_controls(struct render *r)
{
	svg__write_controls(r->out, r->width, r->fontsize, r->frames_bottom);
}

/* The tooltip figures: "1,234 samples, 45.67%, self 12 samples". */
static void write_info(struct render *r, const struct cand *c)
{
	const struct tree_node *n = tree__node(r->t, c->node);
	FILE *out = r->out;

	if (!c->nmerged && n->inlined)
		put_s(out, "inlined, ");
	put_value(r, c->total);
	put_s(out, ", ");
	put_pct(out, (double)c->total, (double)r->total);
	if (c->nmerged)
		return;
	if (n->self && n->self != n->total) {
		put_s(out, ", self ");
		put_value(r, n->self);
	}
	if (r->wall) {
		int64_t off = tree__base_total(r->t, c->node);

		put_s(out, "\noff-CPU ");
		put_value(r, off);
		put_s(out, ", on-CPU ");
		put_value(r, n->total - off);
	}
	if (r->diff) {
		int64_t base = tree__base_total(r->t, c->node), d = n->total - base;

		put_s(out, "\nbase ");
		put_value(r, base);
		put_s(out, " \xe2\x86\x92 ");
		put_value(r, n->total);
		put_s(out, " (");
		put_signed_value(r, d);
		if (base > 0)
			fprintf(out, ", %+.1f%%", 100.0 * (double)d / (double)base);
		put_s(out, "), self ");
		put_signed_value(r, n->self - tree__base_self(r->t, c->node));
	}
}

static double frame_y(const struct render *r, uint32_t depth)
{
	if (r->o->inverted)
		return r->ypad1 + (double)depth * r->frame_height;
	return r->frames_bottom - (double)(depth + 1) * r->frame_height + FRAMEPAD;
}

void svg__write_label(FILE *out, const char *name, size_t len, double x, double y, double w,
		      int fontsize, int frame_height)
{
	size_t chars, cut;
	long fit = (long)(w / (fontsize * FONTWIDTH));

	if (fit < 3)
		return;
	put_s(out, "<text x=\"");
	put_num(out, x + 3);
	put_s(out, "\" y=\"");
	put_num(out, y + (frame_height - FRAMEPAD) / 2.0 + fontsize / 4.0);
	put_s(out, "\">");
	/* truncate on a character boundary before escaping, so no entity is ever cut */
	chars = (size_t)fit < len ? escape__count(name, len) : len;
	if (chars <= (size_t)fit) {
		escape__xml_line(out, name, len);
	} else {
		cut = escape__prefix(name, len, (size_t)fit - 2);
		escape__xml_line(out, name, cut);
		put_s(out, "..");
	}
	put_s(out, "</text>");
}

static void write_label(struct render *r, const struct cand *c, double x, double y, double w)
{
	char merged[48];
	const char *name = merged;
	size_t len;

	if (c->nmerged) {
		len = (size_t)snprintf(merged, sizeof(merged), "[%u small frames]", c->nmerged);
	} else {
		name = tree__name(r->t, c->node);
		len = tree__name_len(r->t, c->node);
	}
	svg__write_label(r->out, name, len, x, y, w, r->fontsize, r->frame_height);
}

static void write_frame(struct render *r, const struct cand *c)
{
	const struct tree_node *n = tree__node(r->t, c->node);
	FILE *out = r->out;
	double x = XPAD + c->x * r->scale, w = (double)c->total * r->scale;
	double y = frame_y(r, c->depth);

	put_s(out, !c->nmerged && n->inlined ? "<g class=\"i\"><title>" : "<g><title>");
	if (c->nmerged) {
		put_s(out, "[");
		put_u64(out, c->nmerged);
		put_s(out, " small frames]");
	} else {
		escape__xml_line(out, tree__name(r->t, c->node), tree__name_len(r->t, c->node));
	}
	putc_unlocked('\n', out);
	write_info(r, c);
	put_s(out, "</title><rect x=\"");
	put_num(out, x);
	put_s(out, "\" y=\"");
	put_num(out, y);
	put_s(out, "\" width=\"");
	put_num(out, w);
	put_s(out, "\" height=\"");
	put_u64(out, (uint64_t)(r->frame_height - FRAMEPAD));
	put_s(out, "\" fill=\"");
	put_rgb(out, frame_colour(r, c));
	put_s(out, "\"/>");
	write_label(r, c, x, y, w);
	put_s(out, "</g>\n");
}

static void write_frames(struct render *r)
{
	size_t i;

	fprintf(r->out,
		"<g id=\"frames\" data-width=\"%d\" data-xpad=\"%d\" data-frameheight=\"%d\" "
		"data-fontsize=\"%d\" data-fontwidth=\"%.2f\">\n",
		r->width, XPAD, r->frame_height, r->fontsize, FONTWIDTH);
	for (i = 0; i < r->ncands; i++)
		if (r->cands[i].keep)
			write_frame(r, &r->cands[i]);
	fputs("</g>\n", r->out);
}

/* One legend entry: a swatch and a label; returns the x after it. */
double svg__legend_item(FILE *out, double x, int y, int fontsize, uint32_t rgb, const char *attrs,
			const char *text)
{
	int sw = fontsize - 2 > 4 ? fontsize - 2 : 4;

	fprintf(out, "<rect x=\"%.0f\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"", x, y - sw + 1,
		sw, sw);
	put_rgb(out, (struct rgb){(int)(rgb >> 16) & 255, (int)(rgb >> 8) & 255, (int)rgb & 255});
	fprintf(out, "\"%s/>", attrs ? attrs : "");
	fprintf(out, "<text x=\"%.0f\" y=\"%d\">", x + sw + 4, y);
	put_str(out, text);
	fputs("</text>\n", out);
	return x + sw + 4 + (double)strlen(text) * (fontsize - 1) * FONTWIDTH + 14;
}

static double legend_item(struct render *r, double x, int y, struct rgb fill, bool dashed,
			  const char *text)
{
	return svg__legend_item(r->out, x, y, r->fontsize,
				(uint32_t)fill.r << 16 | (uint32_t)fill.g << 8 | (uint32_t)fill.b,
				dashed ? " stroke-dasharray=\"2,1\"" : NULL, text);
}

static void write_legend(struct render *r, int y)
{
	static const char *const kind_labels[FRAME_KIND_COUNT] = {
		[FRAME_NATIVE] = "native",
		[FRAME_KERNEL] = "kernel",
		[FRAME_GO] = "Go",
		[FRAME_JIT] = "JIT",
		[FRAME_INTERPRETED] = "interpreted",
		[FRAME_UNKNOWN] = "unknown",
	};
	static const double mid[3] = {0.5, 0.5, 0.5};
	double x = XPAD;
	int k;

	fputs("<g id=\"legend\">\n", r->out);
	if (r->diff) {
		x = legend_item(r, x, y, diff_colour(1, 1), false, "grew");
		x = legend_item(r, x, y, diff_colour(-1, 1), false, "shrank");
		x = legend_item(r, x, y, diff_colour(0, 1), false, "unchanged");
		fprintf(r->out, "<text x=\"%.0f\" y=\"%d\">", x, y);
		fputs("colour: change of self value against base, width: head value</text>\n",
		      r->out);
	} else if (r->wall) {
		x = legend_item(r, x, y, hue(PALETTE_HOT, FRAME_NATIVE, mid), false,
				"on-CPU (warm)");
		x = legend_item(r, x, y, hue(PALETTE_IO, FRAME_NATIVE, mid), false,
				"off-CPU (cool)");
		fprintf(r->out, "<text x=\"%.0f\" y=\"%d\">", x, y);
		fputs("width: wall-clock time (on-CPU + off-CPU), colour: where most of it went"
		      "</text>\n",
		      r->out);
	} else if (r->o->colors == PALETTE_AUTO) {
		for (k = 0; k < FRAME_KIND_COUNT; k++)
			if (r->kinds_seen[k])
				x = legend_item(r, x, y, hue(PALETTE_AUTO, k, mid), false,
						kind_labels[k]);
		if (r->inlined_seen)
			x = legend_item(r, x, y, lighten(hue(PALETTE_AUTO, FRAME_NATIVE, mid)),
					true, "inlined (lighter, dashed)");
	} else {
		x = legend_item(r, x, y, hue(r->o->colors, FRAME_NATIVE, mid), false,
				palette__name(r->o->colors));
		fprintf(r->out, "<text x=\"%.0f\" y=\"%d\">palette</text>\n", x, y);
	}
	fputs("</g>\n", r->out);
}

int svg__top_pad(const struct svg_opts *o, int fontsize)
{
	return fontsize * 3 + (o->subtitle ? fontsize * 2 : 0);
}

static void layout(struct render *r, uint32_t depth_rows)
{
	r->ypad1 = svg__top_pad(r->o, r->fontsize);
	r->frames_bottom = r->ypad1 + (int)depth_rows * r->frame_height;
	/* details line, then the legend row */
	r->height = r->frames_bottom + r->fontsize + 6 + r->fontsize + 12 + 8;
}

static void write_empty(struct render *r)
{
	layout(r, 2);
	write_header(r);
	fprintf(r->out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">No samples</text>\n",
		r->width / 2, r->ypad1 + r->frame_height);
	/* the controls exist so the script's start-up finds what it expects */
	if (!r->o->no_js) {
		write_frames(r);
		write_controls(r);
	}
	fputs("</svg>\n", r->out);
}

static int resolve_columns(struct render *r, size_t *vi, int *base_vi, struct flame_err *err)
{
	const struct profile *p = r->p;
	int i = r->o->sample_type ? profile__find_sample_type(p, r->o->sample_type)
				  : profile__default_sample_type(p);
	int base, off;
	char have[160] = "";
	size_t k, n = 0;

	if (i < 0 && r->o->sample_type && p->sample_types.len) {
		for (k = 0; k < p->sample_types.len && n < sizeof(have); k++)
			n += (size_t)snprintf(have + n, sizeof(have) - n, "%s%s", k ? ", " : "",
					      profile__str(p, p->sample_types.data[k].type));
		return flame_err__set(err, EINVAL, "svg: no sample type '%s' (have: %s)",
				      r->o->sample_type, have);
	}
	if (i < 0 && r->o->sample_type)
		return flame_err__set(err, EINVAL,
				      "svg: no sample type '%s' (the profile has none)",
				      r->o->sample_type);
	*vi = i < 0 ? 0 : (size_t)i;
	base = profile__find_sample_type(p, "base");
	*base_vi = i >= 0 && base >= 0 && base != i ? base : -1;
	/* the wall view (profile__add_wall()): each frame's off-CPU part beside its total */
	off = profile__find_sample_type(p, "offcpu");
	r->wall = i >= 0 && off >= 0 && *base_vi < 0 &&
		  !strcmp(profile__str(p, p->sample_types.data[i].type), "wall");
	if (r->wall)
		*base_vi = off;
	return i < 0 ? 1 : 0;
}

static int render(struct render *r, struct flame_err *err)
{
	const struct svg_opts *o = r->o;
	struct tree_opts topts = {.reverse = o->reverse, .sort_by_size = o->sort_by_size};
	int ret = resolve_columns(r, &topts.vi, &topts.base_vi, err);

	if (ret < 0)
		return ret;
	if (ret > 0 || !r->p->samples.len) {
		write_empty(r);
		return 0;
	}
	choose_unit(r, topts.vi);
	r->t = tree__build(r->p, &topts);
	if (!r->t)
		return flame_err__set(err, errno, "svg: cannot build the call tree: %s",
				      strerror(errno));
	r->total = tree__node(r->t, TREE_ROOT)->total;
	if (r->total <= 0) {
		write_empty(r);
		return 0;
	}
	r->diff = r->t->has_base && !r->wall;
	r->scale = (double)(r->width - 2 * XPAD) / (double)r->total;
	if (o->minwidth_is_percent)
		r->minval = (double)r->total * o->minwidth / 100.0;
	else
		r->minval = o->minwidth / r->scale;
	/* the fixed parts (script, style, legend) take about 16 KB of the byte budget */
	if ((ret = collect(r)) ||
	    (ret = choose_frames(r, o->max_frames,
				 o->max_bytes > 16384 ? o->max_bytes - 16384 : o->max_bytes)))
		return flame_err__set(err, -ret, "svg: out of memory choosing frames");
	summarize(r);
	layout(r, r->max_depth + 1);
	write_header(r);
	write_frames(r);
	if (!o->no_js)
		write_controls(r);
	write_legend(r, r->height - 12);
	fputs("</svg>\n", r->out);
	return 0;
}

int svg__write(const struct profile *p, const struct svg_opts *opts, FILE *out,
	       struct flame_err *err)
{
	struct svg_opts defaults;
	struct render r = {.p = p, .o = opts, .out = out};
	int ret;

	if (!opts) {
		svg_opts__init(&defaults);
		r.o = &defaults;
	}
	r.width = r.o->width > 2 * XPAD ? r.o->width : DEFAULT_WIDTH;
	r.frame_height = r.o->frame_height > FRAMEPAD ? r.o->frame_height : DEFAULT_FRAME_HEIGHT;
	r.fontsize = r.o->fontsize > 0 ? r.o->fontsize : DEFAULT_FONTSIZE;
	ret = render(&r, err);
	tree__free(r.t);
	free(r.cands);
	if (ret)
		return ret;
	if (fflush(out) || ferror(out))
		return flame_err__set(err, EIO, "svg: write failed: %s", strerror(errno));
	return 0;
}
