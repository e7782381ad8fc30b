#!/usr/bin/env bash
# Java methods in singe's profiles of a JVM (OpenJDK 17) started without special flags (needs
# root): singe asks the JVM for its perf map through the attach mechanism (Compiler.perfmap),
# so examples/java/Split's two hot methods, 3:1 by iteration counts, show by name in -t cpu
# (-- CMD and -p after warm-up) within 15% of 3:1 and of perf's reference run
# (-XX:+PreserveFramePointer -XX:+DumpPerfMapAtExit); the JVM's output and exit code are
# unchanged and no trigger file is left behind; -t offcpu names the method that sleeps; -t alloc
# names the java.nio methods whose direct buffers the JVM mallocs.
# Prints the share of stacks that reach their thread's root with and without
# -XX:+PreserveFramePointer (Split and JitHot) for docs/BENCHMARKS.md.
cd "$(dirname "$0")/../.." || exit 2
. tests/integration/lib.sh

if ((EUID != 0)); then
	skip "java tests" "need root to load BPF programs (run: sudo make test)"
	exit 0
fi
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null; rm -rf "$TMP"' EXIT
if ! command -v javac >/dev/null; then
	fail "java" "javac is not installed (scripts/deps.sh installs openjdk-17-jdk-headless)"
	exit 1
fi
if ! javac -d "$TMP/java" examples/java/Split.java examples/java/JitHot.java \
	examples/java/DirectAlloc.java >"$TMP/javac.log" 2>&1; then
	fail "build examples/java" "$(head -c 300 "$TMP/javac.log")"
	exit 1
fi
CP=$TMP/java
WANT_OUT="Split: done"
ROOT='^(clone3|clone|_start|start_thread|thread_native_entry[^;]*|JavaMain);'

# to_folded PROFILE OUT [TYPE]: one sample type as folded stacks
to_folded() { "$SINGE" convert --sample-type "${3:-samples}" "$1" -o "$2" >/dev/null 2>&1; }

# inclusive FOLDED REGEX: the samples whose stack has a frame matching REGEX
inclusive() { awk -v re="$2" '{ n = $NF; $NF = ""; if ($0 ~ re) s += n } END { printf "%d\n", s }' "$1"; }

# share FOLDED REGEX: "matching total"
share() { awk -v re="$2" '{ n = $NF; $NF = ""; t += n; if ($0 ~ re) m += n } END { print m + 0, t + 0 }' "$1"; }

# ratio A B: A / B with two decimals (0 when B is 0)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'; }

# within NAME GOT WANT PCT: PASS when GOT is within PCT% of WANT
within() {
	if awk -v g="$2" -v w="$3" -v p="$4" 'BEGIN { exit !(w > 0 && g >= w * (1 - p / 100) && g <= w * (1 + p / 100)) }'; then
		pass "$1: $2 (want $3 within $4%)"
	else
		fail "$1" "$2, wanted $3 within $4%"
	fi
}

# split_ratio NAME FOLDED: checks both methods are named and their split; prints the ratio
split_ratio() {
	local heavy light r
	heavy=$(inclusive "$2" '(^|;)Split\.heavy(_\[j\])?(;| |$)')
	light=$(inclusive "$2" '(^|;)Split\.light(_\[j\])?(;| |$)')
	r=$(ratio "$heavy" "$light")
	if ((heavy > 50 && light > 15)); then
		pass "$1: Split.heavy and Split.light named ($heavy and $light samples)"
	else
		fail "$1: methods named" "heavy $heavy, light $light; top: $(sort -t' ' -k2 -nr "$2" | head -2 | cut -c1-300)"
	fi
	within "$1: heavy/light" "$r" 3 15
	echo "$r" >"$TMP/ratio"
}

# jvm_output NAME CODE OUTFILE: the JVM exited 0 and printed what it prints alone
jvm_output() {
	if [[ $2 == 0 && $(cat "$3") == "$WANT_OUT" ]]; then
		pass "$1: the JVM exits 0 with its output unchanged"
	else
		fail "$1: JVM output" "exit $2, stdout '$(head -c 200 "$3")'"
	fi
}

# completeness FOLDED: "percent-reaching-the-root percent-marked-truncated"
completeness() {
	local m t c
	read -r m t < <(share "$1" "$ROOT")
	read -r c t < <(share "$1" '\[truncated in JIT code\]')
	awk -v m="$m" -v c="$c" -v t="$t" 'BEGIN { printf "%.1f %.1f\n", t ? 100 * m / t : 0, t ? 100 * c / t : 0 }'
}

# --- reference: perf with frame pointers and the perf map the JVM writes at exit
if command -v perf >/dev/null &&
	perf record -q -e cpu-clock -F 199 -o "$TMP/perf.data" -- java -XX:+PreserveFramePointer \
		-XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -cp "$CP" Split 6 \
		>"$TMP/ref.out" 2>"$TMP/perf.err"; then
	perf script -i "$TMP/perf.data" -F ip,sym 2>/dev/null >"$TMP/perf.syms"
	ref_heavy=$(grep -c 'Split\.heavy(' "$TMP/perf.syms")
	ref_light=$(grep -c 'Split\.light(' "$TMP/perf.syms")
	ref=$(ratio "$ref_heavy" "$ref_light")
	within "perf reference (PreserveFramePointer + DumpPerfMapAtExit): heavy/light" "$ref" 3 15
