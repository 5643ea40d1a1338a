#!/bin/bash
# Secure Boot, booted for real: a Debian trixie system under QEMU TCG booted
# through Debian's Secure Boot firmware, signed shim, GRUB and kernel
# (lockdown on): installing with the DKMS key not enrolled (loading refused,
# one explanation, selftest skip, --diagnose), the kernel installation's
# warning before the reboot, the enrollment through shim's MOK manager,
# the modules loaded after it, a kernel upgrade, and a key that is not
# enrolled refused again. See test/secureboot/host.sh. About 17 min on two
# cores with the image cached (image cold: +3 min), up to 37 min when other
# QEMU guests share them.
set -euo pipefail
cd "$(dirname "$0")/.."
exec test/secureboot/host.sh
