// SPDX-License-Identifier: MIT
/*
 * On-CPU sampling: a perf_event program fired at -F Hz (on every CPU with -a, or on the
 * targets' threads, inherited) counts samples per (tgid, tid, user stack, kernel stack) in the
 * kernel, as bcc's libbpf-tools/profile does. Processes are filtered by tgid (common.bpf.h),
 * so threads created during the recording are included. With --unwind dwarf or auto, user
 * stacks go to user space as copies instead (common.bpf.h send_stack_copy()).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "common.bpf.h"
#include "cpu.h"
#include "proc.bpf.h"

#define PF_KTHREAD 0x00200000 /* include/linux/sched.h, not in BTF */

/* The nanoseconds one sample stands for (1e9 / -F), the second value of a stack copy. */
const volatile __u64 period_ns = 0;

/* Which buffer samples go to; flipped by user space before it drains the other one. */
__u32 active = 0;
/* bpf_ktime_get_ns() (CLOCK_MONOTONIC) of the first sample, for the start-up latency. */
__u64 first_sample_ns = 0;

/*
 * value_size (depth * 8) and max_entries are set by user space before load. overflow<buf>
 * holds the stacks that collided in stacks<buf> (common.bpf.h stack_id()).
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
	struct stack_scratch *sc = start_stack_copy(task, key->tgid, key->pid, key->exec_gen);

	if (!sc)
		return false;
	sc->s.buf = buf;
	sc->s.values[0] = 1;
	sc->s.values[1] = period_ns;
	if (!in_user_mode(ctx))
		sc->s.kern_stack_id = stack_id(ctx, stacks, 0, false, true);
	if (fp_too)
		sc->s.user_stack_id = stack_id(ctx, stacks, BPF_F_USER_STACK, true, true);
	send_stack_copy(task, sc, fp_too);
	return true;
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

	key.tgid = id >> 32;
	key.pid = (__u32)id;
	if (!key.pid) /* the idle task: not what anyone profiles */
		return 0;
	if (!is_target(key.tgid))
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
	key.exec_gen = exec_gen_of(key.tgid);
	kthread = task->flags & PF_KTHREAD;
	method = kthread ? SINGE_PID_FP : user_stack_method(key.tgid);
	if (method != SINGE_PID_FP &&
	    send_stack_sample(ctx, task, &key, &stacks, buf, method != SINGE_PID_DWARF)) {
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

char LICENSE[] SEC("license") = "Dual MIT/GPL";
