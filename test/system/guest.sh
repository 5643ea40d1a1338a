#!/bin/bash
# The lifecycle test, inside the booted Debian system (run as root by
# mmapdev-ci.service from the 9p share mounted on /mnt/ci).
#   /mnt/ci/stage              1 or 2
#   /mnt/ci/debs/v1, debs/v2   the packages of this version and of the next
#   /mnt/ci/autopkgtest-selftest   debian/tests/selftest
#   /mnt/ci/out/               results: stageN.tap (the ok/not ok lines),
#                              stageN.log (everything), boot/ (stage 1: the
#                              kernel to boot for stage 2), stageN.done
# Stage 1 (the suite's kernel): install, permissions, kernel upgrade to the
# newer kernel whose packages the image holds (image.sh).
# Stage 2 (the newer kernel, same disk): devices after reboot, package
# upgrade, purge; then, when the host gave RPM packages, rpm -i, checks,
# rpm -e, nothing left.
#   /mnt/ci/rpms               the RPM packages of this version (optional)
set -uo pipefail
shopt -s nullglob

share=/mnt/ci
out=$share/out
stage=$(cat "$share/stage")
mkdir -p "$out"
exec > >(tee -a "$out/stage$stage.log") 2>&1
export DEBIAN_FRONTEND=noninteractive PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
apt_opts=(-y -q -o Dpkg::Use-Pty=0)
modules=(kmmap vmmap)
kernel=$(uname -r)

ok() { echo "ok - $*" | tee -a "$out/stage$stage.tap"; }
not_ok() { echo "not ok - $*" | tee -a "$out/stage$stage.tap"; }
check() { # DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
note() { echo "# $*" | tee -a "$out/stage$stage.tap"; }
step_start=$SECONDS
step() {
	note "--- $* (at $((SECONDS - step_start)) s since start of stage $stage)"
}

dkms_installed() { # VERSION KERNEL
	dkms status -m mmapdev -v "$1" -k "$2" 2>/dev/null | grep -q ': installed'
}
module_version_is() { # KERNEL VERSION: both modules' files for KERNEL have VERSION
	local m
	for m in "${modules[@]}"; do
		[ "$(modinfo -k "$1" -F version "$m" 2>/dev/null)" = "$2" ] || return 1
	done
}
loaded_version_is() { # VERSION
	local m
	for m in "${modules[@]}"; do
		[ "$(cat "/sys/module/$m/version" 2>/dev/null)" = "$1" ] || return 1
	done
}
devices_ok() { # root:mmapdev 0660, character devices
	local m
	for m in "${modules[@]}"; do
		[ -c "/dev/$m" ] || return 1
		[ "$(stat -c '%U:%G %a' "/dev/$m")" = "root:mmapdev 660" ] || return 1
	done
}
show_devices() { # once udev has handled its queue (devices_ok follows)
	local m t=$SECONDS
	# mmapdev-setup waits up to 30 s for udev; a loaded TCG guest can be slower.
	if ! udevadm settle --timeout=120; then
		note "udevadm settle: events still queued after $((SECONDS - t)) s"
	elif [ $((SECONDS - t)) -ge 5 ]; then
		note "udevadm settle took $((SECONDS - t)) s"
	fi
	for m in "${modules[@]}"; do
		note "/dev/$m: $(stat -c '%U:%G %a %F' "/dev/$m" 2>&1)"
	done
}
install_debs() { # DIR LOG: apt install of the packages in DIR (not the dbgsym)
	local debs=() f
	rm -rf /root/debs && mkdir -p /root/debs
	for f in "$1"/*.deb; do
		case $f in *-dbgsym_*) continue ;; esac
		cp "$f" /root/debs/
		debs+=("/root/debs/${f##*/}")
	done
	apt-get install "${apt_opts[@]}" "${debs[@]}" >"$2" 2>&1
}
dkms_time() { # VERSION KERNEL: how long DKMS's make took (make.log: start date on line 2, mtime = end)
	local log start
	log=/var/lib/dkms/mmapdev/$1/$2/$(uname -m)/log/make.log
	if start=$(date -d "$(sed -n 2p "$log" 2>/dev/null)" +%s 2>/dev/null); then
		note "dkms build of $1 for $2: $(($(stat -c %Y "$log") - start)) s"
	fi
}
verdict_pass() { # LOG: the post-install smoke test ran and passed
	grep -q '^mmapdev-selftest: PASS' "$1"
}
eacces() { # USER DEVICE: opening the device as USER fails with EACCES
	local msg
	msg=$(runuser -u "$1" -- sh -c "exec 3<>'$2'" 2>&1) && return 1
	note "$1 opening $2: ${msg##*: }"
	case $msg in *"Permission denied"*) return 0 ;; *) return 1 ;; esac
}

