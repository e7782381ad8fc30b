/* SPDX-License-Identifier: MIT */
/* Clock readings in nanoseconds: one copy for every part of cli/ that times or schedules work. */
#ifndef SINGE_CLI_CLOCK_H
#define SINGE_CLI_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* CLOCK_MONOTONIC: what bpf_ktime_get_ns() reads, so kernel and user times compare. */
static inline uint64_t mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* The calling thread's CPU time: what a piece of work cost singe itself. */
static inline uint64_t thread_cpu_ns(void)
{
	return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

#endif /* SINGE_CLI_CLOCK_H */
