#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# fwcmp connect --broadcast against firewire-sim's ground truth: broadcast-out
# (bit 30 of the oPCR set, channel and bandwidth taken at the IRM, the text and
# JSON descriptions), the oMPR broadcast channel base deciding the channel,
# broadcast-in (--channel required, nothing taken at the IRM), a second
# broadcast connection refused, and --help naming the option; and
# connect --to DEV2:N, a third-party connection (here oPCR0 to iPCR0 of the
# same unit, which the driver allows): both plugs on one channel taken once,
# one handle breaking both, held while a command runs.

. "$(dirname "$0")/fwcmp_lib.sh"

OMPR0=""
cleanup() {
	[ -n "$OMPR0" ] && [ -n "${SIM:-}" ] &&
		printf '0x%08x' "$OMPR0" > "$SIM/node0/regs/ompr" 2>/dev/null
	sim_teardown
}
trap cleanup EXIT

pcr_bcast() { echo $((($1 >> 30) & 1)); }

# Both plugs of node 0 idle, broadcast bits included, and the IRM as it was.
bcast_idle() {
	sim_idle 0 || return 1
	[ "$(pcr_bcast "$(sim_reg 0 opcr0)")" = 0 ] &&
		[ "$(pcr_bcast "$(sim_reg 0 ipcr0)")" = 0 ] && return 0
	printf 'broadcast bit left: oPCR0 0x%08x iPCR0 0x%08x\n' \
		"$(sim_reg 0 opcr0)" "$(sim_reg 0 ipcr0)"
	return 1
}

case_cleanup() {
	bcast_idle > /dev/null && return 0
	echo "cleanup: clearing what the case left"
	printf '0x%08x' $(($(sim_reg 0 opcr0) & ~0x40000000)) > "$SIM/node0/regs/opcr0"
	printf '0x%08x' $(($(sim_reg 0 ipcr0) & ~0x40000000)) > "$SIM/node0/regs/ipcr0"
	fwcmp clear "$DEV" --output 0
}

case_out() {
	local h pcr ch
	expect_rc 0 fwcmp connect "$DEV" --output 0 --broadcast --persist || return
	h=$out
	echo "handle '$h'; stderr: $err"
	echo "$err" | grep -q "oPCR\[0\] connected on channel [0-9]*, S100, payload 122, [1-9][0-9]* bandwidth units, handle $h (persistent) (broadcast)" ||
		fail "no description on stderr" || return
	pcr=$(sim_reg 0 opcr0)
	ch=$(pcr_channel "$pcr")
	printf 'oPCR0 0x%08x\n' "$pcr"
	[ "$(pcr_bcast "$pcr")" = 1 ] || fail "broadcast bit not set" || return
	[ "$(pcr_p2p "$pcr")" = 0 ] || fail "p2p counter touched" || return
	! sim_channel_free "$ch" || fail "channel $ch free at the IRM" || return
	[ "$(sim_irm bandwidth_available)" -lt "$BW0" ] || fail "no bandwidth taken" || return
	expect_rc 0 fwcmp --json plugs "$DEV" || return
	json_check "$out" "units.0.plugs.0.broadcast=1" "units.0.plugs.0.p2p=0" \
		"units.0.plugs.0.connected=true" "units.0.plugs.0.channel=$ch" || return
	expect_rc 0 fwcmp disconnect "$DEV" "$h" || return
	bcast_idle
}

case_out_json() {
	local h bw
	expect_rc 0 fwcmp connect "$DEV" --output 0 --broadcast --persist --json || return
	echo "$out"
	json_check "$out" "direction=output" "broadcast=true" "overlay=false" \
		"persistent=true" || return
	h=$(json_get "$out" handle)
	bw=$(json_get "$out" bandwidth)
	[ "$((BW0 - bw))" = "$(sim_irm bandwidth_available)" ] ||
		fail "bandwidth $bw, IRM has $(sim_irm bandwidth_available) of $BW0" || return
	expect_rc 0 fwcmp disconnect "$DEV" "$h" || return
	bcast_idle
}

# The oMPR's broadcast channel base (bits 29-24) decides the channel.
case_base() {
	local h rc=0
	OMPR0=$(sim_reg 0 ompr)
	printf '0x%08x' $(((OMPR0 & ~0x3f000000) | (40 << 24))) > "$SIM/node0/regs/ompr"
	expect_rc 2 fwcmp connect "$DEV" --output 0 --broadcast --channel 3 --persist || rc=1
	[ "$rc" = 0 ] && { echo "$err" | grep -q 'Invalid argument' || fail "no EINVAL: $err" || rc=1; }
	[ "$rc" = 0 ] && { expect_rc 0 fwcmp connect "$DEV" --output 0 --broadcast --persist || rc=1; }
	if [ "$rc" = 0 ]; then
		h=$out
		[ "$(pcr_channel "$(sim_reg 0 opcr0)")" = 40 ] ||
			fail "channel $(pcr_channel "$(sim_reg 0 opcr0)"), want base 40 + 0" || rc=1
		! sim_channel_free 40 || fail "channel 40 free at the IRM" || rc=1
		expect_rc 0 fwcmp disconnect "$DEV" "$h" || rc=1
	fi
	printf '0x%08x' "$OMPR0" > "$SIM/node0/regs/ompr"
	OMPR0=""
	[ "$rc" = 0 ] || return 1
	bcast_idle
}

