// SPDX-License-Identifier: MIT
/*
 * CPython decoding (cli/sym_python.c): the version table, the 3.11 location table against
 * what the interpreter itself says (code.co_lines() of the function below, taken from
 * python3.11), and str objects of each kind, with hostile lengths.
 */
#include <errno.h>
#include <stdbool.h>

#include "test.h"

#include "sym_python.h"

static void test_layout_by_version(void **state)
{
	(void)state;
	assert_non_null(py_layout__find(0x030b07f0)); /* 3.11.7 final */
	assert_non_null(py_layout__find(0x030b02f0)); /* 3.11.2, Debian 12's */
	assert_int_equal(py_layout__find(0x030b07f0)->minor, 11);
	assert_null(py_layout__find(0x030a00f0)); /* 3.10: frames of another shape */
	assert_null(py_layout__find(0x040000a1));
}

/*
 *	def f(a):          # line 2
 *	    x = 1
 *	    if a:
 *	        x += 2
 *	    for i in range(3):
 *	        x += i
 *	    return x
 */
static const uint8_t f_linetable[] = {
	128, 0,	  216, 8,  9,	128, 65,  216, 7,   8,	240, 0,	  1,  5,   15, 216,
	8,   9,	  136, 81, 137, 6,   136, 1,   221, 13, 18,  144, 49, 137, 88, 140,
	88,  240, 0,   1,  5,	15,  240, 0,   1,   5,	15,  136, 1,  216, 8,  9,
	136, 81,  137, 6,  136, 1,   136, 1,   216, 11, 12,  128, 72,
};

/* f.__code__.co_lines(): (start, end, line) in bytes */
static const int f_lines[][3] = {
	{0, 2, 2},   {2, 4, 3},	  {4, 6, 3},   {6, 8, 4},   {8, 10, 4},	 {10, 12, 5},
	{12, 14, 5}, {14, 18, 5}, {18, 20, 5}, {20, 32, 6}, {32, 34, 6}, {34, 38, 6},
	{38, 48, 6}, {48, 50, 6}, {50, 52, 6}, {52, 54, 6}, {54, 56, 7}, {56, 58, 7},
	{58, 62, 7}, {62, 64, 7}, {64, 66, 7}, {66, 68, 8}, {68, 70, 8},
};

static void test_linetable_as_co_lines(void **state)
{
	size_t i;
	int off;

	(void)state;
	for (i = 0; i < sizeof(f_lines) / sizeof(f_lines[0]); i++)
		for (off = f_lines[i][0]; off < f_lines[i][1]; off += 2)
			assert_int_equal(
				py_linetable__line(f_linetable, sizeof(f_linetable), 2, off),
				f_lines[i][2]);
	/* before the first instruction (a frame not started): the def line */
	assert_int_equal(py_linetable__line(f_linetable, sizeof(f_linetable), 2, -2), 2);
	/* past the end, or cut short */
	assert_int_equal(py_linetable__line(f_linetable, sizeof(f_linetable), 2, 70), -1);
	assert_int_equal(py_linetable__line(f_linetable, 10, 2, 40), -1);
	assert_int_equal(py_linetable__line(f_linetable, 0, 2, 0), -1);
}

static void test_linetable_hostile(void **state)
{
	/* a long entry whose varint never ends; one that is no entry head; no location */
	static const uint8_t endless[] = {0xf0, 0x7f, 0x7f, 0x7f};
	static const uint8_t headless[] = {0x01, 0x02};
	static const uint8_t none[] = {0xf8 | 3};
	uint8_t huge[64];
	size_t i;

	(void)state;
	assert_int_equal(py_linetable__line(endless, sizeof(endless), 1, 0), -1);
	assert_int_equal(py_linetable__line(headless, sizeof(headless), 1, 0), -1);
	assert_int_equal(py_linetable__line(none, sizeof(none), 1, 0), -1);
	/* line deltas that would overflow an int */
	for (i = 0; i < sizeof(huge); i += 8) {
		huge[i] = 0xe8 | 7; /* no columns, 8 units */
		memset(huge + i + 1, 0x7e, 6);
		huge[i + 7] = 0x3e;
	}
	assert_int_equal(py_linetable__line(huge, sizeof(huge), 1, 100), -1);
	/* a delta near INT64_MAX (the fuzzer's: it overflowed the line before the bound) */
	static const uint8_t overflow[] = {0xea, 0x00, 0x80, 0x80, 0xf7, 0xf6, 0xff,
					   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					   0xff, 0x0f, 0xff, 0xff, 0xff};
	for (i = 0; i < 40; i += 2)
		assert_true(py_linetable__line(overflow, sizeof(overflow), 7, (int64_t)i) >= -1);
}

