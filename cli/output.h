/* SPDX-License-Identifier: MIT */
/*
 * Writing profiles. The format follows the file name: .pb.gz/.pprof → gzipped pprof, .pb →
 * raw pprof, .folded/.txt → folded stacks, .svg → flame graph. Files are written to a
 * temporary name beside the target and renamed into place, so a failure never leaves a
 * partial file behind.
 */
#ifndef SINGE_CLI_OUTPUT_H
#define SINGE_CLI_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "roots.h"
#include "svg.h"

struct profile;
struct flame_err;

enum output_format {
	OUTPUT_UNKNOWN = 0,
	OUTPUT_PPROF_GZ,
	OUTPUT_PPROF_RAW,
	OUTPUT_FOLDED,
	OUTPUT_SVG,
};

/* The format a path's extension asks for ("-" has none: the caller picks). */
enum output_format output__format(const char *path);

struct output {
	char *path; /* the final name, or NULL for stdout */
	char *tmp;  /* the temporary file, renamed to path by output__commit() */
	FILE *f;
};

/* Open path ("-" = stdout) for writing through a temporary file; 0 or -errno. */
int output__open(struct output *o, const char *path);
/* Flush, check for write errors, and rename into place; 0 or -errno (file removed). */
int output__commit(struct output *o);
/*
 * Commit n outputs together: each is flushed and closed first, and only when all of them
 * were written are they renamed into place; otherwise every one is removed. 0 or -errno,
 * with *failed the index of the output that failed.
 */
int output__commit_all(struct output *o, size_t n, size_t *failed);
/* -EEXIST when path is an existing file that is also one of the inputs (the same inode). */
int output__check_not_input(const char *path, char *const *inputs, int ninputs);
/* Remove the temporary file; safe to call after commit or on a zeroed struct. */
void output__abort(struct output *o);
/*
 * Remove the temporary files of the outputs still open, then die of sig with its default
 * action: the handler of a signal that ends the program. Async-signal-safe.
 */
void output__fatal_signal(int sig);
/* Make SIGINT, SIGTERM and SIGHUP call output__fatal_signal() (a command may override). */
void output__remove_temps_on_signals(void);
/* Check up front that path can be created (directory exists and is writable); 0 or -errno. */
int output__check_writable(const char *path);

/* What to render, for the formats that show one value column. */
struct write_opts {
	const char *sample_type; /* NULL: the profile's default (folded: its counts) */
	struct svg_opts svg;
	/*
	 * Folded and SVG output of a profile of several processes get a root frame per process
	 * (roots.h; zero, the default, is by comm). pprof output keeps the labels instead.
	 */
	enum process_roots roots;
};

/* The help text of --process-roots, shared by the commands that take it. */
#define PROCESS_ROOTS_HELP                                                                         \
	"      --process-roots M  folded/SVG of several processes: a root frame per process,\n"    \
	"                         M = comm (default), comm-pid, or none to merge them\n"
#define PROCESS_ROOTS_ERROR "--process-roots '%s': expected comm, comm-pid or none"

/* Encode p as pprof (gzipped or raw) into an open file; 0 or a negative errno with err set. */
int output__write_pprof(FILE *f, const struct profile *p, bool gzip, struct flame_err *err);

/* 0 if the profile has the sample type name (NULL: its default), else -EINVAL and err. */
int output__check_sample_type(const struct profile *p, const char *name, struct flame_err *err);
/* Write p to an open output in format fmt; 0, or a negative errno with err naming the file. */
int output__write_to(struct output *o, enum output_format fmt, const struct profile *p,
		     const struct write_opts *opts, struct flame_err *err);
/*
 * Write p to every path, in the format each name asks for, all or none (see
 * output__commit_all()); 0, or a negative errno with a one-line message in err.
 */
int output__write_profiles(const char *const *paths, size_t n, const struct profile *p,
			   const struct write_opts *opts, struct flame_err *err);

/*
 * Write p to path in the format its extension names (fmt overrides when not UNKNOWN).
 * 0, or a negative errno with a one-line message in err.
 */
int output__write_profile(const char *path, enum output_format fmt, const struct profile *p,
			  const struct write_opts *opts, struct flame_err *err);

#endif /* SINGE_CLI_OUTPUT_H */
