# Helpers of the tests that record examples/go/goblock with -t goroutine
# (test_record_goroutine.sh, test_record_duty.sh): sourced after lib.sh.

GOBLOCK_OUTPUT="goblock: chan, select, mutex, waitgroup, sleep and tcp waits; done"

# sum_of FOLDED PATTERN: the total of the lines whose stack matches PATTERN
sum_of() {
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

# reasons FOLDED FUNCTION: the distinct leaf frames of the stacks through main.FUNCTION
reasons() {
	awk -v fn=";main.$2;" 'index($0, fn) { sub(/ [0-9]+$/, ""); n = split($0, f, ";"); print f[n] }' \
		"$1" | sort -u | tr '\n' ' '
}

# goblock_run_ok TAG DIR MINOR: the run in DIR (rc, stdout, stderr, parks.folded) exited 0
# with the program's output unchanged, and each blocking function's parks carry its wait
# reason. Returns 1 (after its FAIL line) when the run itself failed.
goblock_run_ok() {
	local tag=$1 dir=$2 minor=$3 fn want got ok=1

	if [[ $(cat "$dir/rc") != 0 || $(cat "$dir/stdout") != "$GOBLOCK_OUTPUT" ]]; then
		fail "$tag: the program's output is unchanged" \
			"exit $(cat "$dir/rc"), stdout '$(head -c 200 "$dir/stdout")': $(head -c 300 "$dir/stderr")"
		return 1
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
	return 0
}
