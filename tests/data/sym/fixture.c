// SPDX-License-Identifier: MIT
/*
 * A program with known functions for the symbolizer tests (built by tests/data/sym/build.sh
 * with cc -g -O2). "fixture sleep" prints "ready" and waits to be killed, so that a test can
 * symbolize a live process; without arguments it runs its functions once and exits.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int fixture_lib_add(int a, int b);

volatile int fixture_sink;

/* Inlined into fixture_leaf; its loop keeps code of its own at -O2. */
static inline __attribute__((always_inline)) int fixture_inlined(int x)
{
	int acc = 0, i;

	for (i = 0; i < x; i++)
		acc += fixture_sink * i + 3;
	return acc;
}

__attribute__((noinline)) int fixture_leaf(int x)
{
	int r = fixture_inlined(x);

	fixture_sink = r;
	return r + fixture_sink;
}

__attribute__((noinline)) int fixture_caller(int x)
{
	return fixture_leaf(x + 1) * 2 + fixture_lib_add(x, 1);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "sleep")) {
		printf("ready\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	return fixture_caller(argc) == 12345;
}
