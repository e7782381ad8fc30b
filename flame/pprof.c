// SPDX-License-Identifier: MIT
/*
 * pprof codec. Field numbers are those of github.com/google/pprof/proto/profile.proto.
 * The format rules are in /work/shared/reference/flamegraphs.md §4, the hardening list in §8.8.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "hash.h"
#include "pb.h"
#include "pprof.h"
#include "profile.h"

/* Profile */
enum {
	PROFILE_SAMPLE_TYPE = 1,
	PROFILE_SAMPLE = 2,
	PROFILE_MAPPING = 3,
	PROFILE_LOCATION = 4,
	PROFILE_FUNCTION = 5,
	PROFILE_STRING_TABLE = 6,
	PROFILE_DROP_FRAMES = 7,
	PROFILE_KEEP_FRAMES = 8,
	PROFILE_TIME_NANOS = 9,
	PROFILE_DURATION_NANOS = 10,
	PROFILE_PERIOD_TYPE = 11,
	PROFILE_PERIOD = 12,
	PROFILE_COMMENT = 13,
	PROFILE_DEFAULT_SAMPLE_TYPE = 14,
	PROFILE_DOC_URL = 15,
	PROFILE_NFIELDS,
};

/* ValueType, Sample, Label, Mapping, Location, Line, Function */
enum { VALUE_TYPE_TYPE = 1, VALUE_TYPE_UNIT = 2 };
enum { SAMPLE_LOCATION_ID = 1, SAMPLE_VALUE = 2, SAMPLE_LABEL = 3 };
enum { LABEL_KEY = 1, LABEL_STR = 2, LABEL_NUM = 3, LABEL_NUM_UNIT = 4 };
enum {
	MAPPING_ID = 1,
	MAPPING_MEMORY_START = 2,
	MAPPING_MEMORY_LIMIT = 3,
	MAPPING_FILE_OFFSET = 4,
	MAPPING_FILENAME = 5,
	MAPPING_BUILD_ID = 6,
	MAPPING_HAS_FUNCTIONS = 7,
	MAPPING_HAS_FILENAMES = 8,
	MAPPING_HAS_LINE_NUMBERS = 9,
	MAPPING_HAS_INLINE_FRAMES = 10,
};
enum {
	LOCATION_ID = 1,
	LOCATION_MAPPING_ID = 2,
	LOCATION_ADDRESS = 3,
	LOCATION_LINE = 4,
	LOCATION_IS_FOLDED = 5,
};
enum { LINE_FUNCTION_ID = 1, LINE_LINE = 2, LINE_COLUMN = 3 };
enum {
	FUNCTION_ID = 1,
	FUNCTION_NAME = 2,
	FUNCTION_SYSTEM_NAME = 3,
	FUNCTION_FILENAME = 4,
	FUNCTION_START_LINE = 5,
};

#define QUALITY_PREFIX "singe:quality"

static size_t max_decompressed = PPROF_DEFAULT_MAX_DECOMPRESSED;

void pprof__set_max_decompressed(size_t max)
{
	max_decompressed = max ? max : PPROF_DEFAULT_MAX_DECOMPRESSED;
}

size_t pprof__max_decompressed(void)
{
	return max_decompressed;
}

/* ===================================================================== encoding */

/* Protobuf bytes are compressed in chunks of about this size, so they are never all in memory. */
#define DEFLATE_CHUNK (1u << 20)

struct encoder {
	const struct profile *p;
	struct pb_buf buf; /* encoded bytes not compressed yet (all of them without gzip) */
	struct pb_buf gz;  /* compressed output */
	z_stream zs;
	bool gzip;
	VEC(uint32_t) ids;  /* one sample's location ids, as the model gives them */
	VEC(uint64_t) locs; /* the same, widened for the packed writer */
	bool oom;
};

/* Compress what buf holds; with Z_FINISH also end the gzip member. */
static int enc_deflate(struct encoder *e, int flush)
{
	size_t off = 0;
	int zret;

	for (;;) {
		size_t in = e->buf.len - off, out;
		int f = in > UINT_MAX ? Z_NO_FLUSH : flush;

		if (pb_buf__reserve(&e->gz, 16 * 1024))
			return -ENOMEM;
		out = e->gz.cap - e->gz.len;
		e->zs.next_in = e->buf.data + off;
		e->zs.avail_in = (uInt)(in > UINT_MAX ? UINT_MAX : in);
		e->zs.next_out = e->gz.data + e->gz.len;
		e->zs.avail_out = (uInt)(out > UINT_MAX ? UINT_MAX : out);
		zret = deflate(&e->zs, f);
		if (zret == Z_STREAM_ERROR)
			return -EIO;
		off = (size_t)(e->zs.next_in - e->buf.data);
		e->gz.len = (size_t)(e->zs.next_out - e->gz.data);
		if (zret == Z_STREAM_END)
			break;
		/* all input taken and deflate had room left: nothing is pending */
		if (off == e->buf.len && f == Z_NO_FLUSH && e->zs.avail_out)
			break;
	}
	e->buf.len = 0;
	return 0;
}

/* Between top-level fields: hand a full chunk to deflate. */
static int enc_flush(struct encoder *e)
{
	if (e->buf.failed)
		return -ENOMEM;
	if (e->gzip && e->buf.len >= DEFLATE_CHUNK)
		return enc_deflate(e, Z_NO_FLUSH);
	return 0;
}

static void enc_value_type(struct pb_buf *b, uint32_t field, const struct value_type *vt)
{
	size_t m = pb_buf__begin(b, field);

	pb_buf__uint_opt(b, VALUE_TYPE_TYPE, vt->type);
	pb_buf__uint_opt(b, VALUE_TYPE_UNIT, vt->unit);
	pb_buf__end(b, m);
}

static size_t field_size(uint32_t field, uint64_t v)
{
	return v ? pb_varint_size(pb_tag(field, PB_VARINT)) + pb_varint_size(v) : 0;
}

/* A label holds str, or num with an optional unit (pprof reads it that way). */
static size_t label_size(const struct label *l)
{
	size_t n = field_size(LABEL_KEY, l->key);

	if (l->str)
		return n + field_size(LABEL_STR, l->str);
	return n + field_size(LABEL_NUM, (uint64_t)l->num) +
	       field_size(LABEL_NUM_UNIT, l->num_unit);
}

static void enc_label(struct pb_buf *b, const struct label *l)
{
	size_t size = label_size(l);

	pb_buf__varint(b, pb_tag(SAMPLE_LABEL, PB_LEN));
	pb_buf__varint(b, size);
	pb_buf__uint_opt(b, LABEL_KEY, l->key);
	if (l->str) {
		pb_buf__uint_opt(b, LABEL_STR, l->str);
	} else {
		pb_buf__uint_opt(b, LABEL_NUM, (uint64_t)l->num);
		pb_buf__uint_opt(b, LABEL_NUM_UNIT, l->num_unit);
	}
}

static void enc_sample(struct encoder *e, size_t i)
{
	const struct profile *p = e->p;
	const struct sample *s = &p->samples.data[i];
	/* int64 values are written as their two's complement uint64 (the int64 wire form) */
	const uint64_t *vals = (const uint64_t *)profile__sample_values(p, i);
	const struct label *labels = s->nlabels ? profile__sample_labels(p, i) : NULL;
	size_t nv = p->sample_types.len, size, j;
	const uint64_t *locs = NULL;

	if (s->nlocs && !vec_reserve(&e->locs, s->nlocs) && !vec_reserve(&e->ids, s->nlocs) &&
	    !profile__sample_locs(p, i, e->ids.data)) {
		/* the model keeps 32-bit ids; the packed writer takes 64-bit ones */
		for (j = 0; j < s->nlocs; j++)
			e->locs.data[j] = e->ids.data[j];
		locs = e->locs.data;
	} else if (s->nlocs) {
		e->oom = true;
		return;
	}
	size = pb_packed_size(SAMPLE_LOCATION_ID, locs, s->nlocs) +
	       pb_packed_size(SAMPLE_VALUE, vals, nv);
	for (j = 0; j < s->nlabels; j++) {
		size_t ls = label_size(&labels[j]);

		size += 1 + pb_varint_size(ls) + ls;
	}
	pb_buf__varint(&e->buf, pb_tag(PROFILE_SAMPLE, PB_LEN));
	pb_buf__varint(&e->buf, size);
	pb_buf__packed(&e->buf, SAMPLE_LOCATION_ID, locs, s->nlocs);
	pb_buf__packed(&e->buf, SAMPLE_VALUE, vals, nv);
	for (j = 0; j < s->nlabels; j++)
		enc_label(&e->buf, &labels[j]);
}

