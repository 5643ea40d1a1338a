# Kernel matrix: build mmapdev (W=1) for every Debian suite's kernel, from
# bullseye's to experimental's, each in a chroot of its suite (bookworm's
# on the host), and boot each kernel under QEMU TCG with the main suite's
# guest checks. Which line carries the newest kernel Debian ships is
# resolved each run and marked in the table.
#   make matrix                      every line; prints a table kernel x
#                                    (build, warnings, tests passed/failed)
#   make matrix MATRIX_LINES="bullseye trixie-backports"   only those lines
#   make matrix MATRIX_LINES=newest  the line with the newest kernel
#   make matrix MATRIX_LINES="trixie:arm64 bookworm:powerpc64le"
#                                    other architectures (cross-built, booted
#                                    under qemu-system-aarch64 / -ppc64)
# Chroots, kernel images and APT lists are cached under
# $(MMAPDEV_CACHE)/matrix/ (default /var/cache/mmapdev-ci). See
# test/matrix/README.md.

MATRIX_LINES ?=

.PHONY: matrix
matrix:
	@test/matrix/matrix.sh $(MATRIX_LINES)
