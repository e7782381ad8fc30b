/* SPDX-License-Identifier: MIT */
#ifndef SINGE_CLI_UTIL_H
#define SINGE_CLI_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Parse a whole decimal integer in [min, max]; 0 or -EINVAL / -ERANGE. */
int parse_long_range(const char *s, long min, long max, long *out);
/* Parse a whole non-negative decimal number (fraction allowed) in [min, max]. */
int parse_double_range(const char *s, double min, double max, double *out);

#endif /* SINGE_CLI_UTIL_H */
