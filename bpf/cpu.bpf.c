// SPDX-License-Identifier: MIT
/*
 * On-CPU sampling: a perf_event program fired at -F Hz on every CPU counts samples per
 * (tgid, tid, user stack, kernel stack) in the kernel, as bcc's libbpf-tools/profile does.
 * Processes are filtered by tgid, so threads created during the recording are included;
 * for -- CMD the children of a target join the filter when they are forked and leave it when
 * they exit (those two programs are loaded only then).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "cpu.h"
#include "maps.bpf.h"

#define PF_KTHREAD 0x00200000 /* include/linux/sched.h, not in BTF */
#define EFAULT 14
#define EEXIST 17

const volatile bool filter_tgid = false;		  /* false: every process (-a) */
const volatile __u32 self_tgid = 0;			  /* -a leaves singe itself out */
const volatile __u32 unwind_mode = CPU_UNWIND_FP;	  /* enum cpu_unwind_mode */
const volatile __u32 stack_size = CPU_DEFAULT_STACK_COPY; /* <= CPU_MAX_STACK_COPY */

/* Which buffer samples go to; flipped by user space before it drains the other one. */
__u32 active = 0;
/* bpf_ktime_get_ns() (CLOCK_MONOTONIC) of the first sample, for the start-up latency. */
__u64 first_sample_ns = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CPU_MAX_TARGETS);
	__type(key, __u32);
	__type(value, __u8);
} targets SEC(".maps");

/*
 * value_size (depth * 8) and max_entries are set by user space before load. overflow<buf>
 * holds the stacks that collided in stacks<buf> (see stack_id()).
 */
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__type(key, __u32);
} stacks0 SEC(".maps"), stacks1 SEC(".maps"), overflow0 SEC(".maps"), overflow1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CPU_DEFAULT_MAX_STACKS);
	__type(key, struct cpu_key);
	__type(value, __u64);
} counts0 SEC(".maps"), counts1 SEC(".maps");

/* The process name per tgid (the group leader's comm), for the pprof 'comm' label. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CPU_MAX_COMMS);
	__type(key, __u32);
	__type(value, struct cpu_comm);
} comms SEC(".maps");

/*
 * Each thread's own name per tid (a JVM's "C2 CompilerThre", perf's comm), for the pprof
 * 'comm' label; user space reads and deletes the entries at each drain.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CPU_MAX_THREAD_COMMS);
	__type(key, __u32);
	__type(value, struct cpu_comm);
} thread_comms SEC(".maps");

/*
 * Execs per process. A sample carries its process's count, so user space can tell stacks of
 * the old image from stacks of the new one and symbolize each against the right mappings.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CPU_MAX_EXECS);
	__type(key, __u32);
	__type(value, __u32);
} exec_gens SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, CPU_EVENTS_SIZE);
} events SEC(".maps");

/* --unwind dwarf: stack samples (max_entries set by user space from -F and the CPUs). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, CPU_SAMPLES_MIN_SIZE);
} samples SEC(".maps");

/*
 * Where a stack sample is built: too big for the 512-byte BPF stack, and for a per-CPU
 * array value (32 KiB at most), so one entry per CPU of a plain array, indexed by the CPU
 * (a perf_event program does not migrate or nest). One chunk of slack after the largest
 * copy lets the verifier see every chunk in bounds. max_entries is set by user space.
 */
struct stack_scratch {
	struct cpu_stack_sample s;
	__u8 bytes[CPU_MAX_STACK_COPY + CPU_STACK_CHUNK];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stack_scratch);
} scratch SEC(".maps");

/* --unwind auto: what user space decided per process (enum cpu_pid_unwind); absent: watched. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CPU_MAX_UNWIND_PIDS);
	__type(key, __u32);
	__type(value, __u8);
} unwind_pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CPU_STAT_NR);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline void stat_inc(__u32 stat)
{
	__u64 *val = bpf_map_lookup_elem(&stats, &stat);

	if (val)
		(*val)++;
}

static __always_inline bool in_user_mode(struct bpf_perf_event_data *ctx)
{
#if defined(__TARGET_ARCH_x86)
	/* the context only allows 8-byte loads of registers; cs is a u16 in a union on 6.x */
	__u64 cs = *(__u64 *)((char *)&ctx->regs + __builtin_offsetof(struct pt_regs, cs));

	return (cs & 3) == 3;
#else
	return true; /* unknown: never count a missing kernel stack */
#endif
}

