/* SPDX-License-Identifier: MIT */
/*
 * Reading profiles from files or stdin, whatever their format: pprof (gzip or raw),
 * folded stacks, or `perf script` text, told apart by their content, not their name.
 */
#ifndef SINGE_CLI_INPUT_H
#define SINGE_CLI_INPUT_H

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
/* Tell the format of buf from its first bytes. */
enum input_format input__detect(const char *buf, size_t len);

/*
 * Read path ("-" for stdin) and parse it into a new profile (*out, owned by the caller).
 * 0 or a negative errno with a one-line message in err that names the file.
 */
int input__load(const char *path, struct profile **out, struct flame_err *err);
/* Load every path and merge them into one profile (sample types must agree). */
int input__load_merged(char *const *paths, int npaths, struct profile **out, struct flame_err *err);

#endif /* SINGE_CLI_INPUT_H */
