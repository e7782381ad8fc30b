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
 * A user stack (a frame-pointer walk, or a copy for --unwind dwarf) is taken once per place a
 * thread blocks at and reused after (see 'places'); kernel stacks are walked at every
 * switch-out. The process filter, exec generations, comms and fork/exec/exit programs have the
 * shape of bpf/cpu.bpf.c's, so that both can move onto shared headers.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "offcpu.h"
#include "maps.bpf.h"

#define PF_KTHREAD 0x00200000 /* include/linux/sched.h, not in BTF */
/*
 * Kernel stacks taken in a tp_btf program start with the program and bpf_trace_runN: skip
 * them, so the leaf is the scheduler's (__schedule) or the waker's own frame.
 */
#define KERNEL_SKIP 2
#define TASK_INTERRUPTIBLE 0x1
#define TASK_UNINTERRUPTIBLE 0x2
#define TASK_DEAD 0x80
#define EFAULT 14
#define ENOSPC 28
#define EEXIST 17

const volatile bool filter_tgid = false; /* false: every process (-a) */
const volatile __u32 self_tgid = 0;	 /* -a leaves singe itself out */
const volatile __u64 min_block_ns = OFFCPU_DEFAULT_MIN_BLOCK_NS;
const volatile __u64 max_block_ns = ~0ULL;
const volatile bool track_wakers = false;
const volatile __u32 unwind_mode = OFFCPU_UNWIND_FP; /* enum offcpu_unwind_mode */
const volatile __u32 stack_size = OFFCPU_DEFAULT_STACK_COPY;

/* Which counts map blocks go to; flipped by user space before it drains the other one. */
__u32 active = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OFFCPU_MAX_TARGETS);
	__type(key, __u32);
	__type(value, __u8);
} targets SEC(".maps");

/* One stack map for the whole recording (see struct offcpu_key); sizes set by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, OFFCPU_DEFAULT_STACK_STORAGE);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, OFFCPU_MAX_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, OFFCPU_DEFAULT_OVERFLOW_STORAGE);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, OFFCPU_MAX_STACK_DEPTH * sizeof(__u64));
} overflow SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OFFCPU_DEFAULT_MAX_KEYS);
	__type(key, struct offcpu_key);
	__type(value, struct offcpu_val);
} counts0 SEC(".maps"), counts1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OFFCPU_MAX_THREADS);
	__type(key, __u32);
	__type(value, struct offcpu_start);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OFFCPU_MAX_THREADS);
	__type(key, __u32);
	__type(value, struct offcpu_waker);
} wakers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OFFCPU_MAX_COMMS);
	__type(key, __u32);
	__type(value, struct offcpu_comm);
} comms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, OFFCPU_MAX_THREAD_COMMS);
	__type(key, __u32);
	__type(value, struct offcpu_comm);
} thread_comms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, OFFCPU_MAX_EXECS);
	__type(key, __u32);
	__type(value, __u32);
} exec_gens SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, OFFCPU_EVENTS_SIZE);
} events SEC(".maps");

/* --unwind dwarf|auto: user stack copies. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, OFFCPU_SAMPLES_SIZE);
} samples SEC(".maps");

/* The user stack already taken at a place (see place_of()): a copy id or a stack map id. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, OFFCPU_MAX_PLACES);
	__type(key, struct offcpu_place);
	__type(value, __s32);
} places SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, OFFCPU_MAX_UNWIND_PIDS);
	__type(key, __u32);
	__type(value, __u8);
} unwind_pids SEC(".maps");

/*
 * Where a copy is built, one entry per CPU (max_entries set by user space). It never holds two
 * copies at once on a CPU: sched_switch runs with interrupts off under the runqueue lock, and
 * sched_waking with preemption off, so neither interrupts the other, and a wake-up from an
 * interrupt taken during sched_waking does not run it again (a program does not nest on a CPU:
 * the kernel counts the miss) and takes no copy anyway. One chunk of slack lets the verifier see
 * every chunk in bounds.
 */
