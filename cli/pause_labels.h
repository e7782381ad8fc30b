/* SPDX-License-Identifier: MIT */
/*
 * The labels of a pause sample (-t pause): runtime ("go", "python", "jvm"), reason (Go's
 * stwReason, "gc generation N", the JVM's safepoint kind), gc_generation (CPython, a number)
 * and gc_cycle (Go, a number), all from the 32-bit label value a sample carries:
 *
 *   cycle << 10 | runtime << 8 | reason
 *
 * The kind (runtime and reason, the low 10 bits) is what the summary groups by. bpf/pause.bpf.c
 * builds CPython's stack-copy labels as runtime << 8 | generation: the same layout, no cycle.
 * Pure naming; nothing here touches BPF.
 */
#ifndef SINGE_CLI_PAUSE_LABELS_H
#define SINGE_CLI_PAUSE_LABELS_H

#include <stddef.h>
#include <stdint.h>

struct source_label;

#define PAUSE_LABEL_CYCLE_SHIFT 10
/* Cycles past this (4 million GC cycles in one recording) are left without a gc_cycle. */
#define PAUSE_LABEL_MAX_CYCLE ((1U << (32 - PAUSE_LABEL_CYCLE_SHIFT)) - 1)
#define PAUSE_LABEL_KIND_MASK ((1U << PAUSE_LABEL_CYCLE_SHIFT) - 1)
/* Labels a pause sample has at most: runtime, reason, gc_generation or gc_cycle. */
#define PAUSE_LABELS_MAX 3

/* The label value of a pause of runtime (enum pause_runtime) for reason, in GC cycle (0: none). */
uint32_t pause_label(unsigned int runtime, unsigned int reason, uint32_t cycle);
/* The kind of a label value: runtime and reason, without the cycle. */
static inline uint32_t pause_label_kind(uint32_t value)
{
	return value & PAUSE_LABEL_KIND_MASK;
}
static inline uint32_t pause_label_cycle(uint32_t value)
{
	return value >> PAUSE_LABEL_CYCLE_SHIFT;
}
static inline unsigned int pause_label_reason(uint32_t value)
{
	return value & 0xff;
}
/* "go", "python", "jvm", or NULL for a value of no runtime. */
const char *pause_label_runtime(uint32_t value);
/* The reason's name ("GC mark termination", "gc generation 2", "safepoint, young GC"). */
const char *pause_label_reason_str(uint32_t value, char *buf, size_t size);
/* Both, as the summary names a kind: "go: GC mark termination"; NULL for no runtime. */
const char *pause_label_str(uint32_t value, char *buf, size_t size);
/*
 * The labels of value into out (PAUSE_LABELS_MAX of them; strings in buf, size bytes, which
 * must outlive out): their number, or -EINVAL for a value of no runtime.
 */
int pause_labels(uint32_t value, struct source_label *out, char *buf, size_t size);

#endif /* SINGE_CLI_PAUSE_LABELS_H */
