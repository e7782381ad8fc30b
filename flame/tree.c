// SPDX-License-Identifier: MIT
/*
 * Building the merged call tree without a hash table: every sample is expanded into an
 * array of frame keys (name rank, inlined flag, kind), the samples are sorted by those
 * arrays, and one pass over the sorted samples creates each node the first time its path
 * appears. Names and kinds are computed once per location line, not per frame.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tree.h"

/*
 * A frame of a stack as the builder sees it: rank << 4 | inlined << 3 | kind. The rank is
 * the position of the frame's name in byte order, so comparing keys >> 3 orders frames by
 * (name, inlined) -- exactly the children order of the tree -- and ignores the kind.
 */
#define KEY_CMP(k) ((k) >> 3)
#define KEY_KIND(k) ((k)&7u)
#define KEY_INLINED(k) (((k) >> 3) & 1u)
#define KEY_RANK(k) ((k) >> 4)
#define MAX_RANK ((UINT32_MAX >> 4) - 1) /* so that a key + 1 never wraps */
#define LOC_MULTI UINT32_MAX		 /* loc_key: a location with several lines */

struct builder {
	struct tree *t;
	uint32_t *rank;	   /* per combined name index: its rank, UINT32_MAX = unused */
	uint32_t *by_rank; /* rank → combined name index */
	uint32_t nranks;
	uint32_t *loc_name; /* per location without lines: combined name index */
	uint8_t *line_kind; /* per profile line: kind + 1, 0 = not computed yet */
	uint8_t *loc_kind;  /* per location without lines: kind + 1 */
	uint32_t *loc_key;  /* per location: its one key + 1, LOC_MULTI, or 0 = not yet */
	uint32_t *keys;	    /* every sample's frames, root first, back to back */
	size_t *key_start;  /* sample i's keys are keys[key_start[i] .. key_start[i + 1]) */
	uint32_t *order;    /* sample indexes, sorted by their keys */
};

/*
 * Allocate a large array that will be filled front to back: on 2 MiB boundaries and, where
 * transparent huge pages are enabled for madvise, backed by them. Page faults on 4 KiB pages
 * were a third of the time of building a tree of a million nodes. free()/realloc() as usual.
 */
static void *big_alloc(size_t size)
{
	const size_t huge = 2u << 20;
	void *p;

	if (size < 2 * huge)
		return malloc(size ? size : 1);
	size = (size + huge - 1) & ~(huge - 1);
	p = aligned_alloc(huge, size);
	if (p)
		madvise(p, size, MADV_HUGEPAGE); /* only a hint: failure changes nothing */
	return p;
}

