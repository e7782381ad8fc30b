// SPDX-License-Identifier: MIT
#include "test.h"

#include <errno.h>

#include "folded.h"
#include "perfscript.h"
#include "profile.h"

/* ---- helpers ---- */

static struct profile *parse_file(const char *path)
{
	struct flame_err err = {{0}};
	struct profile *p = profile__new();
	size_t len;
	char *text = test_read_file(path, &len);
	int ret;

	assert_non_null(p);
	ret = perfscript__parse(p, text, len, &err);
	if (ret)
		fail_msg("%s: %d %s", path, ret, err.msg);
	if (profile__validate(p, &err))
		fail_msg("%s: invalid profile: %s", path, err.msg);
	free(text);
	return p;
}

static struct profile *parse_text(const char *text, size_t len)
{
	struct flame_err err = {{0}};
	struct profile *p = profile__new();

	assert_non_null(p);
	if (perfscript__parse(p, text, len, &err))
		fail_msg("parse failed: %s", err.msg);
	assert_int_equal(profile__validate(p, &err), 0);
	return p;
}

static char *folded_str(const struct profile *p)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	assert_non_null(f);
	assert_int_equal(folded__write(p, 0, -1, f), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static const struct location *frame_loc(const struct profile *p, size_t si, uint32_t k)
{
	assert_true(si < p->samples.len);
	assert_true(k < p->samples.data[si].nlocs);
	return profile__location(p, profile__sample_loc(p, si, k));
}

static const char *line_name(const struct profile *p, const struct location *loc, uint32_t i)
{
	assert_true(i < loc->nlines);
	return profile__str(
		p, profile__function(p, profile__location_lines(p, loc)[i].function_id)->name);
}

/* Sample si's frame k (leaf first): its function name. */
static const char *frame_name(const struct profile *p, size_t si, uint32_t k)
{
	return line_name(p, frame_loc(p, si, k), 0);
}

static const char *frame_dso(const struct profile *p, size_t si, uint32_t k)
{
	const struct mapping *m = profile__mapping(p, frame_loc(p, si, k)->mapping_id);

	return m ? profile__str(p, m->filename) : NULL;
}

static const struct label *find_label(const struct profile *p, size_t si, const char *key)
{
	const struct label *l = profile__sample_labels(p, si);
	uint32_t i;

	for (i = 0; i < p->samples.data[si].nlabels; i++)
		if (!strcmp(profile__str(p, l[i].key), key))
			return &l[i];
	return NULL;
}

static void assert_comm(const struct profile *p, size_t si, const char *comm)
{
	const struct label *l = find_label(p, si, "comm");

	assert_non_null(l);
	assert_string_equal(profile__str(p, l->str), comm);
}

static void assert_num_label(const struct profile *p, size_t si, const char *key, int64_t v)
{
	const struct label *l = find_label(p, si, key);

	if (!l)
		fail_msg("sample %zu has no label %s", si, key);
	assert_int_equal(l->str, 0);
	assert_int_equal(l->num, v);
}

static bool has_mapping(const struct profile *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->mappings.len; i++)
		if (!strcmp(profile__str(p, p->mappings.data[i].filename), name))
			return true;
	return false;
}

/* Every mapping names a different dso. */
static void assert_mappings_distinct(const struct profile *p)
{
	size_t i, j;

	for (i = 0; i < p->mappings.len; i++)
		for (j = i + 1; j < p->mappings.len; j++)
			assert_int_not_equal(p->mappings.data[i].filename,
					     p->mappings.data[j].filename);
}

/* No function keeps perf's "+0x..." offset. */
static void assert_no_offsets(const struct profile *p)
{
	size_t i;

	for (i = 0; i < p->functions.len; i++)
		if (strstr(profile__str(p, p->functions.data[i].name), "+0x"))
			fail_msg("function '%s' kept its offset",
				 profile__str(p, p->functions.data[i].name));
}

/* ---- recorded files ---- */

