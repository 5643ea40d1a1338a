#!/bin/bash
# The package lifecycle in a booted Debian system (systemd, udev, DKMS)
# under QEMU TCG.
# Usage: test/system/lifecycle.sh trixie|bookworm [rpm]
#   1. apt install of mmapdev-dkms + mmapdev-tests: DKMS build, modules
#      loaded, /dev/kmmap and /dev/vmmap root:mmapdev 0660, smoke test passed;
#   2. a user in group mmapdev passes the device checks, another gets EACCES;
#   3. installing a newer kernel + headers (trixie: trixie-backports'
#      linux-image-amd64; bookworm: its 6.12) makes DKMS build for it;
#      rebooted into it (a second boot of the same disk), the devices are
#      there and the smoke test passes;
#   4. upgrading to the next version (built here from a copy of the tree)
#      replaces the DKMS tree and rebuilds for both kernels;
#   5. apt purge leaves nothing behind;
#   6. with "rpm": the RPM packages: rpm -i runs their scriptlets (DKMS
#      build for both kernels, modules loaded, devices root:mmapdev 0660,
#      smoke test), and rpm -e leaves nothing behind either.
# Also: both packages build, lintian has nothing to say about them, and
# debian/tests/selftest (the autopkgtest) passes in the booted system.
# Measured on 2 cores: about 8 min warm, 8-11 min cold (the image build adds
# ~1 min); most of it is the six DKMS builds, 35-95 s each under TCG. With
# the RPM step and other jobs loading the machine: 19.5 min (stage 2: 776 s).
#
# The system image is built with mmdebstrap and cached (test/system/image.sh);
# per run, a qcow2 overlay on it is the disk. The guest runs
# test/system/guest.sh from a 9p share and writes its results there.
# Logs of the last run: ${MMAPDEV_CACHE:-/var/cache/mmapdev-ci}/system/last-run-SUITE/.
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$PWD
cache=${MMAPDEV_CACHE:-/var/cache/mmapdev-ci}
start=$SECONDS
suite=${1:?usage: lifecycle.sh trixie|bookworm [rpm]}
with_rpm=${2:-}

say() { echo "# system-$suite: $*"; }
elapsed() { echo "$((SECONDS - start)) s"; }

if [ "$(id -u)" != 0 ]; then
	echo "ok - lifecycle test ($suite) # SKIP needs root (mmdebstrap, QEMU image)"
	exit 0
fi
test/lib/deps.sh mmdebstrap qemu-system-x86 qemu-utils e2fsprogs git \
	build-essential dpkg-dev debhelper dh-dkms lintian rpm >/dev/null

