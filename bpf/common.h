/* SPDX-License-Identifier: MIT */
/*
 * The kernel <-> user ABI every profile type shares (bpf/common.bpf.h, bpf/proc.bpf.h and
 * the recording engine in cli/record*.c): the process filter's configuration, process events,
 * the stack-copy record that carries a type tag and values, the register layout, and the
 * limits of the shared maps. A type's own ABI is in bpf/T.h. No includes: the includer
 * supplies __u32 and friends (vmlinux.h on the BPF side, <linux/types.h> on the user side).
 */
#ifndef __SINGE_COMMON_H
#define __SINGE_COMMON_H

#ifndef TASK_COMM_LEN
#define TASK_COMM_LEN 16
#endif

/* Frames per stack: the kernel's default kernel.perf_event_max_stack. */
#define SINGE_MAX_STACK_DEPTH 127
/*
 * A type that aggregates stack ids in the kernel keeps an overflow stack-trace map beside each
 * main one, for the stacks that collided there (bpf_get_stackid's -EEXIST). Ids from it carry
 * SINGE_STACK_ID_OVERFLOW (ids are bucket indexes, below 2^23, so the bit is free and the id
 * stays positive).
 */
#define SINGE_STACK_ID_OVERFLOW (1 << 30)

/* Live target processes the filter can hold (-p list, or -- CMD and its children). */
#define SINGE_MAX_TARGETS 8192
/* Processes whose comm is remembered (emptied by user space when nearly full). */
#define SINGE_MAX_COMMS 8192
/* Threads whose own comm is remembered between two drains (user space empties it). */
#define SINGE_MAX_THREAD_COMMS 32768
/* Processes whose exec generation is remembered (an LRU: the oldest are forgotten). */
#define SINGE_MAX_EXECS 8192
/*
 * Processes --unwind auto has decided for, and with dwarf the processes user space has seen
 * (an LRU: a forgotten one is watched again, or wakes user space again).
 */
#define SINGE_MAX_UNWIND_PIDS 8192

struct singe_comm {
	char comm[TASK_COMM_LEN];
};

/* How user stacks are taken (--unwind). */
enum singe_unwind_mode {
	SINGE_UNWIND_FP = 0,	/* frame pointers, walked in the kernel */
	SINGE_UNWIND_DWARF = 1, /* every user task: copy registers and stack */
	SINGE_UNWIND_AUTO = 2,	/* per process, from the unwind_pids map (enum singe_pid_unwind) */
};

/*
 * --unwind auto: what user space decided for a process. A process not in the map yet is
 * watched: each of its samples carries both the frame-pointer walk and a stack copy, and user
 * space keeps the walk when it is whole, the copy's DWARF unwind when it is not, so that no
 * sample is lost to a broken walk while the decision is made.
 */
enum singe_pid_unwind {
	SINGE_PID_FP = 1,    /* the frame-pointer walk only */
	SINGE_PID_DWARF = 2, /* the stack copy only */
};

/*
 * What every program of a recording is told before load (a const volatile in each object, set
 * by the engine through the source's skeleton).
 */
struct singe_config {
	__u32 filter_tgid; /* 0: every process (-a); otherwise only the targets map's */
	__u32 self_tgid;   /* -a leaves singe itself out */
	__u32 source;	   /* the type tag its stack copies carry (the source's index) */
	__u32 unwind_mode; /* enum singe_unwind_mode */
	__u32 stack_size;  /* bytes of user stack copied, <= SINGE_MAX_STACK_COPY */
	__u32 pad;
};

/*
 * Ring buffer record of 'events' (bpf/proc.bpf.h): a followed process exec'd (user space
 * snapshots its new mappings), or forked a child (which has its parent's mappings until it
 * execs: a child gone before user space could read its own is symbolized with its parent's).
 */
enum singe_event_kind {
	SINGE_EVENT_EXEC = 1,
	SINGE_EVENT_FORK = 2,
};

struct singe_proc_event {
	__u64 time_ns;	/* bpf_ktime_get_ns() (CLOCK_MONOTONIC) of the exec or fork */
	__u32 kind;	/* enum singe_event_kind */
	__u32 tgid;	/* the process that exec'd, or the child */
	__u32 exec_gen; /* exec: the generation its stacks carry from now on */
	__u32 parent;	/* fork: the parent's tgid */
};

