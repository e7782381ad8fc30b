// SPDX-License-Identifier: MIT
#include <stdbool.h>
#include <string.h>

#include "escape.h"

enum {
	ESC_ATTR = 1,	 /* also escape " and ' */
	ESC_ONELINE = 2, /* TAB, LF, CR become spaces */
};

static bool is_cont(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

/*
 * Decode one well-formed UTF-8 sequence at s[pos]; its length, or 0 when the bytes are not
 * one. *bad is set to the length of the maximal invalid subpart (at least 1) in that case.
 */
static size_t decode(const unsigned char *s, size_t len, size_t pos, uint32_t *cp, size_t *bad)
{
	unsigned char c = s[pos];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n, i;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		v = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0; /* overlong */
		else if (c == 0xED)
			hi = 0x9F; /* surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		v = c & 0x07;
		if (c == 0xF0)
			lo = 0x90; /* overlong */
		else if (c == 0xF4)
			hi = 0x8F; /* past U+10FFFF */
	} else {
		*bad = 1;
		return 0;
	}
	for (i = 1; i < n; i++) {
		unsigned char d = pos + i < len ? s[pos + i] : 0;

		if (i == 1 ? d < lo || d > hi : !is_cont(d)) {
			*bad = i;
			return 0;
		}
		v = (v << 6) | (d & 0x3F);
	}
	*cp = v;
	return n;
}

static bool xml_char_ok(uint32_t cp)
{
	if (cp < 0x20)
		return cp == '\t' || cp == '\n' || cp == '\r';
	return cp != 0xFFFE && cp != 0xFFFF;
}

uint32_t escape__next(const char *s, size_t len, size_t *pos)
{
	size_t bad = 1, n;
	uint32_t cp;

	n = decode((const unsigned char *)s, len, *pos, &cp, &bad);
	if (!n) {
		*pos += bad;
		return ESCAPE_REPLACEMENT;
	}
	*pos += n;
	return xml_char_ok(cp) ? cp : ESCAPE_REPLACEMENT;
}

size_t escape__count(const char *s, size_t len)
{
	size_t pos = 0, n = 0;

	while (pos < len) {
		/* ASCII needs no decoding */
		if ((unsigned char)s[pos] < 0x80)
			pos++;
		else
			escape__next(s, len, &pos);
		n++;
	}
	return n;
}

size_t escape__prefix(const char *s, size_t len, size_t max_chars)
{
	size_t pos = 0, n = 0;

	while (pos < len && n < max_chars) {
		escape__next(s, len, &pos);
		n++;
	}
	return pos;
}

static size_t encode(char *dst, uint32_t cp)
{
	if (cp < 0x80) {
		dst[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		dst[0] = (char)(0xC0 | (cp >> 6));
		dst[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		dst[0] = (char)(0xE0 | (cp >> 12));
		dst[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		dst[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	dst[0] = (char)(0xF0 | (cp >> 18));
	dst[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	dst[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	dst[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

size_t escape__sanitize(char *dst, const char *s, size_t len)
{
	size_t pos = 0, n = 0;

	while (pos < len)
		n += encode(dst + n, escape__next(s, len, &pos));
	dst[n] = '\0';
	return n;
}

/* Does this ASCII byte need work in the given mode? (Non-ASCII always goes the slow way.) */
static bool needs_work(unsigned char c, unsigned flags)
{
	if (c < 0x20 || c >= 0x80)
		return true;
	switch (c) {
	case '&':
	case '<':
	case '>':
		return true;
	case '"':
	case '\'':
		return flags & ESC_ATTR;
	default:
		return false;
	}
}

bool escape__is_disguising(uint32_t cp)
{
	return cp == 0x061C ||			 /* Arabic letter mark */
	       cp == 0x200E || cp == 0x200F ||	 /* left-to-right and right-to-left marks */
	       cp == 0x2028 || cp == 0x2029 ||	 /* line and paragraph separators */
	       (cp >= 0x202A && cp <= 0x202E) || /* embeddings and overrides */
	       (cp >= 0x2066 && cp <= 0x2069);	 /* isolates */
}

void escape__write_visible(FILE *out, uint32_t cp)
{
	fprintf(out, "\\u%04X", (unsigned)cp);
}

static void write_char(FILE *out, uint32_t cp, unsigned flags)
{
	char buf[4];

	if (escape__is_disguising(cp)) {
		escape__write_visible(out, cp);
		return;
	}
	switch (cp) {
	case '&':
		fputs_unlocked("&amp;", out);
		return;
	case '<':
		fputs_unlocked("&lt;", out);
		return;
	case '>':
		fputs_unlocked("&gt;", out);
		return;
	case '"':
		fputs_unlocked((flags & ESC_ATTR) ? "&quot;" : "\"", out);
		return;
	case '\'':
		fputs_unlocked((flags & ESC_ATTR) ? "&#39;" : "'", out);
		return;
	case '\t':
	case '\n':
	case '\r':
		/* in attributes, a parser would fold them into spaces: keep them as references */
		if (flags & ESC_ONELINE)
			putc_unlocked(' ', out);
		else if (flags & ESC_ATTR)
			fprintf(out, "&#%u;", (unsigned)cp);
		else
			putc_unlocked((int)cp, out);
		return;
	default:
		fwrite_unlocked(buf, 1, encode(buf, cp), out);
	}
}

static void write_escaped(FILE *out, const char *s, size_t len, unsigned flags)
{
	size_t pos = 0, run;

	while (pos < len) {
		/* copy the longest run of bytes that need nothing in one call */
		for (run = pos; run < len && !needs_work((unsigned char)s[run], flags); run++)
			;
		if (run > pos) {
			fwrite_unlocked(s + pos, 1, run - pos, out);
			pos = run;
			continue;
		}
		write_char(out, escape__next(s, len, &pos), flags);
	}
}

void escape__xml_text(FILE *out, const char *s, size_t len)
{
	write_escaped(out, s, len, 0);
}

void escape__xml_line(FILE *out, const char *s, size_t len)
{
	write_escaped(out, s, len, ESC_ONELINE);
}

void escape__xml_attr(FILE *out, const char *s, size_t len)
{
	write_escaped(out, s, len, ESC_ATTR);
}
