#!/usr/bin/env bash
# singe record -t offcpu benchmark (root): the worst case of an off-CPU profiler, a two-thread
# pipe ping-pong (examples/c/pingpong: two switches per round trip), with no profiler, with
# singe record -t offcpu (default --unwind auto) and with perf record -e sched:sched_switch -g
# (the classic off-CPU method; Debian's perf has no --off-cpu). The workload measures itself
# (round trips per second). Runs alternate (none, singe, perf, none, ...) and each profiled run
# is compared with the unprofiled run just before it: the table gives the median of those
# ratios and their spread. Then the BPF program's own cost per run of its sched_switch
# program (kernel.bpf_stats_enabled for one recording, set back after).
#
#   PAIRS=5 RUN_SECONDS=3 bash bench/offcpu.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SINGE=${SINGE:-./singe}
PAIRS=${PAIRS:-5}
RUN_SECONDS=${RUN_SECONDS:-3}
PINGPONG=.output/examples/pingpong

if ((EUID != 0)); then
	echo "bench/offcpu.sh: needs root to load BPF programs" >&2
	exit 2
fi
examples/c/build.sh >/dev/null
out=$(mktemp -d)
stats_was=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null || echo 0)
trap 'sysctl -q kernel.bpf_stats_enabled="$stats_was" 2>/dev/null || true; rm -rf "$out"' EXIT
have_perf=0
if command -v perf >/dev/null; then
	# perf's tracepoint events need tracefs, not mounted on a fresh machine
	[[ -d /sys/kernel/tracing/events/sched ]] || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
	[[ -d /sys/kernel/tracing/events/sched ]] && have_perf=1
fi

rate() { awk '/^round trips\/s:/ { print $3 }' "$1"; }

# run_once none|singe|perf: one workload run; prints its round trips per second
run_once() {
	case $1 in
	none) "$PINGPONG" -d "$RUN_SECONDS" >"$out/run.txt" ;;
	singe) "$SINGE" record -q -t offcpu -o "$out/s.pb.gz" -- "$PINGPONG" -d "$RUN_SECONDS" >"$out/run.txt" ;;
	perf) perf record -q -e sched:sched_switch -g -o "$out/perf.data" -- "$PINGPONG" -d "$RUN_SECONDS" \
		>"$out/run.txt" 2>/dev/null ;;
	esac
	rate "$out/run.txt"
}

singe_ratios=() perf_ratios=() base_rates=()
for ((i = 0; i < PAIRS; i++)); do
	base=$(run_once none)
	base_rates+=("$base")
	s=$(run_once singe)
	singe_ratios+=("$(awk -v b="$base" -v s="$s" 'BEGIN { printf "%.3f", b / s }')")
	if ((have_perf)); then
		p=$(run_once perf)
		perf_ratios+=("$(awk -v b="$base" -v p="$p" 'BEGIN { printf "%.3f", b / p }')")
	fi
done

# median_spread FORMAT VALUES...: "median (min-max)", each printed with FORMAT
median_spread() {
	local f=$1
	shift
	printf '%s\n' "$@" | sort -g | awk -v f="$f" '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf f " (" f "-" f ")", m, v[1], v[NR] }'
}

# the BPF program's run time per switch seen, during one recording
sysctl -q kernel.bpf_stats_enabled=1
"$SINGE" record -q -t offcpu -o "$out/cost.pb.gz" -- "$PINGPONG" -d "$RUN_SECONDS" >/dev/null &
rec=$!
sleep "$(awk -v s="$RUN_SECONDS" 'BEGIN { print s * 0.7 }')"
cost=$(bpftool prog show name on_switch 2>/dev/null |
	awk '{ for (i = 1; i < NF; i++) { if ($i == "run_time_ns") t = $(i + 1); if ($i == "run_cnt") c = $(i + 1) } }
		END { if (c) printf "%.0f ns per run over %d runs", t / c, c; else print "not measured" }')
wait "$rec" || true
sysctl -q kernel.bpf_stats_enabled="$stats_was"

echo "### Off-CPU recording: pipe ping-pong (\`bench/offcpu.sh\`)"
echo
echo "$(nproc) CPUs, $(uname -r), $(date -u +%Y-%m-%d); $PAIRS runs of ${RUN_SECONDS} s per side, alternating;"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg). Slowdown = round trips/s without"
echo "a profiler / with it, run after run: median (min-max)."
echo
echo "| profiler | slowdown | round trips lost |"
echo "|---|---|---|"
m=$(median_spread %.2f "${singe_ratios[@]}")
echo "| singe record -t offcpu | ×$m | $(awk -v r="${m%% *}" 'BEGIN { printf "%.0f%%", 100 * (1 - 1 / r) }') |"
if ((have_perf)); then
	m=$(median_spread %.2f "${perf_ratios[@]}")
	echo "| perf record -e sched:sched_switch -g | ×$m | $(awk -v r="${m%% *}" 'BEGIN { printf "%.0f%%", 100 * (1 - 1 / r) }') |"
else
	echo "| perf record -e sched:sched_switch -g | not measured (no perf or no tracefs) | |"
fi
echo
echo "Without a profiler: $(median_spread %.0f "${base_rates[@]}") round trips/s. singe's sched_switch"
echo "program: $cost (every switch on the machine; a target's switch-out does the stack work)."
