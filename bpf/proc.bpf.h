/* SPDX-License-Identifier: MIT */
/*
 * Process tracking for every profile type: the children of a target join the process filter
 * when they are forked (-- CMD) and leave it when they exit; execs bump the process's exec
 * generation, which every sample carries; forks and execs are told to user space through the
 * 'events' ring buffer.
 *
 * Every type's object includes these programs (after common.bpf.h), and the engine loads them
 * in the first type's object only, whose maps the others then share: one copy runs, and a
 * recording costs one object per type (each object load parses the kernel's BTF, ~0.2 s).
 */
#ifndef __SINGE_PROC_BPF_H
#define __SINGE_PROC_BPF_H

#include <bpf/bpf_tracing.h>

#include "common.bpf.h"

/*
 * A new process: with -- CMD a target's child joins the filter; with it, or with -a, user space
 * hears of the fork, so a child that exits before its maps are read gets its parent's.
 */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(follow_fork, struct task_struct *parent, struct task_struct *child)
{
	struct singe_proc_event ev = {.kind = SINGE_EVENT_FORK};
	__u8 one = 1;

	ev.parent = parent->tgid;
	ev.tgid = child->tgid;
	/* a new thread shares its parent's tgid and is already followed */
	if (ev.parent == ev.tgid)
		return 0;
	if (setup.filter_tgid) {
		if (!bpf_map_lookup_elem(&targets, &ev.parent))
			return 0;
		if (bpf_map_update_elem(&targets, &ev.tgid, &one, BPF_ANY)) {
			common_stat_inc(COMMON_STAT_TARGETS_FULL);
			return 0;
		}
		common_stat_inc(COMMON_STAT_FORKS);
	}
	/* a pid reused by a new process: its execs are counted from 0 again */
	bpf_map_delete_elem(&exec_gens, &ev.tgid);
	ev.time_ns = bpf_ktime_get_ns();
	/* read with the next samples, or at the next tick: no need to wake user space */
	if (bpf_ringbuf_output(&events, &ev, sizeof(ev), BPF_RB_NO_WAKEUP))
		common_stat_inc(COMMON_STAT_EVENTS_LOST);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(note_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct singe_proc_event ev = {.kind = SINGE_EVENT_EXEC, .tgid = p->tgid, .exec_gen = 1};
	__u32 *gen;

	if (setup.filter_tgid && !bpf_map_lookup_elem(&targets, &ev.tgid))
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
		common_stat_inc(COMMON_STAT_EVENTS_LOST);
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

#endif /* __SINGE_PROC_BPF_H */
