#!/usr/bin/env bash
# Every pprof singe writes must be accepted by go tool pprof without a single warning:
# folded inputs (plain, kernel frames _[k], inlined frames _[i], hostile bytes in names) are
# converted to .pb.gz (and raw .pb), then read with `go tool pprof -raw` and `-top`.
# A profile written by Go itself must come back out of singe unchanged (same -raw output).
cd "$(dirname "$0")/../.." || exit 2
. tests/integration/lib.sh

data=tests/data/pprof
[[ -x $SINGE ]] || SINGE=./singe

# expected function names in `-top`, per input
declare -A names=(
	[simple]="main parse_config read_file tokenize serve handle_request encode_json compress"
	[kernel]="app main read_file sys_read vfs_read ext4_file_read_iter compute write_out ksys_write vfs_write"
	[inline]="app main outer inner_helper leaf inlined_a inlined_b hot_loop vec_add"
	[hostile]="main evil leaf amp&quot bad overlong slash cut ctl rtl cdata]]>end percent%s%n back emoji nul_free long_xxxxxxxx"
)
inputs=(simple kernel inline hostile)

if ! command -v go >/dev/null 2>&1; then
	for n in "${inputs[@]}"; do
		skip "go pprof -raw $n" "go not installed"
		skip "go pprof -top $n" "go not installed"
	done
	skip "go pprof reads raw .pb" "go not installed"
	skip "Go profile passes through singe" "go not installed"
	exit 0
fi

sum_folded() { awk '{ s += $NF } END { print s + 0 }' "$1"; }

# go_pprof NAME OUT -FLAG FILE: PASS when go tool pprof exits 0 and prints nothing on stderr
go_pprof() {
	local name=$1 out=$2 rc
	shift 2
	go tool pprof "$@" >"$out" 2>"$TMP/go.err"
	rc=$?
	if ((rc != 0)); then
		fail "$name" "exit $rc: $(head -c 300 "$TMP/go.err")"
		return 1
	elif [[ -s $TMP/go.err ]]; then
		fail "$name" "warnings on stderr: $(head -c 300 "$TMP/go.err")"
		return 1
	fi
	pass "$name"
}

# top_lists NAME TOPFILE NAMES...: every name appears in the -top report
top_lists() {
	local name=$1 top=$2 missing=() n
	shift 2
	for n in "$@"; do
		grep -qF -- "$n" "$top" || missing+=("$n")
	done
	if ((${#missing[@]})); then
		fail "$name" "missing: ${missing[*]}"
	else
		pass "$name"
	fi
}

for n in "${inputs[@]}"; do
	in=$data/$n.folded pb=$TMP/$n.pb.gz
	expect_exit "convert $n.folded to pprof" 0 "$SINGE" convert "$in" -o "$pb" || continue
	go_pprof "go pprof -raw $n" "$TMP/$n.raw" -raw "$pb"
	if go_pprof "go pprof -top $n" "$TMP/$n.top" -top "$pb"; then
		# shellcheck disable=SC2086
		top_lists "go pprof -top lists $n functions" "$TMP/$n.top" ${names[$n]}
		total=$(sed -n 's/.* of \([0-9]*\) total.*/\1/p' "$TMP/$n.top" | head -1)
		want=$(sum_folded "$in")
		[[ $total == "$want" ]] && pass "go pprof total for $n" ||
			fail "go pprof total for $n" "go says ${total:-nothing}, the folded file sums to $want"
	fi
	# and singe reads its own file back to the same totals (the same stacks, when the names
	# were valid UTF-8 to begin with)
	if expect_exit "convert $n pprof back to folded" 0 "$SINGE" convert "$pb" -o "$TMP/$n.back.folded"; then
		if [[ $n == hostile ]]; then
			[[ $(sum_folded "$TMP/$n.back.folded") == $(sum_folded "$in") ]] &&
				pass "hostile round trip keeps the total" ||
				fail "hostile round trip keeps the total" "$(sum_folded "$TMP/$n.back.folded") != $(sum_folded "$in")"
		else
			cmp -s <(sort "$in") <(sort "$TMP/$n.back.folded") && pass "$n round trip identical" ||
				fail "$n round trip identical" "$(diff <(sort "$in") <(sort "$TMP/$n.back.folded") | head -4)"
		fi
	fi
done

# raw protobuf, no gzip
if expect_exit "convert simple.folded to raw .pb" 0 "$SINGE" convert "$data/simple.folded" -o "$TMP/simple.pb"; then
	if [[ $(head -c 2 "$TMP/simple.pb" | od -An -tx1 | tr -d ' ') == 1f8b ]]; then
		fail "raw .pb is not gzipped" "starts with the gzip magic"
	else
		pass "raw .pb is not gzipped"
	fi
	go_pprof "go pprof reads raw .pb" "$TMP/simple.pb.raw" -raw "$TMP/simple.pb" &&
		cmp -s "$TMP/simple.pb.raw" "$TMP/simple.raw" && pass "raw and gzip pprof read the same" ||
		fail "raw and gzip pprof read the same" "-raw output differs"
fi

# A heap profile written by Go's runtime/pprof: decoded and re-encoded by singe, go tool pprof
# must see exactly the same profile.
if expect_exit "convert a Go heap profile" 0 "$SINGE" convert "$data/go_heap.pb.gz" -o "$TMP/go_heap.pb.gz"; then
	go tool pprof -raw "$data/go_heap.pb.gz" >"$TMP/go_heap.orig" 2>&1
	if go_pprof "go pprof -raw on singe's copy of a Go profile" "$TMP/go_heap.copy" -raw "$TMP/go_heap.pb.gz"; then
		cmp -s "$TMP/go_heap.orig" "$TMP/go_heap.copy" && pass "Go profile passes through singe" ||
			fail "Go profile passes through singe" "$(diff "$TMP/go_heap.orig" "$TMP/go_heap.copy" | head -4)"
	fi
fi
exit 0
