/* SPDX-License-Identifier: MIT */
/*
 * Mapping events: what the kernel tells of every executable mapping a recorded process makes,
 * as it makes it, so that a process that execs and exits within milliseconds -- a compiler
 * a build starts, a program a shell loop runs -- is still symbolized after it is gone, as perf
 * does. A software 'dummy' perf event (no samples) with mmap2, comm and task records: one per
 * CPU with -a; otherwise one per thread of the targets and CPU (inherited by the threads and
 * children they start: the kernel maps no buffer of an inherited event on every CPU), the
 * events of a CPU writing into one ring.
 *
 * Per process, the images it ran are kept in order: what it inherited at its fork, then one
 * per exec (a COMM record flagged exec starts a new one), each with the executable mappings
 * made since (the program, the dynamic loader, every library, a dlopen'ed one included). The
 * n-th exec seen is the n-th exec generation the BPF programs count, since both start with
 * the recording.
 *
 *   m = mmap_events__new(pages);
 *   mmap_events__open(m, pid, cpu);          per CPU (pid -1), or per thread and CPU
 *   mmap_events__read(m);                    often (each loop turn): the buffers are small
 *   img = mmap_events__image(m, tgid, gen);  a gone process's image, as /proc/PID/maps text
 *   mmap_events__flush(m);                   when a process's records may still be held
 *
 * Records are taken in time order across CPUs: a child's fork, exec and mmaps may each reach
 * another CPU's ring, and a ring is read after another. read() holds what it reads and feeds
 * only the records older than a couple of milliseconds, sorted; flush() feeds every record
 * held.
 *
 * Nothing here prints; records are parsed bounds-checked (mmap_events__feed() takes one
 * record, for tests and the fuzz target).
 */
#ifndef SINGE_CLI_RECORD_MMAP_H
#define SINGE_CLI_RECORD_MMAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct mmap_events;
struct proc_image;

struct mmap_events_stats {
	uint64_t records;  /* records read */
	uint64_t mappings; /* executable mappings recorded */
	uint64_t execs;	   /* exec records */
	uint64_t forks;	   /* new processes */
	uint64_t lost;	   /* records the kernel dropped (a full buffer) */
	uint64_t bad;	   /* records that did not parse */
	size_t processes;  /* processes with a history */
	int events;	   /* perf events open */
};

/* pages: data pages of each event's buffer (a power of two). NULL and errno. */
struct mmap_events *mmap_events__new(unsigned int pages);
void mmap_events__free(struct mmap_events *m);

/*
 * Open a dummy event with mapping records for pid (a thread; -1: every task) on cpu. 0,
 * -ESRCH (the thread exited), another negative errno.
 */
int mmap_events__open(struct mmap_events *m, pid_t pid, int cpu);
/* Read the records waiting in every buffer. 0 or -ENOMEM. */
int mmap_events__read(struct mmap_events *m);
/* Take one record (a struct perf_event_header and its body, size bytes). 0 or -ENOMEM. */
int mmap_events__feed(struct mmap_events *m, const void *record, size_t size);
/* Keep one record (as for feed) until it is released in time order. 0 or -ENOMEM. */
int mmap_events__hold(struct mmap_events *m, const void *record, size_t size);
/* Feed the records held whose time is before before_ns (CLOCK_MONOTONIC), in time order. */
int mmap_events__release(struct mmap_events *m, uint64_t before_ns);
/* Feed every record held, in time order. 0 or -ENOMEM. */
int mmap_events__flush(struct mmap_events *m);

/*
 * The image generation gen of tgid ran (0: what it had before any exec seen), as a
 * proc_image (maps text, parsed maps, exe = the mapping of the executable); NULL when no
 * record tells it (errno ENOENT) or on ENOMEM.
 */
struct proc_image *mmap_events__image(const struct mmap_events *m, uint32_t tgid, uint32_t gen);

const struct mmap_events_stats *mmap_events__stats(const struct mmap_events *m);

#endif /* SINGE_CLI_RECORD_MMAP_H */
