// SPDX-License-Identifier: MIT
/*
 * The goroutine profile type (-t goroutine): time goroutines spend parked -- on a channel, a
 * select, a mutex, the network, a sleep -- charged to the goroutine's stack where it parked,
 * with its wait reason. bpf/goroutine.bpf.c probes the entries of runtime.gopark (the park:
 * goroutine, wait reason, goid, user stack, time) and runtime.execute (the goroutine runs
 * again), in each Go binary the targets run; never a uretprobe (it crashes Go).
 *
 * Each park's stack is taken into the stack table when its event is read, with one park
 * counted (record__add_stack_row), and its delay added to that row when the goroutine runs
 * again: a park may span many drains. Parks still open when the recording stops count up to
 * then. Sample types parks/count and delay/nanoseconds (the unit of Go's block profile);
 * labels goid and wait_reason. The delay runs from the park to the goroutine's next run, so
 * it includes the wait in the run queue after the wake (Go's block profile stops at the
 * wake): on a machine with idle CPUs the two are close.
 *
 * Functions are found by name in .symtab or, for stripped binaries, .gopclntab; the goid's
 * offset in runtime.g and the wait-reason strings come from the binary (DWARF) or singe's
 * table for its Go version (cli/go_runtime.c). Each probe's cookie carries the binary's index
 * here and the goid offset.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/types.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clock.h"
#include "go_parks.h"
#include "go_runtime.h"
#include "goroutine.h"
#include "goroutine.skel.h"
#include "profile.h"
#include "record.h"
#include "record_procs.h"
#include "record_stacks.h"
#include "source.h"
#include "sym_procmaps.h"
#include "uprobe.h"
#include "vec.h"

/* Go binaries this large are not read (no Go toolchain binary comes near). */
#define GO_BINARY_MAX (1ULL << 30)
/* What one uprobe hit costs the probed thread here (DESIGN.md: measured). */
#define UPROBE_HIT_NS 6000ULL
/* Distinct Go binaries probed, at most. */
#define MAX_GO_BINARIES 256
/* Wait-reason names kept (every binary's, interned). */
#define MAX_REASON_NAMES 512

struct go_binary {
	dev_t dev;
	ino_t ino;
	bool probed; /* a Go binary whose functions were found: its probes are attached */
	uint32_t goid_off;
	uint64_t park_off, execute_off; /* file offsets of runtime.gopark, runtime.execute */
	unsigned int nreasons;
	uint16_t reason_ids[GO_MAX_WAIT_REASONS]; /* into names[] */
	char version[64];
	bool newer_than_tables;
};

struct goroutine_source {
	struct source base;
	struct goroutine_bpf *skel;
	struct ring_buffer *rb;
	struct go_binary bins[MAX_GO_BINARIES];
	unsigned int nbins;
	char *names[MAX_REASON_NAMES]; /* interned wait-reason strings */
	unsigned int nnames;
	struct go_pair_map parks; /* (tgid, g) -> (row, start) */
	struct go_labels labels;
	bool finished; /* events read after finish are of no park that counts */
	int ret;       /* the first error of an event callback */
	uint64_t in_progress, not_go, no_funcs;
	uint64_t cut;	    /* --duty-cycle: parks in progress at a detach, ended there */
	uint64_t paused_at; /* --duty-cycle: when the probes went out; 0 while they are in */
	char first_problem[160];
	uint64_t frames[SINGE_MAX_STACK_DEPTH + 1];
};

static struct goroutine_source *go_of(struct source *s)
{
	return (struct goroutine_source *)s;
}

static struct source *goroutine_new(struct record *r)
{
	(void)r;
	return calloc(1, sizeof(struct goroutine_source));
}

