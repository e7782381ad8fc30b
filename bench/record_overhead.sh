#!/usr/bin/env bash
# singe record benchmarks (root): the slowdown of a CPU-bound workload with singe attached,
# against no profiler and against `perf record -g`, at 99 and 999 Hz; the time from
# `singe record -p` to its first sample; symbolizing and writing a profile of 10,000+
# distinct stacks, and singe's peak RSS. Prints a Markdown table.
#
# The workload measures itself: examples/c/cpu_split prints the work it did per second after
# a warm-up in which the profiler attaches. By default it runs one busy thread (-n): on a
# shared machine a neighbour taking a CPU then changes nothing, where with all CPUs busy
# (SPLIT_ARGS=) every pair would also measure the neighbours. What a profiler takes from a
# saturated machine is measured directly instead: the BPF program's run time per sample and
# singe's own CPU time. Runs alternate (none, singe, none, perf, ...) and each profiled run
# is compared with the unprofiled run just before it; the table gives the median of those
# ratios and their spread.
#
#   PAIRS=5 RUN_SECONDS=9 WARMUP=3 FREQS="99 999" SPLIT_ARGS=-n bash bench/record_overhead.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SINGE=${SINGE:-./singe}
PAIRS=${PAIRS:-5}
RUN_SECONDS=${RUN_SECONDS:-9}
WARMUP=${WARMUP:-3}
FREQS=${FREQS:-99 999}
SPLIT_ARGS=${SPLIT_ARGS--n}
SPLIT=.output/examples/cpu_split

if ((EUID != 0)); then
	echo "bench/record_overhead.sh: needs root to load BPF programs" >&2
	exit 2
fi
examples/c/build.sh >/dev/null
out=$(mktemp -d)
bg=()
trap 'kill "${bg[@]}" 2>/dev/null || true; rm -rf "$out"' EXIT
have_perf=0
command -v perf >/dev/null && have_perf=1

# run_once none|singe|perf FREQ: one workload run; prints its iterations/s
run_once() {
	local prof=$1 freq=$2 pid ppid=
	# shellcheck disable=SC2086
	"$SPLIT" -d "$RUN_SECONDS" -w "$WARMUP" $SPLIT_ARGS >"$out/split.out" &
	pid=$!
	case $prof in
	singe)
		"$SINGE" record -q -p "$pid" -F "$freq" -o "$out/singe.pb.gz" &
		ppid=$!
		;;
	perf)
		perf record -q -F "$freq" -g -p "$pid" -o "$out/perf.data" >/dev/null 2>&1 &
		ppid=$!
		;;
	esac
	wait "$pid"
	[[ -z $ppid ]] || wait "$ppid" || true
	awk '/^iterations\/s:/ { print $2 }' "$out/split.out"
}

# stats: reads ratios (profiled / unprofiled), prints "slowdown% (min..max%)" of the median
stats() {
	sort -g | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.1f%% (%.1f%% .. %.1f%%, %d pairs)", (1 - m) * 100, (1 - v[NR]) * 100, (1 - v[1]) * 100, NR }'
}

# median of numbers on stdin, and their range
median_range() {
	sort -g | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.0f (%.0f .. %.0f, %d runs)", m, v[1], v[NR], NR }'
}

declare -A result
for freq in $FREQS; do
	: >"$out/singe.$freq"
	: >"$out/perf.$freq"
	for ((i = 0; i < PAIRS; i++)); do
		base=$(run_once none "$freq")
		with=$(run_once singe "$freq")
		echo "$with / $base" | bc -l >>"$out/singe.$freq"
		if ((have_perf)); then
			base=$(run_once none "$freq")
			with=$(run_once perf "$freq")
			echo "$with / $base" | bc -l >>"$out/perf.$freq"
		fi
	done
	result[singe.$freq]=$(stats <"$out/singe.$freq")
	result[perf.$freq]=$( ((have_perf)) && stats <"$out/perf.$freq" || echo "perf not installed")
done

