#!/bin/bash
# The kernel matrix: build mmapdev (W=1) for every Debian kernel line, boot
# each kernel under QEMU TCG with the main suite's guest checks, print one
# TAP line per result and a table kernel x (build, warnings, tests), and
# say which line carries the newest kernel Debian ships (resolved each run,
# compared with dpkg --compare-versions) and whether it passed.
#
# Usage: test/matrix/matrix.sh [LINE...]
#   LINEs: bullseye bookworm bookworm-6.12 trixie trixie-backports sid
#          experimental, or newest: the line that carries the newest kernel
#          Debian ships (default: $MMAPDEV_MATRIX); LINE:FLAVOUR for another
#          architecture's kernel (bookworm:arm64, trixie:arm64,
#          trixie-backports:arm64, bookworm:powerpc64le, ...)
# Environment:
#   MMAPDEV_MATRIX        all (default) | fast (bookworm's two lines on the
#                         host and the newest: one chroot) | arch (the lines
#                         of other architectures) | "LINE ..."
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
	arch) lines=$MATRIX_LINES_ARCH ;;
	fast) lines=$MATRIX_LINES_FAST ;;
	*) lines=$MMAPDEV_MATRIX ;;
	esac
fi
for line in $lines; do
	[ "$line" = newest ] || matrix_line "$line" || exit 2
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
# Other architectures: their cross compilers and C libraries (the static
# test programs), their QEMU.
for line in $lines; do
	case "$line" in
	*:arm64*) test/lib/deps.sh gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm ;;
	*:powerpc64le*) test/lib/deps.sh gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross qemu-system-ppc ;;
	esac
done

# Resolve every line's kernel first, one after the other: installing
# bookworm's kernels on the host runs apt, which must not run twice at once.
# The other suites' lists are needed even for host lines alone: which
# kernel is the newest one Debian ships is asked of every suite.
if ! matrix_apt_update 2> "$work/apt.log"; then
	echo "not ok - the other suites' package lists (private APT state in $MATRIX_APT)"
	sed 's/^/# /' "$work/apt.log"
	exit 1
fi
matrix_prune
[ ! -s "$work/apt.log" ] || sed 's/^/# /' "$work/apt.log"
if [[ " $lines " == *" newest "* ]]; then
	pairs=()
	for line in $MATRIX_LINES_AMD64; do
		pairs+=("$line=$(matrix_version "$line" 2>/dev/null || true)")
	done
	read -r newest _ <<< "$(matrix_newest "${pairs[@]}")" || true
	if [ -z "${newest:-}" ]; then
		echo "not ok - the line with the newest kernel Debian ships: no suite's kernel resolved"
		exit 1
	fi
	# The line in place of "newest", once.
	picked=''
	for line in $lines; do
		[ "$line" != newest ] || line=$newest
		[[ " $picked " == *" $line "* ]] || picked="$picked $line"
	done
	lines=${picked# }
fi
resolved=()
declare -A version # line -> its kernel's package version
for line in $lines; do
	status=0
	(matrix_resolve "$line" && declare -p kernel_abi kernel_version headers_pkg image_pkg foreign_debs cross_pkgs) \
		> "$work/$line.env" 2> "$work/$line.resolve" || status=$?
	mkdir -p "$work/$line"
	if [ "$status" = 0 ]; then
		resolved+=("$line")
		# shellcheck source=/dev/null
		version[$line]=$(. "$work/$line.env" && echo "$kernel_version")
	elif [ "$status" = 3 ]; then
		version[$line]=''
		echo "ok - $line: nothing to test # SKIP $(tail -n 1 "$work/$line.resolve")"
		printf '%s\t-\t-\tskip\t-\t0\t0\t0\t0\t0\t-\t-\n' "$line" > "$work/$line/summary"
	else
		echo "not ok - $line: resolve the line's kernel"
		sed 's/^/# /' "$work/$line.resolve"
		printf '%s\t?\t?\tno\t-\t0\t1\t0\t0\t0\t-\t-\n' "$line" > "$work/$line/summary"
	fi
done

# The newest kernel Debian ships, wherever it is: the lines of this run as
# resolved, every other line as its suites list it (a skipped line is not
# newer than the line above it, so it cannot be the newest).
pairs=()
for line in $MATRIX_LINES_AMD64; do
	if [ -v "version[$line]" ]; then
		pairs+=("$line=${version[$line]}")
	else
		pairs+=("$line=$(matrix_version "$line" 2>/dev/null || true)")
	fi
done
read -r newest newest_version <<< "$(matrix_newest "${pairs[@]}")" || true
if [ -n "${newest:-}" ]; then
	echo "# newest kernel Debian ships: $newest_version ($newest)"
fi
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
		[ -s "$work/$line/summary" ] ||
			printf '%s\t?\t%s\tno\t-\t0\t1\t0\t0\t0\t-\t-\n' "$line" "${version[$line]}" > "$work/$line/summary"
		echo "not ok - $line: ran to the end" > "$work/$line/result.tap"
	fi
	grep -q '^not ok' "$work/$line/result.tap" && status=1
done

what="the newest kernel Debian ships (${newest:-?}: ${newest_version:-?})"
if [ -z "${newest:-}" ]; then
	echo "not ok - the newest kernel Debian ships: no suite's kernel resolved"
	status=1
elif [[ " $lines " != *" $newest "* ]]; then
	echo "ok - $what builds and passes # SKIP $newest is not in this run"
elif [[ " ${resolved[*]} " != *" $newest "* ]] || grep -q '^not ok' "$work/$newest/result.tap"; then
	echo "not ok - $what builds and passes"
else
	echo "ok - $what builds and passes"
fi

echo
echo "Kernel matrix (mmapdev $(cat VERSION)): W=1 builds, guest checks under QEMU TCG; times in s"
row='%-22s %-8s %-5s %-29s %-18s %-5s %-8s %-6s %-6s %-7s %-5s %-4s %s\n'
# shellcheck disable=SC2059 # the format is the one above
printf "$row" line arch page kernel version build warnings passed failed prepare build boot newest
for line in $lines; do
	IFS=$'\t' read -r l k v b w p f tp tb tt _ pg < "$work/$line/summary"
	matrix_line "$line" && a=$line_arch
	[ "$b" = skip ] || { [ "$b" = yes ] && [ "$w" = 0 ] && [ "$f" = 0 ] && [ "$p" -gt 0 ]; } || status=1
	n=''
	[ "$line" != "${newest:-}" ] || n=yes
	# shellcheck disable=SC2059
	printf "$row" "$l" "$a" "${pg:--}" "$k" "$v" "$b" "$w" "$p" "$f" "$tp" "$tb" "$tt" "$n"
done
[ -z "${newest:-}" ] || [[ " $lines " == *" $newest "* ]] ||
	echo "(the newest kernel Debian ships, $newest_version from $newest, is not in this run)"
echo "matrix: $((SECONDS - start)) s in all"
exit "$status"
