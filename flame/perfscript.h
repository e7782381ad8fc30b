/* SPDX-License-Identifier: MIT */
/*
 * A reader for the text `perf script` prints, with its default fields or with -F, with or
 * without callchains:
 *
 *	Web Content  6069   979.342090:    1001001 cpu-clock:ppp:
 *		            180c app::crunch<int, long>+0x50 (/tmp/ps/work)
 *		ffffffff81000c82 asm_exc_page_fault+0x22 ([kernel.kallsyms])
 *
 * A sample is a header line (comm, pid/tid, cpu, time, period, event: whichever were asked
 * for) followed by its callchain, leaf first, one frame per tab-indented line
 * ("ip symbol+0xoffset (dso)"), and ends at a blank line or the next header. Without a
 * callchain the header carries the one frame itself. Lines starting with '#' (perf script
 * --header) are comments; source lines (-F +srcline: "  file.c:123", or the dso and address
 * "  [kernel.kallsyms][ffffffff8100a1b2]" where there is no line table) are skipped. Inside a
 * callchain an indented line that is neither a frame nor a source line is a bad line, never
 * the start of a new sample.
 */
#ifndef SINGE_FLAME_PERFSCRIPT_H
#define SINGE_FLAME_PERFSCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include "profile.h"

/*
 * Parse perf script text from buf[0..len) (any bytes; need not be NUL-terminated) and append
 * its samples to p. Columns, chosen on an empty p from the first sample's header:
 *  - "samples/count", 1 per sample;
 *  - when the header shows the sample period ("1.5: 1001001 cpu-clock:", perf's default for
 *    most events, or -F +period), a second column named after the event, with that period:
 *    "cpu-clock/nanoseconds" (cpu-clock and task-clock), else "EVENT/count" ("cycles/count";
 *    "period/count" when the event is not shown). It is the default sample type, so shares
 *    match perf report and stackcollapse-perf, which weigh samples by their period; the
 *    profile's period_type is that column and its period the samples' mean period.
 * Without periods every sample counts 1 and a profile comment says so. A p that already has
 * sample types must have 1 (counts) or 2 (counts, periods), else -EINVAL.
 *
 * Labels: "comm" (string), and "pid" and "tid" (numbers) when the header shows them (a lone
 * number is the tid, as perf prints by default). Frames: the function is the symbol without
 * its "+0x..." offset; an unknown or missing symbol is named after its module, as
 * stackcollapse-perf does: "[unknown] (/usr/bin/python3.11)" gives "[python3.11]", a dso in
 * brackets is kept as it is ("[kernel.kallsyms]"), and no dso gives "[unknown]"; the
 * mapping is the dso in parentheses (one mapping per distinct dso, named by it, so the kernel
 * is "[kernel.kallsyms]"); the location's address is the ip. A frame whose dso is "(inlined)"
 * (perf script --inline) shares one location with the frame it was inlined into, the next one.
 * A sample without a callchain or a symbol gets one frame named after its comm.
 *
 * Frame lines that do not parse, and samples with nothing to show (no frame, no comm), are
 * counted in p->quality.bad_lines; "[unknown]" frames in p->quality.unknown_frames.
 * Returns 0; -EINVAL with a one-line message in err when no sample parsed; -ENOMEM/-E2BIG.
 */
int perfscript__parse(struct profile *p, const char *buf, size_t len, struct flame_err *err);

/* Does buf look like perf script output? */
bool perfscript__sniff(const char *buf, size_t len);

#endif /* SINGE_FLAME_PERFSCRIPT_H */
