// SPDX-License-Identifier: MIT
/*
 * The recording's process table, fed replayed events about real processes (this test and
 * children it forks): no BPF. A real symbolizer checks that the one image read reaches it.
 */
#include "test.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "profile.h"
#include "record_procs.h"
#include "sym_procmaps.h"
#include "symbolize.h"

struct hook_log {
	int images, old_images, missing;
	enum snapshot_kind last_kind;
};

static int on_image(void *ctx, struct proc *p, const struct proc_image *img,
		    enum snapshot_kind kind)
{
	struct hook_log *log = ctx;

	(void)p;
	log->images++;
	log->missing += !img;
	log->last_kind = kind;
	return 0;
}

static int on_old_image(void *ctx, struct proc *p)
{
	struct hook_log *log = ctx;

	(void)p;
	log->old_images++;
	return 0;
}

struct fixture {
	struct profile *profile;
	struct symbolizer *sym;
	struct proc_table *t;
	struct hook_log log;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct proc_hooks hooks = {.ctx = &f->log, .old_image = on_old_image, .image = on_image};

	f->profile = profile__new();
	f->sym = symbolizer__new(f->profile, &(struct symbolizer_opts){.no_file_lines = true});
	f->t = proc_table__new(f->sym, NULL, &hooks);
	assert_non_null(f->t);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	proc_table__free(f->t);
	symbolizer__free(f->sym);
	profile__free(f->profile);
	free(f);
	return 0;
}

/* The function name of the location pid's addr resolves to. */
static const char *function_at(struct fixture *f, pid_t pid, uint64_t addr)
{
	int64_t id = symbolizer__user_location(f->sym, pid, addr, true);
	const struct location *loc;
	const struct line *lines;

	assert_true(id > 0);
	loc = profile__location(f->profile, (uint64_t)id);
	lines = profile__location_lines(f->profile, loc);
	assert_non_null(lines);
	return profile__str(f->profile, profile__function(f->profile, lines[0].function_id)->name);
}

/* A child that exits at once, reaped: its /proc entry is gone. */
static pid_t gone_child(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (!pid)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return pid;
}

static void test_image_read(void **state)
{
	struct proc_image *img = proc_image__read(getpid());
	pid_t gone = gone_child();

	(void)state;
	assert_non_null(img);
	assert_true(img->maps->len > 0);
	assert_non_null(strstr(img->exe, "test_record_procs"));
	assert_int_equal(img->maps_len, strlen(img->maps_text));
	proc_image__free(img);
	errno = 0;
	assert_null(proc_image__read(gone));
	assert_int_equal(errno, ESRCH);
}

/*
 * A child that has exited but is not reaped yet (a zombie) still has /proc/PID, with no
 * mappings: it is gone, so that the mapping records tell what it ran, not an empty image.
 */
static void test_zombie_is_gone(void **state)
{
	pid_t pid = fork();
	struct proc_image *img;
	siginfo_t info;

	(void)state;
	assert_true(pid >= 0);
	if (!pid)
		_exit(0);
	/* wait for the exit without reaping */
	assert_int_equal(waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT), 0);
	errno = 0;
	img = proc_image__read(pid);
	assert_null(img);
	assert_int_equal(errno, ESRCH);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	/* a kernel thread has no mappings either, and is there: kthreadd */
	img = proc_image__read(2);
	assert_non_null(img);
	assert_int_equal(img->maps_len, 0);
	proc_image__free(img);
}

/* A process is read once, and the symbolizer has its image without reading /proc itself. */
static void test_see_reads_once(void **state)
{
	struct fixture *f = *state;
	pid_t self = getpid();

	assert_int_equal(proc_table__see(f->t, self, 0), 0);
	assert_int_equal(proc_table__see(f->t, self, 0), 0);
	assert_int_equal(proc_table__stats(f->t)->reads, 1);
	assert_int_equal(proc_table__stats(f->t)->processes, 1);
	assert_int_equal(f->log.images, 1);
	assert_int_equal(f->log.missing, 0);
	assert_int_equal(f->log.last_kind, SNAPSHOT_FIRST);
	assert_non_null(proc_table__find(f->t, self));
	assert_null(proc_table__find(f->t, self + 1));
	assert_string_equal(function_at(f, self, (uint64_t)(uintptr_t)test_see_reads_once),
			    "test_see_reads_once");
	assert_int_equal(symbolizer__stats(f->sym)->pids, 1);
	assert_int_equal(symbolizer__stats(f->sym)->maps_refreshes, 0);
}

/* A stack of a newer image: the old image is finished with first, then the new one read. */
static void test_new_image(void **state)
{
	struct fixture *f = *state;
	pid_t self = getpid();

	assert_int_equal(proc_table__see(f->t, self, 0), 0);
	assert_int_equal(proc_table__see(f->t, self, 2), 0);
	assert_int_equal(f->log.old_images, 1);
	assert_int_equal(f->log.images, 2);
	assert_int_equal(f->log.last_kind, SNAPSHOT_NEW_IMAGE);
	assert_int_equal(proc_table__find(f->t, self)->snap_gen, 2);
	/* an older generation than the snapshot's changes nothing */
	assert_int_equal(proc_table__see(f->t, self, 1), 0);
	assert_int_equal(proc_table__stats(f->t)->reads, 2);
	assert_int_equal(proc_table__refresh(f->t, proc_table__find(f->t, self)), 0);
	assert_int_equal(f->log.last_kind, SNAPSHOT_REFRESH);
	assert_int_equal(proc_table__stats(f->t)->reads, 3);
}

