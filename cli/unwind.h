/* SPDX-License-Identifier: MIT */
/*
 * The user-space stack unwinder of --unwind dwarf: turns the registers and the copy of the top
 * of the user stack that bpf/cpu.bpf.c sends for a sample into the sample's return addresses.
 * Each frame is stepped with what its code has: call-frame information (.eh_frame,
 * .debug_frame) with libdwfl where its module has CFI for it, frame pointers where it has none
 * (Go's text, JIT code, C built with -fno-omit-frame-pointer -fno-asynchronous-unwind-tables),
 * switching back and forth along one stack. Go code is walked by its frame pointers past its
 * first frame: Go's .debug_frame does not follow its stack switches (cgo calls, systemstack).
 *
 *   u = unwinder__new();
 *   unwinder__add_pid(u, pid);            when a process is first seen or exec'd: snapshots
 *                                         /proc/PID/maps (or unwinder__set_maps for a replay)
 *   n = unwinder__unwind(u, pid, tid, &sample, pcs, max, &result);   per sample
 *   unwinder__free(u);
 *
 * One libdwfl session per process, kept between samples: modules, their ELF files and CFI
 * are opened once, and only the registers and stack behind the callbacks change per sample.
 * When a pc falls outside every known module (a library loaded later), the maps are read
 * again, at most once per UNWIND_REFRESH_NS per process.
 *
 * --unwind auto asks unwinder__frame_pointers() whether the binary mapped at an address keeps
 * frame pointers (Go, C built with -fno-omit-frame-pointer) or not (Debian's libc): decided
 * from the binary itself and cached per file.
 *
 * Nothing here prints.
 */
#ifndef SINGE_CLI_UNWIND_H
#define SINGE_CLI_UNWIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct unwinder;

/* DWARF x86-64 register numbers 0..15 (ax dx cx bx si di bp sp r8..r15), then 16: rip. */
#define UNWIND_NR_REGS 17
#define UNWIND_REG_BP 6
#define UNWIND_REG_SP 7
#define UNWIND_REG_IP 16

/* How an unwind ended. The first is success; the others are counted per profile. */
enum unwind_result {
	UNWIND_COMPLETE = 0, /* reached a frame without a caller (_start, clone, thread start) */
	UNWIND_TRUNCATED,    /* needed stack above a copy cut at --stack-size */
	UNWIND_MAX_DEPTH,    /* more frames than asked for */
	UNWIND_NO_PROCESS,   /* no mappings for the process: it exited before it was seen */
	UNWIND_NO_MODULE,    /* a pc outside every executable mapping, or in anonymous (JIT) code
				without a frame pointer to follow */
	UNWIND_NO_CFI,	     /* a pc in a file with no CFI for it, and no frame pointer to follow */
	UNWIND_OUTSIDE_COPY, /* the walk needed memory of this stack outside the copy */
	UNWIND_BAD_REGS,     /* the registers make no sense (pc or sp 0) */
	UNWIND_OTHER,	     /* another libdwfl error (unwinder__last_error says which) */
	/*
	 * the caller's frame is on another stack than the one copied (a Go cgo call runs C on
	 * the thread's system stack, the goroutine's frames are elsewhere; a signal handler on
	 * its alternate stack): memory that was not copied, and the process may be gone
	 */
	UNWIND_OTHER_STACK,
	UNWIND_NR_RESULTS,
};

/* "complete", "truncated", "max-depth", "no-process", "no-module", "no-cfi", "other-stack"... */
const char *unwind_result__name(enum unwind_result r);

/* More user memory copied along with a sample (another stack's top), read as the stack is. */
struct unwind_window {
	uint64_t addr;
	const uint8_t *data;
	size_t len;
};

/* One sample as the BPF program sends it. */
struct unwind_sample {
	uint64_t regs[UNWIND_NR_REGS];
	const uint8_t *stack; /* a copy of the memory from regs[UNWIND_REG_SP] upwards */
	size_t stack_len;
	bool copy_full; /* the copy stopped at its size limit, not at the end of readable memory */
	/* optional: other memory copied at the same time (e.g. a goroutine's stack) */
	const struct unwind_window *windows;
	size_t nwindows;
};

