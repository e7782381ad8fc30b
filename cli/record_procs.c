// SPDX-License-Identifier: MIT
/*
 * The process table (record_procs.h): processes in one array with a hash index by tgid,
 * thread names likewise, forks in two generations.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "hash.h"
#include "profile.h"
#include "record_procs.h"
#include "sym_procmaps.h"
#include "symbolize.h"
#include "unwind.h"

/* Ancestors tried for a child gone early whose parent is gone as well (nested subshells). */
#define INHERIT_MAX_DEPTH 4

/* A fork event: child was forked by parent (tgids). */
struct fork_link {
	uint32_t child, parent;
};

/* A thread's own name (the process's is in struct proc). */
struct thread_name {
	uint32_t tid;
	char comm[TASK_COMM_LEN];
};

struct proc_table {
	struct symbolizer *sym;
	struct unwinder *unwinder;
	struct proc_hooks hooks;
	VEC(struct proc) procs;
	struct idset index;
	VEC(struct thread_name) threads;
	struct idset thread_index;
	VEC(struct fork_link) forks[2]; /* child -> parent, newest generation first */
	struct proc_table_stats stats;
};

static int refresh_pid(void *ctx, pid_t pid);

struct proc_table *proc_table__new(struct symbolizer *sym, struct unwinder *unwinder,
				   const struct proc_hooks *hooks)
{
	struct proc_table *t;

	if (!sym) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->sym = sym;
	t->unwinder = unwinder;
	/* their re-reads go through here too: one image for both, known after an exit */
	symbolizer__set_refresher(sym, refresh_pid, t);
	if (unwinder)
		unwinder__set_refresher(unwinder, refresh_pid, t);
	if (hooks)
		t->hooks = *hooks;
	return t;
}

void proc_table__free(struct proc_table *t)
{
	if (!t)
		return;
	vec_free(&t->procs);
	idset_release(&t->index);
	vec_free(&t->threads);
	idset_release(&t->thread_index);
	vec_free(&t->forks[0]);
	vec_free(&t->forks[1]);
	free(t);
}

static bool proc_eq(uint32_t idx, const void *key, void *ctx)
{
	const struct proc_table *t = ctx;

	return t->procs.data[idx].tgid == *(const uint32_t *)key;
}

struct proc *proc_table__find(struct proc_table *t, uint32_t tgid)
{
	int64_t idx = idset__find(&t->index, hash_mix(0, tgid), &tgid, proc_eq, t);

	return idx >= 0 ? &t->procs.data[idx] : NULL;
}

size_t proc_table__len(const struct proc_table *t)
{
	return t->procs.len;
}

struct proc *proc_table__at(struct proc_table *t, size_t i)
{
	return i < t->procs.len ? &t->procs.data[i] : NULL;
}

/* The parent a fork event named for child, or 0: the newest event first (pids are reused). */
static uint32_t parent_of(const struct proc_table *t, uint32_t child)
{
	size_t g, i;

	for (g = 0; g < 2; g++)
		for (i = t->forks[g].len; i-- > 0;)
			if (t->forks[g].data[i].child == child)
				return t->forks[g].data[i].parent;
	return 0;
}

/* Give the symbolizer and the unwinder one image of pid. */
static int give_image(struct proc_table *t, pid_t pid, const struct proc_image *img)
{
	int err = symbolizer__set_maps(t->sym, pid, img->maps, img->exe);

	if (!err && t->unwinder)
		err = unwinder__set_maps(t->unwinder, pid, img->maps_text, img->maps_len);
	return err;
}

/*
 * A child that exited before its maps could be read, and never exec'd, ran its parent's
 * image: give it the parent's snapshot, or the nearest ancestor's that can still be had.
 * 0, -ESRCH when no ancestor is known, or -ENOMEM.
 */
