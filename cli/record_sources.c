// SPDX-License-Identifier: MIT
/*
 * The profile types singe can record: one row per type (cli/source.h). Adding a type is
 * bpf/T.bpf.c + bpf/T.h + cli/record_T.c and a row here.
 */
#include <stddef.h>
#include <string.h>

#include "source.h"

extern const struct source_ops cpu_source_ops;
extern const struct source_ops offcpu_source_ops;
extern const struct source_ops goroutine_source_ops;
extern const struct source_ops pause_source_ops;
extern const struct source_ops alloc_source_ops;

const struct source_ops *const record_sources[] = {
	&cpu_source_ops,
	&offcpu_source_ops,
	&goroutine_source_ops,
	&alloc_source_ops,
	&pause_source_ops,
	NULL,
};

const struct source_ops *record_source__find(const char *name)
{
	size_t i;

	for (i = 0; record_sources[i]; i++)
		if (!strcmp(record_sources[i]->name, name))
			return record_sources[i];
	return NULL;
}
