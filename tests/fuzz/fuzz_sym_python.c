// SPDX-License-Identifier: MIT
/* Arbitrary bytes as a CPython location table and as a str object read from a process. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sym_python.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct py_layout *l = py_layout__find(0x030b07f0);
	char out[PY_STR_MAX * 4 + 1];
	int64_t off;
	int n;

	for (off = -2; off < (int64_t)size * 2 + 4; off += 2 + off / 4) {
		int line = py_linetable__line(data, size, 7, off);

		if (line < -1)
			abort();
	}
	n = py_str__decode(l, data, size, out, sizeof(out));
	if (n > PY_STR_MAX || strlen(out) >= sizeof(out))
		abort();
	(void)py_str__decode(l, data, size, out, 5);
	return 0;
}
