// SPDX-License-Identifier: MIT
/*
 * The alloc type's bookkeeping (cli/alloc_blocks.c): sample weights against the sampler they
 * undo, live blocks through allocations and frees, and --leaks' grouping. No BPF.
 */
#include <math.h>

#include "test.h"

#include "alloc_blocks.h"

/* The weights are 1 / (1 - exp(-size / rate)): exact values at a few points. */
static void test_scale_values(void **state)
{
	int64_t objects, bytes;

	(void)state;
	assert_true(alloc__scale(0, 524288) == 0);
	assert_true(fabs(alloc__scale(524288, 524288) - 1 / (1 - exp(-1))) < 1e-12);
	/* far above the rate: always sampled, stands for itself */
	assert_true(fabs(alloc__scale(64u << 20, 524288) - 1) < 1e-12);
	/* far below: about rate / size, plus a half */
	assert_true(fabs(alloc__scale(16, 524288) - (524288 / 16.0 + 0.5)) < 0.01);
	/* rate 0: every allocation recorded, each for itself */
	assert_true(alloc__scale(100, 0) == 1);
	alloc__values(1024, 4096, &objects, &bytes);
	assert_int_equal(objects, llround(1 / (1 - exp(-0.25))));
	assert_int_equal(bytes, llround(1024 / (1 - exp(-0.25))));
}

/* xorshift64*: a fixed stream, so the statistical test is deterministic */
static uint64_t rng = 88172645463325252ULL;

static double uniform(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return ((rng * 2685821657736338717ULL) >> 11) * (1.0 / 9007199254740992.0);
}

static double exp_draw(double rate)
{
	return -log(1 - uniform()) * rate;
}

/*
 * The sampler of bpf/alloc.bpf.c replayed on a known stream of allocations of three sizes:
 * the weighted samples estimate each size class's bytes and objects within a few percent.
 */
static void test_estimates_undo_the_sampler(void **state)
{
	static const uint64_t sizes[3] = {24, 1000, 300000};
	const uint64_t rate = 65536;
	double truth_bytes[3] = {0}, truth_objs[3] = {0}, est_bytes[3] = {0}, est_objs[3] = {0};
	double left = exp_draw(rate);
	int i, k;

	(void)state;
	for (i = 0; i < 4000000; i++) {
		/* the classes in proportions 70:25:5 of calls */
		double u = uniform();
		int64_t objects, bytes;

		k = u < 0.70 ? 0 : u < 0.95 ? 1 : 2;
		truth_bytes[k] += sizes[k];
		truth_objs[k] += 1;
		left -= (double)sizes[k];
		if (left > 0)
			continue;
		left = exp_draw(rate);
		alloc__values(sizes[k], rate, &objects, &bytes);
		est_bytes[k] += bytes;
		est_objs[k] += objects;
	}
	for (k = 0; k < 3; k++) {
		assert_true(fabs(est_bytes[k] / truth_bytes[k] - 1) < 0.04);
		assert_true(fabs(est_objs[k] / truth_objs[k] - 1) < 0.04);
	}
}

static void add(struct alloc_blocks *b, uint32_t tgid, uint64_t addr, uint64_t size, int64_t row,
		uint64_t t)
{
	struct alloc_block blk = {
		.tgid = tgid, .addr = addr, .size = size, .row = row, .time_ns = t};

	assert_int_equal(alloc_blocks__add(b, &blk), 0);
}

/* Frees remove exactly the block of that process at that address, among thousands. */
static void test_blocks_add_remove(void **state)
{
	struct alloc_blocks b = {0};
	struct alloc_block out;
	uint64_t i;

	(void)state;
	for (i = 0; i < 5000; i++)
		add(&b, 1 + i % 2, 0x10000 + 16 * i, i, (int64_t)i, i);
	assert_int_equal(b.len, 5000);
	/* the same address in the other process is another block */
	assert_int_equal(alloc_blocks__remove(&b, 2, 0x10000, NULL), -ENOENT);
	for (i = 0; i < 5000; i += 2) {
		assert_int_equal(alloc_blocks__remove(&b, 1, 0x10000 + 16 * i, &out), 0);
		assert_int_equal(out.size, i);
		assert_int_equal(out.row, (int64_t)i);
	}
	assert_int_equal(b.len, 2500);
	assert_int_equal(alloc_blocks__remove(&b, 1, 0x10000, NULL), -ENOENT);
	/* find: the live block of that process at that address, or none */
	assert_null(alloc_blocks__find(&b, 1, 0x10000));
	assert_non_null(alloc_blocks__find(&b, 2, 0x10000 + 16 * 4999));
	assert_int_equal(alloc_blocks__find(&b, 2, 0x10000 + 16 * 4999)->size, 4999);
	assert_null(alloc_blocks__find(&b, 1, 0x10000 + 16 * 4999));
	/* an address allocated again without its free seen: replaced, not doubled */
	add(&b, 2, 0x10000 + 16, 77, 9, 9);
	assert_int_equal(b.len, 2500);
	assert_int_equal(alloc_blocks__remove(&b, 2, 0x10000 + 16, &out), 0);
	assert_int_equal(out.size, 77);
	for (i = 3; i < 5000; i += 2)
		assert_int_equal(alloc_blocks__remove(&b, 2, 0x10000 + 16 * i, &out), 0);
	assert_int_equal(b.len, 0);
	add(&b, 3, 1, 1, 1, 1);
	add(&b, 4, 1, 1, 1, 1);
	add(&b, 3, 2, 1, 1, 1);
	assert_int_equal(alloc_blocks__forget(&b, 3), 2);
	assert_int_equal(b.len, 1);
	assert_int_equal(alloc_blocks__remove(&b, 4, 1, NULL), 0);
	alloc_blocks__free(&b);
}

/* --leaks: blocks grouped by row, the group holding the oldest block first. */
static void test_leaks_grouped_oldest_first(void **state)
{
	struct alloc_blocks b = {0};
	struct alloc_leak *l;
	const uint64_t rate = 1000;
	int64_t o, by;
	ssize_t n;

	(void)state;
	assert_int_equal(alloc_blocks__leaks(&b, rate, &l), 0);
	assert_null(l);
	add(&b, 1, 0x100, 500, 3, 300);
	add(&b, 1, 0x200, 500, 5, 100); /* row 5 holds the oldest */
	add(&b, 1, 0x300, 2000, 3, 50); /* no: this one is older still */
	add(&b, 1, 0x400, 500, 7, 400);
	add(&b, 1, 0x500, 500, 5, 500);
	n = alloc_blocks__leaks(&b, rate, &l);
	assert_int_equal(n, 3);
	assert_int_equal(l[0].row, 3);
	assert_int_equal(l[0].oldest_ns, 50);
	assert_int_equal(l[0].blocks, 2);
	alloc__values(500, rate, &o, &by);
	assert_int_equal(l[1].row, 5);
	assert_int_equal(l[1].blocks, 2);
	assert_int_equal(l[1].bytes, 2 * by);
	assert_int_equal(l[1].objects, 2 * o);
	assert_int_equal(l[2].row, 7);
	free(l);
	alloc_blocks__free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scale_values),
		cmocka_unit_test(test_estimates_undo_the_sampler),
		cmocka_unit_test(test_blocks_add_remove),
		cmocka_unit_test(test_leaks_grouped_oldest_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
