#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make lint`: the two checks a kernel maintainer runs before reading a patch.
#  1. checkpatch.pl --strict, taken from the newest linux-source we pin (6.12)
#     so that its rules are current, over drivers/firewire/*.[ch] and
#     include/uapi/linux/*.h.
#  2. sparse (C=2: check every file, not only the ones being recompiled)
#     through the normal module build for the 6.1 lane; only findings in our
#     own files count, since the kernel's headers have sparse warnings of
#     their own that we cannot fix.
# Prints each finding and a summary; exits 1 if there is any.
#
# usage: lint.sh
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
cd "$top"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- checkpatch ---
src61=$("$here/kernel-src.sh" 6.1)
src612=$("$here/kernel-src.sh" 6.12)
for f in checkpatch.pl spelling.txt const_structs.checkpatch; do
	[ -f "$src612/scripts/$f" ] || { echo "lint: $src612/scripts/$f missing" >&2; exit 1; }
done
# checkpatch reads spelling.txt and const_structs.checkpatch from its own
# directory, so run a copy from a directory of our own. The "should be const"
# list is the structs const-able on both kernels we build for: 6.12's list
# has bus_type, kobj_type, ... that 6.1's APIs still take non-const.
cpdir=$tmp/checkpatch.d
mkdir "$cpdir"
cp "$src612/scripts/checkpatch.pl" "$src612/scripts/spelling.txt" "$cpdir/"
sort "$src61/scripts/const_structs.checkpatch" >"$tmp/cs61"
sort "$src612/scripts/const_structs.checkpatch" | comm -12 - "$tmp/cs61" \
	>"$cpdir/const_structs.checkpatch"

files=$(ls drivers/firewire/*.[ch] include/uapi/linux/*.h 2>/dev/null || true)
nfiles=$(echo "$files" | wc -w)
finding=': \(ERROR\|WARNING\|CHECK\):'
cp_findings=0
if [ -n "$files" ]; then
	# --no-tree: this is not a kernel tree. LINUX_VERSION_CODE is ignored
	# because our modules build against both 6.1 and 6.12 (fw_card_add()
	# changed), the one thing an in-tree driver never needs.
	# shellcheck disable=SC2086 # word splitting of $files is intended
	perl "$cpdir/checkpatch.pl" --no-tree --strict --file --terse \
		--show-types --no-summary --ignore LINUX_VERSION_CODE \
		$files >"$tmp/checkpatch.raw" 2>&1 || true
	# For the same reason drop CONSTANT_COMPARISON on version tests:
	# checkpatch takes the upper-case LINUX_VERSION_CODE for a constant.
	: >"$tmp/checkpatch"
	while IFS= read -r l; do
		case $l in
		*": WARNING:CONSTANT_COMPARISON:"*)
			f=${l%%:*}
			n=${l#*:}
			n=${n%%:*}
			sed -n "${n}p" "$f" | grep -q LINUX_VERSION_CODE && continue
			;;
		esac
		echo "$l" >>"$tmp/checkpatch"
	done <"$tmp/checkpatch.raw"
	cp_findings=$(grep -c "$finding" "$tmp/checkpatch" || true)
	if [ "$cp_findings" -gt 0 ]; then
		echo "== checkpatch --strict ($nfiles files)"
		grep "$finding" "$tmp/checkpatch"
	fi
	# Anything else checkpatch says (a perl error, a missing file) is a
	# broken tool, not a clean result.
	if grep -v "$finding" "$tmp/checkpatch" | grep -q .; then
		echo "== checkpatch said something unexpected:"
		grep -v "$finding" "$tmp/checkpatch"
		cp_findings=$((cp_findings + 1))
	fi
fi

# --- sparse ---
# build-modules.sh prints the build's output (where sparse reports) on stderr.
sp_status=0
"$here/build-modules.sh" 6.1 C=2 >"$tmp/modules-dir" 2>"$tmp/sparse" || sp_status=$?
out=$(cat "$tmp/modules-dir")
# Findings point into the per-kernel copy of the tree ($out/drivers/...);
# report them as repository paths. sparse continues a finding on lines with
# the same file:line:col prefix ("expected ...", "got ..."): keep those too,
# but count only the warning/error lines.
sed "s|^${out:-/nonexistent}/||" "$tmp/sparse" |
	grep '^\(drivers/firewire\|include/uapi/linux\)/[^:[:space:]]*:[0-9]' |
	awk '!seen[$0]++' >"$tmp/sparse-ours" || true
sp_findings=$(grep -c '^[^:]*:[0-9]*:\([0-9]*:\)\{0,1\} \(warning\|error\):' "$tmp/sparse-ours" || true)
if [ -s "$tmp/sparse-ours" ]; then
	echo "== sparse (6.1, C=2)"
	cat "$tmp/sparse-ours"
fi
if [ "$sp_status" -ne 0 ]; then
	echo "== module build with C=2 failed (exit $sp_status):"
	tail -n 30 "$tmp/sparse"
	sp_findings=$((sp_findings + 1))
fi

echo "lint: checkpatch $cp_findings finding(s) in $nfiles files," \
	"sparse $sp_findings finding(s)"
[ "$cp_findings" -eq 0 ] && [ "$sp_findings" -eq 0 ]
