#!/bin/bash
# Make sure one of bookworm's kernel lines (image and headers) is installed
# on this machine and print its version (the name under /lib/modules).
# ABI names move with every point release, so they are resolved here, from
# the metapackages, never written down.
# Usage: test/lib/host-kernel.sh 6.1|6.12
set -euo pipefail

line=${1:?usage: host-kernel.sh 6.1|6.12}
case "$line" in
6.1) meta=(linux-image-amd64 linux-headers-amd64) ;;
6.12) meta=(linux-image-6.12-amd64 linux-headers-6.12-amd64) ;;
*) echo "host-kernel.sh: unknown kernel line $line" >&2; exit 2 ;;
esac
"$(dirname "$0")/deps.sh" "${meta[@]}"

# The image metapackage depends on exactly one linux-image-VERSION package.
image=$(dpkg-query -W -f '${Depends}' "${meta[0]}" | tr ',' '\n' |
	sed -n 's/^ *linux-image-\([0-9][^ ]*\).*/\1/p' | head -n 1)
if [ -z "$image" ] || [ ! -e "/boot/vmlinuz-$image" ] || [ ! -d "/lib/modules/$image/build" ]; then
	echo "host-kernel.sh: no image and headers found for line $line ($image)" >&2
	exit 1
fi
echo "$image"
