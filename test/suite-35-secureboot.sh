#!/bin/bash
# Secure Boot, booted for real: a Debian trixie system under QEMU TCG booted
# through Debian's Secure Boot firmware, signed shim, GRUB and kernel
# (lockdown on): installing with the DKMS key not enrolled (loading refused,
# one explanation, selftest skip, --diagnose), the kernel installation's
# warning before the reboot, the enrollment through shim's MOK manager,
# the modules loaded after it, a kernel upgrade, and a key that is not
# enrolled refused again. See test/secureboot/host.sh. 25-40 min on two
# shared cores: beyond CI's time budget.
# Runs in: make check-all
set -euo pipefail
cd "$(dirname "$0")/.."
exec test/secureboot/host.sh
