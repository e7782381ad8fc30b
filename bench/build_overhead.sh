#!/usr/bin/env bash
# A parallel build under a profiler (root): `make -j2` of singe itself with no profiler, under
# `singe record -F 99 -- make` and under `perf record -F 99 -g -- make`, in alternating rounds
# (none, singe, none, perf, ...). Each profiled build is compared with the unprofiled build just
# before it; the table gives the median of those ratios and their spread, the CPU each adds,
# and singe's own CPU time and peak memory (its summary, -v). A build starts hundreds of
# short-lived compilers: this is where a profiler's per-process work (maps, files, mapping
# events, unwinding of stack copies) shows.
#
#   ROUNDS=5 JOBS=2 bash bench/build_overhead.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SINGE=${SINGE:-./singe}
ROUNDS=${ROUNDS:-5}
JOBS=${JOBS:-2}

if ((EUID != 0)); then
	echo "bench/build_overhead.sh: needs root to load BPF programs" >&2
	exit 2
fi
have_perf=0
command -v perf >/dev/null && have_perf=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# a copy of the sources, so that the builds measured do not touch this tree's objects
git ls-files -z | xargs -0 cp --parents -t "$work"

# build none|singe|perf: one clean build; prints "wall_seconds cpu_seconds" (the CPU of the
# build and of the profiler: time(1) counts the children a process waited for)
build() {
	local prof=$1 t0 t1
	local make=(make -C "$work" -j"$JOBS" singe)
	rm -rf "$work/.output" "$work/singe"
	t0=$(date +%s.%N)
	case $prof in
	none) /usr/bin/time -f '%U %S' -o "$work/cpu" "${make[@]}" >/dev/null 2>&1 ;;
	singe)
		# -v: the summary's last line gives singe's own peak RSS and CPU
		/usr/bin/time -f '%U %S' -o "$work/cpu" "$SINGE" record -v -F 99 \
			-o "$work/build.pb.gz" -- "${make[@]}" >/dev/null 2>"$work/singe.log"
		sed -n 's/.*peak RSS \([0-9]*\) kB, own CPU \([0-9]*\) ms.*/\2 \1/p' "$work/singe.log" \
			>>"$work/singe.own" ;;
	perf)
		/usr/bin/time -f '%U %S' -o "$work/cpu" perf record -q -F 99 -g \
			-o "$work/perf.data" -- "${make[@]}" >/dev/null 2>&1 ;;
	esac
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" '{ printf "%.3f %.3f\n", b - a, $1 + $2 }' "$work/cpu"
}

# stats: ratios on stdin; "median (min..max)" as slowdown percentages
stats() {
	sort -n | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%+.1f%% (%+.1f..%+.1f%%)", (m - 1) * 100, (v[1] - 1) * 100, (v[NR] - 1) * 100 }'
}

build none >/dev/null # warm the page cache and the compiler's own files
: >"$work/singe.ratios"
: >"$work/perf.ratios"
: >"$work/singe.cpu"
: >"$work/perf.cpu"
: >"$work/singe.own"
for ((r = 1; r <= ROUNDS; r++)); do
	for prof in singe perf; do
		((have_perf)) || [[ $prof == singe ]] || continue
		read -r base base_cpu < <(build none)
		read -r wall cpu < <(build "$prof")
		echo "$wall $base" | awk '{ print $1 / $2 }' >>"$work/$prof.ratios"
		echo "$cpu $base_cpu" | awk '{ printf "%.3f\n", $1 - $2 }' >>"$work/$prof.cpu"
		echo "round $r: none ${base}s (${base_cpu}s CPU), $prof ${wall}s (${cpu}s CPU)" >&2
	done
done

median() { sort -n | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "### Parallel build under a profiler (make -j$JOBS of singe, $ROUNDS rounds, $(nproc) CPUs, $(uname -r))"
echo
echo "| profiler at 99 Hz | build slowdown, median (spread) | CPU added to the build, median |"
echo "|---|---|---|"
echo "| singe record (--unwind auto) | $(stats <"$work/singe.ratios") | $(median <"$work/singe.cpu") s |"
if ((have_perf)); then
	echo "| perf record -g | $(stats <"$work/perf.ratios") | $(median <"$work/perf.cpu") s |"
fi
echo
echo "singe's own CPU while recording (ms), median $(cut -d' ' -f1 "$work/singe.own" | median)," \
	"max $(cut -d' ' -f1 "$work/singe.own" | sort -n | tail -1); peak RSS (kB), median" \
	"$(cut -d' ' -f2 "$work/singe.own" | median), max $(cut -d' ' -f2 "$work/singe.own" | sort -n | tail -1)"
