// SPDX-License-Identifier: MIT
/*
 * Off-CPU time: how long target threads stay switched out, charged to their user and kernel
 * stacks at the switch-out, with the thread state, aggregated in the kernel (the pattern of
 * bcc's libbpf-tools/offcputime, on tp_btf: these kernels have no kprobes).
 *
 *   sched_switch, prev a target   remember (time, state, stacks) in 'start' by tid
 *   sched_switch, next in 'start' the block is now - time: add it to counts<active> when it is
 *                                 within [min_block_ns, max_block_ns]
 *   sched_waking (--wakers)       the waker's stacks, by the blocked wakee's tid, joined at
 *                                 its switch-in (sched_waking runs in the waker's context;
 *                                 sched_wakeup may run on the wakee's CPU after an IPI)
 *
 * A user stack (a frame-pointer walk, or a copy for --unwind dwarf and auto) is taken once
 * per place a thread blocks at and reused after (see 'places' and bpf/offcpu.h); kernel
 * stacks are walked at every switch-out. The process filter, exec generations and comms are
 * common.bpf.h's, fork/exec/exit tracking proc.bpf.h's.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "common.bpf.h"
#include "offcpu.h"
#include "proc.bpf.h"

#define PF_KTHREAD 0x00200000 /* include/linux/sched.h, not in BTF */
/*
 * Kernel stacks taken in a tp_btf program start with the program and bpf_trace_runN: skip
 * them, so the leaf is the scheduler's (__schedule) or the waker's own frame.
 */
#define KERNEL_SKIP 2
#define TASK_INTERRUPTIBLE 0x1
#define TASK_UNINTERRUPTIBLE 0x2
#define TASK_DEAD 0x80
#define ENOSPC 28

const volatile __u64 min_block_ns = OFFCPU_DEFAULT_MIN_BLOCK_NS;
const volatile __u64 max_block_ns = ~0ULL;
const volatile bool track_wakers = false;

/* Which counts map blocks go to; flipped by user space before it drains the other one. */
__u32 active = 0;

/*
 * Map names are the type's own (offcpu_*): the engine gives a second type's object the first
 * one's map of the same name (bpf/common.bpf.h), so a "stats" or "counts0" would be cpu's.
 */
/* One stack map for the whole recording (see struct offcpu_key); sizes set by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, OFFCPU_DEFAULT_STACK_STORAGE);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, SINGE_MAX_STACK_DEPTH * sizeof(__u64));
} offcpu_stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, OFFCPU_DEFAULT_OVERFLOW_STORAGE);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, SINGE_MAX_STACK_DEPTH * sizeof(__u64));
} offcpu_overflow SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OFFCPU_DEFAULT_MAX_KEYS);
	__type(key, struct offcpu_key);
	__type(value, struct offcpu_val);
} offcpu_counts0 SEC(".maps"), offcpu_counts1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OFFCPU_MAX_THREADS);
	__type(key, __u32);
	__type(value, struct offcpu_start);
} offcpu_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OFFCPU_MAX_THREADS);
	__type(key, __u32);
	__type(value, struct offcpu_waker);
} offcpu_wakers SEC(".maps");

/* The user stack already taken at a place (see place_of()): a copy id or a stack map id. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, OFFCPU_MAX_PLACES);
	__type(key, struct offcpu_place);
	__type(value, __s32);
} offcpu_places SEC(".maps");

/* User stack copies (struct stack_sample + stack), read by the offcpu source itself. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, OFFCPU_COPIES_SIZE);
} offcpu_copies SEC(".maps");

/* The kernel stacks of the threads already blocked at the start (seed_blocked()), by tid. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OFFCPU_MAX_SEEDED);
	__type(key, __u32);
	__type(value, struct offcpu_seeded_stack);
} offcpu_seeded SEC(".maps");

/* seed_blocked()'s buffers: it sleeps and migrates, so not the per-CPU scratch. */
struct seed_scratch {
	struct offcpu_seeded_stack k;
	struct stack_scratch u;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct seed_scratch);
} offcpu_seedbuf SEC(".maps");

