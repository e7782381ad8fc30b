// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "pb.h"

const char *pb_strerror(int err)
{
	switch (err) {
	case 0:
		return "no error";
	case PB_EOVERFLOW:
		return "varint longer than 10 bytes or past 64 bits";
	case PB_ETRUNC:
		return "data ends inside a field";
	case PB_ELEN:
		return "length past end";
	case PB_EWIRE:
		return "invalid wire type (groups are not supported)";
	case PB_ETAG:
		return "invalid field number";
	case -ENOMEM:
		return "out of memory";
	default:
		return "malformed protobuf";
	}
}

int pb_buf__reserve(struct pb_buf *b, size_t n)
{
	size_t cap;
	uint8_t *data;

	if (b->failed)
		return -ENOMEM;
	if (b->cap - b->len >= n)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap - b->len < n) {
		if (cap > SIZE_MAX / 2)
			goto fail;
		cap *= 2;
	}
	data = realloc(b->data, cap);
	if (!data)
		goto fail;
	b->data = data;
	b->cap = cap;
	return 0;
fail:
	b->failed = true;
	return -ENOMEM;
}

void pb_buf__release(struct pb_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void pb_buf__varint(struct pb_buf *b, uint64_t v)
{
	if (pb_buf__reserve(b, PB_VARINT_MAX))
		return;
	b->len = (size_t)(pb_put_varint(b->data + b->len, v) - b->data);
}

void pb_buf__raw(struct pb_buf *b, const void *data, size_t len)
{
	if (!len || pb_buf__reserve(b, len))
		return;
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

void pb_buf__uint(struct pb_buf *b, uint32_t field, uint64_t v)
{
	uint8_t *p;

	if (pb_buf__reserve(b, 2 * PB_VARINT_MAX))
		return;
	p = pb_put_varint(b->data + b->len, pb_tag(field, PB_VARINT));
	b->len = (size_t)(pb_put_varint(p, v) - b->data);
}

void pb_buf__uint_opt(struct pb_buf *b, uint32_t field, uint64_t v)
{
	if (v)
		pb_buf__uint(b, field, v);
}

void pb_buf__bytes(struct pb_buf *b, uint32_t field, const void *data, size_t len)
{
	uint8_t *p;

	if (len > SIZE_MAX - 2 * PB_VARINT_MAX) {
		b->failed = true;
		return;
	}
	if (pb_buf__reserve(b, 2 * PB_VARINT_MAX + len))
		return;
	p = pb_put_varint(b->data + b->len, pb_tag(field, PB_LEN));
	p = pb_put_varint(p, len);
	if (len)
		memcpy(p, data, len);
	b->len = (size_t)(p + len - b->data);
}

static size_t varints_size(const uint64_t *v, size_t n)
{
	size_t size = 0, i;

	for (i = 0; i < n; i++)
		size += pb_varint_size(v[i]);
	return size;
}

size_t pb_packed_size(uint32_t field, const uint64_t *v, size_t n)
{
	size_t body;

	if (!n)
		return 0;
	if (n == 1)
		return pb_varint_size(pb_tag(field, PB_VARINT)) + pb_varint_size(v[0]);
	body = varints_size(v, n);
	return pb_varint_size(pb_tag(field, PB_LEN)) + pb_varint_size(body) + body;
}

void pb_buf__packed(struct pb_buf *b, uint32_t field, const uint64_t *v, size_t n)
{
	size_t body, i;
	uint8_t *p;

	if (n <= 1) {
		if (n)
			pb_buf__uint(b, field, v[0]);
		return;
	}
	body = varints_size(v, n);
	if (pb_buf__reserve(b, 2 * PB_VARINT_MAX + body))
		return;
	p = pb_put_varint(b->data + b->len, pb_tag(field, PB_LEN));
	p = pb_put_varint(p, body);
	for (i = 0; i < n; i++)
		p = pb_put_varint(p, v[i]);
	b->len = (size_t)(p - b->data);
}

/* Room left for a nested message's length: 5 bytes cover bodies up to 32 GiB. */
#define PB_LEN_SLOT 5

size_t pb_buf__begin(struct pb_buf *b, uint32_t field)
{
	size_t mark;

	if (pb_buf__reserve(b, PB_VARINT_MAX + PB_LEN_SLOT))
		return 0;
	b->len = (size_t)(pb_put_varint(b->data + b->len, pb_tag(field, PB_LEN)) - b->data);
	mark = b->len;
	b->len += PB_LEN_SLOT;
	return mark;
}

void pb_buf__end(struct pb_buf *b, size_t mark)
{
	size_t body, n;

	if (b->failed)
		return;
	body = b->len - mark - PB_LEN_SLOT;
	n = pb_varint_size(body);
	if (n > PB_LEN_SLOT) {
		b->failed = true;
		return;
	}
	pb_put_varint(b->data + mark, body);
	if (n < PB_LEN_SLOT) {
		memmove(b->data + mark + n, b->data + mark + PB_LEN_SLOT, body);
		b->len -= PB_LEN_SLOT - n;
	}
}

int pb_read_varint_slow(struct pb_reader *r, uint64_t *v)
{
	const uint8_t *p = r->p;
	size_t avail = (size_t)(r->end - p);
	uint64_t x = 0;
	int i;

	for (i = 0; i < PB_VARINT_MAX; i++) {
		if ((size_t)i >= avail)
			return PB_ETRUNC;
		/* the 10th byte holds bit 63 only: anything more does not fit in 64 bits */
		if (i == PB_VARINT_MAX - 1 && p[i] > 1)
			return PB_EOVERFLOW;
		x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (p[i] < 0x80) {
			r->p = p + i + 1;
			*v = x;
			return 0;
		}
	}
	return PB_EOVERFLOW;
}

int pb_read_tag(struct pb_reader *r, uint32_t *field, enum pb_wire *wire)
{
	uint64_t v;
	int ret = pb_read_varint(r, &v);

	if (ret)
		return ret;
	if (v >> 3 == 0 || v >> 3 > PB_FIELD_MAX)
		return PB_ETAG;
	switch (v & 7) {
	case PB_VARINT:
	case PB_I64:
	case PB_LEN:
	case PB_I32:
		break;
	default:
		return PB_EWIRE;
	}
	*field = (uint32_t)(v >> 3);
	*wire = (enum pb_wire)(v & 7);
	return 0;
}

int pb_read_fixed64(struct pb_reader *r, uint64_t *v)
{
	uint64_t x = 0;
	int i;

	if (r->end - r->p < 8)
		return PB_ETRUNC;
	for (i = 7; i >= 0; i--)
		x = x << 8 | r->p[i];
	r->p += 8;
	*v = x;
	return 0;
}

int pb_read_fixed32(struct pb_reader *r, uint32_t *v)
{
	uint32_t x = 0;
	int i;

	if (r->end - r->p < 4)
		return PB_ETRUNC;
	for (i = 3; i >= 0; i--)
		x = x << 8 | r->p[i];
	r->p += 4;
	*v = x;
	return 0;
}

int pb_read_bytes(struct pb_reader *r, struct pb_reader *body)
{
	uint64_t len;
	int ret = pb_read_varint(r, &len);

	if (ret)
		return ret;
	if (len > (uint64_t)(r->end - r->p))
		return PB_ELEN;
	body->p = r->p;
	body->end = r->p + len;
	r->p += len;
	return 0;
}

int pb_skip(struct pb_reader *r, enum pb_wire wire)
{
	struct pb_reader body;
	uint64_t v;
	uint32_t v32;

	switch (wire) {
	case PB_VARINT:
		return pb_read_varint(r, &v);
	case PB_I64:
		return pb_read_fixed64(r, &v);
	case PB_LEN:
		return pb_read_bytes(r, &body);
	case PB_I32:
		return pb_read_fixed32(r, &v32);
	default:
		return PB_EWIRE;
	}
}
