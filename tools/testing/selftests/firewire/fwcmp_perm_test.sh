#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Access to /dev/fwcmpN as udev/60-firewire-cmp.rules sets it up (root:video,
# 0660): a user outside "video" gets EACCES on open (exit 2), a member can
# read, connect and disconnect, and clear still needs CAP_SYS_ADMIN (EPERM).
# The guest has no udev, so the rule's GROUP and MODE are applied by hand.

. "$(dirname "$0")/fwcmp_lib.sh"

cleanup() {
	[ -f /tmp/fwcmp_group.orig ] && cp /tmp/fwcmp_group.orig /etc/group
	sim_teardown
}
trap cleanup EXIT

# as_nobody CMD: run a shell command line as user nobody (uid 65534).
as_nobody() {
	su -s /bin/sh nobody -c "$*"
}

apply_rule() {
	chown root:video "$DEV" && chmod 0660 "$DEV"
}

case_rule_mode() {
	local mode
	apply_rule || fail "chown/chmod failed" || return
	mode=$(stat -c '%a %U %G' "$DEV")
	[ "$mode" = "660 root video" ] || fail "mode '$mode'"
}

case_not_in_video() {
	expect_rc 0 as_nobody id || return
	echo "$out"
	echo "$out" | grep -q 'video' && { fail "nobody is in video"; return; }
	expect_rc 2 as_nobody fwcmp plugs "$DEV" || return
	echo "$err" | grep -q "$DEV: open: Permission denied" || fail "no EACCES: $err" || return
	expect_rc 2 as_nobody fwcmp connect "$DEV" --output 0 --persist || return
	echo "$err" | grep -q 'Permission denied' || fail "no EACCES: $err" || return
	expect_rc 2 as_nobody fwcmp list || return
	sim_idle 0
}

case_video_member() {
	local h
	cp /etc/group /tmp/fwcmp_group.orig
	sed -i 's/^video:x:44:.*/video:x:44:nobody/' /etc/group
	expect_rc 0 as_nobody id || return
	echo "$out" | grep -q '44(video)' || fail "nobody not in video: $out" || return
	expect_rc 0 as_nobody fwcmp plugs "$DEV" || return
	expect_rc 0 as_nobody fwcmp connect "$DEV" --output 0 --persist || return
	h=$out
	wait_p2p 0 opcr0 1 || return
	# clear needs CAP_SYS_ADMIN, whatever the file mode.
	expect_rc 2 as_nobody fwcmp clear "$DEV" --output 0 || return
	echo "$err" | grep -q 'Operation not permitted' || fail "no EPERM: $err" || return
	expect_rc 0 as_nobody fwcmp disconnect "$DEV" "$h" || return
	wait_idle 0
}

case_precheck() {
	skip_reason="no video group, nobody user or su"
	grep -q '^video:' /etc/group && grep -q '^nobody:' /etc/passwd &&
		su -s /bin/sh nobody -c true 2>/dev/null
}

run_cases 12 \
	rule_mode:case_rule_mode \
	not_in_video:case_not_in_video \
	video_member:case_video_member