static int goroutine_open(struct source *s, struct flame_err *err)
{
	struct goroutine_source *c = go_of(s);
	struct goroutine_bpf *skel = goroutine_bpf__open();

	if (!skel)
		return flame_err__set(err, errno, "failed to open the BPF object: %s",
				      strerror(errno));
	c->skel = skel;
	s->obj = skel->obj;
	record__bpf_setup(s->r, s, &skel->rodata->setup);
	return 0;
}

static int on_event(void *ctx, void *data, size_t size);

static int goroutine_load(struct source *s)
{
	struct goroutine_source *c = go_of(s);
	int ret = goroutine_bpf__load(c->skel);

	if (ret)
		return ret;
	c->rb = ring_buffer__new(bpf_map__fd(c->skel->maps.go_events), on_event, c, NULL);
	return c->rb ? 0 : -errno;
}

/* The index of a wait-reason name, interned; MAX_REASON_NAMES when there is no room. */
static unsigned int intern_name(struct goroutine_source *c, const char *name)
{
	unsigned int i;

	for (i = 0; i < c->nnames; i++)
		if (!strcmp(c->names[i], name))
			return i;
	if (c->nnames == MAX_REASON_NAMES || !(c->names[c->nnames] = strdup(name)))
		return MAX_REASON_NAMES;
	return c->nnames++;
}

/* Remember the first reason the probes could not go in, for the summary. */
static void note_problem(struct goroutine_source *c, const char *fmt, const char *what)
{
	if (!c->first_problem[0])
		snprintf(c->first_problem, sizeof(c->first_problem), fmt, what);
}

/* Read the Go facts of the binary at fd into b; false when it is not a Go binary to probe. */
static bool read_binary(struct goroutine_source *c, int fd, size_t size, const char *path,
			struct go_binary *b)
{
	static struct go_runtime rt; /* large; the engine is single-threaded */
	struct uprobe_func park, exec;
	unsigned int i;
	void *img;
	int ret;

	if (!size || size > GO_BINARY_MAX)
		return false;
	img = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (img == MAP_FAILED)
		return false;
	/* the section headers first: most programs a build starts are not Go, and large */
	ret = go_runtime__is_go(img, size) ? go_runtime__read(img, size, &rt) : -ENOENT;
	if (!ret && (uprobe__find_in(img, size, "runtime.gopark", &park) ||
		     uprobe__find_in(img, size, "runtime.execute", &exec))) {
		c->no_funcs++;
		note_problem(c, "%s: runtime.gopark or runtime.execute not found", path);
		ret = -ENOENT;
	}
	munmap(img, size);
	if (ret) {
		c->not_go += ret == -ENOENT;
		return false;
	}
	b->goid_off = rt.g.goid;
	b->park_off = park.offset;
	b->execute_off = exec.offset;
	snprintf(b->version, sizeof(b->version), "%s", rt.version);
	b->newer_than_tables = rt.newer_than_tables;
	b->nreasons = rt.nwait_reasons;
	for (i = 0; i < rt.nwait_reasons && i < GO_MAX_WAIT_REASONS; i++) {
		const char *name = go_runtime__wait_reason(&rt, i);

		b->reason_ids[i] = intern_name(c, name && *name ? name : "[no wait reason]");
	}
	return true;
}

/* The binary of path, read when first seen; NULL when it cannot be read or the table is full. */
static struct go_binary *binary_of(struct goroutine_source *c, const char *path)
{
	struct go_binary *b;
	struct stat st;
	unsigned int i;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st)) {
		close(fd);
		return NULL;
	}
	for (i = 0; i < c->nbins; i++)
		if (c->bins[i].dev == st.st_dev && c->bins[i].ino == st.st_ino) {
			close(fd);
			return &c->bins[i];
		}
	if (c->nbins == MAX_GO_BINARIES) {
		close(fd);
		return NULL;
	}
	b = &c->bins[c->nbins++];
	*b = (struct go_binary){.dev = st.st_dev, .ino = st.st_ino};
	b->probed = read_binary(c, fd, (size_t)st.st_size, path, b);
	close(fd);
	return b;
}

