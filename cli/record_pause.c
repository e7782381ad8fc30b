// SPDX-License-Identifier: MIT
/*
 * The pause profile type (-t pause): pauses of language runtimes, each one sample charged to
 * the stack of the code that caused it, with sample types pauses/count and
 * pause/nanoseconds and a label naming the runtime and the pause's reason.
 *
 * Go (1.19 to 1.23, normal and stripped): per binary, uprobes at the entries of
 * runtime.stopTheWorldWithSema (the pause starts), runtime.gcStart, runtime.gcMarkDone and
 * runtime.stopTheWorld (who asked, with the stack), and on every RET of
 * runtime.startTheWorldWithSema (the pause ends; go_ret.c finds them), see bpf/pause.bpf.c.
 * The RETs and functions come from .symtab or, stripped, from .gopclntab; g.m and m.curg
 * from go_runtime.c.
 *
 * Every pause is kept (they are few) for the summary per runtime and kind, which goes in
 * the profile's comments ("pause: ..."), which singe record prints and singe report shows.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clock.h"
#include "err.h"
#include "go_ret.h"
#include "go_runtime.h"
#include "common.h"
#include "pause.h"
#include "pause.skel.h"
#include "pause_labels.h"
#include "pause_stats.h"
#include "output.h"
#include "profile.h"
#include "record.h"
#include "record_procs.h"
#include "record_stacks.h"
#include "source.h"
#include "sym_gopclntab.h"
#include "sym_procmaps.h"
#include "timeline.h"
#include "uprobe.h"
#include "vec.h"

/* RETs of runtime.startTheWorldWithSema probed at most (1.19 to 1.23 have one). */
#define PAUSE_MAX_RETS 16
/* Go binaries larger than this are not read. */
#define PAUSE_GO_MAX_BINARY (1ULL << 30)
/* How long a python process without a libpython singe can probe is looked at again. */
#define PY_RETRY_NS 3000000000ULL
/* The stack-copy ring this type asks for (CPython's stacks): 8 MiB. */
#define PAUSE_RING_SIZE (8UL << 20)
/* Kinds in a summary at most. */
#define PAUSE_MAX_KINDS 64

/* What a Go binary needs probed, read once per file (by device and inode). */
struct pause_go_binary {
	uint64_t dev, ino;
	int err; /* 0: probes below; else why not (-ENOENT: no Go binary) */
	char version[32];
	struct pause_go_proc facts;
	uint64_t gc_start, mark_done, stop, stw_start; /* file offsets of the entries */
	uint64_t rets[PAUSE_MAX_RETS];
	int nrets;
};

struct py_pending {
	uint32_t tgid;
	uint64_t until_ns; /* retried until then */
};

struct pause_source {
	struct source base;
	struct pause_bpf *skel;
	struct ring_buffer *rb;
	VEC(struct pause_go_binary) go_binaries;
	VEC(struct pause_rec) pauses;
	size_t go_processes;
	size_t other_processes;	      /* seen, with no runtime singe probes */
	size_t py_usdt, py_uprobe;    /* CPython processes, by the probes used */
	size_t jvms;		      /* JVMs probed (USDT in libjvm.so) */
	VEC(struct bpf_link *) links; /* USDT and uretprobe links (uprobes: the engine's) */
	/* python processes whose libpython was not mapped yet when their image was read */
	VEC(struct py_pending) py_pending;
	char go_versions[128]; /* the Go versions seen, for the comment */
	char probe_error[256]; /* the first process that could not be probed, and why */
	char label_buf[64];    /* the reason label's string, until the engine interns it */
	uint64_t start_ns, end_ns;
	int ret; /* the first error of a ring buffer callback */
};

static struct pause_source *pause_of(struct source *s)
{
	return (struct pause_source *)s;
}

/* --- labels (pause_labels.c) ------------------------------------------------------------ */

/* Go 1.19's stopTheWorld strings, mapped onto 1.21's stwReason numbers. */
static const struct {
	const char *str;
	uint16_t reason;
} go119_reasons[] = {
	{"write heap dump", 3}, {"profile", 4},	       {"profile cleanup", 5},
	{"stack trace", 6},	{"read mem stats", 7}, {"doAllThreadsSyscall", 8},
	{"GOMAXPROCS", 9},	{"start tracing", 10}, {"stop tracing", 11},
};

