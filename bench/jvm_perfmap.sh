#!/usr/bin/env bash
# What singe's perf-map requests cost a JVM (issue 18): examples/java/JitHot's throughput
# (its "iterations/s" line) alone (A) and asked for its perf map at 1 s and 3 s (B) the way
# singe asks, by bench/jvm_attach_client (cli/jvm_attach.c; jcmd would add its own JVM's
# start-up to the machine's load). A and B alternate, PAIRS pairs; the median of the per-pair
# ratios B/A and their range, and the requests' wall time (first: the listener starts).
set -euo pipefail
cd "$(dirname "$0")/.."
PAIRS=${PAIRS:-5}
SECONDS_RUN=${SECONDS_RUN:-4}
OUT=.output/bench/java
CLIENT=${OUTPUT:-.output}/bench/jvm_attach_client
mkdir -p "$OUT"
rm -f "$OUT/first_us" "$OUT/next_us"
javac -d "$OUT" examples/java/JitHot.java

run() { # run asked: JitHot's iterations/s
	local pid
	java -cp "$OUT" JitHot "$SECONDS_RUN" >"$OUT/out" &
	pid=$!
	if [[ $1 == asked ]]; then
		sleep 1
		"$CLIENT" "$pid" >>"$OUT/first_us"
		sleep 2
		"$CLIENT" "$pid" >>"$OUT/next_us"
	fi
	wait "$pid"
	sed -n 's/^iterations\/s: //p' "$OUT/out"
}

ratios=()
for ((i = 0; i < PAIRS; i++)); do
	a=$(run alone)
	b=$(run asked)
	ratios+=("$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.4f", b / a }')")
done
sorted=$(printf '%s\n' "${ratios[@]}" | sort -n)
median=$(echo "$sorted" | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
echo "### JVM perf-map requests (bench/jvm_perfmap.sh)"
echo
ms() { sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%.1f ms (%.1f … %.1f)", v[int((NR + 1) / 2)] / 1000, v[1] / 1000, v[NR] / 1000 }'; }
echo "| workload | pairs | throughput asked / alone, median (range) | first request | second |"
echo "|---|---|---|---|---|"
echo "| \`JitHot $SECONDS_RUN\`, Compiler.perfmap at 1 s and 3 s | $PAIRS | $median ($(echo "$sorted" | head -1) … $(echo "$sorted" | tail -1)) | $(ms "$OUT/first_us") | $(ms "$OUT/next_us") |"
