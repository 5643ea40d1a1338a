#!/bin/sh
# The reliability checks, run inside a booted guest (busybox sh) with the
# modules in /modules and fuzz-static, stress-static, hostile-static (and,
# for the driver checks, guest-driver-checks.sh and mmaptest-static) on
# PATH. Prints TAP-style lines, the programs' "figure: NAME N" lines and,
# at the end, "figure: sanitizer_reports N" (KASAN, kmemleak, lockdep,
# BUG, WARNING, ... in the kernel log since boot). Exit status: 0 when
# nothing failed.
#
# Settings come from the kernel command line (the kernel hands unknown
# NAME=VALUE words to init's environment; see test/suite-60-sanitizer.sh):
#   PART=a        the driver checks (guest-driver-checks.sh), fuzzing of both
#                 devices, hostile inputs, npages inputs
#   PART=b        stress (threads x seconds) and load/unload cycles
#   PART=all      both (default)
#   DRIVER_CHECKS=yes|no   run guest-driver-checks.sh in part a (default yes)
#   FUZZ_OPS=N FUZZ_SEED=S STRESS_THREADS=N STRESS_SECONDS=M CYCLES=N
#   SANITIZER=yes          a sanitizer kernel: kmemleak scan at the end

failed=0
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; failed=1; }

PART=${PART:-all}
FUZZ_OPS=${FUZZ_OPS:-10000}
FUZZ_SEED=${FUZZ_SEED:-1}
STRESS_THREADS=${STRESS_THREADS:-4}
STRESS_SECONDS=${STRESS_SECONDS:-10}
CYCLES=${CYCLES:-100}
kmemleak=/sys/kernel/debug/kmemleak
log=/tmp/kernel.log

# The kernel log is collected in $log from boot on (guest-driver-checks.sh
# empties the ring buffer with dmesg -c, and keeps its part in /tmp/dmesg.all).
collect_log() {
	dmesg -c >> "$log"
}
collect_log

if [ "${SANITIZER:-no}" = yes ]; then
	if [ -w "$kmemleak" ]; then
		# Objects the kernel itself lost while booting are not the drivers':
		# list them, then start the count from zero.
		echo scan > "$kmemleak"
		boot_leaks=$(grep -c 'unreferenced object' "$kmemleak")
		if [ "$boot_leaks" -gt 0 ]; then
			echo "# kmemleak: $boot_leaks suspected leaks from the boot, before any module (not counted):"
			sed 's/^/#   /' "$kmemleak" | head -n 60
		fi
		echo clear > "$kmemleak"
		pass "kmemleak is on ($boot_leaks boot-time suspects cleared)"
	else
		fail "kmemleak is on ($kmemleak is not writable)"
	fi
fi

# stage NAME: says how long the previous stage took (the suite shows these lines)
stage_name='' stage_start=$(date +%s)
stage() {
	now=$(date +%s)
	[ -z "$stage_name" ] || echo "# time: $stage_name $((now - stage_start)) s"
	stage_name=$1 stage_start=$now
}

run() { # run DESCRIPTION COMMAND...: passes when COMMAND exits 0; its output is shown
	what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what (exit status $?)"; fi
}

load() { # load MODULE [PARAM...]
	mod=$1
	shift
	run "insmod $mod${*:+ $*}" insmod "/modules/$mod.ko" "$@"
}

