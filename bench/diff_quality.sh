#!/usr/bin/env bash
# singe diff's measured false-positive and detection rates (root: it records), the long form of
# tests/integration/test_diff_quality.sh. Records examples/c/diff_work NA times unmodified (A)
# and NB times at each knob level (checksum_block, 8% of the CPU, made LEVEL% more expensive),
# round-robin so drift on a shared machine hits every variant alike, then runs `singe diff` on:
#   1 run per side   every pair of A runs (A/A); every (A run, B run) pair per level (A/B)
#   5 runs per side  COMPARISONS distinct splits of 10 A runs into halves (A/A); COMPARISONS
#                    distinct (5 A runs, 5 B runs) subsets per level (A/B)
# A/A: a regression is a false positive. A/B: a detection is exit 1 with exactly checksum_block
# flagged. The smallest regression reliably detected is the smallest level detected in >= 95%.
# Prints a Markdown table for docs/DIFF.md.
#
# Each run is a fixed amount of work (diff_work -n N), N calibrated by one short recording for
# about SAMPLES samples, so a busy machine changes the wall time, not the number of samples.
#
#   NA=12 NB=8 LEVELS="5 10 15 20 30" FREQ=4999 SAMPLES=25000 COMPARISONS=100 \
#   SHAPE=6 MODE=work DIFF_OPTS="" bash bench/diff_quality.sh
#
# SHAPE=4: diff_work -s 40,30,20,10, four hot functions, the knob on compress_block (20%).
# MODE=time: each run lasts SAMPLES / FREQ / 2 seconds (two busy threads) instead: the sample
# count then follows how much CPU the machine leaves the workload. bench/diff_shapes.sh covers
# 20 and 200 functions on simulated recordings.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

SINGE=${SINGE:-./singe}
NA=${NA:-12}
NB=${NB:-8}
LEVELS=${LEVELS:-5 10 15 20 30}
FREQ=${FREQ:-4999}
SAMPLES=${SAMPLES:-25000}
COMPARISONS=${COMPARISONS:-100}
SHAPE=${SHAPE:-6}
MODE=${MODE:-work}
read -ra DIFFQ_OPTS <<<"${DIFF_OPTS:-}"
. tests/integration/lib_diffq.sh
case $SHAPE in
6) WORK_ARGS=() BASE_SHARE=8 ;;
4) WORK_ARGS=(-s "40,30,20,10") BASE_SHARE=20 DIFFQ_FUNC=compress_block ;;
*)
	echo "bench/diff_quality.sh: SHAPE is 6 or 4" >&2
	exit 2
	;;
esac

if ((EUID != 0)); then
	echo "bench/diff_quality.sh: needs root to record" >&2
	exit 2
fi
if ((NA < 10 || NB < 5)); then
	echo "bench/diff_quality.sh: needs NA >= 10 and NB >= 5 (5 runs per side)" >&2
	exit 2
fi
command -v jq >/dev/null || {
	echo "bench/diff_quality.sh: needs jq (make deps)" >&2
	exit 2
}
examples/c/build.sh >/dev/null
DIFFQ_WORK=.output/examples/diff_work
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
started=$(date +%s)
TMP=$out
if [[ $MODE == time ]]; then
	AMOUNT=(-d "$(awk -v s="$SAMPLES" -v f="$FREQ" 'BEGIN { printf "%.2f", s / f / 2 }')")
elif [[ -z ${REUSE:-} ]] && ! REQUESTS=$(diffq_calibrate "$FREQ" "$SAMPLES" "${WORK_ARGS[@]}"); then
	echo "bench/diff_quality.sh: calibrating failed (singe record or singe report)" >&2
	exit 2
else
	AMOUNT=(-n "${REQUESTS:-1}")
fi

# --- record: one A run, then one run of every level, NA (or NB) rounds. KEEP=DIR keeps the
# recordings; REUSE=DIR compares kept ones instead of recording.
declare -A runs
runs_dir=${REUSE:-$out}
for ((i = 0; i < NA || i < NB; i++)); do
	if ((i < NA)); then
		[[ -n ${REUSE:-} ]] || diffq_record "$out/a$i.pb.gz" "$FREQ" "${AMOUNT[@]}" "${WORK_ARGS[@]}" || exit 2
		runs[0]+="$runs_dir/a$i.pb.gz "
	fi
	for l in $LEVELS; do
		((i < NB)) || continue
		[[ -n ${REUSE:-} ]] ||
			diffq_record "$out/b$l-$i.pb.gz" "$FREQ" "${AMOUNT[@]}" "${WORK_ARGS[@]}" \
				-k "$DIFFQ_FUNC:$l" || exit 2
		runs[$l]+="$runs_dir/b$l-$i.pb.gz "
	done
