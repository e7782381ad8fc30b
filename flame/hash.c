// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

uint64_t hash_bytes(const void *data, size_t n, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL);
	uint64_t w;

	while (n >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 29;
		p += 8;
		n -= 8;
	}
	w = 0;
	memcpy(&w, p, n);
	h = (h ^ w) * 0x94d049bb133111ebULL;
	h ^= h >> 31;
	h *= 0xff51afd7ed558ccdULL;
	return h ^ (h >> 33);
}

int64_t idset__find(const struct idset *set, uint64_t hash, const void *key, idset_eq_fn eq,
		    void *ctx)
{
	uint32_t h32 = (uint32_t)hash;
	size_t mask, i;

	if (!set->cap)
		return -ENOENT;
	mask = set->cap - 1;
	for (i = h32 & mask;; i = (i + 1) & mask) {
		const struct idset_slot *s = &set->slots[i];

		if (!s->idx1)
			return -ENOENT;
		if (s->hash == h32 && eq(s->idx1 - 1, key, ctx))
			return s->idx1 - 1;
	}
}

static void place(struct idset_slot *slots, size_t cap, struct idset_slot slot)
{
	size_t mask = cap - 1, i;

	for (i = slot.hash & mask; slots[i].idx1; i = (i + 1) & mask)
		;
	slots[i] = slot;
}

static int resize(struct idset *set, size_t cap)
{
	struct idset_slot *slots = calloc(cap, sizeof(*slots));
	size_t i;

	if (!slots)
		return -ENOMEM;
	for (i = 0; i < set->cap; i++)
		if (set->slots[i].idx1)
			place(slots, cap, set->slots[i]);
	free(set->slots);
	set->slots = slots;
	set->cap = cap;
	return 0;
}

int idset__reserve(struct idset *set, size_t n)
{
	size_t cap = set->cap ? set->cap : 16;

	/* keep the load factor at or below 1/2: probes stay short even for poor hashes */
	while (cap < 2 * n) {
		if (cap > SIZE_MAX / 4)
			return -ENOMEM;
		cap *= 2;
	}
	return cap == set->cap ? 0 : resize(set, cap);
}

int idset__insert(struct idset *set, uint64_t hash, uint32_t idx)
{
	int err = idset__reserve(set, set->len + 1);

	if (err)
		return err;
	place(set->slots, set->cap, (struct idset_slot){.idx1 = idx + 1, .hash = (uint32_t)hash});
	set->len++;
	return 0;
}

void idset_release(struct idset *set)
{
	free(set->slots);
	memset(set, 0, sizeof(*set));
}
