#!/bin/bash
# Shared definitions for the kernel matrix (sourced, not run).
#
# A "line" is one place Debian ships a kernel, named by its suite (and, for
# bookworm's second kernel, its series). Bookworm's two lines are built and
# booted from the host's own packages (test/lib/host-kernel.sh); every other
# line is built in a minimal chroot of its suite, with that suite's
# compiler, and booted from its unpacked image package. Kernel versions and
# ABI names are resolved from the suites' metapackages each run, never
# written down; so is which line carries the newest kernel Debian ships.
#
# shellcheck disable=SC2034  # the variables are for the scripts that source this

MATRIX_LINES_AMD64="bullseye bookworm bookworm-6.12 trixie trixie-backports sid experimental"
# Other architectures: LINE:FLAVOUR, a suite's kernel of that flavour
# (Debian's name: linux-image-FLAVOUR), cross-built in a chroot of the
# suite and booted on that architecture's QEMU machine. powerpc64le is
# bookworm's: the mirror carries no ppc64el kernel of trixie (its 4 KiB
# powerpc64le and 64 KiB powerpc64le-64k packages give 404); bookworm's
# powerpc64le has 64 KiB pages.
MATRIX_LINES_ARCH="bookworm:arm64 trixie:arm64 trixie-backports:arm64 bookworm:powerpc64le"
MATRIX_LINES_ALL="$MATRIX_LINES_AMD64 $MATRIX_LINES_ARCH"
# MMAPDEV_MATRIX=fast: bookworm's two lines on the host and whichever line
# carries the newest kernel Debian ships (matrix.sh resolves "newest" each
# run): one chroot (see README.md).
MATRIX_LINES_FAST="bookworm bookworm-6.12 newest"

MATRIX_MIRROR=${MMAPDEV_MIRROR:-http://deb.debian.org/debian}
MATRIX_SECURITY_MIRROR=${MMAPDEV_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
MATRIX_CACHE=${MMAPDEV_CACHE:-/var/cache/mmapdev-ci}/matrix
MATRIX_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MATRIX_TOP=$(cd "$MATRIX_DIR/../.." && pwd)

# matrix_line LINE[:FLAVOUR]: sets
#   line_flavour  the kernel flavour (amd64, arm64, powerpc64le, ...)
#   line_arch     its Debian architecture, line_karch the kernel's ARCH,
#                 line_cross the cross compilers' prefix (none for amd64)
#   line_kind     host (bookworm's lines, test/lib/host-kernel.sh) or chroot
#   line_host     host-kernel.sh's name of a host line, line_meta its
#                 headers metapackage
#   line_suite    the chroot's base suite
#   line_releases the suites whose linux-headers-amd64 can name the line's
#                 kernel: the newest version among them is the line's
#   line_above    a line whose kernel this one must be newer than to be
#                 worth a run (experimental over sid, backports over the
#                 release), or empty
#   line_sources  the chroot's sources.list, one line per element
matrix_line() {
	local base=${1%%:*}
	line_flavour=amd64
	[[ "$1" != *:* ]] || line_flavour=${1#*:}
	case "$line_flavour" in
	amd64) line_arch=amd64 line_karch=x86 line_cross='' ;;
	arm64) line_arch=arm64 line_karch=arm64 line_cross=aarch64-linux-gnu- ;;
	powerpc64le | powerpc64le-64k)
		line_arch=ppc64el line_karch=powerpc line_cross=powerpc64le-linux-gnu- ;;
	*) echo "matrix: unknown kernel flavour $line_flavour (known: amd64, arm64, powerpc64le, powerpc64le-64k)" >&2; return 2 ;;
	esac
	line_kind=chroot line_host='' line_meta='' line_above='' line_sources=()
	case "$base" in
	bullseye)
		line_suite=bullseye line_releases="bullseye bullseye-security"
		line_sources=("deb $MATRIX_MIRROR bullseye main"
			"deb $MATRIX_SECURITY_MIRROR bullseye-security main") ;;
	bookworm)
		line_kind=host line_host=6.1 line_meta=linux-headers-amd64
		line_suite=bookworm line_releases=bookworm ;;
	bookworm-6.12)
		line_kind=host line_host=6.12 line_meta=linux-headers-6.12-amd64
		line_suite=bookworm line_releases=bookworm ;;
	trixie)
		line_suite=trixie line_releases="trixie trixie-security"
		line_sources=("deb $MATRIX_MIRROR trixie main"
			"deb $MATRIX_SECURITY_MIRROR trixie-security main") ;;
	trixie-backports)
		line_suite=trixie line_releases=trixie-backports line_above=trixie
		line_sources=("deb $MATRIX_MIRROR trixie main"
			"deb $MATRIX_SECURITY_MIRROR trixie-security main"
			"deb $MATRIX_MIRROR trixie-backports main") ;;
	sid)
		line_suite=sid line_releases=sid
		line_sources=("deb $MATRIX_MIRROR sid main") ;;
	experimental)
		line_suite=sid line_releases=experimental line_above=sid
		line_sources=("deb $MATRIX_MIRROR sid main"
			"deb $MATRIX_MIRROR experimental main") ;;
	*) echo "matrix: unknown kernel line $1 (known: $MATRIX_LINES_ALL, newest)" >&2; return 2 ;;
	esac
	[ "$line_flavour" != amd64 ] || return 0
	# Another architecture: always a chroot (bookworm's too), and a line
	# above of the same flavour.
	case "$base" in
	bookworm)
		line_kind=chroot line_releases="bookworm bookworm-security"
		line_sources=("deb $MATRIX_MIRROR bookworm main"
			"deb $MATRIX_SECURITY_MIRROR bookworm-security main") ;;
	bookworm-6.12) echo "matrix: bookworm-6.12 is an amd64 line" >&2; return 2 ;;
	esac
	[ -z "$line_above" ] || line_above=$line_above:$line_flavour
}

