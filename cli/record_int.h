/* SPDX-License-Identifier: MIT */
/*
 * Inside the recording engine: the session shared by cli/record.c (the session, its loop and
 * the profile) and cli/record_unwind.c (stack copies). Sources see cli/source.h only.
 */
#ifndef SINGE_CLI_RECORD_INT_H
#define SINGE_CLI_RECORD_INT_H

#include <linux/types.h>

#include "common.h"
#include "duty_cycle.h"
#include "profile.h"
#include "record.h"
#include "record_procs.h"
#include "record_stacks.h"
#include "source.h"

/* The maps every type's programs share (bpf/common.bpf.h), in the first type's object. */
struct shared_maps {
	struct bpf_map *targets, *exec_gens, *comms, *thread_comms, *events, *samples, *unwind_pids,
		*common_stats, *go_procs, *py_procs;
};

struct go_binary;
struct record_python;

/*
 * A uprobe attached for a source: each (program, file, offset, pid) once. What it was attached
 * with is kept, so that --duty-cycle can detach every uprobe and attach them again.
 */
struct uprobe_link {
	struct bpf_program *prog;
	char *path; /* as the source named it (/proc/PID/exe for -p) */
	uint64_t dev, ino, offset, cookie;
	int pid;
	bool retprobe;	       /* a uretprobe (C code only: see record__attach_uretprobe) */
	bool gone;	       /* could not be attached again: its process or file went */
	struct bpf_link *link; /* NULL while detached */
};

/* A recorded JVM (maps libjvm.so): record_jvm.c asks it for its perf map. */
struct record_jvm {
	uint32_t tgid;
	uint64_t next_ns, interval_ns; /* when to ask next, and the interval after that */
	unsigned int requests, maps;   /* perf maps asked for, and written and read */
	int err;		       /* why the last request failed, 0 if it did not */
	bool failed;		       /* not asked again: one failure is enough */
	bool gone;		       /* it exited */
	char msg[160];		       /* the JVM's answer to a refused command */
};

struct record {
	struct record_opts opts;
	struct bpf_object *owner; /* the first type's object: process tracking, shared maps */
	struct shared_maps maps;
	struct bpf_link *fork_link, *exit_link, *exec_link;
	VEC(struct source *) sources;
	unsigned int nvalues; /* columns of the stack table: every source's values */
	int nr_possible;
	uint64_t *percpu; /* scratch for per-CPU values */
	uint64_t *frames; /* scratch for one stack (max_depth) */

	struct profile *profile;
	struct symbolizer *sym;
	struct stack_table *stacks; /* every distinct stack, with every source's values */
	struct proc_table *procs;
	struct mmap_events *mmaps; /* the kernel's word on every executable mapping made */
	VEC(int) targets;	   /* -p and -- CMD: the processes recorded */

	struct ring_buffer *events;  /* exec and fork events */
	struct ring_buffer *samples; /* stack copies (dwarf, auto); NULL with fp */
	struct unwinder *unwinder;   /* NULL with --unwind fp */
	const char *dump_dir;	     /* $SINGE_UNWIND_DUMP: save stack samples for tests */
	unsigned int dumped;
	VEC(struct record_unwind_choice) choices;
	VEC(struct singe_proc_event) execs; /* received, not yet handled */
	VEC(struct go_binary) go_binaries;  /* record_go.c's cache, by device and inode */
	VEC(struct uprobe_link) uprobes;    /* every source's, attached once each */
	VEC(struct record_jvm) jvms;
	uint64_t jvm_attach_ns; /* time the perf map requests took (the JVMs' and singe's) */
	int64_t jvm_cut_loc;	/* JVM_CUT_NAME's location, 0 until a stack needs it */

