// SPDX-License-Identifier: MIT
/*
 * Fuzz the SVG writer with hostile frame names and options.
 *
 * Input: byte 0 picks options (reverse, inverted, no-js, sort by size, palette, minwidth 0,
 * hostile titles; both of the last two: a differential profile with a "base" column);
 * the rest is split on '\n' into stacks and each stack on ';' into frame names, root first,
 * as raw bytes (NUL, controls, bad UTF-8 all allowed). A frame starting with '+' is inlined
 * into the frame before it; the first line is also used as title, subtitle, countname and
 * notes. Each stack's value is its length, so widths vary.
 *
 * The output must be well-formed in every way that is cheap to check here: valid UTF-8, no
 * control bytes but TAB/LF/CR, every '<' opens a known element, a closing tag, the XML
 * declaration or the script's CDATA section, and exactly one script element (none with
 * --no-js).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "svg.h"

#define MAX_FRAMES_PER_STACK 64

static void check(bool ok, const char *what, const char *at)
{
	if (!ok) {
		fprintf(stderr, "fuzz_svg: %s near: %.80s\n", what, at ? at : "");
		abort();
	}
}

static uint64_t add_location(struct profile *p, const char *name, size_t len,
			     const struct line *inner, uint32_t ninner)
{
	struct function f = {0};
	struct line lines[MAX_FRAMES_PER_STACK + 1];
	int64_t idx = profile__intern(p, name, len), id;

	check(idx >= 0, "intern", NULL);
	f.name = f.system_name = (uint32_t)idx;
	id = profile__intern_function(p, &f);
	check(id > 0, "intern_function", NULL);
	/* lines[0] is the innermost inlined callee, the real function last */
	memcpy(lines, inner, ninner * sizeof(*inner));
	lines[ninner] = (struct line){.function_id = (uint64_t)id};
	id = profile__intern_location(p, 0, 0, lines, ninner + 1);
	check(id > 0, "intern_location", NULL);
	return (uint64_t)id;
}

static void add_stack(struct profile *p, const char *s, size_t len, bool diff)
{
	uint64_t locs[MAX_FRAMES_PER_STACK];
	struct line inlined[MAX_FRAMES_PER_STACK];
	const char *names[MAX_FRAMES_PER_STACK];
	size_t lens[MAX_FRAMES_PER_STACK];
	uint32_t n = 0, nlocs = 0, i;
	/* with a base column: the base is the value of another stack length, so frames grow
	 * and shrink */
	int64_t v[2] = {(int64_t)(len * 7 % 13), (int64_t)len + 1};
	size_t pos = 0;

	for (;;) {
		const char *semi = memchr(s + pos, ';', len - pos);
		size_t stop = semi ? (size_t)(semi - s) : len;

		names[n] = s + pos;
		lens[n++] = stop - pos;
		if (stop == len || n == MAX_FRAMES_PER_STACK)
			break;
		pos = stop + 1;
	}
	/* leaf first: walk the frames from the last, gathering '+' frames as inlined lines */
	for (i = n; i-- > 0 && nlocs < MAX_FRAMES_PER_STACK;) {
		uint32_t ninl = 0;

		while (i > 0 && lens[i] && names[i][0] == '+' && ninl < MAX_FRAMES_PER_STACK - 1) {
			struct function f = {0};
			int64_t idx = profile__intern(p, names[i] + 1, lens[i] - 1), id;

			check(idx >= 0, "intern", NULL);
			f.name = f.system_name = (uint32_t)idx;
			id = profile__intern_function(p, &f);
			check(id > 0, "intern_function", NULL);
			inlined[ninl++] = (struct line){.function_id = (uint64_t)id};
			i--;
		}
		locs[nlocs++] = add_location(p, names[i], lens[i], inlined, ninl);
	}
	check(profile__add_sample(p, locs, nlocs, diff ? v : v + 1, NULL, 0) == 0, "add_sample",
	      NULL);
}

/* Strict UTF-8 with only XML 1.0 characters. */
static void check_utf8(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		uint32_t cp;
		size_t n, k;

		if (c < 0x80) {
			check(c >= 0x20 || c == '\t' || c == '\n' || c == '\r', "control byte",
			      (const char *)s + i);
			i++;
			continue;
		}
		n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
		check(c >= 0xC2 && c <= 0xF4 && i + n <= len, "bad UTF-8 lead",
		      (const char *)s + i);
		cp = c & (0x7F >> n);
		for (k = 1; k < n; k++) {
			check((s[i + k] & 0xC0) == 0x80, "bad UTF-8 continuation",
			      (const char *)s + i);
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		check(cp >= (n == 2   ? 0x80u
			     : n == 3 ? 0x800u
				      : 0x10000u),
		      "overlong UTF-8", (const char *)s + i);
		check(cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF) && cp != 0xFFFE &&
			      cp != 0xFFFF,
		      "not an XML character", (const char *)s + i);
		i += n;
	}
}