static void test_default_fields(void **state)
{
	struct profile *p = parse_file("data/perfscript/default.txt");
	size_t len;
	char *golden = test_read_file("data/perfscript/default.folded", &len), *out;

	(void)state;
	/* the header shows each sample's period: a second column sums it, and is the default */
	assert_int_equal(p->sample_types.len, 2);
	assert_string_equal(profile__str(p, p->sample_types.data[0].type), "samples");
	assert_string_equal(profile__str(p, p->sample_types.data[0].unit), "count");
	assert_string_equal(profile__str(p, p->sample_types.data[1].type), "cpu-clock");
	assert_string_equal(profile__str(p, p->sample_types.data[1].unit), "nanoseconds");
	assert_int_equal(profile__default_sample_type(p), 1);
	assert_int_equal(p->samples.len, 9);
	assert_int_equal(profile__total(p, 0), 9);
	assert_int_equal(profile__total(p, 1), 9 * 1001001);
	assert_int_equal(p->quality.bad_lines, 0);
	assert_int_equal(p->quality.unknown_frames, 5);
	/* "work  6067   979.336072: ...": a lone number is the tid */
	assert_comm(p, 0, "work");
	assert_num_label(p, 0, "tid", 6067);
	assert_null(find_label(p, 0, "pid"));
	/* leaf first, offsets stripped, the ip as the address, the dso as the mapping */
	assert_int_equal(p->samples.data[0].nlocs, 4);
	assert_string_equal(frame_name(p, 0, 0), "_dl_map_object_from_fd");
	assert_int_equal(frame_loc(p, 0, 0)->address, 0x6df9);
	assert_string_equal(frame_dso(p, 0, 0), "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
	assert_string_equal(frame_name(p, 0, 2), "[unknown]");
	assert_string_equal(frame_dso(p, 0, 2), "[unknown]");
	assert_int_equal(frame_loc(p, 0, 2)->address, 0x7f2d9dfa38a8ULL);
	assert_int_equal(frame_loc(p, 0, 3)->address, 0);
	/* kernel frames */
	assert_string_equal(frame_name(p, 1, 0), "pvm_irq_enable");
	assert_string_equal(frame_dso(p, 1, 0), "[kernel.kallsyms]");
	assert_int_equal(frame_loc(p, 1, 0)->address, 0xffffffff8225f2d9ULL);
	/* a comm with a space; C++ names with spaces, templates and parentheses */
	assert_comm(p, 4, "Web Content");
	assert_num_label(p, 4, "tid", 6069);
	assert_string_equal(frame_name(p, 4, 0), "app::crunch<int, long>");
	assert_string_equal(frame_name(p, 4, 1), "app::Worker::operator()");
	assert_string_equal(frame_name(p, 4, 2), "std::thread::_State_impl<std::thread::_Invoker<"
						 "std::tuple<main::{lambda()#1}> > >::_M_run");
	assert_no_offsets(p);
	assert_int_equal(p->mappings.len, 6);
	assert_mappings_distinct(p);
	/* the same frame line is the same location */
	assert_int_equal(profile__sample_loc(p, 4, 1), profile__sample_loc(p, 5, 1));

	out = folded_str(p);
	assert_string_equal(out, golden);
	free(out);
	free(golden);
	profile__free(p);
}

static void test_system_wide(void **state)
{
	struct profile *p = parse_file("data/perfscript/system-wide.txt");

	(void)state;
	assert_int_equal(p->samples.len, 27);
	assert_int_equal(p->quality.bad_lines, 0);
	assert_int_equal(p->quality.unknown_frames, 31);
	/* "rcu_preempt    15 [000]  1734.253607:": cpu field after the tid */
	assert_comm(p, 6, "rcu_preempt");
	assert_num_label(p, 6, "tid", 15);
	assert_comm(p, 13, "memfd:sealed-91");
	assert_num_label(p, 13, "tid", 4524);
	/* a dso with parentheses in its name */
	assert_string_equal(frame_dso(p, 13, 0), "/memfd:sealed-91173221a7ea (deleted)");
	assert_comm(p, 19, "kdamond.0");
	assert_int_equal(p->mappings.len, 10);
	assert_mappings_distinct(p);
	assert_true(has_mapping(p, "/usr/lib/gcc/x86_64-linux-gnu/12/cc1"));
	assert_no_offsets(p);
	profile__free(p);
}

static void test_fields_option(void **state)
{
	/* -F comm,pid,tid,time,event,ip,sym,dso of the same recording as default.txt */
	struct profile *p = parse_file("data/perfscript/fields.txt");
	struct profile *d = parse_file("data/perfscript/default.txt");
	char *a, *b;

	(void)state;
	assert_int_equal(p->samples.len, 9);
	assert_comm(p, 0, "work");
	assert_num_label(p, 0, "pid", 6067);
	assert_num_label(p, 0, "tid", 6067);
	assert_comm(p, 4, "Web Content");
	assert_num_label(p, 4, "pid", 6067);
	assert_num_label(p, 4, "tid", 6069);
	/* without offsets the frames are the same as the default output's */
	a = folded_str(p);
	b = folded_str(d);
	assert_string_equal(a, b);
	assert_int_equal(p->locations.len, d->locations.len);
	free(a);
	free(b);
	profile__free(p);
	profile__free(d);
}

static void test_header_comments(void **state)
{
	struct profile *p = parse_file("data/perfscript/header.txt");

	(void)state;
	assert_int_equal(p->samples.len, 1);
	assert_int_equal(p->quality.bad_lines, 0);
	assert_comm(p, 0, "sleep");
	assert_num_label(p, 0, "tid", 6093);
	assert_string_equal(frame_name(p, 0, 0), "_nl_intern_locale_data");
	profile__free(p);
}

static void test_ip_sym_only(void **state)
{
	/* -F ip,sym: no header line at all, samples end at blank lines */
	struct profile *p = parse_file("data/perfscript/ip-sym.txt");
	size_t i;

	(void)state;
	assert_int_equal(p->samples.len, 8);
	assert_int_equal(p->quality.bad_lines, 0);
	assert_int_equal(p->mappings.len, 0);
	for (i = 0; i < p->samples.len; i++)
		assert_int_equal(p->samples.data[i].nlabels, 0);
	assert_int_equal(p->samples.data[0].nlocs, 4);
	assert_string_equal(frame_name(p, 0, 0), "_dl_map_object_from_fd");
	assert_string_equal(frame_name(p, 0, 3), "[unknown]");
	assert_int_equal(frame_loc(p, 0, 0)->address, 0x6df9);
	assert_string_equal(frame_name(p, 1, 0), "pvm_irq_enable");
	assert_int_equal(p->samples.data[1].nlocs, 8);
	profile__free(p);
}

static void test_no_callchain(void **state)
{
	struct profile *p = parse_file("data/perfscript/no-callchain.txt");
	size_t i;

	(void)state;
	assert_int_equal(p->samples.len, 16);
	for (i = 0; i < p->samples.len; i++)
		assert_int_equal(p->samples.data[i].nlocs, 1);
	/* "work  6122   985.807859:    1001001 cpu-clock:ppp:      7f68fc880e18 dl_main+0xe58
	 * (...)" */
	assert_comm(p, 0, "work");
	assert_num_label(p, 0, "tid", 6122);
	assert_string_equal(frame_name(p, 0, 0), "dl_main");
	assert_int_equal(frame_loc(p, 0, 0)->address, 0x7f68fc880e18ULL);
	assert_string_equal(frame_dso(p, 0, 0), "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
	assert_string_equal(frame_name(p, 3, 0), "pvm_irq_enable");
	assert_string_equal(frame_dso(p, 3, 0), "[kernel.kallsyms]");
	assert_comm(p, 6, "Web Content");
	assert_num_label(p, 6, "tid", 6124);
	assert_string_equal(frame_name(p, 6, 0), "app::crunch<int, long>");
	assert_no_offsets(p);
	profile__free(p);

	/* -F ip,sym without callchains: every line is a sample of one frame */
	p = parse_file("data/perfscript/no-callchain-ip-sym.txt");
	assert_int_equal(p->samples.len, 8);
	assert_int_equal(p->samples.data[0].nlabels, 0);
	assert_string_equal(frame_name(p, 0, 0), "dl_main");
	assert_int_equal(frame_loc(p, 0, 0)->address, 0x7f68fc880e18ULL);
	assert_string_equal(frame_name(p, 7, 0), "app::crunch<int, long>");
	profile__free(p);

	/* -F comm,tid,ip: no symbol, so "[unknown]" at that address */
	p = parse_file("data/perfscript/no-callchain-comm-tid-ip.txt");
	assert_int_equal(p->samples.len, 6);
	assert_comm(p, 0, "work");
	assert_num_label(p, 0, "tid", 6122);
	assert_string_equal(frame_name(p, 0, 0), "[unknown]");
	assert_int_equal(frame_loc(p, 0, 0)->address, 0x7f68fc880e18ULL);
	assert_int_equal(p->quality.unknown_frames, 6);
	profile__free(p);
}

/* ---- hand-written shapes ---- */

static void test_edge_shapes(void **state)
{
	struct profile *p = parse_file("data/perfscript/edge.txt");
	const struct location *loc;

	(void)state;
	assert_int_equal(p->samples.len, 4);
	assert_int_equal(p->quality.bad_lines, 1); /* "not-an-ip garbage frame line" */
	assert_int_equal(p->quality.unknown_frames, 1);

	/* "Thread 2  4242/4243 [001] ...": a comm with a number in it */
	assert_comm(p, 0, "Thread 2");
	assert_num_label(p, 0, "pid", 4242);
	assert_num_label(p, 0, "tid", 4243);
	/* inlined frames join their caller's location; the srcline is skipped */
	assert_int_equal(p->samples.data[0].nlocs, 3);
	assert_string_equal(frame_name(p, 0, 0), "entry_SYSCALL_64_after_hwframe");
	loc = frame_loc(p, 0, 1);
	assert_int_equal(loc->nlines, 3);
	assert_string_equal(line_name(p, loc, 0), "inline_leaf");
	assert_string_equal(line_name(p, loc, 1), "inline_mid");
	assert_string_equal(line_name(p, loc, 2), "outer_fn");
	assert_int_equal(loc->address, 0x7f0000001000ULL);
	assert_string_equal(frame_dso(p, 0, 1), "/usr/lib/libdemo.so");
	assert_string_equal(frame_name(p, 0, 2), "main");

	/* a tracepoint header: its trace data is not a frame */
	assert_comm(p, 1, "python3");
	assert_num_label(p, 1, "tid", 4244);
	assert_int_equal(p->samples.data[1].nlocs, 4);
	assert_string_equal(frame_name(p, 1, 1), "operator new(unsigned long)");
	assert_string_equal(frame_name(p, 1, 2),
			    "(anonymous namespace)::pool::allocate(unsigned long)");
	assert_string_equal(frame_dso(p, 1, 2), "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30");
	assert_string_equal(frame_name(p, 1, 3), "Foo<int>::operator()(int) const");
	assert_string_equal(frame_dso(p, 1, 3), "/memfd:doublemapper (deleted)");

	/* the bad frame line is skipped, the rest of the stack kept */
	assert_int_equal(p->samples.data[2].nlocs, 3);
	assert_string_equal(frame_name(p, 2, 1), "LFoo;.bar(I)V");
	assert_string_equal(frame_dso(p, 2, 1), "/tmp/perf-4245.map");

	/* no callchain, no symbol: one frame named after the comm */
	assert_comm(p, 3, "kworker/0:1-events");
	assert_num_label(p, 3, "tid", 77);
	assert_int_equal(p->samples.data[3].nlocs, 1);
	assert_string_equal(frame_name(p, 3, 0), "kworker/0:1-events");
	assert_null(frame_dso(p, 3, 0));
	profile__free(p);
}

static void test_inlined_without_caller(void **state)
{
	static const char text[] = "app 1 1.0: cpu-clock:\n"
				   "\t1000 leaf (inlined)\n"
				   "\t1000 mid (inlined)\n"
				   "\n"
				   "app 1 2.0: cpu-clock:\n"
				   "\t1000 leaf (inlined)\n"
				   "\t1000 caller+0x4 (/bin/app)\n";
	struct profile *p = parse_text(text, sizeof(text) - 1);
	const struct location *loc;

	(void)state;
	assert_int_equal(p->samples.len, 2);
	loc = frame_loc(p, 0, 0);
	assert_int_equal(p->samples.data[0].nlocs, 1);
	assert_int_equal(loc->nlines, 2);
	assert_string_equal(line_name(p, loc, 0), "leaf");
	assert_string_equal(line_name(p, loc, 1), "mid");
	assert_int_equal(loc->mapping_id, 0);
	loc = frame_loc(p, 1, 0);
	assert_int_equal(loc->nlines, 2);
	assert_string_equal(line_name(p, loc, 1), "caller");
	assert_int_equal(loc->address, 0x1000);
	assert_string_equal(frame_dso(p, 1, 0), "/bin/app");
	profile__free(p);
}

static void test_line_endings_and_symbols(void **state)
{
	static const char text[] = "app 12/34 [001] 5.5: cpu-clock:\r\n"
				   "\t  ffff sym+0x1f (/lib/x.so)\r\n"
				   "\t  eeee +0x10 (/lib/x.so)\r\n"
				   "\t  dddd a+b+0x (/lib/x.so)\r\n"
				   "\t  cccc name+0xZZ\r\n"
				   "\t  bbbb f(int) (/lib/y (deleted))\r\n"
				   "\t  aaaa\r\n"
				   "\r\n";
	struct profile *p = parse_text(text, sizeof(text) - 1);

	(void)state;
	assert_int_equal(p->samples.len, 1);
	assert_num_label(p, 0, "pid", 12);
	assert_num_label(p, 0, "tid", 34);
	assert_int_equal(p->samples.data[0].nlocs, 6);
	assert_string_equal(frame_name(p, 0, 0), "sym");
	assert_string_equal(frame_name(p, 0, 1), "+0x10"); /* nothing before the offset */
	assert_string_equal(frame_name(p, 0, 2), "a+b+0x");
	assert_string_equal(frame_name(p, 0, 3), "name+0xZZ");
	assert_null(frame_dso(p, 0, 3));
	assert_string_equal(frame_name(p, 0, 4), "f(int)");
	assert_string_equal(frame_dso(p, 0, 4), "/lib/y (deleted)");
	assert_string_equal(frame_name(p, 0, 5), "[unknown]"); /* an ip with no symbol */
	assert_int_equal(frame_loc(p, 0, 5)->address, 0xaaaa);
	assert_int_equal(p->mappings.len, 2);
	profile__free(p);
}

static void test_bad_records(void **state)
{
	struct flame_err err = {{0}};
	struct profile *p = profile__new();
	static const char words[] = "just some words\nand more words\n";
	static const char mixed[] = "just some words\n"
				    "\t12345678901234567 toolong (/x)\n"
				    "app 5 1.0: cpu-clock:\n"
				    "\tzz notanip (/x)\n"
				    "\t10 ok (/x)\n";

	(void)state;
	assert_int_equal(perfscript__parse(p, "", 0, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "perf script: no samples found"));
	assert_int_equal(p->sample_types.len, 0); /* left as it came */
	assert_int_equal(perfscript__parse(p, words, sizeof(words) - 1, &err), -EINVAL);
	assert_int_equal(p->quality.bad_lines, 2);
	assert_int_equal(perfscript__parse(p, "# only a comment\n", 17, NULL), -EINVAL);
	profile__free(p);

	/* "just some words" followed by a frame: -F comm with a callchain */
	p = parse_text(mixed, sizeof(mixed) - 1);
	assert_int_equal(p->samples.len, 1);
	assert_int_equal(p->quality.bad_lines, 3);
	assert_comm(p, 0, "app");
	assert_string_equal(frame_name(p, 0, 0), "ok");
	profile__free(p);
}

/* ---- what the samples mean: source lines, periods, unknown frames ---- */

/* The same text with every line starting with two spaces (perf's srcline lines) left out. */
static char *without_srclines(const char *text)
{
	char *out = malloc(strlen(text) + 1), *o = out;
	const char *s = text;

	assert_non_null(out);
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) + 1 : strlen(s);

		if (strncmp(s, "  ", 2) || s[2] == ' ')
			memcpy(o, s, n), o += n;
		s += n;
	}
	*o = '\0';
	return out;
}

