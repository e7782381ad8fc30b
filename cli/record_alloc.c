// SPDX-License-Identifier: MIT
/*
 * The alloc profile type (-t alloc): where a process allocates memory and what it still
 * holds, native code (the malloc family) and Go (the runtime's own sampler). bpf/alloc.bpf.c probes
 * the malloc family (malloc, calloc, realloc, reallocarray, posix_memalign, aligned_alloc,
 * memalign, valloc, pvalloc: a uprobe at the entry for the size and the stack, a uretprobe for the
 * block) and free, in the allocator each target maps, and samples by bytes (mean --alloc-rate, 512
 * KiB by default, as Go and tcmalloc): only sampled blocks are tracked, and each sample is scaled
 * back by cli/alloc_blocks.c so that the totals are unbiased estimates.
 *
 * Each sampled allocation's stack goes into the stack table with its estimated objects and
 * bytes (alloc_objects, alloc_space); its block is kept until its free. At the end, the
 * sampled blocks still live -- at the stop, or when their process exited without freeing
 * them -- are added to their rows as inuse_objects and inuse_space (the default sample type,
 * as in Go's heap profiles). --leaks lists them grouped by stack, oldest first.
 *
 * The allocator of a process: its executable when it defines malloc (static binaries), else
 * a mapped library other than libc that does (jemalloc, tcmalloc, preloaded or linked), else
 * libc. A command just exec'd has not mapped its libraries yet: libc is probed where the
 * loader will find it, and the process's maps are read again for a few seconds.
 *
 * Go: uretprobes crash Go, and its allocator is not malloc. The runtime samples its own
 * allocations (runtime.MemProfileRate, 512 KiB by default): a uprobe at the entry of
 * runtime.profilealloc takes each sampled object (address, size, goroutine stack), and one
 * at runtime.freeSpecial its death (the sweeper frees the object's profile record). The rate
 * is read from the process (runtime.MemProfileRate from .symtab, or in a stripped binary
 * where the code of runtime.profilealloc loads it: cli/go_runtime.c). A binary that does not import
 * runtime/pprof has memory profiling switched off by the linker (no runtime.MemProfile, or
 * memProfileInternal since Go 1.23): nothing to ride on, which the summary says in one line.
 *
 * Uprobe-based: every call traps (about 6 us an entry, 7.7 us with the uretprobe). The
 * summary prints the call rates and the estimated cost. --duty-cycle applies: the engine
 * detaches and re-attaches every probe and scales the values; in use is then not tracked
 * (frees made while detached are not seen), and a call whose return was missed is ended by
 * the programs' 10 ms staleness rule.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/types.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "alloc.h"
#include "alloc.skel.h"
#include "alloc_blocks.h"
#include "clock.h"
#include "go_runtime.h"
#include "log.h"
#include "profile.h"
#include "record.h"
#include "record_stacks.h"
#include "source.h"
#include "sym_procmaps.h"
#include "uprobe.h"

/* What a hit costs the probed thread here (DESIGN.md: measured). */
#define UPROBE_HIT_NS 6000.0
#define URETPROBE_EXTRA_NS 1700.0
/* Allocator files read, at most. */
#define MAX_LIBS 256
/* A command's maps are read again this long after its exec, for the allocator it loads. */
#define PENDING_NS 3000000000ULL
/* Leak groups listed in the summary and the profile. */
#define MAX_LEAKS_SHOWN 10
/* Processes whose allocation rate is told apart. */
#define MAX_PROCS 64
/* Files this large are not read. */
#define LIB_MAX (1ULL << 30)

static const char *const func_names[ALLOC_NR_FUNCS] = {
	[ALLOC_MALLOC] = "malloc",
	[ALLOC_CALLOC] = "calloc",
	[ALLOC_REALLOC] = "realloc",
	[ALLOC_REALLOCARRAY] = "reallocarray",
	[ALLOC_POSIX_MEMALIGN] = "posix_memalign",
	[ALLOC_ALIGNED_ALLOC] = "aligned_alloc",
	[ALLOC_MEMALIGN] = "memalign",
	[ALLOC_VALLOC] = "valloc",
	[ALLOC_PVALLOC] = "pvalloc",
};

struct alloc_lib {
	dev_t dev;
	ino_t ino;
	int err; /* 0: an allocator; -ENOENT: no malloc and free; -EMEDIUMTYPE: Go */
	bool has[ALLOC_NR_FUNCS];
	uint64_t offs[ALLOC_NR_FUNCS];
	uint64_t free_off;
	/* a Go executable: the runtime's sampler */
	bool go_probe;	       /* runtime.profilealloc and runtime.freeSpecial found */
	bool go_profiling_off; /* the linker switched memory profiling off */
	uint8_t special_kind;  /* _KindSpecialProfile of its Go version */
	bool has_rate;	       /* runtime.MemProfileRate in .symtab (not stripped) */
	bool pie;
	uint64_t go_alloc_off, go_free_off, rate_vaddr, base_vaddr;
	char go_version[32];
};

/* A Go process probed: where its runtime.MemProfileRate is, and its value. */
struct alloc_go_proc {
	uint32_t tgid;
	uint64_t rate_addr; /* 0: unknown (a stripped binary) */
	int64_t rate;	    /* last read; 0 until read */
};

/* Go's default runtime.MemProfileRate, assumed where it cannot be read. */
#define GO_DEFAULT_RATE (512 * 1024)
#define MAX_GO_PROCS 64

struct alloc_pending {
	uint32_t tgid;
	uint64_t until_ns;
};

/*
 * A CPython thread's stack, unwound from the copy it sent at a sampled allocation's entry
 * (with its Python frames), until the allocation's own event takes it.
 */
struct alloc_copy {
	uint32_t tid;
	uint32_t n; /* 0: taken */
	uint64_t frames[SINGE_MAX_STACK_DEPTH + 1];
};

/* Estimated allocations of one process, from its samples. */
struct alloc_proc {
	uint32_t tgid;
	int64_t objects, bytes;
	int64_t inuse_objects, inuse_bytes;
};

