// SPDX-License-Identifier: MIT
/*
 * Arbitrary bytes as /proc/PID/maps text: parse, then find addresses taken from the input;
 * a copy (procmaps__dup) must hold the same paths.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sym_procmaps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct procmaps *m = procmaps__parse((const char *)data, size), *d;
	char buf[128];
	size_t i;

	if (!m)
		return 0;
	for (i = 0; i < m->len; i++) {
		const struct procmap *p = &m->maps[i];

		if (procmaps__find(m, p->start) == NULL || strlen(p->path) > size)
			abort();
		(void)procmaps__find(m, p->end);
		(void)procmap__is_file(p);
		(void)procmap__is_anon(p);
		(void)procmap__map_files_path(p, 1, buf, sizeof(buf));
	}
	d = procmaps__dup(m);
	for (i = 0; d && i < m->len; i++)
		if (strcmp(d->maps[i].path, m->maps[i].path) ||
		    d->maps[i].start != m->maps[i].start)
			abort();
	procmaps__free(d);
	for (i = 0; i + 8 <= size && i < 64; i += 8) {
		uint64_t addr;

		memcpy(&addr, data + i, 8);
		(void)procmaps__find(m, addr);
	}
	procmaps__free(m);
	return 0;
}