else
	fail "perf reference" "perf record failed: $(head -c 300 "$TMP/perf.err")"
	ref=3
fi

# --- -- CMD: a JVM started by singe, without flags
expect_exit "record -t cpu -- java Split" 0 "$SINGE" record -t cpu -F 199 -o "$TMP/cmd.pb.gz" -- \
	java -cp "$CP" Split 6
cp "$TMP/stdout" "$TMP/cmd.out"
cp "$TMP/stderr" "$TMP/cmd.err"
jvm_output "-- CMD" 0 "$TMP/cmd.out"
if grep -Eq '^singe: jvm: 1 JVM, perf map asked [1-9][0-9]* times .*, [1-9][0-9]* written and read' "$TMP/cmd.err"; then
	pass "-- CMD: the summary says the perf map was asked for and read"
else
	fail "-- CMD: jvm summary" "$(grep 'jvm:' "$TMP/cmd.err" | head -c 300)"
fi
to_folded "$TMP/cmd.pb.gz" "$TMP/cmd.folded"
split_ratio "-- CMD" "$TMP/cmd.folded"
within "-- CMD: heavy/light against perf's $ref" "$(cat "$TMP/ratio")" "$ref" 15
read -r cmd_root cmd_cut < <(completeness "$TMP/cmd.folded")
ls -a . | grep -q '^\.attach_pid' &&
	fail "-- CMD: trigger file" "a .attach_pid file was left in the JVM's working directory: $(ls -a . | grep attach_pid)" ||
	pass "-- CMD: no .attach_pid trigger file left"

# --- the same with -XX:+PreserveFramePointer: compiled code keeps frame pointers
expect_exit "record -t cpu -- java -XX:+PreserveFramePointer Split" 0 "$SINGE" record -t cpu -F 199 \
	-o "$TMP/pfp.pb.gz" -- java -XX:+PreserveFramePointer -cp "$CP" Split 4
to_folded "$TMP/pfp.pb.gz" "$TMP/pfp.folded"
split_ratio "PreserveFramePointer" "$TMP/pfp.folded"
read -r pfp_root pfp_cut < <(completeness "$TMP/pfp.folded")
if awk -v r="$pfp_root" 'BEGIN { exit !(r >= 90) }'; then
	pass "PreserveFramePointer: $pfp_root% of the stacks reach their thread's root"
else
	fail "PreserveFramePointer: complete stacks" "$pfp_root% reach the root; $(sort -t' ' -k2 -nr "$TMP/pfp.folded" | head -2 | cut -c1-300)"
fi

# --- -p: a JVM already running, recorded after its warm-up
(cd "$TMP" && exec java -cp "$CP" Split 10 >"$TMP/p.out" 2>"$TMP/p.err") &
jvm=$!
PIDS+=("$jvm")
sleep 3
expect_exit "record -t cpu -p JVM" 0 "$SINGE" record -t cpu -F 199 -d 3 -p "$jvm" -o "$TMP/p.pb.gz"
cp "$TMP/stderr" "$TMP/pid.err"
wait "$jvm"
jvm_output "-p" $? "$TMP/p.out"
[[ ! -s $TMP/p.err ]] && pass "-p: the JVM's stderr stays empty" ||
	fail "-p: JVM stderr" "$(head -c 300 "$TMP/p.err")"
to_folded "$TMP/p.pb.gz" "$TMP/p.folded"
split_ratio "-p" "$TMP/p.folded"
ls -a "$TMP" /tmp | grep -q "^\.attach_pid$jvm\$" &&
	fail "-p: trigger file" "a .attach_pid$jvm file was left" || pass "-p: no .attach_pid trigger file left"

# --- a JVM with its attach mechanism off would print a thread dump on SIGQUIT: left alone
expect_exit "record -- java -XX:+DisableAttachMechanism Split" 0 "$SINGE" record -t cpu -F 99 \
	-o "$TMP/noattach.pb.gz" -- java -XX:+DisableAttachMechanism -cp "$CP" Split 2
jvm_output "DisableAttachMechanism" 0 "$TMP/stdout"
if grep -q '^singe: jvm: [0-9]*: no perf map: its attach mechanism is off.*did not signal it' "$TMP/stderr" &&
	grep -q 'perf map asked [1-9][0-9]* times .*, 0 written' "$TMP/stderr"; then
	pass "DisableAttachMechanism: not signalled, and the summary says why and what to do"
else
	fail "DisableAttachMechanism: summary" "$(grep 'jvm:' "$TMP/stderr" | head -c 400)"
fi
# -Xrs: HotSpot starts its attach listener at start-up (it cannot use SIGQUIT), singe connects
expect_exit "record -- java -Xrs Split" 0 "$SINGE" record -t cpu -F 99 -o "$TMP/xrs.pb.gz" -- \
	java -Xrs -cp "$CP" Split 2
