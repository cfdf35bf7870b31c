# SPDX-License-Identifier: GPL-2.0
# fwcmp_lib.sh - shared helpers of the fwcmp_*_test.sh command-line tests.
# Sourced, not run. Busybox sh compatible.
#
# KTAP output (ktap_*), firewire-sim control and ground truth (sim_*, read
# straight from firewire-sim's sysfs and debugfs, never through firewire-cmp;
# layout in Documentation/firewire/firewire-sim.rst), JSON checks (json_*,
# an awk JSON parser, as busybox has no jq), and running fwcmp with its exit
# code captured.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

SIM_SYS=/sys/bus/firewire-sim
SIM_DBG=/sys/kernel/debug/firewire-sim

ktap_n=0
ktap_fail=0
ktap_skipped=0

ktap_header() {	# ktap_header NUM_CASES
	echo "TAP version 13"
	echo "1..$1"
}

ktap_ok() {		# ktap_ok NAME
	ktap_n=$((ktap_n + 1))
	echo "ok $ktap_n $1"
}

ktap_not_ok() {	# ktap_not_ok NAME [why]
	ktap_n=$((ktap_n + 1))
	ktap_fail=$((ktap_fail + 1))
	echo "not ok $ktap_n $1${2:+ # $2}"
}

ktap_skip() {		# ktap_skip NAME REASON
	ktap_n=$((ktap_n + 1))
	ktap_skipped=$((ktap_skipped + 1))
	echo "ok $ktap_n $1 # SKIP $2"
}

# Skip the whole program (before any test point).
ktap_skip_all() {
	echo "TAP version 13"
	echo "1..0 # SKIP $1"
	exit $KSFT_SKIP
}

ktap_finish() {
	if [ "$ktap_fail" -gt 0 ]; then
		exit $KSFT_FAIL
	fi
	exit $KSFT_PASS
}

# Diagnostics go to the TAP stream as comments.
diag() {
	echo "# $*"
}

# Run one numbered case: run_case NAME FUNCTION. The function returns 0 for
# pass, 4 for skip (with the reason in $skip_reason), anything else for fail
# (with $fail_reason). The case's output is indented as TAP comments.
run_case() {
	local name=$1 fn=$2 rc
	fail_reason=""
	skip_reason=""
	"$fn" > /tmp/fwcmp_case.out 2>&1
	rc=$?
	# A failed case must not leave connections to the next one.
	command -v case_cleanup > /dev/null && case_cleanup >> /tmp/fwcmp_case.out 2>&1
	sed 's/^/# /' /tmp/fwcmp_case.out
	case $rc in
	0) ktap_ok "$name" ;;
	4) ktap_skip "$name" "${skip_reason:-skipped}" ;;
	*) ktap_not_ok "$name" "$fail_reason" ;;
	esac
}

# fail WHY: record the reason and return 1 from the case (use: fail "..."; return).
fail() {
	fail_reason=$*
	echo "FAIL: $*"
	return 1
}

# expect_rc WANT CMD...: run CMD, its stdout in $out, stderr in $err.
expect_rc() {
	local want=$1 got
	shift
	"$@" > /tmp/fwcmp_out 2> /tmp/fwcmp_err
	got=$?
	out=$(cat /tmp/fwcmp_out)
	err=$(cat /tmp/fwcmp_err)
	if [ "$got" != "$want" ]; then
		echo "\$ $*"
		echo "exit $got, want $want"
		echo "stdout: $out"
		echo "stderr: $err"
		fail_reason="'$*' exited $got, want $want"
		return 1
	fi
	return 0
}

# ---- JSON ----

