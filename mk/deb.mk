# Debian packages (debian/): mmapdev-dkms and mmapdev-tests.
#   make deb         build them (dpkg-buildpackage -us -uc -b) into build/,
#                    then run lintian: no errors, no warnings allowed
#   make deb-build   build only;  make deb-lint   lint what deb-build made
#   make deb-cross DEB_ARCH=arm64   mmapdev-tests (the one Architecture: any
#                    package) cross-built for another architecture in a
#                    chroot of DEB_CROSS_SUITE (default trixie; the package
#                    is for that release) (dist/cross-deb.sh), then lintian
# The build runs in a clean copy of the tree (build/deb/mmapdev-VERSION:
# the files git knows, tracked or not ignored), so it neither leaves
# debhelper droppings in the working tree nor picks up local build products.
# DEB_OUT=DIR puts the results elsewhere.

DEB_OUT ?= build
DEB_VERSION = $(shell dpkg-parsechangelog -l debian/changelog -S Version)
DEB_TREE = $(DEB_OUT)/deb/mmapdev-$(VERSION)

DEB_ARCH ?= arm64
DEB_CROSS_SUITE ?= trixie

.PHONY: deb deb-build deb-lint deb-cross

deb: deb-build
	$(MAKE) --no-print-directory deb-lint

deb-build:
	rm -rf $(DEB_OUT)/deb
	mkdir -p $(DEB_TREE)
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z --cached --others --exclude-standard | \
			tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -C $(DEB_TREE) -xf -; \
	else \
		tar --exclude=./build --exclude=./.git -cf - . | tar -C $(DEB_TREE) -xf -; \
	fi
	test -f $(DEB_TREE)/debian/changelog
	cd $(DEB_TREE) && dpkg-buildpackage -us -uc -b
	rm -f $(DEB_OUT)/mmapdev*_*.deb $(DEB_OUT)/mmapdev_*.changes $(DEB_OUT)/mmapdev_*.buildinfo
	mv $(DEB_OUT)/deb/*.deb $(DEB_OUT)/deb/*.changes $(DEB_OUT)/deb/*.buildinfo $(DEB_OUT)/
	rm -rf $(DEB_OUT)/deb
	@ls -1 $(DEB_OUT)/mmapdev*_$(DEB_VERSION)_*.deb

deb-lint:
	lintian --fail-on error,warning --display-info --info \
		$(DEB_OUT)/mmapdev_$(DEB_VERSION)_$(shell dpkg --print-architecture).changes

deb-cross:
	CROSS_SUITE=$(DEB_CROSS_SUITE) dist/cross-deb.sh $(DEB_ARCH) $(DEB_OUT)
	lintian --fail-on error,warning --display-info --info \
		$(DEB_OUT)/mmapdev_$(DEB_VERSION)_$(DEB_ARCH).changes
