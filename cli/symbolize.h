/* SPDX-License-Identifier: MIT */
/*
 * The symbolizer: turns raw addresses captured by the BPF programs into profile locations
 * (mapping + function + file:line, with inlined frames), interned into one struct profile.
 *
 * Lifecycle, as the record loop uses it:
 *   s = symbolizer__new(profile, &opts);
 *   symbolizer__add_pid(s, pid);          when a process is first seen (attach, fork, exec):
 *                                         snapshots /proc/PID/maps and opens the mapped files
 *                                         while the process lives, so it can exit early
 *   id = symbolizer__user_location(s, pid, addr, is_leaf);   per frame
 *   id = symbolizer__kernel_location(s, addr);               per kernel frame
 *   symbolizer__free(s);
 *
 * Sources: ELF .symtab/.dynsym, DWARF lines and inlines (libdw), debug files found by
 * build-id (/usr/lib/debug/.build-id/xx/yyyy.debug) or .gnu_debuglink, Go .gopclntab (for
 * stripped Go binaries too), /proc/kallsyms, /tmp/perf-PID.map (through /proc/PID/root),
 * /proc/PID/map_files for deleted or replaced binaries. Per-file results are cached by
 * build-id (or by device+inode when there is none), so repeated work is cheap.
 *
 * Frames that cannot be symbolized keep their module and offset as the function name
 * ("libfoo.so+0x1234"), or "[unknown]" when not even the module is known; they are counted
 * in stats.unknown_frames.
 *
 * Profile mappings: one per (address range, file) a process maps, shared by processes that
 * map the same file at the same range; the main executable of the first process added gets
 * mapping 1. The has_* flags are set once a frame of the mapping was symbolized, so pprof
 * does not try again. Anonymous executable memory is JIT_MAPPING_NAME ("[jit]"), the vDSO
 * "[vdso]" (symbolized from the image the kernel maps), the kernel KERNEL_MAPPING_NAME.
 * Function.name is the demangled name, Function.system_name the raw one.
 *
 * Nothing here prints: what went wrong shows in the stats.
 */
#ifndef SINGE_CLI_SYMBOLIZE_H
#define SINGE_CLI_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct profile;
struct symbolizer;

struct symbolizer_opts {
	bool no_inlines;	/* one frame per address, no DWARF/pclntab inline expansion */
	bool no_file_lines;	/* function names only (faster) */
	const char *debug_dirs; /* colon-separated extra debug dirs; NULL = /usr/lib/debug */
};

struct symbolizer_stats {
	uint64_t frames;	 /* addresses resolved (cache hits included) */
	uint64_t unknown_frames; /* addresses left as module+offset or [unknown] */
	uint64_t maps_refreshes; /* /proc/PID/maps re-read because an address fell outside */
	uint64_t files_opened;	 /* distinct ELF files opened (shared by inode and build-id) */
	uint64_t pids;
	uint64_t pids_inherited; /* forked children given their parent's snapshot */
	uint64_t files_failed;	 /* executable mappings whose file could not be opened */
	uint64_t kernel_frames;	 /* kernel addresses resolved (cache hits excluded) */
	uint64_t jit_frames;	 /* addresses named by a /tmp/perf-PID.map (cache hits excluded) */
	int kallsyms_error;	 /* 0, or why kernel frames stay [unknown]: -EACCES when
				  * kptr_restrict hides the addresses, -ENOENT… */
};

/* NULL and errno on failure. The profile is borrowed and must outlive the symbolizer. */
struct symbolizer *symbolizer__new(struct profile *p, const struct symbolizer_opts *opts);
void symbolizer__free(struct symbolizer *s);

/*
 * Snapshot pid's mappings and open their files; 0, -ESRCH if the process is gone, -EACCES
 * if its maps are not readable (another user's process without CAP_SYS_PTRACE), -ENOMEM.
 * Adding a pid already known does nothing.
 */
int symbolizer__add_pid(struct symbolizer *s, pid_t pid);
/*
 * Read pid's mappings again for the same image (libraries mapped since the snapshot). The new
 * snapshot replaces the old one only when it could be taken: a process that has exited keeps
 * what it had. 0, -ESRCH (gone) or -ENOMEM.
 */
