// SPDX-License-Identifier: MIT
/*
 * The recording engine: one session, any number of profile types (sources, cli/source.h).
 *
 * The session owns what every type needs: the targets and the process filter; process
 * tracking (bpf/proc.bpf.h: forks, execs, exits, run once) and the process table
 * (record_procs.c: each process's image read once, for the symbolizer and the unwinder); the
 * maps every type's programs share (common.bpf.h), made the recording's by name before each
 * type's object is loaded; the stack table (record_stacks.c) with one column per sample type
 * of every type; stack copies and their unwinding (record_unwind.c, cli/unwind.c); the rings
 * and the loop's bounded turns (RECORD_TURN_NS); drains; losses, counted in one place; and the
 * profile built at the end, which holds every type's sample types.
 *
 * A process's mappings are snapshotted and its files opened as soon as it is seen (or just
 * after it execs), while it lives; the addresses are resolved when the recording ends, so the
 * CPU that symbolization takes (DWARF, mostly) is not taken from the profiled processes while
 * they are measured. Only an exec forces earlier work: the stacks of the old image are
 * symbolized before its snapshot is replaced.
 *
 * Stacks are copied out of the kernel's maps at each drain and kept by the stack table for
 * the whole recording, so a stack lives as long as its samples: a thread blocked for a minute
 * or an allocation still live keeps its stack whatever the kernel maps do meanwhile.
 */
#include <errno.h>
#include <linux/types.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clock.h"
#include "common.h"
#include "preflight.h"
#include "record_int.h"
#include "record_offcpu.h"
#include "record_mmap.h"
#include "sym_procmaps.h"
#include "symbolize.h"
#include "util.h"

void record_opts__init(struct record_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->freq = 99;
	opts->max_depth = SINGE_MAX_STACK_DEPTH;
	opts->unwind = SINGE_UNWIND_AUTO;
	opts->stack_size = SINGE_DEFAULT_STACK_COPY;
	opts->min_block_ns = 1000;
	opts->max_block_ns = UINT64_MAX;
	opts->alloc_rate = 512 * 1024; /* Go's MemProfileRate, tcmalloc's and jemalloc's default */
}

const char *record__unwind_name(int mode)
{
	switch (mode) {
	case SINGE_UNWIND_FP:
		return "fp";
	case SINGE_UNWIND_DWARF:
		return "dwarf";
	default:
		return "auto";
	}
}

unsigned int record_auto_size(unsigned long want, unsigned int min, unsigned int max)
{
	unsigned int n = min;

	while (n < want && n < max)
		n *= 2;
	return n;
}

int record_opts__add_type(struct record_opts *opts, const char *name)
{
	const struct source_ops *ops = record_source__find(name);
	unsigned int i;

	if (!ops)
		return -ENOENT;
	for (i = 0; i < opts->ntypes; i++)
		if (opts->types[i] == ops)
			return 0;
	if (opts->ntypes == RECORD_MAX_TYPES)
		return -E2BIG;
	opts->types[opts->ntypes++] = ops;
	return 0;
}

void record_opts__resolve(struct record_opts *opts)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int i;

	if (!opts->ntypes)
		record_opts__add_type(opts, "cpu");
	for (i = 0; i < opts->ntypes; i++)
		if (opts->types[i]->resolve)
			opts->types[i]->resolve(opts);
	/*
	 * The stack copies are read every tick (100 ms), or sooner when the ring is half full:
	 * room for a quarter of a second of full copies rides out a late tick (singe's start-up,
	 * a busy machine; at 999 Hz a 4 MiB ring lost 2-65 copies in the first 200 ms). The ring
	 * counts twice in singe's RSS (its pages are mapped twice, for the wrap-around), so it
	 * stops at 16 MiB, where 4999 Hz on 2 CPUs lost no copy; a full ring is counted and
	 * reported.
	 */
	if (!opts->ring_size)
		opts->ring_size = record_auto_size(
			(unsigned long)opts->freq * (cpus > 0 ? cpus : 1) *
				(opts->stack_size + sizeof(struct stack_sample)) / 4,
			SINGE_SAMPLES_MIN_SIZE, SINGE_SAMPLES_MAX_AUTO_SIZE);
}

static int symbolize_pending(struct record *r, bool all, uint32_t tgid);

/* The process table's hook: a process's old image goes, its stacks are symbolized first. */
static int finish_old_image(void *ctx, struct proc *p)
{
	return symbolize_pending(ctx, false, p->tgid);
}

/*
 * The process table's hook: a process's image was read (first sight, exec, refresh). The
 * unwinder's decisions, the Go facts, and each source's per-binary probes follow it.
 */
static int image_hook(void *ctx, struct proc *p, const struct proc_image *img,
		      enum snapshot_kind kind)
{
	struct record *r = ctx;
	size_t i;
	int ret = record__unwind_image(r, p, img, kind);

	/* the java launcher maps libjvm.so after its start: a refresh may be the first to see it */
	ret = ret ?: record__jvm_image(r, p->tgid, img);
	if (ret || !img || kind == SNAPSHOT_REFRESH)
		return ret;
	for (i = 0; i < r->sources.len && !ret; i++) {
		struct source *s = r->sources.data[i];

		/* before attach (a target opened early), the source's attach looks at it */
		if (s->ops->image && r->start_ns)
			ret = s->ops->image(s, p->tgid, img);
	}
	return ret;
}

/* The process table's hook for a process gone before its maps could be read. */
static struct proc_image *gone_image(void *ctx, uint32_t tgid, uint32_t gen)
{
	struct record *r = ctx;

	struct proc_image *img;

	/* the records of its last milliseconds may still wait in the buffers, or be held */
	if (!r->mmaps || mmap_events__read(r->mmaps))
		return NULL;
	img = mmap_events__image(r->mmaps, tgid, gen);
	if (img || errno != ENOENT || mmap_events__flush(r->mmaps))
		return img;
	return mmap_events__image(r->mmaps, tgid, gen);
}

static int new_sources(struct record *r)
{
	unsigned int i;

	for (i = 0; i < r->opts.ntypes; i++) {
		struct source *s = r->opts.types[i]->new (r);

		if (!s || vec_push(&r->sources, s)) {
			if (s)
				s->ops->free(s);
			return -ENOMEM;
		}
		s->ops = r->opts.types[i];
		s->r = r;
		s->index = i;
		s->first_value = r->nvalues;
		r->nvalues += s->ops->nvalues;
	}
	return 0;
}

