#!/usr/bin/env bash
# `singe record` refusals, each one line and exit 2 before anything is loaded or written:
# missing capabilities (named one by one), a kernel without BTF, kernel lockdown. The last two
# cannot be produced on a test machine, so they read a made-up kernel tree (SINGE_SYSROOT).
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh

if [[ $(id -u) != 0 ]]; then
	skip "preflight" "needs root (setpriv drops to other users and capability sets)"
	exit 0
fi
singe_abs=$(realpath "$SINGE")
out=/tmp/singe-preflight-$$.pb.gz

# nothing_written NAME: the refused command left no output or temporary file
nothing_written() {
	if ! ls "$out"* >/dev/null 2>&1; then pass "$1: nothing written"; else
		fail "$1: nothing written" "$(ls "$out"*)"; rm -f "$out"*; fi
}

as_nobody_with() { # as_nobody_with CAPS CMD...: run as nobody with the ambient capabilities CAPS
	local caps=$1
	shift
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps="$caps" --ambient-caps="$caps" "$@"
}

expect_exit "missing CAP_PERFMON exits 2" 2 as_nobody_with +bpf "$singe_abs" record -p 1 -d 1 -o "$out"
stderr_one_line "missing CAP_PERFMON is named" \
	'^singe: recording needs root, or the capabilities CAP_BPF and CAP_PERFMON \(missing: CAP_PERFMON\); run it with sudo$'
nothing_written "missing CAP_PERFMON"

expect_exit "missing CAP_BPF exits 2" 2 as_nobody_with +perfmon "$singe_abs" record -p 1 -d 1 -o "$out"
stderr_one_line "missing CAP_BPF is named" '\(missing: CAP_BPF\); run it with sudo$'
nothing_written "missing CAP_BPF"

# root in a container that dropped the capabilities from its bounding set
expect_exit "root without the capabilities exits 2" 2 setpriv --inh-caps=-all \
	--bounding-set=-sys_admin,-bpf,-perfmon "$singe_abs" record -p 1 -d 1 -o "$out"
stderr_one_line "root without the capabilities says so" \
	'^singe: running as root but without CAP_BPF and CAP_PERFMON .*--cap-add BPF --cap-add PERFMON$'
nothing_written "root without the capabilities"

sysroot=$TMP/kernel
mkdir -p "$sysroot"
expect_exit "kernel without BTF exits 2" 2 env SINGE_SYSROOT="$sysroot" \
	"$SINGE" record -p $$ -d 1 -o "$out"
stderr_one_line "kernel without BTF message" \
	'^singe: the kernel has no BTF type information \(.*/sys/kernel/btf/vmlinux: No such file or directory\); singe needs a kernel built with CONFIG_DEBUG_INFO_BTF=y$'
nothing_written "kernel without BTF"

mkdir -p "$sysroot/sys/kernel/btf" "$sysroot/sys/kernel/security"
cp /sys/kernel/btf/vmlinux "$sysroot/sys/kernel/btf/vmlinux"
echo 'none integrity [confidentiality]' >"$sysroot/sys/kernel/security/lockdown"
expect_exit "lockdown=confidentiality exits 2" 2 env SINGE_SYSROOT="$sysroot" \
	"$SINGE" record -p $$ -d 1 -o "$out"
stderr_one_line "lockdown message" \
	"^singe: kernel lockdown is 'confidentiality', which forbids BPF programs from reading kernel memory; boot with lockdown=integrity to profile$"
nothing_written "lockdown"

# the same tree with lockdown=integrity is no reason to refuse: the recording runs
echo 'none [integrity] confidentiality' >"$sysroot/sys/kernel/security/lockdown"
expect_exit "lockdown=integrity records" 0 env SINGE_SYSROOT="$sysroot" \
	"$SINGE" record -q -p $$ -d 1 -o "$out"
rm -f "$out"