/* Store name under id in map only when it changed: one lookup per sample, rare updates. */
static __always_inline void remember_name(void *map, __u32 id, struct cpu_comm *name)
{
	struct cpu_comm *old = bpf_map_lookup_elem(map, &id);
	__u64 *a = (__u64 *)name->comm, *b;

	/* TASK_COMM_LEN is 16: two words (BPF has no memcmp) */
	b = old ? (__u64 *)old->comm : NULL;
	if (b && a[0] == b[0] && a[1] == b[1])
		return;
	bpf_map_update_elem(map, &id, name, BPF_ANY);
}

/*
 * The process's name (its group leader's comm) and the thread's own. Refreshed when they
 * change: a -- CMD child is named "singe" until it execs.
 */
static __always_inline void remember_comm(struct task_struct *task, __u32 tgid, __u32 tid)
{
	struct cpu_comm process = {}, thread = {};

	BPF_CORE_READ_STR_INTO(&process.comm, task, group_leader, comm);
	remember_name(&comms, tgid, &process);
	bpf_get_current_comm(thread.comm, sizeof(thread.comm));
	remember_name(&thread_comms, tid, &thread);
}

/* The stack maps of the active buffer. */
struct stack_maps {
	void *main;
	void *overflow;
};

/*
 * A stack's id in the main map, or on a collision there (its bucket holds another stack
 * until the next drain) in the overflow map, flagged CPU_STACK_ID_OVERFLOW. Without it, every
 * sample of the colliding stack would be lost until the drain. The kernel hashes a stack the
 * same way in every stack map (jhash2, seed 0, masked to the buckets), so two stacks that
 * collide in the main map would also meet in a smaller overflow map: it works because it holds
 * only the stacks that lost a collision, and is nearly empty. What collides in both is lost.
 */
static __always_inline __s32 stack_id(struct bpf_perf_event_data *ctx,
				      const struct stack_maps *maps, __u64 flags, bool user,
				      bool expect)
{
	__s32 id = bpf_get_stackid(ctx, maps->main, flags);

	if (id == -EEXIST) {
		id = bpf_get_stackid(ctx, maps->overflow, flags);
		if (id >= 0) {
			stat_inc(CPU_STAT_OVERFLOWS);
			return id | CPU_STACK_ID_OVERFLOW;
		}
	}
	if (id >= 0)
		return id;
	if (id == -EEXIST)
		stat_inc(CPU_STAT_COLLISIONS);
	else if (id != -EFAULT)
		stat_inc(CPU_STAT_STACK_ERRORS);
	else if (expect)
		stat_inc(user ? CPU_STAT_NO_USER_STACK : CPU_STAT_NO_KERN_STACK);
	return id;
}

/* How a process's user stack is taken: CPU_PID_FP, CPU_PID_DWARF, or 0 for both (watched). */
static __always_inline __u8 user_stack_method(__u32 tgid)
{
	__u8 *decided;

	if (unwind_mode != CPU_UNWIND_AUTO)
		return unwind_mode == CPU_UNWIND_DWARF ? CPU_PID_DWARF : CPU_PID_FP;
	decided = bpf_map_lookup_elem(&unwind_pids, &tgid);
	return decided ? *decided : 0;
}

/*
 * The user registers: the ones saved at the top of the task's kernel stack when it entered
 * the kernel, which is also where an interrupt taken in user mode saves them.
 */
static __always_inline int read_user_regs(struct task_struct *task, __u64 *regs)
{
	struct pt_regs *tr = (struct pt_regs *)bpf_task_pt_regs(task);
	struct pt_regs r;

	if (!tr || bpf_probe_read_kernel(&r, sizeof(r), tr))
		return -EFAULT;
	regs[CPU_REG_AX] = r.ax;
	regs[CPU_REG_DX] = r.dx;
	regs[CPU_REG_CX] = r.cx;
	regs[CPU_REG_BX] = r.bx;
	regs[CPU_REG_SI] = r.si;
	regs[CPU_REG_DI] = r.di;
	regs[CPU_REG_BP] = r.bp;
	regs[CPU_REG_SP] = r.sp;
	regs[CPU_REG_R8] = r.r8;
	regs[CPU_REG_R9] = r.r9;
	regs[CPU_REG_R10] = r.r10;
	regs[CPU_REG_R11] = r.r11;
	regs[CPU_REG_R12] = r.r12;
	regs[CPU_REG_R13] = r.r13;
	regs[CPU_REG_R14] = r.r14;
	regs[CPU_REG_R15] = r.r15;
	regs[CPU_REG_IP] = r.ip;
	return 0;
}

/*
 * Copy the user stack from sp upwards, a page at a time: a read that touches an unmapped or
 * absent page fails whole, so the copy ends at the first such page instead of being lost.
 */
