/* SPDX-License-Identifier: MIT */
/*
 * The kernel <-> user ABI of the goroutine profile type (bpf/goroutine.bpf.c,
 * cli/record_goroutine.c). No includes of its own beyond common.h: the includer supplies
 * __u32 and friends.
 */
#ifndef __SINGE_GOROUTINE_H
#define __SINGE_GOROUTINE_H

#include "common.h"

/*
 * Goroutines parked at once (over every process), whose park start is kept until they run
 * again. A park that finds the map full is counted and not timed.
 */
#define GOROUTINE_MAX_PARKED 65536
/*
 * Park and wake events in flight between two drains (a second), in bytes: a park with a
 * 20-frame stack is 224 bytes, a wake 64, so about 60,000 parks and their wakes.
 */
#define GOROUTINE_EVENTS_SIZE (16 * 1024 * 1024)

/*
 * The cookie of each uprobe (bpf_get_attach_cookie): the binary's index in user space's
 * table (wait-reason strings are per binary) and where runtime.g keeps goid.
 */
#define GOROUTINE_COOKIE(binary, goid_off) (((__u64)(binary) << 32) | (goid_off))
#define GOROUTINE_COOKIE_BINARY(c) ((__u32)((c) >> 32))
#define GOROUTINE_COOKIE_GOID_OFF(c) ((__u32)(c))

enum goroutine_event_kind {
	GOROUTINE_PARK = 1, /* runtime.gopark: a goroutine parks here, now */
	GOROUTINE_WAKE = 2, /* runtime.execute: a parked goroutine runs again */
};

/* Key of the parked map: g pointers are per process. */
struct goroutine_key {
	__u32 tgid;
	__u32 pad;
	__u64 g;
};

/* Ring buffer record of 'go_events': a wake is the head alone, a park its nuser frames after. */
struct goroutine_head {
	__u32 kind; /* enum goroutine_event_kind */
	__u32 tgid;
	__u32 tid;
	__u32 exec_gen;
	__u64 g;       /* the runtime.g, which names the park its wake ends */
	__u64 time_ns; /* bpf_ktime_get_ns() of the park or the wake */
	__u64 goid;
	__u32 binary;	/* GOROUTINE_COOKIE_BINARY of the probe */
	__u32 reason;	/* gopark's waitReason (CL) */
	__u64 leaf_ret; /* park: the word at SP, gopark's return address into its caller */
	__u32 nuser;	/* frames in user[] */
	__u32 pad;
};

struct goroutine_event {
	struct goroutine_head h;
	__u64 user[SINGE_MAX_STACK_DEPTH];
};

/* Counters of the goroutine type (a per-CPU array, summed by user space). */
enum goroutine_stat {
	GOROUTINE_STAT_PARKS = 0,   /* gopark hits of target processes (double fires left out) */
	GOROUTINE_STAT_WAKES,	    /* execute hits that ended a park seen */
	GOROUTINE_STAT_HITS,	    /* every hit of either probe, targets or not: the trap cost */
	GOROUTINE_STAT_DOUBLE,	    /* gopark entries run again after stack growth, ignored */
	GOROUTINE_STAT_PARKED_FULL, /* parks not timed: the parked map was full */
	GOROUTINE_STAT_EVENTS_LOST, /* park or wake events dropped: the ring buffer was full */
	GOROUTINE_STAT_NR,
};

#endif /* __SINGE_GOROUTINE_H */
