// SPDX-License-Identifier: MIT
#include "test.h"

#include <unistd.h>

#include "input.h"
#include "profile.h"

static const char folded[] = "main;a;b 3\nmain;c 1\n";
static const char perf_script[] =
	"sleep  6093   982.057330:    2004008 cpu-clock:ppp: \n"
	"\t           3309d _nl_intern_locale_data+0x1d (/usr/lib/libc.so.6)\n"
	"\t            1234 main+0x4 (/usr/bin/sleep)\n\n";

static char *write_temp(const void *data, size_t len)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/singe-input.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

static void test_detects_text_formats(void **state)
{
	(void)state;
	assert_int_equal(input__detect(folded, strlen(folded)), INPUT_FOLDED);
	assert_int_equal(input__detect(perf_script, strlen(perf_script)), INPUT_PERF_SCRIPT);
	assert_int_equal(input__detect("hello world\n", 12), INPUT_UNKNOWN);
	assert_int_equal(input__detect("", 0), INPUT_UNKNOWN);
	assert_int_equal(input__detect("\x1f\x8b\x08", 3), INPUT_PPROF);
}

static void test_load_folded_and_perf_script(void **state)
{
	struct flame_err err = {{0}};
	struct profile *p;
	char *path;

	(void)state;
	path = write_temp(folded, strlen(folded));
	assert_int_equal(input__load(path, &p, &err), 0);
	assert_int_equal(profile__total(p, 0), 4);
	profile__free(p);
	unlink(path);

	path = write_temp(perf_script, strlen(perf_script));
	assert_int_equal(input__load(path, &p, &err), 0);
	assert_int_equal(p->samples.len, 1);
	assert_int_equal(p->samples.data[0].nlocs, 2);
	profile__free(p);
	unlink(path);
}

static void test_load_errors_name_the_file(void **state)
{
	struct flame_err err = {{0}};
	struct profile *p = NULL;
	char *path;

	(void)state;
	assert_int_equal(input__load("/nonexistent/x.pb.gz", &p, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "'/nonexistent/x.pb.gz': No such file"));
	path = write_temp("not a profile\n", 14);
	assert_int_equal(input__load(path, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "not a profile"));
	unlink(path);
	path = write_temp("", 0);
	assert_int_equal(input__load(path, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "empty"));
	unlink(path);
	assert_null(p);
}

static void test_merge_sums_and_checks_types(void **state)
{
	struct flame_err err = {{0}};
	struct profile *p = NULL;
	char a[64], b[64];
	char *paths[2] = {a, b};

	(void)state;
	strcpy(a, write_temp(folded, strlen(folded)));
	strcpy(b, write_temp(folded, strlen(folded)));
	assert_int_equal(input__load_merged(paths, 2, &p, &err), 0);
	assert_int_equal(profile__total(p, 0), 8);
	profile__free(p);
	unlink(b);
	strcpy(b, write_temp("main;a 1 2\n", 11));
	assert_int_equal(input__load_merged(paths, 2, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, b));
	unlink(a);
	unlink(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detects_text_formats),
		cmocka_unit_test(test_load_folded_and_perf_script),
		cmocka_unit_test(test_load_errors_name_the_file),
		cmocka_unit_test(test_merge_sums_and_checks_types),
	};

	return cmocka_run_group_tests_name("input", tests, NULL, NULL);
}
