#!/bin/bash
# The package lifecycle in a booted Debian 12 "bookworm" system, oldstable
# (test/system/lifecycle.sh): install, permissions, kernel upgrade to
# bookworm's 6.12, reboot, package upgrade, purge, then the RPM packages.
# Trixie's run (suite system-trixie) guards the most users within CI's time;
# this one adds 10-20 minutes.
# Runs in: make check-all
set -euo pipefail
cd "$(dirname "$0")/.."
exec test/system/lifecycle.sh bookworm rpm
