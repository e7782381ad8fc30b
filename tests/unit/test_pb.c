// SPDX-License-Identifier: MIT
#include "test.h"

#include "pb.h"

static struct pb_reader reader(const void *data, size_t len)
{
	return (struct pb_reader){data, (const uint8_t *)data + len};
}

static void test_varint_round_trip_and_size(void **state)
{
	static const uint64_t values[] = {
		0,	    1,
		127,	    128,
		300,	    16383,
		16384,	    (1ULL << 21) - 1,
		1ULL << 21, (1ULL << 28) - 1,
		1ULL << 28, UINT32_MAX,
		1ULL << 35, (1ULL << 49) - 1,
		1ULL << 49, (1ULL << 56) - 1,
		1ULL << 56, (1ULL << 63) - 1,
		1ULL << 63, UINT64_MAX,
	};
	static const unsigned int sizes[] = {1, 1, 1, 2, 2, 2, 3, 3, 4,	 4,
					     5, 5, 6, 7, 8, 8, 9, 9, 10, 10};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		uint8_t buf[16];
		uint8_t *end = pb_put_varint(buf, values[i]);
		struct pb_reader r = reader(buf, (size_t)(end - buf));
		uint64_t v = 12345;

		assert_int_equal(end - buf, sizes[i]);
		assert_int_equal(pb_varint_size(values[i]), sizes[i]);
		assert_int_equal(pb_read_varint(&r, &v), 0);
		assert_true(v == values[i]);
		assert_ptr_equal(r.p, end);
	}
}

