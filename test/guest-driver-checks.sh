#!/bin/sh
# The driver checks, run inside a booted guest (busybox sh) with the
# modules in /modules, mmaptest-static, zerocopy-static, filecalls-static
# and hostile-static (its --insmod) on PATH and, where the host found the kernel's RAM disk
# module, /modules/extra/brd.ko (else /modules/extra/brd.ko.missing says
# why: test/lib/block-module.sh). Prints TAP-style lines ("ok - ..." /
# "not ok - ...") and, from the programs, their own; the host side counts
# them. Exit status: 0 when nothing failed.
#
# Sizes follow the kernel's page size, never 4096: the page size comes from
# this shell's own mappings (busybox has no getconf). kmmap takes its
# buffer from the page allocator up to the largest buddy order's block
# (/proc/buddyinfo has one column per order), and above that from the
# contiguous range allocator, up to half of RAM.

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

# run_filecalls MODULE LABEL: zerocopy (O_DIRECT with the RAM disk, io_uring
# fixed buffers, process_vm_readv/writev, vmsplice on the mapping) and
# filecalls (msync, fsync, sendfile, splice, vectored and io_uring I/O).
run_filecalls() {
	for prog in zerocopy filecalls; do
		echo "# $prog /dev/$1 ($2)"
		if [ "$prog" = zerocopy ]; then
			"$prog-static" "$blockdev_opt" "$blockdev_arg" "/dev/$1" > /tmp/prog.out 2>&1
		else
			"$prog-static" "/dev/$1" > /tmp/prog.out 2>&1
		fi
		status=$?
		sed "s/^\(not ok\|ok\) [0-9]* - /\1 - $1 $2: $prog: /" /tmp/prog.out
		[ "$status" = 0 ] || fail "$1 $2: $prog exits 0 (status $status)"
	done
}

page=$(($(sed -n 's/^KernelPageSize: *\([0-9]*\) kB$/\1/p' /proc/self/smaps | head -n 1) * 1024))
orders=$(awk 'NR == 1 { print NF - 4 }' /proc/buddyinfo)
kmmap_max=$((1 << (orders - 1)))
# vmmap: 16 MiB and three pages, a size that is no power of two.
vmmap_big=$((16 * 1024 * 1024 / page + 3))
# kmmap above the largest buddy block (the contiguous range allocator):
# twice that and three pages, no power of two either.
kmmap_big=$((2 * kmmap_max + 3))
echo "# $(uname -m), $page-byte pages: kmmap's page-allocator limit is $kmmap_max pages (tried at $kmmap_big too), vmmap is tried at $vmmap_big"

# What the kernel logged from here on is checked at the end.
dmesg -c > /dev/null

# The scratch block device of zerocopy's O_DIRECT checks: a RAM disk of
# 4 MiB (brd's rd_size is in KiB), or why there is none.
blockdev_opt=--no-blockdev blockdev_arg=''
if [ ! -d /sys/block ]; then
	blockdev_arg="this kernel has no block layer (no /sys/block)"
elif [ -e /modules/extra/brd.ko ]; then
	if insmod /modules/extra/brd.ko rd_nr=1 rd_size=4096 2>/tmp/insmod.err; then
		pass "insmod brd rd_nr=1 rd_size=4096 (a RAM disk for the O_DIRECT checks)"
	else
		fail "insmod brd rd_nr=1 rd_size=4096 ($(tr -d '\n' < /tmp/insmod.err))"
	fi
elif [ -s /modules/extra/brd.ko.missing ]; then
	blockdev_arg=$(cat /modules/extra/brd.ko.missing)
else
	blockdev_arg="no brd module for this kernel in the initramfs"
fi
if [ -b /dev/ram0 ]; then
	blockdev_opt=--blockdev blockdev_arg=/dev/ram0
elif [ -z "$blockdev_arg" ]; then
	blockdev_arg="brd gave no /dev/ram0"
fi
echo "# zerocopy's block device: ${blockdev_opt#--} $blockdev_arg"

for mod in kmmap vmmap; do
	load "$mod"
done
expect "both modules are loaded at once" grep -q '^vmmap ' /proc/modules
# kmmap's limit, as its load line says: half of RAM where the kernel has the
# contiguous range allocator (CONFIG_CONTIG_ALLOC), else the page
# allocator's largest block.
kmmap_limit=$(dmesg | sed -n 's/.*kmmap: \/dev\/kmmap ready: .* on this kernel (\(.*\))$/\1/p' | tail -n 1)
expect "kmmap's load line names its limit (${kmmap_limit:-none})" test -n "$kmmap_limit"
no_contig=''
[ "$kmmap_limit" = "half of RAM" ] ||
	no_contig="this kernel has no contiguous range allocator (kmmap's limit: ${kmmap_limit:-unknown}, $kmmap_max pages)"
