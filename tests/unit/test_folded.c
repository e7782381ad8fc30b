// SPDX-License-Identifier: MIT
#include "test.h"

#include <errno.h>

#include "folded.h"
#include "profile.h"

/* ---- helpers ---- */

static int parse_n(struct profile *p, const char *s, size_t n, size_t *first_bad)
{
	struct flame_err err = {{0}};
	int ret = folded__parse(p, s, n, first_bad, &err);

	if (!ret)
		assert_int_equal(profile__validate(p, &err), 0);
	return ret;
}

static int parse(struct profile *p, const char *s)
{
	return parse_n(p, s, strlen(s), NULL);
}

static struct profile *parsed(const char *s)
{
	struct profile *p = profile__new();

	assert_non_null(p);
	assert_int_equal(parse(p, s), 0);
	return p;
}

/* Write p as folded text into a malloc'ed string (length in *len if not NULL). */
static char *write_str(const struct profile *p, int vi, int base_vi, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	assert_non_null(f);
	assert_int_equal(folded__write(p, vi, base_vi, f), 0);
	assert_int_equal(fclose(f), 0);
	if (len)
		*len = n;
	return buf;
}

/* The default one- or two-column form, as the CLI writes it. */
static char *write_default(const struct profile *p, size_t *len)
{
	int nv = (int)p->sample_types.len;

	return write_str(p, nv - 1, nv == 2 ? 0 : -1, len);
}

static const char *line_name(const struct profile *p, uint64_t loc_id, uint32_t line)
{
	const struct location *loc = profile__location(p, loc_id);

	assert_true(line < loc->nlines);
	return profile__str(
		p, profile__function(p, profile__location_lines(p, loc)[line].function_id)->name);
}

/* Sample si's location ids, leaf first, into ids[0..16). */
static const uint32_t *locs_of(const struct profile *p, size_t si, uint32_t *ids)
{
	assert_true(p->samples.data[si].nlocs <= 16);
	assert_int_equal(profile__sample_locs(p, si, ids), 0);
	return ids;
}

/* The name of sample si's frame k, leaf first (a one-line location). */
static const char *frame_name(const struct profile *p, size_t si, uint32_t k)
{
	assert_true(k < p->samples.data[si].nlocs);
	return line_name(p, profile__sample_loc(p, si, k), 0);
}

static const char *mapping_name(const struct profile *p, uint64_t loc_id)
{
	const struct mapping *m = profile__mapping(p, profile__location(p, loc_id)->mapping_id);

	return m ? profile__str(p, m->filename) : NULL;
}

/* ---- reading ---- */

static void test_parse_simple(void **state)
{
	struct profile *p = parsed("main;run;compute 5\nmain;run 3\n");
	const uint32_t *l0, *l1;
	uint32_t ids0[16], ids1[16];

	(void)state;
	assert_int_equal(p->sample_types.len, 1);
	assert_string_equal(profile__str(p, p->sample_types.data[0].type), "samples");
	assert_string_equal(profile__str(p, p->sample_types.data[0].unit), "count");
	assert_int_equal(p->samples.len, 2);
	assert_int_equal(p->samples.data[0].nlocs, 3);
	/* leaf first */
	assert_string_equal(frame_name(p, 0, 0), "compute");
	assert_string_equal(frame_name(p, 0, 1), "run");
	assert_string_equal(frame_name(p, 0, 2), "main");
	assert_int_equal(profile__sample_values(p, 0)[0], 5);
	assert_int_equal(profile__sample_values(p, 1)[0], 3);
	/* repeated frames share their function and location */
	l0 = locs_of(p, 0, ids0);
	l1 = locs_of(p, 1, ids1);
	assert_int_equal(l0[1], l1[0]);
	assert_int_equal(l0[2], l1[1]);
	assert_int_equal(p->functions.len, 3);
	assert_int_equal(p->locations.len, 3);
	assert_int_equal(profile__location(p, l0[0])->address, 0);
	assert_null(mapping_name(p, l0[0]));
	assert_int_equal(p->quality.bad_lines, 0);
	assert_int_equal(profile__total(p, 0), 8);
	profile__free(p);
}

static void test_parse_differential(void **state)
{
	struct profile *p = parsed("main;a 10 12\nmain;b 0 7\n");

	(void)state;
	assert_int_equal(p->sample_types.len, 2);
	assert_string_equal(profile__str(p, p->sample_types.data[0].type), "base");
	assert_string_equal(profile__str(p, p->sample_types.data[1].type), "samples");
	assert_string_equal(profile__str(p, p->sample_types.data[1].unit), "count");
	assert_string_equal(profile__str(p, p->default_sample_type), "samples");
	assert_int_equal(profile__default_sample_type(p), 1);
	assert_int_equal(profile__sample_values(p, 0)[0], 10);
	assert_int_equal(profile__sample_values(p, 0)[1], 12);
	assert_int_equal(profile__total(p, 0), 10);
	assert_int_equal(profile__total(p, 1), 19);
	assert_string_equal(frame_name(p, 1, 0), "b");
	profile__free(p);
}

