/* SPDX-License-Identifier: MIT */
/*
 * The pprof codec: struct profile <-> profile.proto (gzip-compressed or raw).
 *
 * The encoder follows the rules go tool pprof enforces (reference/flamegraphs.md §4):
 * string_table[0] = "", dense ids 1..N, one gzip member, packed repeated scalars, strings
 * made valid UTF-8. profile.quality has no pprof field: it travels as one comment,
 * "singe:quality lost=N truncated=N unknown_frames=N bad_lines=N", which the decoder reads
 * back into quality and drops from the comments.
 *
 * The decoder reads untrusted files (§8.8): varint overflow, lengths past the end, string
 * indexes, value counts, unknown or duplicate or zero ids and gzip bombs are all errors with a
 * one-line message; the file's ids (any 64-bit values) are remapped to dense 1..N; unknown
 * fields are skipped; packed and unpacked repeated fields are both accepted. A gzip input is
 * decoded as it is inflated, so the whole decompressed profile is never held in memory.
 */
#ifndef SINGE_FLAME_PPROF_H
#define SINGE_FLAME_PPROF_H

#include <stdbool.h>
#include <stddef.h>

#include "profile.h"

#define PPROF_DEFAULT_MAX_DECOMPRESSED ((size_t)2 << 30)

/*
 * Encode p as a pprof Profile message; gzip it (one member) when gzip is true. *out is
 * malloc'ed and owned by the caller. 0, or a negative errno with a message in err (-EINVAL
 * when p does not pass profile__validate()).
 */
int pprof__encode(const struct profile *p, bool gzip, void **out, size_t *out_len,
		  struct flame_err *err);

/*
 * Decode a pprof (gzip-compressed, possibly several concatenated members, or raw protobuf)
 * into the empty profile p (fresh from profile__new()). 0, or: -EINVAL with a one-line message
 * naming the problem, -E2BIG when the decompressed size passes the limit, -ENOMEM. On error p
 * holds a partial profile that the caller frees.
 */
int pprof__decode(struct profile *p, const void *buf, size_t len, struct flame_err *err);

/*
 * Where pprof__decode_stream() gets the bytes after the first ones: up to cap bytes into
 * buf; their number, 0 at the end, or a negative errno (the message is then the reader's,
 * in err, if it set one).
 */
typedef long (*pprof_read_fn)(void *ctx, void *buf, size_t cap, struct flame_err *err);

/*
 * pprof__decode() for a gzip stream too large to hold: head[0..head_len) is its start and
 * more() gives the rest, read as it is inflated, so neither the compressed nor the inflated
 * bytes are ever all in memory. head must start with the gzip magic.
 */
int pprof__decode_stream(struct profile *p, const void *head, size_t head_len, pprof_read_fn more,
			 void *ctx, struct flame_err *err);

/*
 * Cheap check for input auto-detection: the gzip magic (1f 8b), or bytes whose first fields
 * parse as fields of a Profile message with the right wire types.
 */
bool pprof__sniff(const void *buf, size_t len);

/* The decompressed size pprof__decode() accepts (default 2 GiB; 0 restores the default). */
void pprof__set_max_decompressed(size_t max);
size_t pprof__max_decompressed(void);

#endif /* SINGE_FLAME_PPROF_H */