struct record *record__new(const struct record_opts *opts)
{
	struct record *r = calloc(1, sizeof(*r));
	struct proc_hooks hooks = {
		.old_image = finish_old_image,
		.image = image_hook,
		.gone_image = gone_image,
	};

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
	hooks.ctx = r;
	r->percpu = calloc(r->nr_possible, sizeof(*r->percpu));
	r->frames = calloc(r->opts.max_depth, sizeof(*r->frames));
	r->profile = profile__new();
	if (!r->percpu || !r->frames || !r->profile || new_sources(r))
		goto fail;
	r->stacks = stack_table__new(r->nvalues);
	r->sym = symbolizer__new(r->profile, &(struct symbolizer_opts){0});
	if (!r->stacks || !r->sym)
		goto fail;
	if (r->opts.unwind != SINGE_UNWIND_FP && !(r->unwinder = unwinder__new()))
		goto fail;
	if (!(r->procs = proc_table__new(r->sym, r->unwinder, &hooks)))
		goto fail;
	/* a CPU's buffer sees every process's mappings, a thread's only its own */
	if (!(r->mmaps = mmap_events__new(r->opts.all ? MMAP_PAGES_PER_CPU : MMAP_PAGES_PER_TASK)))
		goto fail;
	r->dump_dir = getenv("SINGE_UNWIND_DUMP");
	return r;
fail:
	record__free(r);
	errno = ENOMEM;
	return NULL;
}

static void *destroy_link(void *link)
{
	bpf_link__destroy(link);
	return NULL;
}

/* Threads that destroy uprobe links at once, at most. */
#define DETACH_THREADS 64

/*
 * Destroy every uprobe's link. The kernel takes a uprobe's breakpoints out at once, then
 * waits for a grace period (about 0.1 s here) before the close returns: one after the other,
 * a goroutine recording's two probes took 0.2-0.27 s and the second stayed in for the first's
 * wait. In threads of their own they go out together and the waits overlap.
 */
static void destroy_uprobe_links(struct record *r)
{
	pthread_t threads[DETACH_THREADS];
	bool started[DETACH_THREADS];
	size_t i, j, n;

	for (i = 0; i < r->uprobes.len; i += n) {
		n = r->uprobes.len - i < DETACH_THREADS ? r->uprobes.len - i : DETACH_THREADS;
		for (j = 0; j < n; j++) {
			struct bpf_link *link = r->uprobes.data[i + j].link;

			started[j] = link && !pthread_create(&threads[j], NULL, destroy_link, link);
			if (!started[j])
				bpf_link__destroy(link); /* no thread: here, then */
		}
		for (j = 0; j < n; j++)
			if (started[j])
				pthread_join(threads[j], NULL);
		for (j = 0; j < n; j++)
			r->uprobes.data[i + j].link = NULL;
	}
}

static void detach(struct record *r)
{
	size_t i;

	destroy_uprobe_links(r);
	for (i = 0; i < r->uprobes.len; i++)
		free(r->uprobes.data[i].path);
	vec_free(&r->uprobes);
	for (i = 0; i < r->sources.len; i++)
		r->sources.data[i]->ops->detach(r->sources.data[i]);
	bpf_link__destroy(r->fork_link);
	bpf_link__destroy(r->exit_link);
	bpf_link__destroy(r->exec_link);
	r->fork_link = r->exit_link = r->exec_link = NULL;
}

void record__free(struct record *r)
{
	size_t i;

	if (!r)
		return;
	detach(r);
	ring_buffer__free(r->events);
	ring_buffer__free(r->samples);
	for (i = 0; i < r->sources.len; i++)
		r->sources.data[i]->ops->free(r->sources.data[i]);
	vec_free(&r->sources);
	proc_table__free(r->procs);
	mmap_events__free(r->mmaps);
	symbolizer__free(r->sym); /* before the profile it borrows */
	unwinder__free(r->unwinder);
	vec_free(&r->choices);
	profile__free(r->profile);
	stack_table__free(r->stacks);
	vec_free(&r->targets);
	vec_free(&r->execs);
	vec_free(&r->go_binaries);
	vec_free(&r->jvms);
	record__python_free(r);
	free(r->percpu);
	free(r->frames);
	free(r);
}

/* --- what the engine offers its sources (source.h) -------------------------------------- */

const struct record_opts *record__opts(const struct record *r)
{
	return &r->opts;
}

void record__bpf_setup(const struct record *r, const struct source *s, struct singe_config *out)
{
	memset(out, 0, sizeof(*out));
	out->filter_tgid = !r->opts.all;
	/* what singe costs shows in the summary; in a profile of the machine it is noise */
	out->self_tgid = r->opts.all && !r->opts.include_self ? getpid() : 0;
	out->source = s ? s->index : 0;
	out->unwind_mode = r->opts.unwind;
	out->stack_size = r->opts.stack_size;
}

unsigned int record__scratch_entries(const struct record *r)
{
	return r->opts.unwind == SINGE_UNWIND_FP ? 1 : (unsigned int)r->nr_possible;
}

int record__nr_possible(const struct record *r)
{
	return r->nr_possible;
}

uint64_t *record__percpu(struct record *r)
{
	return r->percpu;
}

size_t record__targets(const struct record *r, const int **pids)
{
	*pids = r->targets.data;
	return r->targets.len;
}

struct source *record__source(struct record *r, uint32_t index)
{
	return index < r->sources.len ? r->sources.data[index] : NULL;
}

uint64_t record__read_percpu(struct record *r, const struct bpf_map *map, uint32_t key)
{
	uint64_t sum = 0;
	int i;

	if (bpf_map__lookup_elem(map, &key, sizeof(key), r->percpu,
				 r->nr_possible * sizeof(*r->percpu), 0))
		return 0;
	for (i = 0; i < r->nr_possible; i++)
		sum += r->percpu[i];
	return sum;
}

unsigned int record__read_stack(struct record *r, const struct source *s, int buf, int32_t id,
				uint64_t *frames)
{
	const struct bpf_map *map;
	__u32 bucket;
	unsigned int n;

	if (id < 0 || buf < 0 || buf > 1)
		return 0;
	map = id & SINGE_STACK_ID_OVERFLOW ? s->maps.overflow[buf] : s->maps.main[buf];
	bucket = id & ~SINGE_STACK_ID_OVERFLOW;
	if (!map || bpf_map_lookup_elem(bpf_map__fd(map), &bucket, frames))
		return 0;
	for (n = 0; n < r->opts.max_depth && frames[n]; n++)
		;
	return n;
}

void record__clear_stack_map(const struct bpf_map *map)
{
	int fd = bpf_map__fd(map);
	__u32 id, *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &id)) {
		bpf_map_delete_elem(fd, &id);
		prev = &id;
	}
}

