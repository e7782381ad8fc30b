/* SPDX-License-Identifier: MIT */
/*
 * The kernel <-> user ABI of the alloc profile type (bpf/alloc.bpf.c, cli/record_alloc.c):
 * sampled allocations of the malloc family with their stacks, and the frees of sampled
 * blocks. No includes of its own beyond common.h: the includer supplies __u32 and friends.
 */
#ifndef __SINGE_ALLOC_H
#define __SINGE_ALLOC_H

#include "common.h"

/*
 * Exponential variates of mean --alloc-rate bytes, drawn by user space before load (BPF has
 * no floating point): the bytes until a thread's next sample are table[random & (N - 1)].
 */
#define ALLOC_EXP_TABLE 4096
/* Threads whose sampling state is kept (an LRU: a forgotten thread draws afresh). */
#define ALLOC_MAX_THREADS 65536
/* Sampled blocks still live, over every process: a free is looked up here. */
#define ALLOC_MAX_LIVE 262144
/* Sampled calls between their entry and their return (one per thread at most). */
#define ALLOC_MAX_PENDING 16384
/*
 * Allocation and free records in flight between two drains (a second), in bytes: a Go
 * program sampled at MemProfileRate 4096 sends ~100,000 samples a second of ~150 bytes.
 */
#define ALLOC_EVENTS_SIZE (32 * 1024 * 1024)

/* The functions probed: the cookie of each probe. */
enum alloc_func {
	ALLOC_MALLOC = 0,     /* (size) */
	ALLOC_CALLOC,	      /* (nmemb, size) */
	ALLOC_REALLOC,	      /* (ptr, size): a free of ptr and an allocation of size */
	ALLOC_REALLOCARRAY,   /* (ptr, nmemb, size) */
	ALLOC_POSIX_MEMALIGN, /* (void **out, align, size): the block is *out after the return */
	ALLOC_ALIGNED_ALLOC,  /* (align, size) */
	ALLOC_MEMALIGN,	      /* (align, size) */
	ALLOC_VALLOC,	      /* (size) */
	ALLOC_PVALLOC,	      /* (size) */
	ALLOC_NR_FUNCS,
};

/* Per-thread state: the sampler, and the call the thread is in (nested calls are not counted). */
struct alloc_thread {
	__s64 left;  /* bytes until the next sample */
	__u32 depth; /* allocator calls entered and not returned (realloc calling malloc: 2) */
	__u32 pad;
	__u64 entry_sp; /* the outermost call's stack pointer at its entry */
	__u64 entry_ns; /* and when it was entered */
};

/* An outermost call older than this whose return was not seen has ended unseen. */
#define ALLOC_STALE_NS 10000000ULL

/* Key of the live map: addresses are per process. */
struct alloc_key {
	__u32 tgid;
	__u32 pad;
	__u64 addr;
};

enum alloc_event_kind {
	ALLOC_EV_ALLOC = 1, /* a sampled allocation: its block, size and stack */
	ALLOC_EV_FREE = 2,  /* a sampled block was freed (free, or realloc of it) */
	/*
	 * Go: the runtime samples its own allocations (runtime.profilealloc: addr, size,
	 * stack); the sweeper frees a sampled object's profile record when it dies
	 * (runtime.freeSpecial: addr, size).
	 */
	ALLOC_EV_GO_ALLOC = 3,
	ALLOC_EV_GO_FREE = 4,
	/*
	 * A CPython process's sampled allocation: the thread's stack as a copy (struct
	 * stack_sample whose source word says ALLOC_EV_COPY, then its bytes and Python frames),
	 * sent at the entry ahead of the allocation's event, which has ALLOC_F_COPIED and no
	 * frames. Python frames come with stack copies only.
	 */
	ALLOC_EV_COPY = 0x10000,
};

enum alloc_event_flags {
	/* the live map was full: its free will not be seen, so it is not counted in use */
	ALLOC_F_UNTRACKED = 1 << 0,
	/* its stack is the copy this thread sent before it (ALLOC_EV_COPY) */
	ALLOC_F_COPIED = 1 << 1,
};

struct alloc_head {
	__u32 kind; /* enum alloc_event_kind */
	__u32 tgid;
	__u32 tid;
	__u32 exec_gen;
	__u64 addr;
	__u64 size;	/* bytes asked for */
	__u64 time_ns;	/* bpf_ktime_get_ns() at the entry (alloc) or the free */
	__u64 leaf_ret; /* the word at SP at the entry: the allocator's caller */
	__u64 out;	/* posix_memalign: where the block's address is written */
	__u32 func;	/* enum alloc_func */
	__u32 nuser;	/* frames in user[] */
	__u32 flags;	/* enum alloc_event_flags */
	__u32 pad;
};

struct alloc_event {
	struct alloc_head h;
	__u64 user[SINGE_MAX_STACK_DEPTH];
};

/* Counters of the alloc type (a per-CPU array, summed by user space). */
enum alloc_stat {
	ALLOC_STAT_CALLS = 0, /* allocation calls of target processes (outermost only) */
	ALLOC_STAT_FREES,     /* free calls of target processes */
	ALLOC_STAT_HITS,      /* every probe hit, entries and returns, targets or not: the cost */
	ALLOC_STAT_BYTES,     /* bytes asked for by those calls */
	ALLOC_STAT_SAMPLED,   /* sampled allocations sent */
	ALLOC_STAT_FREED,     /* sampled blocks freed */
	ALLOC_STAT_NESTED,    /* calls made by the allocator itself, not counted */
	ALLOC_STAT_FAILED,    /* sampled calls that returned no block */
	ALLOC_STAT_PENDING_FULL, /* sampled calls lost: the pending map was full */
	ALLOC_STAT_LIVE_FULL,	 /* sampled blocks whose free cannot be seen: live map full */
	ALLOC_STAT_EVENTS_LOST,	 /* records dropped: the ring buffer was full */
	ALLOC_STAT_GO_SAMPLED,	 /* Go: runtime.profilealloc hits of targets (sent) */
	ALLOC_STAT_GO_FREED,	 /* Go: sampled objects swept (freeSpecial) */
	ALLOC_STAT_NR,
};

#endif /* __SINGE_ALLOC_H */
