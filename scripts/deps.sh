#!/usr/bin/env bash
# Install the Debian (and npm) packages singe's build, tests, examples and benchmarks need.
# graphviz sits next to Go: `go tool pprof -http` draws its graph view with dot.
# Idempotent: installs only what is missing. Run as root (make deps calls it).
set -euo pipefail

packages=(
	make gcc clang llvm lld binutils pkg-config
	libbpf-dev libelf-dev libdw-dev zlib1g-dev libcmocka-dev bpftool
	libclang-rt-14-dev
	python3.11
	bc golang-go graphviz jq libxml2-utils linux-perf hyperfine valgrind time
	chromium nodejs
	openjdk-17-jdk-headless
)

# Go 1.21, 1.22 and 1.23 (for the runtime changes singe's Go support must follow) come from
# Debian's bookworm-backports suite: one sources file on the mirror and keyring the machine's
# own Debian sources already use. Debian 12's golang-go is 1.19.
backports_sources=/etc/apt/sources.list.d/singe-bookworm-backports.sources
go_backports=(golang-1.21-go golang-1.22-go golang-1.23-go)
packages+=("${go_backports[@]}")

# The mirror URI and keyring of the first deb stanza in debian.sources (deb.debian.org
# when that file is absent).
debian_mirror() {
	local f=/etc/apt/sources.list.d/debian.sources uri= key=
	if [[ -r $f ]]; then
		uri=$(awk '/^URIs:/ { print $2; exit }' "$f")
		key=$(awk '/^Signed-By:/ { print $2; exit }' "$f")
	fi
	echo "${uri:-http://deb.debian.org/debian} ${key:-/usr/share/keyrings/debian-archive-keyring.gpg}"
}

add_backports() {
	local uri key
	[[ -f $backports_sources ]] && return 0
	read -r uri key < <(debian_mirror)
	printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: %s\n' \
		"$uri" "$key" >"$backports_sources"
}

missing=()
for pkg in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	[[ $status == "install ok installed" ]] || missing+=("$pkg")
done

# Debian's npm conflicts with nodesource's nodejs, which ships npm itself.
command -v npm >/dev/null || missing+=(npm)

if ((${#missing[@]})); then
	if ((EUID != 0)); then
		echo "singe: missing packages: ${missing[*]}; run 'sudo make deps' to install them" >&2
		exit 2
	fi
	echo "singe: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	add_backports
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The browser test drives Debian's chromium through playwright-core (no browser download).
browser_dir=$(dirname "$0")/../tests/browser
if [[ -f $browser_dir/package.json && (! -d $browser_dir/node_modules/playwright-core || ! -d $browser_dir/node_modules/pprof-format) ]]; then
	echo "singe: installing playwright-core and pprof-format for the browser and pprof reader tests" >&2
	(cd "$browser_dir" && npm ci --silent --no-audit --no-fund >/dev/null)
fi
exit 0