static void test_parse_suffixes(void **state)
{
	struct profile *p = parsed("app;read_[k];vfs_read_[k];Foo.bar_[j];waker_[w];-;_[k] 1\n"
				   "app;write_[k] 2\n");
	uint32_t ids[16];
	const uint32_t *l = locs_of(p, 0, ids);
	const struct location *loc;

	(void)state;
	/* leaf first: _[k], -, waker, Foo.bar, vfs_read, read, app */
	assert_int_equal(p->samples.data[0].nlocs, 7);
	assert_string_equal(frame_name(p, 0, 0), "_[k]"); /* nothing left to name: literal */
	assert_null(mapping_name(p, l[0]));
	assert_string_equal(frame_name(p, 0, 1), "-");
	assert_string_equal(frame_name(p, 0, 2), "waker");
	assert_null(mapping_name(p, l[2]));
	assert_string_equal(frame_name(p, 0, 3), "Foo.bar");
	assert_string_equal(mapping_name(p, l[3]), JIT_MAPPING_NAME);
	assert_string_equal(frame_name(p, 0, 4), "vfs_read");
	assert_string_equal(mapping_name(p, l[4]), KERNEL_MAPPING_NAME);
	assert_string_equal(frame_name(p, 0, 5), "read");
	/* one kernel mapping for every kernel frame, one JIT mapping */
	assert_int_equal(p->mappings.len, 2);
	assert_int_equal(profile__location(p, l[4])->mapping_id,
			 profile__location(p, profile__sample_loc(p, 1, 0))->mapping_id);
	loc = profile__location(p, l[4]);
	assert_int_equal(profile__frame_kind(p, loc, profile__location_lines(p, loc)),
			 FRAME_KERNEL);
	loc = profile__location(p, l[3]);
	assert_int_equal(profile__frame_kind(p, loc, profile__location_lines(p, loc)), FRAME_JIT);
	profile__free(p);
}

/* A JVM's interpreter frames (singe's "[interpreted]" in JIT memory) keep their kind and "_[j]". */
static void test_interpreted_round_trip(void **state)
{
	static const char text[] = "java;[interpreted]_[j];Foo.bar_[j] 3\n";
	struct profile *p = parsed(text);
	uint32_t ids[16];
	const uint32_t *l = locs_of(p, 0, ids);
	const struct location *loc = profile__location(p, l[1]);
	char *out;

	(void)state;
	assert_string_equal(frame_name(p, 0, 1), "[interpreted]");
	assert_int_equal(profile__frame_kind(p, loc, profile__location_lines(p, loc)),
			 FRAME_INTERPRETED);
	out = write_default(p, NULL);
	assert_string_equal(out, text);
	free(out);
	profile__free(p);
}

static void test_parse_inline(void **state)
{
	struct profile *p = parsed("main;compute;square_[i];add_[i];memcpy 1\n"
				   "main;compute;square_[i] 2\n"
				   "x_[i];y 3\n");
	uint32_t ids[16];
	const uint32_t *l = locs_of(p, 0, ids);
	const struct location *loc;

	(void)state;
	/* memcpy, {add, square, compute}, main */
	assert_int_equal(p->samples.data[0].nlocs, 3);
	assert_string_equal(frame_name(p, 0, 0), "memcpy");
	loc = profile__location(p, l[1]);
	assert_int_equal(loc->nlines, 3);
	assert_string_equal(line_name(p, l[1], 0), "add"); /* innermost first */
	assert_string_equal(line_name(p, l[1], 1), "square");
	assert_string_equal(line_name(p, l[1], 2), "compute"); /* the real function last */
	assert_string_equal(frame_name(p, 0, 2), "main");
	/* a different inlining set is a different location; the function is shared */
	l = locs_of(p, 1, ids);
	assert_int_equal(p->samples.data[1].nlocs, 2);
	assert_int_equal(profile__location(p, l[0])->nlines, 2);
	assert_string_equal(line_name(p, l[0], 0), "square");
	assert_string_equal(line_name(p, l[0], 1), "compute");
	assert_int_not_equal(l[0], profile__sample_loc(p, 0, 1));
	/* inlined into nothing: the suffix stays in the name */
	assert_string_equal(frame_name(p, 2, 1), "x_[i]");
	assert_string_equal(frame_name(p, 2, 0), "y");
	assert_int_equal(p->functions.len, 7); /* main compute square add memcpy x_[i] y */
	profile__free(p);
}

static void test_parse_bad_lines(void **state)
{
	static const char *const bad[] = {
		"nocount", "a 1.5",  "a -1", "a +1",  "a 9223372036854775808",
		"a;;b 1",  ";a 1",   "a; 1", "a ",    "a 1x",
		"a\t1",	   "a 0x10", "a 1 ", "1e3 a", "a 99999999999999999999999",
		"a 5\r\r",
	};
	size_t i, first_bad;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct profile *p = profile__new();
		char text[128];

		snprintf(text, sizeof(text), "good;line 1\n%s\ngood 2\n", bad[i]);
		assert_int_equal(parse_n(p, text, strlen(text), &first_bad), 0);
		if (first_bad != 2)
			fail_msg("line '%s' was not reported bad", bad[i]);
		assert_int_equal(p->quality.bad_lines, 1);
		assert_int_equal(p->samples.len, 2);
		assert_int_equal(profile__total(p, 0), 3);
		profile__free(p);
	}
}

static void test_parse_counts(void **state)
{
	struct profile *p = parsed("a 9223372036854775807\nb 0\nc 007\n");

	(void)state;
	assert_int_equal(p->samples.len, 3);
	assert_true(profile__sample_values(p, 0)[0] == INT64_MAX);
	assert_int_equal(profile__sample_values(p, 1)[0], 0);
	assert_int_equal(profile__sample_values(p, 2)[0], 7);
	profile__free(p);
}