# The private APT state used to query the other suites: the host's apt
# sources are never touched. Its APT_CONFIG is given to matrix_apt's
# commands only, never exported: apt run for the host (deps.sh,
# host-kernel.sh) must see the host's configuration.
MATRIX_APT=$MATRIX_CACHE/apt
MATRIX_APT_CONFIG=$MATRIX_APT/apt.conf

# matrix_apt COMMAND...: runs an APT command on the private state. The
# parsed cache is kept (a command-line option, since the host's
# apt.conf.d may turn it off after APT_CONFIG is read): each query would
# parse all five suites' lists again otherwise.
matrix_apt() {
	APT_CONFIG=$MATRIX_APT_CONFIG "$1" -o Dir::Cache::pkgcache=pkgcache.bin -o Dir::Cache::srcpkgcache=srcpkgcache.bin "${@:2}"
}

# matrix_apt_update: (re)writes the private APT configuration for every
# chroot line and refreshes its package lists (keeping the old lists if
# the mirror cannot be reached). Each source is listed for the
# architectures of the lines that use it, and no others.
matrix_apt_update() {
	local l s
	local -A archs=() # source line -> its architectures, comma-separated
	mkdir -p "$MATRIX_APT"/lists/partial "$MATRIX_APT"/cache/archives/partial \
		"$MATRIX_APT"/preferences.d
	for l in $MATRIX_LINES_ALL; do
		matrix_line "$l"
		[ "$line_kind" = chroot ] || continue
		for s in "${line_sources[@]}"; do
			[[ ",${archs[$s]:-}," == *",$line_arch,"* ]] ||
				archs[$s]=${archs[$s]:+${archs[$s]},}$line_arch
		done
	done
	for s in "${!archs[@]}"; do
		echo "deb [arch=${archs[$s]}] ${s#deb }"
	done | sort > "$MATRIX_APT/sources.list"
	touch "$MATRIX_APT/status"
	cat > "$MATRIX_APT_CONFIG" <<-CONF
	Dir::Etc::SourceList "$MATRIX_APT/sources.list";
	Dir::Etc::SourceParts "/nonexistent";
	Dir::Etc::Preferences "$MATRIX_APT/preferences";
	Dir::Etc::PreferencesParts "$MATRIX_APT/preferences.d";
	Dir::State::Lists "$MATRIX_APT/lists";
	Dir::State::Status "$MATRIX_APT/status";
	Dir::Cache "$MATRIX_APT/cache";
	APT::Architecture "amd64";
	APT::Architectures { "amd64"; "arm64"; "ppc64el"; };
	Acquire::Languages "none";
	// sid's and experimental's Release files may have expired.
	Acquire::Check-Valid-Until "false";
	APT::Sandbox::User "root";
	CONF
	if ! matrix_apt apt-get update -qq >&2; then
		ls "$MATRIX_APT"/lists/*_Packages >/dev/null 2>&1 || return 1
		echo "matrix: apt-get update failed; using the package lists from the last run" >&2
	fi
}

# matrix_version LINE: prints the newest version of the kernel LINE's
# suites ship (their linux-headers-FLAVOUR, or for a host line its
# metapackage on the host), or nothing when they ship none. It only looks:
# nothing is installed. Needs matrix_apt_update first.
matrix_version() {
	local v newest=''
	matrix_line "$1" || return
	if [ "$line_kind" = host ]; then
		# The host's own APT state (not the private one) has bookworm.
		apt-cache policy "$line_meta" 2>/dev/null |
			sed -n 's/^ *Candidate: *//p' | grep -v '^(none)$' || true
		return 0
	fi
	# madison prints "PACKAGE | VERSION | URL SUITE/COMPONENT ARCH Packages",
	# one row per version and suite.
	for v in $(matrix_apt apt-cache madison "linux-headers-$line_flavour:$line_arch" |
		awk -F' *[|] *' -v suites=" $line_releases " -v arch="$line_arch" '{
		split($3, f, " "); split(f[2], s, "/")
		if (index(suites, " " s[1] " ") && f[3] == arch) print $2 }'); do
		if [ -z "$newest" ] || dpkg --compare-versions "$v" gt "$newest"; then
			newest=$v
		fi
	done
	echo "$newest"
}

