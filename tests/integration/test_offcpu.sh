#!/usr/bin/env bash
# singe record -t offcpu end to end (needs root): examples/c/offcpu blocks in named functions
# and prints how long each blocked (its own CLOCK_MONOTONIC accounting); each function's
# off-CPU time must be within 15% of that. Also: kernel frames on the blocked path, the state
# label, a thread blocked for the whole recording counted for the whole of it, --min-block and
# --max-block, -t cpu,offcpu in one pprof go tool pprof reads, a Go program's goroutine
# functions on the stacks of its threads blocked in system calls, the wall view of -t cpu,offcpu
# (flame --sample-type wall), and bad options.
# --wakers: the waking function drawn above the blocked one, over a '--' frame.
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

# svg_time FUNC WHICH SVG: the time of FUNC's frames in a wall view, summed, in ns; WHICH: 1 the
# width (wall), on or off its on-CPU or off-CPU part (tooltips: "1.2 s, 5%" / "off-CPU 1 s, on-CPU 2 ms")
svg_time() {
	awk -v f="$1" -v w="$2" 'function ns(v, u) { gsub(",", "", v); return v * (u == "s" ? 1e9 : u == "ms" ? 1e6 : u == "ns" ? 1 : 1e3) }
		$0 == "<g><title>" f { getline; t = ns($1, substr($2, 1, length($2) - 1)); getline; sub(/<.*/, ""); split($0, a, /[ ,]+/)
			s += w == "off" ? ns(a[2], a[3]) : w == "on" ? ns(a[5], a[6]) : t }
		END { printf "%.0f\n", s }' "$3"
}

# svg_fill FUNC SVG: warm or cool, the colour of FUNC's first frame
svg_fill() {
	awk -v f="$1" 'function hex(h) { return 16 * index("0123456789abcdef", substr(h, 1, 1)) + index("0123456789abcdef", substr(h, 2, 1)) }
		$0 == "<g><title>" f { n = 1 } n && /fill="#/ { match($0, /fill="#[0-9a-f]+"/)
		c = substr($0, RSTART + 7, 6); print (hex(substr(c, 1, 2)) > hex(substr(c, 5, 2)) ? "warm" : "cool"); exit }' "$2"
}

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

# --- --wakers: who woke whom, in folded and in pprof
# woken_by BLOCKED WAKER FOLDED: the share (%) of BLOCKED's time whose stack has BLOCKED below
# the '--' separator and WAKER above it
woken_by() {
	awk -v b="$1" -v w="$2" '{ n = $NF; $NF = ""; sub(/ +$/, ""); k = split($0, a, ";"); side = 0; hb = 0; hw = 0
		for (i = 1; i <= k; i++) { x = a[i]; sub(/_\[[a-z]\]$/, "", x)
			if (x == "--") side = 1; else if (!side && x == b) hb = 1; else if (side && x == w) hw = 1 }
		if (hb) { all += n; if (hw) by += n } }
		END { printf "%.0f\n", all ? 100 * by / all : 0 }' "$3"
}
if expect_exit "record -t offcpu --wakers exits 0" 0 "$SINGE" record -q -t offcpu --wakers \
	-o "$TMP/wk.pb.gz" -o "$TMP/wk.svg" -- "$OFFCPU" -d 2; then
	offcpu_ns "$TMP/wk.pb.gz" "$TMP/wk.folded"
	mutex=$(woken_by wait_on_mutex hold_lock "$TMP/wk.folded")
	cond=$(woken_by wait_on_cond wake_everyone "$TMP/wk.folded")
	((mutex >= 80 && cond >= 80)) &&
		pass "--wakers: hold_lock above wait_on_mutex ($mutex%), wake_everyone above wait_on_cond ($cond%)" ||
		fail "--wakers: hold_lock above wait_on_mutex, wake_everyone above wait_on_cond" \
			"$mutex% and $cond%: $(grep -m1 'wait_on_mutex;' "$TMP/wk.folded" | head -c 400)"
	got=$(inclusive wait_on_mutex "$TMP/wk.folded") want=$(truth wait_on_mutex "$TMP/stdout")
	within 15 "$got" "$want" && pass "--wakers: the blocked time is unchanged (wait_on_mutex within 15%)" ||
		fail "--wakers: the blocked time is unchanged (wait_on_mutex within 15%)" "$got of $want ns"
	check "--wakers SVG is valid XML" xmllint --noout "$TMP/wk.svg"
	# a timer ending a sleep: the waker is the interrupt, drawn up to its entry, not whatever
	# thread it happened to interrupt
	n=$(grep ';--;.*hrtimer_wakeup' "$TMP/wk.folded" | wc -l)
	cut=$(grep ';--;.*hrtimer_wakeup' "$TMP/wk.folded" | grep -cE ';asm_sysvec_[a-z_]+_\[k\] [0-9]+$')
	((n > 0 && cut == n)) && pass "--wakers: a timer's wake-ups end at the interrupt entry ($cut of $n stacks)" ||
		fail "--wakers: a timer's wake-ups end at the interrupt entry" "$cut of $n: $(grep -m1 ';--;.*hrtimer_wakeup' "$TMP/wk.folded" | head -c 400)"
	# pprof: the separator is a function of its own between the waker's frames and the blocked ones
	go tool pprof -traces -sample_index=offcpu "$TMP/wk.pb.gz" 2>/dev/null |
		awk '/^-+\+/ { s = 0; next } /^ *-- *$/ { s = 1; next } s == 0 && /hold_lock$/ { h = 1 } s == 1 && /wait_on_mutex$/ && h { ok = 1 }
			END { exit !ok }' && pass "--wakers in pprof: hold_lock, then '--', then wait_on_mutex (go tool pprof -traces)" ||
		fail "--wakers in pprof: hold_lock, then '--', then wait_on_mutex (go tool pprof -traces)" \
			"$(go tool pprof -traces -sample_index=offcpu "$TMP/wk.pb.gz" 2>&1 | grep -m1 -B20 -A20 wait_on_mutex | head -c 600)"
