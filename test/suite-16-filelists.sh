#!/bin/bash
# The Debian and the RPM packages install the same files to the same places.
# Both are built from this tree; their file lists (dpkg -c, rpm -qlp) are
# compared after removing the known, listed distribution differences:
#   - documentation and licence files: each distribution's own layout
#     (/usr/share/doc/PKG vs /usr/share/doc/PKG-VERSION, /usr/share/licenses);
#   - Debian-only: lintian overrides; RPM-only: /usr/lib/.build-id links;
#   - bookworm's debhelper installs udev rules in /lib/udev/rules.d, which is
#     /usr/lib/udev/rules.d on a merged-/usr system (every bookworm install);
#   - man pages: Debian compresses them; Debian's rpm does not (brp-compress
#     does that on the distributions that use RPM).
# Directories are not compared, only files and links.
set -euo pipefail
cd "$(dirname "$0")/.."

test/lib/deps.sh build-essential dpkg-dev debhelper dh-dkms rpm >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! make --no-print-directory deb-build DEB_OUT="$work/deb" >"$work/deb.log" 2>&1; then
	echo "not ok - Debian packages build for the comparison"
	tail -n 20 "$work/deb.log" | sed 's/^/# /'
	exit 1
fi
if ! make --no-print-directory rpm-build RPM_OUT="$work/rpm" >"$work/rpm.log" 2>&1; then
	echo "not ok - RPM packages build for the comparison"
	tail -n 20 "$work/rpm.log" | sed 's/^/# /'
	exit 1
fi

normalise() {
	sed -E -e 's|^/lib/udev/|/usr/lib/udev/|' -e 's|(/usr/share/man/.*)\.gz$|\1|' |
		grep -vE '^/usr/share/(doc|licenses|lintian)/|^/usr/lib/\.build-id(/|$)' | sort
}

for pkg in mmapdev-dkms mmapdev-tests; do
	for deb in "$work"/deb/"${pkg}"_*.deb; do
		dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $6 }' | sed 's|^\.||'
	done | normalise >"$work/$pkg.deb.list"
	# rpm -ql lists directories too: keep what the deb side could list as a file.
	rpm -qlvp --nodigest --nosignature "$work"/rpm/"$pkg"-[0-9]*.rpm 2>/dev/null |
		awk '$1 !~ /^d/ { print ($(NF - 1) == "->" ? $(NF - 2) : $NF) }' | normalise >"$work/$pkg.rpm.list"
	if diff -u "$work/$pkg.deb.list" "$work/$pkg.rpm.list" >"$work/$pkg.diff"; then
		echo "ok - $pkg: the .deb and the .rpm install the same $(wc -l <"$work/$pkg.deb.list") files"
	else
		echo "not ok - $pkg: the .deb (-) and the .rpm (+) install different files"
		sed 's/^/# /' "$work/$pkg.diff"
	fi
done
