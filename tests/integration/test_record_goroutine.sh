#!/usr/bin/env bash
# singe record -t goroutine against what knows the answer: the goblock example's waits, in
# named functions, and Go's own block profile of the same run (runtime.SetBlockProfileRate(1)).
# For each installed Go (/usr/lib/go-1.*), normal and stripped:
#  - the program's output is unchanged and it exits 0;
#  - each blocking function's parks carry its wait reason (the leaf frame of folded output) and
#    its stack, with gopark's direct caller restored (runtime.chanrecv under runtime.gopark);
#  - the chan:mutex split of blocked time agrees with Go's block profile within 20%;
#  - the 1500 goroutines that park once each are counted 1500 times: gopark's entry run
#    twice by stack growth is not a second park;
#  - the pprof has the goid and wait_reason labels go tool pprof shows;
#  - the summary gives the park rate and the estimated cost;
#  - with -p, parks still in progress when the recording stops count up to then.
# A program that is not Go is recorded without parks and the summary says so.
cd "$(dirname "$0")/../.." || exit 2
. tests/integration/lib.sh
. tests/integration/lib_goblock.sh
[[ -x $SINGE ]] || SINGE=./singe

if ((EUID != 0)); then
	skip "record -t goroutine" "need root to load BPF programs (run: sudo make test)"
	exit 0
fi
gos=(/usr/lib/go-1.*/bin/go)
if [[ ! -x ${gos[0]} ]]; then
	fail "Go toolchains" "none under /usr/lib/go-1.*; run 'make deps'"
	exit 1
fi
DEEP=1500

# Build every version (normal and stripped), two at a time.
versions=()
for go in "${gos[@]}"; do
	v=$("$go" version | awk '{ print $3 }')
	versions+=("$v")
	PATH="$(dirname "$go"):$PATH" NOPIE=1 nice -n 5 examples/go/build.sh "$TMP/$v" goblock \
		>"$TMP/build-$v.log" 2>&1 &
	(($(jobs -r | wc -l) >= 2)) && wait -n
done
wait
for v in "${versions[@]}"; do
	if [[ ! -x $TMP/$v/goblock-stripped ]]; then
		fail "build the goblock example with $v" "$(head -c 300 "$TMP/build-$v.log")"
		exit 1
	fi
done

# record DIR BINARY: singe records the example started with it (two runs at a time); the
# example waits two seconds before it starts, so that the probes are in (singe reads the
# command's image once it has started: 0.1 to 0.5 s here under load, and over 1.3 s once
# under heavy load, when the goroutines that park once were missed) and Go's block profile
# and singe see the same waits
record() {
	local dir=$1 bin=$2
	mkdir -p "$dir"
	"$SINGE" record -t goroutine -o "$dir/singe.pb.gz" -o "$dir/parks.folded" -- \
		"$bin" -settle 2s -duration 1.2s -deep $DEEP -block-profile "$dir/go.pprof" \
		>"$dir/stdout" 2>"$dir/stderr"
	echo $? >"$dir/rc"
}
for v in "${versions[@]}"; do
	for flavour in goblock goblock-stripped; do
		record "$TMP/$v/run-$flavour" "$TMP/$v/$flavour" &
		(($(jobs -r | wc -l) >= 2)) && wait -n
	done
done
wait




