// SPDX-License-Identifier: MIT
/*
 * The differential flame graph. Steps:
 *  1. build the call trees of the merged base and head profiles (tree.h);
 *  2. walk both at once into one "union" tree, matching children by (name, inlined), in
 *     depth-first order, computing each frame's x and width in both shapes;
 *  3. keep the frames wide enough in either shape, at most max_frames of the widest;
 *  4. write them with svg.c's header, controls, labels and legend. Each frame's rect holds
 *     the head geometry (x, width) and the base geometry (data-bx, data-bw); the script
 *     swaps them when the shape button is clicked.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "diff_svg.h"
#include "escape.h"
#include "report.h"
#include "tree.h"

#define DEFAULT_TITLE "Differential Flame Graph"
/* Full colour at the largest change drawn, but never for less than this many pp. */
#define MIN_FULL_SCALE_PP 1.0
/*
 * Changes of functions the test did not find significant are drawn at most this strong:
 * scaled to the largest change alone, run-to-run noise would look as loud as a regression.
 */
#define NOISE_INTENSITY 0.25

static const char diff_css[] = "#shape{cursor:pointer}\n"
			       ".reg>rect{stroke:#000;stroke-width:2}\n"
			       ".gone>rect{stroke:#00c;stroke-width:1;stroke-dasharray:4,2}\n"
			       ".new>rect{stroke:#606;stroke-width:0.5}\n";

/* A frame of the union tree: a path present in base, in head, or in both. */
struct uframe {
	uint32_t bnode, hnode; /* in the base / head tree, TREE_NONE when absent */
	uint32_t parent;       /* index in frames, UINT32_MAX for the root */
	uint32_t depth;
	double hx, hw, bx, bw; /* offsets and widths as shares of each side's total (0..1) */
	bool keep;
};

struct dsvg {
	const struct diff *d;
	const struct svg_opts *o;
	FILE *out;
	struct tree *bt, *ht;
	int64_t btotal, htotal;
	struct uframe *frames;
	size_t nframes, cap;
	struct strtab regressions; /* names of functions with a significant regression */
	struct strtab changed;	   /* names of functions with any significant change */
	const char *unit;
	int width, frame_height, fontsize, ypad1, frames_bottom, height;
	double px;	/* px per share (the drawable width) */
	double full_pp; /* the change drawn at full colour */
	uint32_t max_depth;
	bool seen_new, seen_gone, seen_reg;
};

/* --- the union tree ------------------------------------------------------------------ */

static const char *node_name(const struct tree *t, uint32_t n, size_t *len)
{
	*len = tree__name_len(t, n);
	return tree__name(t, n);
}

static int cmp_names(const char *a, size_t la, const char *b, size_t lb)
{
	int c = memcmp(a, b, la < lb ? la : lb);

	if (c)
		return c;
	return la < lb ? -1 : la > lb;
}

/* A child of either tree while pairing them. */
struct side_child {
	const struct tree *t;
	uint32_t node;
	bool head;
};

static int cmp_child(const void *pa, const void *pb)
{
	const struct side_child *a = pa, *b = pb;
	size_t la, lb;
	const char *na = node_name(a->t, a->node, &la), *nb = node_name(b->t, b->node, &lb);
	int c = cmp_names(na, la, nb, lb);
	bool ia = tree__node(a->t, a->node)->inlined, ib = tree__node(b->t, b->node)->inlined;

	if (c)
		return c;
	if (ia != ib)
		return ia ? 1 : -1;
	return a->head - b->head; /* base first */
}

static int push_frame(struct dsvg *g, const struct uframe *f)
{
	if (g->nframes == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 1024;
		void *p = realloc(g->frames, cap * sizeof(*g->frames));

		if (!p)
			return -ENOMEM;
		g->frames = p;
		g->cap = cap;
	}
	g->frames[g->nframes++] = *f;
	return 0;
}

static double share(int64_t v, int64_t total)
{
	return total > 0 ? (double)v / (double)total : 0.0;
}

