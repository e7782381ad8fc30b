/* SPDX-License-Identifier: MIT */
/*
 * The recording engine: a session recording one or more profile types (opts.types, each a
 * source behind the table of cli/source.h) into one symbolized struct profile.
 *
 *   r = record__new(&opts);
 *   record__open(r, &err);          open the BPF objects, size maps, set rodata
 *   record__load(r, &err);          verify and load
 *   record__add_target(r, pid);     per -p process (not with opts.all); for -- CMD:
 *                                   record__filter_pid() before attach, add_target after exec
 *   record__attach(r, &err);        process tracking, then every type's events: recording
 *                                   starts
 *   loop: record__wait(r, timeout); stack copies and events as they come
 *         record__tick(r);          every tick (~100 ms): counters, execs, and a drain
 *                                   about once a second, so maps never fill up
 *   record__finish(r, &p, &err);    detach, drain, symbolize; *p is the caller's
 *   record__free(r);
 *
 * Functions return 0 or a negative errno, with a one-line message in err where they take
 * one. Nothing here prints.
 */
#ifndef SINGE_CLI_RECORD_H
#define SINGE_CLI_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "unwind.h"

struct profile;
struct flame_err;
struct record;
struct source_ops;

/* Profile types one recording can hold, and values (sample types) over all of them. */
#define RECORD_MAX_TYPES 5
#define RECORD_MAX_VALUES 16
/* Data pages of each mapping-event buffer: per CPU with -a, per target thread otherwise. */
#define MMAP_PAGES_PER_CPU 64
#define MMAP_PAGES_PER_TASK 8

struct record_opts {
	const struct source_ops *types[RECORD_MAX_TYPES]; /* -t, in order; none: cpu */
	unsigned int ntypes;
	bool all;		       /* every process (-a); otherwise only added targets */
	bool follow_forks;	       /* children forked by a target become targets (-p, -- CMD) */
	bool include_self;	       /* -a samples singe itself too (--include-self) */
	int freq;		       /* cpu: samples per second per CPU (-F) */
	unsigned int stack_storage;    /* stack-trace map entries per buffer; 0 = from freq, CPUs */
	unsigned int overflow_storage; /* overflow stack map entries; 0 = from stack_storage */
	unsigned int max_stacks;       /* counts map entries per buffer; 0 = from freq, CPUs */
	unsigned int max_depth;	       /* frames per stack, <= kernel.perf_event_max_stack */
	int unwind;		   /* enum singe_unwind_mode (bpf/common.h): fp, dwarf or auto */
	unsigned int stack_size;   /* bytes of user stack copied per sample (dwarf, auto) */
	unsigned int ring_size;	   /* stack-sample ring buffer bytes; 0 = from freq, CPUs */
	uint64_t min_block_ns;	   /* offcpu: shorter blocks are not counted (--min-block) */
	uint64_t max_block_ns;	   /* offcpu: nor longer ones (--max-block) */
	bool wakers;		   /* offcpu: each block's waker's stack above it (--wakers) */
	uint64_t alloc_rate;	   /* alloc: mean bytes between samples (--alloc-rate) */
	bool leaks;		   /* alloc: list the blocks still live at the end (--leaks) */
	const char *alloc_preload; /* alloc: libsinge-alloc.so preloaded into -- CMD, or NULL */
	/*
	 * --duty-cycle PCT: the uprobes of the types that allow it (source_ops.duty_cycle) are
	 * attached for PCT% of each second, and their values scaled to the whole recording;
	 * 0: attached all along
	 */
	unsigned int duty_cycle;
};

/*
 * Defaults: 99 Hz, --unwind auto, blocks of 1 us and more, map sizes chosen by
 * record_opts__resolve().
 */
void record_opts__init(struct record_opts *opts);
/* Record the type named name too (-t); 0, -ENOENT (no such type), -E2BIG (too many). */
int record_opts__add_type(struct record_opts *opts, const char *name);
/*
 * Turn sizes left at 0 into sizes from the rate and the online CPUs: each type sizes its own
 * maps (cpu: 4 x freq x CPUs, within the bounds of bpf/cpu.h); the ring buffer of stack
 * copies holds a quarter of a second of them. No type given: cpu.
 */
void record_opts__resolve(struct record_opts *opts);

