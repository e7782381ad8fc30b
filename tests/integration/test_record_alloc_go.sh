#!/usr/bin/env bash
# singe record -t alloc on Go programs, against what knows the answer: examples/go/alloc
# allocates 1 KiB objects 40% in main.allocFour, 30% main.allocThree, 20% main.allocTwo and
# 10% main.keepInRing (a ring of 4096 kept live), and writes Go's own heap profile of the run.
# For each installed Go (/usr/lib/go-1.*), normal and stripped, recorded by PID:
#  - the program's output is unchanged and it exits 0;
#  - alloc_space per function is within 15% of the known split and of Go's heap profile;
#  - alloc_objects in all within 5% of Go's (each sampled object counted once);
#  - main.keepInRing tops inuse_space, within 15% of Go's own inuse_space for it (the same
#    samples: singe rides on the runtime's sampler);
#  - the summary names the runtime's sampler and the MemProfileRate it read (a stripped
#    binary's found in the code of runtime.profilealloc).
# And a Go binary built without runtime/pprof (memory profiling off) is said in one line.
cd "$(dirname "$0")/../.." || exit 2
. tests/integration/lib.sh
[[ -x $SINGE ]] || SINGE=./singe

record_setup "singe record -t alloc (Go)"
gos=(/usr/lib/go-1.*/bin/go)
if [[ ! -x ${gos[0]} ]]; then
	fail "Go toolchains" "none under /usr/lib/go-1.*; run 'make deps'"
	exit 1
fi
RATE=32768
EXPECTED_OUTPUT="alloc: four, three, two and a ring of 1 KiB objects; done"

versions=()
for go in "${gos[@]}"; do
	v=$("$go" version | awk '{ print $3 }')
	versions+=("$v")
	PATH="$(dirname "$go"):$PATH" NOPIE=1 nice -n 5 examples/go/build.sh "$TMP/$v" alloc \
		allocnoprof >"$TMP/build-$v.log" 2>&1 &
	(($(jobs -r | wc -l) >= 2)) && wait -n
done
wait
for v in "${versions[@]}"; do
	if [[ ! -x $TMP/$v/alloc-stripped || ! -x $TMP/$v/allocnoprof ]]; then
		fail "build the alloc examples with $v" "$(head -c 300 "$TMP/build-$v.log")"
		exit 1
	fi
done

# record DIR BINARY: the example started, singe attached by PID during its 2 s settle and
# recording until it exits (two runs at a time)
record() {
	local dir=$1 bin=$2 pid
	mkdir -p "$dir"
	"$bin" -rate $RATE -settle 2s -duration 2s -heap-profile "$dir/go.pprof" \
		>"$dir/stdout" 2>"$dir/prog.err" &
	pid=$!
	"$SINGE" record -t alloc -p $pid -o "$dir/singe.pb.gz" >/dev/null 2>"$dir/stderr"
	echo $? >"$dir/rc"
	wait $pid
	echo $? >"$dir/prc"
}
for v in "${versions[@]}"; do
	for flavour in alloc alloc-stripped; do
		record "$TMP/$v/run-$flavour" "$TMP/$v/$flavour" &
		(($(jobs -r | wc -l) >= 2)) && wait -n
	done
done
wait

# shares FOLDED: "allocFour allocThree allocTwo keepInRing" shares of the folded total
shares() {
	awk '/^#/ { next }
		{ t += $NF
		  if ($0 ~ /main\.allocFour[; ]/) a += $NF; else if ($0 ~ /main\.allocThree[; ]/) b += $NF
		  else if ($0 ~ /main\.allocTwo[; ]/) c += $NF; else if ($0 ~ /main\.keepInRing[; ]/) d += $NF }
		END { if (t > 0) printf "%.4f %.4f %.4f %.4f\n", a / t, b / t, c / t, d / t }' "$1"
}

# within A B: each of A's four shares within 15% (relative) of B's
within() {
	awk -v a="$1" -v b="$2" 'BEGIN { n = split(a, x, " "); split(b, y, " ")
		if (n != 4) exit 1
		for (i = 1; i <= 4; i++) if (x[i] < y[i] * 0.85 || x[i] > y[i] * 1.15) exit 1 }'
}

# the totals of two folded files
total() {
	awk '/^#/ { next } FILENAME == ARGV[1] { a += $NF; next } { b += $NF }
		END { printf "%.0f %.0f\n", a, b }' "$1" "$2"
}

# the inuse_space of main.keepInRing in FOLDED
ring_inuse() {
	awk '/^#/ { next } $0 ~ /main\.keepInRing[; ]/ { s += $NF } { t += $NF }
		END { printf "%.0f %.0f\n", s, t }' "$1"
}

