#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# fwcmp command line: help, usage errors (exit 1), list and plugs in text and
# JSON checked against firewire-sim's ground truth, kernel errors (exit 2),
# and clear of a plug another controller left connected.

. "$(dirname "$0")/fwcmp_lib.sh"

trap 'sim_teardown' EXIT

case_help() {
	local c all
	expect_rc 0 fwcmp --help || return
	all=$out
	for c in list plugs connect disconnect clear watch; do
		echo "$all" | grep -q "^  $c" || fail "--help does not list $c" || return
		expect_rc 0 fwcmp "$c" --help || return
		echo "$out" | grep -q "^usage: fwcmp $c" || fail "$c --help: no usage line" || return
	done
	expect_rc 0 fwcmp help connect || return
	expect_rc 0 fwcmp --version || return
	echo "$out" | grep -q 'ABI version 2' || fail "--version: $out"
}

case_usage_errors() {
	expect_rc 1 fwcmp || return
	expect_rc 1 fwcmp bogus || return
	expect_rc 1 fwcmp --bogus list || return
	expect_rc 1 fwcmp list --bogus || return
	expect_rc 1 fwcmp list extra || return
	expect_rc 1 fwcmp plugs 0 1 || return
	expect_rc 1 fwcmp plugs foo || return
	expect_rc 1 fwcmp connect "$DEV" || return
	expect_rc 1 fwcmp connect --output 0 || return
	expect_rc 1 fwcmp connect "$DEV" --output 0 --input 0 || return
	expect_rc 1 fwcmp connect "$DEV" --output 31 || return
	expect_rc 1 fwcmp connect "$DEV" --output 0 --channel 64 || return
	expect_rc 1 fwcmp connect "$DEV" --output 0 --speed S123 || return
	expect_rc 1 fwcmp connect "$DEV" --output 0 --payload 0 || return
	expect_rc 1 fwcmp connect "$DEV" --output 0 --payload 1025 || return
	expect_rc 1 fwcmp connect "$DEV" --output 0 --persist -- true || return
	expect_rc 1 fwcmp connect "$DEV" --output 0 -- || return
	expect_rc 1 fwcmp disconnect "$DEV" || return
	expect_rc 1 fwcmp disconnect "$DEV" abc || return
	expect_rc 1 fwcmp clear "$DEV" || return
	expect_rc 1 fwcmp clear "$DEV" --output 0 --bandwidth 10 || return
	expect_rc 1 fwcmp watch 0 1 || return
	# Nothing of this reached the plugs.
	sim_idle 0
}

case_list_text() {
	expect_rc 0 fwcmp list || return
	echo "$out"
	echo "$out" | head -n 1 | grep -q '^DEVICE ' || fail "no header" || return
	echo "$out" | grep "^$DEV " | grep -q "$GUID" || fail "no line for $DEV $GUID" || return
	echo "$out" | grep "^$DEV " | grep -q 'firewire-sim *Simulated AV/C device$' ||
		fail "vendor/model names from the config ROM missing"
}

case_list_json() {
	local i keys want
	expect_rc 0 fwcmp list --json || return
	# Which array element is ours?
	i=$(printf '%s\n' "$out" | json_flat | sed -n "s|^units\.\([0-9]*\)\.device=$DEV\$|\1|p")
	[ -n "$i" ] || fail "$DEV not in list --json" || return
	# firewire-sim's default node: vendor 0x021394, model 1 (sim.h).
	json_check "$out" "units.$i.name=${DEV#/dev/}" "units.$i.guid=$GUID" \
		"units.$i.vendor_id=$((0x021394))" "units.$i.model_id=1" \
		"units.$i.vendor_name=firewire-sim" \
		"units.$i.model_name=Simulated AV/C device" \
		"units.$i.output_plugs=1" "units.$i.input_plugs=1" \
		"units.$i.abi_version=2" "units.$i.flags=0" || return
	# The documented keys, no more, no fewer (fwcmp.1, JSON OUTPUT).
	keys=$(json_keys "$out" "units.$i")
	want="abi_version device flags fw_device generation guid input_plugs irm_node_id local_node_id max_speed model_id model_name name node_id output_plugs vendor_id vendor_name "
	[ "$keys" = "$want" ] || fail "keys '$keys', want '$want'"
}

