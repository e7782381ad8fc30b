// SPDX-License-Identifier: MIT
/*
 * The diff profile: merge head, then base, into one profile, and rewrite the samples that
 * came from base: values negated (and scaled when the run counts differ), one more label.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff_pprof.h"

static int64_t scale_value(int64_t v, size_t num, size_t den)
{
	double x;

	if (num == den)
		return v == INT64_MIN ? INT64_MAX : -v;
	x = -(double)v * (double)num / (double)den;
	if (x >= 9.2e18)
		return INT64_MAX;
	if (x <= -9.2e18)
		return -INT64_MAX;
	return (int64_t)llround(x);
}

/*
 * Samples first_base.. came from base: negate their values and give each one extra label.
 * Their labels are the tail of sample_labels, so the tail is rebuilt in place.
 */
static int mark_base(struct profile *p, size_t first_base, size_t head_runs, size_t base_runs)
{
	size_t i, j, nv = p->sample_types.len, tail, ntail, lbl_start;
	struct label *old = NULL, mark = {0};
	int64_t k, v;

	if (first_base >= p->samples.len)
		return 0;
	if ((k = profile__intern_str(p, DIFF_PPROF_BASE_KEY)) < 0 ||
	    (v = profile__intern_str(p, DIFF_PPROF_BASE_VALUE)) < 0)
		return -ENOMEM;
	mark.key = (uint32_t)k;
	mark.str = (uint32_t)v;
	for (i = first_base * nv; i < p->samples.len * nv; i++)
		p->sample_values.data[i] =
			scale_value(p->sample_values.data[i], head_runs, base_runs);

	tail = p->samples.data[first_base].label_start;
	ntail = p->sample_labels.len - tail;
	if (ntail) {
		old = malloc(ntail * sizeof(*old));
		if (!old)
			return -ENOMEM;
		memcpy(old, p->sample_labels.data + tail, ntail * sizeof(*old));
	}
	p->sample_labels.len = tail;
	if (tail + ntail + (p->samples.len - first_base) > PROFILE_MAX_LABELS) {
		free(old);
		return -E2BIG;
	}
	if (vec_reserve(&p->sample_labels, ntail + (p->samples.len - first_base))) {
		free(old);
		return -ENOMEM;
	}
	for (i = first_base; i < p->samples.len; i++) {
		struct sample *s = &p->samples.data[i];

		if (s->nlabels >= SAMPLE_MAX_LABELS) {
			free(old);
			return -E2BIG;
		}
		lbl_start = s->label_start - tail;
		s->label_start = (uint32_t)p->sample_labels.len;
		for (j = 0; j < s->nlabels; j++)
			p->sample_labels.data[p->sample_labels.len++] = old[lbl_start + j];
		p->sample_labels.data[p->sample_labels.len++] = mark;
		s->nlabels++;
	}
	free(old);
	return 0;
}

int diff_pprof__build(const struct diff *d, struct profile **out, struct flame_err *err)
{
	struct profile *p;
	size_t first_base;
	char note[160];
	int ret;

	*out = NULL;
	if (!d->base || !d->head)
		return flame_err__set(err, EINVAL, "diff pprof: the diff has no merged profiles");
	p = profile__new();
	if (!p)
		return flame_err__set(err, ENOMEM, "out of memory");
	ret = profile__merge(p, d->head, err);
	first_base = p->samples.len;
	if (!ret)
		ret = profile__merge(p, d->base, err);
	if (!ret && (ret = mark_base(p, first_base, d->nhead_runs ? d->nhead_runs : 1,
				     d->nbase_runs ? d->nbase_runs : 1)))
		flame_err__set(err, -ret, "out of memory");
	if (!ret) {
		snprintf(note, sizeof(note),
			 "singe diff: head samples, and base samples negated and labelled "
			 "pprof::base=true (scaled by %zu/%zu runs)",
			 d->nhead_runs, d->nbase_runs);
		/* a diff has the head's duration and quality, not the sum of both sides */
		p->duration_nanos = d->head->duration_nanos;
		p->quality = d->head->quality;
		if (profile__add_comment(p, note))
			ret = flame_err__set(err, ENOMEM, "out of memory");
	}
	if (ret) {
		profile__free(p);
		return ret;
	}
	*out = p;
	return 0;
}
