#!/usr/bin/env bash
# profile-gate.sh: fail a CI job when a change makes code slower, by profile.
#
# Records the base and the head build of a program RUNS times each (in turn, so drift on a
# shared runner hits both alike), compares them with `singe diff BASE... -- HEAD...`, writes
# the Markdown PR comment, JSON, a differential flame graph and a diff pprof to OUT_DIR, and
# exits with singe diff's code: 0 no significant regression, 1 regression, 2 error.
# Needs root (or CAP_BPF + CAP_PERFMON) to record.
#
# Settings (environment):
#   BASE_CMD, HEAD_CMD  the commands to profile, one run each (split on spaces: no quoting).
#                       Unset: build examples/c/diff_work.c twice, head with its knob set to
#                       HEAD_KNOB (default checksum_block:20, i.e. 20% slower in one function;
#                       HEAD_KNOB= builds an identical head), run as `diff_work -n REQUESTS`
#   RUNS=5              recordings per side (several runs per side make the statistics strong)
#   REQUESTS=6000       work per run of the example builds (about 2 CPU-seconds): profile a
#                       fixed amount of work, like a benchmark, not a fixed time, so a busy
#                       runner gives as many samples as an idle one
#   FREQ=4999           samples per second per CPU. More samples detect smaller changes, but
#                       past ~5 kHz the sampling's own cost skews the shares (in a VM at least):
#                       record more work or more runs instead
#   RECORD_OPTS="--unwind fp"  singe record options. Frame pointers are cheap at high rates;
#                       for a program built without them use "--unwind auto" and a lower FREQ
#   OUT_DIR=profile-gate  where profiles and reports go
#   DIFF_OPTS=          extra singe diff options, e.g. "--min-rel 5 --min-delta 0.2"
#   SINGE               the singe binary (default: singe on PATH, else this repository's ./singe)
#
#   sudo bash examples/ci/profile-gate.sh                 # exits 1: head is slower
#   sudo HEAD_KNOB= bash examples/ci/profile-gate.sh      # exits 0
#   sudo BASE_CMD="base/bin/bench -n 1000" HEAD_CMD="head/bin/bench -n 1000" \
#        bash examples/ci/profile-gate.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
RUNS=${RUNS:-5}
REQUESTS=${REQUESTS:-6000}
FREQ=${FREQ:-4999}
OUT_DIR=${OUT_DIR:-profile-gate}
DIFF_OPTS=${DIFF_OPTS:-}
RECORD_OPTS=${RECORD_OPTS---unwind fp}
SINGE=${SINGE:-$(command -v singe || echo "$repo/singe")}
BASE_CMD=${BASE_CMD:-}
HEAD_CMD=${HEAD_CMD:-}

die() {
	echo "profile-gate: $*" >&2
	exit 2
}

[[ -x $SINGE ]] || die "no singe binary at '$SINGE' (build it with make, or set SINGE=)"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, not '$RUNS'"
mkdir -p "$OUT_DIR"
rm -f "$OUT_DIR"/base-*.pb.gz "$OUT_DIR"/head-*.pb.gz "$OUT_DIR"/diff.*

# Two builds of the example: in a real project these are the base and the head checkouts.
if [[ -z $BASE_CMD || -z $HEAD_CMD ]]; then
	knob=${HEAD_KNOB-checksum_block:20}
	flags=(-O2 -g -fno-omit-frame-pointer -pthread)
	src=$repo/examples/c/diff_work.c
	${CC:-cc} "${flags[@]}" -o "$OUT_DIR/diff_work-base" "$src" || die "building the base failed"
	if [[ -n $knob ]]; then
		${CC:-cc} "${flags[@]}" -DDIFF_WORK_KNOB="\"$knob\"" -o "$OUT_DIR/diff_work-head" "$src" ||
			die "building the head failed"
	else
		${CC:-cc} "${flags[@]}" -o "$OUT_DIR/diff_work-head" "$src" || die "building the head failed"
	fi
	BASE_CMD="$OUT_DIR/diff_work-base -n $REQUESTS"
	HEAD_CMD="$OUT_DIR/diff_work-head -n $REQUESTS"
	echo "profile-gate: base = diff_work, head = diff_work with '${knob:-no knob}'" >&2
fi

# record SIDE N CMD: one recording; the program's own output goes to OUT_DIR/SIDE.log
record() {
	local side=$1 n=$2
	shift 2
	# RECORD_OPTS and the command (BASE_CMD, HEAD_CMD) are split on spaces on purpose
	# shellcheck disable=SC2086,SC2048
	"$SINGE" record -q $RECORD_OPTS -F "$FREQ" -o "$OUT_DIR/$side-$n.pb.gz" -- $* >>"$OUT_DIR/$side.log" ||
		die "recording the $side ($*) failed"
}

for ((i = 1; i <= RUNS; i++)); do
	echo "profile-gate: recording run $i of $RUNS (base, then head)" >&2
	record base "$i" "$BASE_CMD"
	record head "$i" "$HEAD_CMD"
done

base=() head=()
for ((i = 1; i <= RUNS; i++)); do
	base+=("$OUT_DIR/base-$i.pb.gz")
	head+=("$OUT_DIR/head-$i.pb.gz")
done
rc=0
# shellcheck disable=SC2086 # DIFF_OPTS is split on spaces on purpose
"$SINGE" diff $DIFF_OPTS --markdown "$OUT_DIR/diff.md" --json "$OUT_DIR/diff.json" \
	--pprof "$OUT_DIR/diff.pb.gz" -o "$OUT_DIR/diff.svg" "${base[@]}" -- "${head[@]}" || rc=$?

# On GitHub Actions the comment also goes to the job summary.
if [[ -n ${GITHUB_STEP_SUMMARY:-} && -s $OUT_DIR/diff.md ]]; then
	cat "$OUT_DIR/diff.md" >>"$GITHUB_STEP_SUMMARY"
fi
case $rc in
0) echo "profile-gate: no significant regression (reports in $OUT_DIR/)" >&2 ;;
1) echo "profile-gate: REGRESSION (see $OUT_DIR/diff.md and $OUT_DIR/diff.svg)" >&2 ;;
*) echo "profile-gate: singe diff failed (exit $rc)" >&2 rc=2 ;;
esac
exit "$rc"
