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
/*
 * Each buffer also has an overflow stack-trace map for the stacks that collided in the main
 * one (bpf_get_stackid's -EEXIST): main / CPU_OVERFLOW_DIVISOR entries, at least
 * CPU_MIN_OVERFLOW_STORAGE. Ids from it carry CPU_STACK_ID_OVERFLOW (ids are bucket indexes,
 * below 2^23, so the bit is free and the id stays positive).
 */
#define CPU_OVERFLOW_DIVISOR 8
#define CPU_MIN_OVERFLOW_STORAGE 1024
#define CPU_STACK_ID_OVERFLOW (1 << 30)
#define CPU_MAX_AUTO_MAX_STACKS 65536
/* The counts maps' size in the object; user space always sets it before load. */
#define CPU_DEFAULT_MAX_STACKS CPU_MIN_MAX_STACKS
/* Live target processes the filter can hold (-p list, or -- CMD and its children). */
#define CPU_MAX_TARGETS 8192
/* Processes whose comm is remembered (emptied by user space when nearly full). */
#define CPU_MAX_COMMS 8192
/* Threads whose own comm is remembered between two drains (user space empties it). */
#define CPU_MAX_THREAD_COMMS 32768
/* Processes whose exec generation is remembered (an LRU: the oldest are forgotten). */
#define CPU_MAX_EXECS 8192

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
			      * CPU_STACK_ID_OVERFLOW, as may kern_stack_id */
	__s32 kern_stack_id; /* < 0: the sample was taken in user mode */
	__u32 exec_gen;	     /* execs of the process seen so far: which image the stack is in */
	__u32 pad;
	/*
	 * The word at the user stack pointer when it looks like a return address into the main
	 * executable's code, else 0: the caller of a frameless leaf (Go's small leaf functions
	 * never push a frame pointer, so the walk skips it). User space keeps it where the
	 * binary's tables say the leaf has no frame yet.
	 */
	__u64 leaf_ret;
};

struct cpu_comm {
	char comm[TASK_COMM_LEN];
};

/*
 * Ring buffer record of 'events': a followed process exec'd (user space snapshots its new
 * mappings), or forked a child (which has its parent's mappings until it execs: a child gone
 * before user space could read its own is symbolized with its parent's).
 */
enum cpu_event_kind {
	CPU_EVENT_EXEC = 1,
	CPU_EVENT_FORK = 2,
};

struct cpu_proc_event {
	__u64 time_ns;	/* bpf_ktime_get_ns() (CLOCK_MONOTONIC) of the exec or fork */
	__u32 kind;	/* enum cpu_event_kind */
	__u32 tgid;	/* the process that exec'd, or the child */
	__u32 exec_gen; /* exec: the generation its stacks carry from now on */
	__u32 parent;	/* fork: the parent's tgid */
};

/* Exec and fork events in flight, in bytes: 8,192 events between two reads (100 ms). */
#define CPU_EVENTS_SIZE (256 * 1024)

/* Counters in a per-CPU array, summed by user space. */
enum cpu_stat {
	CPU_STAT_SAMPLES = 0,	/* samples of target processes */
	CPU_STAT_COLLISIONS,	/* a stack lost to a hash collision in both stack maps */
	CPU_STAT_NO_USER_STACK, /* a user task whose user stack could not be read (-EFAULT) */
	CPU_STAT_NO_KERN_STACK, /* a kernel-mode sample without a kernel stack */
	CPU_STAT_STACK_ERRORS,	/* any other bpf_get_stackid error (-ENOMEM...) */
	CPU_STAT_MAP_FULL,	/* the counts map was full: the sample was dropped */
	CPU_STAT_TARGETS_FULL,	/* a fork of a target could not be added to the filter */
	CPU_STAT_FORKS,		/* children added to the filter by sched_process_fork */
	CPU_STAT_EVENTS_LOST,	/* exec or fork events dropped: the ring buffer was full */
	CPU_STAT_STACKS_LOST,	/* --unwind dwarf: stack copies dropped, the ring buffer was full */
	CPU_STAT_REGS_ERRORS,	/* --unwind dwarf: the user registers could not be read */
	CPU_STAT_OVERFLOWS,	/* a stack kept in the overflow map after a main-map collision */
	CPU_STAT_NR,
};

