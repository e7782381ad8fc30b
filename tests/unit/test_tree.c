// SPDX-License-Identifier: MIT
#include "test.h"

#include <errno.h>

#include "profile.h"
#include "tree.h"

/* --- building profiles ------------------------------------------------------------- */

static uint64_t func(struct profile *p, const char *name, const char *file)
{
	struct function f = {0};
	int64_t id;

	f.name = (uint32_t)profile__intern_str(p, name);
	f.system_name = f.name;
	f.filename = (uint32_t)profile__intern_str(p, file ? file : "");
	id = profile__intern_function(p, &f);
	assert_true(id > 0);
	return (uint64_t)id;
}

/* A location for a function (one line), optionally in a mapping. */
static uint64_t loc_in(struct profile *p, uint64_t mapping, const char *name, const char *file)
{
	struct line l = {.function_id = func(p, name, file), .line = 1};
	int64_t id = profile__intern_location(p, mapping, 0, &l, 1);

	assert_true(id > 0);
	return (uint64_t)id;
}

static uint64_t loc(struct profile *p, const char *name)
{
	return loc_in(p, 0, name, NULL);
}

/* Add a sample from a root-first "a;b;c" stack of one-line locations. */
static void stack(struct profile *p, const char *frames, int64_t v)
{
	uint64_t locs[64];
	int64_t values[2] = {v, v};
	char buf[512], *save = NULL, *tok;
	uint32_t n = 0, i;

	snprintf(buf, sizeof(buf), "%s", frames);
	for (tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save))
		locs[n++] = loc(p, tok);
	/* leaf first */
	for (i = 0; i < n / 2; i++) {
		uint64_t t = locs[i];

		locs[i] = locs[n - 1 - i];
		locs[n - 1 - i] = t;
	}
	assert_int_equal(profile__add_sample(p, locs, n, values, NULL, 0), 0);
}

static struct profile *new_profile(void)
{
	struct profile *p = profile__new();

	assert_non_null(p);
	assert_int_equal(profile__add_sample_type(p, "samples", "count"), 0);
	return p;
}

static struct tree *build(const struct profile *p, bool reverse, bool by_size)
{
	struct tree_opts o = {.vi = 0, .base_vi = -1, .reverse = reverse, .sort_by_size = by_size};
	struct tree *t = tree__build(p, &o);

	assert_non_null(t);
	return t;
}

/* Find the node at a root-first path "a;b;c" (names only; inlined nodes match too). */
static uint32_t find(const struct tree *t, const char *path)
{
	char buf[512], *save = NULL, *tok;
	uint32_t node = TREE_ROOT, i;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		const struct tree_node *n = tree__node(t, node);
		uint32_t next = TREE_NONE;

		for (i = 0; i < n->nchildren; i++)
			if (!strcmp(tree__name(t, tree__child(t, node, i)), tok))
				next = tree__child(t, node, i);
		if (next == TREE_NONE)
			fail_msg("no node %s in path %s", tok, path);
		node = next;
	}
	return node;
}

/* The children names of a node, joined with ','. */
static void children(const struct tree *t, uint32_t node, char *out, size_t cap)
{
	const struct tree_node *n = tree__node(t, node);
	size_t len = 0;
	uint32_t i;

	out[0] = '\0';
	for (i = 0; i < n->nchildren; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? "," : "",
					tree__name(t, tree__child(t, node, i)));
}

/* --- tests --------------------------------------------------------------------------- */

