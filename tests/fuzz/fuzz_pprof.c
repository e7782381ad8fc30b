// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the pprof decoder. Whatever the bytes, decoding must not crash, leak or
 * trip a sanitizer; an error must come with a one-line "pprof: ..." message. Raw bytes must
 * decode the same (result and message) when fed as gzip split into two members. A profile that
 * decodes must pass profile__validate(), encode, and decode again to the same shape and totals.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "pprof.h"
#include "profile.h"

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_pprof: " __VA_ARGS__);                               \
			fputc('\n', stderr);                                                       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* bombs must fail fast and stay inside libFuzzer's memory limit */
	pprof__set_max_decompressed(64 << 20);
	return 0;
}

static void check_message(const struct flame_err *err)
{
	CHECK(!strncmp(err->msg, "pprof: ", 7), "error message without prefix: %s", err->msg);
	CHECK(!strchr(err->msg, '\n'), "error message with a newline: %s", err->msg);
}

static void check_same_shape(const struct profile *a, const struct profile *b)
{
	size_t i;

	CHECK(a->samples.len == b->samples.len, "samples %zu -> %zu", a->samples.len,
	      b->samples.len);
	CHECK(a->sample_types.len == b->sample_types.len, "sample types differ");
	CHECK(a->sample_locs.len == b->sample_locs.len, "sample locations differ");
	CHECK(a->sample_labels.len == b->sample_labels.len, "labels differ");
	CHECK(a->locations.len == b->locations.len, "locations differ");
	CHECK(a->lines.len == b->lines.len, "lines differ");
	CHECK(a->functions.len == b->functions.len, "functions differ");
	CHECK(a->mappings.len == b->mappings.len, "mappings %zu -> %zu", a->mappings.len,
	      b->mappings.len);
	CHECK(a->comments.len == b->comments.len, "comments differ");
	CHECK(!memcmp(&a->quality, &b->quality, sizeof(a->quality)), "quality differs");
	CHECK(a->time_nanos == b->time_nanos && a->period == b->period, "header differs");
	for (i = 0; i < a->sample_types.len; i++)
		CHECK(profile__total(a, i) == profile__total(b, i), "total %zu differs", i);
	if (a->sample_locs.len)
		CHECK(!memcmp(a->sample_locs.data, b->sample_locs.data,
			      a->sample_locs.len * sizeof(*a->sample_locs.data)),
		      "sample location ids differ");
}

/* Append data as one gzip member to out (at *len; room checked by the caller). */
static void gzip_member(const uint8_t *data, size_t size, uint8_t *out, size_t *len, size_t cap)
{
	z_stream zs = {0};

	CHECK(deflateInit2(&zs, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK,
	      "deflateInit2");
	zs.next_in = (Bytef *)data;
	zs.avail_in = (uInt)size;
	zs.next_out = out + *len;
	zs.avail_out = (uInt)(cap - *len);
	CHECK(deflate(&zs, Z_FINISH) == Z_STREAM_END, "deflate");
	*len += zs.total_out;
	deflateEnd(&zs);
}

/*
 * The same bytes as two gzip members, cut where the input says: the decoder inflates them
 * through its window, so every field the cut splits must wait for the rest. Same result,
 * same message, as decoding the raw bytes.
 */
static void check_gzip_same(const uint8_t *data, size_t size, int want,
			    const struct flame_err *want_err, const struct profile *want_p)
{
	size_t cut = size ? (size_t)data[size - 1] * size / 255 : 0, cap, len = 0;
	struct flame_err err = {{0}};
	struct profile *g = profile__new();
	uint8_t *gz;
	int ret;

	CHECK(g, "out of memory");
	cap = 2 * (compressBound(size) + 64);
	gz = malloc(cap);
	CHECK(gz, "out of memory");
	gzip_member(data, cut, gz, &len, cap);
	gzip_member(data + cut, size - cut, gz, &len, cap);
	ret = pprof__decode(g, gz, len, &err);
	CHECK(ret == want, "raw decode gives %d, gzip (cut at %zu) gives %d: %s", want, cut, ret,
	      err.msg);
	if (ret)
		CHECK(!strcmp(err.msg, want_err->msg), "raw: \"%s\", gzip: \"%s\"", want_err->msg,
		      err.msg);
	else
		check_same_shape(want_p, g);
	free(gz);
	profile__free(g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile *p = profile__new(), *q;
	struct flame_err err = {{0}};
	bool raw = !(size >= 2 && data[0] == 0x1f && data[1] == 0x8b);
	void *out = NULL;
	size_t out_len = 0;
	int ret;

	CHECK(p, "out of memory");
	(void)pprof__sniff(data, size);
	ret = pprof__decode(p, data, size, &err);
	if (raw)
		check_gzip_same(data, size, ret, &err, p);
	if (ret) {
		check_message(&err);
		profile__free(p);
		return 0;
	}
	ret = profile__validate(p, &err);
	CHECK(!ret, "decoded profile does not validate: %s", err.msg);

	/* gzip or raw, chosen by the input so both paths get exercised */
	ret = pprof__encode(p, size & 1, &out, &out_len, &err);
	CHECK(!ret, "cannot re-encode a decoded profile: %s", err.msg);
	CHECK(pprof__sniff(out, out_len), "sniff does not recognise our own output");
	q = profile__new();
	CHECK(q, "out of memory");
	ret = pprof__decode(q, out, out_len, &err);
	CHECK(!ret, "cannot decode our own output: %s", err.msg);
	CHECK(!profile__validate(q, &err), "re-decoded profile does not validate: %s", err.msg);
	check_same_shape(p, q);
	free(out);
	profile__free(p);
	profile__free(q);
	return 0;
}
