// SPDX-License-Identifier: MIT
/*
 * The unwinder without BPF: saved snapshots (registers + stack bytes of a sample that
 * `singe record --unwind dwarf` took) are replayed against their expected frames, with the
 * ways an unwind can end: tests/data/unwind/chain, a program without frame pointers (CFI
 * only), and tests/data/unwind/mixed, whose functions alternate between CFI only and frame
 * pointers only. Snapshots of this test's own stack are unwound through the machine's libc
 * (built without frame pointers on Debian), and through code in anonymous memory that keeps
 * frame pointers (as JIT code does), back to main.
 */
#include "test.h"

#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/types.h>

#include "common.h"
#include "sym_elf.h"
#include "sym_procmaps.h"
#include "unwind.h"

#define FAKE_PID 999999999 /* the replayed process: any pid that does not exist */

struct snapshot {
	struct stack_sample h;
	struct unwind_sample s;
	char *raw;
	char *maps;
	size_t maps_len;
};

/* The maps of the saved sample, with @DIR@ replaced by the absolute data directory. */
static char *load_maps(const char *path, size_t *len)
{
	char *text = test_read_file(path, NULL), *out, *at, *p;
	char dir[PATH_MAX];
	size_t cap;

	assert_non_null(realpath("data/unwind", dir));
	cap = strlen(text) * 2 + 16 * strlen(dir) + 1;
	out = calloc(1, cap);
	assert_non_null(out);
	for (p = text; (at = strstr(p, "@DIR@")); p = at + 5) {
		strncat(out, p, at - p);
		strcat(out, dir);
	}
	strcat(out, p);
	free(text);
	*len = strlen(out);
	return out;
}

static void load_named_snapshot(struct snapshot *snap, const char *name)
{
	char path[PATH_MAX];
	size_t len;

	snprintf(path, sizeof(path), "data/unwind/%s.sample", name);
	snap->raw = test_read_file(path, &len);
	assert_true(len >= sizeof(snap->h));
	memcpy(&snap->h, snap->raw, sizeof(snap->h));
	assert_int_equal(len, sizeof(snap->h) + snap->h.stack_len);
	memcpy(snap->s.regs, snap->h.regs, sizeof(snap->s.regs));
	snap->s.stack = (const uint8_t *)snap->raw + sizeof(snap->h);
	snap->s.stack_len = snap->h.stack_len;
	snap->s.copy_full = snap->h.flags & STACK_SAMPLE_COPY_FULL;
	snprintf(path, sizeof(path), "data/unwind/%s.maps", name);
	snap->maps = load_maps(path, &snap->maps_len);
}

static void load_snapshot(struct snapshot *snap)
{
	load_named_snapshot(snap, "chain");
}

static void free_snapshot(struct snapshot *snap)
{
	free(snap->raw);
	free(snap->maps);
}

/* A replayed sample belongs to the committed binary: same build-id. */
static void check_build_id(const char *name)
{
	char path[PATH_MAX], *want;
	struct elf_file *f;
	FILE *bin;

	snprintf(path, sizeof(path), "data/unwind/%s.build-id", name);
	want = test_read_file(path, NULL);
	snprintf(path, sizeof(path), "data/unwind/%s", name);
	bin = fopen(path, "rb");
	assert_non_null(bin);
	f = elf_file__open_fd(fileno(bin));
	fclose(bin);
	assert_non_null(f);
	want[strcspn(want, "\n")] = '\0';
	if (strcmp(elf_file__build_id(f), want))
		fail_msg("%s has build-id %s, the snapshot was taken of %s: run "
			 "tests/data/unwind/regen.sh %s",
			 path, elf_file__build_id(f), want, name);
	elf_file__free(f);
	free(want);
}

static void test_snapshot_matches_binary(void **state)
{
	(void)state;
	check_build_id("chain");
	check_build_id("mixed");
	assert_int_equal(unwind__classify_file("data/unwind/chain"), UNWIND_FP_OMITTED);
}

