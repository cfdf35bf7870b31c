#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# fwcmp watch: bus resets, a persistent connection lost to CLEAR_PLUG, the
# unit's removal (watch DEV then exits by itself), units that appear while
# watching everything, and --json as one valid object per line.

. "$(dirname "$0")/fwcmp_lib.sh"

bg_pid=""
cleanup() {
	[ -n "$bg_pid" ] && kill "$bg_pid" 2>/dev/null
	sim_teardown
}
trap cleanup EXIT

# wait_grep FILE REGEX [TENTHS]
wait_grep() {
	local i
	for i in $(seq "${3:-50}"); do
		grep -q "$2" "$1" && return 0
		sleep 0.1
	done
	echo "'$2' not in $1 after $((${3:-50} / 10)) s:"
	sed 's/^/    /' "$1"
	return 1
}

# wait_open PID FILE: until PID has FILE open (--json prints no banner).
wait_open() {
	local i
	for i in $(seq 100); do
		ls -l /proc/"$1"/fd 2>/dev/null | grep -q " $2\$" && return 0
		sleep 0.1
	done
	fail "pid $1 did not open $2 within 10 s"
}

bus_reset() {
	echo 1 > "$SIM_SYS/devices/fwsim$BUS/bus_reset"
}

# SIGTERM: a background job of a non-interactive shell ignores SIGINT.
stop_watch() {
	kill -TERM "$bg_pid" 2>/dev/null
	wait "$bg_pid"
	rc=$?
	bg_pid=""
	[ "$rc" = 0 ] || fail "watch exited $rc on SIGTERM"
}

case_bus_reset() {
	fwcmp watch "$DEV" > /tmp/fwcmp_watch.out 2>&1 &
	bg_pid=$!
	wait_grep /tmp/fwcmp_watch.out "watching $DEV" || return
	bus_reset
	wait_grep /tmp/fwcmp_watch.out "^$DEV: bus-reset generation [0-9]* node 0x[0-9a-f]* irm 0x[0-9a-f]*" || return
	stop_watch
}

case_json_lost() {
	local h
	expect_rc 0 fwcmp connect "$DEV" --output 0 --persist || return
	h=$out
	fwcmp watch --json "$DEV" > /tmp/fwcmp_watch.out 2>&1 &
	bg_pid=$!
	wait_open "$bg_pid" "$DEV" || return
	bus_reset
	wait_grep /tmp/fwcmp_watch.out '"event":"bus-reset"' || return
	expect_rc 0 fwcmp clear "$DEV" --output 0 || return
	wait_grep /tmp/fwcmp_watch.out '"event":"lost"' || return
	stop_watch || return
	cat /tmp/fwcmp_watch.out
	json_flat -v lines=1 < /tmp/fwcmp_watch.out > /tmp/fwcmp_flat ||
		fail "watch --json is not one JSON object per line" || return
	grep -q '^[0-9]*\.event=bus-reset$' /tmp/fwcmp_flat || fail "no bus-reset" || return
	grep -q '^[0-9]*\.irm_node_id=[0-9]*$' /tmp/fwcmp_flat || fail "no irm_node_id" || return
	grep -q "^[0-9]*\.handle=$h\$" /tmp/fwcmp_flat || fail "lost event without handle $h" || return
	grep -q '^[0-9]*\.reason=cleared$' /tmp/fwcmp_flat || fail "reason not cleared" || return
	wait_idle 0
}

case_removed() {
	fwcmp watch "$DEV" > /tmp/fwcmp_watch.out 2>&1 &
	bg_pid=$!
	wait_grep /tmp/fwcmp_watch.out "watching $DEV" || return
	echo 0 > "$SIM_SYS/devices/fwsim$BUS/del_node"
	wait_grep /tmp/fwcmp_watch.out "^$DEV: removed" || return
	# watch DEV ends by itself once its unit is gone.
	for i in $(seq 50); do
		kill -0 "$bg_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$bg_pid" 2>/dev/null && fail "watch still running" && return
	wait "$bg_pid" || fail "watch exited $? after removal" || return
	bg_pid=""
}

case_new_unit() {
	# fwcmp watch notices new /dev nodes through inotify.
	if [ ! -e /proc/sys/fs/inotify ]; then
		skip_reason="kernel without inotify"
		return 4
	fi
	fwcmp watch > /tmp/fwcmp_watch.out 2>&1 &
	bg_pid=$!
	wait_grep /tmp/fwcmp_watch.out "watching every unit" || return
	echo "index=0 irm=1" > "$SIM_SYS/devices/fwsim$BUS/new_node" || fail "new_node" || return
	sim_wait_dev 0 || return
	wait_grep /tmp/fwcmp_watch.out "^$DEV: watching" 200 || return
	stop_watch
}

run_cases 13 \
	bus_reset:case_bus_reset \
	json_lost:case_json_lost \
	removed:case_removed \
	new_unit:case_new_unit
