// SPDX-License-Identifier: MIT
/*
 * The program behind the mixed unwind snapshot (tests/data/unwind/mixed.*): one static binary,
 * no libc, whose functions alternate between the two ways a frame can be stepped. regen.sh
 * builds this file twice: with -DPART_FP (frame pointers kept, no CFI at all: like Go's text
 * or JIT code) and without (CFI only, no frame pointers: like Debian's libc).
 *
 *   _start [no CFI, clears rbp] -> run [fp] -> sort_all [cfi] -> insertion_sort [fp] ->
 *   compare [cfi] -> mix [cfi], sampled in mix (or compare)
 *
 * So a walk must hand over from CFI to frame pointers and back twice, and ends where the
 * frame-pointer chain does (rbp 0, as _start and Go's goroutines leave it).
 */
typedef unsigned long u64;

u64 mix(u64 x, int rounds);
int compare(const void *a, const void *b);
void insertion_sort(u64 *v, int n, int (*cmp)(const void *, const void *));
u64 sort_all(u64 seed);
int run(void);

#ifdef PART_FP
__asm__(".text\n"
	".globl _start\n"
	".type _start,@function\n"
	"_start:\n" /* no .cfi directives: nothing but the frame pointer says where it ends */
	"xor %ebp,%ebp\n"
	"and $-16,%rsp\n"
	"call run\n"
	"mov %eax,%edi\n"
	"mov $60,%eax\n" /* exit */
	"syscall\n"
	"hlt\n"
	".size _start,.-_start\n");

u64 keys[64];

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

__attribute__((noinline, used)) int run(void)
{
	u64 sum = 0;

	for (u64 round = 1; round < 3000; round++)
		sum += sort_all(round);
	return (int)(sum & 1);
}
#else
extern u64 keys[64];

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

__attribute__((noinline)) u64 sort_all(u64 seed)
{
	for (int i = 0; i < 64; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		keys[i] = seed;
	}
	insertion_sort(keys, 64, compare);
	return keys[0];
}
#endif