struct copy_scratch {
	__u32 copies; /* copies made on this CPU: its part of the next copy id */
	__u32 pad;
	struct offcpu_stack_copy c;
	__u8 bytes[OFFCPU_MAX_STACK_COPY + OFFCPU_STACK_CHUNK];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct copy_scratch);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, OFFCPU_STAT_NR);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline void stat_inc(__u32 stat)
{
	__u64 *val = bpf_map_lookup_elem(&stats, &stat);

	if (val)
		(*val)++;
}

static __always_inline bool is_target(__u32 tgid)
{
	if (filter_tgid && !bpf_map_lookup_elem(&targets, &tgid))
		return false;
	return tgid != self_tgid;
}

/* Store name under id in map only when it changed: one lookup per block, rare updates. */
static __always_inline void remember_name(void *map, __u32 id, struct offcpu_comm *name)
{
	struct offcpu_comm *old = bpf_map_lookup_elem(map, &id);
	__u64 *a = (__u64 *)name->comm, *b;

	b = old ? (__u64 *)old->comm : NULL;
	if (b && a[0] == b[0] && a[1] == b[1])
		return;
	bpf_map_update_elem(map, &id, name, BPF_ANY);
}

/* The process's name (its group leader's comm) and the thread's own, read from the task. */
static __always_inline void remember_comm(struct task_struct *task, __u32 tgid, __u32 tid)
{
	struct offcpu_comm process = {}, thread = {};

	BPF_CORE_READ_STR_INTO(&process.comm, task, group_leader, comm);
	remember_name(&comms, tgid, &process);
	BPF_CORE_READ_STR_INTO(&thread.comm, task, comm);
	remember_name(&thread_comms, tid, &thread);
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

/* A stack of the current task, from 'stacks', or 'overflow' after a collision there. */
static __always_inline __s32 stack_id(void *ctx, __u64 flags, bool expect)
{
	__s32 id = bpf_get_stackid(ctx, &stacks, flags);

	if (id == -EEXIST) {
		id = bpf_get_stackid(ctx, &overflow, flags);
		if (id >= 0) {
			stat_inc(OFFCPU_STAT_OVERFLOWS);
			return id | OFFCPU_STACK_ID_OVERFLOW;
		}
	}
	if (id >= 0)
		return id;
	if (id == -EEXIST)
		stat_inc(OFFCPU_STAT_COLLISIONS);
	else if (id != -EFAULT)
		stat_inc(OFFCPU_STAT_STACK_ERRORS);
	else if (expect && (flags & BPF_F_USER_STACK))
		stat_inc(OFFCPU_STAT_NO_USER_STACK);
	return id;
}

static __always_inline bool wants_copy(__u32 tgid)
{
	__u8 *decided;

	if (unwind_mode == OFFCPU_UNWIND_FP)
		return false;
	if (unwind_mode == OFFCPU_UNWIND_DWARF)
		return true;
	decided = bpf_map_lookup_elem(&unwind_pids, &tgid);
	return !decided || *decided == OFFCPU_PID_DWARF;
}

/* The registers saved at the top of the task's kernel stack when it entered the kernel. */
static __always_inline int read_user_regs(struct task_struct *task, __u64 *regs)
{
	struct pt_regs *tr = (struct pt_regs *)bpf_task_pt_regs(task);
	struct pt_regs r;

	if (!tr || bpf_probe_read_kernel(&r, sizeof(r), tr))
		return -EFAULT;
	regs[OFFCPU_REG_AX] = r.ax;
	regs[OFFCPU_REG_DX] = r.dx;
	regs[OFFCPU_REG_CX] = r.cx;
	regs[OFFCPU_REG_BX] = r.bx;
	regs[OFFCPU_REG_SI] = r.si;
	regs[OFFCPU_REG_DI] = r.di;
	regs[OFFCPU_REG_BP] = r.bp;
	regs[OFFCPU_REG_SP] = r.sp;
	regs[OFFCPU_REG_R8] = r.r8;
	regs[OFFCPU_REG_R9] = r.r9;
	regs[OFFCPU_REG_R10] = r.r10;
	regs[OFFCPU_REG_R11] = r.r11;
	regs[OFFCPU_REG_R12] = r.r12;
	regs[OFFCPU_REG_R13] = r.r13;
	regs[OFFCPU_REG_R14] = r.r14;
	regs[OFFCPU_REG_R15] = r.r15;
	regs[OFFCPU_REG_IP] = r.ip;
	return 0;
}

/* Copy the user stack from sp upwards a page at a time (as bpf/cpu.bpf.c does). */
static __always_inline void copy_user_stack(struct copy_scratch *sc)
{
	__u64 sp = sc->c.regs[OFFCPU_REG_SP];
	__u64 len = 0, want, chunk, limit = stack_size;
	int i;

	if (limit > OFFCPU_MAX_STACK_COPY)
		limit = OFFCPU_MAX_STACK_COPY;
	chunk = OFFCPU_STACK_CHUNK - (sp & (OFFCPU_STACK_CHUNK - 1));
	for (i = 0; i <= OFFCPU_MAX_STACK_COPY / OFFCPU_STACK_CHUNK; i++) {
		if (len >= limit || len > OFFCPU_MAX_STACK_COPY)
			break;
		want = limit - len;
		if (want > chunk)
			want = chunk;
		if (want > OFFCPU_STACK_CHUNK)
			break;
		if (bpf_probe_read_user(sc->bytes + len, want, (void *)(sp + len)))
			break;
		len += want;
		chunk = OFFCPU_STACK_CHUNK;
	}
	sc->c.stack_len = len;
	sc->c.flags = len == limit ? OFFCPU_COPY_FULL : 0;
}

/*
 * The identity of the place a thread blocks at: its instruction and stack pointers (not the
 * frame pointer: code built without one, like libc's, uses rbp for anything, so it changes
 * from one call to the next), and the words at its stack pointer that point into the main
 * executable's code (return addresses nearest the leaf, with their positions). The other words are
 * left out: locals (a timestamp, a counter) change from one block to the next at the same place,
 * and hashing them would make every block a new place. Read into the scratch bytes, which the copy
 * overwrites afterwards.
 */
static __always_inline void place_of(struct task_struct *task, struct copy_scratch *sc,
				     struct offcpu_place *place)
{
	__u64 *words = (__u64 *)sc->bytes, hash = 14695981039346656037ULL, start, end;
	int i;

	place->ip = sc->c.regs[OFFCPU_REG_IP];
	place->sp = sc->c.regs[OFFCPU_REG_SP];
	start = BPF_CORE_READ(task, mm, start_code);
	end = BPF_CORE_READ(task, mm, end_code);
	if (bpf_probe_read_user(words, OFFCPU_COPY_HASH_WORDS * 8, (void *)place->sp))
		__builtin_memset(words, 0, OFFCPU_COPY_HASH_WORDS * 8);
	for (i = 0; i < OFFCPU_COPY_HASH_WORDS; i++)
		if (words[i] >= start && words[i] < end)
			hash = (hash ^ words[i] ^ i) * 1099511628211ULL;
	place->hash = hash;
}

/* Send the user stack copy of the registers in sc: its id with OFFCPU_STACK_ID_COPY. */
static __always_inline __s32 send_copy(struct copy_scratch *sc, __u32 cpu, __u32 tgid, __u32 tid,
				       __u32 exec_gen)
{
	__u32 size;

	/*
	 * Unique without atomics (clang's BPF target without -mcpu=v3 cannot use a fetch-add's
	 * result): this CPU's count of copies, and the CPU.
	 */
	sc->c.copy_id =
		(++sc->copies << OFFCPU_COPY_ID_CPU_BITS | (cpu & OFFCPU_COPY_ID_CPU_MASK)) &
		(OFFCPU_STACK_ID_COPY - 1);
	sc->c.tgid = tgid;
	sc->c.pid = tid;
	sc->c.exec_gen = exec_gen;
	copy_user_stack(sc);
	size = sizeof(sc->c) + sc->c.stack_len;
	if (size > sizeof(sc->c) + OFFCPU_MAX_STACK_COPY)
		return -EFAULT;
	/* user space reads the copies at its next turn; the block's key waits in a map */
	if (bpf_ringbuf_output(&samples, &sc->c, size, 0)) {
		stat_inc(OFFCPU_STAT_COPIES_LOST);
		return -ENOSPC;
	}
	stat_inc(OFFCPU_STAT_COPIES);
	return sc->c.copy_id | OFFCPU_STACK_ID_COPY;
}

/*
 * The user stack of the current task, which blocks or wakes another: the one already taken at
 * the same place when there is one, else a new copy (copy: --unwind dwarf, auto not decided)
 * or a frame-pointer walk. Both are worth saving: on these machines the walk costs about as
 * much as the rest of the switch (see the cost figures in docs/BENCHMARKS.md).
 */
static __always_inline __s32 user_stack(void *ctx, struct task_struct *task, __u32 tgid, __u32 tid,
					__u32 exec_gen, bool copy)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct copy_scratch *sc = bpf_map_lookup_elem(&scratch, &cpu);
	struct offcpu_place place = {.tgid = tgid, .pid = tid, .exec_gen = exec_gen};
	__s32 id, *known;

	if (!sc || read_user_regs(task, sc->c.regs)) {
		stat_inc(OFFCPU_STAT_REGS_ERRORS);
		return copy ? -EFAULT : stack_id(ctx, BPF_F_USER_STACK, true);
	}
	place_of(task, sc, &place);
	known = bpf_map_lookup_elem(&places, &place);
	if (known) {
		stat_inc(OFFCPU_STAT_PLACE_REUSED);
		return *known;
	}
	id = copy ? send_copy(sc, cpu, tgid, tid, exec_gen) : stack_id(ctx, BPF_F_USER_STACK, true);
	if (id >= 0)
		bpf_map_update_elem(&places, &place, &id, BPF_ANY);
	return id;
}

