#!/bin/bash
# The driver suite on bookworm's kernels: for each, build both modules
# against its headers (W=1, no warnings allowed), boot the kernel under
# QEMU with them (and the kernel's brd module: test/lib/block-module.sh)
# and run test/guest-driver-checks.sh in it. The guests run
# two at a time. MMAPDEV_KERNELS="6.1 6.12" picks the lines.
set -euo pipefail
cd "$(dirname "$0")/.."

lines=${MMAPDEV_KERNELS:-6.1 6.12}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

test/lib/deps.sh build-essential libc6-dev
make -s -C test static

# Resolve and install every kernel first: apt must not run twice at once.
declare -A kver
for line in $lines; do
	kver[$line]=$(test/lib/host-kernel.sh "$line")
done

boot() { # boot LINE: build and run the guest checks, output in $work/LINE.*
	local line=$1 k=${kver[$1]} warnings
	if ! warnings=$(test/lib/build-modules.sh "/lib/modules/$k/build" "$work/$line"); then
		echo "not ok - $k: kmmap and vmmap build" > "$work/$line.tap"
		sed 's/^/# /' "$work/$line/build.log" >> "$work/$line.tap"
		return
	fi
	{
		echo "ok - $k: kmmap and vmmap build"
		if [ "$warnings" = 0 ]; then
			echo "ok - $k: the build has no warnings (W=1)"
		else
			echo "not ok - $k: the build has no warnings (W=1): $warnings"
			grep 'warning:' "$work/$line/build.log" | sed 's/^/# /'
		fi
	} > "$work/$line.tap"
	local status=0
	# The kernel's RAM disk module, for zerocopy's O_DIRECT checks (or the
	# reason there is none, which the guest reports).
	test/lib/block-module.sh "/lib/modules/$k" "$work/$line/blockmod" > /dev/null 2>&1 || true
	test/lib/guest.sh --timeout 600 --mem 512 --overlay "$work/$line/blockmod" \
		"/boot/vmlinuz-$k" test/guest-driver-checks.sh \
		"$work/$line"/src/kmmap.ko "$work/$line"/src/vmmap.ko test/mmaptest-static \
		test/zerocopy-static test/filecalls-static test/hostile-static \
		> "$work/$line.console" 2>&1 || status=$?
	{
		grep -E '^(ok|not ok) ' "$work/$line.console" | sed -E "s/^(not ok|ok) (- )?/\\1 - $k: /"
		if [ "$status" = 0 ]; then
			echo "ok - $k: the guest ran every check to the end"
		else
			echo "not ok - $k: the guest ran every check to the end (status $status)"
			tail -n 40 "$work/$line.console" | sed 's/^/# /'
		fi
	} >> "$work/$line.tap"
}

start=$SECONDS
pids=()
for line in $lines; do
	boot "$line" &
	pids+=($!)
done
for pid in "${pids[@]}"; do
	wait "$pid"
done
for line in $lines; do
	cat "$work/$line.tap"
	echo "# ${kver[$line]}: $(grep -c '^ok' "$work/$line.tap") passed, $(grep -c '^not ok' "$work/$line.tap") failed"
done
echo "# guests took $((SECONDS - start)) s"
