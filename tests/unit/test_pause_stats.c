// SPDX-License-Identifier: MIT
/*
 * The pause summary against figures worked out by hand: per kind counts, totals,
 * nearest-rank percentiles, rates and the share of wall time.
 */
#include "test.h"

#include "pause_stats.h"

static void test_percentile(void **state)
{
	uint64_t d[100];
	size_t i;

	(void)state;
	for (i = 0; i < 100; i++)
		d[i] = (i + 1) * 10; /* 10, 20, ... 1000 */
	assert_int_equal(pause_stats__percentile(d, 100, 50), 500);
	assert_int_equal(pause_stats__percentile(d, 100, 90), 900);
	assert_int_equal(pause_stats__percentile(d, 100, 99), 990);
	assert_int_equal(pause_stats__percentile(d, 100, 100), 1000);
	assert_int_equal(pause_stats__percentile(d, 1, 99), 10);
	/* 3 values: p50 is the 2nd (rank ceil(1.5)), p90 and p99 the 3rd */
	assert_int_equal(pause_stats__percentile(d, 3, 50), 20);
	assert_int_equal(pause_stats__percentile(d, 3, 90), 30);
}

static void test_summarize(void **state)
{
	/* kind 7: 4 pauses of 1..4 ms; kind 2: one of 10 ms; interleaved and unsorted */
	struct pause_rec recs[] = {
		{.kind = 7, .dur_ns = 3000000, .collected = 5},
		{.kind = 2, .dur_ns = 10000000, .collected = -1},
		{.kind = 7, .dur_ns = 1000000, .collected = -1},
		{.kind = 7, .dur_ns = 4000000, .collected = 0},
		{.kind = 7, .dur_ns = 2000000, .collected = 10},
	};
	struct pause_summary s[4];
	int n;

	(void)state;
	n = pause_stats__summarize(recs, 5, 2000000000ULL, s, 4);
	assert_int_equal(n, 2);
	assert_int_equal(s[0].kind, 2);
	assert_int_equal(s[0].count, 1);
	assert_int_equal(s[0].total_ns, 10000000);
	assert_int_equal(s[0].max_ns, 10000000);
	assert_int_equal(s[1].kind, 7);
	assert_int_equal(s[1].count, 4);
	assert_int_equal(s[1].total_ns, 10000000);
	assert_int_equal(s[1].p50_ns, 2000000);
	assert_int_equal(s[1].p90_ns, 4000000);
	assert_int_equal(s[1].max_ns, 4000000);
	assert_float_equal(s[1].per_second, 2.0, 1e-9);
	assert_float_equal(s[1].wall_share, 0.005, 1e-12);
	/* collected: the known ones summed; none known: -1 */
	assert_int_equal(s[1].collected, 15);
	assert_int_equal(s[0].collected, -1);
	/* room for one kind only: the first */
	assert_int_equal(pause_stats__summarize(recs, 5, 0, s, 1), 1);
	assert_float_equal(s[0].per_second, 0.0, 0);
	assert_int_equal(pause_stats__summarize(recs, 0, 1, s, 4), 0);
	assert_int_equal(pause_stats__summarize(NULL, 0, 1, s, 4), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentile),
		cmocka_unit_test(test_summarize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
