/* SPDX-License-Identifier: MIT */
/*
 * The goroutine type's bookkeeping in user space (cli/record_goroutine.c), apart from BPF so
 * that it is unit-tested: the parks in progress, keyed by (process, runtime.g), each with the
 * stack-table row its delay goes to and when it began; and the label values of (goid, wait
 * reason) pairs, which the profile shows as the goid and wait_reason labels.
 */
#ifndef SINGE_CLI_GO_PARKS_H
#define SINGE_CLI_GO_PARKS_H

#include <stddef.h>
#include <stdint.h>

struct go_park {
	uint32_t tgid;
	uint64_t g;
	int64_t row;	   /* the stack-table row of the park's stack */
	uint64_t start_ns; /* CLOCK_MONOTONIC */
};

/* A hash table of pairs of 64-bit keys (linear probing, backward-shift deletion). */
struct go_pair_slot {
	uint64_t a, b;
	uint64_t v1, v2;
	int used;
};

struct go_pair_map {
	struct go_pair_slot *slots;
	size_t cap, len; /* cap: 0 or a power of two */
};

void go_pair_map__free(struct go_pair_map *m);
/* The slot of (a, b), or NULL. Valid until the next insertion or deletion. */
struct go_pair_slot *go_pair_map__find(const struct go_pair_map *m, uint64_t a, uint64_t b);
/* The slot of (a, b), added with zero values when absent (*added set); NULL on -ENOMEM. */
struct go_pair_slot *go_pair_map__get(struct go_pair_map *m, uint64_t a, uint64_t b, int *added);
/* Delete the slot (from find or get). */
void go_pair_map__delete(struct go_pair_map *m, struct go_pair_slot *slot);

/*
 * A park began: remember it (a park of the same goroutine still open is replaced: its wake
 * was lost). 0 or -ENOMEM.
 */
int go_parks__start(struct go_pair_map *parks, const struct go_park *p);
/*
 * The goroutine (tgid, g) runs again at end_ns: its park's row and delay (0 when the clock
 * went backwards), and the park is forgotten. 0, or -ENOENT when no park of it was seen.
 */
int go_parks__end(struct go_pair_map *parks, uint32_t tgid, uint64_t g, uint64_t end_ns,
		  int64_t *row, uint64_t *delay_ns);

/*
 * Label values of (goid, wait reason id) pairs: 1, 2, 3... in order of first sight, and the
 * pair of a value. 0 is "no label".
 */
struct go_labels {
	struct go_pair_map index; /* (goid, reason) -> value */
	struct {
		uint64_t goid;
		uint32_t reason;
	} * pairs;
	size_t len, cap;
};

/* The value of (goid, reason), added when new; 0 on -ENOMEM or when values run out. */
uint32_t go_labels__value(struct go_labels *l, uint64_t goid, uint32_t reason);
/* The pair of value: 0, or -ENOENT when no pair has it. */
int go_labels__pair(const struct go_labels *l, uint32_t value, uint64_t *goid, uint32_t *reason);
void go_labels__free(struct go_labels *l);

#endif /* SINGE_CLI_GO_PARKS_H */