/* Recorded with perf script -F +srcline: "  [kernel.kallsyms][ffff...]", "  file.c:62", ":0". */
static void test_srcline_lines_are_not_samples(void **state)
{
	size_t len;
	char *text = test_read_file("data/perfscript/srcline.txt", &len);
	char *plain = without_srclines(text), *a, *b;
	struct profile *p = parse_text(text, len), *q = parse_text(plain, strlen(plain));

	(void)state;
	assert_true(strlen(plain) < len); /* there were source lines to leave out */
	assert_int_equal(p->samples.len, 3);
	assert_int_equal(p->quality.bad_lines, 0);
	assert_int_equal(p->samples.data[0].nlocs, 16); /* kernel, then munmap, dl start */
	assert_string_equal(frame_name(p, 2, 0), "pvm_irq_enable");
	assert_int_equal(p->sample_locs.len, 28); /* every "\t ip sym (dso)" line, no more */
	a = folded_str(p);
	b = folded_str(q);
	assert_string_equal(a, b);
	free(a);
	free(b);
	free(plain);
	free(text);
	profile__free(p);
	profile__free(q);
}

/* Inside a callchain an indented line is a frame or a source line; anything else is a bad line. */
static void test_indented_junk_in_a_chain_is_a_bad_line(void **state)
{
	static const char text[] = "w 7 1.0: 1 e:\n"
				   "\t10 f (/bin/w)\n"
				   "  not a source line at all\n"
				   "  /src/dir with space/w.c:12\n"
				   "  w[1f]\n"
				   "\t20 main (/bin/w)\n\n";
	struct profile *p = parse_text(text, sizeof(text) - 1);

	(void)state;
	assert_int_equal(p->samples.len, 1);
	assert_int_equal(p->samples.data[0].nlocs, 2);
	assert_int_equal(p->quality.bad_lines, 1);
	profile__free(p);
}

