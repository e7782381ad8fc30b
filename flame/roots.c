// SPDX-License-Identifier: MIT
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roots.h"

int process_roots__parse(const char *s, enum process_roots *out)
{
	if (!strcmp(s, "comm"))
		*out = PROCESS_ROOTS_COMM;
	else if (!strcmp(s, "comm-pid"))
		*out = PROCESS_ROOTS_COMM_PID;
	else if (!strcmp(s, "none"))
		*out = PROCESS_ROOTS_NONE;
	else
		return -EINVAL;
	return 0;
}

/*
 * What a sample says of its process: its name (NULL if none) and pid. The name is the
 * 'process' label where there is one (singe's recordings, where 'comm' is the thread's own
 * name, as in perf), else the 'comm' label.
 */
struct process {
	const char *comm;
	uint32_t comm_len;
	bool has_pid;
	bool named_by_process;
	int64_t pid;
};

static struct process sample_process(const struct profile *p, size_t i)
{
	const struct label *l = profile__sample_labels(p, i);
	struct process proc = {0};
	uint32_t k;

	for (k = 0; k < p->samples.data[i].nlabels; k++) {
		const char *key = profile__str(p, l[k].key);

		if (!proc.named_by_process && l[k].str &&
		    (!strcmp(key, "process") || (!proc.comm && !strcmp(key, "comm")))) {
			proc.comm = profile__str(p, l[k].str);
			proc.comm_len = strtab__strlen(&p->strings, l[k].str);
			proc.named_by_process = !strcmp(key, "process");
		} else if (!proc.has_pid && !l[k].str && !strcmp(key, "pid")) {
			proc.has_pid = true;
			proc.pid = l[k].num;
		}
	}
	return proc;
}

bool profile__has_several_processes(const struct profile *p)
{
	struct process first = {0}, proc;
	bool any_pid = false, several_comms = false, seen = false;
	size_t i;

	for (i = 0; i < p->samples.len; i++) {
		proc = sample_process(p, i);
		if (proc.has_pid) {
			if (any_pid && proc.pid != first.pid)
				return true;
			if (!any_pid)
				first.pid = proc.pid;
			any_pid = true;
		}
		if (!proc.comm)
			continue;
		if (!seen) {
			first.comm = proc.comm;
			first.comm_len = proc.comm_len;
			seen = true;
		} else if (proc.comm_len != first.comm_len ||
			   memcmp(proc.comm, first.comm, proc.comm_len)) {
			several_comms = true;
		}
	}
	/* with pids, one pid is one process however its threads are named */
	return !any_pid && several_comms;
}

/* The name of a sample's root frame, in *buf (grown as needed); its length or -ENOMEM. */
static int64_t root_name(const struct process *proc, enum process_roots mode, char **buf,
			 size_t *cap)
{
	size_t need = (proc->comm ? proc->comm_len : 0) + 32;
	int n;

	if (need > *cap) {
		char *nb = realloc(*buf, need);

		if (!nb)
			return -ENOMEM;
		*buf = nb;
		*cap = need;
	}
	if (!proc->comm && proc->has_pid)
		n = snprintf(*buf, *cap, "[pid %" PRId64 "]", proc->pid);
	else if (!proc->comm)
		n = snprintf(*buf, *cap, "[unknown]");
	else if (mode == PROCESS_ROOTS_COMM_PID && proc->has_pid)
		n = snprintf(*buf, *cap, "%.*s-%" PRId64, (int)proc->comm_len, proc->comm,
			     proc->pid);
	else
		n = snprintf(*buf, *cap, "%.*s", (int)proc->comm_len, proc->comm);
	/* a comm holding a NUL byte is cut there: the root is a name, not the raw label */
	return n < 0 ? -ENOMEM : (int64_t)strnlen(*buf, (size_t)n);
}

/* The location of a root frame named name[0..len). */
static int64_t root_location(struct profile *p, const char *name, size_t len)
{
	struct function fn = {0};
	struct line line = {0};
	int64_t idx = profile__intern(p, name, len), fid;

	if (idx < 0)
		return idx;
	fn.name = fn.system_name = (uint32_t)idx;
	fid = profile__intern_function(p, &fn);
	if (fid < 0)
		return fid;
	line.function_id = (uint64_t)fid;
	return profile__intern_location(p, 0, 0, &line, 1);
}

/* The root location of every sample, into roots[0..nsamples): 0 or a negative errno. */
static int root_locations(struct profile *p, enum process_roots mode, uint32_t *roots)
{
	char *name = NULL;
	size_t cap = 0, i;
	int ret = 0;

	for (i = 0; i < p->samples.len && !ret; i++) {
		struct process proc = sample_process(p, i);
		int64_t n = root_name(&proc, mode, &name, &cap), root;

		if (n < 0 || (root = root_location(p, name, (size_t)n)) < 0)
			ret = -ENOMEM;
		else if (p->samples.data[i].nlocs == UINT32_MAX)
			ret = -E2BIG;
		else
			roots[i] = (uint32_t)root;
	}
	free(name);
	return ret;
}

/*
 * Point the samples at their ids in q, written in sample order with added[i] frames more each
 * (NULL: one each).
 */
