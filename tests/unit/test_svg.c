// SPDX-License-Identifier: MIT
#include "test.h"

#include <errno.h>
#include <unistd.h>

#include "folded.h"
#include "profile.h"
#include "svg.h"
#include "svg_script.h"

/* --- helpers ------------------------------------------------------------------------- */

struct out {
	char *buf;
	size_t len;
};

static int render_ret(const struct profile *p, const struct svg_opts *o, struct out *out,
		      struct flame_err *err)
{
	FILE *f;
	int ret;

	out->buf = NULL;
	out->len = 0;
	f = open_memstream(&out->buf, &out->len);
	assert_non_null(f);
	ret = svg__write(p, o, f, err);
	assert_int_equal(fclose(f), 0);
	return ret;
}

static struct out render(const struct profile *p, const struct svg_opts *o)
{
	struct flame_err err = {{0}};
	struct out out;
	int ret = render_ret(p, o, &out, &err);

	if (ret)
		fail_msg("svg__write: %d %s", ret, err.msg);
	return out;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0, len = strlen(needle);

	for (hay = strstr(hay, needle); hay; hay = strstr(hay + len, needle))
		n++;
	return n;
}

/* Frames drawn: each frame's <rect> follows its <title>. */
static size_t frames(const struct out *o)
{
	return count(o->buf, "</title><rect");
}

static struct profile *load_folded(const char *path)
{
	struct flame_err err = {{0}};
	struct profile *p = profile__new();
	size_t len, bad = 0;
	char *buf = test_read_file(path, &len);

	assert_non_null(p);
	if (folded__parse(p, buf, len, &bad, &err))
		fail_msg("%s: %s", path, err.msg);
	assert_int_equal(bad, 0);
	free(buf);
	return p;
}

static uint64_t location(struct profile *p, const char *name, size_t len)
{
	struct function f = {0};
	struct line l = {0};
	int64_t id;

	f.name = (uint32_t)profile__intern(p, name, len);
	f.system_name = f.name;
	id = profile__intern_function(p, &f);
	assert_true(id > 0);
	l.function_id = (uint64_t)id;
	id = profile__intern_location(p, 0, 0, &l, 1);
	assert_true(id > 0);
	return (uint64_t)id;
}

/* A sample "root;leaf" of one value column, names given with explicit lengths. */
static void sample2(struct profile *p, const char *root, size_t rlen, const char *leaf, size_t llen,
		    int64_t v)
{
	uint64_t locs[2];

	locs[1] = location(p, root, rlen);
	locs[0] = location(p, leaf, llen);
	assert_int_equal(profile__add_sample(p, locs, 2, &v, NULL, 0), 0);
}

static bool have_xmllint(void)
{
	return system("command -v xmllint >/dev/null 2>&1") == 0;
}

/* Is the document well-formed XML according to xmllint? */
static bool xml_ok(const struct out *o)
{
	char path[] = "/tmp/singe-test-svg-XXXXXX", cmd[128];
	int fd = mkstemp(path), ret;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, o->buf, o->len), (ssize_t)o->len);
	close(fd);
	snprintf(cmd, sizeof(cmd), "xmllint --noout %s", path);
	ret = system(cmd);
	unlink(path);
	return ret == 0;
}

static bool in_list(const char *s, size_t len, const char *const *list)
{
	for (; *list; list++)
		if (strlen(*list) == len && !memcmp(*list, s, len))
			return true;
	return false;
}

static size_t name_len(const char *s)
{
	size_t n = 0;

	while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
	       (s[n] >= '0' && s[n] <= '9') || s[n] == '-' || s[n] == ':')
		n++;
	return n;
}

/*
 * Scan every tag of the document: only the elements and attributes the writer emits may
 * appear, the only event handler is the <svg> element's onload, attribute values hold no
 * '<', and the only CDATA section is the script's. Returns the number of <script> elements.
 */
