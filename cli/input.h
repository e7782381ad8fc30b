/* SPDX-License-Identifier: MIT */
/*
 * Reading profiles from files or stdin, whatever their format: pprof (gzip or raw),
 * folded stacks, or `perf script` text, told apart by their content, not their name.
 */
#ifndef SINGE_CLI_INPUT_H
#define SINGE_CLI_INPUT_H

#include <stdbool.h>
#include <stddef.h>

struct profile;
struct flame_err;

enum input_format {
	INPUT_UNKNOWN = 0,
	INPUT_PPROF,
	INPUT_FOLDED,
	INPUT_PERF_SCRIPT,
};

const char *input_format__name(enum input_format f);
/*
 * Tell the format of buf from its first bytes; complete is false when buf is only the start
 * of the input (its last line may be cut).
 */
enum input_format input__detect(const char *buf, size_t len, bool complete);
/* Parse a size: bytes, or with a K, M or G suffix; 0, -EINVAL or -ERANGE. */
int input__parse_size(const char *s, size_t *out);
/* The input budget in bytes (SINGE_MAX_INPUT, else 1 GiB); -EINVAL when the variable is bad. */
int input__limit(size_t *out);

/*
 * Read path ("-" for stdin) and parse it into a new profile (*out, owned by the caller).
 * 0 or a negative errno with a one-line message in err that names the file.
 */
int input__load(const char *path, struct profile **out, struct flame_err *err);
/* -EINVAL with a message when "-" (stdin, readable once) is among paths more than once. */
int input__check_stdin_once(char *const *paths, int npaths, struct flame_err *err);
/* Load every path and merge them into one profile (sample types must agree). */
int input__load_merged(char *const *paths, int npaths, struct profile **out, struct flame_err *err);
/*
 * --sample-type wall on a recording of -t cpu,offcpu: add its wall-clock view (the sample type
 * "wall", profile__add_wall()). 0 when sample_type is not "wall" or when it was added; a
 * negative errno with a one-line message in err when p has no cpu and offcpu nanoseconds.
 */
int input__add_wall_view(struct profile *p, const char *sample_type, struct flame_err *err);

#endif /* SINGE_CLI_INPUT_H */
