#!/bin/bash
# The whole chain: vivid -> vicodec encoder -> decoder -> GPU (Mesa EGL on
# GBM, llvmpipe) -> vkms -> writeback PNG, every buffer from a dma-buf heap.
# The GPU imports the decoded NV12 dma-bufs as textures and renders into
# heap-allocated XRGB8888 targets that vkms scans out; the writeback PNG must
# show vivid's colour bars. Skipped without vkms, vicodec or Mesa EGL.
set -uo pipefail
top=${DMAHEAP_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${DMAHEAP_BUILD:-$top/build}
gpu=$build/examples/gpu-compose
c2d=$build/examples/cam2display
out=$build/tests/gpu-compose
n=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; }
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
comment() { sed 's/^/# /'; }
has_v4l2() { grep -qsx "$1" /sys/class/video4linux/*/name; }

echo "1..6"

skip_reason=""
if [ ! -x "$gpu" ]; then
	skip_reason="$gpu is not built (needs libegl-dev, libgles-dev, libgbm-dev)"
elif [ ! -d /sys/devices/platform/vkms ] && ! grep -qs '^vkms ' /sys/kernel/debug/dri/*/name; then
	skip_reason="no vkms display (${DMAHEAP_KERNEL:-this} kernel; use the test kernel)"
elif ! has_v4l2 stateful-encoder || ! has_v4l2 stateful-decoder; then
	skip_reason="no vicodec (stateful-encoder/-decoder) on the ${DMAHEAP_KERNEL:-this} kernel"
elif ! has_v4l2 vivid-000-vid-cap; then
	skip_reason="no vivid-000-vid-cap (modprobe vivid)"
elif ! ls /dev/dma_heap/* >/dev/null 2>&1; then
	skip_reason="no /dev/dma_heap (dmaheap modules not loaded)"
fi

cases=("gpu-compose runs 5 frames camera -> codec -> GPU -> display and writes the writeback PNG"
	"every buffer (camera, compressed, decoded, render target) comes from a dma-buf heap"
	"vkms scans out the GPU's heap render targets themselves (same inode)"
	"the report shows the decoded frames and render targets attached to the GPU/display device and 0 CPU copies"
	"the writeback PNG shows vivid's 75% colour bars"
	"camera -> GPU -> display with XRGB8888 (--no-codec) shows the colour bars too")
if [ -n "$skip_reason" ]; then
	for c in "${cases[@]}"; do
		skip "$c" "$skip_reason"
	done
else
	rm -rf "$out"
	mkdir -p "$out"
	"$gpu" --frames 5 --output "$out/frame.png" --report "$out/report.txt" >"$out/run.log" 2>&1
	rc=$?
	grep -v '^MESA-LOADER\|^failed to load driver\|^kmsro' "$out/run.log" | comment
	if [ "$rc" != 0 ] && grep -q 'maps imported dma-bufs with DRM_IOCTL_MODE_MAP_DUMB' "$out/run.log"; then
		# Mesa 22.3's llvmpipe on a KMS device (kms_swrast) cannot map an
		# imported dma-buf on Linux 6.1; gpu-compose says so before drawing.
		skip_reason="this Mesa's software GPU (kms_swrast) cannot map imported dma-bufs; needs a hardware GPU or a newer Mesa"
		for c in "${cases[@]}"; do
			skip "$c" "$skip_reason"
		done
		exit 0
	fi
	check "${cases[0]} (exit $rc)" test "$rc" = 0 -a -s "$out/frame.png"

	roles=$(awk '$2 == "inode" { sub(/\[.*/, "", $1); print $1 }' "$out/report.txt" | sort -u | tr '\n' ' ')
	bad=0
	for h in $(awk '$2 == "inode" { print $5 }' "$out/report.txt"); do
		[ -e "/dev/dma_heap/$h" ] || bad=$((bad + 1))
	done
	check "${cases[1]} (roles: $roles; $bad not from a heap)" \
		test "$roles" = "camera decoded fwht target " -a "$bad" = 0

	targets=$(grep -c '^target\[[0-9]*\]: dma-buf inode .*GEM handle' "$out/run.log")
	same=$(grep -c '^target\[[0-9]*\]: dma-buf inode .* (same buffer)$' "$out/run.log")
	check "${cases[2]} ($same of $targets)" test "$targets" -ge 2 -a "$same" = "$targets"

	attached=$(grep -c '^  \(decoded\|target\)\[[0-9]*\] .* devices .*vkms' "$out/report.txt")
	check "${cases[3]} ($attached decoded/target buffers attached)" \
		test "$attached" -ge 4 -a -n "$(grep '^  cpu-copies 0 ' "$out/report.txt")"

	"$c2d" --check-bars "$out/frame.png" >"$out/check.log" 2>&1
	rc=$?
	comment <"$out/check.log"
	check "${cases[4]}" test "$rc" = 0

	"$gpu" --no-codec --format XRGB8888 --frames 3 --output "$out/rgb.png" >"$out/rgb.log" 2>&1 &&
		"$c2d" --check-bars "$out/rgb.png" >>"$out/rgb.log" 2>&1
	rc=$?
	[ "$rc" = 0 ] || comment <"$out/rgb.log"
	check "${cases[5]}" test "$rc" = 0
fi
