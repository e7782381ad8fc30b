// SPDX-License-Identifier: MIT
#include "test.h"

#include <errno.h>

#include "profile.h"

/* A profile with one sample type and the stacks main;a;b (3) and main;c (1). */
static struct profile *small_profile(const char *type)
{
	struct profile *p = profile__new();
	const char *names[] = {"main", "a", "b", "c"};
	uint64_t loc[4];
	int i;

	assert_non_null(p);
	assert_int_equal(profile__add_sample_type(p, type, "count"), 0);
	for (i = 0; i < 4; i++) {
		struct function f = {.name = (uint32_t)profile__intern_str(p, names[i])};
		struct line l = {.function_id = (uint64_t)profile__intern_function(p, &f)};

		loc[i] = (uint64_t)profile__intern_location(p, 0, 0, &l, 1);
	}
	{
		uint64_t s1[] = {loc[2], loc[1], loc[0]}, s2[] = {loc[3], loc[0]};
		int64_t v1 = 3, v2 = 1;

		assert_int_equal(profile__add_sample(p, s1, 3, &v1, NULL, 0), 0);
		assert_int_equal(profile__add_sample(p, s2, 2, &v2, NULL, 0), 0);
	}
	return p;
}

static void test_new_profile_is_valid_and_empty(void **state)
{
	struct profile *p = profile__new();
	struct flame_err err = {{0}};

	(void)state;
	assert_non_null(p);
	assert_string_equal(profile__str(p, 0), "");
	assert_int_equal(profile__validate(p, &err), 0);
	assert_int_equal(profile__default_sample_type(p), -ENOENT);
	profile__free(p);
	profile__free(NULL);
}

static void test_interning_dedups_functions_and_locations(void **state)
{
	struct profile *p = small_profile("samples");
	struct function f = {.name = (uint32_t)profile__intern_str(p, "a")};
	struct line l;

	(void)state;
	assert_int_equal(p->functions.len, 4);
	assert_int_equal(p->locations.len, 4);
	assert_int_equal(profile__intern_function(p, &f), 2);
	l = (struct line){.function_id = 2};
	assert_int_equal(profile__intern_location(p, 0, 0, &l, 1), 2);
	/* a different line number is a different location */
	l.line = 7;
	assert_int_equal(profile__intern_location(p, 0, 0, &l, 1), 5);
	profile__free(p);
}

static void test_totals_and_sample_access(void **state)
{
	struct profile *p = small_profile("samples");
	struct flame_err err = {{0}};

	(void)state;
	assert_int_equal(profile__total(p, 0), 4);
	assert_int_equal(profile__total(p, 1), 0);
	assert_int_equal(p->samples.data[0].nlocs, 3);
	assert_string_equal(
		profile__str(
			p, profile__function(
				   p, profile__location_lines(
					      p, profile__location(p, profile__sample_loc(p, 0, 0)))
					      ->function_id)
				   ->name),
		"b");
	assert_int_equal(profile__sample_values(p, 1)[0], 1);
	assert_int_equal(profile__validate(p, &err), 0);
	profile__free(p);
}

static void test_total_saturates(void **state)
{
	struct profile *p = small_profile("samples");
	int64_t big = INT64_MAX;
	uint64_t loc = 1;

	(void)state;
	assert_int_equal(profile__add_sample(p, &loc, 1, &big, NULL, 0), 0);
	assert_true(profile__total(p, 0) == INT64_MAX);
	profile__free(p);
}

static void test_sample_types_and_default(void **state)
{
	struct profile *p = profile__new();
	uint64_t loc = 0;
	int64_t v[2] = {1, 2};

	(void)state;
	assert_int_equal(profile__add_sample_type(p, "samples", "count"), 0);
	assert_int_equal(profile__add_sample_type(p, "cpu", "nanoseconds"), 1);
	assert_int_equal(profile__find_sample_type(p, "cpu"), 1);
	assert_int_equal(profile__find_sample_type(p, "wall"), -ENOENT);
	/* pprof's rule: without default_sample_type, the last type is shown */
	assert_int_equal(profile__default_sample_type(p), 1);
	p->default_sample_type = (uint32_t)profile__intern_str(p, "samples");
	assert_int_equal(profile__default_sample_type(p), 0);
	p->default_sample_type = (uint32_t)profile__intern_str(p, "nothing");
	assert_int_equal(profile__default_sample_type(p), 1);
	assert_int_equal(profile__add_sample(p, &loc, 0, v, NULL, 0), 0);
	/* sample types are fixed once samples exist */
	assert_int_equal(profile__add_sample_type(p, "late", "count"), -EBUSY);
	profile__free(p);
}

