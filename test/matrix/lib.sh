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

MATRIX_LINES_ALL="bullseye bookworm bookworm-6.12 trixie trixie-backports sid experimental"
# MMAPDEV_MATRIX=fast: bookworm's two lines on the host and whichever line
# carries the newest kernel Debian ships (matrix.sh resolves "newest" each
# run): one chroot (see README.md).
MATRIX_LINES_FAST="bookworm bookworm-6.12 newest"

MATRIX_MIRROR=${MMAPDEV_MIRROR:-http://deb.debian.org/debian}
MATRIX_SECURITY_MIRROR=${MMAPDEV_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
MATRIX_CACHE=${MMAPDEV_CACHE:-/var/cache/mmapdev-ci}/matrix
MATRIX_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MATRIX_TOP=$(cd "$MATRIX_DIR/../.." && pwd)

# matrix_line LINE: sets
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
	line_kind=chroot line_host='' line_meta='' line_above='' line_sources=()
	case "$1" in
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
# the mirror cannot be reached).
matrix_apt_update() {
	local l
	mkdir -p "$MATRIX_APT"/lists/partial "$MATRIX_APT"/cache/archives/partial \
		"$MATRIX_APT"/preferences.d
	: > "$MATRIX_APT/sources.list.new"
	for l in $MATRIX_LINES_ALL; do
		matrix_line "$l"
		[ "$line_kind" = chroot ] || continue
		printf '%s\n' "${line_sources[@]}" >> "$MATRIX_APT/sources.list.new"
	done
	sort -u "$MATRIX_APT/sources.list.new" > "$MATRIX_APT/sources.list"
	rm -f "$MATRIX_APT/sources.list.new"
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
	APT::Architectures { "amd64"; };
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
# suites ship (their linux-headers-amd64, or for a host line its
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
	for v in $(matrix_apt apt-cache madison linux-headers-amd64 | awk -F' *[|] *' -v suites=" $line_releases " '{
		split($3, f, " "); split(f[2], s, "/")
		if (index(suites, " " s[1] " ")) print $2 }'); do
		if [ -z "$newest" ] || dpkg --compare-versions "$v" gt "$newest"; then
			newest=$v
		fi
	done
	echo "$newest"
}

# matrix_resolve LINE: sets kernel_abi (the name under /lib/modules),
# kernel_version (the Debian package version), headers_pkg and image_pkg
# (the package that holds vmlinuz). Needs matrix_apt_update first.
# Returns 3 (a skip) when the line has no kernel newer than line_above's.
matrix_resolve() {
	local line=$1 meta_version dep above
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
	# The suite's linux-headers-amd64 depends on exactly one
	# linux-headers-ABI package, at the same version.
	dep=$(matrix_apt apt-cache show "linux-headers-amd64=$meta_version" 2>/dev/null |
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
	if matrix_apt apt-cache show "linux-binary-$kernel_abi=$kernel_version" >/dev/null 2>&1; then
		image_pkg=linux-binary-$kernel_abi
	else
		image_pkg=linux-image-$kernel_abi
	fi
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
	local line=$1 key dir tmp
	local recipe=(--variant=minbase --mode=root --format=directory
		--include="make,gcc,libc6-dev,dwarves,perl,$headers_pkg"
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
	key=$(printf '%s\n' "${recipe[@]}" "${line_sources[@]}" | sha256sum | cut -c1-10)
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
		local got
		# shellcheck disable=SC2016 # a dpkg-query format, not an expansion
		got=$(chroot "$tmp" dpkg-query -W -f '${Version}' "$headers_pkg")
		if [ "$got" != "$kernel_version" ]; then
			echo "matrix: $line: the chroot got $headers_pkg $got, not $kernel_version" >&2
			exit 1
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
# the private APT state and unpacked (only vmlinuz is kept), cached by
# line, ABI and version.
matrix_vmlinuz() {
	local line=$1 dir
	if [ "$line_kind" = host ]; then
		echo "/boot/vmlinuz-$kernel_abi"
		return
	fi
	dir=$MATRIX_CACHE/kernels/${line}_${kernel_abi}_$kernel_version
	(
		matrix_lock "kernel-$line"
		[ -s "$dir/vmlinuz" ] && exit 0
		tmp=$(mktemp -d "$MATRIX_CACHE/kernels.new.XXXXXX")
		trap 'rm -rf "$tmp"' EXIT
		echo "matrix: $line: fetching $image_pkg $kernel_version" >&2
		(cd "$tmp" && matrix_apt apt-get download -qq "$image_pkg=$kernel_version" >&2)
		mkdir "$tmp/x"
		dpkg-deb --fsys-tarfile "$tmp"/*.deb | tar -x -C "$tmp/x" --wildcards '*vmlinuz*'
		# linux-image-ABI: /boot/vmlinuz-ABI; linux-binary-ABI (7.x): /usr/lib/modules/ABI/vmlinuz
		image=$(find "$tmp/x" -type f -name 'vmlinuz*' | head -n 1)
		[ -n "$image" ] || { echo "matrix: $line: no vmlinuz in $image_pkg" >&2; exit 1; }
		mkdir -p "$dir"
		mv "$image" "$dir/vmlinuz"
		# Images of this line's earlier kernels are stale now.
		find "$MATRIX_CACHE/kernels" -mindepth 1 -maxdepth 1 -name "${line}_*" \
			! -name "$(basename "$dir")" -exec rm -rf {} +
	) || return
	echo "$dir/vmlinuz"
}
