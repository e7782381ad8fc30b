// SPDX-License-Identifier: MIT
/*
 * The offcpu profile type (-t offcpu): the time target threads spend switched out, charged to
 * their user and kernel stacks at the switch-out, with their state as the 'state' label
 * (S sleeping, D uninterruptible, R preempted). bpf/offcpu.bpf.c measures each block at
 * sched_switch and adds it in the kernel, per (thread, state, stacks), to one of two buffers;
 * each drain flips the active one and reads the idle one. Its stack maps are never cleared
 * while recording (a block may outlast many drains); user stacks taken as copies (--unwind
 * dwarf, auto) come once per place a thread blocks at, through a ring of the type's own, and
 * are unwound once. Threads already blocked when the recording starts (-p) are measured from
 * then (seed_blocked(), a task iterator), and blocks still in progress at the end count up to
 * the end. Sample types switches/count and offcpu/nanoseconds.
 */
#include <errno.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "offcpu.h"
#include "offcpu.skel.h"
#include "profile.h"
#include "record.h"
#include "record_offcpu.h"
#include "record_stacks.h"
#include "source.h"

/* A user stack copy, unwound when it arrived: its user frames, leaf first. */
struct offcpu_copy {
	uint32_t id; /* 0: a free slot (ids start at 1 << 8) */
	uint32_t nframes;
	uint64_t *frames;
};

struct offcpu_source {
	struct source base;
	struct offcpu_bpf *skel;
	struct bpf_link *link;
	struct ring_buffer *copies;	/* NULL with --unwind fp */
	struct offcpu_copy *copy_table; /* open addressing by id */
	size_t ncopies, copy_cap;
	struct offcpu_key *keys; /* scratch for one drain (max_stacks) */
	uint64_t *frames;	 /* scratch for one stack (max_depth + 1) */
	uint64_t unwind_errors;	 /* copies that could not be unwound */
	int copy_error;		 /* the first error of the ring callback */
};

static struct offcpu_source *offcpu_of(struct source *s)
{
	return (struct offcpu_source *)s;
}

int offcpu__parse_duration(const char *arg, uint64_t *ns)
{
	static const struct {
		const char *suffix;
		double ns;
	} units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"", 1e3}};
	char *end;
	double v;
	size_t i;

	errno = 0;
	v = strtod(arg, &end);
	if (end == arg || errno || !(v >= 0))
		return -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix))
			continue;
		v *= units[i].ns;
		if (v > 365 * 86400e9)
			return -EINVAL;
		*ns = (uint64_t)(v + 0.5);
		return 0;
	}
	return -EINVAL;
}

const char *offcpu__state_name(uint32_t state)
{
	switch (state) {
	case OFFCPU_STATE_S:
		return "S";
	case OFFCPU_STATE_D:
		return "D";
	case OFFCPU_STATE_R:
		return "R";
	default:
		return "other";
	}
}