static void test_parse_no_lines(void **state)
{
	struct flame_err err = {{0}};
	struct profile *p = profile__new();
	size_t first_bad = 99;

	(void)state;
	assert_int_equal(folded__parse(p, "", 0, &first_bad, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "folded: no stack lines found (expected 'frame;frame;... count')");
	assert_int_equal(first_bad, 0);
	assert_int_equal(folded__parse(p, "garbage\nmore garbage\n", 21, &first_bad, &err),
			 -EINVAL);
	assert_int_equal(first_bad, 1);
	assert_int_equal(p->quality.bad_lines, 2);
	/* p is left as it came: no sample types, so another reader can still use it */
	assert_int_equal(p->sample_types.len, 0);
	assert_int_equal(p->samples.len, 0);
	/* err may be NULL */
	assert_int_equal(folded__parse(p, "\n\n", 2, NULL, NULL), -EINVAL);
	profile__free(p);
}

static void test_parse_line_endings(void **state)
{
	static const char text[] = "a;b 1\r\n\r\n\n  \t\nc 2";
	struct profile *p = profile__new();
	size_t first_bad = 99;

	(void)state;
	assert_int_equal(parse_n(p, text, sizeof(text) - 1, &first_bad), 0);
	assert_int_equal(first_bad, 0);
	assert_int_equal(p->samples.len, 2);
	assert_string_equal(frame_name(p, 0, 0), "b");
	assert_string_equal(frame_name(p, 1, 0), "c"); /* the last line has no '\n' */
	assert_int_equal(profile__total(p, 0), 3);
	assert_int_equal(p->quality.bad_lines, 0);
	profile__free(p);
}

static void test_parse_empty_stack(void **state)
{
	struct profile *p = parsed(" 5\na 1\n");
	char *out;

	(void)state;
	assert_int_equal(p->samples.len, 2);
	assert_int_equal(p->samples.data[0].nlocs, 0);
	assert_int_equal(profile__sample_values(p, 0)[0], 5);
	out = write_default(p, NULL);
	assert_string_equal(out, " 5\na 1\n");
	free(out);
	profile__free(p);
}

static void test_parse_into_existing_types(void **state)
{
	struct flame_err err = {{0}};
	struct profile *p = profile__new();
	size_t first_bad;

	(void)state;
	/* one column: "a 1 2" is the frame "a 1" with count 2 */
	assert_int_equal(profile__add_sample_type(p, "samples", "count"), 0);
	assert_int_equal(parse(p, "a 1 2\nb 3\n"), 0);
	assert_string_equal(frame_name(p, 0, 0), "a 1");
	assert_int_equal(profile__sample_values(p, 0)[0], 2);
	/* but an input whose lines all have two counts is a differential one: refused */
	assert_int_equal(folded__parse(p, "a 1 2\nb 3 4\n", 12, NULL, &err), -EINVAL);
	assert_string_equal(err.msg, "folded: the input has two count columns but the profile "
				     "has 1 sample type");
	assert_int_equal(p->samples.len, 2);
	profile__free(p);

	/* two columns: a one-count line is bad */
	p = profile__new();
	assert_int_equal(profile__add_sample_type(p, "base", "count"), 0);
	assert_int_equal(profile__add_sample_type(p, "samples", "count"), 1);
	assert_int_equal(parse_n(p, "a 1\nb 2 3\n", 10, &first_bad), 0);
	assert_int_equal(first_bad, 1);
	assert_int_equal(p->samples.len, 1);
	assert_int_equal(folded__parse(p, "a 1\nb 2\n", 8, NULL, &err), -EINVAL);
	assert_string_equal(err.msg, "folded: the input has one count column but the profile "
				     "has 2 sample types");
	profile__free(p);

	/* three columns cannot be folded */
	p = profile__new();
	assert_int_equal(profile__add_sample_type(p, "a", "count"), 0);
	assert_int_equal(profile__add_sample_type(p, "b", "count"), 1);
	assert_int_equal(profile__add_sample_type(p, "c", "count"), 2);
	assert_int_equal(folded__parse(p, "a 1\n", 4, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "3 sample types"));
	assert_int_equal(p->samples.len, 0);
	profile__free(p);
}

static void test_parse_column_detection(void **state)
{
	/* names may end in a number: the majority of lines decides */
	struct profile *p = parsed("main;Thread 2 5\nb 3\nc 4\n");

	(void)state;
	assert_int_equal(p->sample_types.len, 1);
	assert_int_equal(p->samples.len, 3);
	assert_string_equal(frame_name(p, 0, 0), "Thread 2");
	profile__free(p);

	/* two columns: a line with one count is bad */
	p = parsed("a 1 2\nb 3 4\nThread 5\n");
	assert_int_equal(p->sample_types.len, 2);
	assert_int_equal(p->samples.len, 2);
	assert_int_equal(p->quality.bad_lines, 1);
	profile__free(p);
}

static void test_parse_appends(void **state)
{
	struct profile *p = parsed("a;k_[k] 1\n");

	(void)state;
	assert_int_equal(parse(p, "b;k_[k] 2\nb;j_[k] 1\n"), 0);
	assert_int_equal(p->samples.len, 3);
	assert_int_equal(p->mappings.len, 1); /* the kernel mapping is shared across calls */
	assert_int_equal(profile__sample_loc(p, 0, 0), profile__sample_loc(p, 1, 0));
	profile__free(p);
}

static void test_parse_hostile(void **state)
{
	static const char nul_text[] = "a\0b;c 1\n\xff\xfe;\xc3 2\n\0 3\n";
	size_t big = 100000, depth = 10000, i, n;
	struct profile *p = profile__new();
	char *text, *out;

	(void)state;
	/* NUL bytes and invalid UTF-8 are just bytes of a name */
	assert_int_equal(parse_n(p, nul_text, sizeof(nul_text) - 1, NULL), 0);
	assert_int_equal(p->samples.len, 3);
	assert_int_equal(strtab__strlen(&p->strings, profile__function(p, 1)->name), 3);
	assert_memory_equal(profile__str(p, profile__function(p, 1)->name), "a\0b", 3);
	/* but the writer shows a NUL as '?': most tools would end the name there */
	out = write_str(p, 0, -1, &n);
	assert_int_equal(n, sizeof(nul_text) - 1);
	assert_memory_equal(out, "a?b;c 1\n\xff\xfe;\xc3 2\n? 3\n", n);
	free(out);
	profile__free(p);

	/* a 100k-byte name, 10k frames deep, a huge count */
	text = malloc(big + depth * 2 + 64);
	assert_non_null(text);
	memset(text, 'x', big);
	n = big;
	for (i = 0; i < depth; i++) {
		text[n++] = ';';
		text[n++] = (char)('a' + i % 26);
	}
	n += (size_t)sprintf(text + n, " 9223372036854775807\n");
	assert_true(folded__sniff(text, n)); /* a first line far longer than a page */
	p = profile__new();
	assert_int_equal(parse_n(p, text, n, NULL), 0);
	assert_int_equal(p->samples.data[0].nlocs, depth + 1);
	assert_int_equal(strtab__strlen(&p->strings, profile__function(p, 1)->name), big);
	assert_int_equal(p->functions.len, 27);
	out = write_str(p, 0, -1, &i);
	assert_int_equal(i, n);
	assert_memory_equal(out, text, n);
	free(out);
	free(text);
	profile__free(p);
}

/* ---- round trips ---- */

static void roundtrip_file(const char *path)
{
	struct profile *p = profile__new(), *q = profile__new();
	size_t len, out_len, i;
	char *text = test_read_file(path, &len), *out, *out2;

	assert_int_equal(parse_n(p, text, len, NULL), 0);
	assert_int_equal(p->quality.bad_lines, 0);
	out = write_default(p, &out_len);
	if (out_len != len || memcmp(out, text, len))
		fail_msg("%s: the folded round trip changed the text:\n%s", path, out);
	/* and once more through a second profile: the same totals, the same text */
	assert_int_equal(parse_n(q, out, out_len, NULL), 0);
	for (i = 0; i < p->sample_types.len; i++)
		assert_true(profile__total(p, i) == profile__total(q, i));
	out2 = write_default(q, NULL);
	assert_string_equal(out, out2);
	free(out);
	free(out2);
	free(text);
	profile__free(p);
	profile__free(q);
}

static void test_roundtrip_files(void **state)
{
	(void)state;
	roundtrip_file("data/folded/simple.folded");
	roundtrip_file("data/folded/kinds.folded");
	roundtrip_file("data/folded/differential.folded");
	roundtrip_file("data/perfscript/default.folded"); /* what perf script gave, folded */
}

/*
 * The reader reuses the previous line's locations for a shared prefix: parsing each line on
 * its own (no previous line) must give the same profile.
 */
static void test_prefix_reuse_matches_line_by_line(void **state)
{
	struct profile *whole = profile__new(), *bylines = profile__new();
	size_t len, i;
	char *text = test_read_file("data/folded/kinds.folded", &len), *a, *b;
	const char *pos = text, *nl;

	(void)state;
	assert_int_equal(parse_n(whole, text, len, NULL), 0);
	while ((nl = memchr(pos, '\n', (size_t)(text + len - pos)))) {
		assert_int_equal(parse_n(bylines, pos, (size_t)(nl + 1 - pos), NULL), 0);
		pos = nl + 1;
	}
	assert_int_equal(whole->samples.len, bylines->samples.len);
	assert_int_equal(whole->locations.len, bylines->locations.len);
	assert_int_equal(whole->sample_locs.len, bylines->sample_locs.len);
	for (i = 0; i < whole->sample_locs.len; i++)
		assert_int_equal(whole->sample_locs.data[i], bylines->sample_locs.data[i]);
	a = write_default(whole, NULL);
	b = write_default(bylines, NULL);
	assert_string_equal(a, b);
	free(a);
	free(b);
	free(text);
	profile__free(whole);
	profile__free(bylines);
}

/* Lines that share prefixes in every way the reuse must handle, checked the same way. */
static void test_prefix_reuse_edges(void **state)
{
	static const char *const lines[] = {
		"a;b;c 1\n",	    "a;b;c 2\n",
		"a;b 3\n",	    "a;b;c;d 4\n",
		"a;bb;c 5\n",	    "a;b_[i] 6\n",
		"a;b_[i];c 7\n",    "a;b 8\n",
		"a;b;x_[i] 9\n",    "a;b;x_[i];y_[i] 10\n",
		"a;b;x_[i] 11\n",   "a;b;x 12\n",
		"a_[i];b 13\n",	    "a_[i] 14\n",
		"a 15\n",	    "a;;b 16\n",
		"a;b;c 17\n",	    " 18\n",
		"a;b;c 19\n",	    "a;b;c_[k] 20\n",
		"a;b;c_[k];d 21\n",
	};
	struct profile *whole = profile__new(), *bylines = profile__new();
	char text[1024] = "", *a, *b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		strcat(text, lines[i]);
		parse_n(bylines, lines[i], strlen(lines[i]), NULL);
	}
	assert_int_equal(parse_n(whole, text, strlen(text), NULL), 0);
	assert_int_equal(whole->quality.bad_lines, 1);
	assert_int_equal(whole->samples.len, bylines->samples.len);
	assert_int_equal(whole->sample_locs.len, bylines->sample_locs.len);
	for (i = 0; i < whole->sample_locs.len; i++)
		assert_int_equal(whole->sample_locs.data[i], bylines->sample_locs.data[i]);
	a = write_default(whole, NULL);
	b = write_default(bylines, NULL);
	assert_string_equal(a, b);
	/* every good line is distinct, so the text comes back (less the bad line and merges) */
	assert_string_equal(a, "a;b;c 39\na;b 11\na;b;c;d 4\na;bb;c 5\na;b_[i] 6\na;b_[i];c 7\n"
			       "a;b;x_[i] 20\na;b;x_[i];y_[i] 10\na;b;x 12\na_[i];b 13\na_[i] 14\n"
			       "a 15\n 18\na;b;c_[k] 20\na;b;c_[k];d 21\n");
	free(a);
	free(b);
	profile__free(whole);
	profile__free(bylines);
}