static int check_markup(const struct out *o)
{
	static const char *const elements[] = {"svg",  "title", "desc",	  "defs", "linearGradient",
					       "stop", "style", "script", "rect", "text",
					       "g",    NULL};
	static const char *const attrs[] = {
		"version",
		"width",
		"height",
		"viewBox",
		"xmlns",
		"onload",
		"id",
		"x1",
		"x2",
		"y1",
		"y2",
		"stop-color",
		"offset",
		"type",
		"x",
		"y",
		"fill",
		"class",
		"text-anchor",
		"stroke-dasharray",
		"data-width",
		"data-xpad",
		"data-frameheight",
		"data-fontsize",
		"data-fontwidth",
		NULL,
	};
	const char *s = o->buf, *end = o->buf + o->len, *e, *v;
	int scripts = 0, cdata = 0;
	bool in_script = false;
	size_t n;

	while ((s = memchr(s, '<', (size_t)(end - s)))) {
		if (!strncmp(s, "<![CDATA[", 9)) {
			assert_true(in_script);
			cdata++;
			s = strstr(s, "]]>");
			assert_non_null(s);
			continue;
		}
		if (!strncmp(s, "<?xml ", 6)) {
			assert_true(s == o->buf);
			s = strstr(s, "?>");
			assert_non_null(s);
			continue;
		}
		if (s[1] == '/') {
			n = name_len(s + 2);
			if (!in_list(s + 2, n, elements))
				fail_msg("unexpected closing tag %.40s", s);
			if (n == 6 && !memcmp(s + 2, "script", 6))
				in_script = false;
			s += 2 + n;
			assert_true(*s == '>');
			continue;
		}
		n = name_len(s + 1);
		if (!in_list(s + 1, n, elements))
			fail_msg("unexpected element %.40s", s);
		if (n == 6 && !memcmp(s + 1, "script", 6)) {
			scripts++;
			in_script = true;
		}
		e = s + 1;
		s += 1 + n;
		for (;;) {
			while (*s == ' ' || *s == '\n')
				s++;
			if (*s == '>' || !strncmp(s, "/>", 2))
				break;
			n = name_len(s);
			if (!in_list(s, n, attrs))
				fail_msg("unexpected attribute %.40s", s);
			if (n == 6 && !memcmp(s, "onload", 6))
				assert_true(!strncmp(e, "svg ", 4));
			s += n;
			assert_true(s[0] == '=' && s[1] == '"');
			for (s += 2, v = s; *s != '"'; s++)
				assert_true(*s != '<' && s < end);
			/* no attribute value can be a script URL */
			assert_null(memmem(v, (size_t)(s - v), "javascript:", 11));
			s++;
		}
	}
	assert_true(cdata == scripts);
	return scripts;
}

static void golden(const char *name, const struct profile *p, const struct svg_opts *o)
{
	char path[256];
	struct out out = render(p, o);
	char *want;
	size_t len;

	snprintf(path, sizeof(path), "data/svg/%s.svg", name);
	if (getenv("SINGE_REGEN")) {
		FILE *f = fopen(path, "wb");

		assert_non_null(f);
		assert_int_equal(fwrite(out.buf, 1, out.len, f), out.len);
		assert_int_equal(fclose(f), 0);
	}
	want = test_read_file(path, &len);
	if (len != out.len || memcmp(want, out.buf, len)) {
		fprintf(stderr,
			"%s differs from the rendered SVG (%zu vs %zu bytes); "
			"run tests/data/regen.sh if the change is intended\n",
			path, len, out.len);
		fail();
	}
	if (have_xmllint())
		assert_true(xml_ok(&out));
	check_markup(&out);
	free(want);
	free(out.buf);
}

/* --- golden files -------------------------------------------------------------------- */

static void test_golden(void **state)
{
	struct profile *p = load_folded("data/svg/simple.folded");
	struct profile *d = load_folded("data/svg/diff.folded");
	struct svg_opts o;

	(void)state;
	svg_opts__init(&o);
	golden("simple", p, &o);

	svg_opts__init(&o);
	o.inverted = true;
	o.title = "Icicle <&> \"test\"";
	o.subtitle = "subtitle: run 42";
	o.notes = "notes -- with <markup> & ]]>";
	o.width = 800;
	o.frame_height = 20;
	o.fontsize = 10;
	golden("simple-inverted", p, &o);

	svg_opts__init(&o);
	o.reverse = true;
	o.sort_by_size = true;
	o.colors = PALETTE_HOT;
	o.countname = "ticks";
	golden("simple-reverse-hot", p, &o);

	svg_opts__init(&o);
	o.no_js = true;
	o.colors = PALETTE_MEM;
	o.minwidth = 5;
	o.minwidth_is_percent = true;
	golden("simple-nojs-mem", p, &o);

	svg_opts__init(&o);
	golden("diff", d, &o);
	profile__free(p);
	profile__free(d);

	/* the browser test's fallback when ./singe is not built */
	p = load_folded("data/svg/hostile.folded");
	svg_opts__init(&o);
	golden("hostile", p, &o);
	profile__free(p);
}