/* Probe the Go binary at path for process pid (-1: every process running it). */
static int probe_binary(struct goroutine_source *c, const char *path, int pid)
{
	struct go_binary *b = binary_of(c, path);
	struct flame_err err = {{0}};
	uint64_t cookie;
	int ret;

	if (!b || !b->probed)
		return 0;
	cookie = GOROUTINE_COOKIE(b - c->bins, b->goid_off);
	/*
	 * The end of a park first, its start after (the engine attaches them again in this order
	 * under --duty-cycle): a park seen before its wake could be would stay in the kernel's
	 * map, and the goroutine's next parks would be taken for gopark entered twice.
	 */
	ret = record__attach_uprobe_cookie(c->base.r, c->skel->progs.go_execute, path,
					   b->execute_off, pid, cookie, &err);
	ret = ret
		      ?: record__attach_uprobe_cookie(c->base.r, c->skel->progs.go_park, path,
						      b->park_off, pid, cookie, &err);
	if (ret)
		note_problem(c, "%s", err.msg);
	/* one process that cannot be probed does not stop the recording of the others */
	return 0;
}

static int goroutine_image(struct source *s, uint32_t tgid, const struct proc_image *img)
{
	const struct record_opts *opts = record__opts(s->r);

	if (!img->exe[0])
		return 0;
	return probe_binary(go_of(s), img->exe, opts->all ? -1 : (int)tgid);
}

/* -a: every running process's executable, probed for every process that runs it. */
static int probe_running(struct goroutine_source *c)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	char link[64], path[4096];
	ssize_t n;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(link, sizeof(link), "/proc/%.16s/exe", e->d_name);
		n = readlink(link, path, sizeof(path) - 1);
		if (n <= 0)
			continue; /* a kernel thread, or gone */
		path[n] = '\0';
		probe_binary(c, path, -1);
	}
	closedir(d);
	return 0;
}

/* -p and -- CMD: the targets known now (the engine's image op brings the later ones). */
static int goroutine_attach(struct source *s, struct flame_err *err)
{
	struct goroutine_source *c = go_of(s);
	const int *pids;
	size_t n = record__targets(s->r, &pids), i;
	char path[64];
	int ret;

	if (record__opts(s->r)->all) {
		ret = probe_running(c);
		return ret ? flame_err__set(err, -ret, "cannot list processes: %s", strerror(-ret))
			   : 0;
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/proc/%d/exe", pids[i]);
		probe_binary(c, path, pids[i]);
	}
	return 0;
}

/* A park: its stack into the table with one park counted, its delay to come. */
static int take_park(struct goroutine_source *c, const struct goroutine_event *e)
{
	const struct go_binary *b = e->h.binary < c->nbins ? &c->bins[e->h.binary] : NULL;
	int64_t values[2] = {1, 0}, row;
	uint32_t reason_id = MAX_REASON_NAMES, label;
	struct stack_key k = {
		.tgid = e->h.tgid,
		.tid = e->h.tid,
		.exec_gen = e->h.exec_gen,
		.addrs = c->frames,
	};
	char unknown[32];

	if (b && e->h.reason < b->nreasons)
		reason_id = b->reason_ids[e->h.reason];
	if (reason_id == MAX_REASON_NAMES) {
		/* a Go whose table singe lacks: the number, still told apart */
		snprintf(unknown, sizeof(unknown), "waitReason %u", e->h.reason);
		reason_id = intern_name(c, unknown);
	}
	label = go_labels__value(&c->labels, e->h.goid, reason_id);
	k.nuser = e->h.nuser < SINGE_MAX_STACK_DEPTH ? e->h.nuser : SINGE_MAX_STACK_DEPTH;
	memcpy(c->frames, e->user, k.nuser * sizeof(uint64_t));
	row = record__add_stack_row(c->base.r, &c->base, &k, values, label, true, e->h.leaf_ret);
	if (row < 0)
		return (int)row;
	return go_parks__start(&c->parks, &(struct go_park){.tgid = e->h.tgid,
							    .g = e->h.g,
							    .row = row,
							    .start_ns = e->h.time_ns});
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct goroutine_source *c = ctx;
	struct goroutine_event e;
	int64_t row;
	uint64_t delay;
	int ret = 0;

	if (size < sizeof(e.h) || c->finished)
		return 0;
	memcpy(&e, data, size < sizeof(e) ? size : sizeof(e));
	/* a wake in the moments the probes take to go out ends its park at the detach too */
	if (c->paused_at && e.h.time_ns > c->paused_at)
		e.h.time_ns = c->paused_at;
	if (e.h.kind == GOROUTINE_PARK && size >= sizeof(e.h) + e.h.nuser * sizeof(uint64_t))
		ret = take_park(c, &e);
	else if (e.h.kind == GOROUTINE_WAKE &&
		 !go_parks__end(&c->parks, e.h.tgid, e.h.g, e.h.time_ns, &row, &delay))
		ret = record__add_to_row(c->base.r, &c->base, row, (int64_t[2]){0, (int64_t)delay});
	if (ret && !c->ret)
		c->ret = ret;
	return 0;
}

