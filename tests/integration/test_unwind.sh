#!/usr/bin/env bash
# singe record --unwind dwarf|auto|fp end to end (needs root): complete stacks through Debian's
# libc (qsort calling back into the program), through a program built -fomit-frame-pointer,
# and through CPython 3.11 (Debian's /usr/bin/python3.11, no frame pointers); fp loses them.
# A Go program linked to libc (examples/go/cgonet) is unwound frame by frame under auto and
# agrees with its own runtime/pprof profile; so is Java's JIT code with frame pointers.
# auto picks per binary and says so; the quality counters reach the summary, the pprof
# comments and the SVG subtitle; --stack-size is checked and a small copy is counted as
# truncated.
cd "$(dirname "$0")/../.." || exit 2
. tests/integration/lib.sh

if ((EUID != 0)); then
	skip "unwind tests" "need root to load BPF programs (run: sudo make test)"
	exit 0
fi
if ! examples/c/build.sh >"$TMP/build.log" 2>&1; then
	fail "build examples/c" "$(head -c 300 "$TMP/build.log")"
	exit 1
fi
EX=.output/examples
PY=/usr/bin/python3.11
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null; rm -rf "$TMP"' EXIT

# start CMD...: run CMD in the background, its pid in $bg_pid, after a moment to start up
start() {
	"$@" >"$TMP/bg.out" 2>&1 &
	bg_pid=$!
	PIDS+=("$bg_pid")
	sleep 0.5
}

# to_folded PROFILE OUT: sample counts as folded stacks
to_folded() { "$SINGE" convert --sample-type samples "$1" -o "$2" >/dev/null 2>&1; }

# share FOLDED REGEX [FILTER]: "matching total" over the samples whose stack matches FILTER
# (every sample when empty): how many of them also match REGEX
share() {
	awk -v re="$2" -v filter="${3:-}" '{ n = $NF; $NF = ""; if (filter != "" && $0 !~ filter) next
		t += n; if ($0 ~ re) m += n } END { print m + 0, t + 0 }' "$1"
}

# at_least NAME MATCHING TOTAL PERCENT: PASS when MATCHING >= PERCENT% of TOTAL (> 0)
at_least() {
	if (($3 > 0 && $2 * 100 >= $3 * $4)); then
		pass "$1 ($2 of $3)"
	else
		fail "$1" "$2 of $3 samples, wanted at least $4%"
	fi
}

# --- qsort (Debian libc, no frame pointers) calling back into a program that keeps them
start "$EX/qsort_hot" -d 30
for mode in dwarf fp auto; do
	expect_exit "qsort_hot: record --unwind $mode" 0 "$SINGE" record -p "$bg_pid" -F 199 -d 2 \
		--unwind "$mode" -o "$TMP/q-$mode.pb.gz" -o "$TMP/q-$mode.svg"
	cp "$TMP/stderr" "$TMP/q-$mode.log"
	to_folded "$TMP/q-$mode.pb.gz" "$TMP/q-$mode.folded"
done
read -r m t < <(share "$TMP/q-dwarf.folded" '(^|;)main;')
((t > 0 && m == t)) && pass "dwarf: every qsort_hot sample reaches main ($m of $t)" ||
	fail "dwarf: every qsort_hot sample reaches main" "$m of $t: $(grep -v ';main;' "$TMP/q-dwarf.folded" | head -2)"
read -r m t < <(share "$TMP/q-dwarf.folded" 'qsort.*;compare_keys' 'compare_keys')
at_least "dwarf: compare_keys is under qsort" "$m" "$t" 100
read -r m t < <(share "$TMP/q-fp.folded" '(^|;)main;')
((t > 0 && m * 2 < t)) && pass "fp: the frame-pointer walk loses main through qsort ($m of $t reach it)" ||
	fail "fp: the frame-pointer walk loses main through qsort" "$m of $t reach main"