bool offcpu__block_kept(uint64_t start_ns, uint64_t end_ns, uint64_t min_ns, uint64_t max_ns,
			uint64_t *ns)
{
	uint64_t len;

	/* a start after the end is a clock read on another CPU a little behind: nothing blocked */
	if (end_ns < start_ns)
		return false;
	len = end_ns - start_ns;
	if (len < min_ns || len > max_ns)
		return false;
	*ns = len;
	return true;
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

bool offcpu__is_interrupt_frame(const char *function)
{
	/* x86-64 entry points: system vectors (timer, IPIs...), device interrupts; softirqs */
	return starts_with(function, "asm_sysvec_") || !strcmp(function, "asm_common_interrupt") ||
	       !strcmp(function, "handle_softirqs") || !strcmp(function, "__do_softirq");
}

size_t offcpu__waker_kernel_frames(const char *const *functions, size_t n, bool *from_interrupt)
{
	size_t i;

	*from_interrupt = false;
	for (i = 0; i < n; i++) {
		if (functions[i] && offcpu__is_interrupt_frame(functions[i])) {
			*from_interrupt = true;
			return i + 1;
		}
	}
	return n;
}

int offcpu__stack_with_waker(const uint64_t *blocked, size_t nblocked, uint64_t separator,
			     const uint64_t *waker, size_t nwaker, uint64_t *out, size_t cap)
{
	size_t i, len = nwaker + 1 + nblocked;

	if (len > cap || len > (size_t)INT32_MAX)
		return -ENOSPC;
	for (i = 0; i < nwaker; i++)
		out[i] = waker[nwaker - 1 - i];
	out[nwaker] = separator;
	if (nblocked)
		memcpy(out + nwaker + 1, blocked, nblocked * sizeof(*blocked));
	return (int)len;
}

/* --- the recording source ----------------------------------------------------------------- */

static struct offcpu_copy *copy_slot(struct offcpu_source *o, uint32_t id)
{
	size_t mask = o->copy_cap - 1, i = (id * 2654435761u) & mask;

	while (o->copy_table[i].id && o->copy_table[i].id != id)
		i = (i + 1) & mask;
	return &o->copy_table[i];
}

static int grow_copies(struct offcpu_source *o)
{
	size_t old_cap = o->copy_cap, i;
	struct offcpu_copy *old = o->copy_table;

	o->copy_cap = old_cap ? old_cap * 2 : 256;
	o->copy_table = calloc(o->copy_cap, sizeof(*o->copy_table));
	if (!o->copy_table) {
		o->copy_table = old;
		o->copy_cap = old_cap;
		return -ENOMEM;
	}
	for (i = 0; i < old_cap; i++)
		if (old[i].id)
			*copy_slot(o, old[i].id) = old[i];
	free(old);
	return 0;
}

/* A copy from the ring: unwind it now, while its process most likely still runs. */
static int on_copy(void *ctx, void *data, size_t size)
{
	struct offcpu_source *o = ctx;
	const struct stack_sample *h = data;
	struct offcpu_copy *c;
	int n, ret;

	if (size < sizeof(*h) || !h->user_stack_id)
		return 0;
	if (2 * (o->ncopies + 1) > o->copy_cap && (ret = grow_copies(o)))
		return o->copy_error = ret;
	n = record__unwind_user(o->base.r, data, size, o->frames);
	if (n == -ENOMEM)
		return o->copy_error = n;
	if (n < 0) {
		o->unwind_errors++;
		n = 0; /* the block still counts, with its kernel stack */
	}
	c = copy_slot(o, (uint32_t)h->user_stack_id);
	if (!c->id)
		o->ncopies++;
	free(c->frames);
	c->frames = n ? malloc(n * sizeof(uint64_t)) : NULL;
	if (n && !c->frames)
		return o->copy_error = -ENOMEM;
	memcpy(c->frames, o->frames, n * sizeof(uint64_t));
	c->id = (uint32_t)h->user_stack_id;
	c->nframes = n;
	return 0;
}

static int take_copies(struct offcpu_source *o)
{
	int ret;

	if (!o->copies)
		return 0;
	ret = ring_buffer__consume(o->copies);
	if (o->copy_error)
		return o->copy_error;
	return ret < 0 ? ret : 0;
}

/* The user frames of a stack id into user: a stack map's, or a copy's. */
static unsigned int user_frames(struct offcpu_source *o, int32_t id, uint64_t *user)
{
	struct offcpu_copy *c;

	if (id < 0)
		return 0;
	if (!(id & OFFCPU_STACK_ID_COPY))
		return record__read_stack(o->base.r, &o->base, 0, id, user);
	if (!o->copy_cap)
		return 0;
	c = copy_slot(o, (uint32_t)(id & ~OFFCPU_STACK_ID_COPY));
	if (!c->id)
		return 0; /* lost on its way (a full ring), counted there */
	memcpy(user, c->frames, c->nframes * sizeof(uint64_t));
	return c->nframes;
}

/* The kernel stack of a thread already blocked at the start (seed_blocked()). */
static unsigned int seeded_frames(struct offcpu_source *o, uint32_t tid, uint64_t *kern)
{
	struct offcpu_seeded_stack st;
	unsigned int max = record__opts(o->base.r)->max_depth, n;

	if (bpf_map_lookup_elem(bpf_map__fd(o->skel->maps.offcpu_seeded), &tid, &st))
		return 0;
	n = st.nframes < max ? st.nframes : max;
	memcpy(kern, st.ips, n * sizeof(uint64_t));
	return n;
}

/* One block (or several with the same key) into the stack table. */
static int add_block(struct offcpu_source *o, uint32_t tgid, uint32_t tid, uint32_t exec_gen,
		     int32_t kern_id, int32_t user_id, uint32_t state, uint64_t count, uint64_t ns)
{
	uint64_t both[2 * SINGE_MAX_STACK_DEPTH + 1];
	int64_t values[2] = {(int64_t)count, (int64_t)ns};
	struct stack_key k = {.tgid = tgid, .tid = tid, .exec_gen = exec_gen, .addrs = both};

	k.nkern = kern_id >= 0 && (kern_id & OFFCPU_STACK_ID_SEEDED)
			  ? seeded_frames(o, tid, both)
			  : record__read_stack(o->base.r, &o->base, 0, kern_id, o->frames);
	if (!(kern_id >= 0 && (kern_id & OFFCPU_STACK_ID_SEEDED)))
		memcpy(both, o->frames, k.nkern * sizeof(uint64_t));
	k.nuser = user_frames(o, user_id, both + k.nkern);
	/* a frame-pointer walk: --unwind auto checks the binaries it went through */
	return record__add_stack(o->base.r, &o->base, &k, values, state + 1,
				 user_id >= 0 && !(user_id & OFFCPU_STACK_ID_COPY), 0);
}

static void offcpu_resolve(struct record_opts *opts)
{
	(void)opts; /* its map sizes are fixed (bpf/offcpu.h) */
}

static struct source *offcpu_new(struct record *r)
{
	const struct record_opts *opts = record__opts(r);
	struct offcpu_source *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->keys = calloc(OFFCPU_DEFAULT_MAX_KEYS, sizeof(*o->keys));
	o->frames = calloc(opts->max_depth + 1, sizeof(*o->frames));
	if (!o->keys || !o->frames) {
		free(o->keys);
		free(o->frames);
		free(o);
		return NULL;
	}
	return &o->base;
}

static int offcpu_open(struct source *s, struct flame_err *err)
{
	struct offcpu_source *o = offcpu_of(s);
	const struct record_opts *opts = record__opts(s->r);
	__u32 value_size = opts->max_depth * sizeof(__u64);
	struct offcpu_bpf *skel = offcpu_bpf__open();
	int ret;

	if (!skel)
		return flame_err__set(err, errno, "failed to open the BPF object: %s",
				      strerror(errno));
	o->skel = skel;
	s->obj = skel->obj;
	record__bpf_setup(s->r, s, &skel->rodata->setup);
	skel->rodata->min_block_ns = opts->min_block_ns;
	skel->rodata->max_block_ns = opts->max_block_ns;
	/* one stack map for both buffers: it is never cleared while recording */
	s->maps = (struct source_stack_maps){
		.main = {skel->maps.offcpu_stacks, skel->maps.offcpu_stacks},
		.overflow = {skel->maps.offcpu_overflow, skel->maps.offcpu_overflow},
	};
	ret = bpf_map__set_value_size(skel->maps.offcpu_stacks, value_size);
	ret = ret ?: bpf_map__set_value_size(skel->maps.offcpu_overflow, value_size);
	/* the waker's side is not drawn yet: leave its program out */
	ret = ret ?: bpf_program__set_autoload(skel->progs.on_waking, false);
	/* -a: every thread of the machine would be seeded; -p and -- CMD: their threads */
	ret = ret ?: bpf_program__set_autoload(skel->progs.seed_blocked, !opts->all);
	if (ret)
		return flame_err__set(err, -ret, "failed to size the BPF maps: %s", strerror(-ret));
	return 0;
}

static int offcpu_load(struct source *s)
{
	struct offcpu_source *o = offcpu_of(s);
	int ret = offcpu_bpf__load(o->skel);

	if (ret || record__opts(s->r)->unwind == SINGE_UNWIND_FP)
		return ret;
	o->copies = ring_buffer__new(bpf_map__fd(o->skel->maps.offcpu_copies), on_copy, o, NULL);
	return o->copies ? 0 : -errno;
}

/*
 * The target threads blocked before the recording started: seed_blocked() gives each a
 * 'start' entry from now, by one pass of a task iterator. 0 or a negative errno.
 */
static int seed_blocked_threads(struct offcpu_source *o)
{
	struct bpf_link *link = bpf_program__attach_iter(o->skel->progs.seed_blocked, NULL);
	char buf[64];
	int fd, ret = 0;
	ssize_t n;

	if (!link)
		return -errno;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		ret = -errno;
	} else {
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			;
		if (n < 0)
			ret = -errno;
		close(fd);
	}
	bpf_link__destroy(link);
	return ret;
}

