#!/usr/bin/env bash
# singe record -t alloc benchmark (root): what the malloc-family probes cost an
# allocation-heavy program. examples/c/alloc reports its own rounds per second (10 allocation
# calls and 9 frees a round) after a warm-up in which the profiler attaches by PID; each run
# is one of:
#   none       no profiler
#   singe      singe record -t alloc -p PID (default --alloc-rate 512K)
#   duty       the same with --duty-cycle 10
#   preload    singe record -t alloc --alloc-preload -- CMD: the sampler preloaded into the
#              command (libsinge-alloc.so), which traps only on sampled allocations
#   bpftrace   a bpftrace one-liner counting the same probes (entries of malloc, calloc,
#              realloc and free, returns of the first three): the floor for any uprobe tool
# in turn (none, singe, none, duty, none, bpftrace, ...); each profiled run is compared with the
# unprofiled run just before it; the table gives the median of those ratios and their range,
# and singe's call rate and estimated cost from its summary. Prints a Markdown table.
#
#   PAIRS=5 SECONDS_RUN=6 bash bench/alloc_overhead.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SINGE=${SINGE:-./singe}
PAIRS=${PAIRS:-5}
RUN=${SECONDS_RUN:-6}
WARM=2
if ((EUID != 0)); then
	echo "bench/alloc_overhead.sh: needs root to load BPF programs" >&2
	exit 2
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/singe-bench-alloc.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
examples/c/build.sh >/dev/null
ALLOC=.output/examples/alloc
LIBC=$(ldd "$ALLOC" | awk '/libc.so/ { print $3 }')
BPFTRACE=$(command -v bpftrace || true)

# run SIDE: the example's rounds/s after the warm-up, with SIDE attached by PID
run() {
	local side=$1 pid prof=
	if [[ $side == preload ]]; then
		# a command: the sampler is preloaded into it, singe probes its two functions
		"$SINGE" record -t alloc --alloc-preload -o "$TMP/p.pb.gz" -- \
			"$ALLOC" -d $RUN -w $WARM >/dev/null 2>"$TMP/rate"
		cp "$TMP/rate" "$TMP/preload.err"
		awk '/rounds\/s/ { print $2 }' "$TMP/rate"
		return
	fi
	"$ALLOC" -d $RUN -w $WARM >/dev/null 2>"$TMP/rate" &
	pid=$!
	case $side in
	singe)
		"$SINGE" record -t alloc -p $pid -o "$TMP/a.pb.gz" >/dev/null 2>"$TMP/singe.err" &
		prof=$!
		;;
	duty)
		"$SINGE" record -t alloc --duty-cycle 10 -p $pid -o "$TMP/d.pb.gz" >/dev/null \
			2>"$TMP/duty.err" &
		prof=$!
		;;
	bpftrace)
		"$BPFTRACE" -p $pid -e "uprobe:$LIBC:malloc,uprobe:$LIBC:calloc,uprobe:$LIBC:realloc,
			uprobe:$LIBC:free,uretprobe:$LIBC:malloc,uretprobe:$LIBC:calloc,
			uretprobe:$LIBC:realloc { @hits = count(); }" >"$TMP/bt.out" 2>&1 &
		prof=$!
		;;
	esac
	wait $pid
	[[ -n $prof ]] && { kill -INT $prof 2>/dev/null; wait $prof || true; }
	awk '/rounds\/s/ { print $2 }' "$TMP/rate"
}

sides=(singe duty preload)
[[ -n $BPFTRACE ]] && sides+=(bpftrace)
for side in "${sides[@]}"; do : >"$TMP/ratios-$side"; done
: >"$TMP/base"
for ((i = 0; i < PAIRS; i++)); do
	for side in "${sides[@]}"; do
		base=$(run none)
		with=$(run "$side")
		echo "$base" >>"$TMP/base"
		awk -v b="$base" -v w="$with" 'BEGIN { printf "%.4f\n", w / b }' >>"$TMP/ratios-$side"
	done
