// SPDX-License-Identifier: MIT
/*
 * Native allocations: uprobes at the entries of the malloc family and free, and uretprobes
 * at the returns of the allocating functions, in the allocator a target maps (libc, or a
 * statically linked binary's own). Never on Go code (a uretprobe rewrites the return address
 * on a stack Go may move): user space attaches these only to C allocators.
 *
 * Sampling is by bytes, as Go, tcmalloc and jemalloc do: each thread counts down the bytes
 * until its next sample, an exponential variate of mean --alloc-rate; the allocation that
 * takes it to zero or below is sampled, and a fresh variate is drawn (memoryless, so the
 * chance that an allocation of s bytes is sampled is 1 - exp(-s / rate), whatever came
 * before; user space scales it back by that). A sampled call's stack is taken at the entry
 * and kept until the return gives its block, which goes into the live map; a free (or
 * realloc) of a live block is told to user space. Only sampled blocks are tracked.
 *
 * glibc's allocator calls itself (realloc(NULL, n) calls malloc, reallocarray calls
 * realloc, realloc(p, 0) calls free): a call entered while the thread is inside the
 * allocator, as deep on its stack or deeper, is the allocator's own and is not counted. A
 * thread whose outer call's return was never seen (probes attached or detached mid-call) is
 * recognised by its stack pointer, a call above that entry, or by the time, 10 ms after it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "alloc.h"
#include "common.bpf.h"
#include "proc.bpf.h"

/* Filled by user space after load: -ln(U) x rate, at least 1 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ALLOC_EXP_TABLE);
	__type(key, __u32);
	__type(value, __u64);
} alloc_exp SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, ALLOC_MAX_THREADS);
	__type(key, __u32);
	__type(value, struct alloc_thread);
} alloc_threads SEC(".maps");

/* tid -> the sampled call it is in, until its return */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ALLOC_MAX_PENDING);
	__type(key, __u32);
	__type(value, struct alloc_event);
} alloc_pending SEC(".maps");

/* (tgid, address) of sampled blocks not freed yet */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ALLOC_MAX_LIVE);
	__type(key, struct alloc_key);
	__type(value, __u8);
} alloc_live SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, ALLOC_EVENTS_SIZE);
} alloc_events SEC(".maps");

/* Where a sampled call's record is built (too big for the BPF stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct alloc_event);
} alloc_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ALLOC_STAT_NR);
	__type(key, __u32);
	__type(value, __u64);
} alloc_stats SEC(".maps");

static __always_inline void alloc_stat_add(__u32 stat, __u64 n)
{
	__u64 *val = bpf_map_lookup_elem(&alloc_stats, &stat);

	if (val)
		*val += n;
}

/* Bytes until the next sample: an exponential variate of mean --alloc-rate. */
static __always_inline __s64 next_sample(void)
{
	__u32 i = bpf_get_prandom_u32() & (ALLOC_EXP_TABLE - 1);
	__u64 *v = bpf_map_lookup_elem(&alloc_exp, &i);

	return v && *v ? (__s64)*v : 1;
}

/* The thread's state, a new thread drawing its first countdown. */
static __always_inline struct alloc_thread *thread_of(__u32 tid)
{
	struct alloc_thread *th = bpf_map_lookup_elem(&alloc_threads, &tid), init = {};

	if (th)
		return th;
	init.left = next_sample();
	return bpf_map_lookup_or_try_init(&alloc_threads, &tid, &init);
}

/*
 * Is the thread inside the allocator already (this call is its own)? sp below the outer
 * call's entry: deeper, so nested; at the same sp: a tail call (glibc's realloc(NULL, n)
 * jumps to malloc). Above it, or long after it: the outer call returned unseen.
 */
static __always_inline bool nested(const struct alloc_thread *th, __u64 sp, __u64 now)
{
	return th->depth && sp <= th->entry_sp && now - th->entry_ns < ALLOC_STALE_NS;
}

