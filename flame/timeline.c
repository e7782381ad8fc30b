// SPDX-License-Identifier: MIT
/* The pause timeline SVG (see timeline.h). */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "timeline.h"

#define DEFAULT_WIDTH 1200
#define FONTSIZE 12
#define LEFT 78	 /* the plots start here: room for the duration axis's labels */
#define RIGHT 20 /* and end this far from the right edge */
#define MARKS_TOP 104
#define MARKS_HEIGHT 180
#define STRIP_HEIGHT 10 /* the GC cycles' strip */
#define CELL_HEIGHT 13	/* a heatmap row */
#define MIN_MARK_WIDTH 1.5
#define NBUCKETS 29  /* 0: under 100 ns; 1..28: 100 ns, 200 ns, 500 ns ... 100 s and more */
#define MAX_KINDS 64 /* kinds with a colour of their own; the rest share grey */
#define LEGEND_KINDS 10

/* Colours of the kinds, in the order of their names: distinct on white and in print. */
static const uint32_t kind_colors[] = {
	0xd62728, 0x1f77b4, 0x2ca02c, 0xff7f0e, 0x9467bd,
	0x8c564b, 0xe377c2, 0x17becf, 0xbcbd22, 0x7f7f7f,
};
#define OTHER_COLOR 0xaaaaaa

/* The script: hover shows an element's <title> in the details line. No data in it. */
static const char timeline_script[] =
	"(function () {\n"
	"\t/* the details line comes after the script: looked up when needed */\n"
	"\tfunction details() {\n"
	"\t\treturn document.getElementById(\"details\") || { textContent: \"\" };\n"
	"\t}\n"
	"\tfunction hoverable(t) {\n"
	"\t\treturn t && t.getAttribute && /^(mark|cycle|cell)$/.test(t.getAttribute(\"class\") "
	"|| \"\");\n"
	"\t}\n"
	"\tdocument.addEventListener(\"mouseover\", function (e) {\n"
	"\t\tif (!hoverable(e.target))\n"
	"\t\t\treturn;\n"
	"\t\tvar t = e.target.querySelector(\"title\");\n"
	"\t\tdetails().textContent = t ? t.textContent.replace(/\\n/g, \" \\u00b7 \") : \" \";\n"
	"\t});\n"
	"\tdocument.addEventListener(\"mouseout\", function (e) {\n"
	"\t\tif (hoverable(e.target))\n"
	"\t\t\tdetails().textContent = \" \";\n"
	"\t});\n"
	"})();\n";

static const char timeline_css[] =
	"text { font-family: Verdana, sans-serif; font-size: %dpx; fill: rgb(0,0,0); }\n"
	"#title { text-anchor: middle; font-size: %dpx; }\n"
	"#subtitle { text-anchor: middle; fill: rgb(80,80,80); }\n"
	".axis { font-size: %dpx; fill: rgb(80,80,80); }\n"
	".section { font-weight: bold; }\n"
	".mark:hover, .cycle:hover, .cell:hover { stroke: black; stroke-width: 0.8; }\n";

struct kind {
	const char *runtime, *reason;
	uint32_t color;
	size_t count;
};

struct layout {
	FILE *out;
	int width;
	double plot_w;	       /* px of the time axis */
	double span_ns;	       /* time shown */
	double log_lo, log_hi; /* the marks' duration axis: log10 ns */
	int strip_y, axis_y, heat_top, heat_rows, lo_bucket, hi_bucket;
	unsigned int ncols;
	uint64_t col_ns; /* a heatmap column */
};

unsigned int timeline__bucket(uint64_t dur_ns)
{
	unsigned int b = 0;

	while (b + 1 < NBUCKETS && dur_ns >= timeline__bucket_floor(b + 1))
		b++;
	return b;
}

uint64_t timeline__bucket_floor(unsigned int b)
{
	static const unsigned int steps[3] = {1, 2, 5};
	uint64_t v = 100;
	unsigned int i;

	if (!b)
		return 0;
	if (b >= NBUCKETS)
		b = NBUCKETS - 1;
	for (i = 0; i < (b - 1) / 3; i++)
		v *= 10;
	return v * steps[(b - 1) % 3];
}

