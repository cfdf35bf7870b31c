#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# fwcmp connect / disconnect against firewire-sim's ground truth: persistent
# connections and their handles, options written to the oPCR, overlay, input
# plugs, `connect -- COMMAND` (held while COMMAND runs, its exit status passed
# on), SIGTERM breaking the connection, and SIGKILL leaving nothing behind.

. "$(dirname "$0")/fwcmp_lib.sh"

bg_pid=""
cleanup() {
	[ -n "$bg_pid" ] && kill -9 "$bg_pid" 2>/dev/null
	sim_teardown
}
trap cleanup EXIT

# After each case: whatever it left (a persistent connection after a failed
# check) is cleared, so that one failure does not cascade into the next case.
case_cleanup() {
	[ -n "$bg_pid" ] && kill -9 "$bg_pid" 2>/dev/null && wait "$bg_pid" 2>/dev/null
	bg_pid=""
	sim_idle 0 > /dev/null && return 0
	echo "cleanup: clearing what the case left"
	fwcmp clear "$DEV" --output 0
	fwcmp clear "$DEV" --input 0 --bandwidth $((BW0 - $(sim_irm bandwidth_available)))
}

# Ground truth of a live connection on oPCR0/iPCR0: p2p COUNT, and the
# plug's channel taken at the IRM.
check_connected() {	# REG COUNT
	local pcr ch
	pcr=$(sim_reg 0 "$1")
	ch=$(pcr_channel "$pcr")
	[ "$(pcr_p2p "$pcr")" = "$2" ] || fail "$1 p2p $(pcr_p2p "$pcr"), want $2" || return
	! sim_channel_free "$ch" || fail "$1 channel $ch still free at the IRM" || return
	[ "$(sim_irm bandwidth_available)" -lt "$BW0" ] || fail "no bandwidth taken at the IRM"
}

case_persist() {
	local h
	expect_rc 0 fwcmp connect "$DEV" --output 0 --persist || return
	h=$out
	echo "handle '$h'; stderr: $err"
	echo "$h" | grep -qx '[1-9][0-9]*' || fail "stdout is not the handle alone: '$h'" || return
	echo "$err" | grep -q "oPCR\[0\] connected on channel [0-9]*, S100, payload 122, .* handle $h (persistent)" ||
		fail "no description on stderr" || return
	check_connected opcr0 1 || return
	expect_rc 0 fwcmp plugs "$DEV" || return
	echo "$out" | grep -q "oPCR\[0\] .* p2p 1 .*connected" || fail "plugs does not show it" || return
	expect_rc 0 fwcmp disconnect "$DEV" "$h" || return
	echo "$out" | grep -q "handle $h disconnected" || fail "disconnect output: $out" || return
	wait_idle 0 || fail "resources not returned" || return
	# The handle is gone now.
	expect_rc 2 fwcmp disconnect "$DEV" "$h" || return
	echo "$err" | grep -q 'Invalid argument' || fail "second disconnect: $err"
}

case_persist_json() {
	local h ch bw pcr
	expect_rc 0 fwcmp connect "$DEV" --output 0 --persist --json || return
	echo "$out"
	json_check "$out" "device=$DEV" "direction=output" "index=0" "speed=S100" \
		"payload=122" "persistent=true" "overlay=false" || return
	h=$(json_get "$out" handle)
	ch=$(json_get "$out" channel)
	bw=$(json_get "$out" bandwidth)
	pcr=$(json_get "$out" pcr)
	[ "$(printf '0x%08x' "$(sim_reg 0 opcr0)")" = "$pcr" ] ||
		fail "pcr $pcr is not the ground truth $(printf '0x%08x' "$(sim_reg 0 opcr0)")" || return
	[ "$(pcr_channel "$(sim_reg 0 opcr0)")" = "$ch" ] || fail "channel $ch not in oPCR0" || return
	[ "$((BW0 - bw))" = "$(sim_irm bandwidth_available)" ] ||
		fail "bandwidth $bw, IRM has $(sim_irm bandwidth_available) of $BW0" || return
	expect_rc 0 fwcmp --json disconnect "$DEV" "$h" || return
	json_check "$out" "device=$DEV" "handle=$h" || return
	wait_idle 0
}

case_options() {
	local h pcr
	expect_rc 0 fwcmp connect "$DEV" --output 0 --channel 5 --speed S200 --payload 200 --persist || return
	h=$out
	pcr=$(sim_reg 0 opcr0)
	printf 'oPCR0 0x%08x\n' "$pcr"
	[ "$(pcr_channel "$pcr")" = 5 ] || fail "channel not 5" || return
	[ $(((pcr >> 14) & 3)) = 1 ] || fail "data rate not S200" || return
	[ $((pcr & 0x3ff)) = 200 ] || fail "payload not 200" || return
	! sim_channel_free 5 || fail "channel 5 free at the IRM" || return
	expect_rc 0 fwcmp --json plugs "$DEV" || return
	json_check "$out" "units.0.plugs.0.channel=5" "units.0.plugs.0.speed=S200" \
		"units.0.plugs.0.payload=200" "units.0.plugs.0.p2p=1" \
		"units.0.plugs.0.connected=true" \
		"units.0.plugs.0.bandwidth=$((BW0 - $(sim_irm bandwidth_available)))" || return
	expect_rc 0 fwcmp disconnect "$DEV" "$h" || return
	wait_idle 0
}

