// SPDX-License-Identifier: MIT
/*
 * -t pause: language runtime pauses as a profile, each charged to the stack of the code that
 * caused it.
 *
 * Go: a stop-the-world pause runs from the entry of runtime.stopTheWorldWithSema to the
 * return of runtime.startTheWorldWithSema (Go's own definition, the /sched/pauses/total metrics).
 * The return is probed with uprobes on the function's RET instructions, never a uretprobe (it
 * rewrites a return address, which Go's stack copying and unwinder do not survive). Both
 * run on the system stack (g0), so the goroutine that wanted the pause is found through
 * g0.m.curg, and its stack is the one taken when it entered runtime.gcStart (a GC cycle;
 * both of the cycle's pauses are charged to it) or runtime.stopTheWorld (other reasons).
 * Triggers are kept per goroutine, not per thread: a goroutine that waits for worldsema may
 * resume on another thread. worldsema serialises the pauses of a process, so one pause per
 * process is in progress at a time.
 */
#include "vmlinux.h"

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

#include "common.bpf.h"
#include "pause.h"
#include "proc.bpf.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct trigger_key {
	__u32 tgid;
	__u32 pad;
	__u64 g; /* the goroutine (runtime.g pointer) */
};

/* The last STW-capable function each goroutine entered, with its stack. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PAUSE_MAX_PENDING);
	__type(key, struct trigger_key);
	__type(value, struct pause_trigger);
} go_triggers SEC(".maps");

/* Per process: the trigger of its current GC cycle (mark termination is charged to it too). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PAUSE_MAX_PENDING);
	__type(key, __u32);
	__type(value, struct pause_trigger);
} go_cycle_trigger SEC(".maps");

/* Per process: GC cycles begun since the recording started. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PAUSE_MAX_PENDING);
	__type(key, __u32);
	__type(value, __u32);
} go_cycles SEC(".maps");

/* Per process: the pause in progress. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PAUSE_MAX_PENDING);
	__type(key, __u32);
	__type(value, struct pause_event);
} in_pause SEC(".maps");

/* Go processes: the layout facts of their binary (user space fills it per image). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PAUSE_MAX_PENDING);
	__type(key, __u32);
	__type(value, struct pause_go_proc);
} pause_go_procs SEC(".maps");

/* Where records are built: too big for the BPF stack. */
struct pause_scratch {
	struct pause_event ev;
	struct pause_trigger trig;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pause_scratch);
} pause_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, PAUSE_EVENTS_SIZE);
} pause_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PAUSE_STAT_NR);
	__type(key, __u32);
	__type(value, __u64);
} pause_stats SEC(".maps");

static __always_inline void pause_stat_inc(__u32 stat)
{
	__u64 *val = bpf_map_lookup_elem(&pause_stats, &stat);

	if (val)
		(*val)++;
}

static __always_inline struct pause_scratch *get_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&pause_scratch, &zero);
}

/*
 * The user stack at a function's entry, by frame pointers, and the return address at the
 * stack pointer: the entry has not pushed its frame yet, so the walk skips its caller, which
 * user space puts back from leaf_ret.
 */
static __always_inline void take_stack(struct pt_regs *ctx, struct pause_trigger *t)
{
	long n = bpf_get_stack(ctx, t->frames, sizeof(t->frames), BPF_F_USER_STACK);

	t->nframes = n > 0 ? n / sizeof(__u64) : 0;
	t->leaf_ret = user_word(PT_REGS_SP(ctx));
}

/* Remember what goroutine ctx->r14 (the running g, Go's ABI) entered; with its stack. */
static __always_inline struct pause_trigger *start_trigger(struct pt_regs *ctx, __u32 kind,
							   bool stack)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pause_scratch *sc;
	__u32 tgid = id >> 32;

	if (!is_target(tgid) || !(sc = get_scratch()))
		return NULL;
	sc->trig.kind = kind;
	sc->trig.tid = (__u32)id;
	sc->trig.reason = 0;
	sc->trig.reason_str[0] = '\0';
	sc->trig.nframes = 0;
	sc->trig.leaf_ret = 0;
	sc->trig.sp = PT_REGS_SP(ctx);
	sc->trig.time_ns = bpf_ktime_get_ns();
	if (stack)
		take_stack(ctx, &sc->trig);
	return &sc->trig;
}

