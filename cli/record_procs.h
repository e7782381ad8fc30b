/* SPDX-License-Identifier: MIT */
/*
 * The recording's process table: the one registry of the processes a recording has seen.
 *
 * Each process is known by its tgid and the exec generation of its image (which the BPF
 * programs put in every sample). When a process is first seen, or a stack of a newer image
 * shows up, the table reads its image once -- /proc/PID/maps and /proc/PID/exe -- and hands it
 * to every user: the symbolizer (names, lines), the unwinder (CFI, frame pointers) and the
 * engine's hook (unwinding decisions, the profile types' per-binary probes). They keep
 * per-process caches, but only this table creates, replaces and drops them, so they cannot
 * drift apart.
 *
 * It also keeps what the kernel told of processes: forks (a child gone before its maps could
 * be read ran its parent's image), execs waiting to be handled, process and thread names, and
 * which processes have exited.
 *
 *   t = proc_table__new(sym, unwinder, &hooks);
 *   proc_table__see(t, tgid, gen);             per new stack: the image of gen is known
 *   proc_table__fork(t, child, parent);        per fork event
 *   proc_table__free(t);
 *
 * Nothing here touches BPF: it is unit-tested with replayed events on real processes.
 */
#ifndef SINGE_CLI_RECORD_PROCS_H
#define SINGE_CLI_RECORD_PROCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sym_procmaps.h"

#ifndef TASK_COMM_LEN
#define TASK_COMM_LEN 16
#endif

struct procmaps;
struct symbolizer;
struct unwinder;

/* What a snapshot reads: a process first seen, a new image after an exec, or the same again. */
enum snapshot_kind {
	SNAPSHOT_FIRST,
	SNAPSHOT_NEW_IMAGE,
	SNAPSHOT_REFRESH, /* libraries mapped since; a process gone keeps the snapshot it had */
};

struct proc {
	uint32_t tgid;
	uint32_t snap_gen; /* the exec generation the snapshot is of */
	bool dwarf;	   /* --unwind auto moved it to DWARF unwinding */
	bool fp;	   /* --unwind auto stopped watching it: frame pointers only */
	bool exiting;	   /* seen gone at this drain: freed once its samples are read */
	bool exited;	   /* its unwinding state is freed */
	bool stale;	   /* its pid was reused: the next stack seen is a new process's */
	uint64_t snap_ns;  /* CLOCK_MONOTONIC of the last snapshot */
	uint64_t seen_ns;  /* CLOCK_MONOTONIC of the first snapshot (of this image) */
	char comm[TASK_COMM_LEN];
};

/*
 * The engine's hooks. image is called after the symbolizer and unwinder have a new image (img is
 * NULL when the process was gone and inherited its parent's, or kept what it had). 0 or -errno.
 */
struct proc_hooks {
	void *ctx;
	/* p's current image is about to be replaced by a newer one: finish with it first */
	int (*old_image)(void *ctx, struct proc *p);
	int (*image)(void *ctx, struct proc *p, const struct proc_image *img,
		     enum snapshot_kind kind);
	/*
	 * The image generation gen of a process already gone ran, from what the kernel told as
	 * it was made (record_mmap.h), or NULL. Optional.
	 */
	struct proc_image *(*gone_image)(void *ctx, uint32_t tgid, uint32_t gen);
};

struct proc_table_stats {
	size_t processes;     /* distinct processes seen */
	uint64_t gone_early;  /* exited before their files could be opened */
	uint64_t inherited;   /* forked children gone as early, given their parent's snapshot */
	uint64_t snapshot_ns; /* CPU time spent reading images and opening their files */
	uint64_t reads;	      /* images read from /proc */
	uint64_t from_events; /* images of processes gone early, from mapping events */
	uint64_t reused;      /* pids reused by a new process during the recording */
};

struct proc_table;

/* sym is required; unwinder and hooks may be NULL. NULL and errno on failure. */
struct proc_table *proc_table__new(struct symbolizer *sym, struct unwinder *unwinder,
				   const struct proc_hooks *hooks);
void proc_table__free(struct proc_table *t);

/* The process, or NULL when never seen. Valid until the next proc_table__see(). */
struct proc *proc_table__find(struct proc_table *t, uint32_t tgid);
size_t proc_table__len(const struct proc_table *t);
struct proc *proc_table__at(struct proc_table *t, size_t i);

/*
 * Make sure the image of generation gen of tgid is known: read when the process is first
 * seen, while it lives, and again when a newer image shows up (the caller symbolizes the old
 * image's stacks first). A process already gone is not an error. 0 or -ENOMEM.
 */
int proc_table__see(struct proc_table *t, uint32_t tgid, uint32_t gen);
/* Read the image of p again (libraries mapped since); a process gone keeps what it had. */
int proc_table__refresh(struct proc_table *t, struct proc *p);

/*
 * A fork event: child (a tgid) was forked by parent at time_ns (CLOCK_MONOTONIC). A child
 * known since before that time is a pid reused: the old process's stacks are finished with
 * (the old_image hook) and the next stack seen of that pid takes a new snapshot. 0 or
 * -ENOMEM.
 */
int proc_table__fork(struct proc_table *t, uint32_t child, uint32_t parent, uint64_t time_ns);
/*
 * Forks are kept for two generations: each drain starts a new one and drops the oldest, so
 * what a child's first sample needs is there and no more.
 */
void proc_table__age_forks(struct proc_table *t);

/* Remember the process name (its group leader's comm) of tgid, if it was seen. */
void proc_table__set_comm(struct proc_table *t, uint32_t tgid, const char *comm);
/* Remember tid's own name, replacing an older one (a thread renamed itself). 0 or -ENOMEM. */
int proc_table__name_thread(struct proc_table *t, uint32_t tid, const char *comm);
/* tid's name, or NULL when it was never told. */
const char *proc_table__thread_name(const struct proc_table *t, uint32_t tid);

/*
 * Mark the processes that exited since the last call (not yet marked): whether any was. Then,
 * once their samples are in, proc_table__forget_exited() releases their unwinding state
 * (a libdwfl session opens a process's binaries and their CFI anew; a long -a recording sees
 * thousands of processes) and calls gone for each. Their symbolization snapshot stays.
 */
bool proc_table__find_exited(struct proc_table *t);
void proc_table__forget_exited(struct proc_table *t, void (*gone)(void *ctx, struct proc *p),
			       void *ctx);

const struct proc_table_stats *proc_table__stats(const struct proc_table *t);

#endif /* SINGE_CLI_RECORD_PROCS_H */