const char *record__describe(const struct record *r, char *buf, size_t size)
{
	struct source *s = r->sources.len ? r->sources.data[0] : NULL;

	if (!s || !s->ops->describe)
		return size ? (*buf = '\0', buf) : buf;
	return s->ops->describe(s, buf, size);
}

int record__attach_uprobe(struct record *r, struct bpf_program *prog, const char *path,
			  uint64_t offset, int pid, struct flame_err *err)
{
	return record__attach_uprobe_cookie(r, prog, path, offset, pid, 0, err);
}

/* Attach u's program as it says; NULL and errno when it cannot. */
static struct bpf_link *attach_link(const struct uprobe_link *u)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .bpf_cookie = u->cookie, .retprobe = u->retprobe);

	/* a uretprobe only where the source asked (C code): it crashes Go programs */
	return bpf_program__attach_uprobe_opts(u->prog, u->pid, u->path, u->offset, &opts);
}

/* Attach prog at path+offset for pid once: a uprobe, or a uretprobe with retprobe. */
static int attach_uprobe(struct record *r, struct bpf_program *prog, const char *path,
			 uint64_t offset, int pid, uint64_t cookie, bool retprobe,
			 struct flame_err *err)
{
	struct uprobe_link u = {
		.prog = prog, .offset = offset, .cookie = cookie, .pid = pid, .retprobe = retprobe};
	struct stat st;
	size_t i;
	int ret;

	if (stat(path, &st))
		return flame_err__set(err, errno, "cannot probe %s: %s", path, strerror(errno));
	u.dev = st.st_dev;
	u.ino = st.st_ino;
	for (i = 0; i < r->uprobes.len; i++) {
		const struct uprobe_link *k = &r->uprobes.data[i];

		if (k->prog == prog && k->dev == u.dev && k->ino == u.ino && k->offset == offset &&
		    k->pid == pid)
			return 0;
	}
	if ((ret = vec_reserve(&r->uprobes, 1)) || !(u.path = strdup(path))) {
		ret = ret ?: -ENOMEM;
		return flame_err__set(err, -ret, "cannot probe %s: %s", path, strerror(-ret));
	}
	/* --duty-cycle has the uprobes out: this one goes in with the others */
	if (!r->uprobes_detached && !(u.link = attach_link(&u))) {
		ret = errno;
		free(u.path);
		return flame_err__set(err, ret, "cannot attach a %s to %s+0x%llx: %s",
				      retprobe ? "uretprobe" : "uprobe", path,
				      (unsigned long long)offset, strerror(ret));
	}
	r->uprobes.data[r->uprobes.len++] = u;
	return 0;
}

int record__attach_uprobe_cookie(struct record *r, struct bpf_program *prog, const char *path,
				 uint64_t offset, int pid, uint64_t cookie, struct flame_err *err)
{
	/* never a uretprobe here: it rewrites the return address, which crashes Go programs */
	return attach_uprobe(r, prog, path, offset, pid, cookie, false, err);
}

int record__attach_uretprobe(struct record *r, struct bpf_program *prog, const char *path,
			     uint64_t offset, int pid, struct flame_err *err)
{
	return attach_uprobe(r, prog, path, offset, pid, 0, true, err);
}

bool record_opts__has_timeline(const struct record_opts *opts)
{
	unsigned int i;

	for (i = 0; i < opts->ntypes; i++)
		if (opts->types[i]->timeline)
			return true;
	return false;
}

int record__write_timeline(struct record *r, const char *path, struct flame_err *err)
{
	size_t i;

	for (i = 0; i < r->sources.len; i++) {
		struct source *s = r->sources.data[i];

		if (s->ops->timeline)
			return s->ops->timeline(s, path, err);
	}
	return flame_err__set(err, EINVAL, "--timeline: no type recorded draws one; add -t pause");
}

void record__detach_uprobes(struct record *r)
{
	destroy_uprobe_links(r);
	r->uprobes_detached = true;
}

/* Whether u's process and file are still the ones it was attached to. */
static bool uprobe_target_lives(const struct uprobe_link *u)
{
	struct stat st;

	if (u->pid > 0 && kill(u->pid, 0) && errno == ESRCH)
		return false;
	return !stat(u->path, &st) && (uint64_t)st.st_dev == u->dev &&
	       (uint64_t)st.st_ino == u->ino;
}

/*
 * In the order they were first attached. A uprobe whose process is gone, or whose file is no
 * longer the one it was attached to (a pid reused, a binary replaced), stays out: counted, not
 * an error, as when a target exits during a recording. One that fails otherwise is counted,
 * its first error kept for the summary, and tried again at the next second.
 */
void record__reattach_uprobes(struct record *r)
{
	size_t i;

	for (i = 0; i < r->uprobes.len; i++) {
		struct uprobe_link *u = &r->uprobes.data[i];

		if (u->link || u->gone)
			continue;
		/* ESRCH: a process exiting, still there for kill() */
		if (!uprobe_target_lives(u) || (!(u->link = attach_link(u)) && errno == ESRCH)) {
			u->gone = true;
			r->reattach_gone++;
		} else if (!u->link) {
			if (!r->reattach_errno)
				r->reattach_errno = errno;
			r->reattach_failed++;
		}
	}
	r->uprobes_detached = false;
}

uint64_t record__elapsed_ns(const struct record *r)
{
	if (!r->start_ns)
		return 0;
	return (r->stop_ns ? r->stop_ns : mono_ns()) - r->start_ns;
}

uint64_t record__attached_ns(const struct record *r)
{
	if (!r->duty_on || !r->start_ns)
		return record__elapsed_ns(r);
	return duty_cycle__attached_ns(&r->duty, r->stop_ns ? r->stop_ns : mono_ns());
}

const char *record__summary(const struct record *r, size_t i, char *buf, size_t size)
{
	struct source *s;

	if (i >= r->sources.len)
		return NULL;
	s = r->sources.data[i];
	if (!s->ops->summary || !size)
		return size ? (*buf = '\0', buf) : buf;
	return s->ops->summary(s, buf, size);
}

size_t record__nr_uprobes(const struct record *r)
{
	return r->uprobes.len;
}

/* --- opening and loading ------------------------------------------------------------------ */

static int on_proc_event(void *ctx, void *data, size_t size)
{
	struct record *r = ctx;
	struct singe_proc_event ev;

	if (size < sizeof(ev))
		return 0;
	memcpy(&ev, data, sizeof(ev));
	if (ev.kind == SINGE_EVENT_FORK)
		return proc_table__fork(r->procs, ev.tgid, ev.parent, ev.time_ns);
	return ev.kind == SINGE_EVENT_EXEC ? vec_push(&r->execs, ev) : 0;
}

