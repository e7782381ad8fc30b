// SPDX-License-Identifier: MIT
#include "test.h"

#include <zlib.h>

#include "pb.h"
#include "pprof.h"
#include "profile.h"

/* ---- helpers */

static uint32_t S(struct profile *p, const char *s)
{
	int64_t idx = profile__intern_str(p, s);

	assert_true(idx >= 0);
	return (uint32_t)idx;
}

static uint64_t add_function(struct profile *p, const char *name, const char *sys, const char *file,
			     int64_t start)
{
	struct function f = {S(p, name), S(p, sys), S(p, file), start};
	int64_t id = profile__intern_function(p, &f);

	assert_true(id > 0);
	return (uint64_t)id;
}

/*
 * A profile that uses every field the model has: three mappings with different flags, an
 * inlined location with columns, a folded location, one without lines or mapping, str and
 * num labels (with and without unit), negative values, an empty stack, comments, quality.
 */
static struct profile *rich_profile(void)
{
	struct profile *p = profile__new();
	struct mapping app = {
		0x400000, 0x500000, 0x1000, S(p, "/usr/bin/app"), S(p, "0123abcd"), true,
		true,	  true,	    true};
	struct mapping kernel = {0xffffffff81000000ULL,
				 0xffffffff82000000ULL,
				 0,
				 S(p, KERNEL_MAPPING_NAME),
				 0,
				 true,
				 false,
				 false,
				 false};
	struct mapping libc = {0x7f0000000000ULL,
			       0x7f0000100000ULL,
			       0x2000,
			       S(p, "/lib/x86_64-linux-gnu/libc.so.6"),
			       S(p, "ffee"),
			       false,
			       true,
			       false,
			       false};
	uint64_t fmain, fwork, fhelper, fsys, fmemcpy, loc[5];
	struct line l_main = {0, 12, 0}, l_inl[2] = {{0, 7, 3}, {0, 20, 0}};
	struct line l_sys = {0}, l_memcpy = {0, 0, 0};
	struct label labels[3];

	assert_non_null(p);
	assert_int_equal(profile__add_sample_type(p, "samples", "count"), 0);
	assert_int_equal(profile__add_sample_type(p, "cpu", "nanoseconds"), 1);
	assert_int_equal(profile__add_mapping(p, &app), 1);
	assert_int_equal(profile__add_mapping(p, &kernel), 2);
	assert_int_equal(profile__add_mapping(p, &libc), 3);
	fmain = add_function(p, "main", "main", "app.c", 10);
	fwork = add_function(p, "ns::work(int)", "_ZN2ns4workEi", "work.cc", 18);
	fhelper = add_function(p, "helper", "helper", "work.h", 5);
	fsys = add_function(p, "do_syscall_64", "do_syscall_64", "", 0);
	fmemcpy = add_function(p, "__memcpy_avx", "__memcpy_avx", "", -1);
	l_main.function_id = fmain;
	l_inl[0].function_id = fhelper;
	l_inl[1].function_id = fwork;
	l_sys.function_id = fsys;
	l_memcpy.function_id = fmemcpy;
	loc[0] = (uint64_t)profile__intern_location(p, 1, 0x401234, &l_main, 1);
	loc[1] = (uint64_t)profile__intern_location(p, 1, 0x402000, l_inl, 2);
	loc[2] = (uint64_t)profile__intern_location(p, 2, 0xffffffff81001000ULL, &l_sys, 1);
	loc[3] = (uint64_t)profile__intern_location(p, 3, 0x7f0000001000ULL, &l_memcpy, 1);
	loc[4] = (uint64_t)profile__intern_location(p, 0, 0xdead, NULL, 0);
	p->locations.data[loc[3] - 1].is_folded = true;

	labels[0] = (struct label){.key = S(p, "comm"), .str = S(p, "app")};
	labels[1] = (struct label){.key = S(p, "bytes"), .num = 4096, .num_unit = S(p, "bytes")};
	labels[2] = (struct label){.key = S(p, "tid"), .num = -42};
	{
		uint64_t s0[] = {loc[2], loc[1], loc[0]}, s1[] = {loc[3], loc[0]};
		uint64_t s2[] = {loc[4], loc[0]};
		int64_t v0[] = {3, 30000000}, v1[] = {-2, -20000000}, v2[] = {1, INT64_MAX};
		int64_t v3[] = {0, INT64_MIN};

		assert_int_equal(profile__add_sample(p, s0, 3, v0, labels, 3), 0);
		assert_int_equal(profile__add_sample(p, s1, 2, v1, labels, 1), 0);
		assert_int_equal(profile__add_sample(p, s2, 2, v2, NULL, 0), 0);
		assert_int_equal(profile__add_sample(p, NULL, 0, v3, labels + 2, 1), 0);
	}
	p->period_type = (struct value_type){S(p, "cpu"), S(p, "nanoseconds")};
	p->period = 10000000;
	p->time_nanos = 1700000000123456789LL;
	p->duration_nanos = 2500000000LL;
	p->default_sample_type = S(p, "cpu");
	p->drop_frames = S(p, "runtime\\..*");
	p->keep_frames = S(p, "main");
	p->doc_url = S(p, "https://example.com/doc");
	assert_int_equal(profile__add_comment(p, "first comment"), 0);
	assert_int_equal(profile__add_comment(p, "second comment"), 0);
	p->quality = (struct profile_quality){1, 2, 3, 4};
	assert_int_equal(profile__validate(p, NULL), 0);
	return p;
}

static void assert_same_str(const struct profile *a, uint32_t ia, const struct profile *b,
			    uint32_t ib)
{
	assert_int_equal(strtab__strlen(&a->strings, ia), strtab__strlen(&b->strings, ib));
	assert_memory_equal(profile__str(a, ia), profile__str(b, ib),
			    strtab__strlen(&a->strings, ia));
}

static void assert_same_header(const struct profile *a, const struct profile *b)
{
	size_t i;

	assert_int_equal(a->sample_types.len, b->sample_types.len);
	for (i = 0; i < a->sample_types.len; i++) {
		assert_same_str(a, a->sample_types.data[i].type, b, b->sample_types.data[i].type);
		assert_same_str(a, a->sample_types.data[i].unit, b, b->sample_types.data[i].unit);
	}
	assert_same_str(a, a->period_type.type, b, b->period_type.type);
	assert_same_str(a, a->period_type.unit, b, b->period_type.unit);
	assert_true(a->period == b->period);
	assert_true(a->time_nanos == b->time_nanos);
	assert_true(a->duration_nanos == b->duration_nanos);
	assert_same_str(a, a->default_sample_type, b, b->default_sample_type);
	assert_same_str(a, a->drop_frames, b, b->drop_frames);
	assert_same_str(a, a->keep_frames, b, b->keep_frames);
	assert_same_str(a, a->doc_url, b, b->doc_url);
	assert_int_equal(a->comments.len, b->comments.len);
	for (i = 0; i < a->comments.len; i++)
		assert_same_str(a, a->comments.data[i], b, b->comments.data[i]);
	assert_memory_equal(&a->quality, &b->quality, sizeof(a->quality));
}

