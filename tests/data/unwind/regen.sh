#!/usr/bin/env bash
# Regenerate the saved unwind snapshot replayed by tests/unit/test_unwind.c (needs root):
#   chain         the program (from chain.c: no libc, -O2 -fomit-frame-pointer, CFI only)
#   chain.maps    its /proc/PID/maps when sampled, with the directory replaced by @DIR@
#   chain.sample  one --unwind dwarf ring-buffer record (struct cpu_stack_sample + stack),
#                 the stack cut to its first KEEP bytes (the frames; not the environment)
#   chain.build-id  the build-id of chain the sample was taken from
# It records chain with `singe record --unwind dwarf` and SINGE_UNWIND_DUMP. Review the
# expected frames in test_unwind.c when chain.c changes.
#   OUTPUT=.output-me bash tests/data/unwind/regen.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."

OUTPUT=${OUTPUT:-.output}
SINGE=${SINGE:-$OUTPUT/singe-san}
KEEP=${KEEP:-1024}
dir=tests/data/unwind
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

${CC:-cc} -O2 -g -fomit-frame-pointer -fasynchronous-unwind-tables -fno-stack-protector \
	-fcf-protection=none -static -nostdlib -Wl,--build-id -o "$dir/chain" "$dir/chain.c"
SINGE_UNWIND_DUMP=$tmp "$SINGE" record -q --unwind dwarf -F 49 -d 1 -o "$tmp/chain.folded" \
	-- "$dir/chain" || true # chain gets SIGTERM when -d ends the recording first
[[ -f $tmp/sample-0.bin ]] || { echo "regen: no sample was dumped" >&2; exit 1; }

abs=$(cd "$dir" && pwd)
sed "s|$abs/|@DIR@/|" "$tmp/maps-0.txt" | grep -v '\[vvar\|\[vsyscall\]' >"$dir/chain.maps"
# header (32 bytes of ids and lengths + 17 registers = 168 bytes), then KEEP bytes of stack
len=$(od -An -tu4 -j20 -N4 "$tmp/sample-0.bin" | tr -d ' ')
if ((len < KEEP)); then KEEP=$len; fi
{
	head -c 20 "$tmp/sample-0.bin"
	printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((KEEP & 255)) $((KEEP >> 8 & 255)) \
		$((KEEP >> 16 & 255)) $((KEEP >> 24 & 255)))"
	printf '\x00\x00\x00\x00' # flags: the copy was not cut at --stack-size
	tail -c +29 "$tmp/sample-0.bin" | head -c $((168 - 28 + KEEP))
} >"$dir/chain.sample"
readelf -n "$dir/chain" | awk '/Build ID/ { print $3 }' >"$dir/chain.build-id"
echo "regen: $dir/chain.sample: $(stat -c %s "$dir/chain.sample") bytes, stack cut to $KEEP"
