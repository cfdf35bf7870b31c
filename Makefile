# SPDX-License-Identifier: GPL-2.0
# firewire-cmp: IEC 61883-1 connection management for Linux's FireWire stack.
#
#   make                 build firewire-cmp.ko and firewire-sim.ko for LANE
#   make check           build and run every selftest in QEMU on KERNELS
#   make lint            checkpatch --strict and sparse over the kernel code
#   make setup           install what a Debian 12 machine needs (as root)
#
# LANE is one kernel (default 6.1); KERNELS the lanes `make check` boots:
# 6.1 and 6.12 are Debian's kernels pinned in scripts/kernels.conf, "debug" is
# a 6.1 built from linux-source with KASAN, lockdep, kmemleak and UBSAN.
# Build outputs and the debug kernel live in FWCMP_CACHE, outside this tree.

LANE ?= 6.1
KERNELS ?= 6.1 6.12 debug
FILTER ?= .
FWCMP_CACHE ?= /var/cache/firewire-cmp
export FWCMP_CACHE

selftests := tools/testing/selftests/firewire

all: modules

modules:
	@scripts/build-modules.sh $(LANE) >/dev/null

check:
	$(selftests)/vmtest.sh --lanes "$(KERNELS)" --filter '$(FILTER)'

lint:
	scripts/lint.sh

setup:
	scripts/setup.sh

clean:
	rm -rf $(FWCMP_CACHE)/build $(FWCMP_CACHE)/vm $(FWCMP_CACHE)/logs

.PHONY: all modules check lint setup clean
