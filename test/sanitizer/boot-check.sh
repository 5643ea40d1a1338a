#!/bin/bash
# Smoke test of the sanitizer kernel (make sanitizer-kernel-check): build it
# or take it from the cache, build test/sanitizer/hello against its tree,
# boot it under QEMU TCG with a busybox-static initramfs, and check that
# KASAN, kmemleak and lockdep are active, that the module loads and unloads
# without any report, and that a leak and an out-of-bounds read in it are
# reported. Prints ok/not ok lines and "N passed, N failed"; exit 0 if all pass.
# The serial log is kept as $MMAPDEV_CACHE/sanitizer-kernel/last-boot-check.log.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${MMAPDEV_CACHE:-/var/cache/mmapdev-ci}/sanitizer-kernel

log() { printf 'sanitizer-check: %s\n' "$*" >&2; }

"$repo/test/lib/deps.sh" busybox-static qemu-system-x86 cpio gzip

paths=$("$here/build-kernel.sh")
kernel=$(sed -n 's/^kernel: //p' <<<"$paths")
build=$(sed -n 's/^build: //p' <<<"$paths")
if [ ! -f "$kernel" ] || [ ! -d "$build" ]; then
	log "bad output of build-kernel.sh: $paths"
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

log "building the test module: make -C $build M=$tmp/hello modules"
cp -r "$here/hello" "$tmp/hello"
make -C "$build" M="$tmp/hello" modules >&2

log "making the initramfs"
root=$tmp/root
mkdir -p "$root"/{bin,dev,proc,sys,tmp}
cp /bin/busybox "$root/bin/busybox"
# Never link the name "busybox" itself: it would replace the binary with a
# link to itself (ELOOP at boot).
for applet in $(/bin/busybox --list); do
	[ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
cp "$tmp/hello/hello.ko" "$root/hello.ko"
cat >"$root/init" <<'EOF'
#!/bin/busybox sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
kml=/sys/kernel/debug/kmemleak
scan() { echo scan >$kml; echo scan >$kml; cat $kml; }
echo "@@ init uptime=$(cut -d' ' -f1 /proc/uptime)"
[ -e $kml ] && echo "@@ kmemleak-file yes"
grep -q 'debug_locks: *1' /proc/lockdep_stats && echo "@@ lockdep-active yes"
echo "@@ boot-leaks $(scan | grep -c unreferenced)"
echo clear >$kml
echo "@@ clean-begin"
insmod /hello.ko && echo "@@ insmod ok"
rmmod hello && echo "@@ rmmod ok"
sleep 6
scan | sed 's/^/@@ clean-leak: /'
grep -q 'debug_locks: *1' /proc/lockdep_stats && echo "@@ lockdep-still-active yes"
echo "@@ clean-end"
# Scan while the module is loaded, so that its frames resolve to names.
insmod /hello.ko leak=1
sleep 6
scan | sed 's/^/@@ leak: /'
rmmod hello
echo clear >$kml
insmod /hello.ko oob=1 && rmmod hello
echo "@@ done uptime=$(cut -d' ' -f1 /proc/uptime)"
poweroff -f
sleep 5
reboot -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$tmp/initrd.gz"

serial=$tmp/serial.log
append="console=ttyS0 panic=-1"
log "booting: timeout 120 qemu-system-x86_64 -accel tcg -cpu qemu64 -m 1024 -smp 2 -nographic -no-reboot -kernel $kernel -initrd INITRD -append \"$append\""
t0=$(date +%s.%N)
timeout 120 qemu-system-x86_64 -accel tcg -cpu qemu64 -m 1024 -smp 2 \
	-nographic -no-reboot -kernel "$kernel" -initrd "$tmp/initrd.gz" \
	-append "$append" </dev/null >"$serial" 2>&1 &
qemu=$!
t_init=
while kill -0 "$qemu" 2>/dev/null; do
	if [ -z "$t_init" ] && grep -q '^@@ init' "$serial"; then
		t_init=$(date +%s.%N)
	fi
	sleep 0.2
done
rc=0
wait "$qemu" || rc=$?
t1=$(date +%s.%N)
# init may have started after the last look
if [ -z "$t_init" ] && grep -q '^@@ init' "$serial"; then
	t_init=$t1
fi
tr -d '\r' <"$serial" >"$serial.txt"
mkdir -p "$cache"
cp "$serial.txt" "$cache/last-boot-check.log"
s=$serial.txt

pass=0 fail=0
check() { # DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then
		echo "ok - $what"
		pass=$((pass + 1))
	else
		echo "not ok - $what"
		fail=$((fail + 1))
	fi
}
has() { grep -qE "$1" "$s"; }
# The kernel's messages between two markers of the guest script.
between() { sed -n "/^@@ $1\$/,/^@@ $2\$/p" "$s"; }
no_reports() {
	! between clean-begin clean-end | grep -v '^@@ [a-z-]* \(ok\|yes\)$' |
		grep -E 'BUG:|WARNING:|KASAN|INFO: |lockdep|circular|kmemleak: [0-9]+ new|Call Trace|unreferenced'
}

check "qemu exited by itself after poweroff -f (rc $rc; 124: timeout)" [ "$rc" -eq 0 ]
check "guest init ran" has '^@@ init'
check "KASAN initialized" has 'KernelAddressSanitizer initialized'
check "kmemleak initialized, /sys/kernel/debug/kmemleak present" \
	has '^@@ kmemleak-file yes'
check "lockdep active (debug_locks 1)" has '^@@ lockdep-active yes'
check "DEBUG_PAGEALLOC active (init memory unmapped)" has 'debug: unmapping init'
check "hello.ko inserted" has '^@@ insmod ok'
check "hello.ko removed" has '^@@ rmmod ok'
check "no KASAN/lockdep/kmemleak/WARN report from a clean load and unload" no_reports
check "lockdep still active after the module" has '^@@ lockdep-still-active yes'
check "kmemleak reports the leaked object" has '^@@ leak: .*hello_leak'
check "KASAN reports the out-of-bounds read" has 'BUG: KASAN: slab-out-of-bounds in hello_oob'
check "guest script finished" has '^@@ done'

log "boot to init: $(echo "${t_init:-$t1} - $t0" | bc) s; whole run: $(echo "$t1 - $t0" | bc) s; $(sed -n 's/^@@ //p' "$s" | grep -E '^(init|done|boot-leaks)' | tr '\n' ' ')"
log "serial log: $cache/last-boot-check.log"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