static int replay(struct unwinder *u, struct snapshot *snap, uint64_t *pcs, int max,
		  enum unwind_result *res)
{
	assert_int_equal(unwinder__set_maps(u, FAKE_PID, snap->maps, snap->maps_len), 0);
	return unwinder__unwind(u, FAKE_PID, FAKE_PID, &snap->s, pcs, max, res);
}

/* chain.c: _start -> run -> sort_all -> insertion_sort -> compare -> mix, sampled in mix. */
static void test_replay_complete(void **state)
{
	static const char *const want[] = {"mix",      "compare", "insertion_sort",
					   "sort_all", "run",	  "_start"};
	struct unwinder *u = unwinder__new();
	struct snapshot snap = {0};
	enum unwind_result res;
	uint64_t pcs[64];
	int n, i;

	(void)state;
	assert_non_null(u);
	load_snapshot(&snap);
	n = replay(u, &snap, pcs, 64, &res);
	assert_int_equal(res, UNWIND_COMPLETE);
	assert_int_equal(n, 6);
	assert_int_equal(pcs[0], snap.s.regs[UNWIND_REG_IP]);
	for (i = 0; i < n; i++) {
		/* return addresses are looked up at the call, one byte back */
		const char *name = unwinder__symbol(u, FAKE_PID, i ? pcs[i] - 1 : pcs[i]);

		assert_non_null(name);
		assert_string_equal(name, want[i]);
	}
	assert_int_equal(unwinder__stats(u)->results[UNWIND_COMPLETE], 1);
	assert_int_equal(unwinder__stats(u)->stack_bytes, snap.s.stack_len);
	unwinder__free(u);
	free_snapshot(&snap);
}

/* A copy cut short: truncated when the cut was the size limit, outside-copy otherwise. */
static void test_replay_cut_copy(void **state)
{
	struct unwinder *u = unwinder__new();
	struct snapshot snap = {0};
	enum unwind_result res;
	uint64_t pcs[64];
	int n;

	(void)state;
	load_snapshot(&snap);
	snap.s.stack_len = 16;
	snap.s.copy_full = true;
	n = replay(u, &snap, pcs, 64, &res);
	assert_int_equal(res, UNWIND_TRUNCATED);
	assert_true(n >= 1 && n < 6);
	snap.s.copy_full = false;
	n = replay(u, &snap, pcs, 64, &res);
	assert_int_equal(res, UNWIND_OUTSIDE_COPY);
	assert_true(n >= 1 && n < 6);
	unwinder__free(u);
	free_snapshot(&snap);
}

static void test_replay_max_depth(void **state)
{
	struct unwinder *u = unwinder__new();
	struct snapshot snap = {0};
	enum unwind_result res;
	uint64_t pcs[3];

	(void)state;
	load_snapshot(&snap);
	assert_int_equal(replay(u, &snap, pcs, 3, &res), 3);
	assert_int_equal(res, UNWIND_MAX_DEPTH);
	unwinder__free(u);
	free_snapshot(&snap);
}

/* The copy cut short, the rest of it given as a window of other copied memory. */
static void test_replay_window(void **state)
{
	struct unwinder *u = unwinder__new();
	struct snapshot snap = {0};
	struct unwind_window rest;
	enum unwind_result res;
	uint64_t pcs[64];

	(void)state;
	load_snapshot(&snap);
	rest.addr = snap.s.regs[UNWIND_REG_SP] + 64;
	rest.data = snap.s.stack + 64;
	rest.len = snap.s.stack_len - 64;
	snap.s.stack_len = 64;
	snap.s.windows = &rest;
	snap.s.nwindows = 1;
	assert_int_equal(replay(u, &snap, pcs, 64, &res), 6);
	assert_int_equal(res, UNWIND_COMPLETE);
	/* a window shorter than a word at its end is not read past */
	rest.len = 7;
	assert_true(replay(u, &snap, pcs, 64, &res) < 6);
	assert_int_equal(res, UNWIND_OUTSIDE_COPY);
	unwinder__free(u);
	free_snapshot(&snap);
}

