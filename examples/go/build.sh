#!/usr/bin/env bash
# Build the Go examples with the local toolchain only (no network, no module downloads):
#   examples/go/build.sh OUTDIR [EXAMPLE...]      (default EXAMPLE: cpu)
# For each EXAMPLE it writes, in OUTDIR:
#   EXAMPLE                 normal build: .symtab, DWARF and .gopclntab
#   EXAMPLE-stripped        -ldflags='-s -w': only .gopclntab is left for symbolization
#   EXAMPLE-pie             -buildmode=pie (pclntab in .data.rel.ro.gopclntab)
#   EXAMPLE-pie-stripped    -buildmode=pie -ldflags='-s -w'
# The first PIE build compiles the standard library again (about 15 s); the Go build cache
# makes later ones fast. An example that uses cgo (import "C", as cgonet does) is linked to
# libc with CGO_ENABLED=1 and built as EXAMPLE and EXAMPLE-stripped only.
# NOPIE=1 skips the two PIE builds (tests that need only EXAMPLE and EXAMPLE-stripped).
# The toolchain is the first go on PATH: PATH=/usr/lib/go-1.22/bin:$PATH picks Go 1.22.
set -euo pipefail

if (($# < 1)); then
	echo "usage: $0 OUTDIR [EXAMPLE...]" >&2
	exit 2
fi
out=$1
shift
(($#)) || set -- cpu
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)

command -v go >/dev/null || { echo "$0: go not found" >&2; exit 127; }

# The go command needs a writable HOME (or GOCACHE): CI may run as root without one. Use a
# fixed directory rather than a fresh one so that the build cache survives between runs.
if [[ -z ${GOCACHE:-} && ( -z ${HOME:-} || ! -w ${HOME:-/nonexistent} ) ]]; then
	export HOME=${TMPDIR:-/tmp}/singe-go-home
	mkdir -p "$HOME"
fi
# Only the local toolchain, no network, no go.work or vendoring surprises from the caller.
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS= GO111MODULE=on GOWORK=off CGO_ENABLED=0

for ex in "$@"; do
	[[ -f $here/$ex/go.mod ]] || { echo "$0: no example $ex" >&2; exit 2; }
	(
		cd "$here/$ex"
		if grep -qs '^import "C"' ./*.go; then
			CGO_ENABLED=1 go build -o "$out/$ex" .
			CGO_ENABLED=1 go build -ldflags='-s -w' -o "$out/$ex-stripped" .
			exit 0
		fi
		go build -o "$out/$ex" .
		go build -ldflags='-s -w' -o "$out/$ex-stripped" .
		[[ ${NOPIE:-} == 1 ]] && exit 0
		go build -buildmode=pie -o "$out/$ex-pie" .
		go build -buildmode=pie -ldflags='-s -w' -o "$out/$ex-pie-stripped" .
	)
done
