# Signed package repositories (dist/repo.sh):
#   make repo        build the .debs and RPMs (deb-build, rpm-build), then
#                    build/repo/: a signed APT repository (apt/), a signed
#                    dnf/yum repository (rpm/), mmapdev.sources,
#                    mmapdev.repo and the public key, for any static web
#                    server; with the prebuilt module packages in
#                    build/kmod/ (make kmod-deb) too
#   make repo-index  the same from the packages already built
#   REPO_URL=URL     where build/repo/ will be served (goes into
#                    mmapdev.sources and mmapdev.repo); default: file://
#   REPO_KEY_DIR=DIR the GnuPG home with the signing key, made on first use
#                    (default ${MMAPDEV_CACHE:-/var/cache/mmapdev-ci}/repo-key)
#   REPO_GPG_KEY=FINGERPRINT  sign with a project's own long-lived key
#                    instead (from $GNUPGHOME)
#   REPO_PKGS=FILES  the packages to publish (default: what build/ has)

REPO_OUT ?= build/repo
REPO_PKGS ?= $(wildcard $(DEB_OUT)/mmapdev*_*.deb $(RPM_OUT)/mmapdev*.rpm $(KMOD_OUT)/*.deb)

.PHONY: repo repo-index

repo: deb-build rpm-build
	$(MAKE) --no-print-directory repo-index

repo-index:
	test/lib/deps.sh apt-utils createrepo-c gnupg rpm
	dist/repo.sh $(REPO_OUT) $(REPO_PKGS)
