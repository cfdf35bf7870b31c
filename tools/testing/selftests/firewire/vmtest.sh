#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the firewire-cmp selftests inside QEMU (TCG) on each selected kernel lane.
#
# For every lane (scripts/lane.sh: Debian's 6.1 and 6.12, and the debug kernel)
# it builds our modules against that kernel, packs a busybox initramfs with the
# kernel's own firewire-core, our modules, the selftests and the libraw1394 /
# libiec61883 tools, boots it with two serial ports (ttyS0: kernel console,
# ttyS1: test output), and turns the result into one TAP stream:
#   - one test point per selftest case (lane/program/case),
#   - one per lane for "the VM ran to the end" and "the kernel log is clean"
#     (no BUG/WARNING/Oops/KASAN/UBSAN/lockdep/kmemleak/slub report).
# The last line is "N passed, N failed, N skipped"; the exit status is 1 when
# anything failed.
#
# With --script FILE it runs that one shell script in the guest instead of the
# selftests (on the first lane only), streams its output to the terminal and
# exits with the script's status; `make demo` uses it.
#
# A lane named KERNEL-long (e.g. debug-long) boots KERNEL in a VM of its own
# and runs only rel_fuzz_test and rel_storm_test with FWCMP_LONG=1.
#
# usage: vmtest.sh [--lanes "6.1 6.12 debug"] [--filter REGEX] [--timeout SECS]
#                  [--test-timeout SECS] [--long] [--keep] [--no-host]
#                  [--script FILE]
#
# Host-side tests (scripts/dkms-test.sh: `dkms build` for every pinned kernel)
# run first as lane "host" unless --no-host is given.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../.." && pwd)
cache=${FWCMP_CACHE:-/var/cache/firewire-cmp}

lanes="6.1 6.12 debug"
filter="."
vm_timeout=1500
# The LANE-long lanes: 1,000,000 fuzz calls take about 30 minutes on debug.
long_test_timeout=4200
long_vm_timeout=6000
test_timeout=300
long=0
keep=0
host_tests=1
script=""

usage() {
	sed -n '/^# usage:/,/^$/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case "$1" in
	--lanes) lanes=$2; shift 2 ;;
	--filter) filter=$2; shift 2 ;;
	--timeout) vm_timeout=$2; shift 2 ;;
	--test-timeout) test_timeout=$2; shift 2 ;;
	--long) long=1; shift ;;
	--keep) keep=1; shift ;;
	--no-host) host_tests=0; shift ;;
	--script) script=$(realpath "$2"); shift 2 ;;
	-h|--help) usage ;;
	*) echo "vmtest: unknown argument '$1'" >&2; usage ;;
	esac
done
# What the guest runs; start_lane changes them for a LANE-long lane.
lane_filter=$filter lane_long=$long lane_timeout=$test_timeout

log() { echo "# vmtest: $*"; }

# Everything one run writes lives in its own directory, so that runs started
# side by side (several developers, CI) never share an initramfs or a log.
run=$(mktemp -d "$cache/runs/run.XXXXXX" 2>/dev/null) || {
	mkdir -p "$cache/runs"
	run=$(mktemp -d "$cache/runs/run.XXXXXX")
}
# Keep the logs of the last runs only.
ls -1dt "$cache"/runs/run.* 2>/dev/null | tail -n +9 | xargs -r rm -rf

# Copy a dynamically linked program and every library it needs into the root.
copy_with_libs() {
	local root=$1 dest=$2 bin=$3 lib
	[ -e "$root/$dest" ] || install -D -m 0755 "$bin" "$root/$dest"
	for lib in $(ldd "$bin" 2>/dev/null | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] || install -D -m 0755 "$lib" "$root$lib"
	done
}

build_selftests() {
	local out=$run/selftests
	make -s -C "$here" OUTPUT="$out/bin" \
		install INSTALL_PATH="$out/install" >&2
	echo "$out/install"
}