static void assert_same_tables(const struct profile *a, const struct profile *b)
{
	size_t i, j;

	assert_int_equal(a->mappings.len, b->mappings.len);
	for (i = 0; i < a->mappings.len; i++) {
		const struct mapping *x = &a->mappings.data[i], *y = &b->mappings.data[i];

		assert_true(x->memory_start == y->memory_start);
		assert_true(x->memory_limit == y->memory_limit);
		assert_true(x->file_offset == y->file_offset);
		assert_same_str(a, x->filename, b, y->filename);
		assert_same_str(a, x->build_id, b, y->build_id);
		assert_int_equal(x->has_functions, y->has_functions);
		assert_int_equal(x->has_filenames, y->has_filenames);
		assert_int_equal(x->has_line_numbers, y->has_line_numbers);
		assert_int_equal(x->has_inline_frames, y->has_inline_frames);
	}
	assert_int_equal(a->functions.len, b->functions.len);
	for (i = 0; i < a->functions.len; i++) {
		const struct function *x = &a->functions.data[i], *y = &b->functions.data[i];

		assert_same_str(a, x->name, b, y->name);
		assert_same_str(a, x->system_name, b, y->system_name);
		assert_same_str(a, x->filename, b, y->filename);
		assert_true(x->start_line == y->start_line);
	}
	assert_int_equal(a->locations.len, b->locations.len);
	for (i = 0; i < a->locations.len; i++) {
		const struct location *x = &a->locations.data[i], *y = &b->locations.data[i];
		const struct line *lx = profile__location_lines(a, x);
		const struct line *ly = profile__location_lines(b, y);

		assert_true(x->mapping_id == y->mapping_id);
		assert_true(x->address == y->address);
		assert_int_equal(x->is_folded, y->is_folded);
		assert_int_equal(x->nlines, y->nlines);
		for (j = 0; j < x->nlines; j++) {
			assert_true(lx[j].function_id == ly[j].function_id);
			assert_true(lx[j].line == ly[j].line);
			assert_true(lx[j].column == ly[j].column);
		}
	}
}

static void assert_same_samples(const struct profile *a, const struct profile *b)
{
	size_t i, j;

	assert_int_equal(a->samples.len, b->samples.len);
	for (i = 0; i < a->samples.len; i++) {
		const struct sample *x = &a->samples.data[i], *y = &b->samples.data[i];
		const struct label *lx = profile__sample_labels(a, i);
		const struct label *ly = profile__sample_labels(b, i);

		assert_int_equal(x->nlocs, y->nlocs);
		for (j = 0; j < x->nlocs; j++)
			assert_int_equal(profile__sample_loc(a, i, (uint32_t)j),
					 profile__sample_loc(b, i, (uint32_t)j));
		assert_memory_equal(profile__sample_values(a, i), profile__sample_values(b, i),
				    a->sample_types.len * sizeof(int64_t));
		assert_int_equal(x->nlabels, y->nlabels);
		for (j = 0; j < x->nlabels; j++) {
			assert_same_str(a, lx[j].key, b, ly[j].key);
			assert_same_str(a, lx[j].str, b, ly[j].str);
			assert_same_str(a, lx[j].num_unit, b, ly[j].num_unit);
			assert_true(lx[j].num == ly[j].num);
		}
	}
	for (i = 0; i < a->sample_types.len; i++)
		assert_true(profile__total(a, i) == profile__total(b, i));
}

static void assert_profiles_equal(const struct profile *a, const struct profile *b)
{
	assert_same_header(a, b);
	assert_same_tables(a, b);
	assert_same_samples(a, b);
}

/* A decoded error message: one line, prefixed, containing want. */
static void assert_message(const struct flame_err *err, const char *want)
{
	if (!strstr(err->msg, want))
		fail_msg("message \"%s\" does not contain \"%s\"", err->msg, want);
	assert_int_equal(strncmp(err->msg, "pprof: ", 7), 0);
	assert_null(strchr(err->msg, '\n'));
}

static struct profile *decode_ok(const void *buf, size_t len)
{
	struct profile *p = profile__new();
	struct flame_err err = {{0}};
	int ret;

	assert_non_null(p);
	ret = pprof__decode(p, buf, len, &err);
	if (ret)
		fail_msg("decode failed (%d): %s", ret, err.msg);
	assert_int_equal(profile__validate(p, &err), 0);
	return p;
}

static void decode_fails(const void *buf, size_t len, int code, const char *want)
{
	struct profile *p = profile__new();
	struct flame_err err = {{0}};

	assert_non_null(p);
	assert_int_equal(pprof__decode(p, buf, len, &err), code);
	assert_message(&err, want);
	profile__free(p);
}

static void *encode(const struct profile *p, bool gzip, size_t *len)
{
	struct flame_err err = {{0}};
	void *out = NULL;
	int ret = pprof__encode(p, gzip, &out, len, &err);

	if (ret)
		fail_msg("encode failed (%d): %s", ret, err.msg);
	assert_non_null(out);
	return out;
}

/* gzip one member with zlib's defaults. */
static uint8_t *gzip_bytes(const void *data, size_t len, size_t *out_len)
{
	z_stream zs = {0};
	uint8_t *out;
	size_t cap;

	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
			 Z_OK);
	cap = deflateBound(&zs, len) + 64;
	out = malloc(cap);
	assert_non_null(out);
	zs.next_in = (Bytef *)data;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*out_len = zs.total_out;
	deflateEnd(&zs);
	return out;
}

/* ---- round trips */

