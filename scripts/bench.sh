#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make bench`: firewire-cmp against libiec61883, side by side in one boot.
#
# On the host it boots Debian's 6.1 kernel in QEMU with our modules through
# tools/testing/selftests/firewire/vmtest.sh --script, which runs this same
# file inside the guest. There tools/fwcmp-bench (fwcmp-bench.c) builds one
# simulated bus and measures both implementations on it: bus transactions per
# connect and disconnect, bus-reset recovery at 0, 100 and 1000 us per transaction,
# connect+disconnect cycles per second, and kernel memory. The host prints
# the table and stores the numbers as JSON in $FWCMP_CACHE/bench/.
# Method and results: Documentation/firewire/firewire-cmp-performance.rst.
#
# usage: scripts/bench.sh [--quick] [LANE]   (LANE: 6.1 by default;
#                                             --quick: 3 repetitions, not 5)
set -eu

# ---- in the guest ----
if [ -f /selftests/lane ] && [ -n "${FWCMP_LANE:-}" ]; then
	args=""
	[ -f /selftests/bench-quick ] && args=--quick
	exec fwcmp-bench $args
fi

# ---- on the host ----
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
quick=0
if [ "${1:-}" = --quick ]; then
	quick=1
	shift
fi
lane=${1:-6.1}
cache=${FWCMP_CACHE:-/var/cache/firewire-cmp}
mkdir -p "$cache/logs" "$cache/bench"
log=$cache/logs/bench.log
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=$cache/bench/bench-$stamp.out
json=$cache/bench/bench-$stamp.json

# The guest learns about --quick from a marker next to the script.
script=$here/bench.sh
if [ "$quick" = 1 ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	{ head -n 1 "$here/bench.sh"; echo 'touch /selftests/bench-quick'
	  tail -n +2 "$here/bench.sh"; } > "$tmp/bench.sh"
	script=$tmp/bench.sh
fi

echo "bench: building firewire-cmp, firewire-sim and fwcmp-bench for $lane and booting it in QEMU"
echo "bench: (a few minutes under TCG; build and boot messages in $log)"
start=$(date +%s)
rc=0
"$top/tools/testing/selftests/firewire/vmtest.sh" --lanes "$lane" \
	--test-timeout 570 --timeout 600 --script "$script" \
	>"$out" 2>"$log" || rc=$?
sed '/^--- json ---$/,/^--- end json ---$/d' "$out"
if [ "$rc" != 0 ]; then
	echo "bench: failed (exit $rc); from $log:" >&2
	grep -E '^# vmtest|error|Error' "$log" | tail -n 20 >&2
	exit "$rc"
fi
sed -n '/^--- json ---$/,/^--- end json ---$/p' "$out" | sed '1d;$d' > "$json"
if ! [ -s "$json" ] || { command -v python3 >/dev/null &&
	! python3 -m json.tool "$json" >/dev/null 2>&1; }; then
	echo "bench: no valid JSON in the guest's output ($out)" >&2
	exit 1
fi
ln -sf "$(basename "$json")" "$cache/bench/latest.json"
echo "bench: results in $json (took $(( $(date +%s) - start )) s)"
