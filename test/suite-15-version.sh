#!/bin/bash
# The one version (VERSION) agrees with every other place that states it:
# debian/changelog, CHANGELOG's latest release, the modules' MODULE_VERSION
# (fed from VERSION by Kbuild), dkms.conf, and rpm/mmapdev.spec if present.
# Host only, no build needed (a module already built in src/ is checked too).
set -euo pipefail
cd "$(dirname "$0")/.."

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }
check() { # DESCRIPTION EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then ok "$1 ($3)"; else not_ok "$1: '$3', VERSION says '$2'"; fi
}

version=$(cat VERSION)
if [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] && [ "$(wc -l <VERSION)" -le 1 ]; then
	ok "VERSION is one semantic version ($version)"
else
	not_ok "VERSION is not a single semantic version: '$version'"
fi

# debian/changelog: the upstream part of the newest entry.
deb=$(dpkg-parsechangelog -l debian/changelog -S Version)
deb_upstream=${deb#*:}
deb_upstream=${deb_upstream%-*}
check "debian/changelog's newest entry $deb" "$version" "$deb_upstream"

# CHANGELOG: the first release heading, "## [X.Y.Z] - YYYY-MM-DD" ([Unreleased] is not one).
heading=$(grep -m 1 -E '^## \[[0-9]' CHANGELOG || true)
if [[ $heading =~ ^'## ['([^]]+)'] - '[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]]; then
	check "CHANGELOG's latest release heading" "$version" "${BASH_REMATCH[1]}"
else
	not_ok "CHANGELOG has no release heading '## [$version] - YYYY-MM-DD' (first one: '${heading:-none}')"
fi

# The modules: every MODULE_VERSION() takes MMAPDEV_VERSION (or a literal
# equal to VERSION), and Kbuild defines MMAPDEV_VERSION from ../VERSION.
uses=$(grep -ho 'MODULE_VERSION([^)]*)' src/*.c || true)
if [ -z "$uses" ]; then
	not_ok "src/ declares no MODULE_VERSION()"
else
	bad=$(grep -v -e '^MODULE_VERSION(MMAPDEV_VERSION)$' -e "^MODULE_VERSION(\"$version\")$" <<<"$uses" || true)
	if [ -z "$bad" ]; then
		ok "MODULE_VERSION() in src/ uses MMAPDEV_VERSION"
	else
		not_ok "MODULE_VERSION() in src/ not fed from VERSION: $(paste -sd ' ' <<<"$bad")"
	fi
fi
if grep -qE -- '-DMMAPDEV_VERSION=.*\$\(src\)/\.\./VERSION' src/Kbuild; then
	ok "src/Kbuild defines MMAPDEV_VERSION from ../VERSION"
else
	not_ok "src/Kbuild does not define MMAPDEV_VERSION from ../VERSION"
fi
for ko in src/kmmap.ko src/vmmap.ko; do
	[ -f "$ko" ] || continue
	check "$ko's modinfo version" "$version" "$(modinfo -F version "$ko" 2>/dev/null || echo none)"
done

# dkms.conf: the version is substituted at package build time from VERSION.
dkms=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' dkms.conf)
if [ "$dkms" = "#MODULE_VERSION#" ]; then
	ok "dkms.conf takes its version from the package build (#MODULE_VERSION#)"
else
	check "dkms.conf PACKAGE_VERSION" "$version" "$dkms"
fi

# The RPM spec, once it exists: a literal Version must agree; a macro is
# expected to read VERSION.
if [ -f rpm/mmapdev.spec ]; then
	spec=$(sed -n 's/^Version:[[:space:]]*//p' rpm/mmapdev.spec | head -n 1)
	case $spec in
	*%*) ok "rpm/mmapdev.spec Version is computed ($spec)" ;;
	*) check "rpm/mmapdev.spec Version" "$version" "$spec" ;;
	esac
fi