part_a() {
	if [ "${DRIVER_CHECKS:-yes}" = yes ]; then
		stage "guest-driver-checks.sh"
		collect_log
		echo "# guest-driver-checks.sh"
		start=$(date +%s)
		if sh /bin/guest-driver-checks.sh; then status=0; else status=$?; fi
		# Its part of the kernel log, then what came after its last dmesg.
		cat /tmp/dmesg.all >> "$log" 2>/dev/null
		dmesg -c > /dev/null
		if [ "$status" = 0 ]; then
			pass "guest-driver-checks.sh passed ($(($(date +%s) - start)) s)"
		else
			fail "guest-driver-checks.sh passed (exit status $status)"
		fi
	fi

	# Fuzzing: the default size at full length, and one page and three pages
	# (every mapping is the whole buffer or at its edges) at a tenth each.
	for size in 16 1 3; do
		stage "fuzz and hostile inputs at npages=$size"
		ops=$FUZZ_OPS
		[ "$size" = 16 ] || ops=$((FUZZ_OPS / 10))
		load kmmap "npages=$size"
		load vmmap "npages=$size"
		for dev in kmmap vmmap; do
			run "fuzz /dev/$dev (npages=$size): $ops operations, seed $FUZZ_SEED, no divergence" \
				fuzz-static --seed "$FUZZ_SEED" --ops "$ops" "/dev/$dev"
		done
		if [ "$size" = 16 ]; then
			for dev in kmmap vmmap; do
				run "hostile inputs to /dev/$dev all get their expected result" \
					hostile-static "/dev/$dev"
			done
		fi
		rmmod kmmap vmmap || fail "rmmod kmmap vmmap after fuzzing"
	done

	stage "npages inputs"
	npages_inputs
}

# npages: each value and what finit_module() (insmod) must say; the refused
# ones must say why in one line of the kernel log.
npages_inputs() {
	# In pages of this kernel's size (this shell's own mappings say which):
	# both modules' limit is half of RAM. kmmap takes up to the largest
	# buddy order's block (/proc/buddyinfo has one column per order) from
	# the page allocator, and more from the contiguous range allocator.
	page_kib=$(sed -n 's/^KernelPageSize: *\([0-9]*\) kB$/\1/p' /proc/self/smaps | head -n 1)
	mem_kib=$(sed -n 's/^MemTotal: *\([0-9]*\) kB$/\1/p' /proc/meminfo)
	max=$((mem_kib / page_kib / 2))
	block=$((1 << ($(awk 'NR == 1 { print NF - 4 }' /proc/buddyinfo) - 1)))
	n=0
	for entry in "kmmap 0 EINVAL" "vmmap 0 EINVAL" "kmmap 1 ok" "vmmap 1 ok" \
		"kmmap $block ok" "kmmap $((block + 1)) ok" \
		"kmmap $((max + 1)) EINVAL" "vmmap $((max + 1)) EINVAL" \
		"kmmap 4294967295 EINVAL" "vmmap 4294967295 EINVAL" \
		"kmmap 4294967296 ERANGE" "vmmap 99999999999999999999 ERANGE" \
		"kmmap abc EINVAL" "vmmap -1 EINVAL" "kmmap 16abc EINVAL" "vmmap 1.5 EINVAL" \
		"kmmap empty EINVAL" "vmmap 0x10 ok" "kmmap 010 ok" "vmmap +16 ok"; do
		# shellcheck disable=SC2086 # module, value, expected result
		set -- $entry
		mod=$1 value=$2 want=$3
		[ "$value" = empty ] && value=
		collect_log
		n=$((n + 1))
		hostile-static --insmod "/modules/$mod.ko" "npages=$value" "$want" || failed=1
		if [ "$want" = EINVAL ] || [ "$want" = ERANGE ]; then
			# One line that names the module, and why.
			lines=$(dmesg | grep -c "$mod")
			if [ "$lines" = 1 ]; then
				pass "  ... the kernel log says why: $(dmesg | grep "$mod" | sed 's/^\[[ 0-9.]*\] //')"
			else
				fail "  ... the kernel log says why in one line (it has $lines lines)"
				dmesg | sed 's/^/# /'
			fi
			[ ! -e "/dev/$mod" ] || fail "  ... no /dev/$mod is left behind"
		fi
	done
	# An unknown parameter (ignored, with a warning), a second load of a loaded module.
	n=$((n + 1))
	hostile-static --insmod /modules/kmmap.ko "size=16" ok || failed=1
	insmod /modules/vmmap.ko
	n=$((n + 1))
	hostile-static --insmod /modules/vmmap.ko "" EEXIST || failed=1
	rmmod vmmap
	# The largest buffers: load, map all of it, every page signed, unload.
	# kmmap's limit is half of RAM as vmmap's, but its buffer must be one
	# free physically contiguous range: at the limit it loads, or (where the
	# kernel's own memory splits every range that long, as in a small guest)
	# fails with ENOMEM, one line and no OOM kill. A quarter of RAM must load.
	for entry in "vmmap $max the maximum" "kmmap $max the maximum" "kmmap $((max / 2)) a quarter of RAM"; do
		# shellcheck disable=SC2086
		set -- $entry
		mod=$1 pages=$2
		shift 2
		n=$((n + 1))
		start=$(date +%s)
		collect_log
		if stress-static --cycles 1 --npages "$pages" "/modules/$mod.ko" > /tmp/max.out 2>&1; then
			pass "hostile $mod: insmod npages=$pages ($*), map it all, every page signed, rmmod ($(($(date +%s) - start)) s)"
		elif [ "$mod $*" = "kmmap the maximum" ] && grep -q 'Cannot allocate memory' /tmp/max.out &&
			[ "$(dmesg | grep -c "kmmap: cannot allocate $pages physically contiguous pages")" = 1 ] &&
			! dmesg | grep -q -i -e 'out of memory' -e 'oom-kill'; then
			pass "hostile kmmap: insmod npages=$pages (the maximum) fails with ENOMEM, one kernel log line and no OOM kill: no free contiguous range that long in this guest"
		else
			fail "hostile $mod: insmod npages=$pages ($*), map it all, every page signed, rmmod"
			grep -v '^figure' /tmp/max.out | sed 's/^/# /'
			dmesg | grep -e "$mod" -e 'out of memory' | sed 's/^/# /'
		fi
	done
	echo "figure: hostile_inputs_npages $n"
}