static void round_trip(bool gzip)
{
	struct profile *a = rich_profile(), *b;
	size_t len, i;
	void *buf = encode(a, gzip, &len);

	assert_int_equal(((uint8_t *)buf)[0] == 0x1f && ((uint8_t *)buf)[1] == 0x8b, gzip);
	b = decode_ok(buf, len);
	assert_profiles_equal(a, b);
	/* the file's string indexes are kept: same table, plus the quality comment's string */
	assert_int_equal(b->strings.len, a->strings.len + 1);
	for (i = 0; i < a->strings.len; i++)
		assert_same_str(a, (uint32_t)i, b, (uint32_t)i);
	assert_string_equal(profile__str(b, (uint32_t)a->strings.len),
			    "singe:quality lost=1 truncated=2 unknown_frames=3 bad_lines=4");
	assert_true(profile__total(b, 0) == 2);
	free(buf);
	profile__free(a);
	profile__free(b);
}

static void test_round_trip_gzip(void **state)
{
	(void)state;
	round_trip(true);
}

static void test_round_trip_raw(void **state)
{
	(void)state;
	round_trip(false);
}

static void test_round_trip_twice_is_byte_identical(void **state)
{
	struct profile *a = rich_profile(), *b;
	size_t len1, len2;
	void *one = encode(a, true, &len1), *two;

	(void)state;
	b = decode_ok(one, len1);
	two = encode(b, true, &len2);
	assert_int_equal(len1, len2);
	assert_memory_equal(one, two, len1);
	free(one);
	free(two);
	profile__free(a);
	profile__free(b);
}

static void test_empty_profile_round_trip(void **state)
{
	struct profile *a = profile__new(), *b;
	size_t len;
	void *buf;

	(void)state;
	assert_non_null(a);
	buf = encode(a, false, &len);
	/* just string_table[0] = "": tag 0x32, length 0 */
	assert_int_equal(len, 2);
	assert_memory_equal(buf, "\x32\x00", 2);
	b = decode_ok(buf, len);
	assert_profiles_equal(a, b);
	assert_int_equal(b->strings.len, 1);
	free(buf);
	profile__free(a);
	profile__free(b);
}

/* Many samples: the encoder deflates in chunks, the decoder inflates through its window. */
static void test_large_round_trip(void **state)
{
	struct profile *a = profile__new(), *b;
	uint64_t locs[300], stack[40];
	unsigned int seed = 12345;
	size_t len, raw_len, i, j;
	void *buf, *raw;
	char name[32];

	(void)state;
	assert_int_equal(profile__add_sample_type(a, "alloc_space", "bytes"), 0);
	for (i = 0; i < 300; i++) {
		struct line l = {0};

		snprintf(name, sizeof(name), "fn_%zu", i);
		l.function_id = add_function(a, name, name, "big.c", (int64_t)i);
		locs[i] = (uint64_t)profile__intern_location(a, 0, 0x1000 + i, &l, 1);
	}
	for (i = 0; i < 60000; i++) {
		size_t depth = 5 + rand_r(&seed) % 35;
		int64_t v = (int64_t)(rand_r(&seed) % 100000) - 1000;

		for (j = 0; j < depth; j++)
			stack[j] = locs[rand_r(&seed) % 300];
		assert_int_equal(profile__add_sample(a, stack, (uint32_t)depth, &v, NULL, 0), 0);
	}
	raw = encode(a, false, &raw_len);
	assert_true(raw_len > 2 * 1024 * 1024); /* more than one deflate chunk and window */
	buf = encode(a, true, &len);
	b = decode_ok(buf, len);
	assert_profiles_equal(a, b);
	profile__free(b);
	b = decode_ok(raw, raw_len);
	assert_profiles_equal(a, b);
	free(buf);
	free(raw);
	profile__free(a);
	profile__free(b);
}

/* One field bigger than the decoder's 1 MiB window: the window must grow. */
static void test_field_larger_than_window(void **state)
{
	struct profile *a = profile__new(), *b;
	size_t n = 3 * 1024 * 1024, len;
	char *big = malloc(n);
	uint64_t loc;
	int64_t v = 1;
	void *buf;

	(void)state;
	assert_non_null(big);
	memset(big, 'a', n);
	big[n - 1] = 'z';
	assert_int_equal(profile__add_sample_type(a, "samples", "count"), 0);
	{
		struct function f = {(uint32_t)profile__intern(a, big, n)};
		struct line l = {(uint64_t)profile__intern_function(a, &f)};

		loc = (uint64_t)profile__intern_location(a, 0, 0, &l, 1);
	}
	assert_int_equal(profile__add_sample(a, &loc, 1, &v, NULL, 0), 0);
	buf = encode(a, true, &len);
	b = decode_ok(buf, len);
	assert_profiles_equal(a, b);
	assert_int_equal(strtab__strlen(&b->strings, b->functions.data[0].name), n);
	free(big);
	free(buf);
	profile__free(a);
	profile__free(b);
}

static void test_profile_without_mappings_gets_placeholder(void **state)
{
	struct profile *a = profile__new(), *b;
	uint64_t loc, f;
	int64_t v = 5;
	size_t len;
	uint8_t *buf;
	struct pb_reader r;
	uint32_t field;
	enum pb_wire wire;
	int nmappings = 0;

	(void)state;
	assert_int_equal(profile__add_sample_type(a, "samples", "count"), 0);
	f = add_function(a, "main", "main", "", 0);
	{
		struct line l = {f};

		loc = (uint64_t)profile__intern_location(a, 0, 0, &l, 1);
	}
	assert_int_equal(profile__add_sample(a, &loc, 1, &v, NULL, 0), 0);
	buf = encode(a, false, &len);
	/* go tool pprof would invent a mapping and warn: the file carries one */
	r = (struct pb_reader){buf, buf + len};
	while (!pb_reader__done(&r)) {
		assert_int_equal(pb_read_tag(&r, &field, &wire), 0);
		nmappings += field == 3;
		assert_int_equal(pb_skip(&r, wire), 0);
	}
	assert_int_equal(nmappings, 1);
	b = decode_ok(buf, len);
	assert_int_equal(b->mappings.len, 0);
	assert_profiles_equal(a, b);
	free(buf);
	profile__free(a);
	profile__free(b);
}

