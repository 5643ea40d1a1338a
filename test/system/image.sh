#!/bin/bash
# Build, or reuse, the Debian system image the lifecycle tests boot.
#
# Usage: test/system/image.sh SUITE [secureboot]
#   SUITE       bookworm: boots bookworm's kernel (6.1), upgrades to
#                         bookworm's 6.12 (linux-image-6.12-amd64);
#               trixie:   boots trixie's kernel (6.12, trixie-security),
#                         upgrades to the newest kernel trixie users can
#                         install (trixie-backports' linux-image-amd64).
#   secureboot  also shim-signed, grub-efi-amd64-signed and mokutil; the
#               image directory then has efi/ with the signed shim, MOK
#               manager and GRUB (to build an EFI system partition from).
#   Prints the image directory on stdout: base.img (raw ext4 root file
#   system), vmlinuz and initrd.img (the kernel to boot it with) and info
#   (SUITE=, BOOT_ABI=, UPGRADE_ABI=: the kernels resolved today).
#   Progress goes to stderr.
#
# The image is cached under ${MMAPDEV_CACHE:-/var/cache/mmapdev-ci}/system/
# keyed by a hash of this recipe (this file and the unit it installs), the
# suite, the flavour and the kernel ABIs the mirror resolves to today, so it
# is rebuilt only when one of them changes. Downloaded .debs are kept in
# system/debs-SUITE so that a rebuild does not download everything again.
#
# What is in it: minbase + systemd, udev, kmod, dkms, gcc, make, openssl
# (DKMS makes its signing key with it), the boot kernel and its headers;
# initramfs-tools with MODULES=list (the virtio, ext4 and 9p modules only: a
# small initramfs is much faster to build under TCG); dpkg told to leave out
# the kernel modules and header files a virtio guest never uses (see the
# essential hook); the upgrade kernel + headers, with what they depend on,
# as .debs in /var/local/mmapdev-ci/kernel-debs (the guest has no network;
# the kernel upgrade step installs them from there); a oneshot unit that
# runs /mnt/ci/guest.sh from the 9p share.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mirror=http://deb.debian.org/debian
security=http://deb.debian.org/debian-security
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
# Modules the initramfs needs to mount the root disk and the 9p share.
initramfs_modules=(virtio_pci virtio_blk ext4 crc32c_generic 9pnet_virtio 9p)

log() { echo "# image: $*" >&2; }

# --- hooks, run by mmdebstrap with the chroot directory as $2 -------------
if [ "${1:-}" = --essential-hook ]; then
	root=$2
	# Before the kernel is installed: keep the initramfs small.
	mkdir -p "$root/etc/initramfs-tools/conf.d"
	printf 'MODULES=list\nCOMPRESS=gzip\nCOMPRESSLEVEL=1\n' >"$root/etc/initramfs-tools/conf.d/mmapdev-ci.conf"
	printf '%s\n' "${initramfs_modules[@]}" >>"$root/etc/initramfs-tools/modules"
	# A throw-away test disk: no fsync per file.
	mkdir -p "$root/etc/dpkg/dpkg.cfg.d"
	echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/mmapdev-ci-unsafe-io"
	# Under TCG every file dpkg unpacks and every module depmod reads costs:
	# of a kernel's ~4200 modules keep the ~330 a virtio guest can use
	# (file systems, 9p, virtio, block, char, crypto, lib), and of the
	# headers the x86 arch only. DKMS, depmod and initramfs-tools work on
	# these kernels exactly as on whole ones; they just have less to do.
	{
		for dir in /lib /usr/lib; do
			echo "path-exclude=$dir/modules/*/kernel/*"
			for keep in fs net/9p drivers/virtio drivers/block drivers/char crypto lib arch; do
				echo "path-include=$dir/modules/*/kernel/$keep/*"
			done
		done
		echo "path-exclude=/usr/src/linux-headers-*/arch/*"
		echo "path-include=/usr/src/linux-headers-*/arch/x86/*"
	} >"$root/etc/dpkg/dpkg.cfg.d/mmapdev-ci-small-kernels"
	exit 0