/* Exec and fork events in flight, in bytes: 8,192 events between two reads (100 ms). */
#define PROC_EVENTS_SIZE (256 * 1024)

/* Counters every program shares (a per-CPU array, summed by user space). */
enum common_stat {
	COMMON_STAT_COLLISIONS = 0, /* a stack lost to a hash collision in both stack maps */
	COMMON_STAT_NO_USER_STACK,  /* a user task whose user stack could not be read (-EFAULT) */
	COMMON_STAT_NO_KERN_STACK,  /* a kernel-mode sample without a kernel stack */
	COMMON_STAT_STACK_ERRORS,   /* any other bpf_get_stackid error (-ENOMEM...) */
	COMMON_STAT_OVERFLOWS,	  /* a stack kept in the overflow map after a main-map collision */
	COMMON_STAT_TARGETS_FULL, /* a fork of a target could not be added to the filter */
	COMMON_STAT_FORKS,	  /* children added to the filter by sched_process_fork */
	COMMON_STAT_EVENTS_LOST,  /* exec or fork events dropped: the ring buffer was full */
	COMMON_STAT_STACKS_LOST,  /* stack copies dropped: the samples ring buffer was full */
	COMMON_STAT_REGS_ERRORS,  /* the user registers could not be read for a stack copy */
	COMMON_STAT_PY_WALKS,	  /* stack copies whose Python frames were walked */
	COMMON_STAT_PY_WALK_NS,	  /* time those walks took (bpf_ktime_get_ns) */
	COMMON_STAT_PY_FRAMES,	  /* Python frames they sent */
	COMMON_STAT_NR,
};

/* The user registers sent, in DWARF x86-64 numbering (16 is the return address: rip). */
enum singe_reg {
	SINGE_REG_AX = 0,
	SINGE_REG_DX,
	SINGE_REG_CX,
	SINGE_REG_BX,
	SINGE_REG_SI,
	SINGE_REG_DI,
	SINGE_REG_BP,
	SINGE_REG_SP,
	SINGE_REG_R8,
	SINGE_REG_R9,
	SINGE_REG_R10,
	SINGE_REG_R11,
	SINGE_REG_R12,
	SINGE_REG_R13,
	SINGE_REG_R14,
	SINGE_REG_R15,
	SINGE_REG_IP,
	SINGE_NR_REGS,
};

/* Bytes of user stack copied per sample: the default and the most (--stack-size). */
#define SINGE_DEFAULT_STACK_COPY (16 * 1024)
#define SINGE_MAX_STACK_COPY (64 * 1024)
/* The stack is read page by page, so that an unmapped page above it only ends the copy. */
#define SINGE_STACK_CHUNK 4096

enum stack_sample_flags {
	/* the copy stopped at stack_size, not at unreadable memory */
	STACK_SAMPLE_COPY_FULL = 1 << 0,
	/* auto, a process still watched: user_stack_id is its frame-pointer walk */
	STACK_SAMPLE_FP_TOO = 1 << 1,
};

/*
 * Go processes whose goroutine stacks are copied along (--unwind dwarf, auto): where the
 * running g is, from the thread's TLS, and the fields that lead to the goroutine a thread
 * on its system stack works for (m.curg) and to that goroutine's saved stack pointers
 * (g.sched). C code called through cgo, and the runtime's systemstack, run on the thread's
 * own stack; the goroutine's frames are on its own stack, which this window lets user space
 * walk.
 */
#define SINGE_MAX_GO_PROCS 4096
#define SINGE_GO_WINDOW 8192 /* bytes of the goroutine's stack copied, at most */

struct singe_go_proc {
	__s64 tls_g;	  /* offset of the g pointer from the thread pointer (fs base) */
	__u32 g_m;	  /* offsetof(runtime.g, m) */
	__u32 m_curg;	  /* offsetof(runtime.m, curg) */
	__u32 g_sched_sp; /* offsetof(runtime.g, sched.sp) */
	__u32 g_sched_bp; /* offsetof(runtime.g, sched.bp) */
};