struct record_stats {
	uint64_t samples; /* samples (events) of targets seen by every type's programs */
	/*
	 * Every sample lost, whatever the cause: counts_full + stacks_lost + dropped. The one
	 * figure the status line, the summary and the profile's quality comment show.
	 */
	uint64_t lost;
	uint64_t counts_full;	  /* dropped in the kernel: a type's aggregation map was full */
	uint64_t collisions;	  /* stacks lost to hash collisions in both stack maps */
	uint64_t overflows;	  /* stacks kept in the overflow map after a collision */
	uint64_t no_user_stack;	  /* user stacks that could not be read */
	uint64_t no_kern_stack;	  /* kernel stacks that could not be read */
	uint64_t stack_errors;	  /* other bpf_get_stackid failures */
	uint64_t truncated;	  /* samples whose stack hit max_depth */
	uint64_t forks;		  /* children that joined the filter */
	uint64_t targets_full;	  /* children that could not join it */
	uint64_t events_lost;	  /* exec and fork events the full ring buffer dropped */
	uint64_t drained;	  /* samples read into user space */
	uint64_t first_sample_ns; /* CLOCK_MONOTONIC of the first sample, 0 if none yet */
	uint64_t unknown_frames;  /* frames left unsymbolized (after record__finish) */
	uint64_t snapshot_ns;	  /* CPU time spent opening targets' files */
	uint64_t symbolize_ns;	  /* time spent symbolizing new stacks, over every drain */
	uint64_t gone_early;	  /* processes that exited before their files could be opened */
	uint64_t inherited;	  /* forked children gone as early, given their parent's snapshot */
	uint64_t from_events;	  /* processes gone as early, imaged from mapping events */
	uint64_t reused;	  /* pids reused by a new process during the recording */
	uint64_t mapping_records; /* mapping events read (mmap2, comm, fork records) */
	uint64_t mapping_lost;	  /* mapping events the kernel dropped (a full buffer) */
	int mapping_events_error; /* why mapping events could not all be opened, or 0 */
	size_t processes;	  /* distinct processes sampled */
	size_t stacks;		  /* distinct (pid, tid, stack) keys */
	/* --unwind dwarf and auto */
	uint64_t stacks_lost;		    /* stack copies the full ring buffer dropped */
	uint64_t dropped;		    /* stack copies singe could not unwind in time */
	uint64_t regs_errors;		    /* samples whose user registers were unreadable */
	uint64_t unwound;		    /* stack copies unwound in user space */
	uint64_t unwind[UNWIND_NR_RESULTS]; /* how those unwinds ended */
	uint64_t unwind_ns;		    /* CPU time spent unwinding them */
	uint64_t stack_bytes;		    /* bytes of stack copied, over all samples */
	uint64_t fp_walks;		    /* samples walked by frame pointer in the kernel */
	uint64_t leaf_callers;		    /* frameless leaves' callers put back in such walks */
	uint64_t goroutine_walks;	    /* unwinds continued on a goroutine's stack (cgo) */
	uint64_t go_processes;		    /* Go processes whose goroutine stacks are copied */
	uint64_t python_processes;	    /* CPython processes whose Python frames are read */
	uint64_t python_samples;	    /* stacks that had Python frames put in */
	uint64_t python_unreadable;	    /* of those, ended by a frame that was no code object */
	uint64_t python_walks, python_walk_ns, python_frames; /* the BPF walker's, measured there */
	uint64_t python_unknown_version; /* Py_Version of a CPython singe has no layout for */
	uint64_t watched;		 /* of those, auto's checked against a stack copy */
	size_t dwarf_processes;		 /* processes unwound with DWARF (auto) */
};

/* What --unwind auto decided for one binary seen in the samples. */
struct record_unwind_choice {
	const char *name;  /* file name of the mapping, owned by the recording */
	enum unwind_fp fp; /* UNWIND_FP_KEPT: fp; UNWIND_FP_OMITTED: dwarf */
};

/* NULL and errno on failure. */
struct record *record__new(const struct record_opts *opts);
/* A type of opts draws a timeline (--timeline): its source has the timeline op. */
bool record_opts__has_timeline(const struct record_opts *opts);
/*
 * After record__finish: the timeline SVG of the first type that draws one, at path. 0, or a
 * negative errno with err set.
 */