/* Copies made by seed_blocked(): their ids use the CPU number 0xff. */
__u32 seeded_copies = 0;

/* What place_of() reads: the registers and the words at the stack pointer, per CPU. */
struct place_probe {
	__u64 regs[SINGE_NR_REGS];
	__u64 words[OFFCPU_PLACE_WORDS];
	__u32 copies; /* copies made on this CPU: its part of the next copy id */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct place_probe);
} offcpu_probe SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, OFFCPU_STAT_NR);
	__type(key, __u32);
	__type(value, __u64);
} offcpu_stats SEC(".maps");

static const struct stack_maps both_stacks = {.main = &offcpu_stacks, .overflow = &offcpu_overflow};

static __always_inline void stat_inc(__u32 stat)
{
	__u64 *val = bpf_map_lookup_elem(&offcpu_stats, &stat);

	if (val)
		(*val)++;
}

static __always_inline __u32 state_of(unsigned int prev_state)
{
	if (!prev_state)
		return OFFCPU_STATE_R;
	if (prev_state & TASK_UNINTERRUPTIBLE)
		return OFFCPU_STATE_D; /* TASK_IDLE and TASK_KILLABLE too */
	if (prev_state & TASK_INTERRUPTIBLE)
		return OFFCPU_STATE_S;
	return OFFCPU_STATE_OTHER;
}

/* Copy (dwarf, and auto for a process not decided for FP) or walk the frame pointers? */
static __always_inline bool wants_copy(__u32 tgid)
{
	return user_stack_method(tgid) != SINGE_PID_FP;
}

/*
 * The identity of the place a thread blocks at: its instruction and stack pointers, and the
 * words at its stack pointer that point into the main executable's code (return addresses
 * nearest the leaf, with their positions). The other words are left out: locals (a timestamp,
 * a counter) change from one block to the next at the same place, and hashing them would make
 * every block a new place.
 */
static __always_inline void place_of(struct task_struct *task, struct place_probe *pr,
				     struct offcpu_place *place)
{
	__u64 hash = 14695981039346656037ULL, start_code, end_code;
	int i;

	place->ip = pr->regs[SINGE_REG_IP];
	place->sp = pr->regs[SINGE_REG_SP];
	start_code = BPF_CORE_READ(task, mm, start_code);
	end_code = BPF_CORE_READ(task, mm, end_code);
	if (bpf_probe_read_user(pr->words, sizeof(pr->words), (void *)place->sp))
		__builtin_memset(pr->words, 0, sizeof(pr->words));
	for (i = 0; i < OFFCPU_PLACE_WORDS; i++)
		if (pr->words[i] >= start_code && pr->words[i] < end_code)
			hash = (hash ^ pr->words[i] ^ i) * 1099511628211ULL;
	place->hash = hash;
}

/* Send a copy of the current task's user stack: its id with OFFCPU_STACK_ID_COPY. */
static __always_inline __s32 send_copy(struct task_struct *task, struct place_probe *pr,
				       const struct offcpu_place *place)
{
	struct stack_scratch *sc = start_stack_copy(task, place->tgid, place->pid, place->exec_gen);
	__u32 cpu = bpf_get_smp_processor_id();
	__u64 size;
	__s32 id;

	if (!sc)
		return -EFAULT;
	/* unique without atomics (no fetch-add result before -mcpu=v3): a count and the CPU */
	id = (++pr->copies << OFFCPU_COPY_ID_CPU_BITS | (cpu & OFFCPU_COPY_ID_CPU_MASK)) &
	     (OFFCPU_STACK_ID_COPY - 1);
	sc->s.user_stack_id = id;
	copy_user_stack(sc);
	copy_python_frames(sc, NULL);
	size = stack_copy_size(sc);
	if (size > sizeof(*sc))
		return -EFAULT;
	/* read at the next drain, before the keys that refer to it */
	if (bpf_ringbuf_output(&offcpu_copies, sc, size, BPF_RB_NO_WAKEUP)) {
		stat_inc(OFFCPU_STAT_COPIES_LOST);
		return -ENOSPC;
	}
	stat_inc(OFFCPU_STAT_COPIES);
	return id | OFFCPU_STACK_ID_COPY;
}

