#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# fwcmp local: the PC's own plugs (firewire-cmp local_oplugs/local_iplugs) in
# text and JSON, checked against what a simulated foreign controller
# (firewire-sim node<N>/request) did and reads; GUID selection; the message
# when no plugs are hosted. Reloads firewire-cmp with local plugs and
# restores the default (none) on exit.

. "$(dirname "$0")/fwcmp_lib.sh"

restore_default() {
	sim_teardown
	rmmod firewire_cmp 2>/dev/null
	modprobe firewire-cmp
}
trap 'restore_default' EXIT

case_precheck() {
	rmmod firewire_cmp 2>/dev/null
	modprobe firewire-cmp local_oplugs=1 local_iplugs=2 || {
		skip_reason="firewire-cmp does not load with local plugs"
		return 1
	}
	LGUID=$(cat "$SIM/local/guid")
	# node 0 plays a controller: connect the PC's iPCR 1 on channel 9
	echo "lock 0xfffff0000988 0x803f0000 0x81090000" > "$SIM/node0/request" &&
		grep -q '^rcode=0 ' "$SIM/node0/request" &&
		grep -q '^data=0x803f0000$' "$SIM/node0/request"
}

# The foreign controller's view of a local register, as a decimal number.
foreign_read() {
	echo "read $1" > "$SIM/node0/request" || return 1
	grep -q '^rcode=0 ' "$SIM/node0/request" || return 1
	echo $(($(sed -n 's/^data=//p' "$SIM/node0/request")))
}

case_local_text() {
	expect_rc 0 fwcmp local || return
	echo "$out"
	echo "$out" | grep -q "^card [0-9]* GUID ${LGUID#0x} " || fail "no card $LGUID" || return
	echo "$out" | grep -q '^  oMPR 0xbf000001 S400 broadcast base 63 plugs 1$' ||
		fail "oMPR line" || return
	echo "$out" | grep -q '^  iMPR 0x80000002 S400 plugs 2$' || fail "iMPR line" || return
	echo "$out" | grep -q '^  iPCR\[1\] 0x81090000 online p2p 1 bcast 0 channel 9 connected$' ||
		fail "iPCR[1] not shown connected" || return
	echo "$out" | grep -q '^  oPCR\[0\] 0x803f007a online p2p 0 bcast 0 channel 63 S100 overhead 0 payload 122$' ||
		fail "oPCR[0] line"
}

case_local_json() {
	local i keys
	expect_rc 0 fwcmp local --json || return
	i=$(printf '%s\n' "$out" | json_flat | sed -n "s|^cards\.\([0-9]*\)\.guid=$LGUID\$|\1|p")
	[ -n "$i" ] || fail "$LGUID not in local --json" || return
	json_check "$out" "cards.$i.ompr=0xbf000001" "cards.$i.impr=0x80000002" \
		"cards.$i.ipcr.1.value=0x81090000" "cards.$i.ipcr.1.p2p=1" \
		"cards.$i.ipcr.1.channel=9" "cards.$i.ipcr.1.online=true" \
		"cards.$i.ipcr.0.p2p=0" "cards.$i.opcr.0.payload=122" \
		"cards.$i.opcr.0.speed=S100" || return
	# what the controller reads is what fwcmp shows
	[ "$(foreign_read 0xfffff0000988)" = $((0x81090000)) ] || fail "ground truth differs" || return
	keys=$(json_keys "$out" "cards.$i")
	[ "$keys" = "generation guid impr index ipcr ms_since_reset ompr opcr restore_window " ] ||
		fail "keys '$keys'"
}

case_local_guid() {
	expect_rc 0 fwcmp local "$LGUID" || return
	[ "$(echo "$out" | grep -c '^card ')" = 1 ] || fail "not one card" || return
	expect_rc 1 fwcmp local xyz || return
	expect_rc 1 fwcmp local 1 2 || return
	expect_rc 2 fwcmp local 0x1234 || return
	echo "$err" | grep -q 'No such device' || fail "unknown GUID: $err"
}

case_local_after_reset() {
	echo 1 > "$SIM_SYS/devices/fwsim$BUS/bus_reset" || return
	sleep 0.5
	expect_rc 0 fwcmp local "$LGUID" || return
	echo "$out"
	echo "$out" | grep -q '^  iPCR\[1\] 0x80090000 online p2p 0 bcast 0 channel 9$' ||
		fail "p2p not cleared by the bus reset"
}

case_not_hosted() {
	rmmod firewire_cmp && modprobe firewire-cmp || return
	expect_rc 2 fwcmp local || return
	echo "$err" | grep -q 'no local plugs hosted' || fail "message: $err"
}

run_cases 14 \
	local_text:case_local_text \
	local_json:case_local_json \
	local_guid:case_local_guid \
	local_after_reset:case_local_after_reset \
	not_hosted:case_not_hosted