static __always_inline void copy_user_stack(struct stack_scratch *sc)
{
	__u64 sp = sc->s.regs[CPU_REG_SP];
	__u64 len = 0, want, chunk, limit = stack_size;
	int i;

	if (limit > CPU_MAX_STACK_COPY)
		limit = CPU_MAX_STACK_COPY;
	/* 64-bit arithmetic throughout: the verifier then tracks every bound */
	chunk = CPU_STACK_CHUNK - (sp & (CPU_STACK_CHUNK - 1));
	for (i = 0; i <= CPU_MAX_STACK_COPY / CPU_STACK_CHUNK; i++) {
		if (len >= limit || len > CPU_MAX_STACK_COPY)
			break;
		want = limit - len;
		if (want > chunk)
			want = chunk;
		if (want > CPU_STACK_CHUNK)
			break;
		if (bpf_probe_read_user(sc->bytes + len, want, (void *)(sp + len)))
			break;
		len += want;
		chunk = CPU_STACK_CHUNK;
	}
	sc->s.stack_len = len;
	sc->s.flags = len == limit ? CPU_SAMPLE_COPY_FULL : 0;
}

/*
 * Wake user space for the samples of a process it has not seen, or with auto not decided for
 * (not in unwind_pids): it reads a new process's maps while the process most likely still
 * runs. The other samples wait for its next tick, unless the ring fills up. Forced: the
 * adaptive wake-up would stay silent while those other samples are still unread.
 */
static __always_inline __u64 wakeup_flag(bool seen)
{
	if (!seen)
		return BPF_RB_FORCE_WAKEUP;
	/* and when the ring is half full, so that a late tick loses no sample */
	if (bpf_ringbuf_query(&samples, BPF_RB_AVAIL_DATA) * 2 >
	    bpf_ringbuf_query(&samples, BPF_RB_RING_SIZE))
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/*
 * --unwind dwarf, and auto for the processes that need it or are watched (fp_too: the
 * frame-pointer walk goes along): send registers and stack to user space. Returns false when
 * the sample is not a user task's (the caller then counts it as usual).
 */
static __always_inline bool send_stack_sample(struct bpf_perf_event_data *ctx,
					      struct task_struct *task, struct cpu_key *key,
					      const struct stack_maps *stacks, __u32 buf,
					      bool fp_too)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct stack_scratch *sc = bpf_map_lookup_elem(&scratch, &cpu);
	__u64 wakeup;
	__u32 size;

	if (!sc)
		return false;
	if (read_user_regs(task, sc->s.regs)) {
		stat_inc(CPU_STAT_REGS_ERRORS);
		return false;
	}
	sc->s.tgid = key->tgid;
	sc->s.pid = key->pid;
	sc->s.exec_gen = key->exec_gen;
	sc->s.buf = buf;
	sc->s.kern_stack_id = -EFAULT;
	if (!in_user_mode(ctx))
		sc->s.kern_stack_id = stack_id(ctx, stacks, 0, false, true);
	copy_user_stack(sc);
	sc->s.user_stack_id = -EFAULT;
	if (fp_too) {
		sc->s.user_stack_id = stack_id(ctx, stacks, BPF_F_USER_STACK, true, true);
		sc->s.flags |= CPU_SAMPLE_FP_TOO;
	}
	/* auto has looked the process up already (a watched one is in no map); dwarf asks here */
	wakeup = wakeup_flag(unwind_mode == CPU_UNWIND_AUTO
				     ? !fp_too
				     : bpf_map_lookup_elem(&unwind_pids, &key->tgid) != NULL);
	size = sizeof(sc->s) + sc->s.stack_len;
	if (size > sizeof(*sc))
		return true;
	if (bpf_ringbuf_output(&samples, sc, size, wakeup))
		stat_inc(CPU_STAT_STACKS_LOST);
	return true;
}

/*
 * The word at the user stack pointer, when it points into the main executable's code: the
 * return address a frameless leaf function leaves there (see cpu_key.leaf_ret). Anything
 * else stays 0, so that the words of ordinary frames do not split the counts.
 */
static __always_inline __u64 leaf_return(struct task_struct *task)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	__u64 sp = 0, word = 0, start, end;

	if (!regs || bpf_probe_read_kernel(&sp, sizeof(sp), &regs->sp) || !sp)
		return 0;
	if (bpf_probe_read_user(&word, sizeof(word), (void *)sp))
		return 0;
	start = BPF_CORE_READ(task, mm, start_code);
	end = BPF_CORE_READ(task, mm, end_code);
	return word >= start && word < end ? word : 0;
}

