/* SPDX-License-Identifier: MIT */
/*
 * Profile types as sources of the recording engine, in the spirit of perf's struct perf_tool
 * and libbpf-tools' triplets: a type is bpf/T.bpf.c (its programs, including
 * bpf/common.bpf.h) + bpf/T.h (its kernel <-> user ABI) + cli/record_T.c (its struct
 * source_ops), and one row in record_sources[] (cli/record_sources.c). The engine
 * (cli/record.c) does everything else: targets, process tracking and images, the shared BPF
 * maps, stack copies and their unwinding, the stack table, symbolization, the record loop,
 * losses, and the profile.
 *
 * How the engine drives a source, in order:
 *   new      allocate; read the options (record__opts())
 *   open     open the skeleton, size the type's own maps, set its rodata: the shared part with
 *            record__bpf_setup(); set s->obj and, if its programs take stack ids, s->stacks
 *   load     load the skeleton (the engine has made its shared maps the recording's)
 *   attach   start its events (perf events, tracepoints)
 *   image    (optional) a process's image was read, at the start or when the process was
 *            first seen or exec'd: attach what it needs per binary (uprobes, USDT) with
 *            record__attach_uprobe(), which attaches each (program, file, offset, pid) once
 *   flip     (optional) point its programs at the other buffer of its in-kernel aggregation
 *   drain    (optional) read its in-kernel aggregation: record__add_stack() per entry; the
 *            buffer flipped away from, or every buffer at the end (all), when nothing writes
 *   pause    (optional, --duty-cycle) the engine detaches every uprobe right after, at the
 *            time given: stop taking events (a flag the programs read); what is in progress
 *            ends then, as its end will not be seen
 *   resume   (optional, --duty-cycle) every uprobe is back: take events again
 *   finish   (optional) at the end, before detach: what is still in progress (a block, a
 *            parked goroutine) counts up to now
 *   detach   stop its events
 *   annotate (optional) the profile's comments and period from this type
 *   free
 * Stack copies its programs send (common.bpf.h send_stack_copy()) need no code here: the
 * engine unwinds them and adds their values and label to the type's columns.
 *
 * Values: a type has nvalues sample types; the profile holds every recorded type's, in -t
 * order, so one file carries them all and the readers pick one with --sample-type.
 * Labels: every sample has pid, tid, comm (the thread's) and process; a type may add one of
 * its own, from the 32-bit label value its samples carry (label_key, and label_str()).
 */
#ifndef SINGE_CLI_SOURCE_H
#define SINGE_CLI_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bpf_map;
struct bpf_object;
struct flame_err;
struct bpf_program;
struct proc_image;
struct profile;
struct record;
struct record_opts;
struct singe_config;
struct stack_key;

/* One of a type's own labels (its labels op): a string, or a number when str is NULL. */
struct source_label {
	const char *key, *str;
	int64_t num;
};

/* Labels of its own a type may give a sample (goroutine: goid and wait_reason; pause: runtime,
 * reason, gc_generation or gc_cycle). */
#define SOURCE_MAX_LABELS 3

struct source_sample_type {
	const char *type, *unit; /* pprof's ValueType: "cpu", "nanoseconds" */
};

/* The stack maps of a type that aggregates stack ids in the kernel: [buffer]. */
struct source_stack_maps {
	struct bpf_map *main[2], *overflow[2];
};

struct source {
	const struct source_ops *ops;
	struct record *r;
	unsigned int index;	  /* its type tag in stack copies (struct stack_sample.source) */
	unsigned int first_value; /* its first column in the stack table and the profile */
	struct bpf_object *obj;	  /* set by open */
	struct source_stack_maps maps; /* set by open when its programs take stack ids */
};

struct source_ops {
	const char *name;  /* -t NAME */
	const char *about; /* one line for --help */
	unsigned int nvalues;
	const struct source_sample_type *types; /* nvalues of them; the first is the default */
	const char *label_key;			/* its own label's name, or NULL */
	/*
	 * --duty-cycle may detach and re-attach it: every event it has comes through uprobes
	 * attached with record__attach_uprobe*(), which the engine detaches and attaches again
	 * by its schedule; its values are scaled by elapsed / attached time
	 */
	bool duty_cycle;

	/* fill the options it sizes itself from that were left at 0 */
	void (*resolve)(struct record_opts *opts);
	struct source *(*new)(struct record *r);
	int (*open)(struct source *s, struct flame_err *err);
	int (*load)(struct source *s);
	int (*attach)(struct source *s, struct flame_err *err);
	int (*image)(struct source *s, uint32_t tgid, const struct proc_image *img);
	void (*flip)(struct source *s);
	int (*drain)(struct source *s, bool all);
	/* at: CLOCK_MONOTONIC of the detach, or of the attach again */
	int (*pause)(struct source *s, uint64_t at);
	int (*resume)(struct source *s, uint64_t at);
	int (*finish)(struct source *s);
	void (*detach)(struct source *s);
	int (*annotate)(struct source *s, struct profile *p);
	/* what it listens to, for the summary: "cpu-clock event at 99 Hz on 2 CPUs" */
	const char *(*describe)(struct source *s, char *buf, size_t size);
	/* (optional) one line for the summary at the end: what it saw and cost */
	const char *(*summary)(struct source *s, char *buf, size_t size);
	/* the label's string for a value, or NULL for a number label */
	const char *(*label_str)(uint32_t value);
	/*
	 * (optional, instead of label_key and label_str) its labels for a label value, into out
	 * (SOURCE_MAX_LABELS at most): their number, or a negative errno
	 */
	int (*labels)(struct source *s, uint32_t value, struct source_label *out);
	/* samples its programs saw, and lost in the kernel before any stack (a full map) */
	void (*poll)(struct source *s, uint64_t *samples, uint64_t *lost);
	/*
	 * (optional) after the recording, draw its events on a time axis: an SVG at path
	 * (--timeline), written whole or not at all. 0, or a negative errno with err set.
	 */
	int (*timeline)(struct source *s, const char *path, struct flame_err *err);
	/* CLOCK_MONOTONIC of its first sample, 0 if none yet (optional) */
	uint64_t (*first_sample)(struct source *s);
	void (*free)(struct source *s);
};

