#!/usr/bin/env bash
# singe record -t offcpu end to end (needs root): examples/c/offcpu blocks in named functions
# and prints how long each blocked (its own CLOCK_MONOTONIC accounting); each function's
# off-CPU time must be within 15% of that. Also: kernel frames on the blocked path, the state
# label, a thread blocked for the whole recording counted for the whole of it, --min-block and
# --max-block, -t cpu,offcpu in one pprof go tool pprof reads, a Go program's goroutine
# functions on the stacks of its threads blocked in system calls, and a bad option.
# Not tested yet: --wakers (the waker's side is measured in the kernel, not drawn yet).
cd "$(dirname "$0")/../.." || exit 2
. tests/integration/lib.sh

record_setup "offcpu tests"
OFFCPU=.output/examples/offcpu
FUNCS="wait_in_nanosleep hold_lock wait_on_mutex wait_on_cond wait_on_pipe wait_in_epoll block_forever"

# offcpu_ns PROFILE OUT: off-CPU nanoseconds as folded stacks
offcpu_ns() { "$SINGE" convert --sample-type offcpu "$1" -o "$2" >/dev/null 2>&1; }

# inclusive FUNC FOLDED: the value of the stacks that have FUNC (suffixes _[k] _[i] ignored)
inclusive() {
	awk -v f="$1" '{ n = $NF; $NF = ""; sub(/ +$/, ""); k = split($0, a, ";")
		for (i = 1; i <= k; i++) { x = a[i]; sub(/_\[[a-z]\]$/, "", x); if (x == f) { s += n; break } } }
		END { printf "%.0f\n", s + 0 }' "$2"
}

# truth FUNC OUT: the seconds the program measured itself for FUNC, in ns
truth() { awk -v f="$1" '$1 == f { printf "%.0f\n", $2 * 1e9 }' "$2"; }

# within PCT GOT WANT: |got - want| <= PCT% of want (want > 0)
within() { awk -v p="$1" -v g="$2" -v w="$3" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(w > 0 && d <= w * p / 100) }'; }

# --- the known shares, as a command, with the default --unwind auto (libc has no frame pointers)
if expect_exit "record -t offcpu -- offcpu exits 0" 0 "$SINGE" record -q -t offcpu \
	-o "$TMP/cmd.pb.gz" -o "$TMP/cmd.svg" -- "$OFFCPU" -d 3; then
	cp "$TMP/stdout" "$TMP/truth.txt"
	offcpu_ns "$TMP/cmd.pb.gz" "$TMP/cmd.folded"
	bad=""
	for f in $FUNCS; do
		got=$(inclusive "$f" "$TMP/cmd.folded") want=$(truth "$f" "$TMP/truth.txt")
		within 15 "$got" "$want" || bad+=" $f=$got/${want:-none}"
	done
	[[ -z $bad ]] && pass "each blocking function's off-CPU time within 15% of its own accounting" ||
		fail "each blocking function's off-CPU time within 15% of its own accounting" "got/want ns:$bad"
	n=$(grep -E '(^|;)wait_on_pipe;' "$TMP/cmd.folded" | grep -E ';(__)?schedule_\[k\]' | grep -c 'read')
	((n > 0)) && pass "kernel frames on the blocked path (read ... schedule under wait_on_pipe)" ||
		fail "kernel frames on the blocked path" "$(grep -m2 wait_on_pipe "$TMP/cmd.folded" | head -c 300)"
	check "offcpu SVG is valid XML" xmllint --noout "$TMP/cmd.svg"
	if command -v go >/dev/null; then
		go tool pprof -raw "$TMP/cmd.pb.gz" >"$TMP/cmd.raw" 2>&1
		grep -q 'switches/count offcpu/nanoseconds' "$TMP/cmd.raw" && grep -q 'state:\[S\]' "$TMP/cmd.raw" &&
			pass "offcpu pprof: switches/count, offcpu/nanoseconds, state label" ||
			fail "offcpu pprof: switches/count, offcpu/nanoseconds, state label" "$(head -c 300 "$TMP/cmd.raw")"
	else
		fail "offcpu pprof: switches/count, offcpu/nanoseconds, state label" "go not found"
	fi
