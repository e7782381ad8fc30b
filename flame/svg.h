/* SPDX-License-Identifier: MIT */
/*
 * The interactive SVG flame graph: a standalone SVG with a fixed embedded script (click to
 * zoom, regex search with "Matched: x%", case toggle, state kept in the URL), tooltips,
 * a details line and a colour legend. The options mirror flamegraph.pl's.
 *
 * Output is deterministic (same profile and options, same bytes) and bounded: frames
 * narrower than minwidth are left out (several small siblings that are wide enough together
 * become one "[N small frames]" box) and at most max_frames of the widest frames are drawn,
 * fewer if their names would make the file larger than max_bytes.
 * Every string from the profile or the options is sanitized and escaped (escape.h); the
 * script never contains data: it reads names from <title> text.
 *
 * Differential mode: when the drawn sample type is not "base" and the profile also has a
 * sample type named "base" (differential folded input "stack base head"), frames are
 * coloured by the change of their self value, red for growth and blue for shrinkage,
 * scaled by the largest change, as flamegraph.pl does; tooltips show base → head.
 *
 * Wall view: when the drawn sample type is "wall" (profile__add_wall(): on-CPU + off-CPU
 * nanoseconds of a `-t cpu,offcpu` recording) and the profile has "offcpu", a frame is drawn
 * in cool colours when most of its time was off-CPU, in warm ones otherwise; tooltips split
 * its time, and the legend says which is which.
 */
#ifndef SINGE_FLAME_SVG_H
#define SINGE_FLAME_SVG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "profile.h"

enum palette {
	PALETTE_AUTO = 0, /* by frame kind: native, kernel, Go, JIT, interpreted, unknown */
	PALETTE_HOT,	  /* flamegraph.pl's default: red to yellow */
	PALETTE_MEM,	  /* greens, for allocation profiles */
	PALETTE_IO,	  /* blues, for off-CPU / IO profiles */
	PALETTE_WAKEUP,	  /* aqua, for wakeup stacks */
	PALETTE_COUNT,
};

const char *palette__name(enum palette palette);

struct svg_opts {
	const char *title;     /* NULL: "Flame Graph", or "Icicle Graph" when inverted */
	const char *subtitle;  /* NULL: none */
	const char *countname; /* NULL: from the sample type ("samples", "ns", "bytes"...) */
	const char *notes;     /* NULL: none; stored in <desc> */
	int width;	       /* image width in px (1200); <= 0 means the default */
	int frame_height;      /* px per frame (16); <= 0 means the default */
	int fontsize;	       /* px (12); <= 0 means the default */
	double minwidth;       /* omit frames narrower than this (0.1 px); 0 keeps all non-empty */
	bool minwidth_is_percent; /* minwidth is a percentage of the total, not pixels */
	bool reverse;		  /* leaf functions at the base, callers above */
	bool inverted;		  /* icicle graph: the root at the top */
	bool sort_by_size;	  /* siblings by size, widest first, instead of by name */
	bool no_js;		  /* no script: a static SVG (tooltips still work) */
	/*
	 * Colours are always a hash of the frame name (never random), so the same function gets
	 * the same colour in every graph; hash is accepted for flamegraph.pl compatibility and
	 * changes nothing.
	 */
	bool hash;
	enum palette colors;
	const char *sample_type; /* value to draw by type name; NULL: the profile's default */
	size_t max_frames;	 /* draw at most this many frames, the widest (20000); 0: all */
	/*
	 * Keep the file under about this many bytes (5,000,000) by drawing fewer of the widest
	 * frames when names are long; 0: no limit.
	 */
	size_t max_bytes;
};

/* Fill o with the defaults above. */
void svg_opts__init(struct svg_opts *o);

/*
 * Render p as an SVG flame graph to out. An empty profile (nothing to draw) still gives a
 * valid SVG saying "No samples" and returns 0. Returns 0, -EINVAL with a message in err
 * (e.g. "no sample type 'x' (have: samples, cpu)"), -ENOMEM, or -EIO when writing failed.
 */
int svg__write(const struct profile *p, const struct svg_opts *opts, FILE *out,
	       struct flame_err *err);

/*
 * Building blocks of the writer above, shared with the differential flame graph (diff_svg.h)
 * so that both look and behave alike (same header, style, script, controls, labels, legend).
 * Frames are drawn SVG_XPAD px from each side, frame_height - SVG_FRAMEPAD px tall.
 */
#define SVG_XPAD 10
#define SVG_FRAMEPAD 1

/*
 * The XML prolog, <svg> element, <title>, <desc> (o->notes), style (plus extra_css, a fixed
 * string, when not NULL), the script (unless o->no_js), background, title and subtitle.
 */
void svg__write_header(FILE *out, const struct svg_opts *o, const char *title, int width,
		       int height, int fontsize, const char *extra_css);
/* The elements the script drives: details line, Reset Zoom, Search, ic, Matched. */
void svg__write_controls(FILE *out, int width, int fontsize, int frames_bottom);
/* A frame's label, fitted into w px on whole characters (".." when cut), or nothing. */
void svg__write_label(FILE *out, const char *name, size_t len, double x, double y, double w,
		      int fontsize, int frame_height);
/* A coordinate with at most two decimals: "12", "12.5", "12.34". */
void svg__put_num(FILE *out, double v);
/* A legend swatch of colour 0xrrggbb (attrs: extra attributes or NULL) and its label; the x after
 * it. */
double svg__legend_item(FILE *out, double x, int y, int fontsize, uint32_t rgb, const char *attrs,
			const char *text);
/* Where the frame area starts: below the title (and subtitle). */
int svg__top_pad(const struct svg_opts *o, int fontsize);

#endif /* SINGE_FLAME_SVG_H */
