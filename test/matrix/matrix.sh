#!/bin/bash
# The kernel matrix: build mmapdev (W=1) for every Debian kernel line, boot
# each kernel under QEMU TCG with the main suite's guest checks, print one
# TAP line per result and a table kernel x (build, warnings, tests).
#
# Usage: test/matrix/matrix.sh [LINE...]
#   LINEs: 5.10 6.1 6.12 6.12+deb13 7.2 7.3-rc (default: $MMAPDEV_MATRIX)
# Environment:
#   MMAPDEV_MATRIX        all (default) | fast (the lines CI runs) | "LINE ..."
#   MMAPDEV_MATRIX_JOBS   lines run at once (default 2: one per core)
#   MMAPDEV_CACHE         cache root (default /var/cache/mmapdev-ci); the
#                         chroots, kernel images and APT lists are under matrix/
#   MMAPDEV_MATRIX_KEEP   a directory to keep logs, consoles and modules in
# Exit status: 0 when every line built without warnings and passed.
set -euo pipefail

# shellcheck source=test/matrix/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$MATRIX_TOP"

if [ "$#" -gt 0 ]; then
	lines="$*"
else
	case ${MMAPDEV_MATRIX:-all} in
	all) lines=$MATRIX_LINES_ALL ;;
	fast) lines=$MATRIX_LINES_FAST ;;
	*) lines=$MMAPDEV_MATRIX ;;
	esac
fi
need_chroot=no
for line in $lines; do
	matrix_line "$line" || exit 2
	[ "$line_kind" = host ] || need_chroot=yes
done

if [ -n "${MMAPDEV_MATRIX_KEEP:-}" ]; then
	work=$MMAPDEV_MATRIX_KEEP
	mkdir -p "$work"
else
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
fi
start=$SECONDS

test/lib/deps.sh mmdebstrap build-essential libc6-dev qemu-system-x86 busybox-static cpio
make -s -C test static

# Resolve every line's kernel first, one after the other: installing
# bookworm's kernels on the host runs apt, which must not run twice at once.
if [ "$need_chroot" = yes ] && ! matrix_apt_update 2> "$work/apt.log"; then
	echo "not ok - the other suites' package lists (private APT state in $MATRIX_APT)"
	sed 's/^/# /' "$work/apt.log"
	exit 1
fi
[ ! -s "$work/apt.log" ] || sed 's/^/# /' "$work/apt.log"
resolved=()
for line in $lines; do
	status=0
	(matrix_resolve "$line" && declare -p kernel_abi kernel_version headers_pkg image_pkg) \
		> "$work/$line.env" 2> "$work/$line.resolve" || status=$?
	if [ "$status" = 0 ]; then
		resolved+=("$line")
	elif [ "$status" = 3 ]; then
		echo "ok - $line: nothing to test # SKIP $(tail -n 1 "$work/$line.resolve")"
		mkdir -p "$work/$line"
		printf '%s\t-\tskip\t-\t0\t0\t0\t0\t0\n' "$line" > "$work/$line/summary"
	else
		echo "not ok - $line: resolve the line's kernel"
		sed 's/^/# /' "$work/$line.resolve"
		mkdir -p "$work/$line"
		printf '%s\t?\tno\t-\t0\t1\t0\t0\t0\n' "$line" > "$work/$line/summary"
	fi
done
echo "# matrix: resolved in $((SECONDS - start)) s"

# The lines run two at a time: the chroots and the TCG guests each use one core.
max=${MMAPDEV_MATRIX_JOBS:-2}
for line in "${resolved[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$max" ]; do
		wait -n || true
	done
	test/matrix/run-line.sh "$line" "$work" > "$work/$line.log" 2>&1 &
done
wait || true

status=0
for line in "${resolved[@]}"; do
	if [ -s "$work/$line/result.tap" ]; then
		cat "$work/$line/result.tap"
	else
		echo "not ok - $line: the line ran to the end"
		tail -n 30 "$work/$line.log" | sed 's/^/# /'
		mkdir -p "$work/$line"
		[ -s "$work/$line/summary" ] || printf '%s\t?\tno\t-\t0\t1\t0\t0\t0\n' "$line" > "$work/$line/summary"
	fi
	grep -q '^not ok' "$work/$line/result.tap" 2>/dev/null && status=1
done

echo
echo "Kernel matrix (mmapdev $(cat VERSION)): W=1 builds, guest checks under QEMU TCG; times in s"
printf '%-11s %-24s %-5s %-8s %-6s %-6s %-7s %-5s %-4s\n' \
	line kernel build warnings passed failed prepare build boot
for line in $lines; do
	IFS=$'\t' read -r l k b w p f tp tb tt < "$work/$line/summary"
	[ "$b" = skip ] || { [ "$b" = yes ] && [ "$w" = 0 ] && [ "$f" = 0 ]; } || status=1
	printf '%-11s %-24s %-5s %-8s %-6s %-6s %-7s %-5s %-4s\n' \
		"$l" "$k" "$b" "$w" "$p" "$f" "$tp" "$tb" "$tt"
done
echo "matrix: $((SECONDS - start)) s in all"
exit "$status"
