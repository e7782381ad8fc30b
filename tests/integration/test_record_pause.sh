#!/usr/bin/env bash
# singe record -t pause against what knows the answer: the runtime's own account of the same
# run. Go: GODEBUG=gctrace=1 prints one line per GC cycle with its two stop-the-world wall
# times (sweep termination, mark termination). For each installed Go (/usr/lib/go-1.*),
# normal and stripped, on examples/go/pause:
#  - one mark termination per gctrace cycle, and one sweep termination (or one more: a cycle
#    begun as the program ended has no gctrace line yet); the example's 3 ReadMemStats as
#    3 "read mem stats" pauses, apart;
#  - the total stop-the-world time within 25% of gctrace's;
#  - main.churn, the allocating function, holds at least 80% of the pause time;
#  - the program's output is unchanged and it exits 0.
# The example sleeps 1 s first (-delay), so that its first cycles happen after singe attached.
cd "$(dirname "$0")/../.." || exit 2
. tests/integration/lib.sh
record_setup "singe record -t pause"

gos=(/usr/lib/go-1.*/bin/go)
if [[ ! -x ${gos[0]} ]]; then
	fail "Go toolchains" "none under /usr/lib/go-1.*; run 'make deps'"
	exit 1
fi
ROUNDS=200
EXPECTED="pause: churned $ROUNDS MiB, checksum 4096, 3 stats reads"

versions=()
for go in "${gos[@]}"; do
	v=$("$go" version | awk '{ print $3 }')
	versions+=("$v")
	PATH="$(dirname "$go"):$PATH" NOPIE=1 nice -n 5 examples/go/build.sh "$TMP/$v" pause \
		>"$TMP/build-$v.log" 2>&1 &
	(($(jobs -r | wc -l) >= 2)) && wait -n
done
wait

# summary_field LOG KIND FIELD: from singe's "pause: go: KIND: N pauses, total X ms" line
summary_count() { sed -n "s/^singe: pause: go: $2: \([0-9]*\) pauses.*/\1/p" "$1"; }
summary_ms() { sed -n "s/^singe: pause: go: $2: .* total \([0-9.]*\) ms.*/\1/p" "$1"; }

for v in "${versions[@]}"; do
	if [[ ! -x $TMP/$v/pause-stripped ]]; then
		fail "build the pause example with $v" "$(head -c 300 "$TMP/build-$v.log")"
		continue
	fi
	for bin in pause pause-stripped; do
		name="$v $bin"
		dir=$TMP/$v
		GODEBUG=gctrace=1 "$SINGE" record -t pause -o "$dir/$bin.pb.gz" -- \
			"$dir/$bin" -rounds $ROUNDS -delay 1s >"$dir/$bin.out" 2>"$dir/$bin.err"
		code=$?
		if [[ $code == 0 && $(cat "$dir/$bin.out") == "$EXPECTED" ]]; then
			pass "$name: exits 0 with its output unchanged"
		else
			fail "$name: output" "exit $code, stdout '$(head -c 200 "$dir/$bin.out")', $(grep -v '^gc ' "$dir/$bin.err" | head -c 300)"
			continue
		fi
		cycles=$(grep -c '^gc [0-9]' "$dir/$bin.err")
		trace_ms=$(awk '/^gc [0-9]/ { split($5, a, "+"); s += a[1] + a[3] } END { print s + 0 }' "$dir/$bin.err")
		mark=$(summary_count "$dir/$bin.err" "GC mark termination")
		sweep=$(summary_count "$dir/$bin.err" "GC sweep termination")
		stats=$(summary_count "$dir/$bin.err" "read mem stats")
		if ((cycles > 10)) && [[ $mark == "$cycles" ]] && ((sweep == cycles || sweep == cycles + 1)); then
			pass "$name: two pauses per GC cycle ($cycles cycles in gctrace)"
		else
			fail "$name: pauses per cycle" "gctrace $cycles cycles, singe $mark mark and $sweep sweep terminations"
		fi
		if [[ $stats == 3 ]]; then
			pass "$name: the 3 ReadMemStats pauses, apart"
		else
			fail "$name: ReadMemStats pauses" "singe counted '$stats', wanted 3"
		fi
		singe_ms=$(awk -v a="$(summary_ms "$dir/$bin.err" "GC mark termination")" \
			-v b="$(summary_ms "$dir/$bin.err" "GC sweep termination")" 'BEGIN { print a + b }')
		if awk -v s="$singe_ms" -v t="$trace_ms" 'BEGIN { exit !(t > 0 && s >= t * 0.75 && s <= t * 1.25) }'; then
			pass "$name: STW total $singe_ms ms, gctrace $trace_ms ms (within 25%)"
		else
			fail "$name: STW total" "singe $singe_ms ms, gctrace $trace_ms ms: more than 25% apart"
		fi
		"$SINGE" convert "$dir/$bin.pb.gz" -o "$dir/$bin.folded" --sample-type pause 2>/dev/null
		share=$(awk '{ t += $NF; if ($0 ~ /main\.churn;/) c += $NF } END { print t ? c / t : 0 }' "$dir/$bin.folded")
		if awk -v s="$share" 'BEGIN { exit !(s >= 0.8) }'; then
			pass "$name: main.churn holds $share of the pause time"
		else
			fail "$name: charged to main.churn" "share $share; $(sort -t' ' -k2 -nr "$dir/$bin.folded" | head -3 | cut -c1-200)"
		fi
	done
done

# pprof readers see the sample types and the reason label
v=${versions[0]}
if [[ -f $TMP/$v/pause.pb.gz ]]; then
	"${gos[0]}" tool pprof -tags "$TMP/$v/pause.pb.gz" >"$TMP/tags" 2>&1
	if grep -q 'go: GC mark termination' "$TMP/tags" && grep -q 'go: read mem stats' "$TMP/tags"; then
		pass "go tool pprof reads the reason label"
	else
		fail "go tool pprof -tags" "$(head -c 300 "$TMP/tags")"
	fi
fi

# singe report shows the summary the recording printed
if [[ -f $TMP/$v/pause.pb.gz ]]; then
	"$SINGE" report "$TMP/$v/pause.pb.gz" >"$TMP/report" 2>&1
	if grep -q '^Pauses: pause: go: GC sweep termination: [0-9]* pauses, total .* p99 .* of wall time' "$TMP/report"; then
		pass "singe report shows the pause summary"
	else
		fail "singe report: pause summary" "$(head -c 300 "$TMP/report")"
	fi
fi

# a process with no runtime singe knows: recorded, no pause, said so
expect_exit "a C program: exits 0" 0 "$SINGE" record -t pause -d 1 -o "$TMP/c.pb.gz" -- "$SPLIT" 1
if grep -q 'pause: no pauses recorded' "$TMP/stderr"; then
	pass "a C program: no pauses, said so"
else
	fail "a C program: summary" "$(head -c 300 "$TMP/stderr")"
fi