fi
if [ "${1:-}" = --customize-hook ]; then
	root=$2
	upgrade_release=$3 # "-" for the suite's own
	shift 3
	upgrade_pkgs=("$@")
	upgrade_opts=()
	[ "$upgrade_release" = - ] || upgrade_opts=(-t "$upgrade_release")
	printf '/dev/vda / ext4 rw,noatime 0 1\nci /mnt/ci 9p trans=virtio,version=9p2000.L,msize=262144,nofail 0 0\n' \
		>"$root/etc/fstab"
	mkdir -p "$root/mnt/ci"
	echo mmapdev-ci >"$root/etc/hostname"
	printf '127.0.0.1 localhost\n127.0.1.1 mmapdev-ci\n' >"$root/etc/hosts"
	install -m 0644 "$here/mmapdev-ci.service" "$root/etc/systemd/system/mmapdev-ci.service"
	mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
	ln -sf /etc/systemd/system/mmapdev-ci.service "$root/etc/systemd/system/multi-user.target.wants/"
	# The console is ours; no timers that could take the dpkg lock mid-test.
	for unit in serial-getty@ttyS0.service getty@tty1.service getty-static.service \
		getty.target systemd-firstboot.service \
		apt-daily.timer apt-daily-upgrade.timer apt-daily.service apt-daily-upgrade.service \
		dpkg-db-backup.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer; do
		ln -sf /dev/null "$root/etc/systemd/system/$unit"
	done
	# The kernel upgrade step's packages, for a guest without network.
	debs=/var/local/mmapdev-ci/kernel-debs
	mkdir -p "$root$debs"
	chroot "$root" apt-get install -q -y --download-only "${upgrade_opts[@]}" "${upgrade_pkgs[@]}" >&2
	# "Inst PKG (VERSION ...[ARCH])", or "Inst PKG [OLD] (...)" for upgrades
	# (trixie-backports' kernel needs a newer linux-base).
	chroot "$root" apt-get install -q -s "${upgrade_opts[@]}" "${upgrade_pkgs[@]}" |
		sed -n 's/^Inst \([^ ]*\) \(\[[^]]*\] \)\{0,1\}(\([^ ]*\) .*\[\([^]]*\)\].*/\1 \3 \4/p' |
		while read -r pkg ver arch; do
			cp "$root/var/cache/apt/archives/${pkg}_${ver//:/%3a}_${arch}.deb" "$root$debs/"
		done
	set -- "$root$debs"/linux-image-*.deb
	[ -e "$1" ] || { echo "no upgrade kernel downloaded (${upgrade_pkgs[*]})" >&2; exit 1; }
	# Stored uncompressed: unxz of the 100 MB image package alone costs the
	# guest a minute under TCG, and natively here it is free. Same contents.
	for deb in "$root$debs"/*.deb; do
		rm -rf "$root/tmp/repack"
		dpkg-deb -R "$deb" "$root/tmp/repack"
		dpkg-deb -Znone -b "$root/tmp/repack" "$deb" >/dev/null
	done
	rm -rf "$root/tmp/repack"
	exit 0
fi

# --- main -----------------------------------------------------------------
suite=${1:?usage: image.sh bookworm|trixie [secureboot]}
flavour=${2:-}
case $suite in
bookworm)
	sources=("$mirror bookworm main" "$mirror bookworm-updates main" "$security bookworm-security main")
	# The newer kernel bookworm itself carries.
	upgrade_release=- upgrade_meta=6.12-amd64 ;;
trixie)
	sources=("$mirror trixie main" "$mirror trixie-updates main" "$security trixie-security main"
		"$mirror trixie-backports main")
	# The newest kernel trixie users can install: backports' (apt only takes
	# it from there when asked, -t trixie-backports).
	upgrade_release=trixie-backports upgrade_meta=amd64 ;;
*) echo "image.sh: unknown suite '$suite' (bookworm, trixie)" >&2; exit 2 ;;
esac
extra=
case $flavour in
"") ;;
secureboot) extra=,mokutil,shim-signed,grub-efi-amd64-signed ;;
*) echo "image.sh: unknown flavour '$flavour' (secureboot)" >&2; exit 2 ;;
esac
cache=${MMAPDEV_CACHE:-/var/cache/mmapdev-ci}/system
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

# Resolve the kernel ABIs with a private apt configuration (the host's apt
# sources are never touched).
aptdir=$cache/apt-$suite
mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial" "$aptdir/parts" "$aptdir/sources.d" \
	"$aptdir/preferences.d"
touch "$aptdir/status"
printf "deb [signed-by=$keyring] %s\n" "${sources[@]}" >"$aptdir/sources.list"
cat >"$aptdir/apt.conf" <<CONF
Dir::Etc::Parts "$aptdir/parts";
Dir::Etc::SourceList "$aptdir/sources.list";
Dir::Etc::SourceParts "$aptdir/sources.d";
Dir::Etc::Preferences "$aptdir/preferences";
Dir::Etc::PreferencesParts "$aptdir/preferences.d";
Dir::State::Lists "$aptdir/lists";
Dir::State::status "$aptdir/status";
Dir::Cache "$aptdir/cache";
APT::Architecture "amd64";
APT::Architectures { "amd64"; };
APT::Sandbox::User "root";
Acquire::Languages "none";
CONF
export APT_CONFIG=$aptdir/apt.conf
if ! apt-get update -qq >&2; then
	set -- "$aptdir"/lists/*Packages*
	[ -e "$1" ] || { log "apt-get update failed and no old lists"; exit 1; }
	log "apt-get update failed; using the package lists from an earlier run"
fi
resolve() { # HEADERS-METAPACKAGE [RELEASE]: the kernel ABI apt would install
	local version
	version=$(apt-cache ${2:+-o APT::Default-Release="$2"} policy "$1" | sed -n 's/^ *Candidate: *//p')
	[ -n "$version" ] && [ "$version" != "(none)" ] || return 0
	apt-cache show "$1=$version" | sed -n 's/^Depends: //p' | head -n 1 | tr ',' '\n' |
		sed -n 's/^ *linux-headers-\([0-9][^ ]*\).*/\1/p' | head -n 1
}
boot_abi=$(resolve linux-headers-amd64)
upgrade_abi=$(resolve "linux-headers-$upgrade_meta" "${upgrade_release#-}")
unset APT_CONFIG
[ -n "$boot_abi" ] || { log "cannot resolve $suite's kernel (linux-headers-amd64)"; exit 1; }
[ -n "$upgrade_abi" ] || { log "cannot resolve the upgrade kernel (linux-headers-$upgrade_meta)"; exit 1; }
if [ "$upgrade_abi" = "$boot_abi" ] ||
	dpkg --compare-versions "${upgrade_abi%-amd64}" lt "${boot_abi%-amd64}"; then
	log "the upgrade kernel $upgrade_abi is not newer than $boot_abi"
	exit 1
