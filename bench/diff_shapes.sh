#!/usr/bin/env bash
# singe diff's error rates per program shape, on simulated recordings (bench/diff_sim.c: a
# program of FUNCS leaf functions, one holding 20% of the CPU, the others Zipf-like; each
# recording draws its samples multinomially, the noisiest a timer sampling a steady program
# gets -- real recordings of examples/c/diff_work vary less, see docs/DIFF.md). For every
# shape, sample count, kind of run and runs per side: A/A false positives, and exact
# detections of the 20% function made 25% and 10% more expensive. No root, about 2 min.
#
#   TRIALS=200 FUNCS="4 6 20 200" SAMPLES="2000 5000 25000" RUNS="1 5" MODES="time work" \
#   JITTER=0 bash bench/diff_shapes.sh
#
# JITTER: run-to-run variation of every function's share (relative, lognormal), e.g. 0.02.
# Prints a Markdown table for docs/DIFF.md.
set -euo pipefail
cd "$(dirname "$0")/.."

TRIALS=${TRIALS:-200}
FUNCS=${FUNCS:-4 6 20 200}
SAMPLES=${SAMPLES:-2000 5000 25000}
RUNS=${RUNS:-1 5}
MODES=${MODES:-time work}
JITTER=${JITTER:-0}
SIM=${OUTPUT:-.output}/bench/diff_sim

make -s "$SIM" >/dev/null
started=$(date +%s)
echo "### singe diff per program shape, simulated (bench/diff_shapes.sh)"
echo
echo "Command: \`TRIALS=$TRIALS FUNCS=\"$FUNCS\" SAMPLES=\"$SAMPLES\" RUNS=\"$RUNS\" MODES=\"$MODES\"" \
	"JITTER=$JITTER bash bench/diff_shapes.sh\`, $(date -u +%Y-%m-%d)."
echo
echo "| functions | samples per run | runs per side | run | A/A false positives | +25% detected | +10% detected | MDC of the 20% function | dispersion (A/A) |"
echo "|---:|---:|---:|---|---:|---:|---:|---:|---:|"
for f in $FUNCS; do
	for r in $RUNS; do
		for n in $SAMPLES; do
			for m in $MODES; do
				line=$("$SIM" "$f" "$n" "$r" "$m" "$JITTER" "$TRIALS" "$((f * 7919 + n + r))")
				# "funcs F samples N runs R MODE jitter J: A/A a/t  +25% b/t  +10% c/t  mdc M%  dispersion D"
				read -r aa d25 d10 mdc disp < <(sed -E 's/.*A\/A ([0-9]+\/[0-9]+) +\+25% ([0-9]+\/[0-9]+) +\+10% ([0-9]+\/[0-9]+) +mdc ([0-9.]+%) +dispersion ([0-9.]+).*/\1 \2 \3 \4 \5/' <<<"$line")
				echo "| $f | $n | $r | $m | $aa | $d25 | $d10 | +$mdc | $disp |"
			done
		done
	done
done
echo
echo "$(($(date +%s) - started)) s, $(nproc) CPUs."
