#!/bin/bash
# The signed repositories and the prebuilt modules (suite "repo"):
#   on the host: make kmod-deb for the trixie guest's kernel (in a trixie
#     chroot, signed with a throw-away "fleet" key), make repo for this
#     version and for the next (the same key), the APT signatures checked
#     with gpgv, the RPM side with the tools Debian has (rpmkeys --checksig
#     in a private rpm database, gpgv on repomd.xml.asc, repomd.xml's
#     checksums, dnf against the file:// repository; no RPM-based system
#     is reachable from here, so no dnf install on one);
#   in a booted trixie system (test/repo/guest.sh, stage dkms): tampered
#     repositories refused; apt install by name; DKMS for a newer kernel;
#     the next version through apt upgrade, rebuilt for both kernels;
#   in a second one (stage prebuilt): no gcc, make, dkms or headers;
#     apt install mmapdev-modules-KVER mmapdev-tests by name; purge.
# Logs of the last run: ${MMAPDEV_CACHE:-/var/cache/mmapdev-ci}/repo/last-run/.
set -euo pipefail
cd "$(dirname "$0")/../.."
cache=${MMAPDEV_CACHE:-/var/cache/mmapdev-ci}
start=$SECONDS
say() { echo "# repo: $*"; }
check() { # DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then echo "ok - $what"; else echo "not ok - $what"; fi
}
fail_log() { # WHAT LOG
	echo "not ok - $1:"
	tail -n 30 "$2" | sed 's/^/#   /'
	exit 1
}

if [ "$(id -u)" != 0 ]; then
	echo "ok - repository test # SKIP needs root (mmdebstrap, chroot, QEMU image)"
	exit 0
fi
test/lib/deps.sh mmdebstrap qemu-system-x86 qemu-utils e2fsprogs git build-essential dpkg-dev \
	debhelper dh-dkms lintian rpm apt-utils createrepo-c gnupg dnf openssl >/dev/null

