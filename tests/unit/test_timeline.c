// SPDX-License-Identifier: MIT
/*
 * The pause timeline SVG (flame/timeline.c) against pauses whose figures are known: one mark
 * per pause where its start falls on the time axis, one bar per GC cycle, heatmap cells that
 * count every pause in its second and duration bucket; hostile reason strings escaped; no
 * pause, a valid SVG that says so; many pauses, the longest drawn and the file bounded; the
 * same pauses in any order, the same bytes.
 */
#include "test.h"

#include "timeline.h"

struct out {
	char *buf;
	size_t len;
};

static void render(struct out *out, const struct timeline_pause *p, size_t n,
		   const struct timeline_opts *o)
{
	FILE *f = open_memstream(&out->buf, &out->len);

	assert_non_null(f);
	assert_int_equal(timeline__write(f, p, n, o), 0);
	assert_int_equal(fclose(f), 0);
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;

	for (s = strstr(s, what); s; s = strstr(s + 1, what))
		n++;
	return n;
}

/* The whole document: an XML prolog, one <svg>, closed at the end, script in CDATA once. */
static void assert_document(const char *s)
{
	assert_true(!strncmp(s, "<?xml version=\"1.0\"", 19));
	assert_int_equal(count(s, "<svg "), 1);
	assert_int_equal(count(s, "</svg>\n"), 1);
	assert_string_equal(s + strlen(s) - 7, "</svg>\n");
	assert_int_equal(count(s, "]]>"), count(s, "<![CDATA["));
	/* no external resource */
	assert_null(strstr(s, "href"));
	assert_null(strstr(s, "@import"));
	/* every opened rect with a title is closed */
	assert_int_equal(count(s, "<title>"), count(s, "</title>"));
}

static struct timeline_pause go_pause(uint64_t start_ns, uint64_t dur_ns, const char *reason,
				      uint32_t cycle)
{
	return (struct timeline_pause){.start_ns = start_ns,
				       .dur_ns = dur_ns,
				       .runtime = "go",
				       .reason = reason,
				       .pid = 7,
				       .gc_cycle = cycle,
				       .gc_generation = -1};
}

static void test_buckets(void **state)
{
	(void)state;
	assert_int_equal(timeline__bucket(0), 0);
	assert_int_equal(timeline__bucket(99), 0);
	assert_int_equal(timeline__bucket(100), 1);
	assert_int_equal(timeline__bucket(199), 1);
	assert_int_equal(timeline__bucket(200), 2);
	assert_int_equal(timeline__bucket(500), 3);
	assert_int_equal(timeline__bucket(1000), 4);
	assert_int_equal(timeline__bucket(15000), 7); /* 10 us to 20 us */
	assert_int_equal(timeline__bucket_floor(7), 10000);
	assert_int_equal(timeline__bucket_floor(8), 20000);
	assert_int_equal(timeline__bucket(UINT64_MAX), 28);
	assert_int_equal(timeline__bucket_floor(28), 100000000000ULL); /* 100 s */
}

/*
 * A 2-second recording: GC cycle 1 (sweep and mark termination, 15 us and 12 us) in the
 * first second, a ReadMemStats pause (50 us) and cycle 2 in the second.
 */