case_dev_forms() {
	local a b c n=${DEV#/dev/fwcmp}
	expect_rc 0 fwcmp plugs "$DEV" || return
	a=$out
	expect_rc 0 fwcmp plugs "fwcmp$n" || return
	b=$out
	expect_rc 0 fwcmp plugs "$n" || return
	c=$out
	[ "$a" = "$b" ] && [ "$b" = "$c" ] || fail "DEV forms give different output"
}

case_plugs_text() {
	local opcr ipcr
	opcr=$(printf '0x%08x' "$(sim_reg 0 opcr0)")
	ipcr=$(printf '0x%08x' "$(sim_reg 0 ipcr0)")
	expect_rc 0 fwcmp plugs "$DEV" || return
	echo "$out"
	echo "$out" | head -n 1 | grep -q "^$DEV: firewire-sim Simulated AV/C device, GUID $GUID" ||
		fail "header line" || return
	echo "$out" | grep -q "^  oPCR\[0\] *$opcr  on-line  bcast 0  p2p 0 *ch 63 *S100 *overhead [0-9]* *payload 122 " ||
		fail "oPCR[0] line does not show $opcr decoded" || return
	echo "$out" | grep -q "^  iPCR\[0\] *$ipcr  on-line  bcast 0  p2p 0 *ch 63" ||
		fail "iPCR[0] line does not show $ipcr decoded" || return
	echo "$out" | grep -q "^  oMPR *0x$(printf '%08x' "$(sim_reg 0 ompr)")  S400 capable, broadcast channel base 63, 1 output plug" ||
		fail "oMPR line"
}

case_plugs_json() {
	local opcr ipcr keys
	opcr=$(sim_reg 0 opcr0)
	ipcr=$(sim_reg 0 ipcr0)
	expect_rc 0 fwcmp --json plugs "$DEV" || return
	json_check "$out" "units.0.device=$DEV" "units.0.guid=$GUID" \
		"units.0.ompr=$(printf '0x%08x' "$(sim_reg 0 ompr)")" \
		"units.0.impr=$(printf '0x%08x' "$(sim_reg 0 impr)")" \
		"units.0.output_speed=S400" "units.0.broadcast_channel_base=63" \
		"units.0.plugs.0.direction=output" "units.0.plugs.0.index=0" \
		"units.0.plugs.0.value=$(printf '0x%08x' "$opcr")" \
		"units.0.plugs.0.online=true" "units.0.plugs.0.broadcast=0" \
		"units.0.plugs.0.p2p=$(pcr_p2p "$opcr")" \
		"units.0.plugs.0.channel=$(pcr_channel "$opcr")" \
		"units.0.plugs.0.connected=false" \
		"units.0.plugs.0.speed=S100" "units.0.plugs.0.payload=122" \
		"units.0.plugs.1.direction=input" "units.0.plugs.1.index=0" \
		"units.0.plugs.1.value=$(printf '0x%08x' "$ipcr")" \
		"units.0.plugs.1.channel=$(pcr_channel "$ipcr")" || return
	keys=$(json_keys "$out" units.0.plugs.0)
	[ "$keys" = "bandwidth broadcast channel connected direction generation index online overhead_id p2p payload speed value " ] ||
		fail "oPCR keys: $keys" || return
	keys=$(json_keys "$out" units.0.plugs.1)
	[ "$keys" = "broadcast channel connected direction generation index online p2p value " ] ||
		fail "iPCR keys: $keys"
}

case_kernel_errors() {
	expect_rc 2 fwcmp plugs 250 || return
	echo "$err" | grep -q 'No such file or directory' || fail "no strerror: $err" || return
	expect_rc 2 fwcmp disconnect "$DEV" 4242 || return
	echo "$err" | grep -q 'DISCONNECT: Invalid argument' || fail "no strerror: $err" || return
	expect_rc 2 fwcmp --json disconnect "$DEV" 4242 || return
	[ -z "$out" ] || fail "JSON printed on failure: $out"
}

case_clear_idle_plug() {
	expect_rc 0 fwcmp --json clear "$DEV" --output 0 || return
	json_check "$out" "device=$DEV" "direction=output" "index=0" "channel=null" \
		"bandwidth=0" || return
	sim_idle 0
}

# Another controller's leftover: oPCR0 connected on channel 5 with its
# channel and bandwidth taken at the IRM, as a crashed libiec61883 program
# leaves it. clear must give all of it back.
case_clear_foreign() {
	local opcr bw
	opcr=$(( ($(sim_reg 0 opcr0) & ~0x3f3f0000) | (1 << 24) | (5 << 16) ))
	echo "$(printf '0x%08x' "$opcr")" > "$SIM/node0/regs/opcr0"
	expect_rc 0 fwcmp --json plugs "$DEV" || return
	bw=$(json_get "$out" units.0.plugs.0.bandwidth)
	[ -n "$bw" ] || fail "no bandwidth in plugs --json" || return
	irm_take 5 "$bw" || return
	expect_rc 0 fwcmp plugs "$DEV" || return
	echo "$out" | grep -q 'oPCR\[0\].*p2p 1 .*connected' || fail "leftover not shown" || return
	expect_rc 0 fwcmp clear "$DEV" --output 0 || return
	echo "$out"
	echo "$out" | grep -q "channel 5 and $bw bandwidth units returned to the IRM" ||
		fail "clear output: $out" || return
	sim_idle 0
}

# Take channel C and BW units at the IRM in the ground truth.
irm_take() {
	local irm dir hi bw
	irm=$(cat "$SIM/irm")
	case "$irm" in local*) dir=$SIM/local/regs ;; *) dir=$SIM/node${irm%% *}/regs ;; esac
	hi=$(($(cat "$dir/channels_available_hi")))
	printf '0x%08x' $((hi & ~(1 << (31 - $1)))) > "$dir/channels_available_hi"
	bw=$(($(cat "$dir/bandwidth_available")))
	printf '0x%08x' $((bw - $2)) > "$dir/bandwidth_available"
}

run_cases 10 \
	help:case_help \
	usage_errors:case_usage_errors \
	list_text:case_list_text \
	list_json:case_list_json \
	dev_forms:case_dev_forms \
	plugs_text:case_plugs_text \
	plugs_json:case_plugs_json \
	kernel_errors:case_kernel_errors \
	clear_idle_plug:case_clear_idle_plug \
	clear_foreign:case_clear_foreign
