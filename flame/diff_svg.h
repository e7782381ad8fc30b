/* SPDX-License-Identifier: MIT */
/*
 * The differential flame graph: one standalone SVG that shows grown, shrunk, new and vanished
 * paths of a comparison (diff.h).
 *
 * Frames are the union of the base and head call trees (merged by path). Two shapes share the
 * same frames, switched by a "Base shape" / "Head shape" button: in head shape frame widths
 * are the head's share of its total (vanished paths are hidden), in base shape the base's
 * (vanished paths visible, new ones hidden). Colour is the change of a path's inclusive share
 * in percentage points, red = grew, blue = shrank, full colour at the largest change drawn
 * (at least 1 pp); purple = new (absent from base); vanished paths are full blue with a
 * dashed outline. Frames of functions the diff found to be significant regressions have a
 * bold outline. Tooltips give head, base and the change (pp of the total and relative).
 * The legend states all of that.
 *
 * It reuses the flame graph machinery (svg.h: escaping, layout, the zoom/search script) and
 * its options: title, subtitle, notes, width, frame height, font size, minwidth (a frame is
 * drawn when it is wide enough in either shape), max_frames and no_js. Deterministic.
 */
#ifndef SINGE_FLAME_DIFF_SVG_H
#define SINGE_FLAME_DIFF_SVG_H

#include <stdio.h>

#include "diff.h"
#include "svg.h"

/*
 * Write the differential SVG of d (with its merged sides d->base, d->head) to out; opts may
 * be NULL (defaults; title "Differential Flame Graph"). 0, -EINVAL / -ENOMEM with a message
 * in err, or -EIO when writing failed.
 */
int diff_svg__write(const struct diff *d, const struct svg_opts *opts, FILE *out,
		    struct flame_err *err);

#endif /* SINGE_FLAME_DIFF_SVG_H */
