#!/usr/bin/env bash
# singe goroutines against what knows the answer: Go's own goroutine profile of the same
# process, taken just before and just after singe reads it (SIGUSR1 makes the goroutines
# example write it). For each installed Go (/usr/lib/go-1.*), normal and stripped:
#  - the same goroutines per stack (the example's named functions) as Go's profile;
#  - the wait reasons Go's debug=2 gives each goroutine, and the expected one per function;
#  - the leak: the growing group is reported by --leaks --watch, the others are not;
#  - -o writes a goroutine profile go tool pprof reads, with the same total;
#  - the program's output is unchanged and it exits 0.
# Errors: a process that is not Go, no such process, one that exits while singe watches it:
# exit 2 with one line.
cd "$(dirname "$0")/../.." || exit 2
. tests/integration/lib.sh
[[ -x $SINGE ]] || SINGE=./singe

if ((EUID != 0)); then
	skip "singe goroutines" "need root to read another process's memory (run: sudo make test)"
	exit 0
fi
gos=(/usr/lib/go-1.*/bin/go)
if [[ ! -x ${gos[0]} ]]; then
	fail "Go toolchains" "none under /usr/lib/go-1.*; run 'make deps'"
	exit 1
fi

PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null; [[ -n ${KEEP:-} ]] || rm -rf "$TMP"' EXIT
EXPECTED_OUTPUT="blocked 4 chan, 3 select, 5 mutex, 2 waitgroup, 6 sleep, 2 tcp; done"
# the example's groups and their sizes; leakyRequest grows
declare -A sizes=([main.blockOnChan]=4 [main.blockOnSelect]=3 [main.blockOnMutex]=5
	[main.blockOnWaitGroup]=2 [main.blockOnSleep]=6 [main.blockOnTCPRead]=2)

# Build every version (normal and stripped), two at a time.
versions=()
for go in "${gos[@]}"; do
	v=$("$go" version | awk '{ print $3 }')
	versions+=("$v")
	PATH="$(dirname "$go"):$PATH" NOPIE=1 nice -n 5 examples/go/build.sh "$TMP/$v" goroutines \
		>"$TMP/build-$v.log" 2>&1 &
	(($(jobs -r | wc -l) >= 2)) && wait -n
done
wait
for v in "${versions[@]}"; do
	if [[ ! -x $TMP/$v/goroutines-stripped ]]; then
		fail "build the goroutines example with $v" "$(head -c 300 "$TMP/build-$v.log")"
		exit 1
	fi
done

# debug=1 records (Go's "N @ pcs" or singe's "N goroutines [state]:") as "count<TAB>key",
# the key being the example's functions of the stack, outermost last; only its named groups.
# The wrappers of go statements (main.main.gowrap1; main.main.func1 before Go 1.21) are left
# out: Go's tracebacks hide them, singe shows them.
groups_of() {
	awk -F'\t' '
	function flush() { if (key ~ /main\.(blockOn|leakyRequest)/) n[key] += count; key = ""; count = 0 }
	/^[0-9]+ (@|goroutine)/ { flush(); count = $0 + 0; next }
	/^#\t0x/ { f = $3; sub(/\+0x[0-9a-f]+$/, "", f)
		if (f ~ /^main\./ && f !~ /^main\.[A-Za-z]+\.(gowrap|func)[0-9]+$/) key = key (key == "" ? "" : ";") f }
	END { flush(); for (k in n) print n[k] "\t" k }' "$1" | sort -t$'\t' -k2
}

# debug=2 entries (Go's or singe --all) as "goid<TAB>reason<TAB>function" for the named groups
reasons_of() {
	awk '
	/^goroutine [0-9]+ \[/ { goid = $2; r = $0; sub(/^[^[]*\[/, "", r); sub(/[],].*$/, "", r); fn = ""; next }
	/^[^\t ].*\(/ && fn == "" && goid != "" { f = $0; sub(/\([^()]*\)$/, "", f)
		if (f ~ /^main\.(blockOn|leakyRequest)/) { fn = f; print goid "\t" r "\t" f } }' "$1" | sort
}

expected_reason() { # FUNCTION MINOR
	case $1 in
	main.blockOnChan | main.leakyRequest) echo "chan receive" ;;
	main.blockOnSelect) echo "select" ;;
	main.blockOnMutex) (($2 >= 21)) && echo "sync.Mutex.Lock" || echo "semacquire" ;;
	main.blockOnWaitGroup) echo "semacquire" ;;
	main.blockOnSleep) echo "sleep" ;;
	main.blockOnTCPRead) echo "IO wait" ;;
	esac
}