read -r m t < <(share "$TMP/q-auto.folded" '(^|;)main;')
# auto watches a new process (frame-pointer walk and stack copy in each sample, the whole one
# kept), so not even its first samples keep a walk broken by libc
at_least "auto: qsort_hot samples reach main" "$m" "$t" 99
grep -q 'unwind auto: .*qsort_hot=fp' "$TMP/q-auto.log" && grep -q 'libc.so.6=dwarf' "$TMP/q-auto.log" &&
	pass "auto: the summary names qsort_hot=fp and libc.so.6=dwarf" ||
	fail "auto: the summary names qsort_hot=fp and libc.so.6=dwarf" "$(grep unwind "$TMP/q-auto.log")"
grep -Eq 'unwind dwarf: .*, [0-9]+ unwound with DWARF in 1 process: [0-9]+ complete' "$TMP/q-dwarf.log" &&
	pass "dwarf: the summary counts complete stacks" ||
	fail "dwarf: the summary counts complete stacks" "$(grep unwind "$TMP/q-dwarf.log")"
grep -q 'id="subtitle"[^<]*by DWARF ([0-9.]*% complete' "$TMP/q-dwarf.svg" &&
	pass "dwarf: the SVG subtitle shows the unwind quality" ||
	fail "dwarf: the SVG subtitle shows the unwind quality" "no subtitle"
if command -v go >/dev/null; then
	go tool pprof -raw "$TMP/q-auto.pb.gz" >"$TMP/raw.txt" 2>&1
	grep -q 'Comment: singe:unwind auto .*libc.so.6=dwarf' "$TMP/raw.txt" &&
		grep -Eq 'Comment: singe:unwind-quality fp_walks=[0-9]+ dwarf=[1-9][0-9]* complete=[1-9]' "$TMP/raw.txt" &&
		pass "auto: the pprof carries the unwind choice and quality comments" ||
		fail "auto: the pprof carries the unwind choice and quality comments" "$(grep Comment "$TMP/raw.txt")"
else
	skip "pprof unwind comments" "go not installed"
fi
# a copy too small for the stack: counted as truncated
expect_exit "--stack-size 512 records" 0 "$SINGE" record -p "$bg_pid" -F 99 -d 1 --unwind dwarf \
	--stack-size 512 -o "$TMP/small.pb.gz"
grep -Eq 'complete, [1-9][0-9]* truncated at --stack-size 512' "$TMP/stderr" &&
	pass "a 512-byte copy counts truncated stacks" ||
	fail "a 512-byte copy counts truncated stacks" "$(grep unwind "$TMP/stderr")"
kill "$bg_pid" 2>/dev/null
wait "$bg_pid" 2>/dev/null

# --- a program built -O2 -fomit-frame-pointer: threads end at clone3, main at _start
start "$EX/cpu_split_nofp" -d 30
for mode in dwarf fp; do
	"$SINGE" record -q -p "$bg_pid" -F 199 -d 2 --unwind "$mode" -o "$TMP/n-$mode.pb.gz"
	to_folded "$TMP/n-$mode.pb.gz" "$TMP/n-$mode.folded"
done
read -r m t < <(share "$TMP/n-dwarf.folded" '^(clone3|_start);' '(hot_a|hot_b|syscall_heavy|late_thread_work)')
at_least "dwarf: cpu_split_nofp stacks are complete (from clone3 or _start)" "$m" "$t" 99
read -r m t < <(share "$TMP/n-dwarf.folded" '^clone3;start_thread;split_thread;hot_a' 'hot_a')
at_least "dwarf: hot_a under split_thread and start_thread" "$m" "$t" 99
read -r m t < <(share "$TMP/n-fp.folded" '^(clone3|_start);' '(hot_a|hot_b|syscall_heavy|late_thread_work)')
((t > 0 && m * 2 < t)) && pass "fp: frame-pointer walks of cpu_split_nofp are incomplete ($m of $t)" ||
	fail "fp: frame-pointer walks of cpu_split_nofp are incomplete" "$m of $t complete"
kill "$bg_pid" 2>/dev/null
wait "$bg_pid" 2>/dev/null

