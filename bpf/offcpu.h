/* SPDX-License-Identifier: MIT */
/*
 * The kernel <-> user ABI of the offcpu profile type (bpf/offcpu.bpf.c, cli/record_offcpu.c):
 * limits and map key/value layouts only; what every type shares is in common.h. No includes
 * of its own beyond that: the includer supplies __u32 and friends.
 *
 * How a block is measured: at sched_switch, a target thread switched out gets an entry in
 * 'start' (time, state, stacks); when it is switched in again, the time since is its block,
 * added to counts<active> under its key if it is within [min_block_ns, max_block_ns]. A
 * block still in progress when the recording stops is still in 'start': user space reads
 * that map at the end and counts each entry up to then.
 */
#ifndef __SINGE_OFFCPU_H
#define __SINGE_OFFCPU_H

#include "common.h"

/* Map sizes in the object; user space may set others before load. */
#define OFFCPU_DEFAULT_STACK_STORAGE 16384
#define OFFCPU_DEFAULT_OVERFLOW_STORAGE 2048
#define OFFCPU_DEFAULT_MAX_KEYS 16384
/* Threads that can be switched out at once (one 'start' entry each). */
#define OFFCPU_MAX_THREADS 65536
/* The default --min-block: shorter blocks are dropped in the kernel. */
#define OFFCPU_DEFAULT_MIN_BLOCK_NS 1000ULL
/*
 * A user stack id with OFFCPU_STACK_ID_COPY is not a stack map id but the id of a user stack
 * copy sent through 'copies' (--unwind dwarf, auto), unwound by user space. Stack map ids are
 * bucket indexes below 2^23, and SINGE_STACK_ID_OVERFLOW is bit 30.
 */
#define OFFCPU_STACK_ID_COPY (1 << 29)
/*
 * A kernel stack id with OFFCPU_STACK_ID_SEEDED: the thread was already blocked when the
 * recording started (-p), its kernel stack is in offcpu_seeded under its tid.
 */
#define OFFCPU_STACK_ID_SEEDED (1 << 28)
#define OFFCPU_MAX_SEEDED 8192

struct offcpu_seeded_stack {
	__u32 nframes;
	__u32 pad;
	__u64 ips[SINGE_MAX_STACK_DEPTH];
};

/* A copy id is (copies made on its CPU << 8 | the CPU), below OFFCPU_STACK_ID_COPY. */
#define OFFCPU_COPY_ID_CPU_BITS 8
#define OFFCPU_COPY_ID_CPU_MASK 0xff
/* The ring buffer of copies: they are few, one per place a thread blocks at (see below). */
#define OFFCPU_COPIES_SIZE (4 * 1024 * 1024)

/* What the thread was doing when it was switched out (from prev_state). */
enum offcpu_state {
	OFFCPU_STATE_R = 0,	/* runnable: preempted, waiting for a CPU */
	OFFCPU_STATE_S = 1,	/* TASK_INTERRUPTIBLE: sleeping */
	OFFCPU_STATE_D = 2,	/* TASK_UNINTERRUPTIBLE: uninterruptible sleep (disk, some locks) */
	OFFCPU_STATE_OTHER = 3, /* stopped, traced, ... */
};

/*
 * counts0/counts1: one entry per distinct (thread, state, stacks, waker); user space flips
 * 'active' and drains the idle map, as with cpu. Stack ids index the one 'stacks' map (or
 * 'overflow'), which is never cleared while recording: a block that lasts longer than a
 * drain still refers to its stack.
 */
struct offcpu_key {
	__u32 tgid;
	__u32 pid;	     /* the thread */
	__s32 user_stack_id; /* < 0: none (-errno); may carry SINGE_STACK_ID_OVERFLOW or
			      * OFFCPU_STACK_ID_COPY */
	__s32 kern_stack_id; /* < 0: none */
	__u32 exec_gen;	     /* execs of the process seen so far: which image the stack is in */
	__u32 state;	     /* enum offcpu_state */
	/* --wakers: who woke the thread (sched_waking), 0 and -1s when nobody or not asked */
	__u32 waker_tgid;
	__u32 waker_pid;
	__s32 waker_user_stack_id; /* like user_stack_id */
	__s32 waker_kern_stack_id;
};

struct offcpu_val {
	__u64 count; /* blocks */
	__u64 ns;    /* their total time off-CPU */
};

/* start: a target thread switched out and not yet back, by tid. */
struct offcpu_start {
	__u64 time_ns; /* bpf_ktime_get_ns() (CLOCK_MONOTONIC) at the switch-out */
	__u32 tgid;
	__u32 exec_gen;
	__s32 user_stack_id;
	__s32 kern_stack_id;
	__u32 state; /* enum offcpu_state */
	__u32 pad;
};

/* wakers: the last waker of a blocked target thread, by the wakee's tid. */
struct offcpu_waker {
	__u32 tgid;
	__u32 pid;
	__s32 user_stack_id;
	__s32 kern_stack_id;
};

/*
 * A user stack, walked by frame pointers or copied, is taken at the switch-out (the only
 * moment the blocked thread's memory is the current one), but only when the block's place is
 * new: it is remembered in 'places' by (thread, exec generation, ip, sp, the words at sp that
 * point into the executable's code), so a thread blocking again and again at the same place
 * reuses its first one, and the cost follows the places, not the switches. The frame pointer
 * is left out of the identity: code built without one, like libc's, uses rbp for anything.
 */
#define OFFCPU_PLACE_WORDS 32
#define OFFCPU_MAX_PLACES 16384

struct offcpu_place {
	__u32 tgid;
	__u32 pid;
	__u32 exec_gen;
	__u32 pad;
	__u64 ip;
	__u64 sp;
	__u64 hash;
};

/*
 * Ring buffer record of 'copies': a struct stack_sample (common.h) whose user_stack_id is the
 * copy's id (without OFFCPU_STACK_ID_COPY), followed by stack_len bytes of stack.
 */

/* Counters of the offcpu type (a per-CPU array, summed by user space); common.h has the rest. */
enum offcpu_stat {
	OFFCPU_STAT_SWITCH_OUT = 0, /* target threads switched out */
	OFFCPU_STAT_BLOCKS,	    /* blocks counted (within the thresholds) */
	OFFCPU_STAT_SHORT,	    /* blocks under --min-block */
	OFFCPU_STAT_LONG,	    /* blocks over --max-block */
	OFFCPU_STAT_START_FULL,	    /* 'start' was full: a block was not measured */
	OFFCPU_STAT_MAP_FULL,	    /* counts<active> was full: a block was dropped */
	OFFCPU_STAT_COPIES,	    /* user stack copies sent */
	OFFCPU_STAT_PLACE_REUSED,   /* user stacks known from the same place: no walk, no copy */
	OFFCPU_STAT_COPIES_LOST,    /* copies dropped: the ring buffer was full */
	OFFCPU_STAT_WAKERS,	    /* wake-ups of a blocked target recorded (--wakers) */
	OFFCPU_STAT_SEEDED,	    /* threads already blocked at the start, measured from then */
	OFFCPU_STAT_NR,
};

#endif /* __SINGE_OFFCPU_H */