/* The embedded script is the checked-in svg_script.js, byte for byte. */
static void test_script_matches_source(void **state)
{
	size_t len;
	char *js = test_read_file("../flame/svg_script.js", &len);

	(void)state;
	assert_int_equal(len, strlen(svg_script));
	assert_memory_equal(js, svg_script, len);
	assert_null(strstr(svg_script, "]]>"));
	assert_null(strstr(svg_script, "innerHTML"));
	assert_null(strstr(svg_script, "eval("));
	free(js);
}

/* --- behaviour ----------------------------------------------------------------------- */

static void test_deterministic(void **state)
{
	struct profile *p = load_folded("data/svg/simple.folded");
	struct svg_opts o;
	struct out a, b;

	(void)state;
	svg_opts__init(&o);
	a = render(p, &o);
	b = render(p, &o);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.buf, b.buf, a.len);
	free(a.buf);
	free(b.buf);
	profile__free(p);
}

static void test_structure(void **state)
{
	struct profile *p = load_folded("data/svg/simple.folded");
	struct svg_opts o;
	struct out out;

	(void)state;
	svg_opts__init(&o);
	out = render(p, &o);
	assert_int_equal(count(out.buf, "<script"), 1);
	assert_int_equal(count(out.buf, "onload="), 1);
	assert_int_equal(count(out.buf, "<![CDATA["), 1);
	assert_int_equal(count(out.buf, "]]>"), 1);
	/* all, main, parse, read_token, memchr, render, draw_frame, 2 kernel, compute,
	 * inline_helper, push_back, idle, mallocgc, [unknown], long name */
	assert_int_equal(frames(&out), 16);
	assert_non_null(strstr(out.buf, "<title>all\n145 samples, 100.00%</title>"));
	assert_non_null(strstr(out.buf, "<title>read_token\n40 samples, 27.59%, self 30 samples"));
	/* C++ names are escaped in titles and labels */
	assert_non_null(strstr(out.buf, "std::vector&lt;int&gt;::push_back"));
	/* inlined frames: marked in the tooltip and the class */
	assert_non_null(
		strstr(out.buf, "<g class=\"i\"><title>inline_helper\ninlined, 25 samples"));
	/* the legend names what the auto palette saw */
	assert_non_null(strstr(out.buf, ">native</text>"));
	assert_non_null(strstr(out.buf, ">kernel</text>"));
	assert_non_null(strstr(out.buf, ">Go</text>"));
	assert_non_null(strstr(out.buf, ">unknown</text>"));
	assert_non_null(strstr(out.buf, ">inlined (lighter, dashed)</text>"));
	assert_null(strstr(out.buf, ">JIT</text>"));
	/* the long name (48.8 px: 6 characters fit) is cut with "..", its title keeps it whole */
	assert_non_null(strstr(out.buf, ">a_fu..</text>"));
	assert_non_null(strstr(out.buf, "<title>a_function_with_a_rather_long_name_that_will_not_"
					"fit_in_its_frame_at_all\n"));
	/* default title, controls, details line */
	assert_non_null(
		strstr(out.buf, "<text id=\"title\" x=\"600\" y=\"24\">Flame Graph</text>"));
	assert_non_null(strstr(out.buf, "id=\"unzoom\""));
	assert_non_null(strstr(out.buf, "id=\"search\""));
	assert_non_null(strstr(out.buf, "id=\"ignorecase\""));
	assert_non_null(strstr(out.buf, "id=\"details\""));
	assert_non_null(strstr(out.buf, "id=\"matched\""));
	free(out.buf);
	profile__free(p);
}