done
calls=$(sed -n 's/.*alloc: [0-9]* allocation calls (\([0-9]*\)\/s.*, [0-9]* frees (\([0-9]*\)\/s).*/\1 allocations\/s, \2 frees\/s/p' "$TMP/singe.err")
cost=$(sed -n 's/.*(\([0-9.]*%\) of one CPU.*/\1/p' "$TMP/singe.err")
hits=$(awk '/@hits/ { print $2 }' "$TMP/bt.out" 2>/dev/null || true)
presampled=$(sed -n 's/.*command exited after [0-9.]* s: \([0-9]*\) samples.*/\1 samples/p' "$TMP/preload.err")
dutyline=$(sed -n 's/.*duty cycle 10%: values scaled by \([0-9.]*\) (attached \([0-9]*%\) of the time.*/scaled by \1, attached \2 of the time/p' "$TMP/duty.err")

echo "### Allocation profiling (\`singe record -t alloc\`, root)"
echo
echo "examples/c/alloc (10 allocation calls and 9 frees a round), rounds/s after a ${WARM}s warm-up"
echo "in which the profiler attaches by PID, ${RUN}s runs, $PAIRS pairs per row (unprofiled run just"
echo "before each profiled one); kept = rounds/s with / without."
echo
echo "| profiler | rounds/s without | kept: median (range) |"
echo "|---|---|---|"
median_base=$(sort -n "$TMP/base" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
for side in "${sides[@]}"; do
	case $side in
	singe) what="singe -t alloc (--alloc-rate 512K; last run: ${calls:-?}, estimated cost ${cost:-?} of one CPU)" ;;
	duty) what="singe -t alloc --duty-cycle 10 (last run: ${dutyline:-?})" ;;
	preload) what="singe -t alloc --alloc-preload -- CMD (the program samples itself; last run: ${presampled:-?})" ;;
	bpftrace) what="bpftrace: the same 4 uprobes + 3 uretprobes, counting only (last run: ${hits:-?} hits)" ;;
	esac
	sort -n "$TMP/ratios-$side" | awk -v name="$what" -v b="$median_base" '
		{ v[NR] = $1 } END { printf "| %s | %.0f | **%.2f%%** (%.2f … %.2f) |\n",
			name, b, v[int((NR + 1) / 2)] * 100, v[1] * 100, v[NR] * 100 }'
done
[[ -z $BPFTRACE ]] && echo "| bpftrace | not installed here: no floor measured | |"

# Go: the runtime's own sampler is probed (one hit per MemProfileRate bytes, 512 KiB by
# default), so the cost should be small. examples/go/alloc, singe attached by PID during its
# settle time; rounds/s of its work.
NOPIE=1 examples/go/build.sh "$TMP/go" alloc >/dev/null
go_run() {
	local with=$1 pid prof=
	"$TMP/go/alloc" -settle 1.5s -duration $((RUN - WARM))s >/dev/null 2>"$TMP/gorate" &
	pid=$!
	if ((with)); then
		"$SINGE" record -t alloc -p $pid -o "$TMP/g.pb.gz" >/dev/null 2>"$TMP/gosinge.err" &
		prof=$!
	fi
	wait $pid
	[[ -n $prof ]] && { wait $prof || true; }
	awk '/rounds\/s/ { print $2 }' "$TMP/gorate"
}
: >"$TMP/goratios"
: >"$TMP/gobase"
for ((i = 0; i < PAIRS; i++)); do
	base=$(go_run 0)
	with=$(go_run 1)
	echo "$base" >>"$TMP/gobase"
	awk -v b="$base" -v w="$with" 'BEGIN { printf "%.4f\n", w / b }' >>"$TMP/goratios"
done
gosampled=$(sed -n 's/.*alloc: Go: .* \([0-9]*\) sampled, \([0-9]*\) swept.*/\1 samples, \2 swept/p' "$TMP/gosinge.err")
gob=$(sort -n "$TMP/gobase" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
sort -n "$TMP/goratios" | awk -v b="$gob" -v what="examples/go/alloc (Go 1.19, MemProfileRate 512 KiB): singe -t alloc, Go's own sampler (last run: ${gosampled:-?})" '
	{ v[NR] = $1 } END { printf "| %s | %.0f | **%.2f%%** (%.2f … %.2f) |\n",
		what, b, v[int((NR + 1) / 2)] * 100, v[1] * 100, v[NR] * 100 }'
exit 0
