// SPDX-License-Identifier: MIT
/*
 * The program behind the saved unwind snapshots (tests/data/unwind/chain.*): no libc, built
 * -O2 -fomit-frame-pointer (see regen.sh), so only CFI can unwind it. _start -> run ->
 * sort_all -> insertion_sort -> compare (the hot callback, through a function pointer) ->
 * mix. It spins for a few seconds, then exits.
 */
typedef unsigned long u64;

__asm__(".text\n"
	".globl _start\n"
	".type _start,@function\n"
	"_start:\n"
	".cfi_startproc\n"
	".cfi_undefined rip\n" /* the outermost frame: no caller */
	"xor %ebp,%ebp\n"
	"and $-16,%rsp\n"
	"call run\n"
	"mov %eax,%edi\n"
	"mov $60,%eax\n" /* exit */
	"syscall\n"
	"hlt\n"
	".cfi_endproc\n"
	".size _start,.-_start\n");

static u64 keys[64];

__attribute__((noinline)) u64 mix(u64 x, int rounds)
{
	for (int i = 0; i < rounds; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	return x;
}

__attribute__((noinline)) int compare(const void *a, const void *b)
{
	u64 x = mix(*(const u64 *)a, 200), y = mix(*(const u64 *)b, 200);

	return (x > y) - (x < y);
}

__attribute__((noinline)) void insertion_sort(u64 *v, int n, int (*cmp)(const void *, const void *))
{
	volatile char pad[256]; /* a frame of its own size: the CFA is not rsp + 8 */

	pad[0] = 0;
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && cmp(&v[j - 1], &v[j]) > 0; j--) {
			u64 t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	(void)pad[0];
}

__attribute__((noinline)) u64 sort_all(u64 seed)
{
	for (int i = 0; i < 64; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		keys[i] = seed;
	}
	insertion_sort(keys, 64, compare);
	return keys[0];
}

__attribute__((used)) int run(void)
{
	u64 sum = 0;

	for (u64 round = 1; round < 3000; round++)
		sum += sort_all(round);
	return (int)(sum & 1);
}
