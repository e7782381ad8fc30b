// SPDX-License-Identifier: MIT
/* The recording engine's stack table, fed replayed stacks: no BPF, no symbolizer. */
#include "test.h"

#include "record_stacks.h"

static struct stack_key key_of(uint32_t tgid, uint32_t tid, uint32_t gen, uint16_t nkern,
			       uint16_t nuser, const uint64_t *addrs)
{
	return (struct stack_key){.tgid = tgid,
				  .tid = tid,
				  .exec_gen = gen,
				  .nkern = nkern,
				  .nuser = nuser,
				  .addrs = addrs};
}

static void test_new_needs_values(void **state)
{
	(void)state;
	errno = 0;
	assert_null(stack_table__new(0));
	assert_int_equal(errno, EINVAL);
	stack_table__free(NULL);
}

/* The same stack adds up; any part of the identity that differs makes another stack. */
static void test_identity(void **state)
{
	const uint64_t a[] = {0xffffffff81000010, 0x401000, 0x401100};
	const uint64_t b[] = {0xffffffff81000010, 0x401000, 0x401101};
	const int64_t one = 1;
	struct stack_table *t = stack_table__new(1);
	struct stack_key k = key_of(10, 11, 0, 1, 2, a);
	bool is_new;

	(void)state;
	assert_non_null(t);
	assert_int_equal(stack_table__add(t, &k, &one, &is_new), 0);
	assert_true(is_new);
	assert_int_equal(stack_table__add(t, &k, &one, &is_new), 0);
	assert_false(is_new);
	assert_int_equal(stack_table__values(t, 0)[0], 2);

	struct stack_key others[] = {
		key_of(12, 11, 0, 1, 2, a), /* another process */
		key_of(10, 13, 0, 1, 2, a), /* another thread */
		key_of(10, 11, 1, 1, 2, a), /* the same process after an exec */
		key_of(10, 11, 0, 2, 1, a), /* the same addresses, split otherwise */
		key_of(10, 11, 0, 1, 2, b), /* one address differs */
		key_of(10, 11, 0, 1, 1, a), /* one frame fewer */
	};
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		assert_int_equal(stack_table__find(t, &others[i]), -ENOENT);
		assert_int_equal(stack_table__add(t, &others[i], &one, &is_new), (int64_t)i + 1);
		assert_true(is_new);
	}
	assert_int_equal(stack_table__len(t), 7);
	assert_int_equal(stack_table__find(t, &k), 0);
	assert_int_equal(stack_table__values(t, 0)[0], 2);
	stack_table__free(t);
}

/* Two profile types, or two labels of one type, never share a stack's row. */
static void test_type_and_label(void **state)
{
	const uint64_t a[] = {0x1000, 0x2000};
	const int64_t one[4] = {1, 1, 1, 1};
	struct stack_table *t = stack_table__new(4);
	struct stack_key cpu = key_of(1, 1, 0, 0, 2, a), offcpu = cpu, sleeping, blocked;
	struct stack_key back;
	bool is_new;

	(void)state;
	offcpu.source = 1;
	sleeping = offcpu;
	sleeping.label = 'S';
	blocked = offcpu;
	blocked.label = 'D';
	assert_int_equal(stack_table__add(t, &cpu, one, NULL), 0);
	assert_int_equal(stack_table__add(t, &offcpu, one, &is_new), 1);
	assert_true(is_new);
	assert_int_equal(stack_table__add(t, &sleeping, one, &is_new), 2);
	assert_true(is_new);
	assert_int_equal(stack_table__add(t, &blocked, one, &is_new), 3);
	assert_true(is_new);
	assert_int_equal(stack_table__add(t, &sleeping, one, &is_new), 2);
	assert_false(is_new);
	back = stack_table__key(t, 3);
	assert_int_equal(back.source, 1);
	assert_int_equal(back.label, 'D');
	assert_int_equal(stack_table__values(t, 2)[0], 2);
	/* an event that spans drains: its stack first, with no value, its values at its end */
	const int64_t zero[4] = {0}, later[4] = {1, 1500, 0, 0};
	assert_int_equal(stack_table__add(t, &blocked, zero, &is_new), 3);
	assert_int_equal(stack_table__add_values(t, 3, later), 0);
	assert_int_equal(stack_table__values(t, 3)[0], 2);
	assert_int_equal(stack_table__values(t, 3)[1], 1501);
	stack_table__free(t);
}

/* The same blocked stack with two different stacks above it (its wakers) is two rows. */
static void test_stack_above(void **state)
{
	const uint64_t blocked_at[] = {0x1000, 0x2000}, woken_from[] = {0x7000, 0x8000};
	const int64_t one[2] = {1, 100};
	struct stack_table *t = stack_table__new(2);
	struct stack_key waker = key_of(9, 9, 0, 0, 2, woken_from), alone, woken, other;
	bool is_new;

	(void)state;
	alone = key_of(1, 1, 0, 0, 2, blocked_at);
	assert_int_equal(stack_table__add(t, &alone, one, NULL), 0);
	assert_int_equal(stack_table__add(t, &waker, one, NULL), 1);
	woken = alone;
	woken.above = 1 + 1;
	other = alone;
	other.above = 0 + 1;
	assert_int_equal(stack_table__add(t, &woken, one, &is_new), 2);
	assert_true(is_new);
	assert_int_equal(stack_table__add(t, &other, one, &is_new), 3);
	assert_true(is_new);
	assert_int_equal(stack_table__add(t, &woken, one, &is_new), 2);
	assert_false(is_new);
	assert_int_equal(stack_table__key(t, 2).above, 2);
	assert_int_equal(stack_table__key(t, 0).above, 0);
	assert_int_equal(stack_table__values(t, 2)[1], 200);
	assert_int_equal(stack_table__find(t, &alone), 0);
	stack_table__free(t);
}

