/* SPDX-License-Identifier: MIT */
/*
 * The diff as a pprof profile, the way `go tool pprof -diff_base=BASE HEAD` builds one in
 * memory: the head samples as they are, plus the base samples with their values negated and
 * a string label pprof::base=true. `go tool pprof -top diff.pb.gz` (or -http, -flame...)
 * opens the file as a diff: percentages are of the head total, and a function's value is
 * head minus base.
 *
 * Several runs per side: when the sides have a different number of runs, base values are
 * multiplied by head runs / base runs (rounded) so both sides stand for one run's worth of
 * samples per head run. The file says so in a comment.
 */
#ifndef SINGE_FLAME_DIFF_PPROF_H
#define SINGE_FLAME_DIFF_PPROF_H

#include "diff.h"
#include "profile.h"

#define DIFF_PPROF_BASE_KEY "pprof::base"
#define DIFF_PPROF_BASE_VALUE "true"

/*
 * Build the diff profile of d (which must carry its merged sides, d->base and d->head) into
 * *out (owned by the caller; profile__free()). 0, -EINVAL with a message in err (sides that do
 * not merge), or -ENOMEM.
 */
int diff_pprof__build(const struct diff *d, struct profile **out, struct flame_err *err);

#endif /* SINGE_FLAME_DIFF_PPROF_H */