static int offcpu_attach(struct source *s, struct flame_err *err)
{
	struct offcpu_source *o = offcpu_of(s);
	int ret;

	o->link = bpf_program__attach(o->skel->progs.on_switch);
	if (!o->link)
		return flame_err__set(err, errno,
				      "cannot attach to the sched_switch tracepoint: %s",
				      strerror(errno));
	if (record__opts(s->r)->all)
		return 0;
	ret = seed_blocked_threads(o);
	if (ret)
		return flame_err__set(err, -ret, "cannot read the targets' blocked threads: %s",
				      strerror(-ret));
	return 0;
}

static void offcpu_detach(struct source *s)
{
	struct offcpu_source *o = offcpu_of(s);

	bpf_link__destroy(o->link);
	o->link = NULL;
}

static void offcpu_flip(struct source *s)
{
	struct offcpu_source *o = offcpu_of(s);

	__atomic_store_n(&o->skel->bss->active, !o->skel->bss->active, __ATOMIC_SEQ_CST);
}

static int drain_buffer(struct offcpu_source *o, int buf)
{
	int fd = bpf_map__fd(buf ? o->skel->maps.offcpu_counts1 : o->skel->maps.offcpu_counts0);
	struct offcpu_key *prev = NULL;
	struct offcpu_val val;
	size_t n = 0, i;
	int ret = 0;

	/* nothing writes to this buffer now: collect every key, then read and delete them */
	while (n < OFFCPU_DEFAULT_MAX_KEYS && !bpf_map_get_next_key(fd, prev, &o->keys[n])) {
		prev = &o->keys[n];
		n++;
	}
	for (i = 0; i < n && !ret; i++) {
		const struct offcpu_key *k = &o->keys[i];

		if (bpf_map_lookup_elem(fd, k, &val) || !val.count)
			continue;
		ret = add_block(o, k->tgid, k->pid, k->exec_gen, k->kern_stack_id, k->user_stack_id,
				k->state, val.count, val.ns);
	}
	for (i = 0; i < n; i++)
		bpf_map_delete_elem(fd, &o->keys[i]);
	return ret;
}

