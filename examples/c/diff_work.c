// SPDX-License-Identifier: MIT
/*
 * diff_work: a steady CPU workload with fixed shares and a knob that slows one named function,
 * for testing `singe diff` (false positives and detection) and the examples/ci profile gate.
 *
 * Every worker thread handles "requests" in a loop; a request calls six stages that each do a
 * fixed amount of spin work, so each stage's share of the CPU is set by the table below however
 * the threads are scheduled:
 *
 *   parse_records 34%  hash_keys 24%  compress_block 18%  lookup_index 12%
 *   checksum_block 8%  format_output 4%
 *
 * -k FUNC:PCT makes FUNC PCT% more expensive: it does the same work and returns the same result,
 * but spends PCT% more CPU doing it (the "regression" a diff should find). With -k
 * checksum_block:20 its share goes from 8% to 9.45% and every other share drops by 1.6%.
 *
 * Built with -DDIFF_WORK_KNOB='"FUNC:PCT"' the knob is on by default: two builds of this file
 * then stand for a base and a slower head version of a program (examples/ci/profile-gate.sh).
 *
 * usage: diff_work [-d SECONDS | -n REQUESTS] [-t THREADS] [-s UNITS,...] [-k FUNC:PCT]... [-l]
 *   -d  run time (default 3)   -t  worker threads (default 2)
 *   -s  units of work of the stages, in the order above (missing ones get 0): -s 40,30,20,10
 *       is a program of four hot functions holding 40/30/20/10% of its CPU
 *   -n  handle this many requests, then exit, however long it takes: a fixed amount of work,
 *       so a profile gets the same number of samples on a busy machine as on an idle one
 *   -k  slow FUNC down by PCT percent (0..1000); may be repeated for different functions
 *   -l  list the functions and their shares with the knobs applied, then exit
 * On exit it prints "requests/s: N".
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define UNIT_ITERS 2000 /* spin iterations per unit of work: about 4 us */
#define MAX_THREADS 64

static atomic_bool stop;
static atomic_uint_fast64_t requests;
static uint64_t request_limit; /* -n: 0 = run until stop */
static atomic_uint_fast64_t requests_claimed;

enum stage { PARSE, HASH, COMPRESS, LOOKUP, CHECKSUM, FORMAT, NSTAGES };

static const char *const stage_names[NSTAGES] = {
	"parse_records", "hash_keys",	   "compress_block",
	"lookup_index",	 "checksum_block", "format_output",
};
/* Units of work per request: the shares in percent, since they add up to 100 (-s sets them). */
static unsigned int stage_units[NSTAGES] = {34, 24, 18, 12, 8, 4};
/* Spin iterations per request, the knob applied; set once in main before any thread starts. */
static uint64_t stage_iters[NSTAGES];

/*
 * The spin loop is written out in each stage (a macro, not a call) so samples land in the
 * stage's own frame; volatile keeps the compiler from folding it away.
 */
#define SPIN(x, n)                                                                                 \
	do {                                                                                       \
		for (uint64_t i_ = 0; i_ < (n); i_++) {                                            \
			x ^= x << 13;                                                              \
			x ^= x >> 7;                                                               \
			x ^= x << 17;                                                              \
		}                                                                                  \
	} while (0)

#define STAGE(fn, idx)                                                                             \
	__attribute__((noinline)) uint64_t fn(uint64_t seed)                                       \
	{                                                                                          \
		volatile uint64_t x = seed | 1;                                                    \
		uint64_t x0 = x;                                                                   \
                                                                                                   \
		SPIN(x0, stage_iters[idx]);                                                        \
		x = x0;                                                                            \
		return x;                                                                          \
	}

STAGE(parse_records, PARSE)
STAGE(hash_keys, HASH)
STAGE(compress_block, COMPRESS)
STAGE(lookup_index, LOOKUP)
STAGE(checksum_block, CHECKSUM)
STAGE(format_output, FORMAT)

__attribute__((noinline)) uint64_t handle_request(uint64_t seed)
{
	uint64_t x = seed;

	x = parse_records(x);
	x ^= hash_keys(x);
	x ^= compress_block(x);
	x ^= lookup_index(x);
	x ^= checksum_block(x);
	x ^= format_output(x);
	return x + 1; /* not a tail call: format_output keeps handle_request as its caller */
}

static void *worker(void *arg)
{
	uint64_t x = (uintptr_t)arg * 0x9e3779b97f4a7c15ULL + 1;

	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		if (request_limit && atomic_fetch_add(&requests_claimed, 1) >= request_limit)
			break;
		x = handle_request(x);
		atomic_fetch_add_explicit(&requests, 1, memory_order_relaxed);
	}
	return (void *)(uintptr_t)x;
}