/*
 * The user stack of the current task, which blocks or wakes another: the one already taken at
 * the same place when there is one, else a new copy or frame-pointer walk. Both are worth
 * saving: on these machines the walk costs about as much as the rest of the switch.
 */
static __always_inline __s32 user_stack(void *ctx, struct task_struct *task, __u32 tgid, __u32 tid,
					__u32 exec_gen, bool copy)
{
	struct offcpu_place place = {.tgid = tgid, .pid = tid, .exec_gen = exec_gen};
	struct place_probe *pr;
	__u32 zero = 0;
	__s32 id, *known;

	pr = bpf_map_lookup_elem(&offcpu_probe, &zero);
	if (!pr || read_user_regs(task, pr->regs)) {
		common_stat_inc(COMMON_STAT_REGS_ERRORS);
		return copy ? -EFAULT : stack_id(ctx, &both_stacks, BPF_F_USER_STACK, true, true);
	}
	place_of(task, pr, &place);
	known = bpf_map_lookup_elem(&offcpu_places, &place);
	if (known) {
		stat_inc(OFFCPU_STAT_PLACE_REUSED);
		return *known;
	}
	id = copy ? send_copy(task, pr, &place)
		  : stack_id(ctx, &both_stacks, BPF_F_USER_STACK, true, true);
	if (id >= 0)
		bpf_map_update_elem(&offcpu_places, &place, &id, BPF_ANY);
	return id;
}

/* prev (the current task) is switched out: remember when, how and where. */
static __always_inline void switch_out(void *ctx, struct task_struct *prev, unsigned int prev_state)
{
	struct offcpu_start s = {};
	__u32 tid = prev->pid;

	s.tgid = prev->tgid;
	/* an exiting thread's last switch: it never comes back, so it blocks nothing */
	if (!tid || (prev_state & TASK_DEAD) || !is_target(s.tgid))
		return;
	stat_inc(OFFCPU_STAT_SWITCH_OUT);
	s.time_ns = bpf_ktime_get_ns();
	s.state = state_of(prev_state);
	s.exec_gen = exec_gen_of(s.tgid);
	s.kern_stack_id = stack_id(ctx, &both_stacks, KERNEL_SKIP, false, true);
	if (prev->flags & PF_KTHREAD)
		s.user_stack_id = -EFAULT;
	else
		s.user_stack_id =
			user_stack(ctx, prev, s.tgid, tid, s.exec_gen, wants_copy(s.tgid));
	if (bpf_map_update_elem(&offcpu_start, &tid, &s, BPF_ANY))
		stat_inc(OFFCPU_STAT_START_FULL);
}

