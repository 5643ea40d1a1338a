#!/bin/bash
# Prebuilt modules for one kernel, as Debian binary packages (make kmod-deb):
#   mmapdev-modules-KVER_VERSION_ARCH.deb
#       kmmap.ko and vmmap.ko built for exactly kernel KVER, in
#       /lib/modules/KVER/updates/mmapdev/ (stripped; signed when SIGN_KEY
#       and SIGN_CERT are given). Depends: linux-image-KVER and
#       mmapdev-modules-common; Provides: mmapdev-modules (= VERSION), which
#       mmapdev-tests accepts instead of mmapdev-dkms; Conflicts: mmapdev-dkms
#       (one source of modules per system, as with Debian's prebuilt module
#       packages). Its scripts run depmod -a KVER and, when KVER is the
#       running kernel, load the modules. No compiler, no headers, no DKMS
#       needed on the target.
#   mmapdev-modules-common_VERSION_all.deb
#       what the modules need besides themselves, the same files
#       mmapdev-dkms ships: the udev rule, sysusers.d (the group mmapdev),
#       modules-load.d and mmapdev-setup (loads the modules, applies the
#       rule). A package of its own so that the module packages of several
#       kernels install side by side (a fleet's kernel upgrade); it conflicts
#       with mmapdev-dkms, whose files these are too.
#
# Usage: dist/kmod-deb.sh KVER OUTDIR
#   KDIR=DIR         the kernel's build tree (default /lib/modules/KVER/build)
#   KMOD_CHROOT=DIR  build (and sign) inside this chroot, whose
#                    /lib/modules/KVER/build has the headers: a kernel of
#                    another Debian release than the build machine's
#   SIGN_KEY=FILE SIGN_CERT=FILE   sign the modules (scripts/sign-file,
#                    sha256) with the fleet's Secure Boot/MOK key
# Run from the top of the tree. Prints the two package files.
set -euo pipefail
kver=${1:?usage: kmod-deb.sh KVER OUTDIR}
out=${2:?usage: kmod-deb.sh KVER OUTDIR}
kdir=${KDIR:-/lib/modules/$kver/build}
root=${KMOD_CHROOT:-}
in_root() { if [ -n "$root" ]; then chroot "$root" "$@"; else "$@"; fi; }

version=$(dpkg-parsechangelog -l debian/changelog -S Version)
upstream=$(cat VERSION)
[ "${version%-*}" = "$upstream" ] || { echo "kmod-deb: VERSION $upstream but debian/changelog $version" >&2; exit 1; }
maintainer=$(sed -n 's/^Maintainer: //p' debian/control)
epoch=$(dpkg-parsechangelog -l debian/changelog -S Timestamp)
export SOURCE_DATE_EPOCH=$epoch
if [ -n "${SIGN_KEY:-}${SIGN_CERT:-}" ] && { [ ! -r "${SIGN_KEY:-}" ] || [ ! -r "${SIGN_CERT:-}" ]; }; then
	echo "kmod-deb: SIGN_KEY and SIGN_CERT must both name readable files" >&2
	exit 1
fi
in_root test -e "$kdir/Makefile" || {
	echo "kmod-deb: no kernel build tree $kdir${root:+ in $root} (install linux-headers-$kver)" >&2
	exit 1
}
arch=$(in_root dpkg --print-architecture)