struct alloc_source {
	struct source base;
	struct alloc_bpf *skel;
	struct ring_buffer *rb;
	struct alloc_lib libs[MAX_LIBS];
	unsigned int nlibs;
	char allocators[4][256]; /* the files probed (the first few), for the description */
	const struct alloc_lib *allocator_libs[4];
	unsigned int nallocators;
	size_t processes;      /* processes probed */
	size_t go_processes;   /* of the targets, Go programs */
	size_t go_probed;      /* of those, probed (runtime.profilealloc) */
	size_t go_off;	       /* of those, built with memory profiling off */
	char go_off_line[400]; /* the first one's line */
	char go_versions[128];
	struct alloc_go_proc go_procs[MAX_GO_PROCS];
	unsigned int ngo_procs;
	bool rate_assumed;     /* a Go process whose MemProfileRate could not be read */
	uint64_t go_reentered; /* profilealloc entries run again for one object, left out */
	bool preloaded;	       /* --alloc-preload's sampler probed */
	size_t no_allocator;   /* targets without an allocator singe can probe */
	struct alloc_pending pending[256];
	unsigned int npending;
	struct alloc_blocks blocks;
	VEC(struct alloc_copy) copies; /* one per thread that sent one */
	uint64_t copies_unwound, copies_failed;
	struct alloc_proc procs[MAX_PROCS];
	unsigned int nprocs;
	int64_t *row_bytes; /* alloc_space per stack-table row, for the top sites */
	size_t nrow_bytes;
	struct alloc_leak *leaks;
	ssize_t nleaks;
	uint64_t leaks_end_ns;
	uint64_t rate;
	bool finished;
	int ret;
	char first_problem[256];
	uint64_t frames[SINGE_MAX_STACK_DEPTH + 1];
};

static struct alloc_source *alloc_of(struct source *s)
{
	return (struct alloc_source *)s;
}

static void note_problem(struct alloc_source *c, const char *fmt, const char *what, const char *why)
{
	if (!c->first_problem[0])
		snprintf(c->first_problem, sizeof(c->first_problem), fmt, what, why);
}

static struct source *alloc_new(struct record *r)
{
	(void)r;
	return calloc(1, sizeof(struct alloc_source));
}

static int alloc_open(struct source *s, struct flame_err *err)
{
	struct alloc_source *c = alloc_of(s);
	struct alloc_bpf *skel = alloc_bpf__open();

	if (!skel)
		return flame_err__set(err, errno, "failed to open the BPF object: %s",
				      strerror(errno));
	c->skel = skel;
	s->obj = skel->obj;
	c->rate = record__opts(s->r)->alloc_rate;
	record__bpf_setup(s->r, s, &skel->rodata->setup);
	return 0;
}

static int on_event(void *ctx, void *data, size_t size);

/* The table of exponential variates of mean rate bytes the programs draw from. */
static int fill_exp_table(struct alloc_source *c)
{
	int fd = bpf_map__fd(c->skel->maps.alloc_exp);
	uint64_t seed[ALLOC_EXP_TABLE];
	uint32_t i;

	if (getrandom(seed, sizeof(seed), 0) != sizeof(seed))
		return -EIO;
	for (i = 0; i < ALLOC_EXP_TABLE; i++) {
		/* U in (0, 1]: 53 random bits, never 0 */
		double u = ((seed[i] >> 11) + 1) * (1.0 / 9007199254740992.0);
		double v = -log(u) * (double)c->rate;
		uint64_t bytes = v < 1 ? 1 : v > 1e18 ? (uint64_t)1e18 : (uint64_t)v;

		if (bpf_map_update_elem(fd, &i, &bytes, BPF_ANY))
			return -errno;
	}
	return 0;
}

static int alloc_load(struct source *s)
{
	struct alloc_source *c = alloc_of(s);
	int ret = alloc_bpf__load(c->skel);

	if (ret)
		return ret;
	if ((ret = fill_exp_table(c)))
		return ret;
	c->rb = ring_buffer__new(bpf_map__fd(c->skel->maps.alloc_events), on_event, c, NULL);
	return c->rb ? 0 : -errno;
}

/*
 * The Go runtime's sampler in the Go executable img: where to probe, and whether the linker
 * switched memory profiling off (it does when nothing reaches runtime.MemProfile, or
 * runtime.memProfileInternal since Go 1.23: no runtime/pprof import).
 */
static void read_go(const void *img, size_t size, struct alloc_lib *l)
{
	static struct go_runtime rt; /* large; the engine is single-threaded */
	struct uprobe_func a, f;

	if (go_runtime__read(img, size, &rt) || (rt.major == 1 && rt.minor < 19))
		return;
	snprintf(l->go_version, sizeof(l->go_version), "%.31s", rt.version);
	if (uprobe__find_in(img, size, "runtime.profilealloc", &a) ||
	    uprobe__find_in(img, size, "runtime.freeSpecial", &f))
		return;
	l->go_alloc_off = a.offset;
	l->go_free_off = f.offset;
	/* runtime/mheap.go: _KindSpecialProfile, 2 until Go 1.22, 3 since Go 1.23 */
	l->special_kind = rt.major > 1 || rt.minor >= 23 ? 3 : 2;
	l->go_profiling_off = uprobe__find_in(img, size, "runtime.MemProfile", &a) &&
			      uprobe__find_in(img, size, "runtime.memProfileInternal", &a);
	/*
	 * in .noptrbss, set at start-up: found by its vaddr (.symtab, or in a stripped binary
	 * where runtime.profilealloc's code loads it), moved by a PIE's load bias
	 */
	l->rate_vaddr = rt.mem_profile_rate;
	l->has_rate = l->rate_vaddr != 0;
	l->pie = rt.pie;
	l->base_vaddr = rt.base_vaddr;
	l->go_probe = true;
}

/* Read the allocator functions of the file at fd into l. */
static void read_lib(int fd, size_t size, struct alloc_lib *l)
{
	struct uprobe_func f;
	unsigned int i;
	void *img;

	l->err = -ENOENT;
	if (!size || size > LIB_MAX)
		return;
	img = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (img == MAP_FAILED)
		return;
	if (go_runtime__is_go(img, size)) {
		l->err = -EMEDIUMTYPE; /* never a uretprobe on Go code */
		read_go(img, size, l);
	} else if (!uprobe__find_in(img, size, "malloc", &f) &&
		   !uprobe__find_in(img, size, "free", &f)) {
		l->free_off = f.offset;
		for (i = 0; i < ALLOC_NR_FUNCS; i++)
			if (!uprobe__find_in(img, size, func_names[i], &f)) {
				l->has[i] = true;
				l->offs[i] = f.offset;
			}
		l->err = 0;
	}
	munmap(img, size);
}