/* Values are a vector (an allocation adds objects and bytes), summed element by element. */
static void test_value_vector(void **state)
{
	const uint64_t a[] = {0x1000, 0x2000};
	const int64_t v1[4] = {1, 512, 1, 512}, v2[4] = {1, 4096, 0, 0};
	struct stack_table *t = stack_table__new(4);
	struct stack_key k = key_of(1, 1, 0, 0, 2, a);
	const int64_t *sum;

	(void)state;
	assert_int_equal(stack_table__add(t, &k, v1, NULL), 0);
	assert_int_equal(stack_table__add(t, &k, v2, NULL), 0);
	sum = stack_table__values(t, 0);
	assert_int_equal(sum[0], 2);
	assert_int_equal(sum[1], 4608);
	assert_int_equal(sum[2], 1);
	assert_int_equal(sum[3], 512);
	stack_table__free(t);
}

/* A stack outlives the buffer it came from (a drain clears the kernel's stack maps). */
static void test_addresses_are_copied(void **state)
{
	uint64_t frames[3] = {0xffffffff81000010, 0x7f0000001000, 0x401000};
	const int64_t one = 1;
	struct stack_table *t = stack_table__new(1);
	struct stack_key k = key_of(5, 6, 2, 1, 2, frames), back;

	(void)state;
	assert_int_equal(stack_table__add(t, &k, &one, NULL), 0);
	frames[1] = 0xdead;
	back = stack_table__key(t, 0);
	assert_int_equal(back.tgid, 5);
	assert_int_equal(back.tid, 6);
	assert_int_equal(back.exec_gen, 2);
	assert_int_equal(back.nkern, 1);
	assert_int_equal(back.nuser, 2);
	assert_int_equal(back.addrs[0], 0xffffffff81000010);
	assert_int_equal(back.addrs[1], 0x7f0000001000);
	assert_int_equal(back.addrs[2], 0x401000);
	stack_table__free(t);
}

/* Location ids are kept per stack once symbolized; a stack with no frames is a stack too. */
static void test_locations(void **state)
{
	const uint64_t a[] = {0x1000, 0x2000, 0x3000}, ids[] = {7, 8, 9};
	const int64_t one = 1;
	struct stack_table *t = stack_table__new(1);
	struct stack_key k = key_of(1, 1, 0, 0, 3, a), empty = key_of(1, 1, 0, 0, 0, NULL);
	const uint64_t *got;
	uint32_t n;

	(void)state;
	assert_int_equal(stack_table__add(t, &k, &one, NULL), 0);
	assert_int_equal(stack_table__add(t, &empty, &one, NULL), 1);
	assert_false(stack_table__symbolized(t, 0));
	assert_int_equal(stack_table__set_locations(t, 0, ids, 3), 0);
	assert_int_equal(stack_table__set_locations(t, 1, NULL, 0), 0);
	assert_true(stack_table__symbolized(t, 0));
	assert_true(stack_table__symbolized(t, 1));
	got = stack_table__locations(t, 0, &n);
	assert_int_equal(n, 3);
	assert_memory_equal(got, ids, sizeof(ids));
	assert_null(stack_table__locations(t, 1, &n));
	assert_int_equal(n, 0);
	assert_int_equal(stack_table__find(t, &empty), 1);
	stack_table__free(t);
}

/* Many stacks: every one is found again after the index and the arrays have grown. */
static void test_many_stacks(void **state)
{
	enum { N = 20000 };
	struct stack_table *t = stack_table__new(2);
	uint64_t frames[4];
	int64_t values[2];
	uint32_t i;

	(void)state;
	for (i = 0; i < N; i++) {
		frames[0] = 0x400000 + i, frames[1] = 0x500000, frames[2] = i % 7, frames[3] = i;
		values[0] = 1, values[1] = i;
		struct stack_key k = key_of(100 + i % 3, i % 5, 0, 1, 3, frames);

		assert_int_equal(stack_table__add(t, &k, values, NULL), (int64_t)i);
	}
	for (i = 0; i < N; i++) {
		frames[0] = 0x400000 + i, frames[1] = 0x500000, frames[2] = i % 7, frames[3] = i;
		struct stack_key k = key_of(100 + i % 3, i % 5, 0, 1, 3, frames);

		assert_int_equal(stack_table__find(t, &k), (int64_t)i);
		assert_int_equal(stack_table__values(t, i)[1], i);
	}
	stack_table__free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_needs_values),     cmocka_unit_test(test_identity),
		cmocka_unit_test(test_type_and_label),	     cmocka_unit_test(test_value_vector),
		cmocka_unit_test(test_addresses_are_copied), cmocka_unit_test(test_locations),
		cmocka_unit_test(test_many_stacks),	     cmocka_unit_test(test_stack_above),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
