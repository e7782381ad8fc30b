// SPDX-License-Identifier: MIT
/*
 * Comparing profiles. Each run is turned into a call tree (tree.c, so that function names
 * are exactly the ones the flame graphs show); one walk of each tree collects, per run, every
 * function's self and inclusive value, every stack's value and the caller -> callee edges.
 * The tests, the FDR adjustment and the verdict rules then work on those per-run tables.
 * diff.h states the method; the comments here say why each step is the way it is.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "stats.h"
#include "tree.h"

#define ROOT_NAME UINT32_MAX /* the caller of a stack's outermost frame */
#define NO_ROW SIZE_MAX
/* Several runs per side: the rank test must agree at this level (or give its best p). */
#define RANK_GATE 0.1
/* The self regressions EXPLAINED looks at: the largest few are enough to name the cause. */
#define MAX_CAUSES 32
/*
 * One run per side: the weight, in hypotheses, of the prior "the variance is the multinomial
 * sampling's" in the dispersion estimate (stats__robust_dispersion()). A/A recordings of
 * examples/c/diff_work vary less than multinomial between runs (timer sampling of a steady
 * program is systematic), so the prior is on the safe side; it matters with 3-6 functions and
 * fades with more.
 */
#define DISPERSION_PRIOR 4.0

const char *diff_norm__name(enum diff_norm norm)
{
	switch (norm) {
	case DIFF_NORM_SHARE:
		return "share";
	case DIFF_NORM_RATE:
		return "rate";
	case DIFF_NORM_SCALE:
		return "scale";
	}
	return "?";
}

int diff_norm__parse(const char *s, enum diff_norm *out)
{
	static const enum diff_norm all[] = {DIFF_NORM_SHARE, DIFF_NORM_RATE, DIFF_NORM_SCALE};
	size_t i;

	for (i = 0; s && i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(s, diff_norm__name(all[i]))) {
			*out = all[i];
			return 0;
		}
	return -EINVAL;
}

const char *diff_verdict__name(enum diff_verdict v)
{
	switch (v) {
	case DIFF_UNCHANGED:
		return "unchanged";
	case DIFF_REGRESSION:
		return "regression";
	case DIFF_IMPROVEMENT:
		return "improvement";
	case DIFF_SHIFT:
		return "shift";
	case DIFF_EXPLAINED:
		return "explained";
	}
	return "?";
}

void diff_opts__init(struct diff_opts *o)
{
	*o = (struct diff_opts){
		.sample_type = NULL,
		.norm = DIFF_NORM_SHARE,
		.fdr = 0.05,
		.min_delta_pp = 0.5,
		.min_rel_pct = 10,
		.min_count = 20,
		.dispersion = 0,
		.detect_pct = 10,
	};
}

/* --- per-run tables ------------------------------------------------------------------ */

struct run {
	const struct profile *p;
	size_t vi;
	bool head;
	size_t number; /* 1-based within its side, for messages */
	struct tree *t;
	uint32_t *node_name; /* per tree node: its function's index in diff.names */
	int64_t total;	     /* raw, saturating */
	double count_scale;  /* raw value -> samples (1 / period when the units agree) */
	double seconds;	     /* duration, 0 when unknown */
	double norm;	     /* raw value -> normalized value */
	double exposure;     /* the test's size of the run: robust size factor, or seconds */
};

struct edge {
	uint32_t from, to; /* caller and callee names; from = ROOT_NAME for outermost frames */
	double w;	   /* the callee's value under that caller, as a share of its run */
};

/* One frame of the explicit depth-first walk (stacks can be deeper than the C stack). */
struct frame {
	uint32_t node, next_child;
	size_t path_len; /* the "a;b;c" path string up to and including this node */
	bool first;	 /* the first frame of its name on the path (inclusive counted here) */
	bool in_irq;	 /* at or above a kernel interrupt entry (see interrupt_entry()) */
};

struct acc {
	struct diff *d;
	struct run *runs;
	size_t nruns;
	VEC(int64_t) fv; /* per function name: [SELF runs..., INCLUSIVE runs...] */
	struct strtab stacks;
	VEC(int64_t) sv; /* per stack: [runs...] */
	VEC(struct edge) edges;
	VEC(uint32_t) onpath; /* per function name: how often it is on the walked path */
	VEC(int64_t) irq;     /* per function name: inclusive value under interrupts, all runs */
	VEC(struct frame) walk;
	VEC(char) path;
};

