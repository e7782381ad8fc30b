#!/usr/bin/env bash
# make bench: every benchmark, side by side with the peers available here. Markdown on stdout,
# also saved to .output/bench/results.md (copy the figures into docs/BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .output/bench
{
	bash bench/flame.sh
	if [[ -f bench/record_overhead.sh ]]; then
		echo
		if ((EUID == 0)); then bash bench/record_overhead.sh; else echo "record benchmarks need root: skipped"; fi
	fi
	if [[ -f bench/build_overhead.sh ]]; then
		echo
		if ((EUID == 0)); then bash bench/build_overhead.sh; else echo "build overhead needs root: skipped"; fi
	fi
	if [[ -f bench/diff_quality.sh ]]; then
		echo
		if ((EUID == 0)); then bash bench/diff_quality.sh; else echo "diff quality needs root: skipped"; fi
	fi
	if [[ -f bench/diff_shapes.sh ]]; then
		echo
		bash bench/diff_shapes.sh
	fi
	if [[ -f bench/offcpu.sh ]]; then
		echo
		if ((EUID == 0)); then bash bench/offcpu.sh; else echo "offcpu benchmark needs root: skipped"; fi
	fi
	if [[ -f bench/unwind.sh ]]; then
		echo
		if ((EUID == 0)); then bash bench/unwind.sh; else echo "unwind benchmarks need root: skipped"; fi
	fi
	if [[ -f bench/goroutine_overhead.sh ]]; then
		echo
		if ((EUID == 0)); then bash bench/goroutine_overhead.sh; else echo "goroutine benchmark needs root: skipped"; fi
	fi
	if [[ -f bench/jvm_perfmap.sh ]]; then
		echo
		bash bench/jvm_perfmap.sh
	fi
	if [[ -f bench/pause_overhead.sh ]]; then
		echo
		if ((EUID == 0)); then bash bench/pause_overhead.sh; else echo "pause benchmarks need root: skipped"; fi
	fi
	if [[ -f bench/alloc_overhead.sh ]]; then
		echo
		if ((EUID == 0)); then bash bench/alloc_overhead.sh; else echo "alloc benchmarks need root: skipped"; fi
	fi
} | tee .output/bench/results.md