/* prev (the current task) is switched out: remember when, how and where. */
static __always_inline void switch_out(void *ctx, struct task_struct *prev, unsigned int prev_state)
{
	struct offcpu_start s = {};
	__u32 tid = prev->pid;
	bool kthread;
	__u32 *gen;

	s.tgid = prev->tgid;
	/* an exiting thread's last switch: it never comes back, so it blocks nothing */
	if (!tid || (prev_state & TASK_DEAD) || !is_target(s.tgid))
		return;
	stat_inc(OFFCPU_STAT_SWITCH_OUT);
	s.time_ns = bpf_ktime_get_ns();
	s.state = state_of(prev_state);
	gen = bpf_map_lookup_elem(&exec_gens, &s.tgid);
	s.exec_gen = gen ? *gen : 0;
	kthread = prev->flags & PF_KTHREAD;
	s.kern_stack_id = stack_id(ctx, KERNEL_SKIP, true);
	if (kthread)
		s.user_stack_id = -EFAULT;
	else
		s.user_stack_id =
			user_stack(ctx, prev, s.tgid, tid, s.exec_gen, wants_copy(s.tgid));
	if (bpf_map_update_elem(&start, &tid, &s, BPF_ANY))
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

	s = bpf_map_lookup_elem(&start, &tid);
	if (!s)
		return;
	delta = bpf_ktime_get_ns() - s->time_ns;
	key.tgid = s->tgid;
	key.pid = tid;
	key.user_stack_id = s->user_stack_id;
	key.kern_stack_id = s->kern_stack_id;
	key.exec_gen = s->exec_gen;
	key.state = s->state;
	bpf_map_delete_elem(&start, &tid);
	if (track_wakers) {
		waker = bpf_map_lookup_elem(&wakers, &tid);
		if (waker) {
			key.waker_tgid = waker->tgid;
			key.waker_pid = waker->pid;
			key.waker_user_stack_id = waker->user_stack_id;
			key.waker_kern_stack_id = waker->kern_stack_id;
			bpf_map_delete_elem(&wakers, &tid);
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
	val = bpf_map_lookup_or_try_init(
		*(volatile __u32 *)&active ? (void *)&counts1 : (void *)&counts0, &key, &zero);
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
 * 'current' is just whoever was interrupted. Two cheap signs, as this kernel does not export the
 * per-CPU preempt count to BPF ("failed to find the address for kernel symbol '__preempt_count'"):
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
 * waker's user stack is taken when it is a target (like a blocked thread's: a copy for
 * --unwind dwarf|auto): another process's could not be symbolized, its maps are not read.
 */
SEC("tp_btf/sched_waking")
int BPF_PROG(on_waking, struct task_struct *p)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 id = bpf_get_current_pid_tgid();
	struct offcpu_waker w = {};
	__u32 tid = p->pid, tgid = id >> 32, *gen;
	bool kthread = task->flags & PF_KTHREAD;

	if (!track_wakers || !bpf_map_lookup_elem(&start, &tid))
		return 0;
	w.kern_stack_id = stack_id(ctx, KERNEL_SKIP, false);
	w.user_stack_id = -EFAULT;
	if (!waking_itself(task, &w, kthread))
		goto out;
	w.tgid = tgid;
	w.pid = (__u32)id;
	if (!kthread && is_target(tgid)) {
		gen = bpf_map_lookup_elem(&exec_gens, &tgid);
		w.user_stack_id =
			user_stack(ctx, task, tgid, w.pid, gen ? *gen : 0, wants_copy(tgid));
	}
out:
	bpf_map_update_elem(&wakers, &tid, &w, BPF_ANY);
	stat_inc(OFFCPU_STAT_WAKERS);
	return 0;
}

/* Fork, exec and exit, as in bpf/cpu.bpf.c (they will live in one shared place). */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(follow_fork, struct task_struct *parent, struct task_struct *child)
{
	struct offcpu_proc_event ev = {.kind = OFFCPU_EVENT_FORK};
	__u8 one = 1;

	ev.parent = parent->tgid;
	ev.tgid = child->tgid;
	if (ev.parent == ev.tgid)
		return 0;
	if (filter_tgid) {
		if (!bpf_map_lookup_elem(&targets, &ev.parent))
			return 0;
		if (bpf_map_update_elem(&targets, &ev.tgid, &one, BPF_ANY)) {
			stat_inc(OFFCPU_STAT_TARGETS_FULL);
			return 0;
		}
		stat_inc(OFFCPU_STAT_FORKS);
	}
	ev.time_ns = bpf_ktime_get_ns();
	if (bpf_ringbuf_output(&events, &ev, sizeof(ev), BPF_RB_NO_WAKEUP))
		stat_inc(OFFCPU_STAT_EVENTS_LOST);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(note_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct offcpu_proc_event ev = {.kind = OFFCPU_EVENT_EXEC, .tgid = p->tgid, .exec_gen = 1};
	__u32 *gen;

	if (filter_tgid && !bpf_map_lookup_elem(&targets, &ev.tgid))
		return 0;
	gen = bpf_map_lookup_elem(&exec_gens, &ev.tgid);
	if (gen)
		ev.exec_gen = ++*gen;
	else
		bpf_map_update_elem(&exec_gens, &ev.tgid, &ev.exec_gen, BPF_ANY);
	ev.time_ns = bpf_ktime_get_ns();
	if (bpf_ringbuf_output(&events, &ev, sizeof(ev), BPF_RB_NO_WAKEUP))
		stat_inc(OFFCPU_STAT_EVENTS_LOST);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(forget_exit, struct task_struct *p)
{
	__u32 tgid = p->tgid;

	if (BPF_CORE_READ(p, signal, live.counter))
		return 0;
	bpf_map_delete_elem(&targets, &tgid);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
