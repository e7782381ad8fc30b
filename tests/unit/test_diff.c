// SPDX-License-Identifier: MIT
/* diff__compute(): numbers per function and stack, verdicts, and refusals. */
#include "test.h"

#include <math.h>

#include "diff.h"
#include "profile.h"

#define near(a, b, eps) assert_true(fabs((a) - (b)) <= (eps))

/* --- building profiles ------------------------------------------------------------- */

static struct profile *new_profile(const char *type, const char *unit)
{
	struct profile *p = profile__new();

	assert_non_null(p);
	assert_true(profile__add_sample_type(p, type, unit) >= 0);
	return p;
}

static struct profile *samples(void)
{
	return new_profile("samples", "count");
}

/* The kernel's mapping, added on first use (frames named "x_[k]" are kernel frames). */
static uint64_t kernel_mapping(struct profile *p)
{
	struct mapping m = {0};
	int64_t id;

	if (p->mappings.len)
		return 1;
	m.filename = (uint32_t)profile__intern_str(p, KERNEL_MAPPING_NAME);
	m.memory_limit = UINT64_MAX;
	id = profile__add_mapping(p, &m);
	assert_int_equal(id, 1);
	return 1;
}

static uint64_t loc(struct profile *p, const char *name)
{
	struct function f = {0};
	struct line l = {.line = 1};
	size_t len = strlen(name);
	bool kernel = len > 4 && !strcmp(name + len - 4, "_[k]");
	int64_t id;

	f.name = (uint32_t)profile__intern(p, name, kernel ? len - 4 : len);
	f.system_name = f.name;
	id = profile__intern_function(p, &f);
	assert_true(id > 0);
	l.function_id = (uint64_t)id;
	id = profile__intern_location(p, kernel ? kernel_mapping(p) : 0, 0, &l, 1);
	assert_true(id > 0);
	return (uint64_t)id;
}

/* Add a sample from a root-first "a;b;c" stack. */
static void stack(struct profile *p, const char *frames, int64_t v)
{
	uint64_t locs[64];
	char buf[512], *save = NULL, *tok;
	uint32_t n = 0, i;

	snprintf(buf, sizeof(buf), "%s", frames);
	for (tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save))
		locs[n++] = loc(p, tok);
	for (i = 0; i < n / 2; i++) {
		uint64_t t = locs[i];

		locs[i] = locs[n - 1 - i];
		locs[n - 1 - i] = t;
	}
	assert_int_equal(profile__add_sample(p, locs, n, &v, NULL, 0), 0);
}

/*
 * A program shaped like examples/c/diff_work.c: six stages under main;worker;handle with
 * fixed shares (per 10,000 samples), x_extra more samples in "checksum", jitter added to
 * every count (for several runs).
 */
static struct profile *program(int64_t scale, int64_t x_extra, int64_t jitter)
{
	static const struct {
		const char *name;
		int64_t n;
	} stages[] = {
		{"parse", 3400},  {"hash", 2400},    {"compress", 1800},
		{"lookup", 1200}, {"checksum", 800}, {"format", 400},
	};
	struct profile *p = samples();
	char buf[128];
	size_t i;

	for (i = 0; i < sizeof(stages) / sizeof(stages[0]); i++) {
		int64_t n = stages[i].n * scale + (i % 2 ? jitter : -jitter);

		if (!strcmp(stages[i].name, "checksum"))
			n += x_extra;
		snprintf(buf, sizeof(buf), "main;worker;handle;%s", stages[i].name);
		stack(p, buf, n);
	}
	return p;
}

static struct diff *compute(struct profile **b, size_t nb, struct profile **h, size_t nh,
			    const struct diff_opts *o)
{
	struct flame_err err = {{0}};
	struct diff *d = NULL;
	int ret = diff__compute(b, nb, h, nh, o, &d, &err);

	if (ret)
		fail_msg("diff__compute: %d %s", ret, err.msg);
	assert_non_null(d);
	return d;
}

static const struct diff_row *row(const struct diff *d, const char *name, enum diff_scope s)
{
	size_t i;

	for (i = 0; i < d->nrows; i++)
		if (d->rows[i].scope == s && !strcmp(diff__name(d, &d->rows[i]), name))
			return &d->rows[i];
	fail_msg("no %s row for %s", s == DIFF_SELF ? "self" : "other", name);
	return NULL;
}

static size_t count_verdict(const struct diff *d, enum diff_verdict v)
{
	size_t i, n = 0;

	for (i = 0; i < d->nrows; i++)
		n += d->rows[i].verdict == v;
	return n;
}

