// SPDX-License-Identifier: MIT
#include "test.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jvm_attach.h"

static void test_request_bytes(void **state)
{
	static const char want[] = "1\0jcmd\0Compiler.perfmap\0\0";
	const char *args[3] = {"Compiler.perfmap", "", NULL};
	char buf[64];
	int n;

	(void)state;
	n = jvm_attach__request(buf, sizeof(buf), "jcmd", args);
	/* the version, the command and three arguments, each NUL-terminated */
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(jvm_attach__request(buf, 10, "jcmd", args), -ENOSPC);
}

static void test_parse_reply(void **state)
{
	static const char ok[] = "0\n", err[] = "-1\njava.lang.IllegalArgumentException: Unknown\n";
	const char *out;
	size_t len;
	int status = 99;

	(void)state;
	assert_int_equal(jvm_attach__parse_reply(ok, 2, &status, &out, &len), 0);
	assert_int_equal(status, 0);
	assert_int_equal(len, 0);
	assert_int_equal(jvm_attach__parse_reply(err, sizeof(err) - 1, &status, &out, &len), 0);
	assert_int_equal(status, -1);
	assert_int_equal(len, sizeof(err) - 4);
	assert_memory_equal(out, "java.lang.", 10);
	assert_int_equal(jvm_attach__parse_reply("", 0, &status, &out, &len), -EPROTO);
	assert_int_equal(jvm_attach__parse_reply("0", 1, &status, &out, &len), -EPROTO);
	assert_int_equal(jvm_attach__parse_reply("-\n", 2, &status, &out, &len), -EPROTO);
	assert_int_equal(jvm_attach__parse_reply("x\n", 2, &status, &out, &len), -EPROTO);
	assert_int_equal(jvm_attach__parse_reply("123456789012\n", 13, &status, &out, &len),
			 -EPROTO);
}

static void test_catches_sigquit(void **state)
{
	/* a JVM's: SIGQUIT (3) is bit 2 */
	static const char jvm[] =
		"Name:\tjava\nSigIgn:\t0000000000000000\nSigCgt:\t2000000181005ccf\n";
	static const char xrs[] = "Name:\tjava\nSigCgt:\t2000000181005cc8\n";

	(void)state;
	assert_true(jvm_attach__catches_sigquit(jvm, sizeof(jvm) - 1));
	assert_false(jvm_attach__catches_sigquit(xrs, sizeof(xrs) - 1));
	assert_false(jvm_attach__catches_sigquit("Name:\tx\n", 8));
	assert_false(jvm_attach__catches_sigquit("Name:\tx\nSigCgt:\t\n", 17));
}

static void test_options_forbid(void **state)
{
	static const char plain[] = "java\0-cp\0.\0Split\0";
	static const char rs[] = "java\0-Xrs\0Split\0";
	static const char off[] = "java\0-XX:+DisableAttachMechanism\0Split\0";
	static const char on_again[] = "-XX:+DisableAttachMechanism -Xmx1g\0java\0"
				       "-XX:-DisableAttachMechanism\0Split\0";
	static const char reduce[] = "-XX:+ReduceSignalUsage\0java\0Split\0";

	(void)state;
	assert_false(jvm_attach__options_forbid(plain, sizeof(plain)));
	assert_true(jvm_attach__options_forbid(rs, sizeof(rs)));
	assert_true(jvm_attach__options_forbid(off, sizeof(off)));
	/* the last occurrence wins, as in HotSpot */
	assert_false(jvm_attach__options_forbid(on_again, sizeof(on_again)));
	assert_true(jvm_attach__options_forbid(reduce, sizeof(reduce)));
	/* a flag's name inside another word is not the flag */
	assert_false(jvm_attach__options_forbid("-Xrss1m", 7));
}

static volatile sig_atomic_t quit_seen;

static void on_quit(int sig)
{
	(void)sig;
	quit_seen = 1;
}

/*
 * What HotSpot does, in a child: on SIGQUIT, if the trigger file is there, listen on
 * /tmp/.java_pid<PID>, answer one request. Exits 0 when the request was the one expected,
 * 3 when SIGQUIT came without the trigger file (a JVM would have printed a thread dump).
 */
static void fake_jvm(void)
{
	static const char want[] = "1\0jcmd\0Compiler.perfmap\0\0";
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	char trigger[64], req[256];
	size_t len = 0;
	int ls, s, i;

	signal(SIGQUIT, on_quit);
	for (i = 0; i < 500 && !quit_seen; i++)
		usleep(10000);
	if (!quit_seen)
		_exit(2);
	snprintf(trigger, sizeof(trigger), ".attach_pid%d", (int)getpid());
	if (access(trigger, F_OK)) {
		snprintf(trigger, sizeof(trigger), "/tmp/.attach_pid%d", (int)getpid());
		if (access(trigger, F_OK))
			_exit(3);
	}
	snprintf(addr.sun_path, sizeof(addr.sun_path), "/tmp/.java_pid%d", (int)getpid());
	ls = socket(AF_UNIX, SOCK_STREAM, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&addr, sizeof(addr)) || listen(ls, 1))
		_exit(4);
	s = accept(ls, NULL, NULL);
	while (s >= 0 && len < sizeof(want)) {
		ssize_t n = read(s, req + len, sizeof(req) - len);

		if (n <= 0)
			break;
		len += (size_t)n;
	}
	unlink(addr.sun_path);
	if (s < 0 || len != sizeof(want) || memcmp(req, want, len))
		_exit(5);
	if (write(s, "0\nperf map written\n", 19) != 19)
		_exit(6);
	close(s);
	_exit(0);
}

static void test_jcmd_starts_the_listener(void **state)
{
	char msg[64];
	int status = -1, wstatus;
	pid_t child = fork();

	(void)state;
	assert_true(child >= 0);
	if (!child)
		fake_jvm();
	usleep(50000); /* its handler is in place */
	assert_int_equal(
		jvm_attach__jcmd(child, "Compiler.perfmap", 3000, &status, msg, sizeof(msg)), 0);
	assert_int_equal(status, 0);
	assert_string_equal(msg, "perf map written\n");
	assert_int_equal(waitpid(child, &wstatus, 0), child);
	assert_true(WIFEXITED(wstatus));
	assert_int_equal(WEXITSTATUS(wstatus), 0);
}

static void test_no_sigquit_to_a_process_that_would_die(void **state)
{
	int status = -1, wstatus;
	pid_t child = fork();

	(void)state;
	assert_true(child >= 0);
	if (!child) {
		pause(); /* SIGQUIT's default action: it would dump core and die */
		_exit(0);
	}
	usleep(20000);
	assert_int_equal(jvm_attach__jcmd(child, "Compiler.perfmap", 200, &status, NULL, 0),
			 -ENOTSUP);
	assert_int_equal(waitpid(child, &wstatus, WNOHANG), 0); /* alive */
	kill(child, SIGKILL);
	waitpid(child, &wstatus, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_bytes),
		cmocka_unit_test(test_parse_reply),
		cmocka_unit_test(test_catches_sigquit),
		cmocka_unit_test(test_options_forbid),
		cmocka_unit_test(test_jcmd_starts_the_listener),
		cmocka_unit_test(test_no_sigquit_to_a_process_that_would_die),
	};

	return cmocka_run_group_tests_name("jvm_attach", tests, NULL, NULL);
}
