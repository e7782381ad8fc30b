// SPDX-License-Identifier: MIT
/*
 * The cpu recording engine. The BPF side counts samples per (tgid, tid, user stack id,
 * kernel stack id) in one of two buffers; every drain flips the active buffer, reads the
 * idle one completely, and clears it, so stack ids are never freed under a writer. Counts
 * accumulate in user space per distinct (process, exec generation, thread, addresses).
 *
 * A process's mappings are snapshotted and its files opened as soon as it is seen (or just
 * after it execs), while it lives; the addresses are resolved when the recording ends, so
 * the CPU that symbolization takes (DWARF, mostly) is not taken from the profiled processes
 * while they are measured. Only an exec forces earlier work: the stacks of the old image
 * are symbolized before its snapshot is replaced.
 *
 * The pieces: the distinct stacks and their values live in the stack table
 * (record_stacks.c), user stacks copied by the BPF program are unwound frame by frame by
 * cli/unwind.c, addresses become locations in cli/symbolize.c. This file holds the session:
 * the BPF object and its events, the process and thread tables, the rings and the loop's
 * bounded turns (RECORD_TURN_NS), --unwind auto's per-process choice, and the profile built
 * at the end. It is still the cpu type's own: other profile types are to be sources beside it
 * (see DESIGN.md), which is why the stack table takes a vector of values.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <linux/types.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cpu.h"
#include "clock.h"
#include "cpu.skel.h"
#include "hash.h"
#include "preflight.h"
#include "profile.h"
#include "record.h"
#include "record_stacks.h"
#include "sym_procmaps.h"
#include "symbolize.h"

/* A fork event: child was forked by parent (tgids). */
struct fork_link {
	uint32_t child, parent;
};

struct proc {
	uint32_t tgid;
	uint32_t snap_gen; /* the exec generation the symbolizer's snapshot is of */
	bool dwarf;	   /* --unwind auto moved it to DWARF unwinding */
	bool fp;	   /* --unwind auto stopped watching it: frame pointers only */
	bool exiting;	   /* seen gone at this drain: freed once its samples are read */
	bool exited;	   /* its unwinding state is freed */
	uint64_t snap_ns;  /* CLOCK_MONOTONIC of the last snapshot */
	uint64_t seen_ns;  /* CLOCK_MONOTONIC of the first snapshot */
	char comm[TASK_COMM_LEN];
};

/* A thread's own name, from the thread_comms map (the process's is in struct proc). */
struct thread_name {
	uint32_t tid;
	char comm[TASK_COMM_LEN];
};

struct record {
	struct record_opts opts;
	struct cpu_bpf *skel;
	VEC(struct bpf_link *) links; /* one per sampled CPU (-a) or target thread */
	int nevents;		      /* their number, kept after detach */
	struct bpf_link *fork_link, *exit_link, *exec_link;
	bool hw_event;
	int nr_possible;
	uint64_t *percpu;     /* scratch for per-CPU values */
	uint64_t *frames;     /* scratch for one stack (max_depth) */
	struct cpu_key *keys; /* scratch for one drain (max_stacks) */

	struct profile *profile;
	struct symbolizer *sym;
	struct stack_table *stacks; /* every distinct stack, values {samples} */
	VEC(struct proc) procs;
	struct idset proc_index;
	VEC(struct thread_name) threads;
	struct idset thread_index;
	VEC(pid_t) targets; /* -p and -- CMD: the processes whose threads are sampled */

	struct ring_buffer *events;  /* exec and fork events */
	struct ring_buffer *samples; /* stack samples (dwarf, auto); NULL with fp */
	struct unwinder *unwinder;   /* NULL with --unwind fp */
	const char *dump_dir;	     /* $SINGE_UNWIND_DUMP: save stack samples for tests */
	unsigned int dumped;
	VEC(struct record_unwind_choice) choices;
	VEC(struct cpu_proc_event) execs; /* received, not yet handled */
	/*
	 * Forks heard of, child -> parent, in two generations: the older one is dropped at each
	 * drain, so only the last second or two is kept (what a child's first sample needs).
	 */
	VEC(struct fork_link) forks[2];
	struct record_stats stats;
	int64_t time_nanos;
	uint64_t start_ns, stop_ns;
	uint64_t last_drain_ns; /* CLOCK_MONOTONIC of the last drain */
	uint64_t turn_end_ns;	/* stack copies are unwound until then in this turn */
	bool turn_over;		/* the last turn ended with stack copies left in the ring */
	bool dropping;		/* drop the stack copies left: their turn is over */
	bool finished;
};

void record_opts__init(struct record_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->freq = 99;
	opts->max_depth = CPU_MAX_STACK_DEPTH;
	opts->unwind = CPU_UNWIND_AUTO;
	opts->stack_size = CPU_DEFAULT_STACK_COPY;
}

const char *record__unwind_name(int mode)
{
	switch (mode) {
	case CPU_UNWIND_FP:
		return "fp";
	case CPU_UNWIND_DWARF:
		return "dwarf";
	default:
		return "auto";
	}
}

static unsigned int auto_size(unsigned long want, unsigned int min, unsigned int max)
{
	unsigned int n = min;

	while (n < want && n < max)
		n *= 2;
	return n;
}

void record_opts__resolve(struct record_opts *opts)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned long want = 4UL * opts->freq * (cpus > 0 ? cpus : 1);

	if (!opts->stack_storage)
		opts->stack_storage =
			auto_size(want, CPU_MIN_STACK_STORAGE, CPU_MAX_AUTO_STACK_STORAGE);
	if (!opts->overflow_storage) {
		opts->overflow_storage = opts->stack_storage / CPU_OVERFLOW_DIVISOR;
		if (opts->overflow_storage < CPU_MIN_OVERFLOW_STORAGE)
			opts->overflow_storage = CPU_MIN_OVERFLOW_STORAGE;
	}
	if (!opts->max_stacks)
		opts->max_stacks = auto_size(want, CPU_MIN_MAX_STACKS, CPU_MAX_AUTO_MAX_STACKS);
	/*
	 * The stack copies are read every tick (100 ms), or sooner when the ring is half full:
	 * room for a quarter of a second of full copies rides out a late tick (singe's start-up,
	 * a busy machine; at 999 Hz a 4 MiB ring lost 2-65 copies in the first 200 ms). The ring
	 * counts twice in singe's RSS (its pages are mapped twice, for the wrap-around), so it
	 * stops at 16 MiB, where 4999 Hz on 2 CPUs lost no copy; a full ring is counted and
	 * reported.
	 */
	if (!opts->ring_size)
		opts->ring_size =
			auto_size((unsigned long)opts->freq * (cpus > 0 ? cpus : 1) *
					  (opts->stack_size + sizeof(struct cpu_stack_sample)) / 4,
				  CPU_SAMPLES_MIN_SIZE, CPU_SAMPLES_MAX_AUTO_SIZE);
}

struct record *record__new(const struct record_opts *opts)
{
	struct record *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->opts = *opts;
	record_opts__resolve(&r->opts);
	r->nr_possible = libbpf_num_possible_cpus();
	if (r->nr_possible <= 0) {
		errno = r->nr_possible ? -r->nr_possible : EINVAL;
		free(r);
		return NULL;
	}
	r->percpu = calloc(r->nr_possible, sizeof(*r->percpu));
	r->frames = calloc(r->opts.max_depth, sizeof(*r->frames));
	r->keys = calloc(r->opts.max_stacks, sizeof(*r->keys));
	r->profile = profile__new();
	r->stacks = stack_table__new(1);
	if (!r->percpu || !r->frames || !r->keys || !r->profile || !r->stacks)
		goto fail;
	r->sym = symbolizer__new(r->profile, &(struct symbolizer_opts){0});
	if (!r->sym)
		goto fail;
	if (r->opts.unwind != CPU_UNWIND_FP && !(r->unwinder = unwinder__new()))
		goto fail;
	r->dump_dir = getenv("SINGE_UNWIND_DUMP");
	return r;
fail:
	record__free(r);
	errno = ENOMEM;
	return NULL;
}

static void detach(struct record *r)
{
	size_t i;

	for (i = 0; i < r->links.len; i++)
		bpf_link__destroy(r->links.data[i]); /* closes the perf event fd too */
	vec_free(&r->links);
	bpf_link__destroy(r->fork_link);
	bpf_link__destroy(r->exit_link);
	bpf_link__destroy(r->exec_link);
	r->fork_link = r->exit_link = r->exec_link = NULL;
}