static __always_inline void keep_trigger(struct pt_regs *ctx, struct pause_trigger *t)
{
	struct trigger_key key = {.tgid = bpf_get_current_pid_tgid() >> 32, .g = ctx->r14};

	bpf_map_update_elem(&go_triggers, &key, t, BPF_ANY);
}

/*
 * A gcStart nested in another of the same goroutine (the outer one allocates while it waits
 * for a semaphore, and that allocation calls gcStart again): deeper on the same stack, soon
 * after. The outer call's stack is the one that names the allocating code; keep it.
 */
static __always_inline bool nested_gc_start(struct pt_regs *ctx, __u64 now)
{
	struct trigger_key key = {.tgid = bpf_get_current_pid_tgid() >> 32, .g = ctx->r14};
	struct pause_trigger *outer = bpf_map_lookup_elem(&go_triggers, &key);

	return outer && outer->kind == PAUSE_TRIG_GC_START && outer->sp > PT_REGS_SP(ctx) &&
	       now - outer->time_ns < PAUSE_NESTED_NS;
}

SEC("uprobe")
int go_gc_start(struct pt_regs *ctx)
{
	struct pause_trigger *t;

	if (nested_gc_start(ctx, bpf_ktime_get_ns()))
		return 0;
	t = start_trigger(ctx, PAUSE_TRIG_GC_START, true);
	if (t)
		keep_trigger(ctx, t);
	return 0;
}

SEC("uprobe")
int go_mark_done(struct pt_regs *ctx)
{
	struct pause_trigger *t = start_trigger(ctx, PAUSE_TRIG_MARK_DONE, false);

	if (t)
		keep_trigger(ctx, t);
	return 0;
}

/* runtime.stopTheWorld(reason stwReason), Go 1.21+: the reason in AL. */
SEC("uprobe")
int go_stop_request(struct pt_regs *ctx)
{
	struct pause_trigger *t = start_trigger(ctx, PAUSE_TRIG_STOP, true);

	if (t) {
		t->reason = ctx->ax & 0xff;
		keep_trigger(ctx, t);
	}
	return 0;
}

/* runtime.stopTheWorld(reason string), Go 1.19: the string's pointer in AX, length in BX. */
SEC("uprobe")
int go_stop_request_str(struct pt_regs *ctx)
{
	struct pause_trigger *t = start_trigger(ctx, PAUSE_TRIG_STOP, true);
	__u64 len;

	if (!t)
		return 0;
	len = ctx->bx;
	if (len > PAUSE_REASON_LEN - 1)
		len = PAUSE_REASON_LEN - 1;
	if (bpf_probe_read_user(t->reason_str, len, (void *)ctx->ax))
		len = 0;
	t->reason_str[len & (PAUSE_REASON_LEN - 1)] = '\0';
	keep_trigger(ctx, t);
	return 0;
}

/* The reason of a Go 1.19 pause, which stopTheWorldWithSema is not told: from the trigger. */
static __always_inline __u32 reason_of_trigger(const struct pause_trigger *t)
{
	if (!t)
		return PAUSE_GO_UNKNOWN;
	if (t->kind == PAUSE_TRIG_GC_START)
		return PAUSE_GO_SWEEP_TERM;
	if (t->kind == PAUSE_TRIG_MARK_DONE)
		return PAUSE_GO_MARK_TERM;
	return PAUSE_GO_UNKNOWN; /* a stopTheWorld: user space reads its string */
}

