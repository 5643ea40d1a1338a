#!/bin/sh
# The driver checks, run inside a booted guest (busybox sh) with the
# modules in /modules and mmaptest-static on PATH. Prints TAP-style lines
# ("ok - ..." / "not ok - ...") and, from mmaptest, its own; the host
# side counts them. Exit status: 0 when nothing failed.
#
# Sizes follow the kernel's page size, never 4096: the page size comes from
# this shell's own mappings (busybox has no getconf), and kmmap's limit,
# KMALLOC_MAX_SIZE, is the largest buddy order's block: /proc/buddyinfo has
# one column per order.

failed=0
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; failed=1; }
expect() { # expect DESCRIPTION COMMAND...: passes when COMMAND succeeds
	what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

load() { # load MODULE [PARAM...]
	mod=$1
	shift
	expect "insmod $mod${*:+ $*}" insmod "/modules/$mod.ko" "$@"
}

run_mmaptest() { # run_mmaptest MODULE LABEL
	echo "# mmaptest /dev/$1 ($2)"
	mmaptest-static "/dev/$1" | sed "s/^\(not ok\|ok\) [0-9]* - /\1 - $1 $2: /"
}

page=$(($(sed -n 's/^KernelPageSize: *\([0-9]*\) kB$/\1/p' /proc/self/smaps | head -n 1) * 1024))
orders=$(awk 'NR == 1 { print NF - 4 }' /proc/buddyinfo)
kmmap_max=$((1 << (orders - 1)))
# vmmap: 16 MiB and three pages, a size that is no power of two.
vmmap_big=$((16 * 1024 * 1024 / page + 3))
echo "# $(uname -m), $page-byte pages: kmmap takes up to $kmmap_max pages, vmmap is tried at $vmmap_big"

# What the kernel logged from here on is checked at the end.
dmesg -c > /dev/null

for mod in kmmap vmmap; do
	load "$mod"
done
expect "both modules are loaded at once" grep -q '^vmmap ' /proc/modules
for mod in kmmap vmmap; do
	expect "/dev/$mod is a character device" test -c "/dev/$mod"
	expect "/proc/$mod exists" test -r "/proc/$mod"
	expect "npages of $mod is 16 and read-only in sysfs" \
		sh -c "[ \"\$(cat /sys/module/$mod/parameters/npages)\" = 16 ] &&
		       [ \"\$(stat -c %a /sys/module/$mod/parameters/npages)\" = 444 ]"
	run_mmaptest "$mod" "npages=16"
done

# rmmod is refused while the device is open or mapped, and works after.
for mod in kmmap vmmap; do
	exec 3< "/dev/$mod"
	if rmmod "$mod" 2>/dev/null; then fail "rmmod $mod is refused while it is open"; else pass "rmmod $mod is refused while it is open"; fi
	exec 3<&-
	# The background job truncates /tmp/hold only once it runs: empty it here
	# and wait for this device's line, not the previous device's.
	: > /tmp/hold
	mmaptest-static --hold "/dev/$mod" > /tmp/hold 2>&1 &
	holder=$!
	tries=0
	# A starved TCG guest can take many seconds to start a process: wait up to 60 s.
	while ! grep -q "holding a mapping of /dev/$mod" /tmp/hold && [ "$tries" -lt 600 ]; do sleep 0.1; tries=$((tries + 1)); done
	expect "a process holds a mapping of /dev/$mod (closed)" grep -q "holding a mapping of /dev/$mod" /tmp/hold
	if rmmod "$mod" 2>/dev/null; then fail "rmmod $mod is refused while it is mapped"; else pass "rmmod $mod is refused while it is mapped"; fi
	kill "$holder"
	wait "$holder" 2>/dev/null
	expect "rmmod $mod works once the mapping is gone" rmmod "$mod"
	expect "/dev/$mod and /proc/$mod are gone after rmmod" sh -c "[ ! -e /dev/$mod ] && [ ! -e /proc/$mod ]"
done

# Other buffer sizes: one page, and the largest kmalloc can give.
for sizes in "kmmap=1 vmmap=1" "kmmap=$kmmap_max vmmap=$vmmap_big"; do
	for pair in $sizes; do
		mod=${pair%=*} n=${pair#*=}
		load "$mod" "npages=$n"
		expect "$mod reports npages=$n" grep -qx "$n" "/sys/module/$mod/parameters/npages"
		run_mmaptest "$mod" "npages=$n"
		expect "rmmod $mod (npages=$n)" rmmod "$mod"
	done
done

# Bad npages values fail the load with one clear line in the kernel log.
for bad in "kmmap 0 out of range" "vmmap 0 out of range" "kmmap $((kmmap_max + 1)) KMALLOC_MAX_SIZE" \
	"vmmap 4000000000 half of RAM" "kmmap abc invalid" "vmmap -1 invalid"; do
	# shellcheck disable=SC2086 # split into module, value and expected words
	set -- $bad
	mod=$1 n=$2
	shift 2
	dmesg -c > /tmp/dmesg.before
	cat /tmp/dmesg.before >> /tmp/dmesg.all
	if insmod "/modules/$mod.ko" "npages=$n" 2>/tmp/insmod.err; then
		fail "insmod $mod npages=$n is refused"
		rmmod "$mod"
	else
		pass "insmod $mod npages=$n is refused ($(tr -d '\n' < /tmp/insmod.err))"
	fi
	expect "the kernel log says why ($*)" sh -c "dmesg | grep '$mod' | grep -q '$*'"
	expect "no /dev/$mod is left behind" test ! -e "/dev/$mod"
done

dmesg >> /tmp/dmesg.all
if grep -E 'BUG|WARNING|Oops|[Bb]ad page|Call Trace|general protection|KASAN|UBSAN|kmemleak|circular locking' /tmp/dmesg.all; then
	fail "the kernel log is free of BUG, WARNING, Oops and bad page state"
else
	pass "the kernel log is free of BUG, WARNING, Oops and bad page state"
fi
exit "$failed"
