// SPDX-License-Identifier: MIT
/*
 * Reading a live Go process's goroutines (see goroutines.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "goroutines.h"
#include "sym_gopclntab.h"
#include "sym_procmaps.h"

/* More goroutines than this in allgs means the slice header was not read right */
#define MAX_GOROUTINES (1u << 24)
/* Bytes of a goroutine stack read in one go; deeper frames end the walk */
#define MAX_STACK_READ (256u << 10)

static int vm_read(pid_t pid, uint64_t addr, void *buf, size_t n)
{
	struct iovec local = {.iov_base = buf, .iov_len = n};
	struct iovec remote = {.iov_base = (void *)(uintptr_t)addr, .iov_len = n};
	ssize_t got = process_vm_readv(pid, &local, 1, &remote, 1, 0);

	if (got < 0)
		return -errno;
	return (size_t)got == n ? 0 : -EFAULT;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The executable's bytes, mapped privately (the file may be replaced later). */
static void *map_exe(const char *path, size_t *len)
{
	struct stat st;
	void *img;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0) {
		close(fd);
		errno = ENOEXEC;
		return NULL;
	}
	img = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (img == MAP_FAILED)
		return NULL;
	*len = (size_t)st.st_size;
	return img;
}

/*
 * A PIE's load bias: where its file offset 0 is mapped, found in /proc/PID/maps by the
 * executable's inode, less the address offset 0 is linked at (0x400000 for Go's PIEs).
 */
static int find_bias(struct go_process *gp)
{
	struct procmaps *m = procmaps__load(gp->pid);
	char link[64];
	struct stat st;
	size_t i;
	int err = -ENOENT;

	if (!m)
		return -errno;
	/* the file the process runs, even deleted or in another mount namespace */
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)gp->pid);
	if (stat(link, &st) == 0) {
		for (i = 0; i < m->len; i++) {
			if (m->maps[i].inode == (uint64_t)st.st_ino && m->maps[i].offset == 0) {
				gp->bias = m->maps[i].start - gp->rt.base_vaddr;
				err = 0;
				break;
			}
		}
	}
	procmaps__free(m);
	return err;
}

int go_process__open(pid_t pid, struct go_process **out)
{
	struct go_process *gp = calloc(1, sizeof(*gp));
	char link[64];
	ssize_t n;
	size_t len = 0;
	void *img;
	int err;

	if (!gp)
		return -ENOMEM;
	gp->pid = pid;
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	n = readlink(link, gp->exe, sizeof(gp->exe) - 1);
	if (n < 0) {
		err = errno == ENOENT ? -ESRCH : -errno;
		free(gp);
		return err;
	}
	gp->exe[n] = '\0';
	/* through /proc/PID/exe: the file the process runs, even if its path was replaced */
	img = map_exe(link, &len);
	if (!img) {
		err = errno == ENOENT ? -ESRCH : -errno;
		free(gp);
		return err;
	}
	err = go_runtime__read(img, len, &gp->rt);
	if (!err) {
		gp->pcln = gopclntab__load(img, len);
		if (!gp->rt.allgs)
			err = -ENXIO;
	}
	munmap(img, len);
	if (!err && gp->rt.pie && find_bias(gp))
		err = -ESRCH;
	if (err) {
		go_process__free(gp);
		return err;
	}
	*out = gp;
	return 0;
}

void go_process__free(struct go_process *gp)
{
	if (!gp)
		return;
	gopclntab__free(gp->pcln);
	free(gp);
}

void goroutine_set__release(struct goroutine_set *s)
{
	free(s->g);
	free(s->pcs);
	memset(s, 0, sizeof(*s));
}

static int push_pc(struct goroutine_set *s, uint64_t pc)
{
	if (s->npcs == s->pcs_cap) {
		size_t cap = s->pcs_cap ? s->pcs_cap * 2 : 1024;
		uint64_t *p = realloc(s->pcs, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->pcs = p;
		s->pcs_cap = cap;
	}
	s->pcs[s->npcs++] = pc;
	return 0;
}

static struct goroutine *push_g(struct goroutine_set *s)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct goroutine *g = realloc(s->g, cap * sizeof(*g));

		if (!g)
			return NULL;
		s->g = g;
		s->cap = cap;
	}
	memset(&s->g[s->n], 0, sizeof(s->g[0]));
	return &s->g[s->n++];
}

/* Go's isSystemGoroutine, as its goroutine profile applies it: started in package runtime. */
static bool is_system(const struct go_process *gp, uint64_t startpc)
{
	struct go_frame f[8];
	int n = gopclntab__lookup(gp->pcln, startpc - gp->bias, f, 8);
	const char *name;

	if (n <= 0)
		return false;
	name = f[n - 1].function;
	return !strncmp(name, "runtime.", 8) && strcmp(name, "runtime.main") &&
	       strcmp(name, "runtime.handleAsyncEvent");
}

/*
 * Walk the frame-pointer chain from a parked goroutine's saved pc and bp over a copy of its
 * stack: [bp] is the caller's bp, [bp + 8] the return address. Callers' frames are at higher
 * addresses, so a chain that does not climb is corrupt (or changed under us) and stops.
 */
