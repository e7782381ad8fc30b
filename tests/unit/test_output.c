// SPDX-License-Identifier: MIT
#include "test.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

/*
 * In a child: commit one output, leave a second one half written, and die of sig with the
 * handlers singe installs. The parent gets how the child ended.
 */
static int die_while_writing(int sig)
{
	char done[256], partial[256];
	struct output a, b;
	int status = 0;
	pid_t pid;

	snprintf(done, sizeof(done), "%s/done.folded", dir);
	snprintf(partial, sizeof(partial), "%s/partial.svg", dir);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		output__remove_temps_on_signals();
		if (output__open(&a, done) || fputs("a 1\n", a.f) < 0 || output__commit(&a) ||
		    output__open(&b, partial) || fputs("<svg", b.f) < 0 || fflush(b.f))
			_exit(3);
		raise(sig);
		_exit(4);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void test_fatal_signal_removes_temporary_files(void **state)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	char done[256];
	size_t i;
	int status;

	(void)state;
	snprintf(done, sizeof(done), "%s/done.folded", dir);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		status = die_while_writing(sigs[i]);
		/* it still dies of the signal, as a shell expects */
		assert_true(WIFSIGNALED(status));
		assert_int_equal(WTERMSIG(status), sigs[i]);
		/* the committed file stays, the half-written one is gone with its temporary */
		assert_int_equal(access(done, F_OK), 0);
		assert_int_equal(count_files(), 1);
		unlink(done);
	}
}

/* Issue 12, point 4: outputs of one command are committed together or not at all. */
static void test_commit_all_is_all_or_nothing(void **state)
{
	char a[256], b[256];
	struct output o[2];
	size_t failed = 99;

	(void)state;
	snprintf(a, sizeof(a), "%s/a.pb.gz", dir);
	snprintf(b, sizeof(b), "%s/b.folded", dir);
	assert_int_equal(output__open(&o[0], a), 0);
	assert_int_equal(output__open(&o[1], b), 0);
	fputs("first", o[0].f);
	/* the second output's device fills up: its stream now writes to /dev/full */
	fclose(o[1].f);
	o[1].f = fopen("/dev/full", "w");
	assert_non_null(o[1].f);
	fputs("second", o[1].f);
	assert_int_equal(output__commit_all(o, 2, &failed), -ENOSPC);
	assert_int_equal(failed, 1);
	/* neither the first (written fine) nor any temporary file is left */
	assert_int_equal(count_files(), 0);
	output__abort(&o[0]);
	output__abort(&o[1]);

	assert_int_equal(output__open(&o[0], a), 0);
	assert_int_equal(output__open(&o[1], b), 0);
	assert_int_equal(output__commit_all(o, 2, &failed), 0);
	assert_int_equal(access(a, F_OK), 0);
	assert_int_equal(access(b, F_OK), 0);
	assert_int_equal(count_files(), 2);
	unlink(a);
	unlink(b);
}

/* Issue 12, point 3: an output that is an input (same inode, any name) is refused. */
static void test_output_that_is_an_input(void **state)
{
	char in[256], link_name[256], other[256], fresh[256];
	char *inputs[2] = {"-", in};
	FILE *f;

	(void)state;
	snprintf(in, sizeof(in), "%s/in.pb.gz", dir);
	snprintf(link_name, sizeof(link_name), "%s/alias.svg", dir);
	snprintf(other, sizeof(other), "%s/other.svg", dir);
	snprintf(fresh, sizeof(fresh), "%s/fresh.svg", dir);
	f = fopen(in, "w");
	assert_non_null(f);
	fclose(f);
	f = fopen(other, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(link(in, link_name), 0);
	assert_int_equal(output__check_not_input(in, inputs, 2), -EEXIST);
	assert_int_equal(output__check_not_input(link_name, inputs, 2), -EEXIST);
	assert_int_equal(output__check_not_input(other, inputs, 2), 0);
	assert_int_equal(output__check_not_input(fresh, inputs, 2), 0);
	assert_int_equal(output__check_not_input("-", inputs, 2), 0);
	unlink(in);
	unlink(link_name);
	unlink(other);
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
		cmocka_unit_test(test_fatal_signal_removes_temporary_files),
		cmocka_unit_test(test_commit_all_is_all_or_nothing),
		cmocka_unit_test(test_output_that_is_an_input),
	};

	return cmocka_run_group_tests_name("output", tests, setup, teardown);
}
