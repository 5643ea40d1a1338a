#!/bin/sh
# The benchmark's guest side (busybox sh), run by bench/run.sh in a booted
# kernel with the modules in /modules and bench-static on PATH. run.sh
# puts these settings in front of it:
#   MODULES      the modules to measure, side by side (default "kmmap vmmap";
#                "kmmap_new vmmap_new" are a driver change built under new
#                names). Each gives /dev/NAME and /proc/NAME.
#   ALTERNATIVES the kernel's own alternatives, measured where this kernel
#                has them (default "dmaheap udmabuf"; bench/alternatives.c)
#   BW_PAGES     buffer size of the bandwidth tests (capped to every limit)
#   SIZES        buffer sizes of the setup sweep, in pages, ascending; a
#                module takes part up to its largest loadable buffer, and
#                each variant while the memory is there (in the order
#                MODULES, then ALTERNATIVES: the baselines anon and memfd
#                take twice the size, udmabuf shares memfd's pages)
#   REPS         repetitions per figure (short samples: bandwidth, procfs)
#   BEST_OF      runs back to back per sample, the fastest kept
#   SETUP_REPS   repetitions of the setup sweep below BIG_PAGES pages
#   BIG_REPS     ... and from BIG_PAGES pages on (each round is long)
#   BIG_BEST_OF  ... with this many runs per sample
#   BIG_PAGES
#   VMAS         VMA counts of the procfs test
# Prints BENCH,... and SAMPLES,... rows (see bench/bench.c), "# SKIP ..."
# lines for what this kernel lacks and "# [uptime] ..." progress lines.

: "${MODULES:=kmmap vmmap}" "${ALTERNATIVES:=dmaheap udmabuf}" "${BW_PAGES:=1024}"
: "${SIZES:=16 64 256 1024}" "${REPS:=31}" "${BEST_OF:=3}" "${SETUP_REPS:=15}"
: "${BIG_REPS:=5}" "${BIG_BEST_OF:=$BEST_OF}" "${BIG_PAGES:=65536}"
: "${VMAS:=10 100 1000 10000}"
# Kept free beside the buffers of the setup sweep (KiB).
MARGIN_KB=262144

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

centis() { # the uptime in hundredths of a second
	sed 's/^\([0-9]*\)\.\([0-9][0-9]\).*/\1\2/' /proc/uptime
}

# Loads MODULE at NPAGES and unloads it; on success sets load_ns to how
# long the load (insmod) took.
try_load() { # try_load MODULE NPAGES
	t0=$(centis)
	load "$1" "$2" || return 1
	load_ns=$((($(centis) - t0) * 10000000))
	rmmod "$1"
}

# The largest buffer a module loads: the limit it states when asked for
# too much if that loads, or else the largest power of two below it that
# does, then halfway towards the smallest size that failed while that is
# more than an eighth (in whole MiB). Prints "PAGES LOAD_NS".
limit() { # limit MODULE
	dmesg -c > /dev/null
	load_ns=0
	if load "$1" 4294967295; then
		rmmod "$1"
		echo "0 0"
		return
	fi
	n=$(dmesg | sed -n 's/.*npages=[0-9]* is out of range: 1 to \([0-9]*\) pages.*/\1/p' | tail -n 1)
	fail=""
	while [ -n "$n" ] && [ "$n" -gt 0 ]; do
		if try_load "$1" "$n"; then
			break
		fi
		fail=$n
		p=1
		while [ $((p * 2)) -lt "$n" ]; do p=$((p * 2)); done
		n=$p
		[ "$n" -gt 1 ] || { n=0; break; }
	done
	[ -n "$n" ] || n=0
	mib=$((1048576 / page))
	best=$n best_ns=$load_ns
	while [ "$best" -gt 0 ] && [ -n "$fail" ] && [ $((fail - best)) -gt $((best / 8)) ]; do
		mid=$(((best + fail) / 2 / mib * mib))
		[ "$mid" -gt "$best" ] || break
		if try_load "$1" "$mid"; then
			best=$mid best_ns=$load_ns
		else
			fail=$mid
		fi
	done
	echo "$best $best_ns"
}

avail_kb() {
	sed -n 's/^MemAvailable: *\([0-9]*\) kB$/\1/p' /proc/meminfo
}