/*
 * --unwind dwarf: instead of a frame-pointer walk, the program sends the user registers and
 * the top of the user stack through the 'samples' ring buffer; user space unwinds them with
 * the binaries' CFI (cli/unwind.c). unwind_mode selects which samples do that.
 */
enum cpu_unwind_mode {
	CPU_UNWIND_FP = 0,    /* frame pointers, walked in the kernel */
	CPU_UNWIND_DWARF = 1, /* every user task: copy registers and stack */
	CPU_UNWIND_AUTO = 2,  /* per process, from the unwind_pids map (enum cpu_pid_unwind) */
};

/*
 * --unwind auto: what user space decided for a process. A process not in the map yet is
 * watched: each of its samples carries both the frame-pointer walk and a stack copy, and user
 * space keeps the walk when it is whole, the copy's DWARF unwind when it is not, so that no
 * sample is lost to a broken walk while the decision is made.
 */
enum cpu_pid_unwind {
	CPU_PID_FP = 1,	   /* the frame-pointer walk only */
	CPU_PID_DWARF = 2, /* the stack copy only */
};

/* The user registers sent, in DWARF x86-64 numbering (16 is the return address: rip). */
enum cpu_reg {
	CPU_REG_AX = 0,
	CPU_REG_DX,
	CPU_REG_CX,
	CPU_REG_BX,
	CPU_REG_SI,
	CPU_REG_DI,
	CPU_REG_BP,
	CPU_REG_SP,
	CPU_REG_R8,
	CPU_REG_R9,
	CPU_REG_R10,
	CPU_REG_R11,
	CPU_REG_R12,
	CPU_REG_R13,
	CPU_REG_R14,
	CPU_REG_R15,
	CPU_REG_IP,
	CPU_NR_REGS,
};

/* Bytes of user stack copied per sample: the default and the most (--stack-size). */
#define CPU_DEFAULT_STACK_COPY (16 * 1024)
#define CPU_MAX_STACK_COPY (64 * 1024)
/* The stack is read page by page, so that an unmapped page above it only ends the copy. */
#define CPU_STACK_CHUNK 4096

enum cpu_sample_flags {
	/* the copy stopped at stack_size, not at unreadable memory */
	CPU_SAMPLE_COPY_FULL = 1 << 0,
	/* auto, a process still watched: user_stack_id is its frame-pointer walk */
	CPU_SAMPLE_FP_TOO = 1 << 1,
};

/*
 * Ring buffer record of --unwind dwarf: one sample, immediately followed by stack_len bytes
 * of stack (the struct is a multiple of 8 bytes, so they start aligned).
 */
struct cpu_stack_sample {
	__u32 tgid;
	__u32 pid;
	__u32 exec_gen;
	__s32 kern_stack_id; /* in stacks<buf> (overflow<buf> with CPU_STACK_ID_OVERFLOW); < 0:
			      * the sample was taken in user mode */
	__u32 buf;	     /* the buffer ('active') the kernel stack id belongs to */
	__u32 stack_len;     /* bytes copied from regs[CPU_REG_SP] upwards */
	__u32 flags;	     /* cpu_sample_flags */
	__s32 user_stack_id; /* with CPU_SAMPLE_FP_TOO, like kern_stack_id; else unused */
	__u64 regs[CPU_NR_REGS];
};

/* The ring buffer of stack samples: its size when user space does not set one. */
#define CPU_SAMPLES_MIN_SIZE (1024 * 1024)
#define CPU_SAMPLES_MAX_SIZE (64 * 1024 * 1024)
#define CPU_SAMPLES_MAX_AUTO_SIZE (16 * 1024 * 1024) /* the most chosen from -F and the CPUs */
/*
 * Processes auto mode has decided for, and with dwarf the processes user space has seen (an
 * LRU: a forgotten one is watched again, or wakes user space again).
 */
#define CPU_MAX_UNWIND_PIDS 8192

#endif /* __SINGE_CPU_H */
