#!/bin/bash
# The kernel matrix as part of "make check": every Debian kernel line from
# 5.10 to experimental's is built (W=1, no warnings allowed) with its own
# suite's compiler and booted under QEMU TCG with the main suite's guest
# checks; "ok"/"not ok" lines per kernel, then the table.
# MMAPDEV_MATRIX=all|fast|"LINE ..." picks the lines. The default is all:
# the whole matrix fits CI's time (test/matrix/README.md has the timings).
set -euo pipefail
cd "$(dirname "$0")/.."
MMAPDEV_MATRIX=${MMAPDEV_MATRIX:-all} exec test/matrix/matrix.sh
