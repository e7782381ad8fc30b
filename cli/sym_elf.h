/* SPDX-License-Identifier: MIT */
/*
 * ELF files as symbol sources: .symtab/.dynsym symbols (libelf), DWARF file:line and
 * inlined frames (libdw), Go .gopclntab, and the separate debug files that Debian-style
 * distributions ship (found by build-id or .gnu_debuglink).
 *
 * An elf_file keeps a private mapping of the whole file, so it stays usable after the file
 * is unlinked or the process that mapped it exits. Symbol tables and DWARF indexes are
 * built lazily, on the first lookup that needs them. All addresses given to and returned
 * by an elf_file are ELF virtual addresses (st_value, DW_AT_low_pc): translate a file offset
 * with elf_file__offset_to_vaddr() first.
 *
 * An elf_cache owns elf_files and shares them between processes: by device+inode (no I/O
 * at all for a file already seen) and by build-id (the same library through two paths).
 *
 * Nothing here prints. Hostile files are normal input: every table read is bounds-checked.
 */
#ifndef SINGE_CLI_SYM_ELF_H
#define SINGE_CLI_SYM_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elf_file;
struct elf_cache;

/* One frame of a lookup; the strings are owned by the elf_file and live as long as it. */
struct sym_frame {
	const char *function; /* raw (possibly mangled) name, NULL when unknown */
	const char *file;     /* source file, NULL when unknown */
	int line;	      /* 0 when unknown */
	int column;	      /* 0 when unknown */
	int decl_line;	      /* the function's own first line (DW_AT_decl_line), 0 if unknown */
};

enum sym_lookup_flags {
	SYM_NO_INLINES = 1 << 0, /* one frame: the real function, with its line at the call */
	SYM_NO_LINES = 1 << 1,	 /* names only: no file:line */
};

/* What an elf_file can tell, for the pprof mapping's has_* flags. */
enum elf_caps {
	ELF_CAP_SYMBOLS = 1 << 0, /* .symtab or .dynsym (here or in the debug file) */
	ELF_CAP_DWARF = 1 << 1,	  /* .debug_info with lines (here or in the debug file) */
	ELF_CAP_GO = 1 << 2,	  /* .gopclntab that sym_gopclntab could read */
};

/* Most frames one address expands to; deeper inline chains keep their innermost frames. */
#define SYM_MAX_FRAMES 64

/*
 * Open the ELF file behind fd (the fd is not kept: the file is mapped privately). NULL and
 * errno: ENOEXEC if it is not ELF, ENOMEM, or the mmap/fstat error.
 */
struct elf_file *elf_file__open_fd(int fd);
/* Open an ELF image held in memory (copied, so the caller may free it). NULL and errno. */
struct elf_file *elf_file__open_memory(const void *image, size_t len);
/* Release f and its debug file; NULL is fine. */
void elf_file__free(struct elf_file *f);

/* The GNU build-id as lowercase hex, "" when there is none. Owned by f. */
const char *elf_file__build_id(const struct elf_file *f);
/* The .gnu_debuglink file name (and its CRC32 in *crc), or NULL. Owned by f. */
const char *elf_file__debuglink(const struct elf_file *f, uint32_t *crc);
/* ELF_CAP_* flags; looks at the debug file too. */
unsigned int elf_file__caps(struct elf_file *f);

/*
 * The virtual address of a file offset, through the PT_LOAD segment holding that offset
 * (this is what makes PIE, shared libraries and p_vaddr != p_offset work). 0 or -ENOENT.
 */
int elf_file__offset_to_vaddr(const struct elf_file *f, uint64_t offset, uint64_t *vaddr);

/*
 * Use debug as f's separate debug file (f takes ownership, also on failure). 0, or -EINVAL
 * when both have build-ids and they differ (debug is then freed).
 */
int elf_file__set_debug(struct elf_file *f, struct elf_file *debug);
/*
 * Look for f's debug file when f has no DWARF: first by build-id in each debug directory
 * (DIR/.build-id/ab/cdef….debug), then by .gnu_debuglink next to the binary (root + the
 * directory of path, its .debug/ subdirectory) and under each debug directory. path is the
 * file's path as its process sees it; root reaches that process's file system ("" or
 * "/proc/PID/root"); debug_dirs is a colon-separated list searched before /usr/lib/debug
 * (NULL: only /usr/lib/debug). 0 when a debug file was attached (or none is needed), -ENOENT
 * when none was found.
 */
int elf_file__find_debug(struct elf_file *f, const char *path, const char *root,
			 const char *debug_dirs);

/*
 * Symbolize one virtual address: fills up to max frames, innermost (inlined) first, the
 * last being the function the code belongs to. Go binaries use .gopclntab; others DWARF
 * when present, else the symbol tables. The number of frames, 0 when nothing covers vaddr,
 * or a negative errno (-ENOMEM).
 */
int elf_file__lookup(struct elf_file *f, uint64_t vaddr, unsigned int flags,
		     struct sym_frame *frames, int max);

/*
 * Go binaries: the stack pointer's distance below its value at the function's entry at
 * vaddr (gopclntab__sp_delta), or -ENOENT when the file is not Go or vaddr is in no function.
 */
int elf_file__go_sp_delta(struct elf_file *f, uint64_t vaddr);

/* Number of function symbols and the i-th one (sorted by address); -ENOENT past the end. */
size_t elf_file__symbol_count(struct elf_file *f);
int elf_file__symbol(struct elf_file *f, size_t i, uint64_t *addr, uint64_t *size,
		     const char **name);
/* The address of the function symbol named name; 0 or -ENOENT. A linear search. */
int elf_file__find_symbol(struct elf_file *f, const char *name, uint64_t *addr);

/*
 * Demangle a symbol for display: C++ (_Z…, through libstdc++'s __cxa_demangle loaded at run
 * time, so the C build does not link C++) and Rust legacy (_ZN…17h<hash>E, the hash
 * dropped). A malloc'ed string, or NULL and errno: EINVAL when name is not mangled or does
 * not demangle, ENOTSUP for Rust v0 (_R…) names and when libstdc++ is not available.
 */
char *symbol__demangle(const char *name);

/* The cache: new/free; debug_dirs as for elf_file__find_debug (copied). NULL and errno. */
struct elf_cache *elf_cache__new(const char *debug_dirs);
void elf_cache__free(struct elf_cache *c);
/* The file already opened for this device and inode, or NULL. */
struct elf_file *elf_cache__find_inode(struct elf_cache *c, uint64_t dev, uint64_t ino);
/*
 * Open the file behind fd (not kept), find its debug file (see elf_file__find_debug for
 * path and root), and share it by build-id with a file already in the cache. The returned
 * file is owned by the cache. NULL and errno as elf_file__open_fd.
 */
struct elf_file *elf_cache__add(struct elf_cache *c, int fd, uint64_t dev, uint64_t ino,
				const char *path, const char *root);
/* How many distinct files the cache holds. */
size_t elf_cache__count(const struct elf_cache *c);

#endif /* SINGE_CLI_SYM_ELF_H */