/* The allocator facts of the file at path, read once per (dev, inode); NULL when unreadable. */
static struct alloc_lib *lib_of(struct alloc_source *c, const char *path)
{
	struct alloc_lib *l;
	struct stat st;
	unsigned int i;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return NULL;
	}
	for (i = 0; i < c->nlibs; i++)
		if (c->libs[i].dev == st.st_dev && c->libs[i].ino == st.st_ino) {
			close(fd);
			return &c->libs[i];
		}
	if (c->nlibs == MAX_LIBS) {
		close(fd);
		return NULL;
	}
	l = &c->libs[c->nlibs++];
	*l = (struct alloc_lib){.dev = st.st_dev, .ino = st.st_ino};
	read_lib(fd, (size_t)st.st_size, l);
	close(fd);
	return l;
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

static bool is_libc(const char *path)
{
	return !strncmp(base_name(path), "libc.so", 7) || !strncmp(base_name(path), "libc-", 5);
}

static bool is_loader(const char *path)
{
	return !strncmp(base_name(path), "ld-", 3);
}

#define PRELOAD_LIB "libsinge-alloc.so"

/*
 * --alloc-preload: the sampler's two functions in libsinge-alloc.so at path, for pid. 0, or a
 * negative errno (the reason noted).
 */
static int probe_preload(struct alloc_source *c, const char *path, int pid)
{
	struct flame_err err = {{0}};
	struct uprobe_func sampled, freed;
	int ret = uprobe__find(path, "singe_alloc_sampled", &sampled);

	ret = ret ?: uprobe__find(path, "singe_alloc_freed", &freed);
	if (ret) {
		note_problem(c, "%.120s: %s", path,
			     "singe_alloc_sampled or singe_alloc_freed not found");
		return ret;
	}
	ret = record__attach_uprobe(c->base.r, c->skel->progs.preload_freed, path, freed.offset,
				    pid, &err);
	ret = ret
		      ?: record__attach_uprobe(c->base.r, c->skel->progs.preload_sampled, path,
					       sampled.offset, pid, &err);
	if (ret) {
		note_problem(c, "%.190s%s", err.msg, "");
		return ret;
	}
	if (!c->nallocators)
		snprintf(c->allocators[c->nallocators++], sizeof(c->allocators[0]), "%s", path);
	c->preloaded = true;
	return 0;
}

/* The preload library mapped in img, or NULL. */
static const char *preload_mapped(const struct proc_image *img)
{
	size_t i;

	for (i = 0; img->maps && i < img->maps->len; i++)
		if (img->maps->maps[i].executable && !img->maps->maps[i].deleted &&
		    !strcmp(base_name(img->maps->maps[i].path), PRELOAD_LIB))
			return img->maps->maps[i].path;
	return NULL;
}

/* Probe the allocator l (the file at path) for process pid: the returns first, then free. */
static int probe_lib(struct alloc_source *c, const char *path, const struct alloc_lib *l, int pid)
{
	struct alloc_bpf *skel = c->skel;
	struct flame_err err = {{0}};
	unsigned int i, j;
	int ret = 0;

	/* aligned_alloc and memalign are one function in glibc: probed once */
	for (i = 0; i < ALLOC_NR_FUNCS && !ret; i++) {
		for (j = 0; j < i && !(l->has[j] && l->offs[j] == l->offs[i]); j++)
			;
		if (!l->has[i] || j < i)
			continue;
		ret = record__attach_uretprobe(c->base.r, skel->progs.alloc_return, path,
					       l->offs[i], pid, &err);
	}
	ret = ret
		      ?: record__attach_uprobe(c->base.r, skel->progs.free_entry, path, l->free_off,
					       pid, &err);
	for (i = 0; i < ALLOC_NR_FUNCS && !ret; i++) {
		for (j = 0; j < i && !(l->has[j] && l->offs[j] == l->offs[i]); j++)
			;
		if (!l->has[i] || j < i)
			continue;
		ret = record__attach_uprobe_cookie(c->base.r, skel->progs.alloc_entry, path,
						   l->offs[i], pid, i, &err);
	}
	if (ret) {
		note_problem(c, "%.190s%s", err.msg, "");
		return ret;
	}
	/* one file by two paths (/lib is /usr/lib): named once */
	for (i = 0; i < c->nallocators; i++)
		if (c->allocator_libs[i] == l)
			return 0;
	if (c->nallocators < sizeof(c->allocators) / sizeof(c->allocators[0])) {
		c->allocator_libs[c->nallocators] = l;
		snprintf(c->allocators[c->nallocators++], sizeof(c->allocators[0]), "%s", path);
	}
	return 0;
}

/* Where the loader will find libc for a command that has not mapped it yet. */
static const char *expected_libc(struct alloc_source *c)
{
	static const char *const paths[] = {
		"/lib/x86_64-linux-gnu/libc.so.6",
		"/usr/lib/x86_64-linux-gnu/libc.so.6",
		"/lib64/libc.so.6",
		"/usr/lib64/libc.so.6",
		"/lib/aarch64-linux-gnu/libc.so.6",
	};
	unsigned int i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const struct alloc_lib *l = lib_of(c, paths[i]);

		if (l && !l->err)
			return paths[i];
	}
	return NULL;
}

/*
 * The allocator of a process from its image: the executable, another library, libc (see the
 * top). 1 when one was probed, 0 when none is mapped (yet), or a negative errno.
 */
static int probe_process(struct alloc_source *c, uint32_t tgid, const struct proc_image *img,
			 bool *is_go)
{
	const char *libc = NULL, *other = NULL;
	const struct alloc_lib *l;
	size_t i;

	*is_go = false;
	/* --alloc-preload: the program samples itself; libc is not probed */
	if ((libc = preload_mapped(img)))
		return probe_preload(c, libc, (int)tgid) ?: 1;
	if (img->exe[0] && (l = lib_of(c, img->exe))) {
		*is_go = l->err == -EMEDIUMTYPE;
		if (!l->err)
			return probe_lib(c, img->exe, l, (int)tgid) ?: 1;
	}
	for (i = 0; img->maps && i < img->maps->len; i++) {
		const struct procmap *m = &img->maps->maps[i];

		if (!m->executable || !procmap__is_file(m) || m->deleted || is_loader(m->path) ||
		    !strcmp(m->path, img->exe) || (libc && !strcmp(m->path, libc)))
			continue;
		if (!(l = lib_of(c, m->path)) || l->err)
			continue;
		if (!is_libc(m->path) && !other)
			other = m->path;
		else if (is_libc(m->path) && !libc)
			libc = m->path;
	}
	if (other || libc)
		return probe_lib(c, other ? other : libc, lib_of(c, other ? other : libc),
				 (int)tgid)
			       ?: 1;
	return 0;
}

