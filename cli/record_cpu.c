// SPDX-License-Identifier: MIT
/*
 * The cpu profile type (-t cpu): on-CPU stacks sampled at -F Hz by a perf event, the hardware
 * cycles event where a PMU exists, else cpu-clock. With -a one event per online CPU; with -p
 * and -- CMD one per thread of the targets, inherited by the threads and children they start,
 * so the rest of the machine is never interrupted. bpf/cpu.bpf.c counts samples per (tgid,
 * tid, user stack id, kernel stack id) in one of two buffers; each drain flips the active
 * buffer, reads the idle one completely and clears it, so stack ids are never freed under a
 * writer. Sample types samples/count and cpu/nanoseconds (samples x the period).
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cpu.h"
#include "cpu.skel.h"
#include "preflight.h"
#include "profile.h"
#include "record.h"
#include "record_stacks.h"
#include "source.h"
#include "sym_procmaps.h"

struct cpu_source {
	struct source base;
	struct cpu_bpf *skel;
	VEC(struct bpf_link *) links; /* one per sampled CPU (-a) or target thread */
	int nevents;		      /* their number, kept after detach */
	bool hw_event;
	uint64_t period_ns;
	struct cpu_key *keys; /* scratch for one drain (max_stacks) */
	uint64_t *frames;     /* scratch for one stack (max_depth) */
};

static struct cpu_source *cpu_of(struct source *s)
{
	return (struct cpu_source *)s;
}

/* Map sizes left at 0: room for 4 x the samples of a drain period (HZ x CPUs). */
static void cpu_resolve(struct record_opts *opts)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned long want = 4UL * opts->freq * (cpus > 0 ? cpus : 1);

	if (!opts->stack_storage)
		opts->stack_storage =
			record_auto_size(want, CPU_MIN_STACK_STORAGE, CPU_MAX_AUTO_STACK_STORAGE);
	if (!opts->overflow_storage) {
		opts->overflow_storage = opts->stack_storage / CPU_OVERFLOW_DIVISOR;
		if (opts->overflow_storage < CPU_MIN_OVERFLOW_STORAGE)
			opts->overflow_storage = CPU_MIN_OVERFLOW_STORAGE;
	}
	if (!opts->max_stacks)
		opts->max_stacks =
			record_auto_size(want, CPU_MIN_MAX_STACKS, CPU_MAX_AUTO_MAX_STACKS);
}

static struct source *cpu_new(struct record *r)
{
	const struct record_opts *opts = record__opts(r);
	struct cpu_source *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->keys = calloc(opts->max_stacks, sizeof(*c->keys));
	c->frames = calloc(opts->max_depth, sizeof(*c->frames));
	if (!c->keys || !c->frames) {
		free(c->keys);
		free(c->frames);
		free(c);
		return NULL;
	}
	c->period_ns = 1000000000ULL / (opts->freq > 0 ? opts->freq : 1);
	return &c->base;
}

static int cpu_open(struct source *s, struct flame_err *err)
{
	struct cpu_source *c = cpu_of(s);
	const struct record_opts *opts = record__opts(s->r);
	__u32 value_size = opts->max_depth * sizeof(__u64);
	struct cpu_bpf *skel = cpu_bpf__open();
	int ret = 0, buf;

	if (!skel)
		return flame_err__set(err, errno, "failed to open the BPF object: %s",
				      strerror(errno));
	c->skel = skel;
	s->obj = skel->obj;
	record__bpf_setup(s->r, s, &skel->rodata->setup);
	skel->rodata->period_ns = c->period_ns;
	s->maps = (struct source_stack_maps){
		.main = {skel->maps.stacks0, skel->maps.stacks1},
		.overflow = {skel->maps.overflow0, skel->maps.overflow1},
	};
	/* both buffers have the same shape; sizes come from the options */
	for (buf = 0; buf < 2 && !ret; buf++) {
		ret = bpf_map__set_value_size(s->maps.main[buf], value_size);
		ret = ret ?: bpf_map__set_max_entries(s->maps.main[buf], opts->stack_storage);
		ret = ret ?: bpf_map__set_value_size(s->maps.overflow[buf], value_size);
		ret = ret
			      ?: bpf_map__set_max_entries(s->maps.overflow[buf],
							  opts->overflow_storage);
	}
	ret = ret ?: bpf_map__set_max_entries(skel->maps.counts0, opts->max_stacks);
	ret = ret ?: bpf_map__set_max_entries(skel->maps.counts1, opts->max_stacks);
	if (ret)
		return flame_err__set(err, -ret, "failed to size the BPF maps: %s", strerror(-ret));
	return 0;
}