/*
 * CPython processes whose Python frames go along with their stack copies: where the
 * interpreter keeps its thread states and frames (user space reads the version from the
 * binary and the offsets from its table, cli/sym_python.c). SINGE_PY_NO_FIELD: not in this
 * version.
 */
#define SINGE_MAX_PY_PROCS 1024
#define SINGE_PY_MAX_FRAMES 96	/* Python frames sent per sample, leaf first */
#define SINGE_PY_MAX_THREADS 64 /* thread states looked through for a thread's */
#define SINGE_PY_NO_FIELD 0xffff

struct singe_py_proc {
	__u64 runtime; /* the address of _PyRuntime in the process */
	__u16 runtime_interp_head, interp_threads_head;
	__u16 ts_next, ts_native_tid, ts_cframe, ts_current_frame;
	__u16 cframe_current_frame;
	__u16 frame_code, frame_previous, frame_prev_instr, frame_is_entry;
	__u16 code_ident; /* the code object's word sent as its identity (co_firstlineno...) */
	__u16 frame_span; /* bytes of a frame read at once: its fields above, <= the next */
	__u16 pad;
	__u64 woken_ns; /* BPF's: when a sample of it last woke user space */
};
#define SINGE_PY_WAKE_NS 20000000ULL /* 20 ms */
#define SINGE_PY_FRAME_SPAN 128	     /* a power of two: offsets are masked with it */

/*
 * One Python frame of a sample: its code object and the instruction it last began
 * (_PyInterpreterFrame.prev_instr, 2-byte aligned), with SINGE_PY_ENTRY set when the frame is
 * the first one its _PyEval_EvalFrameDefault call runs (where a C frame is in between).
 */
struct singe_py_frame {
	__u64 code;
	__u64 instr;
	/*
	 * a word of the code object (its first line and number of locals, in 3.11): a code
	 * object freed and another made at its address shows here, so user space reads it again
	 */
	__u64 ident;
};
#define SINGE_PY_ENTRY 1ULL

/* Values one sample can carry (alloc needs four: objects and bytes, allocated and in use). */
#define SINGE_MAX_VALUES 4

/*
 * Ring buffer record of 'samples': one sample whose user stack user space unwinds (--unwind
 * dwarf and auto), immediately followed by stack_len bytes of stack (the struct is a multiple
 * of 8 bytes, so they start aligned), then other_len bytes of a goroutine's stack, then py_nframes
 * Python frames (unaligned: read them with memcpy). The source tag
 * says which type sent it; its values go to that type's sample types, its label is the type's own
 * (offcpu's thread state...).
 */
struct stack_sample {
	__u32 source; /* struct singe_config.source of the program that sent it */
	__u32 tgid;
	__u32 pid;
	__u32 exec_gen;
	__s32 kern_stack_id; /* in the source's stack maps of buffer buf (its overflow map with
			      * SINGE_STACK_ID_OVERFLOW); < 0: no kernel stack */
	__u32 buf;	     /* the buffer the stack ids belong to */
	__u32 stack_len;     /* bytes copied from regs[SINGE_REG_SP] upwards */
	__u32 flags;	     /* enum stack_sample_flags */
	__s32 user_stack_id; /* with STACK_SAMPLE_FP_TOO, like kern_stack_id; else unused */
	__u32 label;	     /* the type's label value, 0 for none */
	__s64 values[SINGE_MAX_VALUES];
	/*
	 * A Go thread on its system stack (cgo, systemstack): the goroutine it works for saved
	 * its stack pointer and frame pointer here; other_len bytes of that stack from other_sp
	 * follow the stack bytes. 0 otherwise.
	 */
	__u64 other_sp, other_bp;
	__u32 other_len;
	__u32 py_nframes; /* struct singe_py_frame after the other stack's bytes */
	__u64 regs[SINGE_NR_REGS];
};

/* The ring buffer of stack samples: its size when user space does not set one. */
#define SINGE_SAMPLES_MIN_SIZE (1024 * 1024)
#define SINGE_SAMPLES_MAX_SIZE (64 * 1024 * 1024)
#define SINGE_SAMPLES_MAX_AUTO_SIZE (16 * 1024 * 1024) /* the most chosen from -F and the CPUs */

#endif /* __SINGE_COMMON_H */
