#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Build (once) the debug kernel lane: a small x86_64 6.1 kernel from Debian's
# linux-source with KASAN, lockdep, kmemleak, UBSAN and fault injection, and
# print the directory that holds
#   bzImage   bootable with qemu-system-x86_64 -kernel
#   build/    the O= build directory, KDIR for `make -C build M=... modules`
#   modroot/  modules_install output: modroot/lib/modules/$(cat release)/...
#   release   the kernel release (uname -r)
# Only the path goes to stdout; progress goes to stderr, make's output to
# build.log next to it.
#
# The config is `make tinyconfig` + tools/testing/selftests/firewire/config,
# and every line of that fragment is checked after olddefconfig.
#
# Cache: $FWCMP_CACHE/debug-kernel/<key>, key = hash of the fragment's option
# lines, the linux-source version, the compiler and RECIPE below. A build is
# renamed into place only when complete, so an interrupted build is never
# mistaken for a finished one; a lock makes concurrent callers wait for one
# build instead of running two.
#
# usage: debug-kernel.sh
set -eu

# Bump when the build steps below change in a way that changes the output.
RECIPE=2

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
cache=${FWCMP_CACHE:-/var/cache/firewire-cmp}
fragment=$top/tools/testing/selftests/firewire/config

say() { echo "debug-kernel: $*" >&2; }
die() { say "$*"; exit 1; }

[ -f "$fragment" ] || die "$fragment missing"
src=$("$here/kernel-src.sh" 6.1)
srcver=$(awk '$1 == "6.1" { print $3 }' "$here/kernels.conf")
ccver=$(gcc --version | head -n 1)
# The fragment's option lines only: editing a comment must not cost a rebuild.
key=$({
	grep '^CONFIG_\|^# CONFIG_.* is not set' "$fragment"
	echo "$srcver"
	echo "$ccver"
	echo "recipe $RECIPE"
} | sha256sum | cut -c1-16)

base=$cache/debug-kernel
final=$base/$key
# Fast path, no lock needed: the stamp only exists in a completed, renamed dir.
if [ -f "$final/.done" ]; then
	echo "$final"
	exit 0
fi

mkdir -p "$base"
# Serialise builders of the same key; the second one finds the stamp below.
exec 9>"$base/$key.lock"
flock -n 9 || { say "waiting for another build of $key to finish"; flock 9; }
if [ -f "$final/.done" ]; then
	echo "$final"
	exit 0
fi

# We hold the lock, so any leftover tmp dir is from an interrupted build.
rm -rf "$base/$key.tmp" "$final"
tmp=$base/$key.tmp
mkdir -p "$tmp/build"
log=$tmp/build.log
: >"$log"

# Run make against the read-only source tree, output into build/ (O=), never
# writing into the source (it is shared with the other lanes). ARCH=x86_64,
# not the default x86: with x86 tinyconfig is a 32-bit config, and the values
# it picks for 32-bit (FRAME_WARN=1024, ...) would survive the switch to 64BIT.
# (Users of build/ as KDIR need no ARCH: the config is already made.)
kmake() {
	make -C "$src" O="$tmp/build" ARCH=x86_64 "$@" >>"$log" 2>&1 || {
		tail -n 40 "$log" >&2
		die "make $* failed; full log: $log"
	}
}

start=$(date +%s)
say "building $srcver ($key) in $tmp"
say "config: tinyconfig + $fragment"
kmake tinyconfig
# merge_config.sh creates its temporary files in the current directory, so
# run it from build/, not from the source tree. -m: merge only, olddefconfig
# below resolves the rest.
(cd "$tmp/build" && "$src/scripts/kconfig/merge_config.sh" -m -O . .config "$fragment") \
	>>"$log" 2>&1 || die "merge_config.sh failed; see $log"
kmake olddefconfig

# Every line of the fragment must have survived olddefconfig: a "=y" that
# comes back unset means an unmet dependency, the classic silent trap. Each
# symbol must also exist in this tree's Kconfig, so a typo (or an option
# removed upstream) cannot pass as "is not set".
syms=$tmp/kconfig-symbols
find "$src" -name 'Kconfig*' -type f -exec cat {} + |
	sed -n 's/^[[:space:]]*\(menu\)\{0,1\}config[[:space:]]\{1,\}\([A-Za-z0-9_]\{1,\}\).*/\2/p' |
	sort -u >"$syms"
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		sym=${line%%=*}
		want=$line
		got=$(grep "^$sym=" "$tmp/build/.config" || grep "^# $sym is not set" "$tmp/build/.config" || echo "(absent)")
		[ "$got" = "$want" ] || { say "option lost: want $want, got $got"; bad=1; }
		;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }
		sym=${sym%% *}
		if grep -q "^$sym=" "$tmp/build/.config"; then
			say "option forced on: want unset, got $(grep "^$sym=" "$tmp/build/.config")"
			bad=1
		fi
		;;
	*) continue ;;
	esac
	grep -qx "${sym#CONFIG_}" "$syms" || { say "$sym does not exist in $srcver"; bad=1; }
done <"$fragment"
[ "$bad" = 0 ] || die "config check failed (fragment: $fragment, config: $tmp/build/.config)"
say "config: all $(grep -c '^CONFIG_\|^# CONFIG_.* is not set' "$fragment") fragment options as requested"

jobs=$(nproc)
say "make -j$jobs bzImage modules (log: $log)"
# The compile takes many minutes and its output goes to the log: say how far
# it got once a minute, so that neither a user nor a CI's no-output timeout
# mistakes it for a hang.
# Its sleep keeps neither our output nor the lock (fd 9) open, so a caller
# reading our output sees EOF, and the next builder gets the lock, as soon as
# we exit, not when the last sleep ends.
(
	while sleep 60 >/dev/null 2>&1; do
		say "... $(grep -c '^  CC ' "$log" || true) objects compiled"
	done
) >/dev/null 9>&- &
ticker=$!
trap 'kill "$ticker" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM HUP
kmake -j"$jobs" all
kill "$ticker" 2>/dev/null || true
trap - EXIT INT TERM HUP
kmake INSTALL_MOD_PATH="$tmp/modroot" modules_install

release=$(cat "$tmp/build/include/config/kernel.release")
echo "$release" >"$tmp/release"
cp "$tmp/build/arch/x86/boot/bzImage" "$tmp/bzImage"
# modules_install links lib/modules/<release>/build and source to absolute
# paths; build/ would dangle after the rename below, so make it relative.
moddir=$tmp/modroot/lib/modules/$release
ln -sfn ../../../../build "$moddir/build"
[ -f "$moddir/kernel/drivers/firewire/firewire-core.ko" ] ||
	die "firewire-core.ko missing from $moddir"
[ -s "$moddir/modules.dep" ] || die "modules.dep missing from $moddir"

touch "$tmp/.done"
mv "$tmp" "$final"
say "built $release in $(($(date +%s) - start))s"
echo "$final"