/* A sampled block of the process was freed: forget it and tell user space. */
static __always_inline void free_sampled(__u32 tgid, __u64 addr)
{
	struct alloc_key key = {.tgid = tgid, .addr = addr};
	struct alloc_head e = {.kind = ALLOC_EV_FREE, .tgid = tgid, .addr = addr};

	if (bpf_map_delete_elem(&alloc_live, &key))
		return;
	e.tid = (__u32)bpf_get_current_pid_tgid();
	e.time_ns = bpf_ktime_get_ns();
	if (bpf_ringbuf_output(&alloc_events, &e, sizeof(e), BPF_RB_NO_WAKEUP))
		alloc_stat_add(ALLOC_STAT_EVENTS_LOST, 1);
	else
		alloc_stat_add(ALLOC_STAT_FREED, 1);
}

/* a x b, 0 when it overflows (the call fails without allocating) */
static __always_inline __u64 mul_size(__u64 a, __u64 b)
{
	__u64 max = ~0ULL;

	if (!(a >> 32) && !(b >> 32))
		return a * b;
	/* hidden from clang, which would turn the test into a 128-bit multiply BPF lacks */
	asm volatile("" : "+r"(max));
	if (b && a > max / b)
		return 0;
	return a * b;
}

/*
 * A CPython process: the allocating thread's stack as a copy with its Python frames, into
 * alloc_events ahead of the allocation's own event (one ring: user space has it first). True
 * when sent.
 */
static __always_inline bool send_entry_copy(__u32 tgid, __u32 tid, __u32 exec_gen)
{
	struct stack_scratch *sc;
	__u64 size;
	bool wake;

	if (!bpf_map_lookup_elem(&py_procs, &tgid))
		return false;
	sc = start_stack_copy(bpf_get_current_task_btf(), tgid, tid, exec_gen);
	if (!sc)
		return false;
	copy_user_stack(sc);
	wake = copy_python_frames(sc, NULL);
	sc->s.source = ALLOC_EV_COPY; /* where an event's kind is */
	size = stack_copy_size(sc);
	if (size > sizeof(*sc) ||
	    bpf_ringbuf_output(&alloc_events, sc, size,
			       wake ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP)) {
		alloc_stat_add(ALLOC_STAT_EVENTS_LOST, 1);
		return false;
	}
	return true;
}

SEC("uprobe")
int alloc_entry(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid(), size, old = 0, out = 0, now;
	__u32 tgid = id >> 32, tid = (__u32)id, func, zero = 0;
	struct alloc_thread *th;
	struct alloc_event *e;
	long n;

	alloc_stat_add(ALLOC_STAT_HITS, 1);
	if (!is_target(tgid))
		return 0;
	th = thread_of(tid);
	if (!th)
		return 0;
	now = bpf_ktime_get_ns();
	if (nested(th, ctx->sp, now)) {
		th->depth++;
		alloc_stat_add(ALLOC_STAT_NESTED, 1);
		return 0;
	}
	th->depth = 1;
	th->entry_sp = ctx->sp;
	th->entry_ns = now;
	func = (__u32)bpf_get_attach_cookie(ctx);
	switch (func) {
	case ALLOC_CALLOC:
		size = mul_size(ctx->di, ctx->si);
		break;
	case ALLOC_REALLOC:
		old = ctx->di;
		size = ctx->si;
		break;
	case ALLOC_REALLOCARRAY:
		old = ctx->di;
		size = mul_size(ctx->si, ctx->dx);
		break;
	case ALLOC_POSIX_MEMALIGN:
		out = ctx->di;
		size = ctx->dx;
		break;
	case ALLOC_ALIGNED_ALLOC:
	case ALLOC_MEMALIGN:
		size = ctx->si;
		break;
	default: /* malloc, valloc, pvalloc */
		size = ctx->di;
		break;
	}
	/* realloc ends the old block's life: its new one is a new allocation */
	if (old)
		free_sampled(tgid, old);
	alloc_stat_add(ALLOC_STAT_CALLS, 1);
	alloc_stat_add(ALLOC_STAT_BYTES, size);
	th->left -= (__s64)size;
	if (th->left > 0 || !size)
		return 0;
	th->left = next_sample();
	e = bpf_map_lookup_elem(&alloc_scratch, &zero);
	if (!e)
		return 0;
	e->h.kind = ALLOC_EV_ALLOC;
	e->h.tgid = tgid;
	e->h.tid = tid;
	e->h.exec_gen = exec_gen_of(tgid);
	e->h.addr = 0;
	e->h.size = size;
	e->h.time_ns = now;
	/* at the entry nothing is pushed yet: the word at SP is the return into the caller */
	e->h.leaf_ret = user_word(ctx->sp);
	e->h.out = out;
	e->h.func = func;
	e->h.flags = 0;
	e->h.pad = 0;
	if (send_entry_copy(tgid, tid, e->h.exec_gen)) {
		e->h.flags = ALLOC_F_COPIED;
		e->h.nuser = 0;
	} else {
		n = bpf_get_stack(ctx, e->user, sizeof(e->user), BPF_F_USER_STACK);
		e->h.nuser = n > 0 ? n / sizeof(__u64) : 0;
	}
	if (bpf_map_update_elem(&alloc_pending, &tid, e, BPF_ANY)) {
		alloc_stat_add(ALLOC_STAT_PENDING_FULL, 1);
		return 0;
	}
	remember_comm(bpf_get_current_task_btf(), tgid, tid);
	return 0;
}