# matrix_resolve LINE: sets kernel_abi (the name under /lib/modules),
# kernel_version (the Debian package version), headers_pkg and image_pkg
# (the package that holds vmlinuz; PACKAGE:ARCH for another architecture).
# For another architecture also foreign_debs (that architecture's headers
# packages, unpacked into the chroot: installing them would pull in the
# foreign compiler, which cannot run here) and cross_pkgs (the amd64
# packages that build for it: the suite's kbuild and the cross compiler of
# the version the headers ask for). Needs matrix_apt_update first.
# Returns 3 (a skip) when the line has no kernel newer than line_above's.
matrix_resolve() {
	local line=$1 meta_version dep above d v
	foreign_debs='' cross_pkgs=''
	matrix_line "$line" || return
	if [ "$line_kind" = host ]; then
		kernel_abi=$("$MATRIX_TOP/test/lib/host-kernel.sh" "$line_host") || return
		# shellcheck disable=SC2016 # a dpkg-query format, not an expansion
		kernel_version=$(dpkg-query -W -f '${Version}' "linux-image-$kernel_abi")
		headers_pkg=linux-headers-$kernel_abi image_pkg=linux-image-$kernel_abi
		return 0
	fi
	meta_version=$(matrix_version "$line")
	# experimental without a kernel of its own, or older than sid's; the
	# backports without one newer than the release's: it would test the
	# same kernel twice, or an older one. Exit 3: a skip.
	if [ -n "$line_above" ]; then
		above=$(matrix_version "$line_above")
		if [ -z "$meta_version" ]; then
			echo "$line has no kernel of its own" >&2
			return 3
		fi
		if [ -n "$above" ] && dpkg --compare-versions "$meta_version" le "$above"; then
			echo "$line has no kernel newer than $line_above's $above (its own: $meta_version)" >&2
			return 3
		fi
	fi
	# The suite's linux-headers-FLAVOUR depends on exactly one
	# linux-headers-ABI package, at the same version.
	dep=$(matrix_apt apt-cache show "linux-headers-$line_flavour:$line_arch=$meta_version" 2>/dev/null |
		sed -n 's/^Depends: //p' | head -n 1 | tr ',' '\n' |
		sed -n 's/^ *linux-headers-\([0-9][^ ]*\).*/\1/p' | head -n 1)
	if [ -z "$meta_version" ] || [ -z "$dep" ]; then
		echo "matrix: cannot resolve the kernel of $line ($line_releases)" >&2
		return 1
	fi
	kernel_abi=$dep kernel_version=$meta_version
	headers_pkg=linux-headers-$kernel_abi
	# From 7.x the image package is a metapackage and vmlinuz is in
	# linux-binary-ABI (under /usr/lib/modules/ABI/).
	if matrix_apt apt-cache show "linux-binary-$kernel_abi:$line_arch=$kernel_version" >/dev/null 2>&1; then
		image_pkg=linux-binary-$kernel_abi
	else
		image_pkg=linux-image-$kernel_abi
	fi
	[ "$line_arch" != amd64 ] || return 0
	image_pkg=$image_pkg:$line_arch
	# "linux-headers-ABI-common (= V), linux-kbuild-X, gcc-14 | ...": one
	# package name per alternative.
	foreign_debs="$headers_pkg:$line_arch=$kernel_version"
	for d in $(matrix_apt apt-cache show "$headers_pkg:$line_arch=$kernel_version" |
		sed -n 's/^Depends: //p' | head -n 1 | sed 's/[,|]/\n/g' | sed 's/^ *//; s/[ :].*//'); do
		case "$d" in
		linux-headers-*) foreign_debs="$foreign_debs $d=$kernel_version" ;;
		linux-kbuild-*) cross_pkgs="$cross_pkgs $d" ;;
		gcc-[0-9]*)	# gcc-14, gcc-14-for-host
			v=${d#gcc-} && v=${v%%-*}
			cross_pkgs="$cross_pkgs gcc-$v-${line_cross%-}" ;;
		esac
	done
	cross_pkgs=${cross_pkgs# }
}

# matrix_newest LINE=VERSION...: prints "LINE VERSION" of the newest
# version (dpkg --compare-versions) among the pairs; on a tie the first.
matrix_newest() {
	local pair best='' best_v=''
	for pair in "$@"; do
		[ -n "${pair#*=}" ] || continue
		if [ -z "$best_v" ] || dpkg --compare-versions "${pair#*=}" gt "$best_v"; then
			best=${pair%%=*} best_v=${pair#*=}
		fi
	done
	[ -z "$best" ] || echo "$best $best_v"
}

# matrix_prune: removes the chroots and kernel images of names this
# version does not use (lines renamed or gone); each line removes its own
# stale ones when it makes new ones.
matrix_prune() {
	local entry name l keep
	for entry in "$MATRIX_CACHE"/chroots/* "$MATRIX_CACHE"/kernels/*; do
		[ -e "$entry" ] || continue
		name=${entry##*/} keep=no
		for l in $MATRIX_LINES_ALL; do
			case "$name" in "${l}_"*) keep=yes ;; esac
		done
		[ "$keep" = yes ] || rm -rf "$entry"
	done
}