/* ---- writing ---- */

static void test_write_merges_and_omits(void **state)
{
	struct profile *p = parsed("a;b 1\nc 0\nd;e 2\na;b 2\nd 3\n");
	char *out;

	(void)state;
	out = write_default(p, NULL);
	/* identical stacks merged in first-seen order, zero-valued ones left out */
	assert_string_equal(out, "a;b 3\nd;e 2\nd 3\n");
	free(out);
	profile__free(p);
}

static void test_write_two_columns(void **state)
{
	struct profile *p = parsed("a 1 0\nb 0 0\nc 0 4\na 2 5\n");
	char *out;

	(void)state;
	out = write_str(p, 1, 0, NULL);
	assert_string_equal(out, "a 3 5\nc 0 4\n");
	free(out);
	/* one column of a two-column profile */
	out = write_str(p, 0, -1, NULL);
	assert_string_equal(out, "a 3\n");
	free(out);
	/* base and value swapped */
	out = write_str(p, 0, 1, NULL);
	assert_string_equal(out, "a 5 3\nc 4 0\n");
	free(out);
	profile__free(p);
}

/*
 * A generated profile against a merge that knows the answer: one string per sample, merged
 * by string in first-seen order. Its 20,000 locations take varints of one to three bytes in
 * the model, so the writer's output does not depend on how the ids are stored.
 */
