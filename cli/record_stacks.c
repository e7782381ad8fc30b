// SPDX-License-Identifier: MIT
/*
 * The stack table (record_stacks.h): entries in one array, their addresses, values and
 * location ids in three flat arrays beside it, and a hash index over the identities.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "profile.h"
#include "record_stacks.h"

struct stack_entry {
	size_t addr_start; /* in t->addrs: kernel addresses, then user addresses */
	size_t loc_start;  /* in t->locs, once symbolized */
	uint32_t nlocs;
	uint32_t tgid, tid;
	uint32_t exec_gen;
	uint32_t label;
	uint32_t above;
	uint16_t nkern, nuser;
	uint16_t source;
	bool symbolized;
};

struct stack_table {
	unsigned int nvalues;
	VEC(struct stack_entry) entries;
	VEC(uint64_t) addrs;
	VEC(int64_t) values; /* nvalues per entry */
	VEC(uint64_t) locs;
	struct idset index;
};

struct stack_table *stack_table__new(unsigned int nvalues)
{
	struct stack_table *t;

	if (!nvalues) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->nvalues = nvalues;
	return t;
}

void stack_table__free(struct stack_table *t)
{
	if (!t)
		return;
	vec_free(&t->entries);
	vec_free(&t->addrs);
	vec_free(&t->values);
	vec_free(&t->locs);
	idset_release(&t->index);
	free(t);
}

static uint64_t key_hash(const struct stack_key *k)
{
	uint64_t h = hash_mix(hash_mix(k->tgid, k->tid),
			      (uint64_t)k->exec_gen << 32 | (uint64_t)k->nkern << 16 | k->nuser);

	h = hash_mix(h, (uint64_t)k->source << 32 | k->label);
	h = hash_mix(h, k->above);

	/* a stack with no frame (both walks failed) may come without an address array */
	return k->nkern + k->nuser
		       ? hash_bytes(k->addrs, (k->nkern + k->nuser) * sizeof(uint64_t), h)
		       : h;
}

static bool key_eq(uint32_t idx, const void *key, void *ctx)
{
	const struct stack_table *t = ctx;
	const struct stack_entry *e = &t->entries.data[idx];
	const struct stack_key *k = key;

	return e->tgid == k->tgid && e->tid == k->tid && e->exec_gen == k->exec_gen &&
	       e->source == k->source && e->label == k->label && e->above == k->above &&
	       e->nkern == k->nkern && e->nuser == k->nuser &&
	       (!(k->nkern + k->nuser) || !memcmp(t->addrs.data + e->addr_start, k->addrs,
						  (k->nkern + k->nuser) * sizeof(uint64_t)));
}

static int64_t find(const struct stack_table *t, const struct stack_key *key, uint64_t h)
{
	return idset__find(&t->index, h, key, key_eq, (void *)t);
}

int64_t stack_table__find(const struct stack_table *t, const struct stack_key *key)
{
	int64_t idx = find(t, key, key_hash(key));

	return idx < 0 ? -ENOENT : idx;
}

static int64_t insert(struct stack_table *t, const struct stack_key *key, uint64_t h)
{
	size_t n = (size_t)key->nkern + key->nuser;
	struct stack_entry e = {
		.addr_start = t->addrs.len,
		.tgid = key->tgid,
		.tid = key->tid,
		.exec_gen = key->exec_gen,
		.label = key->label,
		.above = key->above,
		.source = key->source,
		.nkern = key->nkern,
		.nuser = key->nuser,
	};

	if (t->entries.len >= UINT32_MAX || vec_reserve(&t->addrs, n) ||
	    vec_reserve(&t->values, t->nvalues) || vec_reserve(&t->entries, 1) ||
	    idset__insert(&t->index, h, (uint32_t)t->entries.len))
		return -ENOMEM;
	if (n)
		memcpy(t->addrs.data + t->addrs.len, key->addrs, n * sizeof(uint64_t));
	t->addrs.len += n;
	memset(t->values.data + t->values.len, 0, t->nvalues * sizeof(int64_t));
	t->values.len += t->nvalues;
	t->entries.data[t->entries.len] = e;
	return (int64_t)t->entries.len++;
}

int64_t stack_table__add(struct stack_table *t, const struct stack_key *key, const int64_t *values,
			 bool *is_new)
{
	uint64_t h = key_hash(key);
	int64_t idx = find(t, key, h);
	int64_t *sum;
	unsigned int i;

	if (is_new)
		*is_new = idx < 0;
	if (idx < 0 && (idx = insert(t, key, h)) < 0)
		return idx;
	sum = t->values.data + (size_t)idx * t->nvalues;
	for (i = 0; i < t->nvalues; i++)
		sum[i] += values[i];
	return idx;
}

int stack_table__add_values(struct stack_table *t, size_t i, const int64_t *values)
{
	int64_t *sum = t->values.data + i * t->nvalues;
	unsigned int j;

	for (j = 0; j < t->nvalues; j++)
		sum[j] += values[j];
	return 0;
}

size_t stack_table__len(const struct stack_table *t)
{
	return t->entries.len;
}

struct stack_key stack_table__key(const struct stack_table *t, size_t i)
{
	const struct stack_entry *e = &t->entries.data[i];

	return (struct stack_key){
		.tgid = e->tgid,
		.tid = e->tid,
		.exec_gen = e->exec_gen,
		.source = e->source,
		.label = e->label,
		.above = e->above,
		.nkern = e->nkern,
		.nuser = e->nuser,
		.addrs = e->nkern + e->nuser ? t->addrs.data + e->addr_start : NULL,
	};
}

const int64_t *stack_table__values(const struct stack_table *t, size_t i)
{
	return t->values.data + i * t->nvalues;
}

int stack_table__set_locations(struct stack_table *t, size_t i, const uint64_t *ids, uint32_t n)
{
	struct stack_entry *e = &t->entries.data[i];

	if (vec_reserve(&t->locs, n))
		return -ENOMEM;
	e->loc_start = t->locs.len;
	e->nlocs = n;
	if (n)
		memcpy(t->locs.data + t->locs.len, ids, n * sizeof(uint64_t));
	t->locs.len += n;
	e->symbolized = true;
	return 0;
}

bool stack_table__symbolized(const struct stack_table *t, size_t i)
{
	return t->entries.data[i].symbolized;
}

const uint64_t *stack_table__locations(const struct stack_table *t, size_t i, uint32_t *n)
{
	const struct stack_entry *e = &t->entries.data[i];

	*n = e->nlocs;
	return e->nlocs ? t->locs.data + e->loc_start : NULL;
}
