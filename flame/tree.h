/* SPDX-License-Identifier: MIT */
/*
 * The merged call tree: one node per distinct path of frame names, built from a struct
 * profile. The SVG renderer draws it; `singe report` and `singe diff` walk it.
 *
 * A sample's stack is read root first. Each location expands into its lines from the last
 * one (the real function) down to lines[0] (the innermost inlined callee); every line but
 * the last is flagged inlined. Nodes are keyed by (parent, function name, inlined), so two
 * functions with the same display name on the same path merge, as in flamegraph.pl.
 *
 * Locations without lines (unsymbolized addresses) get a made-up name: "libc.so.6+0x1234"
 * (mapping base name + file offset) or "0x1234"; tree__name() resolves both kinds of name.
 *
 * The result is deterministic: the same profile and options give the same nodes, in the
 * same order, with the same children order.
 */
#ifndef SINGE_FLAME_TREE_H
#define SINGE_FLAME_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"
#include "strtab.h"

#define TREE_ROOT 0u
#define TREE_NONE UINT32_MAX

struct tree_opts {
	size_t vi;	   /* value column drawn: index into profile.sample_types */
	int base_vi;	   /* a second, "base" column (differential input), or -1 for none */
	bool reverse;	   /* flamegraph.pl --reverse: stacks reversed, leaf functions are roots */
	bool sort_by_size; /* children by total, descending (ties by name); default by name */
};

struct tree_node {
	uint32_t parent;      /* TREE_NONE for the root */
	uint32_t name;	      /* pass to tree__name() */
	uint32_t child_start; /* the children are tree.children[child_start .. +nchildren) */
	uint32_t nchildren;
	uint32_t depth; /* root 0 */
	uint8_t kind;	/* enum frame_kind; FRAME_NATIVE for the root */
	bool inlined;
	int64_t total; /* value of column vi in this node and below (saturating) */
	int64_t self;  /* value of samples whose stack ends here */
};

/* The base column's values of a node (kept apart: most trees have none). */
struct tree_base {
	int64_t total, self;
};

struct tree {
	const struct profile *p;
	struct tree_node *nodes; /* nodes[TREE_ROOT] is the synthetic "all" node */
	size_t nnodes, cap;
	uint32_t *children; /* every node's children, sorted, back to back */
	uint32_t max_depth;
	bool has_base;
	struct tree_base *base; /* per node when has_base, else NULL: use tree__base_*() */
	struct tree_opts opts;
	struct strtab local; /* names made up for locations without lines */
	uint32_t nprofile_strings;
};

/*
 * Build the tree of p, a valid profile (profile__validate()). NULL with errno set on failure:
 * EINVAL for a value column out of range, ENOMEM. The tree refers to p's strings: keep p
 * alive while using the tree.
 */
struct tree *tree__build(const struct profile *p, const struct tree_opts *opts);
void tree__free(struct tree *t);

/* The display name of a node ("all" for the root). */
const char *tree__name(const struct tree *t, uint32_t node);
/* Its length in bytes. */
size_t tree__name_len(const struct tree *t, uint32_t node);

static inline const struct tree_node *tree__node(const struct tree *t, uint32_t node)
{
	return &t->nodes[node];
}

/* The base column's total and self value of a node; 0 without a base column. */
static inline int64_t tree__base_total(const struct tree *t, uint32_t node)
{
	return t->base ? t->base[node].total : 0;
}
static inline int64_t tree__base_self(const struct tree *t, uint32_t node)
{
	return t->base ? t->base[node].self : 0;
}

/* The i-th child (in sorted order) of a node. */
static inline uint32_t tree__child(const struct tree *t, uint32_t node, uint32_t i)
{
	return t->children[t->nodes[node].child_start + i];
}

#endif /* SINGE_FLAME_TREE_H */
