#!/bin/sh
# The benchmark's guest side (busybox sh), run by bench/run.sh in a booted
# kernel with the modules in /modules and bench-static on PATH. run.sh
# puts these settings in front of it:
#   MODULES      the modules to measure, side by side (default "kmmap vmmap";
#                "kmmap_new vmmap_new" are a driver change built under new
#                names). Each gives /dev/NAME and /proc/NAME.
#   BW_PAGES     buffer size of the bandwidth tests (capped to every limit)
#   SIZES        buffer sizes of the setup sweep, in pages, ascending; a
#                module takes part up to its largest loadable buffer
#   REPS         repetitions per figure (short samples: bandwidth, procfs)
#   SETUP_REPS   repetitions of the setup sweep below BIG_PAGES pages
#   BIG_REPS     ... and from BIG_PAGES pages on (each round is long)
#   BIG_PAGES
#   VMAS         VMA counts of the procfs test
# Prints BENCH,... rows (see bench/bench.c) and "# [uptime] ..." progress lines.

: "${MODULES:=kmmap vmmap}" "${BW_PAGES:=1024}" "${SIZES:=16 64 256 1024}"
: "${REPS:=31}" "${SETUP_REPS:=15}" "${BIG_REPS:=5}" "${BIG_PAGES:=65536}"
: "${VMAS:=10 100 1000 10000}"

failed=0
say() { echo "# [$(cut -d' ' -f1 /proc/uptime)] $*"; }

load() { # load MODULE NPAGES, quietly: status only
	insmod "/modules/$1.ko" "npages=$2" 2>/dev/null
}
unload_all() {
	for mod in $MODULES; do
		if grep -q "^$mod " /proc/modules; then
			rmmod "$mod" || failed=1
		fi
	done
}

# The largest buffer a module loads: the limit it states when asked for
# too much if that loads, or else the largest power of two below it that does.
limit() { # limit MODULE -> prints pages
	dmesg -c > /dev/null
	if load "$1" 4294967295; then
		rmmod "$1"
		echo 0
		return
	fi
	n=$(dmesg | sed -n 's/.*npages=[0-9]* is out of range: 1 to \([0-9]*\) pages.*/\1/p' | tail -n 1)
	while [ -n "$n" ] && [ "$n" -gt 0 ]; do
		if load "$1" "$n"; then
			rmmod "$1"
			echo "$n"
			return
		fi
		p=1
		while [ $((p * 2)) -lt "$n" ]; do p=$((p * 2)); done
		n=$p
		[ "$n" -gt 1 ] || break
	done
	echo 0
}

dmesg -c > /dev/null
# The kernel's page size, from this shell's own mappings (busybox has no getconf).
page=$(($(sed -n 's/^KernelPageSize: *\([0-9]*\) kB$/\1/p' /proc/self/smaps | head -n 1) * 1024))
say "booted $(uname -r), $(sed -n 's/^MemTotal: *//p' /proc/meminfo) RAM, $page-byte pages; measuring $MODULES"

devs=""
bw=$BW_PAGES
for mod in $MODULES; do
	n=$(limit "$mod")
	say "$mod: largest buffer that loads: $n pages"
	echo "BENCH,limit,$mod,$n,$((n * page)),1,0,0,0,$((n * page)),bytes"
	eval "max_$mod=$n"
	devs="$devs -d $mod"
	[ "$n" -ge "$bw" ] || bw=$n
done
dmesg -c > /dev/null

say "bandwidth at $bw pages"
for mod in $MODULES; do
	load "$mod" "$bw" || { say "$mod does not load at $bw pages"; failed=1; }
done
# shellcheck disable=SC2086 # $devs is a list of options
bench-static -r "$REPS" $devs stream "$bw" || failed=1
# shellcheck disable=SC2086
bench-static -r "$REPS" $devs rw "$bw" || failed=1
unload_all

for n in $SIZES; do
	reps=$SETUP_REPS
	[ "$n" -lt "$BIG_PAGES" ] || reps=$BIG_REPS
	for mod in $MODULES; do
		eval "max=\$max_$mod"
		# shellcheck disable=SC2154 # set by the eval
		if [ "$n" -le "$max" ]; then
			load "$mod" "$n" || say "$mod does not load at $n pages"
		fi
	done
	say "setup at $n pages, $reps repetitions"
	# shellcheck disable=SC2086
	bench-static -r "$reps" $devs setup "$n" || failed=1
	unload_all
done

say "procfs"
for mod in $MODULES; do
	load "$mod" 16 || failed=1
done
# shellcheck disable=SC2086 # lists
bench-static -r "$REPS" $devs procfs $VMAS || failed=1
unload_all

if dmesg | grep -E 'BUG|WARNING|Oops|bad page state|Call Trace'; then
	say "the kernel logged a problem (above)"
	failed=1
fi
say "done"
exit "$failed"
