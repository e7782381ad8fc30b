#!/usr/bin/env bash
# singe diff and singe report from the command line: exit codes 0/1/2, refused inputs, every
# output written (and none when an input is bad), the diff SVG valid XML, the diff pprof
# accepted by go tool pprof, golden JSON/Markdown. Small generated folded and pprof inputs.
# SINGE_REGEN=1 rewrites the CLI goldens (tests/data/golden/cli-*).
cd "$(dirname "$0")/../.." || exit 2
source tests/integration/lib.sh

GOLDEN=tests/data/golden

# base/head: one function (hot) grows from 20% to about 27.5%, new_path appears, old_path goes
cat >"$TMP/base.folded" <<'EOF'
main;work;hot 2000
main;work;cold 3000
main;parse 3000
main;old_path 500
main;io;read 1500
EOF
cat >"$TMP/head.folded" <<'EOF'
main;work;hot 3000
main;work;cold 3000
main;parse 3000
main;new_path 400
main;io;read 1500
EOF

# A minimal pprof: one sample type and the given period, stacks "a;b N" (root first).
make_pprof() { # make_pprof OUT TYPE UNIT PERIOD STACK COUNT [STACK COUNT...]
	python3 - "$@" <<'PY'
import gzip, sys
out, typ, unit, period = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
pairs = list(zip(sys.argv[5::2], map(int, sys.argv[6::2])))
def varint(v):
    b = bytearray()
    v &= (1 << 64) - 1
    while True:
        c = v & 0x7f; v >>= 7
        b.append(c | (0x80 if v else 0))
        if not v: return bytes(b)
def field(n, payload): return varint(n << 3 | 2) + varint(len(payload)) + payload
def num(n, v): return varint(n << 3) + varint(v)
strings = [""]
def s(x):
    if x not in strings: strings.append(x)
    return strings.index(x)
msg = b""
msg += field(1, num(1, s(typ)) + num(2, s(unit)))
funcs = {}
for stack, _ in pairs:
    for fn in stack.split(";"):
        funcs.setdefault(fn, len(funcs) + 1)
for stack, count in pairs:
    ids = [funcs[f] for f in reversed(stack.split(";"))]  # leaf first; location id = function id
    msg += field(2, field(1, b"".join(varint(i) for i in ids)) + field(2, varint(count * period)))
for fn, i in funcs.items():
    msg += field(4, num(1, i) + field(4, num(1, i)))
    msg += field(5, num(1, i) + num(2, s(fn)))
msg += field(11, num(1, s(typ)) + num(2, s(unit)))
msg += num(12, period)
msg += num(9, 1700000000000000000)
for x in strings: msg += field(6, x.encode())
open(out, "wb").write(gzip.compress(msg))
PY
}

make_pprof "$TMP/p1000.pb.gz" cpu nanoseconds 1000 "main;a" 50 "main;b" 50
make_pprof "$TMP/p2000.pb.gz" cpu nanoseconds 2000 "main;a" 50 "main;b" 50
make_pprof "$TMP/alloc.pb.gz" alloc_space bytes 1 "main;a" 50

# --- exit codes ------------------------------------------------------------------------
expect_exit "diff A/A: exit 0" 0 "$SINGE" diff "$TMP/base.folded" "$TMP/base.folded" &&
	grep -q '^singe diff: OK: no significant regression' "$TMP/stdout" &&
	pass "diff A/A: verdict line first"
expect_exit "diff regression: exit 1" 1 "$SINGE" diff --dispersion 1 "$TMP/base.folded" \
	"$TMP/head.folded"
if head -1 "$TMP/stdout" | grep -q '^singe diff: REGRESSION: 1 significant regression' &&
	grep -Eq '^  self .* hot$' "$TMP/stdout"; then
	pass "diff regression: verdict line first, hot listed"
else
	fail "diff regression: verdict line first, hot listed" "$(head -c 400 "$TMP/stdout")"
fi
expect_exit "diff improvement only: exit 0" 0 "$SINGE" diff --dispersion 1 "$TMP/head.folded" \
	"$TMP/base.folded"
