#!/usr/bin/env bash
# Short-lived processes are symbolized from mapping events (cli/record_mmap.c): a shell loop
# runs a static C program of ~5 ms 200 times, under singe record -a and -- sh -c, and under
# perf record -a -g on the same load. Each program's samples in its named function reach
# perf's share (startup and exec take the rest: no profiler can charge them to the
# function), and the unknown leaves of the whole recording stay at or below perf's. Under -p
# (the loop's shell) its children are followed too. Libraries loaded with dlopen() by programs
# that exit at once resolve, under -- CMD and -a.
cd "$(dirname "$0")/../.." || exit 2
. tests/integration/lib.sh
record_setup "short-lived processes"
SHORT=$PWD/.output/examples/short_lived_static
DYN=$PWD/.output/examples/short_lived
to_folded() { "$SINGE" convert --sample-type samples "$1" -o "$2" >/dev/null 2>&1; }
loop() { sh -c "for i in \$(seq 200); do $SHORT -t 5; done"; }

# share PROCESS FUNC FOLDED: "IN_FUNC TOTAL" samples of PROCESS's root frame
share() {
	awk -v p="$1" -v f="$2" '{ n = $NF; $NF = ""; sub(/ +$/, ""); k = split($0, a, ";")
		if (a[1] != p) next; t += n
		for (i = 2; i <= k; i++) if (a[i] == f) { m += n; break } }
		END { print m + 0, t + 0 }' "$3"
}
# unknown_leaf FOLDED: "UNKNOWN TOTAL": samples of the load's processes (the loop's shell, seq
# and the program; not whatever else the machine runs) whose leaf has no function name:
# [unknown], module+offset (singe), or a bare [module] (perf's "[unknown] ([vdso])")
unknown_leaf() {
	awk '{ n = $NF; $NF = ""; sub(/ +$/, ""); k = split($0, a, ";")
		if (a[1] != "short_lived_sta" && a[1] != "sh" && a[1] != "seq") next; t += n
		if (a[k] ~ /^\[[^]]*\]$/ || a[k] ~ /\+0x[0-9a-f]+$/) u += n } END { print u + 0, t + 0 }' "$1"
}
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b ? 100 * a / b : 0 }'; }

# --- -a while the loop runs
"$SINGE" record -v -a -F 999 -o "$TMP/all.pb.gz" 2>"$TMP/all.log" &
singe_pid=$!
wait_recording "$TMP/all.log"
loop
kill -INT "$singe_pid"
wait "$singe_pid"
to_folded "$TMP/all.pb.gz" "$TMP/all.folded"
read -r s_in s_total < <(share short_lived_sta short_lived_work "$TMP/all.folded")
read -r s_unk s_all < <(unknown_leaf "$TMP/all.folded")
grep -Eq 'imaged from mapping events [1-9]' "$TMP/all.log" &&
	pass "-a: processes gone early are imaged from mapping events ($(grep -o 'imaged from mapping events [0-9]*' "$TMP/all.log"))" ||
	fail "-a: processes gone early are imaged from mapping events" "$(grep 'mapping events' "$TMP/all.log")"

# --- perf on the same load
if command -v perf >/dev/null; then
	perf record -q -a -g -F 999 -o "$TMP/perf.data" -- sh -c "for i in \$(seq 200); do $SHORT -t 5; done" \
		>/dev/null 2>&1
	perf script -i "$TMP/perf.data" 2>/dev/null >"$TMP/perf.txt"
	"$SINGE" convert "$TMP/perf.txt" -o "$TMP/perf.folded" >/dev/null 2>&1
	read -r p_in p_total < <(share short_lived_sta short_lived_work "$TMP/perf.folded")
	read -r p_unk p_all < <(unknown_leaf "$TMP/perf.folded")
	s_share=$(pct "$s_in" "$s_total") p_share=$(pct "$p_in" "$p_total")
	# measured: singe 91.5-93.4%, perf 90.0-92.7% (the rest is the exec and libc's start-up,
	# which no profiler can charge to the function): within 5 points of perf's
	if ((s_total > 0 && p_total > 0)) && awk -v s="$s_share" -v p="$p_share" 'BEGIN { exit !(s >= p - 5) }'; then
		pass "-a: short_lived_work holds $s_share% of the program's $s_total samples (perf: $p_share% of $p_total)"
	else
		fail "-a: short_lived_work holds perf's share of the program's samples" "singe $s_in of $s_total, perf $p_in of $p_total"
	fi
	s_u=$(pct "$s_unk" "$s_all") p_u=$(pct "$p_unk" "$p_all")
	# measured: singe 0.0-0.4%, perf 0.0-0.3% (before mapping events: 14% against 1.6%; before
	# they were taken in time order: 2.4-4.6%). At or below perf's, give or take the counting
	# noise of two small numbers: singe's count scaled to perf's total within two standard
	# deviations of the pair
	if ((s_all > 0 && p_all > 0)) && awk -v s="$s_unk" -v S="$s_all" -v p="$p_unk" -v P="$p_all" \
		'BEGIN { x = s * P / S; exit !(x <= p + 2 * sqrt(x + p + 1)) }'; then
		pass "-a: unknown leaves $s_u% of $s_all samples (perf: $p_u% of $p_all)"
	else
		fail "-a: unknown leaves at or below perf's" "singe $s_unk of $s_all ($s_u%), perf $p_unk of $p_all ($p_u%)"
	fi