static void test_write_matches_naive_merge(void **state)
{
	enum { NLOC = 20000, NPOOL = 600, NSAMPLE = 4000, DEPTH = 12 };
	struct profile *p = profile__new();
	static uint64_t pool[NPOOL][DEPTH];
	static char *text[NPOOL];
	static int64_t sums[NPOOL];
	static int order[NPOOL];
	uint32_t depth[NPOOL], seed = 12345, i, d;
	size_t expected_len = 0, nseen = 0, k;
	char name[16], *expected, *out;

	(void)state;
	assert_int_equal(profile__add_sample_type(p, "samples", "count"), 0);
	for (i = 0; i < NLOC; i++) {
		struct function f = {0};
		struct line line = {0};

		snprintf(name, sizeof(name), "f%u", i + 1);
		f.name = f.system_name = (uint32_t)profile__intern_str(p, name);
		line.function_id = (uint64_t)profile__intern_function(p, &f);
		assert_int_equal(profile__add_location(p, 0, 0, &line, 1), i + 1);
	}
	for (i = 0; i < NPOOL; i++) {
		depth[i] = 1 + (seed = seed * 1103515245 + 12345) % DEPTH;
		for (d = 0; d < depth[i]; d++) {
			seed = seed * 1103515245 + 12345;
			/* a third small ids (one byte), the rest anywhere up to NLOC */
			pool[i][d] = 1 + ((seed >> 8) % 3 ? (seed >> 4) % NLOC : (seed >> 4) % 127);
		}
		text[i] = NULL;
		sums[i] = 0;
	}
	for (i = 0; i < NSAMPLE; i++) {
		uint32_t which = (seed = seed * 1103515245 + 12345) >> 8;
		int64_t v = 1 + (seed >> 20) % 1000;

		which %= NPOOL;
		assert_int_equal(profile__add_sample(p, pool[which], depth[which], &v, NULL, 0), 0);
		if (!sums[which])
			order[nseen++] = (int)which;
		sums[which] += v;
	}
	/* pool entries may repeat a stack: merge equal strings, the first seen keeps the sum */
	for (k = 0; k < nseen; k++) {
		int w = order[k];
		size_t n = 0, j;

		text[w] = malloc(DEPTH * 8 + 32);
		assert_non_null(text[w]);
		for (d = depth[w]; d-- > 0;) /* root first */
			n += (size_t)sprintf(text[w] + n, "f%u%s", (unsigned)pool[w][d],
					     d ? ";" : "");
		text[w][n] = '\0';
		for (j = 0; j < k; j++)
			if (sums[order[j]] && !strcmp(text[order[j]], text[w])) {
				sums[order[j]] += sums[w];
				sums[w] = 0;
				break;
			}
	}
	expected = calloc(nseen, DEPTH * 8 + 64);
	assert_non_null(expected);
	for (k = 0; k < nseen; k++)
		if (sums[order[k]])
			expected_len += (size_t)sprintf(expected + expected_len, "%s %lld\n",
							text[order[k]], (long long)sums[order[k]]);
	assert_true(p->sample_locs.len > p->samples.data[0].nlocs); /* some ids take 2+ bytes */
	out = write_default(p, NULL);
	assert_string_equal(out, expected);
	free(out);
	free(expected);
	for (k = 0; k < nseen; k++)
		free(text[order[k]]);
	profile__free(p);
}

/* Samples without frames are one stack too: merged, written as " count". */
static void test_write_merges_empty_stacks(void **state)
{
	struct profile *p = parsed(" 5\n 3\na 1\n");
	char *out;

	(void)state;
	assert_int_equal(p->samples.len, 3);
	out = write_default(p, NULL);
	assert_string_equal(out, " 8\na 1\n");
	free(out);
	profile__free(p);
}

static void test_write_overflow(void **state)
{
	static const char text[] = "a 9223372036854775807\nb 1\na 9223372036854775807\na 5\n";
	struct profile *p = parsed(text), *q = profile__new();
	char *out;

	(void)state;
	out = write_default(p, NULL);
	/* the merged sum does not fit a count: written as several lines, nothing lost */
	assert_string_equal(out, "a 9223372036854775807\na 9223372036854775807\na 5\nb 1\n");
	assert_int_equal(parse(q, out), 0);
	assert_int_equal(q->samples.len, 4);
	assert_int_equal(q->quality.bad_lines, 0);
	assert_true(profile__sample_values(q, 0)[0] == INT64_MAX);
	assert_true(profile__sample_values(q, 1)[0] == INT64_MAX);
	assert_int_equal(profile__sample_values(q, 2)[0], 5);
	free(out);
	profile__free(p);
	profile__free(q);
}