static int on_stack_sample(void *ctx, void *data, size_t size);

/* The process-tracking programs (bpf/proc.bpf.h), which every type's object holds. */
static const char *const tracking_progs[] = {"follow_fork", "note_exec", "forget_exit"};

/*
 * The first type's object holds the recording's shared maps and runs process tracking: forks
 * are heard of for -- CMD and -a (-p has no children to follow), children forgotten when they
 * exit only for -- CMD. The other objects leave their copies of those programs unloaded.
 */
static int set_up_tracking(struct record *r, struct bpf_object *obj, bool owner)
{
	bool load[3] = {r->opts.follow_forks || r->opts.all, true, r->opts.follow_forks};
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(tracking_progs); i++) {
		struct bpf_program *prog = bpf_object__find_program_by_name(obj, tracking_progs[i]);

		if (!prog)
			return -ENOENT; /* a type's object that does not include proc.bpf.h */
		if ((ret = bpf_program__set_autoload(prog, owner && load[i])))
			return ret;
	}
	if (!owner)
		return 0;
	r->owner = obj;
#define SHARED(name) (r->maps.name = bpf_object__find_map_by_name(obj, #name))
	if (!SHARED(targets) || !SHARED(exec_gens) || !SHARED(comms) || !SHARED(thread_comms) ||
	    !SHARED(events) || !SHARED(samples) || !SHARED(unwind_pids) || !SHARED(common_stats) ||
	    !SHARED(go_procs) || !SHARED(py_procs))
		return -ENOENT;
#undef SHARED
	/* the stack copies' ring buffer: minimal when nothing copies stacks */
	return bpf_map__set_max_entries(
		r->maps.samples, r->opts.unwind == SINGE_UNWIND_FP ? 4096 : r->opts.ring_size);
}

/*
 * Before a type's object (not the first) is loaded: make it use the recording's maps, those
 * of bpf/common.bpf.h (a type's own maps of the same name as another type's stay its own).
 * 0 or a negative errno.
 */
static int share_maps(struct record *r, struct bpf_object *obj)
{
	const struct bpf_map *shared[] = {
		r->maps.targets,  r->maps.exec_gens, r->maps.comms,	  r->maps.thread_comms,
		r->maps.events,	  r->maps.samples,   r->maps.unwind_pids, r->maps.common_stats,
		r->maps.go_procs, r->maps.py_procs,
	};
	struct bpf_map *map;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(shared); i++) {
		map = bpf_object__find_map_by_name(obj, bpf_map__name(shared[i]));
		if (map && (ret = bpf_map__reuse_fd(map, bpf_map__fd(shared[i]))))
			return ret;
	}
	return 0;
}

/* Stack copies are built in each object's own scratch space: one entry per CPU. */
static int size_scratch(struct record *r, struct bpf_object *obj)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, "scratch");

	return map ? bpf_map__set_max_entries(map, record__scratch_entries(r)) : 0;
}

int record__open(struct record *r, struct flame_err *err)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < r->sources.len && !ret; i++) {
		struct source *s = r->sources.data[i];

		if ((ret = s->ops->open(s, err)))
			break;
		ret = set_up_tracking(r, s->obj, i == 0);
		ret = ret ?: size_scratch(r, s->obj);
		if (ret)
			ret = flame_err__set(err, -ret, "failed to set up the BPF object of %s: %s",
					     s->ops->name, strerror(-ret));
	}
	return ret;
}

int record__load(struct record *r, struct flame_err *err)
{
	size_t i;
	int ret;

	for (i = 0; i < r->sources.len; i++) {
		struct source *s = r->sources.data[i];

		/* the first object creates the shared maps, the others use them */
		if (i && (ret = share_maps(r, s->obj)))
			return flame_err__set(err, -ret, "failed to share the BPF maps: %s",
					      strerror(-ret));
		if ((ret = s->ops->load(s)))
			return preflight__explain_load(-ret, err);
	}
	r->events = ring_buffer__new(bpf_map__fd(r->maps.events), on_proc_event, r, NULL);
	if (!r->events)
		return flame_err__set(err, errno, "cannot read the BPF ring buffer: %s",
				      strerror(errno));
	if (r->opts.unwind == SINGE_UNWIND_FP)
		return 0;
	r->samples = ring_buffer__new(bpf_map__fd(r->maps.samples), on_stack_sample, r, NULL);
	if (!r->samples)
		return flame_err__set(err, errno, "cannot read the BPF ring buffer: %s",
				      strerror(errno));
	return 0;
}

/* --- processes ------------------------------------------------------------------------ */

int record__see(struct record *r, uint32_t tgid, uint32_t gen)
{
	return proc_table__see(r->procs, tgid, gen);
}

/* Let pid's samples through the BPF programs' filter. */
static int allow_pid(struct record *r, pid_t pid)
{
	__u8 one = 1;

	if (bpf_map__update_elem(r->maps.targets, &pid, sizeof(__u32), &one, sizeof(one), BPF_ANY))
		return errno == E2BIG ? -ENOSPC : -errno;
	return 0;
}

int record__filter_pid(struct record *r, pid_t pid)
{
	int ret = allow_pid(r, pid);

	/* record__attach() has the sources start on each target's threads */
	return ret ?: vec_push(&r->targets, pid);
}

int record__add_target(struct record *r, pid_t pid)
{
	__u32 gen = 0;
	int ret = allow_pid(r, pid);

	if (ret)
		return ret;
	/* a command has exec'd once already: its stacks will carry generation 1 */
	bpf_map__lookup_elem(r->maps.exec_gens, &pid, sizeof(__u32), &gen, sizeof(gen), 0);
	return record__see(r, pid, gen);
}

/* --- attaching ------------------------------------------------------------------------ */

/* Attach a process-tracking program into *link; 0 or a negative errno with err set. */
static int attach_tracking(struct bpf_program *prog, const char *tp, struct bpf_link **link,
			   struct flame_err *err)
{
	*link = bpf_program__attach(prog);
	if (!*link)
		return flame_err__set(err, errno, "cannot attach to tp_btf/%s: %s", tp,
				      strerror(errno));
	return 0;
}

/*
 * Mapping events: per online CPU with -a, per thread of the targets otherwise (inherited by
 * their children). Without them (an old kernel, a locked-memory limit) processes gone early
 * stay unknown as before: counted, not fatal.
 */