static void add_pending(struct alloc_source *c, uint32_t tgid)
{
	unsigned int i;

	for (i = 0; i < c->npending; i++)
		if (c->pending[i].tgid == tgid)
			return;
	if (c->npending < sizeof(c->pending) / sizeof(c->pending[0]))
		c->pending[c->npending++] =
			(struct alloc_pending){.tgid = tgid, .until_ns = mono_ns() + PENDING_NS};
}

/* Where runtime.MemProfileRate of the Go executable is in process memory; 0 if unknown. */
static uint64_t rate_address(const struct proc_image *img, const struct alloc_lib *l)
{
	size_t i;

	if (!l->has_rate)
		return 0;
	if (!l->pie)
		return l->rate_vaddr;
	/* a PIE moves by where file offset 0 is mapped, minus its vaddr */
	for (i = 0; img->maps && i < img->maps->len; i++) {
		const struct procmap *m = &img->maps->maps[i];

		if (!strcmp(m->path, img->exe) && m->offset == 0)
			return m->start - l->base_vaddr + l->rate_vaddr;
	}
	return 0;
}

static void add_go_version(struct alloc_source *c, const char *v)
{
	size_t n = strlen(c->go_versions);

	if (!strstr(c->go_versions, v) && n + strlen(v) + 3 < sizeof(c->go_versions))
		snprintf(c->go_versions + n, sizeof(c->go_versions) - n, "%s%s", n ? ", " : "", v);
}

/* A Go executable: the runtime's own sampler (entry probes only: never a uretprobe on Go). */
static void probe_go(struct alloc_source *c, uint32_t tgid, const struct proc_image *img,
		     const struct alloc_lib *l)
{
	struct flame_err err = {{0}};
	int ret;

	if (!l->go_probe) {
		note_problem(c, "%.100s: %s", img->exe,
			     "a Go binary singe cannot probe (Go older than 1.19, or runtime "
			     "functions not found)");
		return;
	}
	if (l->go_profiling_off) {
		c->go_off++;
		if (!c->go_off_line[0])
			snprintf(c->go_off_line, sizeof(c->go_off_line),
				 "alloc: process %u (%.120s): Go memory profiling is off in this "
				 "binary (it does not import runtime/pprof, so the linker set "
				 "runtime.MemProfileRate to 0): its Go allocations are never "
				 "sampled; "
				 "import runtime/pprof (or net/http/pprof) to profile them",
				 tgid, img->exe);
		return;
	}
	ret = record__attach_uprobe_cookie(c->base.r, c->skel->progs.go_free_special, img->exe,
					   l->go_free_off, (int)tgid, l->special_kind, &err);
	ret = ret
		      ?: record__attach_uprobe(c->base.r, c->skel->progs.go_profilealloc, img->exe,
					       l->go_alloc_off, (int)tgid, &err);
	if (ret) {
		note_problem(c, "%.190s%s", err.msg, "");
		return;
	}
	c->go_probed++;
	add_go_version(c, l->go_version);
	if (c->ngo_procs < MAX_GO_PROCS)
		c->go_procs[c->ngo_procs++] =
			(struct alloc_go_proc){.tgid = tgid, .rate_addr = rate_address(img, l)};
}

/* Read each Go process's runtime.MemProfileRate (a program may change it). */
static void read_go_rates(struct alloc_source *c)
{
	char path[64];
	unsigned int i;

	for (i = 0; i < c->ngo_procs; i++) {
		struct alloc_go_proc *g = &c->go_procs[i];
		int64_t rate = 0;
		int fd;

		if (!g->rate_addr)
			continue;
		snprintf(path, sizeof(path), "/proc/%u/mem", g->tgid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (pread(fd, &rate, sizeof(rate), (off_t)g->rate_addr) == sizeof(rate) && rate > 0)
			g->rate = rate;
		close(fd);
	}
}

/* The sampling rate of Go process tgid: read, or Go's default (said in the summary). */
static uint64_t go_rate_of(struct alloc_source *c, uint32_t tgid)
{
	unsigned int i;

	for (i = 0; i < c->ngo_procs; i++)
		if (c->go_procs[i].tgid == tgid && c->go_procs[i].rate > 0)
			return (uint64_t)c->go_procs[i].rate;
	c->rate_assumed = true;
	return GO_DEFAULT_RATE;
}

static int alloc_image(struct source *s, uint32_t tgid, const struct proc_image *img)
{
	struct alloc_source *c = alloc_of(s);
	const struct alloc_lib *exe = img->exe[0] ? lib_of(c, img->exe) : NULL;
	const char *libc;
	bool is_go;
	int ret;

	if (exe && exe->err == -EMEDIUMTYPE) {
		probe_go(c, tgid, img, exe);
		read_go_rates(c);
	}
	ret = probe_process(c, tgid, img, &is_go);

	c->go_processes += is_go;
	if (ret < 0)
		return 0; /* said in the summary; the other processes are still recorded */
	if (ret > 0) {
		c->processes++;
		return 0;
	}
	if (is_go) {
		/* a cgo program maps libc later, if ever */
		add_pending(c, tgid);
		return 0;
	}
	/* --alloc-preload: the loader maps the sampler next (probed before the exec) */
	if (record__opts(s->r)->alloc_preload) {
		add_pending(c, tgid);
		return 0;
	}
	/* just exec'd: the loader maps libc next; probe it there now, and look again */
	libc = expected_libc(c);
	if (libc && !probe_lib(c, libc, lib_of(c, libc), (int)tgid)) {
		c->processes++;
		add_pending(c, tgid);
		return 0;
	}
	c->no_allocator++;
	note_problem(c, "process %.120s: %s", img->exe[0] ? img->exe : "?",
		     "no malloc and free found in its executable or libraries");
	return 0;
}

/* Commands that had not mapped their allocator when their image was read: look again. */
static void retry_pending(struct alloc_source *c)
{
	uint64_t now = mono_ns();
	unsigned int i = 0;
	bool is_go;

	while (i < c->npending) {
		struct alloc_pending *p = &c->pending[i];
		struct proc_image img = {.maps = procmaps__load((pid_t)p->tgid)};
		int ret = img.maps ? probe_process(c, p->tgid, &img, &is_go) : -ESRCH;

		procmaps__free(img.maps);
		if (ret != 0 || now > p->until_ns)
			c->pending[i] = c->pending[--c->npending];
		else
			i++;
	}
}

/* Is pid a command singe forked that has not exec'd yet (it still runs singe)? */
static bool not_execd(int pid)
{
	char link[64], exe[4096], self[4096];
	ssize_t n, m;

	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	n = readlink(link, exe, sizeof(exe) - 1);
	m = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0 || m <= 0)
		return false;
	exe[n] = self[m] = '\0';
	return !strcmp(exe, self);
}

