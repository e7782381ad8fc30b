/* SPDX-License-Identifier: MIT */
/*
 * The kernel <-> user ABI of the offcpu profile type (bpf/offcpu.bpf.c): limits and map
 * key/value layouts only. No includes: the includer supplies __u32 and friends (vmlinux.h on
 * the BPF side, <linux/types.h> on the user side).
 *
 * How a block is measured: at sched_switch, a target thread switched out gets an entry in
 * 'start' (time, state, stacks); when it is switched in again, the time since is its block,
 * added to counts<active> under its key if it is within [min_block_ns, max_block_ns]. A
 * block still in progress when the recording stops is still in 'start': user space reads
 * that map at stop and counts each entry up to then.
 */
#ifndef __SINGE_OFFCPU_H
#define __SINGE_OFFCPU_H

#ifndef TASK_COMM_LEN
#define TASK_COMM_LEN 16
#endif

/* Frames per stack: the kernel's default kernel.perf_event_max_stack. */
#define OFFCPU_MAX_STACK_DEPTH 127
/* Map sizes in the object; user space may set others before load. */
#define OFFCPU_DEFAULT_STACK_STORAGE 16384
#define OFFCPU_DEFAULT_OVERFLOW_STORAGE 2048
#define OFFCPU_DEFAULT_MAX_KEYS 16384
/* Threads that can be switched out at once (one 'start' entry each). */
#define OFFCPU_MAX_THREADS 65536
/* The default --min-block: shorter blocks are dropped in the kernel. */
#define OFFCPU_DEFAULT_MIN_BLOCK_NS 1000ULL
/*
 * Stack ids: bucket indexes (below 2^23) with flags in the free high bits. OVERFLOW: the id is
 * in the overflow stack map (the main one had a collision). COPY: not a stack map id but the
 * id of a user stack copy sent through 'samples' (--unwind dwarf|auto), unwound by user space.
 */
#define OFFCPU_STACK_ID_OVERFLOW (1 << 30)
#define OFFCPU_STACK_ID_COPY (1 << 29)

/* The same filter, exec generation and comm maps as bpf/cpu.bpf.c, with the same limits. */
#define OFFCPU_MAX_TARGETS 8192
#define OFFCPU_MAX_COMMS 8192
#define OFFCPU_MAX_THREAD_COMMS 32768
#define OFFCPU_MAX_EXECS 8192

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
	__s32 user_stack_id; /* < 0: none (-errno); may carry OFFCPU_STACK_ID_OVERFLOW or _COPY */
	__s32 kern_stack_id; /* < 0: none */
	__u32 exec_gen;	     /* execs of the process seen so far: which image the stack is in */
	__u32 state;	     /* enum offcpu_state */
	/* --wakers: who woke the thread (sched_waking), 0 and -1s when nobody or not asked */
	__u32 waker_tgid;
	__u32 waker_pid;
	__s32 waker_user_stack_id; /* frame pointers only */
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

struct offcpu_comm {
	char comm[TASK_COMM_LEN];
};

/* Ring buffer record of 'events': the same process events as cpu's (struct cpu_proc_event). */
enum offcpu_event_kind {
	OFFCPU_EVENT_EXEC = 1,
	OFFCPU_EVENT_FORK = 2,
};

struct offcpu_proc_event {
	__u64 time_ns;
	__u32 kind; /* enum offcpu_event_kind */
	__u32 tgid;
	__u32 exec_gen;
	__u32 parent;
};

#define OFFCPU_EVENTS_SIZE (256 * 1024)

/*
 * --unwind: the same modes as cpu. With dwarf (and auto for the processes that need it) a
 * user stack is a copy of the registers and the top of the stack, unwound in user space. The
 * copy is taken at the switch-out, the only moment the blocked thread's memory is the
 * current one, but only when the block's place is new: a user stack, copied or walked by
 * frame pointers, is remembered in 'places' by (thread, exec generation, ip, sp, the words at
 * sp that point into the executable's code), so a thread blocking again and again at the same
 * place reuses its first one, and the cost follows the places, not the switches.
 */
enum offcpu_unwind_mode {
	OFFCPU_UNWIND_FP = 0,
	OFFCPU_UNWIND_DWARF = 1,
	OFFCPU_UNWIND_AUTO = 2, /* per process, from unwind_pids (enum offcpu_pid_unwind) */
};