static void move_samples(struct profile *p, struct profile *q, const uint8_t *added)
{
	const uint8_t *c = q->sample_locs.data;
	size_t i;
	uint32_t j;

	for (i = 0; i < p->samples.len; i++) {
		struct sample *s = &p->samples.data[i];

		s->loc_start = (uint64_t)(c - q->sample_locs.data);
		s->nlocs += added ? added[i] : 1;
		for (j = 0; j < s->nlocs; j++)
			while (*c++ & 0x80)
				;
	}
	free(p->sample_locs.data);
	p->sample_locs.data = q->sample_locs.data;
	p->sample_locs.len = q->sample_locs.len;
	p->sample_locs.cap = q->sample_locs.cap;
}

int profile__add_process_roots(struct profile *p, enum process_roots mode)
{
	struct profile locs = {0}; /* only its sample_locs: the new ids, root added */
	VEC(uint32_t) ids = {0};
	uint32_t *roots;
	size_t i;
	int ret;

	if (mode == PROCESS_ROOTS_NONE || !p->samples.len)
		return 0;
	roots = malloc(p->samples.len * sizeof(*roots));
	ret = roots ? root_locations(p, mode, roots) : -ENOMEM;
	/* a root adds one id of at most 5 bytes to each sample (and a push reserves 5) */
	if (!ret && vec_reserve(&locs.sample_locs, p->sample_locs.len + 5 * p->samples.len + 5))
		ret = -ENOMEM;
	for (i = 0; i < p->samples.len && !ret; i++) {
		uint32_t n = p->samples.data[i].nlocs, j;

		ids.len = 0;
		if (vec_reserve(&ids, n) || (ret = profile__sample_locs(p, i, ids.data))) {
			ret = ret ?: -ENOMEM;
			break;
		}
		for (j = 0; j < n; j++)
			profile__push_loc(&locs, ids.data[j]); /* room was reserved: cannot fail */
		profile__push_loc(&locs, roots[i]);	       /* leaf first: the root is last */
	}
	free(roots);
	vec_free(&ids);
	if (ret) {
		vec_free(&locs.sample_locs);
		return ret;
	}
	/* nothing fails from here on: the samples move to the new array in one go */
	move_samples(p, &locs, NULL);
	return 0;
}

/* The string of sample i's label key (a string index), or 0 when it has none. */
static uint32_t sample_label_str(const struct profile *p, size_t i, int64_t key)
{
	const struct label *l = profile__sample_labels(p, i);
	uint32_t k;

	for (k = 0; k < p->samples.data[i].nlabels; k++)
		if ((int64_t)l[k].key == key && l[k].str)
			return (uint32_t)l[k].str;
	return 0;
}

bool profile__has_label(const struct profile *p, const char *key)
{
	int64_t k = strtab__find(&p->strings, key, strlen(key));
	size_t i;

	for (i = 0; k > 0 && i < p->samples.len; i++)
		if (sample_label_str(p, i, k))
			return true;
	return false;
}

/* The leaf location named "[value]" for the string at index str. */
static int64_t label_leaf(struct profile *p, uint32_t str, char **buf, size_t *cap)
{
	size_t len = strtab__strlen(&p->strings, str);

	if (len + 3 > *cap) {
		char *nb = realloc(*buf, len + 3);

		if (!nb)
			return -ENOMEM;
		*buf = nb;
		*cap = len + 3;
	}
	(*buf)[0] = '[';
	memcpy(*buf + 1, profile__str(p, str), len);
	(*buf)[len + 1] = ']';
	(*buf)[len + 2] = '\0';
	/* a value holding a NUL byte is cut there, as a root's name is */
	return root_location(p, *buf, strnlen(*buf, len + 2));
}

int profile__add_label_leaves(struct profile *p, const char *key)
{
	struct profile locs = {0}; /* only its sample_locs: the new ids, leaves added */
	int64_t k = strtab__find(&p->strings, key, strlen(key)), leaf;
	VEC(uint32_t) ids = {0};
	uint8_t *added;
	char *name = NULL;
	size_t cap = 0, i;
	int ret = 0;

	if (k <= 0 || !p->samples.len)
		return 0;
	added = calloc(p->samples.len, 1);
	if (!added || vec_reserve(&locs.sample_locs, p->sample_locs.len + 5 * p->samples.len + 5))
		ret = -ENOMEM;
	for (i = 0; i < p->samples.len && !ret; i++) {
		uint32_t n = p->samples.data[i].nlocs, j, str = sample_label_str(p, i, k);

		ids.len = 0;
		if (vec_reserve(&ids, n) || (ret = profile__sample_locs(p, i, ids.data))) {
			ret = ret ?: -ENOMEM;
			break;
		}
		if (str && n == UINT32_MAX) {
			ret = -E2BIG;
			break;
		}
		if (str) {
			if ((leaf = label_leaf(p, str, &name, &cap)) < 0) {
				ret = (int)leaf;
				break;
			}
			profile__push_loc(&locs, (uint32_t)leaf); /* leaf first */
			added[i] = 1;
		}
		for (j = 0; j < n; j++)
			profile__push_loc(&locs, ids.data[j]); /* room was reserved: cannot fail */
	}
	free(name);
	vec_free(&ids);
	if (!ret)
		move_samples(p, &locs, added); /* nothing fails from here on */
	else
		vec_free(&locs.sample_locs);
	free(added);
	return ret;
}