int record__write_timeline(struct record *r, const char *path, struct flame_err *err);
/* NULL is fine. Detaches whatever is still attached. */
void record__free(struct record *r);

int record__open(struct record *r, struct flame_err *err);
int record__load(struct record *r, struct flame_err *err);
/* Profile process pid (a tgid) and open its files for symbolization; 0, -ENOSPC, -ENOMEM. */
int record__add_target(struct record *r, pid_t pid);
/*
 * Profile pid (before record__attach, which opens the events of its threads) without opening
 * its files yet: a command stopped before its exec.
 */
int record__filter_pid(struct record *r, pid_t pid);
int record__attach(struct record *r, struct flame_err *err);
/*
 * What the types recorded listen to, for the summary: "cpu-clock event at 99 Hz on 2 CPUs".
 * The first type's, or "" before attach.
 */
const char *record__describe(const struct record *r, char *buf, size_t size);
/* Source i's summary line ("" when it has none), or NULL past the last source. */
const char *record__summary(const struct record *r, size_t i, char *buf, size_t size);
/*
 * "python: ..." into buf: the CPython processes, their stacks with Python frames and the
 * walker's cost (record_python.c); false (buf unset) when the recording saw none.
 */
bool record__python_line(const struct record *r, char *buf, size_t size);

/*
 * --duty-cycle: when the uprobes are next due to be detached or attached again (CLOCK_MONOTONIC),
 * so that the loop ticks then; UINT64_MAX without one.
 */
uint64_t record__duty_next_ns(const struct record *r);
/*
 * --duty-cycle: "duty cycle 10%: values scaled by 9.85 (attached 10.2% of the time: ...)",
 * after record__finish; NULL without one.
 */
const char *record__duty_summary(const struct record *r, char *buf, size_t size);
/* The same in short, for an SVG's subtitle: "--duty-cycle 10: values scaled by 9.85 (...)". */
const char *record__duty_note(const struct record *r, char *buf, size_t size);

/*
 * Wait up to timeout_ns for stack samples and exec events, and take them in as they come: the
 * first sample of a new process then has its files opened while the process most likely still
 * runs. Unwinding stops after RECORD_TURN_NS even when more samples wait (they stay in the
 * ring for the next turn), so the caller keeps control at any sample rate. The number of
 * records taken, or a negative errno.
 */
#define RECORD_TURN_NS 100000000ULL
int record__wait(struct record *r, uint64_t timeout_ns);
/*
 * Move the samples gathered so far from the kernel maps into user space. The stack copies
 * waiting are unwound for at most a bounded time: when that is not enough the drain is put
 * off (1: call again at the next tick), at most for two seconds, after which what is left is
 * dropped and counted, so a drain never takes long whatever the sample rate. 0, 1 or a
 * negative errno.
 */
int record__drain(struct record *r);
/*
 * One tick of the loop: refresh the counters, handle the execs that settled, and drain when
 * RECORD_DRAIN_INTERVAL_NS has passed since the last drain (the engine's one clock for it).
 * 0 or a negative errno.
 */
#define RECORD_DRAIN_INTERVAL_NS 1000000000ULL
int record__tick(struct record *r);
/* Refresh the cheap counters (samples, lost) for a status line. */
void record__poll_stats(struct record *r);
/*
 * Snapshot the processes that exec'd long enough ago (after a drain, so the old image's
 * stacks are symbolized first). 0 or a negative errno.
 */
int record__handle_execs(struct record *r);
const struct record_stats *record__stats(const struct record *r);
/* The binaries the samples went through and what they need, in order of first sight. */
size_t record__unwind_choices(const struct record *r, const struct record_unwind_choice **out);
/* "fp", "dwarf" or "auto". */
const char *record__unwind_name(int mode);

/*
 * Stop recording, drain, symbolize and build the profile: every type's sample types (cpu:
 * samples/count and cpu/nanoseconds), labels pid, tid, comm (the thread's name), process (the
 * process's) and the type's own; kernel frames leaf first, then user frames.
 * *out is owned by the caller. Call once.
 */
int record__finish(struct record *r, struct profile **out, struct flame_err *err);

#endif /* SINGE_CLI_RECORD_H */
