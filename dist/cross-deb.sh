#!/bin/bash
# The architecture-dependent package, mmapdev-tests, for another Debian
# architecture (make deb-cross DEB_ARCH=arm64): dpkg-buildpackage -aARCH -B
# in a chroot of the current stable release with Debian's cross-build
# essentials and that architecture's C library (Multi-Arch), the way
# Debian's cross builds are done; the build machine's own dpkg and apt are
# not touched (no dpkg --add-architecture on it). The chroot is cached under
# $MMAPDEV_CACHE/cross/ (keyed by architecture, suite and this recipe; a
# lock per architecture and suite).
#
# Usage: dist/cross-deb.sh ARCH OUTDIR
#   CROSS_SUITE=SUITE   the chroot's release (default trixie), the one the
#                       package is for
# Run from the top of the tree. Writes OUTDIR/mmapdev-tests_*_ARCH.deb and
# the .changes and .buildinfo, and prints the path of the .deb. The
# chroot's path is in OUTDIR/chroot (its C library serves guests of ARCH).
set -euo pipefail
arch=${1:?usage: cross-deb.sh ARCH OUTDIR}
out=${2:?usage: cross-deb.sh ARCH OUTDIR}
suite=${CROSS_SUITE:-trixie}
mirror=${MMAPDEV_MIRROR:-http://deb.debian.org/debian}
cache=${MMAPDEV_CACHE:-/var/cache/mmapdev-ci}/cross

test/lib/deps.sh mmdebstrap lintian
recipe=(--variant=minbase --mode=root --format=directory --architectures="amd64,$arch"
	--include="build-essential,crossbuild-essential-$arch,libc6-dev:$arch,debhelper,dh-dkms"
	--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*'
	--dpkgopt='path-exclude=/usr/share/locale/*' "$suite")
key=$(printf '%s\n' "${recipe[@]}" "$mirror" | sha256sum | cut -c1-10)
root=$cache/$arch-$suite-$key
mkdir -p "$cache"
(
	exec {lock}> "$cache/.lock-$arch-$suite"
	flock "$lock"
	[ -e "$root/.complete" ] && exit 0
	tmp=$(mktemp -d "$cache/.new.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	echo "cross-deb: creating a $suite chroot that cross-builds for $arch" >&2
	mmdebstrap --quiet "${recipe[@]}" "$tmp" "deb $mirror $suite main" >&2
	touch "$tmp/.complete"
	# Chroots of an older recipe for this architecture are stale now.
	find "$cache" -mindepth 1 -maxdepth 1 -name "$arch-$suite-*" -exec rm -rf {} +
	mv "$tmp" "$root"
	trap - EXIT
)

# The source tree as make deb-build copies it: the files git knows.
work=$(mktemp -d "$root/tmp/mmapdev-cross.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/src"
if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard |
		tar --null -T - --ignore-failed-read -cf - 2> /dev/null | tar -C "$work/src" -xf -
else
	tar --exclude=./build --exclude=./.git -cf - . | tar -C "$work/src" -xf -
fi
inner=${work#"$root"}
# Binary-arch only (-B): mmapdev-dkms is Architecture: all.
if ! chroot "$root" sh -c "cd '$inner/src' && dpkg-buildpackage -us -uc -B -a'$arch'" \
	> "$work/build.log" 2>&1; then
	tail -n 40 "$work/build.log" >&2
	echo "cross-deb: dpkg-buildpackage -a$arch failed" >&2
	exit 1
fi
mkdir -p "$out"
rm -f "$out"/mmapdev*_"$arch".*
mv "$work"/mmapdev-tests_*_"$arch".deb "$work"/mmapdev_*_"$arch".changes \
	"$work"/mmapdev_*_"$arch".buildinfo "$out/"
echo "$root" > "$out/chroot"
ls "$out"/mmapdev-tests_*_"$arch".deb
