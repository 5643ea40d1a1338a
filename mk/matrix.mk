# Kernel matrix: build mmapdev (W=1) for every Debian kernel line from 5.10
# to experimental's next release, each in a chroot of its suite, and boot
# each kernel under QEMU TCG with the main suite's guest checks.
#   make matrix                      every line; prints a table kernel x
#                                    (build, warnings, tests passed/failed)
#   make matrix MATRIX_LINES="5.10 7.2"   only those lines
# Chroots, kernel images and APT lists are cached under
# $(MMAPDEV_CACHE)/matrix/ (default /var/cache/mmapdev-ci). See
# test/matrix/README.md.

MATRIX_LINES ?=

.PHONY: matrix
matrix:
	@test/matrix/matrix.sh $(MATRIX_LINES)