void record__free(struct record *r)
{
	if (!r)
		return;
	detach(r);
	ring_buffer__free(r->events);
	ring_buffer__free(r->samples);
	cpu_bpf__destroy(r->skel);
	symbolizer__free(r->sym); /* before the profile it borrows */
	unwinder__free(r->unwinder);
	vec_free(&r->choices);
	profile__free(r->profile);
	stack_table__free(r->stacks);
	vec_free(&r->procs);
	vec_free(&r->threads);
	vec_free(&r->targets);
	idset_release(&r->thread_index);
	vec_free(&r->execs);
	vec_free(&r->forks[0]);
	vec_free(&r->forks[1]);
	idset_release(&r->proc_index);
	free(r->percpu);
	free(r->frames);
	free(r->keys);
	free(r);
}

int record__open(struct record *r, struct flame_err *err)
{
	struct cpu_bpf *skel;
	__u32 value_size = r->opts.max_depth * sizeof(__u64);
	int ret = 0;

	skel = cpu_bpf__open();
	if (!skel)
		return flame_err__set(err, errno, "failed to open the BPF object: %s",
				      strerror(errno));
	r->skel = skel;
	skel->rodata->filter_tgid = !r->opts.all;
	/* what singe costs shows in the summary; in a profile of the machine it is noise */
	skel->rodata->self_tgid = r->opts.all && !r->opts.include_self ? getpid() : 0;
	/* children are followed (and forgotten when they exit) only for -- CMD */
	/* forks are heard of for -- CMD and -a (-p has no children to follow) */
	bpf_program__set_autoload(skel->progs.follow_fork, r->opts.follow_forks || r->opts.all);
	bpf_program__set_autoload(skel->progs.forget_exit, r->opts.follow_forks);
	skel->rodata->unwind_mode = r->opts.unwind;
	skel->rodata->stack_size = r->opts.stack_size;

	/* both buffers have the same shape; sizes come from the options */
	ret = ret ?: bpf_map__set_value_size(skel->maps.stacks0, value_size);
	ret = ret ?: bpf_map__set_value_size(skel->maps.stacks1, value_size);
	ret = ret ?: bpf_map__set_max_entries(skel->maps.stacks0, r->opts.stack_storage);
	ret = ret ?: bpf_map__set_max_entries(skel->maps.stacks1, r->opts.stack_storage);
	ret = ret ?: bpf_map__set_value_size(skel->maps.overflow0, value_size);
	ret = ret ?: bpf_map__set_value_size(skel->maps.overflow1, value_size);
	ret = ret ?: bpf_map__set_max_entries(skel->maps.overflow0, r->opts.overflow_storage);
	ret = ret ?: bpf_map__set_max_entries(skel->maps.overflow1, r->opts.overflow_storage);
	ret = ret ?: bpf_map__set_max_entries(skel->maps.counts0, r->opts.max_stacks);
	ret = ret ?: bpf_map__set_max_entries(skel->maps.counts1, r->opts.max_stacks);
	/* the stack copies' ring buffer and scratch space: minimal when nothing copies stacks */
	ret = ret
		      ?: bpf_map__set_max_entries(
				 skel->maps.samples,
				 r->opts.unwind == CPU_UNWIND_FP ? 4096 : r->opts.ring_size);
	ret = ret
		      ?: bpf_map__set_max_entries(skel->maps.scratch,
						  r->opts.unwind == CPU_UNWIND_FP ? 1
										  : r->nr_possible);
	if (ret)
		return flame_err__set(err, -ret, "failed to size the BPF maps: %s", strerror(-ret));
	return 0;
}

static int on_proc_event(void *ctx, void *data, size_t size)
{
	struct record *r = ctx;
	struct cpu_proc_event ev;

	if (size < sizeof(ev))
		return 0;
	memcpy(&ev, data, sizeof(ev));
	if (ev.kind == CPU_EVENT_FORK)
		return vec_push(&r->forks[0], ((struct fork_link){ev.tgid, ev.parent}));
	return ev.kind == CPU_EVENT_EXEC ? vec_push(&r->execs, ev) : 0;
}

static int on_stack_sample(void *ctx, void *data, size_t size);

int record__load(struct record *r, struct flame_err *err)
{
	int ret = cpu_bpf__load(r->skel);

	if (ret)
		return preflight__explain_load(-ret, err);
	r->events = ring_buffer__new(bpf_map__fd(r->skel->maps.events), on_proc_event, r, NULL);
	if (!r->events)
		return flame_err__set(err, errno, "cannot read the BPF ring buffer: %s",
				      strerror(errno));
	if (r->opts.unwind == CPU_UNWIND_FP)
		return 0;
	r->samples = ring_buffer__new(bpf_map__fd(r->skel->maps.samples), on_stack_sample, r, NULL);
	if (!r->samples)
		return flame_err__set(err, errno, "cannot read the BPF ring buffer: %s",
				      strerror(errno));
	return 0;
}

static bool proc_eq(uint32_t idx, const void *key, void *ctx)
{
	const struct record *r = ctx;

	return r->procs.data[idx].tgid == *(const uint32_t *)key;
}

static int proc_find(struct record *r, uint32_t tgid)
{
	return idset__find(&r->proc_index, hash_mix(0, tgid), &tgid, proc_eq, r);
}

/*
 * The location ids of a new stack, kernel frames first. Return addresses (every frame but the
 * leaf) are looked up one byte earlier so that a call at the very end of a function is not
 * charged to the next one.
 */
static int symbolize_stack(struct record *r, size_t idx)
{
	struct stack_key s = stack_table__key(r->stacks, idx);
	uint32_t i, n = s.nkern + s.nuser;
	uint64_t ids[2 * CPU_MAX_STACK_DEPTH + 1];
	int64_t id;

	for (i = 0; i < n; i++) {
		if (i < s.nkern)
			id = symbolizer__kernel_location(r->sym, frame_lookup_addr(s.addrs[i], !i));
		else
			id = symbolizer__user_location(r->sym, s.tgid, s.addrs[i], i == s.nkern);
		if (id < 0)
			return id;
		ids[i] = id;
	}
	return stack_table__set_locations(r->stacks, idx, ids, n);
}

/* Symbolize the stacks not done yet: all of them, or only those of process tgid. */
static int symbolize_pending(struct record *r, bool all, uint32_t tgid)
{
	uint64_t t0 = thread_cpu_ns();
	size_t i;
	int ret = 0;

	for (i = 0; i < stack_table__len(r->stacks) && !ret; i++)
		if (!stack_table__symbolized(r->stacks, i) &&
		    (all || stack_table__key(r->stacks, i).tgid == tgid))
			ret = symbolize_stack(r, i);
	r->stats.symbolize_ns += thread_cpu_ns() - t0;
	return ret;
}

/* --unwind auto: tell the BPF program how to take p's user stacks from now on. */
static int decide_unwind(struct record *r, struct proc *p, __u8 method)
{
	return bpf_map__update_elem(r->skel->maps.unwind_pids, &p->tgid, sizeof(p->tgid), &method,
				    sizeof(method), BPF_ANY);
}

static void use_dwarf(struct record *r, struct proc *p)
{
	if (!p || p->dwarf || r->opts.unwind != CPU_UNWIND_AUTO)
		return;
	p->dwarf = true;
	if (!decide_unwind(r, p, CPU_PID_DWARF))
		r->stats.dwarf_processes++;
}

/* --unwind auto: p's frame-pointer walks were whole long enough; stop its stack copies. */
static void use_fp(struct record *r, struct proc *p)
{
	if (p->fp || p->dwarf)
		return;
	p->fp = true;
	decide_unwind(r, p, CPU_PID_FP);
}

/* --unwind auto: a main executable without frame pointers needs DWARF from the start. */
static void check_main_binary(struct record *r, struct proc *p)
{
	char path[64];
	struct procmaps *maps;
	char exe[4096];
	ssize_t n;
	size_t i;

	snprintf(path, sizeof(path), "/proc/%u/exe", p->tgid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0)
		return;
	exe[n] = '\0';
	maps = procmaps__load(p->tgid);
	for (i = 0; maps && i < maps->len; i++) {
		if (!maps->maps[i].executable || strcmp(maps->maps[i].path, exe))
			continue;
		if (unwinder__frame_pointers(r->unwinder, p->tgid, maps->maps[i].start, NULL) ==
		    UNWIND_FP_OMITTED)
			use_dwarf(r, p);
		break;
	}
	procmaps__free(maps);
}