/*
 * The probes are per process (the image op). A command has not exec'd yet: its libc is
 * probed now, where the loader will find it, so that its first allocations are seen (its
 * image is read only once it runs).
 */
static int alloc_attach(struct source *s, struct flame_err *err)
{
	struct alloc_source *c = alloc_of(s);
	const int *pids;
	size_t n = record__targets(s->r, &pids), i;
	const char *libc;

	const char *preload = record__opts(s->r)->alloc_preload;

	(void)err;
	if (!preload && !(libc = expected_libc(c)))
		return 0;
	for (i = 0; i < n; i++) {
		if (!not_execd(pids[i]))
			continue;
		if (preload)
			probe_preload(c, preload, pids[i]);
		else
			probe_lib(c, libc, lib_of(c, libc), pids[i]);
	}
	return 0;
}

static struct alloc_proc *proc_of(struct alloc_source *c, uint32_t tgid)
{
	unsigned int i;

	for (i = 0; i < c->nprocs; i++)
		if (c->procs[i].tgid == tgid)
			return &c->procs[i];
	if (c->nprocs == MAX_PROCS)
		return NULL;
	c->procs[c->nprocs] = (struct alloc_proc){.tgid = tgid};
	return &c->procs[c->nprocs++];
}

/*
 * A native allocation's stack: at the allocator's first instruction its caller has pushed the
 * return address but the allocator no frame yet, so the frame-pointer walk goes from malloc
 * to the caller's caller. The word at SP is the caller (unless a newer kernel put it there).
 */
static int64_t add_native_stack(struct alloc_source *c, struct stack_key *k,
				const struct alloc_event *e, const int64_t *values)
{
	if (e->h.leaf_ret && k->nuser >= 1 && k->nuser < SINGE_MAX_STACK_DEPTH &&
	    (k->nuser < 2 || c->frames[1] != e->h.leaf_ret)) {
		memmove(c->frames + 2, c->frames + 1, (k->nuser - 1) * sizeof(uint64_t));
		c->frames[1] = e->h.leaf_ret;
		k->nuser++;
	}
	return record__add_stack_row(c->base.r, &c->base, k, values, 0, true, 0);
}

/* Count bytes for the top sites of the summary. 0 or -ENOMEM. */
static int add_row_bytes(struct alloc_source *c, int64_t row, int64_t bytes)
{
	if ((size_t)row >= c->nrow_bytes) {
		size_t n = c->nrow_bytes ? c->nrow_bytes : 1024;
		int64_t *v;

		while (n <= (size_t)row)
			n *= 2;
		v = realloc(c->row_bytes, n * sizeof(*v));
		if (!v)
			return -ENOMEM;
		memset(v + c->nrow_bytes, 0, (n - c->nrow_bytes) * sizeof(*v));
		c->row_bytes = v;
		c->nrow_bytes = n;
	}
	c->row_bytes[row] += bytes;
	return 0;
}

/*
 * A CPython thread's stack copy, sent at a sampled allocation's entry: unwound now (with its
 * Python frames) and kept for the allocation's event, which follows. 0, or -ENOMEM.
 */
static int unwind_entry_copy(struct alloc_source *c, void *data, size_t size)
{
	struct stack_sample h;
	struct alloc_copy *slot = NULL;
	size_t i;
	int n;

	memcpy(&h, data, sizeof(h));
	for (i = 0; i < c->copies.len && !slot; i++)
		if (c->copies.data[i].tid == h.pid)
			slot = &c->copies.data[i];
	if (!slot) {
		if (vec_reserve(&c->copies, 1))
			return -ENOMEM;
		slot = &c->copies.data[c->copies.len++];
		slot->tid = h.pid;
	}
	n = record__unwind_user(c->base.r, data, size, slot->frames);
	if (n == -ENOMEM)
		return n;
	slot->n = n > 0 ? (uint32_t)n : 0;
	if (n > 0)
		c->copies_unwound++;
	else
		c->copies_failed++;
	return 0;
}

/* The frames of the copy thread tid sent last, into frames; how many (0: none). */
static uint32_t take_copy(struct alloc_source *c, uint32_t tid, uint64_t *frames)
{
	size_t i;
	uint32_t n;

	for (i = 0; i < c->copies.len; i++) {
		struct alloc_copy *slot = &c->copies.data[i];

		if (slot->tid != tid)
			continue;
		n = slot->n < SINGE_MAX_STACK_DEPTH ? slot->n : SINGE_MAX_STACK_DEPTH;
		memcpy(frames, slot->frames, n * sizeof(*frames));
		slot->n = 0;
		return n;
	}
	return 0;
}