static int walk_stack(struct goroutine_set *s, struct goroutine *g, pid_t pid, uint64_t pc,
		      uint64_t sp, uint64_t bp, uint64_t lo, uint64_t hi, uint8_t *buf)
{
	uint64_t top, len;
	int err;

	g->pcs_start = (uint32_t)s->npcs;
	if (!pc)
		return 0;
	if ((err = push_pc(s, pc)))
		return err;
	g->npcs = 1;
	if (sp < lo || sp >= hi || hi - lo > (1ull << 32))
		return 0;
	top = hi - sp > MAX_STACK_READ ? sp + MAX_STACK_READ : hi;
	len = top - sp;
	if (vm_read(pid, sp, buf, len))
		return 0;
	while (bp >= sp && bp + 16 <= top) {
		uint64_t next = get64(buf + (bp - sp)), ret = get64(buf + (bp - sp) + 8);

		if (!ret)
			break;
		if (g->npcs == GOROUTINE_MAX_DEPTH) {
			g->truncated = true;
			break;
		}
		if ((err = push_pc(s, ret)))
			return err;
		g->npcs++;
		if (next <= bp)
			break;
		bp = next;
	}
	return 0;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int read_one(struct go_process *gp, struct goroutine_set *s, uint64_t gaddr, uint8_t *gbuf,
		    uint8_t *stack)
{
	const struct go_g_layout *l = &gp->rt.g;
	struct goroutine *g;
	uint32_t status;
	int64_t since;
	int err;

	err = vm_read(gp->pid, gaddr, gbuf, l->read_size);
	if (err == -ESRCH || err == -EPERM || err == -EACCES)
		return err;
	if (err) {
		s->unreadable++;
		return 0;
	}
	status = get32(gbuf + l->atomicstatus) & ~(uint32_t)GO_STATUS_SCAN;
	if (status == GO_STATUS_DEAD || status == GO_STATUS_IDLE)
		return 0;
	if (!(g = push_g(s)))
		return -ENOMEM;
	g->goid = get64(gbuf + l->goid);
	g->status = status;
	g->reason = gbuf[l->waitreason];
	since = (int64_t)get64(gbuf + l->waitsince);
	g->wait_ns = since > 0 && since <= s->taken_ns ? s->taken_ns - since : -1;
	g->gopc = get64(gbuf + l->gopc);
	g->system = is_system(gp, get64(gbuf + l->startpc));
	/* a running goroutine's saved registers are stale: its stack is not readable now */
	if (status == GO_STATUS_RUNNING) {
		g->pcs_start = (uint32_t)s->npcs;
		return 0;
	}
	return walk_stack(s, g, gp->pid, get64(gbuf + l->sched_pc), get64(gbuf + l->sched_sp),
			  get64(gbuf + l->sched_bp), get64(gbuf + l->stack_lo),
			  get64(gbuf + l->stack_hi), stack);
}

int go_process__goroutines(struct go_process *gp, struct goroutine_set *out)
{
	uint64_t hdr[3], *ptrs = NULL, n, i;
	uint8_t *gbuf = NULL, *stack = NULL;
	int err;

	goroutine_set__release(out);
	out->taken_ns = now_ns();
	/* allgs is a []*g: array, len, cap */
	err = vm_read(gp->pid, gp->rt.allgs + gp->bias, hdr, sizeof(hdr));
	if (err)
		return err == -EFAULT ? -EIO : err;
	n = hdr[1];
	if (n > hdr[2] || n > MAX_GOROUTINES || (n && !hdr[0]))
		return -EIO;
	ptrs = malloc((n ? n : 1) * sizeof(*ptrs));
	gbuf = malloc(gp->rt.g.read_size);
	stack = malloc(MAX_STACK_READ);
	if (!ptrs || !gbuf || !stack) {
		err = -ENOMEM;
		goto out;
	}
	err = n ? vm_read(gp->pid, hdr[0], ptrs, n * sizeof(*ptrs)) : 0;
	if (err) {
		err = err == -EFAULT ? -EIO : err;
		goto out;
	}
	for (i = 0; i < n && !err; i++)
		err = ptrs[i] ? read_one(gp, out, ptrs[i], gbuf, stack) : 0;
out:
	free(ptrs);
	free(gbuf);
	free(stack);
	return err;
}

const char *goroutine__state(const struct go_process *gp, const struct goroutine *g)
{
	static const char *const names[] = {
		[GO_STATUS_IDLE] = "idle",	     [GO_STATUS_RUNNABLE] = "runnable",
		[GO_STATUS_RUNNING] = "running",     [GO_STATUS_SYSCALL] = "syscall",
		[GO_STATUS_WAITING] = "waiting",     [GO_STATUS_DEAD] = "dead",
		[GO_STATUS_COPYSTACK] = "copystack", [GO_STATUS_PREEMPTED] = "preempted",
	};
	const char *r;

	if (g->status == GO_STATUS_WAITING && (r = go_runtime__wait_reason(&gp->rt, g->reason)) &&
	    *r)
		return r;
	if (g->status < sizeof(names) / sizeof(names[0]) && names[g->status])
		return names[g->status];
	return "unknown";
}
