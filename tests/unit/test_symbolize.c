// SPDX-License-Identifier: MIT
#include "test.h"

#include <dlfcn.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "profile.h"
#include "sym_elf.h"
#include "sym_kallsyms.h"
#include "sym_procmaps.h"
#include "symbolize.h"

#include "sym_fixtures.h"

/*
 * Where pid has the code of bin's symbol sym, from its maps (the way a sampler sees it);
 * mapped is the file pid runs when it is a stripped copy of bin.
 */
static uint64_t runtime_addr_in(pid_t pid, const char *bin, const char *mapped, const char *sym)
{
	uint64_t off = vaddr_to_offset(bin, nm_addr(bin, sym)), addr = 0;
	struct procmaps *maps = procmaps__load(pid);
	char real[4096];
	size_t i;

	assert_non_null(maps);
	assert_non_null(realpath(mapped, real));
	for (i = 0; i < maps->len && !addr; i++) {
		const struct procmap *m = &maps->maps[i];

		if (!strcmp(m->path, real) && off >= m->offset &&
		    off - m->offset < m->end - m->start)
			addr = m->start + off - m->offset;
	}
	procmaps__free(maps);
	if (!addr)
		fail_msg("%s of %s is not mapped in %d", sym, mapped, (int)pid);
	return addr;
}

static uint64_t runtime_addr(pid_t pid, const char *bin, const char *sym)
{
	return runtime_addr_in(pid, bin, bin, sym);
}

/* The fixture process a test started, killed by the teardown if the test fails early. */
static pid_t child;

/* Start "bin sleep" and wait until it runs its main. */
static pid_t spawn_fixture(const char *bin)
{
	char buf[16] = {0};
	int fds[2];
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		dup2(fds[1], 1);
		close(fds[0]);
		execl(bin, bin, "sleep", (char *)NULL);
		_exit(127);
	}
	child = pid;
	close(fds[1]);
	assert_true(read(fds[0], buf, sizeof(buf) - 1) > 0);
	close(fds[0]);
	assert_string_equal(buf, "ready\n");
	return pid;
}

static void kill_fixture(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	child = 0;
}

static int kill_leftover_child(void **state)
{
	(void)state;
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		child = 0;
	}
	return 0;
}

struct fixture_ctx {
	struct profile *p;
	struct symbolizer *s;
};

static struct fixture_ctx ctx_new(const struct symbolizer_opts *opts)
{
	struct fixture_ctx c;

	c.p = profile__new();
	assert_non_null(c.p);
	c.s = symbolizer__new(c.p, opts);
	assert_non_null(c.s);
	return c;
}

static void ctx_free(struct fixture_ctx *c)
{
	struct flame_err err = {{0}};

	if (profile__validate(c->p, &err))
		fail_msg("invalid profile: %s", err.msg);
	symbolizer__free(c->s);
	profile__free(c->p);
}

static const struct line *loc_lines(const struct profile *p, int64_t id, uint32_t *n)
{
	const struct location *loc;

	assert_true(id > 0 && (uint64_t)id <= p->locations.len);
	loc = profile__location(p, (uint64_t)id);
	*n = loc->nlines;
	return profile__location_lines(p, loc);
}

static const char *fn_name(const struct profile *p, const struct line *l)
{
	return profile__str(p, profile__function(p, l->function_id)->name);
}

static const char *fn_file(const struct profile *p, const struct line *l)
{
	return profile__str(p, profile__function(p, l->function_id)->filename);
}

/* The real function (last line) of a location. */
static const char *loc_function(const struct profile *p, int64_t id)
{
	uint32_t n;
	const struct line *lines = loc_lines(p, id, &n);

	assert_true(n >= 1);
	return fn_name(p, &lines[n - 1]);
}