/* What snapshot() reads: a process first seen, a new image after an exec, or the same again. */
enum snapshot_kind {
	SNAPSHOT_FIRST,
	SNAPSHOT_NEW_IMAGE,
	SNAPSHOT_REFRESH, /* libraries mapped since; a process gone keeps the snapshot it had */
};

/* --unwind auto: a new image is a new program, to be watched and decided for again. */
static void forget_unwind_choice(struct record *r, struct proc *p)
{
	p->dwarf = p->fp = false;
	bpf_map__delete_elem(r->skel->maps.unwind_pids, &p->tgid, sizeof(p->tgid), 0);
}

/* The parent a fork event named for child, or 0: the newest event first (pids are reused). */
static uint32_t parent_of(const struct record *r, uint32_t child)
{
	size_t g, i;

	for (g = 0; g < 2; g++)
		for (i = r->forks[g].len; i-- > 0;)
			if (r->forks[g].data[i].child == child)
				return r->forks[g].data[i].parent;
	return 0;
}

/* Ancestors tried for a child gone early whose parent is gone as well (nested subshells). */
#define INHERIT_MAX_DEPTH 4

/*
 * A child that exited before its maps could be read, and never exec'd, ran its parent's
 * image: give it the parent's snapshot, or the nearest ancestor's that can still be had.
 * 0, or -ESRCH when no ancestor is known.
 */
static int inherit_snapshot(struct record *r, uint32_t tgid)
{
	uint32_t parent = tgid;
	int depth, ret = -ESRCH;

	for (depth = 0; depth < INHERIT_MAX_DEPTH && ret == -ESRCH; depth++) {
		parent = parent_of(r, parent);
		if (!parent)
			return -ESRCH;
		ret = symbolizer__inherit_pid(r->sym, tgid, parent);
		/* a parent never sampled is most likely still there: read it now */
		if (ret == -ESRCH && !symbolizer__add_pid(r->sym, parent))
			ret = symbolizer__inherit_pid(r->sym, tgid, parent);
	}
	if (ret || !r->unwinder)
		return ret;
	unwinder__add_pid(r->unwinder, parent);
	unwinder__inherit_pid(r->unwinder, tgid, parent);
	return 0;
}

/*
 * Open p's files for symbolizing and unwinding (read its maps again for a refresh). A process
 * already gone is not an error (its frames stay module+offset or unknown): 0, or -ENOMEM.
 */
static int snapshot(struct record *r, struct proc *p, uint32_t gen, enum snapshot_kind kind)
{
	uint64_t t0 = thread_cpu_ns();
	int err, uerr = 0;

	if (kind == SNAPSHOT_NEW_IMAGE)
		symbolizer__forget_pid(r->sym, p->tgid);
	err = kind == SNAPSHOT_REFRESH ? symbolizer__refresh_pid(r->sym, p->tgid)
				       : symbolizer__add_pid(r->sym, p->tgid);
	/* a process already gone is not an error: its frames stay module+offset or unknown */
	if (err == -ESRCH && kind == SNAPSHOT_FIRST && !gen && !inherit_snapshot(r, p->tgid))
		r->stats.inherited++;
	else if (err == -ESRCH && kind != SNAPSHOT_REFRESH)
		r->stats.gone_early++;
	if (r->unwinder) {
		if (kind == SNAPSHOT_NEW_IMAGE) {
			unwinder__forget_pid(r->unwinder, p->tgid);
			if (r->opts.unwind == CPU_UNWIND_AUTO)
				forget_unwind_choice(r, p);
		}
		uerr = kind == SNAPSHOT_REFRESH ? unwinder__refresh_pid(r->unwinder, p->tgid)
						: unwinder__add_pid(r->unwinder, p->tgid);
		if (r->opts.unwind == CPU_UNWIND_AUTO && !p->dwarf)
			check_main_binary(r, p);
	}
	/* --unwind dwarf: the process's maps are read, its samples need not wake singe any more */
	if (r->opts.unwind == CPU_UNWIND_DWARF && kind != SNAPSHOT_REFRESH)
		decide_unwind(r, p, CPU_PID_DWARF);
	p->snap_gen = gen;
	p->snap_ns = mono_ns();
	if (kind != SNAPSHOT_REFRESH)
		p->seen_ns = p->snap_ns;
	r->stats.snapshot_ns += thread_cpu_ns() - t0;
	return err == -ENOMEM || uerr == -ENOMEM ? -ENOMEM : 0;
}

/*
 * Make sure the symbolizer has tgid's mappings for exec generation gen: opened when the
 * process is first seen, while it lives, and again when a stack of a newer image shows up.
 */
static int proc_see(struct record *r, uint32_t tgid, uint32_t gen)
{
	struct proc p = {.tgid = tgid};
	int64_t idx = proc_find(r, tgid);
	int ret;

	if (idx >= 0) {
		if (gen <= r->procs.data[idx].snap_gen)
			return 0;
		/* the old image's stacks need the old mappings: symbolize them before they go */
		ret = symbolize_pending(r, false, tgid);
		if (!ret)
			ret = snapshot(r, &r->procs.data[idx], gen, SNAPSHOT_NEW_IMAGE);
		return ret;
	}
	ret = vec_push(&r->procs, p);
	if (!ret)
		ret = idset__insert(&r->proc_index, hash_mix(0, tgid), r->procs.len - 1);
	if (ret)
		return ret;
	r->stats.processes = r->procs.len;
	return snapshot(r, &r->procs.data[r->procs.len - 1], gen, SNAPSHOT_FIRST);
}

/* Let pid's samples through the BPF program's filter. */
static int allow_pid(struct record *r, pid_t pid)
{
	__u8 one = 1;

	if (bpf_map__update_elem(r->skel->maps.targets, &pid, sizeof(__u32), &one, sizeof(one),
				 BPF_ANY))
		return errno == E2BIG ? -ENOSPC : -errno;
	return 0;
}

int record__filter_pid(struct record *r, pid_t pid)
{
	int ret = allow_pid(r, pid);

	/* record__attach() opens the events of each target's threads */
	return ret ?: vec_push(&r->targets, pid);
}

int record__add_target(struct record *r, pid_t pid)
{
	__u32 gen = 0;
	int ret = allow_pid(r, pid);

	if (ret)
		return ret;
	/* a command has exec'd once already: its stacks will carry generation 1 */
	bpf_map__lookup_elem(r->skel->maps.exec_gens, &pid, sizeof(__u32), &gen, sizeof(gen), 0);
	return proc_see(r, pid, gen);
}

/* The CPUs in /sys/devices/system/cpu/online ("0-3,6"): sampling runs on each of them. */
static int online_cpus(int **out)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "re");
	int *cpus = NULL, n = 0, a, b, c;
	char sep;

	if (!f)
		return -errno;
	while (fscanf(f, "%d", &a) == 1) {
		b = a;
		sep = fgetc(f);
		if (sep == '-') {
			if (fscanf(f, "%d", &b) != 1)
				break;
			sep = fgetc(f);
		}
		for (c = a; c <= b; c++) {
			int *grown = realloc(cpus, (n + 1) * sizeof(*cpus));

			if (!grown) {
				free(cpus);
				fclose(f);
				return -ENOMEM;
			}
			cpus = grown;
			cpus[n++] = c;
		}
		if (sep != ',')
			break;
	}
	fclose(f);
	if (!n) {
		free(cpus);
		return -ENOENT;
	}
	*out = cpus;
	return n;
}

/*
 * One sampling event: on a CPU for every task (pid -1), or on one task wherever it runs
 * (cpu -1), inherited by the threads and children it starts from then on, as perf record -p
 * and perf record CMD do.
 */