static __always_inline void copy_stack(struct pause_event *ev, const struct pause_trigger *t)
{
	__u32 n = t->nframes;

	if (n > PAUSE_MAX_DEPTH)
		n = PAUSE_MAX_DEPTH;
	__builtin_memcpy(ev->frames, t->frames, sizeof(ev->frames));
	ev->nframes = n;
	ev->leaf_ret = t->leaf_ret;
	ev->tid = t->tid;
	ev->flags |= PAUSE_F_TRIGGER_STACK;
}

/* A GC cycle begins: count it and keep its trigger for its mark termination. */
static __always_inline __u32 begin_cycle(__u32 tgid, const struct pause_trigger *t)
{
	__u32 one = 1, *n = bpf_map_lookup_elem(&go_cycles, &tgid);

	if (t)
		bpf_map_update_elem(&go_cycle_trigger, &tgid, t, BPF_ANY);
	/* pauses of a process are serialised (worldsema): no atomics needed */
	if (n)
		return ++*n;
	bpf_map_update_elem(&go_cycles, &tgid, &one, BPF_NOEXIST);
	return 1;
}

static __always_inline __u32 current_cycle(__u32 tgid)
{
	__u32 *n = bpf_map_lookup_elem(&go_cycles, &tgid);

	return n ? *n : 0;
}

/* runtime.stopTheWorldWithSema entry, on g0: the pause starts. */
SEC("uprobe")
int go_stw_start(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid(), now = bpf_ktime_get_ns(), g0, m;
	struct trigger_key key = {.tgid = id >> 32};
	const struct pause_trigger *t = NULL, *cycle_t;
	struct pause_go_proc *go;
	struct pause_scratch *sc;
	struct pause_event *ev;
	__u32 tgid = id >> 32;

	if (!is_target(tgid) || !(sc = get_scratch()))
		return 0;
	go = bpf_map_lookup_elem(&pause_go_procs, &tgid);
	if (!go)
		return 0;
	g0 = ctx->r14;
	m = user_word(g0 + go->g_m);
	key.g = m ? user_word(m + go->m_curg) : 0;
	if (key.g)
		t = bpf_map_lookup_elem(&go_triggers, &key);
	ev = &sc->ev;
	ev->start_ns = now;
	ev->end_ns = 0;
	ev->tgid = tgid;
	ev->tid = (__u32)id;
	ev->exec_gen = exec_gen_of(tgid);
	ev->runtime = PAUSE_RT_GO;
	ev->reason = go->has_reason ? (ctx->ax & 0xff) : reason_of_trigger(t);
	ev->flags = 0;
	ev->collected = -1;
	ev->nframes = 0;
	ev->leaf_ret = 0;
	ev->reason_str[0] = '\0';
	if (ev->reason == PAUSE_GO_SWEEP_TERM) {
		ev->cycle = begin_cycle(tgid, t && t->kind == PAUSE_TRIG_GC_START ? t : NULL);
		if (t && t->kind == PAUSE_TRIG_GC_START)
			copy_stack(ev, t);
	} else if (ev->reason == PAUSE_GO_MARK_TERM) {
		ev->cycle = current_cycle(tgid);
		cycle_t = bpf_map_lookup_elem(&go_cycle_trigger, &tgid);
		if (cycle_t)
			copy_stack(ev, cycle_t);
	} else {
		ev->cycle = 0;
		if (t && t->kind == PAUSE_TRIG_STOP) {
			copy_stack(ev, t);
			if (!go->has_reason) {
				__builtin_memcpy(ev->reason_str, t->reason_str, PAUSE_REASON_LEN);
				ev->flags |= PAUSE_F_REASON_STR;
			}
		}
	}
	if (!(ev->flags & PAUSE_F_TRIGGER_STACK)) {
		/* no trigger seen (probes attached mid-cycle): the runtime's own stack */
		long n = bpf_get_stack(ctx, ev->frames, sizeof(ev->frames), BPF_F_USER_STACK);

		ev->nframes = n > 0 ? n / sizeof(__u64) : 0;
	}
	if (t)
		bpf_map_delete_elem(&go_triggers, &key);
	bpf_map_update_elem(&in_pause, &tgid, ev, BPF_ANY);
	return 0;
}

