#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Print the path of the unpacked Debian linux-source tree for a lane of
# scripts/kernels.conf, unpacking /usr/src/linux-source-<lane>.tar.xz into the
# cache on first use. Nothing of the kernel's source ever lands in this repository:
# firewire-sim takes drivers/firewire/core.h from here, the selftests take
# kselftest_harness.h, and the debug kernel is built from it.
#
# usage: kernel-src.sh LANE        (LANE: 6.1, 6.12, ...)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
lane=${1:?usage: kernel-src.sh LANE}
cache=${FWCMP_CACHE:-/var/cache/firewire-cmp}

srcver=$(awk -v l="$lane" '$1 == l { print $3 }' "$here/kernels.conf")
[ -n "$srcver" ] || { echo "kernel-src: no lane '$lane' in kernels.conf" >&2; exit 1; }

tarball=/usr/src/linux-source-$lane.tar.xz
dir=$cache/src/$srcver
if [ ! -f "$dir/.unpacked" ]; then
	[ -f "$tarball" ] || { echo "kernel-src: $tarball missing: run scripts/setup.sh" >&2; exit 1; }
	have=$(dpkg-query -W -f='${Version}' "linux-source-$lane" 2>/dev/null || true)
	[ "$have" = "$srcver" ] || {
		echo "kernel-src: linux-source-$lane is '$have', kernels.conf pins '$srcver'" >&2
		exit 1
	}
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	tar -xJf "$tarball" -C "$dir.tmp" --strip-components=1
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
	touch "$dir/.unpacked"
fi
echo "$dir"
