// SPDX-License-Identifier: MIT
#include "test.h"

#include "flame_fixtures.h"
#include "profile.h"
#include "report.h"

/* Run a writer into a malloc'ed string. */
static char *capture(const struct profile *p, const struct report_opts *o)
{
	struct flame_err err = {{0}};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (report__write(p, o, f, &err))
		fail_msg("report: %s", err.msg);
	fclose(f);
	return buf;
}

static const struct report_row *row(const struct report_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nrows; i++)
		if (t->rows[i].name_len == strlen(name) &&
		    !memcmp(t->rows[i].name, name, t->rows[i].name_len))
			return &t->rows[i];
	fail_msg("no row %s", name);
	return NULL;
}

static void test_flat_cum(void **state)
{
	struct profile *p = fixture_folded("main;a;b 10\n"
					   "main;a 5\n"
					   "main;c;b 20\n"
					   "main 1\n");
	struct report_table t;

	(void)state;
	assert_int_equal(report_table__compute(p, 0, &t), 0);
	assert_int_equal(t.total, 36);
	assert_int_equal(t.nrows, 4);
	/* b is the flat leader: 10 + 20 under two parents */
	assert_string_equal(t.rows[0].name, "b");
	assert_int_equal(row(&t, "b")->flat, 30);
	assert_int_equal(row(&t, "b")->cum, 30);
	assert_int_equal(row(&t, "a")->flat, 5);
	assert_int_equal(row(&t, "a")->cum, 15);
	assert_int_equal(row(&t, "c")->flat, 0);
	assert_int_equal(row(&t, "c")->cum, 20);
	assert_int_equal(row(&t, "main")->flat, 1);
	assert_int_equal(row(&t, "main")->cum, 36);
	/* sorted by flat, then cum */
	assert_string_equal(t.rows[1].name, "a");
	assert_string_equal(t.rows[2].name, "main");
	assert_string_equal(t.rows[3].name, "c");
	report_table__release(&t);
	profile__free(p);
}

static void test_recursion_counts_once(void **state)
{
	struct profile *p = fixture_folded("main;f;g;f;f 7\nmain;f 3\n");
	struct report_table t;

	(void)state;
	assert_int_equal(report_table__compute(p, 0, &t), 0);
	assert_int_equal(row(&t, "f")->cum, 10);
	assert_int_equal(row(&t, "f")->flat, 10);
	assert_int_equal(row(&t, "g")->cum, 7);
	assert_int_equal(row(&t, "g")->flat, 0);
	report_table__release(&t);
	profile__free(p);
}

static void test_text(void **state)
{
	struct profile *p = fixture_folded("main;a;b 10\nmain;a 5\nmain;c;b 20\nmain 1\n");
	struct report_opts o;
	char *s;

	(void)state;
	p->quality.truncated = 3;
	p->quality.unknown_frames = 2;
	report_opts__init(&o);
	o.top = 2;
	s = capture(p, &o);
	assert_string_equal(s, "Quality: lost 0, truncated 3, unknown frames 2, bad lines 0\n"
			       "Type: samples (count)\n"
			       "Total: 36 in 4 samples\n"
			       "Showing top 2 of 4 functions by flat\n"
			       "      flat   flat%    sum%        cum    cum%  name\n"
			       "        30  83.33%  83.33%         30  83.33%  b\n"
			       "         5  13.89%  97.22%         15  41.67%  a\n"
			       "Showing top 2 of 4 functions by cum\n"
			       "      flat   flat%    sum%        cum    cum%  name\n"
			       "         1   2.78%   2.78%         36 100.00%  main\n"
			       "        30  83.33%  86.11%         30  83.33%  b\n");
	free(s);
	profile__free(p);
}

static void test_json_and_markdown_escape(void **state)
{
	struct profile *p = fixture_folded("main;evil|`x`<script>\"\\ 4\nmain 1\n");
	struct report_opts o;
	char *s;

	(void)state;
	report_opts__init(&o);
	o.format = REPORT_JSON;
	s = capture(p, &o);
	assert_non_null(strstr(s, "\"schema\": \"singe.report/1\""));
	assert_non_null(strstr(s,
			       "{\"name\": \"evil|`x`\\u003cscript\\u003e\\\"\\\\\", \"flat\": 4, "
			       "\"flat_pct\": 80.0000, \"sum_pct\": 80.0000, \"cum\": 4, "
			       "\"cum_pct\": 80.0000}"));
	assert_null(strstr(s, "<script>"));
	free(s);

	o.format = REPORT_MARKDOWN;
	s = capture(p, &o);
	assert_non_null(
		strstr(s, "| 4 | 80.00% | 80.00% | 4 | 80.00% | ``evil\\|`x`<script>\"\\`` |\n"));
	free(s);
	profile__free(p);
}

static void test_sample_type_choice(void **state)
{
	struct profile *p = fixture_folded("main;a 3 5\n");
	struct flame_err err = {{0}};
	struct report_opts o;
	char *s;
	FILE *f;

	(void)state;
	report_opts__init(&o);
	s = capture(p, &o);
	/* differential folded input: two columns, both reported by default */
	assert_non_null(strstr(s, "Type: base"));
	assert_non_null(strstr(s, "Type: samples"));
	free(s);
	o.sample_type = "nope";
	f = fopen("/dev/null", "w");
	assert_int_equal(report__write(p, &o, f, &err), -EINVAL);
	fclose(f);
	assert_non_null(strstr(err.msg, "no sample type 'nope' (have: base, samples)"));
	profile__free(p);
}