void timeline_opts__init(struct timeline_opts *o)
{
	*o = (struct timeline_opts){.max_marks = TIMELINE_MAX_MARKS, .width = DEFAULT_WIDTH};
}

static void put_str(FILE *out, const char *s)
{
	escape__xml_text(out, s ? s : "", s ? strlen(s) : 0);
}

/* A name from the target on one line: a newline in it cannot fake another line of a title. */
static void put_name(FILE *out, const char *s)
{
	escape__xml_line(out, s ? s : "", s ? strlen(s) : 0);
}

/* "850 ns", "85.3 us", "2.75 ms", "1.20 s" */
static void fmt_dur(char *buf, size_t size, double ns)
{
	if (ns < 1e3)
		snprintf(buf, size, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, size, "%.3g us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, size, "%.3g ms", ns / 1e6);
	else
		snprintf(buf, size, "%.3g s", ns / 1e9);
}

static void put_num(FILE *out, double v)
{
	char buf[32];
	size_t n;

	snprintf(buf, sizeof(buf), "%.2f", v);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	fputs(strcmp(buf, "-0") ? buf : "0", out);
}

static int by_start(const void *a, const void *b)
{
	const struct timeline_pause *x = *(const struct timeline_pause *const *)a;
	const struct timeline_pause *y = *(const struct timeline_pause *const *)b;

	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	return x->dur_ns < y->dur_ns ? -1 : x->dur_ns > y->dur_ns;
}

/* Longest first; equal ones by start, so the choice does not depend on the input's order. */
static int by_duration(const void *a, const void *b)
{
	const struct timeline_pause *x = *(const struct timeline_pause *const *)a;
	const struct timeline_pause *y = *(const struct timeline_pause *const *)b;

	if (x->dur_ns != y->dur_ns)
		return x->dur_ns > y->dur_ns ? -1 : 1;
	return by_start(a, b);
}

static int by_name(const void *a, const void *b)
{
	const struct kind *x = a, *y = b;
	int c = strcmp(x->runtime, y->runtime);

	return c ? c : strcmp(x->reason, y->reason);
}

/* The pause's kind; NULL past MAX_KINDS (drawn grey). */
static struct kind *kind_of(struct kind *kinds, size_t nkinds, const struct timeline_pause *p)
{
	size_t i;

	for (i = 0; i < nkinds; i++)
		if (!strcmp(kinds[i].runtime, p->runtime ?: "") &&
		    !strcmp(kinds[i].reason, p->reason ?: ""))
			return &kinds[i];
	return NULL;
}

/* The distinct kinds of the pauses, sorted by name, each with its colour. */
static size_t collect_kinds(const struct timeline_pause *p, size_t n, struct kind *kinds)
{
	size_t nkinds = 0, i;

	for (i = 0; i < n; i++) {
		struct kind *k = kind_of(kinds, nkinds, &p[i]);

		if (!k && nkinds < MAX_KINDS) {
			k = &kinds[nkinds++];
			*k = (struct kind){.runtime = p[i].runtime ?: "",
					   .reason = p[i].reason ?: ""};
		}
		if (k)
			k->count++;
	}
	qsort(kinds, nkinds, sizeof(*kinds), by_name);
	for (i = 0; i < nkinds; i++)
		kinds[i].color = kind_colors[i % (sizeof(kind_colors) / sizeof(kind_colors[0]))];
	return nkinds;
}

/* Where a pause ends; times near 2^64 ns (585 years) stop there rather than wrap. */
static uint64_t end_of(const struct timeline_pause *p)
{
	return p->start_ns + p->dur_ns < p->start_ns ? UINT64_MAX : p->start_ns + p->dur_ns;
}

static double x_of(const struct layout *l, double ns)
{
	double x = ns / l->span_ns * l->plot_w;

	return LEFT + (x < 0 ? 0 : x > l->plot_w ? l->plot_w : x);
}

/* The height of a mark of dur ns on the log duration axis: 2 px at least. */
static double height_of(const struct layout *l, uint64_t dur)
{
	double v = dur > 0 ? log10((double)dur) : 0;
	double h = (v - l->log_lo) / (l->log_hi - l->log_lo) * MARKS_HEIGHT;

	return h < 2 ? 2 : h > MARKS_HEIGHT ? MARKS_HEIGHT : h;
}

static void put_seconds(FILE *out, uint64_t ns)
{
	fprintf(out, "%.6f s", ns / 1e9);
}

/* runtime: reason, then the figures, one per line: what hover shows. */
static void write_pause_title(FILE *out, const struct timeline_pause *p)
{
	char dur[32];

	fmt_dur(dur, sizeof(dur), (double)p->dur_ns);
	fputs("<title>", out);
	put_name(out, p->runtime);
	fputs(": ", out);
	put_name(out, p->reason);
	fputs("\nstart ", out);
	put_seconds(out, p->start_ns);
	fprintf(out, ", duration %s", dur);
	if (p->gc_cycle)
		fprintf(out, "\ngc cycle %u", p->gc_cycle);
	if (p->gc_generation >= 0)
		fprintf(out, "\ngc generation %d", p->gc_generation);
	fprintf(out, ", pid %u</title>", p->pid);
}

static void write_mark(const struct layout *l, const struct timeline_pause *p, uint32_t color)
{
	FILE *out = l->out;
	double x = x_of(l, (double)p->start_ns), w = p->dur_ns / l->span_ns * l->plot_w;
	double h = height_of(l, p->dur_ns);

	if (w < MIN_MARK_WIDTH)
		w = MIN_MARK_WIDTH;
	fputs("<rect class=\"mark\" x=\"", out);
	put_num(out, x);
	fputs("\" y=\"", out);
	put_num(out, MARKS_TOP + MARKS_HEIGHT - h);
	fputs("\" width=\"", out);
	put_num(out, w);
	fputs("\" height=\"", out);
	put_num(out, h);
	fprintf(out, "\" fill=\"#%06x\" fill-opacity=\"0.8\">", color);
	write_pause_title(out, p);
	fputs("</rect>\n", out);
}

static int by_cycle(const void *a, const void *b)
{
	const struct timeline_pause *x = *(const struct timeline_pause *const *)a;
	const struct timeline_pause *y = *(const struct timeline_pause *const *)b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->gc_cycle != y->gc_cycle)
		return x->gc_cycle < y->gc_cycle ? -1 : 1;
	return by_start(a, b);
}

