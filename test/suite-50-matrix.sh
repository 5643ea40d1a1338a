#!/bin/bash
# The kernel matrix as part of "make check": every Debian suite's kernel,
# from bullseye's to experimental's, is built (W=1, no warnings allowed)
# with its own suite's compiler and booted under QEMU TCG with the main
# suite's guest checks and a short fuzz and hostile-input run; "ok"/"not
# ok" lines per kernel, one on the newest
# kernel Debian ships (found each run), then the table.
# MMAPDEV_MATRIX=all|fast|arch|"LINE ..." picks the lines. The default is
# every amd64 line that suite-20-qemu (bookworm's two kernels, on the host)
# does not already boot, and one line per other architecture: trixie's
# arm64 and bookworm's ppc64el (64 KiB pages). The other arm64 lines run in
# make check-all (suite-52-matrix-arch.sh); "make matrix" runs all eleven.
# test/matrix/README.md has the timings.
set -euo pipefail
cd "$(dirname "$0")/.."
MMAPDEV_MATRIX=${MMAPDEV_MATRIX:-bullseye trixie trixie-backports sid experimental trixie:arm64 bookworm:powerpc64le} \
	exec test/matrix/matrix.sh
