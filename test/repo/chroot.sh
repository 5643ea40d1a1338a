#!/bin/bash
# Build, or reuse, a minimal chroot of a Debian suite with a compiler and
# the headers of one kernel: what "make kmod-deb" needs to build the
# prebuilt modules for a kernel the build machine does not run (the repo
# suite's trixie guest kernel on a bookworm host).
# Usage: test/repo/chroot.sh SUITE KVER   prints the chroot's directory
# Cached under ${MMAPDEV_CACHE:-/var/cache/mmapdev-ci}/repo/chroot-SUITE-KVER-HASH
# (the hash covers this recipe); progress goes to stderr.
set -euo pipefail
suite=${1:?usage: chroot.sh SUITE KVER}
kver=${2:?usage: chroot.sh SUITE KVER}
mirror=${MMAPDEV_MIRROR:-http://deb.debian.org/debian}
security=${MMAPDEV_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
cache=${MMAPDEV_CACHE:-/var/cache/mmapdev-ci}/repo
sources=("deb $mirror $suite main" "deb $security $suite-security main")
recipe=(--variant=minbase --mode=root --format=directory
	--include="make,gcc,libc6-dev,linux-headers-$kver"
	--dpkgopt='path-exclude=/usr/share/doc/*'
	--dpkgopt='path-exclude=/usr/share/man/*'
	--dpkgopt='path-exclude=/usr/share/locale/*'
	--dpkgopt='path-exclude=/lib/modules/*/kernel/*'
	--dpkgopt='path-exclude=/usr/lib/modules/*/kernel/*'
	"$suite")
key=$(printf '%s\n' "${recipe[@]}" "${sources[@]}" | sha256sum | cut -c1-10)
dir=$cache/chroot-$suite-$kver-$key
mkdir -p "$cache"
exec 9>"$cache/.chroot.lock"
flock 9
if [ ! -e "$dir/.complete" ]; then
	echo "# chroot: creating $dir" >&2
	rm -rf "$cache"/.chroot.new.*
	tmp=$(mktemp -d "$cache/.chroot.new.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	INITRD=No mmdebstrap --quiet "${recipe[@]}" "$tmp" "${sources[@]}" >&2
	touch "$tmp/.complete"
	# Older chroots of this suite are of no more use.
	find "$cache" -mindepth 1 -maxdepth 1 -name "chroot-$suite-*" -exec rm -rf {} +
	mv "$tmp" "$dir"
	trap - EXIT
fi
echo "$dir"