static uint16_t go119_reason(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(go119_reasons) / sizeof(go119_reasons[0]); i++)
		if (!strcmp(go119_reasons[i].str, s))
			return go119_reasons[i].reason;
	return PAUSE_GO_UNKNOWN;
}

_Static_assert(PAUSE_LABELS_MAX <= SOURCE_MAX_LABELS, "SOURCE_MAX_LABELS too small for pause");

/* runtime, reason, gc_generation or gc_cycle (pause_labels.h) */
static int pause_source_labels(struct source *s, uint32_t value, struct source_label *out)
{
	struct pause_source *ps = pause_of(s);

	return pause_labels(value, out, ps->label_buf, sizeof(ps->label_buf));
}

/* --- Go binaries ------------------------------------------------------------------------ */

static int find_entry(const void *img, size_t len, const char *name, uint64_t *off)
{
	struct uprobe_func f;
	int ret = uprobe__find_in(img, len, name, &f);

	if (!ret)
		*off = f.offset;
	return ret;
}

/* The probes of the Go image img (len bytes) into b; b->err says why there are none. */
static void read_go_image(const void *img, size_t len, struct pause_go_binary *b)
{
	static struct go_runtime rt; /* large; the engine is single-threaded */
	struct gopclntab *t;
	struct uprobe_func f;
	int ret;

	ret = go_runtime__read(img, len, &rt);
	if (ret || !rt.g.m || !rt.m.curg || rt.major != 1 || rt.minor < 19) {
		b->err = ret ?: -ENOTSUP;
		return;
	}
	snprintf(b->version, sizeof(b->version), "%.31s", rt.version);
	b->facts = (struct pause_go_proc){
		.g_m = rt.g.m,
		.m_curg = rt.m.curg,
		.has_reason = rt.minor >= 21,
	};
	ret = find_entry(img, len, "runtime.stopTheWorldWithSema", &b->stw_start);
	ret = ret ?: find_entry(img, len, "runtime.gcStart", &b->gc_start);
	ret = ret ?: find_entry(img, len, "runtime.gcMarkDone", &b->mark_done);
	ret = ret ?: find_entry(img, len, "runtime.stopTheWorld", &b->stop);
	ret = ret ?: uprobe__find_in(img, len, "runtime.startTheWorldWithSema", &f);
	if (ret) {
		b->err = ret;
		return;
	}
	t = gopclntab__load(img, len);
	if (!t) {
		b->err = -errno;
		return;
	}
	b->nrets = go_ret__find(img, len, t, f.vaddr, f.size, b->rets, PAUSE_MAX_RETS);
	gopclntab__free(t);
	if (b->nrets <= 0 || b->nrets > PAUSE_MAX_RETS)
		b->err = b->nrets < 0 ? b->nrets : -ENOENT;
}

/* The cached probes of the file at path, read now when it was never seen; NULL: -ENOMEM. */
static const struct pause_go_binary *go_binary_of(struct pause_source *ps, const char *path)
{
	struct pause_go_binary b = {0};
	struct stat st;
	void *img;
	size_t i;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		b.err = -errno;
		if (fd >= 0)
			close(fd);
		return vec_push(&ps->go_binaries, b)
			       ? NULL
			       : &ps->go_binaries.data[ps->go_binaries.len - 1];
	}
	for (i = 0; i < ps->go_binaries.len; i++)
		if (ps->go_binaries.data[i].dev == st.st_dev &&
		    ps->go_binaries.data[i].ino == st.st_ino) {
			close(fd);
			return &ps->go_binaries.data[i];
		}
	b.dev = st.st_dev;
	b.ino = st.st_ino;
	b.err = -ENOENT;
	if (st.st_size > 0 && (uint64_t)st.st_size <= PAUSE_GO_MAX_BINARY) {
		img = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (img != MAP_FAILED) {
			b.err = 0;
			read_go_image(img, st.st_size, &b);
			munmap(img, st.st_size);
		}
	}
	close(fd);
	if (vec_push(&ps->go_binaries, b))
		return NULL;
	return &ps->go_binaries.data[ps->go_binaries.len - 1];
}

