#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Install, from Debian packages only, everything firewire-cmp's build, tests and
# benchmarks need on a Debian 12 machine. Idempotent: returns in about a second when
# everything is already there. Run as root.
set -eu

here=$(cd "$(dirname "$0")" && pwd)

pkgs="build-essential bc bison flex libelf-dev libssl-dev dwarves cpio kmod xz-utils
      rsync python3 qemu-system-x86 busybox-static libiec61883-dev libraw1394-dev
      libraw1394-tools sparse coccinelle dkms perl"

while read -r lane release srcver; do
	case "$lane" in ''|'#'*) continue ;; esac
	pkgs="$pkgs linux-image-$release-unsigned=$srcver linux-headers-$release=$srcver"
	pkgs="$pkgs linux-source-$lane=$srcver"
done < "$here/kernels.conf"

missing=""
for p in $pkgs; do
	name=${p%%=*}
	want=${p#*=}
	have=$(dpkg-query -W -f='${db:Status-Abbrev}${Version}' "$name" 2>/dev/null || true)
	case "$have" in
	ii*)	[ "$p" = "$name" ] || [ "${have#ii }" = "$want" ] ||
			[ "$(echo "$have" | cut -c4-)" = "$want" ] || missing="$missing $p" ;;
	*)	missing="$missing $p" ;;
	esac
done

if [ -z "$missing" ]; then
	echo "setup: everything is installed"
	exit 0
fi

echo "setup: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# The kernels are only booted in QEMU with our own initramfs: skip the host
# initramfs images their postinst would otherwise spend minutes generating.
export INITRD=No
apt-get update -q
apt-get install -y -q --no-install-recommends $missing
echo "setup: done"
