// SPDX-License-Identifier: MIT
/*
 * singe diff's error rates on simulated recordings: thousands of comparisons in seconds, for
 * the shapes real recordings cannot cover cheaply (bench/diff_quality.sh measures real ones).
 *
 * A program of NFUNC leaf functions under main;worker;handle, one of them ("target") holding
 * 20% of the CPU, the others sharing the rest in Zipf-like proportions. A recording draws
 * SAMPLES samples from the function shares (multinomial, like a timer that lands on whatever
 * runs), after scaling every share by a run-to-run jitter (lognormal, JITTER relative: the
 * shares of real programs move a little between recordings). Fixed time: every run has SAMPLES
 * samples. Fixed work: the head's samples grow with its extra work.
 *
 *   diff_sim NFUNC SAMPLES RUNS time|work JITTER TRIALS [SEED]
 *
 * prints one line: A/A false positives, detections of +25% and of +10% in the target (exit 1
 * with exactly the target flagged), the mean minimum detectable change of the target (relative
 * change of its share, in %) and the mean dispersion, over TRIALS comparisons of each kind.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "profile.h"

#define MAX_FUNCS 1000
#define MAX_RUNS 16

static uint64_t rng_state = 0x5eed1234abcdULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static double uniform(void)
{
	return ((double)(rng() >> 11) + 0.5) / (double)(1ULL << 53);
}

static double gaussian(void)
{
	return sqrt(-2 * log(uniform())) * cos(2 * M_PI * uniform());
}

static int nfunc;
static double share[MAX_FUNCS]; /* the program's true shares; share[0] is the target */
static char names[MAX_FUNCS][32];

/* Target 20%; the rest 1/(i+1) weights (Zipf), so a few functions dominate as in real code. */
static void make_shape(void)
{
	double rest = 0;
	int i;

	share[0] = nfunc > 1 ? 0.2 : 1;
	for (i = 1; i < nfunc; i++)
		rest += 1.0 / i;
	for (i = 1; i < nfunc; i++)
		share[i] = 0.8 / i / rest;
	if (nfunc == 4) { /* the program: 40/30/20/10 */
		share[0] = 0.2;
		share[1] = 0.4;
		share[2] = 0.3;
		share[3] = 0.1;
	}
	for (i = 0; i < nfunc; i++)
		snprintf(names[i], sizeof(names[i]), i ? "func_%03d" : "target", i);
}

static uint64_t location(struct profile *p, const char *name)
{
	struct function f = {0};
	struct line l = {.line = 1};
	int64_t id;

	f.name = (uint32_t)profile__intern(p, name, strlen(name));
	f.system_name = f.name;
	id = profile__intern_function(p, &f);
	if (id <= 0)
		return 0;
	l.function_id = (uint64_t)id;
	id = profile__intern_location(p, 0, 0, &l, 1);
	return id > 0 ? (uint64_t)id : 0;
}

/* One recording: nsamples multinomial draws over the jittered shares, slowdown on target. */
static struct profile *record(long nsamples, double slowdown, double jitter, bool fixed_work)
{
	static double cum[MAX_FUNCS];
	static int64_t count[MAX_FUNCS];
	struct profile *p = profile__new();
	double total = 0, work = 1;
	uint64_t stack[4];
	long s;
	int i;

	if (!p || profile__add_sample_type(p, "samples", "count") < 0)
		exit(2);
	for (i = 0; i < nfunc; i++) {
		double w = share[i] * exp(jitter * gaussian()) * (i ? 1 : 1 + slowdown);

		total += w;
		cum[i] = total;
		count[i] = 0;
	}
	if (fixed_work) /* the same work takes longer: more samples */
		work = 1 + share[0] * slowdown;
	nsamples = lround((double)nsamples * work);
	for (s = 0; s < nsamples; s++) {
		double u = uniform() * total;
		int lo = 0, hi = nfunc - 1;

		while (lo < hi) {
			int mid = (lo + hi) / 2;

			if (cum[mid] < u)
				lo = mid + 1;
			else
				hi = mid;
		}
		count[lo]++;
	}
	stack[1] = location(p, "handle");
	stack[2] = location(p, "worker");
	stack[3] = location(p, "main");
	for (i = 0; i < nfunc; i++) {
		stack[0] = location(p, names[i]);
		if (count[i] && profile__add_sample(p, stack, 4, &count[i], NULL, 0))
			exit(2);
	}
	return p;
}