/* One bar per (pid, GC cycle) among the drawn pauses: from its first start to its last end. */
static void write_cycles(const struct layout *l, const struct timeline_pause **v, size_t n)
{
	FILE *out = l->out;
	size_t i = 0, j;

	qsort(v, n, sizeof(*v), by_cycle);
	while (i < n) {
		uint64_t first, last = 0;
		char dur[32];
		double x, w;

		if (!v[i]->gc_cycle) {
			i++;
			continue;
		}
		first = v[i]->start_ns;
		for (j = i; j < n && v[j]->pid == v[i]->pid && v[j]->gc_cycle == v[i]->gc_cycle;
		     j++)
			if (end_of(v[j]) > last)
				last = end_of(v[j]);
		x = x_of(l, (double)first);
		w = x_of(l, (double)last) - x;
		if (w < MIN_MARK_WIDTH)
			w = MIN_MARK_WIDTH;
		fmt_dur(dur, sizeof(dur), (double)(last - first));
		fputs("<rect class=\"cycle\" x=\"", out);
		put_num(out, x);
		fprintf(out, "\" y=\"%d\" width=\"", l->strip_y);
		put_num(out, w);
		fprintf(out,
			"\" height=\"%d\" fill=\"#5b7fa6\" fill-opacity=\"0.7\"><title>gc cycle "
			"%u, "
			"pid %u\n%zu pause%s from ",
			STRIP_HEIGHT, v[i]->gc_cycle, v[i]->pid, j - i, j - i == 1 ? "" : "s");
		put_seconds(out, first);
		fputs(" to ", out);
		put_seconds(out, last);
		fprintf(out, " (%s)</title></rect>\n", dur);
		i = j;
	}
}