static void free_all(struct profile **p, size_t n)
{
	while (n--)
		profile__free(p[n]);
}

/* --- tests --------------------------------------------------------------------------- */

static void test_names_and_defaults(void **state)
{
	struct diff_opts o;
	enum diff_norm n;

	(void)state;
	diff_opts__init(&o);
	near(o.fdr, 0.05, 0);
	near(o.min_delta_pp, 0.5, 0);
	near(o.min_rel_pct, 10, 0);
	assert_int_equal(o.min_count, 20);
	assert_int_equal(o.norm, DIFF_NORM_SHARE);
	assert_int_equal(diff_norm__parse("rate", &n), 0);
	assert_int_equal(n, DIFF_NORM_RATE);
	assert_string_equal(diff_norm__name(DIFF_NORM_SCALE), "scale");
	assert_int_equal(diff_norm__parse("bogus", &n), -EINVAL);
	assert_int_equal(diff_norm__parse(NULL, &n), -EINVAL);
	assert_string_equal(diff_verdict__name(DIFF_EXPLAINED), "explained");
	assert_string_equal(diff_verdict__name(DIFF_SHIFT), "shift");
}

static void test_shares_deltas_new_gone(void **state)
{
	struct profile *b = samples(), *h = samples();
	struct diff_opts o;
	struct diff *d;
	const struct diff_row *r;

	(void)state;
	stack(b, "main;a", 60);
	stack(b, "main;b", 30);
	stack(b, "main;d", 10);
	stack(h, "main;a", 120);
	stack(h, "main;b", 40);
	stack(h, "main;c", 40);
	diff_opts__init(&o);
	d = compute(&b, 1, &h, 1, &o);
	assert_int_equal(d->base_total, 100);
	assert_int_equal(d->head_total, 200);
	r = row(d, "a", DIFF_SELF);
	near(r->base_share, 0.6, 1e-12);
	near(r->head_share, 0.6, 1e-12);
	near(r->delta_pp, 0, 1e-9);
	assert_int_equal(r->base_raw, 60);
	assert_int_equal(r->head_raw, 120);
	r = row(d, "b", DIFF_SELF);
	near(r->base, 0.3, 1e-12); /* share normalization: base/head are shares */
	near(r->head, 0.2, 1e-12);
	near(r->delta_pp, -10, 1e-9);
	near(r->rel_pct, -100.0 / 3, 1e-9);
	r = row(d, "c", DIFF_SELF);
	assert_true(r->is_new);
	assert_false(r->is_gone);
	assert_true(isinf(r->rel_pct) && r->rel_pct > 0);
	r = row(d, "d", DIFF_INCLUSIVE);
	assert_true(r->is_gone);
	near(r->rel_pct, -100, 1e-9);
	r = row(d, "main", DIFF_INCLUSIVE);
	near(r->base_share, 1, 1e-12);
	near(row(d, "main", DIFF_SELF)->base_share, 0, 0);
	/* stacks are rows too, untested */
	r = row(d, "main;b", DIFF_STACK);
	near(r->delta_pp, -10, 1e-9);
	assert_true(isnan(r->p));
	assert_string_equal(d->sample_type, "samples");
	assert_string_equal(d->unit, "count");
	/* the writers get each side merged */
	assert_non_null(d->base);
	assert_int_equal(profile__total(d->head, 0), 200);
	diff__free(d);
	profile__free(b);
	profile__free(h);
}

static void test_recursion_counted_once(void **state)
{
	struct profile *b = samples(), *h = samples();
	struct diff_opts o;
	struct diff *d;

	(void)state;
	stack(b, "main;f;g;f;g", 10);
	stack(b, "main;h", 10);
	stack(h, "main;f;g;f;g", 10);
	stack(h, "main;h", 10);
	diff_opts__init(&o);
	d = compute(&b, 1, &h, 1, &o);
	assert_int_equal(row(d, "f", DIFF_INCLUSIVE)->base_raw, 10);
	assert_int_equal(row(d, "g", DIFF_INCLUSIVE)->base_raw, 10);
	assert_int_equal(row(d, "g", DIFF_SELF)->base_raw, 10);
	assert_int_equal(row(d, "f", DIFF_SELF)->base_raw, 0);
	near(row(d, "f", DIFF_INCLUSIVE)->base_share, 0.5, 1e-12);
	diff__free(d);
	profile__free(b);
	profile__free(h);
}

