// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the mapping-event reader (cli/record_mmap.c): the input is a sequence
 * of perf records (each a struct perf_event_header and its body) as the kernel's ring buffer
 * would hold them, then the image of every process they named is built. Any answer is fine; a
 * crash or an out-of-bounds read is not.
 */
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record_mmap.h"
#include "sym_procmaps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmap_events *m = mmap_events__new(1);
	struct perf_event_header hdr;
	size_t at = 0;
	uint32_t pid, gen;

	if (!m)
		return 0;
	while (size - at >= sizeof(hdr)) {
		memcpy(&hdr, data + at, sizeof(hdr));
		if (hdr.size < sizeof(hdr) || hdr.size > size - at)
			break;
		/* every other record held, to be fed in time order among the rest */
		if (at & 8)
			mmap_events__hold(m, data + at, hdr.size);
		else
			mmap_events__feed(m, data + at, hdr.size);
		at += hdr.size;
	}
	mmap_events__release(m, size > 64 ? (uint64_t)data[0] << 8 : 0);
	mmap_events__flush(m);
	/* the pids a record could name: those in the input's first words */
	for (at = 0; at + 8 <= size && at < 256; at += 4) {
		memcpy(&pid, data + at, sizeof(pid));
		for (gen = 0; gen < 3; gen++)
			proc_image__free(mmap_events__image(m, pid, gen));
	}
	mmap_events__free(m);
	return 0;
}
