#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Describe one test lane (a kernel we build for and boot) as shell assignments:
#   RELEASE  uname -r of the kernel
#   IMAGE    the bootable kernel image
#   KDIR     the build directory for `make -C KDIR M=...`
#   MODROOT  a root under which lib/modules/RELEASE holds the kernel's modules
#   SRC      the unpacked linux-source tree of the same version (core.h, harness)
# Lanes: the first column of scripts/kernels.conf (Debian's kernels), and
# "debug" (6.1 from linux-source with KASAN, lockdep, kmemleak, UBSAN, built
# and cached by scripts/debug-kernel.sh).
#
# usage: eval "$(scripts/lane.sh LANE)"
set -eu

here=$(cd "$(dirname "$0")" && pwd)
lane=${1:?usage: lane.sh LANE}

if [ "$lane" = debug ]; then
	dir=$("$here/debug-kernel.sh")
	release=$(cat "$dir/release")
	echo "RELEASE='$release'"
	echo "IMAGE='$dir/bzImage'"
	echo "KDIR='$dir/build'"
	echo "MODROOT='$dir/modroot'"
	echo "SRC='$("$here/kernel-src.sh" 6.1)'"
	exit 0
fi

release=$(awk -v l="$lane" '$1 == l { print $2 }' "$here/kernels.conf")
[ -n "$release" ] || { echo "lane: unknown lane '$lane'" >&2; exit 1; }
for f in "/boot/vmlinuz-$release" "/lib/modules/$release/build/Makefile"; do
	[ -e "$f" ] || { echo "lane: $f missing: run scripts/setup.sh" >&2; exit 1; }
done
echo "RELEASE='$release'"
echo "IMAGE='/boot/vmlinuz-$release'"
echo "KDIR='/lib/modules/$release/build'"
echo "MODROOT='/'"
echo "SRC='$("$here/kernel-src.sh" "$lane")'"