for mod in kmmap vmmap; do
	expect "/dev/$mod is a character device" test -c "/dev/$mod"
	expect "/proc/$mod exists" test -r "/proc/$mod"
	expect "npages of $mod is 16 and read-only in sysfs" \
		sh -c "[ \"\$(cat /sys/module/$mod/parameters/npages)\" = 16 ] &&
		       [ \"\$(stat -c %a /sys/module/$mod/parameters/npages)\" = 444 ]"
	run_mmaptest "$mod" "npages=16"
	run_filecalls "$mod" "npages=16"
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

# Other buffer sizes: one page, the largest buddy block, and kmmap above it
# (from the contiguous range allocator).
big="kmmap=$kmmap_big"
if [ -n "$no_contig" ]; then
	big=''
	echo "ok - insmod kmmap npages=$kmmap_big (above the largest buddy block) # SKIP $no_contig"
fi
for sizes in "kmmap=1 vmmap=1" "kmmap=$kmmap_max vmmap=$vmmap_big" $big; do
	for pair in $sizes; do
		mod=${pair%=*} n=${pair#*=}
		load "$mod" "npages=$n"
		expect "$mod reports npages=$n" grep -qx "$n" "/sys/module/$mod/parameters/npages"
		run_mmaptest "$mod" "npages=$n"
		run_filecalls "$mod" "npages=$n"
		expect "rmmod $mod (npages=$n)" rmmod "$mod"
	done
done

# Bad npages values fail the load with one clear line in the kernel log.
# Without the contiguous range allocator, kmmap above the largest buddy
# block is one of them.
above=''
[ -z "$no_contig" ] || above="kmmap $kmmap_big $kmmap_limit"
for bad in "kmmap 0 out of range" "vmmap 0 out of range" "kmmap 4000000000 ${kmmap_limit:-half of RAM}" \
	"vmmap 4000000000 half of RAM" "kmmap abc invalid" "vmmap -1 invalid" ${above:+"$above"}; do
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
	# shellcheck disable=SC2016 # the inner shell expands its own arguments
	expect "the kernel log says why ($*)" sh -c 'dmesg | grep "$1" | grep -q "$2"' sh "$mod" "$*"
	expect "no /dev/$mod is left behind" test ! -e "/dev/$mod"
done

# kmmap within its range, but with no room: vmmap holds half of RAM (its
# limit), kmmap asks for half of RAM too (its limit), more than is left free.
# (Less would not do: a guest with little else running can have 85 % of its
# RAM free, contiguous.) The load fails with ENOMEM and one line in the
# kernel log, without waking the OOM killer.
mem_pages=$(($(sed -n 's/^MemTotal: *\([0-9]*\) kB$/\1/p' /proc/meminfo) * 1024 / page))
hold=$((mem_pages / 2)) want=$((mem_pages / 2))
enomem="kmmap npages=$want (half of RAM) while vmmap holds $hold pages (half of RAM)"
if [ -n "$no_contig" ]; then
	echo "ok - $enomem: the load fails with ENOMEM # SKIP $no_contig"
else
	load vmmap "npages=$hold"
	dmesg -c >> /tmp/dmesg.all
	# One finit_module(), as hostile-static --insmod makes it: busybox's
	# insmod tries init_module() after a failed finit_module(), which loads
	# the module twice and logs twice.
	hostile-static --insmod /modules/kmmap.ko "npages=$want" ENOMEM > /tmp/insmod.out 2>&1
	status=$?
	sed "s/^\(not ok\|ok\) - hostile kmmap: /\1 - $enomem: /" /tmp/insmod.out
	[ "$status" = 0 ] || failed=1
	[ ! -e /sys/module/kmmap ] || rmmod kmmap
	expect "$enomem: one kernel log line says kmmap cannot allocate" \
		sh -c "[ \"\$(dmesg | grep -c 'kmmap: cannot allocate')\" = 1 ]"
	if dmesg | grep -E 'Out of memory|oom-kill'; then
		fail "$enomem: no OOM kill in the kernel log"
	else
		pass "$enomem: no OOM kill in the kernel log"
	fi
	expect "$enomem: no /dev/kmmap is left behind" test ! -e /dev/kmmap
	expect "rmmod vmmap (npages=$hold)" rmmod vmmap
fi

dmesg >> /tmp/dmesg.all
if grep -E 'BUG|WARNING|Oops|[Bb]ad page|Call Trace|general protection|KASAN|UBSAN|kmemleak|circular locking' /tmp/dmesg.all; then
	fail "the kernel log is free of BUG, WARNING, Oops and bad page state"
else
	pass "the kernel log is free of BUG, WARNING, Oops and bad page state"
fi
exit "$failed"
