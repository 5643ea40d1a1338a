#!/bin/bash
# The Secure Boot test, inside the booted Debian trixie system (run as root
# by mmapdev-ci.service from the 9p share mounted on /mnt/ci; the host side
# is test/secureboot/host.sh). One stage per boot:
#   /mnt/ci/stage      1, mok, 2 or 3
#   /mnt/ci/debs/      the packages of this version
#   /mnt/ci/password   the one-time password for mokutil --import
#   /mnt/ci/out/       results: stageN.tap (the ok/not ok lines and the "# "
#                      lines quoting what a user sees), stageN.log
#                      (everything), boot/ (stage 1: the upgrade kernel to
#                      boot in stage 3), mok.pub and mok.serial (the DKMS key
#                      made in stage 1), stageN.done
# Stage 1 (boot kernel, key not enrolled): Secure Boot and lockdown on;
#   install: DKMS builds and signs, loading refused, one explanation;
#   selftest skips naming Secure Boot; --diagnose; a second kernel installed
#   before enrolling: the kernel hook's warning; mokutil --import.
# Stage mok: shim's MOK manager runs before the kernel (the host drives it);
#   reaching this script means it did not.
# Stage 2 (boot kernel, key enrolled): enrolled, loaded at boot, signer, smoke
#   test; the kernel hook is quiet now.
# Stage 3 (upgrade kernel): its build is signed with the same key and loads;
#   then a new key pair and a rebuild: refused, and --diagnose says why.
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
cert=/var/lib/dkms/mok.pub