static int64_t node_total(const struct tree *t, uint32_t n)
{
	return n == TREE_NONE ? 0 : tree__node(t, n)->total;
}

static int64_t node_self(const struct tree *t, uint32_t n)
{
	return n == TREE_NONE ? 0 : tree__node(t, n)->self;
}

struct work {
	struct uframe *items;
	size_t len, cap;
};

static int work_push(struct work *w, const struct uframe *f)
{
	if (w->len == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		void *p = realloc(w->items, cap * sizeof(*w->items));

		if (!p)
			return -ENOMEM;
		w->items = p;
		w->cap = cap;
	}
	w->items[w->len++] = *f;
	return 0;
}

/*
 * Pair the children of frame fi (from both trees), lay them out left to right in each shape,
 * and push them in reverse so the walk meets them in order. Frames narrower than minshare in
 * both shapes are dropped with their subtrees (children are never wider than their parent).
 */
static int push_children(struct dsvg *g, struct work *w, uint32_t fi, double minshare)
{
	const struct uframe *f = &g->frames[fi];
	uint32_t nb = f->bnode == TREE_NONE ? 0 : tree__node(g->bt, f->bnode)->nchildren;
	uint32_t nh = f->hnode == TREE_NONE ? 0 : tree__node(g->ht, f->hnode)->nchildren;
	struct side_child *kids;
	double hx = f->hx, bx = f->bx;
	size_t n = 0, i, base = w->len, j;
	int ret = 0;

	if (!nb && !nh)
		return 0;
	kids = malloc(((size_t)nb + nh) * sizeof(*kids));
	if (!kids)
		return -ENOMEM;
	for (i = 0; i < nb; i++)
		kids[n++] = (struct side_child){g->bt, tree__child(g->bt, f->bnode, (uint32_t)i),
						false};
	for (i = 0; i < nh; i++)
		kids[n++] =
			(struct side_child){g->ht, tree__child(g->ht, f->hnode, (uint32_t)i), true};
	qsort(kids, n, sizeof(*kids), cmp_child);
	for (i = 0; i < n && !ret; i++) {
		struct uframe c = {TREE_NONE, TREE_NONE, fi, f->depth + 1, 0, 0, 0, 0, false};

		if (kids[i].head)
			c.hnode = kids[i].node;
		else
			c.bnode = kids[i].node;
		/* a base child and the head child with the same name and flag are one path */
		if (!kids[i].head && i + 1 < n && kids[i + 1].head &&
		    !cmp_child(&kids[i],
			       &(struct side_child){kids[i + 1].t, kids[i + 1].node, false})) {
			c.hnode = kids[++i].node;
		}
		c.hx = hx;
		c.hw = share(node_total(g->ht, c.hnode), g->htotal);
		c.bx = bx;
		c.bw = share(node_total(g->bt, c.bnode), g->btotal);
		hx += c.hw;
		bx += c.bw;
		if (c.hw < minshare && c.bw < minshare)
			continue;
		ret = work_push(w, &c);
	}
	free(kids);
	for (i = base, j = w->len; i + 1 < j; i++, j--) {
		struct uframe t = w->items[i];

		w->items[i] = w->items[j - 1];
		w->items[j - 1] = t;
	}
	return ret;
}

static int build_union(struct dsvg *g, double minshare)
{
	struct work w = {0};
	struct uframe root = {TREE_ROOT, TREE_ROOT, UINT32_MAX, 0, 0, 1, 0, 1, true};
	int ret;

	root.hw = g->htotal > 0 ? 1 : 0;
	root.bw = g->btotal > 0 ? 1 : 0;
	ret = work_push(&w, &root);
	while (!ret && w.len) {
		struct uframe f = w.items[--w.len];

		if (g->nframes >= UINT32_MAX - 1) {
			ret = -E2BIG;
			break;
		}
		f.keep = true;
		if (!(ret = push_frame(g, &f)))
			ret = push_children(g, &w, (uint32_t)(g->nframes - 1), minshare);
	}
	free(w.items);
	return ret;
}

static double frame_width(const struct uframe *f)
{
	return f->hw > f->bw ? f->hw : f->bw;
}