fi

# --- --wakers across processes: cat blocked reading a pipe that the shell writes to; the
# shell's frames are symbolized against the shell's own process (against cat's they would be
# [unknown] or cat's)
if expect_exit "record --wakers of a shell pipeline exits 0" 0 "$SINGE" record -q -t offcpu --wakers \
	-o "$TMP/xp.pb.gz" -- sh -c 'i=0; while [ $i -lt 50 ]; do i=$((i+1)); echo x; sleep 0.01; done | cat >/dev/null'; then
	offcpu_ns "$TMP/xp.pb.gz" "$TMP/xp.folded"
	n=$(awk '{ i = index($0, ";--;"); if (!i) next; below = substr($0, 1, i); above = substr($0, i + 4)
		if (below ~ /^cat;/ && below ~ /libc_read/ && above ~ /libc_write;/ && above ~ /(^|;)((da|ba)?sh\+0x|main;)/) n++ }
		END { print n + 0 }' "$TMP/xp.folded")
	((n > 0)) && pass "--wakers: cat's read woken by the shell's write, the shell's frames its own ($n stacks)" ||
		fail "--wakers: cat's read woken by the shell's write, the shell's frames its own" \
			"$(grep -m1 '^cat;.*;--;' "$TMP/xp.folded" | head -c 400)"
fi