case_in() {
	local h pcr
	expect_rc 1 fwcmp connect "$DEV" --input 0 --broadcast --persist || return
	echo "$err" | grep -q 'needs --channel' || fail "usage error: $err" || return
	expect_rc 0 fwcmp connect "$DEV" --input 0 --broadcast --channel 12 --persist || return
	h=$out
	echo "$err" | grep -q "iPCR\[0\] connected on channel 12, .* 0 bandwidth units, handle $h (persistent) (broadcast)" ||
		fail "description: $err" || return
	pcr=$(sim_reg 0 ipcr0)
	[ "$(pcr_bcast "$pcr")" = 1 ] || fail "broadcast bit not set" || return
	[ "$(pcr_channel "$pcr")" = 12 ] || fail "channel not 12" || return
	sim_channel_free 12 || fail "channel 12 taken at the IRM" || return
	[ "$(sim_irm bandwidth_available)" = "$BW0" ] || fail "bandwidth taken" || return
	expect_rc 0 fwcmp disconnect "$DEV" "$h" || return
	bcast_idle
}

case_busy() {
	local h
	expect_rc 0 fwcmp connect "$DEV" --output 0 --broadcast --persist || return
	h=$out
	expect_rc 2 fwcmp connect "$DEV" --output 0 --broadcast --overlay --persist || return
	echo "$err" | grep -q 'Device or resource busy' || fail "no EBUSY: $err" || return
	# A p2p connection joins it with --overlay only.
	expect_rc 2 fwcmp connect "$DEV" --output 0 --persist || return
	expect_rc 0 fwcmp disconnect "$DEV" "$h" || return
	bcast_idle
}

case_help() {
	expect_rc 0 fwcmp connect --help || return
	echo "$out$err" | grep -q -- '--broadcast' || fail "--help does not name --broadcast"
}

case_to() {
	local h o i
	expect_rc 1 fwcmp connect "$DEV" --input 0 --to "$DEV:0" --persist || return
	expect_rc 1 fwcmp connect "$DEV" --output 0 --to "$DEV" --persist || return
	expect_rc 1 fwcmp connect "$DEV" --output 0 --broadcast --to "$DEV:0" --persist || return
	expect_rc 2 fwcmp connect "$DEV" --output 0 --to "$DEV:5" --persist || return
	echo "$err" | grep -q 'Invalid argument' || fail "iPCR 5: $err" || return
	bcast_idle || return
	expect_rc 0 fwcmp connect "$DEV" --output 0 --to "$DEV:0" --persist --json || return
	echo "$out"
	json_check "$out" "third_party=true" "broadcast=false" || return
	h=$(json_get "$out" handle)
	o=$(sim_reg 0 opcr0)
	i=$(sim_reg 0 ipcr0)
	printf 'oPCR0 0x%08x iPCR0 0x%08x\n' "$o" "$i"
	[ "$(pcr_p2p "$o")" = 1 ] && [ "$(pcr_p2p "$i")" = 1 ] || fail "p2p not 1 on both" || return
	[ "$(pcr_channel "$o")" = "$(pcr_channel "$i")" ] || fail "channels differ" || return
	! sim_channel_free "$(pcr_channel "$o")" || fail "channel free at the IRM" || return
	[ "$((BW0 - $(json_get "$out" bandwidth)))" = "$(sim_irm bandwidth_available)" ] ||
		fail "bandwidth taken more than once" || return
	expect_rc 0 fwcmp disconnect "$DEV" "$h" || return
	bcast_idle || fail "disconnect left something" || return

	# Held while a command runs, both sides broken when it ends.
	expect_rc 0 fwcmp connect "$DEV" --output 0 --to "$DEV:0" -- sh -c \
		'sleep 0.5; cat '"$SIM"'/node0/regs/ipcr0' || return
	echo "$err" | grep -q "third-party, to iPCR\[0\] of $DEV" || fail "stderr: $err" || return
	[ "$(pcr_p2p "$((out))")" = 1 ] || fail "iPCR0 $out not connected while held" || return
	wait_idle 0
}

run_cases 21 \
	out:case_out \
	out_json:case_out_json \
	base:case_base \
	in:case_in \
	busy:case_busy \
	help:case_help \
	to:case_to