static void test_strings_are_made_valid_utf8(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"plain", "plain"},
		{"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5",
		 "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5"},
		{"a\xff"
		 "b",
		 "a\xef\xbf\xbd"
		 "b"},
		{"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},		  /* overlong '/' */
		{"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* surrogate */
		{"\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
		{"cut\xe2\x82", "cut\xef\xbf\xbd\xef\xbf\xbd"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct profile *a = profile__new(), *b;
		size_t len;
		void *buf;

		assert_non_null(a);
		a->doc_url = S(a, cases[i].in);
		buf = encode(a, false, &len);
		b = decode_ok(buf, len);
		assert_string_equal(profile__str(b, b->doc_url), cases[i].out);
		free(buf);
		profile__free(a);
		profile__free(b);
	}
}

static void test_encode_refuses_invalid_profile(void **state)
{
	struct profile *p = profile__new();
	struct flame_err err = {{0}};
	struct line l = {99};
	uint64_t loc;
	int64_t v = 1;
	void *out = (void *)1;
	size_t len = 1;

	(void)state;
	assert_int_equal(profile__add_sample_type(p, "samples", "count"), 0);
	loc = (uint64_t)profile__add_location(p, 0, 0, &l, 1);
	assert_int_equal(profile__add_sample(p, &loc, 1, &v, NULL, 0), 0);
	assert_int_equal(pprof__encode(p, true, &out, &len, &err), -EINVAL);
	assert_null(out);
	assert_int_equal(len, 0);
	assert_message(&err, "unknown function 99");
	profile__free(p);
}

static void test_decode_needs_empty_profile(void **state)
{
	struct profile *a = rich_profile();
	struct flame_err err = {{0}};
	size_t len;
	void *buf = encode(a, false, &len);

	(void)state;
	assert_int_equal(pprof__decode(a, buf, len, &err), -EINVAL);
	assert_message(&err, "empty profile");
	free(buf);
	profile__free(a);
}

/* ---- hand-built files */

static void put_str(struct pb_buf *b, const char *s)
{
	pb_buf__bytes(b, 6, s, strlen(s));
}

/* string_table: "", "samples", "count", "main", "cpu", "nanoseconds" */
static void put_strings(struct pb_buf *b)
{
	put_str(b, "");
	put_str(b, "samples");
	put_str(b, "count");
	put_str(b, "main");
	put_str(b, "cpu");
	put_str(b, "nanoseconds");
}

static void put_value_type(struct pb_buf *b, uint32_t field, uint64_t type, uint64_t unit)
{
	size_t m = pb_buf__begin(b, field);

	pb_buf__uint(b, 1, type);
	pb_buf__uint(b, 2, unit);
	pb_buf__end(b, m);
}

static void put_function(struct pb_buf *b, uint64_t id, uint64_t name)
{
	size_t m = pb_buf__begin(b, 5);

	pb_buf__uint(b, 1, id);
	pb_buf__uint(b, 2, name);
	pb_buf__end(b, m);
}

static void put_mapping(struct pb_buf *b, uint64_t id)
{
	size_t m = pb_buf__begin(b, 3);

	pb_buf__uint(b, 1, id);
	pb_buf__uint(b, 7, 1);
	pb_buf__end(b, m);
}

static void put_location(struct pb_buf *b, uint64_t id, uint64_t mapping, uint64_t function)
{
	size_t m = pb_buf__begin(b, 4), lm;

	pb_buf__uint(b, 1, id);
	pb_buf__uint_opt(b, 2, mapping);
	lm = pb_buf__begin(b, 4);
	pb_buf__uint(b, 1, function);
	pb_buf__end(b, lm);
	pb_buf__end(b, m);
}

static void put_sample(struct pb_buf *b, const uint64_t *locs, size_t nlocs, const uint64_t *values,
		       size_t nvalues)
{
	size_t m = pb_buf__begin(b, 2);

	pb_buf__packed(b, 1, locs, nlocs);
	pb_buf__packed(b, 2, values, nvalues);
	pb_buf__end(b, m);
}

/* A valid file: one sample type, function 1 "main" in location 1, one sample of 5. */
static void put_minimal(struct pb_buf *b)
{
	static const uint64_t loc = 1, value = 5;

	put_value_type(b, 1, 1, 2);
	put_sample(b, &loc, 1, &value, 1);
	put_location(b, 1, 0, 1);
	put_function(b, 1, 3);
	put_strings(b);
}

static void test_minimal_file_decodes(void **state)
{
	struct pb_buf b = {0};
	struct profile *p;

	(void)state;
	put_minimal(&b);
	p = decode_ok(b.data, b.len);
	assert_int_equal(p->samples.len, 1);
	assert_true(profile__total(p, 0) == 5);
	assert_string_equal(profile__str(p, profile__function(p, 1)->name), "main");
	profile__free(p);
	pb_buf__release(&b);
}

static void test_malformed_wire(void **state)
{
	static const uint8_t overflow[] = {0x48, 0xff, 0xff, 0xff, 0xff, 0xff,
					   0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
	static const uint8_t past_end[] = {0x32, 0x00, 0x32, 0x05, 'a'};
	static const uint8_t group_start[] = {0x32, 0x00, 0x0b};
	static const uint8_t group_end[] = {0x32, 0x00, 0x0c};
	static const uint8_t wire7[] = {0x32, 0x00, 0x0f};
	static const uint8_t field0[] = {0x32, 0x00, 0x02, 0x00};
	static const uint8_t cut_varint[] = {0x32, 0x00, 0x48, 0x80};
	/* a sample whose packed location_id claims 9 bytes in a 3-byte message */
	static const uint8_t nested_past_end[] = {0x12, 0x03, 0x0a, 0x09, 0x01};
	/* a sample with a group tag (field 1, wire type 4) inside */
	static const uint8_t nested_group[] = {0x12, 0x02, 0x0c, 0x01};
	/* time_nanos (field 9) as a length-delimited field */
	static const uint8_t wrong_wire[] = {0x32, 0x00, 0x4a, 0x01, 0x00};
	/* a sample whose value (field 2) is a fixed64 */
	static const uint8_t nested_wrong_wire[] = {0x12, 0x09, 0x11, 1, 2, 3, 4, 5, 6, 7, 8};

	(void)state;
	decode_fails(overflow, sizeof(overflow), -EINVAL, "varint longer than 10 bytes");
	decode_fails(past_end, sizeof(past_end), -EINVAL, "at byte 2: length past end");
	decode_fails(group_start, sizeof(group_start), -EINVAL, "wire type");
	decode_fails(group_end, sizeof(group_end), -EINVAL, "wire type");
	decode_fails(wire7, sizeof(wire7), -EINVAL, "wire type");
	decode_fails(field0, sizeof(field0), -EINVAL, "invalid field number");
	decode_fails(cut_varint, sizeof(cut_varint), -EINVAL, "ends inside a field");
	decode_fails(nested_past_end, sizeof(nested_past_end), -EINVAL,
		     "malformed sample #0 at byte 0: length past end");
	decode_fails(nested_group, sizeof(nested_group), -EINVAL, "sample #0 at byte 0");
	decode_fails(wrong_wire, sizeof(wrong_wire), -EINVAL,
		     "field 9 (time_nanos) has wire type 2");
	decode_fails(nested_wrong_wire, sizeof(nested_wrong_wire), -EINVAL,
		     "sample #0 at byte 0: field 2 has wire type 1");
}

static void test_bad_string_table(void **state)
{
	struct pb_buf b = {0};

	(void)state;
	/* string_table[0] must be "" */
	put_str(&b, "oops");
	put_str(&b, "");
	decode_fails(b.data, b.len, -EINVAL, "string_table[0] is \"oops\"");
	/* file bytes in a message are escaped: still one line */
	b.len = 0;
	put_str(&b, "a\nb\"\xff");
	decode_fails(b.data, b.len, -EINVAL, "string_table[0] is \"a\\x0ab\\x22\\xff\"");
	/* no string table at all */
	b.len = 0;
	put_value_type(&b, 1, 0, 0);
	decode_fails(b.data, b.len, -EINVAL, "no string table");
	/* an index past the table, in a function name */
	b.len = 0;
	put_minimal(&b);
	put_function(&b, 2, 99);
	decode_fails(b.data, b.len, -EINVAL,
		     "function 2 refers to string 99, but the string table has 6 entries");
	/* a negative index (int64 -1: ten bytes) in default_sample_type */
	b.len = 0;
	put_minimal(&b);
	pb_buf__uint(&b, 14, UINT64_MAX);
	decode_fails(b.data, b.len, -EINVAL,
		     "default_sample_type refers to a negative or huge string index");
	/* label keys are checked too */
	b.len = 0;
	put_minimal(&b);
	{
		size_t m = pb_buf__begin(&b, 2), lm;
		uint64_t one = 1;

		pb_buf__packed(&b, 1, &one, 1);
		pb_buf__packed(&b, 2, &one, 1);
		lm = pb_buf__begin(&b, 3);
		pb_buf__uint(&b, 1, 6);
		pb_buf__end(&b, lm);
		pb_buf__end(&b, m);
	}
	decode_fails(b.data, b.len, -EINVAL, "a label of sample 1 refers to string 6");
	pb_buf__release(&b);
}

static void test_sample_value_count(void **state)
{
	static const uint64_t loc = 1, two[] = {1, 2}, one = 1;
	struct pb_buf b = {0};

	(void)state;
	/* two sample types, then a sample with one value */
	put_value_type(&b, 1, 1, 2);
	put_value_type(&b, 1, 4, 5);
	put_sample(&b, &loc, 1, two, 2);
	put_sample(&b, &loc, 1, &one, 1);
	put_location(&b, 1, 0, 1);
	put_function(&b, 1, 3);
	put_strings(&b);
	decode_fails(b.data, b.len, -EINVAL, "sample 1 has 1 values but there are 2 sample types");
	/* every sample has one value, there are two types */
	b.len = 0;
	put_value_type(&b, 1, 1, 2);
	put_value_type(&b, 1, 4, 5);
	put_sample(&b, &loc, 1, &one, 1);
	put_location(&b, 1, 0, 1);
	put_function(&b, 1, 3);
	put_strings(&b);
	decode_fails(b.data, b.len, -EINVAL, "sample 0 has 1 values but there are 2 sample types");
	/* samples without any sample type */
	b.len = 0;
	put_sample(&b, &loc, 1, &one, 1);
	put_location(&b, 1, 0, 1);
	put_function(&b, 1, 3);
	put_strings(&b);
	decode_fails(b.data, b.len, -EINVAL, "samples but no sample_type");
	pb_buf__release(&b);
}

static void test_bad_ids(void **state)
{
	static const uint64_t loc99 = 99, loc0 = 0, loc1 = 1, value = 1;
	struct pb_buf b = {0};

	(void)state;
	put_minimal(&b);
	put_sample(&b, &loc99, 1, &value, 1);
	decode_fails(b.data, b.len, -EINVAL,
		     "sample 1 refers to location 99, which does not exist");
	b.len = 0;
	put_minimal(&b);
	put_sample(&b, &loc0, 1, &value, 1);
	decode_fails(b.data, b.len, -EINVAL, "sample 1 refers to location 0");
	b.len = 0;
	put_minimal(&b);
	put_location(&b, 2, 0, 7);
	decode_fails(b.data, b.len, -EINVAL,
		     "location 2 has a line with function 7, which does not exist");
	b.len = 0;
	put_minimal(&b);
	put_location(&b, 2, 0, 0);
	decode_fails(b.data, b.len, -EINVAL, "location 2 has a line with function 0");
	b.len = 0;
	put_minimal(&b);
	put_mapping(&b, 4);
	put_location(&b, 2, 5, 1);
	decode_fails(b.data, b.len, -EINVAL,
		     "location 2 refers to mapping 5, which does not exist");
	/* id 0 in each table */
	b.len = 0;
	put_minimal(&b);
	put_location(&b, 0, 0, 1);
	decode_fails(b.data, b.len, -EINVAL, "location #1 has id 0");
	b.len = 0;
	put_minimal(&b);
	put_function(&b, 0, 3);
	decode_fails(b.data, b.len, -EINVAL, "function #1 has id 0");
	b.len = 0;
	put_minimal(&b);
	put_mapping(&b, 0);
	decode_fails(b.data, b.len, -EINVAL, "mapping #0 has id 0");
	/* duplicates */
	b.len = 0;
	put_minimal(&b);
	put_function(&b, 1, 3);
	decode_fails(b.data, b.len, -EINVAL, "two functions have id 1");
	b.len = 0;
	put_minimal(&b);
	put_location(&b, 1, 0, 1);
	decode_fails(b.data, b.len, -EINVAL, "two locations have id 1");
	b.len = 0;
	put_minimal(&b);
	put_mapping(&b, 0xdeadbeef);
	put_mapping(&b, 0xdeadbeef);
	decode_fails(b.data, b.len, -EINVAL, "two mappings have id 3735928559");
	/* a sample's location list cut inside a varint */
	b.len = 0;
	put_minimal(&b);
	{
		size_t m = pb_buf__begin(&b, 2);

		pb_buf__raw(&b, "\x0a\x02\x01\x81", 4);
		pb_buf__packed(&b, 2, &loc1, 1);
		pb_buf__end(&b, m);
	}
	decode_fails(b.data, b.len, -EINVAL, "malformed sample #1");
	pb_buf__release(&b);
}

static void test_sparse_huge_ids_are_remapped(void **state)
{
	static const uint64_t s0[] = {42, 0xdeadbeef}, s1[] = {0xdeadbeef}, v0 = 7, v1 = 9;
	struct pb_buf b = {0};
	struct profile *p;
	const struct location *loc;

	(void)state;
	put_value_type(&b, 1, 1, 2);
	put_sample(&b, s0, 2, &v0, 1);
	put_sample(&b, s1, 1, &v1, 1);
	put_mapping(&b, UINT64_MAX);
	put_mapping(&b, 0xdeadbeef);
	put_location(&b, 0xdeadbeef, UINT64_MAX, 1000);	    /* "main" */
	put_location(&b, 42, 0xdeadbeef, 0xfffffffffffULL); /* "cpu" */
	put_function(&b, 0xfffffffffffULL, 4);
	put_function(&b, 1000, 3);
	put_strings(&b);
	p = decode_ok(b.data, b.len);
	assert_int_equal(p->mappings.len, 2);
	assert_int_equal(p->locations.len, 2);
	assert_int_equal(p->functions.len, 2);
	/* file order is kept: location 0xdeadbeef became 1, location 42 became 2 */
	assert_true(profile__sample_loc(p, 0, 0) == 2);
	assert_true(profile__sample_loc(p, 0, 1) == 1);
	assert_true(profile__sample_loc(p, 1, 0) == 1);
	loc = profile__location(p, 1);
	assert_true(loc->mapping_id == 1);
	assert_string_equal(
		profile__str(
			p,
			profile__function(p, profile__location_lines(p, loc)[0].function_id)->name),
		"main");
	loc = profile__location(p, 2);
	assert_true(loc->mapping_id == 2);
	assert_string_equal(
		profile__str(
			p,
			profile__function(p, profile__location_lines(p, loc)[0].function_id)->name),
		"cpu");
	assert_true(profile__total(p, 0) == 16);
	profile__free(p);
	pb_buf__release(&b);
}

/* Every message with fields 100 (varint), 101 (fixed64), 102 (bytes), 103 (fixed32) added. */
static void put_unknown(struct pb_buf *b)
{
	static const uint8_t f64[8] = {1}, f32[4] = {2};

	pb_buf__uint(b, 100, 12345);
	pb_buf__varint(b, pb_tag(101, PB_I64));
	pb_buf__raw(b, f64, 8);
	pb_buf__bytes(b, 102, "skip me", 7);
	pb_buf__varint(b, pb_tag(103, PB_I32));
	pb_buf__raw(b, f32, 4);
}

static void test_unknown_fields_are_skipped(void **state)
{
	struct pb_buf b = {0};
	struct profile *p;
	size_t m, lm, labm;

	(void)state;
	put_unknown(&b);
	m = pb_buf__begin(&b, 1);
	pb_buf__uint(&b, 1, 1);
	put_unknown(&b);
	pb_buf__uint(&b, 2, 2);
	pb_buf__end(&b, m);
	m = pb_buf__begin(&b, 2);
	put_unknown(&b);
	pb_buf__uint(&b, 1, 1);
	pb_buf__uint(&b, 2, 5);
	labm = pb_buf__begin(&b, 3);
	put_unknown(&b);
	pb_buf__uint(&b, 1, 3);
	pb_buf__uint(&b, 2, 4);
	pb_buf__end(&b, labm);
	pb_buf__end(&b, m);
	m = pb_buf__begin(&b, 3);
	pb_buf__uint(&b, 1, 1);
	put_unknown(&b);
	pb_buf__end(&b, m);
	m = pb_buf__begin(&b, 4);
	put_unknown(&b);
	pb_buf__uint(&b, 1, 1);
	pb_buf__uint(&b, 2, 1);
	lm = pb_buf__begin(&b, 4);
	put_unknown(&b);
	pb_buf__uint(&b, 1, 1);
	pb_buf__end(&b, lm);
	pb_buf__end(&b, m);
	m = pb_buf__begin(&b, 5);
	put_unknown(&b);
	pb_buf__uint(&b, 1, 1);
	pb_buf__uint(&b, 2, 3);
	pb_buf__end(&b, m);
	put_unknown(&b);
	put_strings(&b);
	put_unknown(&b);
	p = decode_ok(b.data, b.len);
	assert_int_equal(p->samples.len, 1);
	assert_true(profile__total(p, 0) == 5);
	assert_int_equal(p->samples.data[0].nlabels, 1);
	assert_string_equal(profile__str(p, profile__sample_labels(p, 0)[0].key), "main");
	assert_string_equal(profile__str(p, profile__sample_labels(p, 0)[0].str), "cpu");
	assert_int_equal(p->mappings.len, 1);
	assert_true(p->locations.data[0].mapping_id == 1);
	assert_string_equal(profile__str(p, p->functions.data[0].name), "main");
	profile__free(p);
	pb_buf__release(&b);
}

static void test_packed_and_unpacked_are_equal(void **state)
{
	static const uint64_t locs[] = {2, 1}, values[] = {7, UINT64_MAX}; /* -1 */
	static const uint64_t comments[] = {3, 4};
	struct pb_buf packed = {0}, plain = {0};
	struct profile *a, *b;
	size_t m, i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct pb_buf *x = i ? &plain : &packed;

		put_value_type(x, 1, 1, 2);
		put_value_type(x, 1, 4, 5);
		if (!i) {
			put_sample(x, locs, 2, values, 2);
			pb_buf__packed(x, 13, comments, 2);
		} else {
			m = pb_buf__begin(x, 2);
			pb_buf__uint(x, 1, locs[0]);
			pb_buf__uint(x, 2, values[0]);
			pb_buf__uint(x, 1, locs[1]);
			pb_buf__uint(x, 2, values[1]);
			pb_buf__end(x, m);
			pb_buf__uint(x, 13, comments[0]);
			pb_buf__uint(x, 13, comments[1]);
		}
		put_location(x, 1, 0, 1);
		put_location(x, 2, 0, 1);
		put_function(x, 1, 3);
		put_strings(x);
	}
	assert_int_equal(packed.len, plain.len);
	assert_true(memcmp(packed.data, plain.data, packed.len) != 0);
	a = decode_ok(packed.data, packed.len);
	b = decode_ok(plain.data, plain.len);
	assert_profiles_equal(a, b);
	assert_true(profile__total(b, 1) == -1);
	profile__free(b);
	/* an empty packed field is zero values, not an error */
	m = pb_buf__begin(&plain, 2);
	pb_buf__raw(&plain, "\x0a\x00\x12\x02\x03\x04", 6);
	pb_buf__end(&plain, m);
	b = decode_ok(plain.data, plain.len);
	assert_int_equal(b->samples.len, 2);
	assert_int_equal(b->samples.data[1].nlocs, 0);
	assert_true(profile__sample_values(b, 1)[1] == 4);
	assert_true(profile__sample_loc(b, 0, 0) == 2);
	assert_int_equal(b->comments.len, 2);
	assert_string_equal(profile__str(b, b->comments.data[1]), "cpu");
	profile__free(a);
	profile__free(b);
	pb_buf__release(&packed);
	pb_buf__release(&plain);
}

static void test_quality_comment(void **state)
{
	struct pb_buf b = {0};
	struct profile *p;

	(void)state;
	put_minimal(&b);
	put_str(&b, "singe:quality lost=7 truncated=0 unknown_frames=12 bad_lines=1");
	put_str(&b, "singe:quality lost=x truncated=0 unknown_frames=0 bad_lines=0");
	put_str(&b, "keep me");
	pb_buf__uint(&b, 13, 6);
	pb_buf__uint(&b, 13, 7);
	pb_buf__uint(&b, 13, 8);
	p = decode_ok(b.data, b.len);
	assert_true(p->quality.lost == 7);
	assert_true(p->quality.truncated == 0);
	assert_true(p->quality.unknown_frames == 12);
	assert_true(p->quality.bad_lines == 1);
	/* ours is taken out, a look-alike that does not parse stays a comment */
	assert_int_equal(p->comments.len, 2);
	assert_non_null(strstr(profile__str(p, p->comments.data[0]), "lost=x"));
	assert_string_equal(profile__str(p, p->comments.data[1]), "keep me");
	profile__free(p);
	pb_buf__release(&b);
}

/* ---- gzip */

static void test_truncated_and_corrupt_gzip(void **state)
{
	struct profile *a = rich_profile();
	size_t len;
	uint8_t *buf = encode(a, true, &len), *copy = malloc(len + 4);

	(void)state;
	assert_non_null(copy);
	decode_fails(buf, len / 2, -EINVAL, "pprof: truncated gzip stream");
	decode_fails(buf, len - 3, -EINVAL, "pprof: truncated gzip stream"); /* in the trailer */
	decode_fails(buf, 2, -EINVAL, "pprof: truncated gzip stream");
	memcpy(copy, buf, len);
	copy[len - 6] ^= 0x55; /* the CRC */
	decode_fails(copy, len, -EINVAL, "corrupt gzip stream");
	memcpy(copy, buf, len);
	memcpy(copy + len, "junk", 4);
	decode_fails(copy, len + 4, -EINVAL, "unexpected data after the gzip stream");
	free(copy);
	free(buf);
	profile__free(a);
}

static void test_gzip_bomb(void **state)
{
	struct pb_buf b = {0};
	uint8_t *gz;
	size_t gz_len, i;
	struct profile *p;
	char msg[96];

	(void)state;
	put_minimal(&b);
	/* 1 MiB of comments compresses to a few KiB */
	for (i = 0; i < 4096; i++) {
		char s[256];

		memset(s, 'x', sizeof(s) - 1);
		s[sizeof(s) - 1] = '\0';
		put_str(&b, s);
	}
	gz = gzip_bytes(b.data, b.len, &gz_len);
	assert_true(gz_len < b.len / 50);
	pprof__set_max_decompressed(64 * 1024);
	assert_int_equal(pprof__max_decompressed(), 64 * 1024);
	snprintf(msg, sizeof(msg), "pprof: decompressed size exceeds %d bytes (gzip bomb?)",
		 64 * 1024);
	decode_fails(gz, gz_len, -E2BIG, msg);
	/* exactly at the limit is fine */
	pprof__set_max_decompressed(b.len);
	p = decode_ok(gz, gz_len);
	profile__free(p);
	pprof__set_max_decompressed(b.len - 1);
	decode_fails(gz, gz_len, -E2BIG, "gzip bomb");
	pprof__set_max_decompressed(0);
	assert_int_equal(pprof__max_decompressed(), PPROF_DEFAULT_MAX_DECOMPRESSED);
	p = decode_ok(gz, gz_len);
	profile__free(p);
	free(gz);
	pb_buf__release(&b);
}

static void test_empty_input(void **state)
{
	size_t gz_len;
	uint8_t *gz = gzip_bytes("", 0, &gz_len);

	(void)state;
	decode_fails("", 0, -EINVAL, "pprof: empty input");
	decode_fails(gz, gz_len, -EINVAL, "pprof: empty input");
	free(gz);
}

/* Issue 12, point 2: samples with the same labels share one copy of them once decoded. */
static void test_shared_label_sets(void **state)
{
	struct profile *a = profile__new(), *b;
	struct label l[2] = {{0}};
	uint64_t loc;
	int64_t v = 1;
	size_t len, i;
	void *buf;

	(void)state;
	assert_true(profile__add_sample_type(a, "samples", "count") >= 0);
	loc = (uint64_t)profile__add_location(a, 0, 0x10, NULL, 0);
	l[0].key = (uint32_t)profile__intern_str(a, "tid");
	l[1].key = (uint32_t)profile__intern_str(a, "comm");
	l[1].str = (uint32_t)profile__intern_str(a, "app");
	for (i = 0; i < 100; i++) {
		l[0].num = 1000 + (int64_t)(i % 3);
		assert_int_equal(profile__add_sample(a, &loc, 1, &v, l, i % 10 ? 2 : 1), 0);
	}
	buf = encode(a, true, &len);
	b = decode_ok(buf, len);
	assert_profiles_equal(a, b);
	/* three tids, with and without comm: six distinct sets of one or two labels */
	assert_int_equal(a->sample_labels.len, 190);
	assert_true(b->sample_labels.len <= 9);
	free(buf);
	profile__free(a);
	profile__free(b);
}

/* A stream given 7 bytes at a time, as pprof__decode_stream() reads a file. */
struct chunks {
	const uint8_t *p, *end;
	bool fail;
};

static long read_chunk(void *ctx, void *buf, size_t cap, struct flame_err *err)
{
	struct chunks *c = ctx;
	size_t n = (size_t)(c->end - c->p);

	if (c->fail && n < 20)
		return flame_err__set(err, EIO, "disk on fire");
	n = n < 7 ? n : 7;
	n = n < cap ? n : cap;
	memcpy(buf, c->p, n);
	c->p += n;
	return (long)n;
}

static int decode_chunks(struct profile *p, const uint8_t *buf, size_t len, bool fail,
			 struct flame_err *err)
{
	struct chunks c = {buf + 10, buf + len, fail};

	return pprof__decode_stream(p, buf, 10, read_chunk, &c, err);
}

/* Issue 12, point 2: a gzip pprof decoded as it is read equals the one decoded whole. */
static void test_decode_stream(void **state)
{
	struct profile *a = rich_profile(), *b;
	struct flame_err err = {{0}};
	size_t raw_len, len1, len2, cut;
	uint8_t *raw = encode(a, false, &raw_len), *g1, *g2, *both;

	(void)state;
	cut = raw_len / 3;
	g1 = gzip_bytes(raw, cut, &len1);
	g2 = gzip_bytes(raw + cut, raw_len - cut, &len2);
	both = malloc(len1 + len2);
	assert_non_null(both);
	memcpy(both, g1, len1);
	memcpy(both + len1, g2, len2);
	/* two members, read in chunks that cut the second member's header */
	b = profile__new();
	if (decode_chunks(b, both, len1 + len2, false, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(profile__validate(b, &err), 0);
	assert_profiles_equal(a, b);
	profile__free(b);
	/* cut short, or the reader fails: a message, no crash */
	b = profile__new();
	assert_int_equal(decode_chunks(b, both, len1 + len2 - 5, false, &err), -EINVAL);
	assert_message(&err, "truncated gzip stream");
	profile__free(b);
	b = profile__new();
	err.msg[0] = '\0';
	assert_int_equal(decode_chunks(b, both, len1 + len2, true, &err), -EIO);
	assert_string_equal(err.msg, "disk on fire");
	profile__free(b);
	/* raw protobuf cannot be streamed */
	b = profile__new();
	assert_int_equal(decode_chunks(b, raw, raw_len, false, &err), -EINVAL);
	profile__free(b);
	free(g1);
	free(g2);
	free(both);
	free(raw);
	profile__free(a);
}

static void test_concatenated_members(void **state)
{
	struct profile *a = rich_profile(), *b;
	size_t raw_len, len1, len2, cut;
	uint8_t *raw = encode(a, false, &raw_len), *g1, *g2, *both;

	(void)state;
	/* one profile split at an arbitrary byte into two members: still one stream */
	cut = raw_len / 3;
	g1 = gzip_bytes(raw, cut, &len1);
	g2 = gzip_bytes(raw + cut, raw_len - cut, &len2);
	both = malloc(len1 + len2);
	assert_non_null(both);
	memcpy(both, g1, len1);
	memcpy(both + len1, g2, len2);
	b = decode_ok(both, len1 + len2);
	assert_profiles_equal(a, b);
	profile__free(b);
	free(g1);
	free(g2);
	free(both);

	/* two whole profiles appended: both have time_nanos */
	g1 = gzip_bytes(raw, raw_len, &len1);
	both = malloc(2 * len1);
	assert_non_null(both);
	memcpy(both, g1, len1);
	memcpy(both + len1, g1, len1);
	decode_fails(both, 2 * len1, -EINVAL, "pprof: concatenated profiles detected");
	decode_fails(both, 2 * len1, -EINVAL, "concatenated"); /* same again: no state kept */
	free(both);
	both = malloc(2 * raw_len);
	assert_non_null(both);
	memcpy(both, raw, raw_len);
	memcpy(both + raw_len, raw, raw_len);
	decode_fails(both, 2 * raw_len, -EINVAL, "pprof: concatenated profiles detected");
	free(both);
	free(g1);
	free(raw);
	profile__free(a);
}

/* ---- sniffing */

static void test_sniff(void **state)
{
	struct profile *a = rich_profile();
	size_t raw_len, gz_len;
	void *raw = encode(a, false, &raw_len), *gz = encode(a, true, &gz_len);
	static const char *const texts[] = {
		"main;foo;bar 12\nmain;baz 3\n",
		"python 3",
		"\n\n\nmain;a 1\n",
		"2to3;main 1\n",
		"app 1234 [001] 12345.678: 10101 cpu-clock:\n\t401000 main (/usr/bin/app)\n",
		"*** just text ***",
		"Z",
	};
	size_t i;

	(void)state;
	assert_true(pprof__sniff(raw, raw_len));
	assert_true(pprof__sniff(gz, gz_len));
	assert_true(pprof__sniff("\x1f\x8b", 2));
	assert_true(pprof__sniff("\x32\x00", 2));
	assert_false(pprof__sniff("", 0));
	assert_false(pprof__sniff("\x1f", 1));
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (pprof__sniff(texts[i], strlen(texts[i])))
			fail_msg("\"%s\" sniffed as pprof", texts[i]);
	free(raw);
	free(gz);
	profile__free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_gzip),
		cmocka_unit_test(test_round_trip_raw),
		cmocka_unit_test(test_round_trip_twice_is_byte_identical),
		cmocka_unit_test(test_empty_profile_round_trip),
		cmocka_unit_test(test_large_round_trip),
		cmocka_unit_test(test_field_larger_than_window),
		cmocka_unit_test(test_profile_without_mappings_gets_placeholder),
		cmocka_unit_test(test_strings_are_made_valid_utf8),
		cmocka_unit_test(test_encode_refuses_invalid_profile),
		cmocka_unit_test(test_decode_needs_empty_profile),
		cmocka_unit_test(test_minimal_file_decodes),
		cmocka_unit_test(test_malformed_wire),
		cmocka_unit_test(test_bad_string_table),
		cmocka_unit_test(test_sample_value_count),
		cmocka_unit_test(test_bad_ids),
		cmocka_unit_test(test_sparse_huge_ids_are_remapped),
		cmocka_unit_test(test_unknown_fields_are_skipped),
		cmocka_unit_test(test_packed_and_unpacked_are_equal),
		cmocka_unit_test(test_quality_comment),
		cmocka_unit_test(test_truncated_and_corrupt_gzip),
		cmocka_unit_test(test_gzip_bomb),
		cmocka_unit_test(test_empty_input),
		cmocka_unit_test(test_concatenated_members),
		cmocka_unit_test(test_decode_stream),
		cmocka_unit_test(test_shared_label_sets),
		cmocka_unit_test(test_sniff),
	};

	return cmocka_run_group_tests_name("pprof", tests, NULL, NULL);
}
