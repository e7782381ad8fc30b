// SPDX-License-Identifier: MIT
/*
 * cpu_split: a CPU workload with a known shape, for testing and benchmarking profilers.
 *
 *   split thread   alternates hot_a and hot_b in slices of its own CPU time, 3 ms : 1 ms, so
 *                  hot_a gets exactly 3x hot_b's CPU time however the thread is scheduled
 *   syscall thread syscall_heavy: 1-byte write()s to /dev/null, so kernel frames appear
 *   late thread    late_thread_work starts after 1 s (profilers must pick up new threads)
 *
 * usage: cpu_split [-d SECONDS] [-w SECONDS] [-x EXIT_CODE] [-n] [-s]
 *   -d  run time (default 10)      -x  exit code to end with (default 0)
 *   -w  warm-up: leave the first SECONDS out of iterations/s (a profiler attaching then)
 *   -n  split thread only (no syscall or late thread): steadier numbers for overhead tests
 *   -s  many stacks instead: one thread walks 2^15 distinct call paths through branch_0 and
 *       branch_1 (for the symbolize-and-write benchmark of a profile with 10,000+ stacks)
 * On exit it prints "iterations/s: N", the spin work done per wall-clock second after the
 * warm-up, which drops by the CPU a profiler takes from it.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SLICE_A_NS 3000000 /* hot_a's share of each 4 ms of the split thread's CPU time */
#define SLICE_B_NS 1000000
#define CHUNK 10000 /* spin iterations between clock reads */

static atomic_bool stop;
static atomic_uint_fast64_t work; /* chunks done by every spinning function */

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The spin loops are written out in each function so samples land in its own frame. */
#define SPIN(x)                                                                                    \
	do {                                                                                       \
		for (int i_ = 0; i_ < CHUNK; i_++) {                                               \
			x ^= x << 13;                                                              \
			x ^= x >> 7;                                                               \
			x ^= x << 17;                                                              \
		}                                                                                  \
	} while (0)

__attribute__((noinline)) uint64_t hot_a(uint64_t until_ns)
{
	volatile uint64_t x = 88172645463325252ULL;
	uint64_t x0, n = 0;

	do {
		x0 = x;
		SPIN(x0);
		x = x0;
		n++;
	} while (thread_cpu_ns() < until_ns);
	atomic_fetch_add_explicit(&work, n, memory_order_relaxed);
	return x;
}

__attribute__((noinline)) uint64_t hot_b(uint64_t until_ns)
{
	volatile uint64_t x = 1181783497276652981ULL;
	uint64_t x0, n = 0;

	do {
		x0 = x;
		SPIN(x0);
		x = x0;
		n++;
	} while (thread_cpu_ns() < until_ns);
	atomic_fetch_add_explicit(&work, n, memory_order_relaxed);
	return x;
}

static void *split_thread(void *arg)
{
	uint64_t t;

	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		/* deadlines in the thread's own CPU time: preemption cannot skew the ratio */
		t = thread_cpu_ns();
		hot_a(t + SLICE_A_NS);
		t = thread_cpu_ns();
		hot_b(t + SLICE_B_NS);
	}
	return NULL;
}

__attribute__((noinline)) void syscall_heavy(int fd)
{
	char c = 'x';
	int i;

	for (i = 0; i < 1000; i++)
		if (write(fd, &c, 1) != 1)
			break;
}

static void *syscall_thread(void *arg)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

	(void)arg;
	if (fd < 0)
		return NULL;
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		syscall_heavy(fd);
	close(fd);
	return NULL;
}

__attribute__((noinline)) uint64_t late_thread_work(void)
{
	volatile uint64_t x = 0x2545f4914f6cdd1dULL;
	uint64_t x0;

	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		x0 = x;
		SPIN(x0);
		x = x0;
		/* counted as it goes: this loop runs until the end, past the measured window */
		atomic_fetch_add_explicit(&work, 1, memory_order_relaxed);
	}
	return x;
}

static void *late_thread(void *arg)
{
	struct timespec one_second = {1, 0};

	(void)arg;
	nanosleep(&one_second, NULL);
	if (!atomic_load(&stop))
		late_thread_work();
	return NULL;
}

#define PATH_DEPTH 15

uint64_t descend(unsigned int depth, uint64_t path);

/* Every path of PATH_DEPTH choices is its own stack: walking them all gives 2^15 stacks. */
__attribute__((noinline)) uint64_t branch_0(unsigned int depth, uint64_t path)
{
	return descend(depth, path) + 1; /* "+ 1": not a tail call, so the frame stays */
}

__attribute__((noinline)) uint64_t branch_1(unsigned int depth, uint64_t path)
{
	return descend(depth, path) + 2;
}

__attribute__((noinline)) uint64_t descend(unsigned int depth, uint64_t path)
{
	volatile uint64_t x = path | 1;
	uint64_t x0;

	if (!depth) {
		x0 = x;
		SPIN(x0); /* a few microseconds at the leaf */
		x = x0;
		return x;
	}
	return (path & 1 ? branch_1 : branch_0)(depth - 1, path >> 1);
}

static void *stacks_thread(void *arg)
{
	uint64_t path = 0;

	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		descend(PATH_DEPTH, path++);
		atomic_fetch_add_explicit(&work, 1, memory_order_relaxed);
	}
	return NULL;
}

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_s(double seconds)
{
	struct timespec ts = {(time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9)};

	while (nanosleep(&ts, &ts))
		;
}

static void usage(void)
{
	fprintf(stderr, "usage: cpu_split [-d SECONDS] [-w SECONDS] [-x EXIT_CODE] [-n] [-s]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	double seconds = 10, warmup = 0, t0, t1;
	int code = 0, c, nthreads = 3, i;
	bool only_split = false, many_stacks = false;
	pthread_t threads[3];
	uint64_t w0, w1;
	char *end;

	while ((c = getopt(argc, argv, "d:w:x:ns")) != -1) {
		switch (c) {
		case 'd':
			seconds = strtod(optarg, &end);
			if (*end || seconds <= 0)
				usage();
			break;
		case 'w':
			warmup = strtod(optarg, &end);
			if (*end || warmup < 0)
				usage();
			break;
		case 'x':
			code = strtol(optarg, &end, 10);
			if (*end || code < 0 || code > 255)
				usage();
			break;
		case 'n':
			only_split = true;
			break;
		case 's':
			many_stacks = true;
			break;
		default:
			usage();
		}
	}
	if (warmup >= seconds)
		usage();
	t0 = wall_s();
	pthread_create(&threads[0], NULL, many_stacks ? stacks_thread : split_thread, NULL);
	if (only_split || many_stacks) {
		nthreads = 1;
	} else {
		pthread_create(&threads[1], NULL, syscall_thread, NULL);
		pthread_create(&threads[2], NULL, late_thread, NULL);
	}
	if (warmup > 0) {
		sleep_s(warmup);
		t0 = wall_s();
	}
	w0 = atomic_load(&work);
	sleep_s(seconds - warmup);
	w1 = atomic_load(&work);
	t1 = wall_s();
	atomic_store(&stop, true);
	for (i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	printf("iterations/s: %.0f\n", (w1 - w0) / (t1 - t0));
	return code;
}
