// SPDX-License-Identifier: MIT
/*
 * CPython's structures and encodings, read from outside (sym_python.h). The layouts were taken
 * from each version's headers (offsetof over Include/internal/pycore_*.h) and are checked on
 * the interpreters this machine has: tests/integration/test_record_python.sh.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "sym_python.h"

static const struct py_layout layouts[] = {
	{
		.major = 3,
		.minor = 11,
		.runtime_interp_head = 40,
		.interp_threads_head = 16,
		.ts_next = 8,
		.ts_native_tid = 160,
		.ts_cframe = 56,
		.ts_current_frame = PY_NO_FIELD,
		.cframe_current_frame = 8,
		.frame_code = 32,
		.frame_previous = 48,
		.frame_prev_instr = 56,
		.frame_is_entry = 68,
		.frame_owner = 69,
		.code_firstlineno = 72,
		.code_filename = 112,
		.code_name = 120,
		.code_qualname = 128,
		.code_linetable = 136,
		.code_adaptive = 184,
		.bytes_size = 16,
		.bytes_data = 32,
		.str_length = 16,
		.str_state = 32,
		.str_ascii_data = 48,
		.str_compact_data = 72,
	},
};

const struct py_layout *py_layout__find(uint64_t py_version)
{
	unsigned int major = (py_version >> 24) & 0xff, minor = (py_version >> 16) & 0xff;
	size_t i;

	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (layouts[i].major == major && layouts[i].minor == minor)
			return &layouts[i];
	return NULL;
}

/* --- the location table (Objects/locations.md of CPython 3.11) ----------------------------- */

enum {
	LOC_ONE_LINE0 = 10, /* 10, 11, 12: the line moves by 0, 1 or 2; two column bytes */
	LOC_NO_COLUMNS = 13,
	LOC_LONG = 14,
	LOC_NONE = 15,
};

/* A varint: 6 bits a byte, low bits first, 0x40 set while more follow. */
static bool read_varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
	unsigned int shift = 0;
	uint64_t v = 0;
	uint8_t b;

	do {
		if (*p >= end || shift > 60)
			return false;
		b = *(*p)++;
		v |= (uint64_t)(b & 63) << shift;
		shift += 6;
	} while (b & 64);
	*out = v;
	return true;
}

/* A signed varint: the sign in the lowest bit. */
static bool read_svarint(const uint8_t **p, const uint8_t *end, int64_t *out)
{
	uint64_t v;

	if (!read_varint(p, end, &v))
		return false;
	*out = v & 1 ? -(int64_t)(v >> 1) : (int64_t)(v >> 1);
	return true;
}

int py_linetable__line(const uint8_t *table, size_t len, int firstlineno, int64_t byte_offset)
{
	const uint8_t *p = table, *end = table + len;
	int64_t line = firstlineno, delta, addr = 0;

	if (byte_offset < 0)
		return firstlineno;
	while (p < end) {
		uint8_t head = *p++;
		unsigned int code = (head >> 3) & 15;

		if (!(head & 0x80))
			return -1; /* not the start of an entry */
		delta = 0;
		if (code == LOC_NO_COLUMNS || code == LOC_LONG) {
			if (!read_svarint(&p, end, &delta))
				return -1;
		} else if (code >= LOC_ONE_LINE0 && code < LOC_NO_COLUMNS) {
			delta = code - LOC_ONE_LINE0;
		}
		/* no real table moves a line this far: bounded before it is added */
		if (delta > 1 << 30 || delta < -(1 << 30))
			return -1;
		line += delta;
		if (line < -1 || line > 1 << 30)
			return -1;
		/* the entry covers (head & 7) + 1 code units of two bytes */
		addr += 2 * ((head & 7) + 1);
		if (byte_offset < addr)
			return code == LOC_NONE ? -1 : (int)line;
		/* the rest of the entry: bytes until the next one's head */
		while (p < end && !(*p & 0x80))
			p++;
	}
	return -1;
}

/* --- str objects ----------------------------------------------------------------------- */

/* PyASCIIObject.state: interned:2, kind:3, compact:1, ascii:1, ready:1 (3.11) */
#define STATE_KIND(s) (((s) >> 2) & 7)
#define STATE_COMPACT(s) (((s) >> 5) & 1)
#define STATE_ASCII(s) (((s) >> 6) & 1)

size_t py_str__read_size(const struct py_layout *l)
{
	return l->str_compact_data + 4 * PY_STR_MAX;
}

/* Append code point c to out as UTF-8 if it fits with the NUL; false when full. */
static bool put_utf8(char *out, size_t size, size_t *n, uint32_t c)
{
	uint8_t b[4];
	size_t k, len;

	if (c < 0x80) {
		b[0] = (uint8_t)c;
		len = 1;
	} else if (c < 0x800) {
		b[0] = 0xc0 | (c >> 6);
		b[1] = 0x80 | (c & 63);
		len = 2;
	} else if (c < 0x10000) {
		b[0] = 0xe0 | (c >> 12);
		b[1] = 0x80 | ((c >> 6) & 63);
		b[2] = 0x80 | (c & 63);
		len = 3;
	} else if (c < 0x110000) {
		b[0] = 0xf0 | (c >> 18);
		b[1] = 0x80 | ((c >> 12) & 63);
		b[2] = 0x80 | ((c >> 6) & 63);
		b[3] = 0x80 | (c & 63);
		len = 4;
	} else {
		b[0] = '?';
		len = 1;
	}
	if (*n + len >= size)
		return false;
	for (k = 0; k < len; k++)
		out[(*n)++] = (char)b[k];
	return true;
}

int py_str__decode(const struct py_layout *l, const uint8_t *obj, size_t len, char *out,
		   size_t size)
{
	uint64_t length;
	uint32_t state, kind, c;
	size_t data, i, n = 0;

	if (!size)
		return -EINVAL;
	out[0] = 0;
	if (len < (size_t)l->str_state + 4 || len < (size_t)l->str_length + 8)
		return -EINVAL;
	memcpy(&length, obj + l->str_length, sizeof(length));
	memcpy(&state, obj + l->str_state, sizeof(state));
	kind = STATE_KIND(state);
	if (!STATE_COMPACT(state) || (kind != 1 && kind != 2 && kind != 4) ||
	    (STATE_ASCII(state) && kind != 1))
		return -EINVAL;
	data = STATE_ASCII(state) ? l->str_ascii_data : l->str_compact_data;
	if (length > PY_STR_MAX)
		length = PY_STR_MAX;
	if (data > len || (len - data) / kind < length)
		return -EINVAL;
	for (i = 0; i < length; i++) {
		const uint8_t *ch = obj + data + i * kind;

		if (kind == 1) {
			c = ch[0];
		} else if (kind == 2) {
			uint16_t u;

			memcpy(&u, ch, 2);
			c = u;
		} else {
			memcpy(&c, ch, 4);
		}
		if (!c || !put_utf8(out, size, &n, c))
			break;
	}
	out[n] = 0;
	return (int)length;
}