part_b() {
	stage stress
	load kmmap npages=64
	load vmmap npages=64
	run "stress: $STRESS_THREADS threads x $STRESS_SECONDS s on both devices, no error" \
		stress-static --threads "$STRESS_THREADS" --seconds "$STRESS_SECONDS" --seed "$FUZZ_SEED" \
		/dev/kmmap /dev/vmmap
	rmmod kmmap vmmap || fail "rmmod kmmap vmmap after the stress"
	stage "load/unload cycles"
	run "$CYCLES load/open/map/unload cycles of both modules" \
		stress-static --cycles "$CYCLES" /modules/kmmap.ko /modules/vmmap.ko
}

case $PART in
a) part_a ;;
b) part_b ;;
*) part_a; part_b ;;
esac

stage "kmemleak scan and kernel log"
if [ "${SANITIZER:-no}" = yes ] && [ -w "$kmemleak" ]; then
	# Only objects older than 5 s are reported: wait, then scan twice.
	sleep 6
	echo scan > "$kmemleak"
	echo scan > "$kmemleak"
	cat "$kmemleak" > /tmp/kmemleak.txt
fi
collect_log
# One line per report: its first line (KASAN, lockdep and BUG reports all
# start with "BUG:" or "WARNING:"), plus every kmemleak suspect.
pattern='BUG:|WARNING:|kernel BUG at|Oops|general protection fault|UBSAN:|[Bb]ad page|page allocation failure|vmalloc error|INFO: task .* blocked|soft lockup|rcu.*stall|unreferenced object'
grep -E "$pattern" "$log" /tmp/kmemleak.txt 2>/dev/null | sed 's/^/# report: /' > /tmp/reports
reports=$(grep -c . /tmp/reports)
if [ "$reports" = 0 ]; then
	pass "the kernel log has no KASAN, kmemleak, lockdep, BUG or WARNING report"
else
	fail "the kernel log has no KASAN, kmemleak, lockdep, BUG or WARNING report ($reports)"
	cat /tmp/reports
	echo "# --- the kernel log"
	sed 's/^/# /' "$log" | tail -n 300
	[ -s /tmp/kmemleak.txt ] && sed 's/^/# kmemleak: /' /tmp/kmemleak.txt | head -n 100
fi
echo "figure: sanitizer_reports $reports"
stage end
exit "$failed"
