// SPDX-License-Identifier: MIT
/*
 * `singe report`: per sample type, the call tree (tree.h) is folded into one row per
 * function name. flat adds up the self values of every node of that name; cum adds up the
 * totals of the nodes of that name that have no ancestor of the same name, so a recursive
 * function's samples count once (pprof's rule).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "report.h"
#include "tree.h"

#define DEFAULT_TOP 10

int report_format__parse(const char *s, enum report_format *out)
{
	if (!strcmp(s, "text"))
		*out = REPORT_TEXT;
	else if (!strcmp(s, "markdown") || !strcmp(s, "md"))
		*out = REPORT_MARKDOWN;
	else if (!strcmp(s, "json"))
		*out = REPORT_JSON;
	else
		return -EINVAL;
	return 0;
}

void report_opts__init(struct report_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->top = DEFAULT_TOP;
	o->format = REPORT_TEXT;
}

/* --- computing ----------------------------------------------------------------------- */

static int64_t sat_add(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

/* Map every tree node to a function (by name) and add up flat values. */
static int group_nodes(struct report_table *rt, struct strtab *names, uint32_t *group)
{
	const struct tree *t = rt->tree;
	size_t i, cap = 0;

	for (i = 1; i < t->nnodes; i++) {
		const char *name = tree__name(t, (uint32_t)i);
		size_t len = tree__name_len(t, (uint32_t)i);
		int64_t g = strtab__intern(names, name, len);

		if (g < 0)
			return (int)g;
		group[i] = (uint32_t)g - 1; /* index 0 of the table is "" */
		if ((size_t)g > rt->nrows) {
			if ((size_t)g > cap) {
				void *p;

				cap = cap ? cap * 2 : 64;
				while (cap < (size_t)g)
					cap *= 2;
				p = realloc(rt->rows, cap * sizeof(*rt->rows));
				if (!p)
					return -ENOMEM;
				rt->rows = p;
			}
			rt->rows[g - 1] = (struct report_row){name, len, 0, 0};
			rt->nrows = (size_t)g;
		}
		rt->rows[g - 1].flat =
			sat_add(rt->rows[g - 1].flat, tree__node(t, (uint32_t)i)->self);
	}
	return 0;
}

/*
 * cum: a depth-first walk keeping, per function, how many of the current node's ancestors
 * (itself included) carry its name; a node adds its total only when it is the first.
 */
static int add_cum(struct report_table *rt, const uint32_t *group)
{
	const struct tree *t = rt->tree;
	uint32_t *active = calloc(rt->nrows ? rt->nrows : 1, sizeof(*active));
	uint32_t *stack = malloc((t->nnodes + 1) * sizeof(*stack));
	size_t sp = 0;
	uint32_t i;

	if (!active || !stack) {
		free(active);
		free(stack);
		return -ENOMEM;
	}
	/* entries: node << 1 | leaving */
	for (i = 0; i < tree__node(t, TREE_ROOT)->nchildren; i++)
		stack[sp++] = tree__child(t, TREE_ROOT, i) << 1;
	while (sp) {
		uint32_t e = stack[--sp], node = e >> 1, g = group[node];
		const struct tree_node *n = tree__node(t, node);

		if (e & 1) {
			active[g]--;
			continue;
		}
		if (!active[g]++)
			rt->rows[g].cum = sat_add(rt->rows[g].cum, n->total);
		stack[sp++] = node << 1 | 1;
		for (i = 0; i < n->nchildren; i++)
			stack[sp++] = tree__child(t, node, i) << 1;
	}
	free(active);
	free(stack);
	return 0;
}

static int cmp_rows(const void *pa, const void *pb)
{
	const struct report_row *a = pa, *b = pb;
	int c;

	if (a->flat != b->flat)
		return a->flat > b->flat ? -1 : 1;
	if (a->cum != b->cum)
		return a->cum > b->cum ? -1 : 1;
	c = memcmp(a->name, b->name, a->name_len < b->name_len ? a->name_len : b->name_len);
	if (c)
		return c;
	return a->name_len < b->name_len ? -1 : a->name_len > b->name_len;
}

int report_table__compute(const struct profile *p, size_t vi, struct report_table *rt)
{
	struct tree_opts topts = {.vi = vi, .base_vi = -1};
	struct strtab names;
	uint32_t *group = NULL;
	int ret;

	memset(rt, 0, sizeof(*rt));
	rt->vi = vi;
	if (vi >= p->sample_types.len)
		return -EINVAL;
	rt->tree = tree__build(p, &topts);
	if (!rt->tree)
		return -errno;
	rt->total = tree__node(rt->tree, TREE_ROOT)->total;
	if (strtab_init(&names))
		return -ENOMEM;
	group = malloc(rt->tree->nnodes * sizeof(*group));
	ret = group ? group_nodes(rt, &names, group) : -ENOMEM;
	if (!ret)
		ret = add_cum(rt, group);
	free(group);
	strtab_release(&names);
	if (ret) {
		report_table__release(rt);
		return ret;
	}
	/* names point into the tree (not into the scratch table), so they outlive it */
	if (rt->nrows)
		qsort(rt->rows, rt->nrows, sizeof(*rt->rows), cmp_rows);
	return 0;
}

void report_table__release(struct report_table *rt)
{
	free(rt->rows);
	tree__free(rt->tree);
	memset(rt, 0, sizeof(*rt));
}

/* --- text helpers -------------------------------------------------------------------- */

static const struct unit_scale {
	const char *unit;
	double factor; /* to ns or bytes */
	bool bytes;
} unit_scales[] = {
	{"nanoseconds", 1, false},    {"ns", 1, false},
	{"microseconds", 1e3, false}, {"us", 1e3, false},
	{"milliseconds", 1e6, false}, {"ms", 1e6, false},
	{"seconds", 1e9, false},      {"s", 1e9, false},
	{"bytes", 1, true},	      {"kilobytes", 1024, true},
	{"megabytes", 1048576, true},
};

/* Three significant figures at most: 1.25, 12.3, 850. */
static int fmt_sig(char *buf, size_t cap, double v, const char *suffix)
{
	double a = fabs(v);

	if (a >= 100 || a == 0)
		return snprintf(buf, cap, "%.0f%s", v, suffix);
	if (a >= 10)
		return snprintf(buf, cap, "%.1f%s", v, suffix);
	return snprintf(buf, cap, "%.2f%s", v, suffix);
}

char *report__format_value(char *buf, size_t cap, double v, const char *unit)
{
	static const char *const time_units[] = {"ns", "us", "ms", "s"};
	static const char *const byte_units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	size_t i;
	int k;

	for (i = 0; i < sizeof(unit_scales) / sizeof(unit_scales[0]); i++) {
		if (!unit || strcmp(unit, unit_scales[i].unit))
			continue;
		v *= unit_scales[i].factor;
		if (unit_scales[i].bytes) {
			for (k = 0; k < 4 && fabs(v) >= 1024; k++)
				v /= 1024;
			if (k == 0)
				snprintf(buf, cap, "%.0fB", v);
			else
				fmt_sig(buf, cap, v, byte_units[k]);
		} else {
			for (k = 0; k < 3 && fabs(v) >= 1000; k++)
				v /= 1000;
			if (k == 0)
				snprintf(buf, cap, "%.0fns", v);
			else
				fmt_sig(buf, cap, v, time_units[k]);
		}
		return buf;
	}
	if (v == floor(v) && fabs(v) < 9e15)
		snprintf(buf, cap, "%.0f", v);
	else
		fmt_sig(buf, cap, v, "");
	return buf;
}

char *report__format_int(char *buf, size_t cap, int64_t v, const char *unit)
{
	size_t i;

	for (i = 0; i < sizeof(unit_scales) / sizeof(unit_scales[0]); i++)
		if (unit && !strcmp(unit, unit_scales[i].unit))
			return report__format_value(buf, cap, (double)v, unit);
	/* a count is shown exactly, as JSON has it (a double would round INT64_MAX up) */
	snprintf(buf, cap, "%" PRId64, v);
	return buf;
}

void report__json_string(FILE *out, const char *s, size_t len)
{
	size_t pos = 0, start;
	uint32_t cp;

	putc('"', out);
	while (pos < len) {
		start = pos;
		cp = escape__next(s, len, &pos);
		switch (cp) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		case '<':
		case '>':
		case '&':
		case 0x2028:
		case 0x2029:
			fprintf(out, "\\u%04x", cp);
			break;
		case ESCAPE_REPLACEMENT:
			fputs("\xef\xbf\xbd", out);
			break;
		default:
			if (cp < 0x20)
				fprintf(out, "\\u%04x", cp);
			else
				fwrite(s + start, 1, pos - start, out);
		}
	}
	putc('"', out);
}

