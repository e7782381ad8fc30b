// SPDX-License-Identifier: MIT
#include "test.h"

#include <stdbool.h>
#include <unistd.h>

#include "sym_perfmap.h"

static void test_parse_jvm_and_node_styles(void **state)
{
	static const char text[] = "0x00007fdeb8f1b580 0x0000000000000078 long Spin.f(long)\n"
				   "7fdeb8f20000 40 LazyCompile:*fib /app/fib.js:3\r\n"
				   "0x7fdeb8f30000\t0x10\tInterpreter\n";
	struct perfmap *m = perfmap__parse(text, sizeof(text) - 1);
	const struct perfmap_sym *s;

	(void)state;
	assert_non_null(m);
	assert_int_equal(m->len, 3);
	assert_int_equal(m->bad_lines, 0);
	s = perfmap__lookup(m, 0x7fdeb8f1b580ULL);
	assert_non_null(s);
	assert_string_equal(s->name, "long Spin.f(long)");
	assert_int_equal(s->end, 0x7fdeb8f1b580ULL + 0x78);
	assert_string_equal(perfmap__lookup(m, 0x7fdeb8f1b5f7ULL)->name, "long Spin.f(long)");
	assert_null(perfmap__lookup(m, 0x7fdeb8f1b5f8ULL));
	/* names keep their spaces; a CR before the newline is not part of them */
	assert_string_equal(perfmap__lookup(m, 0x7fdeb8f20010ULL)->name,
			    "LazyCompile:*fib /app/fib.js:3");
	assert_string_equal(perfmap__lookup(m, 0x7fdeb8f3000fULL)->name, "Interpreter");
	assert_null(perfmap__lookup(m, 0x7fdeb8f30010ULL));
	assert_null(perfmap__lookup(m, 0));
	perfmap__free(m);
}

static void test_malformed_lines(void **state)
{
	static const char text[] = "\n"
				   "hello world\n"
				   "1000\n"
				   "1000 10\n"
				   "1000 10 \n"
				   "zz 10 name\n"
				   "1000 zz name\n"
				   "10000000000000000 10 too-big\n"
				   "ffffffffffffffff 10 wraps\n"
				   "0x 10 no-digits\n"
				   "2000 0 empty-range\n"
				   "3000 10 good";
	struct perfmap *m = perfmap__parse(text, sizeof(text) - 1);

	(void)state;
	assert_non_null(m);
	assert_int_equal(m->len, 1);
	assert_int_equal(m->bad_lines, 9);
	assert_string_equal(perfmap__lookup(m, 0x3005)->name, "good");
	assert_null(perfmap__lookup(m, 0x2000));
	perfmap__free(m);
}

static void test_newest_definition_wins_and_overlaps(void **state)
{
	static const char text[] = "1000 100 old\n"
				   "5000 1000 big\n"
				   "5100 10 small\n"
				   "1000 80 new\n";
	struct perfmap *m = perfmap__parse(text, sizeof(text) - 1);

	(void)state;
	assert_non_null(m);
	/* the same start written twice (code recompiled in place): the later line counts */
	assert_string_equal(perfmap__lookup(m, 0x1010)->name, "new");
	assert_null(perfmap__lookup(m, 0x1090));
	/* nested: the smaller symbol inside, the larger one around it */
	assert_string_equal(perfmap__lookup(m, 0x5105)->name, "small");
	assert_string_equal(perfmap__lookup(m, 0x5200)->name, "big");
	assert_string_equal(perfmap__lookup(m, 0x5000)->name, "big");
	perfmap__free(m);
}

static void test_empty(void **state)
{
	struct perfmap *m = perfmap__parse("", 0);

	(void)state;
	assert_non_null(m);
	assert_int_equal(m->len, 0);
	assert_null(perfmap__lookup(m, 1));
	perfmap__free(m);
}

static void test_load_through_proc_root(void **state)
{
	char path[64];
	struct perfmap *m;
	FILE *f;

	(void)state;
	assert_int_equal(perfmap__ns_pid(getpid()), getpid());
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "0x10000 0x100 jitted_function\n");
	fclose(f);
	m = perfmap__load(getpid());
	unlink(path);
	assert_non_null(m);
	assert_string_equal(perfmap__lookup(m, 0x10050)->name, "jitted_function");
	perfmap__free(m);
	errno = 0;
	assert_null(perfmap__load(getpid()));
	assert_int_equal(errno, ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_jvm_and_node_styles),
		cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_newest_definition_wins_and_overlaps),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_load_through_proc_root),
	};

	return cmocka_run_group_tests_name("sym_perfmap", tests, NULL, NULL);
}