static void test_merge_self_total(void **state)
{
	struct profile *p = new_profile();
	struct tree *t;
	char buf[256];

	(void)state;
	stack(p, "a;b;c", 1);
	stack(p, "a;b;d", 2);
	stack(p, "a;b;c", 3);
	stack(p, "x", 4);
	stack(p, "a", 5);
	t = build(p, false, false);
	assert_string_equal(tree__name(t, TREE_ROOT), "all");
	assert_int_equal(tree__node(t, TREE_ROOT)->total, 15);
	assert_int_equal(tree__node(t, TREE_ROOT)->self, 0);
	assert_int_equal(tree__node(t, find(t, "a"))->total, 11);
	assert_int_equal(tree__node(t, find(t, "a"))->self, 5);
	assert_int_equal(tree__node(t, find(t, "a;b"))->total, 6);
	assert_int_equal(tree__node(t, find(t, "a;b"))->self, 0);
	assert_int_equal(tree__node(t, find(t, "a;b;c"))->total, 4);
	assert_int_equal(tree__node(t, find(t, "a;b;c"))->self, 4);
	assert_int_equal(tree__node(t, find(t, "a;b;d"))->total, 2);
	assert_int_equal(tree__node(t, find(t, "x"))->self, 4);
	assert_int_equal(tree__node(t, find(t, "a;b;c"))->depth, 3);
	assert_int_equal(t->max_depth, 3);
	/* one node per distinct path: all, a, b, c, d, x */
	assert_int_equal(t->nnodes, 6);
	children(t, TREE_ROOT, buf, sizeof(buf));
	assert_string_equal(buf, "a,x");
	assert_int_equal(tree__node(t, find(t, "a;b"))->parent, find(t, "a"));
	assert_false(t->has_base);
	tree__free(t);
	profile__free(p);
}

static void test_recursion_and_empty_stack(void **state)
{
	struct profile *p = new_profile();
	int64_t v = 7;
	struct tree *t;

	(void)state;
	stack(p, "f;f;f", 2);
	stack(p, "f;f", 1);
	assert_int_equal(profile__add_sample(p, NULL, 0, &v, NULL, 0), 0);
	t = build(p, false, false);
	/* recursion makes a chain of distinct nodes, each counted once per sample */
	assert_int_equal(tree__node(t, find(t, "f"))->total, 3);
	assert_int_equal(tree__node(t, find(t, "f;f"))->total, 3);
	assert_int_equal(tree__node(t, find(t, "f;f"))->self, 1);
	assert_int_equal(tree__node(t, find(t, "f;f;f"))->self, 2);
	/* a sample without frames is the root's own */
	assert_int_equal(tree__node(t, TREE_ROOT)->self, 7);
	assert_int_equal(tree__node(t, TREE_ROOT)->total, 10);
	tree__free(t);
	profile__free(p);
}

/* main calls outer, into which mid and inner were inlined: one location, three lines. */
static struct profile *inline_profile(void)
{
	struct profile *p = new_profile();
	struct line lines[3] = {
		{.function_id = func(p, "inner", NULL)},
		{.function_id = func(p, "mid", NULL)},
		{.function_id = func(p, "outer", NULL)},
	};
	int64_t id = profile__intern_location(p, 0, 0x1000, lines, 3), v = 5;
	uint64_t locs[2];

	assert_true(id > 0);
	locs[0] = (uint64_t)id;
	locs[1] = loc(p, "main");
	assert_int_equal(profile__add_sample(p, locs, 2, &v, NULL, 0), 0);
	/* "mid" also called for real from main: a different node from the inlined one */
	stack(p, "main;mid", 1);
	return p;
}

static void test_inline_expansion(void **state)
{
	struct profile *p = inline_profile();
	struct tree *t = build(p, false, false);
	uint32_t outer = find(t, "main;outer");
	uint32_t mid = find(t, "main;outer;mid"), inner = find(t, "main;outer;mid;inner");
	char buf[256];

	(void)state;
	assert_false(tree__node(t, outer)->inlined);
	assert_true(tree__node(t, mid)->inlined);
	assert_true(tree__node(t, inner)->inlined);
	assert_int_equal(tree__node(t, inner)->self, 5);
	assert_int_equal(tree__node(t, outer)->total, 5);
	assert_false(tree__node(t, find(t, "main;mid"))->inlined);
	children(t, find(t, "main"), buf, sizeof(buf));
	assert_string_equal(buf, "mid,outer");
	tree__free(t);
	profile__free(p);
}

