#!/usr/bin/env bash
# singe record -t pause benchmark (root): the slowdown of each pause example with singe
# attached, side by side with no profiler. Probes fire per pause (Go: per GC cycle and per
# stop-the-world; CPython: per collection; JVM: per safepoint), not per call, so the cost
# should be near zero. Each example sleeps DELAY first, in which singe attaches; the time
# compared is the rest of the run (wall time minus DELAY). Runs alternate (none, singe, ...);
# each profiled run is compared with the unprofiled run just before it; the table gives the
# median of those ratios and their range. Prints a Markdown table.
#
#   PAIRS=5 bash bench/pause_overhead.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SINGE=${SINGE:-./singe}
PAIRS=${PAIRS:-5}
DELAY=1
if ((EUID != 0)); then
	echo "bench/pause_overhead.sh: needs root to load BPF programs" >&2
	exit 2
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/singe-bench-pause.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
NOPIE=1 examples/go/build.sh "$TMP/go" pause >/dev/null
javac -d "$TMP/java" examples/java/Pause.java
pyenv_python=$(python3 -c 'import sys; print(sys.executable)')

# wall seconds of CMD minus DELAY, with (1) or without (0) singe: timed by a shell that
# singe follows (so singe's own start-up and final symbolization are not counted)
run() {
	local with=$1
	shift
	local timed=(bash -c 'TIMEFORMAT=%R; { time "$@" >/dev/null 2>&1; } 2>"$0"' "$TMP/time")
	if ((with)); then
		"$SINGE" record -q -t pause -o "$TMP/p.pb.gz" -- "${timed[@]}" "$@" >/dev/null 2>"$TMP/singe.err" ||
			echo "singe failed: $(head -c 300 "$TMP/singe.err")" >&2
	else
		"${timed[@]}" "$@"
	fi
	awk -v d=$DELAY '{ printf "%.4f\n", $1 - d }' "$TMP/time"
}

# NAME CMD...: one table row, the median slowdown and its range over PAIRS pairs
row() {
	local name=$1 i base with pauses
	shift
	: >"$TMP/ratios"
	for ((i = 0; i < PAIRS; i++)); do
		base=$(run 0 "$@")
		with=$(run 1 "$@")
		awk -v b="$base" -v w="$with" 'BEGIN { printf "%.2f\n", (w / b - 1) * 100 }' >>"$TMP/ratios"
	done
	pauses=$("$SINGE" report "$TMP/p.pb.gz" 2>/dev/null | awk '/^Total:/ && !n { print $2; n = 1 }')
	sort -n "$TMP/ratios" | awk -v name="$name" -v base="$base" -v p="$pauses" '
		{ v[NR] = $1 } END { printf "| %s | %.2f s | %s | **%.1f%%** (%.1f … %.1f) |\n",
			name, base, p, v[int((NR + 1) / 2)], v[1], v[NR] }'
}

echo "### Runtime pauses (\`singe record -t pause\`, root)"
echo
echo "$PAIRS pairs per row; slowdown = wall time with singe / without − 1 (after the ${DELAY}s start-up sleep)."
echo
echo "| example | run time (last, without) | pauses recorded (last run) | slowdown, median (range) |"
echo "|---|---|---|---|"
row "Go 1.19 \`examples/go/pause -rounds 1000\`" "$TMP/go/pause" -rounds 1000 -delay ${DELAY}s
row "CPython 3.11 (Debian, USDT) \`pause.py 3000000\`" /usr/bin/python3.11 examples/python/pause.py 3000000 $DELAY
row "CPython 3.11 (pyenv, uprobes) \`pause.py 3000000\`" "$pyenv_python" examples/python/pause.py 3000000 $DELAY
row "JVM 17 \`Pause 4000\` (64 MiB, serial GC)" java -Xmx64m -XX:+UseSerialGC -cp "$TMP/java" Pause 4000 $((DELAY * 1000))