/* Two samples of periods 1,000,000 and 9,000,000 weigh 10% and 90%, as in perf report. */
static void test_period_weighs_samples(void **state)
{
	static const char text[] = "app 10/11 [001] 1.000001: 1000000 cycles:P:\n"
				   "\t401000 light (/bin/app)\n"
				   "\t401100 main (/bin/app)\n\n"
				   "app 10/11 [001] 1.000002: 9000000 cycles:P:\n"
				   "\t401200 heavy (/bin/app)\n"
				   "\t401100 main (/bin/app)\n\n";
	struct profile *p = parse_text(text, sizeof(text) - 1);
	char *out;

	(void)state;
	assert_int_equal(p->sample_types.len, 2);
	assert_string_equal(profile__str(p, p->sample_types.data[1].type), "cycles");
	assert_string_equal(profile__str(p, p->sample_types.data[1].unit), "count");
	assert_int_equal(profile__default_sample_type(p), 1);
	assert_int_equal(profile__total(p, 0), 2);
	assert_int_equal(profile__total(p, 1), 10000000);
	assert_int_equal(profile__sample_values(p, 0)[1], 1000000);
	assert_int_equal(profile__sample_values(p, 1)[1], 9000000);
	/* the mean period, so that readers needing counts divide the column by it */
	assert_string_equal(profile__str(p, p->period_type.type), "cycles");
	assert_int_equal(p->period, 5000000);
	assert_num_label(p, 0, "pid", 10);
	assert_int_equal(p->comments.len, 0);
	out = folded_str(p); /* column 0: one sample each */
	assert_string_equal(out, "main;light 1\nmain;heavy 1\n");
	free(out);
	profile__free(p);
}

