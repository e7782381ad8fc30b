/* SPDX-License-Identifier: MIT */
/*
 * Go symbolization from the runtime's own tables (.gopclntab), which Go keeps even in
 * binaries built with -ldflags='-s -w' (no .symtab, no DWARF).
 *
 * Handled: pclntab magics 0xfffffffa (Go 1.16-1.17), 0xfffffff0 (1.18-1.19) and 0xfffffff1
 * (1.20+), 64-bit little-endian ELF. Functions, files and lines come from the pc-value tables;
 * inlined calls from the inline tree (_FUNCDATA_InlTree + _PCDATA_InlTreeIndex). In Go 1.18+
 * the inline trees sit in go.func.*, found through runtime.firstmoduledata, itself found by
 * scanning the data sections for a pointer to the pclntab; when that fails the lookups still
 * return one frame: the physical function with the innermost file:line (what Go 1.19's
 * `go tool addr2line` prints).
 *
 * The table keeps its own copy of the bytes it needs, so the ELF image may be unmapped after
 * gopclntab__load. Lookups do not modify the table: one table can be shared by threads.
 */
#ifndef SINGE_CLI_SYM_GOPCLNTAB_H
#define SINGE_CLI_SYM_GOPCLNTAB_H

#include <stddef.h>
#include <stdint.h>

struct gopclntab;

struct go_frame {
	const char *function; /* e.g. "main.hotLoop"; "?" if the name is unreadable; owned by t */
	const char *file;     /* e.g. "/src/examples/go/cpu/main.go"; "" if unknown; owned by t */
	int line;	      /* 0 if unknown */
};

/*
 * Parse the Go symbol tables of an ELF image held in memory (the whole file, len bytes).
 * NULL and errno: ENOENT (not a Go binary / no .gopclntab), EINVAL (malformed), ENOTSUP
 * (pclntab version or ELF class not handled), ENOMEM.
 */
struct gopclntab *gopclntab__load(const void *elf_image, size_t len);
void gopclntab__free(struct gopclntab *t);

/*
 * The frames at pc (an ELF virtual address, as in the file: subtract the load bias of a PIE
 * first), innermost inlined callee first, the real function last. Each frame's file:line is
 * where execution is in that function. Returns the number written (at most max; when the
 * inline chain is deeper, the outermost frames are dropped), 0 when pc is in no function.
 */
int gopclntab__lookup(const struct gopclntab *t, uint64_t pc, struct go_frame *frames, int max);

/* Entry address of the function containing pc, or 0. */
uint64_t gopclntab__func_entry(const struct gopclntab *t, uint64_t pc);

/*
 * How many bytes the stack pointer at pc is below its value at the function's entry (Go's
 * pcsp table): 0 at the entry and all through a frameless function, where the return
 * address is at the stack pointer. -1 when pc is in no function or the table is unreadable.
 */
int32_t gopclntab__sp_delta(const struct gopclntab *t, uint64_t pc);

/*
 * The code range [*entry, *end) of the function named name (e.g. "runtime.allgadd"), for
 * stripped binaries, where .gopclntab is the only symbol table. A linear search. 0, -ENOENT
 * when no function has that name, -EINVAL when its range is empty (a corrupt table).
 */
int gopclntab__find_function(const struct gopclntab *t, const char *name, uint64_t *entry,
			     uint64_t *end);

/* Number of functions in the table (for tests and statistics). */
uint64_t gopclntab__nfunc(const struct gopclntab *t);

#endif /* SINGE_CLI_SYM_GOPCLNTAB_H */