static void test_one_run_regression(void **state)
{
	struct profile *b = program(1, 0, 0), *h = program(1, 160, 0); /* checksum +20% */
	struct diff_opts o;
	struct diff *d;
	const struct diff_row *r;

	(void)state;
	diff_opts__init(&o);
	d = compute(&b, 1, &h, 1, &o);
	assert_int_equal(d->nregressions, 1);
	assert_true(diff__regressed(d));
	r = &d->rows[0]; /* regressions sort first */
	assert_int_equal(r->verdict, DIFF_REGRESSION);
	assert_string_equal(diff__name(d, r), "checksum");
	assert_int_equal(r->scope, DIFF_SELF);
	near(r->base_share, 0.08, 1e-12);
	near(r->head_share, 960.0 / 10160, 1e-12);
	near(r->rel_pct, (960.0 / 10160 / 0.08 - 1) * 100, 1e-9);
	assert_true(r->q <= 0.05 && r->p <= r->q);
	/* its inclusive value is the same test and names the function itself */
	r = row(d, "checksum", DIFF_INCLUSIVE);
	assert_int_equal(r->verdict, DIFF_EXPLAINED);
	assert_string_equal(strtab__str(&d->names, r->explained_by), "checksum");
	/* every other stage lost 1.6% of its share: not a change */
	assert_int_equal(row(d, "parse", DIFF_SELF)->verdict, DIFF_UNCHANGED);
	assert_int_equal(count_verdict(d, DIFF_IMPROVEMENT), 0);
	near(d->dispersion, 1, 1e-12);
	assert_true(d->ntested >= 6);
	assert_string_equal(d->test, "two-proportion z (overdispersed)");
	diff__free(d);
	profile__free(b);
	profile__free(h);
}

/*
 * Work under a timer interrupt grows with the load on the machine, not with the code: it is
 * shown but never tested. The same growth under a system call is the program's own.
 */
static void test_interrupt_work_is_not_tested(void **state)
{
	struct profile *b = program(1, 0, 0), *h = program(1, 0, 0);
	const char *irq = "main;worker;handle;parse;asm_sysvec_apic_timer_interrupt_[k];"
			  "irqentry_exit_[k];pvm_irq_enable_[k]";
	const char *sys = "main;worker;handle;format;entry_SYSCALL_64_[k];vfs_write_[k]";
	struct diff_opts o;
	struct diff *d;
	const struct diff_row *r;

	(void)state;
	stack(b, irq, 20);
	stack(h, irq, 150);
	stack(b, sys, 20);
	stack(h, sys, 150);
	diff_opts__init(&o);
	d = compute(&b, 1, &h, 1, &o);
	r = row(d, "pvm_irq_enable", DIFF_SELF);
	assert_true(r->delta_pp > 1 && r->rel_pct > 500);
	assert_int_equal(r->verdict, DIFF_UNCHANGED);
	assert_true(isnan(r->q));
	assert_true(isnan(row(d, "asm_sysvec_apic_timer_interrupt", DIFF_INCLUSIVE)->q));
	r = row(d, "vfs_write", DIFF_SELF);
	assert_int_equal(r->verdict, DIFF_REGRESSION);
	assert_int_equal(d->nregressions, 1);
	diff__free(d);
	profile__free(b);
	profile__free(h);
}

static void test_a_vs_a(void **state)
{
	struct profile *b[5], *h[5];
	struct diff_opts o;
	struct diff *d;
	size_t i;

	(void)state;
	diff_opts__init(&o);
	b[0] = program(1, 0, 0);
	h[0] = program(1, 0, 0);
	d = compute(b, 1, h, 1, &o);
	assert_int_equal(d->nregressions + d->nimprovements + d->nshifts, 0);
	for (i = 0; i < d->nrows; i++)
		near(d->rows[i].delta_pp, 0, 1e-12);
	diff__free(d);
	free_all(b, 1);
	free_all(h, 1);
	/* several runs, each a little different */
	for (i = 0; i < 5; i++) {
		b[i] = program(1, 0, (int64_t)(i * 7 % 5) * 10 - 20);
		h[i] = program(1, 0, (int64_t)(i * 3 % 5) * 10 - 20);
	}
	d = compute(b, 5, h, 5, &o);
	assert_false(diff__regressed(d));
	assert_int_equal(d->nimprovements, 0);
	diff__free(d);
	free_all(b, 5);
	free_all(h, 5);
}

