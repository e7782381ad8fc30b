/* SPDX-License-Identifier: MIT */
/*
 * Messages to the user. Only cli/ prints. Errors are one line, lowercase, subject first and
 * the fix last: "singe: 'x.pb.gz': pprof: truncated gzip stream; is the file complete?".
 */
#ifndef SINGE_CLI_LOG_H
#define SINGE_CLI_LOG_H

#include <stdbool.h>

/* Exit codes shared by every command. */
enum {
	EXIT_OK = 0,
	EXIT_REGRESSION = 1,
	EXIT_ERROR = 2,
};

extern int log_verbosity; /* -q: -1, default 0, -v: 1 */

void pr_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* SINGE_CLI_LOG_H */
