/* SPDX-License-Identifier: MIT */
/*
 * The offcpu profile type's rules that do not need the kernel (bpf/offcpu.bpf.c measures the
 * blocks): how a block still in progress at the end of a recording is counted, what a state
 * is called, which of a waker's kernel frames are the wake-up, and how a waker's stack is
 * drawn above the stack it woke. The recording source (the kernel maps -> samples) builds on
 * them; they are unit-tested on their own.
 */
#ifndef SINGE_CLI_RECORD_OFFCPU_H
#define SINGE_CLI_RECORD_OFFCPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A block duration for --min-block and --max-block: a number with a unit, ns, us, ms or s
 * ("1us", "2.5ms"), or without one in microseconds, as bcc's offcputime takes it. 0 or
 * -EINVAL (not a number, negative, an unknown unit, more than a year).
 */
int offcpu__parse_duration(const char *arg, uint64_t *ns);

/* The 'state' label of a block: "S", "D", "R" or "other" (enum offcpu_state). */
const char *offcpu__state_name(uint32_t state);

/*
 * A block from start_ns to end_ns (CLOCK_MONOTONIC, as bpf_ktime_get_ns()), kept as the kernel
 * keeps one: when min_ns <= length <= max_ns. For a block still in progress when the recording
 * stops, end_ns is the stop: a thread blocked for the whole recording counts its whole length.
 * True and the length in *ns when kept; false for a block out of bounds or ending before it
 * started.
 */
bool offcpu__block_kept(uint64_t start_ns, uint64_t end_ns, uint64_t min_ns, uint64_t max_ns,
			uint64_t *ns);

/* An interrupt's entry into the kernel (asm_sysvec_*, asm_common_interrupt) or a softirq's. */
bool offcpu__is_interrupt_frame(const char *function);

/*
 * How many of a waker's kernel frames (function names, leaf first) are the wake-up itself:
 * all of them when a task woke the thread; when an interrupt did (a timer, a packet), the
 * frames up to and including its entry, and *from_interrupt is set: the frames below it are
 * whatever the interrupt happened to stop, not the waker.
 */
size_t offcpu__waker_kernel_frames(const char *const *functions, size_t n, bool *from_interrupt);

/*
 * The stack drawn for a block with its waker, as bcc's offwaketime draws it: the blocked
 * stack, a separator frame on its leaf, and the waker's stack upside down on top, so the
 * waker's leaf (where it woke the thread) touches the separator and its root is the top of
 * the graph. All three in pprof order (leaf first): out = waker root..leaf, separator,
 * blocked leaf..root. Returns the length, or -ENOSPC when it would not fit in cap.
 */
int offcpu__stack_with_waker(const uint64_t *blocked, size_t nblocked, uint64_t separator,
			     const uint64_t *waker, size_t nwaker, uint64_t *out, size_t cap);

#endif /* SINGE_CLI_RECORD_OFFCPU_H */
