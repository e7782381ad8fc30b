// SPDX-License-Identifier: MIT
#include "test.h"

#include <stdbool.h>
#include <unistd.h>

#include "sym_procmaps.h"

static const char maps_text[] =
	"55d0c3a00000-55d0c3a02000 r--p 00000000 fe:01 1835023                    /usr/bin/cat\n"
	"55d0c3a02000-55d0c3a07000 r-xp 00002000 fe:01 1835023                    /usr/bin/cat\n"
	"55d0c4b8e000-55d0c4baf000 rw-p 00000000 00:00 0                          [heap]\n"
	"7f1e2c000000-7f1e2c021000 rw-p 00000000 00:00 0 \n"
	"7f1e2d028000-7f1e2d1bd000 r-xp 00028000 fe:01 1836480                    "
	"/usr/lib/x86_64-linux-gnu/libc.so.6\n"
	"7f1e2d400000-7f1e2d401000 r-xp 00001000 08:10 42                         "
	"/opt/my app/lib with spaces.so (deleted)\n"
	"7f1e2d500000-7f1e2d600000 rwxp 00000000 00:00 0                          [anon:jit]\n"
	"7f1e2d700000-7f1e2d710000 r-xs 00000000 00:01 9                          "
	"/memfd:doublemapper (deleted)\n"
	"7ffd6b9e4000-7ffd6b9e6000 r-xp 00000000 00:00 0                          [vdso]\n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]";

static void test_parse_fields(void **state)
{
	struct procmaps *m = procmaps__parse(maps_text, sizeof(maps_text) - 1);
	const struct procmap *p;

	(void)state;
	assert_non_null(m);
	assert_int_equal(m->len, 10);
	assert_int_equal(m->bad_lines, 0);
	p = &m->maps[1];
	assert_int_equal(p->start, 0x55d0c3a02000ULL);
	assert_int_equal(p->end, 0x55d0c3a07000ULL);
	assert_int_equal(p->offset, 0x2000);
	assert_int_equal(p->dev_major, 0xfe);
	assert_int_equal(p->dev_minor, 1);
	assert_int_equal(p->inode, 1835023);
	assert_true(p->readable && p->executable && !p->writable && !p->shared);
	assert_false(p->deleted);
	assert_string_equal(p->path, "/usr/bin/cat");
	assert_true(procmap__is_file(p));
	assert_false(procmap__is_anon(p));
	/* an anonymous mapping: trailing space, empty path */
	assert_string_equal(m->maps[3].path, "");
	assert_true(procmap__is_anon(&m->maps[3]));
	assert_false(procmap__is_file(&m->maps[3]));
	assert_string_equal(m->maps[2].path, "[heap]");
	assert_false(procmap__is_file(&m->maps[2]));
	assert_string_equal(m->maps[9].path, "[vsyscall]");
	assert_int_equal(m->maps[9].end, 0xffffffffff601000ULL);
	procmaps__free(m);
}

/* A copy owns its paths: it outlives the original, field for field. */
static void test_dup(void **state)
{
	struct procmaps *m = procmaps__parse(maps_text, sizeof(maps_text) - 1), *d;
	size_t i;

	(void)state;
	assert_non_null(m);
	d = procmaps__dup(m);
	assert_non_null(d);
	assert_int_equal(d->len, m->len);
	for (i = 0; i < m->len; i++) {
		assert_int_equal(d->maps[i].start, m->maps[i].start);
		assert_int_equal(d->maps[i].inode, m->maps[i].inode);
		assert_int_equal(d->maps[i].deleted, m->maps[i].deleted);
		assert_ptr_not_equal(d->maps[i].path, m->maps[i].path);
		assert_string_equal(d->maps[i].path, m->maps[i].path);
	}
	procmaps__free(m);
	assert_string_equal(procmaps__find(d, 0x7f1e2d400800)->path,
			    "/opt/my app/lib with spaces.so");
	procmaps__free(d);
	/* an empty one too */
	m = procmaps__parse("", 0);
	d = procmaps__dup(m);
	assert_non_null(d);
	assert_int_equal(d->len, 0);
	procmaps__free(m);
	procmaps__free(d);
}