static int inherit(struct proc_table *t, uint32_t tgid)
{
	uint32_t parent = tgid;
	struct proc_image *img;
	int depth, ret = -ESRCH;

	for (depth = 0; depth < INHERIT_MAX_DEPTH && ret == -ESRCH; depth++) {
		parent = parent_of(t, parent);
		if (!parent)
			return -ESRCH;
		ret = symbolizer__inherit_pid(t->sym, tgid, parent);
		if (ret != -ESRCH)
			break;
		/* a parent never sampled is most likely still there: read it now */
		img = proc_image__read(parent);
		if (!img)
			continue;
		t->stats.reads++;
		ret = give_image(t, parent, img);
		proc_image__free(img);
		ret = ret ?: symbolizer__inherit_pid(t->sym, tgid, parent);
	}
	if (ret || !t->unwinder)
		return ret;
	return unwinder__inherit_pid(t->unwinder, tgid, parent) == -ENOMEM ? -ENOMEM : 0;
}

/*
 * Read p's image and give it to the symbolizer, the unwinder and the hook. A process already
 * gone is not an error (its frames stay module+offset or unknown): 0, or -ENOMEM.
 */
static int snapshot(struct proc_table *t, struct proc *p, uint32_t gen, enum snapshot_kind kind)
{
	uint64_t t0 = thread_cpu_ns();
	struct proc_image *img;
	int err = 0;

	if (kind == SNAPSHOT_NEW_IMAGE) {
		symbolizer__forget_pid(t->sym, p->tgid);
		if (t->unwinder)
			unwinder__forget_pid(t->unwinder, p->tgid);
	}
	img = proc_image__read(p->tgid);
	if (img) {
		t->stats.reads++;
	} else if (errno != ENOMEM && t->hooks.gone_image &&
		   (img = t->hooks.gone_image(t->hooks.ctx, p->tgid, gen))) {
		/* gone already, but the kernel told what it mapped as it did */
		t->stats.from_events++;
	}
	if (img) {
		err = give_image(t, p->tgid, img);
	} else if (errno == ENOMEM) {
		err = -ENOMEM;
	} else if (kind == SNAPSHOT_FIRST && !gen && !(err = inherit(t, p->tgid))) {
		t->stats.inherited++;
	} else if (kind != SNAPSHOT_REFRESH) {
		t->stats.gone_early++;
		err = err == -ENOMEM ? err : 0;
	} else {
		err = 0;
	}
	p->snap_gen = gen;
	p->snap_ns = mono_ns();
	if (kind != SNAPSHOT_REFRESH)
		p->seen_ns = p->snap_ns;
	if (!err && t->hooks.image)
		err = t->hooks.image(t->hooks.ctx, p, img, kind);
	proc_image__free(img);
	t->stats.snapshot_ns += thread_cpu_ns() - t0;
	return err;
}

int proc_table__see(struct proc_table *t, uint32_t tgid, uint32_t gen)
{
	struct proc p = {.tgid = tgid}, *known = proc_table__find(t, tgid);
	int ret;

	if (known && known->stale) {
		/* a new process under an old pid: nothing of the old one's image is kept */
		known->stale = false;
		known->dwarf = known->fp = false;
		symbolizer__forget_pid(t->sym, tgid);
		if (t->unwinder)
			unwinder__forget_pid(t->unwinder, tgid);
		return snapshot(t, known, gen, SNAPSHOT_FIRST);
	}
	if (known) {
		if (gen <= known->snap_gen)
			return 0;
		/* the old image's stacks need the old mappings: they are finished with first */
		ret = t->hooks.old_image ? t->hooks.old_image(t->hooks.ctx, known) : 0;
		/* the hook may have added processes: look again */
		known = proc_table__find(t, tgid);
		return ret ?: snapshot(t, known, gen, SNAPSHOT_NEW_IMAGE);
	}
	ret = vec_push(&t->procs, p);
	if (!ret)
		ret = idset__insert(&t->index, hash_mix(0, tgid), t->procs.len - 1);
	if (ret)
		return ret;
	t->stats.processes = t->procs.len;
	return snapshot(t, &t->procs.data[t->procs.len - 1], gen, SNAPSHOT_FIRST);
}