ok() { echo "ok - $*" | tee -a "$out/stage$stage.tap"; }
not_ok() { echo "not ok - $*" | tee -a "$out/stage$stage.tap"; }
check() { # DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
note() { echo "# $*" | tee -a "$out/stage$stage.tap"; }
quote() { # PREFIX FILE: FILE's lines as "# PREFIX| line" (verbatim, for the record)
	local line
	while IFS= read -r line; do note "$1| $line"; done <"$2"
}
step_start=$SECONDS
step() { note "--- $* (at $((SECONDS - step_start)) s since the start of stage $stage)"; }

serial() { # a certificate serial as one spelling: upper-case hex, no colons or leading zeros
	tr -d ': \n' | tr a-f A-F | sed 's/^0*//'
}
shown() { # SERIAL: as modinfo and mmapdev-selftest --diagnose show it (03:53:94:...)
	local hex=$1
	[ $((${#hex} % 2)) = 0 ] || hex=0$hex
	sed 's/../&:/g; s/:$//' <<<"$hex"
}
cert_serial() { # CERT
	openssl x509 -inform DER -in "$1" -noout -serial 2>/dev/null | sed 's/^serial=//' | serial
}
signed_with() { # KERNEL SERIAL: both modules for KERNEL carry a signature by the DKMS key with SERIAL
	local m
	[ -n "$2" ] || return 1
	for m in "${modules[@]}"; do
		[ "$(modinfo -k "$1" -F signer "$m" 2>/dev/null)" = "DKMS module signing key" ] || return 1
		[ "$(modinfo -k "$1" -F sig_key "$m" 2>/dev/null | serial)" = "$2" ] || return 1
	done
}
show_signatures() { # KERNEL
	local m
	for m in "${modules[@]}"; do
		note "modinfo -k $1 $m: signer: $(modinfo -k "$1" -F signer "$m" 2>&1 | head -n 1); sig_key: $(modinfo -k "$1" -F sig_key "$m" 2>&1 | head -n 1)"
	done
}
dkms_installed() { # KERNEL
	dkms status -m mmapdev -k "$1" 2>/dev/null | grep -q ': installed'
}
none_loaded() {
	[ ! -e /sys/module/kmmap ] && [ ! -e /sys/module/vmmap ]
}
both_loaded() {
	[ -e /sys/module/kmmap/initstate ] && [ -e /sys/module/vmmap/initstate ]
}
devices_ok() {
	local m
	udevadm settle --timeout=120 || true
	for m in "${modules[@]}"; do
		[ -c "/dev/$m" ] && [ "$(stat -c '%U:%G %a' "/dev/$m")" = "root:mmapdev 660" ] || return 1
	done
}
refused() { # LOG: modprobe fails, and says why
	modprobe -a kmmap vmmap >"$1" 2>&1 && return 1
	quote "modprobe kmmap vmmap" "$1"
	grep -q 'Key was rejected by service' "$1"
}
selftest() { # LOG [ARGS]: run mmapdev-selftest, leave its status in $status
	mmapdev-selftest "${@:2}" >"$1" 2>&1
	status=$?
}
has() { # FILE PATTERN (extended regex)
	grep -Eq -- "$2" "$1"
}
count_is() { # FILE FIXED-STRING N: the string is on exactly N lines
	[ "$(grep -cF -- "$2" "$1")" = "$3" ]
}
secure_boot_enabled() {
	[ "$(mokutil --sb-state 2>&1)" = "SecureBoot enabled" ]
}
test_key() { # what mokutil --test-key says about the DKMS key (it exits 1 when enrolled)
	mokutil --test-key "$cert" 2>&1 || true
}
kernel_image() { # KERNEL: its vmlinuz (7.x linux-binary packages keep it under /usr/lib/modules)
	local f
	for f in "/boot/vmlinuz-$1" "/usr/lib/modules/$1/vmlinuz" "/lib/modules/$1/vmlinuz"; do
		[ -s "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}

note "stage $stage on $kernel"
udevadm settle --timeout=30 || true

if [ "$stage" = mok ]; then
	# The host drives the MOK manager, which resets the machine before Linux
	# starts: this script runs only when shim did not start it.
	not_ok "mok. shim's MOK manager ran before the kernel (this boot reached Linux; mokutil --test-key: $(test_key))"
	touch "$out/stagemok.booted"
fi

if [ "$stage" = 1 ]; then
	step "1. Secure Boot, booted for real"
	note "mokutil --sb-state: $(mokutil --sb-state 2>&1)"
	note "/sys/kernel/security/lockdown: $(cat /sys/kernel/security/lockdown 2>&1)"
	dmesg >"$out/dmesg-1.log" 2>&1
	grep -E 'secureboot:|Kernel is locked down|MokListRT' "$out/dmesg-1.log" | sed 's/^/# dmesg: /' | tee -a "$out/stage1.tap"
	check "1. Secure Boot is on (mokutil --sb-state: SecureBoot enabled)" secure_boot_enabled
	check "1. kernel lockdown is on ([integrity] in /sys/kernel/security/lockdown)" \
		grep -q '\[integrity\]\|\[confidentiality\]' /sys/kernel/security/lockdown
	check "1. the kernel says: Kernel is locked down from EFI Secure Boot" \
		grep -q "Kernel is locked down from EFI Secure Boot" "$out/dmesg-1.log"
	check "1. booted through shim (its MOK list is in the kernel: MokListRT)" \
		grep -q "UEFI:MokListRT" "$out/dmesg-1.log"
	check "1. the DKMS key is not enrolled yet (no $cert)" test ! -e "$cert"

	step "1. install the packages"
	debs=()
	for f in "$share"/debs/*.deb; do
		case $f in *-dbgsym_*) continue ;; esac
		cp "$f" /root/ && debs+=("/root/${f##*/}")
	done
	t=$SECONDS
	apt-get install "${apt_opts[@]}" "${debs[@]}" >"$out/install.log" 2>&1
	check "1. apt install of mmapdev-dkms and mmapdev-tests exits 0 ($((SECONDS - t)) s)" test "$?" = 0
	# What a user sees of mmapdev's own, verbatim.
	sed -n -e '/^mmapdev/p' -e '/^Building for/p' -e '/^Sign/p' -e '/^Certificate or key/p' "$out/install.log" >"$out/install-user.txt"
	quote "apt install" "$out/install-user.txt"
	check "1. DKMS built and installed mmapdev for $kernel" dkms_installed "$kernel"
	serial=$(cert_serial "$cert")
	echo "$serial" >"$out/mok.serial"
	cp "$cert" "$out/mok.pub"
	note "$cert: $(openssl x509 -inform DER -in "$cert" -noout -subject -serial 2>&1 | paste -sd ' ')"
	show_signatures "$kernel"
	check "1. DKMS signed both modules with its key ($cert, serial ${serial:-none})" signed_with "$kernel" "$serial"
	check "1. the modules are not loaded (the kernel refused them at install)" none_loaded
	check "1. modprobe kmmap vmmap is refused: Key was rejected by service" refused "$out/modprobe-1.log"
	dmesg 2>&1 | grep 'Loading of module with unavailable key is rejected' | tail -n 1 | sed 's/^/# dmesg: /' | tee -a "$out/stage1.tap"
	check "1. the install explains it once: Secure Boot is on, the key is not enrolled" \
		count_is "$out/install.log" "mmapdev: Secure Boot is on and the kernel refused kmmap and vmmap" 1
	check "1. ... with the exact commands: mokutil --import $cert, reboot, Enroll MOK -> Continue -> Yes -> the password -> Reboot" \
		bash -c "grep -qF 'mokutil --import $cert ' '$out/install.log' && grep -qF 'mmapdev:   2. reboot' '$out/install.log' &&
			grep -qF 'Enroll MOK -> Continue -> Yes -> the password -> Reboot' '$out/install.log'"
	check "1. the install's smoke test skips, naming Secure Boot" has "$out/install.log" '^mmapdev-selftest: SKIP - Secure Boot is on'

	step "1. mmapdev-selftest"
	selftest "$out/selftest-1.log"
	tail -n 1 "$out/selftest-1.log" >"$out/selftest-1.verdict"
	quote "mmapdev-selftest (exit $status)" "$out/selftest-1.verdict"
	check "1. mmapdev-selftest exits 77 naming Secure Boot" \
		bash -c "[ $status = 77 ] && grep -q '^mmapdev-selftest: SKIP - Secure Boot is on' '$out/selftest-1.log'"
	selftest "$out/diagnose-1.log" --diagnose
	quote "mmapdev-selftest --diagnose" "$out/diagnose-1.log"
	check "1. --diagnose: Secure Boot is on" has "$out/diagnose-1.log" '^secure boot: on \(mokutil --sb-state: SecureBoot enabled; lockdown: integrity\)'
	check "1. --diagnose: the DKMS key is NOT enrolled, where it is, and how to enroll it" \
		has "$out/diagnose-1.log" "^dkms signing key: $cert \(serial $(shown "$serial")\) is NOT enrolled: mokutil --import $cert, reboot"
	check "1. --diagnose: both modules are signed with that key, which is NOT enrolled" \
		bash -c "[ \$(grep -c '^signature [kv]mmap: \"DKMS module signing key\", serial $(shown "$serial") (the DKMS key $cert): NOT enrolled' '$out/diagnose-1.log') = 2 ]"

	step "1. a second kernel, installed before enrolling the key"
	t=$SECONDS
	apt-get install "${apt_opts[@]}" /var/local/mmapdev-ci/kernel-debs/*.deb >"$out/install-kernel.log" 2>&1
	check "1. apt install of the upgrade kernel and its headers exits 0 ($((SECONDS - t)) s)" test "$?" = 0
	new=
	for dir in /usr/lib/modules/*; do
		[ "${dir##*/}" != "$kernel" ] && [ -d "$dir/kernel" ] && new=${dir##*/}
	done
	# The hook's lines (with run-parts' header naming the script), verbatim.
	grep -E -B 1 '^mmapdev' "$out/install-kernel.log" | grep -v '^--$' >"$out/kernel-warning.txt"
	quote "apt install linux-image-amd64 linux-headers-amd64 (trixie-backports)" "$out/kernel-warning.txt"
	check "1. the kernel's installation warns once: after the reboot into $new the devices will not appear" \
		count_is "$out/install-kernel.log" "mmapdev: WARNING: after a reboot into kernel $new, /dev/kmmap and /dev/vmmap will not appear:" 1
	check "1. ... and gives the command that fixes it (mokutil --import $cert)" \
		grep -qF "mmapdev:   1. mokutil --import $cert " "$out/install-kernel.log"
	check "1. DKMS built and installed mmapdev for $new" dkms_installed "$new"
	show_signatures "$new"
	check "1. the build for $new is signed with the same DKMS key (serial $serial)" signed_with "$new" "$serial"
	/etc/kernel/postinst.d/zz-mmapdev "$new" /boot/vmlinuz-"$new" >"$out/hook-again.log" 2>&1
	status=$?
	check "1. the hook exits 0 when run again for $new, and warns only once per kernel" \
		bash -c "[ $status = 0 ] && [ ! -s '$out/hook-again.log' ]"
	/etc/kernel/postinst.d/zz-mmapdev no-such-kernel >/dev/null 2>&1
	check "1. the hook exits 0 for a kernel without mmapdev" test "$?" = 0
	mkdir -p "$out/boot"
	if image=$(kernel_image "$new") && cp "$image" "$out/boot/vmlinuz" && cp "/boot/initrd.img-$new" "$out/boot/initrd.img"; then
		echo "$new" >"$out/boot/release"
		ok "1. the upgrade kernel $new and its initramfs are ready to boot ($image)"
	else
		not_ok "1. the upgrade kernel ${new:-(none)} has a vmlinuz and an initramfs"
	fi

	step "1. mokutil --import (as the README says)"
	password=$(cat "$share/password")
	printf '%s\n%s\n' "$password" "$password" | mokutil --import "$cert" >"$out/mokutil-import.log" 2>&1
	check "1. mokutil --import $cert (the password twice on stdin) exits 0" test "$?" = 0
	note "mokutil --test-key $cert: $(test_key)"
	check "1. the key now waits in the enrollment request" \
		bash -c "mokutil --test-key '$cert' 2>&1 | grep -q 'is already in the enrollment request'"
	selftest "$out/diagnose-1b.log" --diagnose
	grep '^dkms signing key' "$out/diagnose-1b.log" >"$out/diagnose-1b.key"
	quote "mmapdev-selftest --diagnose (after mokutil --import)" "$out/diagnose-1b.key"
	check "1. --diagnose says the enrollment is requested and what to do at the reboot" \
		has "$out/diagnose-1b.log" '^dkms signing key: .* is NOT enrolled yet: the enrollment is requested'
fi

if [ "$stage" = 2 ]; then
	serial=$(cat "$out/mok.serial")
	step "2. after enrolling the key in the MOK manager"
	note "mokutil --test-key $cert: $(test_key)"
	check "2. the key is enrolled (mokutil --test-key: is already enrolled)" \
		bash -c "mokutil --test-key '$cert' 2>&1 | grep -q 'is already enrolled'"
	grep 'DKMS module signing key' /proc/keys | sed 's/^/# \/proc\/keys: /' | tee -a "$out/stage2.tap"
	check "2. Secure Boot is still on" secure_boot_enabled
	check "2. kmmap and vmmap were loaded at boot (modules-load.d)" both_loaded
	show_signatures "$kernel"
	check "2. modinfo names the DKMS key as their signer (serial $serial)" signed_with "$kernel" "$serial"
	check "2. /dev/kmmap and /dev/vmmap are root:mmapdev 0660" devices_ok
	selftest "$out/selftest-2.log"
	tail -n 1 "$out/selftest-2.log" >"$out/selftest-2.verdict"
	quote "mmapdev-selftest (exit $status)" "$out/selftest-2.verdict"
	check "2. the smoke test passes (mmapdev-selftest exits 0)" test "$status" = 0
	selftest "$out/diagnose-2.log" --diagnose
	quote "mmapdev-selftest --diagnose" "$out/diagnose-2.log"
	check "2. --diagnose: the DKMS key is enrolled, and so is the modules' signing key" \
		bash -c "grep -q '^dkms signing key: $cert (serial $(shown "$serial")) is enrolled' '$out/diagnose-2.log' &&
			[ \$(grep -c '^signature [kv]mmap: .*: enrolled$' '$out/diagnose-2.log') = 2 ]"
	new=$(cat "$out/boot/release")
	rm -f "/run/mmapdev/secure-boot-warned-$new"
	/etc/kernel/postinst.d/zz-mmapdev "$new" >"$out/hook-enrolled.log" 2>&1
	status=$?
	check "2. with the key enrolled, the kernel hook has nothing to say" \
		bash -c "[ $status = 0 ] && [ ! -s '$out/hook-enrolled.log' ]"
fi

if [ "$stage" = 3 ]; then
	serial=$(cat "$out/mok.serial")
	step "3. the upgrade kernel, booted"
	check "3. booted into the upgrade kernel $(cat "$out/boot/release")" test "$kernel" = "$(cat "$out/boot/release")"
	check "3. Secure Boot is on" secure_boot_enabled
	show_signatures "$kernel"
	check "3. its build is signed with the same DKMS key (serial $serial)" signed_with "$kernel" "$serial"
	check "3. kmmap and vmmap were loaded at boot" both_loaded
	check "3. /dev/kmmap and /dev/vmmap are root:mmapdev 0660" devices_ok
	selftest "$out/selftest-3.log"
	tail -n 1 "$out/selftest-3.log" >"$out/selftest-3.verdict"
	quote "mmapdev-selftest (exit $status)" "$out/selftest-3.verdict"
	check "3. the smoke test passes on $kernel" test "$status" = 0

	step "3. a new DKMS key pair (not enrolled), the modules rebuilt with it"
	version=$(dkms status -m mmapdev -k "$kernel" | sed -n 's|^mmapdev/\([^,]*\),.*|\1|p' | head -n 1)
	rmmod vmmap kmmap
	rm -f /var/lib/dkms/mok.key "$cert"
	t=$SECONDS
	{ dkms remove -m mmapdev -v "$version" -k "$kernel" && dkms install -m mmapdev -v "$version" -k "$kernel"; } >"$out/rebuild.log" 2>&1
	check "3. dkms remove + install for $kernel with a new key pair ($((SECONDS - t)) s)" test "$?" = 0
	grep -E '^(Certificate|Signing|Sign command|Public)' "$out/rebuild.log" | sed 's/^/# dkms: /' | tee -a "$out/stage3.tap"
	new_serial=$(cert_serial "$cert")
	note "$cert: $(openssl x509 -inform DER -in "$cert" -noout -subject -serial 2>&1 | paste -sd ' ')"
	check "3. the new key is not the enrolled one (serial ${new_serial:-none}, was $serial)" \
		bash -c "[ -n '$new_serial' ] && [ '$new_serial' != '$serial' ]"
	show_signatures "$kernel"
	check "3. the rebuilt modules are signed with the new key" signed_with "$kernel" "$new_serial"
	check "3. loading them is refused: Key was rejected by service" refused "$out/modprobe-3.log"
	selftest "$out/selftest-3b.log"
	tail -n 1 "$out/selftest-3b.log" >"$out/selftest-3b.verdict"
	quote "mmapdev-selftest (exit $status)" "$out/selftest-3b.verdict"
	check "3. mmapdev-selftest exits 77 naming Secure Boot" \
		bash -c "[ $status = 77 ] && grep -q '^mmapdev-selftest: SKIP - Secure Boot is on' '$out/selftest-3b.log'"
	selftest "$out/diagnose-3.log" --diagnose
	quote "mmapdev-selftest --diagnose" "$out/diagnose-3.log"
	check "3. --diagnose: the DKMS key $cert is NOT enrolled, the enrolled one is the older pair" \
		has "$out/diagnose-3.log" "^dkms signing key: $cert \\(serial $(shown "$new_serial")\\) is NOT enrolled \\(the enrolled DKMS key, serial $(shown "$serial"), is an older pair"
	check "3. --diagnose: the modules are signed with a key that is NOT enrolled, so Secure Boot refuses them" \
		bash -c "[ \$(grep -c '^signature [kv]mmap: \"DKMS module signing key\", serial $(shown "$new_serial") (the DKMS key $cert): NOT enrolled: Secure Boot refuses the module' '$out/diagnose-3.log') = 2 ]"
fi

note "stage $stage finished in $((SECONDS - step_start)) s"
touch "$out/stage$stage.done"
sync