# go_profile DIR NAME: SIGUSR1, then wait for the example to write DIR/NAME{,.1,.2}
go_profile() {
	local dir=$1 name=$2 pid=$3 i
	rm -f "$dir/go.prof" "$dir/go.prof.1" "$dir/go.prof.2"
	kill -USR1 "$pid"
	for ((i = 0; i < 100; i++)); do
		[[ -s $dir/go.prof ]] && break
		sleep 0.05
	done
	mv "$dir/go.prof.1" "$dir/$name.1" && mv "$dir/go.prof.2" "$dir/$name.2"
}

# Start every build at once: they sleep, so they cost nothing while the others are checked.
declare -A pid_of
for v in "${versions[@]}"; do
	for flavour in goroutines goroutines-stripped; do
		dir=$TMP/$v/run-$flavour
		mkdir -p "$dir"
		"$TMP/$v/$flavour" -duration 120s -gc-every 200ms -leak-every 200ms \
			-profile "$dir/go.prof" >"$dir/stdout" 2>"$dir/stderr" &
		PIDS+=($!)
		pid_of[$v/$flavour]=$!
	done
done
# ready, and a GC has run since the groups parked (Go records wait starts at GC time)
sleep 1.5

check_one() { # VERSION FLAVOUR
	local v=$1 flavour=$2 pid=${pid_of[$1/$2]} dir=$TMP/$1/run-$2 tag="$1 $2" minor
	minor=${v#go1.}
	minor=${minor%%.*}

	go_profile "$dir" before "$pid"
	"$SINGE" goroutines "$pid" >"$dir/singe.1" 2>"$dir/singe.err" &&
		"$SINGE" goroutines --all -o "$dir/singe.pb.gz" "$pid" >"$dir/singe.2" 2>>"$dir/singe.err"
	local rc=$?
	go_profile "$dir" after "$pid"
	if ((rc != 0)); then
		fail "$tag: singe goroutines" "exit $rc: $(head -c 300 "$dir/singe.err")"
		return
	fi
	pass "$tag: singe goroutines reads the process ($(head -1 "$dir/singe.1" | sed 's/.*: //'))"

	# same goroutines per stack; the leak between Go's two readings
	local mismatch="" fn key want got lo hi
	groups_of "$dir/before.1" >"$dir/go-before.groups"
	groups_of "$dir/after.1" >"$dir/go-after.groups"
	groups_of "$dir/singe.1" >"$dir/singe.groups"
	for fn in "${!sizes[@]}"; do
		want=${sizes[$fn]}
		got=$(awk -F'\t' -v f="$fn" '$2 ~ f"$" { s += $1 } END { print s + 0 }' "$dir/singe.groups")
		key=$(awk -F'\t' -v f="$fn" '$2 ~ f"$" { print $2 }' "$dir/go-before.groups")
		lo=$(awk -F'\t' -v f="$fn" '$2 ~ f"$" { s += $1 } END { print s + 0 }' "$dir/go-before.groups")
		[[ $got == "$want" && $lo == "$want" ]] || mismatch+=" $fn: singe $got, Go $lo, built $want;"
		grep -qxF "$want	$key" "$dir/singe.groups" || mismatch+=" $fn: stack '$key' not in singe's;"
	done
	lo=$(awk -F'\t' '$2 ~ /leakyRequest$/ { print $1 }' "$dir/go-before.groups")
	hi=$(awk -F'\t' '$2 ~ /leakyRequest$/ { print $1 }' "$dir/go-after.groups")
	got=$(awk -F'\t' '$2 ~ /leakyRequest$/ { print $1 }' "$dir/singe.groups")
	((${lo:-0} > 0 && ${got:-0} >= ${lo:-0} && ${got:-0} <= ${hi:-0})) ||
		mismatch+=" leakyRequest: singe ${got:-0}, Go ${lo:-0} before and ${hi:-0} after;"
	if [[ -z $mismatch ]]; then
		pass "$tag: same goroutines per stack as Go's profile (leak: Go $lo <= singe $got <= Go $hi)"
	else
		fail "$tag: same goroutines per stack as Go's profile" "$mismatch"
	fi

	# wait reasons: each goroutine's as Go's debug=2 says, and the expected one per function
	reasons_of "$dir/before.2" >"$dir/go.reasons"
	reasons_of "$dir/singe.2" >"$dir/singe.reasons"
	mismatch=$(join -t$'\t' "$dir/go.reasons" "$dir/singe.reasons" |
		awk -F'\t' '$2 != $4 || $3 != $5 { print "goroutine " $1 ": Go " $2 ", singe " $4 }' | head -3)
	local n=0 bad="" goid r
	while IFS=$'\t' read -r goid r fn; do
		n=$((n + 1))
		[[ $r == "$(expected_reason "$fn" "$minor")" ]] || bad+=" $goid $fn [$r];"
	done <"$dir/singe.reasons"
	if [[ -z $mismatch && -z $bad && $n -ge 22 ]]; then
		pass "$tag: wait reasons of $n goroutines as Go's debug=2 (mutex: $(expected_reason main.blockOnMutex "$minor"))"
	else
		fail "$tag: wait reasons" "${mismatch:-}${bad:-} ($n goroutines)"
	fi

	# the leak: growth seen by --watch; nothing else reported with a long --min-wait
	"$SINGE" goroutines --leaks --watch 1 --min-wait 1h "$pid" >"$dir/leaks" 2>>"$dir/singe.err"
	if [[ $(grep -c '^leak:' "$dir/leaks") == 1 ]] && grep -q '^leak: .* in main.leakyRequest \[chan receive.*grew from' "$dir/leaks"; then
		pass "$tag: the leak is reported: $(grep '^leak:' "$dir/leaks")"
	else
		fail "$tag: the leak is reported" "$(head -c 300 "$dir/leaks")"
	fi

	# the pprof: go tool pprof reads it, same total as the listing
	local total
	total=$(head -1 "$dir/singe.2" | sed -n 's/.*: \([0-9]*\) goroutines in.*/\1/p')
	if go tool pprof -top "$dir/singe.pb.gz" >"$dir/top" 2>"$dir/top.err" && [[ ! -s $dir/top.err ]] &&
		grep -q "^Type: goroutine" "$dir/top" && grep -Eq "of $total total" "$dir/top"; then
		pass "$tag: go tool pprof reads -o's goroutine profile ($total goroutines)"
	else
		fail "$tag: go tool pprof reads -o's goroutine profile" "$(head -c 300 "$dir/top.err") $(grep total "$dir/top")"
	fi
}

for v in "${versions[@]}"; do
	check_one "$v" goroutines
	check_one "$v" goroutines-stripped
done

# the programs end (SIGUSR2) and print what they print without singe
for v in "${versions[@]}"; do
	for flavour in goroutines goroutines-stripped; do
		kill -USR2 "${pid_of[$v/$flavour]}"
	done
done
for v in "${versions[@]}"; do
	for flavour in goroutines goroutines-stripped; do
		dir=$TMP/$v/run-$flavour
		wait "${pid_of[$v/$flavour]}"
		rc=$?
		if ((rc == 0)) && [[ $(cat "$dir/stdout") == "$EXPECTED_OUTPUT" ]]; then
			pass "$v $flavour: the program's output is unchanged, exit 0"
		else
			fail "$v $flavour: the program's output is unchanged" "exit $rc: $(head -c 200 "$dir/stdout")"
		fi
	done
done
PIDS=()

# a process that exits while singe watches it: one line, exit 2
"$TMP/${versions[0]}/goroutines" -duration 1500ms >/dev/null 2>&1 &
gpid=$!
PIDS+=($gpid)
sleep 0.5
expect_exit "exits midway: exit 2" 2 "$SINGE" goroutines --watch 5 "$gpid" &&
	stderr_one_line "exits midway: one line" "exited while its goroutines were read"

# errors: one line, exit 2
sleep 30 &
spid=$!
PIDS+=($spid)
expect_exit "not a Go process: exit 2" 2 "$SINGE" goroutines "$spid" &&
	stderr_one_line "not a Go process: one line" "is not a Go program"
kill "$spid"
wait "$spid" 2>/dev/null
expect_exit "no such process: exit 2" 2 "$SINGE" goroutines "$spid" &&
	stderr_one_line "no such process: one line" "no process $spid"
expect_exit "-o of another format: exit 2" 2 "$SINGE" goroutines -o x.svg 1 &&
	stderr_one_line "-o of another format: one line" "written as pprof"
