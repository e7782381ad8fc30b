/* SPDX-License-Identifier: MIT */
/*
 * Profile comparison: BASE runs against HEAD runs, per function (self and inclusive) and per
 * stack, with a verdict CI can gate on.
 *
 * Unit of comparison: the value of the chosen sample type, per run, normalized (share of the
 * run's total by default). Function names are the flame graph's (tree.h), so rows match the
 * SVG; a function's inclusive value counts each stack once even when it recurses.
 *
 * The test (per function and scope, self or inclusive), on sample counts (value / period when
 * the sample type's unit is the period's, else the value):
 *  - Counts are compared against a robust size of each run, not its total. Shares are
 *    compositional: +20% in one function lowers every other share by ~1.6%, and a burst of
 *    "[missing stack]" in one run lowers them all; against the bulk of the program only the
 *    function that changed stands out. (Rate normalization uses the durations.)
 *  - One run per side (share or scale): each function against a reference -- the
 *    well-sampled functions that did not change, found by dropping one outlier at a time at
 *    the multinomial variance -- minus itself, as a 2x2 two-proportion z; the variance times
 *    an overdispersion factor: opts.dispersion, or stats__robust_dispersion() of the self
 *    rows' z^2 (the smallest phi >= 1 consistent with the values under its cut, with a prior
 *    of 4 hypotheses on phi = 1): a few real changes cannot inflate it, even among four hot
 *    functions where they are most of the rows.
 *  - Several runs per side: the run sizes are the median over well-sampled functions of
 *    count / geometric mean over runs (DESeq's median of ratios); a Poisson z on the pooled
 *    counts, with the factor measured from the runs themselves -- the larger of the median
 *    between-run dispersion (Pearson chi2 / df of the runs around their side's rate, over
 *    the median of chi2_df / df) and the function's own between-run dispersion. A
 *    Mann-Whitney U test on the per-run values (a function absent from a run counts as 0)
 *    must agree: p_U <= 0.1, or its smallest possible p for so few runs (complete
 *    separation). Why not U alone: with 5 vs 5 runs its p cannot go below 2/252 = 0.0079, so
 *    after Benjamini-Hochberg over more than 6 hypotheses nothing could ever be significant.
 *    The rank test guards against one odd run; the pooled test gives the resolution the FDR
 *    needs.
 *  - FDR family (Benjamini-Hochberg at opts.fdr): rows with >= min_count samples on one side
 *    whose pooled share (both sides) is at least what a change of min_delta_pp needs. The
 *    pooled share is what the null hypothesis fixes, independent of the direction and size of
 *    the change, so this filter keeps BH valid (Bourgon et al., PNAS 2010) -- filtering on the
 *    observed change would not. An inclusive row equal to its self row in every run is the
 *    same hypothesis and shares its p and q. Pseudo frames ("[missing stack]", "[unknown]":
 *    not code) are never tested, nor are functions that run almost only (>= 90%) under a
 *    kernel interrupt entry (asm_sysvec_*...): the tick and preemption grow with the load
 *    on the machine, not with the code.
 *  - DIFF_REGRESSION / DIFF_IMPROVEMENT: q <= fdr, |delta_pp| >= min_delta_pp and
 *    |rel_pct| >= min_rel_pct, growth / shrinkage (and the rank test agrees).
 *  - DIFF_SHIFT: a regression whose main caller's inclusive value did not regress, while a
 *    sibling under that caller significantly improved by at least half the growth (or a
 *    pseudo frame shrank significantly: stacks that lost their root frame); explained_by
 *    names the sibling. The improving sibling is required: under share normalization the
 *    root is always 100%, so "the parent did not change" alone proves nothing.
 *  - DIFF_EXPLAINED: an inclusive regression at least half of whose growth is the self
 *    growth, below it, of functions whose self value regressed (or shifted), the function
 *    itself included; explained_by names the largest. So the report names the function that
 *    got slower, not each of its callers.
 * What it could have missed (diff_row.mdc_*, detect_scale; diff.weak): per tested row the
 * smallest relative change of its share found with probability DIFF_DETECT_POWER at the level
 * a lone change needs under BH (fdr / tests), from the same variance as its test, never below
 * the floors; a verdict "ok" is weak when the largest tested function's exceeds
 * opts.detect_pct.
 * Hostile input: negative values are refused (-EINVAL, they would make shares meaningless);
 * sums saturate; empty profiles and zero totals give rows without tests.
 *
 * Nothing here prints; the writers take a FILE.
 */
#ifndef SINGE_FLAME_DIFF_H
#define SINGE_FLAME_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "profile.h"
#include "strtab.h"

enum diff_norm {
	DIFF_NORM_SHARE = 0, /* fraction of each run's total (default) */
	DIFF_NORM_RATE,	     /* per second of recording (duration_nanos; error if missing) */
	DIFF_NORM_SCALE,     /* like pprof -normalize: head scaled so its total equals base's */
};

const char *diff_norm__name(enum diff_norm norm);
/* Parse "share", "rate" or "scale"; 0 or -EINVAL. */
int diff_norm__parse(const char *s, enum diff_norm *out);

