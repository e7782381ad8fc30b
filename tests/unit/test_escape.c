// SPDX-License-Identifier: MIT
#include "test.h"

#include "escape.h"

typedef void (*escape_fn)(FILE *out, const char *s, size_t len);

/* Run an escaping function on s[0..len) and return what it wrote (caller frees). */
static char *run(escape_fn fn, const char *s, size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	assert_non_null(f);
	fn(f, s, len);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void expect(escape_fn fn, const char *in, size_t len, const char *want)
{
	char *got = run(fn, in, len);

	assert_string_equal(got, want);
	free(got);
}

#define EXPECT(fn, lit, want) expect(fn, lit, sizeof(lit) - 1, want)
#define FFFD "\xef\xbf\xbd"

static void test_text_specials(void **state)
{
	(void)state;
	EXPECT(escape__xml_text, "", "");
	EXPECT(escape__xml_text, "plain", "plain");
	EXPECT(escape__xml_text, "a<b>&c", "a&lt;b&gt;&amp;c");
	EXPECT(escape__xml_text, "std::vector<int>::push_back",
	       "std::vector&lt;int&gt;::push_back");
	/* quotes need nothing in element content */
	EXPECT(escape__xml_text, "\"x\" 'y'", "\"x\" 'y'");
	/* the CDATA end marker can never survive */
	EXPECT(escape__xml_text, "]]>", "]]&gt;");
	EXPECT(escape__xml_text, "<script>alert(1)</script>",
	       "&lt;script&gt;alert(1)&lt;/script&gt;");
	/* entities already present are escaped again, not trusted */
	EXPECT(escape__xml_text, "&amp;", "&amp;amp;");
	/* TAB, LF, CR are valid XML and kept in text */
	EXPECT(escape__xml_text, "a\tb\nc\rd", "a\tb\nc\rd");
}

static void test_attr_specials(void **state)
{
	(void)state;
	EXPECT(escape__xml_attr, "plain", "plain");
	EXPECT(escape__xml_attr, "\"onload=\"alert(1)", "&quot;onload=&quot;alert(1)");
	EXPECT(escape__xml_attr, "a'b<c>d&e", "a&#39;b&lt;c&gt;d&amp;e");
	/* an attribute parser would fold whitespace controls into spaces: keep them exact */
	EXPECT(escape__xml_attr, "a\tb\nc\rd", "a&#9;b&#10;c&#13;d");
}

static void test_line(void **state)
{
	(void)state;
	EXPECT(escape__xml_line, "a\tb\nc\rd", "a b c d");
	EXPECT(escape__xml_line, "<x>", "&lt;x&gt;");
	EXPECT(escape__xml_line, "x\0y", "x" FFFD "y");
}

static void test_controls(void **state)
{
	(void)state;
	EXPECT(escape__xml_text, "a\0b", "a" FFFD "b");
	EXPECT(escape__xml_text, "\x01\x08\x0b\x0c\x1b\x1f", FFFD FFFD FFFD FFFD FFFD FFFD);
	/* DEL and C1 controls are allowed XML 1.0 characters */
	EXPECT(escape__xml_text, "\x7f", "\x7f");
	EXPECT(escape__xml_text, "\xc2\x85", "\xc2\x85");
	EXPECT(escape__xml_attr, "\x01<", FFFD "&lt;");
}

/* Issue 12, point 8: bidi overrides and line separators are shown, not obeyed. */
static void test_disguising_characters(void **state)
{
	(void)state;
	/* U+202E RIGHT-TO-LEFT OVERRIDE, U+2028 LINE SEPARATOR, U+2066 LRI, U+200F RLM */
	EXPECT(escape__xml_text, "evil\xe2\x80\xaegnp.exe", "evil\\u202Egnp.exe");
	EXPECT(escape__xml_line, "a\xe2\x80\xa8" "b", "a\\u2028b");
	EXPECT(escape__xml_attr, "\xe2\x81\xa6x\xe2\x80\x8f", "\\u2066x\\u200F");
	/* their neighbours are ordinary text */
	EXPECT(escape__xml_text, "\xe2\x80\xa7\xe2\x80\xaf", "\xe2\x80\xa7\xe2\x80\xaf");
	assert_true(escape__is_disguising(0x202E));
	assert_false(escape__is_disguising(0x202F));
	assert_false(escape__is_disguising('a'));
}

static void test_bad_utf8(void **state)
{
	(void)state;
	/* valid multi-byte characters pass through */
	EXPECT(escape__xml_text, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5",
	       "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5");
	/* a lone continuation byte, an invalid lead byte */
	EXPECT(escape__xml_text, "a\x80z", "a" FFFD "z");
	EXPECT(escape__xml_text, "\xff\xfe", FFFD FFFD);
	EXPECT(escape__xml_text, "\xc0\xaf", FFFD FFFD); /* overlong '/' */
	EXPECT(escape__xml_text, "\xe0\x80\xaf", FFFD FFFD FFFD);
	/* truncated sequences: one U+FFFD for the maximal subpart */
	EXPECT(escape__xml_text, "\xe2\x82", FFFD);
	EXPECT(escape__xml_text, "\xe2\x82z", FFFD "z");
	EXPECT(escape__xml_text, "\xf0\x9f\x94", FFFD);
	/* surrogates encoded in UTF-8 (CESU) */
	EXPECT(escape__xml_text, "\xed\xa0\x80", FFFD FFFD FFFD);
	/* beyond U+10FFFF */
	EXPECT(escape__xml_text, "\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD);
	EXPECT(escape__xml_text, "\xf8\x88\x80\x80\x80", FFFD FFFD FFFD FFFD FFFD);
	/* the non-characters U+FFFE and U+FFFF are not XML characters */
	EXPECT(escape__xml_text, "\xef\xbf\xbe\xef\xbf\xbf", FFFD FFFD);
	/* U+FFFD itself and the last valid code point are kept */
	EXPECT(escape__xml_text, FFFD "\xf4\x8f\xbf\xbf", FFFD "\xf4\x8f\xbf\xbf");
}

static void test_sanitize(void **state)
{
	const char in[] = "ok\0\xff<\xe2\x82";
	char out[3 * sizeof(in) + 1];
	size_t n;

	(void)state;
	n = escape__sanitize(out, in, sizeof(in) - 1);
	/* sanitizing does not escape: that is the context's job */
	assert_string_equal(out, "ok" FFFD FFFD "<" FFFD);
	assert_int_equal(n, strlen(out));
	/* worst case: every byte replaced */
	n = escape__sanitize(out, "\xff\xff\xff", 3);
	assert_int_equal(n, 9);
}

static void test_count_and_prefix(void **state)
{
	const char s[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\xa5z"; /* a é € 🔥 z */
	size_t len = sizeof(s) - 1;

	(void)state;
	assert_int_equal(escape__count(s, len), 5);
	assert_int_equal(escape__prefix(s, len, 0), 0);
	assert_int_equal(escape__prefix(s, len, 1), 1);
	assert_int_equal(escape__prefix(s, len, 2), 3);
	assert_int_equal(escape__prefix(s, len, 3), 6);
	assert_int_equal(escape__prefix(s, len, 4), 10);
	assert_int_equal(escape__prefix(s, len, 5), len);
	assert_int_equal(escape__prefix(s, len, 100), len);
	/* invalid bytes count as one character each, as they are displayed */
	assert_int_equal(escape__count("\xff\xfe"
				       "ab",
				       4),
			 4);
	assert_int_equal(escape__prefix("\xff\xfe"
					"ab",
					4, 1),
			 1);
	/* a truncated sequence is one character: the cut never splits a displayed character */
	assert_int_equal(escape__count("\xe2\x82z", 3), 2);
	assert_int_equal(escape__prefix("\xe2\x82z", 3, 1), 2);
}

static void test_truncate_then_escape(void **state)
{
	/* cutting "&&&&" to 2 characters before escaping gives two whole entities */
	const char s[] = "&&&&";
	size_t cut = escape__prefix(s, 4, 2);
	char *got;

	(void)state;
	got = run(escape__xml_text, s, cut);
	assert_string_equal(got, "&amp;&amp;");
	free(got);
}

static void test_next(void **state)
{
	size_t pos = 0;

	(void)state;
	assert_int_equal(escape__next("\xe2\x82\xac", 3, &pos), 0x20AC);
	assert_int_equal(pos, 3);
	pos = 0;
	assert_int_equal(escape__next("\x00", 1, &pos), ESCAPE_REPLACEMENT);
	assert_int_equal(pos, 1);
	pos = 0;
	assert_int_equal(escape__next("\t", 1, &pos), '\t');
}

static void test_long_name(void **state)
{
	size_t len = 10000, i;
	char *s = malloc(len), *got;

	(void)state;
	assert_non_null(s);
	for (i = 0; i < len; i++)
		s[i] = "<&>\"x"[i % 5];
	got = run(escape__xml_attr, s, len);
	assert_int_equal(strlen(got), len / 5 * (4 + 5 + 4 + 6 + 1));
	assert_null(strchr(got, '<'));
	assert_null(strchr(got, '"'));
	free(got);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_specials),
		cmocka_unit_test(test_attr_specials),
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_controls),
		cmocka_unit_test(test_disguising_characters),
		cmocka_unit_test(test_bad_utf8),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_count_and_prefix),
		cmocka_unit_test(test_truncate_then_escape),
		cmocka_unit_test(test_next),
		cmocka_unit_test(test_long_name),
	};

	return cmocka_run_group_tests_name("escape", tests, NULL, NULL);
}
