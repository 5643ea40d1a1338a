#!/bin/sh
# The guest of a matrix line of another architecture (busybox sh): the
# reliability checks' part a (test/guest-reliability.sh: every driver check
# at the default, smallest and largest npages, mmaptest on both devices, a
# short fuzz, the hostile inputs; its settings come from the kernel command
# line), then the mmaptest that the cross-built mmapdev-tests package ships
# (/usr/libexec/mmapdev/mmaptest, with that architecture's C library), on
# both devices. Prints TAP-style lines; exit status 0 when nothing failed.

failed=0
sh /bin/guest-reliability.sh || failed=1

packaged=/usr/libexec/mmapdev/mmaptest
if [ ! -x "$packaged" ]; then
	echo "not ok - the packaged mmaptest is in the guest ($packaged)"
	exit 1
fi
for mod in kmmap vmmap; do
	if insmod "/modules/$mod.ko"; then
		echo "ok - packaged mmaptest: insmod $mod"
	else
		echo "not ok - packaged mmaptest: insmod $mod"
		failed=1
		continue
	fi
	echo "# $packaged /dev/$mod"
	"$packaged" "/dev/$mod" > /tmp/packaged.out 2>&1 || failed=1
	sed "s/^\(not ok\|ok\) [0-9]* - /\1 - packaged mmaptest \/dev\/$mod: /" /tmp/packaged.out
	grep -q '^ok ' /tmp/packaged.out || {
		echo "not ok - packaged mmaptest /dev/$mod ran"
		failed=1
	}
	rmmod "$mod" || failed=1
done
exit "$failed"
