/* SPDX-License-Identifier: MIT */
/*
 * Protocol buffers wire format, the small part pprof needs: varints, tags, fixed-size and
 * length-delimited fields. A growable output buffer for encoding, and a bounded reader for
 * decoding untrusted bytes: every read checks the end, a varint longer than 10 bytes or with
 * bits past 64 is an error, and a length that runs past the end is an error.
 *
 * Reader functions return 0 or one of the negative PB_E* codes below (pb_strerror() names
 * them); the buffer keeps a sticky "failed" flag so that encoders can check once at the end.
 */
#ifndef SINGE_FLAME_PB_H
#define SINGE_FLAME_PB_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pb_wire {
	PB_VARINT = 0,
	PB_I64 = 1,
	PB_LEN = 2,
	PB_SGROUP = 3, /* groups: deprecated, never valid in pprof */
	PB_EGROUP = 4,
	PB_I32 = 5,
};

#define PB_EOVERFLOW (-EOVERFLOW) /* varint longer than 10 bytes or with bits past 64 */
#define PB_ETRUNC (-ENODATA)	  /* input ends inside a tag, varint or fixed-size field */
#define PB_ELEN (-EMSGSIZE)	  /* a length-delimited field runs past the end */
#define PB_EWIRE (-EPROTO)	  /* wire type 3, 4, 6 or 7 */
#define PB_ETAG (-EBADMSG)	  /* field number 0 or past 2^29 - 1 */

#define PB_VARINT_MAX 10 /* bytes in the longest varint */
#define PB_FIELD_MAX ((1u << 29) - 1)

/* A short description of a PB_E* code ("length past end"). */
const char *pb_strerror(int err);

/* ---- encoding */

struct pb_buf {
	uint8_t *data;
	size_t len, cap;
	bool failed; /* an allocation failed; later writes do nothing */
};

/* Make room for n more bytes; 0, or -ENOMEM (and failed is set). */
int pb_buf__reserve(struct pb_buf *b, size_t n);
void pb_buf__release(struct pb_buf *b);

static inline unsigned int pb_varint_size(uint64_t v)
{
	/* 7 bits per byte: 1 + floor(log2(v) / 7), with v | 1 so that 0 takes one byte */
	return (unsigned int)(((63 - __builtin_clzll(v | 1)) * 9 + 73) / 64);
}

/* Write v at p (room checked by the caller); returns the byte after it. */
static inline uint8_t *pb_put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

static inline uint64_t pb_tag(uint32_t field, enum pb_wire wire)
{
	return (uint64_t)field << 3 | (uint64_t)wire;
}

/* Appends; on allocation failure they set b->failed and do nothing. */
void pb_buf__varint(struct pb_buf *b, uint64_t v);
void pb_buf__raw(struct pb_buf *b, const void *data, size_t len);
/* A varint field (tag + value). */
void pb_buf__uint(struct pb_buf *b, uint32_t field, uint64_t v);
/* A varint field, left out when v is 0 (the proto3 default). */
void pb_buf__uint_opt(struct pb_buf *b, uint32_t field, uint64_t v);
/* A length-delimited field holding len bytes. */
void pb_buf__bytes(struct pb_buf *b, uint32_t field, const void *data, size_t len);
/* A repeated varint field: packed when n > 1 (the smaller form), plain when n == 1. */
void pb_buf__packed(struct pb_buf *b, uint32_t field, const uint64_t *v, size_t n);
/* The bytes pb_buf__packed() writes for these values. */
size_t pb_packed_size(uint32_t field, const uint64_t *v, size_t n);

/*
 * A nested message whose size is not known in advance: begin writes the tag and leaves room
 * for the length; end fills it in (moving the body back if the length took fewer bytes).
 */
size_t pb_buf__begin(struct pb_buf *b, uint32_t field);
void pb_buf__end(struct pb_buf *b, size_t mark);

/* ---- decoding */

struct pb_reader {
	const uint8_t *p, *end;
};

int pb_read_varint_slow(struct pb_reader *r, uint64_t *v);

static inline int pb_read_varint(struct pb_reader *r, uint64_t *v)
{
	const uint8_t *p = r->p;

	/* most varints in a profile take one or two bytes: ids, string indexes, small values */
	if (r->end - p >= 2) {
		if (p[0] < 0x80) {
			*v = p[0];
			r->p = p + 1;
			return 0;
		}
		if (p[1] < 0x80) {
			*v = (uint64_t)(p[0] & 0x7f) | (uint64_t)p[1] << 7;
			r->p = p + 2;
			return 0;
		}
	}
	return pb_read_varint_slow(r, v);
}

/* A tag: field number 1..2^29-1 and wire type 0, 1, 2 or 5. */
int pb_read_tag(struct pb_reader *r, uint32_t *field, enum pb_wire *wire);
int pb_read_fixed64(struct pb_reader *r, uint64_t *v);
int pb_read_fixed32(struct pb_reader *r, uint32_t *v);
/* A length-delimited value: body covers its bytes and r moves past them. */
int pb_read_bytes(struct pb_reader *r, struct pb_reader *body);
/* Skip a value of this wire type (an unknown field). */
int pb_skip(struct pb_reader *r, enum pb_wire wire);

static inline bool pb_reader__done(const struct pb_reader *r)
{
	return r->p >= r->end;
}

#endif /* SINGE_FLAME_PB_H */