jvm_output "-Xrs" 0 "$TMP/stdout"
grep -q 'perf map asked [1-9][0-9]* times .*, [1-9][0-9]* written and read' "$TMP/stderr" &&
	pass "-Xrs: the perf map read through the listener it started itself" ||
	fail "-Xrs: perf map" "$(grep 'jvm:' "$TMP/stderr" | head -c 400)"

# --- -t offcpu: the method that sleeps (Split.nap, compiled after its first calls)
expect_exit "record -t offcpu -- java Split" 0 "$SINGE" record -t offcpu -o "$TMP/off.pb.gz" -- \
	java -cp "$CP" Split 3
jvm_output "offcpu" 0 "$TMP/stdout"
to_folded "$TMP/off.pb.gz" "$TMP/off.folded" offcpu
nap=$(inclusive "$TMP/off.folded" '(^|;)Split\.nap(_\[j\])?;')
sleep_ns=$(inclusive "$TMP/off.folded" '(^|;)JVM_Sleep(;| |$)')
if ((sleep_ns > 0 && nap * 2 >= sleep_ns)); then
	pass "offcpu: Split.nap holds $((nap / 1000000)) of the $((sleep_ns / 1000000)) ms in JVM_Sleep"
else
	fail "offcpu: Split.nap" "nap $nap ns of $sleep_ns ns in JVM_Sleep; $(grep -m1 JVM_Sleep "$TMP/off.folded" | cut -c1-300)"
fi

# --- -t alloc: Java methods above the JVM's malloc (direct buffers: Unsafe.allocateMemory0)
expect_exit "record -t alloc -- java DirectAlloc" 0 "$SINGE" record -t alloc -o "$TMP/alloc.pb.gz" -- \
	java -cp "$CP" DirectAlloc 3
[[ $(cat "$TMP/stdout") == "DirectAlloc: direct buffers made: true" ]] &&
	pass "alloc: the JVM's output unchanged" || fail "alloc: JVM output" "'$(head -c 200 "$TMP/stdout")'"
to_folded "$TMP/alloc.pb.gz" "$TMP/alloc.folded" alloc_space
# a compiled Java method (jdk.internal.misc.Unsafe.allocateMemory0, java.nio.*) above the malloc of
# Unsafe_AllocateMemory0, in nearly all of its bytes; java.nio's own methods in most (the rest:
# their caller still interpreted, or cut without frame pointers)
read -r java nio unsafe < <(awk '{ n = $NF; $NF = ""; if ($0 ~ /Unsafe_AllocateMemory0/) { u += n
	if ($0 ~ /(java|jdk)\.[A-Za-z0-9_.$<>]+_\[j\];/) j += n
	if ($0 ~ /java\.nio\.(ByteBuffer\.allocateDirect|DirectByteBuffer\.<init>)_\[j\];/) m += n } }
	END { print j + 0, m + 0, u + 0 }' "$TMP/alloc.folded")
if ((unsafe > 0 && java * 10 >= unsafe * 9 && nio * 2 >= unsafe)); then
	pass "alloc: Java methods above Unsafe_AllocateMemory0 in $((java * 100 / unsafe))% of its bytes, java.nio's in $((nio * 100 / unsafe))%"
else
	fail "alloc: Java methods" "$java (java.nio $nio) of $unsafe bytes under Unsafe_AllocateMemory0 name a Java method: $(grep -m1 Unsafe_AllocateMemory0 "$TMP/alloc.folded" | cut -c1-300)"
fi

# --- JitHot (work -> hot -> mix, inlined): completeness with and without frame pointers
for flags in "" "-XX:+PreserveFramePointer"; do
	"$SINGE" record -q -t cpu -F 199 -o "$TMP/jit.pb.gz" -- java $flags -cp "$CP" JitHot 3 \
		>/dev/null 2>&1
	to_folded "$TMP/jit.pb.gz" "$TMP/jit.folded"
	read -r root cut < <(completeness "$TMP/jit.folded")
	if [[ -z $flags ]]; then
		jit_root=$root jit_cut=$cut
	else
		jit_pfp_root=$root
	fi
done
# every stack that does not reach its root says where it stopped: none is a bare JIT frame
read -r bare total < <(share "$TMP/cmd.folded" '^[^;]*_\[j\](;| *$)')
((total > 0 && bare == 0)) && pass "no JVM stack starts at a JIT frame without saying it was cut" ||
	fail "cut stacks marked" "$bare of $total samples start at a JIT frame"
echo "completeness: Split $cmd_root% of stacks reach the thread root without flags" \
	"($cmd_cut% end in [truncated in JIT code]), $pfp_root% with -XX:+PreserveFramePointer;" \
	"JitHot $jit_root% ($jit_cut% cut), $jit_pfp_root% with it;" \
	"heavy/light perf $ref; $(grep -o 'perf map asked.*ms' "$TMP/cmd.err")"
