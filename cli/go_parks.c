// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>

#include "go_parks.h"

static size_t pair_hash(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL + (a << 6));

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return (size_t)(h ^ (h >> 32));
}

void go_pair_map__free(struct go_pair_map *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->len = 0;
}

struct go_pair_slot *go_pair_map__find(const struct go_pair_map *m, uint64_t a, uint64_t b)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = pair_hash(a, b) & (m->cap - 1); m->slots[i].used; i = (i + 1) & (m->cap - 1))
		if (m->slots[i].a == a && m->slots[i].b == b)
			return &m->slots[i];
	return NULL;
}

/* Room for one more at a load of at most 1/2. 0 or -ENOMEM. */
static int grow(struct go_pair_map *m)
{
	struct go_pair_map bigger;
	size_t i, j;

	if ((m->len + 1) * 2 <= m->cap)
		return 0;
	bigger.cap = m->cap ? m->cap * 2 : 64;
	bigger.len = m->len;
	bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
	if (!bigger.slots)
		return -ENOMEM;
	for (i = 0; i < m->cap; i++) {
		if (!m->slots[i].used)
			continue;
		j = pair_hash(m->slots[i].a, m->slots[i].b) & (bigger.cap - 1);
		while (bigger.slots[j].used)
			j = (j + 1) & (bigger.cap - 1);
		bigger.slots[j] = m->slots[i];
	}
	free(m->slots);
	*m = bigger;
	return 0;
}

struct go_pair_slot *go_pair_map__get(struct go_pair_map *m, uint64_t a, uint64_t b, int *added)
{
	struct go_pair_slot *s = go_pair_map__find(m, a, b);
	size_t i;

	*added = 0;
	if (s)
		return s;
	if (grow(m))
		return NULL;
	for (i = pair_hash(a, b) & (m->cap - 1); m->slots[i].used; i = (i + 1) & (m->cap - 1))
		;
	m->slots[i] = (struct go_pair_slot){.a = a, .b = b, .used = 1};
	m->len++;
	*added = 1;
	return &m->slots[i];
}

void go_pair_map__delete(struct go_pair_map *m, struct go_pair_slot *slot)
{
	size_t mask = m->cap - 1, hole = (size_t)(slot - m->slots), i = hole, home;

	/* move later members of the probe run back into the hole, so that finds still reach them */
	for (;;) {
		i = (i + 1) & mask;
		if (!m->slots[i].used)
			break;
		home = pair_hash(m->slots[i].a, m->slots[i].b) & mask;
		/* it may move to the hole only if its home is not in (hole, i] (cyclically) */
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			m->slots[hole] = m->slots[i];
			hole = i;
		}
	}
	m->slots[hole].used = 0;
	m->len--;
}

int go_parks__start(struct go_pair_map *parks, const struct go_park *p)
{
	int added;
	struct go_pair_slot *s = go_pair_map__get(parks, p->tgid, p->g, &added);

	if (!s)
		return -ENOMEM;
	s->v1 = (uint64_t)p->row;
	s->v2 = p->start_ns;
	return 0;
}

int go_parks__end(struct go_pair_map *parks, uint32_t tgid, uint64_t g, uint64_t end_ns,
		  int64_t *row, uint64_t *delay_ns)
{
	struct go_pair_slot *s = go_pair_map__find(parks, tgid, g);

	if (!s)
		return -ENOENT;
	*row = (int64_t)s->v1;
	*delay_ns = end_ns > s->v2 ? end_ns - s->v2 : 0;
	go_pair_map__delete(parks, s);
	return 0;
}

uint32_t go_labels__value(struct go_labels *l, uint64_t goid, uint32_t reason)
{
	int added;
	struct go_pair_slot *s;

	if (l->len >= UINT32_MAX - 1)
		return 0;
	s = go_pair_map__get(&l->index, goid, reason, &added);
	if (!s)
		return 0;
	if (!added)
		return (uint32_t)s->v1;
	if (l->len == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		void *grown = realloc(l->pairs, cap * sizeof(*l->pairs));

		if (!grown) {
			go_pair_map__delete(&l->index, s);
			return 0;
		}
		l->pairs = grown;
		l->cap = cap;
	}
	l->pairs[l->len].goid = goid;
	l->pairs[l->len].reason = reason;
	s->v1 = ++l->len;
	return (uint32_t)s->v1;
}

int go_labels__pair(const struct go_labels *l, uint32_t value, uint64_t *goid, uint32_t *reason)
{
	if (!value || value > l->len)
		return -ENOENT;
	*goid = l->pairs[value - 1].goid;
	*reason = l->pairs[value - 1].reason;
	return 0;
}

void go_labels__free(struct go_labels *l)
{
	go_pair_map__free(&l->index);
	free(l->pairs);
	l->pairs = NULL;
	l->len = l->cap = 0;
}
