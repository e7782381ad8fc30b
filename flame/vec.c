// SPDX-License-Identifier: MIT
#include <stdint.h>

#include "vec.h"

int vec_grow(void **data, size_t *cap, size_t need, size_t elem_size)
{
	size_t ncap = *cap ? *cap : 16;
	void *p;

	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / elem_size)
			return -ENOMEM;
		ncap *= 2;
	}
	if (ncap == *cap)
		return 0;
	p = realloc(*data, ncap * elem_size);
	if (!p)
		return -ENOMEM;
	*data = p;
	*cap = ncap;
	return 0;
}