/* A step of 1, 2 or 5 times a power of ten giving at most max ticks over span. */
static double nice_step(double span, int max)
{
	double step = 1e-9;

	while (span / step > max) {
		if (span / (step * 2) <= max)
			return step * 2;
		if (span / (step * 5) <= max)
			return step * 5;
		step *= 10;
	}
	return step;
}

static void write_axes(const struct layout *l)
{
	FILE *out = l->out;
	double step = nice_step(l->span_ns / 1e9, 10), t;
	int d;

	/* the duration axis of the marks: a line and a label per decade */
	for (d = (int)ceil(l->log_lo); d <= (int)floor(l->log_hi); d++) {
		double y = MARKS_TOP + MARKS_HEIGHT -
			   (d - l->log_lo) / (l->log_hi - l->log_lo) * MARKS_HEIGHT;
		char label[32];

		fmt_dur(label, sizeof(label), pow(10, d));
		fprintf(out,
			"<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#cccccc\" "
			"stroke-width=\"0.5\"/>\n",
			LEFT, LEFT + (int)l->plot_w, y, y);
		fprintf(out,
			"<text class=\"axis\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
			LEFT - 4, y + 4, label);
	}
	fprintf(out,
		"<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#555555\"/>\n"
		"<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"end\">GC cycles</text>\n",
		LEFT, LEFT + (int)l->plot_w, MARKS_TOP + MARKS_HEIGHT, MARKS_TOP + MARKS_HEIGHT,
		LEFT - 4, l->strip_y + STRIP_HEIGHT - 1);
	/* the time axis */
	for (t = 0; t <= l->span_ns / 1e9 + 1e-12; t += step) {
		double x = x_of(l, t * 1e9);

		fprintf(out,
			"<line x1=\"%.2f\" x2=\"%.2f\" y1=\"%d\" y2=\"%d\" stroke=\"#555555\"/>\n"
			"<text class=\"axis\" x=\"%.2f\" y=\"%d\" text-anchor=\"middle\">%g "
			"s</text>\n",
			x, x, l->axis_y, l->axis_y + 4, x, l->axis_y + 15, t);
	}
}