# --- build (in a scratch directory, inside the chroot when there is one) ----
work=$(mktemp -d "${root:-}/tmp/mmapdev-kmod.XXXXXX")
trap 'rm -rf "$work"' EXIT
inner=${work#"$root"}
cp -r src "$work/src"
cp VERSION "$work/VERSION"
rm -f "$work"/src/*.o "$work"/src/*.ko "$work/src/compat_probes.h"
in_root make -s -C "$kdir" M="$inner/src" modules >&2
for m in kmmap vmmap; do
	[ "$(modinfo -F vermagic "$work/src/$m.ko" | cut -d' ' -f1)" = "$kver" ] || {
		echo "kmod-deb: $m.ko was not built for $kver" >&2
		exit 1
	}
	[ "$(modinfo -F version "$work/src/$m.ko")" = "$upstream" ] || {
		echo "kmod-deb: $m.ko does not say version $upstream" >&2
		exit 1
	}
	strip --strip-debug "$work/src/$m.ko"
done
if [ -n "${SIGN_KEY:-}" ]; then
	cp "$SIGN_KEY" "$work/sign.key"
	cp "$SIGN_CERT" "$work/sign.crt"
	for m in kmmap vmmap; do
		in_root "$kdir/scripts/sign-file" sha256 "$inner/sign.key" "$inner/sign.crt" "$inner/src/$m.ko"
	done
	rm -f "$work/sign.key"
fi

# --- the packages -------------------------------------------------------------
mkdir -p "$out"
pkg=mmapdev-modules-$kver
tree=$work/$pkg
mkdir -p "$tree/DEBIAN" "$tree/lib/modules/$kver/updates/mmapdev" "$tree/usr/share/doc/$pkg"
install -m 0644 "$work/src/kmmap.ko" "$work/src/vmmap.ko" "$tree/lib/modules/$kver/updates/mmapdev/"
install -m 0644 debian/copyright "$tree/usr/share/doc/$pkg/copyright"
signed=unsigned
[ -z "${SIGN_KEY:-}" ] || signed="signed with $(openssl x509 -noout -subject -in "$SIGN_CERT" | sed 's/^subject= *//')"
cat >"$tree/DEBIAN/control" <<CONTROL
Package: $pkg
Source: mmapdev
Version: $version
Architecture: $arch
Maintainer: $maintainer
Section: kernel
Priority: optional
Depends: linux-image-$kver, kmod, mmapdev-modules-common (= $version)
Provides: mmapdev-modules (= $version)
Conflicts: mmapdev-dkms
Description: mmapdev kernel modules (kmmap, vmmap) prebuilt for Linux $kver
 The kmmap and vmmap modules of mmapdev $upstream built for exactly the
 kernel $kver ($signed): /dev/kmmap and /dev/vmmap without a compiler,
 kernel headers or DKMS on this system. Installs in place of mmapdev-dkms.
CONTROL
cat >"$tree/DEBIAN/postinst" <<SCRIPT
#!/bin/sh
# depmod for this kernel; on this kernel, load the modules (mmapdev-setup).
set -e
if [ "\$1" = configure ]; then
	depmod -a $kver || true
	if [ "\$(uname -r)" = "$kver" ] && [ -z "\${DPKG_ROOT:-}" ]; then
		/usr/libexec/mmapdev/mmapdev-setup $upstream || true
	fi
fi
exit 0
SCRIPT
cat >"$tree/DEBIAN/prerm" <<SCRIPT
#!/bin/sh
# Removed (not upgraded) on its own kernel: unload the modules.
set -e
if [ "\$1" = remove ] && [ "\$(uname -r)" = "$kver" ]; then
	modprobe -r vmmap kmmap 2>/dev/null || true
fi
exit 0
SCRIPT
cat >"$tree/DEBIAN/postrm" <<SCRIPT
#!/bin/sh
# The modules are gone: depmod, if the kernel is still there.
set -e
case "\$1" in
remove | purge)
	if [ -d /lib/modules/$kver/kernel ]; then depmod -a $kver || true; fi ;;
esac
exit 0
SCRIPT

common=$work/mmapdev-modules-common
mkdir -p "$common/DEBIAN" "$common/lib/udev/rules.d" "$common/usr/lib/sysusers.d" \
	"$common/usr/lib/modules-load.d" "$common/usr/libexec/mmapdev" "$common/usr/share/doc/mmapdev-modules-common"
install -m 0644 udev/60-mmapdev.rules "$common/lib/udev/rules.d/60-mmapdev.rules"
install -m 0644 system/mmapdev.sysusers "$common/usr/lib/sysusers.d/mmapdev.conf"
install -m 0644 system/mmapdev.modules-load "$common/usr/lib/modules-load.d/mmapdev.conf"
install -m 0755 system/mmapdev-setup "$common/usr/libexec/mmapdev/mmapdev-setup"
install -m 0644 debian/copyright "$common/usr/share/doc/mmapdev-modules-common/copyright"
cat >"$common/DEBIAN/control" <<CONTROL
Package: mmapdev-modules-common
Source: mmapdev
Version: $version
Architecture: all
Maintainer: $maintainer
Section: kernel
Priority: optional
Depends: kmod, udev
Conflicts: mmapdev-dkms
Description: mmapdev support files for the prebuilt module packages
 The udev rule (/dev/kmmap and /dev/vmmap: group mmapdev, mode 0660), the
 group, the modules-load.d file and the helper that loads the modules, for
 the mmapdev-modules-KERNEL packages (the same files mmapdev-dkms ships).
CONTROL
cat >"$common/DEBIAN/postinst" <<'SCRIPT'
#!/bin/sh
# The group mmapdev (sysusers.d), and udev told about the rule.
set -e
if [ "$1" = configure ]; then
	if command -v systemd-sysusers >/dev/null 2>&1; then
		systemd-sysusers mmapdev.conf || true
	elif ! getent group mmapdev >/dev/null; then
		addgroup --system mmapdev || true
	fi
	if [ -e /run/udev/control ]; then udevadm control --reload || true; fi
fi
exit 0
SCRIPT
for t in "$tree" "$common"; do
	chmod 0755 "$t"/DEBIAN/post* "$t"/DEBIAN/pre* 2>/dev/null || true
	(cd "$t" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum >DEBIAN/md5sums)
	find "$t" -exec touch -h -d "@$epoch" {} +
	dpkg-deb --root-owner-group -Zxz -b "$t" "$out" >/dev/null
done
ls -1 "$out/${pkg}_${version}_$arch.deb" "$out/mmapdev-modules-common_${version}_all.deb"
