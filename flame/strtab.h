/* SPDX-License-Identifier: MIT */
/*
 * A string table that interns strings: each distinct string is stored once, NUL-terminated,
 * and has a stable index. Index 0 is always "" (the pprof rule). Pointers returned by
 * strtab__str() stay valid until the next strtab__intern().
 */
#ifndef SINGE_FLAME_STRTAB_H
#define SINGE_FLAME_STRTAB_H

#include <stddef.h>
#include <stdint.h>

#include "hash.h"

struct strtab {
	char *arena; /* all strings, each followed by a NUL */
	size_t arena_len, arena_cap;
	uint64_t *offsets; /* offsets[i] = start of string i in arena */
	uint32_t *lengths; /* lengths[i] = its length without the NUL */
	size_t len, cap;
	struct idset index;
};

/* 0 or -ENOMEM; the table holds "" at index 0 afterwards. */
int strtab_init(struct strtab *t);
void strtab_release(struct strtab *t);
/* The index of s[0..len) (added if new), or -ENOMEM / -E2BIG past 2^32 strings. */
int64_t strtab__intern(struct strtab *t, const char *s, size_t len);
/* The index of s[0..len) if present, else -ENOENT. */
int64_t strtab__find(const struct strtab *t, const char *s, size_t len);
/* Append s[0..len) without looking it up (decoders keep duplicates as the file had them). */
int64_t strtab__append(struct strtab *t, const char *s, size_t len);

static inline const char *strtab__str(const struct strtab *t, uint32_t idx)
{
	return idx < t->len ? t->arena + t->offsets[idx] : "";
}
static inline uint32_t strtab__strlen(const struct strtab *t, uint32_t idx)
{
	return idx < t->len ? t->lengths[idx] : 0;
}

#endif /* SINGE_FLAME_STRTAB_H */
