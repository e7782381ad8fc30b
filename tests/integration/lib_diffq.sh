# shellcheck shell=bash
# Helpers shared by tests/integration/test_diff_quality.sh and bench/diff_quality.sh: record
# examples/c/diff_work with and without its knob, form A/A and A/B comparisons from the runs and
# classify what `singe diff` says about each. Source after setting SINGE; needs jq.
#
# A comparison is "BASE RUNS -- HEAD RUNS". A/A: both sides from the unmodified build (separate
# recordings); any regression is a false positive. A/B: head runs had `-k FUNC:PCT`; a
# detection is exit 1 with exactly FUNC among the regressions (self or inclusive rows), nothing
# else. Several runs per side use distinct subsets of the recorded runs; in an A/A comparison
# the two sides never share a run.

DIFFQ_FUNC=${DIFFQ_FUNC:-checksum_block}
# Frame pointers, walked in the kernel: cheap at the rates these runs use (diff_work keeps its
# frame pointers), where --unwind auto would copy stacks for glibc's frames. A stack map 4x the
# default size (of shorter stacks, so no more memory): with the default, about 1 run in 10 lost
# one stage's stack to a hash collision (0.7-3.5% of its samples as "[missing stack]"), which
# one run per side cannot tell from a change in that stage.
read -ra DIFFQ_RECORD_OPTS <<<"${DIFFQ_RECORD_OPTS---unwind fp --stack-storage-size 131072 --max-depth 32}"

# diffq_record OUT FREQ [DIFF_WORK ARGS...]: one recording of diff_work to OUT (pprof)
diffq_record() {
	local out=$1 freq=$2
	shift 2
	"$SINGE" record -q "${DIFFQ_RECORD_OPTS[@]}" -F "$freq" -o "$out" -- "$DIFFQ_WORK" "$@" >/dev/null
}

# diffq_samples PROFILE: its total sample count (the first sample type, samples/count)
diffq_samples() {
	"$SINGE" report --format json --top 1 "$1" 2>/dev/null | jq -r '.sample_types[0].total'
}

# diffq_calibrate FREQ TARGET [DIFF_WORK ARGS...]: how many diff_work requests give about TARGET
# samples at FREQ on this machine (one short recording). Each sample costs CPU too (tens of
# microseconds in a VM), so samples per request depend on the machine, not on its load:
# calibrating keeps the sample count, and so the statistical power, the same everywhere.
# DIFFQ_CAL_REQUESTS: the requests of the calibrating run (500; more for a closer figure).
diffq_calibrate() {
	local freq=$1 target=$2 n=${DIFFQ_CAL_REQUESTS:-500} got
	shift 2
	diffq_record "$TMP/calibrate.pb.gz" "$freq" -n "$n" "$@" || return 1
	got=$(diffq_samples "$TMP/calibrate.pb.gz")
	[[ $got =~ ^[0-9]+$ ]] && ((got > 0)) || return 1
	n=$(((target * n + got - 1) / got))
	((n < 200)) && n=200
	((n > 50000)) && n=50000
	echo "$n"
}

# diffq_masks N K COUNT [ANCHOR]: COUNT distinct N-bit masks with K bits set, spread evenly over
# all of them (in increasing order). ANCHOR=1: only masks with bit 0 set, so a mask and its
# complement (N = 2K) are never both listed: each is one distinct split of the runs in two.
diffq_masks() {
	local n=$1 k=$2 count=$3 anchor=${4:-0} m bits all=() i
	for ((m = 0; m < 1 << n; m++)); do
		((anchor && !(m & 1))) && continue
		bits=0
		for ((i = 0; i < n; i++)); do ((m >> i & 1)) && bits=$((bits + 1)); done
		((bits == k)) && all+=("$m")
	done
	((count > ${#all[@]})) && count=${#all[@]}
	for ((i = 0; i < count; i++)); do echo "${all[i * ${#all[@]} / count]}"; done
}

# diffq_pick MASK FILES...: the files whose bit is set in MASK
diffq_pick() {
	local mask=$1 i=0 f
	shift
	for f in "$@"; do
		((mask >> i & 1)) && echo "$f"
		i=$((i + 1))
	done
}

# diffq_compare JSON BASE... -- HEAD... [-- DIFF OPTIONS...]: run singe diff; prints one word:
# "ok" (exit 0), "regression:NAME,NAME" (exit 1, the regressed function names, sorted) or
# "error:CODE". DIFFQ_OPTS (array, optional) adds options.
diffq_compare() {
	local json=$1 rc names
	shift
	"$SINGE" diff "${DIFFQ_OPTS[@]}" --json "$json" "$@" >/dev/null 2>"$json.err"
	rc=$?
	case $rc in
	0) echo ok ;;
	1)
		names=$(jq -r '[.changes[] | select(.verdict == "regression") | .name] | unique | join(",")' \
			"$json" 2>/dev/null) || names="?"
		echo "regression:$names"
		;;
	*) echo "error:$rc" ;;
	esac
}

# diffq_tally KIND RESULTS...: KIND aa or ab; prints "HITS TOTAL ERRORS OTHERS" where HITS counts
# false positives (aa) or exact detections (ab), and OTHERS lists what else was flagged
diffq_tally() {
	local kind=$1 hits=0 total=0 errors=0 r others=()
	shift
	for r in "$@"; do
		total=$((total + 1))
		case $kind:$r in
		aa:regression:*) hits=$((hits + 1)) others+=("${r#regression:}") ;;
		ab:regression:"$DIFFQ_FUNC") hits=$((hits + 1)) ;;
		ab:regression:*) others+=("${r#regression:}") ;;
		ab:ok) others+=("(none)") ;;
		*:error:*) errors=$((errors + 1)) ;;
		esac
	done
	echo "$hits $total $errors ${others[*]:-}"
}