static void test_structure(void **state)
{
	struct timeline_pause p[] = {
		go_pause(500000000, 15000, "GC sweep termination", 1),
		go_pause(510000000, 12000, "GC mark termination", 1),
		go_pause(1200000000, 50000, "read mem stats", 0),
		go_pause(1500000000, 11000, "GC sweep termination", 2),
		go_pause(1600000000, 13000, "GC mark termination", 2),
	};
	struct timeline_opts o;
	struct out out;

	(void)state;
	timeline_opts__init(&o);
	o.span_ns = 2000000000ULL;
	render(&out, p, 5, &o);
	assert_document(out.buf);
	assert_int_equal(count(out.buf, "class=\"mark\""), 5);
	assert_int_equal(count(out.buf, "class=\"cycle\""), 2);
	/* the first pause at 0.5 s of 2 s: a quarter of the 1102 px axis from x = 78 */
	assert_non_null(strstr(out.buf, "<rect class=\"mark\" x=\"353.5\""));
	/* hover: runtime, reason, start, duration, cycle, pid */
	assert_non_null(strstr(out.buf, "<title>go: GC sweep termination\nstart 0.500000 s, "
					"duration 15 us\ngc cycle 1, pid 7</title>"));
	assert_non_null(strstr(out.buf, "<title>go: read mem stats\nstart 1.200000 s, duration "
					"50 us, pid 7</title>"));
	assert_non_null(strstr(out.buf, "<title>gc cycle 1, pid 7\n2 pauses from 0.500000 s to "
					"0.510012 s"));
	/* heatmap: second 0 has two pauses of 10 to 20 us; second 1 two more and one of 50 us */
	assert_non_null(
		strstr(out.buf, "<title>0.000 s to 1.000 s: 2 pauses of 10 us to 20 us</title>"));
	assert_non_null(
		strstr(out.buf, "<title>1.000 s to 2.000 s: 2 pauses of 10 us to 20 us</title>"));
	assert_non_null(
		strstr(out.buf, "<title>1.000 s to 2.000 s: 1 pause of 50 us to 100 us</title>"));
	assert_int_equal(count(out.buf, "class=\"cell\""), 3);
	assert_non_null(strstr(out.buf, "Pause durations per second"));
	/* legend: the three kinds with their counts */
	assert_non_null(strstr(out.buf, "go: GC mark termination (2)</text>"));
	assert_non_null(strstr(out.buf, "go: read mem stats (1)</text>"));
	assert_non_null(strstr(out.buf, "5 pauses, 0.101 ms in all, p99 50 us, max 50 us"));
	/* the details line the script fills on hover */
	assert_non_null(strstr(out.buf, "<text id=\"details\""));
	free(out.buf);
}

static void test_python_generation(void **state)
{
	struct timeline_pause p = {.start_ns = 1000,
				   .dur_ns = 300000,
				   .runtime = "python",
				   .reason = "gc generation 2",
				   .pid = 9,
				   .gc_generation = 2};
	struct out out;

	(void)state;
	render(&out, &p, 1, NULL);
	assert_document(out.buf);
	assert_non_null(strstr(out.buf, "<title>python: gc generation 2\nstart 0.000001 s, "
					"duration 300 us\ngc generation 2, pid 9</title>"));
	assert_int_equal(count(out.buf, "class=\"cycle\""), 0);
	free(out.buf);
}

static void test_hostile(void **state)
{
	struct timeline_pause p[] = {
		{.dur_ns = 1000,
		 .runtime = "<svg onload=alert(1)>",
		 .reason = "</title><script>alert(2)</script>&\"'",
		 .gc_generation = -1},
		{.start_ns = 5,
		 .dur_ns = 2000,
		 .runtime = "go",
		 .reason = "gnp\xe2\x80\xae.exe \xff\xfe bad\x01",
		 .gc_generation = -1},
		{.start_ns = 9,
		 .dur_ns = 3000,
		 .runtime = "go",
		 .reason = "fake\ngc cycle 1",
		 .gc_generation = -1},
	};
	struct timeline_opts o;
	struct out out;

	(void)state;
	timeline_opts__init(&o);
	o.title = "]]><script>alert(3)</script>";
	render(&out, p, 3, &o);
	assert_document(out.buf);
	assert_null(strstr(out.buf, "<script>alert"));
	assert_null(strstr(out.buf, "<svg onload"));
	assert_null(strstr(out.buf, "</title><script"));
	assert_non_null(
		strstr(out.buf, "&lt;/title&gt;&lt;script&gt;alert(2)&lt;/script&gt;&amp;"));
	assert_non_null(strstr(out.buf, "]]&gt;&lt;script&gt;"));
	/* the bidi override shown, not applied; invalid bytes and controls replaced */
	assert_non_null(strstr(out.buf, "gnp\\u202E.exe \xef\xbf\xbd\xef\xbf\xbd bad\xef\xbf\xbd"));
	assert_null(strstr(out.buf, "\xe2\x80\xae"));
	/* a newline in a name cannot fake a line of the hover text */
	assert_non_null(strstr(out.buf, "<title>go: fake gc cycle 1\nstart"));
	assert_null(strstr(out.buf, "fake\n"));
	/* the only script is the fixed one */
	assert_int_equal(count(out.buf, "<script"), 1);
	free(out.buf);
}