/*
 * Each RET of runtime.startTheWorldWithSema: the pause ends. It returns (AX, every version
 * 1.19 to 1.23) the nanotime() it took once every P was handed out, before it wakes a spare
 * P: Go's own end of the pause (/sched/pauses/total, gctrace). The RET itself can come much
 * later: that wakeup lets the kernel run the woken thread first on a busy machine. nanotime()
 * and bpf_ktime_get_ns() are both CLOCK_MONOTONIC; a value out of [start, now] is not
 * trusted.
 */
SEC("uprobe")
int go_stw_end(struct pt_regs *ctx)
{
	__u64 now = bpf_ktime_get_ns(), end = ctx->ax;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct pause_event *ev = bpf_map_lookup_elem(&in_pause, &tgid);

	if (!ev) {
		if (is_target(tgid))
			pause_stat_inc(PAUSE_STAT_UNPAIRED);
		return 0;
	}
	ev->end_ns = end >= ev->start_ns && end <= now ? end : now;
	if (bpf_ringbuf_output(&pause_events, ev, sizeof(*ev), 0))
		pause_stat_inc(PAUSE_STAT_LOST);
	else
		pause_stat_inc(PAUSE_STAT_PAUSES);
	bpf_map_delete_elem(&in_pause, &tgid);
	return 0;
}

/* --- CPython ----------------------------------------------------------------------------- */

struct py_start {
	__u64 start_ns;
	__s64 generation;
	__u32 flags;
};

/* Per thread: the collection in progress. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PAUSE_MAX_PENDING);
	__type(key, __u32);
	__type(value, struct py_start);
} py_starts SEC(".maps");

static __always_inline void py_begin(__s64 generation, __u32 flags)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct py_start st = {
		.start_ns = bpf_ktime_get_ns(), .generation = generation, .flags = flags};
	__u32 tid = (__u32)id;

	if (!is_target(id >> 32))
		return;
	bpf_map_update_elem(&py_starts, &tid, &st, BPF_ANY);
}

/*
 * The thread's registers and user stack as a stack copy (with --unwind dwarf or auto), values
 * and label filled in: the engine unwinds it with the binaries' CFI. False when no copy can be
 * made (--unwind fp).
 */
static __always_inline bool send_stack(const struct pause_event *ev)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct stack_scratch *sc;

	if (setup.unwind_mode == SINGE_UNWIND_FP)
		return false;
	sc = start_stack_copy(task, ev->tgid, ev->tid, ev->exec_gen);
	if (!sc)
		return false;
	sc->s.values[0] = 1;
	sc->s.values[1] = ev->end_ns - ev->start_ns;
	sc->s.label = (__u32)ev->runtime << 8 | ev->reason;
	send_stack_copy(task, sc, false);
	return true;
}

/* Send the pause that began at st and ends now, with the current thread's stack. */
static __always_inline void send_pause(struct pt_regs *ctx, const struct py_start *st,
				       __u16 runtime, __s64 collected)
{
	__u64 id = bpf_get_current_pid_tgid(), now = bpf_ktime_get_ns();
	__u32 tid = (__u32)id, tgid = id >> 32;
	struct pause_scratch *sc = get_scratch();
	struct pause_event *ev;
	long n;

	if (!sc)
		return;
	ev = &sc->ev;
	ev->start_ns = st->start_ns;
	ev->end_ns = now;
	ev->tgid = tgid;
	ev->tid = tid;
	ev->exec_gen = exec_gen_of(tgid);
	ev->runtime = runtime;
	ev->reason = st->generation >= 0 && st->generation < 256 ? st->generation : 255;
	ev->cycle = 0;
	ev->flags = st->flags;
	ev->collected = collected;
	ev->reason_str[0] = '\0';
	ev->nframes = 0;
	ev->leaf_ret = 0;
	/* CPython and libjvm keep no frame pointers (Debian's): the stack goes as a copy */
	if (send_stack(ev))
		ev->flags |= PAUSE_F_STACK_COPY;
	else if ((n = bpf_get_stack(ctx, ev->frames, sizeof(ev->frames), BPF_F_USER_STACK)) > 0)
		ev->nframes = n / sizeof(__u64);
	if (bpf_ringbuf_output(&pause_events, ev, sizeof(*ev), 0))
		pause_stat_inc(PAUSE_STAT_LOST);
	else
		pause_stat_inc(PAUSE_STAT_PAUSES);
}