static void note_version(struct pause_source *ps, const char *v)
{
	size_t n = strlen(ps->go_versions);

	if (strstr(ps->go_versions, v))
		return;
	snprintf(ps->go_versions + n, sizeof(ps->go_versions) - n, "%s%s", n ? ", " : "", v);
}

static int attach_go(struct pause_source *ps, uint32_t tgid, const char *path,
		     const struct pause_go_binary *b)
{
	struct pause_bpf *skel = ps->skel;
	struct record *r = ps->base.r;
	int pid = record__opts(r)->all ? -1 : (int)tgid, ret, i;
	struct flame_err err = {{0}};

	ret = bpf_map__update_elem(skel->maps.pause_go_procs, &tgid, sizeof(tgid), &b->facts,
				   sizeof(b->facts), BPF_ANY);
	ret = ret
		      ?: record__attach_uprobe(r, skel->progs.go_gc_start, path, b->gc_start, pid,
					       &err);
	ret = ret
		      ?: record__attach_uprobe(r, skel->progs.go_mark_done, path, b->mark_done, pid,
					       &err);
	ret = ret
		      ?: record__attach_uprobe(r,
					       b->facts.has_reason
						       ? skel->progs.go_stop_request
						       : skel->progs.go_stop_request_str,
					       path, b->stop, pid, &err);
	/* the end first: a pause that starts must find its end probed */
	for (i = 0; i < b->nrets && !ret; i++)
		ret = record__attach_uprobe(r, skel->progs.go_stw_end, path, b->rets[i], pid, &err);
	ret = ret
		      ?: record__attach_uprobe(r, skel->progs.go_stw_start, path, b->stw_start, pid,
					       &err);
	if (ret) {
		if (!ps->probe_error[0])
			snprintf(ps->probe_error, sizeof(ps->probe_error), "process %u: %s", tgid,
				 err.msg[0] ? err.msg : strerror(-ret));
		return 0; /* the other processes are still recorded */
	}
	ps->go_processes++;
	note_version(ps, b->version);
	return 0;
}

/* --- CPython ---------------------------------------------------------------------------- */

/* The file name (after the last '/') looks like an interpreter or its library. */
static bool is_python_file(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return !strncmp(base, "python3", 7) || !strncmp(base, "libpython3", 10);
}

static int keep_link(struct pause_source *ps, struct bpf_link *link)
{
	if (vec_push(&ps->links, link)) {
		bpf_link__destroy(link);
		return -ENOMEM;
	}
	return 0;
}

/* USDT gc__start and gc__done in the file at path, for pid: 0, or -errno (-ENOENT: none). */
static int attach_py_usdt(struct pause_source *ps, int pid, const char *path)
{
	struct bpf_link *start, *done;
	int ret;

	start = bpf_program__attach_usdt(ps->skel->progs.py_gc_start, pid, path, "python",
					 "gc__start", NULL);
	if (!start)
		return -errno;
	done = bpf_program__attach_usdt(ps->skel->progs.py_gc_done, pid, path, "python", "gc__done",
					NULL);
	if (!done) {
		ret = -errno;
		bpf_link__destroy(start);
		return ret;
	}
	ret = keep_link(ps, start);
	return ret ?: keep_link(ps, done);
}

/* Uprobes at the entry and return of gc_collect_main in the file at path (its .symtab). */
static int attach_py_uprobes(struct pause_source *ps, int pid, const char *path)
{
	struct flame_err err = {{0}};
	struct bpf_link *ret_link;
	struct uprobe_func f;
	int ret = uprobe__find(path, "gc_collect_main", &f);

	if (ret)
		return ret;
	/* the return first: a collection that starts must find its end probed */
	ret_link =
		bpf_program__attach_uprobe(ps->skel->progs.py_gc_return, true, pid, path, f.offset);
	if (!ret_link)
		return -errno;
	if ((ret = keep_link(ps, ret_link)))
		return ret;
	return record__attach_uprobe(ps->base.r, ps->skel->progs.py_gc_entry, path, f.offset, pid,
				     &err);
}

/*
 * A CPython process: its interpreter (Debian's python3.11 has libpython linked in) or its
 * libpython. USDT where the file has the probes, else uprobes on gc_collect_main. 0 when
 * probed, -ENOENT when no file of the image is a CPython singe can probe.
 */
