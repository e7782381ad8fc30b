/* SPDX-License-Identifier: MIT */
/*
 * Escaping for the SVG writer: one function per output context (reference/flamegraphs.md §8).
 *
 * Every user string (frame names, title, subtitle, countname, notes, sample type names...)
 * is untrusted: symbol names come from profiled programs, titles from CI variables. Each
 * writer below first sanitizes the bytes into valid XML 1.0 characters, then escapes what
 * its context needs:
 *
 *  - sanitizing: invalid UTF-8 (bad lead bytes, truncated or overlong sequences, surrogates,
 *    code points past U+10FFFF) becomes U+FFFD, one per maximal invalid subpart; C0 control
 *    characters other than TAB, LF and CR, and the non-characters U+FFFE and U+FFFF, become
 *    U+FFFD too (visible, so a name with a NUL in it still looks different).
 *  - XML text: & < > escaped (">" too, so "]]>" can never appear).
 *  - XML attribute: & < > " ' escaped.
 *  - disguising characters (bidi controls, U+2028/U+2029) are written as the text "\u202E".
 *  - one-line XML text: XML text with TAB, LF and CR turned into spaces, for frame names
 *    (the script reads a frame's name as the first line of its <title>).
 *
 * Truncation for display counts characters as the sanitizer produces them, so it always cuts
 * on a code-point boundary and always before escaping (an entity is never cut in half).
 */
#ifndef SINGE_FLAME_ESCAPE_H
#define SINGE_FLAME_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ESCAPE_REPLACEMENT 0xFFFDu

/*
 * Decode the character at s[*pos] (*pos < len) and advance *pos past it. Returns the code
 * point the sanitizer keeps, or ESCAPE_REPLACEMENT for anything invalid or not allowed in
 * XML 1.0.
 */
uint32_t escape__next(const char *s, size_t len, size_t *pos);

/* The number of characters in s after sanitizing. */
size_t escape__count(const char *s, size_t len);

/* The byte length of the longest prefix of s holding at most max_chars characters. */
size_t escape__prefix(const char *s, size_t len, size_t max_chars);

/*
 * Write the sanitized form of s into dst, which must hold 3 * len + 1 bytes (a U+FFFD takes
 * three bytes and replaces at least one); NUL-terminates and returns the length.
 */
size_t escape__sanitize(char *dst, const char *s, size_t len);

/*
 * Characters that change how the text around them is shown without being seen themselves:
 * bidirectional controls (U+202E can make "gnp.exe" read "exe.png") and line or paragraph
 * separators. Every writer shows them as the visible text "\u202E" instead, so a name reads
 * the same in every viewer and cannot disguise another.
 */
bool escape__is_disguising(uint32_t cp);
/* Write "\uXXXX" for cp. */
void escape__write_visible(FILE *out, uint32_t cp);

/* Write s as XML character data (element content): sanitized, & < > escaped. */
void escape__xml_text(FILE *out, const char *s, size_t len);

/* Write s as one line of XML character data: as above, TAB/LF/CR become spaces. */
void escape__xml_line(FILE *out, const char *s, size_t len);

/* Write s as the value of an XML attribute (either quote): sanitized, & < > " ' escaped. */
void escape__xml_attr(FILE *out, const char *s, size_t len);

#endif /* SINGE_FLAME_ESCAPE_H */