/* A profile built the way the pprof reader or the recorder would, not from folded text. */
static void test_write_from_model(void **state)
{
	struct profile *p = profile__new();
	struct mapping km = {0}, lm = {0}, jm = {0};
	struct function f = {0};
	struct line lines[3] = {{0}};
	int64_t kmid, lmid, jmid, fk, fsemi, fnl, fempty, fa, fb, fc, l1, l2, l3, l4, l5, l6;
	uint64_t s1[4], s2[1], s3[2];
	int64_t v1[2] = {3, 7}, v2[2] = {0, -4}, v3[2] = {1, 0};
	char *out;

	(void)state;
	assert_int_equal(profile__add_sample_type(p, "alloc_objects", "count"), 0);
	assert_int_equal(profile__add_sample_type(p, "alloc_space", "bytes"), 1);
	km.filename = (uint32_t)profile__intern_str(p, "[kernel.kallsyms]");
	lm.filename = (uint32_t)profile__intern_str(p, "/usr/lib/libc.so.6");
	jm.filename = (uint32_t)profile__intern_str(p, "//anon");
	kmid = profile__add_mapping(p, &km);
	lmid = profile__add_mapping(p, &lm);
	jmid = profile__add_mapping(p, &jm);
#define FN(var, s)                                                                                 \
	f.name = (uint32_t)profile__intern(p, s, sizeof(s) - 1);                                   \
	var = profile__intern_function(p, &f)
	FN(fk, "do_sys_open");
	FN(fsemi, "weird;name");
	FN(fnl, "multi\nline\rname"); /* a CR goes too: a CRLF reader would end the line */
	FN(fempty, "");
	FN(fa, "callee");
	FN(fb, "middle");
	FN(fc, "caller");
#undef FN
	lines[0].function_id = (uint64_t)fk;
	l1 = profile__add_location(p, (uint64_t)kmid, 0xffffffff81000000ULL, lines, 1);
	lines[0].function_id = (uint64_t)fsemi;
	l2 = profile__add_location(p, (uint64_t)lmid, 0x1000, lines, 1);
	lines[0].function_id = (uint64_t)fnl;
	l3 = profile__add_location(p, (uint64_t)jmid, 0x2000, lines, 1);
	lines[0].function_id = (uint64_t)fa; /* innermost */
	lines[1].function_id = (uint64_t)fb;
	lines[2].function_id = (uint64_t)fc; /* the real function */
	l4 = profile__add_location(p, (uint64_t)lmid, 0x3000, lines, 3);
	l5 = profile__add_location(p, (uint64_t)lmid, 0x4000, NULL, 0);
	lines[0].function_id = (uint64_t)fempty;
	l6 = profile__add_location(p, 0, 0, lines, 1);
	s1[0] = (uint64_t)l1;
	s1[1] = (uint64_t)l2;
	s1[2] = (uint64_t)l4;
	s1[3] = (uint64_t)l5;
	s2[0] = (uint64_t)l3;
	s3[0] = (uint64_t)l6;
	s3[1] = (uint64_t)l4;
	assert_int_equal(profile__add_sample(p, s1, 4, v1, NULL, 0), 0);
	assert_int_equal(profile__add_sample(p, s2, 1, v2, NULL, 0), 0);
	assert_int_equal(profile__add_sample(p, s3, 2, v3, NULL, 0), 0);
	assert_int_equal(profile__validate(p, NULL), 0);

	out = write_str(p, 1, -1, NULL);
	/* root first; the negative sample and the zero one are left out; bytes say so */
	assert_string_equal(out,
			    "# sample type: alloc_space/bytes\n"
			    "0x4000;caller;middle_[i];callee_[i];weird:name;do_sys_open_[k] 7\n");
	free(out);
	out = write_str(p, 1, 0, NULL);
	assert_string_equal(out,
			    "# sample type: alloc_objects/count alloc_space/bytes\n"
			    "0x4000;caller;middle_[i];callee_[i];weird:name;do_sys_open_[k] 3 7\n"
			    "caller;middle_[i];callee_[i];[unknown] 1 0\n");
	free(out);
	out = write_str(p, 0, -1, NULL);
	assert_string_equal(out,
			    "0x4000;caller;middle_[i];callee_[i];weird:name;do_sys_open_[k] 3\n"
			    "caller;middle_[i];callee_[i];[unknown] 1\n");
	free(out);
	/* the JIT mapping and the newline replacement show once the value is positive */
	p->sample_values.data[3] = 2; /* sample 1, column 1 */
	out = write_str(p, 1, -1, NULL);
	assert_string_equal(out,
			    "# sample type: alloc_space/bytes\n"
			    "0x4000;caller;middle_[i];callee_[i];weird:name;do_sys_open_[k] 7\n"
			    "multi line name_[j] 2\n");
	free(out);
	profile__free(p);
}

