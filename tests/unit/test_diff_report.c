// SPDX-License-Identifier: MIT
#include "test.h"

#include <math.h>

#include "diff.h"
#include "diff_report.h"

/*
 * The writers are tested on a struct diff built by hand, so the expected outputs depend on
 * the writers alone and not on the statistics. Goldens live in tests/data/golden/; run the
 * test with SINGE_REGEN=1 (tests/data/regen.sh does) to rewrite them after an intended change.
 */

static uint32_t name(struct diff *d, const char *s)
{
	int64_t i = strtab__intern(&d->names, s, strlen(s));

	assert_true(i > 0);
	return (uint32_t)i;
}

static void add_row(struct diff *d, const char *fn, enum diff_scope scope, double base_share,
		    double head_share, double q, enum diff_verdict v, const char *cause)
{
	struct diff_row *r;

	d->rows = realloc(d->rows, (d->nrows + 1) * sizeof(*d->rows));
	assert_non_null(d->rows);
	r = &d->rows[d->nrows++];
	memset(r, 0, sizeof(*r));
	r->name = name(d, fn);
	r->scope = scope;
	r->base_share = base_share;
	r->head_share = head_share;
	r->base = base_share;
	r->head = head_share;
	r->base_raw = (int64_t)llround(base_share * (double)d->base_total);
	r->head_raw = (int64_t)llround(head_share * (double)d->head_total);
	r->delta = head_share - base_share;
	r->delta_pp = (head_share - base_share) * 100;
	r->rel_pct = base_share > 0 ? (head_share - base_share) / base_share * 100 : INFINITY;
	r->q = q;
	r->p = isnan(q) ? NAN : q / 4;
	/* what it could have missed: made-up but distinct numbers, for tested self rows only */
	r->mdc_rel_pct = r->mdc_pp = r->detect_scale = NAN;
	if (scope != DIFF_STACK && !isnan(q)) {
		r->mdc_rel_pct = 10 + 40 * (1 - base_share);
		r->mdc_pp = r->mdc_rel_pct * base_share;
		r->detect_scale = base_share >= 0.2 ? 0.5 : base_share >= 0.05 ? 2.5 : INFINITY;
	}
	r->verdict = v;
	r->is_new = base_share == 0;
	r->is_gone = head_share == 0;
	r->explained_by = cause ? name(d, cause) : 0;
	d->nregressions += v == DIFF_REGRESSION;
	d->nimprovements += v == DIFF_IMPROVEMENT;
	d->nshifts += v == DIFF_SHIFT;
}

static struct diff *make_diff(bool regress)
{
	struct diff *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	assert_int_equal(strtab_init(&d->names), 0);
	d->nbase_runs = 3;
	d->nhead_runs = 3;
	d->sample_type = strdup("cpu");
	d->unit = strdup("nanoseconds");
	d->norm = DIFF_NORM_SHARE;
	d->opts = (struct diff_opts){.fdr = 0.05,
				     .min_delta_pp = 0.5,
				     .min_rel_pct = 10,
				     .min_count = 20,
				     .dispersion = 0,
				     .detect_pct = 10};
	d->test = "Mann-Whitney U";
	d->dispersion = NAN;
	d->ntested = 42;
	d->base_total = 3000000000;
	d->head_total = 3300000000;
	d->base_samples = 3000;
	d->head_samples = 3300;
	d->base_seconds = 30;
	d->head_seconds = 30;
	d->base_quality = (struct profile_quality){.lost = 1, .truncated = 2};
	d->head_quality = (struct profile_quality){.unknown_frames = 3, .bad_lines = 4};
	if (regress) {
		add_row(d, "hot_loop", DIFF_SELF, 0.05, 0.08, 0.000002, DIFF_REGRESSION, NULL);
		add_row(d, "evil|`x`\n<script>&\"\\", DIFF_SELF, 0.02, 0.03, 0.01, DIFF_REGRESSION,
			NULL);
		add_row(d, "worker", DIFF_INCLUSIVE, 0.30, 0.33, 0.001, DIFF_EXPLAINED, "hot_loop");
	}
	add_row(d, "parse", DIFF_SELF, 0.20, 0.15, 0.0004, DIFF_IMPROVEMENT, NULL);
	add_row(d, "child_b", DIFF_INCLUSIVE, 0.10, 0.14, 0.02, DIFF_SHIFT, "child_a");
	add_row(d, "new_fn", DIFF_SELF, 0, 0.001, NAN, DIFF_UNCHANGED, NULL);
	add_row(d, "main", DIFF_INCLUSIVE, 1, 1, 1, DIFF_UNCHANGED, NULL);
	add_row(d, "gone_fn", DIFF_SELF, 0.004, 0, NAN, DIFF_UNCHANGED, NULL);
	add_row(d, "main;worker;hot_loop", DIFF_STACK, 0.05, 0.08, NAN, DIFF_UNCHANGED, NULL);
	/* the largest tested function: "parse" (20%); without a regression the "ok" is weak */
	d->power_row = regress ? 3 : 0;
	d->rows[d->power_row].mdc_rel_pct = 30;
	d->rows[d->power_row].detect_scale = 2.5;
	d->weak = !regress;
	return d;
}

