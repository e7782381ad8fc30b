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
 * --header) are comments; "file.c:123" lines (-F +srcline) are skipped.
 */
#ifndef SINGE_FLAME_PERFSCRIPT_H
#define SINGE_FLAME_PERFSCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include "profile.h"

/*
 * Parse perf script text from buf[0..len) (any bytes; need not be NUL-terminated) and append
 * its samples to p, each with value 1 of the sample type "samples/count" (added to an empty p;
 * a p with sample types must have exactly one, else -EINVAL).
 *
 * Labels: "comm" (string), and "pid" and "tid" (numbers) when the header shows them (a lone
 * number is the tid, as perf prints by default). Frames: the function is the symbol without
 * its "+0x..." offset ("[unknown]" stays "[unknown]", and so does a missing symbol); the
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