static void test_inline_same_name(void **state)
{
	struct profile *p = new_profile();
	struct line lines[2] = {
		{.function_id = func(p, "f", NULL)},
		{.function_id = func(p, "main", NULL)},
	};
	int64_t id = profile__intern_location(p, 0, 0x10, lines, 2), v = 1;
	uint64_t locs[2] = {0};
	struct tree *t;
	uint32_t main_node, a, b;

	(void)state;
	locs[0] = (uint64_t)id;
	assert_int_equal(profile__add_sample(p, locs, 1, &v, NULL, 0), 0);
	locs[0] = loc(p, "f");
	locs[1] = loc(p, "main");
	assert_int_equal(profile__add_sample(p, locs, 2, &v, NULL, 0), 0);
	t = build(p, false, false);
	/* main → f (inlined) and main → f (called): two nodes, the real call first */
	main_node = find(t, "main");
	assert_int_equal(tree__node(t, main_node)->nchildren, 2);
	a = tree__child(t, main_node, 0);
	b = tree__child(t, main_node, 1);
	assert_false(tree__node(t, a)->inlined);
	assert_true(tree__node(t, b)->inlined);
	assert_string_equal(tree__name(t, a), "f");
	assert_string_equal(tree__name(t, b), "f");
	tree__free(t);
	profile__free(p);
}

static void test_reverse(void **state)
{
	struct profile *p = new_profile();
	struct tree *t;
	char buf[256];

	(void)state;
	stack(p, "main;a;leaf", 3);
	stack(p, "main;b;leaf", 2);
	stack(p, "main;b", 1);
	t = build(p, true, false);
	children(t, TREE_ROOT, buf, sizeof(buf));
	assert_string_equal(buf, "b,leaf");
	assert_int_equal(tree__node(t, find(t, "leaf"))->total, 5);
	assert_int_equal(tree__node(t, find(t, "leaf;a;main"))->total, 3);
	assert_int_equal(tree__node(t, find(t, "leaf;a;main"))->self, 3);
	assert_int_equal(tree__node(t, find(t, "leaf;b;main"))->total, 2);
	assert_int_equal(tree__node(t, find(t, "b;main"))->self, 1);
	tree__free(t);
	profile__free(p);

	/* reversed inline expansion: innermost callee first, then its callers */
	p = inline_profile();
	t = build(p, true, false);
	assert_true(tree__node(t, find(t, "inner"))->inlined);
	assert_true(tree__node(t, find(t, "inner;mid"))->inlined);
	assert_false(tree__node(t, find(t, "inner;mid;outer"))->inlined);
	assert_int_equal(tree__node(t, find(t, "inner;mid;outer;main"))->self, 5);
	tree__free(t);
	profile__free(p);
}

static void test_sort_orders(void **state)
{
	struct profile *p = new_profile();
	struct tree *t;
	char buf[256];

	(void)state;
	stack(p, "m;beta", 5);
	stack(p, "m;alpha", 1);
	stack(p, "m;gamma", 9);
	stack(p, "m;delta", 5);
	stack(p, "m;Zed", 2);
	t = build(p, false, false);
	children(t, find(t, "m"), buf, sizeof(buf));
	/* by name, bytewise like flamegraph.pl's sort */
	assert_string_equal(buf, "Zed,alpha,beta,delta,gamma");
	tree__free(t);
	t = build(p, false, true);
	children(t, find(t, "m"), buf, sizeof(buf));
	/* by size, descending, ties by name */
	assert_string_equal(buf, "gamma,beta,delta,Zed,alpha");
	tree__free(t);
	profile__free(p);
}

/* Serialize a tree depth first: names, flags and values, for comparisons. */
static void dump(const struct tree *t, uint32_t node, FILE *out)
{
	const struct tree_node *n = tree__node(t, node);
	uint32_t i;

	fprintf(out, "%u %s %d %d %lld %lld\n", n->depth, tree__name(t, node), n->inlined, n->kind,
		(long long)n->total, (long long)n->self);
	for (i = 0; i < n->nchildren; i++)
		dump(t, tree__child(t, node, i), out);
}

static char *dump_str(const struct tree *t)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	dump(t, TREE_ROOT, f);
	fclose(f);
	return buf;
}

