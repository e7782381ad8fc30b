// SPDX-License-Identifier: MIT
/*
 * The RET instructions of a Go function, from its pcsp table (see go_ret.h for why that is
 * enough without decoding instructions).
 */
#include <errno.h>
#include <stdbool.h>

#include "go_ret.h"
#include "sym_gopclntab.h"
#include "uprobe.h"

#define X86_RET 0xc3
#define X86_NOP 0x90 /* the inline marks Go puts between an epilogue and its RET */

/* Functions longer than this are not searched (the runtime's largest is ~20 KiB). */
#define GO_RET_MAX_FUNC (1U << 20)

int go_ret__find(const void *image, size_t len, const struct gopclntab *t, uint64_t vaddr,
		 uint64_t size, uint64_t *offsets, int max)
{
	const uint8_t *bytes = image;
	uint64_t base, i;
	int32_t prev, delta;
	bool in_epilogue = false;
	int n = 0;

	if (!size || size > GO_RET_MAX_FUNC)
		return -EINVAL;
	/* the function lies in one segment: its first and last byte must both be in the file */
	if (uprobe__vaddr_to_offset(image, len, vaddr, &base) ||
	    uprobe__vaddr_to_offset(image, len, vaddr + size - 1, &i) || i != base + size - 1 ||
	    base + size > len)
		return -ENOENT;
	prev = gopclntab__sp_delta(t, vaddr);
	for (i = 1; i < size; i++) {
		delta = gopclntab__sp_delta(t, vaddr + i);
		/* a run of delta 0 begins right after framed code: the epilogue has just ended */
		if (delta == 0 && prev > 0)
			in_epilogue = true;
		else if (delta != 0)
			in_epilogue = false;
		if (in_epilogue && bytes[base + i] == X86_RET) {
			if (n < max)
				offsets[n] = base + i;
			n++;
			in_epilogue = false;
		} else if (in_epilogue && bytes[base + i] != X86_NOP) {
			in_epilogue = false; /* not a return: a call or jump after the frame */
		}
		prev = delta;
	}
	return n;
}