static int attach_python(struct pause_source *ps, uint32_t tgid, const struct proc_image *img)
{
	int pid = record__opts(ps->base.r)->all ? -1 : (int)tgid;
	const char *last = "";
	size_t i;

	if (!img->maps)
		return -ENOENT;
	for (i = 0; i < img->maps->len; i++) {
		const struct procmap *m = &img->maps->maps[i];

		if (!m->executable || !procmap__is_file(m) || !strcmp(m->path, last) ||
		    !is_python_file(m->path))
			continue;
		last = m->path;
		if (!attach_py_usdt(ps, pid, m->path)) {
			ps->py_usdt++;
			return 0;
		}
		if (!attach_py_uprobes(ps, pid, m->path)) {
			ps->py_uprobe++;
			return 0;
		}
	}
	return -ENOENT;
}

/* --- JVM -------------------------------------------------------------------------------- */

static bool is_libjvm(const char *path)
{
	const char *base = strrchr(path, '/');

	return !strcmp(base ? base + 1 : path, "libjvm.so");
}

/* One USDT probe of libjvm.so at path for pid. */
static int attach_jvm_probe(struct pause_source *ps, struct bpf_program *prog, int pid,
			    const char *path, const char *provider, const char *name)
{
	struct bpf_link *link = bpf_program__attach_usdt(prog, pid, path, provider, name, NULL);

	return link ? keep_link(ps, link) : -errno;
}

/* A JVM: the safepoint and GC probes of its libjvm.so. 0, or -ENOENT when it has none. */
static int attach_jvm(struct pause_source *ps, uint32_t tgid, const struct proc_image *img)
{
	int pid = record__opts(ps->base.r)->all ? -1 : (int)tgid, ret;
	struct pause_bpf *skel = ps->skel;
	size_t i;

	if (!img->maps)
		return -ENOENT;
	for (i = 0; i < img->maps->len; i++) {
		const struct procmap *m = &img->maps->maps[i];

		if (!m->executable || !procmap__is_file(m) || !is_libjvm(m->path))
			continue;
		/* the end and the kind first: a safepoint that begins must find them probed */
		ret = attach_jvm_probe(ps, skel->progs.jvm_safepoint_end, pid, m->path,
				       "hs_private", "safepoint__end");
		ret = ret
			      ?: attach_jvm_probe(ps, skel->progs.jvm_gc_begin, pid, m->path,
						  "hotspot", "gc__begin");
		ret = ret
			      ?: attach_jvm_probe(ps, skel->progs.jvm_safepoint_begin, pid, m->path,
						  "hs_private", "safepoint__begin");
		if (!ret)
			ps->jvms++;
		return ret;
	}
	return -ENOENT;
}

/* A CPython or a JVM: probed, 0; -ENOENT when it is neither (or not yet loaded). */
static int attach_runtime(struct pause_source *ps, uint32_t tgid, const struct proc_image *img)
{
	return attach_python(ps, tgid, img) && attach_jvm(ps, tgid, img) ? -ENOENT : 0;
}

/* An interpreter or VM launcher whose runtime library may be loaded after exec. */
static bool is_launcher(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return is_python_file(path) || !strcmp(base, "java");
}

static int pause_image(struct source *s, uint32_t tgid, const struct proc_image *img)
{
	struct pause_source *ps = pause_of(s);
	const struct pause_go_binary *b;

	if (!img->exe[0])
		return 0;
	b = go_binary_of(ps, img->exe);
	if (!b)
		return -ENOMEM;
	if (b->err && !attach_runtime(ps, tgid, img))
		return 0;
	if (b->err && is_launcher(img->exe)) {
		/* just exec'd: libpython or libjvm is not mapped yet; look again at drains */
		struct py_pending pend = {.tgid = tgid, .until_ns = mono_ns() + PY_RETRY_NS};

		return vec_push(&ps->py_pending, pend);
	}
	if (b->err) {
		/* a Go binary singe cannot probe is worth saying; any other binary is not Go */
		if (b->err != -ENOENT && b->err != -ENOEXEC && !ps->probe_error[0])
			snprintf(ps->probe_error, sizeof(ps->probe_error),
				 "process %u (%.160s): not probed: %s", tgid, img->exe,
				 b->err == -ENOTSUP ? "Go older than 1.19" : strerror(-b->err));
		ps->other_processes++;
		return 0;
	}
	return attach_go(ps, tgid, img->exe, b);
}

