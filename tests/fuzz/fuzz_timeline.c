// SPDX-License-Identifier: MIT
/*
 * Fuzz the pause timeline writer (flame/timeline.c) with hostile names and extreme times.
 *
 * Input: lines; each "START DUR CYCLE GEN RUNTIME;REASON" (numbers in decimal, any value up
 * to 2^64 - 1 wraps as strtoull does; the names raw bytes, NUL and bad UTF-8 allowed).
 * Byte 0, when below '0', picks options instead: max_marks from its low bits, and a span of
 * zero or of the first pause's start.
 *
 * The output must be well-formed where cheap to check: no control bytes but TAB/LF/CR,
 * every '<' opens a known element, a closing tag, the declaration or the script's CDATA;
 * exactly one script; ends with </svg>.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeline.h"

#define MAX_PAUSES 4096

static void check(bool ok, const char *what, const char *at)
{
	if (!ok) {
		fprintf(stderr, "fuzz_timeline: %s near: %.80s\n", what, at ? at : "");
		abort();
	}
}

static const char *const elements[] = {"svg",  "title", "style", "script", "rect",    "text",
				       "line", "g",	"/",	 "?xml",   "![CDATA["};

static void check_output(const char *s, size_t len)
{
	size_t i, j, scripts = 0;
	const char *cdata_end;

	check(len > 7 && !strcmp(s + len - 7, "</svg>\n"), "no </svg> at the end", s);
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		check(c >= 0x20 || c == '\t' || c == '\n' || c == '\r', "control byte", s + i);
		if (c != '<')
			continue;
		for (j = 0; j < sizeof(elements) / sizeof(elements[0]); j++)
			if (!strncmp(s + i + 1, elements[j], strlen(elements[j])))
				break;
		check(j < sizeof(elements) / sizeof(elements[0]), "unknown element", s + i);
		if (!strncmp(s + i + 1, "script", 6))
			scripts++;
		if (!strncmp(s + i + 1, "![CDATA[", 8)) {
			cdata_end = strstr(s + i, "]]>");
			check(cdata_end != NULL, "unclosed CDATA", s + i);
			i = cdata_end - s;
		}
	}
	check(scripts == 1, "not exactly one script", s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct timeline_pause p[MAX_PAUSES];
	static char text[1 << 16];
	struct timeline_opts o;
	size_t n = 0, len;
	char *line, *next, *out = NULL;
	FILE *f;

	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	timeline_opts__init(&o);
	line = text;
	if (size && (unsigned char)text[0] < '0') {
		o.max_marks = text[0] & 0x7;
		line++;
	}
	for (; line && n < MAX_PAUSES; line = next) {
		char *names, *semi, *end;

		next = memchr(line, '\n', text + size - line);
		if (next)
			*next++ = '\0';
		p[n] = (struct timeline_pause){.gc_generation = -1};
		p[n].start_ns = strtoull(line, &end, 10);
		p[n].dur_ns = strtoull(end, &end, 10);
		p[n].gc_cycle = (uint32_t)strtoul(end, &end, 10);
		p[n].gc_generation = (int)strtol(end, &end, 10);
		names = *end == ' ' ? end + 1 : end;
		semi = strchr(names, ';');
		if (semi)
			*semi = '\0';
		p[n].runtime = names;
		p[n].reason = semi ? semi + 1 : "";
		n++;
	}
	if (size && (unsigned char)text[0] < '0' && (text[0] & 0x8) && n)
		o.span_ns = p[0].start_ns;
	f = open_memstream(&out, &len);
	check(f != NULL, "open_memstream", NULL);
	check(timeline__write(f, p, n, &o) == 0, "timeline__write failed", NULL);
	check(fclose(f) == 0, "fclose", NULL);
	check_output(out, len);
	free(out);
	return 0;
}
