# Prebuilt modules for one kernel, as Debian packages (dist/kmod-deb.sh):
#   make kmod-deb KVER=6.12.118+deb13-amd64
#       build/kmod/mmapdev-modules-KVER_VERSION_ARCH.deb (kmmap.ko and
#       vmmap.ko for exactly that kernel; Depends: linux-image-KVER;
#       Conflicts: mmapdev-dkms) and build/kmod/mmapdev-modules-common
#       (udev rule, group, modules-load.d), which "make repo" publishes too.
#   KDIR=DIR          the kernel's build tree (default /lib/modules/KVER/build:
#                     install linux-headers-KVER on the build machine)
#   KMOD_CHROOT=DIR   build inside a chroot that has the headers (a kernel of
#                     another Debian release; test/repo/chroot.sh SUITE KVER
#                     makes one)
#   SIGN_KEY=FILE SIGN_CERT=FILE   sign the modules with the fleet's own
#                     Secure Boot (MOK) key and certificate
#   KMOD_OUT=DIR      where the packages go (default build/kmod)
# KVER has no default here: the running kernel is rarely the fleet's.

KMOD_OUT ?= build/kmod

.PHONY: kmod-deb

kmod-deb:
	@[ "$(origin KVER)" = "command line" ] || [ "$(origin KVER)" = environment ] || \
		{ echo "make kmod-deb: say which kernel: KVER=..." >&2; exit 2; }
	KDIR="$(KDIR)" KMOD_CHROOT="$(KMOD_CHROOT)" SIGN_KEY="$(SIGN_KEY)" SIGN_CERT="$(SIGN_CERT)" \
		dist/kmod-deb.sh "$(KVER)" "$(KMOD_OUT)"
