// SPDX-License-Identifier: MIT
/* The offcpu rules that need no kernel: blocks at the end, states, wakers, the waker layout. */
#include "test.h"

#include <linux/types.h>

#include "offcpu.h"
#include "record_offcpu.h"

static void test_parse_duration(void **state)
{
	uint64_t ns = 0;

	(void)state;
	assert_int_equal(offcpu__parse_duration("1us", &ns), 0);
	assert_int_equal(ns, 1000);
	assert_int_equal(offcpu__parse_duration("2.5ms", &ns), 0);
	assert_int_equal(ns, 2500000);
	assert_int_equal(offcpu__parse_duration("3s", &ns), 0);
	assert_int_equal(ns, 3000000000ULL);
	assert_int_equal(offcpu__parse_duration("250ns", &ns), 0);
	assert_int_equal(ns, 250);
	assert_int_equal(offcpu__parse_duration("10", &ns), 0); /* microseconds, as bcc's -m */
	assert_int_equal(ns, 10000);
	assert_int_equal(offcpu__parse_duration("0", &ns), 0);
	assert_int_equal(ns, 0);
	ns = 7;
	assert_int_equal(offcpu__parse_duration("", &ns), -EINVAL);
	assert_int_equal(offcpu__parse_duration("soon", &ns), -EINVAL);
	assert_int_equal(offcpu__parse_duration("5 ms", &ns), -EINVAL);
	assert_int_equal(offcpu__parse_duration("5min", &ns), -EINVAL);
	assert_int_equal(offcpu__parse_duration("-1ms", &ns), -EINVAL);
	assert_int_equal(offcpu__parse_duration("nan", &ns), -EINVAL);
	assert_int_equal(offcpu__parse_duration("1e30s", &ns), -EINVAL); /* more than a year */
	assert_int_equal(ns, 7);
}

static void test_state_names(void **state)
{
	(void)state;
	assert_string_equal(offcpu__state_name(OFFCPU_STATE_S), "S");
	assert_string_equal(offcpu__state_name(OFFCPU_STATE_D), "D");
	assert_string_equal(offcpu__state_name(OFFCPU_STATE_R), "R");
	assert_string_equal(offcpu__state_name(OFFCPU_STATE_OTHER), "other");
	assert_string_equal(offcpu__state_name(12345), "other");
}

/* The kernel's bounds, both inclusive, applied the same way to a block cut by the stop. */
static void test_block_bounds(void **state)
{
	uint64_t ns = 0;

	(void)state;
	assert_true(offcpu__block_kept(1000, 3000, 1000, UINT64_MAX, &ns));
	assert_int_equal(ns, 2000);
	assert_true(offcpu__block_kept(1000, 2000, 1000, 1000, &ns)); /* exactly min = max */
	assert_int_equal(ns, 1000);
	ns = 7;
	assert_false(offcpu__block_kept(1000, 1999, 1000, UINT64_MAX, &ns)); /* under min */
	assert_false(offcpu__block_kept(1000, 3001, 0, 2000, &ns));	     /* over max */
	assert_false(offcpu__block_kept(5000, 4000, 0, UINT64_MAX, &ns));    /* ends before */
	assert_int_equal(ns, 7);					     /* untouched */
}

/* A thread blocked for the whole recording counts from its switch-out to the stop. */
static void test_block_in_progress_counts_to_the_stop(void **state)
{
	const uint64_t start = 10ULL * 1000000000, stop = start + 5ULL * 1000000000;
	uint64_t ns = 0;

	(void)state;
	assert_true(offcpu__block_kept(start, stop, OFFCPU_DEFAULT_MIN_BLOCK_NS, UINT64_MAX, &ns));
	assert_int_equal(ns, 5ULL * 1000000000);
}

static void test_interrupt_frames(void **state)
{
	(void)state;
	assert_true(offcpu__is_interrupt_frame("asm_sysvec_apic_timer_interrupt"));
	assert_true(offcpu__is_interrupt_frame("asm_sysvec_call_function_single"));
	assert_true(offcpu__is_interrupt_frame("asm_common_interrupt"));
	assert_true(offcpu__is_interrupt_frame("handle_softirqs"));
	assert_false(offcpu__is_interrupt_frame("sysvec_apic_timer_interrupt"));
	assert_false(offcpu__is_interrupt_frame("asm_exc_page_fault")); /* the task's own fault */
	assert_false(offcpu__is_interrupt_frame("entry_SYSCALL_64_after_hwframe"));
	assert_false(offcpu__is_interrupt_frame(""));
}

/* A timer waking a sleeper: the frames below the interrupt's entry are not the waker's. */
static void test_waker_from_a_timer(void **state)
{
	/* as recorded on this machine, leaf first, the interrupted task's page fault below */
	const char *const frames[] = {"try_to_wake_up",
				      "hrtimer_wakeup",
				      "__hrtimer_run_queues",
				      "hrtimer_interrupt",
				      "__sysvec_apic_timer_interrupt",
				      "sysvec_apic_timer_interrupt",
				      "asm_sysvec_apic_timer_interrupt",
				      "native_set_pte",
				      "do_anonymous_page",
				      "exc_page_fault",
				      "asm_exc_page_fault"};
	bool irq = false;

	(void)state;
	assert_int_equal(offcpu__waker_kernel_frames(frames, 11, &irq), 7);
	assert_true(irq);
}

/* A thread waking another through a pipe: every frame is the waker's. */
static void test_waker_task(void **state)
{
	const char *const frames[] = {"try_to_wake_up",	  "autoremove_wake_function",
				      "__wake_up_common", "anon_pipe_write",
				      "vfs_write",	  "ksys_write",
				      "do_syscall_64",	  "entry_SYSCALL_64_after_hwframe"};
	bool irq = true;

	(void)state;
	assert_int_equal(offcpu__waker_kernel_frames(frames, 8, &irq), 8);
	assert_false(irq);
	assert_int_equal(offcpu__waker_kernel_frames(frames, 0, &irq), 0);
	assert_false(irq);
}

/* offwaketime's layout: waker upside down on a separator on the blocked stack's leaf. */
static void test_stack_with_waker(void **state)
{
	/* leaf first: blocked read <- wait_on_pipe <- main; waker write <- wake_all <- pacer */
	const uint64_t blocked[] = {11, 12, 13}, waker[] = {21, 22, 23};
	const uint64_t want[] = {23, 22, 21, 99, 11, 12, 13};
	uint64_t out[8];

	(void)state;
	assert_int_equal(offcpu__stack_with_waker(blocked, 3, 99, waker, 3, out, 8), 7);
	assert_memory_equal(out, want, sizeof(want));
	/* no waker stack: the separator alone still says "woken" */
	assert_int_equal(offcpu__stack_with_waker(blocked, 3, 99, NULL, 0, out, 8), 4);
	assert_int_equal(out[0], 99);
	assert_int_equal(out[1], 11);
	assert_int_equal(offcpu__stack_with_waker(blocked, 3, 99, waker, 3, out, 6), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_block_bounds),
		cmocka_unit_test(test_block_in_progress_counts_to_the_stop),
		cmocka_unit_test(test_interrupt_frames),
		cmocka_unit_test(test_waker_from_a_timer),
		cmocka_unit_test(test_waker_task),
		cmocka_unit_test(test_stack_with_waker),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