expect_exit "diff -q prints nothing" 1 "$SINGE" diff -q --dispersion 1 "$TMP/base.folded" \
	"$TMP/head.folded"
[[ ! -s $TMP/stdout ]] && pass "diff -q: empty stdout" || fail "diff -q: empty stdout" "$(head -c 200 "$TMP/stdout")"
# options after the files, several runs per side with --
expect_exit "diff BASE... -- HEAD... with options after the files" 1 "$SINGE" diff \
	"$TMP/base.folded" "$TMP/base.folded" -- "$TMP/head.folded" "$TMP/head.folded" \
	--dispersion 1 --json "$TMP/multi.json"
grep -q '"runs": 2' "$TMP/multi.json" && pass "diff --: two runs per side" ||
	fail "diff --: two runs per side" "$(head -c 300 "$TMP/multi.json")"

# --- refused arguments and inputs (exit 2, one line, the problem and the fix) ----------
expect_exit "diff with one file: exit 2" 2 "$SINGE" diff "$TMP/base.folded"
stderr_one_line "diff with one file: one line" "exactly two files"
expect_exit "diff with three files and no --: exit 2" 2 "$SINGE" diff "$TMP/base.folded" \
	"$TMP/base.folded" "$TMP/head.folded"
expect_exit "diff with nothing after --: exit 2" 2 "$SINGE" diff "$TMP/base.folded" --
stderr_one_line "diff with nothing after --: one line" "no head profiles"
expect_exit "diff bad --normalize: exit 2" 2 "$SINGE" diff --normalize nope "$TMP/base.folded" \
	"$TMP/head.folded"
stderr_one_line "diff bad --normalize: one line" "expected share, rate or scale"
expect_exit "diff --fdr 0: exit 2" 2 "$SINGE" diff --fdr 0 "$TMP/base.folded" "$TMP/head.folded"
expect_exit "diff two outputs on stdout: exit 2" 2 "$SINGE" diff --json - --markdown - \
	"$TMP/base.folded" "$TMP/head.folded"
stderr_one_line "diff two outputs on stdout: one line" "only one output may be '-'"
expect_exit "diff missing file: exit 2" 2 "$SINGE" diff "$TMP/nope.folded" "$TMP/head.folded"
stderr_one_line "diff missing file: one line naming it" "nope.folded"
expect_exit "diff mismatched sample types: exit 2" 2 "$SINGE" diff "$TMP/alloc.pb.gz" \
	"$TMP/p1000.pb.gz"
stderr_one_line "diff mismatched sample types: clear message" "sample type"
expect_exit "diff mismatched periods: exit 2" 2 "$SINGE" diff "$TMP/p1000.pb.gz" "$TMP/p2000.pb.gz"
stderr_one_line "diff mismatched periods: clear message" "different sampling periods.*1000.*2000"
expect_exit "diff same periods: exit 0" 0 "$SINGE" diff "$TMP/p1000.pb.gz" "$TMP/p1000.pb.gz"

# no output file is left behind when an input is bad
mkdir -p "$TMP/outs"
printf 'not a profile\x00\x01' >"$TMP/bad.bin"
expect_exit "diff bad input with outputs: exit 2" 2 "$SINGE" diff -o "$TMP/outs/d.svg" \
	--json "$TMP/outs/d.json" --markdown "$TMP/outs/d.md" --pprof "$TMP/outs/d.pb.gz" \
	"$TMP/base.folded" "$TMP/bad.bin"
if [[ -z $(ls -A "$TMP/outs") ]]; then
	pass "diff bad input: no output file left"
else
	fail "diff bad input: no output file left" "$(ls -A "$TMP/outs")"
fi

# --- every output ----------------------------------------------------------------------
expect_exit "diff all outputs" 1 "$SINGE" diff --dispersion 1 -o "$TMP/d.svg" \
	--json "$TMP/d.json" --markdown "$TMP/d.md" --pprof "$TMP/d.pb.gz" \
	"$TMP/base.folded" "$TMP/head.folded"
for f in d.svg d.json d.md d.pb.gz; do
	[[ -s $TMP/$f ]] && pass "diff wrote $f" || fail "diff wrote $f" "missing or empty"