/* mixed.c: CFI and frame pointers take turns, and the frame-pointer chain ends at rbp 0. */
static const char *const mixed_frames[] = {"mix",      "compare", "insertion_sort",
					   "sort_all", "run",	  "_start"};

static void test_replay_mixed(void **state)
{
	struct unwinder *u = unwinder__new();
	struct snapshot snap = {0};
	enum unwind_result res;
	uint64_t pcs[64];
	int n, i;

	(void)state;
	load_named_snapshot(&snap, "mixed");
	n = replay(u, &snap, pcs, 64, &res);
	if (res != UNWIND_COMPLETE)
		fail_msg("mixed: %s after %d frames", unwind_result__name(res), n);
	assert_int_equal(n, 6);
	for (i = 0; i < n; i++) {
		const char *name = unwinder__symbol(u, FAKE_PID, i ? pcs[i] - 1 : pcs[i]);

		assert_non_null(name);
		assert_string_equal(name, mixed_frames[i]);
	}
	/* sort_all and _start were found by the frame pointers of insertion_sort and run */
	assert_int_equal(unwinder__stats(u)->fp_frames, 2);
	assert_true(unwinder__stats(u)->switches >= 3);
	unwinder__free(u);
	free_snapshot(&snap);
}

/* Where in mixed's copy run's frame is: its return address into _start is above it. */
static size_t run_frame_offset(struct snapshot *snap, uint64_t start_ra)
{
	size_t off;
	uint64_t word;

	for (off = 8; off + 8 <= snap->s.stack_len; off += 8) {
		memcpy(&word, snap->s.stack + off, 8);
		if (word == start_ra)
			return off - 8;
	}
	fail_msg("no return address into _start in the copy");
	return 0;
}

/*
 * A frame pointer off the copy: past a copy cut at its limit (truncated), in the same stack
 * (outside-copy), or in another anonymous mapping, a stack of its own (other-stack: a
 * goroutine's frames during a cgo call). The missing memory given as a window completes it.
 */
static void test_replay_mixed_off_the_copy(void **state)
{
	struct unwinder *u = unwinder__new();
	struct snapshot snap = {0};
	struct unwind_window rest;
	enum unwind_result res;
	uint64_t pcs[64], sp, cut, lo, hi;
	char *split, *line;
	size_t off, len, whole;
	int n;

	(void)state;
	load_named_snapshot(&snap, "mixed");
	assert_int_equal(replay(u, &snap, pcs, 64, &res), 6);
	off = run_frame_offset(&snap, pcs[5]);
	sp = snap.s.regs[UNWIND_REG_SP];
	cut = sp + off;
	whole = snap.s.stack_len;
	snap.s.stack_len = off; /* run's saved rbp and return address are not in the copy */

	snap.s.copy_full = true;
	n = replay(u, &snap, pcs, 64, &res);
	assert_int_equal(res, UNWIND_TRUNCATED);
	assert_int_equal(n, 5); /* up to run, found by insertion_sort's frame pointer */
	snap.s.copy_full = false;
	n = replay(u, &snap, pcs, 64, &res);
	assert_int_equal(res, UNWIND_OUTSIDE_COPY);
	assert_int_equal(n, 5);

	/* the stack mapping split where the copy ends: run's frame on another stack */
	line = strstr(snap.maps, "[stack]");
	assert_non_null(line);
	while (line > snap.maps && line[-1] != '\n')
		line--;
	assert_int_equal(sscanf(line, "%" SCNx64 "-%" SCNx64, &lo, &hi), 2);
	assert_true(lo < sp && cut < hi);
	len = (size_t)(line - snap.maps) + 256;
	split = calloc(1, len);
	assert_non_null(split);
	memcpy(split, snap.maps, (size_t)(line - snap.maps));
	snprintf(split + (line - snap.maps), 256,
		 "%" PRIx64 "-%" PRIx64 " rw-p 00000000 00:00 0 [stack]\n"
		 "%" PRIx64 "-%" PRIx64 " rw-p 00000000 00:00 0 \n",
		 lo, cut, cut, hi);
	assert_int_equal(unwinder__set_maps(u, FAKE_PID, split, strlen(split)), 0);
	n = unwinder__unwind(u, FAKE_PID, FAKE_PID, &snap.s, pcs, 64, &res);
	assert_int_equal(res, UNWIND_OTHER_STACK);
	assert_int_equal(n, 5);
	assert_string_equal(unwind_result__name(res), "other-stack");

	rest.addr = cut;
	rest.data = snap.s.stack + off;
	rest.len = whole - off;
	snap.s.windows = &rest;
	snap.s.nwindows = 1;
	n = unwinder__unwind(u, FAKE_PID, FAKE_PID, &snap.s, pcs, 64, &res);
	assert_int_equal(res, UNWIND_COMPLETE);
	assert_int_equal(n, 6);
	free(split);
	unwinder__free(u);
	free_snapshot(&snap);
}

