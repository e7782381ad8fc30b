#!/usr/bin/env bash
# singe record -t alloc against what knows the answer: the alloc example allocates 10,000
# bytes a round, 40% in alloc_with_malloc, 30% alloc_with_calloc, 20% alloc_with_realloc and
# 10% keep_in_ring, which alone keeps blocks (a ring of 256 x 1000 bytes, still held at exit);
# the others free theirs at once. Recorded as a command and by PID:
#  - the program's output is unchanged and it exits 0;
#  - alloc_space per function is within 15% of the known split (a relative error);
#  - keep_in_ring tops inuse_space, near the ring's 256,000 bytes; freed memory does not
#    count (the other functions hold nothing);
#  - --leaks lists keep_in_ring's stack in the summary, and singe report shows it;
#  - the summary gives the call rate and the estimated cost, and every call is seen (the
#    BPF counter of calls against the program's known number, with -- CMD);
#  - go tool pprof reads the profile, inuse_space by default;
#  - with --duty-cycle 50 the split holds and the summary says in use is not tracked;
#  - with --alloc-preload (the command samples itself) the same split, ring and leaks.
# And the errors: -t alloc with -a, --leaks or --alloc-rate without -t alloc, a bad rate,
# --leaks with --duty-cycle.
cd "$(dirname "$0")/../.." || exit 2
. tests/integration/lib.sh
[[ -x $SINGE ]] || SINGE=./singe

record_setup "singe record -t alloc"
ALLOC=.output/examples/alloc
ROUNDS=20000
RATE=8K

