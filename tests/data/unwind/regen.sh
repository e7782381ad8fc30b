#!/usr/bin/env bash
# Regenerate the saved unwind snapshots replayed by tests/unit/test_unwind.c (needs root):
#   NAME            the program (chain.c: no libc, -O2 -fomit-frame-pointer, CFI only;
#                   mixed.c: no libc, functions with CFI only and with frame pointers only)
#   NAME.maps       its /proc/PID/maps when sampled, with the directory replaced by @DIR@
#   NAME.sample     one --unwind dwarf ring-buffer record (struct stack_sample of bpf/common.h + stack),
#                   the stack cut to its first KEEP bytes (the frames; not the environment)
#   NAME.build-id   the build-id of NAME the sample was taken from
# It records NAME with `singe record --unwind dwarf` and SINGE_UNWIND_DUMP. Review the
# expected frames in test_unwind.c when a program changes.
#   OUTPUT=.output-me bash tests/data/unwind/regen.sh [chain] [mixed]   (default: both)
set -euo pipefail
cd "$(dirname "$0")/../../.."

OUTPUT=${OUTPUT:-.output}
SINGE=${SINGE:-$OUTPUT/singe-san}
KEEP=${KEEP:-1024}
dir=tests/data/unwind
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common=(-O2 -g -fno-stack-protector -fcf-protection=none -static -nostdlib -Wl,--build-id)

build() {
	case $1 in
	chain)
		${CC:-cc} "${common[@]}" -fomit-frame-pointer -fasynchronous-unwind-tables \
			-o "$dir/chain" "$dir/chain.c"
		;;
	mixed)
		${CC:-cc} -O2 -g -fno-stack-protector -fcf-protection=none -c -DPART_FP \
			-fno-omit-frame-pointer -fno-asynchronous-unwind-tables -fno-unwind-tables \
			-o "$tmp/mixed-fp.o" "$dir/mixed.c"
		# -g alone emits .debug_frame where there is no .eh_frame: no CFI at all here
		objcopy --remove-section=.debug_frame "$tmp/mixed-fp.o"
		${CC:-cc} -O2 -g -fno-stack-protector -fcf-protection=none -c \
			-fomit-frame-pointer -fasynchronous-unwind-tables -o "$tmp/mixed-cfi.o" "$dir/mixed.c"
		${CC:-cc} "${common[@]}" -o "$dir/mixed" "$tmp/mixed-fp.o" "$tmp/mixed-cfi.o"
		;;
	*)
		echo "regen: no program $1 (chain, mixed)" >&2
		exit 2
		;;
	esac
}

snapshot() {
	local name=$1 keep=$KEEP len abs
	rm -f "$tmp"/sample-* "$tmp"/maps-*
	build "$name"
	SINGE_UNWIND_DUMP=$tmp "$SINGE" record -q --unwind dwarf -F 49 -d 1 -o "$tmp/$name.folded" \
		-- "$dir/$name" || true # NAME gets SIGTERM when -d ends the recording first
	[[ -f $tmp/sample-0.bin ]] || { echo "regen: no sample of $name was dumped" >&2; exit 1; }
	abs=$(cd "$dir" && pwd)
	sed "s|$abs/|@DIR@/|" "$tmp/maps-0.txt" | grep -v '\[vvar\|\[vsyscall\]' >"$dir/$name.maps"
	# header (32 bytes of ids and lengths + 17 registers = 168 bytes), then KEEP bytes of stack
	len=$(od -An -tu4 -j20 -N4 "$tmp/sample-0.bin" | tr -d ' ')
	if ((len < keep)); then keep=$len; fi
	{
		head -c 20 "$tmp/sample-0.bin"
		printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((keep & 255)) $((keep >> 8 & 255)) \
			$((keep >> 16 & 255)) $((keep >> 24 & 255)))"
		printf '\x00\x00\x00\x00' # flags: the copy was not cut at --stack-size
		tail -c +29 "$tmp/sample-0.bin" | head -c $((168 - 28 + keep))
	} >"$dir/$name.sample"
	readelf -n "$dir/$name" | awk '/Build ID/ { print $3 }' >"$dir/$name.build-id"
	echo "regen: $dir/$name.sample: $(stat -c %s "$dir/$name.sample") bytes, stack cut to $keep"
}

(($#)) || set -- chain mixed
for name in "$@"; do
	snapshot "$name"
done