SEC("uretprobe")
int alloc_return(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid(), addr, size;
	__u32 tid = (__u32)id, tgid = id >> 32;
	struct alloc_key key = {.tgid = tgid};
	struct alloc_thread *th;
	struct alloc_event *e;
	__u8 one = 1;

	alloc_stat_add(ALLOC_STAT_HITS, 1);
	th = bpf_map_lookup_elem(&alloc_threads, &tid);
	if (!th || !th->depth)
		return 0;
	if (--th->depth)
		return 0; /* the allocator's own call returned */
	e = bpf_map_lookup_elem(&alloc_pending, &tid);
	if (!e)
		return 0;
	addr = e->h.func == ALLOC_POSIX_MEMALIGN ? (ctx->ax ? 0 : user_word(e->h.out)) : ctx->ax;
	if (!addr) {
		alloc_stat_add(ALLOC_STAT_FAILED, 1);
		bpf_map_delete_elem(&alloc_pending, &tid);
		return 0;
	}
	e->h.addr = addr;
	key.addr = addr;
	if (bpf_map_update_elem(&alloc_live, &key, &one, BPF_ANY)) {
		e->h.flags |= ALLOC_F_UNTRACKED;
		alloc_stat_add(ALLOC_STAT_LIVE_FULL, 1);
	}
	size = sizeof(e->h) + (__u64)e->h.nuser * sizeof(__u64);
	if (size > sizeof(*e) || bpf_ringbuf_output(&alloc_events, e, size, BPF_RB_NO_WAKEUP)) {
		bpf_map_delete_elem(&alloc_live, &key);
		alloc_stat_add(ALLOC_STAT_EVENTS_LOST, 1);
	} else {
		alloc_stat_add(ALLOC_STAT_SAMPLED, 1);
	}
	bpf_map_delete_elem(&alloc_pending, &tid);
	return 0;
}

SEC("uprobe")
int free_entry(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid(), ptr = ctx->di;
	__u32 tgid = id >> 32, tid = (__u32)id;
	struct alloc_thread *th;

	alloc_stat_add(ALLOC_STAT_HITS, 1);
	if (!ptr || !is_target(tgid))
		return 0;
	th = bpf_map_lookup_elem(&alloc_threads, &tid);
	if (th && nested(th, ctx->sp, bpf_ktime_get_ns())) {
		/* realloc(p, 0) freeing p: its entry has told of it already */
		alloc_stat_add(ALLOC_STAT_NESTED, 1);
		return 0;
	}
	alloc_stat_add(ALLOC_STAT_FREES, 1);
	free_sampled(tgid, ptr);
	return 0;
}

/*
 * An allocation sampled before any program here saw it (by the preloaded library, or by Go's
 * runtime): its block, size and stack to user space, counted in stat. At the entry of the
 * probed function the word at SP is the return into its caller.
 */
