#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make demo`: firewire-cmp at work on a machine without FireWire hardware.
#
# On the host it boots Debian's 6.1 kernel in QEMU with our modules, through
# tools/testing/selftests/firewire/vmtest.sh --script, which runs this same
# file inside the guest. There it creates a simulated bus (firewire-sim) with
# one camcorder-like AV/C node that is also the isochronous resource manager
# (IRM), and runs a scripted fwcmp session: list, plugs, connect --persist,
# plugs, disconnect, plugs, printing the IRM's free channels and bandwidth
# (firewire-sim's ground truth, in debugfs) before, during and after.
#
# usage: scripts/demo.sh [LANE]      (LANE: 6.1 by default; see scripts/lane.sh)
set -eu

# ---- in the guest ----
if [ -f /selftests/lane ] && [ -n "${FWCMP_LANE:-}" ]; then
	sim=/sys/kernel/debug/firewire-sim/fwsim0

	run() {
		echo
		echo "\$ $*"
		"$@" 2>&1
	}

	# The IRM's registers, read from the simulator (not through firewire-cmp).
	irm() {
		local who dir bw hi lo free=0 i taken=""
		who=$(cat "$sim/irm")
		case "$who" in
		local) dir=$sim/local/regs ;;
		*) dir=$sim/node$who/regs ;;
		esac
		bw=$(($(cat "$dir/bandwidth_available")))
		hi=$(($(cat "$dir/channels_available_hi")))
		lo=$(($(cat "$dir/channels_available_lo")))
		for i in $(seq 0 63); do
			if [ "$i" -lt 32 ]; then
				bit=$(((hi >> (31 - i)) & 1))
			else
				bit=$(((lo >> (63 - i)) & 1))
			fi
			if [ "$bit" = 1 ]; then
				free=$((free + 1))
			else
				taken="$taken $i"
			fi
		done
		echo
		printf '[IRM, node %s: %d of 4915 bandwidth units free, %d of 64 channels free%s]\n' \
			"$who" "$bw" "$free" "${taken:+; taken:$taken}"
	}

	echo "== firewire-cmp demo on $(uname -r): one simulated camcorder, also the IRM"
	echo "0 1" > /sys/bus/firewire-sim/new_device
	# Wait until firewire-cmp has bound the unit and read its plug registers.
	for i in $(seq 100); do
		[ "$(cat /sys/class/fwcmp/fwcmp0/output_plugs 2>/dev/null)" = 1 ] && break
		sleep 0.1
	done

	run fwcmp list
	irm
	run fwcmp plugs fwcmp0
	echo
	echo "\$ h=\$(fwcmp connect fwcmp0 --output 0 --persist)"
	h=$(fwcmp connect fwcmp0 --output 0 --persist 2>/tmp/connect.err) || {
		cat /tmp/connect.err
		exit 2
	}
	cat /tmp/connect.err
	echo "\$ echo \$h"
	echo "$h"
	irm
	run fwcmp plugs fwcmp0
	run fwcmp disconnect fwcmp0 "$h"
	run fwcmp plugs fwcmp0
	irm
	echo
	echo "== done: the connection was made and broken, and the IRM got its channel and bandwidth back"
	echo 0 > /sys/bus/firewire-sim/del_device
	exit 0
fi

# ---- on the host ----
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
lane=${1:-6.1}
cache=${FWCMP_CACHE:-/var/cache/firewire-cmp}
mkdir -p "$cache/logs"
log=$cache/logs/demo.log

echo "demo: building firewire-cmp, firewire-sim and fwcmp for $lane and booting it in QEMU"
echo "demo: (about a minute; build and boot messages in $log)"
rc=0
"$top/tools/testing/selftests/firewire/vmtest.sh" --lanes "$lane" \
	--script "$here/demo.sh" 2>"$log" || rc=$?
if [ "$rc" != 0 ]; then
	echo "demo: failed (exit $rc); from $log:" >&2
	grep -E '^# vmtest|error|Error' "$log" | tail -n 20 >&2
fi
exit "$rc"
