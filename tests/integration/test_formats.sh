#!/usr/bin/env bash
# Files that mean the same thing in every tool (issue 11): the unit a folded file carries
# through record -> folded -> flame/report, the default sample type and every index of
# singe's pprof as an independent decoder (npm pprof-format) reads them, process roots in
# folded output of record -a, and perf script input (-F +srcline, +period, +pid,
# --call-graph dwarf, no -g) against stackcollapse-perf-style totals computed here.
# Recordings are 1 s each; needs root for record and perf, node for the pprof reader.
cd "$(dirname "$0")/../.." || exit 2
. tests/integration/lib.sh

PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null; rm -rf "$TMP"' EXIT

# pprof_check NAME FILE: the independent reader finds no problem; its JSON in $TMP/check.json
pprof_check() {
	if ! [[ -d tests/browser/node_modules/pprof-format ]] || ! command -v node >/dev/null; then
		skip "$1" "pprof-format not installed (make deps)"
		return 1
	fi
	if node tests/browser/pprof_check.mjs "$2" >"$TMP/check.json" 2>"$TMP/check.err"; then
		pass "$1"
	else
		fail "$1" "$(head -c 300 "$TMP/check.json") $(head -c 300 "$TMP/check.err")"
		return 1
	fi
}

# json_get FILE FILTER: a value out of a JSON file (jq starts faster than python on a busy box)
json_get() { jq -r "$2" "$1"; }

# report_type_line FILE: the "Type: ..." line of singe report for its first sample type
report_type_line() { "$SINGE" report "$1" 2>/dev/null | grep -m1 '^Type:'; }

# --- units without a recording ----------------------------------------------------------
printf 'main;work;hot 30\nmain;work;cold 10\n' >"$TMP/counts.folded"
"$SINGE" convert "$TMP/counts.folded" -o "$TMP/counts.pb.gz"
if pprof_check "pprof-format decodes a converted folded file" "$TMP/counts.pb.gz"; then
	[[ $(json_get "$TMP/check.json" '.totals[0]') == 40 ]] &&
		pass "pprof-format total of a converted folded file: 40" ||
		fail "pprof-format total of a converted folded file: 40" "$(cat "$TMP/check.json")"
fi
[[ $(report_type_line "$TMP/counts.folded") == "Type: samples (count)" ]] &&
	pass "folded without header reads as samples (count)" ||
	fail "folded without header reads as samples (count)" "$(report_type_line "$TMP/counts.folded")"

if ((EUID != 0)); then
	skip "record and perf round trips" "need root to record (run: sudo make test)"
	exit 0
fi
if ! examples/c/build.sh >"$TMP/build.log" 2>&1; then
	fail "build examples/c" "$(head -c 300 "$TMP/build.log")"
	exit 1
fi
SPLIT=.output/examples/cpu_split
QSORT=.output/examples/qsort_hot

# --- record -> folded -> report / flame: the unit survives -----------------------------
"$SINGE" record -q -o "$TMP/r.folded" -o "$TMP/r.pb.gz" -o "$TMP/r.svg" -- "$SPLIT" -d 1 -n \
	>/dev/null 2>"$TMP/rec.err" || fail "record split to folded and pprof" "$(head -c 300 "$TMP/rec.err")"
if pprof_check "pprof-format decodes a recording, every index resolves" "$TMP/r.pb.gz"; then
	[[ $(json_get "$TMP/check.json" .default_sample_type) == cpu ]] &&
		pass "recording's default_sample_type is cpu" ||
		fail "recording's default_sample_type is cpu" "$(cat "$TMP/check.json")"
	"$SINGE" report --format json "$TMP/r.pb.gz" >"$TMP/r.json"
	want=$(json_get "$TMP/r.json" '[.sample_types[].total | tostring] | join(",")')
	got=$(json_get "$TMP/check.json" '.totals | join(",")')
	[[ $want == "$got" ]] && pass "pprof-format totals match singe report ($got)" ||
		fail "pprof-format totals match singe report" "singe $want, pprof-format $got"
	samples=$(json_get "$TMP/check.json" '.totals[0]')
	folded_total=$(awk '{ s += $NF } END { print s + 0 }' "$TMP/r.folded")
	if [[ $(head -c 1 "$TMP/r.folded") != "#" && $folded_total == "$samples" ]]; then
		pass "record -o x.folded writes sample counts ($folded_total), no header"
	else
		fail "record -o x.folded writes sample counts" "folded $folded_total, samples $samples: $(head -1 "$TMP/r.folded")"
	fi
fi
[[ $(report_type_line "$TMP/r.folded") == "Type: samples (count)" ]] &&
	pass "report of a recorded folded: samples (count)" ||
	fail "report of a recorded folded: samples (count)" "$(report_type_line "$TMP/r.folded")"
