/* SPDX-License-Identifier: MIT */
/*
 * CPython's frames as a profiler reads them from outside: where an interpreter of a given
 * version keeps its threads, frames and code objects (a table per version, checked against the
 * interpreter's own headers), and the decoding of what a code object holds -- its names
 * (str objects) and its line table (the 3.11+ location table) -- from bytes read out of a
 * process that singe does not control. Every decoder is bounds-checked; none reads memory.
 *
 *   const struct py_layout *l = py_layout__find(0x030b07f0);     Py_Version of the binary
 *   line = py_linetable__line(table, len, firstlineno, byte_offset);
 *   py_str__decode(l, obj, len, out, size);                      a str object's bytes
 */
#ifndef SINGE_CLI_SYM_PYTHON_H
#define SINGE_CLI_SYM_PYTHON_H

#include <stddef.h>
#include <stdint.h>

/* No such field in this version (a uint16_t offset). */
#define PY_NO_FIELD 0xffff

/* The offsets singe needs in one CPython version's structures (x86-64, release builds). */
struct py_layout {
	unsigned int major, minor;
	/* _PyRuntimeState.interpreters.head, PyInterpreterState.threads.head */
	uint16_t runtime_interp_head, interp_threads_head;
	/* PyThreadState: next, native_thread_id, cframe (3.11, 3.12) or current_frame (3.13) */
	uint16_t ts_next, ts_native_tid, ts_cframe, ts_current_frame;
	uint16_t cframe_current_frame; /* _PyCFrame.current_frame */
	/* _PyInterpreterFrame: f_code, previous, prev_instr, is_entry, owner */
	uint16_t frame_code, frame_previous, frame_prev_instr, frame_is_entry, frame_owner;
	/* PyCodeObject: co_firstlineno, co_filename, co_name, co_qualname, co_linetable, code */
	uint16_t code_firstlineno, code_filename, code_name, code_qualname, code_linetable;
	uint16_t code_adaptive; /* co_code_adaptive: the instructions prev_instr points into */
	uint16_t bytes_size, bytes_data; /* PyBytesObject: ob_size, ob_sval */
	uint16_t str_length, str_state;	 /* PyASCIIObject: length, state */
	uint16_t str_ascii_data,
		str_compact_data; /* sizeof PyASCIIObject, PyCompactUnicodeObject */
};

/* The layout of the version Py_Version spells (PY_VERSION_HEX), or NULL when singe has none. */
const struct py_layout *py_layout__find(uint64_t py_version);

/*
 * The source line of the instruction at byte_offset (2 * the code unit's index; < 0 before
 * the first) in a 3.11+ location table; firstlineno for < 0, -1 when the table has no line
 * for it or is malformed.
 */
int py_linetable__line(const uint8_t *table, size_t len, int firstlineno, int64_t byte_offset);

/* The most bytes of a str object singe decodes (names and paths are shorter). */
#define PY_STR_MAX 1024

/*
 * Decode a str object whose first len bytes (its header, then its characters) are at obj,
 * into out as UTF-8, NUL-terminated (truncated to size). The characters' length, or -EINVAL
 * when the header is not a compact, ready str.
 */
int py_str__decode(const struct py_layout *l, const uint8_t *obj, size_t len, char *out,
		   size_t size);
/* The bytes of obj to read for py_str__decode, at most: header and PY_STR_MAX characters. */
size_t py_str__read_size(const struct py_layout *l);

#endif /* SINGE_CLI_SYM_PYTHON_H */
