#!/usr/bin/env bash
# singe record -t goroutine --duty-cycle PCT: the uprobes attached for PCT% of each second,
# the values scaled by elapsed / attached time. Against what knows the answer: the goblock
# example's steady waits (10 ms each, in named functions) and Go's own block profile of the
# same run, with the oldest and the newest Go installed:
#  - the program's output is unchanged and it exits 0;
#  - the parks carry the right wait reasons;
#  - the chan:mutex delay split agrees with Go's block profile of the same run within 20%;
#  - the scaled delay of the channel waits agrees with Go's block profile's (which sees the
#    whole run) within 35%, and the scaled parks with an undutied run's within 35%: scaled,
#    not left at PCT% of the total;
#  - the summary, the profile's comment and the SVG's subtitle say "scaled by X (attached N%
#    of the time)", with N near PCT, and the parks in progress at a detach are counted;
#  - with -p, the uprobes of a running program go out and come back each second;
# and the errors: --duty-cycle with a type that has no uprobes to detach, or not a percentage.
cd "$(dirname "$0")/../.." || exit 2
. tests/integration/lib.sh
. tests/integration/lib_goblock.sh
[[ -x $SINGE ]] || SINGE=./singe

if ((EUID != 0)); then
	skip "record --duty-cycle" "need root to load BPF programs (run: sudo make test)"
	exit 0
fi

# the errors first: they need no Go
for bad in 0 101 abc 50.5 -5; do
	expect_exit "--duty-cycle $bad: exit 2" 2 "$SINGE" record -t goroutine --duty-cycle "$bad" \
		-o "$TMP/bad.pb.gz" -- true &&
		stderr_one_line "--duty-cycle $bad: one line naming the range" \
			"^singe: --duty-cycle: '$bad' is not a whole percentage from 1 to 100"
done
for type in cpu offcpu pause cpu,goroutine; do
	expect_exit "-t $type --duty-cycle 50: exit 2" 2 "$SINGE" record -t $type --duty-cycle 50 \
		-o "$TMP/bad.pb.gz" -- true &&
		stderr_one_line "-t $type --duty-cycle 50: one line naming the fix" \
			"--duty-cycle works with -t goroutine, alloc only.*drop --duty-cycle"
done
if [[ -e $TMP/bad.pb.gz ]]; then
	fail "rejected options write nothing" "$TMP/bad.pb.gz exists"
else
	pass "rejected options write nothing"
fi

gos=(/usr/lib/go-1.*/bin/go)
if [[ ! -x ${gos[0]} ]]; then
	fail "Go toolchains" "none under /usr/lib/go-1.*; run 'make deps'"
	exit 1
fi
# the oldest and the newest: the wait reasons and g layout that differ most
gos=("${gos[0]}" "${gos[-1]}")
# 4 s of waits after a 1 s settle; no deep parks (a park longer than the attached part of a
# second is cut at the detach: the test_record_goroutine.sh checks them undutied)
ARGS=(-settle 1s -duration 4s -deep 0)

versions=()
for go in "${gos[@]}"; do
	v=$("$go" version | awk '{ print $3 }')
	versions+=("$v")
	PATH="$(dirname "$go"):$PATH" NOPIE=1 nice -n 5 examples/go/build.sh "$TMP/$v" goblock \
		>"$TMP/build-$v.log" 2>&1 &
done
wait
for v in "${versions[@]}"; do
	if [[ ! -x $TMP/$v/goblock ]]; then
		fail "build the goblock example with $v" "$(head -c 300 "$TMP/build-$v.log")"
		exit 1
	fi
done

# record DIR BINARY [--duty-cycle PCT]: singe records the example started with it
record() {
	local dir=$1 bin=$2
	shift 2
	mkdir -p "$dir"
	"$SINGE" record -t goroutine "$@" -o "$dir/singe.pb.gz" -o "$dir/parks.folded" \
		-o "$dir/parks.svg" -- \
		"$bin" "${ARGS[@]}" -block-profile "$dir/go.pprof" >"$dir/stdout" 2>"$dir/stderr"
	echo $? >"$dir/rc"
}
# two at a time: the waits are timed by the program, not by the CPU it gets
for v in "${versions[@]}"; do
	record "$TMP/$v/full" "$TMP/$v/goblock" &
	record "$TMP/$v/d50" "$TMP/$v/goblock" --duty-cycle 50 &
	wait
	record "$TMP/$v/d20" "$TMP/$v/goblock" --duty-cycle 20
done




within() { # A B FRACTION: A within FRACTION of B
	awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN { exit !(b > 0 && a / b >= 1 - f && a / b <= 1 + f) }'
}