/* A column of nanoseconds says so in a header, and reads back as nanoseconds, not samples. */
static void test_unit_header_round_trip(void **state)
{
	struct profile *p = profile__new(), *q = profile__new();
	struct function f = {0};
	struct line line = {0};
	int64_t v[2] = {3, 3000000}, loc;
	uint64_t id;
	char *out, *again;

	(void)state;
	assert_int_equal(profile__add_sample_type(p, "samples", "count"), 0);
	assert_int_equal(profile__add_sample_type(p, "cpu", "nanoseconds"), 1);
	f.name = (uint32_t)profile__intern_str(p, "hot");
	line.function_id = (uint64_t)profile__intern_function(p, &f);
	loc = profile__intern_location(p, 0, 0, &line, 1);
	id = (uint64_t)loc;
	assert_int_equal(profile__add_sample(p, &id, 1, v, NULL, 0), 0);
	p->default_sample_type = p->sample_types.data[1].type;

	/* folded's own default is the count column: no header, what every reader assumes */
	assert_int_equal(folded__default_sample_type(p), 0);
	out = write_str(p, 0, -1, NULL);
	assert_string_equal(out, "hot 3\n");
	free(out);

	out = write_str(p, 1, -1, NULL);
	assert_string_equal(out, "# sample type: cpu/nanoseconds\nhot 3000000\n");
	assert_true(folded__sniff(out, strlen(out)));
	assert_int_equal(parse(q, out), 0);
	assert_int_equal(q->quality.bad_lines, 0);
	assert_int_equal(q->sample_types.len, 1);
	assert_string_equal(profile__str(q, q->sample_types.data[0].type), "cpu");
	assert_string_equal(profile__str(q, q->sample_types.data[0].unit), "nanoseconds");
	assert_int_equal(profile__total(q, 0), 3000000);
	/* no count column to prefer: the default stays, and the header with it */
	assert_int_equal(folded__default_sample_type(q), 0);
	again = write_str(q, 0, -1, NULL);
	assert_string_equal(again, out);
	free(again);
	/* a second file of another unit does not add into it */
	assert_int_equal(parse(q, "# sample type: alloc_space/bytes\nhot 1\n"), -EINVAL);
	assert_int_equal(parse(q, out), 0);
	assert_int_equal(profile__total(q, 0), 6000000);
	free(out);

	/* two columns: base and head, the head drawn */
	out = write_str(p, 1, 0, NULL);
	profile__free(q);
	q = profile__new();
	assert_int_equal(parse(q, out), 0);
	assert_int_equal(q->sample_types.len, 2);
	assert_int_equal(profile__default_sample_type(q), 1);
	assert_string_equal(profile__str(q, q->sample_types.data[1].unit), "nanoseconds");
	free(out);
	profile__free(p);
	profile__free(q);
}

/*
 * A heap profile's default is inuse_space: folded shows its own count, inuse_objects, not the
 * first count column (alloc_objects); a cpu,offcpu profile whose default is offcpu shows
 * switches.
 */
static void test_default_is_the_types_own_count(void **state)
{
	static const char *const heap[][2] = {{"alloc_objects", "count"},
					      {"alloc_space", "bytes"},
					      {"inuse_objects", "count"},
					      {"inuse_space", "bytes"}};
	struct profile *p = profile__new(), *q = profile__new();
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(profile__add_sample_type(p, heap[i][0], heap[i][1]), (int)i);
	p->default_sample_type = p->sample_types.data[3].type;
	assert_int_equal(folded__default_sample_type(p), 2);
	/* the count itself as the default stays */
	p->default_sample_type = p->sample_types.data[0].type;
	assert_int_equal(folded__default_sample_type(p), 0);
	/* a bytes default after a bytes column: the first count */
	p->default_sample_type = p->sample_types.data[1].type;
	assert_int_equal(folded__default_sample_type(p), 0);
	assert_int_equal(profile__add_sample_type(q, "samples", "count"), 0);
	assert_int_equal(profile__add_sample_type(q, "cpu", "nanoseconds"), 1);
	assert_int_equal(profile__add_sample_type(q, "switches", "count"), 2);
	assert_int_equal(profile__add_sample_type(q, "offcpu", "nanoseconds"), 3);
	q->default_sample_type = q->sample_types.data[3].type;
	assert_int_equal(folded__default_sample_type(q), 2);
	q->default_sample_type = q->sample_types.data[1].type;
	assert_int_equal(folded__default_sample_type(q), 0);
	profile__free(p);
	profile__free(q);
}

/* Only singe's exact header is one: other comment lines stay bad lines, as before. */
static void test_unit_header_is_exact(void **state)
{
	struct profile *p = profile__new();

	(void)state;
	assert_int_equal(parse(p, "# sample type: nounit\na 1\n"), 0);
	assert_string_equal(profile__str(p, p->sample_types.data[0].type), "samples");
	assert_int_equal(p->quality.bad_lines, 1);
	profile__free(p);
	p = profile__new();
	assert_int_equal(parse(p, "a 1\n# sample type: cpu/nanoseconds\n"), 0);
	assert_string_equal(profile__str(p, p->sample_types.data[0].type), "samples");
	assert_int_equal(p->quality.bad_lines, 1);
	profile__free(p);
}

static void test_write_errors(void **state)
{
	struct profile *p = parsed("a;b 1\n");
	FILE *f = fopen("/dev/full", "w");

	(void)state;
	assert_int_equal(folded__write(p, 1, -1, stdout), -EINVAL);
	assert_int_equal(folded__write(p, -1, -1, stdout), -EINVAL);
	assert_int_equal(folded__write(p, 0, 1, stdout), -EINVAL);
	assert_int_equal(folded__write(p, 0, -2, stdout), -EINVAL);
	if (f) {
		/* the cause is the disk's, not a generic I/O error (issue 12, point 5) */
		assert_int_equal(folded__write(p, 0, -1, f), -ENOSPC);
		fclose(f);
	}
	/* a sample pointing at a location that does not exist */
	p->sample_locs.data[0] = 99;
	f = fopen("/dev/null", "w");
	assert_non_null(f);
	assert_int_equal(folded__write(p, 0, -1, f), -EINVAL);
	fclose(f);
	profile__free(p);
}