static int goroutine_drain(struct source *s, bool all)
{
	struct goroutine_source *c = go_of(s);
	int n;

	(void)all;
	n = ring_buffer__consume(c->rb);
	if (n < 0)
		return n;
	n = c->ret;
	c->ret = 0;
	return n;
}

/* Is the process still there? A park of one that exited is not charged past its end. */
static bool alive(uint32_t tgid)
{
	return !kill((pid_t)tgid, 0) || errno == EPERM;
}

/* Parks still open end at end_ns (those of live processes): counted in *count. */
static int end_open_parks(struct goroutine_source *c, uint64_t end_ns, uint64_t *count)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < c->parks.cap && !ret; i++) {
		const struct go_pair_slot *p = &c->parks.slots[i];

		if (!p->used || !alive((uint32_t)p->a))
			continue;
		(*count)++;
		ret = record__add_to_row(
			c->base.r, &c->base, (int64_t)p->v1,
			(int64_t[2]){0, end_ns > p->v2 ? (int64_t)(end_ns - p->v2) : 0});
	}
	return ret;
}

/*
 * Parks still open count up to now, the end of the recording; or, when --duty-cycle has the
 * probes out, up to when they went out.
 */
static int goroutine_finish(struct source *s)
{
	struct goroutine_source *c = go_of(s);
	int ret = goroutine_drain(s, true);

	if (c->paused_at)
		ret = ret ?: end_open_parks(c, c->paused_at, &c->cut);
	else
		ret = ret ?: end_open_parks(c, mono_ns(), &c->in_progress);
	c->finished = true;
	return ret;
}

/* Forget the parks the kernel is timing: their wakes will not be seen. 0 or a negative errno. */
static int forget_kernel_parks(struct goroutine_source *c)
{
	int fd = bpf_map__fd(c->skel->maps.parked), ret = 0;
	struct goroutine_key key, *prev = NULL;
	VEC(struct goroutine_key) keys = {0};
	size_t i;

	/* the keys first: deleting while walking a hash map restarts the walk */
	while (!ret && !bpf_map_get_next_key(fd, prev, &key)) {
		ret = vec_push(&keys, key);
		prev = &key;
	}
	for (i = 0; i < keys.len; i++)
		bpf_map_delete_elem(fd, &keys.data[i]);
	vec_free(&keys);
	return ret;
}

/* --duty-cycle takes the probes out now (at): no park is taken from here on. */
static int goroutine_pause(struct source *s, uint64_t at)
{
	struct goroutine_source *c = go_of(s);

	c->paused_at = at;
	__atomic_store_n(&c->skel->bss->parks_paused, 1, __ATOMIC_SEQ_CST);
	return 0;
}