int proc_table__refresh(struct proc_table *t, struct proc *p)
{
	return snapshot(t, p, p->snap_gen, SNAPSHOT_REFRESH);
}

/* The symbolizer's and the unwinder's refresher: a pc outside a process's snapshot. */
static int refresh_pid(void *ctx, pid_t pid)
{
	struct proc_table *t = ctx;
	struct proc *p = proc_table__find(t, (uint32_t)pid);

	return p ? proc_table__refresh(t, p) : -ENOENT;
}

int proc_table__fork(struct proc_table *t, uint32_t child, uint32_t parent, uint64_t time_ns)
{
	struct proc *known = proc_table__find(t, child);
	int ret;

	/* seen since the fork: the child's own first samples came before its fork event */
	if (known && !known->stale && known->seen_ns < time_ns) {
		/* the old process's stacks need its image: they are finished with first */
		ret = t->hooks.old_image ? t->hooks.old_image(t->hooks.ctx, known) : 0;
		if (ret)
			return ret;
		known = proc_table__find(t, child);
		known->stale = true;
		known->exited = known->exiting = false;
		t->stats.reused++;
	}
	return vec_push(&t->forks[0], ((struct fork_link){child, parent}));
}

void proc_table__age_forks(struct proc_table *t)
{
	vec_free(&t->forks[1]);
	t->forks[1] = t->forks[0];
	memset(&t->forks[0], 0, sizeof(t->forks[0]));
}

void proc_table__set_comm(struct proc_table *t, uint32_t tgid, const char *comm)
{
	struct proc *p = proc_table__find(t, tgid);

	if (p)
		memcpy(p->comm, comm, TASK_COMM_LEN);
}

static bool thread_eq(uint32_t idx, const void *key, void *ctx)
{
	const struct proc_table *t = ctx;

	return t->threads.data[idx].tid == *(const uint32_t *)key;
}

static struct thread_name *thread_of(const struct proc_table *t, uint32_t tid)
{
	int64_t idx = idset__find(&t->thread_index, hash_mix(1, tid), &tid, thread_eq, (void *)t);

	return idx >= 0 ? &t->threads.data[idx] : NULL;
}

int proc_table__name_thread(struct proc_table *t, uint32_t tid, const char *comm)
{
	struct thread_name *known = thread_of(t, tid), n = {.tid = tid};
	int ret;

	if (!known) {
		if ((ret = vec_push(&t->threads, n)) ||
		    (ret = idset__insert(&t->thread_index, hash_mix(1, tid), t->threads.len - 1)))
			return ret;
		known = &t->threads.data[t->threads.len - 1];
	}
	memcpy(known->comm, comm, TASK_COMM_LEN);
	return 0;
}

const char *proc_table__thread_name(const struct proc_table *t, uint32_t tid)
{
	const struct thread_name *n = thread_of(t, tid);

	return n && n->comm[0] ? n->comm : NULL;
}

bool proc_table__find_exited(struct proc_table *t)
{
	bool found = false;
	size_t i;

	for (i = 0; i < t->procs.len; i++) {
		struct proc *p = &t->procs.data[i];

		p->exiting = !p->exited && kill((pid_t)p->tgid, 0) && errno == ESRCH;
		found |= p->exiting;
	}
	return found;
}

void proc_table__forget_exited(struct proc_table *t, void (*gone)(void *ctx, struct proc *p),
			       void *ctx)
{
	size_t i;

	for (i = 0; i < t->procs.len; i++) {
		struct proc *p = &t->procs.data[i];

		if (!p->exiting)
			continue;
		p->exiting = false;
		p->exited = true;
		if (t->unwinder)
			unwinder__forget_pid(t->unwinder, p->tgid);
		if (gone)
			gone(ctx, p);
	}
}

const struct proc_table_stats *proc_table__stats(const struct proc_table *t)
{
	return &t->stats;
}
