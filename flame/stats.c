// SPDX-License-Identifier: MIT
/*
 * Small numerical routines for the profile diff. Tail probabilities use erfc() so that
 * p values of 1e-12 stay accurate (1 - cdf would round to 0 long before).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

double stats__norm_cdf(double z)
{
	return 0.5 * erfc(-z / M_SQRT2);
}

double stats__norm_sf(double z)
{
	return 0.5 * erfc(z / M_SQRT2);
}

double stats__two_sided_p(double z)
{
	if (isnan(z))
		return 1;
	return erfc(fabs(z) / M_SQRT2);
}

static bool usable(double x)
{
	return isfinite(x);
}

static double clamp(double x, double lo, double hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

static double dispersion_or_1(double d)
{
	return usable(d) && d > 1 ? d : 1;
}

double stats__prop_z(double k1, double n1, double k2, double n2, double dispersion)
{
	double p, var;

	if (!usable(k1) || !usable(k2) || !usable(n1) || !usable(n2) || n1 <= 0 || n2 <= 0)
		return 0;
	k1 = clamp(k1, 0, n1);
	k2 = clamp(k2, 0, n2);
	p = (k1 + k2) / (n1 + n2);
	if (!(p > 0 && p < 1))
		return 0;
	var = dispersion_or_1(dispersion) * p * (1 - p) * (1 / n1 + 1 / n2);
	if (!(var > 0) || !isfinite(var))
		return 0;
	return (k2 / n2 - k1 / n1) / sqrt(var);
}

double stats__rate_z(double k1, double t1, double k2, double t2, double dispersion)
{
	double k, pi, var;

	if (!usable(k1) || !usable(k2) || !usable(t1) || !usable(t2) || t1 <= 0 || t2 <= 0)
		return 0;
	k1 = k1 > 0 ? k1 : 0;
	k2 = k2 > 0 ? k2 : 0;
	k = k1 + k2;
	pi = t2 / (t1 + t2);
	if (!(k > 0) || !(pi > 0 && pi < 1) || !isfinite(k))
		return 0;
	var = dispersion_or_1(dispersion) * k * pi * (1 - pi);
	if (!(var > 0) || !isfinite(var))
		return 0;
	return (k2 - k * pi) / sqrt(var);
}

/* NaN sorts after every number, so the finite prefix is easy to find. */
static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	if (isnan(a) || isnan(b))
		return isnan(a) - isnan(b);
	return (a > b) - (a < b);
}

double stats__median(double *x, size_t n)
{
	size_t m = 0;

	if (!n)
		return NAN;
	qsort(x, n, sizeof(*x), cmp_double);
	while (m < n && !isnan(x[m]))
		m++;
	if (!m)
		return NAN;
	return m % 2 ? x[m / 2] : 0.5 * (x[m / 2 - 1] + x[m / 2]);
}

double stats__genomic_control(double *z2, size_t n)
{
	double med;

	if (n < 3)
		return 1;
	med = stats__median(z2, n);
	if (!(med > 0) || !isfinite(med))
		return 1;
	med /= STATS_CHI2_1_MEDIAN;
	return med > 1 ? med : 1;
}

