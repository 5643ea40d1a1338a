#!/bin/bash
# The package lifecycle in a booted Debian 13 "trixie" system, the current
# stable release (test/system/lifecycle.sh): install, permissions, kernel
# upgrade to trixie-backports' newest kernel, reboot, package upgrade, purge.
set -euo pipefail
cd "$(dirname "$0")/.."
exec test/system/lifecycle.sh trixie
