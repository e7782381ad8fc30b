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
#  - the summary and the profile's comment say "scaled by X (attached N% of the time)", with
#    N near PCT, and the parks in progress at a detach are counted;
# and the errors: --duty-cycle with a type that has no uprobes to detach, or not a percentage.
cd "$(dirname "$0")/../.." || exit 2
. tests/integration/lib.sh
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
			"--duty-cycle works with -t goroutine only.*drop --duty-cycle"
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
EXPECTED_OUTPUT="goblock: chan, select, mutex, waitgroup, sleep and tcp waits; done"
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
	"$SINGE" record -t goroutine "$@" -o "$dir/singe.pb.gz" -o "$dir/parks.folded" -- \
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

sum_of() { # FOLDED PATTERN: the total of the lines whose stack matches PATTERN
	awk -v pat="$2" '$0 ~ pat { s += $NF } END { printf "%.0f\n", s }' "$1"
}

expected_reason() { # FUNCTION MINOR
	case $1 in
	blockOnChan) echo "chan receive" ;;
	blockOnSelect) echo "select" ;;
	blockOnMutex) (($2 >= 21)) && echo "sync.Mutex.Lock" || echo "semacquire" ;;
	blockOnWaitGroup) echo "semacquire" ;;
	blockOnSleep) echo "sleep" ;;
	blockOnTCPRead) echo "IO wait" ;;
	esac
}

reasons() { # FOLDED FUNCTION: the distinct leaf frames of the stacks through main.FUNCTION
	awk -v fn=";main.$2;" 'index($0, fn) { sub(/ [0-9]+$/, ""); n = split($0, f, ";"); print f[n] }' \
		"$1" | sort -u | tr '\n' ' '
}

within() { # A B FRACTION: A within FRACTION of B
	awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN { exit !(b > 0 && a / b >= 1 - f && a / b <= 1 + f) }'
}

check_run() { # VERSION PCT
	local v=$1 pct=$2 dir=$TMP/$1/d$2 tag="$1 --duty-cycle $2" minor fn want got ok=1
	local sc sm gc gm parks full attached
	minor=${v#go1.}
	minor=${minor%%.*}

	if [[ $(cat "$dir/rc") != 0 || $(cat "$dir/stdout") != "$EXPECTED_OUTPUT" ]]; then
		fail "$tag: the program's output is unchanged" \
			"exit $(cat "$dir/rc"), stdout '$(head -c 200 "$dir/stdout")': $(head -c 300 "$dir/stderr")"
		return
	fi
	pass "$tag: the program's output is unchanged"

	for fn in blockOnChan blockOnSelect blockOnMutex blockOnWaitGroup blockOnSleep blockOnTCPRead; do
		want="[$(expected_reason $fn "$minor")] "
		got=$(reasons "$dir/parks.folded" $fn)
		if [[ $got != "$want" ]]; then
			fail "$tag: wait reasons" "main.$fn: '$got', wanted '$want'"
			ok=0
		fi
	done
	((ok)) && pass "$tag: wait reasons of the six kinds of wait"

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
			"singe $((sc / 1000000)) ms, Go $((gc / 1000000)) ms"
	fi

	parks=$(sum_of "$dir/parks.folded" ';main.blockOn(Chan|Select|Mutex|WaitGroup|Sleep);')
	full=$(sum_of "$TMP/$v/full/parks.folded" ';main.blockOn(Chan|Select|Mutex|WaitGroup|Sleep);')
	if within "$parks" "$full" 0.35; then
		pass "$tag: scaled parks $parks vs $full undutied"
	else
		fail "$tag: scaled parks within 35% of an undutied run's" "$parks vs $full"
	fi

	attached=$(grep -o 'scaled by [0-9.]* (attached [0-9]*% of the time' "$dir/stderr" |
		grep -o '[0-9]*%' | tr -d %)
	if [[ -n $attached ]] && within "$attached" "$pct" 0.3 &&
		go tool pprof -comments "$dir/singe.pb.gz" 2>/dev/null |
		grep -q "duty cycle $pct%: values scaled by [0-9.]* (attached $attached% of the time"; then
		pass "$tag: summary and profile say scaled (attached $attached% of the time)"
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