static int offcpu_drain(struct source *s, bool all)
{
	struct offcpu_source *o = offcpu_of(s);
	int idle = !__atomic_load_n(&o->skel->bss->active, __ATOMIC_RELAXED);
	/* the copies first: every key refers to a copy sent before it */
	int ret = take_copies(o);

	if (ret)
		return ret;
	if (!all)
		return drain_buffer(o, idle);
	ret = drain_buffer(o, 0);
	return ret ?: drain_buffer(o, 1);
}

/*
 * The blocks still in progress count up to now: a thread parked in epoll_wait for the whole
 * recording shows the whole duration. The program is detached first, so that no block is
 * both here and in the counts.
 */
static int offcpu_finish(struct source *s)
{
	struct offcpu_source *o = offcpu_of(s);
	int fd = bpf_map__fd(o->skel->maps.offcpu_start);
	const struct record_opts *opts = record__opts(s->r);
	__u32 tid, next, *prev = NULL;
	struct offcpu_start st;
	struct timespec now;
	uint64_t now_ns, ns;
	int ret;

	offcpu_detach(s);
	clock_gettime(CLOCK_MONOTONIC, &now);
	now_ns = (uint64_t)now.tv_sec * 1000000000ULL + now.tv_nsec;
	if ((ret = take_copies(o)))
		return ret;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		tid = next;
		prev = &tid;
		if (bpf_map_lookup_elem(fd, &tid, &st) ||
		    !offcpu__block_kept(st.time_ns, now_ns, opts->min_block_ns, opts->max_block_ns,
					&ns))
			continue;
		ret = add_block(o, st.tgid, tid, st.exec_gen, st.kern_stack_id, st.user_stack_id,
				st.state, 1, ns);
		if (ret)
			return ret;
	}
	return 0;
}