/* Counts per (column, bucket): heat[col * NBUCKETS + bucket]. */
static void write_heatmap(const struct layout *l, const size_t *heat)
{
	FILE *out = l->out;
	size_t max = 1, i;
	unsigned int c;
	int b;

	for (i = 0; i < (size_t)l->ncols * NBUCKETS; i++)
		if (heat[i] > max)
			max = heat[i];
	fprintf(out, "<text class=\"section\" x=\"%d\" y=\"%d\">Pause durations per ", LEFT,
		l->heat_top - 6);
	if (l->col_ns == 1000000000ULL)
		fputs("second", out);
	else
		fprintf(out, "%llu seconds", (unsigned long long)(l->col_ns / 1000000000ULL));
	fputs(" (rows: duration buckets, colour: number of pauses)</text>\n", out);
	fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"#f4f4f4\"/>\n",
		LEFT, l->heat_top, l->plot_w, l->heat_rows * CELL_HEIGHT);
	for (b = l->hi_bucket; b >= l->lo_bucket; b--) {
		int y = l->heat_top + (l->hi_bucket - b) * CELL_HEIGHT;
		char lo[32], hi[32];

		fmt_dur(lo, sizeof(lo), (double)timeline__bucket_floor(b));
		fmt_dur(hi, sizeof(hi), (double)timeline__bucket_floor(b + 1));
		fprintf(out,
			"<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n",
			LEFT - 4, y + CELL_HEIGHT - 3, lo);
		for (c = 0; c < l->ncols; c++) {
			size_t count = heat[(size_t)c * NBUCKETS + b];
			/* log scale: one pause is visible, the busiest cell is darkest */
			double f = log((double)count + 1) / log((double)max + 1);
			/* on the time axis: the last column ends where the recording did */
			double x = x_of(l, (double)c * l->col_ns);
			double w = x_of(l, (double)(c + 1) * l->col_ns) - x;
			int g = (int)(235 - 200 * f), bl = (int)(200 - 200 * f);

			if (!count)
				continue;
			fprintf(out,
				"<rect class=\"cell\" x=\"%.2f\" y=\"%d\" width=\"%.2f\" "
				"height=\"%d\" "
				"fill=\"rgb(%d,%d,%d)\"><title>%.3f s to %.3f s: %zu pause%s of %s "
				"to %s</title></rect>\n",
				x, y, w, CELL_HEIGHT - 1, 250 - (int)(70 * f), g, bl < 0 ? 0 : bl,
				c * (l->col_ns / 1e9), (c + 1) * (l->col_ns / 1e9), count,
				count == 1 ? "" : "s", b ? lo : "0 ns",
				b + 1 < NBUCKETS ? hi : "more");
		}
	}
	fprintf(out, "<text class=\"axis\" x=\"%d\" y=\"%d\">1 pause</text>\n", LEFT,
		l->heat_top + l->heat_rows * CELL_HEIGHT + 14);
	for (i = 0; i < 10; i++) {
		double f = i / 9.0;

		fprintf(out,
			"<rect x=\"%zu\" y=\"%d\" width=\"12\" height=\"10\" "
			"fill=\"rgb(%d,%d,%d)\"/>\n",
			LEFT + 52 + i * 12, l->heat_top + l->heat_rows * CELL_HEIGHT + 5,
			250 - (int)(70 * f), (int)(235 - 200 * f), (int)(200 - 200 * f));
	}
	fprintf(out, "<text class=\"axis\" x=\"%d\" y=\"%d\">%zu pauses in a cell</text>\n",
		LEFT + 52 + 126, l->heat_top + l->heat_rows * CELL_HEIGHT + 14, max);
}

static void write_header(FILE *out, int width, int height, const char *title)
{
	fprintf(out,
		"<?xml version=\"1.0\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"xmlns=\"http://www.w3.org/2000/svg\">\n<title>",
		width, height, width, height);
	put_str(out, title);
	fputs("</title>\n<style type=\"text/css\">\n", out);
	fprintf(out, timeline_css, FONTSIZE, FONTSIZE + 5, FONTSIZE - 2);
	fputs("</style>\n<script type=\"text/ecmascript\"><![CDATA[\n", out);
	fputs(timeline_script, out);
	fputs("]]></script>\n", out);
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", width,
		height);
	fprintf(out, "<text id=\"title\" x=\"%d\" y=\"%d\">", width / 2, FONTSIZE * 2);
	put_str(out, title);
	fputs("</text>\n", out);
}

static int write_empty(FILE *out, const struct timeline_opts *o, int width)
{
	write_header(out, width, 120, o->title ?: "Runtime pauses");
	fprintf(out, "<text id=\"subtitle\" x=\"%d\" y=\"%d\">", width / 2, FONTSIZE * 4);
	put_str(out, o->subtitle ?: "No pauses recorded");
	fputs("</text>\n", out);
	fprintf(out,
		"<text id=\"nopauses\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">No pauses "
		"recorded</text>\n<text id=\"details\" x=\"10\" y=\"110\"> </text>\n</svg>\n",
		width / 2, 80);
	return 0;
}