/* The y of the root frame and of a depth-2 frame. */
static void frame_y(const char *svg, const char *name, double *y)
{
	char needle[128];
	const char *s;

	snprintf(needle, sizeof(needle), "<title>%s\n", name);
	s = strstr(svg, needle);
	assert_non_null(s);
	s = strstr(s, " y=\"");
	assert_non_null(s);
	*y = strtod(s + 4, NULL);
}

static void test_options(void **state)
{
	struct profile *p = load_folded("data/svg/simple.folded");
	struct svg_opts o;
	struct out out;
	double yroot, yparse;

	(void)state;
	/* a flame graph grows up from the root; an icicle graph grows down */
	svg_opts__init(&o);
	out = render(p, &o);
	frame_y(out.buf, "all", &yroot);
	frame_y(out.buf, "parse", &yparse);
	assert_true(yparse < yroot);
	free(out.buf);
	o.inverted = true;
	out = render(p, &o);
	frame_y(out.buf, "all", &yroot);
	frame_y(out.buf, "parse", &yparse);
	assert_true(yparse > yroot);
	assert_non_null(strstr(out.buf, ">Icicle Graph</text>"));
	free(out.buf);

	/* title, subtitle, notes, countname: escaped where they land */
	svg_opts__init(&o);
	o.title = "<b>&title";
	o.subtitle = "sub<>";
	o.notes = "n -- <!-- x -->";
	o.countname = "<units>";
	out = render(p, &o);
	assert_non_null(strstr(out.buf, "<title>&lt;b&gt;&amp;title</title>"));
	assert_non_null(strstr(out.buf, ">&lt;b&gt;&amp;title</text>"));
	assert_non_null(strstr(out.buf, "id=\"subtitle\""));
	assert_non_null(strstr(out.buf, ">sub&lt;&gt;</text>"));
	assert_non_null(strstr(out.buf, "<desc>n -- &lt;!-- x --&gt;</desc>"));
	assert_null(strstr(out.buf, "<!--"));
	assert_non_null(strstr(out.buf, "145 &lt;units&gt;, 100.00%"));
	free(out.buf);

	/* width, frame height, font size */
	svg_opts__init(&o);
	o.width = 700;
	o.frame_height = 24;
	o.fontsize = 14;
	out = render(p, &o);
	assert_non_null(strstr(out.buf, "<svg version=\"1.1\" width=\"700\""));
	assert_non_null(strstr(out.buf, "width=\"680\" height=\"23\""));
	assert_non_null(strstr(out.buf, "font-size:14px"));
	assert_non_null(strstr(out.buf, "font-size:19px")); /* the title */
	free(out.buf);

	/* no-js: no script, no handler, no controls; tooltips remain */
	svg_opts__init(&o);
	o.no_js = true;
	out = render(p, &o);
	assert_null(strstr(out.buf, "<script"));
	assert_null(strstr(out.buf, "onload"));
	assert_null(strstr(out.buf, "id=\"search\""));
	assert_int_equal(frames(&out), 16);
	free(out.buf);

	/* palettes: the legend says which */
	svg_opts__init(&o);
	o.colors = PALETTE_IO;
	o.hash = true;
	out = render(p, &o);
	assert_non_null(strstr(out.buf, ">io</text>"));
	assert_null(strstr(out.buf, ">kernel</text>"));
	free(out.buf);

	/* reverse: leaf functions at the root */
	svg_opts__init(&o);
	o.reverse = true;
	out = render(p, &o);
	frame_y(out.buf, "all", &yroot);
	frame_y(out.buf, "draw_frame", &yparse);
	assert_true(yroot - yparse < 17 && yroot - yparse > 15); /* depth 1 */
	free(out.buf);
	profile__free(p);
}

static void test_sort_by_size_order(void **state)
{
	struct profile *p = load_folded("data/svg/simple.folded");
	struct svg_opts o;
	struct out out;

	(void)state;
	svg_opts__init(&o);
	out = render(p, &o);
	/* by name: compute before render */
	assert_true(strstr(out.buf, "<title>compute\n") < strstr(out.buf, "<title>render\n"));
	free(out.buf);
	o.sort_by_size = true;
	out = render(p, &o);
	assert_true(strstr(out.buf, "<title>render\n") < strstr(out.buf, "<title>compute\n"));
	free(out.buf);
	profile__free(p);
}

