// SPDX-License-Identifier: MIT
/*
 * qsort_hot: a CPU workload whose hot function is called back from the C library, for testing
 * unwinders. main -> sort_rounds -> sort_once -> qsort (Debian's libc, built without frame
 * pointers) -> ... -> compare_keys, where nearly all the time goes. A frame-pointer walk from
 * compare_keys loses the frames above qsort (main among them); a DWARF unwind keeps them.
 * This program itself keeps frame pointers (examples/c/build.sh), so only libc breaks the walk.
 *
 * usage: qsort_hot [-d SECONDS] [-w SECONDS]
 *   -d  run time (default 10)
 *   -w  warm-up: leave the first SECONDS out of iterations/s (a profiler attaching then)
 * On exit it prints "iterations/s: N", the elements sorted per wall-clock second after the
 * warm-up, which drops by the CPU a profiler takes from it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NKEYS 4096

struct key {
	uint64_t value;
	uint32_t rounds; /* how much hashing a comparison costs: keeps the time in compare_keys */
};

static uint64_t checksum;

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The hot function: called by qsort, hashes both keys before comparing them. */
__attribute__((noinline)) int compare_keys(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	uint64_t hx = x->value, hy = y->value;
	uint32_t i;

	for (i = 0; i < x->rounds; i++) {
		hx ^= hx << 13;
		hx ^= hx >> 7;
		hx ^= hx << 17;
		hy ^= hy << 13;
		hy ^= hy >> 7;
		hy ^= hy << 17;
	}
	return (hx > hy) - (hx < hy);
}

__attribute__((noinline)) void sort_once(struct key *keys, size_t n, uint64_t seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		keys[i].value = seed;
		keys[i].rounds = 64;
	}
	qsort(keys, n, sizeof(*keys), compare_keys);
	checksum += keys[0].value;
}

/* Sort until the deadline; the number of elements sorted after the warm-up. */
__attribute__((noinline)) uint64_t sort_rounds(double until, double warm_until)
{
	static struct key keys[NKEYS];
	uint64_t seed = 1, done = 0;
	double now;

	while ((now = wall_s()) < until) {
		sort_once(keys, NKEYS, seed++);
		if (now >= warm_until)
			done += NKEYS;
	}
	return done;
}

int main(int argc, char **argv)
{
	double duration = 10, warmup = 0, start;
	uint64_t done;
	int c;

	while ((c = getopt(argc, argv, "d:w:")) != -1) {
		if (c == 'd')
			duration = atof(optarg);
		else if (c == 'w')
			warmup = atof(optarg);
		else {
			fprintf(stderr, "usage: qsort_hot [-d SECONDS] [-w SECONDS]\n");
			return 2;
		}
	}
	start = wall_s();
	done = sort_rounds(start + duration, start + warmup);
	printf("iterations/s: %.0f\n", duration > warmup ? done / (duration - warmup) : 0.0);
	return checksum == 42; /* keeps the sorting from being optimized away */
}