/* A sampled allocation: its stack into the table with its estimate; its block kept. */
static int take_alloc(struct alloc_source *c, const struct alloc_event *e)
{
	int64_t values[4] = {0}, row;
	struct stack_key k = {
		.tgid = e->h.tgid,
		.tid = e->h.tid,
		.exec_gen = e->h.exec_gen,
		.addrs = c->frames,
	};
	bool go = e->h.kind == ALLOC_EV_GO_ALLOC;
	uint64_t rate = go ? go_rate_of(c, e->h.tgid) : c->rate;
	struct alloc_proc *p;

	/*
	 * Go's stack-guard check in profilealloc's prologue (a preemption request, or a stack
	 * to grow) calls morestack, which later runs the function again from its entry: the
	 * probe fires twice for one object. Its block is still live then (the object cannot die
	 * and be reallocated without the sweeper's freeSpecial in between), so the second fire
	 * is known. Left in, a slow probe (preemption requests arrive while it runs) put up to 8%
	 * more samples in the profile than in Go's own, not evenly across sites.
	 */
	if (go && alloc_blocks__find(&c->blocks, e->h.tgid, e->h.addr)) {
		c->go_reentered++;
		return 0;
	}
	alloc__values(e->h.size, rate, &values[0], &values[1]);
	k.nuser = e->h.nuser < SINGE_MAX_STACK_DEPTH ? e->h.nuser : SINGE_MAX_STACK_DEPTH;
	memcpy(c->frames, e->user, k.nuser * sizeof(uint64_t));
	if (e->h.flags & ALLOC_F_COPIED) {
		k.nuser = take_copy(c, e->h.tid, c->frames);
		row = record__add_stack_row(c->base.r, &c->base, &k, values, 0, false, 0);
	} else if (go) /* the engine puts a Go leaf's caller back, from the binary's tables */
		row = record__add_stack_row(c->base.r, &c->base, &k, values, 0, true,
					    e->h.leaf_ret);
	else
		row = add_native_stack(c, &k, e, values);
	if (row < 0)
		return (int)row;
	if ((p = proc_of(c, e->h.tgid))) {
		p->objects += values[0];
		p->bytes += values[1];
	}
	if (add_row_bytes(c, row, values[1]))
		return -ENOMEM;
	if (e->h.flags & ALLOC_F_UNTRACKED)
		return 0;
	return alloc_blocks__add(&c->blocks, &(struct alloc_block){.tgid = e->h.tgid,
								   .addr = e->h.addr,
								   .size = e->h.size,
								   .row = row,
								   .time_ns = e->h.time_ns});
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct alloc_source *c = ctx;
	struct alloc_event e;
	int ret = 0;

	if (size >= sizeof(struct stack_sample) && *(const uint32_t *)data == ALLOC_EV_COPY) {
		ret = c->finished ? 0 : unwind_entry_copy(c, data, size);
		if (ret && !c->ret)
			c->ret = ret;
		return 0;
	}
	if (size < sizeof(e.h) || c->finished)
		return 0;
	memcpy(&e, data, size < sizeof(e) ? size : sizeof(e));
	if ((e.h.kind == ALLOC_EV_ALLOC || e.h.kind == ALLOC_EV_GO_ALLOC) &&
	    e.h.nuser <= SINGE_MAX_STACK_DEPTH &&
	    size >= sizeof(e.h) + e.h.nuser * sizeof(uint64_t))
		ret = take_alloc(c, &e);
	else if (e.h.kind == ALLOC_EV_FREE || e.h.kind == ALLOC_EV_GO_FREE)
		alloc_blocks__remove(&c->blocks, e.h.tgid, e.h.addr, NULL);
	if (ret && !c->ret)
		c->ret = ret;
	return 0;
}

static int alloc_drain(struct source *s, bool all)
{
	struct alloc_source *c = alloc_of(s);
	int n;

	(void)all;
	if (c->npending && !c->finished)
		retry_pending(c);
	if (!c->finished)
		read_go_rates(c);
	n = ring_buffer__consume(c->rb);
	if (n < 0)
		return n;
	n = c->ret;
	c->ret = 0;
	return n;
}

/* The rate a process's blocks were sampled at: Go's own, or --alloc-rate. */
static uint64_t block_rate(struct alloc_source *c, uint32_t tgid)
{
	unsigned int i;

	for (i = 0; i < c->ngo_procs; i++)
		if (c->go_procs[i].tgid == tgid)
			return go_rate_of(c, tgid);
	return c->rate;
}

/*
 * The sampled blocks still live count in use: held at the stop, or at their process's exit
 * (what it never freed).
 */
static int alloc_finish(struct source *s)
{
	struct alloc_source *c = alloc_of(s);
	size_t i;
	int ret = alloc_drain(s, true);

	/* --duty-cycle: frees made while the probes were out were not seen */
	if (record__opts(s->r)->duty_cycle) {
		c->finished = true;
		return ret;
	}
	for (i = 0; i < c->blocks.len && !ret; i++) {
		const struct alloc_block *b = &c->blocks.v[i];
		int64_t values[4] = {0};
		struct alloc_proc *p = proc_of(c, b->tgid);

		alloc__values(b->size, block_rate(c, b->tgid), &values[2], &values[3]);
		if (p) {
			p->inuse_objects += values[2];
			p->inuse_bytes += values[3];
		}
		ret = record__add_to_row(s->r, s, b->row, values);
	}
	if (!ret && record__opts(s->r)->leaks) {
		c->nleaks = alloc_blocks__leaks(&c->blocks, c->rate, &c->leaks);
		if (c->nleaks < 0)
			ret = (int)c->nleaks;
	}
	c->leaks_end_ns = mono_ns();
	c->finished = true;
	return ret;
}

static void alloc_detach(struct source *s)
{
	(void)s; /* the engine detaches the probes it attached */
}

static void alloc_poll(struct source *s, uint64_t *samples, uint64_t *lost)
{
	struct alloc_source *c = alloc_of(s);
	const struct bpf_map *m = c->skel->maps.alloc_stats;

	*samples = record__read_percpu(s->r, m, ALLOC_STAT_SAMPLED);
	*lost = record__read_percpu(s->r, m, ALLOC_STAT_PENDING_FULL) +
		record__read_percpu(s->r, m, ALLOC_STAT_EVENTS_LOST);
}

/* "4.0 MiB" */
static const char *human_bytes(double v, char *buf, size_t size)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	unsigned int u = 0;

	while (fabs(v) >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", v, units[u]);
	return buf;
}

static const char *alloc_describe(struct source *s, char *buf, size_t size)
{
	struct alloc_source *c = alloc_of(s);
	char rate[32];
	size_t n;
	unsigned int i;

	if (c->preloaded)
		n = snprintf(buf, size,
			     "uprobes on the in-process sampler (--alloc-preload), which samples "
			     "every %s allocated on average in the program",
			     human_bytes((double)c->rate, rate, sizeof(rate)));
	else if (c->go_probed && !c->processes)
		n = snprintf(buf, size,
			     "uprobes on runtime.profilealloc (Go's own sampler) and "
			     "runtime.freeSpecial in %zu Go process%s (%s)",
			     c->go_probed, c->go_probed == 1 ? "" : "es", c->go_versions);
	else
		n = snprintf(buf, size,
			     "uprobes on the malloc family (uretprobes for the blocks) and free, "
			     "sampled every %s allocated on average, in %zu process%s",
			     human_bytes((double)c->rate, rate, sizeof(rate)), c->processes,
			     c->processes == 1 ? "" : "es");
	for (i = 0; c->processes && i < c->nallocators && n < size; i++)
		n += snprintf(buf + n, size - n, "%s%s", i ? ", " : ": ", c->allocators[i]);
	if (c->go_probed && c->processes && n < size)
		snprintf(buf + n, size - n, "; and Go's own sampler in %zu Go process%s",
			 c->go_probed, c->go_probed == 1 ? "" : "es");
	return buf;
}

