// SPDX-License-Identifier: MIT
/* The labels of a pause sample (see pause_labels.h). */
#include <errno.h>
#include <linux/types.h>
#include <stdio.h>

#include "pause.h"
#include "pause_labels.h"
#include "source.h"

static const char *const go_reasons[PAUSE_GO_NR_REASONS] = {
	"unknown",
	"GC mark termination",
	"GC sweep termination",
	"write heap dump",
	"goroutine profile",
	"goroutine profile cleanup",
	"all goroutines stack trace",
	"read mem stats",
	"AllThreadsSyscall",
	"GOMAXPROCS",
	"start trace",
	"stop trace",
	"CountPagesInUse (test)",
	"ReadMetricsSlow (test)",
	"ReadMemStatsSlow (test)",
	"PageCachePagesLeaked (test)",
	"ResetDebugLog (test)",
};

uint32_t pause_label(unsigned int runtime, unsigned int reason, uint32_t cycle)
{
	uint32_t kind = (runtime & 0x3) << 8 | (reason & 0xff);

	if (cycle > PAUSE_LABEL_MAX_CYCLE)
		cycle = 0;
	return cycle << PAUSE_LABEL_CYCLE_SHIFT | kind;
}

const char *pause_label_runtime(uint32_t value)
{
	switch (pause_label_kind(value) >> 8) {
	case PAUSE_RT_GO:
		return "go";
	case PAUSE_RT_PYTHON:
		return "python";
	case PAUSE_RT_JVM:
		return "jvm";
	default:
		return NULL;
	}
}

const char *pause_label_reason_str(uint32_t value, char *buf, size_t size)
{
	unsigned int reason = pause_label_reason(value);

	switch (pause_label_kind(value) >> 8) {
	case PAUSE_RT_GO:
		return reason < PAUSE_GO_NR_REASONS ? go_reasons[reason] : "unknown";
	case PAUSE_RT_PYTHON:
		snprintf(buf, size, "gc generation %u", reason);
		return buf;
	case PAUSE_RT_JVM:
		return reason == PAUSE_JVM_FULL_GC    ? "safepoint, full GC"
		       : reason == PAUSE_JVM_YOUNG_GC ? "safepoint, young GC"
						      : "safepoint";
	default:
		return "unknown";
	}
}

const char *pause_label_str(uint32_t value, char *buf, size_t size)
{
	const char *runtime = pause_label_runtime(value);
	char reason[32];

	if (!runtime)
		return NULL;
	snprintf(buf, size, "%s: %s", runtime,
		 pause_label_reason_str(value, reason, sizeof(reason)));
	return buf;
}

int pause_labels(uint32_t value, struct source_label *out, char *buf, size_t size)
{
	const char *runtime = pause_label_runtime(value);
	int n = 0;

	if (!runtime)
		return -EINVAL;
	out[n++] = (struct source_label){.key = "runtime", .str = runtime};
	out[n++] = (struct source_label){.key = "reason",
					 .str = pause_label_reason_str(value, buf, size)};
	if (pause_label_kind(value) >> 8 == PAUSE_RT_PYTHON)
		out[n++] = (struct source_label){.key = "gc_generation",
						 .num = pause_label_reason(value)};
	else if (pause_label_cycle(value))
		out[n++] =
			(struct source_label){.key = "gc_cycle", .num = pause_label_cycle(value)};
	return n;
}
