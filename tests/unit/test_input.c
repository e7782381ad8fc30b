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
	assert_int_equal(input__detect(folded, strlen(folded), true), INPUT_FOLDED);
	assert_int_equal(input__detect(perf_script, strlen(perf_script), true), INPUT_PERF_SCRIPT);
	assert_int_equal(input__detect("hello world\n", 12, true), INPUT_UNKNOWN);
	assert_int_equal(input__detect("", 0, true), INPUT_UNKNOWN);
	assert_int_equal(input__detect("\x1f\x8b\x08", 3, true), INPUT_PPROF);
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

/* Point 6 of issue 12: detection does not depend on accidents of the bytes. */
static void test_detection_is_not_fooled(void **state)
{
	char xs[64], hx[64], *comm, *longline;
	size_t i, n;

	(void)state;
	memset(xs, 'x', 40);
	strcpy(xs + 40, "\n");
	for (i = 0; i < 40; i++)
		hx[i] = i % 2 ? 'x' : 'h';
	strcpy(hx + 40, "\n");
	/* 31+ 'x' or "hxhx" parse as protobuf varint fields: still text, never pprof */
	assert_int_equal(input__detect(xs, strlen(xs), true), INPUT_UNKNOWN);
	assert_int_equal(input__detect(hx, strlen(hx), true), INPUT_UNKNOWN);

	/* perf script whose comm is 100,000 characters of 'x' */
	n = 100000 + strlen(perf_script);
	comm = malloc(n + 1);
	memset(comm, 'x', 100000);
	strcpy(comm + 100000, perf_script + strlen("sleep"));
	assert_int_equal(input__detect(comm, strlen(comm), true), INPUT_PERF_SCRIPT);
	free(comm);

	/* a folded first line longer than the detection window, complete or cut */
	n = 20 << 20;
	longline = malloc(n + 8);
	for (i = 0; i < n; i++)
		longline[i] = i % 8 == 7 ? ';' : 'f';
	strcpy(longline + n, " 5\nb 1\n");
	assert_int_equal(input__detect(longline, n + 7, true), INPUT_FOLDED);
	assert_int_equal(input__detect(longline, 1 << 20, false), INPUT_FOLDED);
	/* zeros and random-looking binary are neither */
	memset(longline, 0, 1 << 20);
	assert_int_equal(input__detect(longline, 1 << 20, false), INPUT_UNKNOWN);
	free(longline);
}

static void test_long_folded_line_loads(void **state)
{
	struct flame_err err = {{0}};
	struct profile *p = NULL;
	size_t i, n = 17 << 20;
	char *text = malloc(n + 16), *path;

	(void)state;
	for (i = 0; i < n; i++)
		text[i] = i % 1000 == 999 ? ';' : 'a' + i % 26;
	strcpy(text + n, " 7\nb 1\n");
	path = write_temp(text, strlen(text));
	free(text);
	assert_int_equal(input__load(path, &p, &err), 0);
	assert_int_equal(profile__total(p, 0), 8);
	profile__free(p);
	unlink(path);
}

/* Point 1 of issue 12: an input past the budget is refused with a message, not read on. */
/* --sample-type wall adds the wall view to a cpu,offcpu profile, and names the fix otherwise. */
static void test_wall_view(void **state)
{
	struct flame_err err = {{0}};
	struct profile *p = profile__new();
	const int64_t v[2] = {10, 90};
	uint64_t loc = 1;

	(void)state;
	assert_int_equal(profile__add_sample_type(p, "cpu", "nanoseconds"), 0);
	/* another sample type asked for: nothing to do */
	assert_int_equal(input__add_wall_view(p, "cpu", &err), 0);
	assert_int_equal(input__add_wall_view(p, NULL, &err), 0);
	assert_int_equal(p->sample_types.len, 1);
	assert_int_equal(input__add_wall_view(p, "wall", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "singe record -t cpu,offcpu"));
	profile__free(p);

	p = profile__new();
	assert_int_equal(profile__add_sample_type(p, "cpu", "nanoseconds"), 0);
	assert_int_equal(profile__add_sample_type(p, "offcpu", "nanoseconds"), 1);
	assert_int_equal(profile__add_sample(p, &loc, 0, v, NULL, 0), 0);
	assert_int_equal(input__add_wall_view(p, "wall", &err), 0);
	assert_int_equal(profile__find_sample_type(p, "wall"), 2);
	assert_int_equal(profile__sample_values(p, 0)[2], 100);
	profile__free(p);
}

static void test_input_budget(void **state)
{
	struct flame_err err = {{0}};
	struct profile *p = NULL;
	size_t size = 0;
	char *path;

	(void)state;
	assert_int_equal(input__parse_size("4G", &size), 0);
	assert_int_equal(size, (size_t)4 << 30);
	assert_int_equal(input__parse_size("512k", &size), 0);
	assert_int_equal(size, 512 << 10);
	assert_int_equal(input__parse_size("12", &size), 0);
	assert_int_equal(size, 12);
	assert_int_equal(input__parse_size("lots", &size), -EINVAL);
	assert_int_equal(input__parse_size("0", &size), -EINVAL);
	assert_int_equal(input__parse_size("5T", &size), -EINVAL);

	path = write_temp(folded, strlen(folded));
	setenv("SINGE_MAX_INPUT", "10", 1);
	assert_int_equal(input__load(path, &p, &err), -EFBIG);
	assert_non_null(strstr(err.msg, "SINGE_MAX_INPUT"));
	assert_null(p);
	setenv("SINGE_MAX_INPUT", "ten", 1);
	assert_int_equal(input__load(path, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "SINGE_MAX_INPUT='ten'"));
	setenv("SINGE_MAX_INPUT", "1K", 1);
	assert_int_equal(input__load(path, &p, &err), 0);
	profile__free(p);
	p = NULL;
	unsetenv("SINGE_MAX_INPUT");
	/* an endless source: /dev/zero is refused after the detection window, not read on */
	assert_int_equal(input__load("/dev/zero", &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not a profile"));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detects_text_formats),
		cmocka_unit_test(test_load_folded_and_perf_script),
		cmocka_unit_test(test_load_errors_name_the_file),
		cmocka_unit_test(test_merge_sums_and_checks_types),
		cmocka_unit_test(test_detection_is_not_fooled),
		cmocka_unit_test(test_long_folded_line_loads),
		cmocka_unit_test(test_input_budget),
		cmocka_unit_test(test_wall_view),
	};

	return cmocka_run_group_tests_name("input", tests, NULL, NULL);
}
