// SPDX-License-Identifier: MIT
#include "test.h"

#include "strtab.h"

static void test_index_zero_is_empty(void **state)
{
	struct strtab t;

	(void)state;
	assert_int_equal(strtab_init(&t), 0);
	assert_int_equal(t.len, 1);
	assert_string_equal(strtab__str(&t, 0), "");
	assert_int_equal(strtab__intern(&t, "", 0), 0);
	strtab_release(&t);
}

static void test_intern_dedups_and_keeps_order(void **state)
{
	struct strtab t;
	char name[32];
	int i;

	(void)state;
	assert_int_equal(strtab_init(&t), 0);
	/* enough strings to force several arena and index resizes */
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "fn_%d", i);
		assert_int_equal(strtab__intern(&t, name, strlen(name)), i + 1);
	}
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "fn_%d", i);
		assert_int_equal(strtab__intern(&t, name, strlen(name)), i + 1);
		assert_string_equal(strtab__str(&t, (uint32_t)i + 1), name);
	}
	assert_int_equal(t.len, 5001);
	assert_int_equal(strtab__find(&t, "nope", 4), -ENOENT);
	strtab_release(&t);
}

static void test_embedded_nul_and_length(void **state)
{
	struct strtab t;
	int64_t a, b;

	(void)state;
	assert_int_equal(strtab_init(&t), 0);
	a = strtab__intern(&t, "ab\0cd", 5);
	b = strtab__intern(&t, "ab", 2);
	assert_true(a > 0 && b > 0 && a != b);
	assert_int_equal(strtab__strlen(&t, (uint32_t)a), 5);
	assert_memory_equal(strtab__str(&t, (uint32_t)a), "ab\0cd", 5);
	/* out-of-range indexes read as "" rather than out of bounds */
	assert_string_equal(strtab__str(&t, 999), "");
	strtab_release(&t);
}

static void test_append_keeps_duplicates(void **state)
{
	struct strtab t;

	(void)state;
	assert_int_equal(strtab_init(&t), 0);
	assert_int_equal(strtab__append(&t, "x", 1), 1);
	assert_int_equal(strtab__append(&t, "x", 1), 2);
	/* lookups find the first copy */
	assert_int_equal(strtab__intern(&t, "x", 1), 1);
	assert_int_equal(t.len, 3);
	strtab_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_zero_is_empty),
		cmocka_unit_test(test_intern_dedups_and_keeps_order),
		cmocka_unit_test(test_embedded_nul_and_length),
		cmocka_unit_test(test_append_keeps_duplicates),
	};

	return cmocka_run_group_tests_name("strtab", tests, NULL, NULL);
}
