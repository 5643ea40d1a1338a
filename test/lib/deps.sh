#!/bin/bash
# Install Debian packages the tests need, idempotently: nothing is fetched
# when every package is already installed.
# Usage: test/lib/deps.sh PACKAGE...
set -euo pipefail

missing=()
for pkg in "$@"; do
	if ! dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed'; then
		missing+=("$pkg")
	fi
done
[ "${#missing[@]}" -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt or dpkg (a suite in parallel, unattended upgrades)
# rather than fail at once on its lock.
lock=(-o DPkg::Lock::Timeout=600)
# A fresh machine has no package lists yet; refresh them at most once an hour.
stamp=/var/lib/apt/periodic/mmapdev-update-stamp
if [ -z "$(find "$stamp" -mmin -60 2>/dev/null)" ]; then
	apt-get "${lock[@]}" update -q >&2
	mkdir -p "$(dirname "$stamp")" && touch "$stamp"
fi
apt-get "${lock[@]}" install -y -q --no-install-recommends "${missing[@]}" >&2