/*
 * Stack bytes are untrusted input: garbage copies (with frame pointers that point into them,
 * past them, backwards) and garbage registers end the walk with a reason, within max, and
 * without reading outside the copy (ASan).
 */
static void test_replay_garbage_stacks(void **state)
{
	struct unwinder *u = unwinder__new();
	struct snapshot snap = {0};
	enum unwind_result res;
	uint64_t pcs[16], real[8], x = 0x9e3779b97f4a7c15ULL, sp, *words;
	uint8_t *garbage;
	size_t len, i;
	int n, round;

	(void)state;
	load_named_snapshot(&snap, "mixed");
	len = snap.s.stack_len;
	garbage = malloc(len);
	assert_non_null(garbage);
	/* the real return addresses, planted among the garbage: CFI and frame pointers alternate */
	assert_int_equal(replay(u, &snap, real, 8, &res), 6);
	sp = snap.s.regs[UNWIND_REG_SP];
	for (round = 0; round < 300; round++) {
		struct unwind_sample s = snap.s;

		memcpy(garbage, snap.s.stack, len);
		words = (uint64_t *)(void *)garbage;
		for (i = 0; i < len / 8; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			/* some words untouched, some pointers into the copy, some code, some
			 * anything */
			if (x % 4 == 1)
				words[i] = (sp + (x >> 8) % (len + 64)) & ~7ULL;
			else if (x % 4 == 2)
				words[i] = real[(x >> 8) % 6];
			else if (x % 4 == 3)
				words[i] = x;
		}
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		s.stack = garbage;
		s.stack_len = len - (x >> 20) % 64;
		s.regs[UNWIND_REG_BP] = round % 2 ? (sp + (x >> 12) % len) & ~7ULL : x;
		if (round % 5 == 0)
			s.regs[UNWIND_REG_IP] = x | 1;
		else if (round % 2)
			s.regs[UNWIND_REG_IP] =
				real[2 + 2 * (round % 3 == 0)]; /* code without CFI */
		n = unwinder__unwind(u, FAKE_PID, FAKE_PID, &s, pcs, 16, &res);
		assert_true(n >= 1 && n <= 16);
		assert_true(res < UNWIND_NR_RESULTS);
	}
	assert_int_equal(unwinder__stats(u)->samples, 301);
	/* beyond the 2 of the real walk: garbage was walked by frame pointers too */
	if (unwinder__stats(u)->fp_frames < 50)
		fail_msg("%" PRIu64 " frames by frame pointer", unwinder__stats(u)->fp_frames);
	free(garbage);
	unwinder__free(u);
	free_snapshot(&snap);
}