/* Without -F +period every sample counts 1, and the profile says so. */
static void test_no_period_counts_samples_and_says_so(void **state)
{
	static const char text[] = "app 11 1.000001: cpu-clock:\n\t401000 f (/bin/app)\n\n"
				   "app 11 1.000002: cpu-clock:\n\t401000 f (/bin/app)\n\n";
	struct profile *p = parse_text(text, sizeof(text) - 1);

	(void)state;
	assert_int_equal(p->sample_types.len, 1);
	assert_int_equal(profile__total(p, 0), 2);
	assert_int_equal(p->period, 0);
	assert_int_equal(p->comments.len, 1);
	assert_non_null(strstr(profile__str(p, p->comments.data[0]), "-F +period"));
	profile__free(p);
}

/* The event names a column: modifiers go, a tracepoint keeps its subsystem; clocks are ns. */
static void test_period_column_names(void **state)
{
	static const struct {
		const char *header, *type, *unit;
	} cases[] = {
		{"a 1 1.0: 250 cpu-clock:ppp:", "cpu-clock", "nanoseconds"},
		{"a 1 1.0: 250 task-clock:u:", "task-clock", "nanoseconds"},
		{"a 1 1.0: 1 sched:sched_switch:", "sched:sched_switch", "count"},
		{"a 1 [000] 1.0: 250", "period", "count"},
	};
	char text[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct profile *p;

		snprintf(text, sizeof(text), "%s\n\t10 f (/bin/a)\n\n", cases[i].header);
		p = parse_text(text, strlen(text));
		assert_int_equal(p->sample_types.len, 2);
		assert_string_equal(profile__str(p, p->sample_types.data[1].type), cases[i].type);
		assert_string_equal(profile__str(p, p->sample_types.data[1].unit), cases[i].unit);
		assert_int_equal(profile__total(p, 1),
				 strstr(cases[i].header, " 1 sched") ? 1 : 250);
		profile__free(p);
	}
}

