/* SPDX-License-Identifier: MIT */
/*
 * Hashing and an open-addressing set of indexes. The set stores only small integers
 * (indexes into an array the caller owns); lookups compare through a callback, so one
 * structure serves strings, functions, locations and tree nodes alike.
 */
#ifndef SINGE_FLAME_HASH_H
#define SINGE_FLAME_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A fast, non-cryptographic 64-bit hash of n bytes. */
uint64_t hash_bytes(const void *data, size_t n, uint64_t seed);

/* Mix one 64-bit word into h. */
static inline uint64_t hash_mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdULL;
	return h ^ (h >> 32);
}

struct idset_slot {
	uint32_t idx1; /* index + 1; 0 = empty */
	uint32_t hash; /* low 32 bits of the key's hash, to rehash and to skip most compares */
};

struct idset {
	struct idset_slot *slots;
	size_t cap; /* a power of two, or 0 */
	size_t len;
};

/* Does the element at idx equal key? */
typedef bool (*idset_eq_fn)(uint32_t idx, const void *key, void *ctx);

/* The index stored for key, or -ENOENT. */
int64_t idset__find(const struct idset *set, uint64_t hash, const void *key, idset_eq_fn eq,
		    void *ctx);
/* Store idx under hash (the caller checked it is absent); 0 or -ENOMEM. */
int idset__insert(struct idset *set, uint64_t hash, uint32_t idx);
/* Make room for n elements without rehashing; 0 or -ENOMEM. */
int idset__reserve(struct idset *set, size_t n);
void idset_release(struct idset *set);

#endif /* SINGE_FLAME_HASH_H */