/* next is switched in: if it was a target switched out, count its block. */
static __always_inline void switch_in(struct task_struct *next)
{
	struct offcpu_key key = {.waker_user_stack_id = -1, .waker_kern_stack_id = -1};
	struct offcpu_val zero = {}, *val;
	struct offcpu_waker *waker;
	struct offcpu_start *s;
	__u32 tid = next->pid;
	__u64 delta;

	s = bpf_map_lookup_elem(&offcpu_start, &tid);
	if (!s)
		return;
	delta = bpf_ktime_get_ns() - s->time_ns;
	key.tgid = s->tgid;
	key.pid = tid;
	key.user_stack_id = s->user_stack_id;
	key.kern_stack_id = s->kern_stack_id;
	key.exec_gen = s->exec_gen;
	key.state = s->state;
	bpf_map_delete_elem(&offcpu_start, &tid);
	if (track_wakers) {
		waker = bpf_map_lookup_elem(&offcpu_wakers, &tid);
		if (waker) {
			key.waker_tgid = waker->tgid;
			key.waker_pid = waker->pid;
			key.waker_user_stack_id = waker->user_stack_id;
			key.waker_kern_stack_id = waker->kern_stack_id;
			key.waker_exec_gen = waker->exec_gen;
			bpf_map_delete_elem(&offcpu_wakers, &tid);
		}
	}
	if (delta < min_block_ns) {
		stat_inc(OFFCPU_STAT_SHORT);
		return;
	}
	if (delta > max_block_ns) {
		stat_inc(OFFCPU_STAT_LONG);
		return;
	}
	val = bpf_map_lookup_or_try_init(*(volatile __u32 *)&active ? (void *)&offcpu_counts1
								    : (void *)&offcpu_counts0,
					 &key, &zero);
	if (!val) {
		stat_inc(OFFCPU_STAT_MAP_FULL);
		return;
	}
	__sync_fetch_and_add(&val->count, 1);
	__sync_fetch_and_add(&val->ns, delta);
	stat_inc(OFFCPU_STAT_BLOCKS);
	/* the names only for what is kept: one or two lookups per counted block */
	remember_comm(next, key.tgid, tid);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(on_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	switch_out(ctx, prev, prev_state);
	switch_in(next);
	return 0;
}

/*
 * Whether the current task is waking another itself (in a system call, or a kernel thread at
 * work), rather than an interrupt running on its time (a timer expiring, a packet), where
 * 'current' is just whoever was interrupted. Two cheap signs, as this kernel does not export
 * the per-CPU preempt count to BPF ("failed to find the address for kernel symbol
 * '__preempt_count'"):
 *  - interrupts taken in kernel mode, and the softirqs run at their exit, run on the CPU's
 *    interrupt stack, not on the task's own kernel stack (THREAD_SIZE, 16 KiB on x86-64);
 *  - an interrupt taken in user mode runs on the task's stack, but its saved orig_ax is not
 *    a system call number (-1 for the system vectors such as the timer's).
 * A device interrupt taken in user mode may still pass (its vector can look like a system
 * call number); user space also drops the waker when its kernel stack has an interrupt entry.
 */
static __always_inline bool waking_itself(struct task_struct *task, void *local, bool kthread)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	__u64 base = (__u64)BPF_CORE_READ(task, stack), at = 0;
	long orig_ax = -1;

	/* the verifier forbids arithmetic on a stack pointer: read its value as a number */
	bpf_probe_read_kernel(&at, sizeof(at), &local);
	if (at - base >= 16384)
		return false;
	if (kthread)
		return true; /* a kernel thread is never in user mode: no system call to look for */
	if (!regs || bpf_probe_read_kernel(&orig_ax, sizeof(orig_ax), &regs->orig_ax))
		return false;
	return orig_ax >= 0;
}

/*
 * The waker of a blocked target thread: remember its stacks. From an interrupt, there is no
 * waking task: waker_tgid and waker_pid stay 0 and the kernel stack says which interrupt. A
 * waker's user stack is taken when it is a target (like a blocked thread's), not otherwise:
 * another process's could not be symbolized, its maps are not read. Loaded with --wakers only.
 */
SEC("tp_btf/sched_waking")
int BPF_PROG(on_waking, struct task_struct *p)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 id = bpf_get_current_pid_tgid();
	struct offcpu_waker w = {};
	__u32 tid = p->pid, tgid = id >> 32;
	bool kthread = task->flags & PF_KTHREAD;

	if (!track_wakers || !bpf_map_lookup_elem(&offcpu_start, &tid))
		return 0;
	w.kern_stack_id = stack_id(ctx, &both_stacks, KERNEL_SKIP, false, false);
	w.user_stack_id = -EFAULT;
	if (!waking_itself(task, &w, kthread))
		goto out;
	w.tgid = tgid;
	w.pid = (__u32)id;
	w.exec_gen = exec_gen_of(tgid);
	if (!kthread && is_target(tgid))
		w.user_stack_id = user_stack(ctx, task, tgid, w.pid, w.exec_gen, wants_copy(tgid));