/* The subtitle: how many, how long in all, p99 and max; and how many marks are drawn. */
static void write_subtitle(FILE *out, const struct timeline_opts *o, int width,
			   const struct timeline_pause **by_dur, size_t n, size_t drawn)
{
	uint64_t total = 0;
	char p99[32], max[32];
	size_t i, rank = (99 * n + 99) / 100;

	fprintf(out, "<text id=\"subtitle\" x=\"%d\" y=\"%d\">", width / 2, FONTSIZE * 4);
	if (o->subtitle) {
		put_str(out, o->subtitle);
		fputs("</text>\n", out);
		return;
	}
	for (i = 0; i < n; i++)
		total += by_dur[i]->dur_ns;
	/* by_dur is longest first: the nearest-rank p99 is the (n - rank + 1)-th */
	fmt_dur(p99, sizeof(p99), (double)by_dur[n - rank]->dur_ns);
	fmt_dur(max, sizeof(max), (double)by_dur[0]->dur_ns);
	fprintf(out, "%zu pause%s, %.3f ms in all, p99 %s, max %s", n, n == 1 ? "" : "s",
		total / 1e6, p99, max);
	if (drawn < n)
		fprintf(out, "; the %zu longest drawn as marks, every one counted in the heatmap",
			drawn);
	fputs("</text>\n", out);
}

static void write_legend(FILE *out, const struct kind *kinds, size_t nkinds, int y)
{
	double x = LEFT;
	size_t i;

	for (i = 0; i < nkinds && i < LEGEND_KINDS; i++) {
		fprintf(out,
			"<rect class=\"legend\" x=\"%.1f\" y=\"%d\" width=\"10\" height=\"10\" "
			"fill=\"#%06x\"/>\n<text x=\"%.1f\" y=\"%d\">",
			x, y - 9, kinds[i].color, x + 14, y);
		put_name(out, kinds[i].runtime);
		fputs(": ", out);
		put_name(out, kinds[i].reason);
		fprintf(out, " (%zu)</text>\n", kinds[i].count);
		/* room for the text: an estimate, names are short */
		x += 24 + 7.0 * (escape__count(kinds[i].runtime, strlen(kinds[i].runtime)) +
				 escape__count(kinds[i].reason, strlen(kinds[i].reason)) + 8);
	}
	if (nkinds > LEGEND_KINDS)
		fprintf(out, "<text x=\"%.1f\" y=\"%d\">and %zu more</text>\n", x, y,
			nkinds - LEGEND_KINDS);
}

static void setup_layout(struct layout *l, const struct timeline_opts *o,
			 const struct timeline_pause **by_dur, size_t n, size_t drawn)
{
	uint64_t end = 0, min = UINT64_MAX, max = by_dur[0]->dur_ns;
	double seconds;
	size_t i;

	for (i = 0; i < n; i++) {
		if (end_of(by_dur[i]) > end)
			end = end_of(by_dur[i]);
		if (i < drawn && by_dur[i]->dur_ns < min)
			min = by_dur[i]->dur_ns;
	}
	l->span_ns = (double)(o->span_ns > end ? o->span_ns : end);
	if (l->span_ns < 1e6)
		l->span_ns = 1e6;
	l->plot_w = l->width - LEFT - RIGHT;
	/* whole decades around the drawn durations, 1 us to 1 ms at least */
	l->log_lo = floor(log10(min > 0 ? (double)min : 1.0));
	l->log_hi = ceil(log10(max > 0 ? (double)max : 1.0) + 1e-9);
	if (l->log_lo > 3)
		l->log_lo = 3;
	if (l->log_hi < 6)
		l->log_hi = 6;
	l->strip_y = MARKS_TOP + MARKS_HEIGHT + 4;
	l->axis_y = l->strip_y + STRIP_HEIGHT + 2;
	/* seconds, or whole seconds each when that makes more than TIMELINE_MAX_COLUMNS */
	seconds = ceil(l->span_ns / 1e9);
	l->col_ns = 1000000000ULL;
	if (seconds > TIMELINE_MAX_COLUMNS)
		l->col_ns *= (uint64_t)ceil(seconds / TIMELINE_MAX_COLUMNS);
	l->ncols = (unsigned int)ceil(l->span_ns / (double)l->col_ns);
	if (l->ncols > TIMELINE_MAX_COLUMNS)
		l->ncols = TIMELINE_MAX_COLUMNS;
	if (!l->ncols)
		l->ncols = 1;
	l->lo_bucket = NBUCKETS;
	l->hi_bucket = 0;
	for (i = 0; i < n; i++) {
		int b = (int)timeline__bucket(by_dur[i]->dur_ns);

		if (b < l->lo_bucket)
			l->lo_bucket = b;
		if (b > l->hi_bucket)
			l->hi_bucket = b;
	}
	l->heat_rows = l->hi_bucket - l->lo_bucket + 1;
	l->heat_top = l->axis_y + 44;
}