static void offcpu_poll(struct source *s, uint64_t *samples, uint64_t *lost)
{
	struct offcpu_source *o = offcpu_of(s);

	*samples = record__read_percpu(s->r, o->skel->maps.offcpu_stats, OFFCPU_STAT_SWITCH_OUT);
	*lost = record__read_percpu(s->r, o->skel->maps.offcpu_stats, OFFCPU_STAT_MAP_FULL) +
		record__read_percpu(s->r, o->skel->maps.offcpu_stats, OFFCPU_STAT_START_FULL) +
		record__read_percpu(s->r, o->skel->maps.offcpu_stats, OFFCPU_STAT_COPIES_LOST);
}

static const char *offcpu_describe(struct source *s, char *buf, size_t size)
{
	const struct record_opts *opts = record__opts(s->r);

	if (opts->max_block_ns == UINT64_MAX)
		snprintf(buf, size, "sched_switch, blocks of %llu ns and more",
			 (unsigned long long)opts->min_block_ns);
	else
		snprintf(buf, size, "sched_switch, blocks of %llu to %llu ns",
			 (unsigned long long)opts->min_block_ns,
			 (unsigned long long)opts->max_block_ns);
	return buf;
}

/* A comment on what was measured, with the type's own counters. */
static int offcpu_annotate(struct source *s, struct profile *p)
{
	struct offcpu_source *o = offcpu_of(s);
	struct bpf_map *stats = o->skel->maps.offcpu_stats;
	char text[512], what[200];

	snprintf(text, sizeof(text),
		 "singe record -t offcpu: %s; %llu switch-outs, %llu blocks counted, %llu shorter "
		 "than --min-block, %llu longer than --max-block, %llu lost (map full), %llu "
		 "threads already blocked at the start, user stacks: %llu reused from the same "
		 "place, %llu copies sent, %llu lost, %llu not unwound",
		 offcpu_describe(s, what, sizeof(what)),
		 (unsigned long long)record__read_percpu(s->r, stats, OFFCPU_STAT_SWITCH_OUT),
		 (unsigned long long)record__read_percpu(s->r, stats, OFFCPU_STAT_BLOCKS),
		 (unsigned long long)record__read_percpu(s->r, stats, OFFCPU_STAT_SHORT),
		 (unsigned long long)record__read_percpu(s->r, stats, OFFCPU_STAT_LONG),
		 (unsigned long long)(record__read_percpu(s->r, stats, OFFCPU_STAT_MAP_FULL) +
				      record__read_percpu(s->r, stats, OFFCPU_STAT_START_FULL)),
		 (unsigned long long)record__read_percpu(s->r, stats, OFFCPU_STAT_SEEDED),
		 (unsigned long long)record__read_percpu(s->r, stats, OFFCPU_STAT_PLACE_REUSED),
		 (unsigned long long)record__read_percpu(s->r, stats, OFFCPU_STAT_COPIES),
		 (unsigned long long)record__read_percpu(s->r, stats, OFFCPU_STAT_COPIES_LOST),
		 (unsigned long long)o->unwind_errors);
	return profile__add_comment(p, text);
}

static const char *offcpu_label_str(uint32_t value)
{
	return value ? offcpu__state_name(value - 1) : NULL;
}

static void offcpu_free(struct source *s)
{
	struct offcpu_source *o = offcpu_of(s);
	size_t i;

	offcpu_detach(s);
	ring_buffer__free(o->copies);
	offcpu_bpf__destroy(o->skel);
	for (i = 0; i < o->copy_cap; i++)
		free(o->copy_table[i].frames);
	free(o->copy_table);
	free(o->keys);
	free(o->frames);
	free(o);
}

static const struct source_sample_type offcpu_types[] = {
	{"switches", "count"},
	{"offcpu", "nanoseconds"},
};

const struct source_ops offcpu_source_ops = {
	.name = "offcpu",
	.about = "time threads spend switched out, by stack and thread state",
	.nvalues = 2,
	.types = offcpu_types,
	.label_key = "state",
	.resolve = offcpu_resolve,
	.new = offcpu_new,
	.open = offcpu_open,
	.load = offcpu_load,
	.attach = offcpu_attach,
	.flip = offcpu_flip,
	.drain = offcpu_drain,
	.finish = offcpu_finish,
	.detach = offcpu_detach,
	.annotate = offcpu_annotate,
	.describe = offcpu_describe,
	.label_str = offcpu_label_str,
	.poll = offcpu_poll,
	.free = offcpu_free,
};