# json_flat [-v lines=1] < JSON: the flattened "path=value" lines; fails on
# bad JSON. The awk program is kept here rather than in a file of its own so
# that the selftests Makefile, which installs lib/*.sh, installs it too.
FWCMP_JSON_AWK=$(cat <<'AWK'
# fwcmp_json.awk - validate JSON and flatten it to one "path=value" line per
# scalar, for shell tests on busybox (no jq). Paths join object keys and array
# indexes with dots: {"units":[{"guid":"0x1"}]} gives "units.0.guid=0x1".
# Strings are printed without quotes (escapes undone for \" \\ \/ \n \t),
# numbers, true, false and null as written; empty arrays/objects print
# "path=[]" / "path={}". Several top-level values (JSON Lines) are numbered:
# the first line's paths start with "0.", the next with "1.", ... when -v
# lines=1 is given. Exit status 1 (and a message on stderr) on a syntax error.

function err(msg) {
	printf "json: %s at offset %d near '%s'\n", msg, pos, substr(s, pos, 20) > "/dev/stderr"
	failed = 1
	exit 1
}

function ws() {
	while (pos <= len && index(" \t\n\r", substr(s, pos, 1)))
		pos++
}

function join(prefix, key) {
	return prefix == "" ? key : prefix "." key
}

function str(    c, out) {
	if (substr(s, pos, 1) != "\"")
		err("string expected")
	pos++
	out = ""
	while (pos <= len) {
		c = substr(s, pos, 1)
		if (c == "\"") {
			pos++
			return out
		}
		if (c == "\\") {
			c = substr(s, pos + 1, 1)
			if (c == "n") out = out "\n"
			else if (c == "t") out = out "\t"
			else if (c == "u") { out = out "\\u" substr(s, pos + 2, 4); pos += 4 }
			else if (index("\"\\/bfr", c)) out = out c
			else err("bad escape")
			pos += 2
			continue
		}
		if (c < " ")
			err("control character in string")
		out = out c
		pos++
	}
	err("unterminated string")
}

function value(path,    c, n, key, tok) {
	ws()
	c = substr(s, pos, 1)
	if (c == "{") {
		pos++
		ws()
		if (substr(s, pos, 1) == "}") {
			pos++
			print path "={}"
			return
		}
		for (;;) {
			ws()
			key = str()
			ws()
			if (substr(s, pos, 1) != ":")
				err("':' expected")
			pos++
			value(join(path, key))
			ws()
			c = substr(s, pos, 1)
			pos++
			if (c == "}")
				return
			if (c != ",")
				err("',' or '}' expected")
		}
	}
	if (c == "[") {
		pos++
		ws()
		if (substr(s, pos, 1) == "]") {
			pos++
			print path "=[]"
			return
		}
		for (n = 0; ; n++) {
			value(join(path, n))
			ws()
			c = substr(s, pos, 1)
			pos++
			if (c == "]")
				return
			if (c != ",")
				err("',' or ']' expected")
		}
	}
	if (c == "\"") {
		print path "=" str()
		return
	}
	tok = substr(s, pos)
	if (match(tok, /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/) ||
	    match(tok, /^(true|false|null)/)) {
		print path "=" substr(tok, 1, RLENGTH)
		pos += RLENGTH
		return
	}
	err("value expected")
}

{ s = s $0 "\n" }

END {
	if (failed)
		exit 1
	len = length(s)
	pos = 1
	ws()
	if (pos > len) {
		pos = 0
		err("no JSON value")
	}
	for (n = 0; pos <= len; n++) {
		value(lines ? n "" : "")
		ws()
		if (!lines && pos <= len)
			err("trailing data")
	}
}
AWK
)

json_flat() {
	awk "$@" "$FWCMP_JSON_AWK"
}

# json_check JSON_TEXT PATH=VALUE...: every PATH=VALUE line must be present.
json_check() {
	local json=$1 line
	shift
	if ! printf '%s\n' "$json" | json_flat > /tmp/fwcmp_flat; then
		echo "invalid JSON: $json"
		fail_reason="invalid JSON"
		return 1
	fi
	for line in "$@"; do
		if ! grep -qxF "$line" /tmp/fwcmp_flat; then
			echo "JSON lacks '$line'; has:"
			sed 's/^/    /' /tmp/fwcmp_flat
			fail_reason="JSON lacks $line"
			return 1
		fi
	done
	return 0
}

# json_get JSON_TEXT PATH: the value at PATH (empty if absent).
json_get() {
	printf '%s\n' "$1" | json_flat 2>/dev/null | sed -n "s|^$2=||p" | head -n 1
}

# json_keys JSON_TEXT PREFIX: the keys directly under PREFIX, sorted, one line.
json_keys() {
	printf '%s\n' "$1" | json_flat 2>/dev/null |
		sed -n "s|^$2\.\([^.=]*\)[.=].*|\1|p" | sort -u | tr '\n' ' '
}

# ---- firewire-sim ----

# sim_setup BUS: a bus with one default node (AV/C, 1 oPCR, 1 iPCR, IRM);
# sets DEV to its /dev/fwcmpN once firewire-cmp has bound it. Returns 4 with
# $skip_reason when something it needs is missing.
sim_setup() {
	BUS=$1
	modprobe firewire-sim 2>/dev/null
	modprobe firewire-cmp 2>/dev/null
	skip_reason="firewire-sim not loaded"
	[ -w "$SIM_SYS/new_device" ] || return $KSFT_SKIP
	skip_reason="firewire-cmp not loaded"
	[ -d /sys/class/fwcmp ] || return $KSFT_SKIP
	skip_reason="fwcmp not installed"
	command -v fwcmp > /dev/null || return $KSFT_SKIP
	skip_reason=""
	echo "$BUS 1" > "$SIM_SYS/new_device" || return 1
	SIM=$SIM_DBG/fwsim$BUS
	sim_wait_dev 0
}

sim_teardown() {
	[ -n "${BUS:-}" ] && [ -d "$SIM_SYS/devices/fwsim$BUS" ] &&
		echo "$BUS" > "$SIM_SYS/del_device"
	BUS=""
}