fi

# --- stopped before the program ends: a block in progress counts up to the end
if expect_exit "record -t offcpu -d 2 -- offcpu -d 8 exits 143 (SIGTERM to CMD)" 143 "$SINGE" record -q -t offcpu -d 2 \
	-o "$TMP/cut.pb.gz" -- "$OFFCPU" -d 8; then
	offcpu_ns "$TMP/cut.pb.gz" "$TMP/cut.folded"
	got=$(inclusive block_forever "$TMP/cut.folded")
	dur=$(go tool pprof -raw "$TMP/cut.pb.gz" 2>/dev/null | awk '/^Duration:/ { printf "%.0f\n", $2 * 1e9 }')
	within 15 "$got" "${dur:-2000000000}" &&
		pass "a thread blocked for the whole recording has the whole duration ($got ns)" ||
		fail "a thread blocked for the whole recording has the whole duration" "$got ns of ${dur:-?}"
fi

# --- by pid: threads blocked since before the recording count from its start, with stacks
"$OFFCPU" -d 8 >"$TMP/long.out" 2>&1 &
long_pid=$!
PIDS+=("$long_pid")
sleep 0.3
if expect_exit "record -t offcpu -p exits 0" 0 "$SINGE" record -q -t offcpu -p "$long_pid" -d 2 \
	-o "$TMP/pid.pb.gz"; then
	offcpu_ns "$TMP/pid.pb.gz" "$TMP/pid.folded"
	got=$(inclusive block_forever "$TMP/pid.folded")
	dur=$(go tool pprof -raw "$TMP/pid.pb.gz" 2>/dev/null | awk '/^Duration:/ { printf "%.0f\n", $2 * 1e9 }')
	within 15 "$got" "${dur:-2000000000}" && grep -q 'forever_thread;block_forever;epoll_wait' "$TMP/pid.folded" &&
		pass "-p: a thread blocked since before the recording has the whole duration ($got ns)" ||
		fail "-p: a thread blocked since before the recording has the whole duration" \
			"$got ns of ${dur:-?}: $(grep -m1 block_forever "$TMP/pid.folded" | head -c 200)"
fi
kill "$long_pid" 2>/dev/null

# --- thresholds: the pipe and epoll waits are ~10 ms, hold_lock 30 ms, wait_on_mutex 20 ms
if expect_exit "record --min-block 15ms exits 0" 0 "$SINGE" record -q -t offcpu --min-block 15ms \
	-o "$TMP/min.pb.gz" -- "$OFFCPU" -d 2; then
	offcpu_ns "$TMP/min.pb.gz" "$TMP/min.folded"
	pipe=$(inclusive wait_on_pipe "$TMP/min.folded") pipe_all=$(truth wait_on_pipe "$TMP/stdout")
	hold=$(inclusive hold_lock "$TMP/min.folded") hold_all=$(truth hold_lock "$TMP/stdout")
	if awk -v p="$pipe" -v a="$pipe_all" 'BEGIN { exit !(p < a * 0.2) }' && within 15 "$hold" "$hold_all"; then
		pass "--min-block 15ms drops the 10 ms waits, keeps the 30 ms ones"
	else
		fail "--min-block 15ms drops the 10 ms waits, keeps the 30 ms ones" "pipe $pipe of $pipe_all, hold $hold of $hold_all"
	fi