static int open_perf_event(bool hw, int freq, pid_t pid, int cpu)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = hw ? PERF_TYPE_HARDWARE : PERF_TYPE_SOFTWARE,
		.config = hw ? PERF_COUNT_HW_CPU_CYCLES : PERF_COUNT_SW_CPU_CLOCK,
		.freq = 1,
		.sample_freq = freq,
		.inherit = pid >= 0,
	};
	int fd = syscall(__NR_perf_event_open, &attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/*
 * The hardware cycles event where a PMU exists, else the cpu-clock software event (VMs and
 * containers without PMU access): the first event decides for all of them.
 */
static int open_event_on(struct record *r, pid_t pid, int cpu)
{
	bool first = !r->links.len;
	int fd;

	if (first) {
		fd = open_perf_event(true, r->opts.freq, pid, cpu);
		r->hw_event = fd >= 0;
		if (fd >= 0 || (fd != -ENOENT && fd != -EOPNOTSUPP && fd != -ENODEV))
			return fd;
	}
	return open_perf_event(r->hw_event, r->opts.freq, pid, cpu);
}

/* Open the event of (pid, cpu) and run the sampling program on it; what names it in errors. */
static int attach_event(struct record *r, pid_t pid, int cpu, const char *what, int id,
			struct flame_err *err)
{
	struct bpf_link *link;
	int fd = open_event_on(r, pid, cpu), ret;

	/* a thread that exited since it was listed is not an error */
	if (fd == -ESRCH && pid >= 0)
		return 0;
	if (fd < 0)
		return preflight__explain_perf_open(-fd, r->opts.freq, err);
	if ((ret = vec_reserve(&r->links, 1))) {
		close(fd);
		return ret;
	}
	link = bpf_program__attach_perf_event(r->skel->progs.sample_cpu, fd);
	if (!link) {
		ret = -errno;
		close(fd);
		return flame_err__set(err, -ret, "cannot attach to the perf event of %s %d: %s",
				      what, id, strerror(-ret));
	}
	r->links.data[r->links.len++] = link;
	return 0;
}

/* -a: one event per online CPU. */
static int attach_cpus(struct record *r, struct flame_err *err)
{
	int *cpus = NULL, n, i, ret = 0;

	n = online_cpus(&cpus);
	if (n < 0)
		return flame_err__set(err, -n, "cannot read the online CPUs: %s", strerror(-n));
	for (i = 0; i < n && !ret; i++)
		ret = attach_event(r, -1, cpus[i], "CPU", cpus[i], err);
	free(cpus);
	return ret;
}

/*
 * -p and -- CMD: one inherited event per thread of each target, so that sampling costs the
 * other processes of the machine nothing (per-CPU events would interrupt every CPU at -F Hz
 * and filter in BPF). Threads and children started later inherit the event; a thread
 * started while the list is read may be missed, as with perf record -p.
 */
static int attach_tasks(struct record *r, struct flame_err *err)
{
	size_t i, j;
	int ret = 0;

	for (i = 0; i < r->targets.len && !ret; i++) {
		pid_t *tids = NULL;
		int n = procfs__list_tasks(r->targets.data[i], &tids);

		if (n == -ESRCH)
			continue; /* gone already: the loop will say every target exited */
		if (n < 0)
			return flame_err__set(err, -n, "cannot list the threads of process %d: %s",
					      r->targets.data[i], strerror(-n));
		for (j = 0; j < (size_t)n && !ret; j++)
			ret = attach_event(r, tids[j], -1, "thread", tids[j], err);
		free(tids);
	}
	return ret;
}

int record__attach(struct record *r, struct flame_err *err)
{
	int ret;

	/* forks and execs first, so that nothing a target does after its first sample is missed */
	if (r->opts.follow_forks || r->opts.all) {
		r->fork_link = bpf_program__attach(r->skel->progs.follow_fork);
		if (!r->fork_link)
			return flame_err__set(err, errno,
					      "cannot attach to tp_btf/sched_process_fork: %s",
					      strerror(errno));
	}
	if (r->opts.follow_forks) {
		r->exit_link = bpf_program__attach(r->skel->progs.forget_exit);
		if (!r->exit_link)
			return flame_err__set(err, errno,
					      "cannot attach to tp_btf/sched_process_exit: %s",
					      strerror(errno));
	}
	r->exec_link = bpf_program__attach(r->skel->progs.note_exec);
	if (!r->exec_link)
		return flame_err__set(err, errno, "cannot attach to tp_btf/sched_process_exec: %s",
				      strerror(errno));
	r->time_nanos = clock_ns(CLOCK_REALTIME);
	r->start_ns = mono_ns();
	ret = r->opts.all ? attach_cpus(r, err) : attach_tasks(r, err);
	r->nevents = r->links.len;
	if (ret)
		detach(r);
	return ret;
}

const char *record__event_name(const struct record *r)
{
	return r->hw_event ? "cycles" : "cpu-clock";
}

int record__nr_events(const struct record *r)
{
	return r->nevents;
}

static uint64_t read_stat(struct record *r, __u32 stat)
{
	uint64_t sum = 0;
	int i;

	if (bpf_map__lookup_elem(r->skel->maps.stats, &stat, sizeof(stat), r->percpu,
				 r->nr_possible * sizeof(*r->percpu), 0))
		return 0;
	for (i = 0; i < r->nr_possible; i++)
		sum += r->percpu[i];
	return sum;
}

static void read_stats(struct record *r)
{
	struct record_stats *s = &r->stats;

	record__poll_stats(r);
	s->collisions = read_stat(r, CPU_STAT_COLLISIONS);
	s->overflows = read_stat(r, CPU_STAT_OVERFLOWS);
	s->no_user_stack = read_stat(r, CPU_STAT_NO_USER_STACK);
	s->no_kern_stack = read_stat(r, CPU_STAT_NO_KERN_STACK);
	s->stack_errors = read_stat(r, CPU_STAT_STACK_ERRORS);
	s->forks = read_stat(r, CPU_STAT_FORKS);
	s->regs_errors = read_stat(r, CPU_STAT_REGS_ERRORS);
	s->targets_full = read_stat(r, CPU_STAT_TARGETS_FULL);
	s->events_lost = read_stat(r, CPU_STAT_EVENTS_LOST);
}

/*
 * Copy the frames of stack id of buffer buf into r->frames: from its main stack map, or its
 * overflow map when the id is flagged so. The number of frames (0 for a missing stack).
 */
static unsigned int read_stack(struct record *r, int buf, __s32 id)
{
	const struct bpf_map *map;
	__u32 bucket;
	unsigned int n;

	if (id < 0)
		return 0;
	if (id & CPU_STACK_ID_OVERFLOW)
		map = buf ? r->skel->maps.overflow1 : r->skel->maps.overflow0;
	else
		map = buf ? r->skel->maps.stacks1 : r->skel->maps.stacks0;
	bucket = id & ~CPU_STACK_ID_OVERFLOW;
	if (bpf_map_lookup_elem(bpf_map__fd(map), &bucket, r->frames))
		return 0;
	for (n = 0; n < r->opts.max_depth && r->frames[n]; n++)
		;
	return n;
}

static struct proc *proc_of(struct record *r, uint32_t tgid)
{
	int64_t idx = proc_find(r, tgid);

	return idx >= 0 ? &r->procs.data[idx] : NULL;
}

/* Remember what a binary the samples go through needs, for the summary and the profile. */
static int note_choice(struct record *r, const char *name, enum unwind_fp fp)
{
	struct record_unwind_choice c = {.name = name, .fp = fp};
	size_t i;

	for (i = 0; i < r->choices.len; i++)
		if (!strcmp(r->choices.data[i].name, name))
			return 0;
	return vec_push(&r->choices, c);
}

/*
 * Is addr in one of the outermost functions of a thread or a process (libc's, or Go's
 * goroutine and thread roots)? A frame-pointer walk that reaches one has found every frame of
 * the program's own; all it misses beyond is clone3 or _start, not worth copying stacks for
 * (every thread starts in libc's start_thread, so without this --unwind auto would copy the
 * stacks of every program that has threads).
 */
static bool is_stack_root(struct record *r, uint32_t tgid, uint64_t addr)
{
	static const char *const roots[] = {
		"start_thread",
		"__libc_start_call_main",
		"__libc_start_main",
		"clone3",
		"clone",
		"_start",
		"runtime.goexit",
		"runtime.mstart",
		"runtime.rt0_go",
	};
	int64_t id = symbolizer__user_location(r->sym, tgid, addr, false);
	const struct location *loc;
	const struct line *lines;
	const char *name;
	size_t i;

	if (id <= 0)
		return false;
	loc = profile__location(r->profile, (uint64_t)id);
	lines = profile__location_lines(r->profile, loc);
	if (!loc->nlines || !lines)
		return false;
	name = profile__str(
		r->profile,
		profile__function(r->profile, lines[loc->nlines - 1].function_id)->name);
	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
		if (!strcmp(name, roots[i]))
			return true;
	return false;
}

/*
 * The binaries a new stack goes through (dwarf, auto), noted for the report. For a
 * frame-pointer walk also whether it is broken (1): it went through a binary without frame
 * pointers, and that frame is not a thread's or the process's outermost function
 * (is_stack_root()). Only the frames up to that binary are trusted: the walk goes astray
 * after it.
 */
static int check_stack_binaries(struct record *r, const struct stack_key *k, bool fp_walk)
{
	const uint64_t *user = k->addrs + k->nkern;
	bool omitted = false, root = false;
	const char *name;
	enum unwind_fp fp;
	uint16_t i;
	int ret;

	for (i = 0; i < k->nuser && !(fp_walk && omitted); i++) {
		fp = unwinder__frame_pointers(r->unwinder, k->tgid, frame_lookup_addr(user[i], !i),
					      &name);
		if (fp == UNWIND_FP_UNKNOWN || !name)
			continue;
		if ((ret = note_choice(r, name, fp)))
			return ret;
		if (fp == UNWIND_FP_OMITTED) {
			omitted = true;
			root = fp_walk && i && is_stack_root(r, k->tgid, user[i]);
		}
	}
	return fp_walk && omitted && !root;
}

/*
 * Add count samples of stack k. A new stack's process is looked at first (its files opened
 * while it lives) and, with dwarf or auto, the binaries it goes through: with auto a broken
 * frame-pointer walk moves its process to DWARF.
 */
static int add_stack(struct record *r, const struct stack_key *k, uint64_t count, bool fp_walk)
{
	int64_t values[1] = {(int64_t)count}, idx;
	bool is_new;
	int ret;

	idx = stack_table__add(r->stacks, k, values, &is_new);
	if (idx < 0 || !is_new)
		return idx < 0 ? (int)idx : 0;
	r->stats.stacks = stack_table__len(r->stacks);
	ret = proc_see(r, k->tgid, k->exec_gen);
	if (!ret && r->unwinder && (ret = check_stack_binaries(r, k, fp_walk)) > 0) {
		use_dwarf(r, proc_of(r, k->tgid));
		ret = 0;
	}
	return ret;
}

/* Count count samples whose user stack (if any) was walked by frame pointer in the kernel. */
static void count_walk(struct record *r, const struct stack_key *k, uint64_t count)
{
	if (k->nkern == r->opts.max_depth || k->nuser == r->opts.max_depth)
		r->stats.truncated += count;
	r->stats.drained += count;
	if (k->nuser)
		r->stats.fp_walks += count;
}

/*
 * A frameless leaf (Go's small leaf functions push no frame pointer) has its caller left out
 * of a frame-pointer walk, which starts from the caller's own frame pointer. Where Go's pcsp
 * table says the sampled pc has not moved the stack pointer, ret (the word at the stack
 * pointer) is that caller's return address: put it back as the second frame. 0 or -ENOMEM.
 */
static int keep_leaf_caller(struct record *r, struct stack_key *k, uint64_t *user, uint64_t ret)
{
	int delta;

	if (!ret || !k->nuser || k->nuser >= r->opts.max_depth || (k->nuser > 1 && user[1] == ret))
		return 0;
	if ((delta = proc_see(r, k->tgid, k->exec_gen)))
		return delta;
	delta = symbolizer__go_sp_delta(r->sym, k->tgid, user[0]);
	if (delta)
		return delta == -ENOMEM ? delta : 0;
	memmove(user + 2, user + 1, (k->nuser - 1) * sizeof(*user));
	user[1] = ret;
	k->nuser++;
	r->stats.leaf_callers++;
	return 0;
}

/* The word at the stack pointer, where a sample's stack copy starts (0 without one). */
static uint64_t stack_top_word(const struct cpu_stack_sample *h, const void *data)
{
	uint64_t word = 0;

	if (h->stack_len >= sizeof(word))
		memcpy(&word, (const uint8_t *)data + sizeof(*h), sizeof(word));
	return word;
}

/* Read one counts entry with both of its stacks into user space. */
static int drain_key(struct record *r, int buf, const struct cpu_key *key, uint64_t count)
{
	uint64_t both[2 * CPU_MAX_STACK_DEPTH];
	int ret;
	struct stack_key k = {
		.tgid = key->tgid,
		.tid = key->pid,
		.exec_gen = key->exec_gen,
		.addrs = both,
	};

	k.nkern = read_stack(r, buf, key->kern_stack_id);
	memcpy(both, r->frames, k.nkern * sizeof(uint64_t));
	k.nuser = read_stack(r, buf, key->user_stack_id);
	memcpy(both + k.nkern, r->frames, k.nuser * sizeof(uint64_t));
	ret = keep_leaf_caller(r, &k, both + k.nkern, key->leaf_ret);
	if (ret)
		return ret;
	count_walk(r, &k, count);
	return add_stack(r, &k, count, true);
}

/*
 * SINGE_UNWIND_DUMP=DIR: save the first stack samples as received (DIR/sample-N.bin) with their
 * process's maps (DIR/maps-N.txt), the raw material of tests/data/unwind's snapshots. A
 * debugging aid: failures are ignored.
 */
#define UNWIND_DUMP_MAX 16

static void dump_sample(struct record *r, const void *data, size_t size, uint32_t tgid)
{
	char path[4096], maps[64];
	size_t len;
	char *text;
	FILE *f;

	if (!r->dump_dir || r->dumped >= UNWIND_DUMP_MAX)
		return;
	snprintf(maps, sizeof(maps), "/proc/%u/maps", tgid);
	text = procfs__read_file(maps, 64 << 20, &len);
	if (!text)
		return;
	snprintf(path, sizeof(path), "%s/maps-%u.txt", r->dump_dir, r->dumped);
	f = fopen(path, "we");
	if (f) {
		fwrite(text, 1, len, f);
		fclose(f);
	}
	free(text);
	snprintf(path, sizeof(path), "%s/sample-%u.bin", r->dump_dir, r->dumped);
	f = fopen(path, "we");
	if (f) {
		fwrite(data, 1, size, f);
		fclose(f);
	}
	r->dumped++;
}

/* Unwind a sample's stack copy into user; the number of addresses, or a negative errno. */
static int unwind_copy(struct record *r, const struct cpu_stack_sample *h, const void *data,
		       uint64_t *user, enum unwind_result *res)
{
	struct unwind_sample us = {0};
	int n;

	/* the BPF program's register layout is the unwinder's: DWARF x86-64 numbering */
	_Static_assert(sizeof(us.regs) == sizeof(h->regs), "register sets differ in size");
	_Static_assert(CPU_REG_BP == UNWIND_REG_BP && CPU_REG_SP == UNWIND_REG_SP &&
			       CPU_REG_IP == UNWIND_REG_IP && CPU_NR_REGS == UNWIND_NR_REGS,
		       "register numbers differ");
	memcpy(us.regs, h->regs, sizeof(us.regs));
	us.stack = (const uint8_t *)data + sizeof(*h);
	us.stack_len = h->stack_len;
	us.copy_full = h->flags & CPU_SAMPLE_COPY_FULL;
	n = unwinder__unwind(r->unwinder, h->tgid, h->pid, &us, user, r->opts.max_depth, res);
	if (n >= 0 && unwinder__take_refreshed(r->unwinder, h->tgid)) {
		/* libraries were mapped since the snapshot: the symbolizer needs them too */
		symbolizer__refresh_pid(r->sym, h->tgid);
	}
	return n;
}

/* Count and keep a stack whose user part was unwound from the copy. */
static int add_unwound(struct record *r, const struct cpu_stack_sample *h,
		       const struct stack_key *k, enum unwind_result res)
{
	r->stats.unwound++;
	r->stats.unwind[res]++;
	r->stats.stack_bytes += h->stack_len;
	if (res == UNWIND_MAX_DEPTH || k->nkern == r->opts.max_depth)
		r->stats.truncated++;
	r->stats.drained++;
	return add_stack(r, k, 1, false);
}

/*
 * --unwind auto watches a process this long (stack copies along with the frame-pointer walks)
 * before it trusts whole walks alone. A broken walk later still moves it to DWARF, but the
 * samples until the next drain then keep the broken walk.
 */
#define AUTO_WATCH_NS 1000000000ULL

/* Count and keep a watched process's frame-pointer walk; trust the process after a while. */
static int add_walk(struct record *r, struct proc *p, const struct stack_key *walk)
{
	if (mono_ns() - p->seen_ns >= AUTO_WATCH_NS)
		use_fp(r, p);
	count_walk(r, walk, 1);
	r->stats.watched++;
	return add_stack(r, walk, 1, true);
}

/* Does a frame-pointer walk reach a thread's or the process's outermost function? */
static bool walk_reaches_root(struct record *r, const struct stack_key *walk)
{
	const uint64_t *user = walk->addrs + walk->nkern;
	int i;

	for (i = walk->nuser - 1; i > 0; i--)
		if (is_stack_root(r, walk->tgid, user[i]))
			return true;
	return false;
}

/*
 * --unwind auto, a sample of a process still watched (CPU_SAMPLE_FP_TOO): it carries both its
 * frame-pointer walk and a stack copy (k holds its kernel frames, in addrs). The walk is kept
 * when it is whole: it meets no binary without frame pointers short of a thread's root, and
 * it reaches that root -- or, short of one, the copy does not unwind to more frames, or
 * failed (a sample in a prologue called from code without frame pointers ends the walk
 * early). A walk through a binary without frame pointers moves the process to DWARF.
 */
static int watched_sample(struct record *r, struct proc *p, const struct cpu_stack_sample *h,
			  const void *data, struct stack_key *k, uint64_t *addrs)
{
	uint64_t walk_addrs[2 * CPU_MAX_STACK_DEPTH];
	struct stack_key walk = *k;
	enum unwind_result res;
	int broken, n;

	walk.addrs = walk_addrs;
	memcpy(walk_addrs, addrs, k->nkern * sizeof(uint64_t));
	walk.nuser = read_stack(r, h->buf ? 1 : 0, h->user_stack_id);
	memcpy(walk_addrs + k->nkern, r->frames, walk.nuser * sizeof(uint64_t));
	if ((n = keep_leaf_caller(r, &walk, walk_addrs + k->nkern, stack_top_word(h, data))))
		return n;
	broken = walk.nuser ? check_stack_binaries(r, &walk, true) : 1;
	if (broken < 0)
		return broken;
	if (broken && walk.nuser)
		use_dwarf(r, p);
	if (!broken && walk_reaches_root(r, &walk))
		return add_walk(r, p, &walk);
	n = unwind_copy(r, h, data, addrs + k->nkern, &res);
	if (n < 0)
		return n;
	/*
	 * The copy wins when it unwound deeper, even when it stopped short of the root at the end
	 * of the copy or at a stack switch (a cgo call): those frames are still right.
	 */
	if (!broken && (n <= walk.nuser || (res != UNWIND_COMPLETE && res != UNWIND_OTHER_STACK &&
					    res != UNWIND_TRUNCATED)))
		return add_walk(r, p, &walk);
	k->nuser = n;
	return add_unwound(r, h, k, res);
}

/*
 * --unwind dwarf and auto: one sample from the ring buffer. Its kernel stack (and the
 * frame-pointer walk of a watched process) is in the stack maps of the buffer it was taken in
 * (drain reads the ring buffer before it clears them); its user stack is unwound here, while
 * the process most likely still runs, and the addresses join the frame-pointer stacks'
 * aggregation.
 */
static int take_stack_sample(struct record *r, void *data, size_t size)
{
	struct cpu_stack_sample h;
	uint64_t both[2 * CPU_MAX_STACK_DEPTH];
	struct stack_key k = {.addrs = both};
	enum unwind_result res;
	struct proc *p;
	int n, ret;

	if (size < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	if (h.stack_len > size - sizeof(h))
		return 0;
	k.tgid = h.tgid;
	k.tid = h.pid;
	k.exec_gen = h.exec_gen;
	dump_sample(r, data, sizeof(h) + h.stack_len, h.tgid);
	/* the process's files and maps first: the unwinder needs them */
	ret = proc_see(r, h.tgid, h.exec_gen);
	if (ret)
		return ret;
	k.nkern = read_stack(r, h.buf ? 1 : 0, h.kern_stack_id);
	memcpy(both, r->frames, k.nkern * sizeof(uint64_t));
	p = proc_of(r, h.tgid);
	if ((h.flags & CPU_SAMPLE_FP_TOO) && p && !p->dwarf)
		return watched_sample(r, p, &h, data, &k, both);
	n = unwind_copy(r, &h, data, both + k.nkern, &res);
	if (n < 0)
		return n;
	k.nuser = n;
	/* a stripped Go binary has no CFI: its frameless leaves need the same care as a walk */
	if ((ret = keep_leaf_caller(r, &k, both + k.nkern, stack_top_word(&h, data))))
		return ret;
	return add_unwound(r, &h, &k, res);
}

/* What a stack-sample callback returns when its turn is over: libbpf then stops reading. */
#define TURN_OVER (-ETIME)

/*
 * The ring buffer's callback. Samples can arrive faster than they unwind (-F 50000 with
 * dwarf): past the turn's end the callback stops libbpf's loop, which would otherwise never
 * return, and the samples left wait for the next turn or, at a drain, are dropped and
 * counted (their kernel stacks are in the buffer about to be cleared).
 */
static int on_stack_sample(void *ctx, void *data, size_t size)
{
	struct record *r = ctx;
	int ret;

	if (r->dropping) {
		r->stats.dropped++;
		return 0;
	}
	ret = take_stack_sample(r, data, size);
	if (ret < 0)
		return ret;
	return mono_ns() >= r->turn_end_ns ? TURN_OVER : 0;
}

/*
 * Read the events (forks noted, execs kept for later), then the stack samples waiting in the
 * ring buffers, unwinding them for at most budget_ns: in that order, so that a child's fork is
 * known before its first sample. The number of records read, or a negative errno;
 * r->turn_over tells whether samples may be left.
 */
static int consume_rings(struct record *r, uint64_t budget_ns)
{
	int ret = ring_buffer__consume(r->events), n;

	r->turn_over = false;
	if (ret >= 0 && r->samples) {
		r->turn_end_ns = mono_ns() + budget_ns;
		n = ring_buffer__consume(r->samples);
		r->turn_over = n == TURN_OVER;
		if (r->turn_over)
			n = 1;
		ret = n < 0 ? n : ret + n;
	}
	if (r->unwinder)
		r->stats.unwind_ns = unwinder__stats(r->unwinder)->unwind_ns;
	return ret;
}

/*
 * Before a stack map is cleared: every stack copy waiting is taken, unwound within budget_ns,
 * and the rest dropped and counted (dropping is cheap, so this ends however fast they come).
 */
static int take_all_samples(struct record *r, uint64_t budget_ns)
{
	int ret = consume_rings(r, budget_ns);

	if (ret < 0 || !r->turn_over)
		return ret;
	r->dropping = true;
	ring_buffer__consume(r->samples);
	r->dropping = false;
	record__poll_stats(r);
	return ret;
}

int record__wait(struct record *r, uint64_t timeout_ns)
{
	/* only stack samples wake singe; events are written without a wake-up */
	struct ring_buffer *rb = r->samples ? r->samples : r->events;
	struct epoll_event ev;
	int n = epoll_wait(ring_buffer__epoll_fd(rb), &ev, 1,
			   (int)((timeout_ns + 999999) / 1000000));

	if (n <= 0)
		return n < 0 && errno != EINTR ? -errno : 0;
	return consume_rings(r, RECORD_TURN_NS);
}

/* Empty a stack-trace map; ids are bucket indexes, so deleting while walking is safe. */
static void clear_stacks(int fd)
{
	__u32 id, *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &id)) {
		bpf_map_delete_elem(fd, &id);
		prev = &id;
	}
}