/* By bisection: only called a few times per diff. */
double stats__norm_quantile(double p)
{
	double lo = -40, hi = 40;
	int i;

	if (!(p > 0 && p < 1))
		return NAN;
	for (i = 0; i < 200 && hi - lo > 1e-12; i++) {
		double mid = (lo + hi) / 2;

		if (stats__norm_cdf(mid) < p)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

/* E[X | X <= c] for X ~ chi2_1: P(chi2_3 <= c) / P(chi2_1 <= c) (x f_1(x) = f_3(x)). */
static double chi2_1_truncated_mean(double c)
{
	double below = erf(sqrt(c / 2)); /* P(chi2_1 <= c) */

	return below > 0 ? (below - sqrt(2 * c / M_PI) * exp(-c / 2)) / below : 1;
}

double stats__robust_dispersion(const double *z2, size_t n, double cut, double prior_weight)
{
	double phi = 1, expected;
	int iter;

	if (!(cut > 0) || !isfinite(cut))
		cut = 6.634896601021214;
	expected = chi2_1_truncated_mean(cut);
	if (!(prior_weight >= 0) || !isfinite(prior_weight))
		prior_weight = 0;
	/* Monotone from 1: each step can only raise phi while inliers' mean says it is higher. */
	for (iter = 0; iter < 100; iter++) {
		double sum = prior_weight * expected, m = prior_weight, next;
		size_t i;

		for (i = 0; i < n; i++)
			if (isfinite(z2[i]) && z2[i] >= 0 && z2[i] <= cut * phi) {
				sum += z2[i];
				m++;
			}
		if (!(m > 0))
			break;
		next = sum / m / expected;
		if (!(next > phi * (1 + 1e-9)))
			break;
		phi = next;
	}
	return phi;
}

/*
 * The number of orderings of na a's and nb b's (no ties) with each U, in cnt[0..na*nb]:
 * f(i, j, u) = f(i, j - 1, u - i) [the largest value is a b: it beats all i a's]
 *            + f(i - 1, j, u)     [the largest value is an a].
 * Only additions of non-negative integers, exact in doubles up to 2^53 (C(50, 25) ~ 1.3e14).
 */
static int mw_counts(size_t na, size_t nb, double *cnt)
{
	size_t width = na * nb + 1, i, j, u;
	double *prev = calloc((nb + 1) * width, sizeof(*prev));
	double *cur = calloc((nb + 1) * width, sizeof(*cur));

	if (!prev || !cur) {
		free(prev);
		free(cur);
		return -ENOMEM;
	}
	for (j = 0; j <= nb; j++)
		prev[j * width] = 1; /* i = 0: one ordering, U = 0 */
	for (i = 1; i <= na; i++) {
		double *t;

		memset(cur, 0, (nb + 1) * width * sizeof(*cur));
		cur[0] = 1; /* j = 0 */
		for (j = 1; j <= nb; j++)
			for (u = 0; u < width; u++)
				cur[j * width + u] = (u >= i ? cur[(j - 1) * width + u - i] : 0) +
						     prev[j * width + u];
		t = prev;
		prev = cur;
		cur = t;
	}
	memcpy(cnt, prev + nb * width, width * sizeof(*cnt));
	free(prev);
	free(cur);
	return 0;
}

static int mw_exact_p(size_t na, size_t nb, double u, double *p)
{
	size_t width = na * nb + 1, k;
	double *cnt = malloc(width * sizeof(*cnt)), lo = 0, hi = 0, all = 0;
	int ret;

	if (!cnt)
		return -ENOMEM;
	if ((ret = mw_counts(na, nb, cnt))) {
		free(cnt);
		return ret;
	}
	for (k = 0; k < width; k++) {
		all += cnt[k];
		if ((double)k <= u)
			lo += cnt[k];
		if ((double)k >= u)
			hi += cnt[k];
	}
	free(cnt);
	*p = clamp(2 * (lo < hi ? lo : hi) / all, 0, 1);
	return 0;
}

struct ranked {
	double v;
	bool is_b;
};

static int cmp_ranked(const void *pa, const void *pb)
{
	return cmp_double(&((const struct ranked *)pa)->v, &((const struct ranked *)pb)->v);
}

int stats__mann_whitney(const double *a, size_t na, const double *b, size_t nb, double *u,
			double *p, bool *exact)
{
	size_t n = na + nb, i, j;
	struct ranked *r;
	double rank_b = 0, ties = 0, mean, var, z;
	bool tied = false;

	if (!na || !nb)
		return -EINVAL;
	if (!(r = malloc(n * sizeof(*r))))
		return -ENOMEM;
	for (i = 0; i < na; i++)
		r[i] = (struct ranked){a[i], false};
	for (i = 0; i < nb; i++)
		r[na + i] = (struct ranked){b[i], true};
	qsort(r, n, sizeof(*r), cmp_ranked);
	for (i = 0; i < n; i = j) {
		double t, avg;

		for (j = i + 1; j < n && cmp_ranked(&r[i], &r[j]) == 0; j++)
			;
		t = (double)(j - i);
		avg = (double)(i + 1 + j) / 2; /* ranks i+1 .. j */
		if (t > 1) {
			tied = true;
			ties += t * t * t - t;
		}
		for (size_t k = i; k < j; k++)
			if (r[k].is_b)
				rank_b += avg;
	}
	free(r);
	*u = rank_b - (double)nb * (double)(nb + 1) / 2;
	*exact = !tied && na <= STATS_MW_EXACT_MAX && nb <= STATS_MW_EXACT_MAX;
	if (*exact)
		return mw_exact_p(na, nb, *u, p);
	mean = (double)na * (double)nb / 2;
	var = (double)na * (double)nb / 12 *
	      ((double)(n + 1) - ties / ((double)n * (double)(n - 1)));
	if (!(var > 0)) {
		*p = 1;
		return 0;
	}
	z = fabs(*u - mean) - 0.5;
	*p = z > 0 ? stats__two_sided_p(z / sqrt(var)) : 1;
	return 0;
}

double stats__mann_whitney_min_p(size_t na, size_t nb)
{
	double c = 1;
	size_t k;

	/* C(na + nb, na), built so that every step is an exact integer while it fits */
	for (k = 1; k <= na; k++)
		c = c * (double)(nb + k) / (double)k;
	return c > 2 ? 2 / c : 1;
}

struct pidx {
	double p;
	size_t i;
};

static int cmp_pidx(const void *pa, const void *pb)
{
	const struct pidx *a = pa, *b = pb;

	if (a->p != b->p)
		return a->p < b->p ? -1 : 1;
	return (a->i > b->i) - (a->i < b->i);
}

int stats__bh(const double *p, size_t n, double *q)
{
	struct pidx *s = malloc((n ? n : 1) * sizeof(*s));
	size_t m = 0, k;
	double run = 1;

	if (!s)
		return -ENOMEM;
	for (k = 0; k < n; k++)
		if (!isnan(p[k]))
			s[m++] = (struct pidx){clamp(p[k], 0, 1), k};
	qsort(s, m, sizeof(*s), cmp_pidx);
	for (k = 0; k < n; k++)
		if (isnan(p[k]))
			q[k] = NAN;
	for (k = m; k-- > 0;) {
		double v = s[k].p * (double)m / (double)(k + 1);

		if (v < run)
			run = v;
		q[s[k].i] = run;
	}
	free(s);
	return 0;
}