done
[[ -z ${KEEP:-} || -n ${REUSE:-} ]] || { mkdir -p "$KEEP" && cp "$out"/*.pb.gz "$KEEP/"; }
recorded=$(date +%s)
read -ra A <<<"${runs[0]}"
# samples per A run: min..max, for the record
samples=$(for f in "${A[@]}"; do
	"$SINGE" report --format json --top 1 "$f" 2>/dev/null | jq -r '.sample_types[0].total'
done | sort -n | sed -n '1p;$p' | paste -sd- | sed 's/-/–/')

# rate KIND CMP_LINES: runs the comparisons ("BASE LIST|HEAD LIST" lines); prints "hits/total"
# and appends what else was flagged to $out/others
rate() {
	local kind=$1 base head r results=() hits total errors others label
	# $2: the label of what else was flagged
	while IFS='|' read -r base head; do
		# shellcheck disable=SC2086
		results+=("$(diffq_compare "$out/cmp.json" $base -- $head)")
	done
	read -r hits total errors others < <(diffq_tally "$kind" "${results[@]}")
	[[ $kind == aa ]] && label="A/A, $2" || label="A/B, $2"
	for r in $others; do echo "$label: $r"; done >>"$out/others"
	((errors)) && echo "bench/diff_quality.sh: $errors comparisons failed: $(cat "$out/cmp.json.err")" >&2
	echo "$hits/$total"
}

pairs_aa1() {
	local i j
	for ((i = 0; i < NA; i++)); do
		for ((j = i + 1; j < NA; j++)); do echo "${A[i]}|${A[j]}"; done
	done
}
pairs_ab1() {
	local a b
	read -ra Bl <<<"${runs[$1]}"
	for a in "${A[@]}"; do for b in "${Bl[@]}"; do echo "$a|$b"; done; done
}
sets_aa5() {
	local m full=$(((1 << 10) - 1))
	for m in $(diffq_masks 10 5 "$COMPARISONS" 1); do
		echo "$(diffq_pick "$m" "${A[@]:0:10}" | xargs)|$(diffq_pick $((full & ~m)) "${A[@]:0:10}" | xargs)"
	done
}
sets_ab5() {
	local m k=0 bm=()
	read -ra Bl <<<"${runs[$1]}"
	mapfile -t bm < <(diffq_masks "${#Bl[@]}" 5 "$COMPARISONS")
	for m in $(diffq_masks 10 5 "$COMPARISONS"); do
		echo "$(diffq_pick "$m" "${A[@]:0:10}" | xargs)|$(diffq_pick "${bm[k % ${#bm[@]}]}" "${Bl[@]}" | xargs)"
		k=$((k + 1))
	done
}

# pct HITS/TOTAL: the rate in percent
pct() { awk -v r="$1" 'BEGIN { split(r, a, "/"); printf "%.0f%%", 100 * a[1] / a[2] }'; }
reliable() { awk -v r="$1" 'BEGIN { split(r, a, "/"); exit !(a[1] >= 0.95 * a[2]) }'; }

aa1=$(pairs_aa1 | rate aa "1 run")
aa5=$(sets_aa5 | rate aa "5 runs")
declare -A ab1 ab5
smallest1="none" smallest5="none"
for l in $LEVELS; do
	ab1[$l]=$(pairs_ab1 "$l" | rate ab "1 run, +$l%")
	ab5[$l]=$(sets_ab5 "$l" | rate ab "5 runs, +$l%")
	[[ $smallest1 == none ]] && reliable "${ab1[$l]}" && smallest1="+$l%"
	[[ $smallest5 == none ]] && reliable "${ab5[$l]}" && smallest5="+$l%"
done
finished=$(date +%s)

share() { awk -v l="$1" -v p="$BASE_SHARE" 'BEGIN { printf "%.2f", p * (1 + l / 100) / (1 + p / 100 * l / 100) }'; }
echo "### singe diff: false positives and detection (bench/diff_quality.sh)"
echo
echo "Command: \`NA=$NA NB=$NB LEVELS=\"$LEVELS\" FREQ=$FREQ SAMPLES=$SAMPLES" \
	"COMPARISONS=$COMPARISONS SHAPE=$SHAPE MODE=$MODE DIFF_OPTS=\"${DIFF_OPTS:-}\" bash bench/diff_quality.sh\`  "
echo "Date: $(date -u +%Y-%m-%d), $(nproc) CPUs, Linux $(uname -r | cut -d- -f1)," \
	"load average $(cut -d' ' -f1 /proc/loadavg) at the end; $(((recorded - started) / 60)) min" \
	"recording, $(((finished - recorded) / 60)) min comparing; each run \`diff_work ${AMOUNT[*]} ${WORK_ARGS[*]}\`${samples:+, $samples samples per A run}."
echo
echo "| comparison | 1 run per side | 5 runs per side |"
echo "|---|---|---|"
echo "| A/A: false positives (any regression reported) | $aa1 ($(pct "$aa1")) | $aa5 ($(pct "$aa5")) |"
for l in $LEVELS; do
	echo "| A/B: $DIFFQ_FUNC +$l% (share $BASE_SHARE% → $(share "$l")%), detected exactly |" \
		"${ab1[$l]} ($(pct "${ab1[$l]}")) | ${ab5[$l]} ($(pct "${ab5[$l]}")) |"
done
echo "| smallest regression detected in ≥ 95% | $smallest1 | $smallest5 |"
if [[ -s $out/others ]]; then
	echo
	echo "What was flagged besides $DIFFQ_FUNC (\"(none)\": a missed detection), most frequent first:"
	sort "$out/others" | uniq -c | sort -rn | head -15 | sed 's/^ *\([0-9]*\) /- \1× /'
fi