static int64_t sat_add(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

const char *tree__name(const struct tree *t, uint32_t node)
{
	uint32_t name = t->nodes[node].name;

	if (name < t->nprofile_strings)
		return profile__str(t->p, name);
	return strtab__str(&t->local, name - t->nprofile_strings);
}

size_t tree__name_len(const struct tree *t, uint32_t node)
{
	uint32_t name = t->nodes[node].name;

	if (name < t->nprofile_strings)
		return strtab__strlen(&t->p->strings, name);
	return strtab__strlen(&t->local, name - t->nprofile_strings);
}

static const char *combined_str(const struct tree *t, uint32_t name, size_t *len)
{
	if (name < t->nprofile_strings) {
		*len = strtab__strlen(&t->p->strings, name);
		return profile__str(t->p, name);
	}
	*len = strtab__strlen(&t->local, name - t->nprofile_strings);
	return strtab__str(&t->local, name - t->nprofile_strings);
}

/* A tree-local name; its combined index, or a negative errno. */
static int64_t local_name(struct tree *t, const char *s, size_t len)
{
	int64_t idx = strtab__intern(&t->local, s, len);

	if (idx < 0)
		return idx;
	if ((uint64_t)idx + t->nprofile_strings >= UINT32_MAX)
		return -E2BIG;
	return idx + t->nprofile_strings;
}

/* The made-up name of a location without lines: "libfoo.so+0x1234" or "0x1234". */
static int64_t unsymbolized_name(struct tree *t, const struct location *loc)
{
	const struct mapping *m = profile__mapping(t->p, loc->mapping_id);
	char buf[320];
	int n;

	if (m && strtab__strlen(&t->p->strings, m->filename)) {
		const char *file = profile__str(t->p, m->filename), *base = strrchr(file, '/');
		uint64_t off = loc->address - m->memory_start + m->file_offset;

		base = base && base[1] ? base + 1 : file;
		n = snprintf(buf, sizeof(buf), "%.256s+0x%" PRIx64, base, off);
	} else {
		n = snprintf(buf, sizeof(buf), "0x%" PRIx64, loc->address);
	}
	if (n < 0)
		return -EINVAL;
	return local_name(t, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static int cmp_strings(const char *a, size_t la, const char *b, size_t lb)
{
	int c = memcmp(a, b, la < lb ? la : lb);

	if (c)
		return c;
	return la < lb ? -1 : la > lb;
}

struct name_ref {
	const char *s;
	uint32_t len;
	uint32_t idx; /* combined name index */
};

static int cmp_name_refs(const void *pa, const void *pb)
{
	const struct name_ref *a = pa, *b = pb;
	int c = cmp_strings(a->s, a->len, b->s, b->len);

	return c ? c : (a->idx > b->idx) - (a->idx < b->idx);
}

/*
 * Sort the n names in by_rank by their bytes and number them. Equal strings under different
 * indexes (decoders may keep a file's duplicate strings) share a rank, so they share nodes.
 */
static int sort_names(struct builder *b, uint32_t n)
{
	struct name_ref *refs = malloc((n ? n : 1) * sizeof(*refs));
	size_t len;
	uint32_t i;

	if (!refs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		refs[i].s = combined_str(b->t, b->by_rank[i], &len);
		refs[i].len = (uint32_t)len;
		refs[i].idx = b->by_rank[i];
	}
	qsort(refs, n, sizeof(*refs), cmp_name_refs);
	b->nranks = 0;
	for (i = 0; i < n; i++) {
		if (!i || cmp_strings(refs[i - 1].s, refs[i - 1].len, refs[i].s, refs[i].len))
			b->by_rank[b->nranks++] = refs[i].idx;
		b->rank[refs[i].idx] = b->nranks - 1;
	}
	free(refs);
	return 0;
}

/* The name (string index) of a line's function; "" for anything out of range. */
static uint32_t line_name(const struct profile *p, const struct line *line)
{
	uint64_t fid = line->function_id;
	uint32_t name = fid && fid <= p->functions.len ? profile__function(p, fid)->name : 0;

	return name < p->strings.len ? name : 0;
}

/*
 * Name every location without lines, then rank every name a frame can have (function names
 * of lines, the made-up names, "all") in byte order.
 */
static int rank_names(struct builder *b)
{
	struct tree *t = b->t;
	const struct profile *p = t->p;
	size_t i, nnames;
	uint32_t n = 0;
	int64_t idx;

	for (i = 0; i < p->locations.len; i++) {
		if (p->locations.data[i].nlines)
			continue;
		idx = unsymbolized_name(t, &p->locations.data[i]);
		if (idx < 0)
			return (int)idx;
		b->loc_name[i] = (uint32_t)idx;
		b->loc_kind[i] = (uint8_t)profile__frame_kind(p, &p->locations.data[i], NULL) + 1;
	}
	nnames = t->nprofile_strings + t->local.len;
	b->rank = malloc(nnames * sizeof(*b->rank));
	b->by_rank = malloc(nnames * sizeof(*b->by_rank));
	if (!b->rank || !b->by_rank)
		return -ENOMEM;
	memset(b->rank, 0xff, nnames * sizeof(*b->rank));
	/* mark the names in use, collecting each once */
	for (i = 0; i < p->lines.len; i++) {
		uint32_t name = line_name(p, &p->lines.data[i]);

		if (b->rank[name] == UINT32_MAX) {
			b->rank[name] = 0;
			b->by_rank[n++] = name;
		}
	}
	for (i = t->nprofile_strings; i < nnames; i++)
		b->by_rank[n++] = (uint32_t)i;
	if (n > MAX_RANK)
		return -E2BIG;
	return sort_names(b, n);
}

static uint32_t line_key(struct builder *b, const struct location *loc, uint32_t li)
{
	const struct profile *p = b->t->p;
	const struct line *line = &p->lines.data[loc->line_start + li];
	uint8_t *kind = &b->line_kind[loc->line_start + li];
	uint32_t name = line_name(p, line);

	if (!*kind)
		*kind = (uint8_t)profile__frame_kind(p, loc, line) + 1;
	return b->rank[name] << 4 | (uint32_t)(li != loc->nlines - 1) << 3 | (uint32_t)(*kind - 1);
}

/* Write the keys of one location, root first (or leaf first when reversed); their count. */
static uint32_t location_keys(struct builder *b, const struct location *loc, bool reverse,
			      uint32_t *out)
{
	uint32_t n = loc->nlines, i;

	for (i = 0; i < n; i++)
		out[i] = line_key(b, loc, reverse ? i : n - 1 - i);
	return n;
}

/*
 * The key of a location with one line or none (the same in both directions), computed once
 * per location; LOC_MULTI for a location with inlined lines.
 */
static uint32_t single_key(struct builder *b, uint64_t loc_id)
{
	uint32_t *k = &b->loc_key[loc_id - 1];

	if (!*k) {
		const struct location *loc = profile__location(b->t->p, loc_id);

		if (loc->nlines > 1)
			*k = LOC_MULTI;
		else if (loc->nlines == 1)
			*k = line_key(b, loc, 0) + 1;
		else
			*k = (b->rank[b->loc_name[loc_id - 1]] << 4 |
			      (b->loc_kind[loc_id - 1] - 1u)) +
			     1;
	}
	return *k;
}

static int reserve_keys(struct builder *b, size_t *cap, size_t need)
{
	size_t ncap = *cap;
	void *keys;

	if (need <= ncap)
		return 0;
	while (ncap < need)
		ncap = ncap ? ncap * 2 : 4096;
	keys = b->keys ? realloc(b->keys, ncap * sizeof(*b->keys))
		       : big_alloc(ncap * sizeof(*b->keys));
	if (!keys)
		return -ENOMEM;
	b->keys = keys;
	*cap = ncap;
	return 0;
}

/* One sample's frame keys, root first, at keys[*pos...). */
static int sample_keys_one(struct builder *b, const uint32_t *locs, uint32_t n, size_t *pos,
			   size_t *cap)
{
	const struct profile *p = b->t->p;
	bool reverse = b->t->opts.reverse;
	uint32_t j;

	for (j = 0; j < n; j++) {
		uint64_t id = reverse ? locs[j] : locs[n - 1 - j];
		uint32_t k = single_key(b, id);
		const struct location *loc;

		if (k != LOC_MULTI) {
			b->keys[(*pos)++] = k - 1;
			continue;
		}
		loc = profile__location(p, id);
		if (reserve_keys(b, cap, *pos + loc->nlines + (n - j)))
			return -ENOMEM;
		*pos += location_keys(b, loc, reverse, b->keys + *pos);
	}
	return 0;
}

/* Expand every sample into its frame keys, root first. */
static int sample_keys(struct builder *b)
{
	const struct profile *p = b->t->p;
	size_t i, pos = 0, cap = 0;
	VEC(uint32_t) ids = {0};
	int ret = 0;

	b->key_start = malloc((p->samples.len + 1) * sizeof(*b->key_start));
	/* a frame per location (an id takes a byte or more), more only where lines were inlined */
	if (!b->key_start || reserve_keys(b, &cap, p->sample_locs.len + 1))
		return -ENOMEM;
	for (i = 0; i < p->samples.len && !ret; i++) {
		uint32_t n = p->samples.data[i].nlocs;

		b->key_start[i] = pos;
		ids.len = 0;
		if (reserve_keys(b, &cap, pos + n) || vec_reserve(&ids, n))
			ret = -ENOMEM;
		else
			ret = profile__sample_locs(p, i, ids.data);
		if (!ret)
			ret = sample_keys_one(b, ids.data, n, &pos, &cap);
	}
	vec_free(&ids);
	if (ret)
		return ret;
	b->key_start[p->samples.len] = pos;
	return 0;
}

/* The length of the common prefix of two key arrays, comparing names and inlined flags. */
static size_t common_prefix(const uint32_t *a, const uint32_t *b, size_t n)
{
	size_t i = 0;
	uint64_t x, y;

	/* equal words are equal keys; a kind-only difference falls through to the slow loop */
	while (i + 2 <= n) {
		memcpy(&x, a + i, sizeof(x));
		memcpy(&y, b + i, sizeof(y));
		if (x != y)
			break;
		i += 2;
	}
	while (i < n && KEY_CMP(a[i]) == KEY_CMP(b[i]))
		i++;
	return i;
}

static int cmp_samples(const void *pa, const void *pb, void *ctx)
{
	const struct builder *b = ctx;
	uint32_t sa = *(const uint32_t *)pa, sb = *(const uint32_t *)pb;
	const uint32_t *ka = b->keys + b->key_start[sa], *kb = b->keys + b->key_start[sb];
	size_t na = b->key_start[sa + 1] - b->key_start[sa];
	size_t nb = b->key_start[sb + 1] - b->key_start[sb];
	size_t i = common_prefix(ka, kb, na < nb ? na : nb);

	if (i < na && i < nb)
		return KEY_CMP(ka[i]) < KEY_CMP(kb[i]) ? -1 : 1;
	if (na != nb)
		return na < nb ? -1 : 1;
	return sa < sb ? -1 : sa > sb; /* equal stacks keep their input order */
}

/* Are the samples in key order already? (Sorted folded input is common: no need to sort.) */
static bool sorted(const struct builder *b)
{
	size_t i, n = b->t->p->samples.len;

	for (i = 1; i < n; i++)
		if (cmp_samples(&b->order[i - 1], &b->order[i], (void *)b) > 0)
			return false;
	return true;
}

/* Make room for n more nodes. */
static int reserve_nodes(struct tree *t, size_t n)
{
	size_t cap = t->cap;
	void *p;

	if (t->nnodes + n <= cap)
		return 0;
	if (t->nnodes + n >= UINT32_MAX - 1)
		return -E2BIG;
	while (cap < t->nnodes + n)
		cap = cap ? cap * 2 : 1024;
	p = t->nodes ? realloc(t->nodes, cap * sizeof(*t->nodes))
		     : big_alloc(cap * sizeof(*t->nodes));
	if (!p)
		return -ENOMEM;
	t->nodes = p;
	if (t->has_base) {
		p = t->base ? realloc(t->base, cap * sizeof(*t->base))
			    : calloc(cap, sizeof(*t->base));
		if (!p)
			return -ENOMEM;
		t->base = p;
		if (cap > t->cap && t->cap)
			memset(t->base + t->cap, 0, (cap - t->cap) * sizeof(*t->base));
	}
	t->cap = cap;
	return 0;
}

/* Append a node (room was reserved); its index. */
static uint32_t add_node(struct tree *t, uint32_t parent, uint32_t name, uint32_t key,
			 uint32_t depth)
{
	t->nodes[t->nnodes] = (struct tree_node){
		.parent = parent,
		.name = name,
		.depth = depth,
		.kind = (uint8_t)KEY_KIND(key),
		.inlined = KEY_INLINED(key),
	};
	if (parent != TREE_NONE)
		t->nodes[parent].nchildren++;
	if (depth > t->max_depth)
		t->max_depth = depth;
	return (uint32_t)t->nnodes++;
}

/*
 * With the samples sorted by their keys, a sample shares with the previous one exactly the
 * prefix of nodes it shares with any earlier one, so every frame after that prefix is a new
 * node: no lookups at all, and nodes come out in depth-first order with each node's
 * children already sorted by name. A node whose subtree is complete is never seen again,
 * so totals are summed on a stack of the open path as nodes close, not by a second pass.
 */
struct level {
	uint32_t node;
	int64_t total, base_total;
};

static void close_level(struct tree *t, struct level *lv, size_t l)
{
	t->nodes[lv[l].node].total = lv[l].total;
	lv[l - 1].total = sat_add(lv[l - 1].total, lv[l].total);
	if (t->base) {
		t->base[lv[l].node].total = lv[l].base_total;
		lv[l - 1].base_total = sat_add(lv[l - 1].base_total, lv[l].base_total);
	}
}

static int add_sorted(struct builder *b, struct level *lv)
{
	struct tree *t = b->t;
	const struct profile *p = t->p;
	const uint32_t *prev = NULL;
	size_t open = 0, k, l;
	int ret;

	/* level 0 is the root, level l the sample's frame l - 1 */
	lv[0] = (struct level){.node = TREE_ROOT};
	for (k = 0; k < p->samples.len; k++) {
		uint32_t s = b->order[k];
		const uint32_t *keys = b->keys + b->key_start[s];
		size_t n = b->key_start[s + 1] - b->key_start[s];
		size_t same = prev ? common_prefix(keys, prev, n < open ? n : open) : 0;
		const int64_t *values = profile__sample_values(p, s);
		int64_t v = values[t->opts.vi];
		uint32_t leaf;

		for (; open > same; open--)
			close_level(t, lv, open);
		if ((ret = reserve_nodes(t, n - same)))
			return ret;
		for (l = same + 1; l <= n; l++)
			lv[l] = (struct level){.node = add_node(t, lv[l - 1].node,
								b->by_rank[KEY_RANK(keys[l - 1])],
								keys[l - 1], (uint32_t)l)};
		open = n;
		leaf = lv[n].node;
		t->nodes[leaf].self = sat_add(t->nodes[leaf].self, v);
		lv[n].total = sat_add(lv[n].total, v);
		if (t->base) {
			v = values[t->opts.base_vi];
			t->base[leaf].self = sat_add(t->base[leaf].self, v);
			lv[n].base_total = sat_add(lv[n].base_total, v);
		}
		prev = keys;
	}
	for (; open > 0; open--)
		close_level(t, lv, open);
	t->nodes[TREE_ROOT].total = lv[0].total;
	if (t->base)
		t->base[TREE_ROOT].total = lv[0].base_total;
	return 0;
}

static int cmp_by_size(const void *pa, const void *pb, void *ctx)
{
	const struct tree *t = ctx;
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	if (t->nodes[a].total != t->nodes[b].total)
		return t->nodes[a].total > t->nodes[b].total ? -1 : 1;
	/* siblings were created in name order, so their indexes break ties by name */
	return a < b ? -1 : a > b;
}

/*
 * Lay out every node's children back to back (already in name order). Nodes are in depth
 * first order, so the parent of node i is the last node seen one level up: a stack of the
 * open path replaces random accesses to parents.
 */
static int link_children(struct tree *t)
{
	struct open_parent {
		uint32_t start, fill;
	} *stack = malloc((t->max_depth + 2) * sizeof(*stack));
	size_t i, start = 0;

	t->children = big_alloc(t->nnodes * sizeof(*t->children));
	if (!t->children || !stack) {
		free(stack);
		return -ENOMEM;
	}
	for (i = 0; i < t->nnodes; i++) {
		t->nodes[i].child_start = (uint32_t)start;
		start += t->nodes[i].nchildren;
	}
	stack[0] = (struct open_parent){t->nodes[TREE_ROOT].child_start, 0};
	for (i = 1; i < t->nnodes; i++) {
		uint32_t d = t->nodes[i].depth;

		t->children[stack[d - 1].start + stack[d - 1].fill++] = (uint32_t)i;
		stack[d] = (struct open_parent){t->nodes[i].child_start, 0};
	}
	free(stack);
	if (t->opts.sort_by_size)
		for (i = 0; i < t->nnodes; i++)
			if (t->nodes[i].nchildren > 1)
				qsort_r(t->children + t->nodes[i].child_start,
					t->nodes[i].nchildren, sizeof(*t->children), cmp_by_size,
					t);
	return 0;
}

static void builder_release(struct builder *b)
{
	free(b->rank);
	free(b->by_rank);
	free(b->loc_name);
	free(b->line_kind);
	free(b->loc_kind);
	free(b->loc_key);
	free(b->keys);
	free(b->key_start);
	free(b->order);
}

static int build(struct tree *t)
{
	const struct profile *p = t->p;
	struct builder b = {.t = t};
	struct level *levels = NULL;
	size_t i, depth = 0, nkeys;
	int64_t all = local_name(t, "all", 3);
	int ret = 0;

	if (all < 0)
		return (int)all;
	if (p->samples.len >= UINT32_MAX)
		return -E2BIG;
	b.line_kind = calloc(p->lines.len + 1, 1);
	b.loc_name = calloc(p->locations.len + 1, sizeof(*b.loc_name));
	b.loc_kind = calloc(p->locations.len + 1, 1);
	b.loc_key = calloc(p->locations.len + 1, sizeof(*b.loc_key));
	b.order = malloc((p->samples.len + 1) * sizeof(*b.order));
	if (!b.line_kind || !b.loc_name || !b.loc_kind || !b.loc_key || !b.order)
		ret = -ENOMEM;
	if (!ret)
		ret = rank_names(&b);
	if (!ret)
		ret = sample_keys(&b);
	if (!ret) {
		for (i = 0; i < p->samples.len; i++) {
			size_t n = b.key_start[i + 1] - b.key_start[i];

			b.order[i] = (uint32_t)i;
			depth = n > depth ? n : depth;
		}
		if (!sorted(&b))
			qsort_r(b.order, p->samples.len, sizeof(*b.order), cmp_samples, &b);
		levels = malloc((depth + 1) * sizeof(*levels));
		if (!levels)
			ret = -ENOMEM;
	}
	/* one node per frame at most: reserve that (up to 16M nodes) once; pages are only
	 * touched as they are used */
	nkeys = b.key_start ? b.key_start[p->samples.len] : 0;
	if (!ret && !(ret = reserve_nodes(t, (nkeys < (1u << 24) ? nkeys : (1u << 24)) + 1)))
		add_node(t, TREE_NONE, (uint32_t)all, 0, 0);
	if (!ret)
		ret = add_sorted(&b, levels);
	free(levels);
	builder_release(&b);
	if (!ret)
		ret = link_children(t);
	return ret;
}

struct tree *tree__build(const struct profile *p, const struct tree_opts *opts)
{
	struct tree *t;
	int ret;

	if (opts->vi >= p->sample_types.len ||
	    (opts->base_vi >= 0 && (size_t)opts->base_vi >= p->sample_types.len)) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t || strtab_init(&t->local)) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->p = p;
	t->opts = *opts;
	t->has_base = opts->base_vi >= 0;
	t->nprofile_strings = (uint32_t)p->strings.len;
	ret = build(t);
	if (ret) {
		tree__free(t);
		errno = -ret;
		return NULL;
	}
	return t;
}

void tree__free(struct tree *t)
{
	if (!t)
		return;
	free(t->nodes);
	free(t->base);
	free(t->children);
	strtab_release(&t->local);
	free(t);
}
