// SPDX-License-Identifier: MIT
#include "test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folded.h"
#include "perfscript.h"
#include "profile.h"
#include "roots.h"

/* The locations of the stack main;work, leaf first. */
static void main_work(struct profile *p, uint64_t locs[2])
{
	const char *names[] = {"work", "main"};
	int i;

	for (i = 0; i < 2; i++) {
		struct function f = {.name = (uint32_t)profile__intern_str(p, names[i])};
		struct line line = {.function_id = (uint64_t)profile__intern_function(p, &f)};

		locs[i] = (uint64_t)profile__intern_location(p, 0, 0, &line, 1);
	}
}

/* A sample main;work (leaf work) of the process comm/pid, value v; pid < 0: no pid label. */
static void add(struct profile *p, const char *comm, int64_t pid, int64_t v)
{
	struct label l[2];
	uint64_t locs[2];
	uint32_t nl = 0;

	main_work(p, locs);
	if (comm)
		l[nl++] = (struct label){.key = (uint32_t)profile__intern_str(p, "comm"),
					 .str = (uint32_t)profile__intern_str(p, comm)};
	if (pid >= 0)
		l[nl++] =
			(struct label){.key = (uint32_t)profile__intern_str(p, "pid"), .num = pid};
	assert_int_equal(profile__add_sample(p, locs, 2, &v, l, nl), 0);
}

static struct profile *new_profile(void)
{
	struct profile *p = profile__new();

	assert_non_null(p);
	assert_int_equal(profile__add_sample_type(p, "samples", "count"), 0);
	return p;
}

