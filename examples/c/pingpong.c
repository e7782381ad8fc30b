// SPDX-License-Identifier: MIT
/*
 * pingpong: two threads passing one byte back and forth through two pipes, the worst case
 * for an off-CPU profiler: every round trip is two blocks and two wake-ups, so the threads
 * switch about twice per round trip, hundreds of thousands of times a second.
 *
 *   ping (main thread)  write a byte to pipe A, read the answer from pipe B
 *   pong                read from pipe A, write it back to pipe B
 *
 * usage: pingpong [-d SECONDS]   (default 5)
 * On exit it prints "round trips/s: N", which drops by what a profiler costs per switch.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int a_fds[2], b_fds[2];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) void pong(void)
{
	char c;

	while (read(a_fds[0], &c, 1) == 1 && write(b_fds[1], &c, 1) == 1)
		;
}

static void *pong_thread(void *arg)
{
	(void)arg;
	pong();
	return NULL;
}

/* Round trips until the deadline, checked every 1,000. */
__attribute__((noinline)) long ping(double until)
{
	long n = 0;
	char c = 'x';
	int i;

	do {
		for (i = 0; i < 1000; i++, n++)
			if (write(a_fds[1], &c, 1) != 1 || read(b_fds[0], &c, 1) != 1)
				return -1;
	} while (now_s() < until);
	return n;
}

int main(int argc, char **argv)
{
	double seconds = 5, t0;
	pthread_t t;
	char *end;
	long n;
	int c;

	while ((c = getopt(argc, argv, "d:")) != -1) {
		if (c != 'd' || (seconds = strtod(optarg, &end), *end) || !(seconds > 0)) {
			fprintf(stderr, "usage: pingpong [-d SECONDS]\n");
			return 2;
		}
	}
	if (pipe(a_fds) || pipe(b_fds) || pthread_create(&t, NULL, pong_thread, NULL)) {
		perror("pingpong");
		return 1;
	}
	t0 = now_s();
	n = ping(t0 + seconds);
	if (n < 0) {
		perror("pingpong");
		return 1;
	}
	printf("round trips/s: %.0f\n", n / (now_s() - t0));
	return 0;
}