/*
 * The probes are back: the parks in progress when they went out end then (their delay up to
 * the detach), and the kernel forgets them, so that a goroutine parked again is a new park,
 * not gopark entered twice. Then parks are taken again.
 */
static int goroutine_resume(struct source *s, uint64_t at)
{
	struct goroutine_source *c = go_of(s);
	int ret = goroutine_drain(s, false);

	(void)at;
	ret = ret ?: end_open_parks(c, c->paused_at, &c->cut);
	go_pair_map__free(&c->parks);
	ret = ret ?: forget_kernel_parks(c);
	c->paused_at = 0;
	__atomic_store_n(&c->skel->bss->parks_paused, 0, __ATOMIC_SEQ_CST);
	return ret;
}

static void goroutine_detach(struct source *s)
{
	(void)s; /* the engine detaches the uprobes it attached */
}

static void goroutine_poll(struct source *s, uint64_t *samples, uint64_t *lost)
{
	struct goroutine_source *c = go_of(s);
	const struct bpf_map *m = c->skel->maps.go_stats;

	*samples = record__read_percpu(s->r, m, GOROUTINE_STAT_PARKS);
	*lost = record__read_percpu(s->r, m, GOROUTINE_STAT_PARKED_FULL) +
		record__read_percpu(s->r, m, GOROUTINE_STAT_EVENTS_LOST);
}

/* "go1.22.2 (2), go1.23.1": the Go versions of the binaries probed. */
static void versions(struct goroutine_source *c, char *buf, size_t size)
{
	size_t n = 0;
	unsigned int i, probed = 0;

	buf[0] = '\0';
	for (i = 0; i < c->nbins && n < size; i++) {
		if (!c->bins[i].probed)
			continue;
		n += snprintf(buf + n, size - n, "%s%s%s", probed++ ? ", " : "", c->bins[i].version,
			      c->bins[i].newer_than_tables ? " (newer than singe's tables: wait "
							     "reasons may be wrong)"
							   : "");
	}
}

static unsigned int nprobed(const struct goroutine_source *c)
{
	unsigned int i, n = 0;

	for (i = 0; i < c->nbins; i++)
		n += c->bins[i].probed;
	return n;
}

static const char *goroutine_describe(struct source *s, char *buf, size_t size)
{
	struct goroutine_source *c = go_of(s);
	char vers[200];

	versions(c, vers, sizeof(vers));
	snprintf(buf, size, "uprobes on runtime.gopark and runtime.execute in %u Go binar%s%s%s%s",
		 nprobed(c), nprobed(c) == 1 ? "y" : "ies", vers[0] ? " (" : "", vers,
		 vers[0] ? ")" : "");
	return buf;
}

