/* SPDX-License-Identifier: MIT */
/*
 * Where a Go function returns: the RET instructions that uprobes stand in for a uretprobe
 * at (a uretprobe rewrites the return address on the goroutine's stack, which Go's stack
 * copying and unwinder do not survive).
 *
 * No instruction decoder: Go's pcsp table says where the stack pointer is at every byte of
 * a function. Go's amd64 epilogue is MOVQ off(SP), BP; ADDQ $frame, SP; [NOPs]; RET: the
 * SP delta drops back to 0 right after the ADDQ, and the RET (0xC3) follows at once or after
 * the one-byte NOPs (0x90) Go leaves there as inline marks. The other runs of delta 0 -- the
 * prologue at the entry, the morestack call at the function's end -- start at the entry or
 * with a CALL/MOV opcode, never with 0xC3 or 0x90 right after framed code. A frameless
 * function (delta 0 throughout) has no epilogue and is reported as having no RET.
 *
 * Hostile files are normal input: every read is bounds-checked. Nothing here prints.
 */
#ifndef SINGE_CLI_GO_RET_H
#define SINGE_CLI_GO_RET_H

#include <stddef.h>
#include <stdint.h>

struct gopclntab;

/*
 * The RETs of the function at link-time address vaddr, size bytes long, in the ELF image
 * (the whole file, len bytes) whose Go tables are t: up to max file offsets in offsets (where
 * uprobes are attached). The number found (may exceed max: only max are written), or
 * -ENOENT when the function's bytes are in no loaded segment, -EINVAL for a size of 0.
 */
int go_ret__find(const void *image, size_t len, const struct gopclntab *t, uint64_t vaddr,
		 uint64_t size, uint64_t *offsets, int max);

#endif /* SINGE_CLI_GO_RET_H */