enum offcpu_pid_unwind {
	OFFCPU_PID_FP = 1,
	OFFCPU_PID_DWARF = 2,
};

/* Words at the stack pointer hashed into a copy's identity. */
#define OFFCPU_COPY_HASH_WORDS 32
#define OFFCPU_MAX_PLACES 16384
#define OFFCPU_MAX_UNWIND_PIDS 8192

struct offcpu_place {
	__u32 tgid;
	__u32 pid;
	__u32 exec_gen;
	__u32 pad;
	__u64 ip;
	__u64 sp;
	__u64 hash;
};

/* The user registers sent, in DWARF x86-64 numbering (the same as enum cpu_reg). */
enum offcpu_reg {
	OFFCPU_REG_AX = 0,
	OFFCPU_REG_DX,
	OFFCPU_REG_CX,
	OFFCPU_REG_BX,
	OFFCPU_REG_SI,
	OFFCPU_REG_DI,
	OFFCPU_REG_BP,
	OFFCPU_REG_SP,
	OFFCPU_REG_R8,
	OFFCPU_REG_R9,
	OFFCPU_REG_R10,
	OFFCPU_REG_R11,
	OFFCPU_REG_R12,
	OFFCPU_REG_R13,
	OFFCPU_REG_R14,
	OFFCPU_REG_R15,
	OFFCPU_REG_IP,
	OFFCPU_NR_REGS,
};

/* A copy id is (copies made on its CPU << 8 | the CPU), below OFFCPU_STACK_ID_COPY. */
#define OFFCPU_COPY_ID_CPU_BITS 8
#define OFFCPU_COPY_ID_CPU_MASK 0xff

#define OFFCPU_DEFAULT_STACK_COPY (16 * 1024)
#define OFFCPU_MAX_STACK_COPY (64 * 1024)
#define OFFCPU_STACK_CHUNK 4096
#define OFFCPU_SAMPLES_SIZE (4 * 1024 * 1024)

enum offcpu_copy_flags {
	OFFCPU_COPY_FULL = 1 << 0, /* the copy stopped at stack_size, not at unreadable memory */
};

/* Ring buffer record of 'samples': one user stack copy, followed by stack_len bytes. */
struct offcpu_stack_copy {
	__u32 copy_id; /* what keys carry as user_stack_id, with OFFCPU_STACK_ID_COPY */
	__u32 tgid;
	__u32 pid;
	__u32 exec_gen;
	__u32 stack_len;
	__u32 flags; /* enum offcpu_copy_flags */
	__u64 regs[OFFCPU_NR_REGS];
};

/* Counters in a per-CPU array, summed by user space. */
enum offcpu_stat {
	OFFCPU_STAT_SWITCH_OUT = 0, /* target threads switched out */
	OFFCPU_STAT_BLOCKS,	    /* blocks counted (within the thresholds) */
	OFFCPU_STAT_SHORT,	    /* blocks under --min-block */
	OFFCPU_STAT_LONG,	    /* blocks over --max-block */
	OFFCPU_STAT_START_FULL,	    /* 'start' was full: a block was not measured */
	OFFCPU_STAT_MAP_FULL,	    /* counts<active> was full: a block was dropped */
	OFFCPU_STAT_COLLISIONS,	    /* a stack lost to a collision in both stack maps */
	OFFCPU_STAT_OVERFLOWS,	    /* a stack kept in the overflow map */
	OFFCPU_STAT_NO_USER_STACK,  /* a user thread whose user stack could not be read */
	OFFCPU_STAT_STACK_ERRORS,   /* other bpf_get_stackid errors */
	OFFCPU_STAT_COPIES,	    /* user stack copies sent */
	OFFCPU_STAT_PLACE_REUSED,   /* user stacks known from the same place: no walk, no copy */
	OFFCPU_STAT_COPIES_LOST,    /* copies dropped: the ring buffer was full */
	OFFCPU_STAT_REGS_ERRORS,    /* the user registers could not be read */
	OFFCPU_STAT_WAKERS,	    /* wake-ups of a blocked target recorded (--wakers) */
	OFFCPU_STAT_TARGETS_FULL,   /* a fork of a target could not join the filter */
	OFFCPU_STAT_FORKS,	    /* children added to the filter */
	OFFCPU_STAT_EVENTS_LOST,    /* exec or fork events dropped */
	OFFCPU_STAT_NR,
};

#endif /* __SINGE_OFFCPU_H */