/* "[unknown] (/usr/bin/python3.11)" keeps its module, as stackcollapse-perf does. */
static void test_unknown_frames_keep_their_module(void **state)
{
	static const char text[] = "py 5 1.0: 1 cpu-clock:\n"
				   "\t7f0000001000 [unknown] (/usr/bin/python3.11)\n"
				   "\t7f0000002000 [unknown] (/usr/lib/libz.so.1)\n"
				   "\tffffffff81000000 [unknown] ([kernel.kallsyms])\n"
				   "\t7f0000003000 [unknown] ([unknown])\n"
				   "\t7f0000004000 [unknown] (/usr/bin/python3.11)\n\n";
	struct profile *p = parse_text(text, sizeof(text) - 1);

	(void)state;
	assert_string_equal(frame_name(p, 0, 0), "[python3.11]");
	assert_string_equal(frame_name(p, 0, 1), "[libz.so.1]");
	assert_string_equal(frame_name(p, 0, 2), "[kernel.kallsyms]");
	assert_string_equal(frame_name(p, 0, 3), "[unknown]");
	assert_string_equal(frame_name(p, 0, 4), "[python3.11]");
	assert_int_equal(p->quality.unknown_frames, 5);
	/* one function per module, so report and flame graphs keep them apart */
	assert_int_equal(profile__location_lines(p, frame_loc(p, 0, 0))[0].function_id,
			 profile__location_lines(p, frame_loc(p, 0, 4))[0].function_id);
	assert_int_equal(profile__frame_kind(p, frame_loc(p, 0, 0),
					     profile__location_lines(p, frame_loc(p, 0, 0))),
			 FRAME_UNKNOWN);
	profile__free(p);
}