static int cmp_wide(const void *pa, const void *pb, void *ctx)
{
	const struct uframe *fr = ctx;
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	double wa = frame_width(&fr[a]), wb = frame_width(&fr[b]);

	if (wa != wb)
		return wa > wb ? -1 : 1;
	return a < b ? -1 : a > b; /* a parent comes before its children */
}

/* Keep the max_frames widest frames (width: the larger of the two shapes). */
static int apply_budget(struct dsvg *g, size_t max_frames)
{
	uint32_t *order;
	size_t i;

	if (!max_frames || g->nframes <= max_frames)
		return 0;
	order = malloc(g->nframes * sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (i = 0; i < g->nframes; i++) {
		order[i] = (uint32_t)i;
		g->frames[i].keep = false;
	}
	qsort_r(order, g->nframes, sizeof(*order), cmp_wide, g->frames);
	for (i = 0; i < max_frames; i++)
		g->frames[order[i]].keep = true;
	/* a child is never wider than its parent and sorts after it, so kept frames connect */
	free(order);
	return 0;
}

/* --- colours and figures ------------------------------------------------------------- */

static double delta_pp(const struct dsvg *g, const struct uframe *f)
{
	return (share(node_total(g->ht, f->hnode), g->htotal) -
		share(node_total(g->bt, f->bnode), g->btotal)) *
	       100;
}

static bool is_new(const struct dsvg *g, const struct uframe *f)
{
	return node_total(g->bt, f->bnode) == 0 && node_total(g->ht, f->hnode) > 0;
}

static bool is_gone(const struct dsvg *g, const struct uframe *f)
{
	return node_total(g->ht, f->hnode) == 0 && node_total(g->bt, f->bnode) > 0;
}

static bool has_significant_change(const struct dsvg *g, const struct uframe *f);

/* red = grew, blue = shrank, near white = unchanged; purple = new; pale = not significant */
static uint32_t frame_rgb(const struct dsvg *g, const struct uframe *f)
{
	double d, k;
	int v;

	if (is_new(g, f))
		return 0xb060e0;
	if (is_gone(g, f))
		return 0x2626ff; /* all of it went: the full blue, whatever the scale */
	d = delta_pp(g, f);
	k = fabs(d) / g->full_pp;
	if (k > 1)
		k = 1;
	if (k > NOISE_INTENSITY && !has_significant_change(g, f))
		k = NOISE_INTENSITY;
	v = 238 - (int)lround(200 * k);
	if (d > 0)
		return 0xff0000u | (uint32_t)v << 8 | (uint32_t)v;
	if (d < 0)
		return (uint32_t)v << 16 | (uint32_t)v << 8 | 0xffu;
	return 0xeeeeee;
}

static const char *frame_name(const struct dsvg *g, const struct uframe *f, size_t *len)
{
	if (f->hnode != TREE_NONE)
		return node_name(g->ht, f->hnode, len);
	return node_name(g->bt, f->bnode, len);
}

static bool frame_inlined(const struct dsvg *g, const struct uframe *f)
{
	if (f->hnode != TREE_NONE)
		return tree__node(g->ht, f->hnode)->inlined;
	return tree__node(g->bt, f->bnode)->inlined;
}

static bool has_significant_change(const struct dsvg *g, const struct uframe *f)
{
	size_t len;
	const char *name = frame_name(g, f, &len);

	return strtab__find(&g->changed, name, len) > 0;
}

static bool is_regression(const struct dsvg *g, const struct uframe *f)
{
	size_t len;
	const char *name = frame_name(g, f, &len);

	return f->parent != UINT32_MAX && f->hnode != TREE_NONE &&
	       strtab__find(&g->regressions, name, len) > 0;
}

static void put_side(const struct dsvg *g, const char *side, int64_t total, int64_t self,
		     int64_t all)
{
	char v[32], s[32];

	fprintf(g->out, "\n%s %s (%.2f%%)", side,
		report__format_value(v, sizeof(v), (double)total, g->unit),
		100 * share(total, all));
	if (self && self != total)
		fprintf(g->out, ", self %s (%.2f%%)",
			report__format_value(s, sizeof(s), (double)self, g->unit),
			100 * share(self, all));
}

/* The tooltip: name, then head, base and the change, one per line. */
static void write_title(const struct dsvg *g, const struct uframe *f)
{
	size_t len;
	const char *name = frame_name(g, f, &len);
	int64_t hb = node_total(g->bt, f->bnode), hh = node_total(g->ht, f->hnode);
	double bs = share(hb, g->btotal), hs = share(hh, g->htotal);
	double self_pp = (share(node_self(g->ht, f->hnode), g->htotal) -
			  share(node_self(g->bt, f->bnode), g->btotal)) *
			 100;

	fputs("<title>", g->out);
	escape__xml_line(g->out, name, len);
	if (frame_inlined(g, f))
		fputs("\ninlined", g->out);
	put_side(g, "head", hh, node_self(g->ht, f->hnode), g->htotal);
	put_side(g, "base", hb, node_self(g->bt, f->bnode), g->btotal);
	fprintf(g->out, "\nchange %+.2f pp", (hs - bs) * 100);
	if (is_new(g, f))
		fputs(" (new)", g->out);
	else if (is_gone(g, f))
		fputs(" (vanished)", g->out);
	else if (bs > 0)
		fprintf(g->out, " (%+.1f%%)", (hs - bs) / bs * 100);
	if (self_pp != 0)
		fprintf(g->out, ", self %+.2f pp", self_pp);
	if (is_regression(g, f))
		fputs("\nsignificant regression", g->out);
	fputs("</title>", g->out);
}

static double frame_y(const struct dsvg *g, uint32_t depth)
{
	if (g->o->inverted)
		return g->ypad1 + (double)depth * g->frame_height;
	return g->frames_bottom - (double)(depth + 1) * g->frame_height + SVG_FRAMEPAD;
}

static void write_frame(struct dsvg *g, const struct uframe *f)
{
	FILE *out = g->out;
	double x = SVG_XPAD + f->hx * g->px, w = f->hw * g->px, y = frame_y(g, f->depth);
	bool gone = is_gone(g, f), reg = is_regression(g, f), fresh = is_new(g, f);
	size_t len;
	const char *name = frame_name(g, f, &len);
	uint32_t rgb = frame_rgb(g, f);

	char cls[40];
	int n;

	/* classes: inlined, regression, new, vanished; "hide" when absent from the head shape */
	n = snprintf(cls, sizeof(cls), "%s%s%s%s%s", frame_inlined(g, f) ? " i" : "",
		     reg ? " reg" : "", fresh ? " new" : "", gone ? " gone" : "",
		     f->hw > 0 ? "" : " hide");
	if (n > 0)
		fprintf(out, "<g class=\"%s\">", cls + 1);
	else
		fputs("<g>", out);
	write_title(g, f);
	fputs("<rect x=\"", out);
	svg__put_num(out, f->hw > 0 ? x : SVG_XPAD + f->bx * g->px);
	fputs("\" y=\"", out);
	svg__put_num(out, y);
	fputs("\" width=\"", out);
	svg__put_num(out, w);
	fprintf(out, "\" height=\"%d\" fill=\"#%06x\" data-bx=\"", g->frame_height - SVG_FRAMEPAD,
		rgb);
	svg__put_num(out, SVG_XPAD + f->bx * g->px);
	fputs("\" data-bw=\"", out);
	svg__put_num(out, f->bw * g->px);
	fputs("\"/>", out);
	if (f->hw > 0)
		svg__write_label(out, name, len, x, y, w, g->fontsize, g->frame_height);
	fputs("</g>\n", out);
	g->seen_new |= fresh;
	g->seen_gone |= gone;
	g->seen_reg |= reg;
}

static void write_frames(struct dsvg *g)
{
	size_t i;

	fprintf(g->out,
		"<g id=\"frames\" data-width=\"%d\" data-xpad=\"%d\" data-frameheight=\"%d\" "
		"data-fontsize=\"%d\" data-fontwidth=\"0.59\" data-shapes=\"head,base\">\n",
		g->width, SVG_XPAD, g->frame_height, g->fontsize);
	for (i = 0; i < g->nframes; i++)
		if (g->frames[i].keep)
			write_frame(g, &g->frames[i]);
	fputs("</g>\n", g->out);
}

static void write_legend(struct dsvg *g)
{
	int y1 = g->height - 12 - g->fontsize - 4, y2 = g->height - 12;
	double x = SVG_XPAD;
	char text[160];

	fputs("<g id=\"legend\">\n", g->out);
	x = svg__legend_item(g->out, x, y1, g->fontsize, 0xff2626, NULL, "grew");
	x = svg__legend_item(g->out, x, y1, g->fontsize, 0x2626ff, NULL, "shrank");
	x = svg__legend_item(g->out, x, y1, g->fontsize, 0xeeeeee, NULL, "unchanged");
	x = svg__legend_item(g->out, x, y1, g->fontsize, 0xb060e0, NULL, "new (not in base)");
	x = svg__legend_item(g->out, x, y1, g->fontsize, 0x2626ff,
			     " stroke=\"#00c\" stroke-dasharray=\"2,1\"",
			     "vanished (base shape only)");
	svg__legend_item(g->out, x, y1, g->fontsize, 0xffffff,
			 " stroke=\"#000\" stroke-width=\"2\"",
			 "significant regression (bold outline)");
	snprintf(text, sizeof(text),
		 "colour: change of a path's inclusive share of the total, full at %.2f pp, "
		 "pale unless the function's change is significant; width: share of the shown "
		 "side",
		 g->full_pp);
	fprintf(g->out, "<text x=\"%d\" y=\"%d\">", SVG_XPAD, y2);
	escape__xml_text(g->out, text, strlen(text));
	fputs("</text>\n</g>\n", g->out);
}

static void write_shape_button(struct dsvg *g)
{
	if (g->o->no_js)
		return;
	/* beside Reset Zoom, which is hidden until a zoom */
	fprintf(g->out,
		"<text id=\"shape\" x=\"%d\" y=\"%d\" data-head=\"Shape: head (click for base)\" "
		"data-base=\"Shape: base (click for head)\">Shape: head (click for base)</text>\n",
		SVG_XPAD + 110, g->fontsize * 2);
}

/* --- driving ------------------------------------------------------------------------- */

static int find_column(const struct profile *p, const struct diff *d, struct flame_err *err)
{
	int vi = d->sample_type ? profile__find_sample_type(p, d->sample_type)
				: profile__default_sample_type(p);

	if (vi < 0)
		return flame_err__set(err, EINVAL, "diff svg: no sample type '%s' in a side",
				      d->sample_type ? d->sample_type : "(default)");
	return vi;
}

static int collect_regressions(struct dsvg *g)
{
	size_t i;

	if (strtab_init(&g->regressions) || strtab_init(&g->changed))
		return -ENOMEM;
	for (i = 0; i < g->d->nrows; i++) {
		const struct diff_row *r = &g->d->rows[i];
		const char *name = diff__name(g->d, r);

		if (r->scope == DIFF_STACK || r->verdict == DIFF_UNCHANGED)
			continue;
		if (strtab__intern(&g->changed, name, strlen(name)) < 0)
			return -ENOMEM;
		if (r->verdict == DIFF_REGRESSION &&
		    strtab__intern(&g->regressions, name, strlen(name)) < 0)
			return -ENOMEM;
	}
	return 0;
}

static void scale_colours(struct dsvg *g)
{
	double max = 0;
	size_t i;

	for (i = 1; i < g->nframes; i++) {
		double d = fabs(delta_pp(g, &g->frames[i]));

		if (g->frames[i].keep && d > max)
			max = d;
		if (g->frames[i].keep && g->frames[i].depth > g->max_depth)
			g->max_depth = g->frames[i].depth;
	}
	g->full_pp = max > MIN_FULL_SCALE_PP ? max : MIN_FULL_SCALE_PP;
}

static void default_subtitle(const struct dsvg *g, char *buf, size_t cap)
{
	const struct diff *d = g->d;

	snprintf(buf, cap, "%s: %zu base run%s vs %zu head run%s; %s",
		 d->sample_type ? d->sample_type : "value", d->nbase_runs,
		 d->nbase_runs == 1 ? "" : "s", d->nhead_runs, d->nhead_runs == 1 ? "" : "s",
		 diff__regressed(d) ? "significant regression" : "no significant regression");
}

static int render(struct dsvg *g, struct flame_err *err)
{
	struct tree_opts to = {.base_vi = -1, .reverse = g->o->reverse};
	struct svg_opts o = *g->o;
	char subtitle[200];
	double minshare;
	int bvi, hvi, ret;

	if ((bvi = find_column(g->d->base, g->d, err)) < 0 ||
	    (hvi = find_column(g->d->head, g->d, err)) < 0)
		return -EINVAL;
	g->unit = profile__str(g->d->head, g->d->head->sample_types.data[hvi].unit);
	to.vi = (size_t)bvi;
	g->bt = tree__build(g->d->base, &to);
	to.vi = (size_t)hvi;
	g->ht = g->bt ? tree__build(g->d->head, &to) : NULL;
	if (!g->bt || !g->ht)
		return flame_err__set(err, errno, "diff svg: cannot build the call trees: %s",
				      strerror(errno));
	g->btotal = tree__node(g->bt, TREE_ROOT)->total;
	g->htotal = tree__node(g->ht, TREE_ROOT)->total;
	g->px = (double)(g->width - 2 * SVG_XPAD);
	minshare = g->o->minwidth_is_percent ? g->o->minwidth / 100 : g->o->minwidth / g->px;
	if ((ret = collect_regressions(g)) || (ret = build_union(g, minshare)) ||
	    (ret = apply_budget(g, g->o->max_frames)))
		return flame_err__set(err, -ret, "diff svg: %s", strerror(-ret));
	scale_colours(g);
	if (!o.subtitle) {
		default_subtitle(g, subtitle, sizeof(subtitle));
		o.subtitle = subtitle;
	}
	g->o = &o;
	g->ypad1 = svg__top_pad(&o, g->fontsize);
	g->frames_bottom = g->ypad1 + (int)(g->max_depth + 1) * g->frame_height;
	/* details line, then two legend rows */
	g->height = g->frames_bottom + g->fontsize + 6 + 2 * (g->fontsize + 4) + 12 + 8;
	svg__write_header(g->out, &o, o.title ? o.title : DEFAULT_TITLE, g->width, g->height,
			  g->fontsize, diff_css);
	write_frames(g);
	if (!o.no_js) {
		svg__write_controls(g->out, g->width, g->fontsize, g->frames_bottom);
		write_shape_button(g);
	}
	write_legend(g);
	fputs("</svg>\n", g->out);
	return 0;
}

int diff_svg__write(const struct diff *d, const struct svg_opts *opts, FILE *out,
		    struct flame_err *err)
{
	struct svg_opts defaults;
	struct dsvg g = {.d = d, .o = opts, .out = out};
	int ret;

	if (!opts) {
		svg_opts__init(&defaults);
		g.o = &defaults;
	}
	if (!d->base || !d->head)
		return flame_err__set(err, EINVAL, "diff svg: the diff has no merged profiles");
	g.width = g.o->width > 2 * SVG_XPAD ? g.o->width : 1200;
	g.frame_height = g.o->frame_height > SVG_FRAMEPAD ? g.o->frame_height : 16;
	g.fontsize = g.o->fontsize > 0 ? g.o->fontsize : 12;
	ret = render(&g, err);
	tree__free(g.bt);
	tree__free(g.ht);
	free(g.frames);
	if (g.regressions.arena)
		strtab_release(&g.regressions);
	if (g.changed.arena)
		strtab_release(&g.changed);
	if (ret)
		return ret;
	if (fflush(out) || ferror(out))
		return flame_err__set(err, EIO, "diff svg: write failed: %s", strerror(errno));
	return 0;
}