check_run() { # VERSION PCT
	local v=$1 pct=$2 dir=$TMP/$1/d$2 tag="$1 --duty-cycle $2" minor fn want got ok=1
	local sc sm gc gm parks full attached
	minor=${v#go1.}
	minor=${minor%%.*}

	goblock_run_ok "$tag" "$dir" "$minor" || return

	"$SINGE" convert --sample-type delay "$dir/singe.pb.gz" -o "$dir/delay.folded" 2>>"$dir/stderr"
	"$SINGE" convert --sample-type delay "$dir/go.pprof" -o "$dir/go.folded" 2>>"$dir/stderr"
	sc=$(sum_of "$dir/delay.folded" ';main.blockOnChan;')
	sm=$(sum_of "$dir/delay.folded" ';main.blockOnMutex;')
	gc=$(sum_of "$dir/go.folded" 'main.blockOnChan')
	gm=$(sum_of "$dir/go.folded" 'main.blockOnMutex')
	if ((sm > 0 && gm > 0)) && within "$(awk -v a="$sc" -v b="$sm" 'BEGIN { print a / b }')" \
		"$(awk -v a="$gc" -v b="$gm" 'BEGIN { print a / b }')" 0.2; then
		pass "$tag: chan:mutex delay $(awk -v a="$sc" -v b="$sm" 'BEGIN { printf "%.2f", a / b }') vs Go's block profile $(awk -v a="$gc" -v b="$gm" 'BEGIN { printf "%.2f", a / b }')"
	else
		fail "$tag: chan:mutex delay within 20% of Go's block profile" \
			"singe chan $sc mutex $sm, Go chan $gc mutex $gm"
	fi
	if within "$sc" "$gc" 0.35; then
		pass "$tag: scaled chan delay $((sc / 1000000)) ms vs Go's block profile $((gc / 1000000)) ms (whole run)"
	else
		fail "$tag: scaled chan delay within 35% of Go's block profile" \
			"singe $((sc / 1000000)) ms, Go $((gc / 1000000)) ms: $(grep -E 'duty|goroutine:' "$dir/stderr" | head -c 700)"
	fi

	parks=$(sum_of "$dir/parks.folded" ';main.blockOn(Chan|Select|Mutex|WaitGroup|Sleep);')
	full=$(sum_of "$TMP/$v/full/parks.folded" ';main.blockOn(Chan|Select|Mutex|WaitGroup|Sleep);')
	if within "$parks" "$full" 0.35; then
		pass "$tag: scaled parks $parks vs $full undutied"
	else
		fail "$tag: scaled parks within 35% of an undutied run's" \
			"$parks vs $full: $(grep -E 'duty|goroutine:' "$TMP/$v/full/stderr" | head -c 400)"
	fi

	attached=$(grep -o 'scaled by [0-9.]* (attached [0-9]*% of the time' "$dir/stderr" |
		grep -o '[0-9]*%' | tr -d %)
	# near PCT: the windows are shortened by slow attaches on a loaded machine (measured)
	if [[ -n $attached ]] && within "$attached" "$pct" 0.5 &&
		go tool pprof -comments "$dir/singe.pb.gz" 2>/dev/null |
		grep -q "duty cycle $pct%: values scaled by [0-9.]* (attached $attached% of the time"; then
		pass "$tag: summary and profile say scaled (attached $attached% of the time)"
		if grep -q "duty-cycle $pct: values scaled by [0-9.]* (attached $attached% of the time)" \
			"$dir/parks.svg"; then
			pass "$tag: the flame graph's subtitle says it is scaled"
		else
			fail "$tag: SVG subtitle" "$(grep -o 'duty-cycle[^<]*' "$dir/parks.svg" | head -1)"
		fi
	else
		fail "$tag: summary and profile comment" "attached '$attached': $(grep duty "$dir/stderr" | head -c 300)"
	fi
	got=$(grep -o '[0-9]* parks in progress at a detach ended there' "$dir/stderr" | awk '{ print $1 }')
	if ((${got:-0} > 0)); then
		pass "$tag: $got parks in progress at a detach ended there"
	else
		fail "$tag: parks in progress at a detach" "$(grep goroutine: "$dir/stderr" | head -c 400)"
	fi
}

for v in "${versions[@]}"; do
	if [[ $(cat "$TMP/$v/full/rc") != 0 ]]; then
		fail "$v undutied run" "$(head -c 300 "$TMP/$v/full/stderr")"
		continue
	fi
	check_run "$v" 50
	check_run "$v" 20
done

# -p: a running program's uprobes (attached through /proc/PID/exe) go out and come back each
# second for the whole recording: parks in every attached window, none lost to a re-attach
v=${versions[0]}
dir=$TMP/$v/p
mkdir -p "$dir"
"$TMP/$v/goblock" -duration 4s -deep 0 >"$dir/stdout" 2>"$dir/prog.err" &
prog=$!
sleep 0.3
"$SINGE" record -t goroutine --duty-cycle 30 -p $prog -d 3 -o "$dir/parks.folded" \
	>/dev/null 2>"$dir/stderr"
rc=$?
wait $prog
prog_rc=$?
windows=$(grep -o 'in [0-9]* windows' "$dir/stderr" | awk '{ print $2 }')
parks=$(sum_of "$dir/parks.folded" ';main.blockOnChan;')
# 3 chan goroutines parking every 10 ms: about 300 parks a second, scaled to the 3 s
if ((rc == 0 && prog_rc == 0 && ${windows:-0} >= 3)) &&
	[[ $(cat "$dir/stdout") == "$GOBLOCK_OUTPUT" ]] &&
	! grep -q 'not attached again' "$dir/stderr" &&
	awk -v p="$parks" 'BEGIN { exit !(p >= 600 && p <= 1350) }'; then
	pass "$v -p --duty-cycle 30: $windows windows, blockOnChan $parks parks scaled (about 900 in 3 s)"
else
	fail "$v -p --duty-cycle 30" \
		"rc $rc, program rc $prog_rc, windows '$windows', blockOnChan $parks: $(grep duty "$dir/stderr" | head -c 400)"
fi