for v in "${versions[@]}"; do
	for flavour in alloc alloc-stripped; do
		dir=$TMP/$v/run-$flavour
		name="$v $flavour"
		if [[ $(cat "$dir/rc") == 0 && $(cat "$dir/prc") == 0 ]] &&
			[[ $(cat "$dir/stdout") == "$EXPECTED_OUTPUT" ]]; then
			pass "$name: singe and the program exit 0, output unchanged"
		else
			fail "$name: exits and output" "singe $(cat "$dir/rc"), program $(cat "$dir/prc") '$(cat "$dir/stdout")': $(tail -3 "$dir/stderr" | head -c 300)"
			continue
		fi
		"$SINGE" convert "$dir/singe.pb.gz" -o "$dir/singe-alloc.folded" --sample-type alloc_space
		"$SINGE" convert "$dir/go.pprof" -o "$dir/go-alloc.folded" --sample-type alloc_space
		"$SINGE" convert "$dir/singe.pb.gz" -o "$dir/singe-inuse.folded" --sample-type inuse_space
		"$SINGE" convert "$dir/go.pprof" -o "$dir/go-inuse.folded" --sample-type inuse_space
		ours=$(shares "$dir/singe-alloc.folded")
		gos_=$(shares "$dir/go-alloc.folded")
		if within "$ours" "0.4 0.3 0.2 0.1"; then
			pass "$name: alloc_space split within 15% of 40:30:20:10 ($ours)"
		else
			fail "$name: alloc_space split" "singe '$ours' vs 0.4 0.3 0.2 0.1"
		fi
		if within "$ours" "$gos_"; then
			pass "$name: alloc_space split within 15% of Go's heap profile ($gos_)"
		else
			fail "$name: split vs Go's heap profile" "singe '$ours' vs Go '$gos_'"
		fi
		# each sampled object once: profilealloc's entry runs twice when its prologue is
		# preempted (or grows the stack), which put up to 8% more in the profile than in Go's
		"$SINGE" convert "$dir/singe.pb.gz" -o "$dir/singe-objects.folded" --sample-type alloc_objects
		"$SINGE" convert "$dir/go.pprof" -o "$dir/go-objects.folded" --sample-type alloc_objects
		read -r ours_n go_n < <(total "$dir/singe-objects.folded" "$dir/go-objects.folded")
		if awk -v a="$ours_n" -v b="$go_n" 'BEGIN { exit !(b > 0 && a >= b * 0.95 && a <= b * 1.05) }'; then
			pass "$name: alloc_objects $ours_n, within 5% of Go's heap profile ($go_n)"
		else
			fail "$name: alloc_objects" "singe $ours_n vs Go's heap profile $go_n"
		fi
		read -r ring total < <(ring_inuse "$dir/singe-inuse.folded")
		read -r go_ring _ < <(ring_inuse "$dir/go-inuse.folded")
		# stripped too: the rate is found in the code of runtime.profilealloc
		ok=$(awk -v r="$ring" -v t="$total" -v g="$go_ring" \
			'BEGIN { print (g > 0 && r * 2 > t && r >= g * 0.85 && r <= g * 1.15) }')
		if [[ $ok == 1 ]]; then
			pass "$name: main.keepInRing tops inuse_space ($ring of $total bytes; Go's profile: $go_ring)"
		else
			fail "$name: inuse_space" "keepInRing $ring of $total; Go's profile: $go_ring"
		fi
		pat="alloc: Go: 1 process \\($v.*runtime.profilealloc.*: $RATE\\)"
		if grep -Eq "$pat" "$dir/stderr"; then
			pass "$name: the summary names Go's sampler and its rate"
		else
			fail "$name: summary" "$(grep 'alloc: Go' "$dir/stderr" | head -c 300)"
		fi
	done
	"$SINGE" record -t alloc -o "$TMP/$v/noprof.pb.gz" -- "$TMP/$v/allocnoprof" -duration 0.5s \
		>"$TMP/$v/noprof.out" 2>"$TMP/$v/noprof.err"
	n=$(grep -c 'Go memory profiling is off in this binary' "$TMP/$v/noprof.err")
	if [[ $n == 1 ]] && grep -q 'allocnoprof: done' "$TMP/$v/noprof.out"; then
		pass "$v: a binary without runtime/pprof is said in one line"
	else
		fail "$v: memory profiling off" "$n lines: $(grep alloc: "$TMP/$v/noprof.err" | head -c 300)"
	fi
done
exit 0
