#!/bin/bash
# Build, or reuse from the cache, the sanitizer debug kernel (KASAN, kmemleak,
# lockdep, DEBUG_VM, DEBUG_PAGEALLOC, ...) from Debian's linux-source-6.12:
# `make tinyconfig` + test/sanitizer/debug.config, checked option by option.
#
# stdout: exactly two lines, everything else goes to stderr:
#   kernel: PATH   the bootable bzImage
#   build: PATH    a tree for out-of-tree modules: make -C PATH M=DIR modules
#
# Cache: ${MMAPDEV_CACHE:-/var/cache/mmapdev-ci}/sanitizer-kernel/KEY/, where
# KEY hashes the linux-source package version, the compiler version, the
# config fragment and this script. A build runs in a temporary directory
# beside it and is renamed into place only when complete, so a killed build
# leaves nothing that is trusted later. Builds are serialised with flock.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
fragment=$here/debug.config
script=$here/$(basename "${BASH_SOURCE[0]}")
pkg=linux-source-6.12
tarball=/usr/src/$pkg.tar.xz
cache=${MMAPDEV_CACHE:-/var/cache/mmapdev-ci}/sanitizer-kernel
jobs=$(nproc)

log() { printf 'sanitizer-kernel: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Which lines of the fragment does CONFIG (a .config) not honour? Prints
# one line per mismatch and fails if there is any.
check_config() {
	local config=$1 line opt want have bad=0
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			opt=${line%%=*}
			want=${line#*=}
			have=$(grep -m1 "^$opt=" "$config" | cut -d= -f2-) || have=
			if [ -z "$have" ]; then
				log "  $opt: wanted $want, but it is not set (a dependency is missing?)"
				bad=1
			elif [ "$have" != "$want" ]; then
				log "  $opt: wanted $want, got $have"
				bad=1
			fi
			;;
		'# CONFIG_'*' is not set')
			opt=${line#\# }
			opt=${opt%% *}
			if have=$(grep -m1 "^$opt=" "$config"); then
				log "  $opt: wanted it unset, got ${have#*=} (selected by another option?)"
				bad=1
			fi
			;;
		esac
	done <"$fragment"
	return "$bad"
}

print_result() {
	printf 'kernel: %s\nbuild: %s\n' "$1/bzImage" "$1/build"
}

"$repo/test/lib/deps.sh" "$pkg" build-essential bc bison flex libelf-dev \
	libssl-dev cpio xz-utils python3 kmod
[ -r "$tarball" ] || die "$tarball missing although $pkg is installed"

pkgver=$(dpkg-query -W -f '${Version}' "$pkg")
ccver=$(gcc --version | head -n1)
key=$({
	echo "$pkg $pkgver"
	echo "$ccver"
	sha256sum <"$fragment"
	sha256sum <"$script"
} | sha256sum | cut -c1-16)
final=$cache/$key

if [ -f "$final/bzImage" ] && [ -d "$final/build" ]; then
	log "reusing $final"
	print_result "$final"
	exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/.lock"
if ! flock -n 9; then
	log "another build holds $cache/.lock; waiting for it"
	flock 9
fi
# The build we waited for may have been this one.
if [ -f "$final/bzImage" ] && [ -d "$final/build" ]; then
	log "reusing $final (built meanwhile)"
	print_result "$final"
	exit 0
fi
# Leftovers of killed builds: only lock holders create them, so none is live.
rm -rf "$cache"/.tmp-*

umask 022
tmp=$(mktemp -d "$cache/.tmp-$key-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
src=$tmp/src
out=$tmp/out
buildlog=$out/build.log
mkdir -p "$src" "$out"
: >"$buildlog"

start=$SECONDS
step() {
	log "[$((SECONDS - start))s] $*"
}
run() {
	if ! "$@" >>"$buildlog" 2>&1; then
		tail -n 40 "$buildlog" >&2
		cp "$buildlog" "$cache/last-failed-build.log"
		die "failed: $* (full log: $cache/last-failed-build.log)"
	fi
}
# ARCH=x86_64, not the default x86: with x86, allnoconfig starts from a
# 32-bit kernel and 32-bit answers (FRAME_WARN=1024, ...) survive the switch.
kmake() { run make -C "$src" ARCH=x86_64 "$@"; }

log "building $pkg $pkgver with $ccver into $final (key $key); a cold build takes ~7 min on 2 cores"
step "unpacking $tarball"
tar -xJf "$tarball" -C "$src" --strip-components=1

step "configuring: tinyconfig + $(basename "$fragment")"
kmake tinyconfig
(cd "$src" && run scripts/kconfig/merge_config.sh -m .config "$fragment")
kmake olddefconfig
if ! check_config "$src/.config"; then
	cp "$src/.config" "$cache/last-failed.config"
	die "Kconfig dropped or changed options of $fragment (see above; .config kept as $cache/last-failed.config)"
fi
step "all $(grep -c '^CONFIG_\|^# CONFIG_.* is not set' "$fragment") options of the fragment hold in .config"

step "make -j$jobs (bzImage, modules, Module.symvers); log: $buildlog"
kmake -j"$jobs" all
kmake modules_prepare

step "collecting the results"
cp "$src/arch/x86/boot/bzImage" "$src/System.map" "$out/"
cp "$src/.config" "$out/config"
# The tree for out-of-tree modules: what the kernel's own deb-pkg puts in a
# linux-headers package (Makefiles, include/, generated headers, scripts/,
# objtool, Module.symvers), without any .o or .cmd file, so it holds no
# absolute path and works after the rename. Plus .config and System.map.
(cd "$src" && run env srctree=. SRCARCH=x86 CC=gcc HOSTCC=gcc MAKE=make \
	scripts/package/install-extmod-build "$out/build")
cp "$src/.config" "$src/System.map" "$out/build/"
{
	echo "key: $key"
	echo "package: $pkg $pkgver"
	echo "compiler: $ccver"
	echo "fragment: $fragment ($(sha256sum <"$fragment" | cut -c1-64))"
	echo "script: $script ($(sha256sum <"$script" | cut -c1-64))"
	echo "kernelrelease: $(cat "$src/include/config/kernel.release")"
	echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) in $((SECONDS - start)) s"
} >"$out/info"

rm -rf "$final"
mv -T "$out" "$final"
rm -f "$cache/last-failed-build.log" "$cache/last-failed.config"
step "done: $final ($(du -sh "$final" | cut -f1))"
print_result "$final"