static void test_existing_profile(void **state)
{
	struct flame_err err = {{0}};
	struct profile *p = profile__new();
	static const char one[] = "a 1 1.0: e:\n\t10 f ([kernel.kallsyms])\n";
	static const char two[] = "b 2 2.0: e:\n\t20 g ([kernel.kallsyms])\n";
	static const char with_period[] = "b 2 2.0: 250000 cycles:u:\n\t20 g (/bin/b)\n";

	(void)state;
	/* a second file reuses the mappings of the first */
	assert_int_equal(perfscript__parse(p, one, sizeof(one) - 1, &err), 0);
	assert_int_equal(perfscript__parse(p, two, sizeof(two) - 1, &err), 0);
	assert_int_equal(p->samples.len, 2);
	assert_int_equal(p->sample_types.len, 1);
	assert_int_equal(p->mappings.len, 1);
	profile__free(p);

	/* a second file with periods adds to the period column of the first */
	p = profile__new();
	assert_int_equal(perfscript__parse(p, with_period, sizeof(with_period) - 1, &err), 0);
	assert_int_equal(perfscript__parse(p, with_period, sizeof(with_period) - 1, &err), 0);
	assert_int_equal(p->sample_types.len, 2);
	assert_int_equal(profile__total(p, 0), 2);
	assert_int_equal(profile__total(p, 1), 2 * 250000);
	profile__free(p);

	p = profile__new();
	assert_int_equal(profile__add_sample_type(p, "a", "count"), 0);
	assert_int_equal(profile__add_sample_type(p, "b", "count"), 1);
	assert_int_equal(profile__add_sample_type(p, "c", "count"), 2);
	assert_int_equal(perfscript__parse(p, one, sizeof(one) - 1, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "3 sample types"));
	profile__free(p);
}