static void test_write_empty_profile(void **state)
{
	struct profile *p = profile__new();
	size_t n;
	char *out;

	(void)state;
	assert_int_equal(profile__add_sample_type(p, "samples", "count"), 0);
	out = write_str(p, 0, -1, &n);
	assert_int_equal(n, 0);
	free(out);
	profile__free(p);
}

/* ---- sniffing ---- */

static bool sniff_file(const char *path)
{
	size_t len;
	char *text = test_read_file(path, &len);
	bool r = folded__sniff(text, len);

	free(text);
	return r;
}

static void test_sniff(void **state)
{
	static const char gz[] = "\x1f\x8b\x08\x00\x00\x00\x00\x00";

	(void)state;
	assert_true(folded__sniff("a;b;c 1\n", 8));
	assert_true(folded__sniff("a;b;c 1 2\nd 3 4\n", 16));
	assert_true(folded__sniff("\n\na 1", 5));
	assert_true(folded__sniff("a 1\r\nb 2\r\n", 10));
	/* a NUL inside a name is hostile text, still folded */
	assert_true(folded__sniff("main;a\0b 1\n", 11));
	assert_true(sniff_file("data/folded/simple.folded"));
	assert_true(sniff_file("data/folded/kinds.folded"));
	assert_true(sniff_file("data/folded/differential.folded"));

	assert_false(folded__sniff("", 0));
	assert_false(folded__sniff("\n\n", 2));
	assert_false(folded__sniff("a;b;c\n", 6));
	assert_false(folded__sniff("a 1\nnot folded\n", 15));
	assert_false(folded__sniff("# comment 1\n", 12));
	assert_false(folded__sniff(gz, sizeof(gz) - 1));
	assert_false(sniff_file("data/perfscript/default.txt"));
	assert_false(sniff_file("data/perfscript/header.txt"));
	assert_false(sniff_file("data/perfscript/ip-sym.txt"));
	assert_false(sniff_file("data/perfscript/no-callchain.txt"));
	assert_false(sniff_file("data/perfscript/no-callchain-comm-tid-ip.txt"));
}

/* Issue 12, point 7: names ending like a suffix survive any number of round trips. */
static void test_suffix_names_round_trip(void **state)
{
	static const char text[] = "a;b_[w]_[w] 1\na;x_[k]_[w];y_[j]_[w] 2\na;k_[k]_[k] 3\n";
	struct profile *p = parsed(text), *q;
	char *out, *out2;
	size_t n, n2;
	int round;

	(void)state;
	/* the reader drops one "_[w]" and keeps the rest of the name */
	assert_string_equal(line_name(p, profile__sample_loc(p, 0, 0), 0), "b_[w]");
	assert_string_equal(line_name(p, profile__sample_loc(p, 1, 1), 0), "x_[k]");
	out = write_default(p, &n);
	assert_int_equal(n, sizeof(text) - 1);
	assert_memory_equal(out, text, n);
	for (round = 0; round < 3; round++) {
		q = parsed(out);
		out2 = write_default(q, &n2);
		assert_int_equal(n2, n);
		assert_memory_equal(out2, out, n);
		free(out2);
		profile__free(q);
	}
	free(out);
	profile__free(p);
}

/* Issue 12, point 8: names from pprof with NUL or CR bytes cannot break folded lines. */
static void test_names_with_nul_and_cr(void **state)
{
	struct profile *p = profile__new();
	struct function f = {0};
	struct line l = {0};
	uint64_t loc;
	int64_t v = 5;
	char *out;

	(void)state;
	assert_true(profile__add_sample_type(p, "samples", "count") >= 0);
	f.name = (uint32_t)profile__intern(p, "a\0b\rc\nd;e", 9);
	l.function_id = (uint64_t)profile__intern_function(p, &f);
	loc = (uint64_t)profile__intern_location(p, 0, 0x10, &l, 1);
	assert_int_equal(profile__add_sample(p, &loc, 1, &v, NULL, 0), 0);
	out = write_str(p, 0, -1, NULL);
	assert_string_equal(out, "a?b c d:e 5\n");
	free(out);
	profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_simple),
		cmocka_unit_test(test_parse_differential),
		cmocka_unit_test(test_parse_suffixes),
		cmocka_unit_test(test_interpreted_round_trip),
		cmocka_unit_test(test_parse_inline),
		cmocka_unit_test(test_parse_bad_lines),
		cmocka_unit_test(test_parse_counts),
		cmocka_unit_test(test_parse_no_lines),
		cmocka_unit_test(test_parse_line_endings),
		cmocka_unit_test(test_parse_empty_stack),
		cmocka_unit_test(test_parse_into_existing_types),
		cmocka_unit_test(test_parse_column_detection),
		cmocka_unit_test(test_parse_appends),
		cmocka_unit_test(test_parse_hostile),
		cmocka_unit_test(test_roundtrip_files),
		cmocka_unit_test(test_prefix_reuse_matches_line_by_line),
		cmocka_unit_test(test_prefix_reuse_edges),
		cmocka_unit_test(test_write_merges_and_omits),
		cmocka_unit_test(test_write_two_columns),
		cmocka_unit_test(test_write_overflow),
		cmocka_unit_test(test_write_from_model),
		cmocka_unit_test(test_write_matches_naive_merge),
		cmocka_unit_test(test_write_merges_empty_stacks),
		cmocka_unit_test(test_unit_header_round_trip),
		cmocka_unit_test(test_default_is_the_types_own_count),
		cmocka_unit_test(test_unit_header_is_exact),
		cmocka_unit_test(test_write_errors),
		cmocka_unit_test(test_write_empty_profile),
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_suffix_names_round_trip),
		cmocka_unit_test(test_names_with_nul_and_cr),
	};

	return cmocka_run_group_tests_name("folded", tests, NULL, NULL);
}