static void free_diff(struct diff *d)
{
	strtab_release(&d->names);
	free(d->rows);
	free(d->sample_type);
	free(d->unit);
	free(d);
}

typedef int (*writer_fn)(const struct diff *d, size_t top, FILE *out);

static char *capture(writer_fn fn, const struct diff *d, size_t top)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(fn(d, top, f), 0);
	fclose(f);
	return buf;
}

static void golden(const char *file, const char *got)
{
	char path[256];
	char *want;

	snprintf(path, sizeof(path), "data/golden/%s", file);
	if (getenv("SINGE_REGEN")) {
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs(got, f);
		fclose(f);
		return;
	}
	want = test_read_file(path, NULL);
	if (strcmp(want, got))
		fail_msg("%s differs from the writer's output:\n%s\n"
			 "rerun with SINGE_REGEN=1 if the change is intended",
			 path, got);
	free(want);
}

static void test_golden(void **state)
{
	struct diff *d = make_diff(true), *ok = make_diff(false);
	char *s;

	(void)state;
	s = capture(diff_report__text, d, 10);
	golden("diff-regression.txt", s);
	free(s);
	s = capture(diff_report__markdown, d, 10);
	golden("diff-regression.md", s);
	free(s);
	s = capture(diff_report__json, d, 10);
	golden("diff-regression.json", s);
	free(s);
	s = capture(diff_report__markdown, ok, 10);
	golden("diff-ok.md", s);
	free(s);
	s = capture(diff_report__json, ok, 2);
	golden("diff-ok.json", s);
	free(s);
	free_diff(d);
	free_diff(ok);
}

static void test_verdict_first(void **state)
{
	struct diff *d = make_diff(true), *ok = make_diff(false);
	char *s;

	(void)state;
	s = capture(diff_report__text, d, 10);
	assert_true(!strncmp(s, "singe diff: REGRESSION: 2 significant regressions in cpu", 56));
	free(s);
	s = capture(diff_report__text, ok, 10);
	assert_true(!strncmp(s, "singe diff: OK: no significant regression in cpu", 48));
	assert_non_null(strstr(s, "Regressions: none"));
	free(s);
	s = capture(diff_report__markdown, d, 10);
	assert_true(!strncmp(s, "### singe diff: **regression**", 30));
	free(s);
	free_diff(d);
	free_diff(ok);
}

/* Hostile names never leave their cell, line or string. */
static void test_escaping(void **state)
{
	struct diff *d = make_diff(true);
	char *s;

	(void)state;
	s = capture(diff_report__markdown, d, 10);
	/* inside a code span < is literal text; | is escaped, the newline became a space */
	assert_non_null(strstr(s, "| ``evil\\|`x` <script>&\"\\`` | self |"));
	free(s);
	s = capture(diff_report__json, d, 10);
	assert_non_null(strstr(s, "\"name\": \"evil|`x`\\n\\u003cscript\\u003e\\u0026\\\"\\\\\""));
	free(s);
	s = capture(diff_report__text, d, 10);
	assert_non_null(strstr(s, "evil|`x`?<script>&\"\\\n"));
	free(s);
	free_diff(d);
}

/* JSON keeps every changed row whatever top is, limits the rest, and has no NaN/inf. */
static void test_json_limits(void **state)
{
	struct diff *d = make_diff(true);
	char *s;

	(void)state;
	s = capture(diff_report__json, d, 1);
	assert_non_null(strstr(s, "\"name\": \"hot_loop\", \"scope\": \"self\""));
	assert_non_null(strstr(s, "\"name\": \"worker\", \"scope\": \"inclusive\", \"verdict\": "
				  "\"explained\""));
	assert_non_null(strstr(s, "\"cause\": \"hot_loop\""));
	assert_null(strstr(s, ": nan"));
	assert_null(strstr(s, ": -nan"));
	assert_null(strstr(s, ": inf"));
	/* top 1: one unchanged function and one stack */
	{
		const char *at = s;
		int n = 0;

		while ((at = strstr(at, "\"verdict\": \"unchanged\"")))
			n++, at++;
		assert_int_equal(n, 2);
	}
	free(s);
	s = capture(diff_report__json, d, 0);
	assert_non_null(strstr(s, "\"name\": \"new_fn\""));
	assert_non_null(strstr(s, "\"rel_pct\": null"));
	free(s);
	free_diff(d);
}

static void test_top_limits_sections(void **state)
{
	struct diff *d = make_diff(true);
	char *s;

	(void)state;
	s = capture(diff_report__text, d, 1);
	assert_non_null(strstr(s, "Regressions (2, top 1 shown):"));
	assert_non_null(strstr(s, "hot_loop\n"));
	assert_null(strstr(s, "<script>"));
	free(s);
	free_diff(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_verdict_first),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_json_limits),
		cmocka_unit_test(test_top_limits_sections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