case_overlay() {
	local h1 h2
	expect_rc 0 fwcmp connect "$DEV" --output 0 --persist || return
	h1=$out
	expect_rc 2 fwcmp connect "$DEV" --output 0 --persist || return
	echo "$err" | grep -q 'Device or resource busy' || fail "no EBUSY: $err" || return
	expect_rc 0 fwcmp connect "$DEV" --output 0 --overlay --persist --json || return
	h2=$(json_get "$out" handle)
	json_check "$out" "bandwidth=0" "overlay=true" || return
	check_connected opcr0 2 || return
	expect_rc 0 fwcmp disconnect "$DEV" "$h1" || return
	check_connected opcr0 1 || return
	expect_rc 0 fwcmp disconnect "$DEV" "$h2" || return
	wait_idle 0
}

case_input() {
	local h
	expect_rc 0 fwcmp connect "$DEV" --input 0 --persist || return
	h=$out
	check_connected ipcr0 1 || return
	[ "$(pcr_p2p "$(sim_reg 0 opcr0)")" = 0 ] || fail "oPCR0 touched" || return
	expect_rc 0 fwcmp disconnect "$DEV" "$h" || return
	wait_idle 0
}

case_no_channel() {
	local dir hi ret=0
	irm=$(cat "$SIM/irm")
	case "$irm" in local*) dir=$SIM/local/regs ;; *) dir=$SIM/node${irm%% *}/regs ;; esac
	hi=$(($(cat "$dir/channels_available_hi")))
	printf '0x%08x' $((hi & ~(1 << (31 - 7)))) > "$dir/channels_available_hi"
	expect_rc 2 fwcmp connect "$DEV" --output 0 --channel 7 --persist || ret=1
	[ "$ret" = 0 ] && { echo "$err" | grep -q 'No space left on device' || fail "no ENOSPC: $err" || ret=1; }
	printf '0x%08x' "$hi" > "$dir/channels_available_hi"
	[ "$ret" = 0 ] || return 1
	sim_idle 0
}

# connect -- COMMAND: held while COMMAND runs, broken when it ends.
case_command() {
	local pcr
	expect_rc 0 fwcmp connect "$DEV" --output 0 -- sh -c '
		echo "channel=$FWCMP_CHANNEL handle=$FWCMP_HANDLE device=$FWCMP_DEVICE"
		sleep 1' || return
	echo "$out"
	echo "$out" | grep -q "^channel=[0-9]* handle=[1-9][0-9]* device=$DEV\$" ||
		fail "environment: $out" || return
	echo "$err" | grep -q 'disconnected' || fail "no disconnect message: $err" || return
	wait_idle 0 || fail "connection outlived the command" || return

	# While `sleep 1` runs the ground truth shows the connection.
	fwcmp connect "$DEV" --output 0 -- sleep 1 > /dev/null 2>&1 &
	bg_pid=$!
	wait_p2p 0 opcr0 1 || return
	check_connected opcr0 1 || return
	wait "$bg_pid" || fail "connect -- sleep 1 exited $?" || return
	bg_pid=""
	wait_idle 0 || fail "not broken after sleep 1 ended" || return

	# COMMAND's exit status, and 127 for a command not found.
	expect_rc 3 fwcmp connect "$DEV" --output 0 -- sh -c 'exit 3' || return
	expect_rc 127 fwcmp connect "$DEV" --output 0 -- /nonexistent || return
	wait_idle 0
}

case_sigterm() {
	fwcmp connect "$DEV" --output 0 > /dev/null 2> /tmp/fwcmp_term.err &
	bg_pid=$!
	wait_p2p 0 opcr0 1 || return
	kill -TERM "$bg_pid"
	wait "$bg_pid"
	rc=$?
	bg_pid=""
	cat /tmp/fwcmp_term.err
	[ "$rc" = 0 ] || fail "exit $rc after SIGTERM" || return
	grep -q 'disconnected' /tmp/fwcmp_term.err || fail "no explicit disconnect" || return
	wait_idle 0
}

case_sigkill() {
	fwcmp connect "$DEV" --output 0 > /dev/null 2>&1 &
	bg_pid=$!
	wait_p2p 0 opcr0 1 || return
	check_connected opcr0 1 || return
	kill -KILL "$bg_pid"
	wait "$bg_pid" 2>/dev/null
	bg_pid=""
	wait_idle 0 || fail "SIGKILL left the connection behind" || return

	# Killed while a command runs: the command keeps running, but it
	# does not hold the connection (the descriptor is close-on-exec).
	rm -f /tmp/fwcmp_cmd.pid
	fwcmp connect "$DEV" --output 0 -- \
		sh -c 'echo $$ > /tmp/fwcmp_cmd.pid; exec sleep 30' > /dev/null 2>&1 &
	bg_pid=$!
	wait_p2p 0 opcr0 1 || return
	kill -KILL "$bg_pid"
	wait "$bg_pid" 2>/dev/null
	bg_pid=""
	wait_idle 0 || fail "SIGKILL with a command left the connection behind"
	rc=$?
	[ -f /tmp/fwcmp_cmd.pid ] && kill "$(cat /tmp/fwcmp_cmd.pid)" 2>/dev/null
	return $rc
}

run_cases 11 \
	persist:case_persist \
	persist_json:case_persist_json \
	options:case_options \
	overlay:case_overlay \
	input:case_input \
	no_channel:case_no_channel \
	command:case_command \
	sigterm:case_sigterm \
	sigkill:case_sigkill