static void test_hostile(void **state)
{
	static const char nul[] = "a\0b 1 1.0: e:\n\t10 f\0g (/x\0y)\n\t\0\n\n\0\0\0\n";
	size_t depth = 10000, big = 100000, n = 0, i;
	struct profile *p;
	char *text, *out;

	(void)state;
	p = parse_text(nul, sizeof(nul) - 1);
	assert_int_equal(p->samples.len, 1);
	assert_int_equal(strtab__strlen(&p->strings, find_label(p, 0, "comm")->str), 3);
	assert_int_equal(p->samples.data[0].nlocs, 1);
	out = folded_str(p);
	free(out);
	profile__free(p);

	/* a 100k-byte symbol, a 10k-deep callchain, a header with many tokens */
	text = malloc(big + depth * 32 + 4096);
	assert_non_null(text);
	n += (size_t)sprintf(text + n, "app");
	for (i = 0; i < 200; i++)
		n += (size_t)sprintf(text + n, " w%zu", i);
	n += (size_t)sprintf(text + n, " 7 1.5: cpu-clock:\n\t1 ");
	memset(text + n, 's', big);
	n += big;
	n += (size_t)sprintf(text + n, " (/lib)\n");
	for (i = 0; i < depth; i++)
		n += (size_t)sprintf(text + n, "\t%zx fn%zu (/lib)\n", i + 2, i % 100);
	p = parse_text(text, n);
	assert_int_equal(p->samples.len, 1);
	assert_int_equal(p->samples.data[0].nlocs, depth + 1);
	assert_int_equal(strtab__strlen(&p->strings, profile__function(p, 1)->name), big);
	out = folded_str(p);
	assert_true(strlen(out) > big + depth * 3);
	free(out);
	free(text);
	profile__free(p);
}

/* ---- sniffing ---- */

static bool sniff_file(const char *path, bool folded)
{
	size_t len;
	char *text = test_read_file(path, &len);
	bool r = folded ? folded__sniff(text, len) : perfscript__sniff(text, len);

	free(text);
	return r;
}

static void test_sniff(void **state)
{
	static const char *const files[] = {
		"data/perfscript/default.txt",
		"data/perfscript/system-wide.txt",
		"data/perfscript/fields.txt",
		"data/perfscript/header.txt",
		"data/perfscript/ip-sym.txt",
		"data/perfscript/no-callchain.txt",
		"data/perfscript/no-callchain-ip-sym.txt",
		"data/perfscript/edge.txt",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (!sniff_file(files[i], false))
			fail_msg("%s does not sniff as perf script", files[i]);
		if (sniff_file(files[i], true))
			fail_msg("%s sniffs as folded", files[i]);
	}
	assert_false(sniff_file("data/folded/simple.folded", false));
	assert_false(sniff_file("data/folded/kinds.folded", false));
	assert_false(perfscript__sniff("", 0));
	assert_false(perfscript__sniff("hello world\nthis is text\n", 25));
	assert_false(perfscript__sniff("\x1f\x8b\x08\x00", 4));
	assert_true(perfscript__sniff("app 1 1.0: cpu-clock:\n", 22));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_fields),
		cmocka_unit_test(test_system_wide),
		cmocka_unit_test(test_fields_option),
		cmocka_unit_test(test_header_comments),
		cmocka_unit_test(test_ip_sym_only),
		cmocka_unit_test(test_no_callchain),
		cmocka_unit_test(test_edge_shapes),
		cmocka_unit_test(test_inlined_without_caller),
		cmocka_unit_test(test_line_endings_and_symbols),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_srcline_lines_are_not_samples),
		cmocka_unit_test(test_indented_junk_in_a_chain_is_a_bad_line),
		cmocka_unit_test(test_period_weighs_samples),
		cmocka_unit_test(test_no_period_counts_samples_and_says_so),
		cmocka_unit_test(test_period_column_names),
		cmocka_unit_test(test_unknown_frames_keep_their_module),
		cmocka_unit_test(test_existing_profile),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_sniff),
	};

	return cmocka_run_group_tests_name("perfscript", tests, NULL, NULL);
}
