/* SPDX-License-Identifier: MIT */
/*
 * The kernel <-> user ABI of the cpu profile type (bpf/cpu.bpf.c, cli/record.c): limits and
 * map key/value layouts only. No includes: the includer supplies __u32 and friends
 * (vmlinux.h on the BPF side, <linux/types.h> on the user side).
 */
#ifndef __SINGE_CPU_H
#define __SINGE_CPU_H

#ifndef TASK_COMM_LEN
#define TASK_COMM_LEN 16
#endif

/* Frames per stack: the kernel's default kernel.perf_event_max_stack. */
#define CPU_MAX_STACK_DEPTH 127
/*
 * Map sizes per buffer when not given (--stack-storage-size, --max-stacks): room for 4x the
 * samples of one drain period (HZ x CPUs), a power of two within these bounds, so that
 * stack-map hash collisions stay rare without pinning tens of MB on small machines.
 */
#define CPU_MIN_STACK_STORAGE 8192
#define CPU_MAX_AUTO_STACK_STORAGE 32768
#define CPU_MIN_MAX_STACKS 8192
#define CPU_MAX_AUTO_MAX_STACKS 65536
/* The counts maps' size in the object; user space always sets it before load. */
#define CPU_DEFAULT_MAX_STACKS CPU_MIN_MAX_STACKS
/* Live target processes the filter can hold (-p list, or -- CMD and its children). */
#define CPU_MAX_TARGETS 8192
/* Processes whose comm is remembered (emptied by user space when nearly full). */
#define CPU_MAX_COMMS 8192
/* Processes whose exec generation is remembered (an LRU: the oldest are forgotten). */
#define CPU_MAX_EXECS 8192

/*
 * Samples go into one of two buffers (counts0/stacks0, counts1/stacks1), chosen by the global
 * 'active'; user space flips it, then drains and clears the idle buffer while BPF fills the
 * other one, so a stack id is never deleted while a key that refers to it can be written.
 */

struct cpu_key {
	__u32 tgid;
	__u32 pid;	     /* the thread */
	__s32 user_stack_id; /* < 0: no user stack (a -errno from bpf_get_stackid) */
	__s32 kern_stack_id; /* < 0: the sample was taken in user mode */
	__u32 exec_gen;	     /* execs of the process seen so far: which image the stack is in */
	__u32 pad;
};

struct cpu_comm {
	char comm[TASK_COMM_LEN];
};

/* Ring buffer record: a followed process exec'd (user space snapshots its new mappings). */
struct cpu_exec_event {
	__u64 time_ns; /* bpf_ktime_get_ns() (CLOCK_MONOTONIC) of the exec */
	__u32 tgid;
	__u32 exec_gen; /* the generation its stacks carry from now on */
};

/* Exec events in flight, in bytes. */
#define CPU_EVENTS_SIZE (64 * 1024)

/* Counters in a per-CPU array, summed by user space. */
enum cpu_stat {
	CPU_STAT_SAMPLES = 0,	/* samples of target processes */
	CPU_STAT_COLLISIONS,	/* a stack lost to a hash collision (-EEXIST) */
	CPU_STAT_NO_USER_STACK, /* a user task whose user stack could not be read (-EFAULT) */
	CPU_STAT_NO_KERN_STACK, /* a kernel-mode sample without a kernel stack */
	CPU_STAT_STACK_ERRORS,	/* any other bpf_get_stackid error (-ENOMEM...) */
	CPU_STAT_MAP_FULL,	/* the counts map was full: the sample was dropped */
	CPU_STAT_TARGETS_FULL,	/* a fork of a target could not be added to the filter */
	CPU_STAT_FORKS,		/* children added to the filter by sched_process_fork */
	CPU_STAT_EVENTS_LOST,	/* exec events dropped: the ring buffer was full */
	CPU_STAT_NR,
};

#endif /* __SINGE_CPU_H */