static void open_mapping_events(struct record *r)
{
	int *cpus = NULL, ncpus = procfs__online_cpus(&cpus), n, i, c, ret = 0;
	size_t t;

	for (c = 0; r->opts.all && c < ncpus && !ret; c++)
		ret = mmap_events__open(r->mmaps, -1, cpus[c]);
	for (t = 0; !r->opts.all && t < r->targets.len && !ret; t++) {
		pid_t *tids = NULL;

		n = procfs__list_tasks(r->targets.data[t], &tids);
		for (i = 0; i < n && !ret; i++)
			for (c = 0; c < ncpus && !ret; c++) {
				ret = mmap_events__open(r->mmaps, tids[i], cpus[c]);
				ret = ret == -ESRCH ? 0 : ret; /* a thread that just exited */
			}
		free(tids);
	}
	free(cpus);
	r->stats.mapping_events_error = ncpus < 0 ? ncpus : ret;
}

int record__attach(struct record *r, struct flame_err *err)
{
	struct bpf_object *obj = r->owner;
	size_t i;
	int ret = 0;

	/* forks and execs first, so that nothing a target does after its first sample is missed */
	if (r->opts.follow_forks || r->opts.all)
		ret = attach_tracking(bpf_object__find_program_by_name(obj, "follow_fork"),
				      "sched_process_fork", &r->fork_link, err);
	if (!ret && r->opts.follow_forks)
		ret = attach_tracking(bpf_object__find_program_by_name(obj, "forget_exit"),
				      "sched_process_exit", &r->exit_link, err);
	ret = ret
		      ?: attach_tracking(bpf_object__find_program_by_name(obj, "note_exec"),
					 "sched_process_exec", &r->exec_link, err);
	if (ret)
		return ret;
	open_mapping_events(r);
	r->time_nanos = clock_ns(CLOCK_REALTIME);
	r->start_ns = mono_ns();
	ret = record_duty__start(r);
	for (i = 0; i < r->sources.len && !ret; i++)
		ret = r->sources.data[i]->ops->attach(r->sources.data[i], err);
	if (ret)
		detach(r);
	return ret;
}

/* --- stacks --------------------------------------------------------------------------- */

/*
 * The location ids of a new stack, kernel frames first. Return addresses (every frame but the
 * leaf) are looked up one byte earlier so that a call at the very end of a function is not
 * charged to the next one.
 */
static int symbolize_stack(struct record *r, size_t idx)
{
	struct stack_key s = stack_table__key(r->stacks, idx);
	uint32_t i, n = s.nkern + s.nuser;
	uint64_t ids[2 * SINGE_MAX_STACK_DEPTH + 1];
	int64_t id;

	for (i = 0; i < n; i++) {
		if (i < s.nkern)
			id = symbolizer__kernel_location(r->sym, frame_lookup_addr(s.addrs[i], !i));
		else if (s.addrs[i] & PY_FRAME_TAG)
			id = record__python_location(r, s.addrs[i]);
		else
			id = symbolizer__user_location(r->sym, s.tgid, s.addrs[i], i == s.nkern);
		if (id < 0)
			return id;
		ids[i] = id;
	}
	/* a JVM stack cut in JIT code says so at its root (ids has room for one more) */
	if ((id = record__jvm_cut_root(r, &s)) < 0)
		return (int)id;
	if (id)
		ids[n++] = (uint64_t)id;
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

/*
 * Add the values of stack k (the row's columns, every type's) as the source recorded it. A
 * new stack's process is looked at first (its files opened while it lives) and, with dwarf
 * or auto, the binaries it goes through: with auto a broken frame-pointer walk moves its
 * process to DWARF.
 */
int64_t record__add_row(struct record *r, const struct stack_key *k, const int64_t *row,
			bool fp_walk)
{
	bool is_new;
	int64_t idx = stack_table__add(r->stacks, k, row, &is_new);
	int ret;

	if (idx < 0 || !is_new)
		return idx;
	r->stats.stacks = stack_table__len(r->stacks);
	ret = record__see(r, k->tgid, k->exec_gen);
	if (!ret && r->unwinder && (ret = record__check_stack_binaries(r, k, fp_walk)) > 0) {
		record__use_dwarf(r, proc_table__find(r->procs, k->tgid));
		ret = 0;
	}
	return ret < 0 ? ret : idx;
}

/* The events values stand for: its first value, or one for a type whose values are estimates. */
static uint64_t events_of(const struct source *s, const int64_t *values)
{
	if (!values)
		return 0;
	return s->ops->estimates ? 1 : (uint64_t)values[0];
}

int64_t record__add_stack_row(struct record *r, const struct source *s, struct stack_key *k,
			      const int64_t *values, uint32_t label, bool fp_walk,
			      uint64_t leaf_ret)
{
	uint64_t addrs[2 * SINGE_MAX_STACK_DEPTH + 1];
	int64_t row[RECORD_MAX_VALUES] = {0};
	struct stack_key copy = *k;
	int ret;

	if (k->nkern > SINGE_MAX_STACK_DEPTH || k->nuser > SINGE_MAX_STACK_DEPTH)
		return -EINVAL;
	memcpy(addrs, k->addrs, (k->nkern + k->nuser) * sizeof(uint64_t));
	copy.addrs = addrs;
	copy.source = s->index;
	copy.label = label;
	if (values)
		memcpy(row + s->first_value, values, s->ops->nvalues * sizeof(*values));
	if (fp_walk) {
		if ((ret = record__keep_leaf_caller(r, &copy, leaf_ret)))
			return ret;
		/* a type's first value counts its events (samples, switches, parks...) */
		record__count_walk(r, &copy, events_of(s, values));
	} else if (values) {
		/* a user part the type unwound itself (offcpu's copies), or none */
		r->stats.drained += events_of(s, values);
	}
	return record__add_row(r, &copy, row, fp_walk);
}

int record__add_stack(struct record *r, const struct source *s, struct stack_key *k,
		      const int64_t *values, uint32_t label, bool fp_walk, uint64_t leaf_ret)
{
	int64_t idx = record__add_stack_row(r, s, k, values, label, fp_walk, leaf_ret);

	return idx < 0 ? (int)idx : 0;
}

int record__add_to_row(struct record *r, const struct source *s, int64_t idx, const int64_t *values)
{
	int64_t row[RECORD_MAX_VALUES] = {0};

	if (idx < 0 || (size_t)idx >= stack_table__len(r->stacks) ||
	    stack_table__key(r->stacks, (size_t)idx).source != s->index)
		return -EINVAL;
	memcpy(row + s->first_value, values, s->ops->nvalues * sizeof(*values));
	return stack_table__add_values(r->stacks, (size_t)idx, row);
}

/* --- the loop ----------------------------------------------------------------------------- */

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
	ret = record__take_stack_copy(r, data, size);
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
	int ret = r->mmaps ? mmap_events__read(r->mmaps) : 0, n;

	/* mappings first, then forks and execs, then the samples that need both */
	ret = ret ?: ring_buffer__consume(r->events);
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

static void read_stats(struct record *r)
{
	struct record_stats *s = &r->stats;

#define COMMON(stat) record__read_percpu(r, r->maps.common_stats, COMMON_STAT_##stat)
	record__poll_stats(r);
	s->collisions = COMMON(COLLISIONS);
	s->overflows = COMMON(OVERFLOWS);
	s->no_user_stack = COMMON(NO_USER_STACK);
	s->no_kern_stack = COMMON(NO_KERN_STACK);
	s->stack_errors = COMMON(STACK_ERRORS);
	s->forks = COMMON(FORKS);
	s->regs_errors = COMMON(REGS_ERRORS);
	s->targets_full = COMMON(TARGETS_FULL);
	s->events_lost = COMMON(EVENTS_LOST);
#undef COMMON
}

/* Copy the comm of every process seen so far into the process table. */
static void drain_comms(struct record *r)
{
	int fd = bpf_map__fd(r->maps.comms);
	__u32 tgid, *prev = NULL;
	struct singe_comm comm;
	size_t n = 0;

	while (!bpf_map_get_next_key(fd, prev, &tgid)) {
		if (!bpf_map_lookup_elem(fd, &tgid, &comm))
			proc_table__set_comm(r->procs, tgid, comm.comm);
		prev = &tgid;
		n++;
	}
	/*
	 * Entries stay: the programs write only when a comm changes, so the map holds one entry
	 * per process. Emptied when nearly full (-a on a busy machine) so new processes get names.
	 */
	if (n >= SINGE_MAX_COMMS / 4 * 3)
		while (!bpf_map_get_next_key(fd, NULL, &tgid))
			bpf_map_delete_elem(fd, &tgid);
}

/*
 * Move the thread names the BPF programs noted into the process table. Entries are deleted
 * once read, so the map only holds the threads sampled since the last drain (a thread whose
 * name is deleted is noted again at its next sample).
 */
static int drain_thread_comms(struct record *r)
{
	int fd = bpf_map__fd(r->maps.thread_comms), ret = 0;
	__u32 tid, *prev = NULL;
	struct singe_comm comm;
	VEC(__u32) seen = {0};
	size_t i;

	while (!ret && !bpf_map_get_next_key(fd, prev, &tid)) {
		if (!bpf_map_lookup_elem(fd, &tid, &comm))
			ret = proc_table__name_thread(r->procs, tid, comm.comm);
		ret = ret ?: vec_push(&seen, tid);
		prev = &tid;
	}
	for (i = 0; i < seen.len; i++)
		bpf_map_delete_elem(fd, &seen.data[i]);
	vec_free(&seen);
	return ret;
}

/* An exited process's unwinding decision goes with it (its pid may be reused). */
static void forget_unwind_pid(void *ctx, struct proc *p)
{
	struct record *r = ctx;

	bpf_map__delete_elem(r->maps.unwind_pids, &p->tgid, sizeof(p->tgid), 0);
	record__go_forget(r, p);
	record__python_forget(r, p);
}

/* Read every source's in-kernel aggregation: the idle buffers, or all of them at the end. */
static int drain_sources(struct record *r, bool all)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < r->sources.len && !ret; i++) {
		struct source *s = r->sources.data[i];

		if (s->ops->drain)
			ret = s->ops->drain(s, all);
	}
	return ret;
}

