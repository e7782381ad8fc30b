/* SPDX-License-Identifier: MIT */
/*
 * What a Go binary's runtime looks like from outside: its Go version (from the build info
 * in .go.buildinfo) and the facts needed to read its goroutines from a live process's memory
 * -- offsets of the fields of runtime.g and runtime.m, the address of runtime.allgs and the
 * wait-reason strings.
 *
 * Each fact comes from the best source the file has:
 *   - DWARF (binaries built without -w): struct members and the runtime.waitReason*
 *     constants, so a Go newer than any table below still reads right;
 *   - .symtab (built without -s): runtime.allgs and runtime.allglen;
 *   - else a table keyed by the Go version (1.19 to 1.23; a newer Go uses the newest table
 *     and says so), and runtime.allgs found in the code of runtime.allgadd, which .gopclntab
 *     names even in stripped binaries.
 *
 * runtime.MemProfileRate (the heap profile's sampling rate, which the allocation profile
 * reads from the live process) comes from .symtab, else from the code of
 * runtime.profilealloc, which loads it to draw the next sample.
 *
 * Hostile files are normal input: every read of the image is bounds-checked. Nothing here
 * prints.
 */
#ifndef SINGE_CLI_GO_RUNTIME_H
#define SINGE_CLI_GO_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* More wait reasons than any Go has (1.23 has 38); a DWARF table is cut there. */
#define GO_MAX_WAIT_REASONS 64
#define GO_WAIT_REASON_NAME_MAX 48

/* goroutine states (runtime2.go); _Gscan is or'ed in while the GC scans a stack */
enum go_status {
	GO_STATUS_IDLE = 0,
	GO_STATUS_RUNNABLE = 1,
	GO_STATUS_RUNNING = 2,
	GO_STATUS_SYSCALL = 3,
	GO_STATUS_WAITING = 4,
	GO_STATUS_DEAD = 6,
	GO_STATUS_COPYSTACK = 8,
	GO_STATUS_PREEMPTED = 9,
	GO_STATUS_SCAN = 0x1000,
};

enum go_fact_source {
	GO_SRC_NONE,
	GO_SRC_DWARF,
	GO_SRC_SYMTAB,
	GO_SRC_CODE,  /* found in the machine code of a runtime function */
	GO_SRC_TABLE, /* singe's table for the binary's Go version */
};

/* Byte offsets in runtime.g; sched.* are in its gobuf, stack.* in its stack. */
struct go_g_layout {
	uint32_t stack_lo, stack_hi, m, sched_sp, sched_pc, sched_bp;
	uint32_t atomicstatus, goid, waitsince, waitreason, gopc, startpc;
	uint32_t read_size; /* bytes of a g to read: past the last field above */
};

struct go_m_layout {
	uint32_t procid, curg;
};

struct go_runtime {
	char version[64]; /* "go1.23.5" as the build info has it */
	int major, minor; /* 1, 23; 0, 0 when the version is unreadable */
	struct go_g_layout g;
	struct go_m_layout m;
	uint64_t allgs;	  /* vaddr of the []*g slice header runtime.allgs; 0 if not found */
	uint64_t allglen; /* vaddr of runtime.allglen; 0 if unknown (not needed: allgs has len) */
	uint64_t mem_profile_rate; /* vaddr of runtime.MemProfileRate (an int); 0 if not found */
	int64_t tls_g;	/* offset of the running g's pointer from the thread pointer (fs) */
	bool tls_known; /* tls_g was found in the runtime's code */
	const char *wait_reasons[GO_MAX_WAIT_REASONS];
	unsigned int nwait_reasons;
	enum go_fact_source layout_src, reasons_src, allgs_src, mem_profile_rate_src;
	bool newer_than_tables; /* no table for this version: the newest one stood in */
	bool unchecked_table;	/* the table used was never checked against this version's
				 * binaries (Go 1.20: no toolchain to build one with) */
	bool pie;		/* ET_DYN: addresses move by the load bias */
	uint64_t base_vaddr;	/* vaddr of file offset 0 (first PT_LOAD): a PIE's bias is
				 * where offset 0 is mapped minus this */
	/* names of DWARF wait-reason constants singe does not know (a newer Go) */
	char unknown_names[GO_MAX_WAIT_REASONS][GO_WAIT_REASON_NAME_MAX];
};

/*
 * Read the runtime facts of the Go ELF image (the whole file, len bytes) into rt.
 * 0; -ENOENT not a Go binary (no build info and no .gopclntab); -ENOEXEC not a 64-bit
 * little-endian ELF; -ENOTSUP a Go older than 1.19 without DWARF (no table); -EINVAL
 * malformed; -ENOMEM. rt->allgs may still be 0 (say so: goroutines cannot be listed).
 * rt->wait_reasons may point into rt itself: do not copy a struct go_runtime.
 */
int go_runtime__read(const void *image, size_t len, struct go_runtime *rt);

/*
 * Whether the ELF image looks like a Go binary (a .go.buildinfo or .gopclntab section), from
 * its section headers alone: cheap enough for every program a build starts.
 */
bool go_runtime__is_go(const void *image, size_t len);

/*
 * runtime.allgs found the way stripped binaries need: in the code of runtime.allgadd (for
 * tests, which compare it with .symtab). 0 or -ENOENT.
 */
int go_runtime__allgs_from_code(const void *image, size_t len, uint64_t *addr);

/*
 * runtime.MemProfileRate found the way stripped binaries need: in the code of
 * runtime.profilealloc (for tests, which compare it with .symtab). 0 or -ENOENT.
 */
int go_runtime__mem_profile_rate_from_code(const void *image, size_t len, uint64_t *addr);

/*
 * The Go version string of a build info section's bytes (sec, n bytes): "go1.21.13".
 * 0, -EINVAL when the bytes are not a build info, -ENOTSUP for the pre-1.18 pointer
 * layout (the caller has no address space to follow the pointers in).
 */
int go_buildinfo__version(const uint8_t *sec, size_t n, char *buf, size_t size);

/* Parse "go1.21.13" (or "devel go1.24-abc…") into 1, 21. -EINVAL when it is not a version. */
int go_version__parse(const char *v, int *major, int *minor);

/* The wait reason's string ("chan receive"), "" for 0, NULL when out of the table. */
const char *go_runtime__wait_reason(const struct go_runtime *rt, unsigned int reason);

/* "DWARF", ".symtab", "code", "table" or "none". */
const char *go_fact_source__name(enum go_fact_source s);

/* The newest Go version singe has a table for (minor number): 23. */
int go_runtime__newest_table(void);

#endif /* SINGE_CLI_GO_RUNTIME_H */
