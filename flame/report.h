/* SPDX-License-Identifier: MIT */
/*
 * `singe report`: the top functions of a profile by self ("flat") and inclusive ("cum")
 * value, per sample type, like `go tool pprof -top`, with the profile's quality counters.
 *
 * Names are the call tree's (tree.h), so they match the SVG flame graph: inlined frames and
 * unsymbolized addresses ("libc.so.6+0x1234") are named as the SVG names them. A function's
 * cum value counts each sample once even when the function recurses (as pprof does).
 *
 * The text helpers at the end (value formatting, JSON strings, Markdown table cells) are
 * shared with the diff writers (diff_report.h). Nothing here prints to the terminal on its
 * own: the writers take a FILE.
 */
#ifndef SINGE_FLAME_REPORT_H
#define SINGE_FLAME_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "profile.h"

enum report_format {
	REPORT_TEXT = 0, /* a terminal table, as go tool pprof -top */
	REPORT_MARKDOWN, /* GitHub-flavoured Markdown tables */
	REPORT_JSON,	 /* "schema": "singe.report/1" */
};

/* Parse "text", "markdown" (or "md") or "json"; 0 or -EINVAL. */
int report_format__parse(const char *s, enum report_format *out);

struct report_opts {
	const char *sample_type; /* NULL: every sample type, in the profile's order */
	size_t top;		 /* rows per table (10); 0 = every function */
	enum report_format format;
};

void report_opts__init(struct report_opts *o);

/* One function of the report. */
struct report_row {
	const char *name; /* points into the tree or profile: valid while they live */
	size_t name_len;
	int64_t flat, cum;
};

/* The functions of one sample type, computed from a profile. */
struct report_table {
	size_t vi;		 /* the sample type's index */
	int64_t total;		 /* sum of the column over every sample */
	struct report_row *rows; /* every function, by flat descending (ties: cum, name) */
	size_t nrows;
	struct tree *tree; /* keeps the names alive */
};

/*
 * Compute the functions of sample type vi of p (a valid profile). 0, -EINVAL for a column out
 * of range, -ENOMEM. Release with report_table__release().
 */
int report_table__compute(const struct profile *p, size_t vi, struct report_table *t);
void report_table__release(struct report_table *t);

/*
 * Write the report of p. 0, -EINVAL with a message in err (no such sample type, no sample
 * types), -ENOMEM, or -EIO when writing failed.
 */
int report__write(const struct profile *p, const struct report_opts *opts, FILE *out,
		  struct flame_err *err);

/* --- text helpers shared with the diff writers ----------------------------------------- */

/*
 * A value in its unit, short and human: nanoseconds as "1.25s", "12.3ms", "850us", "40ns";
 * bytes as "4.50MiB", "12.0KiB", "512B"; anything else as a plain integer ("1234").
 * Writes at most cap bytes (NUL included) to buf and returns buf.
 */
char *report__format_value(char *buf, size_t cap, double v, const char *unit);
/* The same for a whole value: time and byte units scaled, any other shown exactly. */
char *report__format_int(char *buf, size_t cap, int64_t v, const char *unit);

/*
 * Write s as a JSON string literal, quotes included: invalid UTF-8 and control characters
 * other than TAB, LF and CR become U+FFFD (as in the SVG), " and \ and control characters
 * are escaped, and so are < > & U+2028 U+2029 (\u003c...) so the JSON is safe inside HTML.
 */
void report__json_string(FILE *out, const char *s, size_t len);

/*
 * Write s as a Markdown table cell holding a code span: sanitized like the JSON, TAB/LF/CR
 * turned into spaces, | escaped as \|, and a backtick fence longer than any backtick run in
 * s (so no name can end the span, start HTML or mention anyone).
 */
void report__md_code_cell(FILE *out, const char *s, size_t len);

/*
 * Write s for a terminal, on one line: sanitized like the JSON, and every control character
 * (TAB, LF, ESC, C1 controls) shown as '?', so a name can neither break a table row nor send
 * escape sequences to the terminal.
 */
void report__text_name(FILE *out, const char *s, size_t len);

/* The quality counters as text: "lost 0, truncated 3, unknown frames 2, bad lines 0". */
void report__quality_text(FILE *out, const struct profile_quality *q);

#endif /* SINGE_FLAME_REPORT_H */
