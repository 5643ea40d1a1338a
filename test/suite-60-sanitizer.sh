#!/bin/bash
# Reliability under a sanitizer kernel (issue 6): `make sanitizer-kernel`
# (KASAN, kmemleak, lockdep, DEBUG_VM, DEBUG_PAGEALLOC, ... from Debian's
# linux-source-6.12, cached), both modules built against it (W=1), then
# two guests of it at once, each on one vCPU (DEBUG_PAGEALLOC flushes the
# TLB of every vCPU on every page free, which makes TCG guests with two
# vCPUs several times slower), each running test/guest-reliability.sh:
#   A: test/guest-driver-checks.sh, the model-checked fuzzer (test/fuzz.c)
#      on both devices, the hostile inputs (test/hostile.c), npages inputs
#   B: stress (test/stress.c: threads x seconds on both devices) and the
#      load/open/map/unload cycles with MemAvailable before and after
# and each ending with a kmemleak scan and a scan of its kernel log for
# KASAN, kmemleak, lockdep, BUG and WARNING reports. Then the fuzzer,
# hostile inputs, stress and cycles (shorter) on bookworm's stock 6.1 and
# 6.12 kernels, two vCPUs each, KFENCE on where the kernel has it.
#
# Prints TAP lines and the figures of the issue:
#   figure: fuzz_ops_kmmap N        figure: fuzz_ops_vmmap N
#   figure: fuzz_divergences N      figure: load_cycles N
#   figure: leak_kib N              figure: sanitizer_reports N
#   figure: hostile_inputs N        (and stress_threads, stress_seconds,
#                                    stress_ops, stress_errors)
# Settings (environment): MMAPDEV_FUZZ_OPS (100000 per device),
# MMAPDEV_FUZZ_SEED (default: the time; printed, and reproducible with
# test/fuzz --seed), MMAPDEV_STRESS_THREADS (4), MMAPDEV_STRESS_SECONDS
# (30), MMAPDEV_LOAD_CYCLES (1000), MMAPDEV_LEAK_LIMIT_KIB (4096),
# MMAPDEV_RELIABILITY_KERNELS (stock kernel lines, "6.1 6.12"; empty: none).
# With the trixie lifecycle and Secure Boot in make check, this suite's
# 10-20 minutes would take a cold make check past CI's budget.
# Runs in: make check-all
set -euo pipefail
cd "$(dirname "$0")/.."

fuzz_ops=${MMAPDEV_FUZZ_OPS:-100000}
seed=${MMAPDEV_FUZZ_SEED:-$(date +%s)}
stress_threads=${MMAPDEV_STRESS_THREADS:-4}
stress_seconds=${MMAPDEV_STRESS_SECONDS:-30}
cycles=${MMAPDEV_LOAD_CYCLES:-1000}
leak_limit=${MMAPDEV_LEAK_LIMIT_KIB:-4096}
lines=${MMAPDEV_RELIABILITY_KERNELS-6.1 6.12}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

test/lib/deps.sh build-essential libc6-dev
make -s -C test static

programs=(test/guest-driver-checks.sh test/mmaptest-static test/fuzz-static test/stress-static
	test/hostile-static test/zerocopy-static test/filecalls-static)

# sum FILE NAME: the total of the "figure: NAME N" lines in FILE (0 if none)
sum() {
	awk -v name="$2" '$1 == "figure:" && $2 == name { s += $3 } END { print s + 0 }' "$1"
}

# tap PREFIX FILE: a console's result lines, labelled
tap() {
	grep -E '^(ok|not ok) ' "$2" | sed -E "s/^(not ok|ok) (- )?/\\1 - $1: /" || true
}

# check DESCRIPTION CONDITION...: an ok/not ok line from a test(1) condition
check() {
	local what=$1
	shift
	if test "$@"; then echo "ok - $what"; else echo "not ok - $what"; fi
}

echo "# fuzz seed $seed (reproduce: MMAPDEV_FUZZ_SEED=$seed test/run sanitizer, or test/fuzz --seed $seed --ops N DEVICE)"