done
ls "$TMP" | grep -q '\.tmp-' && fail "diff: no temporary files left" "$(ls "$TMP")" ||
	pass "diff: no temporary files left"
if command -v xmllint >/dev/null; then
	check "diff SVG passes xmllint" xmllint --noout "$TMP/d.svg"
else
	skip "diff SVG passes xmllint" "xmllint not installed (libxml2-utils)"
fi
grep -q 'class="gone hide"><title>old_path' "$TMP/d.svg" &&
	grep -q 'class="new"><title>new_path' "$TMP/d.svg" &&
	grep -q 'class="reg"><title>hot' "$TMP/d.svg" &&
	pass "diff SVG: vanished, new and regressed frames marked" ||
	fail "diff SVG: vanished, new and regressed frames marked" "classes missing"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema"]=="singe.diff/1" and d["regressed"]' \
	"$TMP/d.json" && pass "diff JSON parses, schema singe.diff/1" ||
	fail "diff JSON parses, schema singe.diff/1" "$(head -c 300 "$TMP/d.json")"
if command -v go >/dev/null; then
	go tool pprof -top "$TMP/d.pb.gz" >"$TMP/pprof.out" 2>"$TMP/pprof.err"
	if [[ $? == 0 && ! -s $TMP/pprof.err ]] && grep -Eq '^ +1000 .* hot$' "$TMP/pprof.out" &&
		grep -Eq '^ +-500 .* old_path$' "$TMP/pprof.out"; then
		pass "diff pprof opens in go tool pprof -top as a diff (empty stderr)"
	else
		fail "diff pprof opens in go tool pprof -top as a diff (empty stderr)" \
			"$(head -c 300 "$TMP/pprof.err") $(head -c 600 "$TMP/pprof.out")"
	fi
	# a pprof base and head (periods kept) too
	"$SINGE" diff --pprof "$TMP/p.pb.gz" -q "$TMP/p1000.pb.gz" "$TMP/p1000.pb.gz"
	go tool pprof -top "$TMP/p.pb.gz" >/dev/null 2>"$TMP/pprof.err" && [[ ! -s $TMP/pprof.err ]] &&
		pass "diff pprof of pprof inputs opens in go tool pprof" ||
		fail "diff pprof of pprof inputs opens in go tool pprof" "$(head -c 300 "$TMP/pprof.err")"
else
	skip "diff pprof opens in go tool pprof -top" "go not installed"
fi
# -o picks the format from the extension, as record and convert do; it refuses what it cannot write
expect_exit "diff -o x.pb.gz" 1 "$SINGE" diff --dispersion 1 -q -o "$TMP/o.pb.gz" \
	-o "$TMP/o.json" "$TMP/base.folded" "$TMP/head.folded"
if [[ $(head -c 2 "$TMP/o.pb.gz" | od -An -tx1 | tr -d ' ') == 1f8b ]] &&
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/o.json"; then
	pass "diff -o x.pb.gz writes a gzipped pprof, -o x.json JSON"
else
	fail "diff -o x.pb.gz writes a gzipped pprof, -o x.json JSON" "$(head -c 100 "$TMP/o.pb.gz" | od -c | head -3)"
fi
if command -v go >/dev/null; then
	go tool pprof -top "$TMP/o.pb.gz" >"$TMP/pprof.out" 2>"$TMP/pprof.err" &&
		[[ ! -s $TMP/pprof.err ]] && grep -Eq '^ +1000 .* hot$' "$TMP/pprof.out" &&
		pass "diff -o x.pb.gz opens in go tool pprof as the diff" ||
		fail "diff -o x.pb.gz opens in go tool pprof as the diff" "$(head -c 300 "$TMP/pprof.err")"
else
	skip "diff -o x.pb.gz opens in go tool pprof" "go not installed"
fi
for bad in o.folded o.png; do
	expect_exit "diff -o $bad: exit 2" 2 "$SINGE" diff -o "$TMP/$bad" "$TMP/base.folded" \
		"$TMP/head.folded"
	stderr_one_line "diff -o $bad: names the formats" "-o '.*$bad'.*name it \.svg, \.pb\.gz"
	[[ ! -e $TMP/$bad ]] && pass "diff -o $bad: no file" || fail "diff -o $bad: no file" "written"
