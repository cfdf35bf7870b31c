#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Register firewire-cmp with DKMS and build and install it for every installed
# kernel that has its headers, or take it out again. Used by `make dkms-install`
# and `make dkms-uninstall`; run as root.
#
#   install    copy the module sources to /usr/src/firewire-cmp-<version>
#              (replacing an earlier copy of the same version), `dkms add`,
#              then `dkms install` for each kernel in KERNELS (default: every
#              /lib/modules/<release> with a build/ directory). DKMS rebuilds
#              the module by itself for kernels installed later.
#   uninstall  `dkms remove --all` and delete /usr/src/firewire-cmp-<version>.
#
# usage: dkms.sh install|uninstall
#        dkms.sh stage DIR     (copy the DKMS source tree to DIR only; for tests)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
name=firewire-cmp
version=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$top/dkms.conf")
[ -n "$version" ] || { echo "dkms: no PACKAGE_VERSION in $top/dkms.conf" >&2; exit 1; }
src=/usr/src/$name-$version

say() { echo "dkms: $*" >&2; }

# What DKMS builds from: dkms.conf and what Kbuild reads for firewire-cmp,
# without build junk and without firewire-sim (see dkms.conf).
stage() {
	dest=$1
	rm -rf "$dest"
	mkdir -p "$dest"
	(cd "$top" && tar -cf - --exclude='*.o' --exclude='*.ko' --exclude='*.cmd' \
		--exclude='*.mod' --exclude='*.mod.c' --exclude='.*' \
		--exclude='Module.symvers' --exclude='modules.order' \
		--exclude='drivers/firewire/sim*' \
		dkms.conf Kbuild Kconfig drivers include) | tar -xf - -C "$dest"
}

kernels() {
	if [ -n "${KERNELS:-}" ]; then
		echo "$KERNELS"
		return
	fi
	for d in /lib/modules/*/build; do
		[ -e "$d/Makefile" ] && basename "$(dirname "$d")"
	done
}

registered() {
	dkms status -m "$name" -v "$version" 2>/dev/null | grep -q .
}

case "${1:-}" in
install)
	command -v dkms >/dev/null || { say "dkms is not installed (apt-get install dkms)"; exit 1; }
	if registered; then
		say "removing the registered $name/$version first"
		dkms remove -m "$name" -v "$version" --all >&2
	fi
	stage "$src"
	say "sources in $src"
	dkms add -m "$name" -v "$version" >&2
	n=0
	for k in $(kernels); do
		say "building and installing for $k"
		dkms install -m "$name" -v "$version" -k "$k" >&2
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || say "no kernel headers found; DKMS builds $name when a kernel with headers is installed"
	dkms status -m "$name" -v "$version"
	;;
uninstall)
	if command -v dkms >/dev/null && registered; then
		dkms remove -m "$name" -v "$version" --all >&2
	fi
	rm -rf "$src"
	say "$name/$version removed"
	;;
stage)
	stage "${2:?usage: dkms.sh stage DIR}"
	;;
*)
	sed -n '/^# usage:/,/^[^#]/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 1
	;;
esac