check_run() { # VERSION FLAVOUR
	local v=$1 flavour=$2 dir=$TMP/$1/run-$2 tag="$1 $2" minor fn want got ok=1
	local sc sm gc gm
	minor=${v#go1.}
	minor=${minor%%.*}

	goblock_run_ok "$tag" "$dir" "$minor" || return

	if grep -Eq ';main.chanLoop(_\[i\])?;main.blockOnChan;runtime.chanrecv1;runtime.chanrecv;runtime.gopark;\[chan receive\] ' \
		"$dir/parks.folded" &&
		grep -Eq ';main.mutexWorker;main.blockOnMutex;sync\.\(\*Mutex\)\.(Lock|lockSlow).*;runtime.gopark;\[(semacquire|sync.Mutex.Lock)\] ' \
			"$dir/parks.folded"; then
		pass "$tag: stacks from the goroutine to gopark, its direct caller restored"
	else
		fail "$tag: stacks" "$(grep -m2 -E 'blockOn(Chan|Mutex)' "$dir/parks.folded" | head -c 400)"
	fi

	got=$(sum_of "$dir/parks.folded" ';main.parkDeep;')
	if [[ $got == "$DEEP" ]]; then
		pass "$tag: $DEEP goroutines parked once are $got parks ($(grep -o '[0-9]* gopark entries run twice' "$dir/stderr"))"
	else
		fail "$tag: parks counted once" "$got parks of main.parkDeep, wanted $DEEP"
	fi

	"$SINGE" convert --sample-type delay "$dir/singe.pb.gz" -o "$dir/delay.folded" 2>>"$dir/stderr"
	"$SINGE" convert --sample-type delay "$dir/go.pprof" -o "$dir/go.folded" 2>>"$dir/stderr"
	sc=$(sum_of "$dir/delay.folded" ';main.blockOnChan;')
	sm=$(sum_of "$dir/delay.folded" ';main.blockOnMutex;')
	gc=$(sum_of "$dir/go.folded" 'main.blockOnChan')
	gm=$(sum_of "$dir/go.folded" 'main.blockOnMutex')
	if awk -v sc="$sc" -v sm="$sm" -v gc="$gc" -v gm="$gm" \
		'BEGIN { if (!sm || !gm || !gc) exit 1; r = (sc / sm) / (gc / gm); exit !(r >= 0.8 && r <= 1.2) }'; then
		pass "$tag: chan:mutex delay $(awk -v a="$sc" -v b="$sm" 'BEGIN { printf "%.2f", a / b }') vs Go's block profile $(awk -v a="$gc" -v b="$gm" 'BEGIN { printf "%.2f", a / b }') (chan $((sc / 1000000)) ms, Go $((gc / 1000000)) ms)"
	else
		fail "$tag: chan:mutex delay within 20% of Go's block profile" \
			"singe chan $sc mutex $sm, Go chan $gc mutex $gm"
	fi

	if go tool pprof -tags -sample_index=delay "$dir/singe.pb.gz" >"$dir/tags" 2>&1 &&
		grep -q '^ *goid:' "$dir/tags" && grep -q '^ *wait_reason:' "$dir/tags" &&
		grep -q ': chan receive$' "$dir/tags"; then
		pass "$tag: go tool pprof shows the goid and wait_reason labels"
	else
		fail "$tag: labels" "$(head -c 300 "$dir/tags")"
	fi

	if grep -Eq 'goroutine: [0-9]+ parks \([0-9]+/s\) in 1 Go binary.*estimated cost [0-9.]+ ms' \
		"$dir/stderr"; then
		pass "$tag: the summary gives the park rate and the cost"
	else
		fail "$tag: summary" "$(head -c 400 "$dir/stderr")"
	fi
}

for v in "${versions[@]}"; do
	for flavour in goblock goblock-stripped; do
		check_run "$v" "$flavour"
	done
done

# -p: a running program; the 1500 goroutines that park 2 s into it and stay parked until it
# ends are still parked when the recording stops (-d 3, 0.3 s in): each counts up to then,
# about 1.3 to 1.8 s
v=${versions[0]}
dir=$TMP/$v/run-p
mkdir -p "$dir"
"$TMP/$v/goblock" -settle 1s -duration 4s -deep $DEEP >"$dir/stdout" 2>"$dir/prog.err" &
prog=$!
sleep 0.3
"$SINGE" record -t goroutine -p $prog -d 3 -o "$dir/singe.pb.gz" >/dev/null 2>"$dir/stderr"
rc=$?
wait $prog
prog_rc=$?
"$SINGE" convert --sample-type delay "$dir/singe.pb.gz" -o "$dir/delay.folded" 2>>"$dir/stderr"
"$SINGE" convert "$dir/singe.pb.gz" -o "$dir/parks.folded" 2>>"$dir/stderr"
parks=$(sum_of "$dir/parks.folded" ';main.parkDeep;')
delay=$(sum_of "$dir/delay.folded" ';main.parkDeep;')
still=$(grep -o '[0-9]* still parked at the end' "$dir/stderr" | awk '{ print $1 }')
if ((rc == 0 && prog_rc == 0 && parks == DEEP && ${still:-0} >= DEEP)) &&
	[[ $(cat "$dir/stdout") == "$GOBLOCK_OUTPUT" ]] &&
	awk -v d="$delay" -v n="$DEEP" 'BEGIN { a = d / n / 1e9; exit !(a >= 1.0 && a <= 2.5) }'; then
	pass "$v -p: parks still in progress at the end count up to it ($still still parked, parkDeep $(awk -v d="$delay" -v n="$DEEP" 'BEGIN { printf "%.2f", d / n / 1e9 }') s each)"
else
	fail "$v -p: parks in progress at the end" \
		"rc $rc, program rc $prog_rc, parkDeep $parks parks $delay ns, still parked '$still': $(head -c 300 "$dir/stderr")"
fi

# not a Go program: recorded, no parks, and the summary says why
if "$SINGE" record -t goroutine -o "$TMP/notgo.pb.gz" -- sleep 0.2 >"$TMP/stdout" 2>"$TMP/stderr" &&
	grep -q 'no Go binary was probed' "$TMP/stderr"; then
	pass "a program that is not Go: no parks, and the summary says so"
else
	fail "a program that is not Go" "$(head -c 300 "$TMP/stderr")"
fi
