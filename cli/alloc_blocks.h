/* SPDX-License-Identifier: MIT */
/*
 * The alloc type's bookkeeping in user space (cli/record_alloc.c), apart from BPF so that it
 * is unit-tested: how many allocations a sample stands for, the sampled blocks still live
 * keyed by (process, address), and those blocks grouped by stack for --leaks.
 */
#ifndef SINGE_CLI_ALLOC_BLOCKS_H
#define SINGE_CLI_ALLOC_BLOCKS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "go_parks.h"

/*
 * Allocations one sampled allocation of size bytes stands for, with byte-based Poisson
 * sampling of mean rate bytes: it was sampled with probability 1 - exp(-size / rate), so
 * 1 / that (pprof's scaleHeapSample, Go's and tcmalloc's unbiased estimate). 0 for size 0.
 */
double alloc__scale(uint64_t size, uint64_t rate);
/* The estimated objects and bytes of one sample (rounded): scale, and size x scale. */
void alloc__values(uint64_t size, uint64_t rate, int64_t *objects, int64_t *bytes);

struct alloc_block {
	uint32_t tgid;
	uint64_t addr;
	uint64_t size;	  /* bytes asked for */
	int64_t row;	  /* the stack-table row of its allocation */
	uint64_t time_ns; /* CLOCK_MONOTONIC of its allocation */
};

/* Sampled blocks not freed yet: a vector, and an index (tgid, addr) -> position. */
struct alloc_blocks {
	struct go_pair_map index;
	struct alloc_block *v;
	size_t len, cap;
};

/* Add a block (one at the same address of the same process is replaced). 0 or -ENOMEM. */
int alloc_blocks__add(struct alloc_blocks *b, const struct alloc_block *blk);
/* The block at addr of tgid was freed: into *out (may be NULL). 0, or -ENOENT when unknown. */
int alloc_blocks__remove(struct alloc_blocks *b, uint32_t tgid, uint64_t addr,
			 struct alloc_block *out);
/* The live block at (tgid, addr), or NULL. */
const struct alloc_block *alloc_blocks__find(const struct alloc_blocks *b, uint32_t tgid,
					     uint64_t addr);
/* Forget every block of process tgid (it exec'd: a new heap); how many. */
size_t alloc_blocks__forget(struct alloc_blocks *b, uint32_t tgid);
void alloc_blocks__free(struct alloc_blocks *b);

/* Live blocks of one allocation stack (--leaks). */
struct alloc_leak {
	int64_t row;
	uint32_t tgid;
	uint64_t blocks;    /* sampled blocks */
	int64_t objects;    /* estimated objects they stand for */
	int64_t bytes;	    /* and bytes */
	uint64_t oldest_ns; /* allocation time of the oldest */
};

/*
 * The live blocks grouped by stack-table row, oldest first (then more bytes first), into a
 * malloc'ed *out: their number, or -ENOMEM. *out is NULL when there are none.
 */
ssize_t alloc_blocks__leaks(const struct alloc_blocks *b, uint64_t rate, struct alloc_leak **out);

#endif /* SINGE_CLI_ALLOC_BLOCKS_H */