out:
	bpf_map_update_elem(&offcpu_wakers, &tid, &w, BPF_ANY);
	stat_inc(OFFCPU_STAT_WAKERS);
	return 0;
}

/* A blocked task's user stack as a copy (--unwind dwarf, auto): its id, or < 0. */
static __always_inline __s32 seed_user_copy(struct task_struct *task, struct stack_scratch *sc,
					    const struct offcpu_start *s, __u32 tid)
{
	__u64 size;
	__s32 id;

	if (read_user_regs(task, sc->s.regs))
		return -EFAULT;
	id = (++seeded_copies << OFFCPU_COPY_ID_CPU_BITS | OFFCPU_COPY_ID_CPU_MASK) &
	     (OFFCPU_STACK_ID_COPY - 1);
	sc->s.source = setup.source;
	sc->s.tgid = s->tgid;
	sc->s.pid = tid;
	sc->s.exec_gen = s->exec_gen;
	sc->s.user_stack_id = id;
	/* another task than the current one: seed_blocked() is sleepable */
	copy_user_stack_of(sc, task);
	sc->s.other_len = 0;
	copy_python_frames(sc, task);
	size = stack_copy_size(sc);
	if (size > sizeof(*sc))
		return -EFAULT;
	if (bpf_ringbuf_output(&offcpu_copies, sc, size, BPF_RB_NO_WAKEUP)) {
		stat_inc(OFFCPU_STAT_COPIES_LOST);
		return -ENOSPC;
	}
	stat_inc(OFFCPU_STAT_COPIES);
	return id | OFFCPU_STACK_ID_COPY;
}

/*
 * Run once by user space right after on_switch is attached (-p): the target threads that are
 * already blocked get a 'start' entry from now, with their stacks, so a thread parked in
 * epoll_wait for the whole recording counts for the whole of it. A thread that has switched
 * out since the attach is measured already and left alone.
 */
SEC("iter.s/task")
int seed_blocked(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct offcpu_start s = {};
	struct seed_scratch *sc;
	unsigned int state;
	__u32 tid, zero = 0;
	long n;

	if (!task)
		return 0;
	tid = task->pid;
	s.tgid = task->tgid;
	if (!tid || !is_target(s.tgid))
		return 0;
	state = task->__state;
	/* running or runnable (not blocked), or exiting */
	if (!state || (state & TASK_DEAD) || task->exit_state)
		return 0;
	if (bpf_map_lookup_elem(&offcpu_start, &tid))
		return 0;
	sc = bpf_map_lookup_elem(&offcpu_seedbuf, &zero);
	if (!sc)
		return 0;
	s.time_ns = bpf_ktime_get_ns();
	s.state = state_of(state);
	s.exec_gen = exec_gen_of(s.tgid);
	s.kern_stack_id = -EFAULT;
	n = bpf_get_task_stack(task, sc->k.ips, sizeof(sc->k.ips), 0);
	if (n > 0) {
		sc->k.nframes = n / sizeof(__u64);
		if (!bpf_map_update_elem(&offcpu_seeded, &tid, &sc->k, BPF_ANY))
			s.kern_stack_id = OFFCPU_STACK_ID_SEEDED;
	}
	s.user_stack_id = -EFAULT;
	if (!(task->flags & PF_KTHREAD) && wants_copy(s.tgid))
		s.user_stack_id = seed_user_copy(task, &sc->u, &s, tid);
	remember_comm(task, s.tgid, tid);
	if (!bpf_map_update_elem(&offcpu_start, &tid, &s, BPF_NOEXIST))
		stat_inc(OFFCPU_STAT_SEEDED);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
