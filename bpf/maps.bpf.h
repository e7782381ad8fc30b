/* SPDX-License-Identifier: MIT */
/* Map helpers shared by the BPF programs (the shape of bcc's libbpf-tools/maps.bpf.h). */
#ifndef __SINGE_MAPS_BPF_H
#define __SINGE_MAPS_BPF_H

#include <bpf/bpf_helpers.h>

/*
 * The value for key, inserting init first when absent; NULL when the map is full. -EEXIST
 * from the insert means another CPU won the race, so the second lookup finds its entry.
 * err is an int, not a long: the verifier then tracks the comparison on 32 bits, which older
 * verifiers need to prove the -EEXIST test.
 */
static __always_inline void *bpf_map_lookup_or_try_init(void *map, const void *key,
							const void *init)
{
	void *val;
	int err;

	val = bpf_map_lookup_elem(map, key);
	if (val)
		return val;
	err = bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	if (err && err != -17 /* EEXIST */)
		return NULL;
	return bpf_map_lookup_elem(map, key);
}

#endif /* __SINGE_MAPS_BPF_H */
