// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "strtab.h"
#include "vec.h"

struct str_key {
	const char *s;
	size_t len;
};

static bool str_eq(uint32_t idx, const void *key, void *ctx)
{
	const struct strtab *t = ctx;
	const struct str_key *k = key;

	return t->lengths[idx] == k->len && memcmp(t->arena + t->offsets[idx], k->s, k->len) == 0;
}

int strtab_init(struct strtab *t)
{
	memset(t, 0, sizeof(*t));
	return strtab__intern(t, "", 0) < 0 ? -ENOMEM : 0;
}

void strtab_release(struct strtab *t)
{
	free(t->arena);
	free(t->offsets);
	free(t->lengths);
	idset_release(&t->index);
	memset(t, 0, sizeof(*t));
}

int64_t strtab__find(const struct strtab *t, const char *s, size_t len)
{
	struct str_key key = {s, len};

	return idset__find(&t->index, hash_bytes(s, len, 0), &key, str_eq, (void *)t);
}

static int64_t store(struct strtab *t, const char *s, size_t len)
{
	size_t idx = t->len;

	if (idx >= UINT32_MAX || len >= UINT32_MAX)
		return -E2BIG;
	if (idx == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		uint64_t *offsets = realloc(t->offsets, cap * sizeof(*offsets));
		uint32_t *lengths;

		if (!offsets)
			return -ENOMEM;
		t->offsets = offsets;
		lengths = realloc(t->lengths, cap * sizeof(*lengths));
		if (!lengths)
			return -ENOMEM;
		t->lengths = lengths;
		t->cap = cap;
	}
	if (vec_grow((void **)&t->arena, &t->arena_cap, t->arena_len + len + 1, 1))
		return -ENOMEM;
	memcpy(t->arena + t->arena_len, s, len);
	t->arena[t->arena_len + len] = '\0';
	t->offsets[idx] = t->arena_len;
	t->lengths[idx] = (uint32_t)len;
	t->arena_len += len + 1;
	t->len++;
	return (int64_t)idx;
}

int64_t strtab__append(struct strtab *t, const char *s, size_t len)
{
	int64_t idx = store(t, s, len);

	/* the first copy of a string stays the one lookups find */
	if (idx >= 0 && strtab__find(t, s, len) < 0 &&
	    idset__insert(&t->index, hash_bytes(s, len, 0), (uint32_t)idx))
		return -ENOMEM;
	return idx;
}

int64_t strtab__intern(struct strtab *t, const char *s, size_t len)
{
	uint64_t h = hash_bytes(s, len, 0);
	struct str_key key = {s, len};
	int64_t idx = idset__find(&t->index, h, &key, str_eq, t);

	if (idx >= 0)
		return idx;
	idx = store(t, s, len);
	if (idx < 0)
		return idx;
	if (idset__insert(&t->index, h, (uint32_t)idx))
		return -ENOMEM;
	return idx;
}