/* --- pauses ----------------------------------------------------------------------------- */

static int on_pause(void *ctx, void *data, size_t size)
{
	struct pause_source *ps = ctx;
	uint64_t addrs[PAUSE_MAX_DEPTH + 1];
	struct pause_event ev;
	struct pause_rec rec;
	struct stack_key k = {.addrs = addrs};
	int64_t values[2];
	unsigned int reason;
	int ret;

	if (size < sizeof(ev) || ps->ret)
		return 0;
	memcpy(&ev, data, sizeof(ev));
	if (ev.end_ns < ev.start_ns)
		return 0;
	reason = ev.reason;
	if (ev.runtime == PAUSE_RT_GO && (ev.flags & PAUSE_F_REASON_STR)) {
		ev.reason_str[PAUSE_REASON_LEN - 1] = '\0';
		reason = go119_reason(ev.reason_str);
	}
	k.tgid = ev.tgid;
	k.tid = ev.tid;
	k.exec_gen = ev.exec_gen;
	k.nuser = ev.nframes > PAUSE_MAX_DEPTH ? PAUSE_MAX_DEPTH : ev.nframes;
	memcpy(addrs, ev.frames, k.nuser * sizeof(addrs[0]));
	values[0] = 1;
	values[1] = (int64_t)(ev.end_ns - ev.start_ns);
	rec = (struct pause_rec){
		.kind = pause_label(ev.runtime, reason, 0),
		.cycle = ev.cycle,
		.tgid = ev.tgid,
		.start_ns = ev.start_ns,
		.dur_ns = ev.end_ns - ev.start_ns,
		.collected = ev.collected,
	};
	ret = vec_push(&ps->pauses, rec);
	/* a stack copy (CPython) reaches the profile through the engine's unwinder */
	if (!ret && !(ev.flags & PAUSE_F_STACK_COPY))
		ret = record__add_stack(ps->base.r, &ps->base, &k, values,
					pause_label(ev.runtime, reason, ev.cycle), true,
					ev.leaf_ret);
	if (ret)
		ps->ret = ret;
	return 0;
}

/*
 * The stack-copy ring: CPython's young collections can come a thousand a second, each with
 * a copy of the thread's stack; room for half a second of them (16 KiB each), or what the
 * other types want if more (the engine's own rule, record_opts__resolve()).
 */
static void pause_resolve(struct record_opts *opts)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned long others = (unsigned long)opts->freq * (cpus > 0 ? cpus : 1) *
			       (opts->stack_size + sizeof(struct stack_sample)) / 4;

	if (opts->ring_size)
		return;
	opts->ring_size = record_auto_size(others > PAUSE_RING_SIZE ? others : PAUSE_RING_SIZE,
					   SINGE_SAMPLES_MIN_SIZE, SINGE_SAMPLES_MAX_AUTO_SIZE);
}

static struct source *pause_new(struct record *r)
{
	struct pause_source *ps = calloc(1, sizeof(*ps));

	(void)r;
	return ps ? &ps->base : NULL;
}

static int pause_open(struct source *s, struct flame_err *err)
{
	struct pause_bpf *skel = pause_bpf__open();

	if (!skel)
		return flame_err__set(err, errno, "failed to open the BPF object: %s",
				      strerror(errno));
	pause_of(s)->skel = skel;
	s->obj = skel->obj;
	record__bpf_setup(s->r, s, &skel->rodata->setup);
	return 0;
}

static int pause_load(struct source *s)
{
	return pause_bpf__load(pause_of(s)->skel);
}

/* The uprobes are per binary (the image op); here only the ring of pauses. */
static int pause_attach(struct source *s, struct flame_err *err)
{
	struct pause_source *ps = pause_of(s);

	ps->rb = ring_buffer__new(bpf_map__fd(ps->skel->maps.pause_events), on_pause, ps, NULL);
	if (!ps->rb)
		return flame_err__set(err, errno, "cannot read the pause ring buffer: %s",
				      strerror(errno));
	ps->start_ns = mono_ns();
	return 0;
}