/* A str object of the layout: header, then length characters of kind bytes. */
static size_t make_str(const struct py_layout *l, uint8_t *buf, bool ascii, uint32_t kind,
		       const uint32_t *chars, uint64_t length)
{
	uint32_t state = (kind << 2) | (1 << 5) | ((uint32_t)ascii << 6) | (1 << 7);
	size_t data = ascii ? l->str_ascii_data : l->str_compact_data, i;

	memset(buf, 0, data);
	memcpy(buf + l->str_length, &length, sizeof(length));
	memcpy(buf + l->str_state, &state, sizeof(state));
	for (i = 0; i < length; i++)
		memcpy(buf + data + i * kind, &chars[i], kind); /* little-endian */
	return data + length * kind;
}

static void test_str_kinds(void **state)
{
	const struct py_layout *l = py_layout__find(0x030b07f0);
	static const uint32_t hot[] = {'h', 'o', 't'}, cafe[] = {'c', 'a', 'f', 0xe9},
			      snow[] = {0x2603, '!'}, smile[] = {0x1f600};
	uint8_t buf[512];
	char out[64];
	size_t n;

	(void)state;
	n = make_str(l, buf, true, 1, hot, 3);
	assert_int_equal(py_str__decode(l, buf, n, out, sizeof(out)), 3);
	assert_string_equal(out, "hot");
	n = make_str(l, buf, false, 1, cafe, 4);
	assert_int_equal(py_str__decode(l, buf, n, out, sizeof(out)), 4);
	assert_string_equal(out, "caf\xc3\xa9");
	n = make_str(l, buf, false, 2, snow, 2);
	assert_int_equal(py_str__decode(l, buf, n, out, sizeof(out)), 2);
	assert_string_equal(out, "\xe2\x98\x83!");
	n = make_str(l, buf, false, 4, smile, 1);
	assert_int_equal(py_str__decode(l, buf, n, out, sizeof(out)), 1);
	assert_string_equal(out, "\xf0\x9f\x98\x80");
	/* truncated to the buffer, always terminated */
	n = make_str(l, buf, true, 1, hot, 3);
	assert_int_equal(py_str__decode(l, buf, n, out, 3), 3);
	assert_string_equal(out, "ho");
}

static void test_str_hostile(void **state)
{
	const struct py_layout *l = py_layout__find(0x030b07f0);
	static const uint32_t hot[] = {'h', 'o', 't'};
	uint8_t buf[512];
	uint64_t huge = UINT64_MAX;
	uint32_t bad_kind = (3 << 2) | (1 << 5);
	char out[64];
	size_t n;

	(void)state;
	n = make_str(l, buf, true, 1, hot, 3);
	/* the characters cut off; the header cut off */
	assert_int_equal(py_str__decode(l, buf, n - 1, out, sizeof(out)), -EINVAL);
	assert_int_equal(py_str__decode(l, buf, 20, out, sizeof(out)), -EINVAL);
	/* a length beyond what was read */
	memcpy(buf + l->str_length, &huge, sizeof(huge));
	assert_int_equal(py_str__decode(l, buf, n, out, sizeof(out)), -EINVAL);
	/* kind 3, and a non-compact str */
	n = make_str(l, buf, true, 1, hot, 3);
	memcpy(buf + l->str_state, &bad_kind, sizeof(bad_kind));
	assert_int_equal(py_str__decode(l, buf, n, out, sizeof(out)), -EINVAL);
	bad_kind = (1 << 2) | (1 << 6);
	memcpy(buf + l->str_state, &bad_kind, sizeof(bad_kind));
	assert_int_equal(py_str__decode(l, buf, n, out, sizeof(out)), -EINVAL);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_by_version),
		cmocka_unit_test(test_linetable_as_co_lines),
		cmocka_unit_test(test_linetable_hostile),
		cmocka_unit_test(test_str_kinds),
		cmocka_unit_test(test_str_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
