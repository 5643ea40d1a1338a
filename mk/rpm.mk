# RPM packages (rpm/mmapdev.spec): mmapdev-dkms (noarch) and mmapdev-tests.
#   make rpm     binary and source RPMs into build/, then rpmlint
#   make srpm    the source RPM alone
#   make rpm-build   build only (RPM_OUT=DIR puts the results elsewhere)
# rpmbuild runs with --nodeps: on Debian the rpm database is empty, so the
# BuildRequires (gcc, make, glibc-static) cannot be looked up there; the
# Debian packages that provide them are installed instead.

RPM_OUT ?= build
RPM_TOP = $(abspath $(RPM_OUT))/rpm
RPM_TARBALL = $(RPM_TOP)/SOURCES/mmapdev-$(VERSION).tar.gz
RPMBUILD = rpmbuild --define "_topdir $(RPM_TOP)" --nodeps

.PHONY: rpm rpm-build srpm rpm-lint rpm-tarball

rpm-tarball:
	test/lib/deps.sh rpm rpmlint build-essential
	rm -rf $(RPM_TOP)
	mkdir -p $(RPM_TOP)/SOURCES
	git ls-files -z --cached --others --exclude-standard | \
		tar --null -T - --ignore-failed-read --transform 's,^,mmapdev-$(VERSION)/,' \
		-czf $(RPM_TARBALL) 2>/dev/null

srpm: rpm-tarball
	$(RPMBUILD) -bs rpm/mmapdev.spec
	cp $(RPM_TOP)/SRPMS/*.src.rpm $(RPM_OUT)/

rpm-build: rpm-tarball
	$(RPMBUILD) -ba rpm/mmapdev.spec
	cp $(RPM_TOP)/SRPMS/*.src.rpm $(RPM_TOP)/RPMS/*/*.rpm $(RPM_OUT)/
	rm -rf $(RPM_TOP)

rpm: rpm-build
	$(MAKE) --no-print-directory rpm-lint

rpm-lint:
	rpmlint -r rpm/mmapdev.rpmlintrc $(RPM_OUT)/mmapdev-*$(VERSION)-*.rpm