run=$(mktemp -d "${TMPDIR:-/tmp}/mmapdev-repo.XXXXXX")
qemu_pid=
# shellcheck disable=SC2317 # run by the EXIT trap
finish() {
	[ -z "$qemu_pid" ] || kill "$qemu_pid" 2>/dev/null || true
	rm -rf "$cache/repo/last-run"
	mkdir -p "$cache/repo/last-run"
	cp -r "$run"/*.log "$run/share/out" "$cache/repo/last-run/" 2>/dev/null || true
	rm -rf "$run"
}
trap finish EXIT
mkdir -p "$run/share/out"

copy_tree() { # DEST: the files git knows (tracked, or untracked and not ignored)
	mkdir -p "$1"
	git ls-files -z --cached --others --exclude-standard |
		tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -C "$1" -xf -
	# A git index of its own: make rpm-build packs what git knows.
	git -C "$1" init -q && git -C "$1" add -A
}

# --- the guest's kernel, and a chroot to build for it -------------------------
image=$(test/system/image.sh trixie 2>"$run/image.log") || fail_log "system image (mmdebstrap)" "$run/image.log"
kver=$(sed -n 's/^BOOT_ABI=//p' "$image/info")
say "image $image: kernel $kver"
chroot=$(test/repo/chroot.sh trixie "$kver" 2>"$run/chroot.log") ||
	fail_log "a trixie chroot with linux-headers-$kver" "$run/chroot.log"

# --- this version: make kmod-deb (signed), make repo --------------------------
v1=$(cat VERSION)
v2=$(awk -F. '{ printf "%d.%d.%d", $1, $2, $3 + 1 }' VERSION)
copy_tree "$run/tree-v1"
openssl req -new -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=mmapdev fleet test key/" \
	-keyout "$run/fleet.key" -outform DER -out "$run/fleet.der" 2>/dev/null
t=$SECONDS
make -C "$run/tree-v1" --no-print-directory kmod-deb KVER="$kver" KMOD_CHROOT="$chroot" \
	SIGN_KEY="$run/fleet.key" SIGN_CERT="$run/fleet.der" >"$run/kmod.log" 2>&1 ||
	fail_log "make kmod-deb KVER=$kver" "$run/kmod.log"
kdeb=$run/tree-v1/build/kmod/mmapdev-modules-${kver}_$v1-1_amd64.deb
echo "ok - make kmod-deb KVER=$kver (in a trixie chroot, signed): $((SECONDS - t)) s"
field() { dpkg-deb -f "$kdeb" "$1"; }
check "mmapdev-modules-$kver: Depends on linux-image-$kver, Provides mmapdev-modules (= $v1-1), Conflicts with mmapdev-dkms" \
	bash -c "[[ '$(field Depends)' == *'linux-image-$kver'* ]] && [ '$(field Provides)' = 'mmapdev-modules (= $v1-1)' ] && [ '$(field Conflicts)' = mmapdev-dkms ]"
rm -rf "$run/kmod-x" && dpkg-deb -x "$kdeb" "$run/kmod-x"
check "kmmap.ko and vmmap.ko in /lib/modules/$kver/updates/mmapdev/, for $kver, signed by the fleet key" \
	bash -c "for m in kmmap vmmap; do f=$run/kmod-x/lib/modules/$kver/updates/mmapdev/\$m.ko; \
		[ \"\$(modinfo -F vermagic \$f | cut -d' ' -f1)\" = '$kver' ] && modinfo -F signer \$f | grep -q 'mmapdev fleet test key' || exit 1; done"
check "postinst runs depmod -a $kver" grep -q "depmod -a $kver" <(dpkg-deb --ctrl-tarfile "$kdeb" | tar -xOf - ./postinst)

t=$SECONDS
make -C "$run/tree-v1" --no-print-directory repo REPO_URL=file:///srv/mmapdev-repo >"$run/repo-v1.log" 2>&1 ||
	fail_log "make repo ($v1)" "$run/repo-v1.log"
echo "ok - make repo: $v1, with the prebuilt modules ($((SECONDS - t)) s)"
repo1=$run/share/repo-v1
mv "$run/tree-v1/build/repo" "$repo1"
echo "$v1" >"$repo1/VERSION"
make -C "$run/tree-v1" --no-print-directory deb-lint >"$run/lintian.log" 2>&1
check "lintian: no errors, no warnings (mmapdev-tests' new Depends)" test "$?" = 0

# --- the next version, published with the same key ----------------------------
copy_tree "$run/tree-v2"
echo "$v2" >"$run/tree-v2/VERSION"
sed -i "s/^Version:.*/Version: $v2/" "$run/tree-v2/rpm/mmapdev.spec"
{
	printf 'mmapdev (%s-1) unstable; urgency=medium\n\n  * Repository test build: the next version.\n\n' "$v2"
	printf ' -- mmapdev CI <ci@localhost>  %s\n\n' "$(date -R)"
	cat debian/changelog
} >"$run/tree-v2/debian/changelog"
make -C "$run/tree-v2" --no-print-directory repo REPO_URL=file:///srv/mmapdev-repo \
	KMOD_OUT="$run/tree-v1/build/kmod" >"$run/repo-v2.log" 2>&1 || fail_log "make repo ($v2)" "$run/repo-v2.log"
repo2=$run/share/repo-v2
mv "$run/tree-v2/build/repo" "$repo2"
echo "$v2" >"$repo2/VERSION"
say "repositories for $v1 and $v2 built at $((SECONDS - start)) s"

# --- the APT repository, checked on the host --------------------------------------
for r in "$repo1" "$repo2"; do
	check "${r##*/}: InRelease and Release.gpg verify with the published key (gpgv)" \
		bash -c "gpgv --keyring '$r/mmapdev-archive-keyring.gpg' '$r/apt/dists/stable/InRelease' 2>/dev/null &&
			gpgv --keyring '$r/mmapdev-archive-keyring.gpg' '$r/apt/dists/stable/Release.gpg' '$r/apt/dists/stable/Release' 2>/dev/null"
done
check "mmapdev.sources: deb822 with Signed-By: /etc/apt/keyrings/mmapdev-archive-keyring.gpg" \
	bash -c "grep -qx 'Signed-By: /etc/apt/keyrings/mmapdev-archive-keyring.gpg' '$repo1/mmapdev.sources' &&
		grep -qx 'URIs: file:///srv/mmapdev-repo/apt' '$repo1/mmapdev.sources'"
check "the signing key is outside the clone (${MMAPDEV_CACHE:-/var/cache/mmapdev-ci}/repo-key), not in the tree" \
	bash -c "[ -d '$cache/repo-key' ] && [ -z \"\$(git ls-files -- '*.gpg' '*.key' '*.asc')\" ]"
pkgs=$(zcat "$repo1/apt/dists/stable/main/binary-amd64/Packages.gz" | sed -n 's/^Package: //p' | sort | tr '\n' ' ')
say "APT packages ($v1): $pkgs"
check "the APT repository has mmapdev-dkms, mmapdev-tests, mmapdev-modules-$kver, mmapdev-modules-common" \
	test "$pkgs" = "mmapdev-dkms mmapdev-modules-$kver mmapdev-modules-common mmapdev-tests "

# --- the RPM repository, as far as Debian's tools go ------------------------------
r=$repo1/rpm
check "mmapdev.repo: gpgcheck=1, repo_gpgcheck=1, gpgkey" \
	bash -c "grep -qx gpgcheck=1 '$repo1/mmapdev.repo' && grep -qx repo_gpgcheck=1 '$repo1/mmapdev.repo' && grep -q '^gpgkey=' '$repo1/mmapdev.repo'"
rpmdb=$run/rpmdb
mkdir -p "$rpmdb"
check "without the key imported, rpmkeys --checksig refuses the RPMs" \
	bash -c "! rpmkeys --dbpath '$rpmdb' --checksig '$r'/*.rpm >/dev/null 2>&1"
rpmkeys --dbpath "$rpmdb" --import "$repo1/RPM-GPG-KEY-mmapdev"
rpmkeys --dbpath "$rpmdb" --checksig "$r"/*.rpm | sed 's|^.*/|# |'
check "with it imported (a private rpm database), every RPM's signature is good" \
	bash -c "rpmkeys --dbpath '$rpmdb' --checksig '$r'/*.rpm | grep -v -q ': digests signatures OK$' && exit 1; exit 0"
check "repodata/repomd.xml.asc verifies with the published key (gpgv)" \
	bash -c "gpg --dearmor <'$repo1/RPM-GPG-KEY-mmapdev' >'$run/rpmkey.gpg' &&
		gpgv --keyring '$run/rpmkey.gpg' '$r/repodata/repomd.xml.asc' '$r/repodata/repomd.xml' 2>/dev/null"
check "repomd.xml's checksums match its metadata files" python3 - "$r" <<'PY'
import hashlib, sys, xml.etree.ElementTree as ET
root = sys.argv[1]
ns = {"r": "http://linux.duke.edu/metadata/repo"}
data = ET.parse(root + "/repodata/repomd.xml").getroot().findall("r:data", ns)
assert data
for d in data:
    c = d.find("r:checksum", ns)
    href = d.find("r:location", ns).get("href")
    with open(root + "/" + href, "rb") as f:
        assert hashlib.new(c.get("type"), f.read()).hexdigest() == c.text, href
PY
dnf_query() { # REPO-DIR OUTPUT: dnf repoquery against REPO-DIR's mmapdev.repo in a private root
	local d
	d=$(mktemp -d "$run/dnf.XXXXXX")
	mkdir -p "$d/repos" "$d/root"
	sed "s|file:///srv/mmapdev-repo|file://$1|" "$1/mmapdev.repo" >"$d/repos/mmapdev.repo"
	dnf -y --installroot="$d/root" --releasever=1 --setopt=reposdir="$d/repos" \
		--setopt=cachedir="$d/cache" --setopt=logdir="$d" --setopt=skip_if_unavailable=False \
		repoquery --qf '%{name}-%{version}-%{release}.%{arch}' >"$2" 2>&1
}
dnf_query "$repo1" "$run/dnf.log" || true
grep '^mmapdev' "$run/dnf.log" | sed 's/^/# dnf: /'
check "dnf (Debian's, in a private installroot) checks repomd.xml's signature and lists both packages" \
	bash -c "grep -qx 'mmapdev-dkms-$v1-1.noarch' '$run/dnf.log' && grep -qx 'mmapdev-tests-$v1-1.x86_64' '$run/dnf.log'"
cp -r "$repo1" "$run/tampered"
sed -i 's|<revision>|<revision>1|' "$run/tampered/rpm/repodata/repomd.xml"
dnf_query "$run/tampered" "$run/dnf-tampered.log" || true
grep -i 'signature' "$run/dnf-tampered.log" | head -n 2 | sed 's/^/# dnf: /'
check "dnf refuses a changed repomd.xml (bad signature)" \
	bash -c "grep -q 'Bad GPG signature' '$run/dnf-tampered.log' && ! grep -q '^mmapdev-dkms' '$run/dnf-tampered.log'"
f=$(echo "$run"/tampered/rpm/mmapdev-dkms-*.rpm)
printf '\xff' | dd of="$f" bs=1 seek=$(($(stat -c %s "$f") - 100)) conv=notrunc status=none
check "rpmkeys --checksig refuses an RPM with a changed byte" \
	bash -c "! rpmkeys --dbpath '$rpmdb' --checksig '$f' >/dev/null 2>&1"
echo "ok - an RPM-based system to install from the dnf repository # SKIP none reachable from this machine (Debian only)"
rm -rf "$run/tampered" "$run/tree-v1" "$run/tree-v2" "$run/kmod-x"

# --- the two booted systems --------------------------------------------------------
install -m 0755 test/repo/guest.sh "$run/share/guest.sh"
boot() { # STAGE TIMEOUT: a fresh overlay on the image, the stage's guest run
	local status=0 t=$SECONDS
	echo "$1" >"$run/share/stage"
	qemu-img create -q -f qcow2 -F raw -b "$image/base.img" "$run/disk-$1.qcow2"
	say "booting $kver: stage $1"
	timeout "$2" qemu-system-x86_64 -accel tcg -cpu qemu64 -smp 2 -m 2048 \
		-display none -monitor none -serial "file:$run/serial-$1.log" \
		-no-reboot -nic none -device virtio-rng-pci \
		-kernel "$image/vmlinuz" -initrd "$image/initrd.img" \
		-append "root=/dev/vda rw console=ttyS0 panic=-1 quiet" \
		-drive "file=$run/disk-$1.qcow2,format=qcow2,if=virtio,cache=unsafe" \
		-virtfs "local,path=$run/share,mount_tag=ci,security_model=none,id=ci" \
		</dev/null >"$run/qemu-$1.log" 2>&1 &
	qemu_pid=$!
	wait "$qemu_pid" || status=$?
	qemu_pid=
	rm -f "$run/disk-$1.qcow2"
	[ -f "$run/share/out/$1.tap" ] && cat "$run/share/out/$1.tap"
	if [ -f "$run/share/out/$1.done" ]; then
		say "stage $1: $((SECONDS - t)) s"
		return 0
	fi
	echo "not ok - stage $1 did not finish (QEMU exit status $status after $((SECONDS - t)) s)"
	tr -d '\r' <"$run/serial-$1.log" | tail -n 30 | sed 's/^/#   /'
	return 1
}
status=0
boot dkms 2700 || status=1
boot prebuilt 1500 || status=1
say "repository test done in $((SECONDS - start)) s"
exit "$status"