	struct record_python *python; /* record_python.c's state, NULL until a CPython */
	struct record_stats stats;
	/* --duty-cycle: the schedule, and whether the uprobes are detached now */
	struct duty_cycle duty;
	bool duty_on;
	bool uprobes_detached;
	uint64_t reattach_gone;	      /* uprobes left out: their process or file went */
	uint64_t reattach_failed;     /* attaches again that failed otherwise (tried again later) */
	int reattach_errno;	      /* the first of those failures' errno */
	uint64_t detach_ns, detaches; /* time the detaches took (the traps go on meanwhile) */
	int64_t time_nanos;
	uint64_t start_ns, stop_ns;
	uint64_t last_drain_ns; /* CLOCK_MONOTONIC of the last drain */
	uint64_t turn_end_ns;	/* stack copies are unwound until then in this turn */
	bool turn_over;		/* the last turn ended with stack copies left in the ring */
	bool dropping;		/* drop the stack copies left: their turn is over */
	bool finished;
};

/* record.c */
int record__see(struct record *r, uint32_t tgid, uint32_t gen);
bool record__is_stack_root(struct record *r, uint32_t tgid, uint64_t addr);
struct source *record__source(struct record *r, uint32_t index);
int64_t record__add_row(struct record *r, const struct stack_key *k, const int64_t *row,
			bool fp_walk);

/* record.c: every source's uprobes out (their links destroyed, what they were kept), and in */
void record__detach_uprobes(struct record *r);
void record__reattach_uprobes(struct record *r);

/* record_duty.c: --duty-cycle's glue (schedule, transitions, scale, comment) */
int record_duty__start(struct record *r);
int record_duty__step(struct record *r);
void record_duty__stop(struct record *r);
/* Row values, the duty-cycled sources' columns scaled: in itself, or scaled (nvalues). */
const int64_t *record_duty__scale_row(const struct record *r, const int64_t *in, int64_t *scaled);
int record_duty__annotate(struct record *r);

/* record_unwind.c: --unwind auto's decisions, and the stack copies */
void record__use_dwarf(struct record *r, struct proc *p);
void record__decide_unwind(struct record *r, struct proc *p, __u8 method);
int record__check_stack_binaries(struct record *r, const struct stack_key *k, bool fp_walk);
int record__keep_leaf_caller(struct record *r, struct stack_key *k, uint64_t ret);
void record__count_walk(struct record *r, const struct stack_key *k, uint64_t count);
int record__take_stack_copy(struct record *r, void *data, size_t size);
int record__unwind_image(struct record *r, struct proc *p, const struct proc_image *img,
			 enum snapshot_kind kind);

/* record_go.c: Go processes' goroutine stacks, for stack copies */
int record__go_image(struct record *r, struct proc *p, const struct proc_image *img);
void record__go_forget(struct record *r, struct proc *p);

/* record_jvm.c: JVMs' perf maps (Compiler.perfmap through the attach mechanism) */
int record__jvm_image(struct record *r, uint32_t tgid, const struct proc_image *img);
int record__jvm_tick(struct record *r);
void record__jvm_finish(struct record *r);
int record__jvm_annotate(struct record *r);
/* The JVM_CUT_NAME frame's location when k is a JVM's stack cut in JIT code, else 0; -errno. */
int64_t record__jvm_cut_root(struct record *r, const struct stack_key *k);
#define JVM_CUT_NAME "[truncated in JIT code]"

/* record.c: a frame of its own named what (no address): its location id or -errno */
int64_t record__pseudo_location(struct profile *p, const char *what);

/*
 * record_python.c: CPython processes' Python frames, in place of the eval loop's. A stack
 * value with PY_FRAME_TAG (no user or kernel address has it) is a Python frame.
 */
#define PY_FRAME_TAG (1ULL << 62)
int record__python_image(struct record *r, struct proc *p, const struct proc_image *img);
void record__python_forget(struct record *r, struct proc *p);
/* Merge h's Python frames into the n unwound user frames (max at most); the new count. */
int record__python_merge(struct record *r, const struct stack_sample *h, const void *data,
			 uint64_t *user, int n, int max);
/* The location of a tagged Python frame, or a negative errno. */
int64_t record__python_location(struct record *r, uint64_t value);
void record__python_free(struct record *r);

#endif /* SINGE_CLI_RECORD_INT_H */
