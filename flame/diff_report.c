// SPDX-License-Identifier: MIT
/*
 * The diff writers: text, Markdown and JSON views of one struct diff. They share the row
 * selection (which rows go in which section, in which order) and the number formatting, so
 * the three views always agree.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "diff_report.h"
#include "report.h"

const char *diff_report__scope_name(enum diff_scope scope)
{
	switch (scope) {
	case DIFF_SELF:
		return "self";
	case DIFF_INCLUSIVE:
		return "inclusive";
	case DIFF_STACK:
		return "stack";
	}
	return "unknown";
}

/* --- choosing rows ------------------------------------------------------------------- */

/* Which rows a section shows. */
enum section {
	SEC_REGRESSIONS,
	SEC_IMPROVEMENTS,
	SEC_SHIFTS,    /* cost moved from a sibling */
	SEC_EXPLAINED, /* callers whose growth is a regression below them */
	SEC_OTHER,     /* unchanged functions, by size of the change */
	SEC_STACKS,    /* whole stacks, by size of the change */
	SEC_CHANGED,   /* every function row with a verdict (JSON) */
};

static bool in_section(const struct diff_row *r, enum section s)
{
	bool fn = r->scope != DIFF_STACK;

	switch (s) {
	case SEC_REGRESSIONS:
		return fn && r->verdict == DIFF_REGRESSION;
	case SEC_IMPROVEMENTS:
		return fn && r->verdict == DIFF_IMPROVEMENT;
	case SEC_SHIFTS:
		return fn && r->verdict == DIFF_SHIFT;
	case SEC_EXPLAINED:
		/* a function's inclusive growth explained by its own self row says nothing new */
		return fn && r->verdict == DIFF_EXPLAINED && r->explained_by != r->name;
	case SEC_OTHER:
		return fn && r->verdict == DIFF_UNCHANGED;
	case SEC_STACKS:
		return !fn;
	case SEC_CHANGED:
		return fn && r->verdict != DIFF_UNCHANGED;
	}
	return false;
}

struct pick {
	const struct diff_row **rows;
	size_t n, all; /* shown, and how many were in the section */
};

/* |delta_pp| descending; then verdict order, scope, name, for a total order. */
static int cmp_change(const void *pa, const void *pb, void *ctx)
{
	const struct diff *d = ctx;
	const struct diff_row *a = *(const struct diff_row *const *)pa;
	const struct diff_row *b = *(const struct diff_row *const *)pb;
	double da = fabs(a->delta_pp), db = fabs(b->delta_pp);
	int c;

	if (da != db)
		return da > db ? -1 : 1;
	if (a->verdict != b->verdict)
		return a->verdict < b->verdict ? -1 : 1;
	if (a->scope != b->scope)
		return a->scope < b->scope ? -1 : 1;
	c = strcmp(diff__name(d, a), diff__name(d, b));
	if (c)
		return c;
	return a < b ? -1 : a > b;
}

static int pick_rows(const struct diff *d, enum section s, size_t top, struct pick *pk)
{
	size_t i;

	pk->n = pk->all = 0;
	pk->rows = malloc((d->nrows ? d->nrows : 1) * sizeof(*pk->rows));
	if (!pk->rows)
		return -ENOMEM;
	for (i = 0; i < d->nrows; i++)
		if (in_section(&d->rows[i], s))
			pk->rows[pk->all++] = &d->rows[i];
	if (pk->all > 1)
		qsort_r(pk->rows, pk->all, sizeof(*pk->rows), cmp_change, (void *)d);
	pk->n = top && top < pk->all ? top : pk->all;
	return 0;
}

/* --- shared phrases ------------------------------------------------------------------ */

static const char *norm_phrase(enum diff_norm norm)
{
	switch (norm) {
	case DIFF_NORM_RATE:
		return "per second of recording";
	case DIFF_NORM_SCALE:
		return "head scaled so its total equals the base total (pprof -normalize)";
	default:
		return "share of each run's total";
	}
}

