// SPDX-License-Identifier: MIT
/*
 * Tests for cli/go_runtime.c: build info, version parsing, and the runtime facts of the
 * goroutines example (examples/go/goroutines) built with every Go toolchain installed
 * (/usr/lib/go-1.*), normal and stripped. What knows the answer: the binary's own DWARF and
 * .symtab (for the tables and the code search used on stripped files) and `go version`.
 */
#include "test.h"

#include <glob.h>
#include <unistd.h>

#include "go_runtime.h"

#define MAX_TOOLCHAINS 8

struct toolchain {
	char go[256];	  /* /usr/lib/go-1.22/bin/go */
	char version[64]; /* go1.22.12, from `go version` */
	char dir[512];	  /* where the example was built */
};

static struct toolchain toolchains[MAX_TOOLCHAINS];
static int ntoolchains = -1;
static char build_root[256];

static void run(const char *cmd)
{
	int st = system(cmd);

	if (st != 0)
		fail_msg("%s failed (%d)", cmd, st);
}

static void go_version_of(struct toolchain *t)
{
	char cmd[512];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "'%s' version", t->go);
	p = popen(cmd, "r");
	assert_non_null(p);
	/* "go version go1.22.12 linux/amd64" */
	if (fscanf(p, "go version %63s", t->version) != 1)
		fail_msg("%s: unexpected output", cmd);
	pclose(p);
}