static void enc_mapping(struct pb_buf *b, const struct mapping *m, uint64_t id)
{
	size_t mark = pb_buf__begin(b, PROFILE_MAPPING);

	pb_buf__uint(b, MAPPING_ID, id);
	pb_buf__uint_opt(b, MAPPING_MEMORY_START, m->memory_start);
	pb_buf__uint_opt(b, MAPPING_MEMORY_LIMIT, m->memory_limit);
	pb_buf__uint_opt(b, MAPPING_FILE_OFFSET, m->file_offset);
	pb_buf__uint_opt(b, MAPPING_FILENAME, m->filename);
	pb_buf__uint_opt(b, MAPPING_BUILD_ID, m->build_id);
	pb_buf__uint_opt(b, MAPPING_HAS_FUNCTIONS, m->has_functions);
	pb_buf__uint_opt(b, MAPPING_HAS_FILENAMES, m->has_filenames);
	pb_buf__uint_opt(b, MAPPING_HAS_LINE_NUMBERS, m->has_line_numbers);
	pb_buf__uint_opt(b, MAPPING_HAS_INLINE_FRAMES, m->has_inline_frames);
	pb_buf__end(b, mark);
}

static const struct mapping placeholder_mapping = {.has_functions = true};

static bool is_placeholder(const struct mapping *m)
{
	return !m->memory_start && !m->memory_limit && !m->file_offset && !m->filename &&
	       !m->build_id && m->has_functions && !m->has_filenames && !m->has_line_numbers &&
	       !m->has_inline_frames;
}

static void enc_location(struct pb_buf *b, const struct profile *p, const struct location *loc,
			 uint64_t id)
{
	const struct line *lines = loc->nlines ? profile__location_lines(p, loc) : NULL;
	size_t mark = pb_buf__begin(b, PROFILE_LOCATION), lm;
	uint32_t i;

	pb_buf__uint(b, LOCATION_ID, id);
	pb_buf__uint_opt(b, LOCATION_MAPPING_ID, loc->mapping_id);
	pb_buf__uint_opt(b, LOCATION_ADDRESS, loc->address);
	for (i = 0; i < loc->nlines; i++) {
		lm = pb_buf__begin(b, LOCATION_LINE);
		pb_buf__uint_opt(b, LINE_FUNCTION_ID, lines[i].function_id);
		pb_buf__uint_opt(b, LINE_LINE, (uint64_t)lines[i].line);
		pb_buf__uint_opt(b, LINE_COLUMN, (uint64_t)lines[i].column);
		pb_buf__end(b, lm);
	}
	pb_buf__uint_opt(b, LOCATION_IS_FOLDED, loc->is_folded);
	pb_buf__end(b, mark);
}

static void enc_function(struct pb_buf *b, const struct function *f, uint64_t id)
{
	size_t mark = pb_buf__begin(b, PROFILE_FUNCTION);

	pb_buf__uint(b, FUNCTION_ID, id);
	pb_buf__uint_opt(b, FUNCTION_NAME, f->name);
	pb_buf__uint_opt(b, FUNCTION_SYSTEM_NAME, f->system_name);
	pb_buf__uint_opt(b, FUNCTION_FILENAME, f->filename);
	pb_buf__uint_opt(b, FUNCTION_START_LINE, (uint64_t)f->start_line);
	pb_buf__end(b, mark);
}

/* The length of the well-formed UTF-8 sequence at s[0..n), or 0 if there is none. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c < 0xc2 || c > 0xf4)
		return 0;
	if (n < 2 || (s[1] & 0xc0) != 0x80)
		return 0;
	if (c < 0xe0)
		return 2;
	/* no overlong forms, no surrogates (ed a0..), nothing past U+10FFFF (f4 90..) */
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
	    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
		return 0;
	if (n < 3 || (s[2] & 0xc0) != 0x80)
		return 0;
	if (c < 0xf0)
		return 3;
	return n >= 4 && (s[3] & 0xc0) == 0x80 ? 4 : 0;
}

/* The size of s with every byte that is not part of valid UTF-8 replaced by U+FFFD. */
static size_t utf8_fixed_size(const unsigned char *s, size_t n)
{
	size_t i = 0, size = 0, k;

	while (i < n) {
		k = utf8_seq(s + i, n - i);
		size += k ? k : 3;
		i += k ? k : 1;
	}
	return size;
}

/*
 * A string_table entry. Strings are made valid UTF-8 on the way out: generated proto3
 * decoders (protobuf-go and others) reject a `string` field that is not, and symbol names
 * come from programs we do not control.
 */
static void enc_string(struct pb_buf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i, size, k;
	uint8_t *out;

	for (i = 0; i < n && s[i] < 0x80; i++)
		;
	size = i == n ? n : utf8_fixed_size(s, n);
	if (size == n) {
		pb_buf__bytes(b, PROFILE_STRING_TABLE, s, n);
		return;
	}
	if (pb_buf__reserve(b, 2 * PB_VARINT_MAX + size))
		return;
	out = pb_put_varint(b->data + b->len, pb_tag(PROFILE_STRING_TABLE, PB_LEN));
	out = pb_put_varint(out, size);
	for (i = 0; i < n; i += k ? k : 1) {
		k = utf8_seq(s + i, n - i);
		if (k) {
			memcpy(out, s + i, k);
			out += k;
		} else {
			memcpy(out, "\xef\xbf\xbd", 3);
			out += 3;
		}
	}
	b->len = (size_t)(out - b->data);
}

static bool has_quality(const struct profile_quality *q)
{
	return q->lost || q->truncated || q->unknown_frames || q->bad_lines;
}

static int enc_header(struct encoder *e)
{
	const struct profile *p = e->p;
	size_t i;

	for (i = 0; i < p->sample_types.len; i++)
		enc_value_type(&e->buf, PROFILE_SAMPLE_TYPE, &p->sample_types.data[i]);
	return enc_flush(e);
}

static int enc_samples(struct encoder *e)
{
	size_t i;
	int ret;

	for (i = 0; i < e->p->samples.len; i++) {
		enc_sample(e, i);
		if (e->oom)
			return -ENOMEM;
		if ((ret = enc_flush(e)))
			return ret;
	}
	return 0;
}

static int enc_tables(struct encoder *e)
{
	const struct profile *p = e->p;
	size_t i;
	int ret;

	for (i = 0; i < p->mappings.len; i++) {
		enc_mapping(&e->buf, &p->mappings.data[i], i + 1);
		if ((ret = enc_flush(e)))
			return ret;
	}
	/*
	 * go tool pprof gives a profile without mappings a made-up one, then warns "Main binary
	 * filename not available" trying to symbolize it. One unused mapping saying "functions
	 * are in the file" keeps it quiet; the decoder drops it again (see drop_placeholder).
	 */
	if (!p->mappings.len && p->locations.len)
		enc_mapping(&e->buf, &placeholder_mapping, 1);
	for (i = 0; i < p->locations.len; i++) {
		enc_location(&e->buf, p, &p->locations.data[i], i + 1);
		if ((ret = enc_flush(e)))
			return ret;
	}
	for (i = 0; i < p->functions.len; i++) {
		enc_function(&e->buf, &p->functions.data[i], i + 1);
		if ((ret = enc_flush(e)))
			return ret;
	}
	return 0;
}

/* The string table: the profile's strings, then the quality comment if there is one. */
static int enc_strings(struct encoder *e, const char *quality)
{
	const struct strtab *t = &e->p->strings;
	size_t i;
	int ret;

	for (i = 0; i < t->len; i++) {
		enc_string(&e->buf, strtab__str(t, (uint32_t)i), strtab__strlen(t, (uint32_t)i));
		if ((ret = enc_flush(e)))
			return ret;
	}
	if (quality)
		enc_string(&e->buf, quality, strlen(quality));
	return enc_flush(e);
}

/* The header fields after the tables; quality is the quality comment's string, or -1. */
static int enc_trailer(struct encoder *e, int64_t quality)
{
	const struct profile *p = e->p;
	size_t n = p->comments.len, i;
	uint64_t *comments = malloc((n + 1) * sizeof(*comments));

	if (!comments)
		return -ENOMEM;
	pb_buf__uint_opt(&e->buf, PROFILE_DROP_FRAMES, p->drop_frames);
	pb_buf__uint_opt(&e->buf, PROFILE_KEEP_FRAMES, p->keep_frames);
	pb_buf__uint_opt(&e->buf, PROFILE_TIME_NANOS, (uint64_t)p->time_nanos);
	pb_buf__uint_opt(&e->buf, PROFILE_DURATION_NANOS, (uint64_t)p->duration_nanos);
	if (p->period_type.type || p->period_type.unit)
		enc_value_type(&e->buf, PROFILE_PERIOD_TYPE, &p->period_type);
	pb_buf__uint_opt(&e->buf, PROFILE_PERIOD, (uint64_t)p->period);
	for (i = 0; i < n; i++) {
		comments[i] = p->comments.data[i];
		if (comments[i] == (uint64_t)quality)
			quality = -1; /* already there */
	}
	if (quality >= 0)
		comments[n++] = (uint64_t)quality;
	pb_buf__packed(&e->buf, PROFILE_COMMENT, comments, n);
	free(comments);
	pb_buf__uint_opt(&e->buf, PROFILE_DEFAULT_SAMPLE_TYPE, p->default_sample_type);
	pb_buf__uint_opt(&e->buf, PROFILE_DOC_URL, p->doc_url);
	return e->buf.failed ? -ENOMEM : 0;
}

