/* SPDX-License-Identifier: MIT */
/*
 * The pause type's kernel <-> user ABI (bpf/pause.bpf.c, cli/record_pause.c): one ring
 * buffer record per pause of a language runtime, with the stack of the code that caused it.
 * No includes: the includer supplies __u32 and friends.
 */
#ifndef __SINGE_PAUSE_H
#define __SINGE_PAUSE_H

/* Frames of a triggering stack (the kernel's default kernel.perf_event_max_stack). */
#define PAUSE_MAX_DEPTH 127
/* Bytes of a Go 1.19 stopTheWorld reason string kept ("read mem stats"). */
#define PAUSE_REASON_LEN 32
/* Goroutines (or threads) between a trigger and its pause, and processes in a pause. */
#define PAUSE_MAX_PENDING 8192
/* Pause records in flight, in bytes: ~1,000 pauses between two drains. */
#define PAUSE_EVENTS_SIZE (2 * 1024 * 1024)

enum pause_runtime {
	PAUSE_RT_GO = 1,
	PAUSE_RT_PYTHON = 2,
	PAUSE_RT_JVM = 3,
};

/*
 * Go's stwReason numbering (runtime/proc.go, 1.21 to 1.23): a 1.19 binary's reasons are
 * mapped onto it (its stopTheWorld takes a string, which user space matches).
 */
enum pause_go_reason {
	PAUSE_GO_UNKNOWN = 0,
	PAUSE_GO_MARK_TERM = 1,
	PAUSE_GO_SWEEP_TERM = 2,
	PAUSE_GO_NR_REASONS = 17,
};

/* JVM pause kinds */
enum pause_jvm_kind {
	PAUSE_JVM_SAFEPOINT = 0, /* a safepoint without a GC */
	PAUSE_JVM_YOUNG_GC = 1,
	PAUSE_JVM_FULL_GC = 2,
};

/* What the last STW-capable runtime function a goroutine entered was (Go). */
enum pause_go_trigger {
	PAUSE_TRIG_GC_START = 1,  /* runtime.gcStart: a GC cycle may start (sweep termination) */
	PAUSE_TRIG_MARK_DONE = 2, /* runtime.gcMarkDone: mark termination may follow */
	PAUSE_TRIG_STOP = 3,	  /* runtime.stopTheWorld(reason): a non-GC pause */
};

enum pause_flags {
	PAUSE_F_TRIGGER_STACK = 1 << 0, /* the stack is the triggering goroutine's */
	PAUSE_F_REASON_STR = 1 << 1,	/* reason_str holds a Go 1.19 reason string */
	PAUSE_F_USDT = 1 << 2,		/* from USDT probes (else uprobes on functions) */
	PAUSE_F_STACK_COPY = 1 << 3,	/* its stack went as a stack copy (DWARF): no frames here */
};

/* A trigger kept per goroutine (or thread) until its pause starts. */
struct pause_trigger {
	__u32 kind; /* enum pause_go_trigger */
	__u32 tid;
	__u32 nframes;
	__u32 reason; /* 1.21+: stwReason of stopTheWorld */
	__u64 leaf_ret;
	__u64 sp;      /* the stack pointer at the entry */
	__u64 time_ns; /* when it was entered */
	char reason_str[PAUSE_REASON_LEN];
	__u64 frames[PAUSE_MAX_DEPTH];
};

/* A gcStart entered this long after an outer one still running is nested in it (below). */
#define PAUSE_NESTED_NS 100000000ULL

/* Per-process layout facts user space finds in a Go binary. */
struct pause_go_proc {
	__u32 g_m;	  /* offsetof(runtime.g, m) */
	__u32 m_curg;	  /* offsetof(runtime.m, curg) */
	__u32 has_reason; /* 1.21+: stopTheWorldWithSema(reason) in AL */
	__u32 pad;
};

struct pause_event {
	__u64 start_ns, end_ns; /* CLOCK_MONOTONIC */
	__u32 tgid;
	__u32 tid; /* the triggering thread, else the thread that paused */
	__u32 exec_gen;
	__u16 runtime;	 /* enum pause_runtime */
	__u16 reason;	 /* Go: enum pause_go_reason; Python: generation; JVM: kind */
	__u32 cycle;	 /* Go: the GC cycle (counted from the recording's start), 0 for none */
	__u32 flags;	 /* enum pause_flags */
	__s64 collected; /* Python: objects collected; -1 unknown */
	__u64 leaf_ret;
	__u32 nframes;
	__u32 pad;
	char reason_str[PAUSE_REASON_LEN];
	__u64 frames[PAUSE_MAX_DEPTH];
};

enum pause_stat {
	PAUSE_STAT_PAUSES = 0, /* pauses sent */
	PAUSE_STAT_LOST,       /* pauses lost: the ring buffer was full */
	PAUSE_STAT_UNPAIRED,   /* an end without a start (recording began mid-pause) */
	PAUSE_STAT_NR,
};

#endif /* __SINGE_PAUSE_H */
