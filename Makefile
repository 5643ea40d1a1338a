# mmapdev: top-level build and test entry points.
#   make [all]     build the modules for KVER (default: the running kernel) and the test program
#   make check     the test suite CI runs (boots Debian kernels under QEMU)
#   make check-all every suite, including those beyond CI's time budget
#   make demo      boot a Debian kernel with both modules and show them at work
#   make clean
# Further targets come from mk/*.mk, one file per area.

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
VERSION := $(shell cat VERSION)

.PHONY: all modules test-program check check-all demo clean
all: modules test-program

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/src modules

test-program:
	$(MAKE) -C test

check:
	test/run

check-all:
	test/run --all

demo:
	test/demo.sh $(if $(filter command line,$(origin KVER)),$(KVER))

clean:
	$(MAKE) -C test clean
	rm -rf build
	cd src && rm -rf *.o *.ko *.mod *.mod.c .*.cmd modules.order Module.symvers .tmp_versions compat_probes.h

-include mk/*.mk
