/* SPDX-License-Identifier: MIT */
/*
 * Folded stacks, the text format of flamegraph.pl and its stackcollapse-* scripts:
 *
 *	main;work;compute 42		one sample column, frames root first
 *	main;work;compute 10 12		differential (difffolded.pl): base count, then new count
 *
 * The count follows the last space; a frame name is any bytes but ';' and '\n' (spaces
 * included). A name may end with a suffix that says what kind of frame it is, as in
 * flamegraph.pl: "_[k]" kernel, "_[j]" JIT, "_[i]" inlined into the frame before it (its
 * caller), "_[w]" waker (stripped, read as a native frame). The reader keeps that meaning in
 * the model: kernel and JIT frames get a shared mapping named KERNEL_MAPPING_NAME or
 * JIT_MAPPING_NAME, and a caller with its inlined callees becomes one location with one line
 * per frame (lines[0] the innermost callee, the last line the caller). The writer reverses
 * this exactly, so folded text without "_[w]", "\r" and repeated stack lines survives a round
 * trip through the model byte for byte.
 *
 * Units: every folded reader (flamegraph.pl, speedscope, inferno) takes the counts for sample
 * counts, so a column of another unit is declared by a first line naming the sample types,
 *
 *	# sample type: cpu/nanoseconds		(two words for two columns)
 *
 * which those readers skip (it ends without a count) and singe's reader takes back, so a
 * flame graph or report of the file shows nanoseconds, never "samples". Files of counts carry
 * no header and read as "samples/count".
 */
#ifndef SINGE_FLAME_FOLDED_H
#define SINGE_FLAME_FOLDED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "hash.h"
#include "profile.h"

/*
 * Parse folded stacks from buf[0..len) (need not be NUL-terminated; may hold any bytes) and
 * append one sample per line to p.
 *
 * A unit header (above) names the columns: an empty p gets its sample types; a p with sample
 * types must have the same ones, else -EINVAL. Without a header, on a p without sample types,
 * the first lines decide the columns: one count gives
 * "samples/count", two counts give "base/count" then "samples/count" with
 * default_sample_type "samples" (the majority of the first lines decides, since names may end
 * in digits). On a p that has sample types, their number (1 or 2) is the number of count
 * columns each line must have: a p with more, or an input whose first lines all have the
 * other number of counts, gives -EINVAL.
 *
 * Counts are whole non-negative decimal numbers that fit int64. Lines that do not parse (no
 * count, a fraction, an overflow, an empty frame as in "a;;b") are skipped and counted in
 * p->quality.bad_lines; *first_bad_line (may be NULL) gets the 1-based number of the first,
 * or 0. Blank lines are ignored. A line " 5" (empty stack) is a sample with no frames.
 *
 * Returns 0; -EINVAL with a one-line message in err when no line parsed; -ENOMEM/-E2BIG.
 */
int folded__parse(struct profile *p, const char *buf, size_t len, size_t *first_bad_line,
		  struct flame_err *err);

/*
 * Write p's samples as folded text: one line per distinct stack (identical stacks merged, in
 * the order they are first seen), root first, with the value of sample type vi; with
 * base_vi >= 0, the two-column form "stack base value". A negative sum counts as zero (folded
 * counts cannot be negative), and stacks whose values are all zero are left out. A sum beyond
 * INT64_MAX is written as several lines, so totals are kept exactly.
 *
 * Frame names: kernel frames get "_[k]", JIT frames "_[j]", inlined lines "_[i]" (decided by
 * profile__frame_kind()); ';' in a name becomes ':', a newline or CR a space and a NUL '?',
 * since they would break the line (or the name, for C tools); a plain name that ends like a
 * "_[k]", "_[j]" or "_[w]" suffix gets "_[w]" after it, which the reader drops, so it reads
 * back whole; an empty name is written "[unknown]", and a location without lines
 * "0x<address>" (or "[unknown]").
 *
 * When a written column's unit is not "count", the unit header comes first.
 *
 * Returns 0, -EINVAL for a bad vi/base_vi, -E2BIG past UINT32_MAX samples, -ENOMEM, or -EIO
 * when writing fails.
 */
int folded__write(const struct profile *p, int vi, int base_vi, FILE *out);

/*
 * The column folded output shows when none is asked for: what its readers assume, a count.
 * The profile's default when it is a count ("samples", "cycles"), else the count column just
 * before it (its type's count: "samples" rather than "cpu" nanoseconds, "inuse_objects"
 * rather than "inuse_space"), else its first count column, else the default. -ENOENT when p
 * has no sample types.
 */
int folded__default_sample_type(const struct profile *p);

/* Does buf look like folded text? Its first non-blank lines end with " <int>" or " <int> <int>". */
bool folded__sniff(const char *buf, size_t len);

/*
 * Internal, shared with perfscript.c: a map from byte spans of the buffer being parsed to the
 * ids they resolved to, so that a frame seen before costs one hash lookup instead of one per
 * string, function and location. The spans point into the caller's buffer.
 */
struct span_entry {
	const char *s;
	uint32_t len;
	uint32_t flags;
	uint64_t a, b;
};

struct span_map {
	struct idset set;
	VEC(struct span_entry) entries;
};

/* The entry for s[0..len) (hash = hash_bytes(s, len, 0)), or NULL. */
struct span_entry *span_map__find(struct span_map *m, uint64_t hash, const char *s, size_t len);
/* Add an entry (the caller checked it is absent); a pointer to it or NULL on -ENOMEM. */
struct span_entry *span_map__add(struct span_map *m, uint64_t hash, const struct span_entry *e);
void span_map__release(struct span_map *m);

#endif /* SINGE_FLAME_FOLDED_H */