struct outcome {
	int rc;		 /* 0 ok, 1 regression */
	bool exact;	 /* exactly the target flagged */
	double mdc, phi; /* the target's minimum detectable change (%), the dispersion */
};

static struct outcome compare(int runs, long nsamples, bool work, double jitter, double slow)
{
	struct profile *b[MAX_RUNS], *h[MAX_RUNS];
	struct outcome o = {0};
	struct flame_err err = {{0}};
	struct diff_opts opts;
	struct diff *d;
	bool other = false, target = false;
	size_t i;

	for (i = 0; i < (size_t)runs; i++) {
		b[i] = record(nsamples, 0, jitter, work);
		h[i] = record(nsamples, slow, jitter, work);
	}
	diff_opts__init(&opts);
	if (diff__compute(b, (size_t)runs, h, (size_t)runs, &opts, &d, &err)) {
		fprintf(stderr, "diff_sim: %s\n", err.msg);
		exit(2);
	}
	for (i = 0; i < d->nrows; i++) {
		const struct diff_row *r = &d->rows[i];

		if (r->verdict == DIFF_REGRESSION) {
			if (!strcmp(diff__name(d, r), "target"))
				target = true;
			else
				other = true;
		}
		if (r->scope == DIFF_SELF && !strcmp(diff__name(d, r), "target"))
			o.mdc = r->mdc_rel_pct;
	}
	o.rc = diff__regressed(d);
	o.exact = target && !other;
	o.phi = d->dispersion;
	diff__free(d);
	for (i = 0; i < (size_t)runs; i++) {
		profile__free(b[i]);
		profile__free(h[i]);
	}
	return o;
}

int main(int argc, char **argv)
{
	long nsamples, trials, t;
	int runs, fp = 0, hit25 = 0, hit10 = 0;
	double jitter, mdc = 0, phi = 0;
	bool work;

	if (argc < 7) {
		fprintf(stderr,
			"usage: diff_sim NFUNC SAMPLES RUNS time|work JITTER TRIALS [SEED]\n");
		return 2;
	}
	nfunc = atoi(argv[1]);
	nsamples = atol(argv[2]);
	runs = atoi(argv[3]);
	work = !strcmp(argv[4], "work");
	jitter = atof(argv[5]);
	trials = atol(argv[6]);
	if (argc > 7)
		rng_state ^= strtoull(argv[7], NULL, 0) * 0x9e3779b97f4a7c15ULL;
	if (nfunc < 2 || nfunc > MAX_FUNCS || runs < 1 || runs > MAX_RUNS || nsamples < 1 ||
	    trials < 1) {
		fprintf(stderr, "diff_sim: NFUNC 2..%d, RUNS 1..%d\n", MAX_FUNCS, MAX_RUNS);
		return 2;
	}
	make_shape();
	for (t = 0; t < trials; t++) {
		struct outcome aa = compare(runs, nsamples, work, jitter, 0);
		struct outcome ab = compare(runs, nsamples, work, jitter, 0.25);

		fp += aa.rc;
		hit25 += ab.exact;
		hit10 += compare(runs, nsamples, work, jitter, 0.10).exact;
		mdc += isfinite(ab.mdc) ? ab.mdc : 0;
		phi += aa.phi;
	}
	printf("funcs %d samples %ld runs %d %s jitter %.3f: A/A %d/%ld  +25%% %d/%ld  +10%% "
	       "%d/%ld  "
	       "mdc %.1f%%  dispersion %.2f\n",
	       nfunc, nsamples, runs, work ? "work" : "time", jitter, fp, trials, hit25, trials,
	       hit10, trials, mdc / (double)trials, phi / (double)trials);
	return 0;
}
