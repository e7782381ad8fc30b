/* SPDX-License-Identifier: MIT */
/*
 * The profile model: one in-memory shape, modelled on pprof's profile.proto, that every
 * codec reads into and writes from (pprof, folded stacks, perf script, SVG, diff, report).
 *
 * Conventions, so that every codec agrees:
 *  - Strings are interned; a string is referred to by its index in the string table and
 *    index 0 is always "".
 *  - Mappings, locations and functions are kept in arrays; the id of element i is i + 1,
 *    so ids are dense (1..N) and id 0 means "none". Decoders remap whatever ids a file used.
 *  - A sample's location ids are leaf first (locs[0] is the innermost frame), as in pprof.
 *  - A location with several lines is one address where inlining happened: lines[0] is the
 *    innermost inlined callee, the last line is the real function the others were inlined in.
 *  - Every sample has exactly nsample_types values.
 *
 * Ownership: a struct profile owns everything it points to; profile__free() releases it.
 * Functions returning int give 0 or a negative errno. Nothing here prints.
 */
#ifndef SINGE_FLAME_PROFILE_H
#define SINGE_FLAME_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "strtab.h"
#include "vec.h"

struct value_type {
	uint32_t type; /* string index, e.g. "samples", "cpu" */
	uint32_t unit; /* string index, e.g. "count", "nanoseconds" */
};

struct label {
	uint32_t key;	   /* string index */
	uint32_t str;	   /* string index, 0 when the label is numeric */
	int64_t num;	   /* numeric value when str == 0 */
	uint32_t num_unit; /* string index, 0 if none */
};

struct mapping {
	uint64_t memory_start;
	uint64_t memory_limit;
	uint64_t file_offset;
	uint32_t filename; /* string index; "[kernel.kallsyms]" for the kernel */
	uint32_t build_id; /* string index; lowercase hex */
	bool has_functions;
	bool has_filenames;
	bool has_line_numbers;
	bool has_inline_frames;
};

struct function {
	uint32_t name;	      /* string index: the display (demangled) name */
	uint32_t system_name; /* string index: the raw (mangled) name */
	uint32_t filename;    /* string index */
	int64_t start_line;
};

struct line {
	uint64_t function_id; /* 1..nfunctions */
	int64_t line;
	int64_t column;
};

struct location {
	uint64_t mapping_id; /* 0 = no mapping */
	uint64_t address;
	uint32_t line_start; /* index of the first line in profile.lines */
	uint32_t nlines;
	bool is_folded;
};

/* 16 bytes: a million-sample profile spends its memory on location ids, not on this. */
struct sample {
	uint64_t loc_start : 40; /* offset of the first location id's bytes in sample_locs */
	uint64_t nlabels : 24;	 /* labels of this sample (at most SAMPLE_MAX_LABELS) */
	uint32_t nlocs;		 /* leaf first */
	uint32_t label_start;	 /* index of the first label in profile.sample_labels */
	/* values live at profile.sample_values[i * nsample_types ...] for sample i */
};

/* What struct sample can address; profile__add_sample() refuses more with -E2BIG. */
#define SAMPLE_MAX_LOCS ((1ULL << 40) - 1) /* bytes of sample_locs */
#define SAMPLE_MAX_LABELS ((1u << 24) - 1)
#define PROFILE_MAX_LABELS ((size_t)UINT32_MAX)

/* Quality counters a recorder or reader attaches to a profile (written as pprof comments). */
struct profile_quality {
	uint64_t lost;		 /* samples dropped before they reached user space */
	uint64_t truncated;	 /* stacks cut at the depth limit */
	uint64_t unknown_frames; /* frames that could not be symbolized */
	uint64_t bad_lines;	 /* input lines a text reader skipped */
};

struct profile {
	struct strtab strings;

	VEC(struct value_type) sample_types;
	struct value_type period_type;
	int64_t period;
	int64_t time_nanos;
	int64_t duration_nanos;
	uint32_t default_sample_type; /* string index of a sample type's type, 0 = none */
	uint32_t drop_frames;
	uint32_t keep_frames;
	uint32_t doc_url;
	VEC(uint32_t) comments; /* string indexes */

