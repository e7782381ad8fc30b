/* SPDX-License-Identifier: MIT */
/*
 * The writers of a profile comparison (diff.h): a terminal table, a Markdown PR comment and
 * JSON ("schema": "singe.diff/1", documented in docs/DIFF.md, section "JSON schema").
 *
 * Every writer starts with the verdict, states the method, the normalization and the
 * thresholds, then lists regressions, improvements and shifts (top rows of each), and the
 * quality counters of both sides. Function names are untrusted: the text writer shows control
 * characters as '?', the Markdown writer puts names in code spans with | escaped, the JSON
 * writer escapes strings fully (report.h helpers).
 *
 * Output is deterministic: the same struct diff gives the same bytes.
 * Each returns 0, or -EIO when writing failed.
 */
#ifndef SINGE_FLAME_DIFF_REPORT_H
#define SINGE_FLAME_DIFF_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "diff.h"

#define DIFF_REPORT_SCHEMA "singe.diff/1"

/* top: rows per section (regressions, improvements, shifts, other changes); 0 = all. */
int diff_report__text(const struct diff *d, size_t top, FILE *out);
int diff_report__markdown(const struct diff *d, size_t top, FILE *out);
/*
 * JSON: every row whose verdict is not "unchanged", then the top unchanged function rows
 * and the top stacks by |delta_pp| (top each; 0 = all).
 */
int diff_report__json(const struct diff *d, size_t top, FILE *out);

/*
 * The one-line warning of a weak verdict (diff.weak: "ok", but a change of opts.detect_pct in
 * the largest function would likely have been missed), ending in a newline and saying what
 * it would need; nothing when the verdict is not weak.
 */
int diff_report__weak(const struct diff *d, FILE *out);

/* The names the JSON schema uses: "self", "inclusive", "stack" (verdicts: diff_verdict__name()). */
const char *diff_report__scope_name(enum diff_scope scope);

#endif /* SINGE_FLAME_DIFF_REPORT_H */