static bool starts_with_tag(const char *s, const char *const *tags)
{
	for (; *tags; tags++) {
		size_t n = strlen(*tags);

		if (!strncmp(s, *tags, n) && (s[n] == ' ' || s[n] == '>' || s[n] == '/'))
			return true;
	}
	return false;
}

static void check_markup(const char *buf, size_t len, bool js)
{
	static const char *const tags[] = {"svg",  "title", "desc",   "defs", "linearGradient",
					   "stop", "style", "script", "rect", "text",
					   "g",	   NULL};
	const char *s = buf, *end = buf + len;
	int scripts = 0;

	check(len > 0 && buf[len - 1] == '\n', "output does not end in a newline", NULL);
	check(memchr(buf, '\0', len) == NULL, "NUL byte", NULL);
	while ((s = memchr(s, '<', (size_t)(end - s)))) {
		if (!strncmp(s, "<![CDATA[", 9)) {
			check(scripts == 1, "CDATA outside the script", s);
			s = strstr(s, "]]>");
			check(s != NULL, "unterminated CDATA", NULL);
			check(!strncmp(s, "]]></script>", 12), "CDATA not closed by </script>", s);
			s += 3;
			continue;
		}
		if (s == buf && !strncmp(s, "<?xml ", 6)) {
			s++;
			continue;
		}
		if (s[1] == '/') {
			check(starts_with_tag(s + 2, tags), "unknown closing tag", s);
		} else {
			check(starts_with_tag(s + 1, tags), "unknown tag", s);
			scripts += !strncmp(s, "<script", 7);
		}
		s++;
	}
	check(scripts == (js ? 1 : 0), "wrong number of script elements", NULL);
	/* "]]>" only closes the script's CDATA */
	s = strstr(buf, "]]>");
	check(!js ? s == NULL : s && strstr(s + 3, "]]>") == NULL, "stray ]]>", s);
	check(strstr(buf, "</svg>\n") == end - 7, "document does not end with </svg>", NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile *p;
	struct svg_opts o;
	struct flame_err err = {{0}};
	const char *s, *end, *nl;
	char *out = NULL, first[64] = "";
	size_t outlen = 0, firstlen = 0;
	bool diff;
	FILE *f;
	int ret;

	if (!size || size > 64 * 1024)
		return 0;
	diff = (data[0] & 0xC0) == 0xC0;
	p = profile__new();
	if (!p || (diff && profile__add_sample_type(p, "base", "count") < 0) ||
	    profile__add_sample_type(p, "samples", "count") < 0)
		abort();
	s = (const char *)data + 1;
	end = (const char *)data + size;
	while (s < end) {
		size_t n;

		nl = memchr(s, '\n', (size_t)(end - s));
		n = nl ? (size_t)(nl - s) : (size_t)(end - s);
		if (!firstlen) {
			firstlen = n < sizeof(first) - 1 ? n : sizeof(first) - 1;
			memcpy(first, s, firstlen);
		}
		add_stack(p, s, n, diff);
		if (!nl)
			break;
		s = nl + 1;
	}
	svg_opts__init(&o);
	o.reverse = data[0] & 1;
	o.inverted = data[0] & 2;
	o.no_js = data[0] & 4;
	o.sort_by_size = data[0] & 8;
	o.colors = (enum palette)((data[0] >> 4) % PALETTE_COUNT);
	if (data[0] & 0x40)
		o.minwidth = 0;
	if (data[0] & 0x80) {
		/* strings may hold a NUL: the options take C strings, so they stop there */
		o.title = first;
		o.subtitle = first;
		o.countname = first;
		o.notes = first;
		o.max_frames = 50;
	}
	f = open_memstream(&out, &outlen);
	if (!f)
		abort();
	ret = svg__write(p, &o, f, &err);
	check(fclose(f) == 0, "fclose", NULL);
	check(ret == 0, err.msg, NULL);
	check_utf8((const unsigned char *)out, outlen);
	check_markup(out, outlen, !o.no_js);
	free(out);
	profile__free(p);
	return 0;
}
