// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the Go runtime facts reader (cli/go_runtime.c): the input is read
 * as an ELF image (build info, DWARF, .symtab, the runtime.allgadd code search) and as a
 * build info section's bytes. Any answer is fine; a crash or an out-of-bounds read is not.
 *
 * Build with the Makefile (clang -fsanitize=fuzzer); the binary replays inputs given as
 * files: ./fuzz_go_runtime FILE...
 */
#include <stdint.h>
#include <stdlib.h>

#include "go_runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct go_runtime rt;
	char version[64];
	unsigned int i;

	if (go_buildinfo__version(data, size, version, sizeof(version)) == 0)
		(void)go_version__parse(version, &rt.major, &rt.minor);
	if (go_runtime__read(data, size, &rt) == 0)
		for (i = 0; i <= rt.nwait_reasons; i++)
			(void)go_runtime__wait_reason(&rt, i);
	return 0;
}
