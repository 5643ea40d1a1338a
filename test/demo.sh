#!/bin/bash
# make demo: build both modules for a Debian kernel, boot it under QEMU
# with them loaded, and show them at work.
# Usage: test/demo.sh [KVER]   (default: bookworm's 6.1 line, installed if needed)
set -euo pipefail
cd "$(dirname "$0")/.."

kver=${1:-$(test/lib/host-kernel.sh 6.1)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

test/lib/deps.sh build-essential libc6-dev
echo "== building kmmap.ko and vmmap.ko for $kver"
make -s -C test static
test/lib/build-modules.sh "/lib/modules/$kver/build" "$work/build" > /dev/null ||
	{ cat "$work/build/build.log"; exit 1; }

cat > "$work/demo-guest.sh" <<'GUEST'
show() { echo "# $*"; "$@"; }
echo "== booted $(uname -r) under QEMU"
show insmod /modules/kmmap.ko
show insmod /modules/vmmap.ko
show ls -l /dev/kmmap /dev/vmmap
echo
mmapdemo-static /dev/kmmap
echo
mmapdemo-static /dev/vmmap
echo
printf '# cat /proc/kmmap (the figure for cat itself): '
cat /proc/kmmap
echo
dmesg | grep -E 'kmmap|vmmap' | grep -v taint
GUEST
echo "== booting $kver (software emulation, about 10 s)"
test/lib/guest.sh --timeout 300 "/boot/vmlinuz-$kver" "$work/demo-guest.sh" \
	"$work/build/src/kmmap.ko" "$work/build/src/vmmap.ko" test/mmapdemo-static |
	sed -n '/^== booted/,/^GUEST-EXIT/p' | grep -v '^GUEST-EXIT'
