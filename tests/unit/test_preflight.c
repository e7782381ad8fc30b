// SPDX-License-Identifier: MIT
/*
 * The refusals a test machine cannot produce for real (no BTF, lockdown, a strict
 * perf_event_paranoid), reached through a made-up kernel file tree (preflight__set_root()).
 */
#include "test.h"

#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "preflight.h"
#include "profile.h"

static char root[] = "/tmp/singe-test-preflight.XXXXXX";

/* Write text to root/rel, creating the directories on the way. */
static void put(const char *rel, const char *text)
{
	char path[PATH_MAX], cmd[PATH_MAX + 32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	assert_int_equal(system(cmd), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(root))
		return -1;
	preflight__set_root(root);
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	preflight__set_root(NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd);
}

/* Each test starts from an empty tree. */
static int clear_tree(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s/sys %s/proc", root, root);
	return system(cmd);
}

static void test_btf_missing_names_the_config(void **state)
{
	struct flame_err err = {};

	(void)state;
	assert_int_equal(preflight__btf(&err), -ENOENT);
	assert_non_null(strstr(err.msg, "the kernel has no BTF type information"));
	assert_non_null(strstr(err.msg, "/sys/kernel/btf/vmlinux: No such file or directory"));
	assert_non_null(strstr(err.msg, "CONFIG_DEBUG_INFO_BTF=y"));
	assert_null(strchr(err.msg, '\n'));
}

static void test_btf_present_passes(void **state)
{
	struct flame_err err = {};

	(void)state;
	put("sys/kernel/btf/vmlinux", "BTF");
	assert_int_equal(preflight__btf(&err), 0);
}

static void test_lockdown_integrity_allows(void **state)
{
	struct flame_err err = {};

	(void)state;
	assert_int_equal(preflight__lockdown(&err), 0); /* no securityfs: nothing locked down */
	put("sys/kernel/security/lockdown", "none [integrity] confidentiality\n");
	assert_int_equal(preflight__lockdown(&err), 0);
}

static void test_lockdown_confidentiality_refuses(void **state)
{
	struct flame_err err = {};

	(void)state;
	put("sys/kernel/security/lockdown", "none integrity [confidentiality]\n");
	assert_int_equal(preflight__lockdown(&err), -EPERM);
	assert_string_equal(err.msg, "kernel lockdown is 'confidentiality', which forbids BPF "
				     "programs from reading kernel memory; boot with "
				     "lockdown=integrity to profile");
}

static void test_run_stops_at_the_first_refusal(void **state)
{
	struct flame_err err = {};

	(void)state;
	/* root in the test run: privileges pass, BTF is the first thing missing */
	if (geteuid() != 0)
		skip();
	put("sys/kernel/security/lockdown", "none integrity [confidentiality]\n");
	assert_int_equal(preflight__run(&err), -ENOENT);
	assert_non_null(strstr(err.msg, "BTF"));
	put("sys/kernel/btf/vmlinux", "BTF");
	assert_int_equal(preflight__run(&err), -EPERM);
	assert_non_null(strstr(err.msg, "lockdown"));
}

static void test_paranoid_refusal_names_the_sysctl(void **state)
{
	struct flame_err err = {};

	(void)state;
	assert_int_equal(preflight__perf_paranoid(), INT_MIN);
	put("proc/sys/kernel/perf_event_paranoid", "3\n");
	assert_int_equal(preflight__perf_paranoid(), 3);
	assert_int_equal(preflight__explain_perf_open(EACCES, 99, &err), -EACCES);
	assert_string_equal(err.msg,
			    "perf_event_open refused (kernel.perf_event_paranoid = 3); "
			    "run as root, or lower it: sysctl kernel.perf_event_paranoid=1");
}

static void test_perf_open_under_lockdown_names_lockdown(void **state)
{
	struct flame_err err = {};

	(void)state;
	put("proc/sys/kernel/perf_event_paranoid", "2\n");
	put("sys/kernel/security/lockdown", "none integrity [confidentiality]\n");
	assert_int_equal(preflight__explain_perf_open(EPERM, 99, &err), -EPERM);
	assert_non_null(strstr(err.msg, "refused by kernel lockdown (confidentiality)"));
}

static void test_frequency_above_the_kernel_limit(void **state)
{
	struct flame_err err = {};

	(void)state;
	put("proc/sys/kernel/perf_event_max_sample_rate", "25000\n");
	assert_int_equal(preflight__explain_perf_open(EINVAL, 50000, &err), -EINVAL);
	assert_string_equal(err.msg, "-F 50000 is above kernel.perf_event_max_sample_rate (25000); "
				     "use a lower -F or raise the sysctl");
	/* under the limit, EINVAL is something else: say what the kernel said */
	assert_int_equal(preflight__explain_perf_open(EINVAL, 99, &err), -EINVAL);
	assert_string_equal(err.msg, "perf_event_open failed: Invalid argument");
}

static void test_garbage_files_are_not_trusted(void **state)
{
	struct flame_err err = {};

	(void)state;
	put("proc/sys/kernel/perf_event_paranoid", "not a number\n");
	assert_int_equal(preflight__perf_paranoid(), INT_MIN);
	put("sys/kernel/security/lockdown", "[confidentiality"); /* no closing bracket */
	assert_int_equal(preflight__lockdown(&err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_btf_missing_names_the_config, clear_tree),
		cmocka_unit_test_setup(test_btf_present_passes, clear_tree),
		cmocka_unit_test_setup(test_lockdown_integrity_allows, clear_tree),
		cmocka_unit_test_setup(test_lockdown_confidentiality_refuses, clear_tree),
		cmocka_unit_test_setup(test_run_stops_at_the_first_refusal, clear_tree),
		cmocka_unit_test_setup(test_paranoid_refusal_names_the_sysctl, clear_tree),
		cmocka_unit_test_setup(test_perf_open_under_lockdown_names_lockdown, clear_tree),
		cmocka_unit_test_setup(test_frequency_above_the_kernel_limit, clear_tree),
		cmocka_unit_test_setup(test_garbage_files_are_not_trusted, clear_tree),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
