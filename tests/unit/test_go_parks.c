// SPDX-License-Identifier: MIT
/*
 * The goroutine type's bookkeeping (cli/go_parks.c): parks in progress matched with their
 * wakes, and (goid, wait reason) label values. Replayed events, no BPF.
 */
#include "test.h"

#include "go_parks.h"

static int start(struct go_pair_map *parks, uint32_t tgid, uint64_t g, int64_t row,
		 uint64_t start_ns)
{
	struct go_park p = {.tgid = tgid, .g = g, .row = row, .start_ns = start_ns};

	return go_parks__start(parks, &p);
}

/* A wake ends the park of the same goroutine of the same process, and only once. */
static void test_park_then_wake(void **state)
{
	struct go_pair_map parks = {0};
	int64_t row = -1;
	uint64_t delay = 0;

	(void)state;
	assert_int_equal(start(&parks, 10, 0xc000001000, 7, 1000), 0);
	assert_int_equal(start(&parks, 11, 0xc000001000, 8, 1500), 0);
	/* another process's g at the same address is another goroutine */
	assert_int_equal(go_parks__end(&parks, 11, 0xc000001000, 4000, &row, &delay), 0);
	assert_int_equal(row, 8);
	assert_int_equal(delay, 2500);
	assert_int_equal(go_parks__end(&parks, 10, 0xc000001000, 3000, &row, &delay), 0);
	assert_int_equal(row, 7);
	assert_int_equal(delay, 2000);
	/* a wake of a goroutine whose park was not seen (parked before the recording) */
	assert_int_equal(go_parks__end(&parks, 10, 0xc000001000, 5000, &row, &delay), -ENOENT);
	assert_int_equal(parks.len, 0);
	go_pair_map__free(&parks);
}

/* A park whose wake was lost is replaced by the goroutine's next park. */
static void test_restart_replaces(void **state)
{
	struct go_pair_map parks = {0};
	int64_t row;
	uint64_t delay;

	(void)state;
	assert_int_equal(start(&parks, 1, 0x10, 3, 100), 0);
	assert_int_equal(start(&parks, 1, 0x10, 4, 900), 0);
	assert_int_equal(parks.len, 1);
	assert_int_equal(go_parks__end(&parks, 1, 0x10, 1000, &row, &delay), 0);
	assert_int_equal(row, 4);
	assert_int_equal(delay, 100);
	/* a clock that went backwards charges nothing rather than 2^64 - x */
	assert_int_equal(start(&parks, 1, 0x10, 5, 2000), 0);
	assert_int_equal(go_parks__end(&parks, 1, 0x10, 1999, &row, &delay), 0);
	assert_int_equal(delay, 0);
	go_pair_map__free(&parks);
}

/*
 * Many goroutines parked at once, woken in another order: every wake finds its own park
 * after the table grew and after deletions moved entries of the same probe runs.
 */
static void test_many_interleaved(void **state)
{
	enum { N = 5000 };
	struct go_pair_map parks = {0};
	int64_t row;
	uint64_t delay, i;

	(void)state;
	for (i = 0; i < N; i++)
		assert_int_equal(
			start(&parks, 100 + i % 3, 0xc000000000 + i * 0x1a0, (int64_t)i, i), 0);
	assert_int_equal(parks.len, N);
	/* every other one first, then the rest backwards */
	for (i = 0; i < N; i += 2) {
		assert_int_equal(go_parks__end(&parks, 100 + i % 3, 0xc000000000 + i * 0x1a0,
					       10 * N, &row, &delay),
				 0);
		assert_int_equal(row, (int64_t)i);
		assert_int_equal(delay, 10 * N - i);
	}
	for (i = N - 1; i < N; i -= 2) {
		assert_int_equal(go_parks__end(&parks, 100 + i % 3, 0xc000000000 + i * 0x1a0,
					       10 * N, &row, &delay),
				 0);
		assert_int_equal(row, (int64_t)i);
	}
	assert_int_equal(parks.len, 0);
	for (i = 0; i < parks.cap; i++)
		assert_false(parks.slots[i].used);
	go_pair_map__free(&parks);
}

/* Label values: one per (goid, reason), stable, from 1; 0 and unknown values have no pair. */
static void test_labels(void **state)
{
	struct go_labels l = {0};
	uint64_t goid;
	uint32_t reason, a, b, c;

	(void)state;
	a = go_labels__value(&l, 42, 3);
	b = go_labels__value(&l, 42, 5);
	c = go_labels__value(&l, 43, 3);
	assert_int_equal(a, 1);
	assert_int_equal(b, 2);
	assert_int_equal(c, 3);
	assert_int_equal(go_labels__value(&l, 42, 3), a);
	assert_int_equal(go_labels__pair(&l, b, &goid, &reason), 0);
	assert_int_equal(goid, 42);
	assert_int_equal(reason, 5);
	assert_int_equal(go_labels__pair(&l, 0, &goid, &reason), -ENOENT);
	assert_int_equal(go_labels__pair(&l, 4, &goid, &reason), -ENOENT);
	for (goid = 0; goid < 1000; goid++)
		assert_int_equal(go_labels__value(&l, 1000 + goid, 1), 4 + goid);
	assert_int_equal(go_labels__pair(&l, 1003, &goid, &reason), 0);
	assert_int_equal(goid, 1999);
	go_labels__free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_park_then_wake),
		cmocka_unit_test(test_restart_replaces),
		cmocka_unit_test(test_many_interleaved),
		cmocka_unit_test(test_labels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