else
	fail "perf comparison" "perf is not installed (scripts/deps.sh installs linux-perf)"
fi

# --- -- sh -c 'loop': the command's children, followed by inherited events
expect_exit "record -- sh -c loop" 0 "$SINGE" record -v -F 999 -o "$TMP/cmd.pb.gz" -- \
	sh -c "for i in \$(seq 200); do $SHORT -t 5; done"
cp "$TMP/stderr" "$TMP/cmd.log"
to_folded "$TMP/cmd.pb.gz" "$TMP/cmd.folded"
read -r c_in c_total < <(share short_lived_sta short_lived_work "$TMP/cmd.folded")
c_share=$(pct "$c_in" "$c_total")
# measured 99.5-100%: the command's processes are followed from their fork
if ((c_total > 0)) && awk -v s="$c_share" -v p="${p_share:-90}" 'BEGIN { exit !(s >= p - 5) }'; then
	pass "-- CMD: short_lived_work holds $c_share% of the program's $c_total samples"
else
	fail "-- CMD: short_lived_work holds perf's share of the program's samples" "$c_in of $c_total"
fi
read -r c_unk c_all < <(unknown_leaf "$TMP/cmd.folded")
# measured 0.0-0.5%
((c_all > 0 && c_unk * 100 <= c_all * 2)) &&
	pass "-- CMD: unknown leaves $(pct "$c_unk" "$c_all")% of $c_all samples" ||
	fail "-- CMD: unknown leaves at most 2%" "$c_unk of $c_all"

# --- -p: a shell attached by pid before it starts the loop; its children are followed
sh -c "sleep 1; for i in \$(seq 100); do $SHORT -t 5; done" &
loop_pid=$!
expect_exit "record -p the loop's shell" 0 "$SINGE" record -v -F 999 -p "$loop_pid" -o "$TMP/pid.pb.gz"
wait "$loop_pid"
to_folded "$TMP/pid.pb.gz" "$TMP/pid.folded"
read -r q_in q_total < <(share short_lived_sta short_lived_work "$TMP/pid.folded")
read -r q_unk q_all < <(unknown_leaf "$TMP/pid.folded")
((q_total > 0 && q_in * 100 >= q_total * 85)) &&
	pass "-p: short_lived_work holds $(pct "$q_in" "$q_total")% of the program's $q_total samples" ||
	fail "-p: short_lived_work holds at least 85% of the program's samples" "$q_in of $q_total"
((q_all > 0 && q_unk * 100 <= q_all * 2)) &&
	pass "-p: unknown leaves $(pct "$q_unk" "$q_all")% of $q_all samples" ||
	fail "-p: unknown leaves at most 2%" "$q_unk of $q_all"

# --- a library loaded with dlopen() after start, by programs gone before the end
dl_loop="for i in \$(seq 20); do $DYN -z -t 10; done"
# check_dlopen MODE FOLDED
check_dlopen() {
	local d_in d_total crc raw
	read -r d_in d_total < <(share short_lived dlopen_work "$2")
	crc=$(awk '/dlopen_work;(crc32|crc32_z)/ { s += $NF } END { print s + 0 }' "$2")
	# the program's own samples only: under -a other processes may use libz too
	raw=$(awk '/^short_lived;/ && /libz\.so[^;]*\+0x/ { s += $NF } END { print s + 0 }' "$2")
	# the rest of dlopen_work is dlopen() itself and the clock (measured 85-95% in crc32)
	((d_in > 0 && crc * 100 >= d_in * 75 && raw * 100 <= d_in * 5)) &&
		pass "$1 dlopen: libz's crc32 is named under dlopen_work ($crc of $d_in samples; $raw as libz+offset)" ||
		fail "$1 dlopen: libz's crc32 is named under dlopen_work" "crc32 $crc, libz+offset $raw, of $d_in: $(sort -t' ' -k2 -nr "$2" | head -3)"
}
expect_exit "record programs that dlopen libz" 0 "$SINGE" record -F 999 -o "$TMP/dl.pb.gz" -- sh -c "$dl_loop"
to_folded "$TMP/dl.pb.gz" "$TMP/dl.folded"
check_dlopen "-- CMD" "$TMP/dl.folded"
"$SINGE" record -a -F 999 -o "$TMP/dla.pb.gz" 2>"$TMP/dla.log" &
singe_pid=$!
wait_recording "$TMP/dla.log"
sh -c "$dl_loop"
kill -INT "$singe_pid"
wait "$singe_pid"
to_folded "$TMP/dla.pb.gz" "$TMP/dla.folded"
check_dlopen "-a" "$TMP/dla.folded"

# (a pid reused during the recording is a new process: tests/unit/test_record_procs.c)