/* No mapping for the pc, no process at all, nonsense registers: the pc alone is kept. */
static void test_replay_failures(void **state)
{
	static const char no_chain[] =
		"7ffd1ee1c000-7ffd1ee3d000 rw-p 00000000 00:00 0          [stack]\n";
	struct unwinder *u = unwinder__new();
	struct snapshot snap = {0};
	enum unwind_result res;
	uint64_t pcs[8];

	(void)state;
	load_snapshot(&snap);
	assert_int_equal(unwinder__set_maps(u, FAKE_PID, no_chain, sizeof(no_chain) - 1), 0);
	assert_int_equal(unwinder__unwind(u, FAKE_PID, FAKE_PID, &snap.s, pcs, 8, &res), 1);
	assert_int_equal(pcs[0], snap.s.regs[UNWIND_REG_IP]);
	assert_true(res == UNWIND_NO_MODULE || res == UNWIND_NO_PROCESS);

	/* a pid never added and gone: nothing to unwind with */
	assert_int_equal(unwinder__unwind(u, FAKE_PID - 1, FAKE_PID - 1, &snap.s, pcs, 8, &res), 1);
	assert_int_equal(res, UNWIND_NO_PROCESS);

	snap.s.regs[UNWIND_REG_SP] = 0;
	assert_int_equal(unwinder__unwind(u, FAKE_PID, FAKE_PID, &snap.s, pcs, 8, &res), 1);
	assert_int_equal(res, UNWIND_BAD_REGS);
	assert_string_equal(unwind_result__name(UNWIND_BAD_REGS), "bad-registers");
	assert_string_equal(unwind_result__name(UNWIND_COMPLETE), "complete");
	unwinder__free(u);
	free_snapshot(&snap);
}

/* --- a live snapshot of this process, taken inside a qsort callback ------------------ */

struct live_regs {
	uint64_t r[UNWIND_NR_REGS];
};

/*
 * Fill a struct live_regs (rdi) with the registers as the caller sees them just after the
 * call returns: pc = the return address, sp = past it, callee-saved registers unchanged.
 */
void capture_caller_regs(struct live_regs *out);
__asm__(".text\n"
	".globl capture_caller_regs\n"
	".type capture_caller_regs,@function\n"
	"capture_caller_regs:\n"
	".cfi_startproc\n"
	"mov %rbx, 24(%rdi)\n"
	"mov %rbp, 48(%rdi)\n"
	"lea 8(%rsp), %rax\n"
	"mov %rax, 56(%rdi)\n"
	"mov %r12, 96(%rdi)\n"
	"mov %r13, 104(%rdi)\n"
	"mov %r14, 112(%rdi)\n"
	"mov %r15, 120(%rdi)\n"
	"mov (%rsp), %rax\n"
	"mov %rax, 128(%rdi)\n"
	"ret\n"
	".cfi_endproc\n"
	".size capture_caller_regs,.-capture_caller_regs\n");

static struct live_regs live;
static uint8_t *live_stack;
static size_t live_len;
static int captures;

/* The top of the stack sp is on, from our own maps. */
static uint64_t stack_top(uint64_t sp)
{
	struct procmaps *m = procmaps__load(getpid());
	const struct procmap *p;
	uint64_t top;

	assert_non_null(m);
	p = procmaps__find(m, sp);
	assert_non_null(p);
	top = p->end;
	procmaps__free(m);
	return top;
}

/* A copy of live stack memory, which ASan poisons around its locals: not instrumented. */
__attribute__((no_sanitize_address)) static void copy_stack(uint8_t *dst, uint64_t src, size_t n)
{
	const volatile uint8_t *from = (const volatile uint8_t *)(uintptr_t)src;
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] = from[i];
}

__attribute__((noinline)) static int compare_and_capture(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	if (!captures++) {
		uint64_t sp;

		capture_caller_regs(&live);
		sp = live.r[UNWIND_REG_SP];
		live_len = stack_top(sp) - sp;
		if (live_len > 256 * 1024)
			live_len = 256 * 1024;
		live_stack = malloc(live_len);
		assert_non_null(live_stack);
		copy_stack(live_stack, sp, live_len);
	}
	return (x > y) - (x < y);
}

__attribute__((noinline)) static void sort_through_libc(void)
{
	int v[] = {5, 3, 9, 1, 7, 2, 8};

	qsort(v, sizeof(v) / sizeof(v[0]), sizeof(v[0]), compare_and_capture);
	assert_int_equal(v[0], 1);
}

