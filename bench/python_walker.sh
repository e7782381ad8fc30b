#!/usr/bin/env bash
# The BPF cost per sample of singe's Python frame walker, two ways. The kernel's own account
# (kernel.bpf_stats_enabled: run time and count of the sample program): singe record -t cpu
# -F 999 --unwind dwarf --stack-size 1024 records examples/python/split.py with Python frames
# (the walker runs), then again with SINGE_NO_PYTHON=1 (the same program without the walker);
# ROUNDS pairs, A B A B, the medians of the per-sample times and of their differences. And the
# walker's own clock (bpf_ktime_get_ns around it, in the summary's "python:" line).
#   ROUNDS=5 bash bench/python_walker.sh
cd "$(dirname "$0")/.." || exit 2
SINGE=${SINGE:-./singe}
ROUNDS=${ROUNDS:-5}
PY=${PY:-/usr/bin/python3.11}
old=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
trap 'sysctl -qw kernel.bpf_stats_enabled=$old' EXIT

# one: ns per run of sample_cpu during a 3 s recording (read just before it ends)
one() {
	env "$@" "$SINGE" record -t cpu -F 999 --unwind dwarf --stack-size ${STACK_SIZE:-1024} -o /tmp/python_walker.pb.gz -- \
		"$PY" examples/python/split.py 3 >/dev/null 2>&1 &
	local pid=$! line
	sleep 2.8
	line=$(bpftool prog show name sample_cpu 2>/dev/null | grep -o 'run_time_ns [0-9]* run_cnt [0-9]*' | tail -1)
	wait $pid
	awk '{ if ($4 > 0) printf "%.0f\n", $2 / $4 }' <<<"$line"
}

# walked: the summary's own figure of a recording with the walker
walked() {
	"$SINGE" record -t cpu -F 999 --unwind dwarf --stack-size ${STACK_SIZE:-1024} \
		-o /tmp/python_walker.pb.gz -- "$PY" examples/python/split.py 2 2>&1 >/dev/null |
		sed -n 's/.*the walker took \([0-9]*\) ns per stack copy in BPF on average, \([0-9.]*\) frames.*/\1 \2/p'
}

with=() without=()
for ((i = 0; i < ROUNDS; i++)); do
	with+=("$(one SINGE_BENCH=1)")
	without+=("$(one SINGE_NO_PYTHON=1)")
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
diffs=()
for ((i = 0; i < ROUNDS; i++)); do diffs+=($((with[i] - without[i]))); done
echo "python walker: $PY, -F 999, $ROUNDS pairs"
echo "  ns per sample with Python frames:    median $(median "${with[@]}") (${with[*]})"
echo "  ns per sample without (the same copy): median $(median "${without[@]}") (${without[*]})"
echo "  the walker's cost per sample:          median $(median "${diffs[@]}") ns (${diffs[*]})"
own=() frames=()
for ((i = 0; i < ROUNDS; i++)); do
	read -r ns nf < <(walked)
	own+=("$ns")
	frames=$nf
done
echo "  the walker's own clock (bpf_ktime):    median $(median "${own[@]}") ns per stack, $frames frames (${own[*]})"