static char *folded(const struct profile *p)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	assert_non_null(f);
	assert_int_equal(folded__write(p, 0, -1, f), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void test_parse_modes(void **state)
{
	enum process_roots m;

	(void)state;
	assert_int_equal(process_roots__parse("comm", &m), 0);
	assert_int_equal(m, PROCESS_ROOTS_COMM);
	assert_int_equal(process_roots__parse("comm-pid", &m), 0);
	assert_int_equal(m, PROCESS_ROOTS_COMM_PID);
	assert_int_equal(process_roots__parse("none", &m), 0);
	assert_int_equal(m, PROCESS_ROOTS_NONE);
	assert_int_equal(process_roots__parse("pid", &m), -EINVAL);
}

/* Several processes: by pid when samples have one; threads' names do not make processes. */
static void test_several_processes(void **state)
{
	struct profile *p = new_profile();

	(void)state;
	assert_false(profile__has_several_processes(p));
	add(p, "web", 10, 1);
	add(p, "web-worker", 10, 1); /* a thread of the same process, named apart */
	assert_false(profile__has_several_processes(p));
	add(p, "web", 11, 1);
	assert_true(profile__has_several_processes(p));
	profile__free(p);

	/* perf script's default output has tids, not pids: comms tell processes apart */
	p = new_profile();
	add(p, "bash", -1, 1);
	add(p, "bash", -1, 1);
	assert_false(profile__has_several_processes(p));
	add(p, "make", -1, 1);
	assert_true(profile__has_several_processes(p));
	profile__free(p);

	/* no labels at all (folded input): one process as far as anyone can tell */
	p = new_profile();
	add(p, NULL, -1, 1);
	add(p, NULL, -1, 1);
	assert_false(profile__has_several_processes(p));
	profile__free(p);
}

/* Two programs with the same main;work stay apart under their process names. */
static void test_roots_keep_processes_apart(void **state)
{
	struct profile *p = new_profile(), *q = new_profile();
	struct flame_err err = {{0}};
	char *out;

	(void)state;
	add(p, "nginx", 10, 3);
	add(p, "nginx", 12, 2);
	add(p, "redis", 20, 5);
	add(p, NULL, 30, 1);
	add(p, NULL, -1, 1);
	assert_int_equal(profile__merge(q, p, &err), 0); /* the same samples, for comm-pid */

	out = folded(p);
	assert_string_equal(out, "main;work 12\n");
	free(out);
	assert_int_equal(profile__add_process_roots(p, PROCESS_ROOTS_COMM), 0);
	assert_int_equal(profile__validate(p, &err), 0);
	out = folded(p);
	assert_string_equal(out, "nginx;main;work 5\nredis;main;work 5\n[pid 30];main;work 1\n"
				 "[unknown];main;work 1\n");
	free(out);
	/* the labels are kept as they were */
	assert_int_equal(p->samples.data[0].nlabels, 2);

	assert_int_equal(profile__add_process_roots(q, PROCESS_ROOTS_COMM_PID), 0);
	assert_int_equal(profile__validate(q, &err), 0);
	out = folded(q);
	assert_string_equal(out,
			    "nginx-10;main;work 3\nnginx-12;main;work 2\nredis-20;main;work 5\n"
			    "[pid 30];main;work 1\n[unknown];main;work 1\n");
	free(out);
	assert_int_equal(profile__add_process_roots(q, PROCESS_ROOTS_NONE), 0);
	assert_int_equal(q->samples.data[0].nlocs, 3);
	profile__free(p);
	profile__free(q);
}

/* perf script -a: each comm at the root, as stackcollapse-perf does. */
static void test_roots_of_perf_script(void **state)
{
	static const char text[] =
		"bash 100/100 [000] 1.0: 1 cpu-clock:\n\t10 main (/bin/bash)\n\n"
		"make 200/200 [001] 1.1: 1 cpu-clock:\n\t20 main (/bin/make)\n\n"
		"bash 101/101 [000] 1.2: 1 cpu-clock:\n\t10 main (/bin/bash)\n\n";
	struct profile *p = profile__new();
	struct flame_err err = {{0}};
	char *out;

	(void)state;
	assert_non_null(p);
	assert_int_equal(perfscript__parse(p, text, sizeof(text) - 1, &err), 0);
	assert_true(profile__has_several_processes(p));
	assert_int_equal(profile__add_process_roots(p, PROCESS_ROOTS_COMM), 0);
	out = folded(p);
	assert_string_equal(out, "bash;main 2\nmake;main 1\n");
	free(out);
	profile__free(p);
}

/* singe's own recordings: comm is the thread's name, process the process's, which roots use. */
static void test_roots_name_processes_not_threads(void **state)
{
	static const struct {
		const char *thread, *process;
		int64_t pid, v;
	} samples[] = {
		{"java", "java", 7, 5}, {"C2 CompilerThre", "java", 7, 3}, {"gzip", "gzip", 9, 2}};
	struct profile *p = new_profile();
	uint64_t locs[2];
	char *out;
	size_t i;

	(void)state;
	main_work(p, locs);
	for (i = 0; i < 3; i++) {
		struct label l[3] = {
			{.key = (uint32_t)profile__intern_str(p, "pid"), .num = samples[i].pid},
			{.key = (uint32_t)profile__intern_str(p, "comm"),
			 .str = (uint32_t)profile__intern_str(p, samples[i].thread)},
			{.key = (uint32_t)profile__intern_str(p, "process"),
			 .str = (uint32_t)profile__intern_str(p, samples[i].process)},
		};

		assert_int_equal(profile__add_sample(p, locs, 2, &samples[i].v, l, 3), 0);
	}
	assert_true(profile__has_several_processes(p));
	assert_int_equal(profile__add_process_roots(p, PROCESS_ROOTS_COMM), 0);
	out = folded(p);
	assert_string_equal(out, "java;main;work 8\ngzip;main;work 2\n");
	free(out);
	profile__free(p);
}

/* A sample main;work of value v with the string label key=value (key NULL: no label). */
static void add_labelled(struct profile *p, const char *key, const char *value, int64_t v)
{
	struct label l = {0};
	uint64_t locs[2];

	main_work(p, locs);
	if (key)
		l = (struct label){.key = (uint32_t)profile__intern_str(p, key),
				   .str = (uint32_t)profile__intern_str(p, value)};
	assert_int_equal(profile__add_sample(p, locs, 2, &v, &l, key ? 1 : 0), 0);
}

/* Goroutine profiles: the wait_reason label becomes a leaf frame; stacks without it stay. */
static void test_label_leaves(void **state)
{
	struct profile *p = new_profile();
	struct flame_err err = {{0}};
	char *out;

	(void)state;
	add_labelled(p, "wait_reason", "chan receive", 3);
	add_labelled(p, "wait_reason", "semacquire", 2);
	add_labelled(p, "wait_reason", "chan receive", 4);
	add_labelled(p, NULL, NULL, 1);
	add_labelled(p, "other", "x", 5);
	assert_true(profile__has_label(p, "wait_reason"));
	assert_false(profile__has_label(p, "goid"));
	assert_int_equal(profile__add_label_leaves(p, "wait_reason"), 0);
	assert_int_equal(profile__validate(p, &err), 0);
	out = folded(p);
	assert_string_equal(out, "main;work;[chan receive] 7\nmain;work;[semacquire] 2\n"
				 "main;work 6\n");
	free(out);
	/* the labels are kept; a profile without the label is left as it was */
	assert_int_equal(p->samples.data[0].nlabels, 1);
	assert_int_equal(p->samples.data[0].nlocs, 3);
	assert_int_equal(p->samples.data[3].nlocs, 2);
	assert_int_equal(profile__add_label_leaves(p, "goid"), 0);
	assert_int_equal(p->samples.data[0].nlocs, 3);
	profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_modes),
		cmocka_unit_test(test_several_processes),
		cmocka_unit_test(test_roots_keep_processes_apart),
		cmocka_unit_test(test_roots_of_perf_script),
		cmocka_unit_test(test_roots_name_processes_not_threads),
		cmocka_unit_test(test_label_leaves),
	};

	return cmocka_run_group_tests_name("roots", tests, NULL, NULL);
}
