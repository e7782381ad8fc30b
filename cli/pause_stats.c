// SPDX-License-Identifier: MIT
/* The per-kind summary of a pause recording (see pause_stats.h). */
#include <errno.h>
#include <stdlib.h>

#include "pause_stats.h"

static int by_kind_then_duration(const void *a, const void *b)
{
	const struct pause_rec *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->dur_ns != y->dur_ns)
		return x->dur_ns < y->dur_ns ? -1 : 1;
	return 0;
}

uint64_t pause_stats__percentile(const uint64_t *d, size_t n, unsigned int pct)
{
	/* nearest rank: the smallest value with at least pct% of the values at or below it */
	size_t rank = ((size_t)pct * n + 99) / 100;

	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return d[rank - 1];
}

static int summarize_run(const struct pause_rec *recs, size_t n, uint64_t wall_ns,
			 struct pause_summary *out)
{
	uint64_t *d = malloc(n * sizeof(*d));
	size_t i;

	if (!d)
		return -ENOMEM;
	*out = (struct pause_summary){.kind = recs[0].kind, .count = n, .collected = -1};
	for (i = 0; i < n; i++) {
		d[i] = recs[i].dur_ns;
		out->total_ns += d[i];
		if (recs[i].collected >= 0)
			out->collected =
				(out->collected < 0 ? 0 : out->collected) + recs[i].collected;
	}
	out->p50_ns = pause_stats__percentile(d, n, 50);
	out->p90_ns = pause_stats__percentile(d, n, 90);
	out->p99_ns = pause_stats__percentile(d, n, 99);
	out->max_ns = d[n - 1];
	if (wall_ns) {
		out->per_second = n * 1e9 / wall_ns;
		out->wall_share = (double)out->total_ns / wall_ns;
	}
	free(d);
	return 0;
}

int pause_stats__summarize(struct pause_rec *recs, size_t n, uint64_t wall_ns,
			   struct pause_summary *out, size_t max)
{
	size_t i = 0, j, nout = 0;
	int ret;

	if (!n)
		return 0;
	qsort(recs, n, sizeof(*recs), by_kind_then_duration);
	while (i < n && nout < max) {
		for (j = i; j < n && recs[j].kind == recs[i].kind; j++)
			;
		if ((ret = summarize_run(recs + i, j - i, wall_ns, &out[nout])))
			return ret;
		nout++;
		i = j;
	}
	return (int)nout;
}