"$SINGE" convert --sample-type cpu "$TMP/r.pb.gz" -o "$TMP/ns.folded"
"$SINGE" flame -o "$TMP/ns.svg" "$TMP/ns.folded"
ns_total=$(awk '!/^#/ { s += $NF } END { print s + 0 }' "$TMP/ns.folded")
if [[ $(head -1 "$TMP/ns.folded") == "# sample type: cpu/nanoseconds" &&
	$(report_type_line "$TMP/ns.folded") == "Type: cpu (nanoseconds)" &&
	$ns_total == $(json_get "$TMP/r.json" '.sample_types[1].total') ]]; then
	pass "folded of nanoseconds says so, reads back as cpu (nanoseconds), $ns_total ns"
else
	fail "folded of nanoseconds says so" "$(head -1 "$TMP/ns.folded") / $(report_type_line "$TMP/ns.folded") / $ns_total"
fi
if grep -A1 -m1 '<title>hot_a' "$TMP/ns.svg" | grep -Eq '[0-9.]+ (ms|s|us), ' &&
	! grep -A1 '<title>' "$TMP/ns.svg" | grep -q ' samples'; then
	pass "flame of a nanosecond folded shows times, never samples"
else
	fail "flame of a nanosecond folded shows times" "$(grep -A1 -m1 '<title>hot_a' "$TMP/ns.svg")"
fi
"$SINGE" flame --countname cycles -o "$TMP/cn.svg" "$TMP/ns.folded"
grep -A1 -m1 '<title>hot_a' "$TMP/cn.svg" | grep -Eq '^[0-9,]+ cycles, ' &&
	pass "--countname still names the count" || fail "--countname still names the count" \
	"$(grep -A1 -m1 '<title>hot_a' "$TMP/cn.svg")"

# --- record -a: a root frame per process in folded, labels unchanged in pprof -----------
"$SPLIT" -d 3 -n >/dev/null 2>&1 &
split_pid=$!
"$QSORT" -d 3 >/dev/null 2>&1 &
qsort_pid=$!
PIDS+=("$split_pid" "$qsort_pid")
sleep 0.3
"$SINGE" record -q -a -d 1 -o "$TMP/a.folded" -o "$TMP/a.pb.gz" >/dev/null 2>"$TMP/rec.err" ||
	fail "record -a" "$(head -c 300 "$TMP/rec.err")"
"$SINGE" convert --process-roots comm-pid "$TMP/a.pb.gz" -o "$TMP/a-pid.folded"
"$SINGE" convert --process-roots none "$TMP/a.pb.gz" -o "$TMP/a-none.folded"
# root_totals FOLDED: {"root": total} of the folded stacks, as JSON sorted by key
root_totals() { awk '{ split($0, a, ";"); s[a[1]] += $NF } END { for (r in s) printf "%s\t%d\n", r, s[r] }' "$1" |
	jq -R -s -S -c 'split("\n") | map(select(length > 0) | split("\t") | {(.[0]): .[1]}) | add'; }
if pprof_check "pprof-format decodes a record -a pprof" "$TMP/a.pb.gz"; then
	# the labels know each sample's process: every root and its total must agree with them
	want=$(jq -S -c .comm_totals "$TMP/check.json") got=$(root_totals "$TMP/a.folded")
	if [[ $want == "$got" ]] && jq -e '.qsort_hot' <<<"$want" >/dev/null; then
		pass "record -a folded: a root per process, each with its processes' total ($(jq -c 'keys | length' <<<"$want") roots)"
	else
		fail "record -a folded: a root per process" "labels $want, folded roots $got"
	fi
	want=$(jq -S -c .comm_pid_totals "$TMP/check.json") got=$(root_totals "$TMP/a-pid.folded")
	[[ $want == "$got" ]] && grep -q "^qsort_hot-$qsort_pid;" "$TMP/a-pid.folded" &&
		pass "--process-roots comm-pid: a root per pid (qsort_hot-$qsort_pid)" ||
		fail "--process-roots comm-pid: a root per pid" "labels $want, folded roots $got"
	if ! grep -q '^qsort_hot[;-]' "$TMP/a-none.folded" && grep -q '^qsort_hot;' "$TMP/a.folded" &&
		[[ $(awk '{ s += $NF } END { print s }' "$TMP/a-none.folded") == $(awk '{ s += $NF } END { print s }' "$TMP/a.folded") ]]; then
		pass "--process-roots none merges processes; totals unchanged"
	else
		fail "--process-roots none merges processes" "$(grep -m2 qsort_hot "$TMP/a-none.folded")"
	fi
fi
if command -v go >/dev/null; then
	go tool pprof -raw "$TMP/a.pb.gz" 2>/dev/null | grep -q 'comm:\[qsort_hot\]' &&
		! go tool pprof -top "$TMP/a.pb.gz" 2>/dev/null | grep -q ' qsort_hot$' &&
		pass "record -a pprof: comm labels, no process frames" ||
		fail "record -a pprof: comm labels, no process frames" "$(go tool pprof -raw "$TMP/a.pb.gz" 2>&1 | head -c 300)"
fi
kill "$split_pid" "$qsort_pid" 2>/dev/null
wait "$split_pid" "$qsort_pid" 2>/dev/null

