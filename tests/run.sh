#!/usr/bin/env bash
# Run every test singe has and end with one line: "N passed, N failed, N skipped".
#  - cmocka unit tests (.output/tests/test_*), built with ASan + UBSan
#  - fuzz targets replaying their seed corpus, then fuzzing briefly (no crash allowed)
#  - integration scripts (tests/integration/test_*.sh), which print PASS/FAIL/SKIP lines
#  - the browser tests (headless chromium + playwright-core): flame graph, diff, pause timeline
# With CI=true a SKIP (missing privilege or tool) counts as a failure.
set -uo pipefail
cd "$(dirname "$0")/.."

OUTPUT=${OUTPUT:-.output}
FUZZ_SECONDS=${FUZZ_SECONDS:-5}
passed=0 failed=0 skipped=0
failures=()
log_dir=$OUTPUT/test-logs
mkdir -p "$log_dir"

record() { # record STATUS NAME
	case $1 in
	PASS) passed=$((passed + 1)) ;;
	SKIP)
		if [[ ${CI:-} == true ]]; then
			failed=$((failed + 1)); failures+=("$2 (skipped under CI)")
		else
			skipped=$((skipped + 1))
		fi ;;
	*) failed=$((failed + 1)); failures+=("$2") ;;
	esac
}

run_unit() {
	local bin=$1 name log out p f s
	name=$(basename "$bin")
	log=$log_dir/$name.log
	(cd tests && "../$bin") >"$log" 2>&1
	local rc=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	passed=$((passed + ${p:-0}))
	if [[ -n $f && $f != 0 ]]; then
		failed=$((failed + f)); failures+=("$name: $(grep -c '^\[  FAILED  \] ' "$log") failing, see $log")
	elif ((rc != 0)) || [[ -z $p ]]; then
		failed=$((failed + 1)); failures+=("$name: exit $rc, see $log")
	fi
	for ((i = 0; i < ${s:-0}; i++)); do record SKIP "$name"; done
	printf '  %-28s %s passed, %s failed\n' "$name" "${p:-0}" "${f:-0}"
}

run_fuzz() {
	local bin=$1 name corpus log
	name=$(basename "$bin")
	corpus=tests/fuzz/corpus/${name#fuzz_}
	log=$log_dir/$name.log
	mkdir -p "$OUTPUT/corpus/$name"
	if "$bin" -runs=0 "$corpus" >"$log" 2>&1 &&
		"$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
			"$OUTPUT/corpus/$name" "$corpus" >>"$log" 2>&1; then
		record PASS "$name"; printf '  %-28s corpus replayed, fuzzed %ss: no crash\n' "$name" "$FUZZ_SECONDS"
	else
		record FAIL "$name: crash, see $log"; printf '  %-28s FAILED, see %s\n' "$name" "$log"
	fi
}

run_script() { # run_script CMD... SCRIPT: it prints "PASS name", "FAIL name: why", "SKIP name: why"
	local script=${*: -1} name log status rest
	name=$(basename "$script")
	log=$log_dir/$name.log
	"$@" >"$log" 2>&1
	local rc=$? seen=0
	while read -r status rest; do
		case $status in
		PASS | FAIL | SKIP) record "$status" "$name: $rest"; seen=1
			[[ $status == PASS ]] || printf '  %-28s %s %s\n' "$name" "$status" "$rest" ;;
		esac
	done <"$log"
	if ((rc != 0 && rc != 77)) && ! grep -q '^FAIL' "$log"; then
		record FAIL "$name: exit $rc, see $log"
	elif ((!seen)); then
		record FAIL "$name: reported nothing, see $log"
	fi
	printf '  %-28s %s checks, see %s\n' "$name" "$(grep -c '^PASS' "$log")" "$log"
}

echo "unit tests"
for bin in "$OUTPUT"/tests/test_*; do [[ -x $bin ]] && run_unit "$bin"; done
echo "fuzz targets"
for bin in "$OUTPUT"/fuzz/fuzz_*; do [[ -x $bin ]] && run_fuzz "$bin"; done
echo "integration tests"
for script in tests/integration/test_*.sh; do [[ -f $script ]] && run_script bash "$script"; done
if [[ -f tests/browser/test_svg.mjs ]]; then
	echo "browser test"
	run_script node tests/browser/test_svg.mjs
fi
if [[ -f tests/browser/test_diff_svg.mjs ]]; then
	echo "browser test (diff SVG)"
	run_script node tests/browser/test_diff_svg.mjs
fi
if [[ -f tests/browser/test_timeline.mjs ]]; then
	echo "browser test (pause timeline)"
	run_script node tests/browser/test_timeline.mjs
fi

for f in "${failures[@]}"; do echo "FAILED: $f"; done
line="$passed passed, $failed failed"
((skipped)) && line+=", $skipped skipped"
echo "$line"
((failed == 0))
