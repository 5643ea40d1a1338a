#!/bin/bash
# The repository test inside a booted Debian system (run as root by
# mmapdev-ci.service from the 9p share mounted on /mnt/ci; no network).
#   /mnt/ci/stage      dkms or prebuilt
#   /mnt/ci/repo-v1    "make repo" output: this version (+ prebuilt modules
#                      for this guest's kernel, + mmapdev-modules-common)
#   /mnt/ci/repo-v2    the same repository once the next version is published
#   /mnt/ci/out/       STAGE.tap (ok/not ok lines), STAGE.log, STAGE.done
# The repository's URL in mmapdev.sources is file:/srv/mmapdev-repo, a
# symbolic link to repo-v1; publishing the next version turns it to repo-v2.
# Stage dkms: tampered repositories are refused; apt install of
#   mmapdev-dkms and mmapdev-tests by name; a newer kernel gets its DKMS
#   build; the next version arrives through apt upgrade, rebuilt for both.
# Stage prebuilt: gcc, make, dkms and the headers removed first; apt install
#   of mmapdev-modules-$(uname -r) and mmapdev-tests by name; purge.
set -uo pipefail
shopt -s nullglob

share=/mnt/ci
out=$share/out
stage=$(cat "$share/stage")
mkdir -p "$out"
exec > >(tee -a "$out/$stage.log") 2>&1
export DEBIAN_FRONTEND=noninteractive PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
apt_opts=(-y -q -o Dpkg::Use-Pty=0)
modules=(kmmap vmmap)
kernel=$(uname -r)
repo=/srv/mmapdev-repo
keyring=/etc/apt/keyrings/mmapdev-archive-keyring.gpg