/*
 * A drain waits at most this long for the stack copies to be unwound (new processes' files
 * being opened, a burst of samples): past it, the copies left are dropped and counted.
 */
#define DRAIN_MAX_DELAY_NS 2000000000ULL

/* Flip every source's buffers, let programs still on the old ones finish, and read them. */
int record__drain(struct record *r)
{
	struct timespec grace = {0, 1000000};
	uint64_t now = mono_ns();
	bool exited;
	size_t i;
	int ret;

	/*
	 * The copies waiting refer to the buffers about to be flipped: unwind them first, and
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
	exited = r->unwinder && proc_table__find_exited(r->procs);
	for (i = 0; i < r->sources.len; i++)
		if (r->sources.data[i]->ops->flip)
			r->sources.data[i]->ops->flip(r->sources.data[i]);
	/* a BPF program runs for microseconds: 1 ms covers any still on the old buffer */
	nanosleep(&grace, NULL);
	read_stats(r);
	/* stack copies refer to the idle buffers' stack maps: read them before they are cleared */
	ret = take_all_samples(r, RECORD_TURN_NS);
	ret = ret < 0 ? ret : drain_sources(r, false);
	drain_comms(r);
	ret = ret < 0 ? ret : drain_thread_comms(r);
	if (exited)
		proc_table__forget_exited(r->procs, forget_unwind_pid, r);
	/* every sample up to now is in: forks older than the last drain are no longer needed */
	proc_table__age_forks(r->procs);
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
static int resnapshot_if_early(struct record *r, const struct singe_proc_event *ev)
{
	struct proc *p = proc_table__find(r->procs, ev->tgid);

	if (p && p->snap_gen == ev->exec_gen && p->snap_ns < ev->time_ns + EXEC_SETTLE_NS)
		return proc_table__refresh(r->procs, p);
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
		struct singe_proc_event ev = r->execs.data[i];

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
		if (!ret && (!r->opts.all || proc_table__find(r->procs, ev.tgid)))
			ret = record__see(r, ev.tgid, ev.exec_gen);
		if (!ret)
			ret = resnapshot_if_early(r, &ev);
	}
	r->execs.len = kept;
	return ret;
}

int record__tick(struct record *r)
{
	uint64_t last = r->last_drain_ns ? r->last_drain_ns : r->start_ns;
	int ret;

	record__poll_stats(r);
	ret = record_duty__step(r);
	ret = ret ?: record__handle_execs(r);
	ret = ret ?: record__jvm_tick(r);
	if (!ret && mono_ns() - last >= RECORD_DRAIN_INTERVAL_NS)
		ret = record__drain(r);
	return ret > 0 ? 0 : ret; /* a drain put off is tried again at the next tick */
}

