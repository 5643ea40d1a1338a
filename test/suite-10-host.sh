#!/bin/bash
# Fast checks on the host, before any kernel boots: the user-space build,
# the shell linter, and the kernel's checkpatch and sparse on the driver.
set -euo pipefail
cd "$(dirname "$0")/.."

result() { # result STATUS DESCRIPTION: ok when STATUS is 0
	if [ "$1" = 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi
}

test/lib/deps.sh build-essential libc6-dev shellcheck sparse

status=0
make -s -B -C test all static > /tmp/mmapdev-userspace.log 2>&1 || status=$?
result "$status" "test program builds with -Wall -Wextra -Werror (dynamic and static)"
[ "$status" = 0 ] || sed 's/^/# /' /tmp/mmapdev-userspace.log

# Every shell script the project has (tracked or new), found by its first line.
mapfile -t scripts < <(git ls-files --cached --others --exclude-standard |
	while read -r f; do
		[ -f "$f" ] && head -n 1 "$f" | grep -qE '^#!.*/(ba)?sh' && echo "$f"
	done)
status=0
shellcheck "${scripts[@]}" || status=$?
result "$status" "shellcheck passes on all ${#scripts[@]} shell scripts"

status=0
test/lib/checkpatch.sh src/*.c src/*.h src/probes/*.c || status=$?
result "$status" "checkpatch --strict is clean on src/"

kver=$(test/lib/host-kernel.sh 6.12)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r src VERSION "$work/"
status=0
make -C "/lib/modules/$kver/build" M="$work/src" C=2 CHECK="sparse" modules > "$work/sparse.log" 2>&1 || status=$?
if [ "$status" = 0 ] && ! grep -E '(warning|error):' "$work/sparse.log"; then
	result 0 "sparse is clean on src/ ($kver)"
else
	result 1 "sparse is clean on src/ ($kver)"
	sed 's/^/# /' "$work/sparse.log"
fi
