/* SPDX-License-Identifier: MIT */
/*
 * Process roots: a frame at the root of every stack naming the process it came from, as
 * stackcollapse-perf puts the process name first. A recording of several processes (-a,
 * -p PID,PID, a command and its children) would otherwise merge every process's stacks in
 * folded and SVG output: main;work from two programs would become one frame. pprof output
 * keeps its pid/tid/comm labels instead and gets no such frame.
 */
#ifndef SINGE_FLAME_ROOTS_H
#define SINGE_FLAME_ROOTS_H

#include <stdbool.h>

#include "profile.h"

enum process_roots {
	PROCESS_ROOTS_COMM = 0, /* "nginx" (the default: processes of one name together) */
	PROCESS_ROOTS_COMM_PID, /* "nginx-1234" (each process apart, as stackcollapse-perf --pid) */
	PROCESS_ROOTS_NONE,	/* no root frame: every process's stacks merged */
};

/* Parse "comm", "comm-pid" or "none"; 0 or -EINVAL. */
int process_roots__parse(const char *s, enum process_roots *out);

/*
 * Does p hold samples of more than one process? By the "pid" labels when samples carry them,
 * else by the "comm" labels (perf script's default output shows the tid, not the pid).
 */
bool profile__has_several_processes(const struct profile *p);

/*
 * Give every sample of p a root frame (its last location) naming its process: the "comm"
 * label, with "-PID" for PROCESS_ROOTS_COMM_PID when the sample has a "pid" label; a sample
 * without a comm label is named "[pid PID]", or "[unknown]" without either. The frames are
 * functions without a mapping. PROCESS_ROOTS_NONE changes nothing. 0, -ENOMEM or -E2BIG.
 */
int profile__add_process_roots(struct profile *p, enum process_roots mode);

/*
 * Label frames: a leaf frame "[VALUE]" above every sample that has the string label key, so
 * that folded and SVG output tell stacks apart by it (goroutine profiles: the wait_reason,
 * "[chan receive]" above runtime.gopark). Frames without a mapping, like the roots. Samples
 * without the label are left alone. 0, -ENOMEM or -E2BIG.
 */
int profile__add_label_leaves(struct profile *p, const char *key);
/* Does any sample of p have the string label key? */
bool profile__has_label(const struct profile *p, const char *key);

#endif /* SINGE_FLAME_ROOTS_H */