static int cpu_load(struct source *s)
{
	return cpu_bpf__load(cpu_of(s)->skel);
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
static int open_event_on(struct cpu_source *c, pid_t pid, int cpu)
{
	int freq = record__opts(c->base.r)->freq, fd;

	if (!c->links.len) {
		fd = open_perf_event(true, freq, pid, cpu);
		c->hw_event = fd >= 0;
		if (fd >= 0 || (fd != -ENOENT && fd != -EOPNOTSUPP && fd != -ENODEV))
			return fd;
	}
	return open_perf_event(c->hw_event, freq, pid, cpu);
}

/* Open the event of (pid, cpu) and run the sampling program on it; what names it in errors. */
static int attach_event(struct cpu_source *c, pid_t pid, int cpu, const char *what, int id,
			struct flame_err *err)
{
	struct bpf_link *link;
	int fd = open_event_on(c, pid, cpu), ret;

	/* a thread that exited since it was listed is not an error */
	if (fd == -ESRCH && pid >= 0)
		return 0;
	if (fd < 0)
		return preflight__explain_perf_open(-fd, record__opts(c->base.r)->freq, err);
	if ((ret = vec_reserve(&c->links, 1))) {
		close(fd);
		return ret;
	}
	link = bpf_program__attach_perf_event(c->skel->progs.sample_cpu, fd);
	if (!link) {
		ret = -errno;
		close(fd);
		return flame_err__set(err, -ret, "cannot attach to the perf event of %s %d: %s",
				      what, id, strerror(-ret));
	}
	c->links.data[c->links.len++] = link;
	return 0;
}

/* -a: one event per online CPU. */
static int attach_cpus(struct cpu_source *c, struct flame_err *err)
{
	int *cpus = NULL, n, i, ret = 0;

	n = procfs__online_cpus(&cpus);
	if (n < 0)
		return flame_err__set(err, -n, "cannot read the online CPUs: %s", strerror(-n));
	for (i = 0; i < n && !ret; i++)
		ret = attach_event(c, -1, cpus[i], "CPU", cpus[i], err);
	free(cpus);
	return ret;
}

/*
 * -p and -- CMD: one inherited event per thread of each target, so that sampling costs the
 * other processes of the machine nothing (per-CPU events would interrupt every CPU at -F Hz
 * and filter in BPF). Threads and children started later inherit the event; a thread
 * started while the list is read may be missed, as with perf record -p.
 */
static int attach_tasks(struct cpu_source *c, struct flame_err *err)
{
	const int *targets;
	size_t ntargets = record__targets(c->base.r, &targets), i, j;
	int ret = 0;

	for (i = 0; i < ntargets && !ret; i++) {
		pid_t *tids = NULL;
		int n = procfs__list_tasks(targets[i], &tids);

		if (n == -ESRCH)
			continue; /* gone already: the loop will say every target exited */
		if (n < 0)
			return flame_err__set(err, -n, "cannot list the threads of process %d: %s",
					      targets[i], strerror(-n));
		for (j = 0; j < (size_t)n && !ret; j++)
			ret = attach_event(c, tids[j], -1, "thread", tids[j], err);
		free(tids);
	}
	return ret;
}

static int cpu_attach(struct source *s, struct flame_err *err)
{
	struct cpu_source *c = cpu_of(s);
	int ret = record__opts(s->r)->all ? attach_cpus(c, err) : attach_tasks(c, err);

	c->nevents = c->links.len;
	return ret;
}

static void cpu_detach(struct source *s)
{
	struct cpu_source *c = cpu_of(s);
	size_t i;

	for (i = 0; i < c->links.len; i++)
		bpf_link__destroy(c->links.data[i]); /* closes the perf event fd too */
	vec_free(&c->links);
}

static void cpu_flip(struct source *s)
{
	struct cpu_source *c = cpu_of(s);

	__atomic_store_n(&c->skel->bss->active, !c->skel->bss->active, __ATOMIC_SEQ_CST);
}

/* Read one counts entry with both of its stacks into the stack table. */
static int drain_key(struct cpu_source *c, int buf, const struct cpu_key *key, uint64_t count)
{
	uint64_t both[2 * SINGE_MAX_STACK_DEPTH + 1];
	int64_t values[2] = {(int64_t)count, (int64_t)(count * c->period_ns)};
	struct stack_key k = {
		.tgid = key->tgid,
		.tid = key->pid,
		.exec_gen = key->exec_gen,
		.addrs = both,
	};

	k.nkern = record__read_stack(c->base.r, &c->base, buf, key->kern_stack_id, c->frames);
	memcpy(both, c->frames, k.nkern * sizeof(uint64_t));
	k.nuser = record__read_stack(c->base.r, &c->base, buf, key->user_stack_id, c->frames);
	memcpy(both + k.nkern, c->frames, k.nuser * sizeof(uint64_t));
	return record__add_stack(c->base.r, &c->base, &k, values, 0, true, key->leaf_ret);
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

static int drain_buffer(struct cpu_source *c, int buf)
{
	unsigned int max_stacks = record__opts(c->base.r)->max_stacks;
	int counts_fd = bpf_map__fd(buf ? c->skel->maps.counts1 : c->skel->maps.counts0);
	struct cpu_key *prev = NULL;
	size_t n = 0, i;
	uint64_t count;
	int ret = 0;

	/* nothing writes to this buffer now: collect every key, then read and delete them */
	while (n < max_stacks && !bpf_map_get_next_key(counts_fd, prev, &c->keys[n])) {
		prev = &c->keys[n];
		n++;
	}
	qsort(c->keys, n, sizeof(*c->keys), cmp_keys);
	for (i = 0; i < n && !ret; i++) {
		if (bpf_map_lookup_elem(counts_fd, &c->keys[i], &count) || !count)
			continue;
		ret = drain_key(c, buf, &c->keys[i], count);
	}
	for (i = 0; i < n; i++)
		bpf_map_delete_elem(counts_fd, &c->keys[i]);
	record__clear_stack_map(c->base.maps.main[buf]);
	record__clear_stack_map(c->base.maps.overflow[buf]);
	return ret;
}

static int cpu_drain(struct source *s, bool all)
{
	struct cpu_source *c = cpu_of(s);
	/* the buffer flipped away from, now idle */
	int idle = !__atomic_load_n(&c->skel->bss->active, __ATOMIC_RELAXED);
	int ret;

	if (!all)
		return drain_buffer(c, idle);
	ret = drain_buffer(c, 0);
	return ret ?: drain_buffer(c, 1);
}

static void cpu_poll(struct source *s, uint64_t *samples, uint64_t *lost)
{
	struct cpu_source *c = cpu_of(s);

	*samples = record__read_percpu(s->r, c->skel->maps.stats, CPU_STAT_SAMPLES);
	*lost = record__read_percpu(s->r, c->skel->maps.stats, CPU_STAT_MAP_FULL);
}

static uint64_t cpu_first_sample(struct source *s)
{
	struct cpu_source *c = cpu_of(s);

	return c->skel && c->skel->bss ? c->skel->bss->first_sample_ns : 0;
}

static const char *cpu_describe(struct source *s, char *buf, size_t size)
{
	struct cpu_source *c = cpu_of(s);
	const struct record_opts *opts = record__opts(s->r);

	snprintf(buf, size, "%s event at %d Hz on %d %s", c->hw_event ? "cycles" : "cpu-clock",
		 opts->freq, c->nevents,
		 opts->all ? "CPUs" : "target threads (and the tasks they started)");
	return buf;
}

/* The period (what a sample stands for) and a comment on how sampling was done. */
static int cpu_annotate(struct source *s, struct profile *p)
{
	struct cpu_source *c = cpu_of(s);
	char text[256], what[200];
	int64_t type = profile__intern_str(p, "cpu"), unit = profile__intern_str(p, "nanoseconds");

	if (type < 0 || unit < 0)
		return -ENOMEM;
	if (!p->period_type.type) {
		p->period_type.type = type;
		p->period_type.unit = unit;
		p->period = (int64_t)c->period_ns;
	}
	snprintf(text, sizeof(text), "singe record -t cpu: %s",
		 cpu_describe(s, what, sizeof(what)));
	return profile__add_comment(p, text);
}

static void cpu_free(struct source *s)
{
	struct cpu_source *c = cpu_of(s);

	cpu_detach(s);
	cpu_bpf__destroy(c->skel);
	free(c->keys);
	free(c->frames);
	free(c);
}

static const struct source_sample_type cpu_types[] = {
	{"samples", "count"},
	{"cpu", "nanoseconds"},
};

const struct source_ops cpu_source_ops = {
	.name = "cpu",
	.about = "on-CPU stacks, sampled at -F Hz",
	.nvalues = 2,
	.types = cpu_types,
	.resolve = cpu_resolve,
	.new = cpu_new,
	.open = cpu_open,
	.load = cpu_load,
	.attach = cpu_attach,
	.flip = cpu_flip,
	.drain = cpu_drain,
	.detach = cpu_detach,
	.annotate = cpu_annotate,
	.describe = cpu_describe,
	.poll = cpu_poll,
	.first_sample = cpu_first_sample,
	.free = cpu_free,
};
