/* SPDX-License-Identifier: MIT */
/*
 * The kernel <-> user ABI of the cpu profile type (bpf/cpu.bpf.c, cli/record_cpu.c): limits and
 * map key/value layouts only; what every type shares is in common.h. No includes of its own
 * beyond that: the includer supplies __u32 and friends.
 */
#ifndef __SINGE_CPU_H
#define __SINGE_CPU_H

#include "common.h"

/*
 * Map sizes per buffer when not given (--stack-storage-size, --max-stacks): room for 4x the
 * samples of one drain period (HZ x CPUs), a power of two within these bounds, so that
 * stack-map hash collisions stay rare without pinning tens of MB on small machines.
 */
#define CPU_MIN_STACK_STORAGE 8192
#define CPU_MAX_AUTO_STACK_STORAGE 32768
#define CPU_MIN_MAX_STACKS 8192
/* Each buffer's overflow stack map (common.h): main / CPU_OVERFLOW_DIVISOR entries, at least
 * CPU_MIN_OVERFLOW_STORAGE. */
#define CPU_OVERFLOW_DIVISOR 8
#define CPU_MIN_OVERFLOW_STORAGE 1024
#define CPU_MAX_AUTO_MAX_STACKS 65536
/* The counts maps' size in the object; user space always sets it before load. */
#define CPU_DEFAULT_MAX_STACKS CPU_MIN_MAX_STACKS

/*
 * Samples go into one of two buffers (counts0/stacks0/overflow0, counts1/stacks1/overflow1),
 * chosen by the global 'active'; user space flips it, then drains and clears the idle buffer
 * while BPF fills the other one, so a stack id is never deleted while a key that refers to it
 * can be written.
 */

struct cpu_key {
	__u32 tgid;
	__u32 pid;	     /* the thread */
	__s32 user_stack_id; /* < 0: no user stack (a -errno from bpf_get_stackid); may carry
			      * SINGE_STACK_ID_OVERFLOW, as may kern_stack_id */
	__s32 kern_stack_id; /* < 0: the sample was taken in user mode */
	__u32 exec_gen;	     /* execs of the process seen so far: which image the stack is in */
	__u32 pad;
	/*
	 * The word at the user stack pointer when it looks like a return address into the main
	 * executable's code, else 0: the caller of a frameless leaf (common.bpf.h leaf_return()).
	 */
	__u64 leaf_ret;
};

/* Counters of the cpu type (a per-CPU array, summed by user space); common.h has the rest. */
enum cpu_stat {
	CPU_STAT_SAMPLES = 0, /* samples of target processes */
	CPU_STAT_MAP_FULL,    /* the counts map was full: the sample was dropped */
	CPU_STAT_NR,
};

#endif /* __SINGE_CPU_H */
