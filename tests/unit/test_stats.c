// SPDX-License-Identifier: MIT
/* The statistics of `singe diff`, against values computed by hand (formulas in comments). */
#include "test.h"

#include <math.h>

#include "stats.h"

#define near(a, b, eps) assert_true(fabs((a) - (b)) <= (eps))

static void test_normal_tails(void **state)
{
	(void)state;
	near(stats__norm_cdf(0), 0.5, 1e-15);
	near(stats__norm_cdf(1.959963984540054), 0.975, 1e-12);
	near(stats__norm_sf(3), 0.0013498980316300957, 1e-17);
	/* far tail: 1 - cdf would be 0 here; erfc keeps the relative precision */
	near(stats__norm_sf(10) / 7.619853024160593e-24, 1, 1e-12);
	near(stats__two_sided_p(1.96), 0.04999579029644087, 1e-14);
	near(stats__two_sided_p(-1.96), 0.04999579029644087, 1e-14);
	near(stats__two_sided_p(0), 1, 0);
	near(stats__two_sided_p(NAN), 1, 0);
}

static void test_prop_z(void **state)
{
	(void)state;
	/* 50/1000 vs 80/1000: pooled 0.065, se = sqrt(0.065 * 0.935 * (2 / 1000)) */
	near(stats__prop_z(50, 1000, 80, 1000, 1), 2.721095431170472, 1e-12);
	near(stats__prop_z(80, 1000, 50, 1000, 1), -2.721095431170472, 1e-12);
	/* dispersion 4 doubles the standard error; below 1 counts as 1 */
	near(stats__prop_z(50, 1000, 80, 1000, 4), 2.721095431170472 / 2, 1e-12);
	near(stats__prop_z(50, 1000, 80, 1000, 0.25), 2.721095431170472, 1e-12);
	/* undefined: empty side, nothing sampled, everything sampled, NaN, negatives */
	near(stats__prop_z(0, 0, 80, 1000, 1), 0, 0);
	near(stats__prop_z(0, 1000, 0, 1000, 1), 0, 0);
	near(stats__prop_z(1000, 1000, 500, 500, 1), 0, 0);
	near(stats__prop_z(NAN, 1000, 5, 1000, 1), 0, 0);
	near(stats__prop_z(5, -1000, 5, 1000, 1), 0, 0);
	/* k beyond n is clamped rather than producing a NaN */
	assert_true(isfinite(stats__prop_z(5000, 1000, 5, 1000, 1)));
	assert_true(isfinite(stats__prop_z(1e300, 1e308, 1e300, 1e308, 1)));
}

static void test_rate_z(void **state)
{
	(void)state;
	/* 100 in 1 s vs 150 in 1 s: (150 - 250 / 2) / sqrt(250 / 4) = sqrt(10) */
	near(stats__rate_z(100, 1, 150, 1, 1), sqrt(10), 1e-12);
	/* 100 in 1 s vs 200 in 2 s: the same rate */
	near(stats__rate_z(100, 1, 200, 2, 1), 0, 1e-12);
	near(stats__rate_z(100, 1, 150, 1, 10), 1, 1e-12);
	near(stats__rate_z(0, 1, 0, 1, 1), 0, 0);
	near(stats__rate_z(5, 0, 5, 1, 1), 0, 0);
}

/* chi2_1 quantiles at (i + 0.5) / n: a sample of z^2 values with no noise of its own. */
static void chi2_1_sample(double *z2, size_t n, double scale)
{
	size_t i;

	for (i = 0; i < n; i++) {
		double lo = 0, hi = 100;

		for (int k = 0; k < 100; k++) { /* P(chi2_1 <= x) = erf(sqrt(x / 2)) */
			double mid = (lo + hi) / 2;

			if (erf(sqrt(mid / 2)) < ((double)i + 0.5) / (double)n)
				lo = mid;
			else
				hi = mid;
		}
		z2[i] = scale * lo;
	}
}