void record__poll_stats(struct record *r)
{
	struct record_stats *s = &r->stats;
	uint64_t samples = 0, lost = 0, seen, dropped, first;
	size_t i;

	for (i = 0; i < r->sources.len; i++) {
		struct source *src = r->sources.data[i];

		seen = dropped = 0;
		if (src->ops->poll)
			src->ops->poll(src, &seen, &dropped);
		/* the recording's first sample: the earliest of any type's */
		first = src->ops->first_sample ? src->ops->first_sample(src) : 0;
		if (first && (!s->first_sample_ns || first < s->first_sample_ns))
			s->first_sample_ns = first;
		samples += seen;
		lost += dropped;
	}
	s->samples = samples;
	s->counts_full = lost;
	s->stacks_lost = record__read_percpu(r, r->maps.common_stats, COMMON_STAT_STACKS_LOST);
	s->python_walks = record__read_percpu(r, r->maps.common_stats, COMMON_STAT_PY_WALKS);
	s->python_walk_ns = record__read_percpu(r, r->maps.common_stats, COMMON_STAT_PY_WALK_NS);
	s->python_frames = record__read_percpu(r, r->maps.common_stats, COMMON_STAT_PY_FRAMES);
	s->lost = s->counts_full + s->stacks_lost + s->dropped;
	if (r->procs) {
		const struct proc_table_stats *ps = proc_table__stats(r->procs);

		s->processes = ps->processes;
		s->gone_early = ps->gone_early;
		s->inherited = ps->inherited;
		s->snapshot_ns = ps->snapshot_ns;
		s->from_events = ps->from_events;
		s->reused = ps->reused;
	}
	if (r->mmaps) {
		s->mapping_records = mmap_events__stats(r->mmaps)->records;
		s->mapping_lost = mmap_events__stats(r->mmaps)->lost;
	}
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

/* --- the profile ------------------------------------------------------------------------ */

/* Every source's sample types, in -t order; the first source's first one is the default. */
static int add_sample_types(struct record *r)
{
	size_t i;
	unsigned int j;
	int ret;

	for (i = 0; i < r->sources.len; i++) {
		const struct source_ops *ops = r->sources.data[i]->ops;

		for (j = 0; j < ops->nvalues; j++)
			if ((ret = profile__add_sample_type(r->profile, ops->types[j].type,
							    ops->types[j].unit)) < 0)
				return ret;
	}
	return 0;
}

/* A frame of its own named name, for what has no address: a location with one line. */
int64_t record__pseudo_location(struct profile *p, const char *what)
{
	int64_t name = profile__intern_str(p, what), fid;
	struct line line = {0};

	if (name < 0)
		return name;
	fid = profile__intern_function(p, &(struct function){.name = name, .system_name = name});
	if (fid < 0)
		return fid;
	line.function_id = fid;
	return profile__intern_location(p, 0, 0, &line, 1);
}

/* A pseudo-frame for samples with neither a kernel nor a user stack, so totals stay right. */
static int64_t missing_stack_location(struct profile *p)
{
	return record__pseudo_location(p, "[missing stack]");
}

/* A type's own labels of a label value (its labels op), interned into labels; their number. */
static int source_labels(struct record *r, struct source *src, uint32_t value, struct label *labels)
{
	struct source_label own[SOURCE_MAX_LABELS];
	int n = src->ops->labels(src, value, own), i, out = 0;

	for (i = 0; i < n && i < SOURCE_MAX_LABELS; i++) {
		int64_t key = profile__intern_str(r->profile, own[i].key);
		int64_t str = own[i].str ? profile__intern_str(r->profile, own[i].str) : 0;

		if (key < 0 || str < 0)
			return -ENOMEM;
		labels[out++] = (struct label){.key = key, .str = str, .num = str ? 0 : own[i].num};
	}
	return out;
}

/* The label keys every sample has. */
struct label_keys {
	int64_t pid, tid, comm, process;
};

/* A sample's labels: pid, tid, comm (the thread's), process, and its type's own. */
static int sample_labels(struct record *r, const struct label_keys *keys, const struct stack_key *s,
			 struct label *labels)
{
	struct profile *p = r->profile;
	const struct proc *proc = proc_table__find(r->procs, s->tgid);
	const char *process = proc && proc->comm[0] ? proc->comm : "[unknown]";
	/* the thread's own name, as perf shows it; its process's when it was not seen */
	const char *comm = proc_table__thread_name(r->procs, s->tid) ?: process;
	int64_t comm_str = profile__intern(p, comm, strnlen(comm, TASK_COMM_LEN));
	int64_t process_str = profile__intern(p, process, strnlen(process, TASK_COMM_LEN));
	const struct source_ops *ops = r->sources.data[s->source]->ops;
	const char *label_str;
	int64_t key, str;
	int n = 4;

	if (comm_str < 0 || process_str < 0)
		return -ENOMEM;
	labels[0] = (struct label){.key = keys->pid, .num = s->tgid};
	labels[1] = (struct label){.key = keys->tid, .num = s->tid};
	labels[2] = (struct label){.key = keys->comm, .str = comm_str};
	labels[3] = (struct label){.key = keys->process, .str = process_str};
	if (ops->labels && s->label) {
		int own = source_labels(r, r->sources.data[s->source], s->label, labels + n);

		return own < 0 ? own : n + own;
	}
	if (!ops->label_key || !s->label)
		return n;
	key = profile__intern_str(p, ops->label_key);
	label_str = ops->label_str ? ops->label_str(s->label) : NULL;
	str = label_str ? profile__intern_str(p, label_str) : 0;
	if (key < 0 || str < 0)
		return -ENOMEM;
	labels[n] = (struct label){.key = key, .str = str, .num = str ? 0 : s->label};
	return n + 1;
}

/*
 * The separator drawn between a stack and the stack above it (offcpu's waker), as bcc's
 * offwaketime draws it: a function of its own, so pprof's tools show it too.
 */
static int64_t separator_location(struct profile *p)
{
	return record__pseudo_location(p, "--");
}

/*
 * Rows that are only the part above other stacks (no values of their own): they are drawn
 * within those, not as samples. A calloc'd array of flags, or NULL.
 */
static bool *parts_only(struct record *r)
{
	size_t n = stack_table__len(r->stacks), i, j;
	bool *part = calloc(n ? n : 1, sizeof(*part));
	const int64_t *v;

	if (!part)
		return NULL;
	for (i = 0; i < n; i++) {
		struct stack_key s = stack_table__key(r->stacks, i);

		if (s.above && s.above - 1 < n)
			part[s.above - 1] = true;
	}
	for (i = 0; i < n; i++) {
		v = stack_table__values(r->stacks, i);
		for (j = 0; j < r->nvalues && part[i]; j++)
			if (v[j])
				part[i] = false;
	}
	return part;
}

/* Row i's location ids, with the stack above it spliced on top (upside down, separated). */
static int sample_locations(struct record *r, size_t i, int64_t *separator, uint64_t *out,
			    size_t cap)
{
	struct stack_key s = stack_table__key(r->stacks, i);
	uint32_t n, nabove;
	const uint64_t *locs = stack_table__locations(r->stacks, i, &n), *above;

	if (!s.above || s.above - 1 >= stack_table__len(r->stacks)) {
		if (n) /* a stack without frames has no location array */
			memcpy(out, locs, n * sizeof(*out));
		return (int)n;
	}
	above = stack_table__locations(r->stacks, s.above - 1, &nabove);
	if (!*separator && (*separator = separator_location(r->profile)) < 0)
		return (int)*separator;
	return offcpu__stack_with_waker(locs, n, (uint64_t)*separator, above, nabove, out, cap);
}

static int add_samples(struct record *r)
{
	struct profile *p = r->profile;
	struct label_keys keys = {
		.pid = profile__intern_str(p, "pid"),
		.tid = profile__intern_str(p, "tid"),
		.comm = profile__intern_str(p, "comm"),
		.process = profile__intern_str(p, "process"),
	};
	uint64_t locs[2 * (2 * SINGE_MAX_STACK_DEPTH + 1) + 1];
	int64_t missing = 0, separator = 0, scaled[RECORD_MAX_VALUES];
	bool *part = parts_only(r);
	size_t i;
	int ret = 0, nlocs;

	if (!part || keys.pid < 0 || keys.tid < 0 || keys.comm < 0 || keys.process < 0) {
		free(part);
		return -ENOMEM;
	}
	for (i = 0; i < stack_table__len(r->stacks) && !ret; i++) {
		struct stack_key s = stack_table__key(r->stacks, i);
		struct label labels[4 + SOURCE_MAX_LABELS];
		int nlabels;

		if (part[i])
			continue;
		nlabels = sample_labels(r, &keys, &s, labels);
		nlocs = sample_locations(r, i, &separator, locs, sizeof(locs) / sizeof(locs[0]));
		if (nlabels < 0 || nlocs < 0) {
			ret = nlabels < 0 ? nlabels : nlocs;
			break;
		}
		if (!nlocs && !missing && (missing = missing_stack_location(p)) < 0) {
			ret = (int)missing;
			break;
		}
		if (!nlocs)
			locs[nlocs++] = (uint64_t)missing;
		ret = profile__add_sample(
			p, locs, (size_t)nlocs,
			record_duty__scale_row(r, stack_table__values(r->stacks, i), scaled),
			labels, nlabels);
	}
	free(part);
	return ret;
}

const char *record__row_stack(struct record *r, int64_t idx, unsigned int max_frames, char *buf,
			      size_t size)
{
	const struct profile *p = r->profile;
	const uint64_t *locs;
	unsigned int shown = 0;
	uint32_t n, i, j;
	size_t len = 0;

	if (!size)
		return buf;
	buf[0] = '\0';
	if (!p || idx < 0 || (size_t)idx >= stack_table__len(r->stacks))
		return buf;
	locs = stack_table__locations(r->stacks, (size_t)idx, &n);
	for (i = 0; i < n && shown < max_frames && len < size; i++) {
		const struct location *loc;
		const struct line *lines;

		if (!locs[i] || locs[i] > p->locations.len)
			continue;
		loc = profile__location(p, locs[i]);
		lines = profile__location_lines(p, loc);
		/* inlined frames first, as pprof lists them */
		for (j = 0; lines && j < loc->nlines && shown < max_frames && len < size; j++) {
			const struct function *f;

			if (!lines[j].function_id || lines[j].function_id > p->functions.len)
				continue;
			f = profile__function(p, lines[j].function_id);
			len += snprintf(buf + len, size - len, "%s%s", shown++ ? " <- " : "",
					profile__str(p, f->name));
		}
	}
	return buf;
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
	if (r->opts.unwind == SINGE_UNWIND_FP)
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
	char text[512];
	size_t i;
	int ret = 0;

	for (i = 0; i < r->sources.len && !ret; i++) {
		struct source *s = r->sources.data[i];

		if (s->ops->annotate)
			ret = s->ops->annotate(s, r->profile);
	}
	ret = ret ?: record_duty__annotate(r);
	ret = ret ?: add_unwind_comments(r);
	if (!ret && record__python_line(r, text, sizeof(text)))
		ret = profile__add_comment(r->profile, text);
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

/* What is still in progress at the end (a block, a parked goroutine) counts up to now. */
static int finish_sources(struct record *r)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < r->sources.len && !ret; i++) {
		struct source *s = r->sources.data[i];

		if (s->ops->finish)
			ret = s->ops->finish(s);
	}
	return ret;
}