# share_check NAME FOLDED: each function's share of the folded total within 15% of its own
share_check() {
	local name=$1 folded=$2 out
	out=$(awk '
		BEGIN { want["alloc_with_malloc"] = 0.4; want["alloc_with_calloc"] = 0.3
			want["alloc_with_realloc"] = 0.2; want["keep_in_ring"] = 0.1 }
		/^#/ { next }
		{ total += $NF; for (f in want) if ($0 ~ ("(^|;)" f ";")) got[f] += $NF }
		END {
			if (total <= 0) { print "no bytes recorded"; exit 1 }
			bad = 0
			for (f in want) {
				share = got[f] / total
				printf "%s %.3f (want %.2f) ", f, share, want[f]
				if (share < want[f] * 0.85 || share > want[f] * 1.15) bad = 1
			}
			exit bad
		}' "$folded")
	if [[ $? == 0 ]]; then
		pass "$name: alloc_space split within 15% ($out)"
	else
		fail "$name: alloc_space split" "$out"
	fi
}

# inuse_check NAME FOLDED: keep_in_ring holds about the ring, the functions that free theirs
# nothing. (Outside them, stdio's buffer, which printf allocates at the end and nobody frees,
# is rightly in use when it is sampled.)
inuse_check() {
	local name=$1 folded=$2 out
	out=$(awk '
		/^#/ { next }
		/(^|;)keep_in_ring;/ { keep += $NF }
		/(^|;)alloc_with_(malloc|calloc|realloc);/ { other += $NF }
		END {
			printf "keep_in_ring %d bytes, the functions that free %d", keep, other
			exit !(keep >= 128000 && keep <= 512000 && other * 20 <= keep)
		}' "$folded")
	if [[ $? == 0 ]]; then
		pass "$name: keep_in_ring tops inuse_space, freed memory does not count ($out)"
	else
		fail "$name: inuse_space" "$out"
	fi
}

# --- as a command -------------------------------------------------------------------------
"$ALLOC" -n $ROUNDS >"$TMP/plain.out" 2>/dev/null
"$SINGE" record -t alloc --alloc-rate $RATE --leaks -o "$TMP/cmd.pb.gz" -o "$TMP/cmd.svg" -- \
	"$ALLOC" -n $ROUNDS >"$TMP/cmd.out" 2>"$TMP/cmd.err"
rc=$?
if [[ $rc == 0 ]] && cmp -s "$TMP/plain.out" "$TMP/cmd.out"; then
	pass "-- CMD: exit 0, output unchanged ($(cat "$TMP/cmd.out"))"
else
	fail "-- CMD: exit and output" "exit $rc, output '$(cat "$TMP/cmd.out")' vs '$(cat "$TMP/plain.out")': $(head -c 300 "$TMP/cmd.err")"
fi
"$SINGE" convert "$TMP/cmd.pb.gz" -o "$TMP/cmd-alloc.folded" --sample-type alloc_space
share_check "-- CMD" "$TMP/cmd-alloc.folded"
"$SINGE" convert "$TMP/cmd.pb.gz" -o "$TMP/cmd-inuse.folded" --sample-type inuse_space
inuse_check "-- CMD" "$TMP/cmd-inuse.folded"
# every allocation call is seen: 10 a round, and the one of stdout's buffer (1 + 10 x ROUNDS)
calls=$(sed -n 's/.*alloc: \([0-9]*\) allocation calls.*/\1/p' "$TMP/cmd.err")
if [[ -n $calls ]] && ((calls >= 10 * ROUNDS && calls <= 10 * ROUNDS + 5)); then
	pass "-- CMD: every allocation call seen ($calls for $ROUNDS rounds of 10)"
else
	fail "-- CMD: calls seen" "'$calls' for $ROUNDS rounds of 10: $(grep 'alloc:' "$TMP/cmd.err" | head -c 300)"
fi
if grep -Eq 'alloc: [0-9]+ allocation calls \([0-9]+/s, .*/s asked for\).*estimated cost of the probes [0-9.]+ ms' "$TMP/cmd.err"; then
	pass "-- CMD: the summary gives the call rate and the estimated cost"
else
	fail "-- CMD: summary" "$(grep 'alloc:' "$TMP/cmd.err" | head -c 400)"
fi
first_leak=$(grep -m1 'alloc: leak: ' "$TMP/cmd.err")
if [[ $first_leak == *keep_in_ring* ]]; then
	pass "--leaks: the oldest live blocks are keep_in_ring's ($first_leak)"
else
	fail "--leaks" "first leak line: '$first_leak'"
fi
"$SINGE" report "$TMP/cmd.pb.gz" >"$TMP/report.txt" 2>&1
if grep -q 'Allocations: alloc: leak: .*keep_in_ring' "$TMP/report.txt"; then
	pass "singe report shows the leaks"
else
	fail "singe report shows the leaks" "$(grep -i alloc "$TMP/report.txt" | head -c 300)"
fi
if [[ -s $TMP/cmd.svg ]] && grep -q keep_in_ring "$TMP/cmd.svg"; then
	pass "-- CMD: the SVG shows keep_in_ring"
else
	fail "-- CMD: SVG" "$(ls -l "$TMP/cmd.svg" 2>&1)"
fi
if command -v go >/dev/null; then
	if go tool pprof -top "$TMP/cmd.pb.gz" >"$TMP/pprof.txt" 2>&1 &&
		grep -q 'Type: inuse_space' "$TMP/pprof.txt" && grep -q keep_in_ring "$TMP/pprof.txt"; then
		pass "go tool pprof reads it, inuse_space by default"
	else
		fail "go tool pprof" "$(head -c 300 "$TMP/pprof.txt")"
	fi
fi

# --- by PID -------------------------------------------------------------------------------
"$ALLOC" -d 10 >"$TMP/pid.out" 2>/dev/null &
pid=$!
PIDS+=("$pid")
sleep 0.5
"$SINGE" record -v -t alloc --alloc-rate $RATE -p "$pid" -d 3 -o "$TMP/pid.pb.gz" \
	>/dev/null 2>"$TMP/pid.err"
rc=$?
wait "$pid"
prc=$?
if [[ $rc == 0 && $prc == 0 ]] && [[ $(cat "$TMP/pid.out") == "rounds done" ]]; then
	pass "-p: singe and the program exit 0, output unchanged"
else
	fail "-p: exits and output" "singe $rc, program $prc '$(cat "$TMP/pid.out")': $(grep -v '^singe: libbpf' "$TMP/pid.err" | tail -3 | head -c 300)"
fi
"$SINGE" convert "$TMP/pid.pb.gz" -o "$TMP/pid-alloc.folded" --sample-type alloc_space
share_check "-p" "$TMP/pid-alloc.folded"
"$SINGE" convert "$TMP/pid.pb.gz" -o "$TMP/pid-inuse.folded" --sample-type inuse_space
inuse_check "-p" "$TMP/pid-inuse.folded"

# --- by PID, duty-cycled: the split holds, in use is not tracked and said so ---------------
"$ALLOC" -d 8 >"$TMP/duty.out" 2>/dev/null &
pid=$!
PIDS+=("$pid")
sleep 0.5
"$SINGE" record -t alloc --alloc-rate $RATE --duty-cycle 50 -p "$pid" -d 4 \
	-o "$TMP/duty.pb.gz" >/dev/null 2>"$TMP/duty.err"
rc=$?
wait "$pid"
prc=$?
if [[ $rc == 0 && $prc == 0 ]] && grep -q 'alloc: --duty-cycle: .*in use is not tracked' "$TMP/duty.err" &&
	grep -q 'duty cycle 50%: values scaled by' "$TMP/duty.err"; then
	pass "--duty-cycle 50: exits 0, values scaled, in use said not tracked"
else
	fail "--duty-cycle 50" "singe $rc, program $prc: $(grep -E 'duty|alloc: --' "$TMP/duty.err" | head -c 300)"
fi
"$SINGE" convert "$TMP/duty.pb.gz" -o "$TMP/duty-alloc.folded" --sample-type alloc_space
share_check "--duty-cycle 50" "$TMP/duty-alloc.folded"

# --- --alloc-preload: the command samples itself, singe probes only the sampled ---------------
"$SINGE" record -t alloc --alloc-preload --alloc-rate $RATE --leaks -o "$TMP/pre.pb.gz" -- \
	"$ALLOC" -n $ROUNDS >"$TMP/pre.out" 2>"$TMP/pre.err"
rc=$?
if [[ $rc == 0 ]] && cmp -s "$TMP/plain.out" "$TMP/pre.out" &&
	grep -q 'alloc: --alloc-preload: the program samples its own allocations' "$TMP/pre.err"; then
	pass "--alloc-preload: exit 0, output unchanged, said in the summary"
else
	fail "--alloc-preload" "exit $rc, '$(cat "$TMP/pre.out")': $(grep -E 'alloc:|error' "$TMP/pre.err" | head -c 300)"
fi
"$SINGE" convert "$TMP/pre.pb.gz" -o "$TMP/pre-alloc.folded" --sample-type alloc_space
share_check "--alloc-preload" "$TMP/pre-alloc.folded"
"$SINGE" convert "$TMP/pre.pb.gz" -o "$TMP/pre-inuse.folded" --sample-type inuse_space
inuse_check "--alloc-preload" "$TMP/pre-inuse.folded"
if grep -m1 'alloc: leak: ' "$TMP/pre.err" | grep -q keep_in_ring; then
	pass "--alloc-preload --leaks: keep_in_ring's blocks"
else
	fail "--alloc-preload --leaks" "$(grep -m1 'alloc: leak' "$TMP/pre.err")"
fi

# --- errors ---------------------------------------------------------------------------------
expect_exit "--alloc-preload with -p" 2 "$SINGE" record -t alloc --alloc-preload -p $$ \
	-o "$TMP/x.pb.gz" &&
	stderr_one_line "--alloc-preload with -p: one line" "give -- CMD"

expect_exit "--leaks with --duty-cycle" 2 "$SINGE" record -t alloc --leaks --duty-cycle 50 \
	-o "$TMP/x.pb.gz" -- true &&
	stderr_one_line "--leaks with --duty-cycle: one line" "drop one of them"

expect_exit "-t alloc -a is refused" 2 "$SINGE" record -t alloc -a -d 1 -o "$TMP/x.pb.gz" &&
	stderr_one_line "-t alloc -a: one line" "give -p PID or -- CMD"
expect_exit "--leaks without -t alloc" 2 "$SINGE" record --leaks -o "$TMP/x.pb.gz" -- true &&
	stderr_one_line "--leaks without -t alloc: one line" "add -t alloc"
expect_exit "--alloc-rate 0" 2 "$SINGE" record -t alloc --alloc-rate 0 -o "$TMP/x.pb.gz" -- true &&
	stderr_one_line "--alloc-rate 0: one line" "not a number of bytes"
expect_exit "--alloc-rate 2G" 2 "$SINGE" record -t alloc --alloc-rate 2G -o "$TMP/x.pb.gz" -- true
[[ ! -e $TMP/x.pb.gz ]] && pass "no output written on errors" || fail "no output on errors" "$TMP/x.pb.gz exists"
exit 0
