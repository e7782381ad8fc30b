// SPDX-License-Identifier: MIT
/*
 * libsinge-alloc.so: the in-process sampler of singe record -t alloc --alloc-preload. Loaded
 * into a command with LD_PRELOAD, it stands in front of glibc's malloc family, counts down
 * the bytes each thread allocates (an exponential number of mean SINGE_ALLOC_RATE, 512 KiB by
 * default: the same byte sampling bpf/alloc.bpf.c does in the kernel) and calls
 * singe_alloc_sampled() for the allocations it samples and singe_alloc_freed() when one of
 * those is freed. singe puts its uprobes on those two empty functions only: the program traps
 * once per sampled allocation instead of on every call.
 *
 * The real allocator is reached through glibc's __libc_* entry points (no dlsym, which may
 * itself allocate). Sampled blocks are kept in a lock-free open-addressing table, so that a
 * free knows whether to tell. A table that fills up samples nothing more (counted).
 */
#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))
#define TLS __thread __attribute__((tls_model("initial-exec")))

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

/* Sampled blocks live at once, at most (a power of two, kept at most 3/4 full). */
#define TABLE_SIZE (1 << 18)
#define TOMBSTONE ((uintptr_t)1)

static _Atomic uintptr_t table[TABLE_SIZE];
static atomic_long live;    /* sampled blocks in the table */
static atomic_long dropped; /* samples not taken: the table was full */
static double rate = 512 * 1024;

static TLS int64_t left;
static TLS uint64_t rng;

/* The probes singe attaches: empty, and kept (noinline, used, an asm it cannot see through). */
EXPORT __attribute__((noinline, used)) void singe_alloc_sampled(void *block, size_t size)
{
	__asm__ volatile("" : : "r"(block), "r"(size) : "memory");
}

EXPORT __attribute__((noinline, used)) void singe_alloc_freed(void *block)
{
	__asm__ volatile("" : : "r"(block) : "memory");
}

__attribute__((constructor)) static void read_rate(void)
{
	const char *s = getenv("SINGE_ALLOC_RATE");
	double r = s ? strtod(s, NULL) : 0;

	if (r >= 1)
		rate = r;
}

static uint64_t next_random(void)
{
	if (!rng)
		rng = ((uintptr_t)&left * 0x9E3779B97F4A7C15ULL) | 1;
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

/* Bytes until the next sample: -ln(U) x rate, U in (0, 1]. */
static int64_t draw(void)
{
	double u = ((next_random() >> 11) + 1) * (1.0 / 9007199254740992.0);

	return (int64_t)(-log(u) * rate) + 1;
}

static size_t slot_of(uintptr_t p)
{
	return (size_t)((p >> 4) * 0x9E3779B97F4A7C15ULL >> 46) & (TABLE_SIZE - 1);
}

static int table_insert(uintptr_t p)
{
	size_t i = slot_of(p), n;

	if (atomic_load_explicit(&live, memory_order_relaxed) >= TABLE_SIZE / 4 * 3)
		return -1;
	for (n = 0; n < TABLE_SIZE; n++, i = (i + 1) & (TABLE_SIZE - 1)) {
		uintptr_t cur = atomic_load_explicit(&table[i], memory_order_relaxed);

		if ((cur == 0 || cur == TOMBSTONE) &&
		    atomic_compare_exchange_strong(&table[i], &cur, p)) {
			atomic_fetch_add(&live, 1);
			return 0;
		}
	}
	return -1;
}

/* Remove p if it was sampled: whether it was. */
static int table_remove(uintptr_t p)
{
	size_t i = slot_of(p), n;

	if (!atomic_load_explicit(&live, memory_order_relaxed))
		return 0;
	for (n = 0; n < TABLE_SIZE; n++, i = (i + 1) & (TABLE_SIZE - 1)) {
		uintptr_t cur = atomic_load_explicit(&table[i], memory_order_acquire);

		if (cur == 0)
			return 0;
		if (cur == p && atomic_compare_exchange_strong(&table[i], &cur, TOMBSTONE)) {
			atomic_fetch_sub(&live, 1);
			return 1;
		}
	}
	return 0;
}

/*
 * Count size bytes of the new block p down; sample it when the count crosses zero. Inlined,
 * so that the probe's caller is malloc, calloc... in the profile.
 */
static inline __attribute__((always_inline)) void *account(void *p, size_t size)
{
	if (!p || !size)
		return p;
	if (!left)
		left = draw();
	left -= (int64_t)size;
	if (left > 0)
		return p;
	left = draw();
	if (table_insert((uintptr_t)p))
		atomic_fetch_add(&dropped, 1);
	else
		singe_alloc_sampled(p, size);
	return p;
}

static void forget(void *p)
{
	if (p && table_remove((uintptr_t)p))
		singe_alloc_freed(p);
}

EXPORT void *malloc(size_t size)
{
	return account(__libc_malloc(size), size);
}

EXPORT void free(void *p)
{
	forget(p);
	__libc_free(p);
}

EXPORT void *calloc(size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total))
		return __libc_calloc(n, size); /* fails, as glibc's does */
	return account(__libc_calloc(n, size), total);
}

EXPORT void *realloc(void *old, size_t size)
{
	void *p;

	/* the old block ends here: realloc frees it, or it is given back (a new allocation) */
	forget(old);
	p = __libc_realloc(old, size);
	return account(p, size);
}

EXPORT void *reallocarray(void *old, size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(old, total);
}

EXPORT void *memalign(size_t align, size_t size)
{
	return account(__libc_memalign(align, size), size);
}

EXPORT void *aligned_alloc(size_t align, size_t size)
{
	return account(__libc_memalign(align, size), size);
}

EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
	void *p;

	if (!align || align % sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	p = __libc_memalign(align, size);
	if (!p)
		return ENOMEM;
	*out = account(p, size);
	return 0;
}

EXPORT void *valloc(size_t size)
{
	return account(__libc_valloc(size), size);
}

EXPORT void *pvalloc(size_t size)
{
	return account(__libc_pvalloc(size), size);
}
