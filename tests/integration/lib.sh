# Helpers for integration scripts. Each check prints one line the runner counts:
#   PASS name | FAIL name: why | SKIP name: why
# Source it from a test_*.sh; run from the repository root.

SINGE=${SINGE:-${OUTPUT:-.output}/singe-san}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/singe-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "SKIP $1: $2"; }

# expect_exit NAME CODE CMD...: run CMD, check its exit code; stderr kept in $TMP/stderr
expect_exit() {
	local name=$1 want=$2 got
	shift 2
	"$@" >"$TMP/stdout" 2>"$TMP/stderr"
	got=$?
	if [[ $got == "$want" ]]; then
		pass "$name"
	else
		fail "$name" "exit $got, wanted $want: $(head -c 300 "$TMP/stderr")"
	fi
	[[ $got == "$want" ]]
}

# stderr_one_line NAME PATTERN: the last command printed exactly one stderr line matching PATTERN
stderr_one_line() {
	local name=$1 pattern=$2 lines
	lines=$(wc -l <"$TMP/stderr")
	if [[ $lines == 1 ]] && grep -Eq -- "$pattern" "$TMP/stderr"; then
		pass "$name"
	else
		fail "$name" "stderr was ($lines lines): $(head -c 300 "$TMP/stderr")"
	fi
}

# check NAME CMD...: PASS if CMD succeeds
check() {
	local name=$1
	shift
	if "$@" >"$TMP/check.out" 2>&1; then
		pass "$name"
	else
		fail "$name" "$(head -c 300 "$TMP/check.out")"
	fi
}

# record_setup WHAT: the set-up of a test that records: root and BTF (else one SKIP line and
# exit 0), the C examples built (else one FAIL line and exit 1), SPLIT, and PIDS: processes the
# test started, killed at exit.
record_setup() {
	if ((EUID != 0)); then
		skip "$1" "need root to load BPF programs (run: sudo make test)"
		exit 0
	fi
	if [[ ! -r /sys/kernel/btf/vmlinux ]]; then
		skip "$1" "the kernel has no BTF (/sys/kernel/btf/vmlinux)"
		exit 0
	fi
	if ! examples/c/build.sh >"$TMP/build.log" 2>&1; then
		fail "build examples/c" "$(head -c 300 "$TMP/build.log")"
		exit 1
	fi
	SPLIT=.output/examples/cpu_split
	PIDS=()
	trap 'kill "${PIDS[@]}" 2>/dev/null; rm -rf "$TMP"' EXIT
}

# wait_recording LOG: until singe -v says sampling started (its start-up is slow under ASan)
wait_recording() {
	local i
	for ((i = 0; i < 200; i++)); do
		grep -q 'recording with' "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# find_pythons: the CPython interpreters the Python tests run, into the array pythons:
# Debian's /usr/bin/python3.11 (USDT probes) and the pyenv python3 first on PATH (none); FAIL and
# return 1 when either is missing
find_pythons() {
	local pyenv
	pythons=()
	[[ -x /usr/bin/python3.11 ]] && pythons+=(/usr/bin/python3.11)
	pyenv=$(command -v python3 2>/dev/null) && pyenv=$("$pyenv" -c 'import sys; print(sys.executable)' 2>/dev/null)
	[[ -n $pyenv && $pyenv != /usr/bin/* ]] && pythons+=("$pyenv")
	if ((${#pythons[@]} < 2)); then
		fail "CPython interpreters" "want /usr/bin/python3.11 and a pyenv python3 first on PATH, have: ${pythons[*]}"
		return 1
	fi
}
