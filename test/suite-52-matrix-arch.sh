#!/bin/bash
# The kernel matrix's other arm64 lines: bookworm's 6.1 and the newest
# (trixie-backports), cross-built and booted under qemu-system-aarch64 like
# make check's arm64 line (trixie's 6.12, in test/suite-50-matrix.sh, with
# bookworm's 64 KiB-page ppc64el line). See test/matrix/README.md.
# Runs in: make check-all
set -euo pipefail
cd "$(dirname "$0")/.."
MMAPDEV_MATRIX=${MMAPDEV_MATRIX_ARCH:-bookworm:arm64 trixie-backports:arm64} exec test/matrix/matrix.sh