/* The wall view: cpu + offcpu nanoseconds per sample, in a column of its own. */
static void test_add_wall(void **state)
{
	struct profile *p = profile__new();
	const int64_t on[4] = {3, 30000000, 0, 0}, off[4] = {0, 0, 2, 70000000};
	struct flame_err err = {{0}};
	uint64_t loc = 1;

	(void)state;
	assert_int_equal(profile__add_sample_type(p, "samples", "count"), 0);
	assert_int_equal(profile__add_sample_type(p, "cpu", "nanoseconds"), 1);
	assert_int_equal(profile__add_wall(p), -ENOENT); /* no offcpu yet */
	assert_int_equal(profile__add_sample_type(p, "switches", "count"), 2);
	assert_int_equal(profile__add_sample_type(p, "offcpu", "nanoseconds"), 3);
	assert_int_equal(profile__add_sample(p, &loc, 0, on, NULL, 0), 0);
	assert_int_equal(profile__add_sample(p, &loc, 0, off, NULL, 0), 0);
	assert_int_equal(profile__add_wall(p), 4);
	assert_int_equal(p->sample_types.len, 5);
	assert_string_equal(profile__str(p, p->sample_types.data[4].type), "wall");
	assert_string_equal(profile__str(p, p->sample_types.data[4].unit), "nanoseconds");
	/* the other columns are kept, each sample gains its sum */
	assert_int_equal(profile__sample_values(p, 0)[1], 30000000);
	assert_int_equal(profile__sample_values(p, 0)[4], 30000000);
	assert_int_equal(profile__sample_values(p, 1)[2], 2);
	assert_int_equal(profile__sample_values(p, 1)[3], 70000000);
	assert_int_equal(profile__sample_values(p, 1)[4], 70000000);
	assert_int_equal(profile__add_wall(p), 4); /* once */
	assert_int_equal(p->sample_types.len, 5);
	assert_int_equal(profile__validate(p, &err), 0);
	profile__free(p);

	/* offcpu in another unit is not time */
	p = profile__new();
	assert_int_equal(profile__add_sample_type(p, "cpu", "nanoseconds"), 0);
	assert_int_equal(profile__add_sample_type(p, "offcpu", "count"), 1);
	assert_int_equal(profile__add_wall(p), -EINVAL);
	profile__free(p);
}

/* A recording's pprof opens on its natural type: cpu time, never the last type listed. */
static void test_natural_default_follows_the_design_table(void **state)
{
	struct profile *p = profile__new();

	(void)state;
	assert_int_equal(profile__add_sample_type(p, "samples", "count"), 0);
	assert_int_equal(profile__add_sample_type(p, "cpu", "nanoseconds"), 1);
	assert_int_equal(profile__add_sample_type(p, "switches", "count"), 2);
	assert_int_equal(profile__add_sample_type(p, "offcpu", "nanoseconds"), 3);
	assert_int_equal(profile__default_sample_type(p), 3); /* pprof's fallback: the last */
	assert_int_equal(profile__natural_sample_type(p), 1);
	profile__set_natural_default(p);
	assert_string_equal(profile__str(p, p->default_sample_type), "cpu");
	assert_int_equal(profile__default_sample_type(p), 1);
	/* a default the profile already names is kept */
	p->default_sample_type = p->sample_types.data[2].type;
	profile__set_natural_default(p);
	assert_int_equal(profile__default_sample_type(p), 2);
	profile__free(p);

	/* alloc: inuse_space, as Go's heap profiles open; unknown types: no default is invented */
	p = profile__new();
	assert_int_equal(profile__add_sample_type(p, "alloc_objects", "count"), 0);
	assert_int_equal(profile__add_sample_type(p, "inuse_space", "bytes"), 1);
	assert_int_equal(profile__add_sample_type(p, "inuse_objects", "count"), 2);
	assert_int_equal(profile__natural_sample_type(p), 1);
	profile__free(p);
	p = profile__new();
	assert_int_equal(profile__add_sample_type(p, "samples", "count"), 0);
	assert_int_equal(profile__natural_sample_type(p), -ENOENT);
	profile__set_natural_default(p);
	assert_int_equal(p->default_sample_type, 0);
	profile__free(p);
}