/* The engine detaches the uprobes, this the USDT and uretprobe links; the ring is read after. */
static void pause_detach(struct source *s)
{
	struct pause_source *ps = pause_of(s);
	size_t i;

	for (i = 0; i < ps->links.len; i++)
		bpf_link__destroy(ps->links.data[i]);
	vec_free(&ps->links);
}

/* Launchers whose libpython or libjvm was not mapped at exec: probed once it is. */
static void retry_python(struct pause_source *ps)
{
	uint64_t now = mono_ns();
	size_t i = 0;

	while (i < ps->py_pending.len) {
		struct py_pending *pend = &ps->py_pending.data[i];
		struct proc_image img = {.maps = procmaps__load(pend->tgid)};
		bool done = now > pend->until_ns || !img.maps;

		if (img.maps && !attach_runtime(ps, pend->tgid, &img))
			done = true;
		else if (done)
			ps->other_processes++;
		procmaps__free(img.maps);
		if (done)
			ps->py_pending.data[i] = ps->py_pending.data[--ps->py_pending.len];
		else
			i++;
	}
}

static int pause_drain(struct source *s, bool all)
{
	struct pause_source *ps = pause_of(s);
	int ret;

	(void)all;
	retry_python(ps);
	if (!ps->rb)
		return 0;
	ret = ring_buffer__consume(ps->rb);
	if (ret < 0)
		return ret;
	ret = ps->ret;
	ps->ret = 0;
	return ret;
}

static int pause_finish(struct source *s)
{
	struct pause_source *ps = pause_of(s);

	ps->end_ns = mono_ns();
	return pause_drain(s, true);
}

static void pause_poll(struct source *s, uint64_t *samples, uint64_t *lost)
{
	struct pause_source *ps = pause_of(s);

	*samples = record__read_percpu(s->r, ps->skel->maps.pause_stats, PAUSE_STAT_PAUSES);
	*lost = record__read_percpu(s->r, ps->skel->maps.pause_stats, PAUSE_STAT_LOST);
}

static const char *pause_describe(struct source *s, char *buf, size_t size)
{
	struct pause_source *ps = pause_of(s);

	snprintf(buf, size,
		 "Go stop-the-world uprobes in %zu process%s%s%s%s; CPython gc: USDT in %zu, "
		 "uprobes on gc_collect_main in %zu; JVM safepoint USDT in %zu",
		 ps->go_processes, ps->go_processes == 1 ? "" : "es",
		 ps->go_versions[0] ? " (" : "", ps->go_versions, ps->go_versions[0] ? ")" : "",
		 ps->py_usdt, ps->py_uprobe, ps->jvms);
	return buf;
}

static int add_summary(struct pause_source *ps, struct profile *p)
{
	struct pause_summary sum[PAUSE_MAX_KINDS];
	uint64_t wall = ps->end_ns > ps->start_ns ? ps->end_ns - ps->start_ns : 0;
	char text[512], kind[64];
	int n, i, ret = 0;

	n = pause_stats__summarize(ps->pauses.data, ps->pauses.len, wall, sum, PAUSE_MAX_KINDS);
	if (n < 0)
		return n;
	if (!n)
		return profile__add_comment(p, "pause: no pauses recorded");
	for (i = 0; i < n && !ret; i++) {
		int len = snprintf(
			text, sizeof(text),
			"pause: %s: %zu pauses, total %.3f ms, p50 %.1f us, p90 %.1f us, p99 "
			"%.1f us, max %.1f us, %.2f/s, %.4f%% of wall time",
			pause_label_str(sum[i].kind, kind, sizeof(kind)), sum[i].count,
			sum[i].total_ns / 1e6, sum[i].p50_ns / 1e3, sum[i].p90_ns / 1e3,
			sum[i].p99_ns / 1e3, sum[i].max_ns / 1e3, sum[i].per_second,
			sum[i].wall_share * 100);

		if (sum[i].collected >= 0 && len > 0 && (size_t)len < sizeof(text))
			snprintf(text + len, sizeof(text) - len, ", %lld objects collected",
				 (long long)sum[i].collected);
		ret = profile__add_comment(p, text);
	}
	return ret;
}

