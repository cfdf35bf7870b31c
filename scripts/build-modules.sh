#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Build firewire-cmp.ko and firewire-sim.ko for one lane in a per-kernel copy of
# the tree under the cache (an out-of-tree build writes its objects next to the
# sources, so each kernel gets its own copy). Prints the directory holding the
# .ko files.
#
# usage: build-modules.sh LANE [extra make arguments, e.g. C=1]
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
lane=${1:?usage: build-modules.sh LANE}
shift
cache=${FWCMP_CACHE:-/var/cache/firewire-cmp}
eval "$("$here/lane.sh" "$lane")"

out=$cache/build/$RELEASE/modules
mkdir -p "$out"
# One build per kernel at a time: concurrent test runs share this directory.
exec 9>"$out.lock"
flock 9
# Copy only what Kbuild reads; -c so unchanged files keep their timestamps and
# the build stays incremental.
rsync -rc --delete --exclude='*.o' --exclude='*.ko' --exclude='*.cmd' \
	--exclude='*.mod*' --exclude='.*' --exclude='Module.symvers' \
	--exclude='modules.order' \
	"$top/Kbuild" "$top/drivers" "$top/include" "$out/"
make -s -C "$KDIR" M="$out" FWCORE_SRC="$SRC" \
	CONFIG_FIREWIRE_CMP=m CONFIG_FIREWIRE_SIM=m "$@" modules >&2

echo "$out"