/* The table: every type that can be recorded, NULL-terminated (cli/record_sources.c). */
extern const struct source_ops *const record_sources[];
/* The row named name, or NULL. */
const struct source_ops *record_source__find(const char *name);

/* --- what the engine offers a source --------------------------------------------------- */

const struct record_opts *record__opts(const struct record *r);
/* The rodata every object shares (common.h struct singe_config), for this source. */
void record__bpf_setup(const struct record *r, const struct source *s, struct singe_config *out);
/* The BPF scratch entries (one per possible CPU) stack copies need, or 1 when none are made. */
unsigned int record__scratch_entries(const struct record *r);
/* Possible CPUs (per-CPU map values), and a scratch array of that many u64s. */
int record__nr_possible(const struct record *r);
uint64_t *record__percpu(struct record *r);
/* The smallest power-of-two multiple of min at or above want, at most max. */
unsigned int record_auto_size(unsigned long want, unsigned int min, unsigned int max);
/* Recording targets: with -a none (every process); -p and -- CMD: their tgids. */
size_t record__targets(const struct record *r, const int **pids);

/*
 * Add a stack to the type's columns: k's addresses (kernel then user, leaf first), values
 * (the type's nvalues), its label value (0: none). The engine looks at a new stack's process
 * and binaries first. fp_walk: the user part is a kernel frame-pointer walk (--unwind auto
 * checks it). leaf_ret: the word at the user stack pointer (0: none), for a frameless leaf's
 * caller (see common.bpf.h leaf_return()). k->addrs must have room for one more frame.
 * 0 or a negative errno.
 */
int record__add_stack(struct record *r, const struct source *s, struct stack_key *k,
		      const int64_t *values, uint32_t label, bool fp_walk, uint64_t leaf_ret);
/*
 * The same, for a stack whose values come later (values may be NULL: zeros now): its row in
 * the stack table, which lasts the whole recording, or a negative errno. A type whose events
 * span drains -- a block from switch-out to switch-in, a goroutine parked for a minute, an
 * allocation until its free -- takes the stack when the event starts (its stack ids die at the
 * next drain) and adds the values to the row when it ends, with record__add_to_row().
 */
int64_t record__add_stack_row(struct record *r, const struct source *s, struct stack_key *k,
			      const int64_t *values, uint32_t label, bool fp_walk,
			      uint64_t leaf_ret);
/* Add values (the type's nvalues) to row idx, which must be the source's. 0 or -EINVAL. */
int record__add_to_row(struct record *r, const struct source *s, int64_t idx,
		       const int64_t *values);
/*
 * Read stack id of buffer buf of the source's stack maps into frames (max_depth of them):
 * the number of frames, 0 for a missing stack.
 */
unsigned int record__read_stack(struct record *r, const struct source *s, int buf, int32_t id,
				uint64_t *frames);
/*
 * Unwind a user stack copy the source reads from a ring of its own (a struct stack_sample and
 * its stack, as common.bpf.h builds them): the user frames, leaf first, into user (room for
 * max_depth + 1). For a type that aggregates in the kernel by copy (offcpu: one copy per place
 * a thread blocks at, many blocks each). The number of frames, or a negative errno
 * (-EOPNOTSUPP with --unwind fp).
 */
int record__unwind_user(struct record *r, const void *data, size_t size, uint64_t *user);
/* Empty a stack-trace map (ids are bucket indexes, so deleting while walking is safe). */
void record__clear_stack_map(const struct bpf_map *map);
/*
 * Attach prog as a uprobe at offset of the file at path, for process pid (its threads; -1:
 * every process running the file, with -a), once: the same (program, file, offset, pid) again
 * returns 0 at once. The engine keeps the link and detaches it with the source. While
 * --duty-cycle has the uprobes detached, it is kept and goes in with the others. 0, or a
 * negative errno with err set (a one-line message naming the file).
 */
int record__attach_uprobe(struct record *r, struct bpf_program *prog, const char *path,
			  uint64_t offset, int pid, struct flame_err *err);
/* The same, with a cookie its program reads with bpf_get_attach_cookie(). */
int record__attach_uprobe_cookie(struct record *r, struct bpf_program *prog, const char *path,
				 uint64_t offset, int pid, uint64_t cookie, struct flame_err *err);
/* Nanoseconds recorded so far (to the stop, once stopped). */
uint64_t record__elapsed_ns(const struct record *r);
/*
 * Nanoseconds the uprobes were attached so far: the elapsed time, or with --duty-cycle its
 * attached part (measured).
 */
uint64_t record__attached_ns(const struct record *r);
/* Uprobes attached so far, over every source (with --duty-cycle, detached or not). */
size_t record__nr_uprobes(const struct record *r);
/* Sum a per-CPU counter of map at index key (0 when unreadable). */
uint64_t record__read_percpu(struct record *r, const struct bpf_map *map, uint32_t key);

#endif /* SINGE_CLI_SOURCE_H */