dmesg -c > /dev/null
# The kernel's page size, from this shell's own mappings (busybox has no getconf).
page=$(($(sed -n 's/^KernelPageSize: *\([0-9]*\) kB$/\1/p' /proc/self/smaps | head -n 1) * 1024))
say "booted $(uname -r), $(sed -n 's/^MemTotal: *//p' /proc/meminfo) RAM, $page-byte pages; measuring $MODULES"

devs=""
bw=$BW_PAGES
for mod in $MODULES; do
	# shellcheck disable=SC2046 # two numbers
	set -- $(limit "$mod")
	n=$1
	say "$mod: largest buffer that loads: $n pages, in $(($2 / 10000000)) cs"
	echo "BENCH,limit,$mod,$n,$((n * page)),1,$2,$2,$2,$((n * page)),bytes"
	eval "max_$mod=$n"
	devs="$devs -d $mod"
	[ "$n" -ge "$bw" ] || bw=$n
done
dmesg -c > /dev/null

# The kernel's alternatives (built in where Debian has them): the device
# node says whether this kernel has one.
alts=""
for alt in $ALTERNATIVES; do
	case "$alt" in
	dmaheap) node=/dev/dma_heap/system config=CONFIG_DMABUF_HEAPS_SYSTEM ;;
	udmabuf) node=/dev/udmabuf config=CONFIG_UDMABUF ;;
	*) say "no alternative called $alt"; failed=1; continue ;;
	esac
	if [ ! -e "$node" ]; then
		echo "# SKIP $alt: no $node, not in this kernel ($config); its ratios are left out"
		continue
	fi
	alts="$alts $alt"
	if [ "$alt" = udmabuf ] && [ -r /sys/module/udmabuf/parameters/size_limit_mb ]; then
		n=$(($(cat /sys/module/udmabuf/parameters/size_limit_mb) * 1048576 / page))
		say "udmabuf: size_limit_mb allows $n pages"
		echo "BENCH,limit,udmabuf,$n,$((n * page)),1,0,0,0,$((n * page)),bytes"
	fi
done
say "alternatives:${alts:- none}"
all_alts=""
for alt in $alts; do all_alts="$all_alts -a $alt"; done

say "bandwidth at $bw pages"
for mod in $MODULES; do
	load "$mod" "$bw" || { say "$mod does not load at $bw pages"; failed=1; }
done
# shellcheck disable=SC2086 # $devs and $all_alts are lists of options
bench-static -r "$REPS" -k "$BEST_OF" $devs $all_alts stream "$bw" || failed=1
# shellcheck disable=SC2086
bench-static -r "$REPS" -k "$BEST_OF" $devs rw "$bw" || failed=1
unload_all

for n in $SIZES; do
	reps=$SETUP_REPS best=$BEST_OF
	[ "$n" -lt "$BIG_PAGES" ] || reps=$BIG_REPS best=$BIG_BEST_OF
	kb=$((n * page / 1024))
	# What fits beside the baselines (anon while it runs, memfd throughout).
	budget=$(($(avail_kb) - 2 * kb - MARGIN_KB))
	for mod in $MODULES; do
		eval "max=\$max_$mod"
		# shellcheck disable=SC2154 # set by the eval
		if [ "$n" -gt "$max" ]; then
			continue
		elif [ "$budget" -lt "$kb" ]; then
			say "$mod left out at $n pages: not the memory for it"
		elif load "$mod" "$n"; then
			budget=$((budget - kb))
		else
			say "$mod does not load at $n pages"
		fi
	done
	setup_alts=""
	for alt in $alts; do
		# udmabuf maps memfd's pages: no memory of its own.
		if [ "$alt" = dmaheap ]; then
			if [ "$budget" -lt "$kb" ]; then
				say "$alt left out at $n pages: not the memory for it"
				continue
			fi
			budget=$((budget - kb))
		fi
		setup_alts="$setup_alts -a $alt"
	done
	say "setup at $n pages, $reps repetitions, best of $best"
	# shellcheck disable=SC2086
	bench-static -r "$reps" -k "$best" $devs $setup_alts setup "$n" || failed=1
	unload_all
done

say "procfs"
for mod in $MODULES; do
	load "$mod" 16 || failed=1
done
# shellcheck disable=SC2086 # lists
bench-static -r "$REPS" -k "$BEST_OF" $devs procfs $VMAS || failed=1
unload_all

if dmesg | grep -E 'BUG|WARNING|Oops|bad page state|Call Trace'; then
	say "the kernel logged a problem (above)"
	failed=1
fi
say "done"
exit "$failed"