/* Build the example with each installed toolchain once (normal and stripped). */
static void need_toolchains(void)
{
	glob_t g;
	size_t i;

	if (ntoolchains >= 0)
		goto done;
	ntoolchains = 0;
	snprintf(build_root, sizeof(build_root), "%s/singe-goruntime.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(build_root));
	if (glob("/usr/lib/go-1.*/bin/go", 0, NULL, &g) == 0) {
		for (i = 0; i < g.gl_pathc && ntoolchains < MAX_TOOLCHAINS; i++) {
			struct toolchain *t = &toolchains[ntoolchains++];
			char cmd[2048];

			snprintf(t->go, sizeof(t->go), "%s", g.gl_pathv[i]);
			go_version_of(t);
			char version[64];

			memcpy(version, t->version, sizeof(version));
			snprintf(t->dir, sizeof(t->dir), "%s/%s", build_root, version);
			snprintf(cmd, sizeof(cmd),
				 "PATH=\"$(dirname '%s')\":$PATH NOPIE=1 "
				 "../examples/go/build.sh '%s' goroutines",
				 t->go, t->dir);
			run(cmd);
		}
		globfree(&g);
	}
done:
	if (!ntoolchains)
		skip();
}

static char *read_bin(const struct toolchain *t, const char *name, size_t *len)
{
	char path[700];

	snprintf(path, sizeof(path), "%s/%s", t->dir, name);
	return test_read_file(path, len);
}

static void test_version_parse(void **state)
{
	int ma = 0, mi = 0;

	(void)state;
	assert_int_equal(go_version__parse("go1.21.13", &ma, &mi), 0);
	assert_int_equal(ma, 1);
	assert_int_equal(mi, 21);
	assert_int_equal(go_version__parse("go1.19", &ma, &mi), 0);
	assert_int_equal(mi, 19);
	assert_int_equal(go_version__parse("devel go1.24-abcdef Tue", &ma, &mi), 0);
	assert_int_equal(mi, 24);
	assert_int_equal(go_version__parse("1.21.13", &ma, &mi), -EINVAL);
	assert_int_equal(go_version__parse("go", &ma, &mi), -EINVAL);
	assert_int_equal(go_version__parse("go1", &ma, &mi), -EINVAL);
	assert_int_equal(go_version__parse("go1.", &ma, &mi), -EINVAL);
	assert_int_equal(go_version__parse("go0.5", &ma, &mi), -EINVAL);
}

/* A build info section: 32-byte header, then the version as a varint-prefixed string. */
static size_t make_buildinfo(uint8_t *buf, const char *version, uint8_t flags)
{
	size_t n = strlen(version);

	memset(buf, 0, 32);
	memcpy(buf, "\xff Go buildinf:", 14);
	buf[14] = 8;
	buf[15] = flags;
	buf[32] = (uint8_t)n;
	memcpy(buf + 33, version, n);
	return 33 + n;
}

static void test_buildinfo(void **state)
{
	uint8_t sec[128];
	char v[64];
	size_t n;

	(void)state;
	n = make_buildinfo(sec, "go1.22.12", 2);
	assert_int_equal(go_buildinfo__version(sec, n, v, sizeof(v)), 0);
	assert_string_equal(v, "go1.22.12");
	/* every truncation is refused, none read past the end (ASan) */
	for (size_t k = 0; k < n; k++) {
		uint8_t *cut = malloc(k ? k : 1);

		memcpy(cut, sec, k);
		assert_int_equal(go_buildinfo__version(cut, k, v, sizeof(v)), -EINVAL);
		free(cut);
	}
	/* pre-1.18 pointer layout */
	make_buildinfo(sec, "go1.17", 0);
	assert_int_equal(go_buildinfo__version(sec, n, v, sizeof(v)), -ENOTSUP);
	/* bad magic, a length past the end, a version too long for the buffer, a NUL inside */
	make_buildinfo(sec, "go1.22.12", 2);
	sec[1] = 'X';
	assert_int_equal(go_buildinfo__version(sec, n, v, sizeof(v)), -EINVAL);
	make_buildinfo(sec, "go1.22.12", 2);
	sec[32] = 100;
	assert_int_equal(go_buildinfo__version(sec, n, v, sizeof(v)), -EINVAL);
	make_buildinfo(sec, "go1.22.12", 2);
	assert_int_equal(go_buildinfo__version(sec, n, v, 5), -EINVAL);
	sec[35] = 0;
	assert_int_equal(go_buildinfo__version(sec, n, v, sizeof(v)), -EINVAL);
	/* a varint that never ends */
	make_buildinfo(sec, "go1.22.12", 2);
	memset(sec + 32, 0xff, 10);
	assert_int_equal(go_buildinfo__version(sec, 42, v, sizeof(v)), -EINVAL);
}

static void test_not_go(void **state)
{
	static struct go_runtime rt;
	size_t len;
	char *img = test_read_file("/bin/sh", &len);
	char junk[4096];

	(void)state;
	assert_int_equal(go_runtime__read(img, len, &rt), -ENOENT);
	assert_false(go_runtime__is_go(img, len));
	free(img);
	memset(junk, 'x', sizeof(junk));
	assert_false(go_runtime__is_go(junk, sizeof(junk)));
	assert_int_equal(go_runtime__read(junk, sizeof(junk), &rt), -ENOEXEC);
	assert_int_equal(go_runtime__read(junk, 0, &rt), -ENOEXEC);
}

static void assert_same_layout(const struct go_runtime *a, const struct go_runtime *b)
{
	assert_int_equal(a->g.stack_lo, b->g.stack_lo);
	assert_int_equal(a->g.stack_hi, b->g.stack_hi);
	assert_int_equal(a->g.m, b->g.m);
	assert_int_equal(a->g.sched_sp, b->g.sched_sp);
	assert_int_equal(a->g.sched_pc, b->g.sched_pc);
	assert_int_equal(a->g.sched_bp, b->g.sched_bp);
	assert_int_equal(a->g.atomicstatus, b->g.atomicstatus);
	assert_int_equal(a->g.goid, b->g.goid);
	assert_int_equal(a->g.waitsince, b->g.waitsince);
	assert_int_equal(a->g.waitreason, b->g.waitreason);
	assert_int_equal(a->g.gopc, b->g.gopc);
	assert_int_equal(a->g.startpc, b->g.startpc);
	assert_int_equal(a->m.procid, b->m.procid);
	assert_int_equal(a->m.curg, b->m.curg);
}

/*
 * Normal builds: everything from DWARF and .symtab, and it must agree with singe's table for
 * the version (read from the stripped build of the same source), wait reasons included.
 */
static void test_every_toolchain(void **state)
{
	static struct go_runtime normal, stripped;
	int i;

	(void)state;
	need_toolchains();
	for (i = 0; i < ntoolchains; i++) {
		const struct toolchain *t = &toolchains[i];
		size_t nlen, slen;
		char *nimg = read_bin(t, "goroutines", &nlen);
		char *simg = read_bin(t, "goroutines-stripped", &slen);
		uint64_t from_code;
		unsigned int r;

		print_message("%s\n", t->version);
		assert_true(go_runtime__is_go(nimg, nlen));
		assert_true(go_runtime__is_go(simg, slen));
		assert_int_equal(go_runtime__read(nimg, nlen, &normal), 0);
		assert_string_equal(normal.version, t->version);
		assert_int_equal(normal.layout_src, GO_SRC_DWARF);
		assert_int_equal(normal.reasons_src, GO_SRC_DWARF);
		assert_int_equal(normal.allgs_src, GO_SRC_SYMTAB);
		assert_true(normal.allgs != 0 && normal.allglen != 0);
		assert_false(normal.newer_than_tables);
		/* the search used on stripped files finds what .symtab says */
		assert_int_equal(go_runtime__allgs_from_code(nimg, nlen, &from_code), 0);
		assert_true(from_code == normal.allgs);
		/* MemProfileRate: from .symtab, and found in profilealloc's code as stripped */
		assert_int_equal(normal.mem_profile_rate_src, GO_SRC_SYMTAB);
		assert_int_equal(go_runtime__mem_profile_rate_from_code(nimg, nlen, &from_code), 0);
		assert_true(from_code == normal.mem_profile_rate);

		assert_int_equal(go_runtime__read(simg, slen, &stripped), 0);
		assert_string_equal(stripped.version, t->version);
		assert_int_equal(stripped.layout_src, GO_SRC_TABLE);
		assert_int_equal(stripped.reasons_src, GO_SRC_TABLE);
		assert_int_equal(stripped.allgs_src, GO_SRC_CODE);
		assert_true(stripped.allgs != 0);
		assert_int_equal(stripped.allglen, 0);
		/* (the stripped build's data lies elsewhere: the search itself is checked above) */
		assert_int_equal(stripped.mem_profile_rate_src, GO_SRC_CODE);
		assert_true(stripped.mem_profile_rate != 0);
		assert_same_layout(&normal, &stripped);
		/* internally linked: the g slot is the word below the thread pointer, fs:-8 */
		assert_true(normal.tls_known && stripped.tls_known);
		assert_int_equal(normal.tls_g, -8);
		assert_int_equal(stripped.tls_g, -8);
		assert_int_equal(normal.nwait_reasons, stripped.nwait_reasons);
		for (r = 0; r < normal.nwait_reasons; r++)
			assert_string_equal(normal.wait_reasons[r], stripped.wait_reasons[r]);
		assert_string_equal(go_runtime__wait_reason(&normal, 0), "");
		assert_null(go_runtime__wait_reason(&normal, normal.nwait_reasons));
		/* what the goroutines example's groups wait in */
		assert_string_equal(go_runtime__wait_reason(&normal, 14), "chan receive");
		assert_string_equal(go_runtime__wait_reason(&normal, 9), "select");
		if (normal.minor >= 21)
			assert_string_equal(go_runtime__wait_reason(&normal, 21),
					    "sync.Mutex.Lock");
		else
			assert_string_equal(go_runtime__wait_reason(&normal, 18), "semacquire");
		free(nimg);
		free(simg);
	}
}

/* Overwrite every copy of the version (build info, runtime.buildVersion) in an image. */
static void patch_version(char *img, size_t len, const char *from, const char *to)
{
	size_t n = strlen(from), found = 0;
	char *p = img;

	assert_int_equal(n, strlen(to));
	while ((p = memmem(p, len - (size_t)(p - img), from, n))) {
		memcpy(p, to, n);
		found++;
	}
	assert_true(found > 0);
}

static void test_versions_without_table(void **state)
{
	static struct go_runtime rt;
	const struct toolchain *t;
	char newer[64], older[64];
	size_t len;
	char *img;

	(void)state;
	need_toolchains();
	t = &toolchains[ntoolchains - 1];
	img = read_bin(t, "goroutines-stripped", &len);
	/* same length: go1.23.5 -> go1.99.5, go1.23.5 -> go1.17.5 */
	snprintf(newer, sizeof(newer), "%s", t->version);
	snprintf(older, sizeof(older), "%s", t->version);
	newer[4] = '9';
	newer[5] = '9';
	older[4] = '1';
	older[5] = '7';
	patch_version(img, len, t->version, newer);
	assert_int_equal(go_runtime__read(img, len, &rt), 0);
	assert_int_equal(rt.minor, 99);
	assert_true(rt.newer_than_tables);
	assert_int_equal(rt.layout_src, GO_SRC_TABLE);
	assert_false(rt.unchecked_table);
	/* Go 1.20: a table singe could not check (no 1.20 toolchain), which it says */
	older[4] = '2';
	older[5] = '0';
	patch_version(img, len, newer, older);
	assert_int_equal(go_runtime__read(img, len, &rt), 0);
	assert_int_equal(rt.minor, 20);
	assert_true(rt.unchecked_table);
	assert_false(rt.newer_than_tables);
	snprintf(newer, sizeof(newer), "%s", older);
	older[4] = '1';
	older[5] = '7';
	patch_version(img, len, newer, older);
	assert_int_equal(go_runtime__read(img, len, &rt), -ENOTSUP);
	free(img);
}

/*
 * Hostile files: a real binary cut short at many lengths and with bytes flipped across its
 * headers and build info. Any answer is fine; a crash or an out-of-bounds read (ASan) is not.
 */
static void test_hostile(void **state)
{
	static struct go_runtime rt;
	size_t len, cut, i;
	char *img, *copy;
	int st;

	(void)state;
	need_toolchains();
	img = read_bin(&toolchains[0], "goroutines-stripped", &len);
	copy = malloc(len);
	assert_non_null(copy);
	for (cut = 0; cut < len; cut += len / 41 + 1) {
		st = go_runtime__read(img, cut, &rt);
		assert_true(st <= 0);
	}
	for (i = 0; i < 160; i++) {
		size_t at = (i * 2654435761u) % (i < 80 ? 4096 : len);

		memcpy(copy, img, len);
		copy[at] ^= (char)(0x5a + i);
		st = go_runtime__read(copy, len, &rt);
		assert_true(st <= 0);
	}
	free(copy);
	free(img);
}

static int teardown(void **state)
{
	char cmd[512];

	(void)state;
	if (build_root[0] && !getenv("GORUNTIME_KEEP")) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", build_root);
		return system(cmd) ? -1 : 0;
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_parse),
		cmocka_unit_test(test_buildinfo),
		cmocka_unit_test(test_not_go),
		cmocka_unit_test(test_every_toolchain),
		cmocka_unit_test(test_versions_without_table),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
