/* SPDX-License-Identifier: MIT */
/*
 * Kernel symbols from /proc/kallsyms ("ADDR TYPE NAME [MODULE]"), loaded once, kept sorted
 * by address and searched by binary search. Only text symbols (types t, T, w, W) are kept:
 * data symbols would only get in the way of resolving code addresses.
 *
 * kernel.kptr_restrict hides the addresses from readers without CAP_SYSLOG (they all read
 * as 0); ksyms__load() then fails with EACCES so that callers can say why kernel frames
 * stay unresolved.
 */
#ifndef SINGE_CLI_SYM_KALLSYMS_H
#define SINGE_CLI_SYM_KALLSYMS_H

#include <stddef.h>
#include <stdint.h>

struct ksym {
	uint64_t addr;
	const char *name;   /* owned by the ksyms */
	const char *module; /* "" for the core kernel, else the module name without brackets */
};

struct ksyms {
	struct ksym *syms; /* sorted by address */
	size_t len;
	uint64_t bad_lines;
	char *text; /* the names point here (owned) */
};

/*
 * Parse kallsyms text; NULL and errno: ENOMEM, or EACCES when the input has symbols but
 * every address is 0 (kptr_restrict), ENOENT when it has no text symbol at all.
 */
struct ksyms *ksyms__parse(const char *buf, size_t len);
/* Read and parse /proc/kallsyms; NULL and errno as ksyms__parse, or the open error. */
struct ksyms *ksyms__load(void);
void ksyms__free(struct ksyms *k);

/*
 * The symbol holding addr: the last one starting at or below it. kallsyms has no sizes, so
 * addresses past _etext or more than 1 MiB beyond the symbol are refused. NULL if none.
 */
const struct ksym *ksyms__lookup(const struct ksyms *k, uint64_t addr);
/* The first symbol named name (a linear search, for tests and tools), or NULL. */
const struct ksym *ksyms__find_name(const struct ksyms *k, const char *name);

#endif /* SINGE_CLI_SYM_KALLSYMS_H */