static void test_hostile_names(void **state)
{
	static const struct {
		const char *s;
		size_t len;
	} names[] = {
#define N(lit) {lit, sizeof(lit) - 1}
		N("nul\0inside"),
		N("\x01\x02\x1b[31mred\x7f"),
		N("bad\xff\xfe utf8 \xc3"),
		N("]]>"),
		N("</script>"),
		N("<script>alert(1)</script>"),
		N("\"onload=\"alert(1)"),
		N("\"><img src=x onerror=alert(1)>"),
		N("javascript:alert(1)"),
		N("line\nbreak\rtab\t"),
		N("\xef\xbf\xbe\xef\xbf\xbf\xed\xa0\x80"),
		N("&amp;&lt;"),
#undef N
	};
	struct profile *p = profile__new();
	struct svg_opts o;
	struct out out;
	char *big = malloc(10001);
	size_t i;

	(void)state;
	assert_non_null(p);
	assert_non_null(big);
	assert_true(profile__add_sample_type(p, "sam<ples>\x01\xff", "count") >= 0);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		sample2(p, names[i].s, names[i].len, names[(i + 1) % 12].s, names[(i + 1) % 12].len,
			(int64_t)i + 1);
	for (i = 0; i < 10000; i++)
		big[i] = "<&>\"'x\xc3\xa9"[i % 8];
	sample2(p, big, 10000, "leaf", 4, 50);
	sample2(p, "root", 4, big, 9999, 50); /* cut in the middle of a character */

	svg_opts__init(&o);
	o.title = "<script>alert('title')</script>\x01";
	o.subtitle = "]]><script>x</script>";
	o.notes = "--><script>alert(1)</script><!--";
	o.countname = "\"onload=\"alert(1)";
	out = render(p, &o);
	/* one script element, one handler (onload on <svg>), no other markup got in */
	assert_int_equal(check_markup(&out), 1);
	assert_int_equal(count(out.buf, "<script"), 1);
	assert_null(strstr(out.buf, "<img"));
	/* the hostile strings are all there, as text */
	assert_non_null(strstr(out.buf, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(out.buf, "\"&gt;&lt;img src=x onerror=alert(1)&gt;"));
	assert_int_equal(count(out.buf, "]]>"), 1);
	assert_null(memchr(out.buf, '\0', out.len));
	for (i = 0; i < out.len; i++) {
		unsigned char c = (unsigned char)out.buf[i];

		if (c < 0x20 && c != '\n' && c != '\t' && c != '\r')
			fail_msg("raw control byte 0x%02x at %zu", c, i);
	}
	if (have_xmllint())
		assert_true(xml_ok(&out));
	/* "javascript:" only ever appears as text, never as a link */
	assert_null(strstr(out.buf, "href"));
	free(out.buf);

	o.no_js = true;
	o.inverted = true;
	out = render(p, &o);
	assert_int_equal(check_markup(&out), 0);
	assert_null(strstr(out.buf, "<script"));
	if (have_xmllint())
		assert_true(xml_ok(&out));
	free(out.buf);
	free(big);
	profile__free(p);
}

static void test_minwidth_and_merging(void **state)
{
	struct profile *p = profile__new();
	struct svg_opts o;
	struct out out;
	char name[32];
	int i;

	(void)state;
	assert_true(profile__add_sample_type(p, "samples", "count") >= 0);
	sample2(p, "main", 4, "big", 3, 100000);
	/* 300 tiny siblings: each 1/100300 of 1180 px ≈ 0.012 px, together ≈ 3.5 px */
	for (i = 0; i < 300; i++) {
		int n = snprintf(name, sizeof(name), "tiny%03d", i);

		sample2(p, "main", 4, name, (size_t)n, 1);
	}
	svg_opts__init(&o);
	out = render(p, &o);
	/* all, main, big, and one box for the tiny ones */
	assert_int_equal(frames(&out), 4);
	assert_non_null(strstr(out.buf, "<title>[300 small frames]\n300 samples, 0.30%</title>"));
	assert_null(strstr(out.buf, "tiny"));
	free(out.buf);

	/* keep everything with a positive width */
	o.minwidth = 0;
	out = render(p, &o);
	assert_int_equal(frames(&out), 303);
	free(out.buf);

	/* minwidth as a percentage: 1% of the total drops the merged box too (0.3%) */
	o.minwidth = 1;
	o.minwidth_is_percent = true;
	out = render(p, &o);
	assert_int_equal(frames(&out), 3);
	free(out.buf);
	profile__free(p);
}

static void test_max_frames(void **state)
{
	struct profile *p = profile__new();
	struct svg_opts o;
	struct out out;
	char name[32];
	int i;

	(void)state;
	assert_true(profile__add_sample_type(p, "samples", "count") >= 0);
	/* 200 leaves of distinct widths, 1..200 */
	for (i = 1; i <= 200; i++) {
		int n = snprintf(name, sizeof(name), "f%03d", i);

		sample2(p, "main", 4, name, (size_t)n, i * 10);
	}
	svg_opts__init(&o);
	o.minwidth = 0;
	out = render(p, &o);
	assert_int_equal(frames(&out), 202);
	free(out.buf);

	o.max_frames = 12;
	out = render(p, &o);
	assert_int_equal(frames(&out), 12);
	/* the widest: all, main, then f200 down to f191 */
	assert_non_null(strstr(out.buf, "<title>f200\n"));
	assert_non_null(strstr(out.buf, "<title>f191\n"));
	assert_null(strstr(out.buf, "<title>f190\n"));
	free(out.buf);

	/* ties at the threshold never disconnect the tree */
	o.max_frames = 1;
	out = render(p, &o);
	assert_int_equal(frames(&out), 1);
	assert_non_null(strstr(out.buf, "<title>all\n"));
	free(out.buf);
	profile__free(p);
}

static void test_max_bytes(void **state)
{
	struct profile *p = profile__new();
	char *name = malloc(3000);
	struct svg_opts o;
	struct out out;
	size_t nframes;
	int i;

	(void)state;
	assert_non_null(name);
	assert_true(profile__add_sample_type(p, "samples", "count") >= 0);
	/* 3,000 frames with 3,000-byte names: about 9.5 MB if all were drawn */
	memset(name, 'n', 3000);
	for (i = 0; i < 3000; i++) {
		char id[16];

		snprintf(id, sizeof(id), "%06d_", i);
		memcpy(name, id, 7);
		sample2(p, "main", 4, name, 3000, 1000 + i);
	}
	svg_opts__init(&o);
	out = render(p, &o);
	nframes = frames(&out);
	assert_true(out.len <= 5000000);
	assert_true(out.len > 4000000);
	assert_true(nframes < 3002 && nframes > 1000);
	/* the widest were kept */
	assert_non_null(strstr(out.buf, "<title>002999_"));
	assert_null(strstr(out.buf, "<title>000000_"));
	free(out.buf);
	o.max_bytes = 0;
	out = render(p, &o);
	assert_int_equal(frames(&out), 3002);
	assert_true(out.len > 9000000);
	free(out.buf);
	free(name);
	profile__free(p);
}

static void test_text_fitting(void **state)
{
	struct profile *p = profile__new();
	struct svg_opts o;
	struct out out;
	/* 40 "é" (2 bytes each) in a frame ~ 590 px wide: 590 / 7.08 = 83 chars fit, so whole */
	char wide[81], narrow[6] = "tiny!";
	int i;

	(void)state;
	for (i = 0; i < 40; i++)
		memcpy(wide + 2 * i, "\xc3\xa9", 2);
	wide[80] = '\0';
	assert_true(profile__add_sample_type(p, "samples", "count") >= 0);
	sample2(p, "main", 4, wide, 80, 500);
	sample2(p, "main", 4, narrow, 5, 1); /* ~1.2 px: no text */
	sample2(p, "main", 4, "m", 1, 499);
	svg_opts__init(&o);
	o.width = 220; /* 200 px for 1000 samples: the é frame is 100 px, 14 chars fit */
	out = render(p, &o);
	/* 12 whole characters and "..": cut on a character boundary */
	{
		char want[64] = ">";
		size_t n = 1;

		for (i = 0; i < 12; i++, n += 2)
			memcpy(want + n, "\xc3\xa9", 2);
		memcpy(want + n, "..</text>", 10);
		assert_non_null(strstr(out.buf, want));
	}
	assert_null(strstr(out.buf, ">tiny!</text>"));
	assert_null(strstr(out.buf, ">ti..</text>"));
	free(out.buf);
	profile__free(p);
}

static void test_units(void **state)
{
	struct profile *p = profile__new();
	int64_t v[3] = {3, 12345678, 5 * 1048576 + 524288};
	uint64_t locs[1];
	struct svg_opts o;
	struct out out;
	struct flame_err err = {{0}};

	(void)state;
	assert_int_equal(profile__add_sample_type(p, "samples", "count"), 0);
	assert_int_equal(profile__add_sample_type(p, "cpu", "nanoseconds"), 1);
	assert_int_equal(profile__add_sample_type(p, "alloc_space", "bytes"), 2);
	locs[0] = location(p, "work", 4);
	assert_int_equal(profile__add_sample(p, locs, 1, v, NULL, 0), 0);
	svg_opts__init(&o);
	/* the default is the last sample type, as in pprof */
	out = render(p, &o);
	assert_non_null(strstr(out.buf, "<title>work\n5.5 MiB, 100.00%"));
	free(out.buf);
	o.sample_type = "cpu";
	out = render(p, &o);
	assert_non_null(strstr(out.buf, "<title>work\n12.3 ms, 100.00%"));
	free(out.buf);
	o.sample_type = "samples";
	out = render(p, &o);
	assert_non_null(strstr(out.buf, "<title>work\n3 samples, 100.00%"));
	free(out.buf);
	o.countname = "ticks";
	out = render(p, &o);
	assert_non_null(strstr(out.buf, "<title>work\n3 ticks, 100.00%"));
	free(out.buf);

	o.sample_type = "nope";
	assert_int_equal(render_ret(p, &o, &out, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "svg: no sample type 'nope' (have: samples, cpu, alloc_space)");
	free(out.buf);
	profile__free(p);
}

static void test_diff(void **state)
{
	struct profile *p = load_folded("data/svg/diff.folded");
	struct svg_opts o;
	struct out out;

	(void)state;
	svg_opts__init(&o);
	out = render(p, &o);
	/* draw_frame shrank most (45 → 20): pure blue; read_token grew (30 → 40) */
	assert_non_null(strstr(out.buf, "base 45 samples \xe2\x86\x92 20 samples (-25 samples, "
					"-55.6%), self -25 samples"));
	assert_non_null(strstr(out.buf, "fill=\"#0000ff\""));
	assert_non_null(strstr(out.buf, ">grew</text>"));
	free(out.buf);
	/* drawing the base column itself is not a diff */
	o.sample_type = "base";
	out = render(p, &o);
	assert_null(strstr(out.buf, ">grew</text>"));
	assert_non_null(strstr(out.buf, "<title>all\n95 base, 100.00%"));
	free(out.buf);
	profile__free(p);
}

/* The fill of the frame whose tooltip starts with title: red minus blue (> 0 warm, < 0 cool). */
static int warmth(const struct out *o, const char *title)
{
	const char *t = strstr(o->buf, title), *f;
	unsigned int r, g, b;

	assert_non_null(t);
	f = strstr(t, "fill=\"#");
	assert_non_null(f);
	assert_int_equal(sscanf(f + 7, "%2x%2x%2x", &r, &g, &b), 3);
	return (int)r - (int)b;
}

/* The wall view: on-CPU and off-CPU time in one graph, told apart by colour. */
static void test_wall_view(void **state)
{
	struct profile *p = profile__new();
	const int64_t run[2] = {30000000, 0}, wait[2] = {0, 70000000}, both[2] = {5000000, 1000000};
	uint64_t locs[2];
	struct svg_opts o;
	struct out out;

	(void)state;
	assert_int_equal(profile__add_sample_type(p, "cpu", "nanoseconds"), 0);
	assert_int_equal(profile__add_sample_type(p, "offcpu", "nanoseconds"), 1);
	locs[1] = location(p, "main", 4);
	locs[0] = location(p, "compute", 7);
	assert_int_equal(profile__add_sample(p, locs, 2, run, NULL, 0), 0);
	locs[0] = location(p, "wait", 4);
	assert_int_equal(profile__add_sample(p, locs, 2, wait, NULL, 0), 0);
	locs[0] = location(p, "mixed", 5);
	assert_int_equal(profile__add_sample(p, locs, 2, both, NULL, 0), 0);
	assert_int_equal(profile__add_wall(p), 2);
	svg_opts__init(&o);
	o.sample_type = "wall";
	out = render(p, &o);
	/* widths are the sum: main has all 106 ms */
	assert_non_null(strstr(out.buf, "<title>main\n106.0 ms, 100.00%"));
	assert_non_null(strstr(out.buf, "off-CPU 70.0 ms, on-CPU 0 ns"));
	assert_true(warmth(&out, "<title>wait\n") < 0);
	assert_true(warmth(&out, "<title>compute\n") > 0);
	assert_true(warmth(&out, "<title>mixed\n") > 0); /* mostly on-CPU */
	assert_true(warmth(&out, "<title>main\n") < 0);	 /* 71 of 106 ms off-CPU */
	assert_non_null(strstr(out.buf, ">on-CPU (warm)</text>"));
	assert_non_null(strstr(out.buf, ">off-CPU (cool)</text>"));
	assert_null(strstr(out.buf, ">grew</text>"));
	if (have_xmllint())
		assert_true(xml_ok(&out));
	free(out.buf);
	/* drawing cpu alone is no wall view */
	o.sample_type = "cpu";
	out = render(p, &o);
	assert_null(strstr(out.buf, "on-CPU (warm)"));
	assert_null(strstr(out.buf, "off-CPU "));
	free(out.buf);
	profile__free(p);
}

static void test_empty(void **state)
{
	struct profile *p = profile__new();
	struct svg_opts o;
	struct out out;
	int64_t zero = 0;
	uint64_t loc;

	(void)state;
	svg_opts__init(&o);
	/* no sample types at all */
	out = render(p, &o);
	assert_non_null(strstr(out.buf, ">No samples</text>"));
	if (have_xmllint())
		assert_true(xml_ok(&out));
	free(out.buf);
	/* samples that add up to nothing */
	assert_true(profile__add_sample_type(p, "samples", "count") >= 0);
	loc = location(p, "f", 1);
	assert_int_equal(profile__add_sample(p, &loc, 1, &zero, NULL, 0), 0);
	out = render(p, &o);
	assert_non_null(strstr(out.buf, ">No samples</text>"));
	assert_int_equal(frames(&out), 0);
	free(out.buf);
	o.no_js = true;
	out = render(p, &o);
	assert_non_null(strstr(out.buf, ">No samples</text>"));
	if (have_xmllint())
		assert_true(xml_ok(&out));
	free(out.buf);
	profile__free(p);
}

static void test_write_error(void **state)
{
	struct profile *p = load_folded("data/svg/simple.folded");
	struct flame_err err = {{0}};
	struct svg_opts o;
	FILE *f = fopen("/dev/full", "w");

	(void)state;
	if (!f)
		skip();
	svg_opts__init(&o);
	assert_int_equal(svg__write(p, &o, f, &err), -EIO);
	assert_non_null(strstr(err.msg, "svg: write failed"));
	fclose(f);
	profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),	      cmocka_unit_test(test_script_matches_source),
		cmocka_unit_test(test_deterministic), cmocka_unit_test(test_structure),
		cmocka_unit_test(test_options),	      cmocka_unit_test(test_sort_by_size_order),
		cmocka_unit_test(test_hostile_names), cmocka_unit_test(test_minwidth_and_merging),
		cmocka_unit_test(test_max_frames),    cmocka_unit_test(test_max_bytes),
		cmocka_unit_test(test_text_fitting),  cmocka_unit_test(test_units),
		cmocka_unit_test(test_diff),	      cmocka_unit_test(test_wall_view),
		cmocka_unit_test(test_empty),	      cmocka_unit_test(test_write_error),
	};

	return cmocka_run_group_tests_name("svg", tests, NULL, NULL);
}