none() { # GLOB-EXPANDED PATHS...: none of them exists
	local p
	for p in "$@"; do
		[ -e "$p" ] || [ -L "$p" ] || continue
		note "left: $p"
		return 1
	done
}
not_in_dpkg() { # PACKAGE...: unknown to dpkg, or not-installed without config files
	! dpkg-query -W -f '${db:Status-Abbrev}\n' "$@" 2>/dev/null | grep -qv '^un'
}
not_in_dkms() { # VERSION
	! dkms status mmapdev 2>/dev/null | grep -q "^mmapdev/$1,"
}
other_kernel() { # the installed kernel that is not running (one only)
	local dir
	for dir in /lib/modules/*; do
		[ -d "$dir/kernel" ] && [ "${dir##*/}" != "$kernel" ] && echo "${dir##*/}"
	done | tail -n 1
}
no_module() { # KERNEL
	! modinfo -k "$1" kmmap >/dev/null 2>&1 && ! modinfo -k "$1" vmmap >/dev/null 2>&1
}

nothing_left() { # STEP KERNEL...: the checks that a removal left nothing behind
	local leftovers k
	check "$1. no /usr/src/mmapdev-*" none /usr/src/mmapdev-*
	check "$1. no /var/lib/dkms/mmapdev" test ! -e /var/lib/dkms/mmapdev
	leftovers=$(find /lib/modules /usr/lib/modules -name 'kmmap.ko*' -o -name 'vmmap.ko*' 2>/dev/null | sort -u)
	[ -z "$leftovers" ] || note "left: $leftovers"
	check "$1. no kmmap/vmmap module file under any /lib/modules/*" test -z "$leftovers"
	for k in "${@:2}"; do
		check "$1. modprobe no longer finds kmmap or vmmap for $k" no_module "$k"
	done
	check "$1. no udev rule left" none /lib/udev/rules.d/*mmapdev* /usr/lib/udev/rules.d/*mmapdev* /etc/udev/rules.d/*mmapdev*
	check "$1. no modules-load.d file left" none /usr/lib/modules-load.d/*mmapdev* /etc/modules-load.d/*mmapdev*
	check "$1. no sysusers.d file left" none /usr/lib/sysusers.d/*mmapdev* /etc/sysusers.d/*mmapdev*
	check "$1. no helper left in /usr/libexec/mmapdev" none /usr/libexec/mmapdev
	check "$1. kmmap and vmmap unloaded" test ! -e /sys/module/kmmap -a ! -e /sys/module/vmmap
	check "$1. /dev/kmmap and /dev/vmmap gone" test ! -e /dev/kmmap -a ! -e /dev/vmmap
}

v1=$(cat "$share/debs/v1/VERSION")
v2=$(cat "$share/debs/v2/VERSION")
note "stage $stage on $kernel: mmapdev $v1, then $v2"
udevadm settle --timeout=30 || true

if [ "$stage" = 1 ]; then
	# 1. apt install of both packages.
	step "1. install mmapdev $v1"
	t=$SECONDS
	install_debs "$share/debs/v1" "$out/install-v1.log"
	check "1. apt install of mmapdev-dkms and mmapdev-tests $v1 ($((SECONDS - t)) s)" test "$?" = 0
	sed -n -e '/^mmapdev/p' -e '/Building for/p' "$out/install-v1.log" | sed 's/^/# /'
	check "1. DKMS built and installed mmapdev $v1 for $kernel" dkms_installed "$v1" "$kernel"
	dkms_time "$v1" "$kernel"
	check "1. modules on disk for $kernel are version $v1" module_version_is "$kernel" "$v1"
	check "1. kmmap and vmmap loaded, version $v1" loaded_version_is "$v1"
	show_devices
	check "1. /dev/kmmap and /dev/vmmap are root:mmapdev 0660" devices_ok
	check "1. the post-install smoke test ran and passed" verdict_pass "$out/install-v1.log"
	check "1. the package's udev rule is the one in effect (none in /etc/udev/rules.d)" \
		test -f /lib/udev/rules.d/60-mmapdev.rules -a ! -e /etc/udev/rules.d/60-mmapdev.rules

	# 2. Group member vs other user.
	step "2. permissions"
	useradd -m -s /bin/bash -G mmapdev alice
	useradd -m -s /bin/bash bob
	runuser -u alice -- mmapdev-selftest >"$out/selftest-alice.log" 2>&1
	status=$?
	tail -n 1 "$out/selftest-alice.log" | sed 's/^/# alice: /'
	check "2. a user in group mmapdev passes mmapdev-selftest's device checks" test "$status" = 0
	check "2. a user outside the group gets EACCES opening /dev/kmmap" eacces bob /dev/kmmap
	check "2. a user outside the group gets EACCES opening /dev/vmmap" eacces bob /dev/vmmap
	runuser -u bob -- mmapdev-selftest >"$out/selftest-bob.log" 2>&1
	status=$?
	tail -n 1 "$out/selftest-bob.log" | sed 's/^/# bob: /'
	check "2. mmapdev-selftest as that user skips (exit $status), naming the group" \
		bash -c "[ $status = 77 ] && grep -q 'SKIP.*not in group mmapdev' '$out/selftest-bob.log'"
	runuser -u bob -- mmapdev-selftest --diagnose >"$out/diagnose-bob.log" 2>&1
	sed 's/^/# diagnose: /' "$out/diagnose-bob.log"
	check "2. --diagnose tells that user about the group and shows the device nodes" \
		bash -c "grep -q '^user: bob is NOT in group mmapdev' '$out/diagnose-bob.log' &&
			grep -q '^device /dev/kmmap: root:mmapdev 0660' '$out/diagnose-bob.log' &&
			grep -q '^module kmmap: loaded, version $v1' '$out/diagnose-bob.log'"

	# The autopkgtest of debian/tests (needs-root, isolation-machine).
	"$share/autopkgtest-selftest" >"$out/autopkgtest-selftest.log" 2>&1
	check "2. debian/tests/selftest (autopkgtest) passes" test "$?" = 0

	# 3. Kernel upgrade: DKMS builds for the new kernel by itself.
	step "3. kernel upgrade"
	t=$SECONDS
	apt-get install "${apt_opts[@]}" /var/local/mmapdev-ci/kernel-debs/*.deb >"$out/install-kernel.log" 2>&1
	check "3. apt install of the newer kernel and its headers ($((SECONDS - t)) s)" test "$?" = 0
	grep -i 'dkms\|mmapdev' "$out/install-kernel.log" | sed 's/^/# /' | head -n 20
	new=$(other_kernel)
	if [ -z "$new" ]; then
		not_ok "3. a second kernel is installed"
	else
		note "the newer kernel: $new"
		check "3. DKMS built and installed mmapdev $v1 for $new" dkms_installed "$v1" "$new"
		dkms_time "$v1" "$new"
		check "3. modules on disk for $new are version $v1" module_version_is "$new" "$v1"
		# The kernel the next boot uses: from /boot, or (7.x packages) from
		# /usr/lib/modules/VERSION; the initramfs the kernel hooks made.
		mkdir -p "$out/boot"
		image=/boot/vmlinuz-$new
		[ -e "$image" ] || image=/usr/lib/modules/$new/vmlinuz
		cp "$image" "$out/boot/vmlinuz" && cp "/boot/initrd.img-$new" "$out/boot/initrd.img" &&
			echo "$new" >"$out/boot/release"
		check "3. the new kernel and its initramfs are installed" test -s "$out/boot/initrd.img"
	fi
fi

if [ "$stage" = 2 ]; then
	old=$(other_kernel)
	# 3, continued: after the reboot into the new kernel.
	step "3. after rebooting into the new kernel"
	check "3. booted into the new kernel $kernel" test "$kernel" = "$(cat "$out/boot/release" 2>/dev/null)"
	check "3. modules-load.d loaded kmmap and vmmap $v1 at boot" loaded_version_is "$v1"
	show_devices
	check "3. /dev/kmmap and /dev/vmmap are root:mmapdev 0660 after the reboot" devices_ok
	runuser -u alice -- mmapdev-selftest >"$out/selftest-612.log" 2>&1
	status=$?
	tail -n 1 "$out/selftest-612.log" | sed 's/^/# /'
	check "3. mmapdev-selftest passes on $kernel" test "$status" = 0
	# Secure Boot without the DKMS key: modprobe fails with "Key was rejected".
	rmmod vmmap kmmap
	mkdir -p /root/secureboot
	printf '#!/bin/sh\necho "modprobe: ERROR: could not insert '"'kmmap'"': Key was rejected by service" >&2\nexit 1\n' \
		>/root/secureboot/modprobe
	chmod +x /root/secureboot/modprobe
	PATH=/root/secureboot:$PATH mmapdev-selftest >"$out/selftest-secureboot.log" 2>&1
	status=$?
	tail -n 1 "$out/selftest-secureboot.log" | sed 's/^/# /'
	check "3. mmapdev-selftest names Secure Boot when the kernel rejects the key (exit $status)" \
		bash -c "[ $status = 77 ] && grep -q 'SKIP - Secure Boot' '$out/selftest-secureboot.log'"
	modprobe -a kmmap vmmap && udevadm settle --timeout=30

	# 4. Package upgrade to the next version.
	step "4. upgrade to mmapdev $v2"
	t=$SECONDS
	install_debs "$share/debs/v2" "$out/install-v2.log"
	check "4. apt install of mmapdev $v2 over $v1 ($((SECONDS - t)) s)" test "$?" = 0
	sed -n -e '/^mmapdev/p' -e '/Building for/p' "$out/install-v2.log" | sed 's/^/# /'
	dkms status mmapdev 2>&1 | sed 's/^/# dkms status: /'
	check "4. no stale $v1 left in dkms status" not_in_dkms "$v1"
	check "4. /usr/src/mmapdev-$v1 replaced by /usr/src/mmapdev-$v2" \
		test ! -e "/usr/src/mmapdev-$v1" -a -f "/usr/src/mmapdev-$v2/dkms.conf"
	for k in "$old" "$kernel"; do
		check "4. DKMS built and installed mmapdev $v2 for $k" dkms_installed "$v2" "$k"
		dkms_time "$v2" "$k"
		check "4. modules on disk for $k are version $v2" module_version_is "$k" "$v2"
	done
	check "4. the loaded modules were replaced by version $v2" loaded_version_is "$v2"
	check "4. /dev/kmmap and /dev/vmmap are root:mmapdev 0660 after the upgrade" devices_ok
	check "4. the post-install smoke test ran and passed" verdict_pass "$out/install-v2.log"

	# 5. Purge leaves nothing behind.
	step "5. purge"
	t=$SECONDS
	apt-get purge "${apt_opts[@]}" mmapdev-dkms mmapdev-tests >"$out/purge.log" 2>&1
	check "5. apt purge of both packages ($((SECONDS - t)) s)" test "$?" = 0
	grep '^mmapdev' "$out/purge.log" | sed 's/^/# /'
	check "5. both packages are gone from dpkg's database (not even config-files)" \
		not_in_dpkg mmapdev-dkms mmapdev-tests
	nothing_left 5 "$old" "$kernel"

fi

if [ "$stage" = 2 ] && [ -d "$share/rpms" ]; then
	# 6. The RPM packages, installed with rpm itself so that their
	# scriptlets run (--nodeps: this system's rpm database is empty).
	step "6. RPM packages"
	t=$SECONDS
	rpm -i --nodeps "$share"/rpms/mmapdev-dkms-*.noarch.rpm "$share"/rpms/mmapdev-tests-*.rpm \
		>"$out/rpm-install.log" 2>&1
	check "6. rpm -i of mmapdev-dkms and mmapdev-tests $v1 ($((SECONDS - t)) s)" test "$?" = 0
	sed -n -e '/^mmapdev/p' "$out/rpm-install.log" | sed 's/^/# /'
	for k in "$old" "$kernel"; do
		check "6. the %post scriptlet built and installed mmapdev $v1 for $k" dkms_installed "$v1" "$k"
	done
	check "6. kmmap and vmmap $v1 are loaded" loaded_version_is "$v1"
	show_devices
	check "6. /dev/kmmap and /dev/vmmap are root:mmapdev 0660" devices_ok
	check "6. the %post smoke test ran and passed" verdict_pass "$out/rpm-install.log"
	runuser -u alice -- mmapdev-selftest >"$out/selftest-rpm.log" 2>&1
	check "6. mmapdev-selftest passes for a member of the group" test "$?" = 0
	t=$SECONDS
	rpm -e mmapdev-tests mmapdev-dkms >"$out/rpm-erase.log" 2>&1
	check "6. rpm -e of both packages ($((SECONDS - t)) s)" test "$?" = 0
	check "6. rpm knows neither package any more" bash -c '! rpm -q mmapdev-dkms mmapdev-tests >/dev/null 2>&1'
	nothing_left 6 "$old" "$kernel"
fi

cp /var/log/dpkg.log "$out/dpkg-stage$stage.log"
note "stage $stage finished in $((SECONDS - step_start)) s"
touch "$out/stage$stage.done"
sync
