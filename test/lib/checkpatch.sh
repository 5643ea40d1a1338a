#!/bin/bash
# Run the kernel's checkpatch.pl (--strict) on files. checkpatch is not in
# linux-headers; it is taken once from Debian's linux-source-6.12 tarball
# and cached with the two data files it reads.
# Usage: test/lib/checkpatch.sh FILE...
set -euo pipefail

"$(dirname "$0")/deps.sh" linux-source-6.12 perl xz-utils
tarball=$(ls /usr/src/linux-source-6.12.tar.xz)
version=$(dpkg-query -W -f '${Version}' linux-source-6.12)
dir=${MMAPDEV_CACHE:-/var/cache/mmapdev-ci}/checkpatch/$version
if [ ! -e "$dir/scripts/checkpatch.pl" ]; then
	mkdir -p "$(dirname "$dir")"
	tmp=$(mktemp -d "$dir.XXXXXX")
	tar -xJf "$tarball" -C "$tmp" --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'
	rm -rf "$dir"
	mv "$tmp" "$dir"
fi
exec perl "$dir/scripts/checkpatch.pl" --no-tree --strict --quiet --show-types -f "$@"
