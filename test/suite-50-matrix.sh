#!/bin/bash
# The kernel matrix as part of "make check": every Debian suite's kernel,
# from bullseye's to experimental's, is built (W=1, no warnings allowed)
# with its own suite's compiler and booted under QEMU TCG with the main
# suite's guest checks; "ok"/"not ok" lines per kernel, one on the newest
# kernel Debian ships (found each run), then the table.
# MMAPDEV_MATRIX=all|fast|"LINE ..." picks the lines. The default is every
# line that suite-20-qemu (bookworm's two kernels, on the host) does not
# already boot: the whole matrix fits CI's time (test/matrix/README.md has
# the timings); "make matrix" runs all seven lines.
set -euo pipefail
cd "$(dirname "$0")/.."
MMAPDEV_MATRIX=${MMAPDEV_MATRIX:-bullseye trixie trixie-backports sid experimental} exec test/matrix/matrix.sh
