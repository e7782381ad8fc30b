/* SPDX-License-Identifier: MIT */
/*
 * The summary of a pause recording, per runtime and kind (-t pause): number of pauses,
 * total, p50/p90/p99/max, pauses per second and the share of wall time spent paused. Pure
 * computation on the pauses user space kept; nothing here prints.
 */
#ifndef SINGE_CLI_PAUSE_STATS_H
#define SINGE_CLI_PAUSE_STATS_H

#include <stddef.h>
#include <stdint.h>

struct pause_rec {
	uint32_t kind;	   /* the label value: runtime and reason (record_pause.c) */
	uint32_t cycle;	   /* Go GC cycle, 0 for none */
	uint32_t tgid;	   /* the process that paused */
	uint64_t start_ns; /* CLOCK_MONOTONIC */
	uint64_t dur_ns;
	int64_t collected; /* CPython: objects the collection freed; < 0 unknown */
};

struct pause_summary {
	uint32_t kind;
	size_t count;
	uint64_t total_ns, p50_ns, p90_ns, p99_ns, max_ns;
	double per_second;
	double wall_share; /* total / wall time, 0..1 (more with several processes) */
	int64_t collected; /* the sum of the known collected counts, -1 when none is known */
};

/*
 * One summary per distinct kind of recs (n of them; sorted in place by kind then duration),
 * in kind order, into out (max of them): the number of kinds, or -ENOMEM. wall_ns: the
 * recording's length (0: rates left at 0). Percentiles are nearest-rank.
 */
int pause_stats__summarize(struct pause_rec *recs, size_t n, uint64_t wall_ns,
			   struct pause_summary *out, size_t max);

/* The nearest-rank percentile pct (0 < pct <= 100) of sorted durations d[n], n > 0. */
uint64_t pause_stats__percentile(const uint64_t *d, size_t n, unsigned int pct);

#endif /* SINGE_CLI_PAUSE_STATS_H */
