#!/bin/bash
# Build and boot-test mmapdev on one kernel line of the matrix (a suite's
# kernel: bullseye, trixie-backports, ...): build both modules with W=1
# against the line's headers (with its own compiler: in a chroot of its
# suite, or on the host for bookworm's lines), boot the
# line's kernel under QEMU TCG with them (and the kernel's brd module) and
# run test/guest-driver-checks.sh with mmaptest-static, zerocopy-static and
# filecalls-static in it, as the main suite does. A line of another
# architecture (LINE:FLAVOUR) is cross-built, and its guest runs
# test/matrix/guest-arch.sh: test/guest-reliability.sh's part a (the same
# driver checks, then a short fuzz and the hostile inputs; test programs
# cross-built, static), then the mmaptest of the mmapdev-tests package
# cross-built for that architecture and the line's release
# (dist/cross-deb.sh, lintian clean).
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

build_ok=no warnings=- passed=0 failed=0 t_prepare=0 t_build=0 t_boot=0 page=-
summary() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$line" "$k" "$kernel_version" \
		"$build_ok" "$warnings" "$passed" "$failed" "$t_prepare" "$t_build" "$t_boot" \
		"$line_arch" "$page" > "$out/summary"
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
	# A private /proc for the chroot: 7.x's objtool needs one. Kbuild
	# takes ARCH and CROSS_COMPILE from the environment.
	cross=()
	[ "$line_arch" = amd64 ] || cross=(env ARCH="$line_karch" CROSS_COMPILE="$line_cross")
	unshare --fork --pid --mount-proc="$root/proc" chroot "$root" "${cross[@]}" \
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
# test/guest-reliability.sh's part a: the driver checks (mmaptest on both
# devices at npages 16, 1 and the largest), then a short fuzz, the hostile
# inputs and the npages inputs (settings on the kernel command line).
# Another architecture differs in its machine, its cross-built programs
# and the guest script around part a (guest-arch.sh adds the packaged
# mmaptest); the rest of the guest is the same.
machine=() tests=$MATRIX_TOP/test timeout=${MMAPDEV_GUEST_TIMEOUT:-900}
scripts=("${MMAPDEV_GUEST_SCRIPT:-$MATRIX_TOP/test/guest-reliability.sh}")
if [ "$line_arch" != amd64 ]; then
	# The test programs for that architecture, static, from a copy of test/.
	mkdir -p "$out/tests"
	cp "$MATRIX_TOP"/test/*.c "$MATRIX_TOP"/test/*.h "$MATRIX_TOP/test/Makefile" "$out/tests/"
	if ! make -s -C "$out/tests" CC="${line_cross}gcc" static > "$out/tests.log" 2>&1 ||
		! busybox=$(matrix_busybox "$line_arch" 2>> "$out/tests.log"); then
		{
			echo "not ok - $line ($k): the test programs and busybox for $line_arch"
			tail -n 20 "$out/tests.log" | sed 's/^/# /'
		} >> "$tap"
		failed=1
		exit 0
	fi
	# mmapdev-tests for that architecture, and what its mmaptest needs to
	# run: its ELF interpreter and libraries, from the cross-build chroot.
	overlay=$out/overlay
	mkdir -p "$overlay"
	status=0
	# Built for the line's own release (its C library is what the guest gets).
	(cd "$MATRIX_TOP" && CROSS_SUITE=$line_suite dist/cross-deb.sh "$line_arch" "$out/deb") \
		> "$out/deb.log" 2>&1 || status=$?
	deb=$(ls "$out"/deb/mmapdev-tests_*_"$line_arch".deb 2>/dev/null || true)
	if [ "$status" != 0 ] || [ -z "$deb" ]; then
		echo "not ok - $line ($k): mmapdev-tests cross-builds for $line_arch" >> "$tap"
		tail -n 20 "$out/deb.log" | sed 's/^/# /' >> "$tap"
		failed=1
	else
		echo "ok - $line ($k): mmapdev-tests cross-builds for $line_arch (${deb##*/})" >> "$tap"
		if lintian --fail-on error,warning "$deb" > "$out/lintian.log" 2>&1; then
			echo "ok - $line ($k): lintian: ${deb##*/} has no errors, no warnings" >> "$tap"
		else
			echo "not ok - $line ($k): lintian: ${deb##*/} has no errors, no warnings" >> "$tap"
			sed 's/^/# /' "$out/lintian.log" >> "$tap"
			failed=1
		fi
		dpkg-deb -x "$deb" "$overlay"
		croot=$(cat "$out/deb/chroot")
		bin=$overlay/usr/libexec/mmapdev/mmaptest
		interp=$(readelf -l "$bin" | sed -n 's/.*Requesting program interpreter: \(.*\)]$/\1/p')
		# Links in the chroot are absolute: resolve them inside it.
		install -D -m 0755 "$croot$(chroot "$croot" readlink -f "$interp")" "$overlay$interp"
		multiarch=$(chroot "$croot" dpkg-architecture -a"$line_arch" -qDEB_HOST_MULTIARCH)
		for lib in $(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
			install -D -m 0755 "$croot$(chroot "$croot" readlink -f "/usr/lib/$multiarch/$lib")" \
				"$overlay/lib/$multiarch/$lib"
		done
	fi
	machine=(--arch "$line_arch" --busybox "$busybox" --overlay "$overlay")
	tests=$out/tests timeout=${MMAPDEV_GUEST_TIMEOUT:-1200}
	scripts=("$MATRIX_DIR/guest-arch.sh" "$MATRIX_TOP/test/guest-reliability.sh")
fi
# The kernel's RAM disk module for zerocopy's O_DIRECT checks: the host's
# module tree for bookworm's lines, else what matrix_vmlinuz kept beside
# the image (or the reason there is none, which the guest reports).
modules=/lib/modules/$k
[ "$line_kind" = host ] || modules=${vmlinuz%/*}
"$MATRIX_TOP/test/lib/block-module.sh" "$modules" "$out/blockmod" >> "$out/prepare.log" 2>&1 || true
guest=("${machine[@]}" --overlay "$out/blockmod" --append "PART=a FUZZ_OPS=${MMAPDEV_MATRIX_FUZZ_OPS:-2000}"
	--timeout "$timeout" --mem 512 "$vmlinuz"
	"${scripts[@]}" "$MATRIX_TOP/test/guest-driver-checks.sh"
	"$out/build/src/kmmap.ko" "$out/build/src/vmmap.ko"
	"$tests/mmaptest-static" "$tests/fuzz-static" "$tests/hostile-static" "$tests/stress-static"
	"$tests/zerocopy-static" "$tests/filecalls-static")
t=$SECONDS
status=0
"$MATRIX_TOP/test/lib/guest.sh" "${guest[@]}" > "$out/console" 2>&1 || status=$?
t_boot=$((SECONDS - t))
# guest-driver-checks.sh says "# MACHINE, N-byte pages: ..."
page=$(sed -n 's/^# [^ ]*, \([0-9]*\)-byte pages:.*/\1/p' "$out/console" | head -n 1)
page=${page:--}
passed=$(grep -c '^ok ' "$out/console" || true)
failed=$(grep -c '^not ok' "$out/console" || true)
{
	# No result line at all (a guest that died at boot) is no reason to stop here.
	{ grep -E '^(ok|not ok) ' "$out/console" || true; } | sed -E "s/^(not ok|ok) (- )?/\\1 - $line ($k): /"
	if [ "$status" = 0 ]; then
		echo "ok - $line ($k): the guest ran every check to the end"
	else
		echo "not ok - $line ($k): the guest ran every check to the end (status $status)"
		tail -n 40 "$out/console" | sed 's/^/# /'
		# A guest that died or timed out without a "not ok" line failed too.
		[ "$failed" != 0 ] || failed=1
	fi
} >> "$tap"