ok() { echo "ok - $*" | tee -a "$out/$stage.tap"; }
not_ok() { echo "not ok - $*" | tee -a "$out/$stage.tap"; }
check() { # DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
note() { echo "# $*" | tee -a "$out/$stage.tap"; }
start=$SECONDS
step() { note "--- $* (at $((SECONDS - start)) s)"; }

dkms_installed() { # VERSION KERNEL
	dkms status -m mmapdev -v "$1" -k "$2" 2>/dev/null | grep -q ': installed'
}
module_version_is() { # KERNEL VERSION
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
devices_ok() {
	local m
	udevadm settle --timeout=120 || true
	for m in "${modules[@]}"; do
		[ -c "/dev/$m" ] || return 1
		[ "$(stat -c '%U:%G %a' "/dev/$m")" = "root:mmapdev 660" ] || return 1
	done
}
verdict_pass() { grep -q '^mmapdev-selftest: PASS' "$1"; }
installed_version() { dpkg-query -W -f '${db:Status-Abbrev} ${Version}' "$1" 2>/dev/null | sed -n 's/^ii  *//p'; }
other_kernel() {
	local dir
	for dir in /lib/modules/*; do
		[ -d "$dir/kernel" ] && [ "${dir##*/}" != "$kernel" ] && echo "${dir##*/}"
	done | tail -n 1
}
selftest_passes() { # LOG
	mmapdev-selftest >"$1" 2>&1
	local status=$?
	tail -n 1 "$1" | sed 's/^/# /'
	[ "$status" = 0 ]
}

# The guest has no network: Debian's sources go; ours is the only one.
mkdir -p /etc/apt/keyrings /root/apt-disabled
mv /etc/apt/sources.list /etc/apt/sources.list.d/* /root/apt-disabled/ 2>/dev/null
rm -rf /var/lib/apt/lists/*
ln -sfn "$share/repo-v1" "$repo"
v1=$(cat "$share/repo-v1/VERSION")
v2=$(cat "$share/repo-v2/VERSION")
note "stage $stage on $kernel: mmapdev $v1, then $v2"

add_repository() { # what README.md tells a user to do
	install -m 0644 "$repo/mmapdev-archive-keyring.gpg" "$keyring"
	install -m 0644 "$repo/mmapdev.sources" /etc/apt/sources.list.d/mmapdev.sources
}

if [ "$stage" = dkms ]; then
	# --- tampering: a private apt state on copies of the repository ----------
	step "tampered repositories"
	install -m 0644 "$repo/mmapdev-archive-keyring.gpg" "$keyring"
	try_repo() { # NAME: apt-get update, then a download of mmapdev-dkms, from /root/NAME
		local d=/root/try-$1
		rm -rf "$d" && mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
		echo "deb [signed-by=$keyring] file:/root/$1/apt stable main" >"$d/sources.list"
		local o=(-o Dir::Etc::SourceList="$d/sources.list" -o Dir::Etc::SourceParts=/nonexistent
			-o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache" -o Debug::NoLocking=1)
		apt-get "${o[@]}" update >"$out/try-$1.log" 2>&1 &&
			apt-get "${o[@]}" "${apt_opts[@]}" install --download-only mmapdev-dkms >>"$out/try-$1.log" 2>&1
	}
	refused() { # NAME PATTERN
		local status=0
		try_repo "$1" || status=$?
		grep -E "$2" "$out/try-$1.log" | head -n 3 | sed 's/^/# /'
		[ "$status" != 0 ] && grep -qE "$2" "$out/try-$1.log"
	}
	cp -r "$share/repo-v1" /root/intact
	check "tamper: the intact copy updates and downloads (the baseline)" try_repo intact
	cp -r "$share/repo-v1" /root/inrelease
	sed -i 's/^Origin: mmapdev$/Origin: mmapdeW/' /root/inrelease/apt/dists/stable/InRelease
	check "tamper: a byte changed in InRelease: apt update refuses it" \
		refused inrelease 'BADSIG|NO_PUBKEY|is not signed|invalid'
	cp -r "$share/repo-v1" /root/unsigned
	rm /root/unsigned/apt/dists/stable/InRelease /root/unsigned/apt/dists/stable/Release.gpg
	check "tamper: signatures removed: apt update refuses the repository" refused unsigned 'is not signed'
	cp -r "$share/repo-v1" /root/package
	deb=$(echo /root/package/apt/pool/main/mmapdev-dkms_*.deb)
	size=$(stat -c %s "$deb")
	printf '\xff' | dd of="$deb" bs=1 seek=$((size - 100)) conv=notrunc status=none
	check "tamper: a byte changed in mmapdev-dkms's .deb: apt refuses the package" \
		refused package 'Hash Sum mismatch|Size mismatch|hashes do not match|File has unexpected size'
	rm -f "$keyring"

	# --- install by name -----------------------------------------------------
	step "install from the repository"
	add_repository
	apt-get update -q >"$out/update-v1.log" 2>&1
	check "apt update with the repository's mmapdev.sources and key: signature good" \
		bash -c "! grep -qE '^(W|E):' '$out/update-v1.log'"
	grep -E '^(W|E):' "$out/update-v1.log" | sed 's/^/# /'
	t=$SECONDS
	apt-get install "${apt_opts[@]}" mmapdev-dkms mmapdev-tests >"$out/install-v1.log" 2>&1
	check "apt install mmapdev-dkms mmapdev-tests (by name) $v1 ($((SECONDS - t)) s)" test "$?" = 0
	sed -n '/^mmapdev/p' "$out/install-v1.log" | sed 's/^/# /'
	check "installed: mmapdev-dkms $v1" bash -c "[ '$(installed_version mmapdev-dkms)' = '$v1-1' ]"
	check "DKMS built mmapdev $v1 for $kernel" dkms_installed "$v1" "$kernel"
	check "the post-install smoke test passed" verdict_pass "$out/install-v1.log"
	check "kmmap and vmmap $v1 loaded; /dev/kmmap, /dev/vmmap root:mmapdev 0660" \
		bash -c "$(declare -f loaded_version_is devices_ok); modules=(kmmap vmmap); loaded_version_is $v1 && devices_ok"

	step "a newer kernel"
	t=$SECONDS
	apt-get install "${apt_opts[@]}" /var/local/mmapdev-ci/kernel-debs/*.deb >"$out/install-kernel.log" 2>&1
	check "apt install of the newer kernel and its headers ($((SECONDS - t)) s)" test "$?" = 0
	new=$(other_kernel)
	note "the newer kernel: ${new:-none}"
	check "DKMS built mmapdev $v1 for the newer kernel $new" dkms_installed "$v1" "$new"

	step "the next version published"
	ln -sfn "$share/repo-v2" "$repo"
	apt-get update -q >"$out/update-v2.log" 2>&1
	check "apt update sees $v2" bash -c "apt-cache policy mmapdev-dkms | grep -q 'Candidate: $v2-1'"
	t=$SECONDS
	apt-get upgrade "${apt_opts[@]}" >"$out/upgrade.log" 2>&1
	check "apt upgrade ($((SECONDS - t)) s)" test "$?" = 0
	sed -n '/^mmapdev/p' "$out/upgrade.log" | sed 's/^/# /'
	check "upgraded: mmapdev-dkms and mmapdev-tests $v2" \
		bash -c "[ '$(installed_version mmapdev-dkms) $(installed_version mmapdev-tests)' = '$v2-1 $v2-1' ]"
	for k in "$kernel" "$new"; do
		check "DKMS rebuilt: mmapdev $v2 for $k, modules on disk say $v2" \
			bash -c "$(declare -f dkms_installed module_version_is); modules=(kmmap vmmap); dkms_installed $v2 $k && module_version_is $k $v2"
	done
	check "mmapdev $v1 is gone from DKMS" bash -c "! dkms status mmapdev | grep -q '^mmapdev/$v1,'"
	check "the post-upgrade smoke test passed" verdict_pass "$out/upgrade.log"
	check "mmapdev-selftest passes with $v2 loaded" \
		bash -c "$(declare -f loaded_version_is selftest_passes); modules=(kmmap vmmap); loaded_version_is $v2 && selftest_passes '$out/selftest-v2.log'"
fi

if [ "$stage" = prebuilt ]; then
	step "a system without compiler, headers or DKMS"
	t=$SECONDS
	mapfile -t headers < <(dpkg-query -W -f '${Package}\n' 'linux-headers-*' 'linux-kbuild-*' 2>/dev/null)
	apt-get purge "${apt_opts[@]}" --autoremove gcc make dkms libc6-dev "${headers[@]}" \
		>"$out/purge-toolchain.log" 2>&1
	check "gcc, make, dkms, libc6-dev and the kernel headers purged ($((SECONDS - t)) s)" test "$?" = 0
	check "no compiler (gcc, cc, cpp), no make, no dkms" \
		bash -c '! command -v gcc && ! command -v cc && ! command -v cpp && ! command -v make && ! command -v dkms'
	check "no headers: /lib/modules/$kernel/build does not exist" test ! -e "/lib/modules/$kernel/build"

	step "install the prebuilt modules from the repository"
	add_repository
	apt-get update -q >"$out/update-prebuilt.log" 2>&1
	check "apt update: signature good" bash -c "! grep -qE '^(W|E):' '$out/update-prebuilt.log'"
	t=$SECONDS
	apt-get install "${apt_opts[@]}" "mmapdev-modules-$kernel" mmapdev-tests >"$out/install-prebuilt.log" 2>&1
	check "apt install mmapdev-modules-$kernel mmapdev-tests (by name) ($((SECONDS - t)) s)" test "$?" = 0
	sed -n '/^mmapdev/p' "$out/install-prebuilt.log" | sed 's/^/# /'
	check "mmapdev-dkms was not installed" test -z "$(installed_version mmapdev-dkms)"
	path=$(modinfo -n kmmap 2>/dev/null)
	note "kmmap: $path, signer: $(modinfo -F signer kmmap 2>/dev/null)"
	check "modprobe finds kmmap in /lib/modules/$kernel/updates/mmapdev/" \
		bash -c "case '$path' in */modules/$kernel/updates/mmapdev/kmmap.ko*) true ;; *) false ;; esac"
	check "the modules are signed with the fleet key (SIGN_KEY)" \
		bash -c "modinfo -F signer kmmap | grep -q 'mmapdev fleet test key' && modinfo -F signer vmmap | grep -q 'mmapdev fleet test key'"
	check "the post-install smoke test passed" verdict_pass "$out/install-prebuilt.log"
	check "kmmap and vmmap $v1 loaded; /dev/kmmap, /dev/vmmap root:mmapdev 0660" \
		bash -c "$(declare -f loaded_version_is devices_ok); modules=(kmmap vmmap); loaded_version_is $v1 && devices_ok"
	check "mmapdev-selftest passes" selftest_passes "$out/selftest-prebuilt.log"

	step "purge"
	apt-get purge "${apt_opts[@]}" mmapdev-tests "mmapdev-modules-$kernel" mmapdev-modules-common >"$out/purge.log" 2>&1
	check "apt purge of the three packages" test "$?" = 0
	check "nothing left: no module file, modules unloaded, no udev rule" \
		bash -c "[ -z \"\$(find /lib/modules /usr/lib/modules -name 'kmmap.ko*' 2>/dev/null)\" ] && [ ! -e /sys/module/kmmap ] && [ ! -e /lib/udev/rules.d/60-mmapdev.rules ] && ! modinfo kmmap >/dev/null 2>&1"
fi

note "stage $stage done in $((SECONDS - start)) s"
touch "$out/$stage.done"
