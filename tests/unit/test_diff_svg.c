// SPDX-License-Identifier: MIT
#include "test.h"

#include "diff.h"
#include "diff_svg.h"
#include "flame_fixtures.h"
#include "profile.h"

static const char base_text[] = "main;work;hot 2000\n"
				"main;work;cold 3000\n"
				"main;parse 3000\n"
				"main;old_path 500\n"
				"main;io;read 1500\n";
static const char head_text[] = "main;work;hot 3000\n"
				"main;work;cold 3000\n"
				"main;parse 3000\n"
				"main;new_path 400\n"
				"main;io;read 1500\n";

static struct diff *compare(const char *btext, const char *htext)
{
	struct profile *b = fixture_folded(btext), *h = fixture_folded(htext);
	struct flame_err err = {{0}};
	struct diff_opts o;
	struct diff *d = NULL;

	diff_opts__init(&o);
	o.dispersion = 1; /* exact counts: no overdispersion to estimate */
	if (diff__compute(&b, 1, &h, 1, &o, &d, &err))
		fail_msg("diff: %s", err.msg);
	profile__free(b);
	profile__free(h);
	return d;
}

static char *render(const struct diff *d, const struct svg_opts *o)
{
	struct flame_err err = {{0}};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (diff_svg__write(d, o, f, &err))
		fail_msg("diff svg: %s", err.msg);
	fclose(f);
	return buf;
}

/* The <g ...><title>NAME line of a frame, or NULL. */
static const char *frame(const char *svg, const char *name)
{
	char pat[128];

	snprintf(pat, sizeof(pat), "<title>%s\n", name);
	return strstr(svg, pat);
}

static void test_shapes_and_colours(void **state)
{
	struct diff *d = compare(base_text, head_text);
	char *s = render(d, NULL);
	const char *f;

	(void)state;
	assert_true(diff__regressed(d));
	/* one frame per path of the union: all, main, io, read, new_path, old_path, parse, work,
	 * cold, hot */
	assert_non_null(frame(s, "all"));
	/* new: purple, drawn in head shape only (base width 0) */
	f = frame(s, "new_path");
	assert_non_null(f);
	assert_true(!strncmp(f - strlen("<g class=\"new\">"), "<g class=\"new\">", 15));
	assert_non_null(strstr(f, "fill=\"#b060e0\""));
	assert_non_null(strstr(f, "data-bw=\"0\""));
	/* vanished: hidden in head shape, with its base geometry: 500 / 10000 of 1180 px */
	f = frame(s, "old_path");
	assert_true(!strncmp(f - strlen("<g class=\"gone hide\">"), "<g class=\"gone hide\">", 20));
	assert_non_null(strstr(f, "width=\"0\""));
	assert_non_null(strstr(f, "data-bw=\"59\""));
	assert_non_null(strstr(f, "change -5.00 pp (vanished)"));
	/* hot grew from 20% to 27.52%: the largest change, full red, marked as a regression */
	f = frame(s, "hot");
	assert_true(!strncmp(f - strlen("<g class=\"reg\">"), "<g class=\"reg\">", 15));
	assert_non_null(strstr(f, "head 3000 (27.52%)\nbase 2000 (20.00%)\n"
				  "change +7.52 pp (+37.6%), self +7.52 pp\n"
				  "significant regression</title>"));
	assert_non_null(strstr(f, "fill=\"#ff2626\""));
	/* head width 3000/10900 of 1180 px, base width 2000/10000 */
	assert_non_null(strstr(f, "width=\"324.77\""));
	assert_non_null(strstr(f, "data-bw=\"236\""));
	/* parse shrank from 30% to 27.52%: blue */
	f = frame(s, "parse");
	assert_non_null(strstr(f, "fill=\"#"));
	assert_true(strstr(f, "ffff\"/>") || strstr(f, "ff\" data-bx"));
	/* the toggle, the legend and the script */
	assert_non_null(strstr(s, "<text id=\"shape\""));
	assert_non_null(strstr(s, "colour: change of a path's inclusive share of the total"));
	assert_non_null(strstr(s, "setShape"));
	free(s);
	diff__free(d);
}

static void test_deterministic_and_nojs(void **state)
{
	struct diff *d = compare(base_text, head_text);
	struct svg_opts o;
	char *a = render(d, NULL), *b = render(d, NULL), *c;

	(void)state;
	assert_string_equal(a, b);
	svg_opts__init(&o);
	o.no_js = true;
	o.title = "t";
	c = render(d, &o);
	assert_null(strstr(c, "<script"));
	assert_null(strstr(c, "id=\"shape\""));
	free(a);
	free(b);
	free(c);
	diff__free(d);
}

static void test_hostile_names(void **state)
{
	struct diff *d = compare("main;<script>alert(1)</script> 100\nmain;a]]>b 50\nmain;ok 850\n",
				 "main;<script>alert(1)</script> 300\nmain;\"'&\x01\xff 80\n"
				 "main;ok 620\n");
	struct svg_opts o;
	char *s;

	(void)state;
	svg_opts__init(&o);
	o.title = "<title> & \"quotes\"";
	s = render(d, &o);
	assert_null(strstr(s, "<script>alert"));
	assert_non_null(strstr(s, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_null(strstr(s, "a]]>b"));
	assert_non_null(strstr(s, "a]]&gt;b"));
	assert_non_null(strstr(s, "\"'&amp;\xef\xbf\xbd\xef\xbf\xbd"));
	assert_non_null(strstr(s, "&lt;title&gt; &amp; \"quotes\""));
	free(s);
	diff__free(d);
}

static void test_budget_keeps_widest(void **state)
{
	struct diff *d = compare(base_text, head_text);
	struct svg_opts o;
	char *s;

	(void)state;
	svg_opts__init(&o);
	o.max_frames = 3; /* all, main and the widest child: work (50% / 55%) */
	s = render(d, &o);
	assert_non_null(frame(s, "all"));
	assert_non_null(frame(s, "main"));
	assert_non_null(frame(s, "work"));
	assert_null(frame(s, "parse"));
	assert_null(frame(s, "hot"));
	free(s);
	diff__free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shapes_and_colours),
		cmocka_unit_test(test_deterministic_and_nojs),
		cmocka_unit_test(test_hostile_names),
		cmocka_unit_test(test_budget_keeps_widest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