# --- the sanitizer pass -------------------------------------------------------
pass_start=$SECONDS
if ! make -s sanitizer-kernel > "$work/kernel.out" 2> "$work/kernel.err"; then
	echo "not ok - sanitizer: make sanitizer-kernel"
	tail -n 40 "$work/kernel.err" | sed 's/^/# /'
	exit 1
fi
kernel=$(sed -n 's/^kernel: //p' "$work/kernel.out")
build=$(sed -n 's/^build: //p' "$work/kernel.out")
echo "ok - sanitizer: make sanitizer-kernel ($((SECONDS - pass_start)) s): $kernel"

if ! warnings=$(test/lib/build-modules.sh "$build" "$work/san"); then
	echo "not ok - sanitizer: kmmap and vmmap build against the sanitizer kernel"
	sed 's/^/# /' "$work/san/build.log"
	exit 1
fi
echo "ok - sanitizer: kmmap and vmmap build against the sanitizer kernel"
if [ "$warnings" = 0 ]; then
	echo "ok - sanitizer: the build has no warnings (W=1)"
else
	echo "not ok - sanitizer: the build has no warnings (W=1): $warnings"
	grep 'warning:' "$work/san/build.log" | sed 's/^/# /'
fi

# The RAM disk module of guest-driver-checks.sh's O_DIRECT checks, from
# the kernel's build tree; this small configuration has no block layer,
# so none: the guest says why and those checks SKIP.
test/lib/block-module.sh "$build" "$work/blockmod" > /dev/null 2>&1 || true

# The kernel hands NAME=VALUE words it does not know to init's environment.
common="kasan_multi_shot SANITIZER=yes FUZZ_SEED=$seed"
guest() { # guest NAME MEGABYTES APPEND...: boot the sanitizer kernel, console in $work/NAME.console
	local name=$1 mem=$2 status=0 start=$SECONDS
	shift 2
	test/lib/guest.sh --timeout 1800 --mem "$mem" --smp 1 --append "$common $*" \
		--overlay "$work/blockmod" "$kernel" \
		test/guest-reliability.sh "$work/san/src/kmmap.ko" "$work/san/src/vmmap.ko" \
		"${programs[@]}" > "$work/$name.console" 2>&1 || status=$?
	echo "$status $((SECONDS - start))" > "$work/$name.status"
}
guests_start=$SECONDS
# A exercises vmmap's largest buffer (half of RAM); B needs little memory,
# and kmemleak scans all of it.
guest a 2048 PART=a "FUZZ_OPS=$fuzz_ops" &
pid_a=$!
guest b 1024 PART=b "STRESS_THREADS=$stress_threads" "STRESS_SECONDS=$stress_seconds" "CYCLES=$cycles" &
pid_b=$!
wait "$pid_a" "$pid_b"

reports=0
for name in a b; do
	read -r status seconds < "$work/$name.status"
	tap "sanitizer $name" "$work/$name.console"
	if grep -q '^figure: sanitizer_reports ' "$work/$name.console"; then
		reports=$((reports + $(sum "$work/$name.console" sanitizer_reports)))
	else
		# It died before its own count (a panic?): that is a report; its
		# console's tail is shown below.
		reports=$((reports + 1))
	fi
	if [ "$status" = 0 ]; then
		echo "ok - sanitizer $name: the guest ran every check to the end ($seconds s)"
	else
		echo "not ok - sanitizer $name: the guest ran every check to the end (status $status, $seconds s)"
		tail -n 60 "$work/$name.console" | sed 's/^/# /'
	fi
	grep -E '^# (divergence|error|report|FAILED|kmemleak|fuzz|stress|cycles|hostile|time)' "$work/$name.console" |
		cut -c1-300 | head -n 80 || true
