// SPDX-License-Identifier: MIT
/*
 * The table of profile types (cli/record_sources.c) and the -t options built from it: every
 * row is complete, names are unique, and sample-type names follow DESIGN.md's pprof rules.
 */
#include "test.h"

#include <linux/types.h>

#include "common.h"
#include "record.h"
#include "source.h"

/* What the engine needs of every row: without these it cannot record the type. */
static void test_rows_complete(void **state)
{
	size_t i, j;

	(void)state;
	assert_non_null(record_sources[0]);
	for (i = 0; record_sources[i]; i++) {
		const struct source_ops *ops = record_sources[i];

		assert_non_null(ops->name);
		assert_non_null(ops->about);
		assert_true(ops->nvalues >= 1 && ops->nvalues <= SINGE_MAX_VALUES);
		assert_non_null(ops->types);
		for (j = 0; j < ops->nvalues; j++) {
			assert_non_null(ops->types[j].type);
			assert_non_null(ops->types[j].unit);
		}
		assert_non_null(ops->new);
		assert_non_null(ops->open);
		assert_non_null(ops->load);
		assert_non_null(ops->attach);
		assert_non_null(ops->detach);
		assert_non_null(ops->free);
		/* a type that flips buffers drains them */
		assert_true(!ops->flip || ops->drain);
		/* a label value needs a key to show under */
		assert_true(!ops->label_str || ops->label_key);
		for (j = 0; j < i; j++)
			assert_string_not_equal(record_sources[j]->name, ops->name);
	}
	assert_true(i <= RECORD_MAX_TYPES);
}

/* Sample types of all the types recorded must be unique, or --sample-type could not pick. */
static void test_sample_types_unique(void **state)
{
	size_t i, j, k, l;

	(void)state;
	for (i = 0; record_sources[i]; i++)
		for (j = 0; j < record_sources[i]->nvalues; j++)
			for (k = 0; k <= i; k++)
				for (l = 0; l < (k == i ? j : record_sources[k]->nvalues); l++)
					assert_string_not_equal(record_sources[i]->types[j].type,
								record_sources[k]->types[l].type);
}

static void test_find(void **state)
{
	(void)state;
	assert_ptr_equal(record_source__find("cpu"), record_sources[0]);
	assert_string_equal(record_source__find("cpu")->types[1].type, "cpu");
	assert_null(record_source__find("bogus"));
	assert_null(record_source__find(""));
	assert_null(record_source__find("CPU"));
}

static void test_opts_types(void **state)
{
	struct record_opts opts;
	unsigned int i;

	(void)state;
	record_opts__init(&opts);
	assert_int_equal(opts.ntypes, 0);
	assert_int_equal(record_opts__add_type(&opts, "bogus"), -ENOENT);
	assert_int_equal(record_opts__add_type(&opts, "cpu"), 0);
	assert_int_equal(record_opts__add_type(&opts, "cpu"), 0); /* once */
	assert_int_equal(opts.ntypes, 1);
	/* every type in the table can be recorded, each once */
	for (i = 0; record_sources[i]; i++)
		assert_int_equal(record_opts__add_type(&opts, record_sources[i]->name), 0);
	assert_int_equal(opts.ntypes, i);
}

/* No -t is cpu; sizes left at 0 are chosen, within their bounds. */
static void test_resolve(void **state)
{
	struct record_opts opts;

	(void)state;
	record_opts__init(&opts);
	record_opts__resolve(&opts);
	assert_int_equal(opts.ntypes, 1);
	assert_string_equal(opts.types[0]->name, "cpu");
	assert_true(opts.stack_storage >= 8192 && opts.stack_storage <= 32768);
	assert_true(opts.overflow_storage >= 1024);
	assert_true(opts.max_stacks >= 8192);
	assert_true(opts.ring_size >= SINGE_SAMPLES_MIN_SIZE &&
		    opts.ring_size <= SINGE_SAMPLES_MAX_AUTO_SIZE);
	assert_int_equal(opts.ring_size & (opts.ring_size - 1), 0);
	/* what was given stays */
	record_opts__init(&opts);
	opts.max_stacks = 100;
	record_opts__resolve(&opts);
	assert_int_equal(opts.max_stacks, 100);
}

static void test_auto_size(void **state)
{
	(void)state;
	assert_int_equal(record_auto_size(0, 8, 64), 8);
	assert_int_equal(record_auto_size(9, 8, 64), 16);
	assert_int_equal(record_auto_size(64, 8, 64), 64);
	assert_int_equal(record_auto_size(1000, 8, 64), 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_complete), cmocka_unit_test(test_sample_types_unique),
		cmocka_unit_test(test_find),	      cmocka_unit_test(test_opts_types),
		cmocka_unit_test(test_resolve),	      cmocka_unit_test(test_auto_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