/* The call rates and what the probes cost, for the summary and the profile. */
static const char *rates_line(struct alloc_source *c, char *buf, size_t size)
{
	const struct bpf_map *m = c->skel->maps.alloc_stats;
	struct record *r = c->base.r;
	uint64_t calls = record__read_percpu(r, m, ALLOC_STAT_CALLS);
	uint64_t frees = record__read_percpu(r, m, ALLOC_STAT_FREES);
	uint64_t bytes = record__read_percpu(r, m, ALLOC_STAT_BYTES);
	uint64_t sampled = record__read_percpu(r, m, ALLOC_STAT_SAMPLED);
	uint64_t freed = record__read_percpu(r, m, ALLOC_STAT_FREED);
	uint64_t nested = record__read_percpu(r, m, ALLOC_STAT_NESTED);
	uint64_t lost = record__read_percpu(r, m, ALLOC_STAT_PENDING_FULL) +
			record__read_percpu(r, m, ALLOC_STAT_EVENTS_LOST);
	uint64_t untracked = record__read_percpu(r, m, ALLOC_STAT_LIVE_FULL);
	double secs = record__attached_ns(r) / 1e9, cost_ms;
	char b1[32];
	size_t n;

	if (secs <= 0)
		secs = 1e-9;
	/* every call of an allocating function is two hits (entry and return), a free one */
	cost_ms =
		((calls + nested) * (UPROBE_HIT_NS + URETPROBE_EXTRA_NS) + frees * UPROBE_HIT_NS) /
		1e6;
	n = snprintf(buf, size,
		     "alloc: %llu allocation calls (%.0f/s, %s/s asked for), %llu frees (%.0f/s); "
		     "%llu sampled, %llu of them freed, %zu live at the end; estimated cost of "
		     "the probes %.1f ms of the programs' CPU time (%.2f%% of one CPU while "
		     "attached), at ~7.7 us "
		     "an allocation and ~6 us a free",
		     (unsigned long long)calls, calls / secs,
		     human_bytes(bytes / secs, b1, sizeof(b1)), (unsigned long long)frees,
		     frees / secs, (unsigned long long)sampled, (unsigned long long)freed,
		     c->blocks.len, cost_ms, cost_ms / 10 / secs);
	/* -v: the probe hits behind the estimate, and the calls the allocator made to itself */
	if (n < size && log_verbosity >= 1)
		n += snprintf(buf + n, size - n,
			      " (-v: %llu probe hits, %llu nested calls not counted, %llu failed)",
			      (unsigned long long)record__read_percpu(r, m, ALLOC_STAT_HITS),
			      (unsigned long long)nested,
			      (unsigned long long)record__read_percpu(r, m, ALLOC_STAT_FAILED));
	if (n < size && (lost || untracked))
		n += snprintf(buf + n, size - n,
			      "; %llu samples lost (full maps or ring), %llu blocks not tracked "
			      "to their free (live map full)",
			      (unsigned long long)lost, (unsigned long long)untracked);
	return buf;
}

/* Go: what was probed and seen. */
static const char *go_line(struct alloc_source *c, char *buf, size_t size)
{
	const struct bpf_map *m = c->skel->maps.alloc_stats;
	uint64_t sampled = record__read_percpu(c->base.r, m, ALLOC_STAT_GO_SAMPLED);
	uint64_t swept = record__read_percpu(c->base.r, m, ALLOC_STAT_GO_FREED);
	char rates[128] = "";
	size_t n = 0;
	unsigned int i;

	for (i = 0; i < c->ngo_procs && n < sizeof(rates); i++)
		n += snprintf(
			rates + n, sizeof(rates) - n, "%s%lld", i ? ", " : "",
			(long long)(c->go_procs[i].rate ? c->go_procs[i].rate : GO_DEFAULT_RATE));
	snprintf(buf, size,
		 "alloc: Go: %zu process%s (%s) probed at runtime.profilealloc, the runtime's own "
		 "sampler (one hit per runtime.MemProfileRate bytes on average: %s), and "
		 "runtime.freeSpecial for the sampled objects the sweeper frees; %llu sampled "
		 "(%llu entries run twice for one object, counted once), %llu swept%s",
		 c->go_probed, c->go_probed == 1 ? "" : "es", c->go_versions, rates,
		 (unsigned long long)(sampled - c->go_reentered),
		 (unsigned long long)c->go_reentered, (unsigned long long)swept,
		 c->rate_assumed ? "; runtime.MemProfileRate could not be found or read: Go's "
				   "default, 524288, assumed"
				 : "");
	return buf;
}

/* Per process: the estimated allocation rate and what it still held. */
static int add_process_lines(struct alloc_source *c, struct profile *p)
{
	double secs = record__attached_ns(c->base.r) / 1e9;
	char text[256], b1[32], b2[32];
	unsigned int i;
	int ret = 0;

	if (secs <= 0)
		secs = 1e-9;
	for (i = 0; i < c->nprocs && !ret; i++) {
		const struct alloc_proc *q = &c->procs[i];

		snprintf(text, sizeof(text),
			 "alloc: process %u: %s/s and %.0f objects/s allocated (estimated from the "
			 "samples); in use at the end: %s in %lld objects",
			 q->tgid, human_bytes(q->bytes / secs, b1, sizeof(b1)), q->objects / secs,
			 human_bytes((double)q->inuse_bytes, b2, sizeof(b2)),
			 (long long)q->inuse_objects);
		ret = profile__add_comment(p, text);
	}
	return ret;
}

struct alloc_site {
	char *name;
	int64_t bytes;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct alloc_site *)a)->name, ((const struct alloc_site *)b)->name);
}

static int by_bytes(const void *a, const void *b)
{
	const struct alloc_site *x = a, *y = b;

	return (x->bytes < y->bytes) - (x->bytes > y->bytes);
}

/*
 * The top allocation sites by estimated bytes: the rows' stacks by name (rows differ by thread
 * too), merged. 0 or -ENOMEM.
 */
