/* SPDX-License-Identifier: MIT */
/* Growable arrays: the profile model's storage, and codecs' scratch arrays. */
#ifndef SINGE_FLAME_VEC_H
#define SINGE_FLAME_VEC_H

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#define VEC(type)                                                                                  \
	struct {                                                                                   \
		type *data;                                                                        \
		size_t len;                                                                        \
		size_t cap;                                                                        \
	}

int vec_grow(void **data, size_t *cap, size_t need, size_t elem_size);

/* Make room for n more elements; 0 or -ENOMEM. */
#define vec_reserve(v, n)                                                                          \
	((v)->len + (n) <= (v)->cap                                                                \
		 ? 0                                                                               \
		 : vec_grow((void **)&(v)->data, &(v)->cap, (v)->len + (n), sizeof(*(v)->data)))
/* Append one element; 0 or -ENOMEM. */
#define vec_push(v, x) (vec_reserve(v, 1) ? -ENOMEM : ((v)->data[(v)->len++] = (x), 0))
#define vec_free(v) (free((v)->data), (v)->data = NULL, (v)->len = (v)->cap = 0)

#endif /* SINGE_FLAME_VEC_H */