static void test_several_runs_regression(void **state)
{
	struct profile *b[5], *h[5];
	struct diff_opts o;
	struct diff *d;
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++) {
		b[i] = program(1, 0, (int64_t)(i * 7 % 5) * 10 - 20);
		h[i] = program(1, 160, (int64_t)(i * 3 % 5) * 10 - 20);
	}
	diff_opts__init(&o);
	d = compute(b, 5, h, 5, &o);
	assert_int_equal(d->nregressions, 1);
	assert_string_equal(diff__name(d, &d->rows[0]), "checksum");
	assert_int_equal(d->nbase_runs, 5);
	/* 5 vs 5 Mann-Whitney alone could not pass BH: the pooled test carries the FDR */
	assert_true(d->rows[0].q < 2.0 / 252);
	assert_true(strstr(d->test, "Mann-Whitney") != NULL);
	diff__free(d);
	/* the rank test must agree: one run out of line does not make a regression */
	profile__free(h[0]);
	h[0] = program(1, 0, 0);
	profile__free(h[1]);
	h[1] = program(1, 0, 0);
	profile__free(h[2]);
	h[2] = program(1, 0, 0);
	profile__free(h[3]);
	h[3] = program(1, 0, 0);
	profile__free(h[4]);
	h[4] = program(1, 900, 0);
	d = compute(b, 5, h, 5, &o);
	assert_false(diff__regressed(d));
	diff__free(d);
	free_all(b, 5);
	free_all(h, 5);
}

static void test_explained_callers(void **state)
{
	struct profile *b = program(1, 0, 0), *h = program(1, 0, 0);
	struct diff_opts o;
	struct diff *d;
	const struct diff_row *r;

	(void)state;
	/* caller -> leaf: only the leaf got slower; the caller's inclusive growth is its */
	stack(b, "main;worker;caller", 200);
	stack(b, "main;worker;caller;leaf", 600);
	stack(h, "main;worker;caller", 200);
	stack(h, "main;worker;caller;leaf", 900);
	diff_opts__init(&o);
	d = compute(&b, 1, &h, 1, &o);
	assert_int_equal(d->nregressions, 1);
	assert_string_equal(diff__name(d, &d->rows[0]), "leaf");
	r = row(d, "caller", DIFF_INCLUSIVE);
	assert_int_equal(r->verdict, DIFF_EXPLAINED);
	assert_string_equal(strtab__str(&d->names, r->explained_by), "leaf");
	assert_int_equal(row(d, "caller", DIFF_SELF)->verdict, DIFF_UNCHANGED);
	diff__free(d);
	profile__free(b);
	profile__free(h);
}

static void test_shift(void **state)
{
	struct profile *b = program(1, 0, 0), *h = program(1, 0, 0);
	struct diff_opts o;
	struct diff *d;
	const struct diff_row *r;

	(void)state;
	/* a refactor moved work from old_way to new_way under the same parent */
	stack(b, "main;worker;parent;old_way", 1000);
	stack(b, "main;worker;parent;new_way", 300);
	stack(h, "main;worker;parent;old_way", 400);
	stack(h, "main;worker;parent;new_way", 900);
	diff_opts__init(&o);
	d = compute(&b, 1, &h, 1, &o);
	assert_false(diff__regressed(d));
	r = row(d, "new_way", DIFF_SELF);
	assert_int_equal(r->verdict, DIFF_SHIFT);
	assert_string_equal(strtab__str(&d->names, r->explained_by), "old_way");
	assert_int_equal(row(d, "old_way", DIFF_SELF)->verdict, DIFF_IMPROVEMENT);
	assert_true(d->nshifts >= 1);
	assert_int_equal(row(d, "parent", DIFF_INCLUSIVE)->verdict, DIFF_UNCHANGED);
	diff__free(d);
	profile__free(b);
	profile__free(h);
}

static void expect_error(struct profile *b, struct profile *h, const struct diff_opts *o,
			 const char *want1, const char *want2)
{
	struct flame_err err = {{0}};
	struct diff *d = (struct diff *)1;

	assert_int_equal(diff__compute(&b, 1, &h, 1, o, &d, &err), -EINVAL);
	assert_null(d);
	if (!strstr(err.msg, want1) || (want2 && !strstr(err.msg, want2)))
		fail_msg("message '%s' lacks '%s' / '%s'", err.msg, want1, want2 ? want2 : "");
}

