// SPDX-License-Identifier: MIT
/*
 * A program that lives a few milliseconds, all of them in one named function, as the
 * compilers of a build and the commands of a shell loop do: the workload of singe's
 * short-lived process tests (run it 200 times in a loop, under singe record -a or -- sh -c).
 *
 *   short_lived [-t MS] [-z]
 *     -t MS  how long to spin (default 5 ms)
 *     -z     spin in libz's crc32, through a library loaded with dlopen() after start
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile uint64_t sink;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

__attribute__((noinline)) static void short_lived_work(double ms)
{
	double end = now_ms() + ms;
	uint64_t x = 1;

	while (now_ms() < end)
		for (int i = 0; i < 1000; i++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	sink = x;
}

/* crc32 of a buffer, again and again, in a library that was not mapped at start */
__attribute__((noinline)) static int dlopen_work(double ms)
{
	typedef unsigned long (*crc32_fn)(unsigned long, const unsigned char *, unsigned int);
	static unsigned char buf[4096];
	void *lib = dlopen("libz.so.1", RTLD_NOW);
	crc32_fn crc32;
	double end;
	unsigned long crc = 0;

	if (!lib || !(crc32 = (crc32_fn)dlsym(lib, "crc32"))) {
		fprintf(stderr, "short_lived: cannot load libz.so.1: %s\n", dlerror());
		return 1;
	}
	for (end = now_ms() + ms; now_ms() < end;)
		crc = crc32(crc, buf, sizeof(buf));
	sink = crc;
	return 0;
}

int main(int argc, char **argv)
{
	double ms = 5;
	int opt, z = 0;

	while ((opt = getopt(argc, argv, "t:z")) != -1) {
		if (opt == 't')
			ms = atof(optarg);
		else if (opt == 'z')
			z = 1;
		else {
			fprintf(stderr, "usage: short_lived [-t MS] [-z]\n");
			return 2;
		}
	}
	if (z)
		return dlopen_work(ms);
	short_lived_work(ms);
	return 0;
}