struct unwinder_stats {
	uint64_t samples;		     /* unwinder__unwind calls */
	uint64_t results[UNWIND_NR_RESULTS]; /* how they ended */
	uint64_t frames;		     /* return addresses produced */
	uint64_t fp_frames;		     /* of which found by frame pointer */
	uint64_t switches;		     /* hand-overs between CFI and frame pointers */
	uint64_t unwind_ns;		     /* thread CPU time spent unwinding */
	uint64_t sessions;		     /* libdwfl sessions opened (processes, refreshes) */
	uint64_t elf_reads;		     /* words read from ELF files, outside the copy */
	uint64_t stack_bytes;		     /* bytes of stack received */
};

/* NULL and errno on failure. */
struct unwinder *unwinder__new(void);
/* NULL is fine. */
void unwinder__free(struct unwinder *u);

/*
 * Snapshot pid's /proc/PID/maps for unwinding its samples; 0, -ESRCH (gone), -EACCES,
 * -ENOMEM. A pid already known is left alone.
 */
int unwinder__add_pid(struct unwinder *u, pid_t pid);
/*
 * Use the given maps text ("/proc/PID/maps" format) for pid, replacing what was known: how a
 * saved snapshot is replayed. The files named must exist. 0 or a negative errno.
 */
int unwinder__set_maps(struct unwinder *u, pid_t pid, const char *maps, size_t len);
/*
 * When a pc falls outside pid's modules, ask fn to give new maps (through
 * unwinder__set_maps) instead of reading /proc/PID/maps: the recording's process table, which
 * also knows the mappings of processes already gone. fn returns 0 or a negative errno.
 */
void unwinder__set_refresher(struct unwinder *u, int (*fn)(void *ctx, pid_t pid), void *ctx);
/*
 * Read pid's maps again (the same image, with libraries mapped since); a process that has
 * exited keeps the snapshot it had. 0, -ESRCH, -EACCES, -ENOMEM.
 */
int unwinder__refresh_pid(struct unwinder *u, pid_t pid);
/*
 * Unwind pid (a forked child gone before its maps were read) with a copy of parent's maps.
 * 0, -ESRCH (parent unknown) or -ENOMEM.
 */
int unwinder__inherit_pid(struct unwinder *u, pid_t pid, pid_t parent);
/* Forget pid (it exec'd or exited); the next add_pid takes a new snapshot. */
void unwinder__forget_pid(struct unwinder *u, pid_t pid);

/*
 * Unwind one sample of thread tid of process pid into pcs: the sampled pc first, then return
 * addresses, at most max. The number of addresses (0 when not even the first is usable);
 * *result says how the walk ended. A negative errno only for -ENOMEM.
 */
int unwinder__unwind(struct unwinder *u, pid_t pid, pid_t tid, const struct unwind_sample *s,
		     uint64_t *pcs, int max, enum unwind_result *result);

/*
 * Were pid's maps read again (a pc fell outside them) since the last call? The caller's own
 * snapshot (the symbolizer's) is then stale too.
 */
bool unwinder__take_refreshed(struct unwinder *u, pid_t pid);

/* libdwfl's message for the last UNWIND_OTHER (or other failure), "" if none. */
const char *unwinder__last_error(const struct unwinder *u);

/*
 * The function symbol covering pc in pid, from the ELF symbol tables libdwfl reads (for
 * tests and verbose output; the profile uses cli/symbolize). NULL when unknown.
 */
const char *unwinder__symbol(struct unwinder *u, pid_t pid, uint64_t pc);

/* What --unwind auto decided for a binary. */
enum unwind_fp {
	UNWIND_FP_UNKNOWN = 0, /* not a mapped file (anonymous, JIT), or unreadable */
	UNWIND_FP_KEPT,	       /* frame pointers can be trusted: walk them in the kernel */
	UNWIND_FP_OMITTED,     /* compiled without frame pointers: needs DWARF */
};

/*
 * Does the binary mapped at addr in pid keep frame pointers? *name gets the mapping's file
 * name (basename, owned by u) when not NULL. Cached per file (device and inode).
 */
enum unwind_fp unwinder__frame_pointers(struct unwinder *u, pid_t pid, uint64_t addr,
					const char **name);

/*
 * Decide for one ELF file: Go binaries keep frame pointers; other code does when most of its
 * functions begin with "push %rbp; mov %rsp,%rbp" (after an optional endbr64). Exposed for
 * tests. UNWIND_FP_UNKNOWN when the file is not a readable ELF file with function symbols.
 */
enum unwind_fp unwind__classify_file(const char *path);

const struct unwinder_stats *unwinder__stats(const struct unwinder *u);

#endif /* SINGE_CLI_UNWIND_H */
