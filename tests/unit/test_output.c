// SPDX-License-Identifier: MIT
#include "test.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"
#include "profile.h"

static char dir[] = "/tmp/singe-test-output.XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static int count_files(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_format_from_extension(void **state)
{
	(void)state;
	assert_int_equal(output__format("a.pb.gz"), OUTPUT_PPROF_GZ);
	assert_int_equal(output__format("a.pprof"), OUTPUT_PPROF_GZ);
	assert_int_equal(output__format("A.PB.GZ"), OUTPUT_PPROF_GZ);
	assert_int_equal(output__format("a.pb"), OUTPUT_PPROF_RAW);
	assert_int_equal(output__format("a.folded"), OUTPUT_FOLDED);
	assert_int_equal(output__format("a.txt"), OUTPUT_FOLDED);
	assert_int_equal(output__format("a.svg"), OUTPUT_SVG);
	assert_int_equal(output__format("a.gz"), OUTPUT_UNKNOWN);
	assert_int_equal(output__format("svg"), OUTPUT_UNKNOWN);
}

static void test_commit_renames_into_place(void **state)
{
	char path[256], buf[16] = {0};
	struct output o;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/out.txt", dir);
	assert_int_equal(output__open(&o, path), 0);
	fputs("hello", o.f);
	/* nothing at the final name until commit */
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(output__commit(&o), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "hello");
	assert_int_equal(count_files(), 1);
	unlink(path);
}

static void test_abort_leaves_nothing(void **state)
{
	char path[256];
	struct output o;

	(void)state;
	snprintf(path, sizeof(path), "%s/aborted.svg", dir);
	assert_int_equal(output__open(&o, path), 0);
	fputs("partial", o.f);
	output__abort(&o);
	assert_int_equal(count_files(), 0);
	/* abort on a zeroed struct is harmless */
	output__abort(&o);
}

static void test_check_writable(void **state)
{
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/x.pb.gz", dir);
	assert_int_equal(output__check_writable(path), 0);
	assert_int_equal(count_files(), 0);
	snprintf(path, sizeof(path), "%s/missing/x.pb.gz", dir);
	assert_int_equal(output__check_writable(path), -ENOENT);
}

static void test_write_profile_unknown_format(void **state)
{
	struct profile *p = profile__new();
	struct flame_err err = {{0}};
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/x.docx", dir);
	assert_int_equal(output__write_profile(path, OUTPUT_UNKNOWN, p, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "unknown output format"));
	assert_int_equal(count_files(), 0);
	profile__free(p);
}

static void test_write_profile_bad_sample_type_leaves_nothing(void **state)
{
	struct profile *p = profile__new();
	struct flame_err err = {{0}};
	struct write_opts opts = {.sample_type = "wall"};
	char path[256];

	(void)state;
	assert_int_equal(profile__add_sample_type(p, "samples", "count"), 0);
	snprintf(path, sizeof(path), "%s/x.folded", dir);
	assert_int_equal(output__write_profile(path, OUTPUT_UNKNOWN, p, &opts, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "no sample type 'wall' (have: samples)"));
	assert_int_equal(count_files(), 0);
	profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_from_extension),
		cmocka_unit_test(test_commit_renames_into_place),
		cmocka_unit_test(test_abort_leaves_nothing),
		cmocka_unit_test(test_check_writable),
		cmocka_unit_test(test_write_profile_unknown_format),
		cmocka_unit_test(test_write_profile_bad_sample_type_leaves_nothing),
	};

	return cmocka_run_group_tests_name("output", tests, setup, teardown);
}