static const char *norm_key(enum diff_norm norm)
{
	switch (norm) {
	case DIFF_NORM_RATE:
		return "rate";
	case DIFF_NORM_SCALE:
		return "scale";
	default:
		return "share";
	}
}

static const char *str_or(const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void fmt_rel(char *buf, size_t cap, const struct diff_row *r)
{
	if (r->is_new || isinf(r->rel_pct))
		snprintf(buf, cap, "new");
	else if (isnan(r->rel_pct))
		snprintf(buf, cap, "-");
	else
		snprintf(buf, cap, "%+.1f%%", r->rel_pct);
}

static void fmt_q(char *buf, size_t cap, double q)
{
	if (isnan(q))
		snprintf(buf, cap, "-");
	else if (q < 0.0001)
		snprintf(buf, cap, "%.1e", q);
	else
		snprintf(buf, cap, "%.4f", q);
}

static int finish(FILE *out)
{
	if (fflush(out) || ferror(out))
		return -EIO;
	return 0;
}

/* --- what it could have missed (shared by the three writers) -------------------------- */

/* The tested functions (self rows) with the largest shares, at most POWER_ROWS and top. */
#define POWER_ROWS 5

static size_t power_rows(const struct diff *d, size_t top, const struct diff_row **rows)
{
	size_t i, j, n = 0, max = top && top < POWER_ROWS ? top : POWER_ROWS;

	for (i = 0; i < d->nrows; i++) {
		const struct diff_row *r = &d->rows[i];

		if (r->scope != DIFF_SELF || isnan(r->mdc_rel_pct))
			continue;
		for (j = n; j > 0 && rows[j - 1]->base_share < r->base_share; j--)
			if (j < max)
				rows[j] = rows[j - 1];
		if (j < max)
			rows[j] = r;
		if (n < max)
			n++;
	}
	return n;
}

/* Samples per side now (the mean of the two sides' totals, in samples), and runs per side. */
static double side_samples(const struct diff *d)
{
	return (d->base_samples + d->head_samples) / 2;
}

static double side_runs(const struct diff *d)
{
	return ((double)d->nbase_runs + (double)d->nhead_runs) / 2;
}

/* Samples per side a change of opts.detect_pct in r needs (INFINITY: below the floors). */
static double samples_needed(const struct diff *d, const struct diff_row *r)
{
	return r->detect_scale * side_samples(d);
}

/* Runs per side of the current size it needs (at least 1). */
static double runs_needed(const struct diff *d, const struct diff_row *r)
{
	double n = ceil(r->detect_scale * side_runs(d) - 1e-9);

	return n > 1 ? n : 1;
}

/* "12300 samples/side (4 runs/side)", "enough now" or "never: below the floors". */
static void fmt_need(char *buf, size_t cap, const struct diff *d, const struct diff_row *r)
{
	double runs = runs_needed(d, r);

	if (!isfinite(r->detect_scale))
		snprintf(buf, cap, "never: below the floors");
	else if (r->detect_scale <= 1)
		snprintf(buf, cap, "enough now");
	else
		snprintf(buf, cap, "%.0f samples/side (%.0f %s/side)", ceil(samples_needed(d, r)),
			 runs, runs > 1 ? "runs" : "run");
}

static void text_name(FILE *out, const char *s)
{
	report__text_name(out, s, strlen(s));
}

static void md_code(FILE *out, const char *s)
{
	report__md_code_cell(out, s, strlen(s));
}

/* The weak-verdict sentence, function names written by name(). */
static void weak_message(const struct diff *d, FILE *out, void (*name)(FILE *, const char *))
{
	const struct diff_row *r = diff__power_row(d);
	char need[96];

	if (!r) {
		fputs("weak verdict: no function had enough samples to be tested; record more "
		      "samples\n",
		      out);
		return;
	}
	fprintf(out, "weak verdict: a change of %g%% in ", d->opts.detect_pct);
	name(out, diff__name(d, r));
	fprintf(out,
		" (the largest function, %.1f%%) would likely have been missed at %.0f "
		"samples per side (detectable from %+.1f%%); ",
		r->base_share * 100, side_samples(d), r->mdc_rel_pct);
	if (!isfinite(r->detect_scale)) {
		fprintf(out, "the floors (--min-rel %g, --min-delta %g) stop it: lower them\n",
			d->opts.min_rel_pct, d->opts.min_delta_pp);
	} else if (r->detect_scale > 1) {
		fmt_need(need, sizeof(need), d, r);
		fprintf(out, "it needs %s\n", need);
	} else {
		fputs("record more samples\n", out);
	}
}

int diff_report__weak(const struct diff *d, FILE *out)
{
	if (d->weak)
		weak_message(d, out, text_name);
	return finish(out);
}

/* --- text ---------------------------------------------------------------------------- */

static void text_headline(const struct diff *d, FILE *out)
{
	const char *type = str_or(d->sample_type, "value");

	if (diff__regressed(d))
		fprintf(out, "singe diff: REGRESSION: %zu significant %s in %s", d->nregressions,
			plural(d->nregressions, "regression", "regressions"), type);
	else
		fprintf(out, "singe diff: OK: no significant regression in %s", type);
	fprintf(out, " (%zu base %s vs %zu head %s)\n", d->nbase_runs,
		plural(d->nbase_runs, "run", "runs"), d->nhead_runs,
		plural(d->nhead_runs, "run", "runs"));
}

static void text_method(const struct diff *d, FILE *out)
{
	fprintf(out, "method: %s", str_or(d->test, "unknown test"));
	if (!isnan(d->dispersion))
		fprintf(out, ", dispersion %.2f", d->dispersion);
	fprintf(out,
		"; Benjamini-Hochberg q <= %g over %zu tests; floors: |change| >= %g pp and "
		">= %g%%, at least %" PRId64 " samples\n",
		d->opts.fdr, d->ntested, d->opts.min_delta_pp, d->opts.min_rel_pct,
		d->opts.min_count);
	fprintf(out, "normalization: %s (%s)\n", norm_key(d->norm), norm_phrase(d->norm));
}

static void text_side(const struct diff *d, FILE *out, const char *side, size_t runs, int64_t total,
		      const struct profile_quality *q)
{
	char buf[32];
	size_t n;

	report__format_int(buf, sizeof(buf), total, d->unit);
	n = strlen(buf);
	/* "3.00s" carries its unit; a plain number gets the unit's name: "1234 count" */
	fprintf(out, "%s: %zu %s, total %s%s%s; quality: ", side, runs, plural(runs, "run", "runs"),
		buf, n && buf[n - 1] >= '0' && buf[n - 1] <= '9' ? " " : "",
		n && buf[n - 1] >= '0' && buf[n - 1] <= '9' ? str_or(d->unit, "") : "");
	report__quality_text(out, q);
	putc('\n', out);
}

static void text_rows(const struct diff *d, FILE *out, const char *title, const struct pick *pk)
{
	char rel[32], q[32];
	size_t i;

	if (!pk->all) {
		fprintf(out, "\n%s: none\n", title);
		return;
	}
	fprintf(out, "\n%s (%zu", title, pk->all);
	if (pk->n < pk->all)
		fprintf(out, ", top %zu shown", pk->n);
	fprintf(out, "):\n  %-9s %8s %8s %9s %8s %8s  %s\n", "scope", "base%", "head%", "+/-pp",
		"rel%", "q", "function");
	for (i = 0; i < pk->n; i++) {
		const struct diff_row *r = pk->rows[i];
		const char *name = diff__name(d, r);

		fmt_rel(rel, sizeof(rel), r);
		fmt_q(q, sizeof(q), r->q);
		fprintf(out, "  %-9s %7.2f%% %7.2f%% %+9.2f %8s %8s  ",
			diff_report__scope_name(r->scope), r->base_share * 100, r->head_share * 100,
			r->delta_pp, rel, q);
		report__text_name(out, name, strlen(name));
		if (r->explained_by) {
			const char *cause = strtab__str(&d->names, r->explained_by);

			fputs(r->verdict == DIFF_SHIFT ? " (shifted from " : " (explained by ",
			      out);
			report__text_name(out, cause, strlen(cause));
			putc(')', out);
		}
		putc('\n', out);
	}
}

static int text_section(const struct diff *d, FILE *out, enum section s, const char *title,
			size_t top)
{
	struct pick pk;

	if (pick_rows(d, s, top, &pk))
		return -ENOMEM;
	if ((s != SEC_OTHER && s != SEC_EXPLAINED) || pk.all)
		text_rows(d, out, title, &pk);
	free(pk.rows);
	return 0;
}

/*
 * What it could have missed: the minimum detectable change of the largest functions, and
 * what a change of opts.detect_pct needs; the weak-verdict warning under it.
 */
static void text_power(const struct diff *d, size_t top, FILE *out)
{
	const struct diff_row *rows[POWER_ROWS];
	size_t i, n = power_rows(d, top, rows);
	char need[96], col[128];

	fprintf(out,
		"could have missed: at %.0f samples per side, a function's share changing by less "
		"than this (relative) is found less than %.0f%% of the time\n",
		side_samples(d), DIFF_DETECT_POWER * 100);
	if (!n)
		fputs("  (no function had enough samples to be tested)\n", out);
	else
		fprintf(out, "  %8s %9s %8s  %-40s %s\n", "base%", "missed<", "~pp", "to detect",
			"function");
	for (i = 0; i < n; i++) {
		const struct diff_row *r = rows[i];

		fmt_need(need, sizeof(need), d, r);
		snprintf(col, sizeof(col), "%+g%%: %s", d->opts.detect_pct, need);
		fprintf(out, "  %7.2f%% %+8.1f%% %8.2f  %-40s ", r->base_share * 100,
			r->mdc_rel_pct, r->mdc_pp, col);
		text_name(out, diff__name(d, r));
		putc('\n', out);
	}
	if (d->weak) {
		fputs("warning: ", out);
		diff_report__weak(d, out);
	}
}

int diff_report__text(const struct diff *d, size_t top, FILE *out)
{
	text_headline(d, out);
	text_method(d, out);
	text_side(d, out, "base", d->nbase_runs, d->base_total, &d->base_quality);
	text_side(d, out, "head", d->nhead_runs, d->head_total, &d->head_quality);
	text_power(d, top, out);
	if (text_section(d, out, SEC_REGRESSIONS, "Regressions", top) ||
	    text_section(d, out, SEC_IMPROVEMENTS, "Improvements", top) ||
	    text_section(d, out, SEC_SHIFTS, "Shifts (cost moved, not added)", top) ||
	    text_section(d, out, SEC_EXPLAINED, "Callers that grew with a regression below them",
			 top) ||
	    text_section(d, out, SEC_OTHER, "Largest changes that are not significant", top))
		return -ENOMEM;
	return finish(out);
}

/* --- Markdown ------------------------------------------------------------------------ */

static void md_headline(const struct diff *d, FILE *out)
{
	fputs("### singe diff: ", out);
	if (diff__regressed(d))
		fprintf(out, "**regression** (%zu significant) in ", d->nregressions);
	else
		fputs("no significant regression in ", out);
	md_code(out, str_or(d->sample_type, "value"));
	fputs("\n\n", out);
}

static void md_method(const struct diff *d, FILE *out)
{
	fprintf(out, "Compared %zu base %s with %zu head %s of ", d->nbase_runs,
		plural(d->nbase_runs, "run", "runs"), d->nhead_runs,
		plural(d->nhead_runs, "run", "runs"));
	md_code(out, str_or(d->sample_type, "value"));
	fputs(" (", out);
	md_code(out, str_or(d->unit, "count"));
	fprintf(out, "), normalized by %s (`%s`). ", norm_phrase(d->norm), norm_key(d->norm));
	fprintf(out, "Test: %s", str_or(d->test, "unknown"));
	if (!isnan(d->dispersion))
		fprintf(out, " with dispersion %.2f", d->dispersion);
	fprintf(out,
		", Benjamini-Hochberg FDR q ≤ %g over %zu tests. A change counts when it is "
		"significant, |Δ| ≥ %g pp of the total and ≥ %g%% relative, with at least "
		"%" PRId64 " samples.\n\n",
		d->opts.fdr, d->ntested, d->opts.min_delta_pp, d->opts.min_rel_pct,
		d->opts.min_count);
	fprintf(out, "%zu %s, %zu %s, %zu %s.\n", d->nregressions,
		plural(d->nregressions, "regression", "regressions"), d->nimprovements,
		plural(d->nimprovements, "improvement", "improvements"), d->nshifts,
		plural(d->nshifts, "shift", "shifts"));
}

static void md_rows(const struct diff *d, FILE *out, const char *title, const struct pick *pk,
		    bool cause)
{
	char rel[32], q[32];
	size_t i;

	fprintf(out, "\n#### %s", title);
	if (pk->n < pk->all)
		fprintf(out, " (top %zu of %zu)", pk->n, pk->all);
	if (!pk->all) {
		fputs("\n\nNone.\n", out);
		return;
	}
	fprintf(out,
		"\n\n| function | scope | base %% | head %% | Δ pp | rel %% | q |%s\n"
		"|---|---|---:|---:|---:|---:|---:|%s\n",
		cause ? " cause |" : "", cause ? "---|" : "");
	for (i = 0; i < pk->n; i++) {
		const struct diff_row *r = pk->rows[i];

		fmt_rel(rel, sizeof(rel), r);
		fmt_q(q, sizeof(q), r->q);
		fputs("| ", out);
		md_code(out, diff__name(d, r));
		fprintf(out, " | %s | %.2f | %.2f | %+.2f | %s | %s |",
			diff_report__scope_name(r->scope), r->base_share * 100, r->head_share * 100,
			r->delta_pp, rel, q);
		if (cause) {
			fputs(" ", out);
			if (r->explained_by) {
				fputs(r->verdict == DIFF_SHIFT ? "shifted from " : "explained by ",
				      out);
				md_code(out, strtab__str(&d->names, r->explained_by));
			}
			fputs(" |", out);
		}
		putc('\n', out);
	}
}

static int md_section(const struct diff *d, FILE *out, enum section s, const char *title,
		      size_t top)
{
	struct pick pk;

	if (pick_rows(d, s, top, &pk))
		return -ENOMEM;
	if ((s != SEC_SHIFTS && s != SEC_EXPLAINED) || pk.all)
		md_rows(d, out, title, &pk, s == SEC_SHIFTS || s == SEC_EXPLAINED);
	free(pk.rows);
	return 0;
}

static void md_quality_row(const struct diff *d, FILE *out, const char *side, size_t runs,
			   int64_t total, const struct profile_quality *q)
{
	char buf[32];

	fprintf(out, "| %s | %zu | %s | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " |\n",
		side, runs, report__format_int(buf, sizeof(buf), total, d->unit), q->lost,
		q->truncated, q->unknown_frames, q->bad_lines);
}

static void md_power(const struct diff *d, size_t top, FILE *out)
{
	const struct diff_row *rows[POWER_ROWS];
	size_t i, n = power_rows(d, top, rows);
	char need[96];

	fprintf(out,
		"\n#### What it could have missed\n\nAt %.0f samples per side, a function's share "
		"changing by less than this (relative) is found less than %.0f%% of the time.\n\n",
		side_samples(d), DIFF_DETECT_POWER * 100);
	if (d->weak) {
		fputs("> **Warning:** ", out);
		weak_message(d, out, md_code);
		putc('\n', out);
	}
	if (!n) {
		fputs("No function had enough samples to be tested.\n", out);
		return;
	}
	fprintf(out,
		"| function | base %% | missed below | ≈ pp | to detect %+g%% |\n"
		"|---|---:|---:|---:|---|\n",
		d->opts.detect_pct);
	for (i = 0; i < n; i++) {
		fmt_need(need, sizeof(need), d, rows[i]);
		fputs("| ", out);
		md_code(out, diff__name(d, rows[i]));
		fprintf(out, " | %.2f | %+.1f%% | %.2f | %s |\n", rows[i]->base_share * 100,
			rows[i]->mdc_rel_pct, rows[i]->mdc_pp, need);
	}
}

int diff_report__markdown(const struct diff *d, size_t top, FILE *out)
{
	md_headline(d, out);
	md_method(d, out);
	if (md_section(d, out, SEC_REGRESSIONS, "Regressions", top) ||
	    md_section(d, out, SEC_IMPROVEMENTS, "Improvements", top) ||
	    md_section(d, out, SEC_SHIFTS, "Shifts (cost moved between callees, not added)", top) ||
	    md_section(d, out, SEC_EXPLAINED, "Callers that grew with a regression below them",
		       top))
		return -ENOMEM;
	md_power(d, top, out);
	fputs("\n#### Profile quality\n\n"
	      "| side | runs | total | lost | truncated | unknown frames | bad lines |\n"
	      "|---|---:|---:|---:|---:|---:|---:|\n",
	      out);
	md_quality_row(d, out, "base", d->nbase_runs, d->base_total, &d->base_quality);
	md_quality_row(d, out, "head", d->nhead_runs, d->head_total, &d->head_quality);
	return finish(out);
}

/* --- JSON ---------------------------------------------------------------------------- */

/* A finite number, or null: JSON has no NaN or infinity. */
static void json_num(FILE *out, double v)
{
	if (isfinite(v))
		fprintf(out, "%.10g", v);
	else
		fputs("null", out);
}

static void json_str(FILE *out, const char *s)
{
	if (s)
		report__json_string(out, s, strlen(s));
	else
		fputs("null", out);
}

static void json_side(FILE *out, const char *side, size_t runs, int64_t total, double seconds,
		      const struct profile_quality *q)
{
	fprintf(out, "  \"%s\": {\"runs\": %zu, \"total\": %" PRId64 ", \"seconds\": ", side, runs,
		total);
	json_num(out, seconds);
	fprintf(out,
		", \"quality\": {\"lost\": %" PRIu64 ", \"truncated\": %" PRIu64
		", \"unknown_frames\": %" PRIu64 ", \"bad_lines\": %" PRIu64 "}},\n",
		q->lost, q->truncated, q->unknown_frames, q->bad_lines);
}

static void json_row(const struct diff *d, FILE *out, const struct diff_row *r)
{
	fputs("    {\"name\": ", out);
	json_str(out, diff__name(d, r));
	fprintf(out, ", \"scope\": \"%s\", \"verdict\": \"%s\",\n     \"base\": ",
		diff_report__scope_name(r->scope), diff_verdict__name(r->verdict));
	json_num(out, r->base);
	fputs(", \"head\": ", out);
	json_num(out, r->head);
	fprintf(out, ", \"base_raw\": %" PRId64 ", \"head_raw\": %" PRId64 ", \"base_share\": ",
		r->base_raw, r->head_raw);
	json_num(out, r->base_share);
	fputs(", \"head_share\": ", out);
	json_num(out, r->head_share);
	fputs(",\n     \"delta\": ", out);
	json_num(out, r->delta);
	fputs(", \"delta_pp\": ", out);
	json_num(out, r->delta_pp);
	fputs(", \"rel_pct\": ", out);
	json_num(out, r->rel_pct);
	fputs(", \"p\": ", out);
	json_num(out, r->p);
	fputs(", \"q\": ", out);
	json_num(out, r->q);
	fputs(", \"mdc_rel_pct\": ", out);
	json_num(out, r->mdc_rel_pct);
	fputs(", \"mdc_pp\": ", out);
	json_num(out, r->mdc_pp);
	fprintf(out, ", \"new\": %s, \"gone\": %s, \"cause\": ", r->is_new ? "true" : "false",
		r->is_gone ? "true" : "false");
	json_str(out, r->explained_by ? strtab__str(&d->names, r->explained_by) : NULL);
	fputs("}", out);
}

static int json_rows(const struct diff *d, FILE *out, const char *key, enum section s, size_t top,
		     bool last)
{
	struct pick pk;
	size_t i;

	if (pick_rows(d, s, top, &pk))
		return -ENOMEM;
	fprintf(out, "  \"%s\": [", key);
	for (i = 0; i < pk.n; i++) {
		fputs(i ? ",\n" : "\n", out);
		json_row(d, out, pk.rows[i]);
	}
	fprintf(out, "%s]%s\n", pk.n ? "\n  " : "", last ? "" : ",");
	free(pk.rows);
	return 0;
}

static void json_power(const struct diff *d, size_t top, FILE *out)
{
	const struct diff_row *rows[POWER_ROWS];
	size_t i, n = power_rows(d, top, rows);

	fprintf(out, "  \"power\": {\"weak\": %s, \"detect_pct\": ", d->weak ? "true" : "false");
	json_num(out, d->opts.detect_pct);
	fputs(", \"probability\": ", out);
	json_num(out, DIFF_DETECT_POWER);
	fputs(", \"samples_per_side\": ", out);
	json_num(out, side_samples(d));
	fputs(", \"functions\": [", out);
	for (i = 0; i < n; i++) {
		const struct diff_row *r = rows[i];
		bool can = isfinite(r->detect_scale);

		fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", out);
		json_str(out, diff__name(d, r));
		fputs(", \"base_share\": ", out);
		json_num(out, r->base_share);
		fputs(", \"mdc_rel_pct\": ", out);
		json_num(out, r->mdc_rel_pct);
		fputs(", \"mdc_pp\": ", out);
		json_num(out, r->mdc_pp);
		fputs(", \"samples_needed\": ", out);
		json_num(out, can ? ceil(samples_needed(d, r)) : NAN);
		fputs(", \"runs_needed\": ", out);
		json_num(out, can ? runs_needed(d, r) : NAN);
		fputs("}", out);
	}
	fprintf(out, "%s]},\n", n ? "\n  " : "");
}

int diff_report__json(const struct diff *d, size_t top, FILE *out)
{
	fprintf(out, "{\n  \"schema\": \"%s\",\n  \"verdict\": \"%s\",\n  \"regressed\": %s,\n",
		DIFF_REPORT_SCHEMA, diff__regressed(d) ? "regression" : "ok",
		diff__regressed(d) ? "true" : "false");
	fputs("  \"sample_type\": ", out);
	json_str(out, d->sample_type);
	fputs(",\n  \"unit\": ", out);
	json_str(out, d->unit);
	fprintf(out, ",\n  \"normalization\": \"%s\",\n  \"test\": ", norm_key(d->norm));
	json_str(out, d->test);
	fputs(",\n  \"dispersion\": ", out);
	json_num(out, d->dispersion);
	fputs(",\n  \"thresholds\": {\"fdr\": ", out);
	json_num(out, d->opts.fdr);
	fputs(", \"min_delta_pp\": ", out);
	json_num(out, d->opts.min_delta_pp);
	fputs(", \"min_rel_pct\": ", out);
	json_num(out, d->opts.min_rel_pct);
	fprintf(out, ", \"min_count\": %" PRId64 ", \"dispersion\": ", d->opts.min_count);
	json_num(out, d->opts.dispersion);
	fprintf(out,
		"},\n  \"tested\": %zu,\n  \"counts\": {\"regressions\": %zu, \"improvements\": "
		"%zu, \"shifts\": %zu},\n",
		d->ntested, d->nregressions, d->nimprovements, d->nshifts);
	json_side(out, "base", d->nbase_runs, d->base_total, d->base_seconds, &d->base_quality);
	json_side(out, "head", d->nhead_runs, d->head_total, d->head_seconds, &d->head_quality);
	json_power(d, top, out);
	if (json_rows(d, out, "changes", SEC_CHANGED, 0, false) ||
	    json_rows(d, out, "unchanged", SEC_OTHER, top, false) ||
	    json_rows(d, out, "stacks", SEC_STACKS, top, true))
		return -ENOMEM;
	fputs("}\n", out);
	return finish(out);
}
