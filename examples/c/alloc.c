// SPDX-License-Identifier: MIT
/*
 * alloc: an allocation workload with a known shape, for testing and benchmarking allocation
 * profilers. Each round allocates 10,000 bytes, split by function:
 *
 *   alloc_with_malloc   40%  4 x malloc(1000), freed at once
 *   alloc_with_calloc   30%  3 x calloc(10, 100), freed at once
 *   alloc_with_realloc  20%  realloc(NULL, 500) grown by realloc to 1500, then freed:
 *                            500 + 1500 bytes allocated (realloc frees the old block;
 *                            glibc's realloc(NULL, n) jumps to malloc: one allocation)
 *   keep_in_ring        10%  malloc(1000) into a ring of 256 blocks, freeing the block it
 *                            replaces: 256 blocks (256,000 bytes) stay live, and are still
 *                            held at exit (the "leak")
 *
 * so the bytes allocated per function are 4 : 3 : 2 : 1 whatever the speed, only
 * keep_in_ring holds memory, and the memory the others allocate is freed.
 *
 * usage: alloc [-n ROUNDS | -d SECONDS] [-w SECONDS]
 *   -n  stop after ROUNDS rounds (fixed work; default 200000)
 *   -d  run for SECONDS instead
 *   -w  warm-up: leave the first SECONDS out of rounds/s (a profiler attaching then)
 * It prints on stdout "rounds: N checksum: X" when -n is given (the same with or without a
 * profiler) or "rounds done" with -d, and on stderr "rounds/s: N" (the work per wall-clock
 * second after the warm-up, which drops by what a profiler costs it).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RING 256

static void *ring[RING];
static unsigned int ring_next;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Touch a block so that the allocation is not optimised away; fold it into the checksum. */
static uint64_t use(void *p, size_t n, uint64_t sum)
{
	unsigned char *b = p;

	if (!p) {
		fprintf(stderr, "alloc: out of memory\n");
		exit(1);
	}
	b[0] = (unsigned char)sum;
	b[n / 2] = (unsigned char)(sum >> 8);
	b[n - 1] = (unsigned char)(sum >> 16);
	return sum * 31 + b[0] + b[n / 2] + b[n - 1] + n;
}

__attribute__((noinline)) uint64_t alloc_with_malloc(uint64_t sum)
{
	for (int i = 0; i < 4; i++) {
		void *p = malloc(1000);

		sum = use(p, 1000, sum);
		free(p);
	}
	return sum;
}

__attribute__((noinline)) uint64_t alloc_with_calloc(uint64_t sum)
{
	for (int i = 0; i < 3; i++) {
		void *p = calloc(10, 100);

		sum = use(p, 1000, sum);
		free(p);
	}
	return sum;
}

/* Called through a pointer, or the compiler turns realloc(NULL, n) into malloc(n). */
static void *(*volatile realloc_fn)(void *, size_t) = realloc;

__attribute__((noinline)) uint64_t alloc_with_realloc(uint64_t sum)
{
	void *p = realloc_fn(NULL, 500), *q;

	sum = use(p, 500, sum);
	q = realloc_fn(p, 1500);
	sum = use(q, 1500, sum);
	free(q);
	return sum;
}

__attribute__((noinline)) uint64_t keep_in_ring(uint64_t sum)
{
	void *p = malloc(1000);

	sum = use(p, 1000, sum);
	free(ring[ring_next]);
	ring[ring_next] = p;
	ring_next = (ring_next + 1) % RING;
	return sum;
}

__attribute__((noinline)) uint64_t one_round(uint64_t sum)
{
	sum = alloc_with_malloc(sum);
	sum = alloc_with_calloc(sum);
	sum = alloc_with_realloc(sum);
	return keep_in_ring(sum);
}

int main(int argc, char **argv)
{
	uint64_t rounds = 200000, n = 0, sum = 1, start, end, warm_rounds = 0, warm_ns;
	double seconds = 0, warm = 0;
	int c;

	while ((c = getopt(argc, argv, "n:d:w:")) != -1) {
		switch (c) {
		case 'n':
			rounds = strtoull(optarg, NULL, 10);
			break;
		case 'd':
			seconds = atof(optarg);
			break;
		case 'w':
			warm = atof(optarg);
			break;
		default:
			fprintf(stderr, "usage: alloc [-n ROUNDS | -d SECONDS] [-w SECONDS]\n");
			return 2;
		}
	}
	start = now_ns();
	warm_ns = start + (uint64_t)(warm * 1e9);
	end = seconds > 0 ? start + (uint64_t)(seconds * 1e9) : 0;
	for (;;) {
		sum = one_round(sum);
		n++;
		if (!warm_rounds && now_ns() >= warm_ns) {
			warm_rounds = n;
			warm_ns = now_ns();
		}
		if (end ? (n % 64 == 0 && now_ns() >= end) : n >= rounds)
			break;
	}
	end = now_ns();
	if (seconds > 0)
		printf("rounds done\n");
	else
		printf("rounds: %llu checksum: %llx\n", (unsigned long long)n,
		       (unsigned long long)sum);
	fprintf(stderr, "rounds/s: %.0f\n",
		end > warm_ns ? (n - warm_rounds) / ((end - warm_ns) / 1e9) : 0.0);
	return 0;
}