# --- perf script input against stackcollapse-perf-style totals --------------------------
if ! command -v perf >/dev/null; then
	skip "perf script round trips" "perf not installed (linux-perf)"
	exit 0
fi
# collapse TEXT: "samples periods hot_a", what stackcollapse-perf counts, computed here: a
# sample per header line (unindented with callchains, or a line of its own without), weighed
# by the number before the event ("1.5: 1001001 cpu-clock:"), 1 when there is none
collapse() {
	awk '
	function end() { if (open) { n++; sum += period; hot += has_hot } open = 0; has_hot = 0 }
	/^[ \t]*$/ || /^#/ { end(); next }
	/^\t/ { if ($2 ~ /^hot_a(\+0x[0-9a-f]+)?$/) has_hot = 1; next }
	/^  / && open && !/[0-9]\.[0-9]+:/ { next } # a source line (-F +srcline)
	{
		end(); open = 1; period = 1
		if (match($0, /: *[0-9]+ +[^ ]+: */)) { split(substr($0, RSTART + 1), w, " "); period = w[1] }
		if ($0 ~ /[ \t][0-9a-f]+ +hot_a(\+0x[0-9a-f]+)? \(/) has_hot = 1 # no callchain
	}
	END { end(); printf "%d %d %d\n", n, sum, hot }' "$1"
}
# check_perf NAME TEXT: singe's totals and bad lines against collapse()
check_perf() {
	local name=$1 text=$2 want got bad
	want=$(collapse "$text")
	"$SINGE" report --format json --top 0 "$text" >"$TMP/p.json" 2>"$TMP/p.err" ||
		{ fail "$name" "singe report failed: $(head -c 300 "$TMP/p.err")"; return; }
	got=$(json_get "$TMP/p.json" '"\(.sample_types[0].total) \(.sample_types[-1].total) \([.sample_types[0].top_flat[] | select(.name == "hot_a") | .cum] | add // 0)"')
	bad=$(json_get "$TMP/p.json" .quality.bad_lines)
	if [[ $got == "$want" && $bad == 0 ]]; then
		pass "$name: samples, periods, hot_a = $got, bad lines 0"
	else
		fail "$name" "singe '$got' (bad lines $bad), stackcollapse-style '$want'"
	fi
}
nice perf record -q -F 199 -g -o "$TMP/g.data" -- "$SPLIT" -d 1 -n >/dev/null 2>&1
nice perf record -q -F 199 --call-graph dwarf -o "$TMP/d.data" -- "$SPLIT" -d 1 -n >/dev/null 2>&1
nice perf record -q -F 199 -o "$TMP/n.data" -- "$SPLIT" -d 1 -n >/dev/null 2>&1
perf script -i "$TMP/g.data" >"$TMP/g.txt" 2>/dev/null
perf script -i "$TMP/g.data" -F +srcline >"$TMP/g-src.txt" 2>/dev/null
perf script -i "$TMP/g.data" -F +pid >"$TMP/g-pid.txt" 2>/dev/null
perf script -i "$TMP/g.data" -F comm,tid,time,event,ip,sym,dso >"$TMP/g-noperiod.txt" 2>/dev/null
perf script -i "$TMP/d.data" >"$TMP/d.txt" 2>/dev/null
perf script -i "$TMP/n.data" >"$TMP/n.txt" 2>/dev/null
perf script -i "$TMP/n.data" -F +period,+pid >"$TMP/n-period.txt" 2>/dev/null
check_perf "perf script -g" "$TMP/g.txt"
check_perf "perf script -g -F +srcline" "$TMP/g-src.txt"
check_perf "perf script -g -F +pid" "$TMP/g-pid.txt"
check_perf "perf script -g without periods" "$TMP/g-noperiod.txt"
check_perf "perf script --call-graph dwarf" "$TMP/d.txt"
check_perf "perf script without -g" "$TMP/n.txt"
check_perf "perf script without -g, -F +period,+pid" "$TMP/n-period.txt"
grep -q 'srcline\|^  [^ ]' "$TMP/g-src.txt" && pass "the srcline input has source lines" ||
	fail "the srcline input has source lines" "$(sed -n 2,4p "$TMP/g-src.txt")"
"$SINGE" convert "$TMP/g-noperiod.txt" -o "$TMP/np.pb.gz"
go tool pprof -comments "$TMP/np.pb.gz" 2>/dev/null | grep -q 'no sample periods' &&
	pass "perf script without periods: the profile says each sample counts 1" ||
	fail "perf script without periods: the profile says so" "$(go tool pprof -comments "$TMP/np.pb.gz" 2>&1 | head -3)"
# the period column is the default: a flame graph of it matches perf report's weighting
"$SINGE" convert "$TMP/g-pid.txt" -o "$TMP/gp.pb.gz"
pprof_check "pprof-format decodes a perf script conversion" "$TMP/gp.pb.gz" &&
	[[ $(json_get "$TMP/check.json" .default_sample_type) == cpu-clock ]] &&
	pass "perf script with periods: default sample type cpu-clock" ||
	fail "perf script with periods: default sample type cpu-clock" "$(cat "$TMP/check.json")"
