// SPDX-License-Identifier: MIT
/*
 * Goroutine parks: a uprobe at the entry of runtime.gopark takes the parking goroutine (R14,
 * Go's register ABI), its wait reason (CL: gopark's third argument in Go 1.19 to 1.23), its
 * goid and its user stack, and sends them with the time; a uprobe at the entry of
 * runtime.execute, which every goroutine passes through to run again (woken by ready, by the
 * netpoller's injectglist, or a park cancelled in park_m), ends the park. Never a uretprobe:
 * it rewrites the return address on a goroutine stack that Go may move, and Go crashes.
 *
 * Stack growth runs gopark's entry twice for one call (the prologue calls morestack, which
 * copies the stack and jumps to the entry again): a goroutine already in the parked map has
 * not run since, so the second entry is the same park and is only counted.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "common.bpf.h"
#include "goroutine.h"
#include "proc.bpf.h"

/* (tgid, g) -> bpf_ktime_get_ns() of the park, until the goroutine runs again */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, GOROUTINE_MAX_PARKED);
	__type(key, struct goroutine_key);
	__type(value, __u64);
} parked SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, GOROUTINE_EVENTS_SIZE);
} go_events SEC(".maps");

/*
 * Where a park's record is built, so that only its frames go to the ring buffer (a Go stack is
 * 10 to 30 frames, not 127). A program preempted between its stack and its send could have its
 * entry overwritten by another park on the same CPU: rare, and it costs that park its stack.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct goroutine_event);
} park_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, GOROUTINE_STAT_NR);
	__type(key, __u32);
	__type(value, __u64);
} go_stats SEC(".maps");

/*
 * Set by user space while --duty-cycle takes the probes out (from just before the detach to
 * just after they are back): no park is taken then, so none is seen whose wake cannot be, as
 * the two probes go out and come back at slightly different times.
 */
__u32 parks_paused = 0;

static __always_inline void go_stat_inc(__u32 stat)
{
	__u64 *val = bpf_map_lookup_elem(&go_stats, &stat);

	if (val)
		(*val)++;
}

SEC("uprobe")
int go_park(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid(), cookie, now, goid = 0, size;
	struct goroutine_key key = {.tgid = id >> 32, .g = ctx->r14};
	struct goroutine_event *e;
	__u32 zero = 0;
	long n;

	go_stat_inc(GOROUTINE_STAT_HITS);
	if (*(volatile __u32 *)&parks_paused || !is_target(key.tgid) || !key.g)
		return 0;
	if (bpf_map_lookup_elem(&parked, &key)) {
		go_stat_inc(GOROUTINE_STAT_DOUBLE);
		return 0;
	}
	now = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&parked, &key, &now, BPF_NOEXIST)) {
		go_stat_inc(GOROUTINE_STAT_PARKED_FULL);
		return 0;
	}
	e = bpf_map_lookup_elem(&park_scratch, &zero);
	if (!e) {
		bpf_map_delete_elem(&parked, &key);
		return 0;
	}
	cookie = bpf_get_attach_cookie(ctx);
	bpf_probe_read_user(&goid, sizeof(goid),
			    (void *)(key.g + GOROUTINE_COOKIE_GOID_OFF(cookie)));
	e->h.kind = GOROUTINE_PARK;
	e->h.tgid = key.tgid;
	e->h.tid = (__u32)id;
	e->h.exec_gen = exec_gen_of(key.tgid);
	e->h.g = key.g;
	e->h.time_ns = now;
	e->h.goid = goid;
	e->h.binary = GOROUTINE_COOKIE_BINARY(cookie);
	e->h.reason = ctx->cx & 0xff;
	/* at the entry no frame is pushed yet: the word at SP is the caller (chanrecv...) */
	e->h.leaf_ret = user_word(ctx->sp);
	n = bpf_get_stack(ctx, e->user, sizeof(e->user), BPF_F_USER_STACK);
	e->h.nuser = n > 0 ? n / sizeof(__u64) : 0;
	e->h.pad = 0;
	size = sizeof(e->h) + (__u64)e->h.nuser * sizeof(__u64);
	/* user space reads at each drain: no need to wake it */
	if (size > sizeof(*e) || bpf_ringbuf_output(&go_events, e, size, BPF_RB_NO_WAKEUP)) {
		/* untimed rather than charged to a park nobody will hear of */
		bpf_map_delete_elem(&parked, &key);
		go_stat_inc(GOROUTINE_STAT_EVENTS_LOST);
		return 0;
	}
	remember_comm(bpf_get_current_task_btf(), key.tgid, (__u32)id);
	go_stat_inc(GOROUTINE_STAT_PARKS);
	return 0;
}

SEC("uprobe")
int go_execute(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct goroutine_key key = {.tgid = id >> 32, .g = ctx->ax};
	struct goroutine_head e = {.kind = GOROUTINE_WAKE};

	go_stat_inc(GOROUTINE_STAT_HITS);
	if (!bpf_map_lookup_elem(&parked, &key))
		return 0;
	bpf_map_delete_elem(&parked, &key);
	e.tgid = key.tgid;
	e.tid = (__u32)id;
	e.g = key.g;
	e.time_ns = bpf_ktime_get_ns();
	if (bpf_ringbuf_output(&go_events, &e, sizeof(e), BPF_RB_NO_WAKEUP))
		go_stat_inc(GOROUTINE_STAT_EVENTS_LOST);
	else
		go_stat_inc(GOROUTINE_STAT_WAKES);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
