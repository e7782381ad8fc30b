// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

int log_verbosity;

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

#define DEFINE_LOG(name, prefix, min_level)                                                        \
	void name(const char *fmt, ...)                                                            \
	{                                                                                          \
		va_list ap;                                                                        \
		if (log_verbosity < (min_level))                                                   \
			return;                                                                    \
		va_start(ap, fmt);                                                                 \
		vlog(prefix, fmt, ap);                                                             \
		va_end(ap);                                                                        \
	}

DEFINE_LOG(pr_err, "singe: ", -1)
DEFINE_LOG(pr_warn, "singe: warning: ", 0)
DEFINE_LOG(pr_info, "singe: ", 0)
DEFINE_LOG(pr_debug, "singe: debug: ", 1)