/* Park rate and what the probes cost the programs, for the summary and the profile. */
static const char *goroutine_summary(struct source *s, char *buf, size_t size)
{
	struct goroutine_source *c = go_of(s);
	const struct bpf_map *m = c->skel->maps.go_stats;
	uint64_t parks = record__read_percpu(s->r, m, GOROUTINE_STAT_PARKS);
	uint64_t hits = record__read_percpu(s->r, m, GOROUTINE_STAT_HITS);
	uint64_t twice = record__read_percpu(s->r, m, GOROUTINE_STAT_DOUBLE);
	uint64_t full = record__read_percpu(s->r, m, GOROUTINE_STAT_PARKED_FULL);
	uint64_t lost = record__read_percpu(s->r, m, GOROUTINE_STAT_EVENTS_LOST);
	double secs = record__elapsed_ns(s->r) / 1e9;
	double attached = record__attached_ns(s->r) / 1e9;
	bool duty = record__opts(s->r)->duty_cycle;
	size_t n;

	if (secs <= 0)
		secs = 1e-9;
	if (attached <= 0)
		attached = 1e-9;
	/* the rate while the probes were in; the cost over the whole recording */
	n = snprintf(buf, size,
		     "goroutine: %llu parks (%.0f/s%s) in %u Go binar%s, %llu still parked at the "
		     "end; %llu uprobe hits (%llu gopark entries run twice by stack growth, "
		     "ignored): estimated cost %.1f ms of the programs' CPU time (%.2f%% of one "
		     "CPU), at ~6 us a hit",
		     (unsigned long long)parks, parks / attached, duty ? " while attached" : "",
		     nprobed(c), nprobed(c) == 1 ? "y" : "ies", (unsigned long long)c->in_progress,
		     (unsigned long long)hits, (unsigned long long)twice,
		     hits * UPROBE_HIT_NS / 1e6, hits * UPROBE_HIT_NS / 1e7 / secs);
	if (n < size && duty)
		n += snprintf(
			buf + n, size - n,
			"; %llu parks in progress at a detach ended there, parks begun while "
			"detached not seen; the traps while the probes were going out are not "
			"in the estimate (see the duty cycle line)",
			(unsigned long long)c->cut);
	if (n < size && (full || lost))
		n += snprintf(buf + n, size - n,
			      "; %llu parks not timed (%llu map full, %llu ring full)",
			      (unsigned long long)(full + lost), (unsigned long long)full,
			      (unsigned long long)lost);
	if (n < size && !nprobed(c))
		n += snprintf(buf + n, size - n, "; no Go binary was probed%s%s",
			      c->first_problem[0] ? ": " : " (is the target a Go program?)",
			      c->first_problem);
	return buf;
}

static int goroutine_annotate(struct source *s, struct profile *p)
{
	char text[768], what[400];
	int ret;

	snprintf(text, sizeof(text), "singe record -t goroutine: %s",
		 goroutine_describe(s, what, sizeof(what)));
	if ((ret = profile__add_comment(p, text)))
		return ret;
	return profile__add_comment(p, goroutine_summary(s, text, sizeof(text)));
}

static int goroutine_labels(struct source *s, uint32_t value, struct source_label *out)
{
	struct goroutine_source *c = go_of(s);
	uint64_t goid;
	uint32_t reason;

	if (go_labels__pair(&c->labels, value, &goid, &reason))
		return 0;
	out[0] = (struct source_label){.key = "goid", .num = (int64_t)goid};
	out[1] = (struct source_label){.key = "wait_reason",
				       .str = reason < c->nnames ? c->names[reason] : "[unknown]"};
	return 2;
}

static void goroutine_free(struct source *s)
{
	struct goroutine_source *c = go_of(s);
	unsigned int i;

	ring_buffer__free(c->rb);
	goroutine_bpf__destroy(c->skel);
	go_pair_map__free(&c->parks);
	go_labels__free(&c->labels);
	for (i = 0; i < c->nnames; i++)
		free(c->names[i]);
	free(c);
}

static const struct source_sample_type goroutine_types[] = {
	{"parks", "count"},
	{"delay", "nanoseconds"},
};

const struct source_ops goroutine_source_ops = {
	.name = "goroutine",
	.about = "time goroutines spend parked (chan, select, mutex, IO, sleep), per wait reason",
	.nvalues = 2,
	.types = goroutine_types,
	.duty_cycle = true,
	.new = goroutine_new,
	.open = goroutine_open,
	.load = goroutine_load,
	.attach = goroutine_attach,
	.image = goroutine_image,
	.drain = goroutine_drain,
	.pause = goroutine_pause,
	.resume = goroutine_resume,
	.finish = goroutine_finish,
	.detach = goroutine_detach,
	.annotate = goroutine_annotate,
	.describe = goroutine_describe,
	.summary = goroutine_summary,
	.labels = goroutine_labels,
	.poll = goroutine_poll,
	.free = goroutine_free,
};
