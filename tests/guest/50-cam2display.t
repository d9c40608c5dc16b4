#!/bin/bash
# The foundation demo as a test: vivid captures, vkms shows each frame from the
# camera's own dma-buf, and the vkms writeback PNG must show vivid's 75% colour
# bars at the display's mode size. Runs in the guest (tests/vm/run); without
# vkms (Debian's stock kernel) the display cases are skipped.
set -uo pipefail
top=${DMAHEAP_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${DMAHEAP_BUILD:-$top/build}
c2d=$build/examples/cam2display
out=$build/tests/cam2display
camera=vivid-000-vid-cap
n=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; }
check() { # check DESCRIPTION COMMAND...: one case from a command's status
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
comment() { sed 's/^/# /'; }

echo "1..6"

skip_reason=""
if [ ! -x "$c2d" ]; then
	skip_reason="$c2d is not built (ninja -C build)"
elif [ ! -d /sys/devices/platform/vkms ] && ! grep -qs '^vkms ' /sys/kernel/debug/dri/*/name; then
	skip_reason="no vkms display (${DMAHEAP_KERNEL:-this} kernel; use the test kernel)"
elif ! grep -qsx "$camera" /sys/class/video4linux/*/name; then
	skip_reason="no V4L2 device named $camera (modprobe vivid)"
fi

cases=("cam2display shows 5 vivid frames on vkms and writes the writeback PNG"
	"vkms scans out the camera's own dma-bufs (same inode)"
	"the PNG has the vkms mode's size"
	"the PNG shows vivid's 75% colour bars")
if [ -n "$skip_reason" ]; then
	for c in "${cases[@]}"; do
		skip "$c" "$skip_reason"
	done
else
	rm -rf "$out"
	mkdir -p "$out"
	png=$out/frame.png
	"$c2d" --camera "$camera" --frames 5 --output "$png" >"$out/run.log" 2>&1
	rc=$?
	comment <"$out/run.log"
	check "${cases[0]} (exit $rc)" test "$rc" = 0 -a -s "$png"

	buffers=$(grep -c '^buffer [0-9]*: dma-buf inode' "$out/run.log")
	same=$(grep -c '^buffer [0-9]*: dma-buf inode .* (same buffer)$' "$out/run.log")
	check "${cases[1]} ($same of $buffers buffers)" test "$buffers" -ge 2 -a "$same" = "$buffers"

	"$c2d" --check-bars "$png" >"$out/check.log" 2>&1
	bars_rc=$?
	comment <"$out/check.log"
	mode=$(sed -n 's/^display: .*, mode \([0-9]*x[0-9]*\),.*/\1/p' "$out/run.log")
	size=$(sed -n "s|^$png: \([0-9]*x[0-9]*\)\$|\1|p" "$out/check.log")
	check "${cases[2]} (mode '$mode', PNG '$size')" test -n "$mode" -a "$mode" = "$size"
	check "${cases[3]}" test "$bars_rc" = 0
fi

# Error paths need no display: they must be clear and distinguishable.
if [ -x "$c2d" ]; then
	msg=$("$c2d" --camera no-such-camera --frames 1 --output "$out/none.png" 2>&1)
	rc=$?
	comment <<<"$msg"
	check "a missing camera fails with status 1 and names it" \
		test "$rc" = 1 -a -n "$(grep -F "'no-such-camera'" <<<"$msg")"
	"$c2d" --frames 0 >/dev/null 2>&1
	rc=$?
	check "bad usage exits with status 2 (got $rc)" test "$rc" = 2
else
	skip "a missing camera fails with status 1 and names it" "$c2d is not built"
	skip "bad usage exits with status 2" "$c2d is not built"
fi
