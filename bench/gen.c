// SPDX-License-Identifier: MIT
/*
 * Benchmark input generator: deterministic, realistic-looking profiles.
 *
 *   gen folded MIB > big.folded        folded stacks of at least MIB MiB: deep (10-70 frames)
 *                                      and wide (Zipf-like fan-out), C, C++, Go and kernel names
 *   gen pprof NSAMPLES OUT.pb.gz       a pprof with NSAMPLES samples (labels, mappings, inlines)
 *
 * The same seed always gives the same bytes, so figures are comparable across runs.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pprof.h"
#include "profile.h"

#define NAMES 6000
#define MAX_DEPTH 72

static uint64_t rng_state = 0x5eed1234abcdULL;

static uint64_t rng(void)
{
	/* xorshift64*: fast and good enough to shape synthetic stacks */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static double uniform(void)
{
	return (double)(rng() >> 11) / (double)(1ULL << 53);
}

static char *names[NAMES];

static void make_names(void)
{
	static const char *const pkgs[] = {"net/http", "encoding/json", "runtime", "main",
					   "github.com/acme/svc/internal/store"};
	static const char *const classes[] = {"Parser", "Renderer", "Cache<std::string, int>",
					      "Pool", "Session"};
	char buf[160];
	int i;

	for (i = 0; i < NAMES; i++) {
		switch (i % 4) {
		case 0:
			snprintf(buf, sizeof(buf), "module%d_handle_request_%d", i % 37, i);
			break;
		case 1:
			snprintf(buf, sizeof(buf), "app::%s::method%d(int, char const*)",
				 classes[i % 5], i);
			break;
		case 2:
			snprintf(buf, sizeof(buf), "%s.(*T%d).Serve", pkgs[i % 5], i);
			break;
		default:
			snprintf(buf, sizeof(buf), "compute_%d", i);
			break;
		}
		names[i] = strdup(buf);
	}
}

/* The name of child k of a node whose path hash is h. */
static unsigned child_name(uint64_t h, unsigned k)
{
	uint64_t x = (h ^ (k * 0x9e3779b97f4a7c15ULL)) * 0xbf58476d1ce4e5b9ULL;

	return (unsigned)((x ^ (x >> 31)) % NAMES);
}

/* One random stack: name indexes root first; returns its depth. Kernel leaves sometimes. */
static int make_stack(unsigned *stack, int *kernel_from)
{
	int depth = 10 + (int)(uniform() * uniform() * 60), d;
	uint64_t h = 0;

	for (d = 0; d < depth; d++) {
		/* few children near the root, more further down: a wide, deep tree */
		unsigned fanout = d < 3 ? 3 : d < 10 ? 6 : 12;
		unsigned k = (unsigned)(pow(uniform(), 2.5) * fanout);

		stack[d] = child_name(h, k);
		h = h * 31 + stack[d] + 1;
	}
	*kernel_from = uniform() < 0.2 ? depth - 1 - (int)(uniform() * 4) : depth;
	return depth;
}

static int gen_folded(double mib)
{
	uint64_t target = (uint64_t)(mib * 1048576), written = 0;
	unsigned stack[MAX_DEPTH];
	char line[MAX_DEPTH * 160];
	int kfrom;

	while (written < target) {
		int depth = make_stack(stack, &kfrom), d, n = 0;

		for (d = 0; d < depth; d++)
			n += snprintf(line + n, sizeof(line) - n, "%s%s%s", d ? ";" : "",
				      names[stack[d]], d >= kfrom ? "_[k]" : "");
		n += snprintf(line + n, sizeof(line) - n, " %u\n",
			      1 + (unsigned)(pow(uniform(), 4) * 2000));
		if (fwrite(line, 1, (size_t)n, stdout) != (size_t)n)
			return 1;
		written += (uint64_t)n;
	}
	return fflush(stdout) ? 1 : 0;
}

static int64_t location_for(struct profile *p, unsigned name, bool kernel, uint64_t kmap,
			    uint64_t umap)
{
	struct function f = {.name = (uint32_t)profile__intern_str(p, names[name]),
			     .filename = (uint32_t)profile__intern_str(p, "src/app.c")};
	struct line l = {.function_id = (uint64_t)profile__intern_function(p, &f),
			 .line = 10 + name % 500};

	return profile__intern_location(p, kernel ? kmap : umap,
					0x400000 + (uint64_t)name * 64 + (kernel ? 1u << 30 : 0),
					&l, 1);
}

static int gen_pprof(long nsamples, const char *path)
{
	struct profile *p = profile__new();
	struct mapping m = {.memory_start = 0x400000, .memory_limit = 0x800000};
	unsigned stack[MAX_DEPTH];
	uint64_t locs[MAX_DEPTH], umap, kmap;
	struct flame_err err = {{0}};
	size_t len;
	void *buf;
	FILE *f;
	long i;

	if (!p)
		return 1;
	profile__add_sample_type(p, "samples", "count");
	profile__add_sample_type(p, "cpu", "nanoseconds");
	p->period_type = p->sample_types.data[1];
	p->period = 10101010;
	p->time_nanos = 1700000000000000000LL;
	p->duration_nanos = 10000000000LL;
	m.filename = (uint32_t)profile__intern_str(p, "/usr/bin/app");
	m.build_id = (uint32_t)profile__intern_str(p, "0123456789abcdef0123456789abcdef01234567");
	m.has_functions = m.has_filenames = m.has_line_numbers = true;
	umap = (uint64_t)profile__add_mapping(p, &m);
	m = (struct mapping){.filename = (uint32_t)profile__intern_str(p, KERNEL_MAPPING_NAME),
			     .has_functions = true};
	kmap = (uint64_t)profile__add_mapping(p, &m);
	for (i = 0; i < nsamples; i++) {
		int kfrom, depth = make_stack(stack, &kfrom), d;
		int64_t v[2] = {1, 10101010};
		struct label l = {.key = (uint32_t)profile__intern_str(p, "tid"),
				  .num = 1000 + (int64_t)(rng() % 16)};

		for (d = 0; d < depth; d++) /* pprof stacks are leaf first */
			locs[depth - 1 - d] =
				(uint64_t)location_for(p, stack[d], d >= kfrom, kmap, umap);
		if (profile__add_sample(p, locs, (uint32_t)depth, v, &l, 1))
			return 1;
	}
	if (pprof__encode(p, true, &buf, &len, &err)) {
		fprintf(stderr, "gen: %s\n", err.msg);
		return 1;
	}
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "gen: cannot write %s: %s\n", path, strerror(errno));
		return 1;
	}
	free(buf);
	profile__free(p);
	return 0;
}

int main(int argc, char **argv)
{
	make_names();
	if (argc == 3 && !strcmp(argv[1], "folded"))
		return gen_folded(atof(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "pprof"))
		return gen_pprof(atol(argv[2]), argv[3]);
	fprintf(stderr, "usage: gen folded MIB > out.folded | gen pprof NSAMPLES out.pb.gz\n");
	return 2;
}
