#!/bin/bash
# Build and boot-test mmapdev on one kernel line of the matrix (a suite's
# kernel: bullseye, trixie-backports, ...): build both modules with W=1
# against the line's headers (with its own compiler: in a chroot of its
# suite, or on the host for bookworm's lines), boot the
# line's kernel under QEMU TCG with them and run test/guest-driver-checks.sh
# and mmaptest-static in it, as the main suite does.
#
# Usage: test/matrix/run-line.sh LINE WORK
# WORK/LINE.env must hold the line's resolved kernel (matrix.sh writes it).
# Writes WORK/LINE/result.tap (TAP lines), WORK/LINE/summary (one
# tab-separated row for the table) and the build log and guest console.
set -euo pipefail

# shellcheck source=test/matrix/lib.sh
. "$(dirname "$0")/lib.sh"
line=$1 work=$2
# shellcheck source=/dev/null
. "$work/$line.env"
matrix_line "$line"
out=$work/$line
rm -rf "$out"
mkdir -p "$out"
tap=$out/result.tap
: > "$tap"
k=$kernel_abi
start=$SECONDS

build_ok=no warnings=- passed=0 failed=0 t_prepare=0 t_build=0 t_boot=0
summary() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$line" "$k" "$kernel_version" \
		"$build_ok" "$warnings" "$passed" "$failed" "$t_prepare" "$t_build" "$t_boot" > "$out/summary"
}
trap summary EXIT

# Prepare: the chroot with the suite's compiler and headers.
status=0
if [ "$line_kind" = chroot ]; then
	root=$(matrix_chroot "$line" 2> "$out/prepare.log") || status=$?
	if [ "$status" != 0 ]; then
		{
			echo "not ok - $line ($k): a $line_suite chroot with $headers_pkg"
			tail -n 30 "$out/prepare.log" | sed 's/^/# /'
		} >> "$tap"
		failed=1
		exit 0
	fi
fi
vmlinuz=$(matrix_vmlinuz "$line" 2>> "$out/prepare.log") || status=$?
t_prepare=$((SECONDS - start))

# Build with test/lib/build-modules.sh, as the main suite does.
t=$SECONDS
if [ "$line_kind" = host ]; then
	"$MATRIX_TOP/test/lib/build-modules.sh" "/lib/modules/$k/build" "$out/build" > /dev/null || status=$?
else
	stage=$(mktemp -d "$root/tmp/mmapdev.XXXXXX")
	trap 'rm -rf "$stage"; summary' EXIT
	mkdir -p "$stage/test/lib"
	cp -r "$MATRIX_TOP/src" "$MATRIX_TOP/VERSION" "$stage/"
	cp "$MATRIX_TOP/test/lib/build-modules.sh" "$stage/test/lib/"
	# A private /proc for the chroot: 7.x's objtool needs one.
	unshare --fork --pid --mount-proc="$root/proc" chroot "$root" \
		"/tmp/${stage##*/}/test/lib/build-modules.sh" "/usr/src/linux-headers-$k" \
		"/tmp/${stage##*/}/out" > /dev/null || status=$?
	cp -r "$stage/out" "$out/build"
fi
t_build=$((SECONDS - t))
if [ "$status" != 0 ] || [ ! -e "$out/build/src/kmmap.ko" ] || [ ! -e "$out/build/src/vmmap.ko" ]; then
	{
		echo "not ok - $line ($k): kmmap and vmmap build"
		grep -v '^make' "$out/build/build.log" 2>/dev/null | tail -n 40 | sed 's/^/# /'
	} >> "$tap"
	failed=1
	exit 0
fi
build_ok=yes
# Compiler warnings and modpost's WARNINGs alike.
warnings=$(grep -ci 'warning:' "$out/build/build.log" || true)
{
	echo "ok - $line ($k): kmmap and vmmap build"
	if [ "$warnings" = 0 ]; then
		echo "ok - $line ($k): the build has no warnings (W=1)"
	else
		echo "not ok - $line ($k): the build has no warnings (W=1): $warnings"
		grep -i 'warning:' "$out/build/build.log" | sed 's/^/# /'
	fi
} >> "$tap"

# Boot it with the main suite's guest checks.
if [ -z "${vmlinuz:-}" ]; then
	{
		echo "not ok - $line ($k): the kernel image $image_pkg"
		tail -n 20 "$out/prepare.log" | sed 's/^/# /'
	} >> "$tap"
	failed=1
	exit 0
fi
t=$SECONDS
status=0
"$MATRIX_TOP/test/lib/guest.sh" --timeout "${MMAPDEV_GUEST_TIMEOUT:-600}" --mem 512 \
	"$vmlinuz" "${MMAPDEV_GUEST_SCRIPT:-$MATRIX_TOP/test/guest-driver-checks.sh}" \
	"$out/build/src/kmmap.ko" "$out/build/src/vmmap.ko" "$MATRIX_TOP/test/mmaptest-static" \
	> "$out/console" 2>&1 || status=$?
t_boot=$((SECONDS - t))
passed=$(grep -c '^ok ' "$out/console" || true)
failed=$(grep -c '^not ok' "$out/console" || true)
{
	grep -E '^(ok|not ok) ' "$out/console" | sed -E "s/^(not ok|ok) (- )?/\\1 - $line ($k): /"
	if [ "$status" = 0 ]; then
		echo "ok - $line ($k): the guest ran every check to the end"
	else
		echo "not ok - $line ($k): the guest ran every check to the end (status $status)"
		tail -n 40 "$out/console" | sed 's/^/# /'
		# A guest that died or timed out without a "not ok" line failed too.
		[ "$failed" != 0 ] || failed=1
	fi
} >> "$tap"