static void test_refusals(void **state)
{
	struct profile *b = samples(), *h = new_profile("samples", "nanoseconds");
	struct diff_opts o;
	int64_t neg = -5;
	uint64_t l;

	(void)state;
	diff_opts__init(&o);
	stack(b, "main;a", 10);
	stack(h, "main;a", 10);
	expect_error(b, h, &o, "samples/count", "samples/nanoseconds");
	profile__free(h);
	/* no such sample type */
	h = new_profile("cpu", "count");
	stack(h, "main;a", 10);
	expect_error(b, h, &o, "head run 1", "samples");
	profile__free(h);
	/* different periods */
	h = samples();
	stack(h, "main;a", 10);
	b->period = 1000000;
	h->period = 2000000;
	expect_error(b, h, &o, "1000000", "2000000");
	h->period = 1000000;
	/* rate normalization needs durations */
	o.norm = DIFF_NORM_RATE;
	expect_error(b, h, &o, "duration", NULL);
	o.norm = DIFF_NORM_SHARE;
	/* negative values */
	l = loc(h, "neg");
	assert_int_equal(profile__add_sample(h, &l, 1, &neg, NULL, 0), 0);
	expect_error(b, h, &o, "negative", NULL);
	/* bad options */
	o.fdr = 0;
	expect_error(b, b, &o, "false discovery", NULL);
	diff_opts__init(&o);
	o.dispersion = NAN;
	expect_error(b, b, &o, "dispersion", NULL);
	profile__free(b);
	profile__free(h);
}

static void test_rate_and_scale(void **state)
{
	struct profile *b = samples(), *h = samples();
	struct diff_opts o;
	struct diff *d;
	const struct diff_row *r;

	(void)state;
	stack(b, "main;a", 100);
	stack(b, "main;b", 100);
	stack(h, "main;a", 400);
	stack(h, "main;b", 200);
	b->duration_nanos = 1000000000;
	h->duration_nanos = 2000000000;
	diff_opts__init(&o);
	o.norm = DIFF_NORM_RATE;
	d = compute(&b, 1, &h, 1, &o);
	r = row(d, "a", DIFF_SELF);
	near(r->base, 100, 1e-9); /* per second */
	near(r->head, 200, 1e-9);
	near(r->rel_pct, 100, 1e-9);
	near(row(d, "b", DIFF_SELF)->delta, 0, 1e-9);
	near(d->base_seconds, 1, 1e-12);
	near(d->head_seconds, 2, 1e-12);
	assert_int_equal(d->norm, DIFF_NORM_RATE);
	diff__free(d);
	o.norm = DIFF_NORM_SCALE;
	d = compute(&b, 1, &h, 1, &o);
	r = row(d, "a", DIFF_SELF);
	near(r->base, 100, 1e-9); /* head scaled to base's total of 200 */
	near(r->head, 400 * 200.0 / 600, 1e-9);
	diff__free(d);
	profile__free(b);
	profile__free(h);
}

static void test_empty_and_counts_per_period(void **state)
{
	struct profile *b = new_profile("cpu", "nanoseconds"),
		       *h = new_profile("cpu", "nanoseconds");
	struct diff_opts o;
	struct diff *d;

	(void)state;
	diff_opts__init(&o);
	/* empty profiles: no rows, nothing tested, no crash */
	d = compute(&b, 1, &h, 1, &o);
	assert_int_equal(d->nrows, 0);
	assert_int_equal(d->ntested, 0);
	diff__free(d);
	/* 10 ms per sample: 15 samples are too few to test, whatever the nanoseconds say */
	b->period_type.type = (uint32_t)profile__intern_str(b, "cpu");
	b->period_type.unit = (uint32_t)profile__intern_str(b, "nanoseconds");
	b->period = 10000000;
	h->period_type = (struct value_type){(uint32_t)profile__intern_str(h, "cpu"),
					     (uint32_t)profile__intern_str(h, "nanoseconds")};
	h->period = 10000000;
	stack(b, "main;a", 15 * 10000000LL);
	stack(h, "main;a", 5 * 10000000LL);
	stack(h, "main;b", 10 * 10000000LL);
	d = compute(&b, 1, &h, 1, &o);
	assert_true(isnan(row(d, "b", DIFF_SELF)->p));
	assert_int_equal(d->nregressions, 0);
	diff__free(d);
	/* huge values saturate instead of overflowing */
	stack(b, "main;a", INT64_MAX);
	stack(b, "main;a", INT64_MAX);
	d = compute(&b, 1, &h, 1, &o);
	assert_int_equal(d->base_total, INT64_MAX);
	diff__free(d);
	profile__free(b);
	profile__free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_defaults),
		cmocka_unit_test(test_shares_deltas_new_gone),
		cmocka_unit_test(test_recursion_counted_once),
		cmocka_unit_test(test_one_run_regression),
		cmocka_unit_test(test_interrupt_work_is_not_tested),
		cmocka_unit_test(test_a_vs_a),
		cmocka_unit_test(test_several_runs_regression),
		cmocka_unit_test(test_explained_callers),
		cmocka_unit_test(test_shift),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_rate_and_scale),
		cmocka_unit_test(test_empty_and_counts_per_period),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