# matrix_lock NAME: holds an exclusive lock on NAME under the cache until
# the calling (sub)shell exits.
matrix_lock() {
	local fd
	mkdir -p "$MATRIX_CACHE/locks"
	exec {fd}> "$MATRIX_CACHE/locks/$1"
	flock "$fd"
}

# matrix_chroot LINE: prints the path of a chroot of LINE's suite with its
# compiler and headers installed (needs matrix_resolve LINE first). It is
# cached under the line, the kernel ABI and version and a hash of this
# recipe (the name ends the line's part with "_": trixie_* is not
# trixie-backports_*), so it is rebuilt only when the suite's kernel (or the recipe)
# changes; the chroots of older kernels of the line are removed then.
matrix_chroot() {
	local line=$1 key dir tmp build_pkgs=$headers_pkg
	# Another architecture: the amd64 kbuild and cross compiler, and that
	# architecture's headers unpacked (foreign_debs) once the chroot is made.
	[ "$line_arch" = amd64 ] || build_pkgs=${cross_pkgs// /,}
	local recipe=(--variant=minbase --mode=root --format=directory
		--include="make,gcc,libc6-dev,dwarves,perl,$build_pkgs"
		# 7.x headers generate BTF for modules: pahole (dwarves) is needed.
		# W=1 runs scripts/kernel-doc (perl, with Pod::Usage from 6.x on).
		--aptopt='Acquire::Check-Valid-Until "false"'
		--dpkgopt='path-exclude=/usr/share/doc/*'
		--dpkgopt='path-exclude=/usr/share/man/*'
		--dpkgopt='path-exclude=/usr/share/locale/*'
		# trixie's headers pull in the image: its modules are not needed.
		--dpkgopt='path-exclude=/lib/modules/*/kernel/*'
		--dpkgopt='path-exclude=/usr/lib/modules/*/kernel/*'
		"$line_suite")
	# (An amd64 line's key is what it was before other architectures came.)
	key=$(printf '%s\n' "${recipe[@]}" "${line_sources[@]}" ${foreign_debs:+"$foreign_debs"} |
		sha256sum | cut -c1-10)
	dir=$MATRIX_CACHE/chroots/${line}_${kernel_abi}_${kernel_version}_$key
	(
		matrix_lock "chroot-$line"
		[ -e "$dir/.complete" ] && exit 0
		mkdir -p "$MATRIX_CACHE/chroots"
		tmp=$(mktemp -d "$MATRIX_CACHE/chroots/.new.XXXXXX")
		trap 'rm -rf "$tmp"' EXIT
		echo "matrix: $line: creating a $line_suite chroot for $headers_pkg ($kernel_version)" >&2
		# INITRD=No: no initramfs for the image trixie's headers pull in.
		# One retry: a mirror hiccup should not fail the line.
		if ! INITRD=No mmdebstrap --quiet "${recipe[@]}" "$tmp" "${line_sources[@]}" >&2; then
			echo "matrix: $line: mmdebstrap failed; once more" >&2
			rm -rf "$tmp" && mkdir "$tmp"
			INITRD=No mmdebstrap --quiet "${recipe[@]}" "$tmp" "${line_sources[@]}" >&2
		fi
		if [ -n "$foreign_debs" ]; then
			mkdir "$tmp/.debs"
			# shellcheck disable=SC2086 # one word per package
			(cd "$tmp/.debs" && matrix_apt apt-get download -qq $foreign_debs >&2)
			# Not dpkg-deb -x: its tar would turn the merged-/usr
			# symlink /lib into a directory (bookworm's headers have
			# /lib/modules/ABI/build), and nothing would run.
			for deb in "$tmp"/.debs/*.deb; do
				dpkg-deb --fsys-tarfile "$deb" | tar -x --keep-directory-symlink -C "$tmp"
			done
			rm -rf "$tmp/.debs"
			if [ ! -e "$tmp/usr/src/$headers_pkg/Makefile" ]; then
				echo "matrix: $line: no /usr/src/$headers_pkg in $foreign_debs" >&2
				exit 1
			fi
		else
			local got
			# shellcheck disable=SC2016 # a dpkg-query format, not an expansion
			got=$(chroot "$tmp" dpkg-query -W -f '${Version}' "$headers_pkg")
			if [ "$got" != "$kernel_version" ]; then
				echo "matrix: $line: the chroot got $headers_pkg $got, not $kernel_version" >&2
				exit 1
			fi
		fi
		touch "$tmp/.complete"
		# Chroots of this line's earlier kernels (or recipes) are stale now.
		find "$MATRIX_CACHE/chroots" -mindepth 1 -maxdepth 1 \
			-name "${line}_*" ! -name "$(basename "$dir")" \
			-exec rm -rf {} +
		rm -rf "$dir"
		mv "$tmp" "$dir"
		trap - EXIT
	) || return
	echo "$dir"
}

# matrix_vmlinuz LINE: prints the path of LINE's bootable kernel image
# (needs matrix_resolve LINE first). Other suites' images are fetched with
# the private APT state and unpacked (only vmlinuz is kept, and the RAM
# disk module brd.ko* beside it: the guests' O_DIRECT checks load it, see
# test/lib/block-module.sh), cached by line, ABI and version. An entry
# cached before brd was kept (no .modules stamp) is fetched again.
matrix_vmlinuz() {
	local line=$1 dir
	if [ "$line_kind" = host ]; then
		echo "/boot/vmlinuz-$kernel_abi"
		return
	fi
	dir=$MATRIX_CACHE/kernels/${line}_${kernel_abi}_$kernel_version
	(
		matrix_lock "kernel-$line"
		[ -s "$dir/vmlinuz" ] && [ -e "$dir/.modules" ] && exit 0
		tmp=$(mktemp -d "$MATRIX_CACHE/kernels.new.XXXXXX")
		trap 'rm -rf "$tmp"' EXIT
		echo "matrix: $line: fetching $image_pkg $kernel_version" >&2
		(cd "$tmp" && matrix_apt apt-get download -qq "$image_pkg=$kernel_version" >&2)
		# 7.x: the modules are in linux-modules-ABI, beside linux-binary-ABI.
		if [[ "$image_pkg" == linux-binary-* ]]; then
			(cd "$tmp" && matrix_apt apt-get download -qq \
				"linux-modules-${image_pkg#linux-binary-}=$kernel_version" >&2) ||
				echo "matrix: $line: no linux-modules-${image_pkg#linux-binary-} $kernel_version" >&2
		fi
		mkdir "$tmp/x"
		# brd may be missing (tar then fails "Not found in archive"): the
		# image is checked for below.
		for deb in "$tmp"/*.deb; do
			dpkg-deb --fsys-tarfile "$deb" |
				tar -x -C "$tmp/x" --wildcards '*vmlinu[xz]*' '*/drivers/block/brd.ko*' 2>/dev/null || true
		done
		# linux-image-ABI: /boot/vmlinuz-ABI; linux-binary-ABI (7.x):
		# /usr/lib/modules/ABI/vmlinuz; ppc64el: /boot/vmlinux-ABI (ELF)
		image=$(find "$tmp/x" -type f -name 'vmlinu[xz]*' | head -n 1)
		[ -n "$image" ] || { echo "matrix: $line: no vmlinuz in $image_pkg" >&2; exit 1; }
		brd=$(find "$tmp/x" -type f -name 'brd.ko*' | head -n 1)
		mkdir -p "$dir"
		mv "$image" "$dir/vmlinuz"
		[ -z "$brd" ] || mv "$brd" "$dir/"
		[ -n "$brd" ] || echo "matrix: $line: no brd module in $image_pkg" >&2
		touch "$dir/.modules"
		# Images of this line's earlier kernels are stale now.
		find "$MATRIX_CACHE/kernels" -mindepth 1 -maxdepth 1 -name "${line}_*" \
			! -name "$(basename "$dir")" -exec rm -rf {} +
	) || return
	echo "$dir/vmlinuz"
}

# matrix_busybox ARCH: prints the path of a static busybox for ARCH (a
# Debian architecture), for the guests of another architecture: the
# newest busybox-static the private APT state lists, cached under
# busybox/ARCH.
matrix_busybox() {
	local arch=$1 dir=$MATRIX_CACHE/busybox/$1
	(
		matrix_lock "busybox-$arch"
		[ -s "$dir/busybox" ] && exit 0
		tmp=$(mktemp -d "$MATRIX_CACHE/busybox.new.XXXXXX")
		trap 'rm -rf "$tmp"' EXIT
		(cd "$tmp" && matrix_apt apt-get download -qq "busybox-static:$arch" >&2)
		dpkg-deb -x "$tmp"/*.deb "$tmp/x"
		bin=$(find "$tmp/x" -type f -path '*bin/busybox' | head -n 1)
		[ -n "$bin" ] || { echo "matrix: no bin/busybox in busybox-static:$arch" >&2; exit 1; }
		mkdir -p "$dir"
		install -m 0755 "$bin" "$dir/busybox"
	) || return
	echo "$dir/busybox"
}
