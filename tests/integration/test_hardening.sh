#!/usr/bin/env bash
# Hostile inputs and outputs end to end (issue 12): bounded reads, inputs never destroyed,
# outputs all or none, errors that name the real cause, detection, round trips, escaping,
# saturated totals. Every hostile file is generated here, and small.
cd "$(dirname "$0")/../.." || exit 2
. tests/integration/lib.sh

folded=$TMP/in.folded
printf 'main;a 3\nmain;b 1\n' >"$folded"

# 1. unbounded reads: refused with a message, quickly, without eating memory
expect_exit "/dev/zero is refused" 2 timeout 20 "$SINGE" report /dev/zero
stderr_one_line "/dev/zero message" "not a profile"
expect_exit "an endless pipe stops at the budget" 2 \
	sh -c "yes 'a;b 1' | SINGE_MAX_INPUT=4M timeout 20 '$SINGE' report -"
stderr_one_line "budget message names the fix" "4 MiB budget; raise it with SINGE_MAX_INPUT"
expect_exit "a bad SINGE_MAX_INPUT is refused" 2 env SINGE_MAX_INPUT=lots "$SINGE" report "$folded"
stderr_one_line "bad budget message" "SINGE_MAX_INPUT='lots'"

# 2. a gzip bomb: a 12 MiB string table of zeros inflates past an 8 MiB budget, streamed
{ printf '\x32\x80\x80\x80\x06'; head -c $((12 << 20)) /dev/zero; } | gzip -1 >"$TMP/bomb.pb.gz"
expect_exit "an inflating pprof stops at the budget" 2 env SINGE_MAX_INPUT=8M "$SINGE" report "$TMP/bomb.pb.gz"
stderr_one_line "inflate budget message" "inflates past the 8 MiB budget"

# 3. an output that is also an input is refused, and the input kept
"$SINGE" convert "$folded" -o "$TMP/in.pb.gz"
cp "$TMP/in.pb.gz" "$TMP/keep.pb.gz"
ln "$TMP/in.pb.gz" "$TMP/alias.svg"
expect_exit "flame -o INPUT is refused" 2 "$SINGE" flame -o "$TMP/in.pb.gz" "$TMP/in.pb.gz"
stderr_one_line "flame names the destroyed input" "is also an input"
expect_exit "a hard link to the input is refused" 2 "$SINGE" flame -o "$TMP/alias.svg" "$TMP/in.pb.gz"
expect_exit "report -o INPUT is refused" 2 "$SINGE" report -o "$folded" "$folded"
expect_exit "diff --json INPUT is refused" 2 "$SINGE" diff --json "$folded" "$folded" "$TMP/in.pb.gz"
expect_exit "convert -o INPUT is refused" 2 "$SINGE" convert "$TMP/in.pb.gz" -o "$TMP/in.pb.gz"
cmp -s "$TMP/in.pb.gz" "$TMP/keep.pb.gz" && pass "the input is intact" || fail "the input is intact" "changed"

# 4 and 5. a full disk: no output of the command is left, and the cause is named
full=$TMP/full
mkdir -p "$full"
if mount -t tmpfs -o size=128k tmpfs "$full" 2>/dev/null; then
	awk 'BEGIN { for (i = 0; i < 20000; i++) printf "main;f%d;g%d 1\n", i, i % 7 }' >"$TMP/many.folded"
	expect_exit "convert to a full disk fails" 2 "$SINGE" convert "$TMP/many.folded" -o "$full/a.svg" -o "$full/b.folded"
	stderr_one_line "full disk: the cause, for folded" "No space left on device"
	[[ -z $(ls -A "$full") ]] && pass "no output left on a full disk" || fail "no output left on a full disk" "$(ls "$full")"
	expect_exit "folded alone to a full disk" 2 "$SINGE" convert "$TMP/many.folded" -o "$full/c.txt"
	stderr_one_line "full disk: .txt names ENOSPC" "No space left on device"
	umount "$full"
else
	skip "full disk checks" "cannot mount a tmpfs (not root?)"
fi
expect_exit "--sample-type nope" 2 "$SINGE" convert "$folded" --sample-type nope -o "$TMP/o.svg"
stderr_one_line "--sample-type blames the option" "^singe: no sample type 'nope'"
expect_exit "stdin given twice" 2 sh -c "cat '$folded' | '$SINGE' diff - -"
stderr_one_line "stdin twice message" "standard input\) is given 2 times"
expect_exit "flame --help" 0 "$SINGE" flame --help
grep -q -- '--minwidth N\[%\] ' "$TMP/stdout" && pass "help shows N[%]" || fail "help shows N[%]" "$(grep minwidth "$TMP/stdout")"
expect_exit "-d 1e9" 2 "$SINGE" record -d 1e9 -o "$TMP/r.pb.gz" -- true
stderr_one_line "-d names the 365-day limit" "365 days"

# 6. detection: text that parses as protobuf fields is not pprof; long first lines
printf '%040d\n' 0 | tr 0 x >"$TMP/x.txt"
expect_exit "31+ x is not pprof" 2 "$SINGE" report "$TMP/x.txt"
stderr_one_line "31+ x: not a profile" "not a profile"
# (a first line longer than the 1 MiB detection window)
{ yes abcdefgh | head -n 150000 | tr '\n' ';'; printf 'leaf 5\nb 1\n'; } >"$TMP/long.folded"
expect_exit "a 1.3 MB first line is folded" 0 "$SINGE" convert "$TMP/long.folded" -o "$TMP/long.folded.txt"

# 7. round trips keep names
printf 'a;b_[w]_[w] 1\na;x_[k]_[w] 2\n' >"$TMP/suffix.folded"
"$SINGE" convert "$TMP/suffix.folded" -o "$TMP/suffix2.folded" &&
	"$SINGE" convert "$TMP/suffix2.folded" -o "$TMP/suffix3.folded"
cmp -s "$TMP/suffix.folded" "$TMP/suffix3.folded" && pass "suffixes survive two round trips" ||
	fail "suffixes survive two round trips" "$(cat "$TMP/suffix3.folded")"

# 8. bidi overrides are shown, in SVG and Markdown
printf 'main;evil\xe2\x80\xaegnp.exe 3\n' >"$TMP/bidi.folded"
"$SINGE" flame -o "$TMP/bidi.svg" "$TMP/bidi.folded" &&
	"$SINGE" report --format markdown -o "$TMP/bidi.md" "$TMP/bidi.folded"
if grep -q 'evil\\u202Egnp' "$TMP/bidi.svg" && grep -q 'evil\\u202Egnp' "$TMP/bidi.md" &&
	! grep -q $'\xe2\x80\xae' "$TMP/bidi.svg" "$TMP/bidi.md"; then
	pass "U+202E shown as \\u202E"
else
	fail "U+202E shown as \\u202E" "raw override in the output"
fi

# 9. totals saturate the same way in text and JSON
printf 'a 9223372036854775807\nb 9223372036854775807\n' >"$TMP/max.folded"
"$SINGE" report "$TMP/max.folded" >"$TMP/max.txt"
"$SINGE" report --format json "$TMP/max.folded" >"$TMP/max.json"
if grep -q 'Total: 9223372036854775807' "$TMP/max.txt" && ! grep -q '200.00%' "$TMP/max.txt" &&
	grep -q '"total": 9223372036854775807' "$TMP/max.json"; then
	pass "saturated totals agree"
else
	fail "saturated totals agree" "$(grep Total "$TMP/max.txt")"
fi