static __always_inline int send_sampled(struct pt_regs *ctx, __u32 kind, __u64 addr, __u64 size,
					__u32 stat)
{
	__u64 id = bpf_get_current_pid_tgid(), len;
	__u32 tgid = id >> 32, zero = 0;
	struct alloc_event *e;
	long n;

	alloc_stat_add(ALLOC_STAT_HITS, 1);
	if (!is_target(tgid))
		return 0;
	e = bpf_map_lookup_elem(&alloc_scratch, &zero);
	if (!e)
		return 0;
	e->h.kind = kind;
	e->h.tgid = tgid;
	e->h.tid = (__u32)id;
	e->h.exec_gen = exec_gen_of(tgid);
	e->h.addr = addr;
	e->h.size = size;
	e->h.time_ns = bpf_ktime_get_ns();
	e->h.leaf_ret = user_word(ctx->sp);
	e->h.out = 0;
	e->h.func = 0;
	e->h.flags = 0;
	e->h.pad = 0;
	n = bpf_get_stack(ctx, e->user, sizeof(e->user), BPF_F_USER_STACK);
	e->h.nuser = n > 0 ? n / sizeof(__u64) : 0;
	len = sizeof(e->h) + (__u64)e->h.nuser * sizeof(__u64);
	if (len > sizeof(*e) || bpf_ringbuf_output(&alloc_events, e, len, BPF_RB_NO_WAKEUP)) {
		alloc_stat_add(ALLOC_STAT_EVENTS_LOST, 1);
		return 0;
	}
	alloc_stat_add(stat, 1);
	remember_comm(bpf_get_current_task_btf(), tgid, (__u32)id);
	return 0;
}

/* A sampled block was freed (told by the preloaded library, or Go's sweeper), counted in stat. */
static __always_inline void send_freed(__u64 id, __u32 kind, __u64 addr, __u64 size, __u32 stat)
{
	struct alloc_head e = {
		.kind = kind, .tgid = id >> 32, .tid = (__u32)id, .addr = addr, .size = size};

	e.time_ns = bpf_ktime_get_ns();
	if (bpf_ringbuf_output(&alloc_events, &e, sizeof(e), BPF_RB_NO_WAKEUP))
		alloc_stat_add(ALLOC_STAT_EVENTS_LOST, 1);
	else
		alloc_stat_add(stat, 1);
}

/*
 * --alloc-preload: libsinge-alloc.so in the program samples by bytes itself and calls
 * singe_alloc_sampled(block DI, size SI) for a sampled allocation and singe_alloc_freed(block
 * DI) when it is freed: one trap per sample, none per call. The caller is the library's
 * malloc, calloc...
 */
SEC("uprobe")
int preload_sampled(struct pt_regs *ctx)
{
	return send_sampled(ctx, ALLOC_EV_ALLOC, ctx->di, ctx->si, ALLOC_STAT_SAMPLED);
}

SEC("uprobe")
int preload_freed(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();

	alloc_stat_add(ALLOC_STAT_HITS, 1);
	if (is_target(id >> 32))
		send_freed(id, ALLOC_EV_FREE, ctx->di, 0, ALLOC_STAT_FREED);
	return 0;
}

/*
 * Go: the runtime's own sampler (one hit per MemProfileRate bytes on average), so nothing is
 * sampled here. Go's register ABI: runtime.profilealloc(mp AX, x BX, size CX), the
 * allocating goroutine's stack from its frame pointers (the caller: mallocgc). Never a
 * uretprobe on Go code.
 */
SEC("uprobe")
int go_profilealloc(struct pt_regs *ctx)
{
	return send_sampled(ctx, ALLOC_EV_GO_ALLOC, ctx->bx, ctx->cx, ALLOC_STAT_GO_SAMPLED);
}

/*
 * runtime.freeSpecial(s AX, p BX, size CX): the sweeper frees a special record of the dead
 * object p; a profile special (kind, in the cookie: 2 before Go 1.23, 3 since) means a
 * sampled object died. The kind is the byte after special.next and special.offset.
 */
SEC("uprobe")
int go_free_special(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u8 kind = 0;

	alloc_stat_add(ALLOC_STAT_HITS, 1);
	if (!is_target(id >> 32))
		return 0;
	if (bpf_probe_read_user(&kind, 1, (void *)(ctx->ax + 10)) ||
	    kind != (__u8)bpf_get_attach_cookie(ctx))
		return 0;
	send_freed(id, ALLOC_EV_GO_FREE, ctx->bx, ctx->cx, ALLOC_STAT_GO_FREED);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
