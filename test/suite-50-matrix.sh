#!/bin/bash
# The kernel matrix as part of "make check": every Debian kernel line from
# 5.10 to experimental's is built (W=1, no warnings allowed) with its own
# suite's compiler and booted under QEMU TCG with the main suite's guest
# checks; "ok"/"not ok" lines per kernel, then the table.
# MMAPDEV_MATRIX=all|fast|"LINE ..." picks the lines. The default is every
# line that suite-20-qemu (bookworm's 6.1 and 6.12, on the host) does not
# already boot: the whole matrix fits CI's time (test/matrix/README.md has
# the timings); "make matrix" runs all six lines.
set -euo pipefail
cd "$(dirname "$0")/.."
MMAPDEV_MATRIX=${MMAPDEV_MATRIX:-5.10 6.12+deb13 7.2 7.3-rc} exec test/matrix/matrix.sh