/* Older images first, so each stack is symbolized before a newer snapshot replaces its own. */
static int cmp_keys(const void *a, const void *b)
{
	const struct cpu_key *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	if (x->exec_gen != y->exec_gen)
		return x->exec_gen < y->exec_gen ? -1 : 1;
	return 0;
}

static int drain_buffer(struct record *r, int buf)
{
	struct bpf_map *counts = buf ? r->skel->maps.counts1 : r->skel->maps.counts0;
	struct bpf_map *stacks = buf ? r->skel->maps.stacks1 : r->skel->maps.stacks0;
	struct bpf_map *overflow = buf ? r->skel->maps.overflow1 : r->skel->maps.overflow0;
	int counts_fd = bpf_map__fd(counts);
	struct cpu_key *prev = NULL;
	size_t n = 0, i;
	uint64_t count;
	int ret = 0;

	/* nothing writes to this buffer now: collect every key, then read and delete them */
	while (n < r->opts.max_stacks && !bpf_map_get_next_key(counts_fd, prev, &r->keys[n])) {
		prev = &r->keys[n];
		n++;
	}
	qsort(r->keys, n, sizeof(*r->keys), cmp_keys);
	for (i = 0; i < n && !ret; i++) {
		if (bpf_map_lookup_elem(counts_fd, &r->keys[i], &count) || !count)
			continue;
		ret = drain_key(r, buf, &r->keys[i], count);
	}
	for (i = 0; i < n; i++)
		bpf_map_delete_elem(counts_fd, &r->keys[i]);
	clear_stacks(bpf_map__fd(stacks));
	clear_stacks(bpf_map__fd(overflow));
	return ret;
}

