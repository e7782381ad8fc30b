// SPDX-License-Identifier: MIT
/* Arbitrary bytes as a /tmp/perf-PID.map: parse, then look up symbols' edges and input words. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sym_perfmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct perfmap *m = perfmap__parse((const char *)data, size);
	size_t i;

	if (!m)
		return 0;
	for (i = 0; i < m->len; i++) {
		const struct perfmap_sym *s = &m->syms[i], *got;

		if (s->end <= s->start || strlen(s->name) > size)
			abort();
		got = perfmap__lookup(m, s->start);
		if (!got || s->start < got->start || s->start >= got->end)
			abort();
		(void)perfmap__lookup(m, s->end - 1);
		(void)perfmap__lookup(m, s->end);
	}
	for (i = 0; i + 8 <= size && i < 64; i += 8) {
		uint64_t addr;

		memcpy(&addr, data + i, 8);
		(void)perfmap__lookup(m, addr);
	}
	perfmap__free(m);
	return 0;
}
