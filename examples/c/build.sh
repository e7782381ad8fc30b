#!/usr/bin/env bash
# Build the C example workloads into .output/examples/ (frame pointers kept, debug info on).
# usage: examples/c/build.sh [OUTPUT_DIR]
set -euo pipefail
cd "$(dirname "$0")"
out=${1:-../../.output/examples}
mkdir -p "$out"
for src in *.c; do
	bin=$out/${src%.c}
	if [[ ! -x $bin || $src -nt $bin || $0 -nt $bin ]]; then
		echo "  CC       $bin" >&2
		${CC:-cc} -O2 -g -fno-omit-frame-pointer -pthread -Wall -Wextra -Werror -o "$bin" "$src"
	fi
done