static void test_helpers(void **state)
{
	char buf[32], *s = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_string_equal(report__format_value(buf, sizeof(buf), 1250000000, "nanoseconds"),
			    "1.25s");
	assert_string_equal(report__format_value(buf, sizeof(buf), 12300000, "nanoseconds"),
			    "12.3ms");
	assert_string_equal(report__format_value(buf, sizeof(buf), 850, "microseconds"), "850us");
	assert_string_equal(report__format_value(buf, sizeof(buf), 40, "nanoseconds"), "40ns");
	assert_string_equal(report__format_value(buf, sizeof(buf), 4718592, "bytes"), "4.50MiB");
	assert_string_equal(report__format_value(buf, sizeof(buf), 512, "bytes"), "512B");
	assert_string_equal(report__format_value(buf, sizeof(buf), 1234, "count"), "1234");
	assert_string_equal(report__format_value(buf, sizeof(buf), 2.5, "count"), "2.50");

	f = open_memstream(&s, &len);
	report__json_string(f, "a\x01\n\t\xff\xe2\x80\xa8&", 9);
	putc(' ', f);
	report__md_code_cell(f, "``a|b\nc", 7);
	putc(' ', f);
	report__text_name(f, "x\x1b[31my\n", 8);
	/* issue 12, point 8: a right-to-left override is shown in Markdown and text alike */
	putc(' ', f);
	report__md_code_cell(f,
			     "a\xe2\x80\xae"
			     "b",
			     5);
	putc(' ', f);
	report__text_name(f,
			  "a\xe2\x80\xa8"
			  "b",
			  5);
	fclose(f);
	assert_string_equal(s, "\"a\xef\xbf\xbd\\n\\t\xef\xbf\xbd\\u2028\\u0026\" "
			       "``` ``a\\|b c ``` x\xef\xbf\xbd[31my? `a\\u202Eb` a\\u2028b");
	free(s);
}

/* The recorder's unwinding notes (pprof comments) are shown; other comments are not. */
static void test_unwind_notes(void **state)
{
	struct profile *p = fixture_folded("main;work 3\n");
	struct report_opts o;
	char *s;

	(void)state;
	assert_int_equal(profile__add_comment(p, "singe:unwind auto app=fp libc.so.6=dwarf"), 0);
	assert_int_equal(profile__add_comment(p, "singe:unwind-quality complete=3 truncated=0"), 0);
	assert_int_equal(profile__add_comment(p, "singe:unwinding is not ours"), 0);
	assert_int_equal(profile__add_comment(p, "made by hand"), 0);
	report_opts__init(&o);
	s = capture(p, &o);
	assert_non_null(strstr(s, "\nUnwinding: singe:unwind auto app=fp libc.so.6=dwarf\n"
				  "Unwinding: singe:unwind-quality complete=3 truncated=0\n"));
	assert_null(strstr(s, "not ours"));
	assert_null(strstr(s, "by hand"));
	free(s);
	o.format = REPORT_JSON;
	s = capture(p, &o);
	assert_non_null(strstr(s, "  \"unwind\": [\"singe:unwind auto app=fp libc.so.6=dwarf\", "
				  "\"singe:unwind-quality complete=3 truncated=0\"],\n"
				  "  \"sample_types\": ["));
	free(s);
	o.format = REPORT_MARKDOWN;
	s = capture(p, &o);
	assert_non_null(strstr(s, "Unwinding: `singe:unwind auto app=fp libc.so.6=dwarf`, "));
	free(s);
	profile__free(p);
}

/* -t pause's summary (pprof comments "pause: ...") is shown after the unwinding notes. */
static void test_pause_notes(void **state)
{
	struct profile *p = fixture_folded("main;churn 3\n");
	struct report_opts o;
	char *s;

	(void)state;
	assert_int_equal(profile__add_comment(p, "singe:unwind auto app=fp"), 0);
	assert_int_equal(profile__add_comment(p, "pause: go: read mem stats: 3 pauses"), 0);
	assert_int_equal(profile__add_comment(p, "pauses of my own"), 0);
	report_opts__init(&o);
	s = capture(p, &o);
	assert_non_null(strstr(s, "\nUnwinding: singe:unwind auto app=fp\n"
				  "Pauses: pause: go: read mem stats: 3 pauses\n"));
	assert_null(strstr(s, "of my own"));
	free(s);
	o.format = REPORT_JSON;
	s = capture(p, &o);
	assert_non_null(strstr(s, "  \"unwind\": [\"singe:unwind auto app=fp\"],\n"
				  "  \"pauses\": [\"pause: go: read mem stats: 3 pauses\"],\n"
				  "  \"sample_types\": ["));
	free(s);
	o.format = REPORT_MARKDOWN;
	s = capture(p, &o);
	assert_non_null(strstr(s, "Pauses: `pause: go: read mem stats: 3 pauses`.\n"));
	free(s);
	profile__free(p);
}

/* Issue 12, point 9: totals past INT64_MAX saturate, the same in every format. */
static void test_totals_saturate(void **state)
{
	struct profile *p = fixture_folded("a 9223372036854775807\nb 9223372036854775807\n");
	struct report_opts o;
	char *s;
	int f;

	(void)state;
	report_opts__init(&o);
	for (f = 0; f < 3; f++) {
		o.format = f == 0 ? REPORT_TEXT : f == 1 ? REPORT_MARKDOWN : REPORT_JSON;
		s = capture(p, &o);
		assert_non_null(strstr(s, "9223372036854775807"));
		assert_null(strstr(s, "9223372036854775808"));
		assert_null(strstr(s, "200.00"));
		free(s);
	}
	profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flat_cum),
		cmocka_unit_test(test_recursion_counts_once),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json_and_markdown_escape),
		cmocka_unit_test(test_sample_type_choice),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_unwind_notes),
		cmocka_unit_test(test_pause_notes),
		cmocka_unit_test(test_totals_saturate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
