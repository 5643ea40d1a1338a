#!/bin/bash
# Boot a kernel under QEMU (software emulation) with a busybox initramfs
# and run one script in it.
#
# Usage: test/lib/guest.sh [--mem MB] [--smp N] [--append ARGS] [--timeout S]
#                          [--arch ARCH --busybox FILE] [--overlay DIR]
#                          KERNEL GUEST_SCRIPT [FILE...]
# FILEs go into the initramfs: *.ko into /modules, anything else into /bin;
# DIR's tree is copied to its root (a package's files and their libraries,
# a kernel module that is not the driver's); --overlay may be repeated.
# ARCH (a Debian architecture) picks the machine: amd64 (default; the
# host's busybox), arm64 (-M virt) or ppc64el (-M pseries); another ARCH
# needs --busybox, a static busybox of that architecture.
# The guest has /proc, /sys, /dev (devtmpfs), /tmp and, where the kernel
# has it, debugfs. The guest's console goes to stdout (without \r).
# Exit status: the guest script's, 124 on timeout, 125 if the guest died
# without reporting one (panic, crash).
set -euo pipefail

mem=512 smp=1 append="" timeout=300 arch=amd64 busybox=/bin/busybox overlays=()
while [ "$#" -gt 0 ]; do
	case "$1" in
	--mem) mem=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--arch) arch=$2; shift 2 ;;
	--busybox) busybox=$2; shift 2 ;;
	--overlay) overlays+=("$2"); shift 2 ;;
	--) shift; break ;;
	-*) echo "guest.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ "$#" -ge 2 ] || { sed -n '2,17s/^# \{0,1\}//p' "$0" >&2; exit 2; }
kernel=$1 script=$2
shift 2

# TCG only (KVM hangs on these machines). The serial console: ttyS0 on a
# PC, the PL011 (ttyAMA0) of arm64's virt board, pseries' hypervisor console.
case "$arch" in
amd64)
	qemu=(qemu-system-x86_64 -accel tcg -cpu qemu64) console=ttyS0 qemu_pkg=qemu-system-x86 ;;
arm64)
	qemu=(qemu-system-aarch64 -accel tcg -machine virt -cpu cortex-a57)
	console=ttyAMA0 qemu_pkg=qemu-system-arm ;;
ppc64el)
	# The spectre/meltdown capabilities TCG cannot provide, off (else QEMU
	# warns at each boot); POWER9, a CPU Debian's ppc64el (POWER8 and
	# later) runs on.
	machine=pseries,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off
	qemu=(qemu-system-ppc64 -accel tcg -machine "$machine" -cpu power9)
	console=hvc0 qemu_pkg=qemu-system-ppc ;;
*) echo "guest.sh: no machine for architecture $arch" >&2; exit 2 ;;
esac
if [ "$arch" != amd64 ] && [ "$busybox" = /bin/busybox ]; then
	echo "guest.sh: --arch $arch needs --busybox (a static busybox for $arch)" >&2
	exit 2
fi

"$(dirname "$0")/deps.sh" "$qemu_pkg" busybox-static cpio

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/bin "$root"/modules "$root"/proc "$root"/sys "$root"/dev "$root"/tmp
cp "$busybox" "$root/bin/busybox"
# Not the name "busybox" itself: that link would replace the binary. The
# host's busybox lists the applets: a foreign one cannot run here.
for applet in $(/bin/busybox --list); do
	[ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
for file in "$@"; do
	case "$file" in
	*.ko) cp "$file" "$root/modules/" ;;
	*) cp "$file" "$root/bin/" ;;
	esac
done
for overlay in ${overlays[@]+"${overlays[@]}"}; do
	cp -a "$overlay/." "$root/"
done
cp "$script" "$root/guest-script"
cat > "$root/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
export PATH=/bin
sh /guest-script
echo "GUEST-EXIT $?"
poweroff -f
reboot -f
INIT
chmod +x "$root/init" "$root/guest-script"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd"

status=0
timeout "$timeout" "${qemu[@]}" -m "$mem" -smp "$smp" \
	-display none -monitor none -serial stdio -no-reboot \
	-kernel "$kernel" -initrd "$work/initrd" \
	-append "console=$console panic=-1 quiet $append" </dev/null \
	| tr -d '\r' | tee "$work/console" || status=$?
[ "$status" -eq 124 ] && { echo "guest.sh: timed out after $timeout s" >&2; exit 124; }
rc=$(sed -n 's/^GUEST-EXIT \([0-9]*\)$/\1/p' "$work/console" | tail -n 1)
[ -n "$rc" ] || { echo "guest.sh: the guest ended without reporting" >&2; exit 125; }
exit "$rc"
