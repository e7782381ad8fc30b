// SPDX-License-Identifier: MIT
/*
 * Tests for cli/goroutines.c: the goroutines of a live process, the goroutines example
 * (examples/go/goroutines) built with the default Go normally, stripped, as a PIE and a
 * stripped PIE. What knows the answer: the example itself, which parks known numbers of
 * goroutines in named functions, each for a known wait reason.
 */
#include "test.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "goroutines.h"
#include "sym_gopclntab.h"

static char go_dir[256];
static int go_state; /* 0 not tried, 1 built, -1 no Go */

static void need_go(void)
{
	char cmd[512];

	if (go_state == 0) {
		go_state = -1;
		if (system("command -v go >/dev/null 2>&1") != 0)
			skip();
		snprintf(go_dir, sizeof(go_dir), "%s/singe-goroutines.XXXXXX",
			 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		assert_non_null(mkdtemp(go_dir));
		snprintf(cmd, sizeof(cmd), "../examples/go/build.sh '%s' goroutines", go_dir);
		if (system(cmd) != 0)
			fail_msg("%s failed", cmd);
		go_state = 1;
	}
	if (go_state < 0)
		skip();
}

static pid_t start(const char *bin)
{
	char path[512];
	pid_t pid;

	snprintf(path, sizeof(path), "%s/%s", go_dir, bin);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
			_exit(127);
		execl(path, path, "-duration", "60s", "-gc-every", "100ms", "-leak-every", "50ms",
		      (char *)NULL);
		_exit(127);
	}
	/* the groups park at once; a GC (every 100 ms) then records their wait starts */
	usleep(800 * 1000);
	return pid;
}

static void stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* The example's function a goroutine is in: the innermost main.* frame but go wrappers. */
static const char *main_function(const struct go_process *gp, const struct goroutine_set *s,
				 const struct goroutine *g)
{
	static char name[128];
	struct go_frame f[16];
	uint32_t i;
	int n, k;

	for (i = 0; i < g->npcs; i++) {
		n = gopclntab__lookup(gp->pcln, s->pcs[g->pcs_start + i] - 1 - gp->bias, f, 16);
		for (k = 0; k < n; k++) {
			if (strncmp(f[k].function, "main.", 5) ||
			    strstr(f[k].function, ".gowrap") || strstr(f[k].function, ".func"))
				continue;
			snprintf(name, sizeof(name), "%s", f[k].function);
			return name;
		}
	}
	return "";
}

struct expect {
	const char *function;
	int count;
	const char *state;
};

static void check_flavour(const char *bin)
{
	struct goroutine_set set = {0};
	struct go_process *gp = NULL;
	const struct expect want[] = {
		{"main.blockOnChan", 4, "chan receive"},
		{"main.blockOnSelect", 3, "select"},
		{"main.blockOnMutex", 5,
		 NULL}, /* sync.Mutex.Lock from Go 1.21, semacquire before */
		{"main.blockOnWaitGroup", 2, "semacquire"},
		{"main.blockOnSleep", 6, "sleep"},
		{"main.blockOnTCPRead", 2, "IO wait"},
	};
	pid_t pid = start(bin);
	int got[6] = {0}, leaked = 0, system = 0;
	size_t i, j, w;

	print_message("%s\n", bin);
	assert_int_equal(go_process__open(pid, &gp), 0);
	assert_int_equal(go_process__goroutines(gp, &set), 0);
	assert_int_equal(set.unreadable, 0);
	for (i = 0; i < set.n; i++) {
		const struct goroutine *g = &set.g[i];
		const char *fn = main_function(gp, &set, g), *state = goroutine__state(gp, g);

		for (j = 0; j < i; j++)
			assert_true(set.g[j].goid != g->goid);
		system += g->system;
		if (!strcmp(fn, "main.leakyRequest")) {
			assert_string_equal(state, "chan receive");
			leaked++;
		}
		for (w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
			if (strcmp(fn, want[w].function))
				continue;
			got[w]++;
			assert_false(g->system);
			assert_int_equal(g->status, GO_STATUS_WAITING);
			if (want[w].state)
				assert_string_equal(state, want[w].state);
			else
				assert_true(!strcmp(state, "sync.Mutex.Lock") ||
					    !strcmp(state, "semacquire"));
			/* parked at start-up, a GC since: Go knows the wait began */
			assert_true(g->wait_ns > 100000000);
			assert_true(g->gopc != 0);
			assert_true(g->npcs >= 4);
		}
	}
	for (w = 0; w < sizeof(want) / sizeof(want[0]); w++)
		if (got[w] != want[w].count)
			fail_msg("%s: %d goroutines in %s, wanted %d", bin, got[w],
				 want[w].function, want[w].count);
	assert_true(leaked >= 1);
	assert_true(system >= 2); /* the GC's and the scavenger's at least */

	stop(pid);
	assert_int_equal(go_process__goroutines(gp, &set), -ESRCH);
	goroutine_set__release(&set);
	go_process__free(gp);
}

static void test_every_flavour(void **state)
{
	(void)state;
	need_go();
	check_flavour("goroutines");
	check_flavour("goroutines-stripped");
	check_flavour("goroutines-pie");
	check_flavour("goroutines-pie-stripped");
}

static void test_open_errors(void **state)
{
	struct go_process *gp = NULL;
	pid_t pid;

	(void)state;
	/* this test program is C */
	assert_int_equal(go_process__open(getpid(), &gp), -ENOENT);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	assert_int_equal(go_process__open(pid, &gp), -ESRCH);
	assert_null(gp);
}

static int teardown(void **state)
{
	char cmd[512];

	(void)state;
	if (go_state == 1 && !getenv("GOROUTINES_KEEP")) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", go_dir);
		return system(cmd) ? -1 : 0;
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_every_flavour),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
