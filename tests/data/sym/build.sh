#!/bin/sh
# Build the symbolizer test fixtures into OUT (the unit tests call this with a temp dir):
#   fixture            PIE with DWARF, linked to libfixture.so (rpath OUT)
#   libfixture.so      shared library with DWARF (GNU ld)
#   libfixture_lld.so  the same built with lld when there is one: its code segment has
#                      p_vaddr != p_offset (otherwise a copy of libfixture.so)
#   fixture.debug      the debug part of fixture (objcopy --only-keep-debug)
#   fixture.linked     fixture stripped of everything, with a .gnu_debuglink to fixture.debug
#   fixture.stripped   fixture stripped of everything, no debuglink
#   buildid/.build-id/xx/yyyy.debug   fixture.debug under its build-id
set -eu
src=$(cd "$(dirname "$0")" && pwd)
out=$1
cc=${CC:-cc}
$cc -g -O2 -fPIC -shared -o "$out/libfixture.so" "$src/fixture_lib.c"
if command -v ld.lld >/dev/null 2>&1; then
	$cc -g -O2 -fPIC -shared -fuse-ld=lld -o "$out/libfixture_lld.so" "$src/fixture_lib.c"
else
	cp "$out/libfixture.so" "$out/libfixture_lld.so"
fi
$cc -g -O2 -o "$out/fixture" "$src/fixture.c" -L"$out" -lfixture -Wl,-rpath,"$out"
objcopy --only-keep-debug "$out/fixture" "$out/fixture.debug"
objcopy --strip-all "$out/fixture" "$out/fixture.stripped"
objcopy --add-gnu-debuglink="$out/fixture.debug" "$out/fixture.stripped" "$out/fixture.linked"
id=$(readelf -n "$out/fixture" | sed -n 's/.*Build ID: *\([0-9a-f]*\).*/\1/p')
dir=$(printf %s "$id" | cut -c1-2)
rest=$(printf %s "$id" | cut -c3-)
mkdir -p "$out/buildid/.build-id/$dir"
cp "$out/fixture.debug" "$out/buildid/.build-id/$dir/$rest.debug"