	VEC(struct sample) samples;
	/*
	 * All samples' location ids, back to back, each a base-128 varint as in protobuf (ids
	 * are dense and fewer than UINT32_MAX): one or two bytes an id where 32 bits took four,
	 * so the model of a pprof is smaller than the pprof. Read them with
	 * profile__sample_locs() or profile__sample_loc().
	 */
	VEC(uint8_t) sample_locs;
	VEC(int64_t) sample_values; /* nsamples * sample_types.len */
	VEC(struct label) sample_labels;

	VEC(struct mapping) mappings;	/* id = index + 1 */
	VEC(struct location) locations; /* id = index + 1 */
	VEC(struct line) lines;
	VEC(struct function) functions; /* id = index + 1 */

	struct profile_quality quality;

	/* Dedup indexes, built lazily by the profile__intern_* helpers. */
	struct idset *function_index;
	struct idset *location_index;
};

/* Allocate an empty profile (string table holding ""); NULL and errno on failure. */
struct profile *profile__new(void);
/* Release a profile; NULL is fine. */
void profile__free(struct profile *p);

/* Intern a string (len bytes, need not be NUL-terminated); its index, or -ENOMEM. */
int64_t profile__intern(struct profile *p, const char *s, size_t len);
int64_t profile__intern_str(struct profile *p, const char *s);
/* The string at index idx ("" when out of range, which a validated profile never is). */
const char *profile__str(const struct profile *p, uint32_t idx);

/* Append a sample type "type/unit"; its index, or a negative errno. Before any sample only. */
int profile__add_sample_type(struct profile *p, const char *type, const char *unit);
/* The index of the sample type named type, or -ENOENT. */
int profile__find_sample_type(const struct profile *p, const char *type);
/* The sample type pprof shows by default: default_sample_type if it names one, else the last. */
int profile__default_sample_type(const struct profile *p);
/*
 * The sample type a recording of singe's profile types shows by default, its "natural" one:
 * the first present of cpu, offcpu, delay (goroutine), inuse_space (alloc) and pause, in the
 * order of DESIGN.md's table, so `-t cpu,offcpu` opens on cpu time. -ENOENT when none is.
 */
int profile__natural_sample_type(const struct profile *p);
/*
 * Set default_sample_type to the natural one when p has none, so that readers do not fall back
 * to the last sample type (pprof's rule). Nothing changes when no natural type is present.
 */
void profile__set_natural_default(struct profile *p);
/*
 * The wall-clock view of a `-t cpu,offcpu` recording: a sample type "wall"/"nanoseconds"
 * appended, each sample's cpu/nanoseconds + offcpu/nanoseconds (a sample has one of them), so
 * that one graph shows what threads did with all their time. Its index; the existing one if p
 * already has "wall"; -ENOENT when p lacks cpu or offcpu, -EINVAL when either is not in
 * nanoseconds, -ENOMEM.
 */
int profile__add_wall(struct profile *p);

/* Append a mapping (a copy of *m); its id, or a negative errno. */
int64_t profile__add_mapping(struct profile *p, const struct mapping *m);
/* Find or add a function equal to *f; its id, or a negative errno. */
int64_t profile__intern_function(struct profile *p, const struct function *f);
/*
 * Find or add a location with this mapping, address and lines (leaf/inlined first); its id,
 * or a negative errno. Two locations are the same when all of those are equal.
 */
int64_t profile__intern_location(struct profile *p, uint64_t mapping_id, uint64_t address,
				 const struct line *lines, uint32_t nlines);
/* Append a location without deduplication (decoders keep the file's locations as they are). */
int64_t profile__add_location(struct profile *p, uint64_t mapping_id, uint64_t address,
			      const struct line *lines, uint32_t nlines);

/*
 * Append a sample: nlocs location ids (leaf first), exactly sample_types.len values, and
 * nlabels labels (may be 0). 0 or a negative errno.
 */
int profile__add_sample(struct profile *p, const uint64_t *locs, uint32_t nlocs,
			const int64_t *values, const struct label *labels, uint32_t nlabels);

