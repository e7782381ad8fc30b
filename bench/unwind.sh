#!/usr/bin/env bash
# Unwinding benchmarks (root): the slowdown of examples/c/qsort_hot (qsort in Debian's libc
# calling back into the program: frame pointers break there) at 99 Hz with singe --unwind fp,
# singe --unwind dwarf and `perf record --call-graph dwarf`, against no profiler; the bytes
# copied per sample; the samples singe unwinds per second of its own CPU time (qsort_hot and
# CPython 3.11), and the BPF program's run time per sample with fp and dwarf. Prints Markdown.
#
# Runs alternate (none, profiled, none, profiled, ...) and each profiled run is compared with
# the unprofiled run just before it: the table gives the median of those ratios and their range.
#
#   PAIRS=5 RUN_SECONDS=8 WARMUP=2 FREQ=99 bash bench/unwind.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SINGE=${SINGE:-./singe}
PAIRS=${PAIRS:-5}
RUN_SECONDS=${RUN_SECONDS:-8}
WARMUP=${WARMUP:-2}
FREQ=${FREQ:-99}
QSORT=.output/examples/qsort_hot
PY=/usr/bin/python3.11

if ((EUID != 0)); then
	echo "bench/unwind.sh: needs root to load BPF programs" >&2
	exit 2
fi
examples/c/build.sh >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
have_perf=0
command -v perf >/dev/null && have_perf=1

# run_once none|fp|dwarf|perf: one workload run; prints its iterations/s
run_once() {
	local prof=$1 pid ppid=
	"$QSORT" -d "$RUN_SECONDS" -w "$WARMUP" >"$out/q.out" &
	pid=$!
	case $prof in
	fp | dwarf)
		"$SINGE" record -q -p "$pid" -F "$FREQ" --unwind "$prof" -o "$out/$prof.pb.gz" &
		ppid=$!
		;;
	perf)
		perf record -q -F "$FREQ" --call-graph dwarf -p "$pid" -o "$out/perf.data" \
			>/dev/null 2>&1 &
		ppid=$!
		;;
	esac
	wait "$pid"
	[[ -z $ppid ]] || wait "$ppid" || true
	awk '/^iterations\/s:/ { print $2 }' "$out/q.out"
}

# stats: reads ratios (profiled / unprofiled), prints "slowdown% (min..max%)" of the median
stats() {
	sort -g | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.1f%% (%.1f%% .. %.1f%%, %d pairs)", (1 - m) * 100, (1 - v[NR]) * 100, (1 - v[1]) * 100, NR }'
}

modes="fp dwarf"
((have_perf)) && modes+=" perf"
declare -A slowdown
for mode in $modes; do
	: >"$out/ratio.$mode"
done
for ((i = 0; i < PAIRS; i++)); do
	for mode in $modes; do
		base=$(run_once none)
		with=$(run_once "$mode")
		echo "$with / $base" | bc -l >>"$out/ratio.$mode"
	done
done
for mode in $modes; do
	slowdown[$mode]=$(stats <"$out/ratio.$mode")
done

# bytes per sample: singe reports its average copy (-v); perf's file size per sample
"$QSORT" -d 7 >/dev/null &
qpid=$!
sleep 0.5
"$SINGE" record -v -p "$qpid" -F 999 -d 5 --unwind dwarf -o "$out/rate.pb.gz" >"$out/rate.log" 2>&1
wait "$qpid" || true
rate_line=$(sed -n 's/.*debug: unwound \(.*\)/\1/p' "$out/rate.log")
q_rate=$(sed -n 's/.*(\([0-9]*\) per second).*/\1/p' <<<"$rate_line")
q_kib=$(sed -n 's/.*, \([0-9.]*\) KiB copied per sample.*/\1/p' <<<"$rate_line")
q_ms=$(sed -n 's/.*in \([0-9.]*\) ms of CPU.*/\1/p' <<<"$rate_line")
q_n=$(sed -n 's/^\([0-9]*\) stack copies.*/\1/p' <<<"$rate_line")