static bool has_frame(struct unwinder *u, const uint64_t *pcs, int n, const char *want)
{
	const char *name;
	int i;

	for (i = 0; i < n; i++) {
		name = unwinder__symbol(u, getpid(), i ? pcs[i] - 1 : pcs[i]);
		if (name && strstr(name, want))
			return true;
	}
	return false;
}

static void test_live_through_libc_qsort(void **state)
{
	struct unwinder *u = unwinder__new();
	struct unwind_sample s = {0};
	enum unwind_result res;
	uint64_t pcs[128];
	int n;

	(void)state;
	captures = 0;
	sort_through_libc();
	assert_non_null(live_stack);
	memcpy(s.regs, live.r, sizeof(s.regs));
	s.stack = live_stack;
	s.stack_len = live_len;
	assert_int_equal(unwinder__add_pid(u, getpid()), 0);
	n = unwinder__unwind(u, getpid(), getpid(), &s, pcs, 128, &res);
	if (res != UNWIND_COMPLETE)
		fail_msg("unwind ended %s after %d frames: %s", unwind_result__name(res), n,
			 unwinder__last_error(u));
	assert_true(has_frame(u, pcs, n, "compare_and_capture"));
	assert_true(has_frame(u, pcs, n, "qsort"));
	assert_true(has_frame(u, pcs, n, "sort_through_libc"));
	assert_true(has_frame(u, pcs, n, "test_live_through_libc_qsort"));
	assert_true(has_frame(u, pcs, n, "main"));
	free(live_stack);
	live_stack = NULL;
	unwinder__free(u);
}

/*
 * Code in anonymous executable memory that keeps a frame pointer, as JIT code does with
 * -XX:+PreserveFramePointer: push %rbp; mov %rsp,%rbp; call *%rsi; pop %rbp; ret. It calls
 * its second argument with its first.
 */
static const uint8_t jit_code[] = {0x55, 0x48, 0x89, 0xe5, 0xff, 0xd6, 0x5d, 0xc3};

typedef void jit_fn(void *arg, void (*callback)(void *));

__attribute__((noinline)) static void capture_in_jit(void *arg)
{
	uint64_t sp;

	(void)arg;
	capture_caller_regs(&live);
	sp = live.r[UNWIND_REG_SP];
	live_len = stack_top(sp) - sp;
	if (live_len > 256 * 1024)
		live_len = 256 * 1024;
	live_stack = malloc(live_len);
	assert_non_null(live_stack);
	copy_stack(live_stack, sp, live_len);
}

__attribute__((noinline)) static void call_through_jit(jit_fn *jit)
{
	jit(NULL, capture_in_jit);
	__asm__ volatile("" ::: "memory"); /* not a tail call: this frame stays on the stack */
}

static void test_live_through_jit_code(void **state)
{
	struct unwinder *u = unwinder__new();
	struct unwind_sample s = {0};
	enum unwind_result res;
	uint64_t pcs[128], page;
	bool in_jit = false;
	void *mem;
	int n, i;

	(void)state;
	mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(mem != MAP_FAILED);
	memcpy(mem, jit_code, sizeof(jit_code));
	assert_int_equal(mprotect(mem, 4096, PROT_READ | PROT_EXEC), 0);
	page = (uintptr_t)mem;
	call_through_jit((jit_fn *)mem);
	assert_non_null(live_stack);
	memcpy(s.regs, live.r, sizeof(s.regs));
	s.stack = live_stack;
	s.stack_len = live_len;
	/* the maps are read after the code was mapped: an anonymous r-x mapping */
	assert_int_equal(unwinder__add_pid(u, getpid()), 0);
	n = unwinder__unwind(u, getpid(), getpid(), &s, pcs, 128, &res);
	if (res != UNWIND_COMPLETE)
		fail_msg("unwind ended %s after %d frames: %s", unwind_result__name(res), n,
			 unwinder__last_error(u));
	for (i = 1; i < n; i++)
		in_jit |= pcs[i] > page && pcs[i] <= page + sizeof(jit_code);
	assert_true(in_jit);
	assert_true(has_frame(u, pcs, n, "capture_in_jit"));
	assert_true(has_frame(u, pcs, n, "call_through_jit"));
	assert_true(has_frame(u, pcs, n, "test_live_through_jit_code"));
	assert_true(has_frame(u, pcs, n, "main"));
	/* the caller of the JIT code was found by its frame pointer, then CFI took over */
	assert_true(unwinder__stats(u)->fp_frames >= 1);
	assert_true(unwinder__stats(u)->switches >= 2);
	free(live_stack);
	live_stack = NULL;
	munmap(mem, 4096);
	unwinder__free(u);
}

