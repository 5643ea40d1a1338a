# Sanitizer debug kernel (KASAN, kmemleak, lockdep, DEBUG_VM, DEBUG_PAGEALLOC)
# from Debian's linux-source-6.12, cached under
# $(MMAPDEV_CACHE)/sanitizer-kernel/KEY/ (default /var/cache/mmapdev-ci).
#   make sanitizer-kernel        build or reuse; stdout is exactly two lines:
#                                  kernel: PATH   (bzImage)
#                                  build: PATH    (make -C PATH M=DIR modules)
#   make sanitizer-kernel-check  boot it under QEMU TCG and check that KASAN,
#                                kmemleak and lockdep work, with a test module
# See test/sanitizer/README.md.

.PHONY: sanitizer-kernel sanitizer-kernel-check

sanitizer-kernel:
	@test/sanitizer/build-kernel.sh

sanitizer-kernel-check:
	@test/sanitizer/boot-check.sh