SEC("perf_event")
int sample_cpu(struct bpf_perf_event_data *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 id = bpf_get_current_pid_tgid(), zero = 0, *count;
	struct cpu_key key = {};
	struct stack_maps stacks;
	__u8 method;
	bool kthread;
	void *counts;
	__u32 buf;
	__u32 *gen;

	key.tgid = id >> 32;
	key.pid = (__u32)id;
	if (!key.pid) /* the idle task: not what anyone profiles */
		return 0;
	if (filter_tgid && !bpf_map_lookup_elem(&targets, &key.tgid))
		return 0;
	if (key.tgid == self_tgid)
		return 0;
	stat_inc(CPU_STAT_SAMPLES);
	if (!first_sample_ns)
		first_sample_ns = bpf_ktime_get_ns();

	buf = *(volatile __u32 *)&active;
	if (buf) {
		stacks.main = &stacks1;
		stacks.overflow = &overflow1;
		counts = &counts1;
	} else {
		stacks.main = &stacks0;
		stacks.overflow = &overflow0;
		counts = &counts0;
	}
	gen = bpf_map_lookup_elem(&exec_gens, &key.tgid);
	key.exec_gen = gen ? *gen : 0;
	kthread = task->flags & PF_KTHREAD;
	method = kthread ? CPU_PID_FP : user_stack_method(key.tgid);
	if (method != CPU_PID_FP &&
	    send_stack_sample(ctx, task, &key, &stacks, buf, method != CPU_PID_DWARF)) {
		remember_comm(task, key.tgid, key.pid);
		return 0;
	}
	/*
	 * -EFAULT is normal for the user stack of a kernel thread and for the kernel stack of a
	 * sample taken in user mode; it is counted only where a stack was expected.
	 */
	key.user_stack_id = stack_id(ctx, &stacks, BPF_F_USER_STACK, true, !kthread);
	key.kern_stack_id = stack_id(ctx, &stacks, 0, false, !in_user_mode(ctx));
	if (key.user_stack_id >= 0)
		key.leaf_ret = leaf_return(task);

	count = bpf_map_lookup_or_try_init(counts, &key, &zero);
	if (!count) {
		stat_inc(CPU_STAT_MAP_FULL);
		return 0;
	}
	__sync_fetch_and_add(count, 1);
	remember_comm(task, key.tgid, key.pid);
	return 0;
}

/*
 * A new process: with -- CMD a target's child joins the filter; with it, or with -a, user space
 * hears of the fork, so a child that exits before its maps are read gets its parent's.
 */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(follow_fork, struct task_struct *parent, struct task_struct *child)
{
	struct cpu_proc_event ev = {.kind = CPU_EVENT_FORK};
	__u8 one = 1;

	ev.parent = parent->tgid;
	ev.tgid = child->tgid;
	/* a new thread shares its parent's tgid and is already followed */
	if (ev.parent == ev.tgid)
		return 0;
	if (filter_tgid) {
		if (!bpf_map_lookup_elem(&targets, &ev.parent))
			return 0;
		if (bpf_map_update_elem(&targets, &ev.tgid, &one, BPF_ANY)) {
			stat_inc(CPU_STAT_TARGETS_FULL);
			return 0;
		}
		stat_inc(CPU_STAT_FORKS);
	}
	ev.time_ns = bpf_ktime_get_ns();
	/* read with the next samples, or at the next tick: no need to wake user space */
	if (bpf_ringbuf_output(&events, &ev, sizeof(ev), BPF_RB_NO_WAKEUP))
		stat_inc(CPU_STAT_EVENTS_LOST);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(note_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct cpu_proc_event ev = {.kind = CPU_EVENT_EXEC, .tgid = p->tgid, .exec_gen = 1};
	__u32 *gen;

	if (filter_tgid && !bpf_map_lookup_elem(&targets, &ev.tgid))
		return 0;
	gen = bpf_map_lookup_elem(&exec_gens, &ev.tgid);
	/* no atomics needed: exec is serialized within a process (other threads are gone) */
	if (gen)
		ev.exec_gen = ++*gen;
	else
		bpf_map_update_elem(&exec_gens, &ev.tgid, &ev.exec_gen, BPF_ANY);
	ev.time_ns = bpf_ktime_get_ns();
	/* read with the next samples, or at the next tick: no need to wake user space */
	if (bpf_ringbuf_output(&events, &ev, sizeof(ev), BPF_RB_NO_WAKEUP))
		stat_inc(CPU_STAT_EVENTS_LOST);
	return 0;
}

/*
 * A followed process whose last thread exits leaves the filter: the map keeps room for new
 * children (a build forks thousands), and a later process reusing the pid is not profiled.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(forget_exit, struct task_struct *p)
{
	__u32 tgid = p->tgid;

	if (BPF_CORE_READ(p, signal, live.counter))
		return 0; /* other threads still run */
	bpf_map_delete_elem(&targets, &tgid);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
