// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "profile.h"

struct profile *profile__new(void)
{
	struct profile *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	if (strtab_init(&p->strings)) {
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

void profile__free(struct profile *p)
{
	if (!p)
		return;
	strtab_release(&p->strings);
	vec_free(&p->sample_types);
	vec_free(&p->comments);
	vec_free(&p->samples);
	vec_free(&p->sample_locs);
	vec_free(&p->sample_values);
	vec_free(&p->sample_labels);
	vec_free(&p->mappings);
	vec_free(&p->locations);
	vec_free(&p->lines);
	vec_free(&p->functions);
	if (p->function_index)
		idset_release(p->function_index);
	if (p->location_index)
		idset_release(p->location_index);
	free(p->function_index);
	free(p->location_index);
	free(p);
}

int64_t profile__intern(struct profile *p, const char *s, size_t len)
{
	return strtab__intern(&p->strings, s, len);
}

int64_t profile__intern_str(struct profile *p, const char *s)
{
	return strtab__intern(&p->strings, s, strlen(s));
}

const char *profile__str(const struct profile *p, uint32_t idx)
{
	return strtab__str(&p->strings, idx);
}

int profile__add_sample_type(struct profile *p, const char *type, const char *unit)
{
	int64_t t = profile__intern_str(p, type), u = profile__intern_str(p, unit);
	struct value_type vt;

	if (p->samples.len)
		return -EBUSY;
	if (t < 0 || u < 0)
		return -ENOMEM;
	vt.type = (uint32_t)t;
	vt.unit = (uint32_t)u;
	if (vec_push(&p->sample_types, vt))
		return -ENOMEM;
	return (int)p->sample_types.len - 1;
}

int profile__find_sample_type(const struct profile *p, const char *type)
{
	size_t i;

	for (i = 0; i < p->sample_types.len; i++)
		if (!strcmp(profile__str(p, p->sample_types.data[i].type), type))
			return (int)i;
	return -ENOENT;
}

int profile__default_sample_type(const struct profile *p)
{
	int i;

	if (!p->sample_types.len)
		return -ENOENT;
	if (p->default_sample_type) {
		i = profile__find_sample_type(p, profile__str(p, p->default_sample_type));
		if (i >= 0)
			return i;
	}
	return (int)p->sample_types.len - 1;
}

int profile__natural_sample_type(const struct profile *p)
{
	/* one per profile type, in DESIGN.md's table order: the value that type is read for */
	static const char *const natural[] = {"cpu", "offcpu", "delay", "inuse_space", "pause"};
	size_t k;
	int i;

	for (k = 0; k < sizeof(natural) / sizeof(natural[0]); k++)
		if ((i = profile__find_sample_type(p, natural[k])) >= 0)
			return i;
	return -ENOENT;
}

void profile__set_natural_default(struct profile *p)
{
	int i;

	if (p->default_sample_type &&
	    profile__find_sample_type(p, profile__str(p, p->default_sample_type)) >= 0)
		return;
	i = profile__natural_sample_type(p);
	if (i >= 0)
		p->default_sample_type = p->sample_types.data[i].type;
}

/* The column named type if its unit is nanoseconds: its index, -ENOENT or -EINVAL. */
static int nanoseconds_column(const struct profile *p, const char *type)
{
	int i = profile__find_sample_type(p, type);

	if (i < 0)
		return i;
	return strcmp(profile__str(p, p->sample_types.data[i].unit), "nanoseconds") ? -EINVAL : i;
}

int profile__add_wall(struct profile *p)
{
	int cpu = nanoseconds_column(p, "cpu"), off = nanoseconds_column(p, "offcpu");
	int wall = profile__find_sample_type(p, "wall");
	size_t n = p->samples.len, k = p->sample_types.len, i;
	int64_t type, unit, *values, sum;

	if (wall >= 0)
		return wall;
	if (cpu < 0 || off < 0)
		return cpu < 0 ? cpu : off;
	type = profile__intern_str(p, "wall");
	unit = profile__intern_str(p, "nanoseconds");
	values = malloc((n ? n : 1) * (k + 1) * sizeof(*values));
	if (type < 0 || unit < 0 || !values ||
	    vec_push(&p->sample_types,
		     ((struct value_type){.type = (uint32_t)type, .unit = (uint32_t)unit}))) {
		free(values);
		return -ENOMEM;
	}
	/* the values are one array of n rows of k columns: rebuild it with k + 1 */
	for (i = 0; i < n; i++) {
		const int64_t *row = p->sample_values.data + i * k;

		memcpy(values + i * (k + 1), row, k * sizeof(*values));
		if (__builtin_add_overflow(row[cpu], row[off], &sum))
			sum = INT64_MAX; /* saturating, as the tree sums */
		values[i * (k + 1) + k] = sum;
	}
	free(p->sample_values.data);
	p->sample_values.data = values;
	p->sample_values.len = p->sample_values.cap = n * (k + 1);
	return (int)k;
}

int64_t profile__add_mapping(struct profile *p, const struct mapping *m)
{
	if (vec_push(&p->mappings, *m))
		return -ENOMEM;
	return (int64_t)p->mappings.len;
}

static uint64_t function_hash(const struct function *f)
{
	uint64_t h = hash_mix(0, f->name);

	h = hash_mix(h, f->system_name);
	h = hash_mix(h, f->filename);
	return hash_mix(h, (uint64_t)f->start_line);
}

static bool function_eq(uint32_t idx, const void *key, void *ctx)
{
	const struct function *a = &((struct profile *)ctx)->functions.data[idx], *b = key;

	return a->name == b->name && a->system_name == b->system_name &&
	       a->filename == b->filename && a->start_line == b->start_line;
}

static struct idset *lazy_index(struct idset **slot)
{
	if (!*slot)
		*slot = calloc(1, sizeof(**slot));
	return *slot;
}

static int index_functions(struct profile *p, struct idset *set)
{
	size_t i;

	/* functions added by a decoder before the first intern call join the index here */
	for (i = set->len; i < p->functions.len; i++)
		if (idset__insert(set, function_hash(&p->functions.data[i]), (uint32_t)i))
			return -ENOMEM;
	return 0;
}

int64_t profile__intern_function(struct profile *p, const struct function *f)
{
	struct idset *set = lazy_index(&p->function_index);
	uint64_t h = function_hash(f);
	int64_t idx;

	if (!set || index_functions(p, set))
		return -ENOMEM;
	idx = idset__find(set, h, f, function_eq, p);
	if (idx >= 0)
		return idx + 1;
	if (p->functions.len >= UINT32_MAX - 1)
		return -E2BIG;
	if (vec_push(&p->functions, *f))
		return -ENOMEM;
	if (idset__insert(set, h, (uint32_t)(p->functions.len - 1)))
		return -ENOMEM;
	return (int64_t)p->functions.len;
}

struct location_key {
	uint64_t mapping_id;
	uint64_t address;
	const struct line *lines;
	uint32_t nlines;
};

static uint64_t location_hash(const struct location_key *k)
{
	uint64_t h = hash_mix(k->mapping_id, k->address);
	uint32_t i;

	for (i = 0; i < k->nlines; i++) {
		h = hash_mix(h, k->lines[i].function_id);
		h = hash_mix(h, (uint64_t)k->lines[i].line);
		h = hash_mix(h, (uint64_t)k->lines[i].column);
	}
	return h;
}

static bool location_eq(uint32_t idx, const void *key, void *ctx)
{
	const struct profile *p = ctx;
	const struct location *loc = &p->locations.data[idx];
	const struct location_key *k = key;
	const struct line *lines = p->lines.data + loc->line_start;
	uint32_t i;

	if (loc->mapping_id != k->mapping_id || loc->address != k->address ||
	    loc->nlines != k->nlines)
		return false;
	for (i = 0; i < k->nlines; i++)
		if (lines[i].function_id != k->lines[i].function_id ||
		    lines[i].line != k->lines[i].line || lines[i].column != k->lines[i].column)
			return false;
	return true;
}

int64_t profile__add_location(struct profile *p, uint64_t mapping_id, uint64_t address,
			      const struct line *lines, uint32_t nlines)
{
	struct location loc = {
		.mapping_id = mapping_id,
		.address = address,
		.line_start = (uint32_t)p->lines.len,
		.nlines = nlines,
	};

	if (p->lines.len + nlines >= UINT32_MAX || p->locations.len >= UINT32_MAX - 1)
		return -E2BIG;
	if (vec_reserve(&p->lines, nlines) || vec_reserve(&p->locations, 1))
		return -ENOMEM;
	if (nlines)
		memcpy(p->lines.data + p->lines.len, lines, nlines * sizeof(*lines));
	p->lines.len += nlines;
	p->locations.data[p->locations.len++] = loc;
	return (int64_t)p->locations.len;
}

static int index_locations(struct profile *p, struct idset *set)
{
	size_t i;

	for (i = set->len; i < p->locations.len; i++) {
		const struct location *loc = &p->locations.data[i];
		struct location_key k = {loc->mapping_id, loc->address,
					 p->lines.data + loc->line_start, loc->nlines};

		if (idset__insert(set, location_hash(&k), (uint32_t)i))
			return -ENOMEM;
	}
	return 0;
}

int64_t profile__intern_location(struct profile *p, uint64_t mapping_id, uint64_t address,
				 const struct line *lines, uint32_t nlines)
{
	struct idset *set = lazy_index(&p->location_index);
	struct location_key k = {mapping_id, address, lines, nlines};
	uint64_t h = location_hash(&k);
	int64_t idx, id;

	if (!set || index_locations(p, set))
		return -ENOMEM;
	idx = idset__find(set, h, &k, location_eq, p);
	if (idx >= 0)
		return idx + 1;
	id = profile__add_location(p, mapping_id, address, lines, nlines);
	if (id < 0)
		return id;
	if (idset__insert(set, h, (uint32_t)(id - 1)))
		return -ENOMEM;
	return id;
}

int profile__grow_locs(struct profile *p)
{
	return vec_reserve(&p->sample_locs, 5);
}

/* The id at *pos, at most 5 bytes and not past end; false when the bytes run out. */
static bool next_loc(const uint8_t **pos, const uint8_t *end, uint32_t *id)
{
	const uint8_t *c = *pos;
	uint32_t v = 0;
	unsigned shift;

	/* ids below 2^14 (most profiles' all): one or two bytes */
	if (c < end && !(c[0] & 0x80)) {
		*id = c[0];
		*pos = c + 1;
		return true;
	}
	if (end - c >= 2 && !(c[1] & 0x80)) {
		*id = (uint32_t)(c[0] & 0x7f) | (uint32_t)c[1] << 7;
		*pos = c + 2;
		return true;
	}
	for (shift = 0; c < end && shift < 35; shift += 7) {
		uint8_t b = *c++;

		v |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*pos = c;
			*id = v;
			return true;
		}
	}
	return false;
}

/* sample_locs + off; NULL when the array has no storage (no sample has an id then). */
static const uint8_t *locs_at(const struct profile *p, size_t off)
{
	return p->sample_locs.data ? p->sample_locs.data + off : NULL;
}

int profile__sample_locs(const struct profile *p, size_t i, uint32_t *out)
{
	const struct sample *s = &p->samples.data[i];
	const uint8_t *pos = locs_at(p, s->loc_start), *end = locs_at(p, p->sample_locs.len);
	uint32_t k;

	if (s->nlocs && s->loc_start >= p->sample_locs.len)
		return -EINVAL;
	for (k = 0; k < s->nlocs; k++)
		if (!next_loc(&pos, end, &out[k]))
			return -EINVAL;
	return 0;
}

uint32_t profile__sample_loc(const struct profile *p, size_t i, uint32_t k)
{
	const struct sample *s = &p->samples.data[i];
	const uint8_t *pos = locs_at(p, s->loc_start), *end = locs_at(p, p->sample_locs.len);
	uint32_t id = 0, j;

	if (k >= s->nlocs || s->loc_start >= p->sample_locs.len)
		return 0;
	for (j = 0; j <= k; j++)
		if (!next_loc(&pos, end, &id))
			return 0;
	return id;
}

int profile__add_sample(struct profile *p, const uint64_t *locs, uint32_t nlocs,
			const int64_t *values, const struct label *labels, uint32_t nlabels)
{
	size_t nv = p->sample_types.len, i;
	struct sample s = {
		.loc_start = p->sample_locs.len,
		.nlocs = nlocs,
		.label_start = p->sample_labels.len,
		.nlabels = nlabels,
	};

	if (nlabels > SAMPLE_MAX_LABELS || p->sample_locs.len + nlocs > SAMPLE_MAX_LOCS ||
	    p->sample_labels.len + nlabels > PROFILE_MAX_LABELS)
		return -E2BIG;
	if (vec_reserve(&p->sample_values, nv) || vec_reserve(&p->sample_labels, nlabels) ||
	    vec_reserve(&p->samples, 1))
		return -ENOMEM;
	/* an id past 32 bits matches no location: it stays invalid for profile__validate() */
	for (i = 0; i < nlocs; i++)
		if (profile__push_loc(p, locs[i] < UINT32_MAX ? (uint32_t)locs[i] : UINT32_MAX)) {
			p->sample_locs.len = s.loc_start;
			return -ENOMEM;
		}
	if (p->sample_locs.len > SAMPLE_MAX_LOCS) {
		p->sample_locs.len = s.loc_start;
		return -E2BIG;
	}
	if (nv)
		memcpy(p->sample_values.data + p->sample_values.len, values, nv * sizeof(*values));
	p->sample_values.len += nv;
	if (nlabels)
		memcpy(p->sample_labels.data + p->sample_labels.len, labels,
		       nlabels * sizeof(*labels));
	p->sample_labels.len += nlabels;
	p->samples.data[p->samples.len++] = s;
	return 0;
}

static int64_t add_saturating(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

int64_t profile__total(const struct profile *p, size_t vi)
{
	size_t nv = p->sample_types.len, i;
	int64_t total = 0;

	if (vi >= nv)
		return 0;
	for (i = 0; i < p->samples.len; i++)
		total = add_saturating(total, p->sample_values.data[i * nv + vi]);
	return total;
}

static int check_str(const struct profile *p, uint32_t idx, const char *what, struct flame_err *err)
{
	if (idx >= p->strings.len)
		return flame_err__set(err, EINVAL, "%s refers to string %u of %zu", what, idx,
				      p->strings.len);
	return 0;
}

static int validate_locations(const struct profile *p, struct flame_err *err)
{
	size_t i, j;

	for (i = 0; i < p->locations.len; i++) {
		const struct location *loc = &p->locations.data[i];

		if (loc->mapping_id > p->mappings.len)
			return flame_err__set(err, EINVAL, "location %zu has unknown mapping %llu",
					      i + 1, (unsigned long long)loc->mapping_id);
		if ((size_t)loc->line_start + loc->nlines > p->lines.len)
			return flame_err__set(err, EINVAL, "location %zu has lines out of range",
					      i + 1);
		for (j = 0; j < loc->nlines; j++) {
			uint64_t fid = p->lines.data[loc->line_start + j].function_id;

			if (!fid || fid > p->functions.len)
				return flame_err__set(
					err, EINVAL,
					"location %zu has a line with unknown function %llu", i + 1,
					(unsigned long long)fid);
		}
	}
	return 0;
}

static int validate_samples(const struct profile *p, struct flame_err *err)
{
	size_t i, j;

	if (p->samples.len && !p->sample_types.len)
		return flame_err__set(err, EINVAL, "profile has samples but no sample types");
	if (p->sample_values.len != p->samples.len * p->sample_types.len)
		return flame_err__set(err, EINVAL, "sample values do not match %zu sample types",
				      p->sample_types.len);
	for (i = 0; i < p->samples.len; i++) {
		const struct sample *s = &p->samples.data[i];
		const struct label *labels = profile__sample_labels(p, i);
		const uint8_t *pos = locs_at(p, s->loc_start);
		const uint8_t *end = locs_at(p, p->sample_locs.len);
		uint32_t id;

		/* every id takes a byte at least */
		if (s->loc_start + s->nlocs > p->sample_locs.len ||
		    s->label_start + s->nlabels > p->sample_labels.len)
			return flame_err__set(err, EINVAL, "sample %zu is out of range", i);
		for (j = 0; j < s->nlocs; j++) {
			if (!next_loc(&pos, end, &id))
				return flame_err__set(err, EINVAL, "sample %zu is out of range", i);
			if (!id || id > p->locations.len)
				return flame_err__set(err, EINVAL,
						      "sample %zu has unknown location %llu", i,
						      (unsigned long long)id);
		}
		for (j = 0; j < s->nlabels; j++)
			if (labels[j].key >= p->strings.len || labels[j].str >= p->strings.len ||
			    labels[j].num_unit >= p->strings.len)
				return flame_err__set(err, EINVAL,
						      "sample %zu has a label string out of range",
						      i);
	}
	return 0;
}

int profile__validate(const struct profile *p, struct flame_err *err)
{
	size_t i;
	int ret;

	if (!p->strings.len || strtab__strlen(&p->strings, 0))
		return flame_err__set(err, EINVAL, "string table does not start with \"\"");
	for (i = 0; i < p->sample_types.len; i++)
		if ((ret = check_str(p, p->sample_types.data[i].type, "sample type", err)) ||
		    (ret = check_str(p, p->sample_types.data[i].unit, "sample unit", err)))
			return ret;
	for (i = 0; i < p->functions.len; i++) {
		const struct function *f = &p->functions.data[i];

		if ((ret = check_str(p, f->name, "function name", err)) ||
		    (ret = check_str(p, f->system_name, "function system name", err)) ||
		    (ret = check_str(p, f->filename, "function file name", err)))
			return ret;
	}
	for (i = 0; i < p->mappings.len; i++)
		if ((ret = check_str(p, p->mappings.data[i].filename, "mapping file name", err)) ||
		    (ret = check_str(p, p->mappings.data[i].build_id, "mapping build id", err)))
			return ret;
	for (i = 0; i < p->comments.len; i++)
		if ((ret = check_str(p, p->comments.data[i], "comment", err)))
			return ret;
	if ((ret = check_str(p, p->default_sample_type, "default sample type", err)) ||
	    (ret = check_str(p, p->drop_frames, "drop_frames", err)) ||
	    (ret = check_str(p, p->keep_frames, "keep_frames", err)) ||
	    (ret = check_str(p, p->doc_url, "doc_url", err)) ||
	    (ret = check_str(p, p->period_type.type, "period type", err)) ||
	    (ret = check_str(p, p->period_type.unit, "period unit", err)))
		return ret;
	if ((ret = validate_locations(p, err)))
		return ret;
	return validate_samples(p, err);
}

int profile__add_comment(struct profile *p, const char *text)
{
	int64_t idx = profile__intern_str(p, text);
	size_t i;

	if (idx < 0)
		return (int)idx;
	for (i = 0; i < p->comments.len; i++)
		if (p->comments.data[i] == (uint32_t)idx)
			return 0;
	return vec_push(&p->comments, (uint32_t)idx);
}

/* Re-intern one string of src into dst. */
static int64_t move_str(struct profile *dst, const struct profile *src, uint32_t idx)
{
	return strtab__intern(&dst->strings, strtab__str(&src->strings, idx),
			      strtab__strlen(&src->strings, idx));
}

static int check_compatible(const struct profile *dst, const struct profile *src,
			    struct flame_err *err)
{
	size_t i;

	if (!dst->sample_types.len)
		return 0;
	if (dst->sample_types.len != src->sample_types.len)
		return flame_err__set(err, EINVAL,
				      "cannot merge profiles with %zu and %zu sample types",
				      dst->sample_types.len, src->sample_types.len);
	for (i = 0; i < dst->sample_types.len; i++) {
		const struct value_type *a = &dst->sample_types.data[i];
		const struct value_type *b = &src->sample_types.data[i];

		if (strcmp(profile__str(dst, a->type), profile__str(src, b->type)) ||
		    strcmp(profile__str(dst, a->unit), profile__str(src, b->unit)))
			return flame_err__set(
				err, EINVAL, "cannot merge sample type %s/%s with %s/%s",
				profile__str(dst, a->type), profile__str(dst, a->unit),
				profile__str(src, b->type), profile__str(src, b->unit));
	}
	return 0;
}

static int merge_header(struct profile *dst, const struct profile *src)
{
	size_t i;
	int64_t t, u;

	if (!dst->sample_types.len) {
		for (i = 0; i < src->sample_types.len; i++) {
			const struct value_type *vt = &src->sample_types.data[i];

			if (profile__add_sample_type(dst, profile__str(src, vt->type),
						     profile__str(src, vt->unit)) < 0)
				return -ENOMEM;
		}
		t = move_str(dst, src, src->period_type.type);
		u = move_str(dst, src, src->period_type.unit);
		if (t < 0 || u < 0)
			return -ENOMEM;
		dst->period_type.type = (uint32_t)t;
		dst->period_type.unit = (uint32_t)u;
		if ((t = move_str(dst, src, src->default_sample_type)) < 0)
			return -ENOMEM;
		dst->default_sample_type = (uint32_t)t;
	}
	if (src->period > dst->period)
		dst->period = src->period;
	dst->duration_nanos = add_saturating(dst->duration_nanos, src->duration_nanos);
	if (src->time_nanos && (!dst->time_nanos || src->time_nanos < dst->time_nanos))
		dst->time_nanos = src->time_nanos;
	for (i = 0; i < src->comments.len; i++)
		if (profile__add_comment(dst, profile__str(src, src->comments.data[i])))
			return -ENOMEM;
	dst->quality.lost += src->quality.lost;
	dst->quality.truncated += src->quality.truncated;
	dst->quality.unknown_frames += src->quality.unknown_frames;
	dst->quality.bad_lines += src->quality.bad_lines;
	return 0;
}

static int merge_mappings(struct profile *dst, const struct profile *src, uint64_t *map_ids)
{
	size_t i;

	for (i = 0; i < src->mappings.len; i++) {
		struct mapping m = src->mappings.data[i];
		int64_t fn = move_str(dst, src, m.filename), bid = move_str(dst, src, m.build_id);
		int64_t id;

		if (fn < 0 || bid < 0)
			return -ENOMEM;
		m.filename = (uint32_t)fn;
		m.build_id = (uint32_t)bid;
		id = profile__add_mapping(dst, &m);
		if (id < 0)
			return (int)id;
		map_ids[i] = (uint64_t)id;
	}
	return 0;
}

static int merge_functions(struct profile *dst, const struct profile *src, uint64_t *fn_ids)
{
	size_t i;

	for (i = 0; i < src->functions.len; i++) {
		struct function f = src->functions.data[i];
		int64_t n = move_str(dst, src, f.name), sn = move_str(dst, src, f.system_name);
		int64_t fl = move_str(dst, src, f.filename), id;

		if (n < 0 || sn < 0 || fl < 0)
			return -ENOMEM;
		f.name = (uint32_t)n;
		f.system_name = (uint32_t)sn;
		f.filename = (uint32_t)fl;
		id = profile__intern_function(dst, &f);
		if (id < 0)
			return (int)id;
		fn_ids[i] = (uint64_t)id;
	}
	return 0;
}

static int merge_locations(struct profile *dst, const struct profile *src, const uint64_t *map_ids,
			   const uint64_t *fn_ids, uint64_t *loc_ids)
{
	VEC(struct line) lines = {0};
	size_t i, j;
	int ret = 0;

	for (i = 0; i < src->locations.len; i++) {
		const struct location *loc = &src->locations.data[i];
		uint64_t mid = loc->mapping_id ? map_ids[loc->mapping_id - 1] : 0;
		int64_t id;

		lines.len = 0;
		if (vec_reserve(&lines, loc->nlines)) {
			ret = -ENOMEM;
			break;
		}
		for (j = 0; j < loc->nlines; j++) {
			struct line l = src->lines.data[loc->line_start + j];

			l.function_id = fn_ids[l.function_id - 1];
			lines.data[lines.len++] = l;
		}
		id = profile__intern_location(dst, mid, loc->address, lines.data, loc->nlines);
		if (id < 0) {
			ret = (int)id;
			break;
		}
		loc_ids[i] = (uint64_t)id;
	}
	vec_free(&lines);
	return ret;
}

static int merge_samples(struct profile *dst, const struct profile *src, const uint64_t *loc_ids)
{
	VEC(uint64_t) locs = {0};
	VEC(uint32_t) ids = {0};
	VEC(struct label) labels = {0};
	size_t i, j;
	int ret = 0;

	for (i = 0; i < src->samples.len && !ret; i++) {
		const struct sample *s = &src->samples.data[i];
		const struct label *lb = profile__sample_labels(src, i);

		locs.len = labels.len = ids.len = 0;
		if (vec_reserve(&locs, s->nlocs) || vec_reserve(&labels, s->nlabels) ||
		    vec_reserve(&ids, s->nlocs)) {
			ret = -ENOMEM;
			break;
		}
		if ((ret = profile__sample_locs(src, i, ids.data)))
			break;
		for (j = 0; j < s->nlocs; j++)
			locs.data[j] = loc_ids[ids.data[j] - 1];
		for (j = 0; j < s->nlabels && !ret; j++) {
			struct label l = lb[j];
			int64_t k = move_str(dst, src, l.key), v = move_str(dst, src, l.str);
			int64_t u = move_str(dst, src, l.num_unit);

			if (k < 0 || v < 0 || u < 0)
				ret = -ENOMEM;
			l.key = (uint32_t)k;
			l.str = (uint32_t)v;
			l.num_unit = (uint32_t)u;
			labels.data[j] = l;
		}
		if (!ret)
			ret = profile__add_sample(dst, locs.data, s->nlocs,
						  profile__sample_values(src, i), labels.data,
						  s->nlabels);
	}
	vec_free(&locs);
	vec_free(&ids);
	vec_free(&labels);
	return ret;
}

int profile__merge(struct profile *dst, const struct profile *src, struct flame_err *err)
{
	uint64_t *map_ids, *fn_ids, *loc_ids;
	int ret;

	if ((ret = check_compatible(dst, src, err)))
		return ret;
	map_ids = calloc(src->mappings.len + 1, sizeof(*map_ids));
	fn_ids = calloc(src->functions.len + 1, sizeof(*fn_ids));
	loc_ids = calloc(src->locations.len + 1, sizeof(*loc_ids));
	if (!map_ids || !fn_ids || !loc_ids)
		ret = -ENOMEM;
	if (!ret)
		ret = merge_header(dst, src);
	if (!ret)
		ret = merge_mappings(dst, src, map_ids);
	if (!ret)
		ret = merge_functions(dst, src, fn_ids);
	if (!ret)
		ret = merge_locations(dst, src, map_ids, fn_ids, loc_ids);
	if (!ret)
		ret = merge_samples(dst, src, loc_ids);
	free(map_ids);
	free(fn_ids);
	free(loc_ids);
	if (ret == -ENOMEM)
		flame_err__set(err, ENOMEM, "out of memory while merging profiles");
	return ret;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static enum frame_kind mapping_kind(const char *file)
{
	if (has_prefix(file, "[kernel") || has_prefix(file, "[vmlinux") ||
	    has_prefix(file, "vmlinux"))
		return FRAME_KERNEL;
	if (!strcmp(file, JIT_MAPPING_NAME) || has_prefix(file, "//anon") ||
	    has_prefix(file, "[anon") || has_prefix(file, "/memfd:") ||
	    (has_prefix(file, "/tmp/perf-") && has_suffix(file, ".map")))
		return FRAME_JIT;
	return FRAME_NATIVE;
}

/*
 * A slash-separated symbol without a file: Go ("net/http.(*conn).serve": the package after
 * the last slash is lower case) or Java ("java/util/HashMap.get", "Ljava/lang/String;":
 * a class name, upper case, follows the last slash; JIT-compiled or interpreted by the JVM).
 */
static enum frame_kind package_path_kind(const char *name)
{
	const char *last = strrchr(name, '/') + 1;

	return *last >= 'A' && *last <= 'Z' ? FRAME_JIT : FRAME_GO;
}

static enum frame_kind function_kind(const char *name, const char *file)
{
	if (has_suffix(file, ".go"))
		return FRAME_GO;
	if (has_suffix(file, ".py") || has_suffix(file, ".java") || has_prefix(name, "Interpreter"))
		return FRAME_INTERPRETED;
	/* "[python3.11]": an unsymbolized frame named after its module (perf script input) */
	if (!*name || (name[0] == '[' && has_suffix(name, "]") && !strchr(name, ' ')) ||
	    has_prefix(name, "0x") || strstr(name, "+0x"))
		return FRAME_UNKNOWN;
	if (has_prefix(name, "runtime.") || has_prefix(name, "main."))
		return FRAME_GO;
	if (name[0] == 'L' && strchr(name, '/') && strchr(name, ';'))
		return FRAME_JIT; /* a JVM type signature, as perf maps spell Java methods */
	if (strchr(name, '/') && strchr(name, '.') && !strchr(name, ' ') && !strstr(name, "::"))
		return package_path_kind(name);
	return FRAME_NATIVE;
}

/*
 * A copy of string idx with NUL bytes shown as '?', as the folded writer shows them, so a
 * name is classified the same before and after a round trip; NULL if it has no NUL.
 */
static char *without_nuls(const struct profile *p, uint32_t idx)
{
	const char *s = profile__str(p, idx);
	size_t n = strtab__strlen(&p->strings, idx), i;
	char *copy;

	if (strlen(s) == n || !(copy = malloc(n + 1)))
		return NULL;
	for (i = 0; i < n; i++)
		copy[i] = s[i] ? s[i] : '?';
	copy[n] = '\0';
	return copy;
}

static enum frame_kind function_kind_of(const struct profile *p, const struct function *f)
{
	char *name = without_nuls(p, f->name), *file = without_nuls(p, f->filename);
	enum frame_kind kind = function_kind(name ? name : profile__str(p, f->name),
					     file ? file : profile__str(p, f->filename));

	free(name);
	free(file);
	return kind;
}

enum frame_kind profile__frame_kind(const struct profile *p, const struct location *loc,
				    const struct line *line)
{
	const struct mapping *m = profile__mapping(p, loc->mapping_id);
	enum frame_kind kind = m ? mapping_kind(profile__str(p, m->filename)) : FRAME_NATIVE;
	const struct function *f;

	/* a JVM's template interpreter, in JIT memory: singe names its frames [interpreted] */
	if (kind == FRAME_JIT && line &&
	    !strcmp(profile__str(p, profile__function(p, line->function_id)->name),
		    "[interpreted]"))
		return FRAME_INTERPRETED;
	if (kind != FRAME_NATIVE)
		return kind;
	if (!line)
		return FRAME_UNKNOWN;
	f = profile__function(p, line->function_id);
	return function_kind_of(p, f);
}

const char *frame_kind__name(enum frame_kind kind)
{
	static const char *const names[FRAME_KIND_COUNT] = {
		[FRAME_NATIVE] = "native",
		[FRAME_KERNEL] = "kernel",
		[FRAME_GO] = "go",
		[FRAME_JIT] = "jit",
		[FRAME_INTERPRETED] = "interpreted",
		[FRAME_UNKNOWN] = "unknown",
	};

	return (unsigned)kind < FRAME_KIND_COUNT ? names[kind] : "unknown";
}