run=$(mktemp -d "${TMPDIR:-/tmp}/mmapdev-system.XXXXXX")
qemu_pid=
finish() {
	[ -z "$qemu_pid" ] || kill "$qemu_pid" 2>/dev/null || true
	# Keep the logs of the last run; the disk and the packages go.
	rm -rf "$cache/system/last-run-$suite"
	mkdir -p "$cache/system/last-run-$suite"
	rm -rf "$run/share/out/boot"
	cp -r "$run"/*.log "$run/share/out" "$cache/system/last-run-$suite/" 2>/dev/null || true
	rm -rf "$run"
}
trap finish EXIT

# --- packages: this version and the next ----------------------------------
copy_tree() { # DEST: the files git knows (tracked, or untracked and not ignored)
	mkdir -p "$1"
	git ls-files -z --cached --others --exclude-standard |
		tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -C "$1" -xf -
}
build_debs() { # TREE OUT LOG
	make -C "$1" --no-print-directory deb-build DEB_OUT="$2" >"$3" 2>&1
}

v1=$(cat VERSION)
v2=$(awk -F. '{ printf "%d.%d.%d", $1, $2, $3 + 1 }' VERSION)
mkdir -p "$run/share/debs/v1" "$run/share/debs/v2" "$run/share/out"
t=$SECONDS
if build_debs "$top" "$run/share/debs/v1" "$run/build-v1.log"; then
	echo "ok - make deb-build: mmapdev-dkms and mmapdev-tests $v1 ($((SECONDS - t)) s)"
else
	echo "not ok - make deb-build of $v1 failed:"
	tail -n 30 "$run/build-v1.log" | sed 's/^/#   /'
	exit 1
fi
if make --no-print-directory deb-lint DEB_OUT="$run/share/debs/v1" >"$run/lintian.log" 2>&1; then
	echo "ok - lintian: no errors, no warnings"
else
	echo "not ok - lintian complains:"
	grep -E '^[EW]: ' "$run/lintian.log" | sed 's/^/#   /'
fi

# The next version: VERSION and debian/changelog bumped in a copy of the tree.
copy_tree "$run/tree-v2"
echo "$v2" >"$run/tree-v2/VERSION"
{
	printf 'mmapdev (%s-1) unstable; urgency=medium\n\n  * Lifecycle test build: the next version.\n\n' "$v2"
	printf ' -- mmapdev CI <ci@localhost>  %s\n\n' "$(date -R)"
	cat debian/changelog
} >"$run/tree-v2/debian/changelog"
if ! build_debs "$run/tree-v2" "$run/share/debs/v2" "$run/build-v2.log"; then
	echo "not ok - building the next version ($v2) failed:"
	tail -n 30 "$run/build-v2.log" | sed 's/^/#   /'
	exit 1
fi
if [ "$with_rpm" = rpm ]; then
	mkdir -p "$run/share/rpms"
	if ! make --no-print-directory rpm-build RPM_OUT="$run/share/rpms" >"$run/build-rpm.log" 2>&1; then
		echo "not ok - make rpm-build of $v1 failed:"
		tail -n 30 "$run/build-rpm.log" | sed 's/^/#   /'
		exit 1
	fi
fi
echo "$v1" >"$run/share/debs/v1/VERSION"
echo "$v2" >"$run/share/debs/v2/VERSION"
rm -rf "$run/tree-v2"
say "packages $v1 and $v2 built and linted at $(elapsed)"

# --- the system image -------------------------------------------------------
t=$SECONDS
if ! image=$(test/system/image.sh "$suite" 2>"$run/image.log"); then
	echo "not ok - system image (mmdebstrap):"
	tail -n 30 "$run/image.log" | sed 's/^/#   /'
	exit 1
fi
grep '^# image:' "$run/image.log" || true
say "image ready in $((SECONDS - t)) s"
qemu-img create -q -f qcow2 -F raw -b "$image/base.img" "$run/disk.qcow2"
install -m 0755 test/system/guest.sh "$run/share/guest.sh"
install -m 0755 debian/tests/selftest "$run/share/autopkgtest-selftest"

# --- the two boots ----------------------------------------------------------
boot() { # STAGE KERNEL INITRD TIMEOUT
	local status=0
	echo "$1" >"$run/share/stage"
	timeout "$4" qemu-system-x86_64 -accel tcg -cpu qemu64 -smp 2 -m 2048 \
		-display none -monitor none -serial "file:$run/serial-$1.log" \
		-no-reboot -nic none -device virtio-rng-pci \
		-kernel "$2" -initrd "$3" \
		-append "root=/dev/vda rw console=ttyS0 panic=-1 quiet" \
		-drive "file=$run/disk.qcow2,format=qcow2,if=virtio,cache=unsafe" \
		-virtfs "local,path=$run/share,mount_tag=ci,security_model=none,id=ci" \
		</dev/null >"$run/qemu-$1.log" 2>&1 &
	qemu_pid=$!
	wait "$qemu_pid" || status=$?
	qemu_pid=
	return "$status"
}
results() { # STAGE STATUS SECONDS: re-emit the guest's ok/not ok lines
	if [ -f "$run/share/out/stage$1.tap" ]; then
		cat "$run/share/out/stage$1.tap"
	fi
	if [ -f "$run/share/out/stage$1.done" ]; then
		say "stage $1: guest ran for $3 s"
		return 0
	fi
	if [ "$2" = 124 ]; then
		echo "not ok - stage $1 did not finish: timed out after $3 s"
	else
		echo "not ok - stage $1 did not finish (QEMU exit status $2, after $3 s)"
	fi
	say "last lines of the console:"
	tr -d '\r' <"$run/serial-$1.log" | tail -n 40 | sed 's/^/#   /'
	return 1
}

t=$SECONDS
status=0
say "stage 1: booting $(sed -n 's/^BOOT_ABI=//p' "$image/info") (install, permissions, kernel upgrade to $(sed -n 's/^UPGRADE_ABI=//p' "$image/info"))"
boot 1 "$image/vmlinuz" "$image/initrd.img" 1500 || status=$?
results 1 "$status" "$((SECONDS - t))" || exit 1

if [ ! -s "$run/share/out/boot/vmlinuz" ]; then
	echo "not ok - stage 2: no kernel to boot (the kernel upgrade failed)"
	exit 1
fi
t=$SECONDS
status=0
say "stage 2: booting $(cat "$run/share/out/boot/release") (reboot, package upgrade, purge${with_rpm:+, RPM})"
boot 2 "$run/share/out/boot/vmlinuz" "$run/share/out/boot/initrd.img" 1800 || status=$?
results 2 "$status" "$((SECONDS - t))" || exit 1
say "lifecycle test done in $(elapsed)"