# --- CPython 3.11 (Debian's, without frame pointers): the interpreter's C stack is complete
if [[ -x $PY ]]; then
	cat >"$TMP/busy.py" <<-'EOF'
		import time
		def fib(n):
		    return n if n < 2 else fib(n - 1) + fib(n - 2)
		end = time.time() + 30
		while time.time() < end:
		    fib(20)
	EOF
	start "$PY" "$TMP/busy.py"
	for mode in dwarf auto; do
		expect_exit "python3.11: record --unwind $mode" 0 "$SINGE" record -p "$bg_pid" -F 199 -d 2 \
			--unwind "$mode" -o "$TMP/py-$mode.pb.gz"
		to_folded "$TMP/py-$mode.pb.gz" "$TMP/py-$mode.folded"
	done
	# Debian's main() tail-calls Py_BytesMain, so main itself is never on the stack; the
	# Python function fib stands where the eval loop's frames were (test_record_python.sh)
	read -r m t < <(share "$TMP/py-dwarf.folded" \
		'^_start;__libc_start_main[^;]*;__libc_start_call_main;Py_BytesMain;Py_RunMain;.*;fib[; ]' \
		';fib[; ]')
	at_least "dwarf: python3.11 fib under Py_RunMain, down to _start" "$m" "$t" 99
	read -r m t < <(share "$TMP/py-auto.folded" '^_start;.*Py_RunMain;.*;fib[; ]' ';fib[; ]')
	at_least "auto: python3.11 (no frame pointers) is unwound with DWARF" "$m" "$t" 99
	kill "$bg_pid" 2>/dev/null
	wait "$bg_pid" 2>/dev/null
else
	skip "python3.11 unwinding" "$PY not installed (scripts/deps.sh installs python3.11)"
fi

# --- auto on a Go binary (frame pointers kept): every walk is whole and kept, none unwound
if command -v go >/dev/null && examples/go/build.sh .output/examples/go cpu >"$TMP/gobuild.log" 2>&1; then
	expect_exit "go: record (auto)" 0 "$SINGE" record -F 199 -o "$TMP/go.pb.gz" -- \
		.output/examples/go/cpu -duration 1.5
	# the choices name cpu=fp, and [vdso]=fp when a sample was in the vDSO (time.Now)
	grep -E 'unwind auto: ' "$TMP/stderr" | grep -v '=dwarf' |
		grep -Eq '[ :]cpu=fp.*; [1-9][0-9]* stacks walked by frame pointer, 0 unwound with DWARF' &&
		pass "auto: a Go binary keeps the frame-pointer walk" ||
		fail "auto: a Go binary keeps the frame-pointer walk" "$(grep unwind "$TMP/stderr")"
else
	skip "auto on Go" "go missing or examples/go/build.sh failed: $(head -c 200 "$TMP/gobuild.log")"
fi

# --- auto on a Go program linked to libc (cgo, net): each frame stepped with what its code has,
# frame pointers through Go, CFI through libc and cgo's C; compared with the runtime's own
# profile of the same run (runtime/pprof)
# callers FOLDED FUNC: "caller samples" of FUNC's most frequent caller, or "- 0"
callers() {
	awk -v f="$2" '{ n = $NF; $NF = ""; sub(/ $/, ""); k = split($0, fr, ";")
		for (i = 2; i <= k; i++) if (fr[i] == f) c[fr[i - 1]] += n }
		END { best = "-"; for (x in c) if (c[x] > c[best]) best = x; print best, c[best] + 0 }' "$1"
}
if ! command -v go >/dev/null; then
	fail "cgonet" "go is not installed (scripts/deps.sh installs golang-go)"
elif ! examples/go/build.sh .output/examples/go cgonet >"$TMP/cgobuild.log" 2>&1; then
	fail "build examples/go/cgonet" "$(head -c 300 "$TMP/cgobuild.log")"