static void test_robust_dispersion(void **state)
{
	double z2[400], few[7] = {0.3, 1.1, 0.6, 60, 45, 80, 30}, small[3] = {0.1, 0.5, 0.2};

	(void)state;
	/* many null values at 3x the binomial variance: phi ~ 3 */
	chi2_1_sample(z2, 400, 3);
	near(stats__robust_dispersion(z2, 400, 0, 0), 3, 0.1);
	/* the prior barely moves it */
	near(stats__robust_dispersion(z2, 400, 0, 4), 3, 0.12);
	/* null values at phi = 1 and then 10% real changes far out: they stay out */
	chi2_1_sample(z2, 360, 1);
	for (size_t i = 360; i < 400; i++)
		z2[i] = 50 + (double)i;
	near(stats__robust_dispersion(z2, 400, 0, 0), 1, 0.05);
	/* four changes among seven values: a median (7.8 / 0.45) or a trimmed mean would be
	 * taken by them; the robust estimate sees the three null ones */
	assert_true(stats__robust_dispersion(few, 7, 0, 4) < 1.2);
	near(stats__genomic_control((double[]){0.3, 1.1, 0.6, 60, 45, 80, 30}, 7), 30 / 0.4549, 1);
	/* below the multinomial variance: floored at 1; nothing usable: 1 */
	near(stats__robust_dispersion(small, 3, 0, 0), 1, 0);
	near(stats__robust_dispersion(NULL, 0, 0, 0), 1, 0);
	near(stats__robust_dispersion((double[]){NAN, INFINITY, -1}, 3, 0, 0), 1, 0);
}

static void test_norm_quantile(void **state)
{
	(void)state;
	near(stats__norm_quantile(0.975), 1.959963985, 1e-6);
	near(stats__norm_quantile(0.5), 0, 1e-9);
	assert_true(isnan(stats__norm_quantile(0)));
	assert_true(isnan(stats__norm_quantile(1.5)));
}

static void test_median_and_genomic_control(void **state)
{
	double odd[] = {3, 1, 2}, even[] = {4, 1, 3, 2}, withnan[] = {NAN, 5, 1, NAN, 3};
	double none[] = {NAN};
	/* median 2 * 0.4549...: dispersion 2 */
	double z2[] = {2 * STATS_CHI2_1_MEDIAN, 100, 0.1, 2 * STATS_CHI2_1_MEDIAN,
		       2 * STATS_CHI2_1_MEDIAN};
	double small[] = {0.1, 0.2, 0.3}, few[] = {100, 100};

	(void)state;
	near(stats__median(odd, 3), 2, 0);
	near(stats__median(even, 4), 2.5, 0);
	near(stats__median(withnan, 5), 3, 0);
	assert_true(isnan(stats__median(none, 1)));
	assert_true(isnan(stats__median(NULL, 0)));
	near(stats__genomic_control(z2, 5), 2, 1e-12);
	near(stats__genomic_control(small, 3), 1, 0); /* floored at 1 */
	near(stats__genomic_control(few, 2), 1, 0);   /* too few to estimate */
}

static void test_mann_whitney_exact(void **state)
{
	double a[] = {1, 2, 3, 4, 5}, b[] = {6, 7, 8, 9, 10};
	double a3[] = {1, 3, 5}, b3[] = {2, 4, 6};
	double u, p;
	bool exact;

	(void)state;
	/* complete separation, 5 vs 5: U = 25, p = 2 / C(10, 5) = 2 / 252 */
	assert_int_equal(stats__mann_whitney(a, 5, b, 5, &u, &p, &exact), 0);
	assert_true(exact);
	near(u, 25, 0);
	near(p, 2.0 / 252, 1e-15);
	assert_int_equal(stats__mann_whitney(b, 5, a, 5, &u, &p, &exact), 0);
	near(u, 0, 0);
	near(p, 2.0 / 252, 1e-15);
	/* 3 vs 3, 3 vs 3: U counts 0..9 are 1 1 2 3 3 3 3 2 1 1 (20 orderings).
	 * b = {2,4,6} over a = {1,3,5}: 1 + 2 + 3 = 6 pairs; P(U >= 6) = 7/20, p = 0.7 */
	assert_int_equal(stats__mann_whitney(a3, 3, b3, 3, &u, &p, &exact), 0);
	near(u, 6, 0);
	near(p, 0.7, 1e-15);
	/* 3 vs 3 separated: 2 / 20 */
	assert_int_equal(stats__mann_whitney(a, 3, b, 3, &u, &p, &exact), 0);
	near(p, 0.1, 1e-15);
	/* one against one: nothing can be significant */
	assert_int_equal(stats__mann_whitney(a, 1, b, 1, &u, &p, &exact), 0);
	near(p, 1, 0);
	near(stats__mann_whitney_min_p(5, 5), 2.0 / 252, 1e-15);
	near(stats__mann_whitney_min_p(2, 2), 2.0 / 6, 1e-15);
	near(stats__mann_whitney_min_p(1, 1), 1, 0);
	assert_int_equal(stats__mann_whitney(a, 0, b, 5, &u, &p, &exact), -EINVAL);
}