/* Debian's libc keeps no frame pointers; this test is built with them (SAN_FLAGS). */
static void test_classify(void **state)
{
	struct unwinder *u = unwinder__new();
	const char *name = NULL;

	(void)state;
	assert_int_equal(unwind__classify_file("/proc/self/exe"), UNWIND_FP_KEPT);
	assert_int_equal(unwind__classify_file("/lib/x86_64-linux-gnu/libc.so.6"),
			 UNWIND_FP_OMITTED);
	assert_int_equal(unwind__classify_file("/nonexistent"), UNWIND_FP_UNKNOWN);
	assert_int_equal(unwind__classify_file("data/unwind/chain.maps"), UNWIND_FP_UNKNOWN);
	assert_int_equal(unwinder__add_pid(u, getpid()), 0);
	/* getpid: a libc function ASan does not intercept (qsort would be in libasan) */
	assert_int_equal(unwinder__frame_pointers(u, getpid(), (uintptr_t)getpid, &name),
			 UNWIND_FP_OMITTED);
	assert_string_equal(name, "libc.so.6");
	assert_int_equal(unwinder__frame_pointers(u, getpid(), (uintptr_t)test_classify, &name),
			 UNWIND_FP_KEPT);
	assert_int_equal(unwinder__frame_pointers(u, getpid(), (uintptr_t)&captures, &name),
			 UNWIND_FP_UNKNOWN); /* data, not code */
	unwinder__free(u);
}

/* A refresh of a process that has exited keeps the maps it had; a live one reads them again. */
static void test_refresh_pid_of_a_process_gone(void **state)
{
	struct unwinder *u = unwinder__new();
	const char *name;
	pid_t pid;

	(void)state;
	assert_non_null(u);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		pause();
		_exit(0);
	}
	/* a fork: the same mappings as this process */
	assert_int_equal(unwinder__add_pid(u, pid), 0);
	assert_int_equal(unwinder__refresh_pid(u, pid), 0);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(unwinder__refresh_pid(u, pid), -ESRCH);
	assert_int_equal(unwinder__frame_pointers(u, pid, (uintptr_t)getpid, &name),
			 UNWIND_FP_OMITTED);
	assert_string_equal(name, "libc.so.6");
	/* a child of it, never seen, gets the same maps */
	assert_int_equal(unwinder__inherit_pid(u, 1 << 22, 1 << 23), -ESRCH);
	assert_int_equal(unwinder__inherit_pid(u, 1 << 22, pid), 0);
	assert_int_equal(unwinder__frame_pointers(u, 1 << 22, (uintptr_t)getpid, &name),
			 UNWIND_FP_OMITTED);
	unwinder__free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot_matches_binary),
		cmocka_unit_test(test_replay_complete),
		cmocka_unit_test(test_replay_cut_copy),
		cmocka_unit_test(test_replay_max_depth),
		cmocka_unit_test(test_replay_failures),
		cmocka_unit_test(test_replay_window),
		cmocka_unit_test(test_replay_mixed),
		cmocka_unit_test(test_replay_mixed_off_the_copy),
		cmocka_unit_test(test_replay_garbage_stacks),
		cmocka_unit_test(test_live_through_libc_qsort),
		cmocka_unit_test(test_live_through_jit_code),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_refresh_pid_of_a_process_gone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