else
	expect_exit "cgonet: record (auto)" 0 "$SINGE" record -v -F 199 -o "$TMP/cg.pb.gz" -- \
		.output/examples/go/cgonet -duration 3 -cpuprofile "$TMP/cg-go.pprof"
	cp "$TMP/stderr" "$TMP/cg.log"
	to_folded "$TMP/cg.pb.gz" "$TMP/cg.folded"
	to_folded "$TMP/cg-go.pprof" "$TMP/cg-go.folded"
	grep -q 'unwind auto: .*libc.so.6=dwarf' "$TMP/cg.log" &&
		pass "auto: cgonet goes through libc and is unwound frame by frame" ||
		fail "auto: cgonet goes through libc and is unwound frame by frame" "$(grep unwind "$TMP/cg.log")"
	read -r m t < <(share "$TMP/cg.folded" \
		'^runtime\.goexit;main\.main\.func[0-9]+;main\.main\.func1;main\.worker;main\.goWork;main\.hotGo(;| |$)' \
		'main\.hotGo')
	at_least "auto: cgonet's Go samples are whole, runtime.goexit to main.hotGo" "$m" "$t" 95
	# cgo runs C on the thread's system stack; the goroutine's frames are on its own stack,
	# whose top the BPF program copies along: the C samples are whole from cmp_keys through
	# qsort, the cgo call and the goroutine's Go frames to runtime.goexit. (During auto's
	# first second of watching, a sample whose copy does not unwind completely keeps its
	# frame-pointer walk, a lone cmp_keys: hence 90%.)
	read -r m t < <(share "$TMP/cg.folded" \
		'^runtime\.goexit;main\.main\.func[0-9]+;main\.main\.func1;main\.worker;main\.cWork;main\._Cfunc_c_sort_work;runtime\.cgocall;runtime\.asmcgocall;_cgo_[0-9a-f]+_Cfunc_c_sort_work;c_sort_work[^;]*;[^;]*qsort[^;]*;.*cmp_keys' \
		'cmp_keys')
	at_least "auto: cgonet's C samples are whole from cmp_keys through qsort and the cgo call to runtime.goexit" "$m" "$t" 90
	grep -Eq 'debug: .* [1-9][0-9]* continued on goroutine stacks' "$TMP/cg.log" &&
		pass "auto: unwinds of C code continue on the goroutine's stack ($(grep -o '[0-9]* continued on goroutine stacks' "$TMP/cg.log"))" ||
		fail "auto: unwinds of C code continue on the goroutine's stack" "$(grep -E 'goroutine|unwind' "$TMP/cg.log")"
	# the Go callers of the hot functions and of the cgo call, as the program's own profile
	# has them
	for f in main.hotGo main.goWork main.worker runtime.cgocall main._Cfunc_c_sort_work main.cWork; do
		read -r mine n1 < <(callers "$TMP/cg.folded" "$f")
		read -r theirs n2 < <(callers "$TMP/cg-go.folded" "$f")
		[[ $mine == "$theirs" && $mine != - ]] &&
			pass "cgonet: $f called by $mine, as in runtime/pprof ($n1 and $n2 samples)" ||
			fail "cgonet: $f called by the same function as in runtime/pprof" "singe: $mine ($n1), runtime/pprof: $theirs ($n2)"
	done
	# stripped (-s -w): no .debug_frame, Go's frames are found by frame pointers alone, and the
	# frameless leaf main.hotGo keeps its caller main.goWork through .gopclntab's SP deltas
	expect_exit "cgonet-stripped: record (auto)" 0 "$SINGE" record -v -F 199 -o "$TMP/cgs.pb.gz" -- \
		.output/examples/go/cgonet-stripped -duration 2
	to_folded "$TMP/cgs.pb.gz" "$TMP/cgs.folded"
	read -r m t < <(share "$TMP/cgs.folded" \
		'^runtime\.goexit;main\.main\.func[0-9]+;main\.main\.func1;main\.worker;main\.goWork;main\.hotGo(;| |$)' \
		'main\.hotGo')
	at_least "auto: stripped cgonet's Go samples are whole, runtime.goexit to main.hotGo" "$m" "$t" 95
	# and counted complete (at least as many complete stacks as Go samples): the
	# frame-pointer chain ends at runtime.goexit, not at a missing CFI
	complete=$(sed -n 's/.*unwind auto: .* \([0-9]*\) complete,.*/\1/p' "$TMP/stderr")
	at_least "auto: stripped cgonet's Go samples are counted complete (complete stacks of Go samples)" \
		"${complete:-0}" "$t" 95