/* Location ids are stored as varints of 1 to 5 bytes: each length reads back as it went in. */
static void test_sample_locs_varints(void **state)
{
	static const uint64_t ids[] = {1, 127, 128, 16383, 16384, 2097151, 2097152, UINT32_MAX - 1};
	const size_t n = sizeof(ids) / sizeof(ids[0]);
	struct profile *p = profile__new();
	struct flame_err err = {{0}};
	int64_t v = 1;
	uint32_t out[8];
	size_t k;

	(void)state;
	assert_int_equal(profile__add_sample_type(p, "samples", "count"), 0);
	assert_int_equal(profile__add_sample(p, ids, (uint32_t)n, &v, NULL, 0), 0);
	assert_int_equal(profile__add_sample(p, ids + 2, 1, &v, NULL, 0), 0);
	/* 1 + 1 + 2 + 2 + 3 + 3 + 4 + 5 bytes, then 2 for the second sample */
	assert_int_equal(p->sample_locs.len, 21 + 2);
	assert_int_equal(p->samples.data[1].loc_start, 21);
	assert_int_equal(profile__sample_locs(p, 0, out), 0);
	for (k = 0; k < n; k++) {
		assert_int_equal(out[k], ids[k]);
		assert_int_equal(profile__sample_loc(p, 0, (uint32_t)k), ids[k]);
	}
	assert_int_equal(profile__sample_loc(p, 0, (uint32_t)n), 0); /* past the last id */
	assert_int_equal(profile__sample_loc(p, 1, 0), 128);
	/* a varint cut by the end of the array is refused, not read past it */
	p->sample_locs.data[p->sample_locs.len - 1] |= 0x80;
	assert_int_equal(profile__sample_locs(p, 1, out), -EINVAL);
	assert_int_equal(profile__sample_loc(p, 1, 0), 0);
	p->samples.data[0].nlocs = 0; /* (its ids name no location: validate would stop there) */
	assert_int_equal(profile__validate(p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "sample 1 is out of range"));
	profile__free(p);
}

static void test_validate_catches_bad_references(void **state)
{
	struct profile *p = small_profile("samples");
	struct flame_err err = {{0}};

	(void)state;
	p->sample_locs.data[0] = 99;
	assert_int_equal(profile__validate(p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "unknown location 99"));
	p->sample_locs.data[0] = 3;
	p->lines.data[0].function_id = 42;
	assert_int_equal(profile__validate(p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "unknown function 42"));
	p->lines.data[0].function_id = 1;
	p->locations.data[0].mapping_id = 5;
	assert_int_equal(profile__validate(p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "unknown mapping"));
	p->locations.data[0].mapping_id = 0;
	p->functions.data[0].name = 100000;
	assert_int_equal(profile__validate(p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "function name"));
	profile__free(p);
}

static void test_merge_reinterns_and_sums(void **state)
{
	struct profile *a = small_profile("samples"), *b = small_profile("samples");
	struct flame_err err = {{0}};

	(void)state;
	a->period = 10;
	b->period = 20;
	a->time_nanos = 200;
	b->time_nanos = 100;
	a->duration_nanos = 5;
	b->duration_nanos = 7;
	assert_int_equal(profile__add_comment(a, "hello"), 0);
	assert_int_equal(profile__add_comment(b, "hello"), 0);
	assert_int_equal(profile__add_comment(b, "world"), 0);
	assert_int_equal(profile__merge(a, b, &err), 0);
	assert_int_equal(profile__total(a, 0), 8);
	assert_int_equal(a->samples.len, 4);
	/* same functions and locations are shared, not duplicated */
	assert_int_equal(a->functions.len, 4);
	assert_int_equal(a->locations.len, 4);
	assert_int_equal(a->period, 20);
	assert_int_equal(a->time_nanos, 100);
	assert_int_equal(a->duration_nanos, 12);
	assert_int_equal(a->comments.len, 2);
	assert_int_equal(profile__validate(a, &err), 0);
	profile__free(a);
	profile__free(b);
}

static void test_merge_refuses_different_sample_types(void **state)
{
	struct profile *a = small_profile("samples"), *b = small_profile("alloc_space");
	struct flame_err err = {{0}};

	(void)state;
	assert_int_equal(profile__merge(a, b, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "samples/count"));
	assert_non_null(strstr(err.msg, "alloc_space/count"));
	assert_int_equal(profile__total(a, 0), 4);
	profile__free(a);
	profile__free(b);
}