# sim_wait_dev NODE: wait for the /dev/fwcmpN of NODE (by GUID); sets DEV.
sim_wait_dev() {
	local guid i d
	guid=$(cat "$SIM/node$1/guid") || return 1
	for i in $(seq 100); do
		for d in /sys/class/fwcmp/fwcmp*; do
			[ -f "$d/guid" ] || continue
			if [ "$(($(cat "$d/guid")))" = "$((guid))" ] &&
			   [ -c "/dev/${d##*/}" ] &&
			   [ "$(cat "$d/output_plugs")" != 0 ]; then
				DEV=/dev/${d##*/}
				GUID=$(printf '0x%016x' "$((guid))")
				return 0
			fi
		done
		sleep 0.1
	done
	echo "no /dev/fwcmpN for node $1 (GUID $guid) with plugs after 10 s"
	return 1
}

# sim_reg NODE REG: a register's value as a decimal number.
sim_reg() {
	echo $(($(cat "$SIM/node$1/regs/$2")))
}

# The IRM's registers, wherever the IRM is (a node or the local node).
sim_irm() {
	local irm
	irm=$(cat "$SIM/irm")
	case "$irm" in
	local*) echo $(($(cat "$SIM/local/regs/$1"))) ;;
	*) echo $(($(cat "$SIM/node${irm%% *}/regs/$1"))) ;;
	esac
}

# Free channels at the IRM (set bits of CHANNELS_AVAILABLE_HI/LO).
sim_free_channels() {
	local hi lo n=0 i
	hi=$(sim_irm channels_available_hi)
	lo=$(sim_irm channels_available_lo)
	for i in $(seq 0 31); do
		[ $(((hi >> i) & 1)) = 1 ] && n=$((n + 1))
		[ $(((lo >> i) & 1)) = 1 ] && n=$((n + 1))
	done
	echo $n
}

# Is channel C free at the IRM? (channel 0 is bit 31 of HI)
sim_channel_free() {
	local c=$1 reg
	if [ "$c" -lt 32 ]; then
		reg=$(sim_irm channels_available_hi)
		[ $(((reg >> (31 - c)) & 1)) = 1 ]
	else
		reg=$(sim_irm channels_available_lo)
		[ $(((reg >> (63 - c)) & 1)) = 1 ]
	fi
}

# PCR fields of a ground-truth value.
pcr_p2p() { echo $((($1 >> 24) & 0x3f)); }
pcr_channel() { echo $((($1 >> 16) & 0x3f)); }

# sim_idle NODE: the ground truth has no connection on NODE's plugs and the
# IRM holds only what it held at the start ($BW0, $CH0 from sim_snapshot).
sim_snapshot() {
	BW0=$(sim_irm bandwidth_available)
	CH0=$(sim_free_channels)
}

sim_idle() {
	local opcr ipcr bw ch
	opcr=$(sim_reg "$1" opcr0)
	ipcr=$(sim_reg "$1" ipcr0)
	bw=$(sim_irm bandwidth_available)
	ch=$(sim_free_channels)
	if [ "$(pcr_p2p "$opcr")" != 0 ] || [ "$(pcr_p2p "$ipcr")" != 0 ] ||
	   [ "$bw" != "$BW0" ] || [ "$ch" != "$CH0" ]; then
		printf 'not idle: oPCR0 0x%08x iPCR0 0x%08x bandwidth %s (want %s) free channels %s (want %s)\n' \
			"$opcr" "$ipcr" "$bw" "$BW0" "$ch" "$CH0"
		return 1
	fi
	return 0
}

# wait_idle NODE [TENTHS]: poll sim_idle for up to TENTHS/10 s (default 5 s).
wait_idle() {
	local i
	for i in $(seq "${2:-50}"); do
		sim_idle "$1" > /dev/null && return 0
		sleep 0.1
	done
	sim_idle "$1"
}

# wait_p2p NODE REG COUNT [TENTHS]: wait until the plug's p2p counter is COUNT.
wait_p2p() {
	local i
	for i in $(seq "${4:-50}"); do
		[ "$(pcr_p2p "$(sim_reg "$1" "$2")")" = "$3" ] && return 0
		sleep 0.1
	done
	printf '%s p2p is %s, want %s\n' "$2" "$(pcr_p2p "$(sim_reg "$1" "$2")")" "$3"
	return 1
}

# run_cases BUS NAME:FUNCTION...: the KTAP plan, a simulated unit on bus BUS
# (every case skipped, exit 4, when the modules or fwcmp are missing), then
# each case in order; exits 0 when all passed, 1 otherwise.
run_cases() {
	local bus=$1 c rc=0
	shift
	ktap_header $#
	sim_setup "$bus" || rc=$?
	if [ "$rc" != 0 ]; then
		for c in "$@"; do
			if [ "$rc" = $KSFT_SKIP ]; then
				ktap_skip "${c%%:*}" "$skip_reason"
			else
				ktap_not_ok "${c%%:*}" "no simulated unit on bus $bus"
			fi
		done
		[ "$rc" = $KSFT_SKIP ] && exit $KSFT_SKIP
		exit $KSFT_FAIL
	fi
	sim_snapshot
	if command -v case_precheck > /dev/null && ! case_precheck; then
		for c in "$@"; do ktap_skip "${c%%:*}" "$skip_reason"; done
		exit $KSFT_SKIP
	fi
	for c in "$@"; do
		run_case "${c%%:*}" "${c#*:}"
	done
	ktap_finish
}