/* Copy the comm of every process sampled so far into the process table. */
static void drain_comms(struct record *r)
{
	int fd = bpf_map__fd(r->skel->maps.comms);
	__u32 tgid, *prev = NULL;
	struct cpu_comm comm;
	size_t n = 0;
	int64_t idx;

	while (!bpf_map_get_next_key(fd, prev, &tgid)) {
		if (!bpf_map_lookup_elem(fd, &tgid, &comm)) {
			idx = proc_find(r, tgid);
			if (idx >= 0)
				memcpy(r->procs.data[idx].comm, comm.comm, TASK_COMM_LEN);
		}
		prev = &tgid;
		n++;
	}
	/*
	 * Entries stay: the program writes only when a comm changes, so the map holds one entry
	 * per process. Emptied when nearly full (-a on a busy machine) so new processes get names.
	 */
	if (n >= CPU_MAX_COMMS / 4 * 3)
		while (!bpf_map_get_next_key(fd, NULL, &tgid))
			bpf_map_delete_elem(fd, &tgid);
}

static bool thread_eq(uint32_t idx, const void *key, void *ctx)
{
	const struct record *r = ctx;

	return r->threads.data[idx].tid == *(const uint32_t *)key;
}

static struct thread_name *thread_of(struct record *r, uint32_t tid)
{
	int64_t idx = idset__find(&r->thread_index, hash_mix(1, tid), &tid, thread_eq, r);

