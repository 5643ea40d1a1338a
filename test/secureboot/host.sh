#!/bin/bash
# Secure Boot, booted for real (test/suite-35-secureboot.sh): a Debian trixie
# system under QEMU TCG that boots through UEFI Secure Boot the way a real
# machine does: Debian's ovmf Secure Boot firmware (OVMF_CODE_4M.secboot.fd,
# a copy of OVMF_VARS_4M.ms.fd with Microsoft's keys; q35 with SMM), then
# Debian's signed shim, signed GRUB and signed kernel, lockdown on.
# Four boots of the same disk (test/secureboot/guest.sh runs one stage each):
#   1. key not enrolled: install the packages (DKMS builds and signs, loading
#      refused, one explanation with the commands), mmapdev-selftest skips
#      naming Secure Boot, --diagnose; a second kernel installed before
#      enrolling (its installation warns); mokutil --import;
#   mok. the enrollment as a user does it: shim's MOK manager, driven over
#      the serial console (Enroll MOK, Continue, Yes, the password, Reboot);
#   2. the key enrolled: modules loaded at boot, signed by the DKMS key,
#      smoke test passes;
#   3. the second kernel: its build is signed with the same key and loads;
#      then a new DKMS key pair and a rebuild: refused, --diagnose says why.
# The EFI system partition (a FAT image made here with mkfs.vfat -C and
# mtools) holds shim as EFI/BOOT/BOOTX64.EFI, GRUB, the MOK manager, a
# grub.cfg and the kernel and initramfs to boot; for the third boot it is
# made again with the kernel stage 1 installed. The root disk is a qcow2
# overlay on the cached trixie image (test/system/image.sh trixie secureboot).
# Every line a user would see is printed as a "# " line, verbatim.
# Measured on 2 shared cores: see README.md (suite "secureboot").
# Logs of the last run: ${MMAPDEV_CACHE:-/var/cache/mmapdev-ci}/secureboot/last-run/.
set -euo pipefail
cd "$(dirname "$0")/../.."
cache=${MMAPDEV_CACHE:-/var/cache/mmapdev-ci}
start=$SECONDS
code=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd
vars_ms=/usr/share/OVMF/OVMF_VARS_4M.ms.fd
password=mmapdevci # the one-time MOK password (mokutil --import, MOK manager)

say() { echo "# secureboot: $*"; }

if [ "$(id -u)" != 0 ]; then
	echo "ok - Secure Boot test # SKIP needs root (mmdebstrap, QEMU image)"
	exit 0
fi
test/lib/deps.sh mmdebstrap qemu-system-x86 qemu-utils e2fsprogs ovmf mtools dosfstools git \
	build-essential dpkg-dev debhelper dh-dkms >/dev/null
if [ ! -f "$code" ] || [ ! -f "$vars_ms" ]; then
	echo "not ok - Debian's ovmf has $code and $vars_ms"
	exit 1
fi