static void usage(void)
{
	fprintf(stderr, "usage: diff_work [-d SECONDS | -n REQUESTS] [-t THREADS] [-s UNITS,...] "
			"[-k FUNC:PCT]... [-l]\n");
	exit(2);
}

/* -k FUNC:PCT: returns false when FUNC is not a stage or PCT is not 0..1000 */
static bool apply_knob(const char *arg, unsigned int slow_pct[NSTAGES])
{
	const char *colon = strchr(arg, ':');
	char *end;
	long pct;
	int i;

	if (!colon)
		return false;
	pct = strtol(colon + 1, &end, 10);
	if (*end || end == colon + 1 || pct < 0 || pct > 1000)
		return false;
	for (i = 0; i < NSTAGES; i++) {
		if (strlen(stage_names[i]) == (size_t)(colon - arg) &&
		    !strncmp(stage_names[i], arg, colon - arg)) {
			slow_pct[i] = pct;
			return true;
		}
	}
	return false;
}

/* -s UNITS,...: the stages' units of work in order, the rest 0; false unless 1..NSTAGES numbers
 * 0..1000 with at least one above 0 */
static bool set_units(const char *arg)
{
	unsigned int units[NSTAGES] = {0}, sum = 0;
	const char *s = arg;
	char *end;
	int n = 0;

	while (n < NSTAGES) {
		long u = strtol(s, &end, 10);

		if (end == s || u < 0 || u > 1000)
			return false;
		units[n++] = (unsigned int)u;
		sum += (unsigned int)u;
		if (!*end)
			break;
		if (*end != ',')
			return false;
		s = end + 1;
	}
	if (*end || !sum)
		return false;
	memcpy(stage_units, units, sizeof(units));
	return true;
}

static void list_stages(void)
{
	double total = 0;
	int i;

	for (i = 0; i < NSTAGES; i++)
		total += stage_iters[i];
	for (i = 0; i < NSTAGES; i++)
		if (stage_iters[i])
			printf("%-15s %6.2f%%\n", stage_names[i], 100.0 * stage_iters[i] / total);
}

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	unsigned int slow_pct[NSTAGES] = {0};
	double seconds = 3, t0;
	long nthreads = 2;
	pthread_t threads[MAX_THREADS];
	struct timespec ts;
	bool list = false;
	char *end;
	int c, i;

#ifdef DIFF_WORK_KNOB
	if (!apply_knob(DIFF_WORK_KNOB, slow_pct)) {
		fprintf(stderr, "diff_work: bad DIFF_WORK_KNOB '%s'\n", DIFF_WORK_KNOB);
		exit(2);
	}
#endif
	while ((c = getopt(argc, argv, "d:n:t:s:k:l")) != -1) {
		switch (c) {
		case 'd':
			seconds = strtod(optarg, &end);
			if (*end || seconds <= 0)
				usage();
			break;
		case 'n':
			request_limit = strtoull(optarg, &end, 10);
			if (*end || !request_limit)
				usage();
			break;
		case 't':
			nthreads = strtol(optarg, &end, 10);
			if (*end || nthreads < 1 || nthreads > MAX_THREADS)
				usage();
			break;
		case 's':
			if (!set_units(optarg)) {
				fprintf(stderr,
					"diff_work: bad -s '%s': want up to %d units of "
					"work 0..1000, comma-separated, not all 0\n",
					optarg, NSTAGES);
				exit(2);
			}
			break;
		case 'k':
			if (!apply_knob(optarg, slow_pct)) {
				fprintf(stderr,
					"diff_work: bad -k '%s': want FUNC:PCT, FUNC one of",
					optarg);
				for (i = 0; i < NSTAGES; i++)
					fprintf(stderr, " %s", stage_names[i]);
				fprintf(stderr, ", PCT 0..1000\n");
				exit(2);
			}
			break;
		case 'l':
			list = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	for (i = 0; i < NSTAGES; i++)
		stage_iters[i] = (uint64_t)stage_units[i] * UNIT_ITERS * (100 + slow_pct[i]) / 100;
	if (list) {
		list_stages();
		return 0;
	}
	t0 = wall_s();
	for (i = 0; i < nthreads; i++)
		pthread_create(&threads[i], NULL, worker, (void *)(uintptr_t)i);
	if (!request_limit) {
		ts.tv_sec = (time_t)seconds;
		ts.tv_nsec = (long)((seconds - (time_t)seconds) * 1e9);
		while (nanosleep(&ts, &ts))
			;
		atomic_store(&stop, true);
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	printf("requests/s: %.0f\n", atomic_load(&requests) / (wall_s() - t0));
	return 0;
}
