// SPDX-License-Identifier: MIT
/*
 * Sampled allocations in user space: weights, live blocks, leaks (cli/alloc_blocks.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_blocks.h"

double alloc__scale(uint64_t size, uint64_t rate)
{
	double p;

	if (!size)
		return 0;
	if (!rate)
		return 1; /* every allocation sampled */
	/* -expm1(-x) is 1 - exp(-x) without losing the digits of a tiny x */
	p = -expm1(-(double)size / (double)rate);
	return p > 0 ? 1 / p : 1;
}

void alloc__values(uint64_t size, uint64_t rate, int64_t *objects, int64_t *bytes)
{
	double scale = alloc__scale(size, rate);

	*objects = llround(scale);
	*bytes = llround(scale * (double)size);
}

void alloc_blocks__free(struct alloc_blocks *b)
{
	go_pair_map__free(&b->index);
	free(b->v);
	memset(b, 0, sizeof(*b));
}

int alloc_blocks__add(struct alloc_blocks *b, const struct alloc_block *blk)
{
	struct go_pair_slot *slot;
	int added = 0;

	if (b->len == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 256;
		struct alloc_block *v = realloc(b->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		b->v = v;
		b->cap = cap;
	}
	slot = go_pair_map__get(&b->index, blk->tgid, blk->addr, &added);
	if (!slot)
		return -ENOMEM;
	if (!added) {
		/* its free was not seen (a full ring): the new block takes its place */
		b->v[slot->v1] = *blk;
		return 0;
	}
	slot->v1 = b->len;
	b->v[b->len++] = *blk;
	return 0;
}

/* Remove the block at position i: the last one moves into its place. */
static void remove_at(struct alloc_blocks *b, size_t i)
{
	struct go_pair_slot *slot = go_pair_map__find(&b->index, b->v[i].tgid, b->v[i].addr);

	if (slot)
		go_pair_map__delete(&b->index, slot);
	if (i != --b->len) {
		b->v[i] = b->v[b->len];
		slot = go_pair_map__find(&b->index, b->v[i].tgid, b->v[i].addr);
		if (slot)
			slot->v1 = i;
	}
}

int alloc_blocks__remove(struct alloc_blocks *b, uint32_t tgid, uint64_t addr,
			 struct alloc_block *out)
{
	struct go_pair_slot *slot = go_pair_map__find(&b->index, tgid, addr);

	if (!slot)
		return -ENOENT;
	if (out)
		*out = b->v[slot->v1];
	remove_at(b, slot->v1);
	return 0;
}

const struct alloc_block *alloc_blocks__find(const struct alloc_blocks *b, uint32_t tgid,
					     uint64_t addr)
{
	struct go_pair_slot *slot = go_pair_map__find(&b->index, tgid, addr);

	return slot ? &b->v[slot->v1] : NULL;
}

size_t alloc_blocks__forget(struct alloc_blocks *b, uint32_t tgid)
{
	size_t i = 0, n = 0;

	while (i < b->len) {
		if (b->v[i].tgid == tgid) {
			remove_at(b, i);
			n++;
		} else {
			i++;
		}
	}
	return n;
}

static int by_row(const void *a, const void *b)
{
	const struct alloc_block *x = a, *y = b;

	return (x->row > y->row) - (x->row < y->row);
}

static int oldest_first(const void *a, const void *b)
{
	const struct alloc_leak *x = a, *y = b;

	if (x->oldest_ns != y->oldest_ns)
		return x->oldest_ns < y->oldest_ns ? -1 : 1;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return (x->row > y->row) - (x->row < y->row);
}

ssize_t alloc_blocks__leaks(const struct alloc_blocks *b, uint64_t rate, struct alloc_leak **out)
{
	struct alloc_block *sorted;
	struct alloc_leak *leaks;
	size_t i, n = 0;

	*out = NULL;
	if (!b->len)
		return 0;
	sorted = malloc(b->len * sizeof(*sorted));
	leaks = malloc(b->len * sizeof(*leaks));
	if (!sorted || !leaks) {
		free(sorted);
		free(leaks);
		return -ENOMEM;
	}
	memcpy(sorted, b->v, b->len * sizeof(*sorted));
	qsort(sorted, b->len, sizeof(*sorted), by_row);
	for (i = 0; i < b->len; i++) {
		const struct alloc_block *blk = &sorted[i];
		struct alloc_leak *l = n ? &leaks[n - 1] : NULL;
		int64_t objects, bytes;

		if (!l || l->row != blk->row) {
			l = &leaks[n++];
			*l = (struct alloc_leak){
				.row = blk->row, .tgid = blk->tgid, .oldest_ns = blk->time_ns};
		}
		alloc__values(blk->size, rate, &objects, &bytes);
		l->blocks++;
		l->objects += objects;
		l->bytes += bytes;
		if (blk->time_ns < l->oldest_ns)
			l->oldest_ns = blk->time_ns;
	}
	free(sorted);
	qsort(leaks, n, sizeof(*leaks), oldest_first);
	*out = leaks;
	return (ssize_t)n;
}
