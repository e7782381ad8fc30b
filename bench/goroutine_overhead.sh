#!/usr/bin/env bash
# singe record -t goroutine benchmark (root): what the uprobes cost a Go program, measured by
# the program itself. The workload is the worst case, a channel ping-pong
# (examples/go/pingpong: two goroutines, every exchange can park both, every park and run
# hits a uprobe), run with no profiler, with -t goroutine, and with -t goroutine
# --duty-cycle 10, in turn (A B C A B C ...). Each profiled run is compared with the
# unprofiled run just before it (round trips/s with / without: the share of the throughput
# kept); the table gives the median of those ratios and their range, and the park rate
# singe's summary printed (while attached, for --duty-cycle).
#
#   PAIRS=5 RUN_SECONDS=3 bash bench/goroutine_overhead.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SINGE=${SINGE:-./singe}
PAIRS=${PAIRS:-5}
RUN_SECONDS=${RUN_SECONDS:-3}
DUTY=${DUTY:-10}

if ((EUID != 0)); then
	echo "bench/goroutine_overhead.sh: needs root to load BPF programs" >&2
	exit 2
fi
out=$(mktemp -d "${TMPDIR:-/tmp}/singe-bench-goroutine.XXXXXX")
trap 'rm -rf "$out"' EXIT
NOPIE=1 examples/go/build.sh "$out" pingpong >/dev/null
gover=$(go version | awk '{ print $3 }')
# the program sleeps 1 s first, in which singe reads its image and attaches the probes
PINGPONG=("$out/pingpong" -settle 1s -d "$RUN_SECONDS")

rate() { awk '/^round trips\/s:/ { print $3 }' "$1"; }
# (0 when singe printed none: a failed run shows as 0, not as the end of the benchmark)
park_rate() { grep -o 'goroutine: [0-9]* parks ([0-9]*/s' "$1" | grep -o '[0-9]*/s' | tr -d /s || echo 0; }
# the share of the time the program trapped: attached, and detaching (the kernel's grace period)
trap_share() { grep -o 'traps about [0-9]*% of the time' "$1" | grep -o '[0-9]*' || echo 0; }

# run_once none|full|duty: one workload run; prints its round trips per second (and keeps
# singe's summary in $out/KIND.err)
run_once() {
	case $1 in
	none) "${PINGPONG[@]}" >"$out/run.txt" ;;
	full) "$SINGE" record -t goroutine -o "$out/full.pb.gz" -- "${PINGPONG[@]}" \
		>"$out/run.txt" 2>"$out/full.err" ;;
	duty) "$SINGE" record -t goroutine --duty-cycle "$DUTY" -o "$out/duty.pb.gz" -- \
		"${PINGPONG[@]}" >"$out/run.txt" 2>"$out/duty.err" ;;
	esac
	rate "$out/run.txt"
}

base_rates=() full_rates=() duty_rates=() full_kept=() duty_kept=() full_parks=() duty_parks=()
duty_traps=()
for ((i = 0; i < PAIRS; i++)); do
	base=$(run_once none)
	full=$(run_once full)
	full_parks+=("$(park_rate "$out/full.err")")
	duty=$(run_once duty)
	duty_parks+=("$(park_rate "$out/duty.err")")
	duty_traps+=("$(trap_share "$out/duty.err")")
	base_rates+=("$base") full_rates+=("$full") duty_rates+=("$duty")
	full_kept+=("$(awk -v b="$base" -v w="$full" 'BEGIN { printf "%.4f", 100 * w / b }')")
	duty_kept+=("$(awk -v b="$base" -v w="$duty" 'BEGIN { printf "%.4f", 100 * w / b }')")
done

# median_spread FORMAT VALUES...: "median (min-max)", each printed with FORMAT
median_spread() {
	local f=$1
	shift
	printf '%s\n' "$@" | sort -g | awk -v f="$f" '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf f " (" f "-" f ")", m, v[1], v[NR] }'
}

echo "### Goroutine blocking: channel ping-pong (\`bench/goroutine_overhead.sh\`)"
echo
echo "$(nproc) CPUs, $(uname -r), $(date -u +%Y-%m-%d), $gover; $PAIRS runs of ${RUN_SECONDS} s per"
echo "side, alternating (none, -t goroutine, --duty-cycle $DUTY); load average at the end:"
echo "$(cut -d' ' -f1-3 /proc/loadavg). Throughput kept = round trips/s with singe / without,"
echo "run after run: median (min-max). Park rate: singe's summary (while attached). Trapping:"
echo "the share of the time the probes were in, detaching included (singe's summary)."
echo
echo "| profiler | round trips/s | throughput kept | parks/s singe reported | trapping |"
echo "|---|---|---|---|---|"
echo "| none | $(median_spread %.0f "${base_rates[@]}") | 100% | | |"
echo "| \`-t goroutine\` | $(median_spread %.0f "${full_rates[@]}") | $(median_spread %.1f%% "${full_kept[@]}") | $(median_spread %.0f "${full_parks[@]}") | 100% |"
echo "| \`-t goroutine --duty-cycle $DUTY\` | $(median_spread %.0f "${duty_rates[@]}") | $(median_spread %.1f%% "${duty_kept[@]}") | $(median_spread %.0f "${duty_parks[@]}") | $(median_spread %.0f%% "${duty_traps[@]}") |"
echo
echo "The last --duty-cycle run's summary: $(grep -o 'duty cycle.*of the time[^)]*)' "$out/duty.err")."
