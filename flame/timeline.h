/* SPDX-License-Identifier: MIT */
/*
 * The pause timeline (singe record -t pause --timeline FILE.svg): a standalone SVG of the
 * pauses a recording saw, on a time axis.
 *
 *  - Marks: one per pause, at its start (x = time since the recording started); its width is
 *    its duration on the time axis (at least 1.5 px, so a 20 us pause in a minute is still
 *    seen), its height its duration on a log scale; coloured by runtime and reason.
 *  - GC cycles: a strip under the marks with one bar per Go GC cycle, from the start of its
 *    first pause (sweep termination) to the end of its last (mark termination).
 *  - A latency heatmap: columns are seconds (several seconds each past 300 columns), rows
 *    log-spaced duration buckets (1-2-5 per decade), the colour the number of pauses; as
 *    teams draw P99 heatmaps of request latencies.
 *  - Hover: every mark, cycle and cell has a <title> (runtime, reason, start, duration, GC
 *    cycle or generation, pid); an inline script shows it in the details line too.
 *
 * Same rules as the flame graph (reference/flamegraphs.md §8): every string from the target
 * (runtime, reason) or the options is sanitized and escaped (escape.h), nothing external is
 * loaded, the script is inline and holds no data. The output is bounded: at most max_marks
 * marks are drawn, the longest pauses (the subtitle says so); the heatmap counts every pause.
 * Deterministic: the same pauses give the same bytes.
 */
#ifndef SINGE_FLAME_TIMELINE_H
#define SINGE_FLAME_TIMELINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Marks drawn at most by default (about 250 bytes each). */
#define TIMELINE_MAX_MARKS 10000
/* Heatmap columns at most: past this, a column is several seconds. */
#define TIMELINE_MAX_COLUMNS 300

struct timeline_pause {
	uint64_t start_ns;   /* since the recording started */
	uint64_t dur_ns;     /* how long the pause lasted */
	const char *runtime; /* "go", "python", "jvm" */
	const char *reason;  /* "GC mark termination", "gc generation 0", "safepoint, young GC" */
	uint32_t pid;
	uint32_t gc_cycle; /* Go: the GC cycle since the recording started; 0: none */
	int gc_generation; /* CPython: the generation collected; < 0: none */
};

struct timeline_opts {
	const char *title;    /* NULL: "Runtime pauses" */
	const char *subtitle; /* NULL: the pauses' count, total, p99 and max */
	uint64_t span_ns;     /* the recording's length; 0 (or less): to the last pause's end */
	size_t max_marks;     /* 0: TIMELINE_MAX_MARKS */
	int width;	      /* px; <= 0: 1200 */
};

void timeline_opts__init(struct timeline_opts *o);

/*
 * Write the timeline of the n pauses p (any order) to out. No pause: a valid SVG that says
 * "No pauses recorded". 0, -ENOMEM, or -EIO when writing failed.
 */
int timeline__write(FILE *out, const struct timeline_pause *p, size_t n,
		    const struct timeline_opts *o);

/* Heatmap row of a duration: the 1-2-5 bucket holding it (0: under 100 ns). */
unsigned int timeline__bucket(uint64_t dur_ns);
/* The lower bound of bucket b, in ns. */
uint64_t timeline__bucket_floor(unsigned int b);

#endif /* SINGE_FLAME_TIMELINE_H */