static int add_top_sites(struct alloc_source *c, struct profile *p)
{
	struct alloc_site *sites = NULL;
	size_t i, n = 0, m;
	int64_t total = 0;
	char name[512], text[768], b1[32];
	/* --duty-cycle: to the whole recording, as the profile's values are */
	uint64_t attached = record__attached_ns(c->base.r);
	double scale = attached ? (double)record__elapsed_ns(c->base.r) / attached : 1;
	int ret = 0;

	for (i = 0; i < c->nrow_bytes; i++)
		n += c->row_bytes[i] > 0;
	if (!n)
		return 0;
	if (!(sites = calloc(n, sizeof(*sites))))
		return -ENOMEM;
	for (i = 0, n = 0; i < c->nrow_bytes && !ret; i++) {
		if (c->row_bytes[i] <= 0)
			continue;
		record__row_stack(c->base.r, (int64_t)i, 6, name, sizeof(name));
		sites[n].bytes = c->row_bytes[i];
		total += c->row_bytes[i];
		if (!(sites[n++].name = strdup(name[0] ? name : "[unknown]")))
			ret = -ENOMEM;
	}
	if (!ret) {
		qsort(sites, n, sizeof(*sites), by_name);
		for (i = 1, m = 1; i < n; i++) {
			if (!strcmp(sites[i].name, sites[m - 1].name)) {
				sites[m - 1].bytes += sites[i].bytes;
				free(sites[i].name);
			} else {
				sites[m++] = sites[i];
			}
		}
		n = m;
		qsort(sites, m, sizeof(*sites), by_bytes);
		for (i = 0; i < m && i < 5 && !ret; i++) {
			snprintf(text, sizeof(text), "alloc: top site %zu: %.1f%% (%s) at %s",
				 i + 1, total ? 100.0 * sites[i].bytes / total : 0.0,
				 human_bytes((double)sites[i].bytes * scale, b1, sizeof(b1)),
				 sites[i].name);
			ret = profile__add_comment(p, text);
		}
	}
	for (i = 0; i < n; i++)
		free(sites[i].name);
	free(sites);
	return ret;
}

/* --leaks: the live blocks by stack, oldest first. */
static int add_leak_lines(struct alloc_source *c, struct profile *p)
{
	char text[768], stack[512], b1[32];
	ssize_t i;
	int ret = 0;

	if (!record__opts(c->base.r)->leaks)
		return 0;
	if (!c->nleaks)
		return profile__add_comment(
			p, "alloc: leaks: no sampled block was still live at the end");
	snprintf(text, sizeof(text),
		 "alloc: leaks: %zd stack%s with sampled blocks still live at the end (held at "
		 "the stop, or at their process's exit), oldest first%s",
		 c->nleaks, c->nleaks == 1 ? "" : "s",
		 c->nleaks > MAX_LEAKS_SHOWN ? " (the first 10)" : "");
	ret = profile__add_comment(p, text);
	for (i = 0; i < c->nleaks && i < MAX_LEAKS_SHOWN && !ret; i++) {
		const struct alloc_leak *l = &c->leaks[i];
		double age =
			c->leaks_end_ns > l->oldest_ns ? (c->leaks_end_ns - l->oldest_ns) / 1e9 : 0;

		record__row_stack(c->base.r, l->row, 6, stack, sizeof(stack));
		snprintf(
			text, sizeof(text),
			"alloc: leak: process %u: %s in %lld objects (%llu sampled blocks), oldest "
			"%.1f s old, allocated at %s",
			l->tgid, human_bytes((double)l->bytes, b1, sizeof(b1)),
			(long long)l->objects, (unsigned long long)l->blocks, age,
			stack[0] ? stack : "[unknown]");
		ret = profile__add_comment(p, text);
	}
	return ret;
}

/* Every line starts "alloc: ": singe record prints them, singe report shows them. */
static int alloc_annotate(struct source *s, struct profile *p)
{
	struct alloc_source *c = alloc_of(s);
	char text[1024], what[600];
	int ret;

	snprintf(text, sizeof(text), "alloc: probes: %s", alloc_describe(s, what, sizeof(what)));
	ret = profile__add_comment(p, text);
	if ((c->processes || !c->go_probed) && !c->preloaded)
		ret = ret ?: profile__add_comment(p, rates_line(c, text, sizeof(text)));
	if (c->preloaded)
		ret = ret
			      ?: profile__add_comment(
					 p, "alloc: --alloc-preload: the program samples its own "
					    "allocations (libsinge-alloc.so), so calls are not "
					    "counted "
					    "and only sampled ones trap");
	if (!ret && c->go_probed)
		ret = profile__add_comment(p, go_line(c, text, sizeof(text)));
	if (!ret && (c->copies_unwound || c->copies_failed)) {
		snprintf(
			text, sizeof(text),
			"alloc: CPython: the stacks of %llu sampled allocations copied and unwound "
			"with their Python frames (%llu copies that did not unwind)",
			(unsigned long long)c->copies_unwound,
			(unsigned long long)c->copies_failed);
		ret = profile__add_comment(p, text);
	}
	if (!ret && c->go_off_line[0])
		ret = profile__add_comment(p, c->go_off_line);
	if (!ret && (c->no_allocator || c->first_problem[0])) {
		snprintf(text, sizeof(text),
			 "alloc: not probed: %zu process%s without an allocator singe can "
			 "probe%s%s",
			 c->no_allocator, c->no_allocator == 1 ? "" : "es",
			 c->first_problem[0] ? "; " : "", c->first_problem);
		ret = profile__add_comment(p, text);
	}
	if (!ret && record__opts(s->r)->duty_cycle)
		ret = profile__add_comment(
			p, "alloc: --duty-cycle: allocations are scaled to the whole "
			   "recording; in use is not tracked (the frees made while the "
			   "probes were out are not seen): inuse_objects and inuse_space "
			   "are 0");
	ret = ret ?: add_process_lines(c, p);
	ret = ret ?: add_top_sites(c, p);
	return ret ?: add_leak_lines(c, p);
}

static void alloc_free(struct source *s)
{
	struct alloc_source *c = alloc_of(s);

	ring_buffer__free(c->rb);
	alloc_bpf__destroy(c->skel);
	alloc_blocks__free(&c->blocks);
	vec_free(&c->copies);
	free(c->row_bytes);
	free(c->leaks);
	free(c);
}

/* inuse_space is the default (profile__natural_sample_type), as in Go's heap profiles */
static const struct source_sample_type alloc_types[] = {
	{"alloc_objects", "count"},
	{"alloc_space", "bytes"},
	{"inuse_objects", "count"},
	{"inuse_space", "bytes"},
};

const struct source_ops alloc_source_ops = {
	.name = "alloc",
	/* every probe goes through the engine (record__attach_uprobe*, _uretprobe) */
	.duty_cycle = true,
	.estimates = true,
	.about = "where code allocates memory (malloc family, Go's sampler) and what it holds",
	.nvalues = 4,
	.types = alloc_types,
	.new = alloc_new,
	.open = alloc_open,
	.load = alloc_load,
	.attach = alloc_attach,
	.image = alloc_image,
	.drain = alloc_drain,
	.finish = alloc_finish,
	.detach = alloc_detach,
	.annotate = alloc_annotate,
	.describe = alloc_describe,
	.poll = alloc_poll,
	.free = alloc_free,
};
