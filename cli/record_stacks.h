/* SPDX-License-Identifier: MIT */
/*
 * The recording engine's stack table: every distinct stack a recording has seen, with the
 * values its samples added up to. A stack's identity is its thread (tgid, tid), the exec
 * generation of its process (which image the addresses belong to), the profile type that
 * recorded it and that type's label value (offcpu's thread state...), and its addresses, kernel
 * frames first (leaf first), then user frames (leaf first). Its values are a vector whose
 * length the table is created with: the columns of every type recorded (cpu's samples and
 * nanoseconds, then another type's), each stack filling its own type's.
 *
 * The table owns copies of the addresses, so a stack outlives the kernel map it was read from:
 * a drain may clear the BPF stack maps as soon as it has added their stacks here. Once a stack
 * is symbolized, its location ids (in the profile being built) are kept beside it.
 *
 *   t = stack_table__new(nvalues);
 *   i = stack_table__add(t, &key, values, &is_new);   per sample or drained count
 *   stack_table__set_locations(t, i, ids, n);          once symbolized
 *   stack_table__free(t);
 *
 * A stack may carry another above it (stack_key.above): a row of its own, symbolized against
 * its own process, spliced on top when the profile is built.
 *
 * Nothing here reads the kernel, symbolizes or prints: it is unit-tested on its own.
 */
#ifndef SINGE_CLI_RECORD_STACKS_H
#define SINGE_CLI_RECORD_STACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct stack_table;

/* A stack as it arrives: addrs holds nkern kernel addresses, then nuser user addresses. */
struct stack_key {
	uint32_t tgid, tid;
	uint32_t exec_gen;
	uint16_t source; /* the profile type's index in the recording */
	uint32_t label;	 /* the type's own label value, 0 for none */
	uint16_t nkern, nuser;
	/*
	 * 1 + the row of another stack drawn above this one, upside down over a separator
	 * frame (offcpu's waker, whose process may be another), 0 for none; part of the identity
	 */
	uint32_t above;
	const uint64_t *addrs;
};

/* NULL and errno (EINVAL for 0 values, ENOMEM). */
struct stack_table *stack_table__new(unsigned int nvalues);
/* NULL is fine. */
void stack_table__free(struct stack_table *t);

/*
 * Add values[nvalues] to the stack of key, creating it (with copies of its addresses) when it
 * is new; *is_new says which (may be NULL). The stack's index, or -ENOMEM.
 */
int64_t stack_table__add(struct stack_table *t, const struct stack_key *key, const int64_t *values,
			 bool *is_new);
/* Add values[nvalues] to stack i (which exists). 0. */
int stack_table__add_values(struct stack_table *t, size_t i, const int64_t *values);
/* The index of key's stack, or -ENOENT. */
int64_t stack_table__find(const struct stack_table *t, const struct stack_key *key);

size_t stack_table__len(const struct stack_table *t);
/* Stack i's identity; its addrs point into the table (valid until the next add). */
struct stack_key stack_table__key(const struct stack_table *t, size_t i);
/* Stack i's values (nvalues of them). */
const int64_t *stack_table__values(const struct stack_table *t, size_t i);

/* Keep the n location ids stack i was symbolized to; 0 or -ENOMEM. */
int stack_table__set_locations(struct stack_table *t, size_t i, const uint64_t *ids, uint32_t n);
/* Whether stack i has its location ids, and them (*n of them). */
bool stack_table__symbolized(const struct stack_table *t, size_t i);
const uint64_t *stack_table__locations(const struct stack_table *t, size_t i, uint32_t *n);

#endif /* SINGE_CLI_RECORD_STACKS_H */