/*
 * A first guess at the raw size, so the buffer grows once or twice rather than twenty times
 * (sample_locs holds the ids as varints already, as the packed field writes them).
 */
static size_t enc_estimate(const struct profile *p)
{
	return 64 + p->samples.len * 4 + p->sample_locs.len + p->sample_values.len * 4 +
	       p->sample_labels.len * 8 + p->locations.len * 16 + p->lines.len * 8 +
	       p->functions.len * 12 + p->mappings.len * 32 + p->strings.arena_len +
	       p->strings.len * 2;
}

static int enc_body(struct encoder *e)
{
	const struct profile *p = e->p;
	const struct profile_quality *q = &p->quality;
	char quality[160];
	int64_t qidx = -1;
	bool qnew = false;
	int ret;

	if (has_quality(q)) {
		snprintf(quality, sizeof(quality),
			 QUALITY_PREFIX " lost=%" PRIu64 " truncated=%" PRIu64
					" unknown_frames=%" PRIu64 " bad_lines=%" PRIu64,
			 q->lost, q->truncated, q->unknown_frames, q->bad_lines);
		/* a decoded profile still holds the string: reuse it, re-encoding is then stable */
		qidx = strtab__find(&p->strings, quality, strlen(quality));
		if (qidx < 0) {
			qidx = (int64_t)p->strings.len;
			qnew = true;
		}
	}
	/* Field order as Go writes it; the string table needs no particular place. */
	if ((ret = enc_header(e)) || (ret = enc_samples(e)) || (ret = enc_tables(e)) ||
	    (ret = enc_strings(e, qnew ? quality : NULL)) || (ret = enc_trailer(e, qidx)))
		return ret;
	return e->gzip ? enc_deflate(e, Z_FINISH) : 0;
}

int pprof__encode(const struct profile *p, bool gzip, void **out, size_t *out_len,
		  struct flame_err *err)
{
	struct encoder e = {.p = p, .gzip = gzip};
	struct flame_err verr;
	struct pb_buf *result;
	size_t size;
	int ret;

	*out = NULL;
	*out_len = 0;
	if (profile__validate(p, &verr))
		return flame_err__set(err, EINVAL,
				      "pprof: cannot encode an invalid profile: %.200s", verr.msg);
	if (gzip && deflateInit2(&e.zs, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8,
				 Z_DEFAULT_STRATEGY) != Z_OK)
		return flame_err__set(err, ENOMEM, "pprof: cannot start zlib");
	size = enc_estimate(p);
	pb_buf__reserve(&e.buf, gzip && size > DEFLATE_CHUNK ? DEFLATE_CHUNK + 64 * 1024 : size);
	ret = enc_body(&e);
	vec_free(&e.locs);
	vec_free(&e.ids);
	if (gzip)
		deflateEnd(&e.zs);
	result = gzip ? &e.gz : &e.buf;
	if (!ret && result->failed)
		ret = -ENOMEM;
	if (ret) {
		pb_buf__release(&e.buf);
		pb_buf__release(&e.gz);
		if (ret == -EIO)
			return flame_err__set(err, EIO, "pprof: zlib failed to compress");
		return flame_err__set(err, -ret, "pprof: out of memory while encoding");
	}
	*out = result->data;
	*out_len = result->len;
	/* give back the slack; the caller may keep the buffer a while */
	if (result->len && result->len < result->cap) {
		void *shrunk = realloc(result->data, result->len);

		if (shrunk)
			*out = shrunk;
	}
	pb_buf__release(gzip ? &e.buf : &e.gz);
	return 0;
}

/* ===================================================================== decoding */

/* A decoder-internal code: a known field came with the wrong wire type (see bad_*). */
#define EWIRETYPE EPROTOTYPE

struct big_id {
	size_t k; /* which of the samples' ids, counting from the first sample's first */
	uint64_t id;
};

struct decoder {
	struct profile *p;
	struct flame_err *err;
	/* the ids the file used, parallel to p->mappings, p->locations, p->functions */
	VEC(uint64_t) mapping_ids;
	VEC(uint64_t) location_ids;
	VEC(uint64_t) function_ids;
	VEC(struct line) lines;	  /* one location's lines */
	size_t values_per_sample; /* sample 0's value count */
	/* the largest ids and string indexes samples refer to: when they are in range, the
	   checks after the last byte need not walk every sample again */
	uint64_t max_sample_loc;
	bool sample_loc_zero;
	/* sample location ids of 2^32 - 1 or more: the model holds UINT32_MAX there, and the
	   id itself waits here for remap_samples() (in the order of the samples' ids) */
	VEC(struct big_id) big_ids;
	size_t nids; /* sample location ids so far */
	/* distinct label sets, each by the first sample that has it: samples with the same
	   labels (the same tid, the same goroutine) share one copy */
	struct idset label_sets;
	uint32_t max_label_str;
	bool have_strings;
	/* where the bytes being decoded sit in the (decompressed) stream, for messages */
	const uint8_t *base;
	uint64_t base_offset;
	uint64_t field_offset; /* offset of the top-level field being decoded */
	uint32_t bad_field;
	enum pb_wire bad_wire;
};

static const char *const profile_field_names[PROFILE_NFIELDS] = {
	[PROFILE_SAMPLE_TYPE] = "sample_type",
	[PROFILE_SAMPLE] = "sample",
	[PROFILE_MAPPING] = "mapping",
	[PROFILE_LOCATION] = "location",
	[PROFILE_FUNCTION] = "function",
	[PROFILE_STRING_TABLE] = "string_table",
	[PROFILE_DROP_FRAMES] = "drop_frames",
	[PROFILE_KEEP_FRAMES] = "keep_frames",
	[PROFILE_TIME_NANOS] = "time_nanos",
	[PROFILE_DURATION_NANOS] = "duration_nanos",
	[PROFILE_PERIOD_TYPE] = "period_type",
	[PROFILE_PERIOD] = "period",
	[PROFILE_COMMENT] = "comment",
	[PROFILE_DEFAULT_SAMPLE_TYPE] = "default_sample_type",
	[PROFILE_DOC_URL] = "doc_url",
};

/* Is wire type w right for Profile field f? Unknown fields take any (valid) wire type. */
static bool profile_wire_ok(uint32_t f, enum pb_wire w)
{
	switch (f) {
	case PROFILE_SAMPLE_TYPE:
	case PROFILE_SAMPLE:
	case PROFILE_MAPPING:
	case PROFILE_LOCATION:
	case PROFILE_FUNCTION:
	case PROFILE_STRING_TABLE:
	case PROFILE_PERIOD_TYPE:
		return w == PB_LEN;
	case PROFILE_COMMENT: /* repeated: packed or not */
		return w == PB_VARINT || w == PB_LEN;
	case PROFILE_DROP_FRAMES:
	case PROFILE_KEEP_FRAMES:
	case PROFILE_TIME_NANOS:
	case PROFILE_DURATION_NANOS:
	case PROFILE_PERIOD:
	case PROFILE_DEFAULT_SAMPLE_TYPE:
	case PROFILE_DOC_URL:
		return w == PB_VARINT;
	default:
		return true;
	}
}

static bool is_message_field(uint32_t f)
{
	return f == PROFILE_SAMPLE_TYPE || f == PROFILE_SAMPLE || f == PROFILE_MAPPING ||
	       f == PROFILE_LOCATION || f == PROFILE_FUNCTION || f == PROFILE_PERIOD_TYPE;
}