py_rate="python3.11 not installed"
if [[ -x $PY ]]; then
	cat >"$out/busy.py" <<-'EOF'
		import time
		def fib(n):
		    return n if n < 2 else fib(n - 1) + fib(n - 2)
		end = time.time() + 7
		while time.time() < end:
		    fib(20)
	EOF
	"$PY" "$out/busy.py" &
	ppid=$!
	sleep 0.5
	"$SINGE" record -v -p "$ppid" -F 999 -d 5 --unwind dwarf -o "$out/py.pb.gz" >"$out/py.log" 2>&1
	wait "$ppid" || true
	py_line=$(sed -n 's/.*debug: unwound \(.*\)/\1/p' "$out/py.log")
	py_rate="$(sed -n 's/.*(\([0-9]*\) per second).*/\1/p' <<<"$py_line") per second ($(sed -n 's/.*, \([0-9.]*\) KiB copied.*/\1/p' <<<"$py_line") KiB per sample)"
fi

perf_bytes="perf not installed"
if ((have_perf)); then
	"$QSORT" -d 7 >/dev/null &
	qpid=$!
	sleep 0.5
	perf record -q -F 999 --call-graph dwarf -p "$qpid" -o "$out/perf-size.data" -- sleep 5 \
		>/dev/null 2>&1 || true
	wait "$qpid" || true
	n=$(perf script -i "$out/perf-size.data" -F period 2>/dev/null | wc -l)
	size=$(stat -c %s "$out/perf-size.data")
	((n > 0)) && perf_bytes="$((size / n)) bytes per sample (perf.data size / $n samples)"
fi

# the BPF program's own cost per sample, fp against dwarf (kernel.bpf_stats_enabled)
bpf_run() {
	bpftool prog show name sample_cpu 2>/dev/null | awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) v = $(i + 1) } END { print v + 0 }'
}
stats_was=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
declare -A bpf_ns
for mode in fp dwarf; do
	"$QSORT" -d 9 >/dev/null &
	qpid=$!
	"$SINGE" record -q -p "$qpid" -F 999 -d 7 --unwind "$mode" -o "$out/cost.pb.gz" &
	spid=$!
	sleep 2
	t0=$(bpf_run run_time_ns) n0=$(bpf_run run_cnt)
	sleep 4
	t1=$(bpf_run run_time_ns) n1=$(bpf_run run_cnt)
	wait "$spid" "$qpid" || true
	bpf_ns[$mode]=$(((t1 - t0) / ((n1 - n0) > 0 ? (n1 - n0) : 1)))
done
sysctl -qw kernel.bpf_stats_enabled="$stats_was"

echo "### singe record --unwind: cost of DWARF unwinding"
echo
echo "$(nproc) CPUs, Linux $(uname -r), $(date -u +%Y-%m-%d), \`bash bench/unwind.sh\` (PAIRS=$PAIRS)."
echo "Workload: \`qsort_hot -d $RUN_SECONDS -w $WARMUP\` (one thread; qsort in Debian's libc calls the hot comparison back), elements sorted per second after the warm-up."
echo
echo "| measure | singe --unwind fp | singe --unwind dwarf | perf record --call-graph dwarf |"
echo "|---|---|---|---|"
echo "| slowdown at $FREQ Hz: median (range) | ${slowdown[fp]} | ${slowdown[dwarf]} | ${slowdown[perf]:-perf not installed} |"
echo "| bytes copied per sample | 0 (frame-pointer walk in the kernel) | $(printf '%.0f' "$(echo "${q_kib:-0} * 1024" | bc -l)") (stack, 16 KiB max) + 168 (registers, ids) | $perf_bytes |"
echo "| BPF program per sample at 999 Hz | ${bpf_ns[fp]} ns | ${bpf_ns[dwarf]} ns | |"
echo "| samples unwound per second of singe's CPU, qsort_hot | | ${q_rate:-?} ($q_n samples in $q_ms ms) | |"
echo "| samples unwound per second of singe's CPU, python3.11 | | $py_rate | |"