static void test_empty(void **state)
{
	struct out out;

	(void)state;
	render(&out, NULL, 0, NULL);
	assert_document(out.buf);
	assert_non_null(strstr(out.buf, "No pauses recorded"));
	assert_int_equal(count(out.buf, "class=\"mark\""), 0);
	free(out.buf);
}

/* 200,000 pauses (CPython's young collections for minutes): the longest 10,000 drawn. */
static void test_many_bounded(void **state)
{
	size_t n = 200000, i, marks;
	struct timeline_pause *p = calloc(n, sizeof(*p));
	struct out out;
	const char *s;

	(void)state;
	assert_non_null(p);
	for (i = 0; i < n; i++)
		/* durations 1 us .. 200 ms, spread over 598 s; the longest are i >= n - 10000 */
		p[i] = (struct timeline_pause){.start_ns = (i * 7919 % n) * 2990000ULL,
					       .dur_ns = 1000 + i * 1000,
					       .runtime = "python",
					       .reason = "gc generation 0",
					       .gc_generation = 0};
	render(&out, p, n, NULL);
	assert_document(out.buf);
	marks = count(out.buf, "class=\"mark\"");
	assert_int_equal(marks, TIMELINE_MAX_MARKS);
	assert_true(out.len < 5 * 1024 * 1024);
	assert_non_null(strstr(out.buf, "200000 pauses"));
	assert_non_null(strstr(out.buf, "the 10000 longest drawn as marks"));
	/* the shortest pause drawn is the 10000th longest, 190.001 ms: every mark at 190 ms+ */
	for (s = strstr(out.buf, ", duration "); s; s = strstr(s + 1, ", duration ")) {
		double v = 0;
		char unit[4] = "";

		assert_int_equal(sscanf(s, ", duration %lf %3s", &v, unit), 2);
		assert_string_equal(unit, "ms");
		assert_true(v >= 190 && v <= 200);
	}
	/* 598 s: at most 300 columns, of 2 s */
	assert_non_null(strstr(out.buf, "Pause durations per 2 seconds"));
	free(out.buf);
	free(p);
}

static void test_deterministic(void **state)
{
	struct timeline_pause a[] = {
		go_pause(3000000, 40000, "GC mark termination", 1),
		go_pause(1000000, 40000, "GC sweep termination", 1),
		go_pause(9000000, 20000, "read mem stats", 0),
	};
	struct timeline_pause b[] = {a[2], a[0], a[1]};
	struct timeline_opts o;
	struct out x, y;

	(void)state;
	timeline_opts__init(&o);
	o.max_marks = 2; /* the tie at 40 us is broken by start, not by input order */
	render(&x, a, 3, &o);
	render(&y, b, 3, &o);
	assert_int_equal(x.len, y.len);
	assert_memory_equal(x.buf, y.buf, x.len);
	assert_int_equal(count(x.buf, "class=\"mark\""), 2);
	assert_null(strstr(x.buf, "read mem stats\nstart"));
	free(x.buf);
	free(y.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_python_generation),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_many_bounded),
		cmocka_unit_test(test_deterministic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
