#!/bin/bash
# Build, or reuse, the Debian bookworm system image the lifecycle test boots.
#
# Usage: test/system/image.sh
#   Prints the image directory on stdout: base.img (raw ext4 root file
#   system), vmlinuz and initrd.img (the 6.1 kernel to boot it with) and
#   info (the resolved kernel ABIs). Progress goes to stderr.
#
# The image is cached under ${MMAPDEV_CACHE:-/var/cache/mmapdev-ci}/system/
# keyed by a hash of this recipe (this file and the unit it installs) and the
# kernel ABIs the mirror resolves to today, so it is rebuilt only when one of
# them changes. Downloaded .debs are kept in system/debs so that a rebuild
# after a recipe change does not download everything again.
#
# What is in it: minbase + systemd, udev, kmod, dkms, gcc, make, the 6.1
# kernel and its headers; initramfs-tools with MODULES=list (the virtio, ext4
# and 9p modules only: a small initramfs is much faster to build under TCG);
# dpkg told to leave out the kernel modules and header files a virtio guest
# never uses (see the essential hook);
# the 6.12 kernel + headers as .debs in /var/local/mmapdev-ci/kernel-debs
# (the guest has no network; the kernel upgrade step installs them from
# there); a oneshot unit that runs /mnt/ci/guest.sh from the 9p share.
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
	chroot "$root" apt-get install -q -y --download-only linux-image-6.12-amd64 linux-headers-6.12-amd64 >&2
	chroot "$root" apt-get install -q -s linux-image-6.12-amd64 linux-headers-6.12-amd64 |
		sed -n 's/^Inst \([^ ]*\) (\([^ ]*\) .*\[\([^]]*\)\].*/\1 \2 \3/p' |
		while read -r pkg ver arch; do
			cp "$root/var/cache/apt/archives/${pkg}_${ver//:/%3a}_${arch}.deb" "$root$debs/"
		done
	set -- "$root$debs"/linux-image-6.12*.deb
	[ -e "$1" ] || { echo "no 6.12 kernel downloaded" >&2; exit 1; }
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
cache=${MMAPDEV_CACHE:-/var/cache/mmapdev-ci}/system
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

# Resolve the kernel ABIs with a private apt configuration (the host's apt
# sources are never touched).
aptdir=$cache/apt
mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial" "$aptdir/parts" "$aptdir/sources.d"
touch "$aptdir/status"
cat >"$aptdir/sources.list" <<EOF
deb [signed-by=$keyring] $mirror bookworm main
deb [signed-by=$keyring] $mirror bookworm-updates main
deb [signed-by=$keyring] $security bookworm-security main
EOF
cat >"$aptdir/apt.conf" <<EOF
Dir::Etc::Parts "$aptdir/parts";
Dir::Etc::SourceList "$aptdir/sources.list";
Dir::Etc::SourceParts "$aptdir/sources.d";
Dir::State::Lists "$aptdir/lists";
Dir::State::status "$aptdir/status";
Dir::Cache "$aptdir/cache";
APT::Architecture "amd64";
APT::Architectures { "amd64"; };
APT::Sandbox::User "root";
Acquire::Languages "none";
EOF
export APT_CONFIG=$aptdir/apt.conf
if ! apt-get update -qq >&2; then
	set -- "$aptdir"/lists/*Packages*
	[ -e "$1" ] || { log "apt-get update failed and no old lists"; exit 1; }
	log "apt-get update failed; using the package lists from an earlier run"
fi
resolve() { # metapackage -> the ABI of the linux-image it depends on
	apt-cache show --no-all-versions "$1" | sed -n 's/^Depends:.*linux-image-\([0-9][^ ,]*\).*/\1/p' | head -n 1
}
abi61=$(resolve linux-image-amd64)
abi612=$(resolve linux-image-6.12-amd64)
unset APT_CONFIG
case "$abi61" in 6.1.*) ;; *) log "linux-image-amd64 resolves to '$abi61', not 6.1"; exit 1 ;; esac
case "$abi612" in 6.12.*) ;; *) log "linux-image-6.12-amd64 resolves to '$abi612'"; exit 1 ;; esac

key=$(cat "$0" "$here/mmapdev-ci.service" <(echo "$abi61 $abi612") | sha256sum | cut -c1-16)
image=$cache/$key
if [ -f "$image/ready" ]; then
	log "reusing $image (kernels $abi61, $abi612)"
	touch "$image/ready"
	echo "$image"
	exit 0
fi

log "building $image (kernels $abi61, $abi612)"
start=$SECONDS
rm -rf "$cache"/.build.*
tmp=$(mktemp -d "$cache/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$cache/debs"
# shellcheck disable=SC2016 # "$1" is for mmdebstrap's hook shell to expand
mmdebstrap --variant=minbase --mode=root \
	--include=systemd-sysv,udev,kmod,dkms,gcc,make,libc6-dev,initramfs-tools,rpm \
	--include="linux-image-$abi61,linux-headers-$abi61" \
	--skip=essential/unlink \
	--setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
	--setup-hook="sync-in '$cache/debs' /var/cache/apt/archives/" \
	--essential-hook="'$here/image.sh' --essential-hook \"\$1\"" \
	--customize-hook="'$here/image.sh' --customize-hook \"\$1\"" \
	--customize-hook="sync-out /var/cache/apt/archives '$cache/debs'" \
	bookworm "$tmp/root" \
	"deb [signed-by=$keyring] $mirror bookworm main" \
	"deb [signed-by=$keyring] $mirror bookworm-updates main" \
	"deb [signed-by=$keyring] $security bookworm-security main" >&2
# The download cache only grows; start it afresh when it gets big.
if [ "$(du -sm "$cache/debs" | cut -f1)" -gt 2048 ]; then rm -rf "$cache/debs"; fi
cp "$tmp/root/boot/vmlinuz-$abi61" "$tmp/vmlinuz"
cp "$tmp/root/boot/initrd.img-$abi61" "$tmp/initrd.img"
truncate -s 6G "$tmp/base.img"
mkfs.ext4 -q -F -L mmapdev-ci -d "$tmp/root" "$tmp/base.img"
rm -rf "$tmp/root"
printf 'ABI61=%s\nABI612=%s\n' "$abi61" "$abi612" >"$tmp/info"
touch "$tmp/ready"
mv "$tmp" "$image"
trap - EXIT
log "built in $((SECONDS - start)) s"
# Keep the two most recently used images.
# shellcheck disable=SC2012 # hex names; ls -t is the simple way to sort by age
ls -1dt "$cache"/*/ready 2>/dev/null | tail -n +3 | while read -r old; do
	log "removing old image ${old%/ready}"
	rm -rf "${old%/ready}"
done
echo "$image"
