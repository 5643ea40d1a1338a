#!/bin/bash
# Build both modules out of tree, as DKMS does, from a private copy of the
# sources (so that builds for several kernels never share objects), with
# W=1. The build's output goes to OUTDIR/build.log; the number of compiler
# warnings is printed on stdout.
# Usage: test/lib/build-modules.sh KDIR OUTDIR
# On success OUTDIR/src holds kmmap.ko and vmmap.ko.
set -euo pipefail

kdir=$1 out=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$out"
mkdir -p "$out"
cp -r "$top/src" "$top/VERSION" "$out/"
# Nothing a build in the working tree left there (for another kernel) may leak in.
find "$out/src" \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
	-o -name '.*.cmd' -o -name modules.order -o -name Module.symvers \
	-o -name compat_probes.h \) -delete
status=0
make -C "$kdir" M="$out/src" W=1 modules > "$out/build.log" 2>&1 || status=$?
grep -c 'warning:' "$out/build.log" || true
exit "$status"