fi
if expect_exit "record --max-block 25ms exits 0" 0 "$SINGE" record -q -t offcpu --max-block 25ms \
	-o "$TMP/max.pb.gz" -- "$OFFCPU" -d 2; then
	offcpu_ns "$TMP/max.pb.gz" "$TMP/max.folded"
	hold=$(inclusive hold_lock "$TMP/max.folded") hold_all=$(truth hold_lock "$TMP/stdout")
	mutex=$(inclusive wait_on_mutex "$TMP/max.folded") mutex_all=$(truth wait_on_mutex "$TMP/stdout")
	if awk -v h="$hold" -v a="$hold_all" 'BEGIN { exit !(h < a * 0.2) }' && within 15 "$mutex" "$mutex_all"; then
		pass "--max-block 25ms drops the 30 ms holds, keeps the 20 ms waits"
	else
		fail "--max-block 25ms drops the 30 ms holds, keeps the 20 ms waits" "hold $hold of $hold_all, mutex $mutex of $mutex_all"
	fi
fi

# --- both types in one pprof
if expect_exit "record -t cpu,offcpu exits 0" 0 "$SINGE" record -q -t cpu,offcpu -F 999 \
	-o "$TMP/both.pb.gz" -- "$OFFCPU" -d 2; then
	if command -v go >/dev/null && go tool pprof -raw "$TMP/both.pb.gz" >"$TMP/both.raw" 2>"$TMP/both.err" &&
		grep -Eq 'samples/count cpu/nanoseconds(\[dflt\])? switches/count offcpu/nanoseconds' "$TMP/both.raw"; then
		pass "-t cpu,offcpu: one pprof with both types that go tool pprof -raw reads"
	else
		fail "-t cpu,offcpu: one pprof with both types that go tool pprof -raw reads" \
			"$(head -c 300 "$TMP/both.err") $(grep -m1 -A1 Samples: "$TMP/both.raw")"
	fi
	"$SINGE" convert --sample-type offcpu "$TMP/both.pb.gz" -o "$TMP/both.folded" >/dev/null 2>&1
	got=$(inclusive wait_in_epoll "$TMP/both.folded") want=$(truth wait_in_epoll "$TMP/stdout")
	within 15 "$got" "$want" && pass "--sample-type offcpu picks the off-CPU values of a cpu,offcpu profile" ||
		fail "--sample-type offcpu picks the off-CPU values of a cpu,offcpu profile" "wait_in_epoll $got of $want"
fi

# --- Go: a goroutine in a blocking system call blocks its thread with the goroutine's stack
if command -v go >/dev/null && examples/go/build.sh .output/examples/go offcpu >"$TMP/gobuild.log" 2>&1; then
	if expect_exit "record -t offcpu a Go program exits 0" 0 "$SINGE" record -q -t offcpu \
		-o "$TMP/go.pb.gz" -- .output/examples/go/offcpu -d 2; then
		offcpu_ns "$TMP/go.pb.gz" "$TMP/go.folded"
		bad=""
		for f in main.readPipe main.sleepSyscall; do
			got=$(inclusive "$f" "$TMP/go.folded") want=$(truth "$f" "$TMP/stdout")
			# at least the measured time (idle threads may still carry a goroutine's frames)
			awk -v g="$got" -v w="$want" 'BEGIN { exit !(w > 0 && g >= w * 0.85) }' || bad+=" $f=$got/${want:-none}"
		done
		[[ -z $bad ]] && pass "Go: goroutine functions on the off-CPU stacks of blocked threads" ||
			fail "Go: goroutine functions on the off-CPU stacks of blocked threads" "got/want ns:$bad"
	fi
else
	fail "build examples/go offcpu" "$(head -c 300 "$TMP/gobuild.log" 2>/dev/null || echo go not found)"
fi

# --- bad input: one line naming the problem, exit 2
expect_exit "--min-block with no duration exits 2" 2 "$SINGE" record -t offcpu --min-block soon \
	-o "$TMP/bad.pb.gz" -- "$OFFCPU" -d 1 &&
	stderr_one_line "--min-block error is one line" 'min-block.*soon'
[[ ! -e $TMP/bad.pb.gz ]] && pass "no output after a bad option" || fail "no output after a bad option" "bad.pb.gz written"
