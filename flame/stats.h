/* SPDX-License-Identifier: MIT */
/*
 * The statistics behind `singe diff`: normal tail probabilities, a two-proportion and a
 * Poisson-rate z test with a variance-inflation (overdispersion) factor, a robust estimate of
 * that factor, the Mann-Whitney U test and Benjamini-Hochberg adjustment.
 *
 * Everything takes doubles (counts may be value / period), is total over its inputs (no
 * division by zero, no NaN out of finite inputs unless documented) and allocates only where
 * it says so. p values are two-sided.
 */
#ifndef SINGE_FLAME_STATS_H
#define SINGE_FLAME_STATS_H

#include <stdbool.h>
#include <stddef.h>

/* The median of chi-squared with one degree of freedom: z^2 of a null z is above it half the time.
 */
#define STATS_CHI2_1_MEDIAN 0.45493642311957283

/* Largest group size for which stats__mann_whitney() computes the exact distribution. */
#define STATS_MW_EXACT_MAX 25

/* P(Z <= z) and P(Z > z) for a standard normal Z (erfc-based: accurate far into the tails). */
double stats__norm_cdf(double z);
double stats__norm_sf(double z);
/* P(|Z| >= |z|); 1 for NaN. */
double stats__two_sided_p(double z);

/*
 * Two-proportion z: is k2/n2 different from k1/n1? The pooled variance is multiplied by
 * dispersion (>= 1 widens it; values below 1 or NaN count as 1). Positive z = the second
 * proportion is larger. 0 when undefined (a side with n <= 0, a pooled proportion of 0 or 1).
 */
double stats__prop_z(double k1, double n1, double k2, double n2, double dispersion);

/*
 * Poisson-rate z: k1 events in exposure t1 against k2 in t2 (conditional binomial test:
 * k2 | k1 + k2 ~ Bin(k1 + k2, t2 / (t1 + t2))), variance times dispersion. Positive z = the
 * second rate is larger; 0 when undefined (no events, an exposure <= 0).
 */
double stats__rate_z(double k1, double t1, double k2, double t2, double dispersion);

/* The median of x[0..n) (sorted in place; NaNs go last and are ignored); NaN when empty. */
double stats__median(double *x, size_t n);

/*
 * "Genomic control" estimate of the overdispersion factor from the squared null z values
 * of many hypotheses (x is sorted in place): median(z^2) / median(chi2_1), floored at 1.
 * Robust while most hypotheses are null: a few real changes barely move the median. 1 when
 * n < 3 (too few to estimate).
 */
double stats__genomic_control(double *z2, size_t n);

/*
 * The overdispersion factor from the squared z values of a few hypotheses of which some may be
 * real changes (a profile with four hot functions, one of them changed): the smallest phi >= 1
 * at which the values with z^2 <= cut * phi, together with prior_weight pseudo-values that
 * say phi = 1, have the mean that chi2_1 truncated at cut has, times phi. Found by iterating
 * from phi = 1 (the multinomial variance of sampling): real changes, far above cut * phi,
 * never enter, so they cannot inflate the estimate however many of the values they are, and
 * unlike a trimmed mean nothing is dropped when nothing changed. The prior keeps three or
 * four values from dragging phi up by chance (the mean of three chi2_1 is above 2.6 one time
 * in twenty) until a real change falls under the cut; with many values it weighs nothing.
 * cut <= 0 means 6.63 (the 99% point of chi2_1). 1 when no value is usable. z2 is not modified.
 */
double stats__robust_dispersion(const double *z2, size_t n, double cut, double prior_weight);

/* The z with P(Z <= z) = p for a standard normal Z, 0 < p < 1 (NaN outside). */
double stats__norm_quantile(double p);

/*
 * Mann-Whitney U of b against a: U = #{(i, j): b[j] > a[i]} + #ties / 2 (0..na*nb; large U =
 * b larger). p is two-sided: exact (the distribution of U by dynamic programming over counts)
 * when there are no ties and both groups have at most STATS_MW_EXACT_MAX values; otherwise
 * the normal approximation with tie and continuity correction. *exact tells which.
 * 0, -EINVAL for an empty group, -ENOMEM.
 */
int stats__mann_whitney(const double *a, size_t na, const double *b, size_t nb, double *u,
			double *p, bool *exact);

/* The smallest two-sided p the exact U test can give: 2 / C(na + nb, na), at most 1. */
double stats__mann_whitney_min_p(size_t na, size_t nb);

/*
 * Benjamini-Hochberg adjusted p values (q values) of p[0..n): q[i] = min over j with
 * p_(j) >= p[i] of p_(j) * m / rank(j), at most 1, where m counts the finite p values.
 * NaN p values are not hypotheses: their q is NaN. q may alias p. 0 or -ENOMEM.
 */
int stats__bh(const double *p, size_t n, double *q);

#endif /* SINGE_FLAME_STATS_H */