static int64_t sat_add(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

static const char *side_name(const struct run *r)
{
	return r->head ? "head" : "base";
}

/* Room for per-name tables up to n names, zero-filled. */
static int grow_names(struct acc *a, size_t n)
{
	size_t stride = 2 * a->nruns;

	if (a->onpath.len < n) {
		if (vec_reserve(&a->onpath, n - a->onpath.len) ||
		    vec_reserve(&a->irq, n - a->irq.len))
			return -ENOMEM;
		memset(a->onpath.data + a->onpath.len, 0,
		       (n - a->onpath.len) * sizeof(*a->onpath.data));
		memset(a->irq.data + a->irq.len, 0, (n - a->irq.len) * sizeof(*a->irq.data));
		a->onpath.len = a->irq.len = n;
	}
	if (a->fv.len < n * stride) {
		if (vec_reserve(&a->fv, n * stride - a->fv.len))
			return -ENOMEM;
		memset(a->fv.data + a->fv.len, 0, (n * stride - a->fv.len) * sizeof(*a->fv.data));
		a->fv.len = n * stride;
	}
	return 0;
}

static int64_t *fvals(const struct acc *a, uint32_t name, enum diff_scope scope)
{
	return a->fv.data + (size_t)name * 2 * a->nruns + (scope == DIFF_SELF ? 0 : a->nruns);
}

/* Append ";name" (or "name" at the root) to the path string kept up to len. */
static int path_append(struct acc *a, size_t len, const char *name, size_t nlen)
{
	a->path.len = len;
	if (vec_reserve(&a->path, nlen + 2))
		return -ENOMEM;
	if (len)
		a->path.data[a->path.len++] = ';';
	memcpy(a->path.data + a->path.len, name, nlen);
	a->path.len += nlen;
	return 0;
}

static int add_stack(struct acc *a, size_t ri, int64_t self)
{
	int64_t idx = strtab__intern(&a->stacks, a->path.data, a->path.len);
	size_t need;

	if (idx < 0)
		return (int)idx;
	need = ((size_t)idx + 1) * a->nruns;
	if (a->sv.len < need) {
		if (vec_reserve(&a->sv, need - a->sv.len))
			return -ENOMEM;
		memset(a->sv.data + a->sv.len, 0, (need - a->sv.len) * sizeof(*a->sv.data));
		a->sv.len = need;
	}
	a->sv.data[(size_t)idx * a->nruns + ri] =
		sat_add(a->sv.data[(size_t)idx * a->nruns + ri], self);
	return 0;
}

/*
 * Kernel entries of hardware interrupts (timer ticks, IPIs, device interrupts). What runs
 * under them -- the tick, preemption, another CPU's requests -- is the machine's doing, not
 * the profiled code's, and its share moves with the load on the machine from one recording
 * to the next. Exceptions (page faults) and system calls are the program's and stay in.
 */
static bool interrupt_entry(const struct tree_node *n, const char *name)
{
	static const char *const entries[] = {
		"asm_sysvec_",
		"asm_common_interrupt",
		"asm_spurious_interrupt",
		"apic_timer_interrupt",
		"common_interrupt",
		"el1_interrupt",
		"el0_interrupt",
		"el1_irq",
		"el0_irq",
	};
	size_t i;

	if (n->kind != FRAME_KERNEL)
		return false;
	for (i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		if (!strncmp(name, entries[i], strlen(entries[i])))
			return true;
	return false;
}

/* Visit node c, a child of the walk's top frame. */
static int visit(struct acc *a, size_t ri, uint32_t c)
{
	struct run *r = &a->runs[ri];
	const struct tree_node *n = tree__node(r->t, c);
	const struct frame *top = &a->walk.data[a->walk.len - 1];
	uint32_t parent = top->node == TREE_ROOT ? ROOT_NAME : r->node_name[top->node];
	size_t path_len = top->path_len;
	int64_t name = strtab__intern(&a->d->names, tree__name(r->t, c), tree__name_len(r->t, c));
	struct frame f = {.node = c};
	int ret;

	if (name < 0 || name >= ROOT_NAME)
		return name < 0 ? (int)name : -E2BIG;
	if ((ret = grow_names(a, (size_t)name + 1)))
		return ret;
	r->node_name[c] = (uint32_t)name;
	f.first = a->onpath.data[name]++ == 0;
	f.in_irq = top->in_irq || interrupt_entry(n, tree__name(r->t, c));
	if (f.first && f.in_irq)
		a->irq.data[name] = sat_add(a->irq.data[name], n->total);
	fvals(a, (uint32_t)name, DIFF_SELF)[ri] =
		sat_add(fvals(a, (uint32_t)name, DIFF_SELF)[ri], n->self);
	if (f.first)
		fvals(a, (uint32_t)name, DIFF_INCLUSIVE)[ri] =
			sat_add(fvals(a, (uint32_t)name, DIFF_INCLUSIVE)[ri], n->total);
	if (vec_push(&a->edges,
		     ((struct edge){parent, (uint32_t)name,
				    r->total > 0 ? (double)n->total / (double)r->total : 0})))
		return -ENOMEM;
	if ((ret = path_append(a, path_len, tree__name(r->t, c), tree__name_len(r->t, c))))
		return ret;
	f.path_len = a->path.len;
	if (n->self && (ret = add_stack(a, ri, n->self)))
		return ret;
	return vec_push(&a->walk, f);
}

static int walk_run(struct acc *a, size_t ri)
{
	struct run *r = &a->runs[ri];
	int ret = 0;

	r->node_name = calloc(r->t->nnodes + 1, sizeof(*r->node_name));
	if (!r->node_name)
		return -ENOMEM;
	a->walk.len = 0;
	if (vec_push(&a->walk, ((struct frame){.node = TREE_ROOT})))
		return -ENOMEM;
	while (a->walk.len && !ret) {
		struct frame *top = &a->walk.data[a->walk.len - 1];
		const struct tree_node *n = tree__node(r->t, top->node);

		if (top->next_child == n->nchildren) {
			if (top->node != TREE_ROOT)
				a->onpath.data[r->node_name[top->node]]--;
			a->walk.len--;
			continue;
		}
		ret = visit(a, ri, tree__child(r->t, top->node, top->next_child++));
	}
	return ret;
}

/* --- checking and preparing the runs ------------------------------------------------- */

static int describe_types(const struct profile *p, char *buf, size_t size)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < p->sample_types.len && used < size; i++) {
		int n = snprintf(buf + used, size - used, "%s%s/%s", i ? ", " : "",
				 profile__str(p, p->sample_types.data[i].type),
				 profile__str(p, p->sample_types.data[i].unit));
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return 0;
}

static int find_type(struct run *r, const char *type, struct flame_err *err)
{
	int vi = profile__find_sample_type(r->p, type);
	char types[160];

	if (vi < 0) {
		describe_types(r->p, types, sizeof(types));
		return flame_err__set(err, EINVAL,
				      "%s run %zu has no sample type '%s' (it has: %s); pick one "
				      "that every run has",
				      side_name(r), r->number, type, types[0] ? types : "none");
	}
	r->vi = (size_t)vi;
	return 0;
}

static const char *type_of(const struct run *r)
{
	return profile__str(r->p, r->p->sample_types.data[r->vi].type);
}

static const char *unit_of(const struct run *r)
{
	return profile__str(r->p, r->p->sample_types.data[r->vi].unit);
}

/* Same sample type and unit, and the same period when both runs state one. */
static int check_comparable(const struct run *ref, const struct run *r, struct flame_err *err)
{
	const char *pu = profile__str(ref->p, ref->p->period_type.unit);
	const char *ru = profile__str(r->p, r->p->period_type.unit);

	if (strcmp(unit_of(ref), unit_of(r)))
		return flame_err__set(err, EINVAL,
				      "cannot compare sample types: %s run %zu has %s/%s, %s run "
				      "%zu has %s/%s",
				      side_name(ref), ref->number, type_of(ref), unit_of(ref),
				      side_name(r), r->number, type_of(r), unit_of(r));
	if (ref->p->period > 0 && r->p->period > 0 &&
	    (ref->p->period != r->p->period || strcmp(pu, ru)))
		return flame_err__set(err, EINVAL,
				      "cannot compare different sampling periods: %s run %zu "
				      "samples every %" PRId64 " %s, %s run %zu every %" PRId64
				      " %s; record both at the same frequency",
				      side_name(ref), ref->number, ref->p->period, pu, side_name(r),
				      r->number, r->p->period, ru);
	return 0;
}

/* Negative values (a diff profile, hostile input) make shares meaningless: refuse them. */
static int check_values(const struct run *r, struct flame_err *err)
{
	size_t i;

	for (i = 0; i < r->p->samples.len; i++)
		if (profile__sample_values(r->p, i)[r->vi] < 0)
			return flame_err__set(err, EINVAL,
					      "%s run %zu has negative %s values (sample %zu); "
					      "diff compares plain profiles, not diff profiles",
					      side_name(r), r->number, type_of(r), i + 1);
	return 0;
}

static int prepare_run(struct run *r, const struct run *ref, const char *type,
		       const struct diff_opts *o, struct flame_err *err)
{
	const struct profile *p = r->p;
	struct tree_opts to = {.base_vi = -1};
	int ret;

	if ((ret = profile__validate(p, err)))
		return ret;
	if ((ret = find_type(r, type, err)) || (ret = check_comparable(ref, r, err)) ||
	    (ret = check_values(r, err)))
		return ret;
	if (o->norm == DIFF_NORM_RATE && p->duration_nanos <= 0)
		return flame_err__set(err, EINVAL,
				      "%s run %zu has no recording duration; rate normalization "
				      "needs one (use share normalization instead)",
				      side_name(r), r->number);
	r->total = profile__total(p, r->vi);
	r->seconds = p->duration_nanos > 0 ? (double)p->duration_nanos / 1e9 : 0;
	r->count_scale = 1;
	if (p->period > 0 && !strcmp(unit_of(r), profile__str(p, p->period_type.unit)))
		r->count_scale = 1 / (double)p->period;
	to.vi = r->vi;
	r->t = tree__build(p, &to);
	if (!r->t)
		return flame_err__set(err, errno ? errno : ENOMEM,
				      "cannot build the call tree of %s run %zu", side_name(r),
				      r->number);
	return 0;
}

/*
 * Pseudo frames ("[missing stack]", "[unknown]", "[lost]"...) are not code that can get
 * slower: a burst of them is a recording artefact. They are shown but never tested.
 */
static bool is_pseudo(const char *name, size_t len)
{
	return len >= 2 && name[0] == '[' && name[len - 1] == ']';
}

/*
 * A function that runs almost only under interrupts (>= 90% of its inclusive value, all runs
 * together) moves with the machine's load, not with the code: shown, never tested.
 */
static bool is_environmental(const struct acc *a, uint32_t name)
{
	const int64_t *incl = fvals(a, name, DIFF_INCLUSIVE);
	int64_t all = 0;
	size_t ri;

	for (ri = 0; ri < a->nruns; ri++)
		all = sat_add(all, incl[ri]);
	return a->irq.data[name] > 0 && (double)a->irq.data[name] >= 0.9 * (double)all;
}

/*
 * The exposure of each run for the tests. Rate normalization: its duration. Otherwise a
 * robust size factor (median of ratios, as DESeq normalizes RNA-seq counts): the median over
 * well-sampled functions of the function's count in this run over its geometric mean over
 * all runs. Shares are compositional -- when one function takes 20% more CPU every other
 * share drops 1.6% -- so testing against the run totals would call the whole profile
 * changed and inflate the dispersion estimate; against the median ratio a function is
 * tested for changing relative to the bulk of the program. With fewer than 3 such
 * functions the run totals are used.
 */
static int set_exposures(struct acc *a)
{
	size_t nnames = a->d->names.len, nref = 0, i, ri;
	double *logs, *col;
	uint32_t name;

	for (ri = 0; ri < a->nruns; ri++)
		a->runs[ri].exposure =
			a->d->norm == DIFF_NORM_RATE
				? a->runs[ri].seconds
				: (double)a->runs[ri].total * a->runs[ri].count_scale;
	if (a->d->norm == DIFF_NORM_RATE)
		return 0;
	logs = malloc((nnames * a->nruns + 1) * sizeof(*logs));
	col = malloc((nnames + 1) * sizeof(*col));
	if (!logs || !col) {
		free(logs);
		free(col);
		return -ENOMEM;
	}
	for (name = 0; name < nnames && (size_t)name * 2 * a->nruns < a->fv.len; name++) {
		const int64_t *v = fvals(a, name, DIFF_SELF);
		double sum = 0, mean = 0;
		bool ok = !is_pseudo(strtab__str(&a->d->names, name),
				     strtab__strlen(&a->d->names, name));

		for (ri = 0; ri < a->nruns && ok; ri++) {
			double k = (double)v[ri] * a->runs[ri].count_scale;

			ok = k >= 5;
			sum += k;
			mean += log(k > 0 ? k : 1);
		}
		if (!ok || sum < (double)a->d->opts.min_count * (double)a->nruns)
			continue;
		mean /= (double)a->nruns;
		for (ri = 0; ri < a->nruns; ri++)
			logs[nref * a->nruns + ri] =
				log((double)v[ri] * a->runs[ri].count_scale) - mean;
		nref++;
	}
	for (ri = 0; ri < a->nruns && nref >= 3; ri++) {
		for (i = 0; i < nref; i++)
			col[i] = logs[i * a->nruns + ri];
		a->runs[ri].exposure = exp(stats__median(col, nref));
	}
	free(logs);
	free(col);
	return 0;
}

/* Raw value -> normalized value, per run (see enum diff_norm). */
static void set_norms(struct acc *a, enum diff_norm norm)
{
	double base_total = 0;
	size_t i, nbase = 0;

	for (i = 0; i < a->nruns; i++)
		if (!a->runs[i].head) {
			base_total += (double)a->runs[i].total;
			nbase++;
		}
	base_total /= nbase ? (double)nbase : 1;
	for (i = 0; i < a->nruns; i++) {
		struct run *r = &a->runs[i];
		double total = (double)r->total;

		switch (norm) {
		case DIFF_NORM_RATE:
			r->norm = r->seconds > 0 ? 1 / r->seconds : 0;
			break;
		case DIFF_NORM_SCALE:
			r->norm = !r->head ? 1 : total > 0 ? base_total / total : 0;
			break;
		default:
			r->norm = total > 0 ? 1 / total : 0;
			break;
		}
	}
}

/* --- rows ---------------------------------------------------------------------------- */

/* What the tests need beyond a diff_row. */
struct rowx {
	const int64_t *v;    /* per-run raw values */
	double k[2], n[2];   /* samples of the function and of the runs, per side */
	double e[2];	     /* exposure (size factors or seconds) per side */
	double z1;	     /* the z value with dispersion 1 (NaN: untestable) */
	double phi_f;	     /* between-run dispersion of this row (NaN: unknown) */
	size_t self_row;     /* inclusive rows: the same function's self row */
	bool enough, family; /* enough samples; in the FDR family */
	bool dup;	     /* inclusive value equal to self in every run: the same test */
	bool ref;	     /* one run per side: a candidate of the reference (z1 against it) */
	double other[2];     /* ... the reference's samples without this row, per side */
	bool in_ref;	     /* ... and in the reference set */
};

struct rows {
	struct diff_row *r;
	struct rowx *x;
	size_t len, cap;
};

static int add_row(struct rows *rs)
{
	if (rs->len == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 256;
		void *r = realloc(rs->r, cap * sizeof(*rs->r));

		if (!r)
			return -ENOMEM;
		rs->r = r;
		if (!(r = realloc(rs->x, cap * sizeof(*rs->x))))
			return -ENOMEM;
		rs->x = r;
		rs->cap = cap;
	}
	memset(&rs->r[rs->len], 0, sizeof(*rs->r));
	memset(&rs->x[rs->len], 0, sizeof(*rs->x));
	rs->len++;
	return 0;
}

/* Fill the numbers of a row from its per-run raw values. */
static void fill_row(const struct acc *a, struct diff_row *row, struct rowx *x, const int64_t *v)
{
	double sum[2] = {0}, share[2] = {0}, nruns[2] = {0};
	int64_t raw[2] = {0};
	size_t i;

	x->v = v;
	for (i = 0; i < a->nruns; i++) {
		const struct run *r = &a->runs[i];
		int s = r->head;

		raw[s] = sat_add(raw[s], v[i]);
		sum[s] += (double)v[i] * r->norm;
		share[s] += r->total > 0 ? (double)v[i] / (double)r->total : 0;
		nruns[s]++;
		x->k[s] += (double)v[i] * r->count_scale;
		x->n[s] += (double)r->total * r->count_scale;
		x->e[s] += r->exposure;
	}
	row->base = sum[0] / nruns[0];
	row->head = sum[1] / nruns[1];
	row->base_raw = raw[0];
	row->head_raw = raw[1];
	row->base_share = share[0] / nruns[0];
	row->head_share = share[1] / nruns[1];
	row->delta = row->head - row->base;
	row->delta_pp = (row->head_share - row->base_share) * 100;
	if (row->base > 0)
		row->rel_pct = row->delta / row->base * 100;
	else
		row->rel_pct = row->head > 0 ? INFINITY : 0;
	row->is_new = raw[0] == 0 && raw[1] > 0;
	row->is_gone = raw[1] == 0 && raw[0] > 0;
	row->p = row->q = NAN;
	row->mdc_pp = row->mdc_rel_pct = row->detect_scale = NAN;
	x->z1 = x->phi_f = NAN;
	x->self_row = NO_ROW;
}

static bool passes_floors(const struct diff_opts *o, const struct diff_row *r)
{
	return fabs(r->delta_pp) >= o->min_delta_pp && fabs(r->rel_pct) >= o->min_rel_pct;
}

/*
 * Between-run dispersion of one row: the Pearson statistic of its runs around what their
 * side's pooled rate and each run's exposure predict (Poisson variance), divided by the
 * degrees of freedom (runs - 1 per side). NaN when no side has two runs.
 */
static double row_dispersion(const struct acc *a, const struct rowx *x)
{
	double chi2 = 0, df = 0, nside[2] = {0};
	size_t i;

	for (i = 0; i < a->nruns; i++)
		nside[a->runs[i].head]++;
	for (i = 0; i < a->nruns; i++) {
		const struct run *r = &a->runs[i];
		int s = r->head;
		double k = (double)x->v[i] * r->count_scale, e;

		if (nside[s] < 2 || !(x->e[s] > 0) || !(x->k[s] > 0))
			continue;
		e = x->k[s] / x->e[s] * r->exposure;
		if (e > 0)
			chi2 += (k - e) * (k - e) / e;
	}
	for (i = 0; i < 2; i++)
		if (nside[i] >= 2)
			df += nside[i] - 1;
	return df > 0 && isfinite(chi2) ? chi2 / df : NAN;
}

/* The median of chi2_df / df (Wilson-Hilferty above 2 degrees of freedom). */
static double chi2_median_over_df(double df)
{
	if (df <= 1)
		return STATS_CHI2_1_MEDIAN;
	if (df <= 2)
		return M_LN2; /* chi2_2 is exponential with mean 2: median 2 ln 2 */
	return pow(1 - 2 / (9 * df), 3);
}

static size_t count_runs(const struct acc *a, bool head)
{
	size_t i, n = 0;

	for (i = 0; i < a->nruns; i++)
		n += a->runs[i].head == head;
	return n;
}

/*
 * The dispersion factor: opts.dispersion when set, else estimated from the self rows of the
 * FDR family (the functions that could be reported; tiny ones such as interrupt handlers vary
 * far more between recordings and would drown the estimate). Self rows only: every sample
 * has one leaf, so they are the categories the sampling draws from, while a caller's
 * inclusive row adds up its callees' -- a copy of their changes -- and the callers near 100%
 * mostly measure how many samples fell outside the program.
 *
 * One run on each side: stats__robust_dispersion() of their z^2. A profile has few hot
 * functions, and a real change -- with the functions whose shares it pushes down -- can be
 * most of them: a median or a trimmed mean of z^2 then measures the change and calls it noise
 * (four functions, 4,000 samples: an estimate of 6-7 hid a +25% change that the binomial
 * variance shows at 4.4 sigma, and more samples made it worse). The size factors (see
 * set_exposures()) take the pushed-down functions back to z ~ 0; the robust estimate keeps
 * the changed one out. Several runs: the between-run variation is measured directly: the
 * median between-run dispersion of the family's self rows over the median of chi2_df / df.
 * (Genomic control would count it twice: each row's test already uses the larger of this
 * factor and its own between-run dispersion.) Never below 1: timer sampling can be less
 * variable than binomial, but not reliably so.
 */
static double estimate_dispersion(const struct acc *a, const struct rows *rs)
{
	double *buf = malloc((rs->len + 1) * sizeof(*buf)), phi, df;
	size_t i, n = 0, nb = count_runs(a, false), nh = count_runs(a, true);

	if (a->d->opts.dispersion > 0) {
		free(buf);
		return a->d->opts.dispersion;
	}
	if (!buf)
		return 1; /* cannot estimate: the binomial variance, stated as 1 */
	df = (double)(nb > 1 ? nb - 1 : 0) + (double)(nh > 1 ? nh - 1 : 0);
	for (i = 0; i < rs->len; i++) {
		const struct rowx *x = &rs->x[i];

		if (!x->family || rs->r[i].scope != DIFF_SELF)
			continue;
		if (df > 0 && !isnan(x->phi_f))
			buf[n++] = x->phi_f;
		else if (df <= 0)
			buf[n++] = x->z1 * x->z1;
	}
	if (df > 0)
		phi = n >= 3 ? stats__median(buf, n) / chi2_median_over_df(df) : 1;
	else
		phi = stats__robust_dispersion(buf, n, 0, DISPERSION_PRIOR);
	free(buf);
	return phi > 1 ? phi : 1;
}

/* --- the tests ----------------------------------------------------------------------- */

static int function_rows(struct acc *a, struct rows *rs)
{
	const struct diff_opts *o = &a->d->opts;
	uint32_t name;
	int ret;

	for (name = 0; name < a->d->names.len && (size_t)name * 2 * a->nruns < a->fv.len; name++) {
		const int64_t *self = fvals(a, name, DIFF_SELF),
			      *incl = fvals(a, name, DIFF_INCLUSIVE);
		bool any = false, same = true;
		size_t i, srow;

		for (i = 0; i < a->nruns; i++) {
			any |= incl[i] != 0;
			same &= incl[i] == self[i];
		}
		if (!any)
			continue;
		for (enum diff_scope s = DIFF_SELF; s <= DIFF_INCLUSIVE; s++) {
			struct diff_row *r;
			struct rowx *x;

			if ((ret = add_row(rs)))
				return ret;
			r = &rs->r[rs->len - 1];
			x = &rs->x[rs->len - 1];
			r->name = name;
			r->scope = s;
			fill_row(a, r, x, s == DIFF_SELF ? self : incl);
			x->enough =
				(x->k[0] > x->k[1] ? x->k[0] : x->k[1]) >= (double)o->min_count &&
				!is_pseudo(strtab__str(&a->d->names, name),
					   strtab__strlen(&a->d->names, name)) &&
				!is_environmental(a, name);
			if (s == DIFF_SELF) {
				srow = rs->len - 1;
			} else {
				x->self_row = srow;
				x->dup = same;
			}
		}
	}
	return 0;
}

/* Rows that can anchor the one-run reference: well-sampled code on both sides. */
static bool reference_candidate(const struct acc *a, const struct diff_row *r, const struct rowx *x)
{
	return r->scope == DIFF_SELF && x->enough && x->k[0] >= 5 && x->k[1] >= 5 &&
	       !is_pseudo(strtab__str(&a->d->names, r->name),
			  strtab__strlen(&a->d->names, r->name));
}

/* The z of every candidate against the reference set without itself (dispersion 1). */
static void reference_z(struct rows *rs, const double ref[2])
{
	size_t i;

	for (i = 0; i < rs->len; i++) {
		struct rowx *x = &rs->x[i];

		if (!x->ref)
			continue;
		x->other[0] = ref[0] - (x->in_ref ? x->k[0] : 0);
		x->other[1] = ref[1] - (x->in_ref ? x->k[1] : 0);
		x->z1 = stats__prop_z(x->k[0], x->k[0] + x->other[0], x->k[1],
				      x->k[1] + x->other[1], 1);
	}
}

/* The samples of the reference set, per side. */
static void reference_sums(const struct rows *rs, double ref[2])
{
	size_t i;

	ref[0] = ref[1] = 0;
	for (i = 0; i < rs->len; i++)
		if (rs->x[i].in_ref) {
			ref[0] += rs->x[i].k[0];
			ref[1] += rs->x[i].k[1];
		}
}

/*
 * One run per side (share or scale normalization): what "unchanged" means. Shares are
 * compositional -- a function 25% more expensive pushes every other share down -- so each
 * function is tested against a reference: the well-sampled functions that did not change,
 * minus itself, as a 2x2 table (its samples and the reference's, base and head), so that
 * the reference's own sampling noise is in the variance. The reference starts as every
 * candidate and loses, one per round, the function furthest from the rest while it is
 * beyond the 1% level at the multinomial variance (phi = 1: the dispersion is estimated
 * afterwards, from z values against the final reference; estimating it while the changed
 * function is still in the reference let one noisy function and the change inflate it
 * together). One at a time, because a change also moves the z of every other function
 * while it is in the reference. Why not the median of ratios (used with several runs): with
 * four hot functions the median of four noisy ratios moves with the noise of the middle
 * two, which then look unchanged while the outer two take all of it. The runs' exposures
 * become the reference's sample counts, so the other rows (inclusive values) are tested
 * against it too.
 */
static void one_run_reference(struct acc *a, struct rows *rs)
{
	const double cut_z = 2.5758293035489; /* two-sided 1% */
	double ref[2];
	size_t i, left = 0;

	for (i = 0; i < rs->len; i++) {
		rs->x[i].ref = rs->x[i].in_ref = reference_candidate(a, &rs->r[i], &rs->x[i]);
		left += rs->x[i].ref;
	}
	while (left > 1) {
		size_t worst = NO_ROW;

		reference_sums(rs, ref);
		reference_z(rs, ref);
		for (i = 0; i < rs->len; i++)
			if (rs->x[i].in_ref &&
			    (worst == NO_ROW || fabs(rs->x[i].z1) > fabs(rs->x[worst].z1)))
				worst = i;
		if (!(fabs(rs->x[worst].z1) > cut_z))
			break;
		rs->x[worst].in_ref = false;
		left--;
	}
	reference_sums(rs, ref);
	if (!(ref[0] > 0 && ref[1] > 0)) {
		for (i = 0; i < rs->len; i++)
			rs->x[i].ref = false; /* nothing to anchor on: the run totals stay */
		return;
	}
	reference_z(rs, ref);
	for (i = 0; i < a->nruns; i++)
		a->runs[i].exposure = ref[a->runs[i].head];
	for (i = 0; i < rs->len; i++) {
		rs->x[i].e[0] = ref[0];
		rs->x[i].e[1] = ref[1];
	}
}

/* The z value (dispersion 1) and the between-run dispersion of every row. */
static bool in_family(const struct diff_opts *o, const struct rowx *x);

static void row_statistics(const struct acc *a, struct rows *rs)
{
	size_t i;

	for (i = 0; i < rs->len; i++) {
		struct rowx *x = &rs->x[i];

		if (!x->ref)
			x->z1 = x->k[0] + x->k[1] > 0 && x->e[0] > 0 && x->e[1] > 0
					? stats__rate_z(x->k[0], x->e[0], x->k[1], x->e[1], 1)
					: NAN;
		x->phi_f = row_dispersion(a, x);
		x->family = in_family(&a->d->opts, x);
	}
}

/*
 * The family: rows with enough samples whose pooled share is large enough that the change
 * could pass the delta floor. The pooled share is what the null hypothesis fixes (it does
 * not depend on the direction or size of the change), so filtering on it keeps BH valid,
 * unlike filtering on the observed change (Bourgon et al., PNAS 2010). An inclusive row equal
 * to its self row in every run is the same test: it takes the self row's p and q.
 */
static bool in_family(const struct diff_opts *o, const struct rowx *x)
{
	double n = x->n[0] + x->n[1], pooled, need;

	if (!x->enough || x->dup || isnan(x->z1) || !(n > 0))
		return false;
	pooled = (x->k[0] + x->k[1]) / n;
	need = (x->n[0] < x->n[1] ? x->n[0] : x->n[1]) / n * o->min_delta_pp / 100;
	return pooled >= need;
}

static int rank_test(const struct acc *a, const struct rowx *x, double *p)
{
	size_t nb = count_runs(a, false), nh = count_runs(a, true), i, jb = 0, jh = 0;
	double *b = malloc(nb * sizeof(*b)), *h = malloc(nh * sizeof(*h)), u;
	bool exact;
	int ret;

	if (!b || !h) {
		free(b);
		free(h);
		return -ENOMEM;
	}
	for (i = 0; i < a->nruns; i++) {
		const struct run *r = &a->runs[i];
		double v = r->exposure > 0 ? (double)x->v[i] * r->count_scale / r->exposure : 0;

		if (r->head)
			h[jh++] = v;
		else
			b[jb++] = v;
	}
	ret = stats__mann_whitney(b, nb, h, nh, &u, p, &exact);
	free(b);
	free(h);
	return ret;
}

/*
 * The standard deviation of the log of a row's rate ratio, head over base, if its rate grew by
 * r (relative) from the pooled rate, with every count scaled by c (c = 2: twice the samples):
 * Poisson counts, times the dispersion f, plus the reference's own noise for rows tested
 * against it (one run per side).
 */
static double log_ratio_sd(const struct rowx *x, double r, double f, double c)
{
	double rate = (x->k[0] + x->k[1]) / (x->e[0] + x->e[1]);
	double k0 = rate * x->e[0] * c, k1 = rate * (1 + r) * x->e[1] * c, v;

	if (!(k0 > 0) || !(k1 > 0))
		return INFINITY;
	v = 1 / k0 + 1 / k1;
	if (x->ref && x->other[0] > 0 && x->other[1] > 0)
		v += 1 / (x->other[0] * c) + 1 / (x->other[1] * c);
	return sqrt(f * v);
}

/*
 * The smallest relative growth r the test detects with probability DIFF_DETECT_POWER at its
 * per-test level alpha (z_star = z_{1-alpha/2} + z_{power}): log(1 + r) / sd(r) = z_star,
 * increasing in r, by bisection. INFINITY when no growth up to 1000x would do.
 */
static double detectable_growth(const struct rowx *x, double f, double z_star)
{
	double lo = 0, hi = 1000;
	int i;

	if (!(log(1 + hi) / log_ratio_sd(x, hi, f, 1) >= z_star))
		return INFINITY;
	for (i = 0; i < 100; i++) {
		double mid = (lo + hi) / 2;

		if (log(1 + mid) / log_ratio_sd(x, mid, f, 1) >= z_star)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

/*
 * A function whose cost grows by r relative to the rest of the program (the rest unchanged)
 * moves its share p by r (1 - p) / (1 + p r) relative; and back: the cost growth that moves
 * the share by s, INFINITY when none can (s >= (1 - p) / p).
 */
static double share_change(double r, double p)
{
	return r * (1 - p) / (1 + p * r);
}

static double cost_change(double s, double p)
{
	double room = 1 - p - p * s;

	return room > 0 ? s / room : INFINITY;
}

/*
 * What the verdict could have missed, per tested row: the minimum detectable change of its
 * share (relative, in %, and in points), at its samples and dispersion f, at the level a lone
 * change needs under Benjamini-Hochberg (fdr / tests), with DIFF_DETECT_POWER -- and never
 * below the effect floors, which no smaller change passes. detect_scale: by how much the
 * samples per side must grow for a change of opts.detect_pct of the share to be detected so
 * (<= 1: they are enough; INFINITY: the floors forbid it).
 */
static void detectable_changes(const struct diff *d, const struct rowx *x, double f,
			       struct diff_row *r)
{
	const struct diff_opts *o = &d->opts;
	double alpha = o->fdr / (double)(d->ntested ? d->ntested : 1);
	double z_star =
		stats__norm_quantile(1 - alpha / 2) + stats__norm_quantile(DIFF_DETECT_POWER);
	double p = r->base_share > 0 ? r->base_share : r->head_share;
	double g = share_change(detectable_growth(x, f, z_star), p) * 100;
	double floor_pp = p > 0 ? o->min_delta_pp / p : INFINITY;
	double want = o->detect_pct, cost;

	if (!(p > 0 && p < 1)) {
		r->mdc_rel_pct = r->mdc_pp = r->detect_scale = INFINITY;
		return;
	}
	g = fmax(g, fmax(o->min_rel_pct, floor_pp));
	r->mdc_rel_pct = g;
	r->mdc_pp = g * p;
	cost = cost_change(want / 100, p);
	if (want < o->min_rel_pct || want < floor_pp || !isfinite(cost)) {
		r->detect_scale = INFINITY;
	} else {
		double k = z_star * log_ratio_sd(x, cost, f, 1) / log(1 + cost);

		r->detect_scale = k * k;
	}
}

static int test_rows(struct acc *a, struct rows *rs, double phi, bool ranks)
{
	const struct diff_opts *o = &a->d->opts;
	double *p = malloc((rs->len + 1) * sizeof(*p));
	double gate = stats__mann_whitney_min_p(count_runs(a, false), count_runs(a, true));
	size_t i;
	int ret = 0;

	if (!p)
		return -ENOMEM;
	gate = gate > RANK_GATE ? gate : RANK_GATE;
	for (i = 0; i < rs->len; i++) {
		struct rowx *x = &rs->x[i];
		double f = phi;
		if (!isnan(x->phi_f) && x->phi_f > f)
			f = x->phi_f; /* a function that varies more between runs than the rest */
		p[i] = x->family ? stats__two_sided_p(x->z1 / sqrt(f)) : NAN;
		a->d->ntested += x->family;
	}
	if ((ret = stats__bh(p, rs->len, p)))
		goto out;
	for (i = 0; i < rs->len; i++) {
		struct diff_row *r = &rs->r[i];
		struct rowx *x = &rs->x[i];
		const struct rowx *src = x->dup ? &rs->x[x->self_row] : x;
		double pr = 0;
		bool up;

		if (x->dup && rs->x[x->self_row].family) {
			r->p = rs->r[x->self_row].p;
			r->q = p[x->self_row];
			r->mdc_pp = rs->r[x->self_row].mdc_pp;
			r->mdc_rel_pct = rs->r[x->self_row].mdc_rel_pct;
			r->detect_scale = rs->r[x->self_row].detect_scale;
		} else if (x->family) {
			double f = !isnan(x->phi_f) && x->phi_f > phi ? x->phi_f : phi;

			r->p = stats__two_sided_p(x->z1 / sqrt(f));
			r->q = p[i];
			detectable_changes(a->d, x, f, r);
		}
		if (!(r->q <= o->fdr) || !passes_floors(o, r) || !src->family)
			continue;
		up = r->delta > 0;
		if (up != (src->z1 > 0))
			continue; /* the pooled counts and the mean of the runs disagree */
		if (ranks && (ret = rank_test(a, src, &pr)))
			goto out;
		if (ranks && !(pr <= gate))
			continue;
		r->verdict = up ? DIFF_REGRESSION : DIFF_IMPROVEMENT;
	}
out:
	free(p);
	return ret;
}

/* --- shifts and explained inclusive growth ------------------------------------------- */

static int cmp_edges(const void *pa, const void *pb)
{
	const struct edge *a = pa, *b = pb;

	if (a->from != b->from)
		return a->from < b->from ? -1 : 1;
	return (a->to > b->to) - (a->to < b->to);
}

/* Sort the edges and merge duplicates (summing their weights). */
static void merge_edges(struct acc *a)
{
	size_t i, n = 0;

	if (!a->edges.len)
		return;
	qsort(a->edges.data, a->edges.len, sizeof(*a->edges.data), cmp_edges);
	for (i = 1; i < a->edges.len; i++) {
		if (!cmp_edges(&a->edges.data[n], &a->edges.data[i]))
			a->edges.data[n].w += a->edges.data[i].w;
		else
			a->edges.data[++n] = a->edges.data[i];
	}
	a->edges.len = n + 1;
}

/* The caller through which most of a function's value flows (ROOT_NAME at the top). */
static uint32_t main_caller(const struct acc *a, uint32_t name)
{
	uint32_t best = ROOT_NAME;
	double w = -1;
	size_t i;

	for (i = 0; i < a->edges.len; i++)
		if (a->edges.data[i].to == name && a->edges.data[i].from != name &&
		    a->edges.data[i].w > w) {
			w = a->edges.data[i].w;
			best = a->edges.data[i].from;
		}
	return best;
}

/* The rows of each name, by scope (NO_ROW if none). */
static size_t *index_rows(const struct rows *rs, size_t nnames)
{
	size_t *idx = malloc((2 * nnames + 1) * sizeof(*idx)), i;

	if (!idx)
		return NULL;
	for (i = 0; i < 2 * nnames; i++)
		idx[i] = NO_ROW;
	for (i = 0; i < rs->len; i++)
		if (rs->r[i].scope != DIFF_STACK)
			idx[2 * rs->r[i].name + rs->r[i].scope] = i;
	return idx;
}

/*
 * A regression whose main caller's inclusive value did not regress, next to a sibling (a
 * callee of that caller) that significantly improved by at least half the growth, is cost
 * that moved: DIFF_SHIFT. The improving sibling is required because under share
 * normalization an unchanged parent proves nothing (the root is always 100%).
 */
/*
 * Did row k shrink significantly? An IMPROVEMENT, or a pseudo frame (never tested: see
 * is_pseudo()) whose own p is within the FDR level -- so that stacks that lost their root
 * frame ("[unknown]" instead of "start_thread") count as moved cost.
 */
static bool shrank(const struct acc *a, const struct rows *rs, size_t k, double phi)
{
	const struct diff_row *r = &rs->r[k];

	if (r->verdict == DIFF_IMPROVEMENT)
		return true;
	return r->delta < 0 &&
	       is_pseudo(strtab__str(&a->d->names, r->name),
			 strtab__strlen(&a->d->names, r->name)) &&
	       !isnan(rs->x[k].z1) && stats__two_sided_p(rs->x[k].z1 / sqrt(phi)) <= a->d->opts.fdr;
}

static void find_shifts(const struct acc *a, struct rows *rs, const size_t *idx, double phi)
{
	size_t i, j;

	for (i = 0; i < rs->len; i++) {
		struct diff_row *r = &rs->r[i];
		uint32_t parent;
		double best = 0;
		size_t cause = NO_ROW;

		if (r->verdict != DIFF_REGRESSION)
			continue;
		parent = main_caller(a, r->name);
		if (parent != ROOT_NAME && idx[2 * parent + DIFF_INCLUSIVE] != NO_ROW &&
		    rs->r[idx[2 * parent + DIFF_INCLUSIVE]].verdict == DIFF_REGRESSION)
			continue;
		for (j = 0; j < a->edges.len; j++) {
			const struct edge *e = &a->edges.data[j];

			if (e->from != parent || e->to == r->name || e->to == parent)
				continue;
			for (int s = DIFF_SELF; s <= DIFF_INCLUSIVE; s++) {
				size_t k = idx[2 * e->to + s];
				if (k != NO_ROW && shrank(a, rs, k, phi) &&
				    -rs->r[k].delta >= 0.5 * r->delta && -rs->r[k].delta > best) {
					best = -rs->r[k].delta;
					cause = k;
				}
			}
		}
		if (cause != NO_ROW) {
			r->verdict = DIFF_SHIFT;
			r->explained_by = rs->r[cause].name;
		}
	}
}

/*
 * Sum, for every function F on a stack, the self value of each cause G at the stack's leaf
 * (once per stack even if F recurses): contrib[g * nnames + F][side], normalized.
 */
static int cause_contributions(struct acc *a, const int32_t *cause_of, double *contrib)
{
	size_t nnames = a->d->names.len, ri, cap = 0;
	uint32_t *names = NULL;
	bool *first = NULL;
	int ret = 0;

	for (ri = 0; ri < a->nruns && !ret; ri++) {
		struct run *r = &a->runs[ri];
		double per_run = r->norm / (double)count_runs(a, r->head);

		a->walk.len = 0;
		if (vec_push(&a->walk, ((struct frame){.node = TREE_ROOT})))
			ret = -ENOMEM;
		while (a->walk.len && !ret) {
			struct frame *top = &a->walk.data[a->walk.len - 1];
			size_t depth = a->walk.len - 1; /* frames below the root */
			const struct tree_node *tn;
			uint32_t n, name;

			if (top->next_child == tree__node(r->t, top->node)->nchildren) {
				if (top->node != TREE_ROOT)
					a->onpath.data[r->node_name[top->node]]--;
				a->walk.len--;
				continue;
			}
			n = tree__child(r->t, top->node, top->next_child++);
			name = r->node_name[n];
			tn = tree__node(r->t, n);
			if (depth + 1 > cap) {
				size_t ncap = cap ? cap * 2 : 64;
				void *p1 = realloc(names, ncap * sizeof(*names));

				if (p1)
					names = p1;
				p1 = p1 ? realloc(first, ncap * sizeof(*first)) : NULL;
				if (p1)
					first = p1;
				if (!p1) {
					ret = -ENOMEM;
					break;
				}
				cap = ncap;
			}
			names[depth] = name;
			first[depth] = a->onpath.data[name]++ == 0;
			if (tn->self > 0 && cause_of[name] >= 0) {
				double v = (double)tn->self * per_run;
				size_t g = (size_t)cause_of[name], k;

				for (k = 0; k <= depth; k++)
					if (first[k])
						contrib[(g * nnames + names[k]) * 2 + r->head] += v;
			}
			if (vec_push(&a->walk, ((struct frame){.node = n})))
				ret = -ENOMEM;
		}
	}
	/* an error can leave names marked as on the path */ if (a->onpath.len)
		memset(a->onpath.data, 0, a->onpath.len * sizeof(*a->onpath.data));
	free(names);
	free(first);
	return ret;
}

static int cmp_by_delta_desc(const void *pa, const void *pb, void *ctx)
{
	const struct rows *rs = ctx;
	double a = rs->r[*(const size_t *)pa].delta, b = rs->r[*(const size_t *)pb].delta;

	return (a < b) - (a > b);
}

/*
 * An inclusive regression at least half of whose growth is the growth of self regressions
 * (or shifts) of functions below it -- itself included -- is DIFF_EXPLAINED by the largest of
 * them: the report names the function that got slower, not every caller on the way.
 */
static int find_explained(struct acc *a, struct rows *rs, const size_t *idx)
{
	size_t nnames = a->d->names.len, i, ncauses = 0, *causes;
	int32_t *cause_of = malloc((nnames + 1) * sizeof(*cause_of));
	double *contrib = NULL;
	int ret = 0;

	causes = malloc((rs->len + 1) * sizeof(*causes));
	if (!cause_of || !causes) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < rs->len; i++)
		if (rs->r[i].scope == DIFF_SELF &&
		    (rs->r[i].verdict == DIFF_REGRESSION || rs->r[i].verdict == DIFF_SHIFT))
			causes[ncauses++] = i;
	if (!ncauses)
		goto out;
	qsort_r(causes, ncauses, sizeof(*causes), cmp_by_delta_desc, rs);
	if (ncauses > MAX_CAUSES)
		ncauses = MAX_CAUSES;
	for (i = 0; i < nnames; i++)
		cause_of[i] = -1;
	for (i = 0; i < ncauses; i++)
		cause_of[rs->r[causes[i]].name] = (int32_t)i;
	contrib = calloc(ncauses * nnames * 2 + 1, sizeof(*contrib));
	if (!contrib) {
		ret = -ENOMEM;
		goto out;
	}
	if ((ret = cause_contributions(a, cause_of, contrib)))
		goto out;
	for (i = 0; i < nnames; i++) {
		size_t k = idx[2 * i + DIFF_INCLUSIVE], g, best = NO_ROW;
		double sum = 0, top = 0;

		if (k == NO_ROW || rs->r[k].verdict != DIFF_REGRESSION)
			continue;
		for (g = 0; g < ncauses; g++) {
			const double *c = &contrib[(g * nnames + i) * 2];
			double d = c[1] - c[0];

			if (d <= 0)
				continue;
			sum += d;
			if (d > top) {
				top = d;
				best = causes[g];
			}
		}
		if (best != NO_ROW && sum >= 0.5 * rs->r[k].delta) {
			rs->r[k].verdict = DIFF_EXPLAINED;
			rs->r[k].explained_by = rs->r[best].name;
		}
	}
out:
	free(cause_of);
	free(causes);
	free(contrib);
	return ret;
}

/* --- stacks, sorting, assembling ----------------------------------------------------- */

static int stack_rows(struct acc *a, struct rows *rs)
{
	size_t s;
	int ret;

	for (s = 1; s < a->stacks.len && (s + 1) * a->nruns <= a->sv.len; s++) {
		int64_t name = strtab__intern(&a->d->names, strtab__str(&a->stacks, (uint32_t)s),
					      strtab__strlen(&a->stacks, (uint32_t)s));

		if (name < 0)
			return (int)name;
		if ((ret = add_row(rs)))
			return ret;
		rs->r[rs->len - 1].name = (uint32_t)name;
		rs->r[rs->len - 1].scope = DIFF_STACK;
		fill_row(a, &rs->r[rs->len - 1], &rs->x[rs->len - 1], a->sv.data + s * a->nruns);
	}
	return 0;
}

static int verdict_rank(enum diff_verdict v)
{
	switch (v) {
	case DIFF_REGRESSION:
		return 0;
	case DIFF_IMPROVEMENT:
		return 1;
	case DIFF_SHIFT:
		return 2;
	case DIFF_EXPLAINED:
		return 3;
	default:
		return 4;
	}
}

static int cmp_rows(const void *pa, const void *pb, void *ctx)
{
	const struct diff *d = ctx;
	const struct diff_row *a = pa, *b = pb;
	double da = fabs(a->delta_pp), db = fabs(b->delta_pp);

	if (verdict_rank(a->verdict) != verdict_rank(b->verdict))
		return verdict_rank(a->verdict) - verdict_rank(b->verdict);
	if (da != db)
		return da > db ? -1 : 1;
	if (a->scope != b->scope)
		return (int)a->scope - (int)b->scope;
	return strcmp(strtab__str(&d->names, a->name), strtab__str(&d->names, b->name));
}

/*
 * The largest tested function has the smallest relative minimum detectable change: if even it
 * could not have shown a change of opts.detect_pct, an "ok" vouches for nothing that size.
 */
static void judge_power(struct diff *d)
{
	size_t i;

	d->power_row = SIZE_MAX;
	for (i = 0; i < d->nrows; i++) {
		const struct diff_row *r = &d->rows[i];

		if (r->scope != DIFF_SELF || isnan(r->mdc_rel_pct))
			continue;
		if (d->power_row == SIZE_MAX || r->base_share > d->rows[d->power_row].base_share)
			d->power_row = i;
	}
	d->weak =
		!diff__regressed(d) && (d->power_row == SIZE_MAX ||
					!(d->rows[d->power_row].mdc_rel_pct <= d->opts.detect_pct));
}

static void add_quality(struct profile_quality *q, const struct profile_quality *src)
{
	q->lost = q->lost + src->lost < q->lost ? UINT64_MAX : q->lost + src->lost;
	q->truncated = q->truncated + src->truncated < q->truncated ? UINT64_MAX
								    : q->truncated + src->truncated;
	q->unknown_frames = q->unknown_frames + src->unknown_frames < q->unknown_frames
				    ? UINT64_MAX
				    : q->unknown_frames + src->unknown_frames;
	q->bad_lines = q->bad_lines + src->bad_lines < q->bad_lines ? UINT64_MAX
								    : q->bad_lines + src->bad_lines;
}

static int merge_side(struct diff *d, const struct run *runs, size_t nruns, bool head,
		      struct flame_err *err)
{
	struct profile **dst = head ? &d->head : &d->base;
	size_t i;
	int ret;

	if (!(*dst = profile__new()))
		return flame_err__set(err, ENOMEM, "out of memory");
	for (i = 0; i < nruns; i++) {
		if (runs[i].head != head)
			continue;
		if ((ret = profile__merge(*dst, runs[i].p, err)))
			return ret;
		add_quality(head ? &d->head_quality : &d->base_quality, &runs[i].p->quality);
		if (head) {
			d->head_samples += (double)runs[i].total * runs[i].count_scale;
			d->head_total = sat_add(d->head_total, runs[i].total);
			d->head_seconds += runs[i].seconds;
		} else {
			d->base_samples += (double)runs[i].total * runs[i].count_scale;
			d->base_total = sat_add(d->base_total, runs[i].total);
			d->base_seconds += runs[i].seconds;
		}
	}
	return 0;
}

static int check_opts(const struct diff_opts *o, struct flame_err *err)
{
	if (!(o->fdr > 0 && o->fdr <= 1))
		return flame_err__set(err, EINVAL, "the false discovery rate must be in (0, 1]");
	if (!(o->min_delta_pp >= 0) || !(o->min_rel_pct >= 0) || isinf(o->min_delta_pp))
		return flame_err__set(err, EINVAL, "the effect floors must be numbers >= 0");
	if (o->min_count < 0)
		return flame_err__set(err, EINVAL, "the minimum sample count must be >= 0");
	if (!(o->dispersion >= 0) || isinf(o->dispersion))
		return flame_err__set(err, EINVAL,
				      "the dispersion must be a number >= 1 (or 0: estimate it)");
	if (!(o->detect_pct > 0) || isinf(o->detect_pct))
		return flame_err__set(err, EINVAL,
				      "the change to detect must be a number > 0 (%%)");
	if (diff_norm__name(o->norm)[0] == '?')
		return flame_err__set(err, EINVAL, "unknown normalization");
	return 0;
}

static int analyse(struct acc *a, struct rows *rs)
{
	struct diff *d = a->d;
	bool several = count_runs(a, false) >= 2 && count_runs(a, true) >= 2;
	size_t *idx;
	double phi;
	int ret;
	if ((ret = set_exposures(a)) || (ret = function_rows(a, rs)))
		return ret;
	if (!several && d->norm != DIFF_NORM_RATE && a->nruns == 2)
		one_run_reference(a, rs);
	row_statistics(a, rs);
	phi = estimate_dispersion(a, rs);
	d->dispersion = phi;
	d->test = several		      ? "pooled z (overdispersed) gated by Mann-Whitney U"
		  : d->norm == DIFF_NORM_RATE ? "Poisson rate z (overdispersed)"
					      : "two-proportion z (overdispersed)";
	if ((ret = test_rows(a, rs, phi, several)))
		return ret;
	merge_edges(a);
	if (!(idx = index_rows(rs, d->names.len)))
		return -ENOMEM;
	find_shifts(a, rs, idx, phi);
	ret = find_explained(a, rs, idx);
	free(idx);
	if (!ret)
		ret = stack_rows(a, rs);
	return ret;
}

static void release_acc(struct acc *a)
{
	size_t i;

	for (i = 0; a->runs && i < a->nruns; i++) {
		tree__free(a->runs[i].t);
		free(a->runs[i].node_name);
	}
	free(a->runs);
	vec_free(&a->fv);
	vec_free(&a->sv);
	vec_free(&a->edges);
	vec_free(&a->onpath);
	vec_free(&a->irq);
	vec_free(&a->walk);
	vec_free(&a->path);
	strtab_release(&a->stacks);
}

static int compute(struct acc *a, struct profile *const *base, size_t nbase,
		   struct profile *const *head, size_t nhead, struct flame_err *err)
{
	struct diff *d = a->d;
	struct rows rs = {0};
	const char *type;
	size_t i;
	int ret = 0;

	a->nruns = nbase + nhead;
	if (!(a->runs = calloc(a->nruns, sizeof(*a->runs))) || strtab_init(&a->stacks))
		return flame_err__set(err, ENOMEM, "out of memory");
	for (i = 0; i < a->nruns; i++) {
		a->runs[i].p = i < nbase ? base[i] : head[i - nbase];
		a->runs[i].head = i >= nbase;
		a->runs[i].number = i < nbase ? i + 1 : i - nbase + 1;
		if (!a->runs[i].p)
			return flame_err__set(err, EINVAL, "%s run %zu is missing",
					      side_name(&a->runs[i]), a->runs[i].number);
	}
	if (d->opts.sample_type) {
		type = d->opts.sample_type;
	} else {
		int vi = profile__default_sample_type(base[0]);

		if (vi < 0)
			return flame_err__set(err, EINVAL, "base run 1 has no sample types");
		type = profile__str(base[0], base[0]->sample_types.data[vi].type);
	}
	if ((ret = find_type(&a->runs[0], type, err)))
		return ret;
	for (i = 0; i < a->nruns && !ret; i++)
		ret = prepare_run(&a->runs[i], &a->runs[0], type, &d->opts, err);
	if (ret)
		return ret;
	if (!(d->sample_type = strdup(type_of(&a->runs[0]))) ||
	    !(d->unit = strdup(unit_of(&a->runs[0]))))
		return flame_err__set(err, ENOMEM, "out of memory");
	set_norms(a, d->norm);
	for (i = 0; i < a->nruns && !ret; i++)
		ret = walk_run(a, i);
	if (!ret)
		ret = analyse(a, &rs);
	if (!ret) {
		if (rs.len)
			qsort_r(rs.r, rs.len, sizeof(*rs.r), cmp_rows, d);
		d->rows = rs.r;
		d->nrows = rs.len;
		rs.r = NULL;
		for (i = 0; i < d->nrows; i++) {
			d->nregressions += d->rows[i].verdict == DIFF_REGRESSION;
			d->nimprovements += d->rows[i].verdict == DIFF_IMPROVEMENT;
			d->nshifts += d->rows[i].verdict == DIFF_SHIFT;
		}
		judge_power(d);
	}
	free(rs.r);
	free(rs.x);
	if (ret && !err->msg[0])
		flame_err__set(err, -ret, "cannot compare the profiles: %s", strerror(-ret));
	if (!ret)
		ret = merge_side(d, a->runs, a->nruns, false, err);
	if (!ret)
		ret = merge_side(d, a->runs, a->nruns, true, err);
	return ret;
}

int diff__compute(struct profile *const *base, size_t nbase, struct profile *const *head,
		  size_t nhead, const struct diff_opts *opts, struct diff **out,
		  struct flame_err *err)
{
	struct flame_err local = {{0}};
	struct acc a = {0};
	struct diff *d;
	int ret;

	if (!err)
		err = &local;
	err->msg[0] = '\0';
	*out = NULL;
	if (!base || !head || !nbase || !nhead)
		return flame_err__set(err, EINVAL, "diff needs at least one base and one head run");
	if ((ret = check_opts(opts, err)))
		return ret;
	if (!(d = calloc(1, sizeof(*d))) || strtab_init(&d->names)) {
		free(d);
		return flame_err__set(err, ENOMEM, "out of memory");
	}
	d->opts = *opts;
	d->norm = opts->norm;
	d->nbase_runs = nbase;
	d->nhead_runs = nhead;
	d->dispersion = NAN;
	d->power_row = SIZE_MAX;
	d->test = "";
	a.d = d;
	ret = compute(&a, base, nbase, head, nhead, err);
	release_acc(&a);
	if (ret) {
		diff__free(d);
		return ret;
	}
	*out = d;
	return 0;
}

void diff__free(struct diff *d)
{
	if (!d)
		return;
	strtab_release(&d->names);
	free(d->rows);
	free(d->sample_type);
	free(d->unit);
	profile__free(d->base);
	profile__free(d->head);
	free(d);
}
