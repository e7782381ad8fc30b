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
#  - the program's output is unchanged and it exits 0;
#  - --timeline: a well-formed SVG with one mark per pause in the profile (pauses/count) and
#    one GC-cycle bar per mark termination.
# JVM (HotSpot 17), examples/java/Pause.java on a 64 MiB serial-GC heap, against
# -Xlog:safepoint of the same run: the number of safepoints within 5%, their total time
# within 25%, the young GCs named; the output unchanged; the timeline's marks its safepoints.
# The example sleeps 1 s first (-delay), so that its first cycles happen after singe attached.
# CPython, examples/python/pause.py, with Debian's python3.11 (USDT gc__start/gc__done) and
# the pyenv python3 first on PATH (no USDT: uprobes on gc_collect_main), with --timeline:
#  - collections per generation as gc.callbacks counted them in the same run (plus at most
#    the ones before the callback was registered, which gc.get_stats() gives);
#  - the summary says which probes were used; the stacks are the allocating thread's
#    (PyList_New -> _PyObject_GC_New, unwound with DWARF);
#  - the program's output is unchanged and it exits 0;
#  - the timeline's marks are the profile's pauses (the 10,000 longest when more).
# --timeline's errors: without -t pause, not .svg, an unwritable path: one line, exit 2,
# nothing written; no pause: an SVG that says so.
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
# pauses in a profile: the sum of its pauses/count values
profile_pauses() {
	"$SINGE" convert "$1" -o "$TMP/count.folded" --sample-type pauses 2>/dev/null &&
		awk '{ s += $NF } END { print s + 0 }' "$TMP/count.folded"
}
# well_formed SVG: an XML parser reads it
well_formed() { python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$1" 2>/dev/null; }
# check_timeline NAME SVG PROFILE [CYCLES]: one mark per pause (at most 10,000), CYCLES bars
check_timeline() {
	local marks pauses bars want
	marks=$(grep -c 'class="mark"' "$2")
	bars=$(grep -c 'class="cycle"' "$2")
	pauses=$(profile_pauses "$3")
	want=$((pauses > 10000 ? 10000 : pauses))
	if well_formed "$2" && ((pauses > 0 && marks == want)) && [[ -z ${4:-} || $bars == "$4" ]]; then
		pass "$1: timeline with $marks marks for $pauses pauses${4:+, $bars GC cycles}"
	else
		fail "$1: timeline" "$marks marks, $pauses pauses in the profile, $bars cycle bars (want ${4:-any}), well-formed: $(well_formed "$2" && echo yes || echo no)"
	fi
}

for v in "${versions[@]}"; do
	if [[ ! -x $TMP/$v/pause-stripped ]]; then
		fail "build the pause example with $v" "$(head -c 300 "$TMP/build-$v.log")"
		continue
	fi
	for bin in pause pause-stripped; do
		name="$v $bin"
		dir=$TMP/$v
		GODEBUG=gctrace=1 "$SINGE" record -t pause -o "$dir/$bin.pb.gz" --timeline "$dir/$bin.svg" -- \
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
		# a cycle begun as the program ended has its sweep termination only: a bar too
		check_timeline "$name" "$dir/$bin.svg" "$dir/$bin.pb.gz" "$sweep"
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

# CPython: Debian's (USDT) and pyenv's (no USDT), as found
find_pythons
PY_EXPECTED="pause.py: churned 300000 cycles, total 900300"
for py in "${pythons[@]}"; do
	name="python $py"
	"$SINGE" record -t pause -o "$TMP/py.pb.gz" --timeline "$TMP/py.svg" -- "$py" examples/python/pause.py 300000 1 \
		>"$TMP/py.out" 2>"$TMP/py.err"
	code=$?
	if [[ $code == 0 && $(cat "$TMP/py.out") == "$PY_EXPECTED" ]]; then
		pass "$name: exits 0 with its output unchanged"
	else
		fail "$name: output" "exit $code, stdout '$(head -c 200 "$TMP/py.out")', $(head -c 300 "$TMP/py.err")"
		continue
	fi
	ok=1 why=""
	for g in 0 1 2; do
		# "gc.callbacks: gen0=A gen1=B gen2=C before: gen0=D gen1=E gen2=F"
		cb=$(awk -v f=$((g + 2)) '/^gc.callbacks:/ { split($f, a, "="); print a[2] }' "$TMP/py.err")
		before=$(awk -v f=$((g + 6)) '/^gc.callbacks:/ { split($f, a, "="); print a[2] }' "$TMP/py.err")
		got=$(sed -n "s/^singe: pause: python: gc generation $g: \([0-9]*\) pauses.*/\1/p" "$TMP/py.err")
		got=${got:-0}
		why+="gen$g singe $got gc.callbacks $cb (+$before before); "
		((cb >= 0 && got >= cb && got <= cb + before)) || ok=0
	done
	if ((ok)) && grep -q '^gc.callbacks: gen0=[1-9]' "$TMP/py.err"; then
		pass "$name: collections per generation as gc.callbacks: $why"
	else
		fail "$name: collections per generation" "$why"
	fi
	if [[ $py == /usr/bin/* ]]; then want="USDT in 1,"; else want="gc_collect_main in 1;"; fi
	"$SINGE" report "$TMP/py.pb.gz" >"$TMP/py.report" 2>&1
	if grep -q "^singe: pause: probes: .*CPython gc: .*$want" "$TMP/py.err" &&
		grep -q "^Pauses: pause: probes: .*CPython gc: .*$want" "$TMP/py.report"; then
		pass "$name: the summary and the report name the probes used ($want)"
	else
		fail "$name: probes named" "$(grep 'probes:' "$TMP/py.err" "$TMP/py.report" | head -c 300)"
	fi
	check_timeline "$name" "$TMP/py.svg" "$TMP/py.pb.gz"
	"$SINGE" convert "$TMP/py.pb.gz" -o "$TMP/py.folded" --sample-type pause 2>/dev/null
	share=$(awk '{ t += $NF; if ($0 ~ /PyList_New;_PyObject_GC_New;/) c += $NF } END { print t ? c / t : 0 }' "$TMP/py.folded")
	if awk -v s="$share" 'BEGIN { exit !(s >= 0.8) }'; then
		pass "$name: the allocation (PyList_New) holds $share of the collection time"
	else
		fail "$name: charged to the allocation" "share $share; $(sort -t' ' -k2 -nr "$TMP/py.folded" | head -2 | cut -c1-300)"
	fi
done

# JVM: safepoints against -Xlog:safepoint
if command -v javac >/dev/null && javac -d "$TMP/java" examples/java/Pause.java 2>"$TMP/javac.log"; then
	"$SINGE" record -t pause -o "$TMP/jvm.pb.gz" --timeline "$TMP/jvm.svg" -- java -Xmx64m -XX:+UseSerialGC \
		-Xlog:safepoint:file="$TMP/safepoint.log" -cp "$TMP/java" Pause 2000 1000 \
		>"$TMP/jvm.out" 2>"$TMP/jvm.err"
	code=$?
	if [[ $code == 0 && $(cat "$TMP/jvm.out") == "Pause: churned 2000 MiB, checksum 4096" ]]; then
		pass "jvm: exits 0 with its output unchanged"
	else
		fail "jvm: output" "exit $code, stdout '$(head -c 200 "$TMP/jvm.out")', $(head -c 300 "$TMP/jvm.err")"
	fi
	xlog_n=$(grep -c 'Safepoint "' "$TMP/safepoint.log")
	xlog_ms=$(awk -F'Total: ' '/Safepoint "/ { split($2, a, " "); s += a[1] } END { print s / 1e6 }' "$TMP/safepoint.log")
	singe_n=$(sed -n 's/^singe: pause: jvm: [^:]*: \([0-9]*\) pauses.*/\1/p' "$TMP/jvm.err" | awk '{ s += $1 } END { print s + 0 }')
	singe_ms=$(sed -n 's/^singe: pause: jvm: [^:]*: .* total \([0-9.]*\) ms.*/\1/p' "$TMP/jvm.err" | awk '{ s += $1 } END { print s + 0 }')
	if awk -v s="$singe_n" -v x="$xlog_n" 'BEGIN { exit !(x > 50 && s >= x * 0.95 && s <= x * 1.05) }'; then
		pass "jvm: $singe_n safepoints, -Xlog:safepoint $xlog_n (within 5%)"
	else
		fail "jvm: safepoint count" "singe $singe_n, -Xlog:safepoint $xlog_n"
	fi
	if awk -v s="$singe_ms" -v x="$xlog_ms" 'BEGIN { exit !(x > 0 && s >= x * 0.75 && s <= x * 1.25) }'; then
		pass "jvm: safepoint total $singe_ms ms, -Xlog:safepoint $xlog_ms ms (within 25%)"
	else
		fail "jvm: safepoint total" "singe $singe_ms ms, -Xlog:safepoint $xlog_ms ms"
	fi
	check_timeline "jvm" "$TMP/jvm.svg" "$TMP/jvm.pb.gz" 0
	if grep -q '^singe: pause: jvm: safepoint, young GC: [1-9]' "$TMP/jvm.err" &&
		grep -q '^singe: pause: probes: .*JVM safepoint USDT in 1$' "$TMP/jvm.err"; then
		pass "jvm: young GCs named, USDT said"
	else
		fail "jvm: kinds" "$(grep 'pause:' "$TMP/jvm.err" | head -c 300)"
	fi
else
	fail "jvm: build examples/java/Pause.java" "$(head -c 300 "$TMP/javac.log")"
fi

# pprof readers see the labels: runtime, reason, and gc_cycle as a number, one per GC cycle
# (the cycle's two pauses share it; ReadMemStats's pauses have none)
v=${versions[0]}
if [[ -f $TMP/$v/pause.pb.gz ]]; then
	"${gos[0]}" tool pprof -tags "$TMP/$v/pause.pb.gz" >"$TMP/tags" 2>&1
	# the values listed under one key of -tags: "  1.2ms (12%): VALUE" lines after "KEY: Total"
	tag_values() { awk -v k="$1" '/^ [a-z_]+: Total/ { on = ($1 == k ":") } on && /%\): / { sub(/.*%\): /, ""); print }' "$TMP/tags"; }
	cycles=$(tag_values gc_cycle | grep -c '^[0-9][0-9]*$')
	mark=$(summary_count "$TMP/$v/pause.err" "GC mark termination")
	if [[ $(tag_values runtime) == go ]] && tag_values reason | grep -qx 'GC mark termination' &&
		tag_values reason | grep -qx 'read mem stats' && ((cycles > 10 && (cycles == mark || cycles == mark + 1))); then
		pass "go tool pprof reads the labels runtime, reason and gc_cycle ($cycles cycles, $mark mark terminations)"
	else
		fail "go tool pprof -tags" "runtime '$(tag_values runtime)', reasons '$(tag_values reason | tr '\n' ,)', $cycles gc_cycle values, $mark mark terminations"
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
expect_exit "a C program: exits 0" 0 "$SINGE" record -t pause -d 5 -o "$TMP/c.pb.gz" \
	--timeline "$TMP/c.svg" -- sleep 0.5
if grep -q 'pause: no pauses recorded' "$TMP/stderr" && well_formed "$TMP/c.svg" &&
	grep -q 'No pauses recorded' "$TMP/c.svg" && ! grep -q 'class="mark"' "$TMP/c.svg"; then
	pass "a C program: no pauses, said so, and the timeline says so"
else
	fail "a C program: summary" "$(head -c 300 "$TMP/stderr"); timeline: $(head -c 200 "$TMP/c.svg" 2>&1)"
fi

# --timeline's errors: one line, exit 2, nothing recorded or written
expect_exit "--timeline without -t pause: exit 2" 2 "$SINGE" record -t cpu --timeline "$TMP/x.svg" \
	-o "$TMP/x.pb.gz" -- true
stderr_one_line "--timeline without -t pause: one line naming the fix" '^singe: --timeline .*add -t pause$'
expect_exit "--timeline not .svg: exit 2" 2 "$SINGE" record -t pause --timeline "$TMP/x.png" \
	-o "$TMP/x.pb.gz" -- true
stderr_one_line "--timeline not .svg: one line" "x.png.*name it FILE.svg"
expect_exit "--timeline unwritable: exit 2" 2 "$SINGE" record -t pause --timeline "$TMP/no/dir/x.svg" \
	-o "$TMP/x.pb.gz" -- true
stderr_one_line "--timeline unwritable: one line" "cannot write the timeline '.*no/dir/x.svg'"
expect_exit "--timeline also an -o output: exit 2" 2 "$SINGE" record -t pause --timeline "$TMP/x.svg" \
	-o "$TMP/x.svg" -- true
stderr_one_line "--timeline also an -o output: one line" "x.svg' is also an -o output"
if [[ ! -e $TMP/x.svg && ! -e $TMP/x.png && ! -e $TMP/x.pb.gz ]]; then
	pass "--timeline errors: nothing written"
else
	fail "--timeline errors: files left" "$(ls "$TMP"/x.* 2>&1)"
fi
