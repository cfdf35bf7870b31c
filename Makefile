# SPDX-License-Identifier: GPL-2.0
# firewire-cmp: IEC 61883-1 connection management for Linux's FireWire stack.
#
#   make                 build firewire-cmp.ko and firewire-sim.ko for LANE
#   make check           build and run every selftest in QEMU on KERNELS
#   make check-long      the reliability tests (rel_*) at full length on the
#                        debug kernel: 1,000,000 fuzz calls, 12,000-op storm
#   make lint            checkpatch --strict and sparse over the kernel code
#   make setup           install what a Debian 12 machine needs (as root)
#   make demo            boot 6.1 in QEMU with a simulated camcorder and run fwcmp
#   make bench           firewire-cmp against libiec61883 in QEMU (6.1): bus
#                        transactions, bus-reset recovery, cycles/s, memory;
#                        JSON in FWCMP_CACHE/bench/
#   make tools           build fwcmp into FWCMP_CACHE/build/tools
#   make install         install fwcmp, its man page and the udev rules (as root;
#                        DESTDIR, PREFIX=/usr/local, UDEVDIR=/etc/udev/rules.d)
#   make uninstall       remove them again
#   make dkms-install    register firewire-cmp.ko with DKMS, build and install it
#                        for every kernel with headers (as root)
#   make dkms-uninstall  remove it from DKMS and /usr/src
#   make dkms-test       `dkms build` for every pinned kernel, in a private tree
#
# LANE is one kernel (default 6.1); KERNELS the lanes `make check` boots:
# 6.1 and 6.12 are Debian's kernels pinned in scripts/kernels.conf, "debug" is
# a 6.1 built from linux-source with KASAN, lockdep, kmemleak and UBSAN, and
# "debug-long" the debug kernel again running only the fuzzer and the storm at
# full length (vmtest.sh's KERNEL-long lanes).
# Build outputs and the debug kernel live in FWCMP_CACHE, outside this tree.

LANE ?= 6.1
KERNELS ?= 6.1 6.12 debug debug-long
FILTER ?= .
FWCMP_CACHE ?= /var/cache/firewire-cmp
export FWCMP_CACHE

selftests := tools/testing/selftests/firewire
PREFIX ?= /usr/local
UDEVDIR ?= /etc/udev/rules.d
TOOLS_OUT ?= $(FWCMP_CACHE)/build/tools

all: modules

modules:
	@scripts/build-modules.sh $(LANE) >/dev/null

check:
	$(selftests)/vmtest.sh --lanes "$(KERNELS)" --filter '$(FILTER)'

# FWCMP_LONG=1 in the guest; about 40 minutes under TCG (see
# Documentation/firewire/firewire-cmp-reliability.rst).
check-long:
	$(selftests)/vmtest.sh --no-host --long --lanes debug --filter '^rel_' \
		--test-timeout 4200 --timeout 6000

lint:
	scripts/lint.sh

setup:
	scripts/setup.sh

clean:
	rm -rf $(FWCMP_CACHE)/build $(FWCMP_CACHE)/vm $(FWCMP_CACHE)/logs

demo:
	scripts/demo.sh

bench:
	scripts/bench.sh $(LANE)

tools:
	$(MAKE) -s -C tools/fwcmp OUTPUT=$(TOOLS_OUT)

install: tools
	$(MAKE) -s -C tools/fwcmp OUTPUT=$(TOOLS_OUT) install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)
	install -D -m 0644 udev/60-firewire-cmp.rules $(DESTDIR)$(UDEVDIR)/60-firewire-cmp.rules
	@if [ -z "$(DESTDIR)" ] && command -v udevadm >/dev/null && udevadm control --reload 2>/dev/null; then \
		udevadm trigger --subsystem-match=fwcmp 2>/dev/null || true; \
	fi

uninstall:
	$(MAKE) -s -C tools/fwcmp uninstall DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)
	rm -f $(DESTDIR)$(UDEVDIR)/60-firewire-cmp.rules
	@if [ -z "$(DESTDIR)" ] && command -v udevadm >/dev/null; then \
		udevadm control --reload 2>/dev/null || true; \
	fi

dkms-install:
	scripts/dkms.sh install

dkms-uninstall:
	scripts/dkms.sh uninstall

dkms-test:
	scripts/dkms-test.sh

.PHONY: all modules check check-long lint setup clean demo bench tools install uninstall \
	dkms-install dkms-uninstall dkms-test