run=$(mktemp -d "${TMPDIR:-/tmp}/mmapdev-secureboot.XXXXXX")
qemu_pid=
reader_pid=
serial_in=
finish() {
	[ -z "$qemu_pid" ] || kill "$qemu_pid" 2>/dev/null || true
	[ -z "$reader_pid" ] || kill "$reader_pid" 2>/dev/null || true
	# Keep the logs of the last run; the disks and the packages go.
	rm -rf "$cache/secureboot/last-run"
	mkdir -p "$cache/secureboot/last-run"
	rm -rf "$run/share/out/boot"
	cp -r "$run"/*.log "$run/share/out" "$cache/secureboot/last-run/" 2>/dev/null || true
	rm -rf "$run"
}
trap finish EXIT

# --- the packages and the system image ---------------------------------------
mkdir -p "$run/share/debs" "$run/share/out"
t=$SECONDS
if make --no-print-directory deb-build DEB_OUT="$run/share/debs" >"$run/build.log" 2>&1; then
	echo "ok - make deb-build: mmapdev-dkms and mmapdev-tests $(cat VERSION) ($((SECONDS - t)) s)"
else
	echo "not ok - make deb-build failed:"
	tail -n 30 "$run/build.log" | sed 's/^/#   /'
	exit 1
fi
t=$SECONDS
if ! image=$(test/system/image.sh trixie secureboot 2>"$run/image.log"); then
	echo "not ok - the trixie Secure Boot image (test/system/image.sh trixie secureboot):"
	tail -n 30 "$run/image.log" | sed 's/^/#   /'
	exit 1
fi
grep '^# image:' "$run/image.log" || true
efi=$image/efi
for f in shimx64.efi.signed mmx64.efi.signed grubx64.efi.signed; do
	[ -s "$efi/$f" ] || { echo "not ok - the image has no $f in $efi"; exit 1; }
done
echo "ok - trixie image with shim-signed, grub-efi-amd64-signed and mokutil; kernels $(sed -n 's/^BOOT_ABI=//p' "$image/info") and $(sed -n 's/^UPGRADE_ABI=//p' "$image/info") ($((SECONDS - t)) s)"
say "firmware: ovmf $(dpkg-query -W -f '${Version}' ovmf): ${code##*/} + a copy of ${vars_ms##*/}"
qemu-img create -q -f qcow2 -F raw -b "$image/base.img" "$run/disk.qcow2"
cp "$vars_ms" "$run/vars.fd"
install -m 0755 test/secureboot/guest.sh "$run/share/guest.sh"
echo "$password" >"$run/share/password"

# --- the EFI system partition -------------------------------------------------
# Debian's signed GRUB has /EFI/debian built in as its prefix; without that
# folder it reads grub.cfg from the folder it was started from, EFI/BOOT.
# No fbx64.efi there: shim would run the fallback loader and reset.
make_esp() { # KERNEL INITRD
	local esp=$run/esp.img
	rm -f "$esp"
	mkfs.vfat -C -n MMAPDEV-ESP "$esp" $((128 * 1024)) >/dev/null
	cat >"$run/grub.cfg" <<-'EOF'
		set timeout=0
		linux /vmlinuz root=/dev/vda rw console=ttyS0 panic=-1 quiet
		initrd /initrd.img
		boot
	EOF
	MTOOLS_SKIP_CHECK=1 mmd -i "$esp" ::/EFI ::/EFI/BOOT
	MTOOLS_SKIP_CHECK=1 mcopy -i "$esp" "$efi/shimx64.efi.signed" ::/EFI/BOOT/BOOTX64.EFI
	MTOOLS_SKIP_CHECK=1 mcopy -i "$esp" "$efi/grubx64.efi.signed" ::/EFI/BOOT/grubx64.efi
	MTOOLS_SKIP_CHECK=1 mcopy -i "$esp" "$efi/mmx64.efi.signed" ::/EFI/BOOT/mmx64.efi
	MTOOLS_SKIP_CHECK=1 mcopy -i "$esp" "$run/grub.cfg" ::/EFI/BOOT/grub.cfg
	MTOOLS_SKIP_CHECK=1 mcopy -i "$esp" "$1" ::/vmlinuz
	MTOOLS_SKIP_CHECK=1 mcopy -i "$esp" "$2" ::/initrd.img
}

# --- the serial console ---------------------------------------------------------
# A pipe pair (-serial pipe:): a reader that never stops draining it into
# serial-STAGE.log, and a file descriptor to type into it.
console_since() { # OFFSET: the console's text after byte OFFSET, one screen item a line
	tail -c +"$(($1 + 1))" "$log" |
		LC_ALL=C sed 's/\x1b\[[0-9;?=]*[A-Za-z]/\n/g' |
		LC_ALL=C tr -d '\r\263\304\332\277\300\331' |
		awk '{ $1 = $1 } NF'
}
console_size() { stat -c %s "$log"; }
wait_console() { # OFFSET TEXT SECONDS: TEXT appears after OFFSET
	local end=$((SECONDS + $3))
	while [ "$SECONDS" -lt "$end" ]; do
		console_since "$1" | grep -qF -- "$2" && return 0
		kill -0 "$qemu_pid" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}
quiet() { # wait until the console has said nothing for a second (at most 30 s)
	local size last=-1 still=0 end=$((SECONDS + 30))
	while [ "$SECONDS" -lt "$end" ] && [ "$still" -lt 4 ]; do
		size=$(console_size)
		if [ "$size" = "$last" ]; then still=$((still + 1)); else still=0; fi
		last=$size
		sleep 0.25
	done
}
type_keys() { # KEYS (printf %b)
	# shellcheck disable=SC2059 # KEYS is the format on purpose: \e, \r
	printf "$1" >&"$serial_in"
}
screen_note() { # OFFSET: what the MOK manager shows now (each item once)
	say "MOK manager shows: $(console_since "$1" | awk '!seen[$0]++' | paste -sd '|' | sed 's/|/ | /g')"
}
mok_step() { # DESCRIPTION KEYS EXPECTED-TEXT: type KEYS, wait for the screen that follows
	local offset
	quiet
	offset=$(console_size)
	type_keys "$2"
	if [ -z "$3" ]; then
		return 0
	fi
	if ! wait_console "$offset" "$3" 120; then
		echo "not ok - mok. MOK manager: $1: \"$3\" did not appear"
		say "console since then: $(console_since "$offset" | tail -n 20 | paste -sd '|')"
		return 1
	fi
	quiet
	screen_note "$offset"
}
# The enrollment as the README tells a user: at the countdown press a key,
# "Enroll MOK", "Continue" (after the key's "View key 0"), "Yes", the
# password, "Reboot". shim resets the machine; -no-reboot makes QEMU exit.
drive_mok_manager() {
	local offset down='\e[B' enter='\r' i
	if ! wait_console 0 "Press any key to perform MOK management" 900; then
		echo "not ok - mok. shim started its MOK manager (\"Press any key to perform MOK management\" never appeared)"
		return 1
	fi
	offset=$(console_size)
	type_keys ' '
	wait_console "$offset" "Enroll MOK" 120 || { echo "not ok - mok. MOK manager: a key at the countdown opens its menu"; return 1; }
	quiet
	screen_note "$(LC_ALL=C grep -abo 'Shim UEFI key management' "$log" | head -n 1 | cut -d: -f1)"
	type_keys "$down" # "Continue boot" -> "Enroll MOK"
	mok_step "Enroll MOK" "$enter" "View key 0" || return 1
	type_keys "$down" # "View key 0" -> "Continue"
	mok_step "Continue" "$enter" "Enroll the key(s)?" || return 1
	type_keys "$down" # "No" -> "Yes"
	mok_step "Yes" "$enter" "Password" || return 1
	for ((i = 0; i < ${#password}; i++)); do
		quiet
		type_keys "${password:i:1}"
	done
	mok_step "the password" "$enter" "Reboot" || return 1
	mok_step "Reboot" "$enter" "" || return 1
	echo "ok - mok. MOK manager, over the serial console: Enroll MOK -> Continue -> Yes -> the password -> Reboot"
}

# --- the boots -----------------------------------------------------------------
boot() { # STAGE TIMEOUT [mok]
	local status=0 mok_status=0 i
	echo "$1" >"$run/share/stage"
	log=$run/serial-$1.log
	rm -f "$run/console.in" "$run/console.out"
	mkfifo "$run/console.in" "$run/console.out"
	: >"$log"
	cat "$run/console.out" >"$log" &
	reader_pid=$!
	exec {serial_in}<>"$run/console.in"
	timeout "$2" qemu-system-x86_64 -accel tcg -cpu qemu64 -smp 1 -m 2048 \
		-machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on \
		-drive "if=pflash,format=raw,unit=0,readonly=on,file=$code" \
		-drive "if=pflash,format=raw,unit=1,file=$run/vars.fd" \
		-drive "file=$run/disk.qcow2,format=qcow2,if=virtio,cache=unsafe" \
		-drive "file=$run/esp.img,format=raw,if=virtio" \
		-display none -monitor none -serial "pipe:$run/console" \
		-no-reboot -nic none -device virtio-rng-pci \
		-virtfs "local,path=$run/share,mount_tag=ci,security_model=none,id=ci" \
		</dev/null >"$run/qemu-$1.log" 2>&1 &
	qemu_pid=$!
	if [ "${3:-}" = mok ]; then
		drive_mok_manager || mok_status=1
	fi
	wait "$qemu_pid" || status=$?
	qemu_pid=
	exec {serial_in}>&-
	# The reader ends when QEMU closes the pipe; if QEMU never opened it, in 10 s.
	for ((i = 0; i < 40; i++)); do
		kill -0 "$reader_pid" 2>/dev/null || break
		sleep 0.25
	done
	kill "$reader_pid" 2>/dev/null || true
	wait "$reader_pid" 2>/dev/null || true
	reader_pid=
	[ "$mok_status" = 0 ] || return 1
	return "$status"
}
results() { # STAGE STATUS SECONDS: re-emit the guest's ok/not ok lines
	if [ -f "$run/share/out/stage$1.tap" ]; then
		cat "$run/share/out/stage$1.tap"
	fi
	if [ -f "$run/share/out/stage$1.done" ]; then
		say "stage $1: guest ran for $3 s"
		return 0
	fi
	if [ "$2" = 124 ]; then
		echo "not ok - stage $1 did not finish: timed out after $3 s"
	else
		echo "not ok - stage $1 did not finish (QEMU exit status $2, after $3 s)"
	fi
	say "last lines of the console:"
	tr -d '\r' <"$run/serial-$1.log" | tail -n 40 | sed 's/^/#   /'
	return 1
}

make_esp "$image/vmlinuz" "$image/initrd.img"
t=$SECONDS
status=0
say "stage 1: booting $(sed -n 's/^BOOT_ABI=//p' "$image/info") through shim (install, second kernel, mokutil --import)"
boot 1 3600 || status=$?
results 1 "$status" "$((SECONDS - t))" || exit 1

t=$SECONDS
status=0
say "stage mok: rebooting into shim's MOK manager"
boot mok 900 mok || status=$?
if [ -f "$run/share/out/stagemok.tap" ]; then cat "$run/share/out/stagemok.tap"; fi
if [ "$status" = 0 ] && [ ! -e "$run/share/out/stagemok.booted" ]; then
	echo "ok - mok. shim reset the machine after the enrollment ($((SECONDS - t)) s)"
else
	echo "not ok - mok. the enrollment ended with shim's reset (QEMU exit status $status after $((SECONDS - t)) s)"
	say "last lines of the console:"
	console_since 0 | tail -n 20 | sed 's/^/#   /'
	exit 1
fi

t=$SECONDS
status=0
say "stage 2: booting $(sed -n 's/^BOOT_ABI=//p' "$image/info") again, the key enrolled"
boot 2 900 || status=$?
results 2 "$status" "$((SECONDS - t))" || exit 1

if [ ! -s "$run/share/out/boot/vmlinuz" ]; then
	echo "not ok - stage 3: no kernel to boot (the second kernel's installation failed)"
	exit 1
fi
make_esp "$run/share/out/boot/vmlinuz" "$run/share/out/boot/initrd.img"
t=$SECONDS
status=0
say "stage 3: booting $(cat "$run/share/out/boot/release") (kernel upgrade, then a key that is not enrolled)"
boot 3 1500 || status=$?
results 3 "$status" "$((SECONDS - t))" || exit 1
say "Secure Boot test done in $((SECONDS - start)) s"