done
a=$work/a.console b=$work/b.console
fuzz_k=$(sum "$a" fuzz_ops_kmmap)
fuzz_v=$(sum "$a" fuzz_ops_vmmap)
divergences=$(($(sum "$a" fuzz_divergences_kmmap) + $(sum "$a" fuzz_divergences_vmmap)))
hostile=$(($(sum "$a" hostile_inputs_kmmap) + $(sum "$a" hostile_inputs_vmmap) + $(sum "$a" hostile_inputs_npages)))
load_cycles=$(sum "$b" load_cycles)
leak=$(sum "$b" leak_kib)
check "sanitizer: at least 100000 fuzzed operations on each device ($fuzz_k, $fuzz_v)" \
	"$fuzz_k" -ge 100000 -a "$fuzz_v" -ge 100000
check "sanitizer: the fuzzer's model and the devices never diverged ($divergences)" "$divergences" = 0
check "sanitizer: $cycles load/unload cycles ran ($load_cycles)" "$load_cycles" = "$cycles"
check "sanitizer: MemAvailable is back within $leak_limit KiB after the cycles (lost $leak KiB)" \
	"$leak" -le "$leak_limit"
check "sanitizer: no KASAN, kmemleak, lockdep, BUG or WARNING report ($reports)" "$reports" = 0
echo "# sanitizer pass: $((SECONDS - pass_start)) s, the two guests $((SECONDS - guests_start)) s"

echo "figure: fuzz_ops_kmmap $fuzz_k"
echo "figure: fuzz_ops_vmmap $fuzz_v"
echo "figure: fuzz_divergences $divergences"
echo "figure: load_cycles $load_cycles"
echo "figure: leak_kib $leak"
echo "figure: sanitizer_reports $reports"
echo "figure: hostile_inputs $hostile"
for name in stress_threads stress_seconds stress_ops stress_errors; do
	echo "figure: $name $(sum "$b" "$name")"
done

# --- bookworm's stock kernels ------------------------------------------------
[ -n "$lines" ] || exit 0
declare -A kver
for line in $lines; do
	kver[$line]=$(test/lib/host-kernel.sh "$line")
done
stock() { # stock LINE: build, boot, results in $work/LINE.tap
	local line=$1 k=${kver[$1]} status=0 start=$SECONDS
	if ! test/lib/build-modules.sh "/lib/modules/$k/build" "$work/$line" > /dev/null; then
		echo "not ok - $k: kmmap and vmmap build" > "$work/$line.tap"
		return
	fi
	test/lib/guest.sh --timeout 1200 --mem 1024 --smp 2 \
		--append "kfence.sample_interval=100 slub_debug=FZPU page_poison=1 init_on_free=1 PART=all DRIVER_CHECKS=no FUZZ_OPS=20000 FUZZ_SEED=$seed STRESS_SECONDS=20 CYCLES=100" \
		"/boot/vmlinuz-$k" test/guest-reliability.sh "$work/$line/src/kmmap.ko" \
		"$work/$line/src/vmmap.ko" "${programs[@]}" > "$work/$line.console" 2>&1 || status=$?
	{
		tap "$k" "$work/$line.console"
		if [ "$status" = 0 ]; then
			echo "ok - $k: the guest ran every check to the end ($((SECONDS - start)) s)"
		else
			echo "not ok - $k: the guest ran every check to the end (status $status)"
			tail -n 40 "$work/$line.console" | sed 's/^/# /'
		fi
		grep -E '^# (divergence|error|report|FAILED)' "$work/$line.console" | cut -c1-300 | head -n 40 || true
		for name in fuzz_ops_kmmap fuzz_ops_vmmap fuzz_divergences_kmmap fuzz_divergences_vmmap \
			stress_ops load_cycles leak_kib sanitizer_reports; do
			printf '# %s: %s %s\n' "$k" "$name" "$(sum "$work/$line.console" "$name")"
		done
	} > "$work/$line.tap"
}
stock_start=$SECONDS
pids=()
for line in $lines; do
	stock "$line" &
	pids+=($!)
done
wait "${pids[@]}"
for line in $lines; do
	cat "$work/$line.tap"
done
echo "# stock kernels: $((SECONDS - stock_start)) s"