fi

name=$suite${flavour:+-$flavour}
key=$(cat "$0" "$here/mmapdev-ci.service" <(echo "$name $boot_abi $upgrade_abi") | sha256sum | cut -c1-16)
image=$cache/$name-$key
if [ -f "$image/ready" ]; then
	log "reusing $image (kernels $boot_abi, $upgrade_abi)"
	touch "$image/ready"
	echo "$image"
	exit 0
fi

log "building $image (kernels $boot_abi, $upgrade_abi)"
start=$SECONDS
rm -rf "$cache"/.build.*
tmp=$(mktemp -d "$cache/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
debs=$cache/debs-$suite
mkdir -p "$debs"
# shellcheck disable=SC2016 # "$1" is for mmdebstrap's hook shell to expand
mmdebstrap --variant=minbase --mode=root \
	--include="systemd-sysv,udev,kmod,dkms,gcc,make,libc6-dev,openssl,initramfs-tools,rpm$extra" \
	--include="linux-image-$boot_abi,linux-headers-$boot_abi" \
	--skip=essential/unlink \
	--setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
	--setup-hook="sync-in '$debs' /var/cache/apt/archives/" \
	--essential-hook="'$here/image.sh' --essential-hook \"\$1\"" \
	--customize-hook="'$here/image.sh' --customize-hook \"\$1\" $upgrade_release linux-image-$upgrade_meta linux-headers-$upgrade_meta" \
	--customize-hook="sync-out /var/cache/apt/archives '$debs'" \
	"$suite" "$tmp/root" "${sources[@]/#/deb [signed-by=$keyring] }" >&2
# The download cache only grows; start it afresh when it gets big.
if [ "$(du -sm "$debs" | cut -f1)" -gt 1536 ]; then rm -rf "$debs"; fi
cp "$tmp/root/boot/vmlinuz-$boot_abi" "$tmp/vmlinuz"
cp "$tmp/root/boot/initrd.img-$boot_abi" "$tmp/initrd.img"
if [ "$flavour" = secureboot ]; then
	mkdir "$tmp/efi"
	cp "$tmp/root/usr/lib/shim/shimx64.efi.signed" "$tmp/root/usr/lib/shim/mmx64.efi.signed" \
		"$tmp/root/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed" "$tmp/efi/"
fi
truncate -s 6G "$tmp/base.img"
mkfs.ext4 -q -F -L mmapdev-ci -d "$tmp/root" "$tmp/base.img"
rm -rf "$tmp/root"
printf 'SUITE=%s\nBOOT_ABI=%s\nUPGRADE_ABI=%s\n' "$suite" "$boot_abi" "$upgrade_abi" >"$tmp/info"
touch "$tmp/ready"
mv "$tmp" "$image"
trap - EXIT
log "built in $((SECONDS - start)) s"
# Keep the two most recently used images of this suite and flavour.
# shellcheck disable=SC2012 # hex names; ls -t is the simple way to sort by age
ls -1dt "$cache/$name"-????????????????/ready 2>/dev/null | tail -n +3 | while read -r old; do
	log "removing old image ${old%/ready}"
	rm -rf "${old%/ready}"
done
echo "$image"
