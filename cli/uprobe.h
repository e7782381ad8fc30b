/* SPDX-License-Identifier: MIT */
/*
 * Where to put a uprobe: a function of a binary found by name, as a file offset (what the
 * kernel's uprobes are attached at), in the binary's .symtab or .dynsym, or for a stripped Go
 * binary in its .gopclntab, which Go keeps even under -ldflags='-s -w'.
 *
 * Hostile files are normal input: every read of the image is bounds-checked. Nothing here
 * prints.
 */
#ifndef SINGE_CLI_UPROBE_H
#define SINGE_CLI_UPROBE_H

#include <stddef.h>
#include <stdint.h>

enum uprobe_source {
	UPROBE_SYMTAB = 1, /* .symtab or .dynsym */
	UPROBE_GOPCLNTAB,  /* Go's function table */
};

struct uprobe_func {
	uint64_t vaddr;	 /* its link-time address */
	uint64_t offset; /* its file offset: where a uprobe at its entry is attached */
	uint64_t size;	 /* its length in bytes, 0 when the table does not say */
	enum uprobe_source source;
};

/*
 * Find function name in an ELF image in memory (the whole file, len bytes). 0; -ENOENT
 * when no table names it or its address is in no loaded segment; -ENOEXEC when the image is
 * not a 64-bit ELF; -ENOMEM.
 */
int uprobe__find_in(const void *image, size_t len, const char *name, struct uprobe_func *out);
/* The same for the file at path (mapped, then unmapped). Also -errno of open/mmap. */
int uprobe__find(const char *path, const char *name, struct uprobe_func *out);

/* A defined, initialized data object (STT_OBJECT) of the symbol tables, as uprobe__find_in. */
int uprobe__find_object_in(const void *image, size_t len, const char *name,
			   struct uprobe_func *out);

/* The file offset of a virtual address of the image; 0 or -ENOENT. */
int uprobe__vaddr_to_offset(const void *image, size_t len, uint64_t vaddr, uint64_t *offset);

#endif /* SINGE_CLI_UPROBE_H */