static void test_deleted_and_spaces(void **state)
{
	struct procmaps *m = procmaps__parse(maps_text, sizeof(maps_text) - 1);
	const struct procmap *p;
	char buf[128];

	(void)state;
	assert_non_null(m);
	p = &m->maps[5];
	assert_true(p->deleted);
	assert_string_equal(p->path, "/opt/my app/lib with spaces.so");
	assert_true(procmap__is_file(p));
	assert_int_equal(procmap__map_files_path(p, 1234, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/proc/1234/map_files/7f1e2d400000-7f1e2d401000");
	assert_int_equal(procmap__map_files_path(p, 1234, buf, 10), -ENAMETOOLONG);
	/* JIT-style memory: named anonymous and memfd double mappings */
	assert_true(procmap__is_anon(&m->maps[6]));
	assert_true(procmap__is_anon(&m->maps[7]));
	assert_true(m->maps[7].deleted && m->maps[7].shared);
	assert_false(procmap__is_file(&m->maps[7]));
	/* a gone process's image, from perf mmap records, names anonymous memory "//anon" */
	m->maps[6].path = "//anon";
	assert_true(procmap__is_anon(&m->maps[6]));
	assert_false(procmap__is_file(&m->maps[6]));
	procmaps__free(m);
}

static void test_find(void **state)
{
	struct procmaps *m = procmaps__parse(maps_text, sizeof(maps_text) - 1);

	(void)state;
	assert_non_null(m);
	assert_ptr_equal(procmaps__find(m, 0x55d0c3a02000ULL), &m->maps[1]);
	assert_ptr_equal(procmaps__find(m, 0x55d0c3a06fffULL), &m->maps[1]);
	assert_ptr_equal(procmaps__find(m, 0x55d0c3a07000ULL), NULL); /* a gap */
	assert_null(procmaps__find(m, 0));
	assert_null(procmaps__find(m, 0x55d0c39fffffULL));
	assert_ptr_equal(procmaps__find(m, 0xffffffffff600123ULL), &m->maps[9]);
	assert_null(procmaps__find(m, UINT64_MAX));
	procmaps__free(m);
}

static void test_malformed_lines_are_skipped(void **state)
{
	static const char text[] = "\n"
				   "garbage\n"
				   "1000-2000 r-xp 0 fe:01 5 /a\n"	   /* good */
				   "2000-1000 r-xp 0 fe:01 5 /backwards\n" /* end before start */
				   "3000-4000 r-xq 0 fe:01 5 /bad-perms\n"
				   "3000-4000 r-xp zz fe:01 5 /bad-offset\n"
				   "3000-4000 r-xp 0 fe01 5 /bad-dev\n"
				   "3000-4000 r-xp 0 fe:01 x /bad-inode\n"
				   "3000-4000 r-xp 0 fe:01 5/no-space\n"
				   "11111111111111111-22222222222222222 r-xp 0 0:0 0 /overflow\n"
				   "5000-6000 r-xp 0 0:0 99999999999999999999999 /inode-overflow\n"
				   "3000-4000 r-xp 0 fe:01\n"	      /* truncated */
				   "7000-8000 ---p 00000000 00:00 0"; /* good, no newline */
	struct procmaps *m = procmaps__parse(text, sizeof(text) - 1);

	(void)state;
	assert_non_null(m);
	assert_int_equal(m->len, 2);
	assert_int_equal(m->bad_lines, 10);
	assert_string_equal(m->maps[0].path, "/a");
	assert_int_equal(m->maps[1].start, 0x7000);
	assert_false(m->maps[1].readable || m->maps[1].executable);
	procmaps__free(m);
}

static void test_unsorted_input_is_sorted(void **state)
{
	static const char text[] = "5000-6000 r-xp 0 0:0 0 /b\n1000-2000 r-xp 0 0:0 0 /a\n";
	struct procmaps *m = procmaps__parse(text, sizeof(text) - 1);

	(void)state;
	assert_non_null(m);
	assert_string_equal(m->maps[0].path, "/a");
	assert_string_equal(procmaps__find(m, 0x5800)->path, "/b");
	procmaps__free(m);
}

static void test_empty_input(void **state)
{
	struct procmaps *m = procmaps__parse("", 0);

	(void)state;
	assert_non_null(m);
	assert_int_equal(m->len, 0);
	assert_null(procmaps__find(m, 0x1000));
	procmaps__free(m);
}

static void test_load_self(void **state)
{
	struct procmaps *m = procmaps__load(getpid());
	const struct procmap *p;

	(void)state;
	assert_non_null(m);
	assert_true(m->len > 5);
	assert_int_equal(m->bad_lines, 0);
	/* this very function is in an executable file mapping */
	p = procmaps__find(m, (uint64_t)(uintptr_t)&test_load_self);
	assert_non_null(p);
	assert_true(p->executable);
	assert_true(procmap__is_file(p));
	assert_non_null(strstr(p->path, "test_sym_procmaps"));
	procmaps__free(m);
}

static void test_load_missing_process(void **state)
{
	(void)state;
	errno = 0;
	/* pid_max is at most 2^22: this pid cannot exist */
	assert_null(procmaps__load(1 << 23));
	assert_int_equal(errno, ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_fields),
		cmocka_unit_test(test_dup),
		cmocka_unit_test(test_deleted_and_spaces),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_malformed_lines_are_skipped),
		cmocka_unit_test(test_unsorted_input_is_sorted),
		cmocka_unit_test(test_empty_input),
		cmocka_unit_test(test_load_self),
		cmocka_unit_test(test_load_missing_process),
	};

	return cmocka_run_group_tests_name("sym_procmaps", tests, NULL, NULL);
}
