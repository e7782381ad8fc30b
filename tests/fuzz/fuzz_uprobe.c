// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the uprobe target finder (cli/uprobe.c): the input is read as an ELF
 * image and searched for functions by name (.symtab, .dynsym, Go's .gopclntab) and for the
 * file offset of addresses. Any answer is fine; a crash or an out-of-bounds read is not.
 *
 * Build with the Makefile (clang -fsanitize=fuzzer); the binary replays inputs given as
 * files: ./fuzz_uprobe FILE...
 */
#include <stdint.h>
#include <stdlib.h>

#include "uprobe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"main", "malloc", "runtime.gopark", "main.main"};
	struct uprobe_func f;
	uint64_t offset;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (uprobe__find_in(data, size, names[i], &f) == 0)
			(void)uprobe__vaddr_to_offset(data, size, f.vaddr + f.size / 2, &offset);
	return 0;
}