/* "Detectable" means found with this probability (minimum detectable change, --detect). */
#define DIFF_DETECT_POWER 0.8

struct diff_opts {
	const char *sample_type; /* NULL: the first profile's default sample type */
	enum diff_norm norm;
	double fdr;	     /* Benjamini-Hochberg level q (0.05) */
	double min_delta_pp; /* effect floor: change of share, in percentage points (0.5) */
	double min_rel_pct;  /* effect floor: relative change, in percent (10) */
	int64_t min_count;   /* a function needs this many samples on one side to be tested (20) */
	double dispersion;   /* one run per side: variance factor; 0 = estimate from the data */
	double detect_pct;   /* the change (% of a function's share) a verdict must see (10) */
};

/* Fill o with the defaults above. */
void diff_opts__init(struct diff_opts *o);

enum diff_scope {
	DIFF_SELF = 0,	/* a function's self value */
	DIFF_INCLUSIVE, /* a function's value with its callees (counted once per stack) */
	DIFF_STACK,	/* one whole stack (root;...;leaf), no test, for the tables */
};

enum diff_verdict {
	DIFF_UNCHANGED = 0,
	DIFF_REGRESSION, /* significant growth past both floors */
	DIFF_IMPROVEMENT,
	DIFF_SHIFT,	/* growth that moved from siblings under an unchanged parent */
	DIFF_EXPLAINED, /* inclusive growth accounted for by a callee's self regression */
};

const char *diff_verdict__name(enum diff_verdict v);

struct diff_row {
	uint32_t name; /* index into diff.names: function name, or "a;b;c" for a stack */
	enum diff_scope scope;
	double base, head;	       /* normalized, mean over runs (units: see diff.unit) */
	int64_t base_raw, head_raw;    /* summed raw values over all runs */
	double base_share, head_share; /* fraction of the total, 0..1, mean over runs */
	double delta;		       /* head - base */
	double delta_pp;	       /* (head_share - base_share) * 100 */
	double rel_pct;		       /* (head - base) / base * 100; INFINITY when base == 0 */
	double p, q;		       /* NAN when not tested (stacks, too few samples) */
	/* The minimum detectable change of this row's share (see "What it could have missed"):
	 * in percentage points and relative to the base share in %; NAN when not tested. */
	double mdc_pp, mdc_rel_pct;
	/* The factor by which the samples per side must grow for a change of opts.detect_pct to
	 * be detected (<= 1: enough already; INFINITY: below the floors); NAN when not tested. */
	double detect_scale;
	enum diff_verdict verdict;
	bool is_new, is_gone;  /* absent from every base run / every head run */
	uint32_t explained_by; /* DIFF_EXPLAINED, DIFF_SHIFT: the name of the cause, else 0 */
};

struct diff {
	struct strtab names;
	struct diff_row *rows; /* sorted: verdict (regressions first), then |delta_pp| descending */
	size_t nrows;
	size_t nbase_runs, nhead_runs;
	char *sample_type, *unit; /* the compared sample type and its unit */
	enum diff_norm norm;
	struct diff_opts opts; /* "two-proportion z (overdispersed)", "Poisson rate z
				* (overdispersed)" or "pooled z (overdispersed) gated by
				* Mann-Whitney U" (several runs per side) */
	const char *test;
	double dispersion; /* the global factor used (>= 1); rows may use a larger one */
	size_t ntested;	   /* hypotheses in the FDR family */
	size_t nregressions, nimprovements, nshifts;
	int64_t base_total, head_total;	   /* raw totals over all runs */
	double base_samples, head_samples; /* the same in samples (value / period) */
	/* What it could have missed: the row of the largest tested function (self), whose minimum
	 * detectable change is the smallest relative one (SIZE_MAX: nothing was tested), and
	 * weak: the verdict is "ok" but a change of opts.detect_pct in that function would
	 * likely have been missed -- the comparison was too small to vouch for the code. */
	size_t power_row;
	bool weak;
	double base_seconds, head_seconds; /* summed durations, 0 when unknown */
	struct profile_quality base_quality, head_quality;
	/* The runs of each side merged into one profile (for the SVG and pprof writers). */
	struct profile *base, *head;
};

/*
 * Compare nbase base runs with nhead head runs (each >= 1). The profiles must share the sample
 * type (by type and unit) and, when both have one, the sampling period; otherwise -EINVAL with
 * a message that names both. *out is owned by the caller (diff__free()).
 */
int diff__compute(struct profile *const *base, size_t nbase, struct profile *const *head,
		  size_t nhead, const struct diff_opts *opts, struct diff **out,
		  struct flame_err *err);
void diff__free(struct diff *d);

static inline const char *diff__name(const struct diff *d, const struct diff_row *r)
{
	return strtab__str(&d->names, r->name);
}

/* The row power_row names, or NULL. */
static inline const struct diff_row *diff__power_row(const struct diff *d)
{
	return d->power_row < d->nrows ? &d->rows[d->power_row] : NULL;
}

/* Exit-code semantics: true when at least one DIFF_REGRESSION row exists. */
static inline bool diff__regressed(const struct diff *d)
{
	return d->nregressions > 0;
}

#endif /* SINGE_FLAME_DIFF_H */