	return idx >= 0 ? &r->threads.data[idx] : NULL;
}

/* Remember tid's name, replacing an older one (a thread renamed itself). */
static int name_thread(struct record *r, uint32_t tid, const char *comm)
{
	struct thread_name *t = thread_of(r, tid), n = {.tid = tid};
	int ret;

	if (!t) {
		if ((ret = vec_push(&r->threads, n)) ||
		    (ret = idset__insert(&r->thread_index, hash_mix(1, tid), r->threads.len - 1)))
			return ret;
		t = &r->threads.data[r->threads.len - 1];
	}
	memcpy(t->comm, comm, TASK_COMM_LEN);
	return 0;
}

/*
 * Move the thread names the BPF program noted into the thread table. Entries are deleted
 * once read, so the map only holds the threads sampled since the last drain (a thread whose
 * name is deleted is noted again at its next sample).
 */
static int drain_thread_comms(struct record *r)
{
	int fd = bpf_map__fd(r->skel->maps.thread_comms), ret = 0;
	__u32 tid, *prev = NULL;
	struct cpu_comm comm;
	VEC(__u32) seen = {0};
	size_t i;

	while (!ret && !bpf_map_get_next_key(fd, prev, &tid)) {
		if (!bpf_map_lookup_elem(fd, &tid, &comm))
			ret = name_thread(r, tid, comm.comm);
		ret = ret ?: vec_push(&seen, tid);
		prev = &tid;
	}
	for (i = 0; i < seen.len; i++)
		bpf_map_delete_elem(fd, &seen.data[i]);
	vec_free(&seen);
	return ret;
}

/*
 * The processes that exited since the last drain (a drain reads every sample they left)
 * release their unwinding state: a libdwfl session opens a process's binaries and their CFI
 * anew, and a long -a recording sees thousands of processes. Their symbolization snapshot stays
 * for the end. Marks them exiting; whether any was found.
 */
static bool find_exited(struct record *r)
{
	bool found = false;
	size_t i;

	for (i = 0; i < r->procs.len; i++) {
		struct proc *p = &r->procs.data[i];

		p->exiting = !p->exited && kill((pid_t)p->tgid, 0) && errno == ESRCH;
		found |= p->exiting;
	}
	return found;
}

static void forget_exited(struct record *r)
{
	size_t i;

	for (i = 0; i < r->procs.len; i++) {
		struct proc *p = &r->procs.data[i];

		if (!p->exiting)
			continue;
		p->exiting = false;
		p->exited = true;
		unwinder__forget_pid(r->unwinder, p->tgid);
		bpf_map__delete_elem(r->skel->maps.unwind_pids, &p->tgid, sizeof(p->tgid), 0);
	}
}

/* Flip buffers, let programs still on the old one finish, and read it into user space. */
/*
 * A drain waits at most this long for the stack copies to be unwound (new processes' files
 * being opened, a burst of samples): past it, the copies left are dropped and counted.
 */
#define DRAIN_MAX_DELAY_NS 2000000000ULL

int record__drain(struct record *r)
{
	__u32 idle = __atomic_load_n(&r->skel->bss->active, __ATOMIC_RELAXED);
	struct timespec grace = {0, 1000000};
	uint64_t now = mono_ns();
	bool exited;
	int ret;

	/*
	 * The copies waiting refer to the buffer about to be flipped: unwind them first, and
	 * when a turn is not enough, try again at the next tick rather than drop them.
	 */
	ret = consume_rings(r, RECORD_TURN_NS);
	if (ret < 0)
		return ret;
	if (!r->last_drain_ns)
		r->last_drain_ns = r->start_ns;
	if (r->turn_over && now - r->last_drain_ns < DRAIN_MAX_DELAY_NS)
		return 1;
	r->last_drain_ns = now;
	/* before the samples are read: what an exited process left is all in there by now */
	exited = r->unwinder && find_exited(r);
	__atomic_store_n(&r->skel->bss->active, !idle, __ATOMIC_SEQ_CST);
	/* a perf_event program runs for microseconds: 1 ms covers any still on the old buffer */
	nanosleep(&grace, NULL);
	read_stats(r);
	/* stack samples refer to the idle buffer's stack map: read them before it is cleared */
	ret = take_all_samples(r, RECORD_TURN_NS);
	ret = ret < 0 ? ret : drain_buffer(r, idle);
	drain_comms(r);
	ret = ret ?: drain_thread_comms(r);
	if (exited)
		forget_exited(r);
	/* every sample up to now is in: forks older than the last drain are no longer needed */
	vec_free(&r->forks[1]);
	r->forks[1] = r->forks[0];
	memset(&r->forks[0], 0, sizeof(r->forks[0]));
	return ret;
}

/*
 * Followed processes that exec'd: drain first, so stacks of the old image are symbolized
 * against the old snapshot, then snapshot the new image while the process runs, even if it
 * has not been sampled yet (it may be gone by the next drain). An exec is handled once it is
 * EXEC_SETTLE_NS old, so that the dynamic loader has mapped the shared libraries by then.
 * With -a only processes already seen are refreshed: snapshotting every exec on the machine
 * would cost more than it saves.
 */
#define EXEC_SETTLE_NS 50000000ULL

/*
 * A snapshot of this image taken before the loader had time to map the libraries (a command
 * is snapshotted right after its exec, or a sample came first) is taken again: the new one is
 * a superset, so the stacks recorded so far resolve against it as well.
 */
static int resnapshot_if_early(struct record *r, const struct cpu_proc_event *ev)
{
	int64_t idx = proc_find(r, ev->tgid);
	struct proc *p = idx >= 0 ? &r->procs.data[idx] : NULL;

	if (p && p->snap_gen == ev->exec_gen && p->snap_ns < ev->time_ns + EXEC_SETTLE_NS)
		return snapshot(r, p, ev->exec_gen, SNAPSHOT_REFRESH);
	return 0;
}

int record__handle_execs(struct record *r)
{
	uint64_t now = mono_ns();
	size_t i, kept = 0;
	int ret = 0;
	bool drained = false;

	if (ring_buffer__consume(r->events) < 0 || !r->execs.len)
		return 0;
	for (i = 0; i < r->execs.len && !ret; i++) {
		struct cpu_proc_event ev = r->execs.data[i];

		if (now - ev.time_ns < EXEC_SETTLE_NS) {
			r->execs.data[kept++] = ev;
			continue;
		}
		if (!drained) {
			ret = record__drain(r);
			drained = true;
			if (ret > 0) {
				/* the drain waits for the stack copies: so does the exec */
				memmove(r->execs.data + kept, r->execs.data + i,
					(r->execs.len - i) * sizeof(*r->execs.data));
				kept += r->execs.len - i;
				ret = 0;
				break;
			}
		}
		if (!ret && (!r->opts.all || proc_find(r, ev.tgid) >= 0))
			ret = proc_see(r, ev.tgid, ev.exec_gen);
		if (!ret)
			ret = resnapshot_if_early(r, &ev);
	}
	r->execs.len = kept;
	return ret;
}

