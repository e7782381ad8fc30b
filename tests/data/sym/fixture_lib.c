// SPDX-License-Identifier: MIT
/* The shared-library fixture: mapped at a random base, so symbolizing it needs the bias. */

volatile int fixture_lib_sink;

__attribute__((noinline)) int fixture_lib_mul(int a, int b)
{
	fixture_lib_sink = a;
	return a * b + fixture_lib_sink;
}

__attribute__((noinline)) int fixture_lib_add(int a, int b)
{
	return fixture_lib_mul(a, 2) + b;
}