int record__finish(struct record *r, struct profile **out, struct flame_err *err)
{
	int ret;

	if (r->finished)
		return flame_err__set(err, EINVAL, "recording already finished");
	r->finished = true;
	r->stop_ns = mono_ns();
	record_duty__stop(r);
	ret = finish_sources(r);
	detach(r);
	nanosleep(&(struct timespec){0, 1000000}, NULL); /* programs still running finish */
	read_stats(r);
	/* nothing is writing any more: every buffer can be read */
	ret = ret < 0 ? ret : take_all_samples(r, FINISH_UNWIND_NS);
	ret = ret < 0 ? ret : drain_sources(r, true);
	drain_comms(r);
	ret = ret < 0 ? ret : drain_thread_comms(r);
	record__poll_stats(r); /* the copies dropped just now are lost samples too */
	record__jvm_finish(r); /* JVMs still running write their perf maps before symbolizing */
	ret = ret ?: symbolize_pending(r, true, 0);
	ret = ret ?: add_sample_types(r);
	ret = ret ?: add_samples(r);
	ret = ret ?: add_comments(r);
	ret = ret ?: record__jvm_annotate(r);
	if (ret)
		return flame_err__set(err, -ret, "cannot build the profile: %s", strerror(-ret));
	r->stats.unknown_frames = symbolizer__stats(r->sym)->unknown_frames;
	r->profile->time_nanos = r->time_nanos;
	r->profile->duration_nanos = r->start_ns ? r->stop_ns - r->start_ns : 0;
	r->profile->quality.lost = r->stats.lost;
	r->profile->quality.truncated = r->stats.truncated + r->stats.unwind[UNWIND_TRUNCATED];
	r->profile->quality.unknown_frames = r->stats.unknown_frames;
	/* the symbolizer borrows the profile: free it before handing the profile over */
	proc_table__free(r->procs);
	r->procs = NULL;
	symbolizer__free(r->sym);
	r->sym = NULL;
	*out = r->profile;
	r->profile = NULL;
	return 0;
}
