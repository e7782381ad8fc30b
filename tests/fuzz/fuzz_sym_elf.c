// SPDX-License-Identifier: MIT
/*
 * Arbitrary bytes as an ELF image through the symbolizer's ELF, DWARF and demangling code:
 * open it from memory (elf_memory, dwarf_begin_elf), use it as its own debug file too, and
 * look up addresses taken from its symbols, its segments and the input itself.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sym_elf.h"

static void lookup(struct elf_file *f, uint64_t addr, unsigned int flags)
{
	struct sym_frame frames[SYM_MAX_FRAMES];
	int n = elf_file__lookup(f, addr, flags, frames, SYM_MAX_FRAMES), i;

	for (i = 0; i < n; i++) {
		/* every string handed out must be readable and terminated */
		if (frames[i].function) {
			char *d = symbol__demangle(frames[i].function);

			free(d);
		}
		if (frames[i].file && strlen(frames[i].file) == (size_t)-1)
			abort();
	}
}

static uint64_t word_at(const uint8_t *data, size_t size, size_t at)
{
	uint64_t v = 0;

	if (size >= 8) {
		at %= size - 7;
		memcpy(&v, data + at, 8);
	}
	return v;
}

static void exercise(struct elf_file *f, const uint8_t *data, size_t size)
{
	size_t n = elf_file__symbol_count(f), i;
	uint32_t crc;

	(void)elf_file__build_id(f);
	(void)elf_file__debuglink(f, &crc);
	(void)elf_file__caps(f);
	for (i = 0; i < n && i < 64; i++) {
		uint64_t addr, sz;
		const char *name;

		if (elf_file__symbol(f, i, &addr, &sz, &name))
			break;
		lookup(f, addr, 0);
		lookup(f, addr + sz / 2, SYM_NO_INLINES);
	}
	for (i = 0; i < 8; i++) {
		uint64_t off = word_at(data, size, i * 131) % (size + 1), vaddr;

		if (!elf_file__offset_to_vaddr(f, off, &vaddr))
			lookup(f, vaddr, i & 1 ? SYM_NO_LINES : 0);
		lookup(f, word_at(data, size, i * 977 + 13), 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_file *f = elf_file__open_memory(data, size), *debug;

	if (!f)
		return 0;
	exercise(f, data, size);
	/* the same bytes as a separate debug file: the paths that read from it */
	debug = elf_file__open_memory(data, size);
	if (debug && !elf_file__set_debug(f, debug))
		exercise(f, data, size);
	elf_file__free(f);
	return 0;
}