static __always_inline void py_end(struct pt_regs *ctx, __s64 collected)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct py_start *st = bpf_map_lookup_elem(&py_starts, &tid);

	if (!st) {
		if (is_target(id >> 32))
			pause_stat_inc(PAUSE_STAT_UNPAIRED);
		return;
	}
	send_pause(ctx, st, PAUSE_RT_PYTHON, collected);
	bpf_map_delete_elem(&py_starts, &tid);
}

/* --- JVM -------------------------------------------------------------------------------- */

/* Per JVM: the safepoint in progress. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PAUSE_MAX_PENDING);
	__type(key, __u32);
	__type(value, struct py_start);
} jvm_starts SEC(".maps");

SEC("usdt")
int jvm_safepoint_begin(struct pt_regs *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct py_start st = {.start_ns = bpf_ktime_get_ns(),
			      .generation = PAUSE_JVM_SAFEPOINT,
			      .flags = PAUSE_F_USDT};

	if (is_target(tgid))
		bpf_map_update_elem(&jvm_starts, &tgid, &st, BPF_ANY);
	return 0;
}

/* hotspot:gc__begin(bool full), inside the safepoint: its kind */
SEC("usdt")
int jvm_gc_begin(struct pt_regs *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct py_start *st = bpf_map_lookup_elem(&jvm_starts, &tgid);
	long full = 0;

	if (!st)
		return 0;
	bpf_usdt_arg(ctx, 0, &full);
	st->generation = full & 0xff ? PAUSE_JVM_FULL_GC : PAUSE_JVM_YOUNG_GC;
	return 0;
}

SEC("usdt")
int jvm_safepoint_end(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	struct py_start *st = bpf_map_lookup_elem(&jvm_starts, &tgid);

	if (!st) {
		if (is_target(tgid))
			pause_stat_inc(PAUSE_STAT_UNPAIRED);
		return 0;
	}
	send_pause(ctx, st, PAUSE_RT_JVM, -1);
	bpf_map_delete_elem(&jvm_starts, &tgid);
	return 0;
}

/* python:gc__start(int generation) */
SEC("usdt")
int py_gc_start(struct pt_regs *ctx)
{
	long generation = -1;

	bpf_usdt_arg(ctx, 0, &generation);
	py_begin((int)generation, PAUSE_F_USDT);
	return 0;
}

/* python:gc__done(Py_ssize_t collected + uncollectable) */
SEC("usdt")
int py_gc_done(struct pt_regs *ctx)
{
	long collected = -1;

	bpf_usdt_arg(ctx, 0, &collected);
	py_end(ctx, collected);
	return 0;
}

/* gc_collect_main(PyThreadState *tstate, int generation, ...), 3.9 to 3.12 */
SEC("uprobe")
int py_gc_entry(struct pt_regs *ctx)
{
	py_begin((int)PT_REGS_PARM2(ctx), 0);
	return 0;
}

/* its return: Py_ssize_t collected + uncollectable, what gc__done is given */
SEC("uretprobe")
int py_gc_return(struct pt_regs *ctx)
{
	py_end(ctx, (long)PT_REGS_RC(ctx));
	return 0;
}