/* A child gone before it was seen runs its parent's image, when its fork was heard of. */
static void test_gone_child_inherits(void **state)
{
	struct fixture *f = *state;
	pid_t self = getpid(), child = gone_child(), orphan = gone_child();
	uint64_t here = (uint64_t)(uintptr_t)test_gone_child_inherits;

	assert_int_equal(proc_table__fork(f->t, child, self, 0), 0);
	assert_int_equal(proc_table__see(f->t, child, 0), 0);
	assert_int_equal(proc_table__stats(f->t)->inherited, 1);
	assert_int_equal(f->log.missing, 1); /* no image of its own */
	/* the parent was never seen: it was read for the child */
	assert_int_equal(proc_table__stats(f->t)->reads, 1);
	assert_string_equal(function_at(f, child, here), "test_gone_child_inherits");
	/* no fork heard of: gone early, unknown */
	assert_int_equal(proc_table__see(f->t, orphan, 0), 0);
	assert_int_equal(proc_table__stats(f->t)->gone_early, 1);
	assert_int_equal(proc_table__stats(f->t)->processes, 2);
}

/* Forks are kept two drains: what a child's first sample needs, and no more. */
static void test_forks_age(void **state)
{
	struct fixture *f = *state;
	pid_t self = getpid(), a = gone_child(), b = gone_child();

	assert_int_equal(proc_table__fork(f->t, a, self, 0), 0);
	proc_table__age_forks(f->t);
	proc_table__age_forks(f->t);
	assert_int_equal(proc_table__fork(f->t, b, self, 0), 0);
	proc_table__age_forks(f->t);
	assert_int_equal(proc_table__see(f->t, a, 0), 0);
	assert_int_equal(proc_table__see(f->t, b, 0), 0);
	assert_int_equal(proc_table__stats(f->t)->gone_early, 1);
	assert_int_equal(proc_table__stats(f->t)->inherited, 1);
}

/* A pid reused by a new process: the old one's stacks are finished, the new one read anew. */
static void test_pid_reused(void **state)
{
	struct fixture *f = *state;
	pid_t self = getpid();
	struct proc *p;

	assert_int_equal(proc_table__see(f->t, self, 3), 0);
	/* a fork event older than the first sight: the process's own, read late */
	assert_int_equal(proc_table__fork(f->t, self, 1, 1), 0);
	assert_int_equal(proc_table__stats(f->t)->reused, 0);
	/* a fork after it was seen: another process now has the pid */
	assert_int_equal(proc_table__fork(f->t, self, 1, mono_ns() + 1), 0);
	assert_int_equal(proc_table__stats(f->t)->reused, 1);
	assert_int_equal(f->log.old_images, 1);
	/* its first stack, generation 0 again, takes a new snapshot */
	assert_int_equal(proc_table__see(f->t, self, 0), 0);
	p = proc_table__find(f->t, self);
	assert_int_equal(p->snap_gen, 0);
	assert_false(p->stale);
	assert_int_equal(proc_table__stats(f->t)->reads, 2);
	assert_int_equal(proc_table__stats(f->t)->processes, 1);
}

static void test_names(void **state)
{
	struct fixture *f = *state;
	char comm[TASK_COMM_LEN] = "worker", renamed[TASK_COMM_LEN] = "C2 CompilerThre";

	assert_null(proc_table__thread_name(f->t, 42));
	assert_int_equal(proc_table__name_thread(f->t, 42, comm), 0);
	assert_string_equal(proc_table__thread_name(f->t, 42), "worker");
	assert_int_equal(proc_table__name_thread(f->t, 42, renamed), 0);
	assert_string_equal(proc_table__thread_name(f->t, 42), "C2 CompilerThre");
	/* a process's name is kept for the processes seen only */
	proc_table__set_comm(f->t, getpid(), comm);
	assert_null(proc_table__find(f->t, getpid()));
	assert_int_equal(proc_table__see(f->t, getpid(), 0), 0);
	proc_table__set_comm(f->t, getpid(), comm);
	assert_string_equal(proc_table__find(f->t, getpid())->comm, "worker");
}

static void count_gone(void *ctx, struct proc *p)
{
	(void)p;
	(*(int *)ctx)++;
}

/* Exited processes are found once, and released once their samples are in. */
static void test_exited(void **state)
{
	struct fixture *f = *state;
	pid_t child = gone_child();
	int gone = 0;

	assert_int_equal(proc_table__see(f->t, getpid(), 0), 0);
	assert_int_equal(proc_table__fork(f->t, child, getpid(), 0), 0);
	assert_int_equal(proc_table__see(f->t, child, 0), 0);
	assert_true(proc_table__find_exited(f->t));
	assert_true(proc_table__find(f->t, child)->exiting);
	assert_false(proc_table__find(f->t, getpid())->exiting);
	proc_table__forget_exited(f->t, count_gone, &gone);
	assert_int_equal(gone, 1);
	assert_true(proc_table__find(f->t, child)->exited);
	assert_false(proc_table__find_exited(f->t));
	proc_table__forget_exited(f->t, count_gone, &gone);
	assert_int_equal(gone, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_read),
		cmocka_unit_test(test_zombie_is_gone),
		cmocka_unit_test_setup_teardown(test_see_reads_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_image, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gone_child_inherits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forks_age, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pid_reused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exited, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