/* Room for one more id in sample_locs (profile__push_loc()'s slow path); 0 or -ENOMEM. */
int profile__grow_locs(struct profile *p);

/* Append one location id to sample_locs (profile__add_sample() and decoders); 0 or -ENOMEM. */
static inline int profile__push_loc(struct profile *p, uint32_t id)
{
	uint8_t *c;

	if (p->sample_locs.cap - p->sample_locs.len < 5 && profile__grow_locs(p))
		return -ENOMEM;
	c = p->sample_locs.data + p->sample_locs.len;
	for (; id >= 0x80; id >>= 7)
		*c++ = (uint8_t)(id | 0x80);
	*c++ = (uint8_t)id;
	p->sample_locs.len = (size_t)(c - p->sample_locs.data);
	return 0;
}

/*
 * Sample i's location ids (leaf first) into out[0..nlocs): the caller gives room for
 * samples.data[i].nlocs ids. 0, or -EINVAL when its bytes run past sample_locs (a profile
 * built by hand; the model's own writers never do that).
 */
int profile__sample_locs(const struct profile *p, size_t i, uint32_t *out);
/* Location id k of sample i (k < nlocs), walking the ids before it; 0 when out of range. */
uint32_t profile__sample_loc(const struct profile *p, size_t i, uint32_t k);

/* Accessors. An empty array has no storage: they give NULL then (with a count of 0). */
static inline const int64_t *profile__sample_values(const struct profile *p, size_t i)
{
	return p->sample_values.data ? p->sample_values.data + i * p->sample_types.len : NULL;
}
static inline const struct label *profile__sample_labels(const struct profile *p, size_t i)
{
	return p->sample_labels.data ? p->sample_labels.data + p->samples.data[i].label_start
				     : NULL;
}
static inline const struct location *profile__location(const struct profile *p, uint64_t id)
{
	return &p->locations.data[id - 1];
}
static inline const struct line *profile__location_lines(const struct profile *p,
							 const struct location *loc)
{
	return p->lines.data ? p->lines.data + loc->line_start : NULL;
}
static inline const struct function *profile__function(const struct profile *p, uint64_t id)
{
	return &p->functions.data[id - 1];
}
static inline const struct mapping *profile__mapping(const struct profile *p, uint64_t id)
{
	return id ? &p->mappings.data[id - 1] : NULL;
}

/* Sum of value column vi over all samples (saturating at INT64_MAX/INT64_MIN). */
int64_t profile__total(const struct profile *p, size_t vi);

/*
 * Check every invariant pprof enforces (ids in range, value counts, string indexes);
 * 0, or -EINVAL with a message naming the first problem.
 */
int profile__validate(const struct profile *p, struct flame_err *err);

/*
 * Merge src into dst. Sample types must match by type and unit (else -EINVAL with a message
 * naming both). Strings, mappings, functions and locations are re-interned; period is the
 * max, durations add up, time is the earliest non-zero one, comments are deduplicated.
 */
int profile__merge(struct profile *dst, const struct profile *src, struct flame_err *err);

/* Add a comment (deduplicated); 0 or a negative errno. */
int profile__add_comment(struct profile *p, const char *text);

/*
 * Frame kinds, for colouring and for the folded suffixes (_[k] kernel, _[j] JIT, _[i] inlined).
 * Derived from the mapping file name and the function's name and file.
 */
enum frame_kind {
	FRAME_NATIVE = 0,
	FRAME_KERNEL,
	FRAME_GO,
	FRAME_JIT,
	FRAME_INTERPRETED, /* Python, Java interpreted frames */
	FRAME_UNKNOWN,	   /* unsymbolized: "libfoo.so+0x1234", "[unknown]" */
	FRAME_KIND_COUNT,
};

enum frame_kind profile__frame_kind(const struct profile *p, const struct location *loc,
				    const struct line *line);
const char *frame_kind__name(enum frame_kind kind);

/* The names mappings get for frames that folded input marks with _[k] and _[j]. */
#define KERNEL_MAPPING_NAME "[kernel.kallsyms]"
#define JIT_MAPPING_NAME "[jit]"

#endif /* SINGE_FLAME_PROFILE_H */