int symbolizer__refresh_pid(struct symbolizer *s, pid_t pid);
/*
 * Make maps (copied) pid's snapshot, as symbolizer__add_pid() or refresh_pid() would have
 * read it: for a caller that reads a process's maps once for several users. exe is the path of
 * its executable ("" or NULL: read from /proc). 0 or -ENOMEM.
 */
struct procmaps;
int symbolizer__set_maps(struct symbolizer *s, pid_t pid, const struct procmaps *maps,
			 const char *exe);
/*
 * When an address falls outside pid's snapshot, ask fn to give new maps (through
 * symbolizer__set_maps) instead of reading /proc/PID/maps: the recording's process table,
 * which also knows the mappings of processes already gone. fn returns 0 or -ENOMEM.
 */
void symbolizer__set_refresher(struct symbolizer *s, int (*fn)(void *ctx, pid_t pid), void *ctx);
/*
 * Give pid (a forked child gone before its maps could be read, that never exec'd) a copy of
 * parent's snapshot: a child runs its parent's image until it execs. 0 (also when pid has a
 * snapshot of its own), -ESRCH (no snapshot of parent) or -ENOMEM.
 */
int symbolizer__inherit_pid(struct symbolizer *s, pid_t pid, pid_t parent);
/* Forget a pid's mappings (it exec'd); the next add_pid takes a new snapshot. */
void symbolizer__forget_pid(struct symbolizer *s, pid_t pid);

/*
 * The address a frame is looked up at: a return address (every frame but the leaf) one byte
 * earlier, inside its call, so that a call at the very end of a function is charged to that
 * function and not to the next one.
 */
static inline uint64_t frame_lookup_addr(uint64_t addr, bool is_leaf)
{
	return is_leaf || !addr ? addr : addr - 1;
}

/*
 * The location id (in the profile) for a user-space address of pid. is_leaf is true for the
 * first (innermost) frame of a stack: other frames are return addresses and are looked up at
 * addr - 1, so that the call instruction, not the next line, is reported; the location's
 * address is the one looked up (addr - 1 for those frames), as pprof asks of producers.
 * A pid never added is added on the spot. Never fails for lack of symbols (unknown frames
 * still get a location); a negative errno only for -ENOMEM.
 */
int64_t symbolizer__user_location(struct symbolizer *s, pid_t pid, uint64_t addr, bool is_leaf);

/*
 * Read pid's perf map again now, while it lives (a JVM just wrote it: Compiler.perfmap): the
 * frames symbolized from now on use it, also once the process has exited. 0, -ESRCH (pid
 * never added), -ENOENT (no map), -ENOMEM.
 */
int symbolizer__load_perfmap(struct symbolizer *s, pid_t pid);

/* Is addr in pid's anonymous executable memory (JIT code, a JVM's interpreter and stubs)? */
bool symbolizer__is_jit(struct symbolizer *s, pid_t pid, uint64_t addr);

/* The frame name of JVM code the template interpreter runs (perf map "Interpreter"). */
#define JVM_INTERPRETED_NAME "[interpreted]"
/*
 * The frame name for a HotSpot perf map symbol: "long com.example.Foo.bar(int)" gives
 * "com.example.Foo.bar" (into buf), "Interpreter" JVM_INTERPRETED_NAME, others as they are.
 */
const char *symbolizer__jvm_frame_name(const char *name, char *buf, size_t size);

/*
 * For a pc of pid in Go code: how far the stack pointer is below its value at the function's
 * entry (0: the return address is at the stack pointer, as in a frameless leaf). -ENOENT when
 * the pc is not in Go code that the symbolizer knows, -ENOMEM.
 */
int symbolizer__go_sp_delta(struct symbolizer *s, pid_t pid, uint64_t pc);
/*
 * The location id for a kernel address (symbol from /proc/kallsyms, "[kernel.kallsyms]").
 * The address is looked up and stored as given. /proc/kallsyms is read on the first call.
 */
/*
 * A location for a frame named outside any binary (a Python function): name, file (may be
 * NULL), the function's first line and the frame's line (0: unknown). Its id, or -errno.
 */
int64_t symbolizer__named_location(struct symbolizer *s, const char *name, const char *file,
				   int start_line, int line);
int64_t symbolizer__kernel_location(struct symbolizer *s, uint64_t addr);

const struct symbolizer_stats *symbolizer__stats(const struct symbolizer *s);

#endif /* SINGE_CLI_SYMBOLIZE_H */