/* A string index; anything past uint32 is out of range for every table, and stays so. */
static uint32_t str_index(uint64_t v)
{
	return v >= UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static int wrong_wire(struct decoder *d, uint32_t field, enum pb_wire wire)
{
	d->bad_field = field;
	d->bad_wire = wire;
	return -EWIRETYPE;
}

/* A varint field of a nested message. */
static int read_uint(struct decoder *d, struct pb_reader *r, uint32_t field, enum pb_wire wire,
		     uint64_t *v)
{
	if (wire != PB_VARINT)
		return wrong_wire(d, field, wire);
	return pb_read_varint(r, v);
}

/* A nested message field. */
static int read_message(struct decoder *d, struct pb_reader *r, uint32_t field, enum pb_wire wire,
			struct pb_reader *body)
{
	if (wire != PB_LEN)
		return wrong_wire(d, field, wire);
	return pb_read_bytes(r, body);
}

/* Read a packed body into out, which has room for one value per byte; the count in *n. */
static int read_packed(struct pb_reader body, uint64_t *out, size_t *n)
{
	size_t i = 0;
	int ret;

	while (!pb_reader__done(&body))
		if ((ret = pb_read_varint(&body, &out[i++])))
			return ret;
	*n = i;
	return 0;
}

/*
 * Append a repeated varint field, packed or not, to the 64-bit array *data of *len elements.
 * int64 arrays come here too: the wire form of an int64 is its uint64 bit pattern.
 */
static int read_repeated(struct decoder *d, struct pb_reader *r, uint32_t field, enum pb_wire wire,
			 void **data, size_t *len, size_t *cap)
{
	struct pb_reader body;
	uint64_t v;
	size_t n;
	int ret;

	if (wire == PB_VARINT) {
		if ((ret = pb_read_varint(r, &v)))
			return ret;
		if (*len == *cap && vec_grow(data, cap, *len + 1, sizeof(uint64_t)))
			return -ENOMEM;
		((uint64_t *)*data)[(*len)++] = v;
		return 0;
	}
	if (wire != PB_LEN)
		return wrong_wire(d, field, wire);
	if ((ret = pb_read_bytes(r, &body)))
		return ret;
	/* every varint takes at least one byte: room for one per byte is enough */
	n = (size_t)(body.end - body.p);
	if (!n)
		return 0;
	if (*cap - *len < n && vec_grow(data, cap, *len + n, sizeof(uint64_t)))
		return -ENOMEM;
	if ((ret = read_packed(body, (uint64_t *)*data + *len, &n)))
		return ret;
	*len += n;
	return 0;
}

static int decode_value_type(struct decoder *d, struct pb_reader r, struct value_type *vt)
{
	uint32_t f;
	enum pb_wire w;
	uint64_t v;
	int ret;

	while (!pb_reader__done(&r)) {
		if ((ret = pb_read_tag(&r, &f, &w)))
			return ret;
		if (f == VALUE_TYPE_TYPE || f == VALUE_TYPE_UNIT) {
			if ((ret = read_uint(d, &r, f, w, &v)))
				return ret;
			*(f == VALUE_TYPE_TYPE ? &vt->type : &vt->unit) = str_index(v);
		} else if ((ret = pb_skip(&r, w))) {
			return ret;
		}
	}
	return 0;
}

static int decode_label(struct decoder *d, struct pb_reader r)
{
	struct label l = {0};
	uint32_t f;
	enum pb_wire w;
	uint64_t v;
	int ret;

	while (!pb_reader__done(&r)) {
		if ((ret = pb_read_tag(&r, &f, &w)))
			return ret;
		if (f < LABEL_KEY || f > LABEL_NUM_UNIT) {
			if ((ret = pb_skip(&r, w)))
				return ret;
			continue;
		}
		if ((ret = read_uint(d, &r, f, w, &v)))
			return ret;
		if (f == LABEL_KEY)
			l.key = str_index(v);
		else if (f == LABEL_STR)
			l.str = str_index(v);
		else if (f == LABEL_NUM)
			l.num = (int64_t)v;
		else
			l.num_unit = str_index(v);
	}
	if (l.key > d->max_label_str)
		d->max_label_str = l.key;
	if (l.str > d->max_label_str)
		d->max_label_str = l.str;
	if (l.num_unit > d->max_label_str)
		d->max_label_str = l.num_unit;
	return vec_push(&d->p->sample_labels, l);
}

/* Append one location id of a sample, noting its range (see max_sample_loc). */
static int push_loc_id(struct decoder *d, uint64_t id)
{
	struct profile *p = d->p;

	if (id > d->max_sample_loc)
		d->max_sample_loc = id;
	d->sample_loc_zero |= !id;
	if (id >= UINT32_MAX) {
		struct big_id b = {d->nids, id};

		if (vec_push(&d->big_ids, b))
			return -ENOMEM;
		id = UINT32_MAX;
	}
	d->nids++;
	return profile__push_loc(p, (uint32_t)id);
}

/* A sample's location ids, packed or not, into the model's varints. */
static int read_loc_ids(struct decoder *d, struct pb_reader *r, uint32_t field, enum pb_wire wire)
{
	struct pb_reader body;
	uint64_t v;
	int ret;

	if (wire == PB_VARINT)
		return pb_read_varint(r, &v) ?: push_loc_id(d, v);
	if (wire != PB_LEN)
		return wrong_wire(d, field, wire);
	if ((ret = pb_read_bytes(r, &body)))
		return ret;
	/* the model's varint of an id takes no more bytes than the file's (UINT32_MAX stands
	   for longer ones): room for the body is enough */
	if (vec_reserve(&d->p->sample_locs, (size_t)(body.end - body.p)))
		return -ENOMEM;
	while (!pb_reader__done(&body))
		if ((ret = pb_read_varint(&body, &v)) || (ret = push_loc_id(d, v)))
			return ret;
	return 0;
}

/* Past this many distinct label sets, labels are mostly unique: sharing stops paying. */
#define MAX_SHARED_LABEL_SETS (1u << 16)

struct label_set_key {
	const struct label *labels;
	uint32_t n;
};

static bool same_label(const struct label *a, const struct label *b)
{
	return a->key == b->key && a->str == b->str && a->num == b->num &&
	       a->num_unit == b->num_unit;
}

static bool label_set_eq(uint32_t idx, const void *key, void *ctx)
{
	const struct profile *p = ctx;
	const struct sample *s = &p->samples.data[idx];
	const struct label_set_key *k = key;
	const struct label *l = p->sample_labels.data + s->label_start;
	uint32_t i;

	if (s->nlabels != k->n)
		return false;
	for (i = 0; i < k->n; i++)
		if (!same_label(&l[i], &k->labels[i]))
			return false;
	return true;
}

static uint64_t label_set_hash(const struct label_set_key *k)
{
	uint64_t h = k->n;
	uint32_t i;

	for (i = 0; i < k->n; i++) {
		h = hash_mix(h, ((uint64_t)k->labels[i].key << 32) | k->labels[i].str);
		h = hash_mix(h, (uint64_t)k->labels[i].num);
		h = hash_mix(h, k->labels[i].num_unit);
	}
	return h;
}

/*
 * The labels of the sample being decoded (the tail of sample_labels from s->label_start):
 * if an earlier sample has the same ones, point at those and drop the copy.
 */
static void share_labels(struct decoder *d, struct sample *s, uint32_t nlabels)
{
	struct profile *p = d->p;
	struct label_set_key k = {p->sample_labels.data + s->label_start, nlabels};
	uint64_t h = label_set_hash(&k);
	int64_t idx = idset__find(&d->label_sets, h, &k, label_set_eq, p);

	if (idx >= 0) {
		p->sample_labels.len = s->label_start;
		s->label_start = p->samples.data[idx].label_start;
		return;
	}
	/* (a failed insert only means less sharing) */
	if (d->label_sets.len < MAX_SHARED_LABEL_SETS && p->samples.len < UINT32_MAX)
		idset__insert(&d->label_sets, h, (uint32_t)p->samples.len);
}

static int decode_sample(struct decoder *d, struct pb_reader r)
{
	struct profile *p = d->p;
	struct sample s = {.loc_start = p->sample_locs.len, .label_start = p->sample_labels.len};
	size_t values_start = p->sample_values.len, ids_start = d->nids, nlocs, nvalues;
	struct pb_reader body;
	uint32_t f;
	enum pb_wire w;
	int ret;

	while (!pb_reader__done(&r)) {
		if ((ret = pb_read_tag(&r, &f, &w)))
			return ret;
		if (f == SAMPLE_LOCATION_ID)
			ret = read_loc_ids(d, &r, f, w);
		else if (f == SAMPLE_VALUE)
			ret = read_repeated(d, &r, f, w, (void **)&p->sample_values.data,
					    &p->sample_values.len, &p->sample_values.cap);
		else if (f == SAMPLE_LABEL)
			ret = read_message(d, &r, f, w, &body) ?: decode_label(d, body);
		else
			ret = pb_skip(&r, w);
		if (ret)
			return ret;
	}
	nlocs = d->nids - ids_start;
	nvalues = p->sample_values.len - values_start;
	if (nlocs > UINT32_MAX || p->sample_labels.len - s.label_start > SAMPLE_MAX_LABELS ||
	    p->sample_locs.len > SAMPLE_MAX_LOCS || p->sample_labels.len > PROFILE_MAX_LABELS)
		return flame_err__set(d->err, EINVAL, "pprof: sample %zu is too large",
				      p->samples.len);
	if (!p->samples.len)
		d->values_per_sample = nvalues;
	else if (nvalues != d->values_per_sample && d->values_per_sample == p->sample_types.len)
		return flame_err__set(
			d->err, EINVAL,
			"pprof: sample %zu has %zu values but there are %zu sample types",
			p->samples.len, nvalues, p->sample_types.len);
	else if (nvalues != d->values_per_sample)
		return flame_err__set(d->err, EINVAL,
				      "pprof: sample %zu has %zu values but sample 0 has %zu",
				      p->samples.len, nvalues, d->values_per_sample);
	s.nlocs = (uint32_t)nlocs;
	s.nlabels = (uint32_t)(p->sample_labels.len - s.label_start);
	if (s.nlabels)
		share_labels(d, &s, (uint32_t)s.nlabels);
	return vec_push(&p->samples, s);
}

static int decode_mapping(struct decoder *d, struct pb_reader r)
{
	struct mapping m = {0};
	uint64_t id = 0, v;
	uint32_t f;
	enum pb_wire w;
	int ret;

	while (!pb_reader__done(&r)) {
		if ((ret = pb_read_tag(&r, &f, &w)))
			return ret;
		if (f < MAPPING_ID || f > MAPPING_HAS_INLINE_FRAMES) {
			if ((ret = pb_skip(&r, w)))
				return ret;
			continue;
		}
		if ((ret = read_uint(d, &r, f, w, &v)))
			return ret;
		switch (f) {
		case MAPPING_ID:
			id = v;
			break;
		case MAPPING_MEMORY_START:
			m.memory_start = v;
			break;
		case MAPPING_MEMORY_LIMIT:
			m.memory_limit = v;
			break;
		case MAPPING_FILE_OFFSET:
			m.file_offset = v;
			break;
		case MAPPING_FILENAME:
			m.filename = str_index(v);
			break;
		case MAPPING_BUILD_ID:
			m.build_id = str_index(v);
			break;
		case MAPPING_HAS_FUNCTIONS:
			m.has_functions = v != 0;
			break;
		case MAPPING_HAS_FILENAMES:
			m.has_filenames = v != 0;
			break;
		case MAPPING_HAS_LINE_NUMBERS:
			m.has_line_numbers = v != 0;
			break;
		default:
			m.has_inline_frames = v != 0;
			break;
		}
	}
	if (!id)
		return flame_err__set(d->err, EINVAL,
				      "pprof: mapping #%zu has id 0 (ids must be non-zero)",
				      d->p->mappings.len);
	if (vec_push(&d->mapping_ids, id) || profile__add_mapping(d->p, &m) < 0)
		return -ENOMEM;
	return 0;
}

static int decode_line(struct decoder *d, struct pb_reader r)
{
	struct line l = {0};
	uint32_t f;
	enum pb_wire w;
	uint64_t v;
	int ret;

	while (!pb_reader__done(&r)) {
		if ((ret = pb_read_tag(&r, &f, &w)))
			return ret;
		if (f < LINE_FUNCTION_ID || f > LINE_COLUMN) {
			if ((ret = pb_skip(&r, w)))
				return ret;
			continue;
		}
		if ((ret = read_uint(d, &r, f, w, &v)))
			return ret;
		if (f == LINE_FUNCTION_ID)
			l.function_id = v;
		else if (f == LINE_LINE)
			l.line = (int64_t)v;
		else
			l.column = (int64_t)v;
	}
	return vec_push(&d->lines, l);
}

static int decode_location(struct decoder *d, struct pb_reader r)
{
	uint64_t id = 0, mapping_id = 0, address = 0, folded = 0;
	struct pb_reader body;
	uint32_t f;
	enum pb_wire w;
	int64_t added;
	int ret;

	d->lines.len = 0;
	while (!pb_reader__done(&r)) {
		if ((ret = pb_read_tag(&r, &f, &w)))
			return ret;
		if (f == LOCATION_ID)
			ret = read_uint(d, &r, f, w, &id);
		else if (f == LOCATION_MAPPING_ID)
			ret = read_uint(d, &r, f, w, &mapping_id);
		else if (f == LOCATION_ADDRESS)
			ret = read_uint(d, &r, f, w, &address);
		else if (f == LOCATION_LINE)
			ret = read_message(d, &r, f, w, &body) ?: decode_line(d, body);
		else if (f == LOCATION_IS_FOLDED)
			ret = read_uint(d, &r, f, w, &folded);
		else
			ret = pb_skip(&r, w);
		if (ret)
			return ret;
	}
	if (!id)
		return flame_err__set(d->err, EINVAL,
				      "pprof: location #%zu has id 0 (ids must be non-zero)",
				      d->p->locations.len);
	if (d->lines.len > UINT32_MAX)
		return flame_err__set(d->err, EINVAL,
				      "pprof: location %" PRIu64 " has too many lines", id);
	/* file ids for now (mapping, functions): finish() remaps them once all are known */
	added = profile__add_location(d->p, mapping_id, address, d->lines.data,
				      (uint32_t)d->lines.len);
	if (added == -E2BIG)
		return flame_err__set(d->err, E2BIG, "pprof: too many locations or lines");
	if (added < 0 || vec_push(&d->location_ids, id))
		return -ENOMEM;
	d->p->locations.data[added - 1].is_folded = folded != 0;
	return 0;
}

static int decode_function(struct decoder *d, struct pb_reader r)
{
	struct function fn = {0};
	uint64_t id = 0, v;
	uint32_t f;
	enum pb_wire w;
	int ret;

	while (!pb_reader__done(&r)) {
		if ((ret = pb_read_tag(&r, &f, &w)))
			return ret;
		if (f < FUNCTION_ID || f > FUNCTION_START_LINE) {
			if ((ret = pb_skip(&r, w)))
				return ret;
			continue;
		}
		if ((ret = read_uint(d, &r, f, w, &v)))
			return ret;
		if (f == FUNCTION_ID)
			id = v;
		else if (f == FUNCTION_NAME)
			fn.name = str_index(v);
		else if (f == FUNCTION_SYSTEM_NAME)
			fn.system_name = str_index(v);
		else if (f == FUNCTION_FILENAME)
			fn.filename = str_index(v);
		else
			fn.start_line = (int64_t)v;
	}
	if (!id)
		return flame_err__set(d->err, EINVAL,
				      "pprof: function #%zu has id 0 (ids must be non-zero)",
				      d->p->functions.len);
	if (d->p->functions.len >= UINT32_MAX - 1)
		return flame_err__set(d->err, E2BIG, "pprof: too many functions");
	/* appended, not interned: the file's functions stay as they are, ids in step */
	if (vec_push(&d->function_ids, id) || vec_push(&d->p->functions, fn))
		return -ENOMEM;
	return 0;
}

/* File bytes quoted in a message: printable ASCII as is, the rest as \xNN, cut at 32 bytes. */
static const char *excerpt(char *out, size_t size, const uint8_t *s, size_t n)
{
	size_t o = 0, i;

	for (i = 0; i < n && i < 32 && o + 8 < size; i++)
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\')
			out[o++] = (char)s[i];
		else
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", s[i]);
	if (i < n && o + 4 < size)
		o += (size_t)snprintf(out + o, size - o, "...");
	out[o] = '\0';
	return out;
}

static int decode_string(struct decoder *d, struct pb_reader body)
{
	size_t len = (size_t)(body.end - body.p);
	char quoted[160];
	int64_t idx;

	if (!d->have_strings) {
		/* the profile already holds "" at index 0: the file's string 0 must be that */
		d->have_strings = true;
		if (len)
			return flame_err__set(d->err, EINVAL,
					      "pprof: string_table[0] is \"%s\", it must be \"\"",
					      excerpt(quoted, sizeof(quoted), body.p, len));
		return 0;
	}
	idx = strtab__append(&d->p->strings, (const char *)body.p, len);
	if (idx == -E2BIG)
		return flame_err__set(d->err, E2BIG, "pprof: string table too large");
	return idx < 0 ? (int)idx : 0;
}

/* The index a Profile field's message gets, for error messages. */
static size_t field_index(const struct decoder *d, uint32_t field)
{
	switch (field) {
	case PROFILE_SAMPLE_TYPE:
		return d->p->sample_types.len;
	case PROFILE_SAMPLE:
		return d->p->samples.len;
	case PROFILE_MAPPING:
		return d->p->mappings.len;
	case PROFILE_LOCATION:
		return d->p->locations.len;
	case PROFILE_FUNCTION:
		return d->p->functions.len;
	default:
		return 0;
	}
}

/* Turn a code from the wire level into a message that says where. */
static int field_error(struct decoder *d, int ret, uint32_t field)
{
	const char *name = field && field < PROFILE_NFIELDS ? profile_field_names[field] : NULL;
	unsigned long long at = (unsigned long long)d->field_offset;

	if (ret == -EINVAL || ret == -E2BIG)
		return ret; /* already described */
	if (ret == -ENOMEM)
		return flame_err__set(d->err, ENOMEM, "pprof: out of memory");
	if (ret == -EWIRETYPE && is_message_field(field))
		return flame_err__set(d->err, EINVAL,
				      "pprof: %s #%zu at byte %llu: field %u has wire type %d",
				      name, field_index(d, field), at, d->bad_field, d->bad_wire);
	if (name && is_message_field(field))
		return flame_err__set(d->err, EINVAL, "pprof: malformed %s #%zu at byte %llu: %s",
				      name, field_index(d, field), at, pb_strerror(ret));
	return flame_err__set(d->err, EINVAL, "pprof: malformed protobuf at byte %llu: %s", at,
			      pb_strerror(ret));
}

/* A scalar Profile field. */
static int decode_profile_scalar(struct decoder *d, uint32_t field, uint64_t v)
{
	struct profile *p = d->p;

	switch (field) {
	case PROFILE_DROP_FRAMES:
		p->drop_frames = str_index(v);
		break;
	case PROFILE_KEEP_FRAMES:
		p->keep_frames = str_index(v);
		break;
	case PROFILE_TIME_NANOS:
		/* as pprof: a second time_nanos means two profiles were appended to each other */
		if (p->time_nanos)
			return flame_err__set(d->err, EINVAL,
					      "pprof: concatenated profiles detected");
		p->time_nanos = (int64_t)v;
		break;
	case PROFILE_DURATION_NANOS:
		p->duration_nanos = (int64_t)v;
		break;
	case PROFILE_PERIOD:
		p->period = (int64_t)v;
		break;
	case PROFILE_DEFAULT_SAMPLE_TYPE:
		p->default_sample_type = str_index(v);
		break;
	case PROFILE_DOC_URL:
		p->doc_url = str_index(v);
		break;
	default:
		break;
	}
	return 0;
}

static int decode_comment(struct decoder *d, struct pb_reader *r, enum pb_wire wire)
{
	VEC(uint64_t) v = {0};
	size_t i;
	int ret = read_repeated(d, r, PROFILE_COMMENT, wire, (void **)&v.data, &v.len, &v.cap);

	if (!ret && vec_reserve(&d->p->comments, v.len))
		ret = -ENOMEM;
	for (i = 0; !ret && i < v.len; i++)
		d->p->comments.data[d->p->comments.len++] = str_index(v.data[i]);
	vec_free(&v);
	return ret;
}

/* One Profile field whose bytes are all in r. */
static int decode_profile_field(struct decoder *d, struct pb_reader *r, uint32_t field,
				enum pb_wire wire)
{
	struct pb_reader body;
	struct value_type vt = {0};
	uint64_t v;
	int ret;

	if (!profile_wire_ok(field, wire))
		return flame_err__set(d->err, EINVAL,
				      "pprof: at byte %llu: field %u (%s) has wire type %d",
				      (unsigned long long)d->field_offset, field,
				      profile_field_names[field], wire);
	if (field == PROFILE_COMMENT)
		return decode_comment(d, r, wire);
	if (wire == PB_VARINT)
		return pb_read_varint(r, &v) ?: decode_profile_scalar(d, field, v);
	if (wire != PB_LEN || field >= PROFILE_NFIELDS)
		return pb_skip(r, wire);
	if ((ret = pb_read_bytes(r, &body)))
		return ret;
	switch (field) {
	case PROFILE_SAMPLE_TYPE:
		ret = decode_value_type(d, body, &vt);
		return ret ?: vec_push(&d->p->sample_types, vt);
	case PROFILE_SAMPLE:
		return decode_sample(d, body);
	case PROFILE_MAPPING:
		return decode_mapping(d, body);
	case PROFILE_LOCATION:
		return decode_location(d, body);
	case PROFILE_FUNCTION:
		return decode_function(d, body);
	case PROFILE_STRING_TABLE:
		return decode_string(d, body);
	case PROFILE_PERIOD_TYPE:
		return decode_value_type(d, body, &d->p->period_type);
	default:
		return 0;
	}
}

/* Does the field starting at r hold all its bytes before r->end? 0, or a PB_E* code. */
static int field_complete(struct pb_reader r)
{
	uint32_t field;
	enum pb_wire wire;
	int ret = pb_read_tag(&r, &field, &wire);

	return ret ?: pb_skip(&r, wire);
}

/*
 * Decode the top-level fields in [*pos, end) and move *pos past them. Unless final, a field
 * cut short by end is left for the next call (more bytes are coming from inflate).
 */
static int decode_fields(struct decoder *d, const uint8_t **pos, const uint8_t *end, bool final)
{
	struct pb_reader r = {*pos, end};
	uint32_t field = 0;
	enum pb_wire wire;
	int ret = 0;

	while (!pb_reader__done(&r)) {
		d->field_offset = d->base_offset + (uint64_t)(r.p - d->base);
		field = 0;
		/* more bytes are coming: a field cut by the end waits for them (other errors are
		   found again below, with the same message as when all bytes are there) */
		ret = final ? 0 : field_complete(r);
		if (ret == PB_ETRUNC || ret == PB_ELEN)
			return 0;
		ret = pb_read_tag(&r, &field, &wire);
		if (!ret)
			ret = decode_profile_field(d, &r, field, wire);
		if (ret)
			return field_error(d, ret, field);
		*pos = r.p;
	}
	return 0;
}

/* ---- after the last byte: strings, counts and ids can be checked, ids remapped */

static bool bad_str(const struct decoder *d, uint32_t idx, uint32_t *bad)
{
	if (idx < d->p->strings.len)
		return false;
	*bad = idx;
	return true;
}

static int str_error(struct decoder *d, const char *what, uint32_t bad)
{
	/* str_index() saturates: a negative index (int64 -1 on the wire) lands here too */
	if (bad == UINT32_MAX)
		return flame_err__set(d->err, EINVAL,
				      "pprof: %s refers to a negative or huge string index, but "
				      "the string table has %zu entries",
				      what, d->p->strings.len);
	return flame_err__set(d->err, EINVAL,
			      "pprof: %s refers to string %u, but the string table has %zu entries",
			      what, bad, d->p->strings.len);
}

static int check_header_strings(struct decoder *d)
{
	const struct profile *p = d->p;
	uint32_t bad;
	size_t i;
	char what[64];

	for (i = 0; i < p->sample_types.len; i++)
		if (bad_str(d, p->sample_types.data[i].type, &bad) ||
		    bad_str(d, p->sample_types.data[i].unit, &bad)) {
			snprintf(what, sizeof(what), "sample type %zu", i);
			return str_error(d, what, bad);
		}
	for (i = 0; i < p->comments.len; i++)
		if (bad_str(d, p->comments.data[i], &bad)) {
			snprintf(what, sizeof(what), "comment %zu", i);
			return str_error(d, what, bad);
		}
	if (bad_str(d, p->period_type.type, &bad) || bad_str(d, p->period_type.unit, &bad))
		return str_error(d, "period_type", bad);
	if (bad_str(d, p->default_sample_type, &bad))
		return str_error(d, "default_sample_type", bad);
	if (bad_str(d, p->drop_frames, &bad))
		return str_error(d, "drop_frames", bad);
	if (bad_str(d, p->keep_frames, &bad))
		return str_error(d, "keep_frames", bad);
	if (bad_str(d, p->doc_url, &bad))
		return str_error(d, "doc_url", bad);
	return 0;
}

static int check_table_strings(struct decoder *d)
{
	const struct profile *p = d->p;
	uint32_t bad;
	size_t i;
	char what[64];

	for (i = 0; i < p->mappings.len; i++) {
		const struct mapping *m = &p->mappings.data[i];

		if (bad_str(d, m->filename, &bad) || bad_str(d, m->build_id, &bad)) {
			snprintf(what, sizeof(what), "mapping %" PRIu64, d->mapping_ids.data[i]);
			return str_error(d, what, bad);
		}
	}
	for (i = 0; i < p->functions.len; i++) {
		const struct function *f = &p->functions.data[i];

		if (bad_str(d, f->name, &bad) || bad_str(d, f->system_name, &bad) ||
		    bad_str(d, f->filename, &bad)) {
			snprintf(what, sizeof(what), "function %" PRIu64, d->function_ids.data[i]);
			return str_error(d, what, bad);
		}
	}
	return 0;
}

static int check_label_strings(struct decoder *d)
{
	const struct profile *p = d->p;
	uint32_t bad;
	size_t i, j;
	char what[64];

	if (d->max_label_str < p->strings.len)
		return 0; /* all in range: no need to find the culprit */
	for (i = 0; i < p->samples.len; i++) {
		const struct label *l;

		if (!p->samples.data[i].nlabels)
			continue;
		l = profile__sample_labels(p, i);
		for (j = 0; j < p->samples.data[i].nlabels; j++)
			if (bad_str(d, l[j].key, &bad) || bad_str(d, l[j].str, &bad) ||
			    bad_str(d, l[j].num_unit, &bad)) {
				snprintf(what, sizeof(what), "a label of sample %zu", i);
				return str_error(d, what, bad);
			}
	}
	return 0;
}

static int check_values(struct decoder *d)
{
	const struct profile *p = d->p;

	if (!p->samples.len)
		return 0;
	if (!p->sample_types.len)
		return flame_err__set(d->err, EINVAL,
				      "pprof: the profile has samples but no sample_type");
	if (d->values_per_sample != p->sample_types.len)
		return flame_err__set(
			d->err, EINVAL,
			"pprof: sample 0 has %zu values but there are %zu sample types",
			d->values_per_sample, p->sample_types.len);
	return 0;
}

/* File ids -> dense ids (index + 1). Files written by Go and by singe are dense already. */
struct idmap {
	const uint64_t *ids;
	size_t n;
	bool dense;	 /* ids[i] == i + 1 for all i: the map is the identity */
	uint32_t *slots; /* index + 1 into ids, 0 = empty */
	size_t mask;
};

static size_t id_slot(uint64_t id, size_t mask)
{
	return (size_t)hash_mix(0, id) & mask;
}

/* 0, -ENOMEM, or -EEXIST with the repeated id in *dup. */
static int idmap_build(struct idmap *m, const uint64_t *ids, size_t n, uint64_t *dup)
{
	size_t cap = 16, i, s;

	m->ids = ids;
	m->n = n;
	m->dense = true;
	for (i = 0; i < n && m->dense; i++)
		m->dense = ids[i] == i + 1;
	if (m->dense)
		return 0;
	while (cap < 2 * n)
		cap *= 2;
	m->slots = calloc(cap, sizeof(*m->slots));
	if (!m->slots)
		return -ENOMEM;
	m->mask = cap - 1;
	for (i = 0; i < n; i++) {
		for (s = id_slot(ids[i], m->mask); m->slots[s]; s = (s + 1) & m->mask)
			if (ids[m->slots[s] - 1] == ids[i]) {
				*dup = ids[i];
				return -EEXIST;
			}
		m->slots[s] = (uint32_t)(i + 1);
	}
	return 0;
}

/* The dense id for a file id, 0 if the file has no such id. */
static uint64_t idmap_get(const struct idmap *m, uint64_t id)
{
	size_t s;

	if (m->dense)
		return id <= m->n ? id : 0;
	for (s = id_slot(id, m->mask); m->slots[s]; s = (s + 1) & m->mask)
		if (m->ids[m->slots[s] - 1] == id)
			return m->slots[s];
	return 0;
}

static int build_map(struct decoder *d, struct idmap *m, const uint64_t *ids, size_t n,
		     const char *what)
{
	uint64_t dup = 0;
	int ret = idmap_build(m, ids, n, &dup);

	if (ret == -EEXIST)
		return flame_err__set(d->err, EINVAL, "pprof: two %ss have id %" PRIu64, what, dup);
	if (ret)
		return flame_err__set(d->err, ENOMEM, "pprof: out of memory");
	return 0;
}

static int remap_locations(struct decoder *d, const struct idmap *maps, const struct idmap *fns)
{
	struct profile *p = d->p;
	size_t i, j;

	for (i = 0; i < p->locations.len; i++) {
		struct location *loc = &p->locations.data[i];
		uint64_t id = d->location_ids.data[i], mid = loc->mapping_id;

		/* pprof would quietly treat an unknown mapping as none; a broken file is an error
		 */
		if (mid && !(loc->mapping_id = idmap_get(maps, mid)))
			return flame_err__set(d->err, EINVAL,
					      "pprof: location %" PRIu64
					      " refers to mapping %" PRIu64
					      ", which does not exist",
					      id, mid);
		for (j = 0; j < loc->nlines; j++) {
			struct line *l = &p->lines.data[loc->line_start + j];
			uint64_t fid = l->function_id;

			if (!(l->function_id = idmap_get(fns, fid)))
				return flame_err__set(d->err, EINVAL,
						      "pprof: location %" PRIu64
						      " has a line with function %" PRIu64
						      ", which does not exist",
						      id, fid);
		}
	}
	return 0;
}

/* Sample si's ids, remapped, onto out; k counts the ids before them (see big_id). */
static int remap_sample(struct decoder *d, const struct idmap *locs, size_t si, uint32_t *ids,
			size_t *k, size_t *big, struct profile *out)
{
	struct profile *p = d->p;
	uint32_t j, n = p->samples.data[si].nlocs;

	if (profile__sample_locs(p, si, ids))
		return flame_err__set(d->err, EINVAL, "pprof: sample %zu is out of range", si);
	for (j = 0; j < n; j++, (*k)++) {
		uint64_t id = ids[j], to;

		if (id == UINT32_MAX && *big < d->big_ids.len && d->big_ids.data[*big].k == *k)
			id = d->big_ids.data[(*big)++].id;
		to = locs->dense ? (id - 1 < locs->n ? id : 0) : idmap_get(locs, id);
		if (!to)
			return flame_err__set(d->err, EINVAL,
					      "pprof: sample %zu refers to location %" PRIu64
					      ", which does not exist",
					      si, id);
		if (profile__push_loc(out, (uint32_t)to))
			return flame_err__set(d->err, ENOMEM, "pprof: out of memory");
	}
	return 0;
}

static int remap_samples(struct decoder *d, const struct idmap *locs)
{
	struct profile *p = d->p, out = {0}; /* out: only its sample_locs, the new ids */
	VEC(uint32_t) ids = {0};
	size_t i, k = 0, big = 0;
	int ret = 0;

	/* the common case (Go and singe write dense ids): nothing to change, nothing to find */
	if (locs->dense && !d->sample_loc_zero && d->max_sample_loc <= locs->n)
		return 0;
	/* a remapped id may take more or fewer bytes: the ids move to a new array */
	for (i = 0; i < p->samples.len && !ret; i++) {
		struct sample *s = &p->samples.data[i];
		uint64_t start = out.sample_locs.len;

		ids.len = 0;
		if (vec_reserve(&ids, s->nlocs))
			ret = flame_err__set(d->err, ENOMEM, "pprof: out of memory");
		else
			ret = remap_sample(d, locs, i, ids.data, &k, &big, &out);
		s->loc_start = start; /* read already: the old array is not needed for it */
	}
	vec_free(&ids);
	/* on error, keep the samples moved so far: a partial profile stays consistent */
	if (ret)
		p->samples.len = i ? i - 1 : 0;
	free(p->sample_locs.data);
	p->sample_locs.data = out.sample_locs.data;
	p->sample_locs.len = out.sample_locs.len;
	p->sample_locs.cap = out.sample_locs.cap;
	return ret;
}

static int remap_ids(struct decoder *d)
{
	struct idmap maps = {0}, fns = {0}, locs = {0};
	int ret;

	if (!(ret = build_map(d, &maps, d->mapping_ids.data, d->mapping_ids.len, "mapping")) &&
	    !(ret = build_map(d, &fns, d->function_ids.data, d->function_ids.len, "function")) &&
	    !(ret = build_map(d, &locs, d->location_ids.data, d->location_ids.len, "location")) &&
	    !(ret = remap_locations(d, &maps, &fns)))
		ret = remap_samples(d, &locs);
	free(maps.slots);
	free(fns.slots);
	free(locs.slots);
	return ret;
}

/* Read " key=digits" at *s; advance past it. */
static bool parse_counter(const char **s, const char *key, uint64_t *v)
{
	size_t n = strlen(key);
	const char *c = *s;
	uint64_t x = 0;

	if (*c++ != ' ' || strncmp(c, key, n) || c[n] != '=')
		return false;
	c += n + 1;
	if (*c < '0' || *c > '9')
		return false;
	for (; *c >= '0' && *c <= '9'; c++)
		if (__builtin_mul_overflow(x, 10, &x) || __builtin_add_overflow(x, *c - '0', &x))
			return false;
	*s = c;
	*v = x;
	return true;
}

static bool parse_quality(const char *s, struct profile_quality *q)
{
	size_t n = strlen(QUALITY_PREFIX);

	if (strncmp(s, QUALITY_PREFIX, n))
		return false;
	s += n;
	return parse_counter(&s, "lost", &q->lost) &&
	       parse_counter(&s, "truncated", &q->truncated) &&
	       parse_counter(&s, "unknown_frames", &q->unknown_frames) &&
	       parse_counter(&s, "bad_lines", &q->bad_lines) && !*s;
}

/* Our own quality comment goes back into p->quality and out of the comments. */
static void take_quality(struct profile *p)
{
	size_t i, kept = 0;

	for (i = 0; i < p->comments.len; i++) {
		uint32_t idx = p->comments.data[i];
		const char *s = profile__str(p, idx);
		struct profile_quality q;

		if (strlen(s) == strtab__strlen(&p->strings, idx) && parse_quality(s, &q)) {
			p->quality.lost += q.lost;
			p->quality.truncated += q.truncated;
			p->quality.unknown_frames += q.unknown_frames;
			p->quality.bad_lines += q.bad_lines;
			continue;
		}
		p->comments.data[kept++] = idx;
	}
	p->comments.len = kept;
}

/* The mapping the encoder adds to a profile without any: no data, used by no location. */
static void drop_placeholder(struct profile *p)
{
	size_t i;

	if (p->mappings.len != 1 || !is_placeholder(&p->mappings.data[0]))
		return;
	for (i = 0; i < p->locations.len; i++)
		if (p->locations.data[i].mapping_id)
			return;
	p->mappings.len = 0;
}

static int finish(struct decoder *d)
{
	int ret;

	if (!d->have_strings)
		return flame_err__set(d->err, EINVAL,
				      "pprof: no string table (string_table[0] must be \"\")");
	if ((ret = check_header_strings(d)) || (ret = check_table_strings(d)) ||
	    (ret = check_label_strings(d)) || (ret = check_values(d)) || (ret = remap_ids(d)))
		return ret;
	take_quality(d->p);
	drop_placeholder(d->p);
	return 0;
}

/* ---- gzip: inflate into a window and decode the fields as they complete */

/* The window starts at about four times the compressed size, within these bounds. */
#define WINDOW_MIN (64u << 10)
#define WINDOW_MAX (1u << 20)

struct inflater {
	z_stream zs;
	const uint8_t *in, *in_end; /* input not handed to zlib yet */
	uint8_t *win;
	size_t fill, cap;
	uint64_t total; /* bytes inflated, all members */
	bool done;
	/* a stream: more input from more() into inbuf once in..in_end is used up */
	pprof_read_fn more;
	void *ctx;
	uint8_t *inbuf;
	bool eof;
};

#define STREAM_CHUNK (256u << 10)

/* Refill in..in_end from the stream when it is used up; 0 or a negative errno. */
static int refill(struct decoder *d, struct inflater *z)
{
	long n;

	if (!z->more || z->eof || z->zs.avail_in || z->in < z->in_end)
		return 0;
	if (!z->inbuf && !(z->inbuf = malloc(STREAM_CHUNK)))
		return flame_err__set(d->err, ENOMEM, "pprof: out of memory");
	n = z->more(z->ctx, z->inbuf, STREAM_CHUNK, d->err);
	if (n < 0) {
		if (!d->err || !d->err->msg[0])
			flame_err__set(d->err, (int)-n, "read failed: %s", strerror((int)-n));
		return (int)n;
	}
	z->eof = n == 0;
	z->in = z->inbuf;
	z->in_end = z->inbuf + n;
	return 0;
}

static bool is_gzip(const uint8_t *b, size_t len)
{
	return len >= 2 && b[0] == 0x1f && b[1] == 0x8b;
}

/* Inflate into the free part of the window; 0, or a negative errno with a message. */
static int inflate_some(struct decoder *d, struct inflater *z)
{
	size_t room = z->cap - z->fill, in_left;
	const uint8_t *next;
	int zret;

	/* one byte past the limit is enough to know the limit is passed */
	if (max_decompressed - z->total < room)
		room = (size_t)(max_decompressed - z->total) + 1;
	if (room > UINT_MAX)
		room = UINT_MAX;
	if ((zret = refill(d, z)))
		return zret;
	if (!z->zs.avail_in && z->in < z->in_end) {
		size_t n = (size_t)(z->in_end - z->in);

		z->zs.next_in = (Bytef *)z->in;
		z->zs.avail_in = (uInt)(n > UINT_MAX ? UINT_MAX : n);
		z->in += z->zs.avail_in;
	}
	z->zs.next_out = z->win + z->fill;
	z->zs.avail_out = (uInt)room;
	in_left = z->zs.avail_in;
	zret = inflate(&z->zs, Z_NO_FLUSH);
	if (zret == Z_BUF_ERROR && z->zs.avail_in == in_left && z->zs.avail_out == room && in_left)
		return flame_err__set(d->err, EINVAL, "pprof: corrupt gzip stream (no progress)");
	z->fill += room - z->zs.avail_out;
	z->total += room - z->zs.avail_out;
	if (z->total > max_decompressed)
		return flame_err__set(d->err, E2BIG,
				      "pprof: decompressed size exceeds %zu bytes (gzip bomb?)",
				      max_decompressed);
	in_left = z->zs.avail_in + (size_t)(z->in_end - z->in);
	switch (zret) {
	case Z_STREAM_END:
		/* take back what zlib did not use: the next member, if any, starts there */
		next = z->zs.next_in;
		z->in = next;
		z->zs.avail_in = 0;
		if (next == z->in_end && (zret = refill(d, z)))
			return zret;
		next = z->in;
		if (next == z->in_end) {
			z->done = true;
			return 0;
		}
		/* several gzip members are one stream, as gzip -d and Go read them */
		/* (a stream may have cut the magic: zlib checks the header then) */
		if (!is_gzip(next, (size_t)(z->in_end - next)) &&
		    !(z->more && !z->eof && z->in_end - next < 2))
			return flame_err__set(d->err, EINVAL,
					      "pprof: unexpected data after the gzip stream");
		return inflateReset(&z->zs) == Z_OK ? 0 : -ENOMEM;
	case Z_OK:
	case Z_BUF_ERROR:
		if (!in_left && z->zs.avail_out && (!z->more || z->eof))
			return flame_err__set(d->err, EINVAL, "pprof: truncated gzip stream");
		return 0;
	case Z_MEM_ERROR:
		return flame_err__set(d->err, ENOMEM, "pprof: out of memory");
	default:
		return flame_err__set(d->err, EINVAL, "pprof: corrupt gzip stream (%s)",
				      z->zs.msg ? z->zs.msg : "bad data");
	}
}

/* Make room in the window: drop what was decoded, grow if one field fills it all. */
static int window_make_room(struct decoder *d, struct inflater *z, size_t consumed)
{
	uint8_t *win;

	memmove(z->win, z->win + consumed, z->fill - consumed);
	z->fill -= consumed;
	d->base_offset += consumed;
	if (z->fill < z->cap)
		return 0;
	/* grown only when full, so the window never outgrows the data actually inflated */
	if (z->cap > SIZE_MAX / 2 || !(win = realloc(z->win, z->cap * 2)))
		return flame_err__set(d->err, ENOMEM, "pprof: out of memory");
	z->win = win;
	z->cap *= 2;
	return 0;
}

static int decode_gzip(struct decoder *d, const uint8_t *buf, size_t len, pprof_read_fn more,
		       void *ctx)
{
	struct inflater z = {.in = buf, .in_end = buf + len, .more = more, .ctx = ctx};
	int ret = 0;

	if (inflateInit2(&z.zs, 16 + MAX_WBITS) != Z_OK)
		return flame_err__set(d->err, ENOMEM, "pprof: cannot start zlib");
	z.cap = len > WINDOW_MAX / 4 ? WINDOW_MAX : len * 4 < WINDOW_MIN ? WINDOW_MIN : len * 4;
	if (z.cap > max_decompressed)
		z.cap = max_decompressed + 1;
	z.win = malloc(z.cap);
	if (!z.win)
		ret = flame_err__set(d->err, ENOMEM, "pprof: out of memory");
	while (!ret && !z.done) {
		const uint8_t *pos;

		if ((ret = inflate_some(d, &z)))
			break;
		d->base = pos = z.win;
		if ((ret = decode_fields(d, &pos, z.win + z.fill, z.done)) || z.done)
			break;
		ret = window_make_room(d, &z, (size_t)(pos - z.win));
	}
	if (!ret && !z.total)
		ret = flame_err__set(d->err, EINVAL, "pprof: empty input");
	inflateEnd(&z.zs);
	free(z.win);
	free(z.inbuf);
	return ret;
}

static int decode(struct profile *p, const void *buf, size_t len, pprof_read_fn more, void *ctx,
		  struct flame_err *err)
{
	struct decoder d = {.p = p, .err = err, .base = buf};
	const uint8_t *pos = buf;
	int ret;

	if (p->strings.len != 1 || p->samples.len || p->sample_types.len || p->locations.len ||
	    p->functions.len || p->mappings.len)
		return flame_err__set(err, EINVAL, "pprof: decoding needs an empty profile");
	if (!len)
		return flame_err__set(err, EINVAL, "pprof: empty input");
	if (is_gzip(buf, len))
		ret = decode_gzip(&d, buf, len, more, ctx);
	else if (more)
		ret = flame_err__set(err, EINVAL, "pprof: only a gzip stream can be streamed");
	else
		ret = decode_fields(&d, &pos, pos + len, true);
	if (!ret)
		ret = finish(&d);
	vec_free(&d.mapping_ids);
	vec_free(&d.location_ids);
	vec_free(&d.function_ids);
	vec_free(&d.lines);
	vec_free(&d.big_ids);
	idset_release(&d.label_sets);
	return ret;
}

int pprof__decode(struct profile *p, const void *buf, size_t len, struct flame_err *err)
{
	return decode(p, buf, len, NULL, NULL, err);
}

int pprof__decode_stream(struct profile *p, const void *head, size_t head_len, pprof_read_fn more,
			 void *ctx, struct flame_err *err)
{
	return decode(p, head, head_len, more, ctx, err);
}

/* ===================================================================== sniffing */

/* Every field of a nested message is well formed, to its last byte. */
static bool sniff_message(struct pb_reader r)
{
	uint32_t f;
	enum pb_wire w;

	while (!pb_reader__done(&r))
		if (pb_read_tag(&r, &f, &w) || pb_skip(&r, w))
			return false;
	return true;
}

bool pprof__sniff(const void *buf, size_t len)
{
	struct pb_reader r = {buf, (const uint8_t *)buf + len}, body;
	uint32_t f;
	enum pb_wire w;
	int nfields, ret;

	if (is_gzip(buf, len))
		return true;
	/* text that happens to look like a field or two must not pass: check up to 16 */
	for (nfields = 0; nfields < 16 && !pb_reader__done(&r); nfields++) {
		if (pb_read_tag(&r, &f, &w) || f >= PROFILE_NFIELDS || !profile_wire_ok(f, w))
			return false;
		if (w != PB_LEN) {
			if (pb_skip(&r, w))
				return false;
			continue;
		}
		ret = pb_read_bytes(&r, &body);
		if (ret == PB_ELEN && nfields >= 2)
			return true; /* a cut file: let the decoder say so */
		if (ret || (is_message_field(f) && !sniff_message(body)))
			return false;
	}
	return nfields > 0;
}