fi

# --- auto on Java with -XX:+PreserveFramePointer: JIT code (no file, no CFI) keeps frame
# pointers, libjvm and libc have CFI: the stacks reach the thread's root through the JIT frames
if ! command -v javac >/dev/null; then
	fail "JitHot" "javac is not installed (scripts/deps.sh installs openjdk-17-jdk-headless)"
elif ! javac -d .output/examples/java examples/java/JitHot.java >"$TMP/javac.log" 2>&1; then
	fail "build examples/java/JitHot" "$(head -c 300 "$TMP/javac.log")"
else
	expect_exit "JitHot: record (auto)" 0 "$SINGE" record -v -F 199 -o "$TMP/jit.pb.gz" -- \
		java -XX:+PreserveFramePointer -cp .output/examples/java JitHot 3
	cp "$TMP/stderr" "$TMP/jit.log"
	to_folded "$TMP/jit.pb.gz" "$TMP/jit.folded"
	read -r m t < <(share "$TMP/jit.folded" '^(clone3|clone|_start|start_thread);')
	at_least "auto: java's stacks reach their thread's root through JIT code" "$m" "$t" 95
	# before frame-by-frame unwinding, 90% of them were a lone [unknown] JIT frame
	read -r m t < <(share "$TMP/jit.folded" '^\[unknown\][^;]* $')
	((t > 0 && m * 50 <= t)) && pass "auto: no lone JIT frames ($m of $t)" ||
		fail "auto: no lone JIT frames" "$m of $t samples are a lone [unknown] frame"
	complete=$(sed -n 's/.*unwind auto: .* \([0-9]*\) complete,.*/\1/p' "$TMP/jit.log")
	unwound=$(sed -n 's/.*unwind auto: .* \([0-9]*\) unwound with DWARF.*/\1/p' "$TMP/jit.log")
	at_least "auto: java's unwound stacks are counted complete" "${complete:-0}" "${unwound:-0}" 95
fi

# --- auto on a threaded C program whose only libc frames are the threads' roots (start_thread):
# the frame-pointer walk already has every frame of the program's own, so after the first
# second of watching the process sends no stack copies
start "$EX/diff_work" -n 1000000
expect_exit "diff_work: record -p (auto)" 0 "$SINGE" record -v -F 499 -d 2.5 -p "$bg_pid" \
	-o "$TMP/dw.pb.gz"
kill "$bg_pid" 2>/dev/null
grep -Eq 'unwind auto: .*diff_work=fp.*; [1-9][0-9]* stacks walked by frame pointer, 0 unwound with DWARF' \
	"$TMP/stderr" && pass "auto: thread roots in libc do not switch a process to DWARF" ||
	fail "auto: thread roots in libc do not switch a process to DWARF" "$(grep unwind "$TMP/stderr")"
walks=$(sed -n 's/.* \([0-9]*\) stacks walked by frame pointer.*/\1/p' "$TMP/stderr")
watched=$(sed -n 's/.* \([0-9]*\) samples of processes auto was still watching.*/\1/p' "$TMP/stderr")
# 2.5 s at 499 Hz on the 2 busy threads: the first second is watched, the rest is not
((${watched:-0} > 0 && ${watched:-0} * 10 < ${walks:-0} * 7)) &&
	pass "auto: stack copies stop once the walks were whole for a second ($watched of $walks watched)" ||
	fail "auto: stack copies stop once the walks were whole for a second" "$watched of $walks watched"
to_folded "$TMP/dw.pb.gz" "$TMP/dw.folded"
read -r m t < <(share "$TMP/dw.folded" '(^|;)start_thread;worker;handle_request;' 'handle_request')
at_least "auto: diff_work's stacks reach start_thread by frame pointers" "$m" "$t" 95

# --- option errors: one line, exit 2
for bad in 100 1000000 513; do
	expect_exit "--stack-size $bad exits 2" 2 "$SINGE" record --stack-size "$bad" -a -d 1
	stderr_one_line "--stack-size $bad message" "^singe: --stack-size: "
done
exit 0