/* The longest run of backticks in s. */
static size_t longest_backtick_run(const char *s, size_t len)
{
	size_t i, run = 0, best = 0;

	for (i = 0; i < len; i++) {
		run = s[i] == '`' ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best;
}

static void put_fence(FILE *out, size_t n)
{
	while (n--)
		putc('`', out);
}

void report__md_code_cell(FILE *out, const char *s, size_t len)
{
	size_t fence = longest_backtick_run(s, len) + 1, pos = 0, start;
	bool pad = len && (s[0] == '`' || s[len - 1] == '`' || s[0] == ' ');
	uint32_t cp;

	if (!len) {
		fputs("(empty)", out);
		return;
	}
	put_fence(out, fence);
	if (pad)
		putc(' ', out);
	while (pos < len) {
		start = pos;
		cp = escape__next(s, len, &pos);
		if (cp == '\n' || cp == '\r' || cp == '\t')
			putc(' ', out);
		else if (cp == '|')
			fputs("\\|", out);
		else if (escape__is_disguising(cp))
			escape__write_visible(out, cp);
		else if (cp == ESCAPE_REPLACEMENT)
			fputs("\xef\xbf\xbd", out);
		else
			fwrite(s + start, 1, pos - start, out);
	}
	if (pad)
		putc(' ', out);
	put_fence(out, fence);
}

void report__text_name(FILE *out, const char *s, size_t len)
{
	size_t pos = 0, start;
	uint32_t cp;

	while (pos < len) {
		start = pos;
		cp = escape__next(s, len, &pos);
		/* control characters (ESC above all) could drive the terminal: show them as '?' */
		if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
			putc('?', out);
		else if (escape__is_disguising(cp))
			escape__write_visible(out, cp);
		else if (cp == ESCAPE_REPLACEMENT)
			fputs("\xef\xbf\xbd", out);
		else
			fwrite(s + start, 1, pos - start, out);
	}
}

void report__quality_text(FILE *out, const struct profile_quality *q)
{
	fprintf(out,
		"lost %" PRIu64 ", truncated %" PRIu64 ", unknown frames %" PRIu64
		", bad lines %" PRIu64,
		q->lost, q->truncated, q->unknown_frames, q->bad_lines);
}

/* --- writing ------------------------------------------------------------------------- */

struct writer {
	const struct profile *p;
	const struct report_opts *o;
	FILE *out;
	bool first_table;
};

static const char *type_name(const struct profile *p, size_t vi)
{
	return profile__str(p, p->sample_types.data[vi].type);
}

static const char *unit_name(const struct profile *p, size_t vi)
{
	return profile__str(p, p->sample_types.data[vi].unit);
}

static double pct(int64_t part, int64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static size_t shown(const struct writer *w, const struct report_table *rt)
{
	return w->o->top && w->o->top < rt->nrows ? w->o->top : rt->nrows;
}

/* rows sorted by cum (for the second table), a permutation of rt->rows */
static int cmp_cum(const void *pa, const void *pb)
{
	const struct report_row *a = *(const struct report_row *const *)pa;
	const struct report_row *b = *(const struct report_row *const *)pb;

	if (a->cum != b->cum)
		return a->cum > b->cum ? -1 : 1;
	return cmp_rows(a, b);
}

static const struct report_row **by_cum(const struct report_table *rt)
{
	const struct report_row **v = malloc((rt->nrows ? rt->nrows : 1) * sizeof(*v));
	size_t i;

	if (!v)
		return NULL;
	for (i = 0; i < rt->nrows; i++)
		v[i] = &rt->rows[i];
	if (rt->nrows)
		qsort(v, rt->nrows, sizeof(*v), cmp_cum);
	return v;
}

static void text_rows(struct writer *w, const struct report_table *rt,
		      const struct report_row *const *rows, size_t n)
{
	const char *unit = unit_name(w->p, rt->vi);
	char flat[32], cum[32];
	int64_t sum_flat = 0;
	double sum;
	size_t i;

	fprintf(w->out, "%10s %7s %7s %10s %7s  %s\n", "flat", "flat%", "sum%", "cum", "cum%",
		"name");
	for (i = 0; i < n; i++) {
		const struct report_row *r = rows[i];

		/* saturating like the total, so sum% never passes 100% */
		sum_flat = sat_add(sum_flat, r->flat);
		sum = pct(sum_flat, rt->total);
		fprintf(w->out, "%10s %6.2f%% %6.2f%% %10s %6.2f%%  ",
			report__format_int(flat, sizeof(flat), r->flat, unit),
			pct(r->flat, rt->total), sum,
			report__format_int(cum, sizeof(cum), r->cum, unit), pct(r->cum, rt->total));
		report__text_name(w->out, r->name, r->name_len);
		putc('\n', w->out);
	}
}

static void write_text(struct writer *w, const struct report_table *rt,
		       const struct report_row *const *cum_rows)
{
	const char *unit = unit_name(w->p, rt->vi);
	const struct report_row **flat_rows;
	char total[32];
	size_t i, n = shown(w, rt);

	if (!w->first_table)
		putc('\n', w->out);
	fprintf(w->out, "Type: %s (%s)\nTotal: %s", type_name(w->p, rt->vi), unit,
		report__format_int(total, sizeof(total), rt->total, unit));
	fprintf(w->out, " in %zu samples\n", w->p->samples.len);
	fprintf(w->out, "Showing top %zu of %zu functions by flat\n", n, rt->nrows);
	flat_rows = malloc((n ? n : 1) * sizeof(*flat_rows));
	if (flat_rows) {
		for (i = 0; i < n; i++)
			flat_rows[i] = &rt->rows[i];
		text_rows(w, rt, flat_rows, n);
		free(flat_rows);
	}
	fprintf(w->out, "Showing top %zu of %zu functions by cum\n", n, rt->nrows);
	text_rows(w, rt, cum_rows, n);
}

static void md_rows(struct writer *w, const struct report_table *rt,
		    const struct report_row *const *rows, size_t n)
{
	const char *unit = unit_name(w->p, rt->vi);
	char flat[32], cum[32];
	int64_t sum_flat = 0;
	double sum;
	size_t i;

	fputs("| flat | flat% | sum% | cum | cum% | function |\n"
	      "|---:|---:|---:|---:|---:|---|\n",
	      w->out);
	for (i = 0; i < n; i++) {
		const struct report_row *r = rows[i];

		/* saturating like the total, so sum% never passes 100% */
		sum_flat = sat_add(sum_flat, r->flat);
		sum = pct(sum_flat, rt->total);
		fprintf(w->out, "| %s | %.2f%% | %.2f%% | %s | %.2f%% | ",
			report__format_int(flat, sizeof(flat), r->flat, unit),
			pct(r->flat, rt->total), sum,
			report__format_int(cum, sizeof(cum), r->cum, unit), pct(r->cum, rt->total));
		report__md_code_cell(w->out, r->name, r->name_len);
		fputs(" |\n", w->out);
	}
}

static void write_markdown(struct writer *w, const struct report_table *rt,
			   const struct report_row *const *cum_rows)
{
	const char *unit = unit_name(w->p, rt->vi);
	const struct report_row **flat_rows;
	char total[32];
	size_t i, n = shown(w, rt);

	fputs("\n### ", w->out);
	report__md_code_cell(w->out, type_name(w->p, rt->vi), strlen(type_name(w->p, rt->vi)));
	fprintf(w->out, " (%s)\n\nTotal: %s in %zu samples.\n\n", unit,
		report__format_int(total, sizeof(total), rt->total, unit), w->p->samples.len);
	fprintf(w->out, "Top %zu of %zu functions by self value (flat):\n\n", n, rt->nrows);
	flat_rows = malloc((n ? n : 1) * sizeof(*flat_rows));
	if (flat_rows) {
		for (i = 0; i < n; i++)
			flat_rows[i] = &rt->rows[i];
		md_rows(w, rt, flat_rows, n);
		free(flat_rows);
	}
	fprintf(w->out, "\nTop %zu of %zu functions by inclusive value (cum):\n\n", n, rt->nrows);
	md_rows(w, rt, cum_rows, n);
}

static void json_rows(struct writer *w, const struct report_table *rt,
		      const struct report_row *const *rows, size_t n)
{
	int64_t sum_flat = 0;
	double sum;
	size_t i;

	fputs("[", w->out);
	for (i = 0; i < n; i++) {
		const struct report_row *r = rows[i];

		/* saturating like the total, so sum% never passes 100% */
		sum_flat = sat_add(sum_flat, r->flat);
		sum = pct(sum_flat, rt->total);
		fputs(i ? ",\n        {\"name\": " : "\n        {\"name\": ", w->out);
		report__json_string(w->out, r->name, r->name_len);
		fprintf(w->out,
			", \"flat\": %" PRId64 ", \"flat_pct\": %.4f, \"sum_pct\": %.4f, "
			"\"cum\": %" PRId64 ", \"cum_pct\": %.4f}",
			r->flat, pct(r->flat, rt->total), sum, r->cum, pct(r->cum, rt->total));
	}
	fputs(n ? "\n      ]" : "]", w->out);
}

static void write_json_table(struct writer *w, const struct report_table *rt,
			     const struct report_row *const *cum_rows)
{
	const struct report_row **flat_rows;
	size_t i, n = shown(w, rt);

	fputs(w->first_table ? "\n    {\"type\": " : ",\n    {\"type\": ", w->out);
	report__json_string(w->out, type_name(w->p, rt->vi), strlen(type_name(w->p, rt->vi)));
	fputs(", \"unit\": ", w->out);
	report__json_string(w->out, unit_name(w->p, rt->vi), strlen(unit_name(w->p, rt->vi)));
	fprintf(w->out,
		", \"total\": %" PRId64 ", \"functions\": %zu,\n      \"top_flat\": ", rt->total,
		rt->nrows);
	flat_rows = malloc((n ? n : 1) * sizeof(*flat_rows));
	if (flat_rows) {
		for (i = 0; i < n; i++)
			flat_rows[i] = &rt->rows[i];
		json_rows(w, rt, flat_rows, n);
		free(flat_rows);
	}
	fputs(",\n      \"top_cum\": ", w->out);
	json_rows(w, rt, cum_rows, n);
	fputs("}", w->out);
}

/*
 * The recorder's notes that a report shows, from the profile's comments: how stacks were
 * unwound ("singe:unwind ...": see cli/record.c), the pause summary ("pause: ...": see
 * cli/record_pause.c) and the allocation summary and leaks ("alloc: ...": cli/record_alloc.c). A
 * note is prefix then ' ' or '-'; title and key name it in text and Markdown, and in JSON.
 */
#define UNWIND_COMMENT "singe:unwind"
#define PAUSE_COMMENT "pause:"
#define ALLOC_COMMENT "alloc:"

static void recorder_notes(struct writer *w, const char *prefix, const char *title, const char *key)
{
	const struct profile *p = w->p;
	size_t i, n = 0, plen = strlen(prefix);

	for (i = 0; i < p->comments.len; i++) {
		const char *c = profile__str(p, p->comments.data[i]);
		size_t len = strtab__strlen(&p->strings, p->comments.data[i]);

		if (len <= plen || strncmp(c, prefix, plen) || (c[plen] != ' ' && c[plen] != '-'))
			continue;
		switch (w->o->format) {
		case REPORT_TEXT:
			fprintf(w->out, "%s: ", title);
			report__text_name(w->out, c, len);
			putc('\n', w->out);
			break;
		case REPORT_MARKDOWN:
			if (n)
				fputs(", ", w->out);
			else
				fprintf(w->out, "%s: ", title);
			report__md_code_cell(w->out, c, len);
			break;
		case REPORT_JSON:
			if (n)
				fputs(", ", w->out);
			else
				fprintf(w->out, "  \"%s\": [", key);
			report__json_string(w->out, c, len);
			break;
		}
		n++;
	}
	if (n && w->o->format == REPORT_MARKDOWN)
		fputs(".\n", w->out);
	if (n && w->o->format == REPORT_JSON)
		fputs("],\n", w->out);
}

static void unwind_notes(struct writer *w)
{
	recorder_notes(w, UNWIND_COMMENT, "Unwinding", "unwind");
	recorder_notes(w, PAUSE_COMMENT, "Pauses", "pauses");
	recorder_notes(w, ALLOC_COMMENT, "Allocations", "alloc");
}

static void write_prologue(struct writer *w)
{
	const struct profile_quality *q = &w->p->quality;

	switch (w->o->format) {
	case REPORT_TEXT:
		fputs("Quality: ", w->out);
		report__quality_text(w->out, q);
		putc('\n', w->out);
		unwind_notes(w);
		break;
	case REPORT_MARKDOWN:
		fprintf(w->out, "## Profile report\n\n%zu samples. Quality: ", w->p->samples.len);
		report__quality_text(w->out, q);
		fputs(".\n", w->out);
		unwind_notes(w);
		break;
	case REPORT_JSON:
		fprintf(w->out,
			"{\n  \"schema\": \"singe.report/1\",\n  \"samples\": %zu,\n"
			"  \"duration_nanos\": %" PRId64 ",\n"
			"  \"quality\": {\"lost\": %" PRIu64 ", \"truncated\": %" PRIu64
			", \"unknown_frames\": %" PRIu64 ", \"bad_lines\": %" PRIu64 "},\n",
			w->p->samples.len, w->p->duration_nanos, q->lost, q->truncated,
			q->unknown_frames, q->bad_lines);
		unwind_notes(w);
		fputs("  \"sample_types\": [", w->out);
		break;
	}
}

static void write_epilogue(struct writer *w)
{
	if (w->o->format == REPORT_JSON)
		fputs(w->first_table ? "]\n}\n" : "\n  ]\n}\n", w->out);
}

static int write_table(struct writer *w, size_t vi)
{
	struct report_table rt;
	const struct report_row **cum_rows;
	int ret = report_table__compute(w->p, vi, &rt);

	if (ret)
		return ret;
	cum_rows = by_cum(&rt);
	if (!cum_rows) {
		report_table__release(&rt);
		return -ENOMEM;
	}
	switch (w->o->format) {
	case REPORT_TEXT:
		write_text(w, &rt, cum_rows);
		break;
	case REPORT_MARKDOWN:
		write_markdown(w, &rt, cum_rows);
		break;
	case REPORT_JSON:
		write_json_table(w, &rt, cum_rows);
		break;
	}
	w->first_table = false;
	free(cum_rows);
	report_table__release(&rt);
	return 0;
}

static int no_such_type(const struct profile *p, const char *name, struct flame_err *err)
{
	char have[160] = "";
	size_t i, n = 0;

	for (i = 0; i < p->sample_types.len && n < sizeof(have); i++)
		n += (size_t)snprintf(have + n, sizeof(have) - n, "%s%s", i ? ", " : "",
				      type_name(p, i));
	return flame_err__set(err, EINVAL, "no sample type '%s' (have: %s); pick one with -t", name,
			      have);
}

int report__write(const struct profile *p, const struct report_opts *opts, FILE *out,
		  struct flame_err *err)
{
	struct report_opts defaults;
	struct writer w = {.p = p, .o = opts, .out = out, .first_table = true};
	size_t vi;
	int ret = 0, one = -1;

	if (!opts) {
		report_opts__init(&defaults);
		w.o = &defaults;
	}
	if (!p->sample_types.len)
		return flame_err__set(err, EINVAL, "the profile has no sample types");
	if (w.o->sample_type) {
		one = profile__find_sample_type(p, w.o->sample_type);
		if (one < 0)
			return no_such_type(p, w.o->sample_type, err);
	}
	write_prologue(&w);
	for (vi = 0; vi < p->sample_types.len && !ret; vi++)
		if (one < 0 || vi == (size_t)one)
			ret = write_table(&w, vi);
	if (ret)
		return flame_err__set(err, -ret, "report: %s", strerror(-ret));
	write_epilogue(&w);
	if (fflush(out) || ferror(out))
		return flame_err__set(err, EIO, "report: write failed: %s", strerror(errno));
	return 0;
}
