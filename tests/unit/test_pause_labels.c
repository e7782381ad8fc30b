// SPDX-License-Identifier: MIT
/*
 * A pause sample's labels from its label value: runtime, reason, and gc_generation (CPython)
 * or gc_cycle (Go) as numbers; the kind the summary groups by leaves the cycle out; the
 * layout bpf/pause.bpf.c builds for CPython's stack copies (runtime << 8 | generation) reads
 * the same.
 */
#include "test.h"

#include <linux/types.h>

#include "pause.h"
#include "pause_labels.h"
#include "source.h"

static void test_go(void **state)
{
	struct source_label l[PAUSE_LABELS_MAX];
	uint32_t v = pause_label(PAUSE_RT_GO, PAUSE_GO_MARK_TERM, 42);
	char buf[64];

	(void)state;
	assert_int_equal(pause_labels(v, l, buf, sizeof(buf)), 3);
	assert_string_equal(l[0].key, "runtime");
	assert_string_equal(l[0].str, "go");
	assert_string_equal(l[1].key, "reason");
	assert_string_equal(l[1].str, "GC mark termination");
	assert_string_equal(l[2].key, "gc_cycle");
	assert_null(l[2].str);
	assert_int_equal(l[2].num, 42);
	/* the kind: the same for every cycle */
	assert_int_equal(pause_label_kind(v),
			 pause_label_kind(pause_label(PAUSE_RT_GO, PAUSE_GO_MARK_TERM, 7)));
	assert_int_equal(pause_label_kind(v), pause_label(PAUSE_RT_GO, PAUSE_GO_MARK_TERM, 0));
	assert_string_equal(pause_label_str(v, buf, sizeof(buf)), "go: GC mark termination");
}

static void test_go_no_cycle(void **state)
{
	struct source_label l[PAUSE_LABELS_MAX];
	char buf[64];

	(void)state;
	/* read mem stats (7) is no GC cycle's: no gc_cycle label */
	assert_int_equal(pause_labels(pause_label(PAUSE_RT_GO, 7, 0), l, buf, sizeof(buf)), 2);
	assert_string_equal(l[1].str, "read mem stats");
	/* an unknown reason number is named so, not read past the table */
	assert_int_equal(pause_labels(pause_label(PAUSE_RT_GO, 200, 0), l, buf, sizeof(buf)), 2);
	assert_string_equal(l[1].str, "unknown");
	/* a cycle past the layout's bits is left out rather than wrapped */
	assert_int_equal(pause_label_cycle(pause_label(PAUSE_RT_GO, 1, PAUSE_LABEL_MAX_CYCLE)),
			 PAUSE_LABEL_MAX_CYCLE);
	assert_int_equal(pause_label_cycle(pause_label(PAUSE_RT_GO, 1, PAUSE_LABEL_MAX_CYCLE + 1)),
			 0);
}

static void test_python(void **state)
{
	struct source_label l[PAUSE_LABELS_MAX];
	char buf[64];
	/* as bpf/pause.bpf.c labels a stack copy */
	uint32_t v = (uint32_t)PAUSE_RT_PYTHON << 8 | 2;

	(void)state;
	assert_int_equal(pause_labels(v, l, buf, sizeof(buf)), 3);
	assert_string_equal(l[0].str, "python");
	assert_string_equal(l[1].str, "gc generation 2");
	assert_string_equal(l[2].key, "gc_generation");
	assert_null(l[2].str);
	assert_int_equal(l[2].num, 2);
	assert_int_equal(v, pause_label(PAUSE_RT_PYTHON, 2, 0));
	assert_string_equal(pause_label_str(v, buf, sizeof(buf)), "python: gc generation 2");
	/* generation 0 is a number label of value 0, still there */
	assert_int_equal(pause_labels(pause_label(PAUSE_RT_PYTHON, 0, 0), l, buf, sizeof(buf)), 3);
	assert_int_equal(l[2].num, 0);
}

static void test_jvm(void **state)
{
	struct source_label l[PAUSE_LABELS_MAX];
	char buf[64];

	(void)state;
	assert_int_equal(
		pause_labels(pause_label(PAUSE_RT_JVM, PAUSE_JVM_YOUNG_GC, 0), l, buf, sizeof(buf)),
		2);
	assert_string_equal(l[0].str, "jvm");
	assert_string_equal(l[1].str, "safepoint, young GC");
	assert_string_equal(
		pause_label_str(pause_label(PAUSE_RT_JVM, PAUSE_JVM_FULL_GC, 0), buf, sizeof(buf)),
		"jvm: safepoint, full GC");
}

static void test_no_runtime(void **state)
{
	struct source_label l[PAUSE_LABELS_MAX];
	char buf[64];

	(void)state;
	assert_int_equal(pause_labels(5, l, buf, sizeof(buf)), -EINVAL);
	assert_null(pause_label_str(5, buf, sizeof(buf)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_go),	   cmocka_unit_test(test_go_no_cycle),
		cmocka_unit_test(test_python),	   cmocka_unit_test(test_jvm),
		cmocka_unit_test(test_no_runtime),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
