#!/usr/bin/env bash
# Build the C example workloads into .output/examples/ (frame pointers kept, debug info on),
# and cpu_split a second time as cpu_split_nofp, with -O2 -fomit-frame-pointer, for the
# unwinding tests (frame-pointer walks break in it; DWARF unwinding must not), and
# short_lived a second time, static, for the short-lived process tests.
# usage: examples/c/build.sh [OUTPUT_DIR]
set -euo pipefail
out=${1:-$(dirname "$0")/../../.output/examples}
mkdir -p "$out"
out=$(cd "$out" && pwd) # relative to the caller's directory
cd "$(dirname "$0")"
self=$PWD/${0##*/}

# build SRC BIN FLAGS...: compile SRC into BIN when it is missing or older than its inputs
build() {
	local src=$1 bin=$2
	shift 2
	if [[ ! -x $bin || $src -nt $bin || $self -nt $bin ]]; then
		echo "  CC       $bin" >&2
		${CC:-cc} -O2 -g "$@" -pthread -Wall -Wextra -Werror -o "$bin" "$src"
	fi
}

for src in *.c; do
	build "$src" "$out/${src%.c}" -fno-omit-frame-pointer
done
build cpu_split.c "$out/cpu_split_nofp" -fomit-frame-pointer
# static: a program of a few milliseconds spends them in its own code, not in the loader
build short_lived.c "$out/short_lived_static" -fno-omit-frame-pointer -static