static void test_merge_into_empty_copies_header(void **state)
{
	struct profile *a = profile__new(), *b = small_profile("samples");
	struct flame_err err = {{0}};

	(void)state;
	b->period_type.type = (uint32_t)profile__intern_str(b, "cpu");
	b->period_type.unit = (uint32_t)profile__intern_str(b, "nanoseconds");
	assert_int_equal(profile__merge(a, b, &err), 0);
	assert_int_equal(a->sample_types.len, 1);
	assert_string_equal(profile__str(a, a->period_type.type), "cpu");
	assert_int_equal(profile__total(a, 0), 4);
	profile__free(a);
	profile__free(b);
}

static void test_frame_kinds(void **state)
{
	struct profile *p = profile__new();
	struct mapping km = {.filename = (uint32_t)profile__intern_str(p, KERNEL_MAPPING_NAME)};
	struct mapping jm = {.filename = (uint32_t)profile__intern_str(p, "/tmp/perf-12.map")};
	struct mapping lib = {.filename = (uint32_t)profile__intern_str(p, "/usr/lib/libc.so.6")};
	int64_t kid = profile__add_mapping(p, &km), jid = profile__add_mapping(p, &jm);
	int64_t lid = profile__add_mapping(p, &lib);
	struct {
		const char *name, *file;
		int64_t mapping;
		enum frame_kind want;
	} cases[] = {
		{"do_syscall_64", "", kid, FRAME_KERNEL},
		{"LJava/lang/String;::hashCode", "", jid, FRAME_JIT},
		/* a JVM's template interpreter, as singe names it in JIT memory */
		{"[interpreted]", "", jid, FRAME_INTERPRETED},
		{"memcpy", "", lid, FRAME_NATIVE},
		{"main.work", "/src/main.go", lid, FRAME_GO},
		{"runtime.mallocgc", "", 0, FRAME_GO},
		{"net/http.(*conn).serve", "", 0, FRAME_GO},
		{"github.com/acme/svc/store.(*DB).Get", "", 0, FRAME_GO},
		{"java/util/HashMap.get", "", 0, FRAME_JIT},
		{"Ljava/lang/String;::hashCode", "", 0, FRAME_JIT},
		{"std::vector<int>::push_back", "", 0, FRAME_NATIVE},
		{"[unknown]", "", lid, FRAME_UNKNOWN},
		{"libfoo.so+0x1234", "", 0, FRAME_UNKNOWN},
		{"compute", "app.py", 0, FRAME_INTERPRETED},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct function f = {.name = (uint32_t)profile__intern_str(p, cases[i].name),
				     .filename = (uint32_t)profile__intern_str(p, cases[i].file)};
		struct line l = {.function_id = (uint64_t)profile__intern_function(p, &f)};
		int64_t id = profile__intern_location(p, (uint64_t)cases[i].mapping, 0, &l, 1);
		const struct location *loc = profile__location(p, (uint64_t)id);

		assert_string_equal(frame_kind__name(profile__frame_kind(p, loc, &l)),
				    frame_kind__name(cases[i].want));
	}
	profile__free(p);
}

static void test_flame_err_formats(void **state)
{
	struct flame_err err;

	(void)state;
	assert_int_equal(flame_err__set(&err, EINVAL, "bad %s at %d", "thing", 3), -EINVAL);
	assert_string_equal(err.msg, "bad thing at 3");
	assert_int_equal(flame_err__set(NULL, ENOMEM, "x"), -ENOMEM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_profile_is_valid_and_empty),
		cmocka_unit_test(test_interning_dedups_functions_and_locations),
		cmocka_unit_test(test_totals_and_sample_access),
		cmocka_unit_test(test_total_saturates),
		cmocka_unit_test(test_sample_types_and_default),
		cmocka_unit_test(test_natural_default_follows_the_design_table),
		cmocka_unit_test(test_validate_catches_bad_references),
		cmocka_unit_test(test_merge_reinterns_and_sums),
		cmocka_unit_test(test_merge_refuses_different_sample_types),
		cmocka_unit_test(test_merge_into_empty_copies_header),
		cmocka_unit_test(test_frame_kinds),
		cmocka_unit_test(test_sample_locs_varints),
		cmocka_unit_test(test_flame_err_formats),
		cmocka_unit_test(test_add_wall),
	};

	return cmocka_run_group_tests_name("profile", tests, NULL, NULL);
}
