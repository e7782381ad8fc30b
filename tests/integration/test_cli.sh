#!/usr/bin/env bash
# singe flame / convert end to end: formats, round trips, merging, errors, hostile input.
cd "$(dirname "$0")/../.." || exit 2
. tests/integration/lib.sh

data=tests/data/cli

sum_folded() { awk '{ s += $NF } END { print s + 0 }' "$1"; }

# --- help and dispatch
expect_exit "help exits 0" 0 "$SINGE" --help
grep -q '^  flame' "$TMP/stdout" && grep -q '^  convert' "$TMP/stdout" && pass "help lists commands" ||
	fail "help lists commands" "$(cat "$TMP/stdout")"
expect_exit "unknown command exits 2" 2 "$SINGE" frobnicate
stderr_one_line "unknown command message" "'frobnicate' is not a singe command"
expect_exit "flame --help exits 0" 0 "$SINGE" flame --help
grep -q -- '--minwidth' "$TMP/stdout" && pass "flame help documents options" || fail "flame help documents options" "no --minwidth"

# --- folded -> SVG
if expect_exit "flame renders folded" 0 "$SINGE" flame -o "$TMP/simple.svg" "$data/simple.folded"; then
	check "folded SVG is valid XML" xmllint --noout "$TMP/simple.svg"
	grep -q 'draw_frame' "$TMP/simple.svg" && pass "SVG names the frames" || fail "SVG names the frames" "draw_frame missing"
fi

# --- round trip folded -> pprof -> folded is identical, totals preserved
for f in "$data"/simple.folded "$data"/other.folded; do
	name=$(basename "$f" .folded)
	if expect_exit "convert $name to pprof" 0 "$SINGE" convert "$f" -o "$TMP/$name.pb.gz" &&
		expect_exit "convert $name back to folded" 0 "$SINGE" convert "$TMP/$name.pb.gz" -o "$TMP/$name.folded"; then
		if cmp -s "$f" "$TMP/$name.folded"; then pass "round trip $name identical"; else
			fail "round trip $name identical" "$(diff "$f" "$TMP/$name.folded" | head -5)"; fi
	fi
done
# raw (uncompressed) pprof in and out
expect_exit "convert to raw pprof" 0 "$SINGE" convert "$data/simple.folded" -o "$TMP/raw.pb"
expect_exit "read raw pprof" 0 "$SINGE" convert "$TMP/raw.pb" -o "$TMP/raw.folded"
cmp -s "$data/simple.folded" "$TMP/raw.folded" && pass "raw pprof round trip" || fail "raw pprof round trip" "differs"
# several outputs at once
expect_exit "convert writes several outputs" 0 "$SINGE" convert "$data/simple.folded" -o "$TMP/m.pb.gz" -o "$TMP/m.svg" -o "$TMP/m.txt"
[[ -s $TMP/m.pb.gz && -s $TMP/m.svg && -s $TMP/m.txt ]] && pass "all outputs exist" || fail "all outputs exist" "missing"

# --- stdin and merging
expect_exit "flame reads stdin" 0 sh -c "\"$SINGE\" flame -o '$TMP/stdin.svg' - < $data/simple.folded"
expect_exit "merge two inputs" 0 "$SINGE" convert "$data/simple.folded" "$data/other.folded" -o "$TMP/merged.folded"
want=$(($(sum_folded "$data/simple.folded") + $(sum_folded "$data/other.folded")))
got=$(sum_folded "$TMP/merged.folded")
[[ $got == "$want" ]] && pass "merge preserves the total ($want)" || fail "merge preserves the total" "got $got, want $want"
grep -qx 'main;parse;read_token 35' "$TMP/merged.folded" && pass "merge sums equal stacks" ||
	fail "merge sums equal stacks" "$(grep read_token "$TMP/merged.folded")"

# --- determinism
"$SINGE" flame -o "$TMP/d1.svg" "$data/simple.folded" && "$SINGE" flame -o "$TMP/d2.svg" "$data/simple.folded"
cmp -s "$TMP/d1.svg" "$TMP/d2.svg" && pass "SVG output is deterministic" || fail "SVG output is deterministic" "bytes differ"