# CPU cost, measured directly (robust to a noisy machine): the BPF program's run time per
# sample (kernel.bpf_stats_enabled) and singe's own CPU time per second of recording, after
# its start-up
# cpu_ticks PID: utime + stime of a process, in clock ticks
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# bpf_run STAT: run_time_ns or run_cnt of the newest sample_cpu program
bpf_run() {
	bpftool prog show name sample_cpu 2>/dev/null | awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) v = $(i + 1) } END { print v + 0 }'
}
hz=$(getconf CLK_TCK)
stats_was=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
declare -A cost
for freq in $FREQS; do
	"$SPLIT" -d 12 >/dev/null &
	wpid=$!
	"$SINGE" record -q -p "$wpid" -F "$freq" -d 10 -o "$out/cost.pb.gz" &
	spid=$!
	sleep 3
	c0=$(cpu_ticks "$spid") t0=$(bpf_run run_time_ns) n0=$(bpf_run run_cnt)
	sleep 5
	c1=$(cpu_ticks "$spid") t1=$(bpf_run run_time_ns) n1=$(bpf_run run_cnt)
	wait "$spid" "$wpid" || true
	ns=$(((t1 - t0) / ((n1 - n0) > 0 ? (n1 - n0) : 1)))
	cost[bpf.$freq]="$ns ns per run ($(echo "$ns * $freq / 10000000" | bc -l | xargs printf '%.3f')% of each CPU)"
	cost[user.$freq]="$(echo "($c1 - $c0) * 1000 / $hz / 5" | bc -l | xargs printf '%.1f') ms per second"
done
sysctl -qw kernel.bpf_stats_enabled="$stats_was"

# time to the first sample: singe -v reports it, measured from its main(); the workload
# leaves a CPU free (-n) so that this measures singe, not the scheduler
"$SPLIT" -d 60 -n >/dev/null &
bg+=($!)
: >"$out/first"
for ((i = 0; i < PAIRS; i++)); do
	"$SINGE" record -v -p "${bg[0]}" -d 0.5 -o "$out/first.pb.gz" 2>&1 |
		sed -n 's/.*first sample \([0-9.]*\) ms after start.*/\1/p' >>"$out/first"
done
kill "${bg[0]}" 2>/dev/null
first=$(median_range <"$out/first")

# a profile with 10,000+ distinct stacks: cpu_split -s walks 2^15 call paths
"$SPLIT" -s -d 14 >/dev/null &
bg+=($!)
sleep 0.5
if [[ -x /usr/bin/time ]]; then
	/usr/bin/time -v "$SINGE" record -v -p "${bg[1]}" -F 4999 -d 10 -o "$out/big.pb.gz" -o "$out/big.svg" \
		>"$out/big.log" 2>&1
else
	"$SINGE" record -v -p "${bg[1]}" -F 4999 -d 10 -o "$out/big.pb.gz" -o "$out/big.svg" >"$out/big.log" 2>&1
fi
kill "${bg[1]}" 2>/dev/null
stacks=$(sed -n 's/.*debug: \([0-9]*\) distinct stacks.*/\1/p' "$out/big.log")
sym_ms=$(sed -n 's/.*symbolized in \([0-9.]*\) ms of CPU in all.*/\1/p' "$out/big.log")
last_ms=$(sed -n 's/.*last drain and profile \([0-9.]*\) ms.*/\1/p' "$out/big.log")
write_ms=$(sed -n 's/.*written in \([0-9.]*\) ms.*/\1/p' "$out/big.log")
rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): \([0-9]*\).*/\1/p' "$out/big.log")
[[ -n $rss_kb ]] || rss_kb=$(sed -n 's/.*peak RSS \([0-9]*\) kB.*/\1/p' "$out/big.log")
total_ms=$(echo "${sym_ms:-0} + ${last_ms:-0} + ${write_ms:-0}" | bc -l)

echo "### singe record: overhead and latency"
echo
echo "$(nproc) CPUs, Linux $(uname -r), $(date -u +%Y-%m-%d); event: cpu-clock unless the CPU has a PMU."
echo "Workload: \`cpu_split -d $RUN_SECONDS -w $WARMUP $SPLIT_ARGS\`, iterations/s after the warm-up; CPU costs measured on \`cpu_split\` (3 busy threads)."
echo
echo "| measure | singe | perf record -g | target |"
echo "|---|---|---|---|"
for freq in $FREQS; do
	echo "| slowdown at $freq Hz: median (range) | ${result[singe.$freq]} | ${result[perf.$freq]} | $( ((freq <= 99)) && echo "≤ 1%, ≤ perf" || echo "≤ perf") |"
done
for freq in $FREQS; do
	echo "| BPF program at $freq Hz, in the profiled threads | ${cost[bpf.$freq]} | | |"
	echo "| singe's own CPU at $freq Hz (drains, status) | ${cost[user.$freq]} | | |"
done
echo "| first sample after start, ms: median (range) | $first | | < 300 |"
echo "| symbolize + write, $stacks distinct stacks (pprof + SVG) | $(printf '%.0f' "$total_ms") ms (symbolize $sym_ms, last drain $last_ms, write $write_ms) | | < 1000 ms |"
echo "| peak RSS for that profile | $((rss_kb / 1024)) MB | | < 100 MB |"