static void test_varint_known_bytes(void **state)
{
	uint8_t buf[16];
	static const uint8_t max[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
	/* non-minimal encodings are valid protobuf: 0x80 0x00 is 0 */
	static const uint8_t padded[] = {0x80, 0x80, 0x00};
	struct pb_reader r = reader(padded, sizeof(padded));
	uint64_t v = 1;

	(void)state;
	assert_int_equal(pb_put_varint(buf, 300) - buf, 2);
	assert_int_equal(buf[0], 0xac);
	assert_int_equal(buf[1], 0x02);
	assert_int_equal(pb_put_varint(buf, UINT64_MAX) - buf, 10);
	assert_memory_equal(buf, max, sizeof(max));
	assert_int_equal(pb_read_varint(&r, &v), 0);
	assert_true(v == 0);
	assert_true(pb_reader__done(&r));
}

static void test_varint_overflow(void **state)
{
	uint8_t eleven[11], tenth_too_big[10];
	struct pb_reader r;
	uint64_t v;

	(void)state;
	memset(eleven, 0x80, sizeof(eleven));
	eleven[10] = 0x01;
	r = reader(eleven, sizeof(eleven));
	assert_int_equal(pb_read_varint(&r, &v), PB_EOVERFLOW);
	assert_ptr_equal(r.p, eleven); /* nothing consumed on error */

	/* 10 bytes, but the last one carries bits 64 and up */
	memset(tenth_too_big, 0xff, sizeof(tenth_too_big));
	tenth_too_big[9] = 0x02;
	r = reader(tenth_too_big, sizeof(tenth_too_big));
	assert_int_equal(pb_read_varint(&r, &v), PB_EOVERFLOW);
	tenth_too_big[9] = 0x01;
	r = reader(tenth_too_big, sizeof(tenth_too_big));
	assert_int_equal(pb_read_varint(&r, &v), 0);
	assert_true(v == UINT64_MAX);
}

static void test_varint_truncated(void **state)
{
	static const uint8_t cut[] = {0x80, 0x80};
	struct pb_reader r = reader(cut, sizeof(cut));
	uint64_t v;

	(void)state;
	assert_int_equal(pb_read_varint(&r, &v), PB_ETRUNC);
	assert_ptr_equal(r.p, cut);
	r = reader(cut, 0);
	assert_int_equal(pb_read_varint(&r, &v), PB_ETRUNC);
	r = reader(cut, 1);
	assert_int_equal(pb_read_varint(&r, &v), PB_ETRUNC);
}

static void test_tags(void **state)
{
	uint8_t buf[16];
	struct pb_reader r;
	uint32_t field = 0;
	enum pb_wire wire = PB_VARINT;
	int w;

	(void)state;
	buf[0] = 0x0a; /* field 1, length-delimited */
	r = reader(buf, 1);
	assert_int_equal(pb_read_tag(&r, &field, &wire), 0);
	assert_int_equal(field, 1);
	assert_int_equal(wire, PB_LEN);

	r = reader(buf, (size_t)(pb_put_varint(buf, pb_tag(PB_FIELD_MAX, PB_I32)) - buf));
	assert_int_equal(pb_read_tag(&r, &field, &wire), 0);
	assert_int_equal(field, PB_FIELD_MAX);
	assert_int_equal(wire, PB_I32);

	buf[0] = 0x02; /* field 0 */
	r = reader(buf, 1);
	assert_int_equal(pb_read_tag(&r, &field, &wire), PB_ETAG);
	r = reader(buf, (size_t)(pb_put_varint(buf, (uint64_t)(PB_FIELD_MAX + 1ULL) << 3) - buf));
	assert_int_equal(pb_read_tag(&r, &field, &wire), PB_ETAG);

	/* groups (3, 4) and the unassigned wire types 6, 7 are refused */
	for (w = 3; w <= 7; w++) {
		if (w == PB_I32)
			continue;
		buf[0] = (uint8_t)(1 << 3 | w);
		r = reader(buf, 1);
		assert_int_equal(pb_read_tag(&r, &field, &wire), PB_EWIRE);
	}
}

static void test_bytes_and_length_past_end(void **state)
{
	static const uint8_t ok[] = {0x03, 'a', 'b', 'c', 0x7f};
	static const uint8_t past[] = {0x04, 'a', 'b', 'c'};
	static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
	struct pb_reader r = reader(ok, sizeof(ok)), body;

	(void)state;
	assert_int_equal(pb_read_bytes(&r, &body), 0);
	assert_int_equal(body.end - body.p, 3);
	assert_memory_equal(body.p, "abc", 3);
	assert_ptr_equal(r.p, ok + 4);

	r = reader(past, sizeof(past));
	assert_int_equal(pb_read_bytes(&r, &body), PB_ELEN);
	/* a 64-bit length must not wrap the pointer arithmetic */
	r = reader(huge, sizeof(huge));
	assert_int_equal(pb_read_bytes(&r, &body), PB_ELEN);
}

static void test_fixed_and_skip(void **state)
{
	static const uint8_t f64[] = {1, 2, 3, 4, 5, 6, 7, 8};
	static const uint8_t f32[] = {0x78, 0x56, 0x34, 0x12};
	static const uint8_t bytes[] = {0x02, 'h', 'i', 0x05};
	struct pb_reader r = reader(f64, sizeof(f64));
	uint64_t v;
	uint32_t v32;

	(void)state;
	assert_int_equal(pb_read_fixed64(&r, &v), 0);
	assert_true(v == 0x0807060504030201ULL);
	r = reader(f32, sizeof(f32));
	assert_int_equal(pb_read_fixed32(&r, &v32), 0);
	assert_int_equal(v32, 0x12345678);
	r = reader(f64, 7);
	assert_int_equal(pb_read_fixed64(&r, &v), PB_ETRUNC);
	r = reader(f32, 3);
	assert_int_equal(pb_read_fixed32(&r, &v32), PB_ETRUNC);

	r = reader(bytes, sizeof(bytes));
	assert_int_equal(pb_skip(&r, PB_LEN), 0);
	assert_int_equal(pb_skip(&r, PB_VARINT), 0);
	assert_true(pb_reader__done(&r));
	r = reader(f64, sizeof(f64));
	assert_int_equal(pb_skip(&r, PB_I32), 0);
	assert_int_equal(pb_skip(&r, PB_I32), 0);
	assert_true(pb_reader__done(&r));
	r = reader(f64, sizeof(f64));
	assert_int_equal(pb_skip(&r, PB_I64), 0);
	assert_true(pb_reader__done(&r));
	r = reader(f64, sizeof(f64));
	assert_int_equal(pb_skip(&r, PB_SGROUP), PB_EWIRE);
	assert_int_equal(pb_skip(&r, PB_EGROUP), PB_EWIRE);
}

/* Read one varint field and check its number and value. */
static void expect_uint(struct pb_reader *r, uint32_t field, uint64_t value)
{
	uint32_t f;
	enum pb_wire w;
	uint64_t v;

	assert_int_equal(pb_read_tag(r, &f, &w), 0);
	assert_int_equal(f, field);
	assert_int_equal(w, PB_VARINT);
	assert_int_equal(pb_read_varint(r, &v), 0);
	assert_true(v == value);
}

static void test_nested_messages(void **state)
{
	struct pb_buf b = {0};
	char big[300];
	size_t outer, inner;
	struct pb_reader r, body, sub;
	uint32_t f;
	enum pb_wire w;

	(void)state;
	memset(big, 'x', sizeof(big));
	outer = pb_buf__begin(&b, 4);
	pb_buf__uint(&b, 1, 7);
	inner = pb_buf__begin(&b, 4); /* a short body: the length is moved back to 1 byte */
	pb_buf__uint(&b, 1, 3);
	pb_buf__end(&b, inner);
	pb_buf__bytes(&b, 9, big, sizeof(big)); /* the outer length takes 2 bytes */
	pb_buf__end(&b, outer);
	pb_buf__uint_opt(&b, 5, 0); /* left out */
	pb_buf__uint_opt(&b, 6, 1);
	assert_false(b.failed);
	/* tag + 2-byte length + (2 + (1 + 1 + 2) + (1 + 2 + 300)) + 2 */
	assert_int_equal(b.len, 1 + 2 + 309 + 2);

	r = reader(b.data, b.len);
	assert_int_equal(pb_read_tag(&r, &f, &w), 0);
	assert_int_equal(f, 4);
	assert_int_equal(pb_read_bytes(&r, &body), 0);
	assert_int_equal(body.end - body.p, 309);
	expect_uint(&body, 1, 7);
	assert_int_equal(pb_read_tag(&body, &f, &w), 0);
	assert_int_equal(pb_read_bytes(&body, &sub), 0);
	expect_uint(&sub, 1, 3);
	assert_true(pb_reader__done(&sub));
	assert_int_equal(pb_read_tag(&body, &f, &w), 0);
	assert_int_equal(f, 9);
	assert_int_equal(pb_read_bytes(&body, &sub), 0);
	assert_int_equal(sub.end - sub.p, 300);
	assert_true(pb_reader__done(&body));
	expect_uint(&r, 6, 1);
	assert_true(pb_reader__done(&r));
	pb_buf__release(&b);
	assert_null(b.data);
}

static void test_packed(void **state)
{
	static const uint64_t v[] = {1, 300, UINT64_MAX};
	struct pb_buf b = {0};
	struct pb_reader r, body;
	uint32_t f;
	enum pb_wire w;
	uint64_t x;

	(void)state;
	pb_buf__packed(&b, 2, v, 0);
	assert_int_equal(b.len, 0);
	assert_int_equal(pb_packed_size(2, v, 0), 0);

	/* one value: the plain form, one byte shorter than packed */
	pb_buf__packed(&b, 2, v + 1, 1);
	assert_int_equal(b.len, pb_packed_size(2, v + 1, 1));
	r = reader(b.data, b.len);
	expect_uint(&r, 2, 300);

	b.len = 0;
	pb_buf__packed(&b, 2, v, 3);
	assert_int_equal(b.len, pb_packed_size(2, v, 3));
	assert_int_equal(b.len, 1 + 1 + 1 + 2 + 10);
	r = reader(b.data, b.len);
	assert_int_equal(pb_read_tag(&r, &f, &w), 0);
	assert_int_equal(w, PB_LEN);
	assert_int_equal(pb_read_bytes(&r, &body), 0);
	assert_int_equal(pb_read_varint(&body, &x), 0);
	assert_true(x == 1);
	assert_int_equal(pb_read_varint(&body, &x), 0);
	assert_true(x == 300);
	assert_int_equal(pb_read_varint(&body, &x), 0);
	assert_true(x == UINT64_MAX);
	assert_true(pb_reader__done(&body));
	pb_buf__release(&b);
}

static void test_failed_buffer_is_sticky(void **state)
{
	struct pb_buf b = {0};

	(void)state;
	pb_buf__uint(&b, 1, 1);
	assert_int_equal(b.len, 2);
	assert_int_equal(pb_buf__reserve(&b, SIZE_MAX), -ENOMEM);
	assert_true(b.failed);
	pb_buf__uint(&b, 1, 1);
	pb_buf__raw(&b, "abc", 3);
	assert_int_equal(b.len, 2);
	pb_buf__release(&b);
	assert_false(b.failed);
}

static void test_error_strings(void **state)
{
	(void)state;
	assert_string_equal(pb_strerror(PB_ELEN), "length past end");
	assert_non_null(strstr(pb_strerror(PB_EOVERFLOW), "10 bytes"));
	assert_non_null(strstr(pb_strerror(PB_EWIRE), "wire type"));
	assert_string_not_equal(pb_strerror(PB_ETRUNC), pb_strerror(PB_ETAG));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_varint_round_trip_and_size),
		cmocka_unit_test(test_varint_known_bytes),
		cmocka_unit_test(test_varint_overflow),
		cmocka_unit_test(test_varint_truncated),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_bytes_and_length_past_end),
		cmocka_unit_test(test_fixed_and_skip),
		cmocka_unit_test(test_nested_messages),
		cmocka_unit_test(test_packed),
		cmocka_unit_test(test_failed_buffer_is_sticky),
		cmocka_unit_test(test_error_strings),
	};

	return cmocka_run_group_tests_name("pb", tests, NULL, NULL);
}