# Build the initramfs for one lane; prints its path.
build_initramfs() {
	local lane=$1 mods=$2 tests=$3
	local root=$run/vm/$lane/root mod
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,etc,root,lib/modules/"$RELEASE"/extra}

	install -m 0755 /bin/busybox "$root/bin/busybox"
	copy_with_libs "$root" /bin/kmod "$(command -v kmod)"
	for t in modprobe insmod rmmod lsmod modinfo depmod; do
		ln -s /bin/kmod "$root/sbin/$t"
	done
	for t in testlibraw plugreport plugctl; do
		copy_with_libs "$root" "/usr/bin/$t" "/usr/bin/$t"
	done

	# The kernel's own firewire-core and what it depends on, at their usual
	# paths so that depmod/modprobe inside the guest treat them normally.
	for mod in $(modprobe -S "$RELEASE" -d "$MODROOT" --show-depends firewire-core |
		     awk '$1 == "insmod" { print $2 }'); do
		# modprobe -d prints paths with the module root in front.
		install -D -m 0644 "$mod" "$root${mod#"${MODROOT%/}"}"
	done
	cp "$MODROOT/lib/modules/$RELEASE"/modules.{builtin,builtin.modinfo,order} \
		"$root/lib/modules/$RELEASE/" 2>/dev/null || true
	find "$mods" -name '*.ko' -exec cp {} "$root/lib/modules/$RELEASE/extra/" \;
	depmod -b "$root" "$RELEASE"

	# User tools (fwcmp): every tools/*/Makefile builds into one bin dir.
	local tooldir=$run/tools mk
	for mk in "$top"/tools/*/Makefile; do
		[ -f "$mk" ] || continue
		make -s -C "$(dirname "$mk")" OUTPUT="$tooldir" >&2
	done
	for bin in "$tooldir"/*; do
		[ -f "$bin" ] && [ -x "$bin" ] && copy_with_libs "$root" "/usr/bin/$(basename "$bin")" "$bin"
	done

	cp -a "$tests" "$root/selftests"
	if [ -n "$script" ]; then
		install -m 0755 "$script" "$root/selftests/script"
		echo script > "$root/selftests/tests.list"
	fi
	for bin in "$root"/selftests/*; do
		[ -x "$bin" ] && [ -f "$bin" ] && file -b "$bin" 2>/dev/null | grep -q ELF &&
			copy_with_libs "$root" "/selftests/$(basename "$bin")" "$bin"
	done
	printf '%s\n' "$lane_filter" > "$root/selftests/filter"
	echo "$lane_timeout" > "$root/selftests/timeout"
	echo "$lane_long" > "$root/selftests/long"
	# FWCMP_SEED=N on the host replays a seeded test (rel_fuzz, rel_storm).
	echo "${FWCMP_SEED:-}" > "$root/selftests/seed"
	echo "$lane" > "$root/selftests/lane"
	echo "video:x:44:" > "$root/etc/group"
	echo "root:x:0:" >> "$root/etc/group"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' \
		> "$root/etc/passwd"
	install -m 0755 "$here/vm-init.sh" "$root/init"

	(cd "$root" && find . | cpio -o -H newc --quiet) > "$run/vm/$lane/initramfs.cpio"
	rm -rf "$root"
	echo "$run/vm/$lane/initramfs.cpio"
}

# Kernel log lines that fail a run whatever the tests said.
splat_re='\] (BUG[: ]|WARNING:|Oops|BUG: KASAN|UBSAN:|KASAN:|general protection fault|Kernel panic|INFO: task .* blocked|watchdog: BUG: soft lockup|list_(add|del) corruption|refcount_t: )|possible (circular|recursive) locking|inconsistent lock state|DEBUG_LOCKS_WARN_ON|kmemleak-report: unreferenced object|kmemleak: [0-9]+ new suspected|Poison overwritten|Redzone overwritten|Object already free|Object padding overwritten'

total_pass=0
total_fail=0
total_skip=0
tapno=0

tap() {	# tap ok|not-ok|skip NAME [comment]
	tapno=$((tapno + 1))
	case "$1" in
	ok) echo "ok $tapno $2${3:+ # $3}"; total_pass=$((total_pass + 1)) ;;
	skip) echo "ok $tapno $2 # SKIP ${3:-}"; total_skip=$((total_skip + 1)) ;;
	*) echo "not ok $tapno $2${3:+ # $3}"; total_fail=$((total_fail + 1)) ;;
	esac
}

# Turn the guest's test log into test points. The guest frames each program's
# output with "@@ start PROG" and "@@ end PROG EXIT".
parse_tap() {
	local lane=$1 file=$2 prog="" seen=0 status line name rest
	while IFS= read -r line; do
		line=${line%$'\r'}
		case "$line" in
		"@@ start "*)
			prog=${line#@@ start }
			seen=0
			;;
		"@@ end "*)
			rest=${line#@@ end }
			status=${rest##* }
			if [ "$seen" = 0 ]; then
				if [ "$status" = 4 ]; then
					tap skip "$lane/$prog" "program skipped"
				elif [ "$status" = 0 ]; then
					tap not-ok "$lane/$prog" "no test points printed"
				else
					tap not-ok "$lane/$prog" "exit $status"
				fi
			elif [ "$status" != 0 ] && [ "$status" != 4 ]; then
				tap not-ok "$lane/$prog" "exit $status after its test points"
			fi
			prog=""
			;;
		"ok "*|"not ok "*)
			[ -n "$prog" ] || continue
			seen=1
			name=$(echo "$line" | sed -E 's/^(not )?ok [0-9]+ ?-? ?//')
			case "$line" in
			*"# SKIP"*|*"# skip"*)
				tap skip "$lane/$prog/${name%% # *}" "${name#* # SKIP}" ;;
			"not ok"*)
				tap not-ok "$lane/$prog/${name%% # *}" ;;
			*)	tap ok "$lane/$prog/${name%% # *}" ;;
			esac
			;;
		*)
			echo "# $line"
			;;
		esac
	done < "$file"
	if [ -n "$prog" ]; then
		tap not-ok "$lane/$prog" "did not finish (timeout or crash)"
	fi
}

# Build one lane's image and boot it in the background; the VM's exit status
# lands in $logs/rc. Lanes boot side by side: most of a test's time is spent
# waiting for the simulated bus to settle, not computing.
start_lane() {
	local lane=$1 kernel=${1%-long} mods tests initrd logs mem cpus=2
	local limit=$vm_timeout

	lane_filter=$filter lane_long=$long lane_timeout=$test_timeout
	if [ "$kernel" != "$lane" ]; then
		# LANE-long: the fuzzer and the storm at full length on LANE's
		# kernel, in a VM of their own beside the other lanes.
		echo rel_fuzz_test rel_storm_test | tr ' ' '\n' |
			grep -Eq "$filter" || return 1
		lane_filter='^rel_(fuzz|storm)_test$' lane_long=1
		lane_timeout=$long_test_timeout cpus=1
		limit=$((vm_timeout > long_vm_timeout ? vm_timeout : long_vm_timeout))
	fi
	log "lane $lane: building"
	eval "$("$top/scripts/lane.sh" "$kernel")"
	mods=$("$top/scripts/build-modules.sh" "$kernel")
	tests=$(build_selftests)
	initrd=$(build_initramfs "$lane" "$mods" "$tests")
	logs=$run/logs/$lane
	rm -rf "$logs"
	mkdir -p "$logs"

	mem=1G
	[ "$kernel" = debug ] && mem=3G
	log "lane $lane: booting $RELEASE, logs in $logs"
	(
		start=$SECONDS
		rc=0
		timeout -k 10 "$limit" \
			qemu-system-x86_64 -accel tcg -cpu max -m "$mem" -smp "$cpus" \
			-nodefaults -display none -no-reboot \
			-kernel "$IMAGE" -initrd "$initrd" \
			-append "console=ttyS0 panic=-1 slub_debug=FZPU loglevel=6 rdinit=/init" \
			-serial "file:$logs/console.log" -serial "file:$logs/tests.log" \
			</dev/null >"$logs/qemu.log" 2>&1 || rc=$?
		echo "$rc $((SECONDS - start))" > "$logs/rc"
	) &
}

# Turn a finished lane's logs into test points.
finish_lane() {
	local lane=$1 logs=$run/logs/$1 rc secs
	read -r rc secs < "$logs/rc"
	log "lane $lane: VM exited with $rc after $secs s"

	parse_tap "$lane" "$logs/tests.log"

	if grep -q '^@@ done' "$logs/tests.log"; then
		tap ok "$lane/vm-completed"
	else
		tap not-ok "$lane/vm-completed" "VM exit $rc; see $logs/console.log"
		tail -n 40 "$logs/console.log" | sed 's/^/# console: /'
	fi
	if grep -Eq "$splat_re" "$logs/console.log"; then
		tap not-ok "$lane/kernel-log-clean" "see $logs/console.log"
		grep -E -B2 -A25 "$splat_re" "$logs/console.log" | head -n 120 |
			sed 's/^/# kernel: /'
	else
		tap ok "$lane/kernel-log-clean"
	fi
}

# --script: boot the first lane, run FILE as the only program, its output
# (ttyS1) straight to stdout without the guest's "@@" framing lines.
run_script() {
	local lane=${lanes%% *} mods tests initrd logs rc
	log "lane $lane: building" >&2
	eval "$("$top/scripts/lane.sh" "$lane")"
	mods=$("$top/scripts/build-modules.sh" "$lane")
	tests=$(build_selftests)
	initrd=$(build_initramfs "script-$lane" "$mods" "$tests")
	logs=$run/logs/script-$lane
	rm -rf "$logs"
	mkdir -p "$logs"
	log "lane $lane: booting $RELEASE, logs in $logs" >&2
	timeout --foreground -k 10 "$vm_timeout" \
		qemu-system-x86_64 -accel tcg -cpu max -m 1G -smp 2 \
		-nodefaults -display none -no-reboot \
		-kernel "$IMAGE" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 loglevel=6 rdinit=/init" \
		-serial "file:$logs/console.log" -serial stdio \
		</dev/null 2>"$logs/qemu.log" | tee "$logs/tests.log" |
		grep --line-buffered -v '^@@ ' || true
	[ "$keep" = 1 ] || rm -rf "$run/vm" "$run/selftests" "$run/tools"
	rc=$(sed -n 's/^@@ end script \([0-9]*\).*/\1/p' "$logs/tests.log")
	if grep -Eq "$splat_re" "$logs/console.log"; then
		log "kernel log not clean, see $logs/console.log" >&2
		rc=${rc:-1}
		[ "$rc" != 0 ] || rc=1
	fi
	[ -n "$rc" ] || { log "the script did not finish; see $logs/console.log" >&2; rc=1; }
	return "$rc"
}

if [ -n "$script" ]; then
	run_script
	exit
fi

# Host-side tests (no VM): their KTAP goes through the same parser, framed
# as the guest frames its programs.
run_host() {
	local t out=$run/logs/host rc
	mkdir -p "$out"
	for t in "$top/scripts/dkms-test.sh"; do
		rc=0
		{
			echo "@@ start $(basename "$t")"
			"$t" 2>&1 || rc=$?
			echo "@@ end $(basename "$t") $rc"
		} > "$out/$(basename "$t").log"
		parse_tap host "$out/$(basename "$t").log"
	done
}

echo "TAP version 13"
[ "$host_tests" = 1 ] && run_host
started=""
for lane in $lanes; do
	start_lane "$lane" && started="$started $lane"
done
wait
for lane in $started; do
	finish_lane "$lane"
done
echo "1..$tapno"
[ "$keep" = 1 ] || rm -rf "$run/vm" "$run/selftests" "$run/tools"
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" = 0 ]
