#!/bin/bash
# A signed APT repository and a signed dnf/yum repository from package
# files (make repo): a directory tree any static web server can serve.
#
# Usage: dist/repo.sh OUTDIR PACKAGE-FILE...   (.deb and .rpm; .src.rpm and
#        -dbgsym .debs are left out). OUTDIR is replaced.
#   REPO_URL=URL     where OUTDIR will be served (default: file://OUTDIR);
#                    goes into mmapdev.sources and mmapdev.repo
#   REPO_SUITE=NAME  the APT suite (default stable), component main
#   The signing key: by default one made for the purpose on first use and
#   kept outside the tree in REPO_KEY_DIR (a GnuPG home, default
#   ${MMAPDEV_CACHE:-/var/cache/mmapdev-ci}/repo-key). A project's own
#   long-lived key instead: REPO_GPG_KEY=FINGERPRINT (and GNUPGHOME=DIR
#   where its secret key is; no passphrase prompt in a batch build: use
#   gpg-agent's preset passphrase or a key without one).
#
# OUTDIR/
#   apt/dists/SUITE/{InRelease,Release,Release.gpg,main/binary-ARCH/Packages*}
#   apt/pool/main/*.deb
#   rpm/*.rpm (signed with the same key), rpm/repodata/ (repomd.xml signed:
#       repomd.xml.asc)
#   mmapdev-archive-keyring.gpg   the public key, for /etc/apt/keyrings/
#   RPM-GPG-KEY-mmapdev           the same key, armoured, for rpm/dnf
#   mmapdev.sources               deb822 APT source with Signed-By:
#   mmapdev.repo                  dnf/yum repository, gpgcheck=1, repo_gpgcheck=1
set -euo pipefail
out=${1:?usage: repo.sh OUTDIR PACKAGE-FILE...}
shift
suite=${REPO_SUITE:-stable}
mkdir -p "$out"
out=$(cd "$out" && pwd)
url=${REPO_URL:-file://$out}
url=${url%/}
log() { echo "# repo: $*" >&2; }

debs=() rpms=()
for f in "$@"; do
	case $f in
	*-dbgsym_*.deb | *.src.rpm) ;;
	*.deb) debs+=("$f") ;;
	*.rpm) rpms+=("$f") ;;
	*) echo "repo.sh: not a package: $f" >&2; exit 2 ;;
	esac
done
[ "${#debs[@]}" -gt 0 ] || [ "${#rpms[@]}" -gt 0 ] || { echo "repo.sh: no packages" >&2; exit 2; }

# --- the key --------------------------------------------------------------
if [ -n "${REPO_GPG_KEY:-}" ]; then
	key=$REPO_GPG_KEY
else
	export GNUPGHOME=${REPO_KEY_DIR:-${MMAPDEV_CACHE:-/var/cache/mmapdev-ci}/repo-key}
	mkdir -p "$GNUPGHOME"
	chmod 0700 "$GNUPGHOME"
	exec 9>"$GNUPGHOME/.mmapdev-lock"
	flock 9
	if ! gpg --batch --list-secret-keys --with-colons 2>/dev/null | grep -q '^sec'; then
		log "making a signing key in $GNUPGHOME"
		gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
			--quick-gen-key "mmapdev package repository (made by make repo) <repo@mmapdev.invalid>" \
			rsa3072 sign never
	fi
	key=$(gpg --batch --list-secret-keys --with-colons | awk -F: '$1 == "fpr" { print $10; exit }')
fi
gpg_sign=(gpg --batch --yes --quiet --pinentry-mode loopback --passphrase '' --local-user "$key")

rm -rf "${out:?}"/apt "$out"/rpm "$out"/mmapdev.sources "$out"/mmapdev.repo \
	"$out"/mmapdev-archive-keyring.gpg "$out"/RPM-GPG-KEY-mmapdev
gpg --batch --export "$key" >"$out/mmapdev-archive-keyring.gpg"
gpg --batch --armor --export "$key" >"$out/RPM-GPG-KEY-mmapdev"
[ -s "$out/mmapdev-archive-keyring.gpg" ] || { echo "repo.sh: no public key for $key" >&2; exit 1; }

# --- APT: apt-ftparchive, InRelease and Release.gpg -------------------------
if [ "${#debs[@]}" -gt 0 ]; then
	mkdir -p "$out/apt/pool/main"
	cp "${debs[@]}" "$out/apt/pool/main/"
	archs=$(for f in "$out"/apt/pool/main/*.deb; do dpkg-deb -f "$f" Architecture; done | sort -u | grep -vx all || true)
	[ -n "$archs" ] || archs=$(dpkg --print-architecture)
	(
		cd "$out/apt"
		for arch in $archs; do
			dir=dists/$suite/main/binary-$arch
			mkdir -p "$dir"
			apt-ftparchive --arch "$arch" packages pool/main >"$dir/Packages"
			gzip -9nk "$dir/Packages"
			xz -k "$dir/Packages"
		done
		apt-ftparchive \
			-o APT::FTPArchive::Release::Origin=mmapdev \
			-o APT::FTPArchive::Release::Label=mmapdev \
			-o APT::FTPArchive::Release::Suite="$suite" \
			-o APT::FTPArchive::Release::Codename="$suite" \
			-o APT::FTPArchive::Release::Architectures="$(echo "$archs" | tr '\n' ' ' | sed 's/ $//')" \
			-o APT::FTPArchive::Release::Components=main \
			-o APT::FTPArchive::Release::Description="mmapdev packages" \
			release "dists/$suite" >"dists/$suite/Release.tmp"
		mv "dists/$suite/Release.tmp" "dists/$suite/Release"
		"${gpg_sign[@]}" --clearsign -o "dists/$suite/InRelease" "dists/$suite/Release"
		"${gpg_sign[@]}" --armor --detach-sign -o "dists/$suite/Release.gpg" "dists/$suite/Release"
	)
	cat >"$out/mmapdev.sources" <<SOURCES
Types: deb
URIs: $url/apt
Suites: $suite
Components: main
Signed-By: /etc/apt/keyrings/mmapdev-archive-keyring.gpg
SOURCES
	log "APT repository: $out/apt (${#debs[@]} packages, architectures: $(echo "$archs" | tr '\n' ' '))"
fi

# --- RPM: signed packages, createrepo_c, repomd.xml.asc ---------------------
if [ "${#rpms[@]}" -gt 0 ]; then
	mkdir -p "$out/rpm"
	cp "${rpms[@]}" "$out/rpm/"
	rpmsign --addsign --define "__gpg $(command -v gpg)" --define "_gpg_name $key" \
		--define "_gpg_path ${GNUPGHOME:-$HOME/.gnupg}" "$out"/rpm/*.rpm 2>&1 | grep -v GPG_TTY >&2 || true
	if rpm -qp --qf '%{RSAHEADER:pgpsig}\n' "$out"/rpm/*.rpm | grep -q '(none)'; then
		echo "repo.sh: rpmsign did not sign the RPMs" >&2
		exit 1
	fi
	createrepo_c --quiet "$out/rpm"
	"${gpg_sign[@]}" --armor --detach-sign -o "$out/rpm/repodata/repomd.xml.asc" "$out/rpm/repodata/repomd.xml"
	cat >"$out/mmapdev.repo" <<REPO
[mmapdev]
name=mmapdev
baseurl=$url/rpm
enabled=1
gpgcheck=1
repo_gpgcheck=1
gpgkey=$url/RPM-GPG-KEY-mmapdev
REPO
	log "RPM repository: $out/rpm (${#rpms[@]} packages)"
fi
log "signed with $key"