static void test_determinism_and_prefix_cache(void **state)
{
	struct profile *p = new_profile(), *q = new_profile();
	const char *stacks[] = {"a;b;c", "a;b;d", "a;x;c", "a;b;c", "z;b;c", "a", "a;b;c;e"};
	struct tree *t1, *t2, *t3;
	char *d1, *d2, *d3;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(stacks) / sizeof(stacks[0]); i++)
		stack(p, stacks[i], (int64_t)i + 1);
	/* the same samples in another order give the same tree */
	for (i = sizeof(stacks) / sizeof(stacks[0]); i-- > 0;)
		stack(q, stacks[i], (int64_t)i + 1);
	t1 = build(p, false, false);
	t2 = build(p, false, false);
	t3 = build(q, false, false);
	d1 = dump_str(t1);
	d2 = dump_str(t2);
	d3 = dump_str(t3);
	assert_string_equal(d1, d2);
	assert_string_equal(d1, d3);
	assert_string_equal(d1, "0 all 0 0 28 0\n"
				"1 a 0 0 23 6\n"
				"2 b 0 0 14 0\n"
				"3 c 0 0 12 5\n"
				"4 e 0 0 7 7\n"
				"3 d 0 0 2 2\n"
				"2 x 0 0 3 0\n"
				"3 c 0 0 3 3\n"
				"1 z 0 0 5 0\n"
				"2 b 0 0 5 0\n"
				"3 c 0 0 5 5\n");
	free(d1);
	free(d2);
	free(d3);
	tree__free(t1);
	tree__free(t2);
	tree__free(t3);
	profile__free(p);
	profile__free(q);
}

static void test_kinds(void **state)
{
	struct profile *p = new_profile();
	struct mapping km = {0}, lib = {0};
	uint64_t kmap, libmap, locs[5];
	int64_t v = 1, id;
	struct tree *t;

	(void)state;
	km.filename = (uint32_t)profile__intern_str(p, KERNEL_MAPPING_NAME);
	kmap = (uint64_t)profile__add_mapping(p, &km);
	lib.filename = (uint32_t)profile__intern_str(p, "/usr/lib/libfoo.so.1");
	lib.memory_start = 0x7000;
	lib.memory_limit = 0x9000;
	lib.file_offset = 0x100;
	libmap = (uint64_t)profile__add_mapping(p, &lib);
	/* leaf first: kernel ← unsymbolized lib address ← no-mapping address ← go ← main */
	locs[0] = loc_in(p, kmap, "do_syscall_64", NULL);
	id = profile__intern_location(p, libmap, 0x7234, NULL, 0);
	locs[1] = (uint64_t)id;
	id = profile__intern_location(p, 0, 0xabc, NULL, 0);
	locs[2] = (uint64_t)id;
	locs[3] = loc_in(p, 0, "main.work", "/src/main.go");
	locs[4] = loc(p, "main");
	assert_int_equal(profile__add_sample(p, locs, 5, &v, NULL, 0), 0);
	t = build(p, false, false);
	assert_int_equal(tree__node(t, find(t, "main"))->kind, FRAME_NATIVE);
	assert_int_equal(tree__node(t, find(t, "main;main.work"))->kind, FRAME_GO);
	assert_int_equal(tree__node(t, find(t, "main;main.work;0xabc"))->kind, FRAME_UNKNOWN);
	assert_int_equal(tree__node(t, find(t, "main;main.work;0xabc;libfoo.so.1+0x334"))->kind,
			 FRAME_UNKNOWN);
	assert_int_equal(
		tree__node(t, find(t, "main;main.work;0xabc;libfoo.so.1+0x334;do_syscall_64"))
			->kind,
		FRAME_KERNEL);
	tree__free(t);
	profile__free(p);
}

