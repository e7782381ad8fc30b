#!/usr/bin/env bash
# Flame-side benchmarks (no root, no BPF): folded -> SVG throughput, pprof decode + folded
# encode against `go tool pprof -raw`, peak RSS against input size, SVG size.
# Sides are run in turn (A B A B ...) and the median of per-pair ratios is reported, because
# these machines are shared and noisy. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."

SINGE=${SINGE:-./singe}
GEN=${GEN:-.output/bench/gen}
PAIRS=${PAIRS:-5}
FOLDED_MIB=${FOLDED_MIB:-60}
PPROF_SAMPLES=${PPROF_SAMPLES:-1000000}
data=bench/data
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkdir -p "$data"

[[ -s $data/big.folded ]] || "$GEN" folded "$FOLDED_MIB" >"$data/big.folded"
[[ -s $data/big.pb.gz ]] || "$GEN" pprof "$PPROF_SAMPLES" "$data/big.pb.gz"

now() { date +%s.%N; }
# elapsed seconds of one run of a command (output discarded)
timed() {
	local t0 t1
	t0=$(now)
	"$@" >/dev/null 2>&1
	t1=$(now)
	echo "$t1 - $t0" | bc -l
}
# peak RSS in KiB
peak_rss() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1; }
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
minmax() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.3g–%.3g", lo, hi }'; }

folded_bytes=$(stat -c %s "$data/big.folded")
folded_mib=$(echo "$folded_bytes / 1048576" | bc -l)
pprof_bytes=$(stat -c %s "$data/big.pb.gz")
pprof_raw_bytes=$(gzip -dc "$data/big.pb.gz" | wc -c)

# 1. folded -> SVG, single-threaded (singe is single-threaded)
svg_times=()
for ((i = 0; i < PAIRS; i++)); do
	svg_times+=("$(timed "$SINGE" flame -o "$out/big.svg" "$data/big.folded")")
done
svg_med=$(printf '%s\n' "${svg_times[@]}" | median)
svg_mibs=$(echo "$folded_mib / $svg_med" | bc -l)
svg_size=$(stat -c %s "$out/big.svg")
svg_rss=$(peak_rss "$SINGE" flame -o "$out/big.svg" "$data/big.folded")
svg_frames=$(grep -o '<rect' "$out/big.svg" | wc -l)

# 2. pprof -> folded (singe) against go tool pprof -raw, A B A B ...
ratios=()
singe_times=()
go_times=()
have_go=0
command -v go >/dev/null && have_go=1
for ((i = 0; i < PAIRS; i++)); do
	s=$(timed "$SINGE" convert "$data/big.pb.gz" -o "$out/big.folded")
	singe_times+=("$s")
	if ((have_go)); then
		g=$(timed go tool pprof -raw "$data/big.pb.gz")
		go_times+=("$g")
		ratios+=("$(echo "$g / $s" | bc -l)")
	fi
done
conv_med=$(printf '%s\n' "${singe_times[@]}" | median)
conv_rss=$(peak_rss "$SINGE" convert "$data/big.pb.gz" -o "$out/big.folded")
conv_pb_rss=$(peak_rss "$SINGE" convert "$data/big.pb.gz" -o "$out/big.pb")
report_rss=$(peak_rss "$SINGE" report "$data/big.pb.gz")
# bytes of RAM per sample: peak RSS over the sample count
per_sample() { echo "$1 * 1024 / $PPROF_SAMPLES" | bc -l; }

printf '## Flame benchmarks\n\n'
printf 'machine: %s CPUs, %s, %s\n\n' "$(nproc)" "$(uname -r)" "$(date -u +%F)"
printf '| measure | result | target |\n|---|---|---|\n'
printf '| folded -> SVG, %.1f MiB input (%s runs, median) | %.3f s = **%.1f MiB/s** | >= 50 MiB/s |\n' \
	"$folded_mib" "$PAIRS" "$svg_med" "$svg_mibs"
printf '| SVG size for that input | %.2f MB (%s frames) | <= 5 MB |\n' "$(echo "$svg_size / 1000000" | bc -l)" "$svg_frames"
printf '| peak RSS, folded -> SVG | %.1f MiB = %.2fx input | <= 2x input |\n' \
	"$(echo "$svg_rss / 1024" | bc -l)" "$(echo "$svg_rss * 1024 / $folded_bytes" | bc -l)"
printf '| pprof (%s samples, %.1f MB gz, %.1f MB raw) -> folded, median | %.3f s | |\n' \
	"$PPROF_SAMPLES" "$(echo "$pprof_bytes / 1000000" | bc -l)" "$(echo "$pprof_raw_bytes / 1000000" | bc -l)" "$conv_med"
if ((have_go)); then
	go_med=$(printf '%s\n' "${go_times[@]}" | median)
	printf '| go tool pprof -raw on the same file, median | %.3f s | |\n' "$go_med"
	printf '| **speed-up over go tool pprof** (median of %s A/B pair ratios; spread) | **%.1fx** (%s) | >= 10x |\n' \
		"$PAIRS" "$(printf '%s\n' "${ratios[@]}" | median)" "$(printf '%s\n' "${ratios[@]}" | minmax)"
else
	printf '| go tool pprof | not installed: no ratio | |\n'
fi
printf '| peak RSS, pprof -> folded | %.1f MiB = %.2fx decompressed input = %.0f B/sample | <= 2x input |\n' \
	"$(echo "$conv_rss / 1024" | bc -l)" "$(echo "$conv_rss * 1024 / $pprof_raw_bytes" | bc -l)" "$(per_sample "$conv_rss")"
printf '| peak RSS, pprof -> raw pprof | %.1f MiB = %.0f B/sample | |\n' \
	"$(echo "$conv_pb_rss / 1024" | bc -l)" "$(per_sample "$conv_pb_rss")"
printf '| peak RSS, report of the pprof | %.1f MiB = %.0f B/sample | |\n' \
	"$(echo "$report_rss / 1024" | bc -l)" "$(per_sample "$report_rss")"