# --- both types in one pprof
if expect_exit "record -t cpu,offcpu exits 0" 0 "$SINGE" record -q -t cpu,offcpu -F 999 \
	-o "$TMP/both.pb.gz" -- "$OFFCPU" -w -d 2; then
	cp "$TMP/stdout" "$TMP/both.txt"
	if command -v go >/dev/null && go tool pprof -raw "$TMP/both.pb.gz" >"$TMP/both.raw" 2>"$TMP/both.err" &&
		grep -Eq 'samples/count cpu/nanoseconds(\[dflt\])? switches/count offcpu/nanoseconds' "$TMP/both.raw"; then
		pass "-t cpu,offcpu: one pprof with both types that go tool pprof -raw reads"
	else
		fail "-t cpu,offcpu: one pprof with both types that go tool pprof -raw reads" \
			"$(head -c 300 "$TMP/both.err") $(grep -m1 -A1 Samples: "$TMP/both.raw")"
	fi
	"$SINGE" convert --sample-type offcpu "$TMP/both.pb.gz" -o "$TMP/both.folded" >/dev/null 2>&1
	got=$(inclusive wait_in_epoll "$TMP/both.folded") want=$(truth wait_in_epoll "$TMP/both.txt")
	within 15 "$got" "$want" && pass "--sample-type offcpu picks the off-CPU values of a cpu,offcpu profile" ||
		fail "--sample-type offcpu picks the off-CPU values of a cpu,offcpu profile" "wait_in_epoll $got of $want"
	# the wall view: every function's wall time (on-CPU + off-CPU) within 15% of the program's
	# own accounting, blocking ones and the one that runs (run_on_cpu, its on-CPU part against
	# its CPU time); the worker thread's whole time split between them (a quarter running)
	if expect_exit "flame --sample-type wall exits 0" 0 "$SINGE" flame --sample-type wall \
		"$TMP/both.pb.gz" -o "$TMP/wall.svg"; then
		bad=""
		for f in $FUNCS rest_after_run run_on_cpu; do
			got=$(svg_time "$f" 1 "$TMP/wall.svg") want=$(truth "$f" "$TMP/both.txt")
			within 15 "$got" "$want" || bad+=" $f=$got/${want:-none}"
		done
		got=$(svg_time run_on_cpu on "$TMP/wall.svg") want=$(truth run_on_cpu:cpu "$TMP/both.txt")
		within 15 "$got" "$want" || bad+=" run_on_cpu(on-CPU)=$got/${want:-none}"
		[[ -z $bad ]] && pass "wall view: each function's wall time within 15% of the program's accounting" ||
			fail "wall view: each function's wall time within 15% of the program's accounting" "got/want ns:$bad"
		run=$(svg_time run_on_cpu 1 "$TMP/wall.svg") all=$(svg_time worker_thread 1 "$TMP/wall.svg")
		awk -v r="$run" -v a="$all" -v w="$(truth run_on_cpu "$TMP/both.txt")" -v t="$(truth rest_after_run "$TMP/both.txt")" \
			'BEGIN { want = w / (w + t); got = a ? r / a : 0; d = got - want; exit !(d < 0.15 * want && -d < 0.15 * want) }' &&
			pass "wall view: run_on_cpu's share of the worker thread's time as measured ($run of $all ns)" ||
			fail "wall view: run_on_cpu's share of the worker thread's time as measured" "$run of $all ns"
		grep -q '>off-CPU (cool)</text>' "$TMP/wall.svg" && grep -q '>on-CPU (warm)</text>' "$TMP/wall.svg" &&
			[[ $(svg_fill run_on_cpu "$TMP/wall.svg") == warm && $(svg_fill rest_after_run "$TMP/wall.svg") == cool ]] &&
			pass "wall view: run_on_cpu warm, rest_after_run cool, with a legend" ||
			fail "wall view: run_on_cpu warm, rest_after_run cool, with a legend" \
				"$(svg_fill run_on_cpu "$TMP/wall.svg") $(svg_fill rest_after_run "$TMP/wall.svg")"
		check "wall view SVG is valid XML" xmllint --noout "$TMP/wall.svg"
		"$SINGE" convert --sample-type wall "$TMP/both.pb.gz" -o "$TMP/wall.folded" >/dev/null 2>&1
		got=$(inclusive run_on_cpu "$TMP/wall.folded") want=$(truth run_on_cpu "$TMP/both.txt")
		within 15 "$got" "$want" && pass "convert --sample-type wall: run_on_cpu's wall time within 15% ($got ns)" ||
			fail "convert --sample-type wall: run_on_cpu's wall time within 15%" "$got of $want ns"
	fi
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
expect_exit "--wakers without -t offcpu exits 2" 2 "$SINGE" record --wakers -o "$TMP/bad2.pb.gz" -- "$OFFCPU" -d 1 &&
	stderr_one_line "--wakers error is one line" 'wakers.*-t offcpu'
expect_exit "flame --sample-type wall of an offcpu-only profile exits 2" 2 "$SINGE" flame --sample-type wall \
	-o "$TMP/bad.svg" "$TMP/wk.pb.gz" &&
	stderr_one_line "--sample-type wall error is one line" 'wall.*-t cpu,offcpu'
[[ ! -e $TMP/bad2.pb.gz && ! -e $TMP/bad.svg ]] && pass "no output after bad --wakers or wall" ||
	fail "no output after bad --wakers or wall" "$(ls "$TMP"/bad*)"