static const struct mapping *loc_mapping(const struct profile *p, int64_t id)
{
	return profile__mapping(p, profile__location(p, (uint64_t)id)->mapping_id);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static bool is_lower_hex(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

__attribute__((noinline)) int symbolize_test_target(int x)
{
	volatile int y = x;

	return y * 7 + 1;
}

static void test_own_process(void **state)
{
	struct fixture_ctx c = ctx_new(NULL);
	uint64_t fn = (uint64_t)(uintptr_t)&symbolize_test_target;
	const struct mapping *m;
	const struct line *lines;
	int64_t id, id2;
	uint32_t n;

	(void)state;
	assert_int_equal(symbolizer__add_pid(c.s, getpid()), 0);
	id = symbolizer__user_location(c.s, getpid(), fn + 4, true);
	assert_true(id > 0);
	lines = loc_lines(c.p, id, &n);
	assert_int_equal(n, 1);
	assert_string_equal(fn_name(c.p, &lines[0]), "symbolize_test_target");
	assert_true(ends_with(fn_file(c.p, &lines[0]), "test_symbolize.c"));
	assert_true(lines[0].line > 0);
	assert_int_equal(profile__location(c.p, (uint64_t)id)->address, fn + 4);
	/* a return address is looked up (and stored) one byte earlier */
	id2 = symbolizer__user_location(c.s, getpid(), fn + 5, false);
	assert_int_equal(id2, id);
	m = loc_mapping(c.p, id);
	assert_non_null(m);
	assert_true(ends_with(profile__str(c.p, m->filename), "test_symbolize"));
	assert_true(is_lower_hex(profile__str(c.p, m->build_id)));
	assert_true(m->has_functions && m->has_filenames && m->has_line_numbers &&
		    m->has_inline_frames);
	assert_true(m->memory_start <= fn && fn < m->memory_limit);
	/* the main executable's mapping comes first */
	assert_ptr_equal(m, profile__mapping(c.p, 1));
	/* libc, through its dynamic symbols at least */
	id = symbolizer__user_location(c.s, getpid(), (uint64_t)(uintptr_t)&getpid, true);
	assert_non_null(strstr(loc_function(c.p, id), "getpid"));
	assert_int_equal(symbolizer__stats(c.s)->pids, 1);
	assert_int_equal(symbolizer__stats(c.s)->frames, 3);
	assert_int_equal(symbolizer__stats(c.s)->unknown_frames, 0);
	ctx_free(&c);
}

struct a2l_frame {
	char function[256];
	char file[512];
	int line;
};

/* addr2line -f -i for one address of bin: frames innermost first. */
static int addr2line(const char *bin, uint64_t addr, struct a2l_frame *out, int max)
{
	char cmd[1024], fn[256], loc[512];
	int n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "addr2line -f -i -e '%s' 0x%llx", bin, (unsigned long long)addr);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (n < max && fgets(fn, sizeof(fn), p) && fgets(loc, sizeof(loc), p)) {
		char *colon;

		fn[strcspn(fn, "\n")] = '\0';
		loc[strcspn(loc, "\n ")] = '\0';
		colon = strrchr(loc, ':');
		assert_non_null(colon);
		*colon = '\0';
		snprintf(out[n].function, sizeof(out[n].function), "%s", fn);
		snprintf(out[n].file, sizeof(out[n].file), "%s", loc);
		out[n].line = atoi(colon + 1);
		n++;
	}
	pclose(p);
	return n;
}

/* The location of pid's address must show what addr2line says of the file address. */
static void expect_like_addr2line(const struct profile *p, int64_t id, const char *bin,
				  uint64_t vaddr)
{
	struct a2l_frame want[8];
	int nwant = addr2line(bin, vaddr, want, 8), i;
	const struct line *lines;
	uint32_t n;

	lines = loc_lines(p, id, &n);
	assert_int_equal(n, nwant);
	for (i = 0; i < nwant; i++) {
		assert_string_equal(fn_name(p, &lines[i]), want[i].function);
		assert_string_equal(fn_file(p, &lines[i]), want[i].file);
		assert_int_equal(lines[i].line, want[i].line);
	}
}

static void test_child_process_resolves_after_exit(void **state)
{
	struct fixture_ctx c = ctx_new(NULL);
	const char *bin = fx("fixture"), *lib = fx("libfixture.so");
	uint64_t leaf, caller, libmul, inl = 0, v;
	const struct symbolizer_stats *st;
	const struct mapping *m;
	pid_t pid = spawn_fixture(bin);
	int64_t id;
	uint32_t n;

	(void)state;
	assert_int_equal(symbolizer__add_pid(c.s, pid), 0);
	leaf = runtime_addr(pid, bin, "fixture_leaf");
	caller = runtime_addr(pid, bin, "fixture_caller");
	libmul = runtime_addr(pid, lib, "fixture_lib_mul");
	kill_fixture(pid);

	/* the process is gone: everything comes from the files opened by add_pid */
	assert_string_equal(
		loc_function(c.p, symbolizer__user_location(c.s, pid, caller + 1, true)),
		"fixture_caller");
	id = symbolizer__user_location(c.s, pid, libmul + 2, true);
	assert_string_equal(loc_function(c.p, id), "fixture_lib_mul");
	m = loc_mapping(c.p, id);
	assert_true(ends_with(profile__str(c.p, m->filename), "/libfixture.so"));
	assert_true(m->memory_start <= libmul && libmul < m->memory_limit);
	assert_true(m->has_functions);
	expect_like_addr2line(c.p, id, lib, nm_addr(lib, "fixture_lib_mul") + 2);
	/* find an address inside the inlined loop and compare frames with addr2line */
	for (v = 0; v < 0x30 && !inl; v++) {
		id = symbolizer__user_location(c.s, pid, leaf + v, true);
		loc_lines(c.p, id, &n);
		if (n == 2)
			inl = v;
	}
	assert_true(inl > 0);
	expect_like_addr2line(c.p, id, bin, nm_addr(bin, "fixture_leaf") + inl);
	assert_string_equal(fn_name(c.p, loc_lines(c.p, id, &n)), "fixture_inlined");
	/* the fixture's executable is the first mapping */
	assert_true(ends_with(profile__str(c.p, profile__mapping(c.p, 1)->filename), "/fixture"));
	st = symbolizer__stats(c.s);
	assert_true(st->files_opened >= 3); /* fixture, libfixture.so, libc… */
	assert_int_equal(st->maps_refreshes, 0);
	assert_int_equal(st->unknown_frames, 0);
	/* outside every mapping of a dead process: one refresh attempt, then [unknown] */
	id = symbolizer__user_location(c.s, pid, 0x1000, true);
	assert_string_equal(loc_function(c.p, id), "[unknown]");
	assert_int_equal(profile__location(c.p, (uint64_t)id)->mapping_id, 0);
	symbolizer__user_location(c.s, pid, 0x2000, true);
	assert_int_equal(st->maps_refreshes, 1);
	assert_int_equal(st->unknown_frames, 2);
	ctx_free(&c);
}

static void test_deleted_binary_through_map_files(void **state)
{
	struct fixture_ctx c;
	char copy[600], cmd[1300];
	uint64_t leaf;
	pid_t pid;
	int64_t id;

	(void)state;
	if (geteuid()) {
		skip(); /* /proc/PID/map_files needs CAP_SYS_ADMIN */
		return;
	}
	c = ctx_new(NULL);
	snprintf(copy, sizeof(copy), "%s", fx("fixture.doomed"));
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", fx("fixture"), copy);
	assert_int_equal(system(cmd), 0);
	pid = spawn_fixture(copy);
	leaf = runtime_addr(pid, copy, "fixture_leaf");
	assert_int_equal(unlink(copy), 0);
	assert_int_equal(symbolizer__add_pid(c.s, pid), 0);
	kill_fixture(pid);
	id = symbolizer__user_location(c.s, pid, leaf + 1, true);
	assert_string_equal(loc_function(c.p, id), "fixture_leaf");
	/* the mapping's name is the path without " (deleted)" */
	assert_true(
		ends_with(profile__str(c.p, loc_mapping(c.p, id)->filename), "/fixture.doomed"));
	ctx_free(&c);
}

static void test_dlopen_after_add_pid_refreshes_maps(void **state)
{
	struct fixture_ctx c = ctx_new(NULL);
	uint64_t mul;
	void *h, *sym;
	int64_t id;

	(void)state;
	assert_int_equal(symbolizer__add_pid(c.s, getpid()), 0);
	/* built by lld: its code segment has p_vaddr != p_offset, at a random base */
	h = dlopen(fx("libfixture_lld.so"), RTLD_NOW | RTLD_LOCAL);
	assert_non_null(h);
	sym = dlsym(h, "fixture_lib_mul");
	assert_non_null(sym);
	mul = (uint64_t)(uintptr_t)sym;
	id = symbolizer__user_location(c.s, getpid(), mul + 1, true);
	assert_string_equal(loc_function(c.p, id), "fixture_lib_mul");
	assert_int_equal(symbolizer__stats(c.s)->maps_refreshes, 1);
	assert_true(
		ends_with(profile__str(c.p, loc_mapping(c.p, id)->filename), "/libfixture_lld.so"));
	expect_like_addr2line(c.p, id, fx("libfixture_lld.so"),
			      nm_addr(fx("libfixture_lld.so"), "fixture_lib_mul") + 1);
	ctx_free(&c);
	dlclose(h);
}

static void test_jit_code_through_perf_map(void **state)
{
	struct fixture_ctx c = ctx_new(NULL);
	void *code = mmap(NULL, 8192, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t base = (uint64_t)(uintptr_t)code;
	const struct function *f;
	const struct line *lines;
	char path[64];
	int64_t id;
	uint32_t n;
	FILE *out;

	(void)state;
	assert_true(code != MAP_FAILED);
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
	out = fopen(path, "w");
	assert_non_null(out);
	fprintf(out, "%llx 40 LazyCompile:*hot /app/hot.js:1\n", (unsigned long long)base);
	fprintf(out, "0x%llx 0x40 _Z3jitv\n", (unsigned long long)base + 0x100);
	fclose(out);
	assert_int_equal(symbolizer__add_pid(c.s, getpid()), 0);
	unlink(path);
	id = symbolizer__user_location(c.s, getpid(), base + 0x10, true);
	assert_string_equal(loc_function(c.p, id), "LazyCompile:*hot /app/hot.js:1");
	assert_string_equal(profile__str(c.p, loc_mapping(c.p, id)->filename), JIT_MAPPING_NAME);
	assert_true(loc_mapping(c.p, id)->has_functions);
	/* names in a perf map are demangled like any other */
	lines = loc_lines(c.p, symbolizer__user_location(c.s, getpid(), base + 0x120, true), &n);
	f = profile__function(c.p, lines[0].function_id);
	assert_string_equal(profile__str(c.p, f->name), "jit()");
	assert_string_equal(profile__str(c.p, f->system_name), "_Z3jitv");
	/* JIT memory the map does not cover */
	id = symbolizer__user_location(c.s, getpid(), base + 0x1000, true);
	assert_string_equal(loc_function(c.p, id), "[unknown]");
	assert_int_equal(symbolizer__stats(c.s)->unknown_frames, 1);
	assert_int_equal(symbolizer__stats(c.s)->jit_frames, 2);
	ctx_free(&c);
	munmap(code, 8192);
}

static void test_unknown_frames_keep_module_and_offset(void **state)
{
	struct symbolizer_opts opts = {.debug_dirs = fx("no-debug-here")};
	struct fixture_ctx c = ctx_new(&opts);
	const char *bin = fx("fixture.stripped");
	uint64_t leaf, off;
	char want[256];
	pid_t pid;
	int64_t id;

	(void)state;
	pid = spawn_fixture(bin);
	assert_int_equal(symbolizer__add_pid(c.s, pid), 0);
	leaf = runtime_addr_in(pid, fx("fixture"), bin, "fixture_leaf");
	kill_fixture(pid);
	off = vaddr_to_offset(fx("fixture"), nm_addr(fx("fixture"), "fixture_leaf"));
	/* stripped, no debug file anywhere: the module and file offset are all there is */
	id = symbolizer__user_location(c.s, pid, leaf + 3, true);
	snprintf(want, sizeof(want), "fixture.stripped+0x%llx", (unsigned long long)off + 3);
	assert_string_equal(loc_function(c.p, id), want);
	assert_false(loc_mapping(c.p, id)->has_functions);
	assert_int_equal(symbolizer__stats(c.s)->unknown_frames, 1);
	/* cache hits count again */
	symbolizer__user_location(c.s, pid, leaf + 3, true);
	assert_int_equal(symbolizer__stats(c.s)->unknown_frames, 2);
	ctx_free(&c);
}

static void test_options_no_inlines_and_no_lines(void **state)
{
	struct symbolizer_opts o1 = {.no_inlines = true}, o2 = {.no_file_lines = true};
	struct fixture_ctx c1 = ctx_new(&o1), c2 = ctx_new(&o2);
	const char *bin = fx("fixture");
	const struct line *lines;
	uint64_t leaf, v;
	pid_t pid;
	uint32_t n;

	(void)state;
	pid = spawn_fixture(bin);
	assert_int_equal(symbolizer__add_pid(c1.s, pid), 0);
	assert_int_equal(symbolizer__add_pid(c2.s, pid), 0);
	leaf = runtime_addr(pid, bin, "fixture_leaf");
	kill_fixture(pid);
	for (v = 0; v < 0x30; v++) {
		lines = loc_lines(c1.p, symbolizer__user_location(c1.s, pid, leaf + v, true), &n);
		assert_int_equal(n, 1);
		assert_string_equal(fn_name(c1.p, &lines[0]), "fixture_leaf");
		assert_true(lines[0].line > 0);
		lines = loc_lines(c2.p, symbolizer__user_location(c2.s, pid, leaf + v, true), &n);
		assert_true(n >= 1);
		assert_int_equal(lines[n - 1].line, 0);
		assert_string_equal(fn_file(c2.p, &lines[n - 1]), "");
		assert_string_equal(fn_name(c2.p, &lines[n - 1]), "fixture_leaf");
	}
	ctx_free(&c1);
	ctx_free(&c2);
}

static void test_forget_pid_takes_a_new_snapshot(void **state)
{
	struct fixture_ctx c = ctx_new(NULL);
	uint64_t fn = (uint64_t)(uintptr_t)&symbolize_test_target;
	int64_t a, b;

	(void)state;
	a = symbolizer__user_location(c.s, getpid(), fn, true); /* adds the pid on the spot */
	symbolizer__forget_pid(c.s, getpid());
	symbolizer__forget_pid(c.s, 999999999); /* unknown: nothing to do */
	b = symbolizer__user_location(c.s, getpid(), fn, true);
	assert_int_equal(a, b); /* same mapping, address and lines: the same location */
	assert_int_equal(symbolizer__stats(c.s)->pids, 2);
	assert_int_equal(symbolizer__add_pid(c.s, 1 << 23), -ESRCH);
	ctx_free(&c);
}

/* A refresh (same image, libraries mapped since) never loses what a process that exited had. */
static void test_refresh_pid_keeps_the_snapshot_of_a_process_gone(void **state)
{
	struct fixture_ctx c = ctx_new(NULL);
	const char *bin = fx("fixture");
	pid_t pid = spawn_fixture(bin);
	uint64_t caller = runtime_addr(pid, bin, "fixture_caller");

	(void)state;
	assert_int_equal(symbolizer__add_pid(c.s, pid), 0);
	/* alive: the maps are read again */
	assert_int_equal(symbolizer__refresh_pid(c.s, pid), 0);
	kill_fixture(pid);
	assert_int_equal(symbolizer__refresh_pid(c.s, pid), -ESRCH);
	assert_string_equal(
		loc_function(c.p, symbolizer__user_location(c.s, pid, caller + 1, true)),
		"fixture_caller");
	/* a pid never seen is added, as add_pid would */
	assert_int_equal(symbolizer__refresh_pid(c.s, 1 << 23), -ESRCH);
	ctx_free(&c);
}

/* A forked child gone before its maps were read is symbolized with its parent's. */
static void test_inherit_pid_from_the_parent(void **state)
{
	struct fixture_ctx c = ctx_new(NULL);
	const char *bin = fx("fixture");
	pid_t pid = spawn_fixture(bin), gone = 1 << 22;
	uint64_t caller = runtime_addr(pid, bin, "fixture_caller");

	(void)state;
	/* nothing known of the parent yet */
	assert_int_equal(symbolizer__inherit_pid(c.s, gone, pid), -ESRCH);
	assert_int_equal(symbolizer__add_pid(c.s, pid), 0);
	assert_int_equal(symbolizer__inherit_pid(c.s, gone, pid), 0);
	kill_fixture(pid);
	assert_string_equal(
		loc_function(c.p, symbolizer__user_location(c.s, gone, caller + 1, true)),
		"fixture_caller");
	assert_int_equal(symbolizer__stats(c.s)->pids_inherited, 1);
	/* a child with a snapshot of its own keeps it */
	assert_int_equal(symbolizer__inherit_pid(c.s, gone, pid), 0);
	assert_int_equal(symbolizer__stats(c.s)->pids_inherited, 1);
	ctx_free(&c);
}

/* The vDSO has no file: its image is read from memory (the same in every process). */
static void test_vdso(void **state)
{
	uint64_t base = getauxval(AT_SYSINFO_EHDR), va = 0, addr = 0;
	struct procmaps *maps = procmaps__load(getpid());
	struct fixture_ctx c = ctx_new(NULL);
	struct elf_file *vdso = NULL;
	size_t i;
	int64_t id;

	(void)state;
	assert_non_null(maps);
	for (i = 0; i < maps->len; i++)
		if (maps->maps[i].start == base)
			vdso = elf_file__open_memory((const void *)(uintptr_t)base,
						     maps->maps[i].end - base);
	procmaps__free(maps);
	if (!base || !vdso) {
		skip();
		return;
	}
	assert_int_equal(elf_file__find_symbol(vdso, "__vdso_clock_gettime", &va), 0);
	elf_file__free(vdso);
	addr = base + va; /* the vDSO is linked at 0 */
	id = symbolizer__user_location(c.s, getpid(), addr + 1, true);
	assert_non_null(strstr(loc_function(c.p, id), "clock_gettime"));
	assert_string_equal(profile__str(c.p, loc_mapping(c.p, id)->filename), "[vdso]");
	ctx_free(&c);
}

static bool running_in_ci(void)
{
	const char *ci = getenv("CI");

	return ci && !strcmp(ci, "true");
}

static void test_kernel_location(void **state)
{
	struct ksyms *k = ksyms__load();
	struct fixture_ctx c;
	const struct ksym *sched;
	int64_t id;

	(void)state;
	if (!k && errno == EACCES && !running_in_ci()) {
		skip(); /* kptr_restrict hides kernel addresses from this user */
		return;
	}
	assert_non_null(k);
	sched = ksyms__find_name(k, "schedule");
	assert_non_null(sched);
	c = ctx_new(NULL);
	id = symbolizer__kernel_location(c.s, sched->addr + 4);
	assert_string_equal(loc_function(c.p, id), "schedule");
	assert_string_equal(profile__str(c.p, loc_mapping(c.p, id)->filename), KERNEL_MAPPING_NAME);
	assert_true(loc_mapping(c.p, id)->has_functions);
	assert_int_equal(symbolizer__kernel_location(c.s, sched->addr + 4), id);
	assert_int_equal(symbolizer__stats(c.s)->kallsyms_error, 0);
	assert_int_equal(symbolizer__stats(c.s)->kernel_frames, 1);
	/* a user address in kernel context resolves to nothing, as [unknown] */
	assert_string_equal(loc_function(c.p, symbolizer__kernel_location(c.s, 0x1000)),
			    "[unknown]");
	ctx_free(&c);
	ksyms__free(k);
}

/* CPU time, not wall time: the machines running the tests are shared and noisy. */
static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* 200,000 frames over 2,000 distinct addresses (libc and this binary) in well under 1 s. */
static void test_speed_of_cached_frames(void **state)
{
	enum { DISTINCT = 2000, FRAMES = 200000 };
	struct fixture_ctx c = ctx_new(NULL);
	uint64_t *addrs = malloc(DISTINCT * sizeof(*addrs));
	uint64_t libc = (uint64_t)(uintptr_t)&getpid, self = (uint64_t)(uintptr_t)&test_own_process;
	pid_t me = getpid(); /* a real system call here: keep it out of the loop */
	struct timespec t0;
	double first, cached;
	size_t i;

	(void)state;
	assert_non_null(addrs);
	for (i = 0; i < DISTINCT; i++)
		addrs[i] = (i & 1 ? libc : self) + (i / 2) * 37;
	assert_int_equal(symbolizer__add_pid(c.s, me), 0);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	for (i = 0; i < DISTINCT; i++)
		assert_true(symbolizer__user_location(c.s, me, addrs[i], i % 3 == 0) > 0);
	first = seconds_since(&t0);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	for (i = 0; i < FRAMES; i++)
		assert_true(symbolizer__user_location(c.s, me, addrs[i % DISTINCT],
						      (i % DISTINCT) % 3 == 0) > 0);
	cached = seconds_since(&t0);
	print_message("symbolize: %d distinct addresses in %.1f ms CPU, %d cached frames in %.1f "
		      "ms CPU\n",
		      DISTINCT, first * 1e3, FRAMES, cached * 1e3);
	assert_true(cached < 1.0);
	assert_int_equal(symbolizer__stats(c.s)->frames, DISTINCT + FRAMES);
	free(addrs);
	ctx_free(&c);
}

static void test_jvm_frame_names(void **state)
{
	char buf[128];

	(void)state;
	/* the return type and the parameters go: the method is what a flame graph shows */
	assert_string_equal(
		symbolizer__jvm_frame_name("long JitHot.mix(long, long)", buf, sizeof(buf)),
		"JitHot.mix");
	assert_string_equal(
		symbolizer__jvm_frame_name("java.lang.Object jdk.internal.misc.Unsafe."
					   "getReferenceVolatile(java.lang.Object, long)",
					   buf, sizeof(buf)),
		"jdk.internal.misc.Unsafe.getReferenceVolatile");
	assert_string_equal(
		symbolizer__jvm_frame_name("void com.example.Foo.<init>()", buf, sizeof(buf)),
		"com.example.Foo.<init>");
	assert_string_equal(symbolizer__jvm_frame_name("Interpreter", buf, sizeof(buf)),
			    JVM_INTERPRETED_NAME);
	/* stubs and adapters keep their names */
	assert_string_equal(symbolizer__jvm_frame_name("StubRoutines (1)", buf, sizeof(buf)),
			    "StubRoutines (1)");
	assert_string_equal(symbolizer__jvm_frame_name("I2C/C2I adapters", buf, sizeof(buf)),
			    "I2C/C2I adapters");
	assert_string_equal(symbolizer__jvm_frame_name("(", buf, sizeof(buf)), "(");
	assert_string_equal(symbolizer__jvm_frame_name("a.b()", buf, 2), "a.b()");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_own_process, kill_leftover_child),
		cmocka_unit_test_teardown(test_child_process_resolves_after_exit,
					  kill_leftover_child),
		cmocka_unit_test_teardown(test_deleted_binary_through_map_files,
					  kill_leftover_child),
		cmocka_unit_test_teardown(test_dlopen_after_add_pid_refreshes_maps,
					  kill_leftover_child),
		cmocka_unit_test_teardown(test_jit_code_through_perf_map, kill_leftover_child),
		cmocka_unit_test_teardown(test_unknown_frames_keep_module_and_offset,
					  kill_leftover_child),
		cmocka_unit_test_teardown(test_options_no_inlines_and_no_lines,
					  kill_leftover_child),
		cmocka_unit_test_teardown(test_forget_pid_takes_a_new_snapshot,
					  kill_leftover_child),
		cmocka_unit_test_teardown(test_refresh_pid_keeps_the_snapshot_of_a_process_gone,
					  kill_leftover_child),
		cmocka_unit_test_teardown(test_inherit_pid_from_the_parent, kill_leftover_child),
		cmocka_unit_test_teardown(test_vdso, kill_leftover_child),
		cmocka_unit_test_teardown(test_kernel_location, kill_leftover_child),
		cmocka_unit_test_teardown(test_speed_of_cached_frames, kill_leftover_child),
		cmocka_unit_test(test_jvm_frame_names),
	};

	return cmocka_run_group_tests_name("symbolize", tests, build_fixtures, remove_fixtures);
}
