#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the selftest VM (packed by vmtest.sh). Loads firewire-core and our
# modules, runs every program in /selftests/tests.list that matches the filter,
# framing each program's output on ttyS1 with "@@ start" / "@@ end PROG EXIT",
# then unloads the modules (a leaked reference would hang here and be caught by
# the VM timeout), scans kmemleak where the kernel has it, and reboots, which
# ends QEMU (-no-reboot).

/bin/busybox --install -s /bin
export PATH=/sbin:/bin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts

out=/dev/ttyS1
stty -F $out raw -echo 2>/dev/null
say() { echo "$*" > $out; }
klog() { echo "vm-init: $*" > /dev/kmsg; }

klog "booted $(uname -r)"
for m in firewire-core firewire-sim firewire-cmp; do
	modprobe $m || say "# vm-init: modprobe $m failed"
done

cd /selftests
filter=$(cat filter)
timeout=$(cat timeout)
export FWCMP_LANE=$(cat lane) FWCMP_LONG=$(cat long)
seed=$(cat seed 2>/dev/null)
[ -z "$seed" ] || export FWCMP_SEED=$seed
while read -r prog; do
	[ -n "$prog" ] || continue
	echo "$prog" | grep -Eq "$filter" || continue
	klog "start $prog"
	say "@@ start $prog"
	timeout -s KILL "$timeout" ./"$prog" > $out 2>&1 < /dev/null
	rc=$?
	say "@@ end $prog $rc"
	klog "end $prog $rc"
done < tests.list

# Module unload with everything torn down must neither hang nor leak.
for m in firewire-cmp firewire-sim; do
	grep -q "^${m/-/_} " /proc/modules && { rmmod $m || say "# vm-init: rmmod $m failed"; }
done
if [ -w /sys/kernel/debug/kmemleak ]; then
	# Two scans: kmemleak reports an object only once it has stayed
	# unreferenced over a full scan.
	echo scan > /sys/kernel/debug/kmemleak
	sleep 6
	echo scan > /sys/kernel/debug/kmemleak
	sed 's/^/kmemleak-report: /' /sys/kernel/debug/kmemleak > /dev/ttyS0
fi
say "@@ done"
sync
reboot -f
