#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Check that `dkms build` of firewire-cmp succeeds for every kernel pinned in
# scripts/kernels.conf, on the host, without touching the system's DKMS state:
# dkms runs with private --dkmstree/--sourcetree/--installtree and signing
# key under the cache. Prints TAP; exit 0 when every build passed, 4 when
# dkms is not installed.
#
# A passed build is remembered per (source hash, kernel, dkms version), so a
# second run on an unchanged tree takes well under a second; --force rebuilds.
#
# usage: dkms-test.sh [--force]
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
cache=${FWCMP_CACHE:-/var/cache/firewire-cmp}
name=firewire-cmp
force=0
[ "${1:-}" = --force ] && force=1

version=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$top/dkms.conf")
base=$cache/dkms-test
tree=$base/dkms
srctree=$base/src
insttree=$base/install
stamps=$base/passed

echo "TAP version 13"
if ! command -v dkms >/dev/null; then
	echo "1..0 # SKIP dkms not installed (scripts/setup.sh)"
	exit 4
fi

releases=$(awk '$1 !~ /^#/ && NF >= 2 { print $2 }' "$here/kernels.conf")
echo "1..$(echo "$releases" | wc -w)"

mkdir -p "$stamps"
stage=$base/stage
"$here/dkms.sh" stage "$stage"
hash=$(cd "$stage" && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
dkmsver=$(dkms --version 2>/dev/null | head -n 1 | tr ' ' _)

# The module signing key too: dkms would otherwise create /var/lib/dkms/mok.key.
# (dkms reads these from the environment unless /etc/dkms/framework.conf sets them.)
export mok_signing_key="$base/mok.key" mok_certificate="$base/mok.pub"
dk() { dkms "$@" --dkmstree "$tree" --sourcetree "$srctree" --installtree "$insttree"; }

registered=0
n=0 fail=0
for rel in $releases; do
	n=$((n + 1))
	stamp=$stamps/$hash-$rel-$dkmsver
	if [ "$force" = 0 ] && [ -f "$stamp" ]; then
		echo "ok $n dkms build $name/$version for $rel # cached: sources unchanged since it passed"
		continue
	fi
	if [ ! -f "/lib/modules/$rel/build/Makefile" ]; then
		echo "ok $n dkms build $name/$version for $rel # SKIP headers missing (scripts/setup.sh)"
		continue
	fi
	if [ "$registered" = 0 ]; then
		# A fresh private tree each time: the test is independent of
		# any earlier run, and of what the system has registered.
		rm -rf "$tree" "$srctree" "$insttree"
		mkdir -p "$tree" "$srctree" "$insttree"
		cp -a "$stage" "$srctree/$name-$version"
		dk add -m "$name" -v "$version" >/dev/null
		registered=1
	fi
	log=$base/build-$rel.log
	start=$(date +%s)
	if dk build -m "$name" -v "$version" -k "$rel" >"$log" 2>&1 &&
	   ko=$(find "$tree/$name/$version/$rel" -name "$name.ko*" | head -n 1) &&
	   [ -n "$ko" ] && modinfo -F alias "$ko" | grep -q 'sp0000A02Dver00010001'; then
		echo "ok $n dkms build $name/$version for $rel # $(($(date +%s) - start)) s"
		touch "$stamp"
	else
		echo "not ok $n dkms build $name/$version for $rel # see $log"
		tail -n 30 "$log" | sed 's/^/# /'
		[ -f "$tree/$name/$version/build/make.log" ] &&
			tail -n 30 "$tree/$name/$version/build/make.log" | sed 's/^/# make.log: /'
		fail=$((fail + 1))
	fi
done
[ "$fail" = 0 ]
