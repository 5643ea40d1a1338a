#!/bin/bash
# Signed package repositories and prebuilt modules (make repo, make
# kmod-deb), proven in booted trixie systems that install by name from them
# (test/repo/repo-test.sh). Measured: 35 min on 2 shared, loaded cores (stage
# dkms 28 min: three DKMS builds and a kernel install under TCG).
# Runs in: make check-all
set -euo pipefail
cd "$(dirname "$0")/.."
exec test/repo/repo-test.sh