static int pause_annotate(struct source *s, struct profile *p)
{
	struct pause_source *ps = pause_of(s);
	char text[512], what[256];
	int ret;

	/* "pause: " comments are printed at the end and shown by singe report */
	snprintf(text, sizeof(text), "pause: probes: %s", pause_describe(s, what, sizeof(what)));
	ret = profile__add_comment(p, text);
	if (!ret && ps->probe_error[0]) {
		snprintf(text, sizeof(text), "pause: not probed: %s", ps->probe_error);
		ret = profile__add_comment(p, text);
	}
	if (!ret && ps->other_processes) {
		snprintf(text, sizeof(text),
			 "pause: %zu process%s without a runtime singe probes (Go 1.19 or newer)",
			 ps->other_processes, ps->other_processes == 1 ? "" : "es");
		ret = profile__add_comment(p, text);
	}
	return ret ?: add_summary(ps, p);
}

/* The pauses as the timeline draws them: times from the recording's start, names spelled out. */
static struct timeline_pause *timeline_pauses(const struct pause_source *ps, char (*names)[32])
{
	struct timeline_pause *tp = calloc(ps->pauses.len ?: 1, sizeof(*tp));
	size_t i;

	if (!tp)
		return NULL;
	for (i = 0; i < ps->pauses.len; i++) {
		const struct pause_rec *rec = &ps->pauses.data[i];
		bool python = pause_label_kind(rec->kind) >> 8 == PAUSE_RT_PYTHON;

		tp[i] = (struct timeline_pause){
			.start_ns = rec->start_ns > ps->start_ns ? rec->start_ns - ps->start_ns : 0,
			.dur_ns = rec->dur_ns,
			.runtime = pause_label_runtime(rec->kind) ?: "unknown",
			.reason = pause_label_reason_str(rec->kind, names[i], sizeof(names[i])),
			.pid = rec->tgid,
			.gc_cycle = rec->cycle,
			.gc_generation = python ? (int)pause_label_reason(rec->kind) : -1,
		};
	}
	return tp;
}

/* --timeline: every pause kept, drawn by flame/timeline.c; through a temporary file. */
static int pause_timeline(struct source *s, const char *path, struct flame_err *err)
{
	struct pause_source *ps = pause_of(s);
	char(*names)[32] = calloc(ps->pauses.len ?: 1, sizeof(*names));
	struct timeline_pause *tp = names ? timeline_pauses(ps, names) : NULL;
	struct timeline_opts o;
	struct output out = {0};
	int ret;

	if (!tp) {
		free(names);
		return flame_err__set(err, ENOMEM, "--timeline: out of memory");
	}
	timeline_opts__init(&o);
	o.span_ns = ps->end_ns > ps->start_ns ? ps->end_ns - ps->start_ns : 0;
	ret = output__open(&out, path);
	if (!ret) {
		ret = timeline__write(out.f, tp, ps->pauses.len, &o);
		ret = ret ?: output__commit(&out);
		output__abort(&out);
	}
	free(tp);
	free(names);
	if (ret)
		return flame_err__set(err, -ret, "cannot write the timeline '%s': %s", path,
				      strerror(-ret));
	return 0;
}

static void pause_free(struct source *s)
{
	struct pause_source *ps = pause_of(s);

	pause_detach(s);
	ring_buffer__free(ps->rb);
	pause_bpf__destroy(ps->skel);
	vec_free(&ps->go_binaries);
	vec_free(&ps->pauses);
	vec_free(&ps->py_pending);
	free(ps);
}

static const struct source_sample_type pause_types[] = {
	{"pauses", "count"},
	{"pause", "nanoseconds"},
};

const struct source_ops pause_source_ops = {
	.name = "pause",
	.about = "runtime pauses (Go stop-the-world, CPython gc, JVM safepoints), charged to the "
		 "code "
		 "that caused them",
	.nvalues = 2,
	.types = pause_types,
	.resolve = pause_resolve,
	.new = pause_new,
	.open = pause_open,
	.load = pause_load,
	.attach = pause_attach,
	.image = pause_image,
	.drain = pause_drain,
	.finish = pause_finish,
	.detach = pause_detach,
	.annotate = pause_annotate,
	.describe = pause_describe,
	.labels = pause_source_labels,
	.timeline = pause_timeline,
	.poll = pause_poll,
	.free = pause_free,
};
