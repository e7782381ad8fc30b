#!/usr/bin/env bash
# The record loop keeps control (needs root): at a sample rate far above what singe can unwind,
# -d and SIGTERM still stop the recording within a second and the profile is written with its
# losses counted in the summary; a closed stderr does not kill singe; a command does not outlive
# a killed singe.
cd "$(dirname "$0")/../.." || exit 2
. tests/integration/lib.sh

record_setup "record loop tests"

start_split() {
	"$SPLIT" "$@" >/dev/null 2>&1 &
	split_pid=$!
	PIDS+=("$split_pid")
	sleep 0.2
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# summary_seconds LOG: the "after X s" of the summary line
summary_seconds() { sed -n 's/.* after \([0-9.]*\) s: .*/\1/p' "$1" | head -1; }

# lost_of LOG: the "lost N" of the summary line
lost_of() { sed -n 's/.*; lost \([0-9]*\), truncated.*/\1/p' "$1" | head -1; }

# --- -F 50000 --unwind dwarf: stack copies come far faster than they unwind
start_split -d 30
"$SINGE" record -v -F 50000 --unwind dwarf -d 2 -p "$split_pid" -o "$TMP/d.pb.gz" 2>"$TMP/d.log" &
singe_pid=$!
wait_recording "$TMP/d.log"
t0=$(now_ms)
wait "$singe_pid"
rc=$? t1=$(now_ms)
secs=$(summary_seconds "$TMP/d.log")
lost=$(lost_of "$TMP/d.log")
if ((rc == 0)) && [[ -n $secs ]] && awk -v s="$secs" 'BEGIN { exit !(s <= 3.0) }'; then
	pass "-F 50000 dwarf: -d 2 stops sampling after $secs s"
else
	fail "-F 50000 dwarf: -d 2 stops sampling within a second" \
		"exit $rc, summary: $(grep -E 'after|error' "$TMP/d.log" | head -2)"
fi
# the whole run, symbolization and writing included, ends within seconds of -d
((t1 - t0 < 2000 + 4000)) && [[ -s $TMP/d.pb.gz ]] &&
	pass "-F 50000 dwarf: profile written $((t1 - t0)) ms after sampling began" ||
	fail "-F 50000 dwarf: profile written soon after -d" "$((t1 - t0)) ms, $(ls -la "$TMP")"
# every loss is in the headline: lost = the copies the ring dropped + those singe dropped
ring=$(sed -n 's/.*warning: \([0-9]*\) stack copies lost because the ring.*/\1/p' "$TMP/d.log")
dropped=$(sed -n 's/.*warning: \([0-9]*\) stack copies dropped.*/\1/p' "$TMP/d.log")
if [[ -n $lost ]] && ((lost > 0 && lost == ${ring:-0} + ${dropped:-0})); then
	pass "-F 50000 dwarf: the summary's lost ($lost) counts every copy lost (${ring:-0} + ${dropped:-0})"
else
	fail "-F 50000 dwarf: the summary's lost counts every copy lost" \
		"lost '$lost', ring '${ring:-}', dropped '${dropped:-}': $(grep -E 'lost|dropped' "$TMP/d.log")"
fi
"$SINGE" report "$TMP/d.pb.gz" >"$TMP/d.report" 2>&1
grep -q "lost $lost," "$TMP/d.report" && pass "singe report shows the same lost count ($lost)" ||
	fail "singe report shows the same lost count" "$(grep -i lost "$TMP/d.report")"

# --- the same rate, stopped by SIGTERM after a second
"$SINGE" record -v -F 50000 --unwind dwarf -p "$split_pid" -o "$TMP/t.pb.gz" 2>"$TMP/t.log" &
singe_pid=$!
wait_recording "$TMP/t.log" && sleep 1
t0=$(now_ms)
kill -TERM "$singe_pid"
wait "$singe_pid"
rc=$? t1=$(now_ms)
secs=$(summary_seconds "$TMP/t.log")
if ((rc == 0)) && grep -q '^singe: terminated after' "$TMP/t.log" && [[ -s $TMP/t.pb.gz ]] &&
	awk -v s="$secs" 'BEGIN { exit !(s <= 2.2) }'; then
	pass "-F 50000 dwarf: SIGTERM stops sampling ($secs s) and writes the profile in $((t1 - t0)) ms"
else
	fail "-F 50000 dwarf: SIGTERM stops within a second and writes" \
		"exit $rc after $((t1 - t0)) ms: $(grep -v libbpf "$TMP/t.log" | tail -3)"
fi

# --- a closed stderr: the status and summary lines fail, the profile is still written
"$SINGE" record -F 999 -d 1 -p "$split_pid" -o "$TMP/pipe.pb.gz" 2>&1 | head -c 1 >/dev/null
rc=${PIPESTATUS[0]}
((rc == 0)) && [[ -s $TMP/pipe.pb.gz ]] &&
	pass "stderr closed early (| head): exit 0 and the profile written" ||
	fail "stderr closed early (| head): the profile written" "exit $rc: $(ls "$TMP")"
kill "$split_pid" 2>/dev/null

# --- a command does not outlive a killed singe
marker="sleep 86$$"
"$SINGE" record -v -o "$TMP/k.pb.gz" -- sh -c "exec $marker" 2>"$TMP/k.log" &
singe_pid=$!
wait_recording "$TMP/k.log"
for ((i = 0; i < 40; i++)); do pgrep -f "^$marker\$" >/dev/null && break; sleep 0.05; done
if pgrep -f "^$marker\$" >/dev/null; then
	kill -KILL "$singe_pid"
	wait "$singe_pid" 2>/dev/null
	for ((i = 0; i < 40; i++)); do pgrep -f "^$marker\$" >/dev/null || break; sleep 0.05; done
	if pgrep -f "^$marker\$" >/dev/null; then
		fail "the command ends with a killed singe" "$marker still runs"
		pkill -f "^$marker\$"
	else
		pass "the command ends with a killed singe (SIGKILL)"
	fi
else
	fail "the command ends with a killed singe" "the command did not start: $(tail -2 "$TMP/k.log")"
	kill "$singe_pid" 2>/dev/null
fi
exit 0