static void test_base_column(void **state)
{
	struct profile *p = profile__new();
	int64_t v1[2] = {10, 4}, v2[2] = {1, 6};
	struct tree_opts o = {.vi = 1, .base_vi = 0};
	uint64_t locs[2];
	struct tree *t;

	(void)state;
	assert_non_null(p);
	assert_int_equal(profile__add_sample_type(p, "base", "count"), 0);
	assert_int_equal(profile__add_sample_type(p, "samples", "count"), 1);
	locs[1] = loc(p, "main");
	locs[0] = loc(p, "a");
	assert_int_equal(profile__add_sample(p, locs, 2, v1, NULL, 0), 0);
	locs[0] = loc(p, "b");
	assert_int_equal(profile__add_sample(p, locs, 2, v2, NULL, 0), 0);
	t = tree__build(p, &o);
	assert_non_null(t);
	assert_true(t->has_base);
	assert_int_equal(tree__node(t, find(t, "main"))->total, 10);
	assert_int_equal(tree__base_total(t, find(t, "main")), 11);
	assert_int_equal(tree__node(t, find(t, "main;a"))->self, 4);
	assert_int_equal(tree__base_self(t, find(t, "main;a")), 10);
	assert_int_equal(tree__base_self(t, find(t, "main;b")), 1);
	assert_int_equal(tree__base_total(t, TREE_ROOT), 11);
	tree__free(t);
	profile__free(p);
}

static void test_errors_and_empty(void **state)
{
	struct profile *p = new_profile();
	struct tree_opts o = {.vi = 1, .base_vi = -1};
	struct tree *t;

	(void)state;
	errno = 0;
	assert_null(tree__build(p, &o));
	assert_int_equal(errno, EINVAL);
	o.vi = 0;
	o.base_vi = 3;
	assert_null(tree__build(p, &o));
	o.base_vi = -1;
	t = tree__build(p, &o);
	assert_non_null(t);
	assert_int_equal(t->nnodes, 1);
	assert_int_equal(tree__node(t, TREE_ROOT)->total, 0);
	assert_int_equal(tree__node(t, TREE_ROOT)->nchildren, 0);
	tree__free(t);
	tree__free(NULL);
	profile__free(p);
}

/* Decoders may keep a file's duplicate strings: equal names still make one node. */
static void test_duplicate_strings(void **state)
{
	struct profile *p = new_profile();
	struct function f = {0};
	struct line l = {0};
	uint64_t locs[2];
	int64_t v = 1, id;
	struct tree *t;
	int i;

	(void)state;
	locs[1] = loc(p, "main");
	for (i = 0; i < 2; i++) {
		f.name = (uint32_t)strtab__append(&p->strings, "dup", 3);
		f.start_line = i;
		id = profile__intern_function(p, &f);
		assert_true(id > 0);
		l.function_id = (uint64_t)id;
		locs[0] = (uint64_t)profile__intern_location(p, 0, (uint64_t)i, &l, 1);
		assert_int_equal(profile__add_sample(p, locs, 2, &v, NULL, 0), 0);
	}
	t = build(p, false, false);
	assert_int_equal(tree__node(t, find(t, "main"))->nchildren, 1);
	assert_int_equal(tree__node(t, find(t, "main;dup"))->total, 2);
	tree__free(t);
	profile__free(p);
}

static void test_saturation(void **state)
{
	struct profile *p = new_profile();
	struct tree *t;

	(void)state;
	stack(p, "a", INT64_MAX);
	stack(p, "a", 5);
	t = build(p, false, false);
	assert_int_equal(tree__node(t, find(t, "a"))->total, INT64_MAX);
	assert_int_equal(tree__node(t, TREE_ROOT)->total, INT64_MAX);
	tree__free(t);
	profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_self_total),
		cmocka_unit_test(test_recursion_and_empty_stack),
		cmocka_unit_test(test_inline_expansion),
		cmocka_unit_test(test_inline_same_name),
		cmocka_unit_test(test_reverse),
		cmocka_unit_test(test_sort_orders),
		cmocka_unit_test(test_determinism_and_prefix_cache),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_base_column),
		cmocka_unit_test(test_errors_and_empty),
		cmocka_unit_test(test_duplicate_strings),
		cmocka_unit_test(test_saturation),
	};

	return cmocka_run_group_tests_name("tree", tests, NULL, NULL);
}
