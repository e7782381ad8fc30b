// SPDX-License-Identifier: MIT
#include "test.h"

#include <stdbool.h>
#include <unistd.h>

#include "sym_kallsyms.h"

static const char text[] = "ffffffff81000000 T _text\n"
			   "ffffffff81000000 T startup_64\n"
			   "ffffffff81001000 t early_setup\n"
			   "ffffffff81002000 W weak_fn\n"
			   "ffffffff81003000 D some_data\n"
			   "ffffffff81004000 T schedule\n"
			   "ffffffff81004000 t __schedule_alias\n"
			   "ffffffff81005000 T _etext\n"
			   "ffffffffc0a01000 t foo_init\t[foo]\n"
			   "ffffffffc0a01100 T foo_exit\t[foo]\n"
			   "ffffffffc0b00000 t bpf_prog_6deef7357e7b4530_handle\t[bpf]\n";

static void test_parse_and_lookup(void **state)
{
	struct ksyms *k = ksyms__parse(text, sizeof(text) - 1);
	const struct ksym *s;

	(void)state;
	assert_non_null(k);
	assert_int_equal(k->bad_lines, 0);
	/* data symbols are dropped, aliases collapse to one name */
	assert_int_equal(k->len, 8);
	s = ksyms__lookup(k, 0xffffffff81004010ULL);
	assert_non_null(s);
	assert_string_equal(s->name, "schedule");
	assert_string_equal(s->module, "");
	/* the data symbol does not capture code after it */
	assert_string_equal(ksyms__lookup(k, 0xffffffff81003010ULL)->name, "weak_fn");
	assert_string_equal(ksyms__lookup(k, 0xffffffff81000010ULL)->name, "_text");
	s = ksyms__lookup(k, 0xffffffffc0a01180ULL);
	assert_string_equal(s->name, "foo_exit");
	assert_string_equal(s->module, "foo");
	assert_string_equal(ksyms__lookup(k, 0xffffffffc0b00004ULL)->module, "bpf");
	/* below the first symbol, past _etext, far past the last */
	assert_null(ksyms__lookup(k, 0xffffffff80000000ULL));
	assert_null(ksyms__lookup(k, 0xffffffff81005001ULL));
	assert_null(ksyms__lookup(k, 0xffffffffc0c00000ULL));
	assert_non_null(ksyms__find_name(k, "early_setup"));
	assert_null(ksyms__find_name(k, "some_data"));
	ksyms__free(k);
}

static void test_hidden_addresses_are_an_error(void **state)
{
	static const char hidden[] = "0000000000000000 T _text\n"
				     "0000000000000000 T schedule\n"
				     "0000000000000000 t foo\t[foo]\n";

	(void)state;
	errno = 0;
	assert_null(ksyms__parse(hidden, sizeof(hidden) - 1));
	assert_int_equal(errno, EACCES);
	errno = 0;
	assert_null(ksyms__parse("", 0));
	assert_int_equal(errno, ENOENT);
}

static void test_malformed_lines(void **state)
{
	static const char bad[] = "garbage\n"
				  "ffffffff81000000\n"
				  "ffffffff81000000 T\n"
				  "ffffffff81000000 T \n"
				  "ffffffff81000000T name\n"
				  "11111111111111111 T overflow\n"
				  "ffffffff81000000 T good\n"
				  "ffffffff81000100 t mod_fn\t[unterminated\n"
				  "ffffffff81000200 t tab_only\t";
	struct ksyms *k = ksyms__parse(bad, sizeof(bad) - 1);

	(void)state;
	assert_non_null(k);
	assert_int_equal(k->bad_lines, 6);
	assert_int_equal(k->len, 3);
	assert_string_equal(ksyms__lookup(k, 0xffffffff81000010ULL)->name, "good");
	assert_string_equal(ksyms__lookup(k, 0xffffffff81000110ULL)->module, "");
	ksyms__free(k);
}

static bool running_in_ci(void)
{
	const char *ci = getenv("CI");

	return ci && !strcmp(ci, "true");
}

/* The real /proc/kallsyms: the address of schedule resolves back to schedule. */
static void test_real_kallsyms(void **state)
{
	struct ksyms *k = ksyms__load();
	const struct ksym *s, *back;

	(void)state;
	if (!k && errno == EACCES && !running_in_ci()) {
		skip(); /* kptr_restrict hides addresses from this user */
		return;
	}
	assert_non_null(k);
	assert_true(k->len > 1000);
	s = ksyms__find_name(k, "schedule");
	assert_non_null(s);
	back = ksyms__lookup(k, s->addr);
	assert_non_null(back);
	assert_string_equal(back->name, "schedule");
	assert_string_equal(ksyms__lookup(k, s->addr + 1)->name, "schedule");
	ksyms__free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_lookup),
		cmocka_unit_test(test_hidden_addresses_are_an_error),
		cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_real_kallsyms),
	};

	return cmocka_run_group_tests_name("sym_kallsyms", tests, NULL, NULL);
}