void record__poll_stats(struct record *r)
{
	struct record_stats *s = &r->stats;

	s->samples = read_stat(r, CPU_STAT_SAMPLES);
	s->counts_full = read_stat(r, CPU_STAT_MAP_FULL);
	s->stacks_lost = read_stat(r, CPU_STAT_STACKS_LOST);
	s->lost = s->counts_full + s->stacks_lost + s->dropped;
	if (!s->first_sample_ns && r->skel->bss)
		s->first_sample_ns = r->skel->bss->first_sample_ns;
}

const struct record_stats *record__stats(const struct record *r)
{
	return &r->stats;
}

size_t record__unwind_choices(const struct record *r, const struct record_unwind_choice **out)
{
	*out = r->choices.data;
	return r->choices.len;
}

static int add_sample_types(struct profile *p, int freq)
{
	int ret = profile__add_sample_type(p, "samples", "count");
	int64_t cpu, ns;

	if (ret < 0 || (ret = profile__add_sample_type(p, "cpu", "nanoseconds")) < 0)
		return ret;
	cpu = profile__intern_str(p, "cpu");
	ns = profile__intern_str(p, "nanoseconds");
	if (cpu < 0 || ns < 0)
		return -ENOMEM;
	p->period_type.type = cpu;
	p->period_type.unit = ns;
	p->period = 1000000000LL / freq;
	return 0;
}

/* A pseudo-frame for samples with neither a kernel nor a user stack, so totals stay right. */
static int64_t missing_stack_location(struct profile *p)
{
	int64_t name = profile__intern_str(p, "[missing stack]"), fid;
	struct line line = {0};

	if (name < 0)
		return name;
	fid = profile__intern_function(p, &(struct function){.name = name, .system_name = name});
	if (fid < 0)
		return fid;
	line.function_id = fid;
	return profile__intern_location(p, 0, 0, &line, 1);
}

static int add_samples(struct record *r)
{
	struct profile *p = r->profile;
	int64_t pid_key = profile__intern_str(p, "pid"), tid_key = profile__intern_str(p, "tid");
	int64_t comm_key = profile__intern_str(p, "comm");
	int64_t process_key = profile__intern_str(p, "process"), missing = 0;
	size_t i;
	int ret;

	if (pid_key < 0 || tid_key < 0 || comm_key < 0 || process_key < 0)
		return -ENOMEM;
	for (i = 0; i < stack_table__len(r->stacks); i++) {
		struct stack_key s = stack_table__key(r->stacks, i);
		const struct proc *proc = proc_of(r, s.tgid);
		const struct thread_name *thread = thread_of(r, s.tid);
		int64_t count = stack_table__values(r->stacks, i)[0];
		int64_t values[2] = {count, count * p->period};
		uint32_t nlocs;
		const uint64_t *locs = stack_table__locations(r->stacks, i, &nlocs);
		const char *process = proc && proc->comm[0] ? proc->comm : "[unknown]";
		/* the thread's own name, as perf shows it; its process's when it was not seen */
		const char *comm = thread && thread->comm[0] ? thread->comm : process;
		int64_t comm_str = profile__intern(p, comm, strnlen(comm, TASK_COMM_LEN));
		int64_t process_str = profile__intern(p, process, strnlen(process, TASK_COMM_LEN));
		struct label labels[4] = {
			{.key = pid_key, .num = s.tgid},
			{.key = tid_key, .num = s.tid},
			{.key = comm_key, .str = comm_str},
			{.key = process_key, .str = process_str},
		};
		uint64_t loc;

		if (comm_str < 0 || process_str < 0)
			return -ENOMEM;
		if (!nlocs && !missing && (missing = missing_stack_location(p)) < 0)
			return missing;
		loc = missing;
		ret = profile__add_sample(p, nlocs ? locs : &loc, nlocs ? nlocs : 1, values, labels,
					  4);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * "singe:unwind auto qsort_hot=fp libc.so.6=dwarf": the mode and what each binary the samples
 * went through needs; "singe:unwind-quality ...": how the stack copies unwound.
 */
static int add_unwind_comments(struct record *r)
{
	const struct record_stats *s = &r->stats;
	char text[1024];
	size_t n, i;
	int ret;

	n = snprintf(text, sizeof(text), "singe:unwind %s", record__unwind_name(r->opts.unwind));
	for (i = 0; i < r->choices.len && n < sizeof(text); i++)
		n += snprintf(text + n, sizeof(text) - n, " %s=%s", r->choices.data[i].name,
			      r->choices.data[i].fp == UNWIND_FP_KEPT ? "fp" : "dwarf");
	if ((ret = profile__add_comment(r->profile, text)))
		return ret;
	if (r->opts.unwind == CPU_UNWIND_FP)
		return 0;
	n = snprintf(text, sizeof(text),
		     "singe:unwind-quality fp_walks=%llu dwarf=%llu complete=%llu truncated=%llu "
		     "lost=%llu",
		     (unsigned long long)s->fp_walks, (unsigned long long)s->unwound,
		     (unsigned long long)s->unwind[UNWIND_COMPLETE],
		     (unsigned long long)s->unwind[UNWIND_TRUNCATED],
		     (unsigned long long)s->stacks_lost);
	for (i = UNWIND_MAX_DEPTH; i < UNWIND_NR_RESULTS && n < sizeof(text); i++)
		n += snprintf(text + n, sizeof(text) - n, " failed:%s=%llu", unwind_result__name(i),
			      (unsigned long long)s->unwind[i]);
	return profile__add_comment(r->profile, text);
}

static int add_comments(struct record *r)
{
	char text[256];
	int ret;

	snprintf(text, sizeof(text), "singe record -t cpu: %s event at %d Hz on %d %s",
		 record__event_name(r), r->opts.freq, r->nevents,
		 r->opts.all ? "CPUs" : "target threads (and the tasks they started)");
	ret = profile__add_comment(r->profile, text);
	ret = ret ?: add_unwind_comments(r);
	if (ret || !(r->stats.collisions || r->stats.no_user_stack))
		return ret;
	snprintf(text, sizeof(text),
		 "stacks lost: %llu to stack-map collisions, %llu user stacks unreadable",
		 (unsigned long long)r->stats.collisions,
		 (unsigned long long)r->stats.no_user_stack);
	return profile__add_comment(r->profile, text);
}

/* The stack copies left when sampling stops are unwound for at most this long. */
#define FINISH_UNWIND_NS 250000000ULL

int record__finish(struct record *r, struct profile **out, struct flame_err *err)
{
	int ret;

	if (r->finished)
		return flame_err__set(err, EINVAL, "recording already finished");
	r->finished = true;
	detach(r);
	r->stop_ns = mono_ns();
	nanosleep(&(struct timespec){0, 1000000}, NULL); /* programs still running finish */
	read_stats(r);
	/* nothing is writing any more: both buffers can be read */
	ret = take_all_samples(r, FINISH_UNWIND_NS);
	ret = ret < 0 ? ret : drain_buffer(r, 0);
	ret = ret ?: drain_buffer(r, 1);
	drain_comms(r);
	ret = ret ?: drain_thread_comms(r);
	record__poll_stats(r); /* the copies dropped just now are lost samples too */
	ret = ret ?: symbolize_pending(r, true, 0);
	ret = ret ?: add_sample_types(r->profile, r->opts.freq);
	ret = ret ?: add_samples(r);
	ret = ret ?: add_comments(r);
	if (ret)
		return flame_err__set(err, -ret, "cannot build the profile: %s", strerror(-ret));
	r->stats.unknown_frames = symbolizer__stats(r->sym)->unknown_frames;
	r->profile->time_nanos = r->time_nanos;
	r->profile->duration_nanos = r->start_ns ? r->stop_ns - r->start_ns : 0;
	r->profile->quality.lost = r->stats.lost;
	r->profile->quality.truncated = r->stats.truncated + r->stats.unwind[UNWIND_TRUNCATED];
	r->profile->quality.unknown_frames = r->stats.unknown_frames;
	/* the symbolizer borrows the profile: free it before handing the profile over */
	symbolizer__free(r->sym);
	r->sym = NULL;
	*out = r->profile;
	r->profile = NULL;
	return 0;
}