# --- hostile names: valid XML, nothing executable injected
printf '%s 5\n' \
	'main;<script>alert(1)</script>' \
	'main;"><img src=x onerror=alert(1)>' \
	"main;a]]>b;c--d" \
	"main;$(printf 'bad\xff\xfe utf8 \x01\x02\x1b[31m ctrl')" \
	"main;$(head -c 10000 /dev/zero | tr '\0' 'x')" \
	"main;javascript:alert(1)" >"$TMP/hostile.folded"
printf 'main;nul\0byte 3\n' >>"$TMP/hostile.folded"
if expect_exit "flame renders hostile names" 0 "$SINGE" flame -o "$TMP/hostile.svg" "$TMP/hostile.folded"; then
	check "hostile SVG is valid XML" xmllint --noout "$TMP/hostile.svg"
	n=$(grep -o '<script' "$TMP/hostile.svg" | wc -l)
	[[ $n -le 1 ]] && pass "no injected script element" || fail "no injected script element" "$n <script"
	grep -q '<img' "$TMP/hostile.svg" && fail "no injected img element" "found <img" || pass "no injected img element"
fi
expect_exit "convert hostile names to pprof" 0 "$SINGE" convert "$TMP/hostile.folded" -o "$TMP/hostile.pb.gz"
expect_exit "read hostile pprof back" 0 "$SINGE" convert "$TMP/hostile.pb.gz" -o "$TMP/hostile.out.folded"
[[ $(sum_folded "$TMP/hostile.out.folded") == $(($(sum_folded "$TMP/hostile.folded"))) ]] &&
	pass "hostile total preserved" || fail "hostile total preserved" "totals differ"

# --- malformed input: one line, exit 2, no output file left behind
printf 'this is not a profile\nat all\n' >"$TMP/garbage.txt"
head -c 4000 /dev/urandom >"$TMP/random.bin"
head -c 100 "$TMP/simple.pb.gz" >"$TMP/truncated.pb.gz"
printf '\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage' >"$TMP/badgzip.pb.gz"
: >"$TMP/empty"
for bad in garbage.txt random.bin truncated.pb.gz badgzip.pb.gz empty; do
	rm -f "$TMP/out.svg"
	expect_exit "malformed $bad exits 2" 2 "$SINGE" flame -o "$TMP/out.svg" "$TMP/$bad"
	stderr_one_line "malformed $bad message" "^singe: .*$bad"
	[[ ! -e $TMP/out.svg ]] && ls "$TMP" | grep -q '\.tmp-' && fail "no partial output for $bad" "temp file left" ||
		{ [[ ! -e $TMP/out.svg ]] && pass "no partial output for $bad" || fail "no partial output for $bad" "out.svg exists"; }
done
expect_exit "missing input exits 2" 2 "$SINGE" flame -o "$TMP/out.svg" "$TMP/does-not-exist.pb.gz"
stderr_one_line "missing input message" "does-not-exist.pb.gz': No such file"
expect_exit "unwritable output exits 2" 2 "$SINGE" convert "$data/simple.folded" -o "$TMP/no/such/dir/x.pb.gz"
stderr_one_line "unwritable output message" "cannot write"
expect_exit "unknown output format exits 2" 2 "$SINGE" convert "$data/simple.folded" -o "$TMP/x.docx"
stderr_one_line "unknown output format message" "unknown output format"
expect_exit "unknown sample type exits 2" 2 "$SINGE" flame --sample-type wall -o "$TMP/x.svg" "$data/simple.folded"
stderr_one_line "unknown sample type message" "no sample type 'wall' \\(have: samples\\)"
[[ ! -e $TMP/x.svg ]] && pass "no SVG after a failed render" || fail "no SVG after a failed render" "x.svg exists"
expect_exit "bad option value exits 2" 2 "$SINGE" flame --width abc -o "$TMP/x.svg" "$data/simple.folded"
stderr_one_line "bad option value message" "--width 'abc'"
printf 'main;a 1 2\n' >"$TMP/two.folded"
expect_exit "merge of different sample types exits 2" 2 "$SINGE" convert "$data/simple.folded" "$TMP/two.folded" -o "$TMP/x.folded"
stderr_one_line "merge mismatch message" "sample type"
exit 0
