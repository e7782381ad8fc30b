// SPDX-License-Identifier: MIT
#include "test.h"

#include <errno.h>

#include "hash.h"

static bool int_eq(uint32_t idx, const void *key, void *ctx)
{
	const uint64_t *values = ctx;

	return values[idx] == *(const uint64_t *)key;
}

static void test_hash_bytes_spreads_and_is_stable(void **state)
{
	(void)state;
	assert_true(hash_bytes("abc", 3, 0) == hash_bytes("abc", 3, 0));
	assert_true(hash_bytes("abc", 3, 0) != hash_bytes("abd", 3, 0));
	assert_true(hash_bytes("abc", 3, 0) != hash_bytes("abc", 3, 1));
	/* length is part of the hash: trailing zero bytes change it */
	assert_true(hash_bytes("a\0", 2, 0) != hash_bytes("a", 1, 0));
	assert_true(hash_bytes("", 0, 0) != hash_bytes("\0", 1, 0));
}

static void test_idset_insert_find(void **state)
{
	enum { N = 20000 };
	static uint64_t values[N];
	struct idset set = {0};
	uint32_t i;

	(void)state;
	for (i = 0; i < N; i++) {
		values[i] = (uint64_t)i * 7919;
		/* a deliberately poor hash: collisions must still resolve through eq */
		assert_int_equal(idset__insert(&set, values[i] % 97, i), 0);
	}
	assert_int_equal(set.len, N);
	for (i = 0; i < N; i++)
		assert_int_equal(idset__find(&set, values[i] % 97, &values[i], int_eq, values), i);
	{
		uint64_t missing = 3;

		assert_int_equal(idset__find(&set, missing % 97, &missing, int_eq, values),
				 -ENOENT);
	}
	idset_release(&set);
	assert_int_equal(set.cap, 0);
}

static void test_idset_empty_find(void **state)
{
	struct idset set = {0};
	uint64_t key = 1;

	(void)state;
	assert_int_equal(idset__find(&set, 1, &key, int_eq, NULL), -ENOENT);
	assert_int_equal(idset__reserve(&set, 100), 0);
	assert_true(set.cap >= 200);
	idset_release(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_bytes_spreads_and_is_stable),
		cmocka_unit_test(test_idset_insert_find),
		cmocka_unit_test(test_idset_empty_find),
	};

	return cmocka_run_group_tests_name("hash", tests, NULL, NULL);
}