static void test_mann_whitney_ties(void **state)
{
	/* ranks 1.5 1.5 | 3.5 3.5 | 5 6; R_b = 3.5 + 5 + 6 = 14.5, U = 14.5 - 6 = 8.5.
	 * var = 9/12 * (7 - (6 + 6) / 30) = 4.95; z = (8.5 - 4.5 - 0.5) / sqrt(4.95) */
	double a[] = {0, 0, 1}, b[] = {1, 2, 3}, same[] = {0, 0, 0};
	double u, p;
	bool exact;

	(void)state;
	assert_int_equal(stats__mann_whitney(a, 3, b, 3, &u, &p, &exact), 0);
	assert_false(exact);
	near(u, 8.5, 0);
	near(p, 0.11568802229950953, 1e-12);
	/* everything tied: no evidence at all */
	assert_int_equal(stats__mann_whitney(same, 3, same, 3, &u, &p, &exact), 0);
	near(u, 4.5, 0);
	near(p, 1, 0);
}

static void test_mann_whitney_large(void **state)
{
	double a[30], b[30], u, p;
	bool exact;
	int i;

	(void)state;
	/* beyond the exact limit: normal approximation, separated groups are very significant */
	for (i = 0; i < 30; i++) {
		a[i] = i;
		b[i] = 100 + i;
	}
	assert_int_equal(stats__mann_whitney(a, 30, b, 30, &u, &p, &exact), 0);
	assert_false(exact);
	near(u, 900, 0);
	assert_true(p < 1e-9);
	/* the exact distribution at the limit stays exact (C(50, 25) < 2^53) */
	assert_int_equal(stats__mann_whitney(a, 25, b, 25, &u, &p, &exact), 0);
	assert_true(exact);
	near(p * 126410606437752.0, 2, 1e-6);
}

static void test_bh(void **state)
{
	/* sorted 0.01 0.03 0.04 0.5 -> 0.04, 0.06, 0.0533, 0.5 -> running min from the top */
	double p[] = {0.01, 0.04, 0.03, NAN, 0.5}, q[5];
	double one[] = {0.2}, big[] = {0.9, 0.95};

	(void)state;
	assert_int_equal(stats__bh(p, 5, q), 0);
	near(q[0], 0.04, 1e-15);
	near(q[1], 0.04 * 4 / 3, 1e-15);
	near(q[2], 0.04 * 4 / 3, 1e-15);
	assert_true(isnan(q[3]));
	near(q[4], 0.5, 1e-15);
	/* in place */
	assert_int_equal(stats__bh(p, 5, p), 0);
	near(p[1], 0.04 * 4 / 3, 1e-15);
	assert_int_equal(stats__bh(one, 1, one), 0);
	near(one[0], 0.2, 0);
	assert_int_equal(stats__bh(big, 2, big), 0);
	near(big[0], 0.95, 1e-15);
	near(big[1], 0.95, 1e-15);
	assert_int_equal(stats__bh(NULL, 0, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normal_tails),
		cmocka_unit_test(test_prop_z),
		cmocka_unit_test(test_rate_z),
		cmocka_unit_test(test_median_and_genomic_control),
		cmocka_unit_test(test_robust_dispersion),
		cmocka_unit_test(test_norm_quantile),
		cmocka_unit_test(test_mann_whitney_exact),
		cmocka_unit_test(test_mann_whitney_ties),
		cmocka_unit_test(test_mann_whitney_large),
		cmocka_unit_test(test_bh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
