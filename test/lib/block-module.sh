#!/bin/bash
# A kernel's brd module (the RAM disk: the scratch block device of the
# guests' O_DIRECT checks), uncompressed, in a tree for guest.sh --overlay.
# Debian builds brd as a module (=m), installed as brd.ko, brd.ko.xz (6.12
# on) or brd.ko.zst; the host decompresses it (the guest's busybox insmod
# may not read every format).
#
# Usage: test/lib/block-module.sh MODULE_DIR OUT_DIR
#   MODULE_DIR  where the kernel's modules are: /lib/modules/KVER for a
#               kernel installed on the host, the directory matrix_vmlinuz
#               keeps the image's brd beside vmlinuz in, a kernel build tree
#   OUT_DIR     gets modules/extra/brd.ko (not modules/: the guest scripts
#               load what is in /modules by name); pass it to guest.sh as
#               --overlay OUT_DIR
# Prints the module it found. Without one, OUT_DIR gets
# modules/extra/brd.ko.missing instead, holding the reason the guest
# reports (test/guest-driver-checks.sh), and the exit status is 1.
set -euo pipefail

[ "$#" = 2 ] || { sed -n '2,17s/^# \{0,1\}//p' "$0" >&2; exit 2; }
dir=$1 out=$2/modules/extra
mkdir -p "$out"
rm -f "$out/brd.ko" "$out/brd.ko.missing"
missing() {
	echo "$*" > "$out/brd.ko.missing"
	echo "block-module.sh: $*" >&2
	exit 1
}

[ -d "$dir" ] || missing "no module tree for this kernel ($dir is not there)"
found=$(find -L "$dir" -name build -prune -o -name source -prune -o \
	-type f \( -name brd.ko -o -name brd.ko.xz -o -name brd.ko.zst -o -name brd.ko.gz \) -print 2>/dev/null |
	head -n 1)
[ -n "$found" ] || missing "no brd module for this kernel (no brd.ko* under $dir)"
case "$found" in
*.xz) xz -dc "$found" > "$out/brd.ko" ;;
*.zst) zstd -q -dc "$found" > "$out/brd.ko" ;;
*.gz) gzip -dc "$found" > "$out/brd.ko" ;;
*) cp "$found" "$out/brd.ko" ;;
esac || missing "cannot decompress $found"
echo "$found"