static size_t *count_heat(const struct layout *l, const struct timeline_pause *p, size_t n)
{
	size_t *heat = calloc((size_t)l->ncols * NBUCKETS, sizeof(*heat)), i;

	if (!heat)
		return NULL;
	for (i = 0; i < n; i++) {
		uint64_t col = p[i].start_ns / l->col_ns;

		if (col >= l->ncols)
			col = l->ncols - 1;
		heat[col * NBUCKETS + timeline__bucket(p[i].dur_ns)]++;
	}
	return heat;
}

int timeline__write(FILE *out, const struct timeline_pause *p, size_t n,
		    const struct timeline_opts *o)
{
	struct timeline_opts defaults;
	const struct timeline_pause **v;
	struct kind *kinds;
	struct layout l = {.out = out};
	size_t drawn, nkinds, i, *heat;
	int height, ret = 0;

	if (!o) {
		timeline_opts__init(&defaults);
		o = &defaults;
	}
	l.width = o->width > 0 ? o->width : DEFAULT_WIDTH;
	if (l.width < LEFT + RIGHT + 200)
		l.width = LEFT + RIGHT + 200;
	if (!n)
		return write_empty(out, o, l.width) ?: (ferror(out) ? -EIO : 0);
	v = malloc(n * sizeof(*v));
	kinds = calloc(MAX_KINDS, sizeof(*kinds));
	if (!v || !kinds) {
		free(v);
		free(kinds);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		v[i] = &p[i];
	qsort(v, n, sizeof(*v), by_duration);
	drawn = o->max_marks ? o->max_marks : TIMELINE_MAX_MARKS;
	if (drawn > n)
		drawn = n;
	setup_layout(&l, o, v, n, drawn);
	heat = count_heat(&l, p, n);
	if (!heat) {
		ret = -ENOMEM;
		goto out;
	}
	nkinds = collect_kinds(p, n, kinds);
	height = l.heat_top + l.heat_rows * CELL_HEIGHT + 44;
	write_header(out, l.width, height, o->title ?: "Runtime pauses");
	write_subtitle(out, o, l.width, v, n, drawn);
	write_legend(out, kinds, nkinds, MARKS_TOP - 32);
	fprintf(out,
		"<text class=\"section\" x=\"%d\" y=\"%d\">Pauses (x: start and length; height: "
		"duration, log scale)</text>\n",
		LEFT, MARKS_TOP - 10);
	write_axes(&l);
	/* the drawn marks, in time order so that later pauses are drawn above */
	qsort(v, drawn, sizeof(*v), by_start);
	fputs("<g id=\"marks\">\n", out);
	for (i = 0; i < drawn; i++) {
		const struct kind *k = kind_of(kinds, nkinds, v[i]);

		write_mark(&l, v[i], k ? k->color : OTHER_COLOR);
	}
	fputs("</g>\n<g id=\"cycles\">\n", out);
	write_cycles(&l, v, drawn);
	fputs("</g>\n<g id=\"heatmap\">\n", out);
	write_heatmap(&l, heat);
	fprintf(out, "</g>\n<text id=\"details\" x=\"10\" y=\"%d\"> </text>\n</svg>\n", height - 8);
	ret = ferror(out) ? -EIO : 0;
out:
	free(heat);
	free(kinds);
	free(v);
	return ret;
}