done
expect_exit "diff -o and --pprof together: exit 2" 2 "$SINGE" diff -o "$TMP/a.pb.gz" --pprof \
	"$TMP/b.pb.gz" "$TMP/base.folded" "$TMP/head.folded"
stderr_one_line "diff two pprof outputs: one line" "one file per output kind"

# one output on stdout: the table is not mixed into it
expect_exit "diff --json -" 1 "$SINGE" diff --dispersion 1 --json - "$TMP/base.folded" \
	"$TMP/head.folded"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/stdout" &&
	pass "diff --json -: stdout is only the JSON" || fail "diff --json -: stdout is only the JSON" "$(head -c 200 "$TMP/stdout")"

# --- goldens through the CLI -----------------------------------------------------------
for fmt in json markdown; do
	ext=$fmt
	[[ $fmt == markdown ]] && ext=md
	"$SINGE" diff -q --dispersion 1 --$fmt "$TMP/g.$ext" "$TMP/base.folded" "$TMP/head.folded"
	if [[ -n ${SINGE_REGEN:-} ]]; then
		cp "$TMP/g.$ext" "$GOLDEN/cli-diff.$ext"
	fi
	if cmp -s "$TMP/g.$ext" "$GOLDEN/cli-diff.$ext"; then
		pass "diff --$fmt matches $GOLDEN/cli-diff.$ext"
	else
		fail "diff --$fmt matches $GOLDEN/cli-diff.$ext" \
			"$(diff "$GOLDEN/cli-diff.$ext" "$TMP/g.$ext" | head -20)"
	fi
done

# --- report ----------------------------------------------------------------------------
expect_exit "report on folded" 0 "$SINGE" report "$TMP/head.folded"
grep -Eq '^ +3000 +27.52% +[0-9.]+% +3000 +27.52%  hot$' "$TMP/stdout" &&
	pass "report on folded: flat/cum of hot" || fail "report on folded: flat/cum of hot" "$(head -c 600 "$TMP/stdout")"
expect_exit "report on pprof" 0 "$SINGE" report -t cpu --top 1 "$TMP/p1000.pb.gz"
grep -q '^Type: cpu (nanoseconds)' "$TMP/stdout" && grep -q 'Showing top 1 of 3 functions by flat' "$TMP/stdout" &&
	pass "report on pprof: type and top" || fail "report on pprof: type and top" "$(head -c 400 "$TMP/stdout")"
expect_exit "report json to a file" 0 "$SINGE" report --format json -o "$TMP/r.json" "$TMP/p1000.pb.gz" "$TMP/p1000.pb.gz"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema"]=="singe.report/1"; assert d["sample_types"][0]["total"]==200000' \
	"$TMP/r.json" && pass "report json: merged inputs, valid JSON" || fail "report json: merged inputs, valid JSON" "$(head -c 300 "$TMP/r.json")"
expect_exit "report markdown" 0 "$SINGE" report --format markdown "$TMP/base.folded"
grep -q '^| flat | flat% | sum% | cum | cum% | function |' "$TMP/stdout" && pass "report markdown: table" ||
	fail "report markdown: table" "$(head -c 300 "$TMP/stdout")"
expect_exit "report bad type: exit 2" 2 "$SINGE" report -t nope "$TMP/base.folded"
stderr_one_line "report bad type: one line" "no sample type 'nope'"
expect_exit "report bad input: exit 2" 2 "$SINGE" report -o "$TMP/outs/r.txt" "$TMP/bad.bin"
[[ ! -e $TMP/outs/r.txt ]] && pass "report bad input: no output file" || fail "report bad input: no output file" "exists"
expect_exit "report bad --format: exit 2" 2 "$SINGE" report --format xml "$TMP/base.folded"
expect_exit "diff --help" 0 "$SINGE" diff --help
grep -q 'singe diff base\*.pb.gz -- head\*.pb.gz --markdown comment.md || exit 1' "$TMP/stdout" &&
	pass "diff --help shows the CI gate" || fail "diff --help shows the CI gate" "no example"
