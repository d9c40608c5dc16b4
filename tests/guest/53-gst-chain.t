#!/bin/bash
# examples/gst/chain.sh: camera -> FWHT encoder -> decoder -> display as one
# GStreamer pipeline with two dmaheappools, run with --check (through
# gst-pipeline-check): EOS, no copy in either pool, every dma-buf listed in
# debugfs bufinfo with the chosen heap as exporter, the two pools' dma-bufs
# distinct and recycled; the GPU stage (GStreamer GL on Mesa's software
# device, testbed/mesa-backports' Mesa) importing every decoded frame as a
# dma-buf (glupload's Dmabuf uploader, counted in its log); and a missing
# device named in the error. The run SKIPs on kernels without vkms, vicodec
# or a heap (Debian's stock kernel), the GPU case without GStreamer GL or a
# cached Mesa >= 24.1.
set -uo pipefail
top=${DMAHEAP_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${DMAHEAP_BUILD:-$top/build}
chain=$top/examples/gst/chain.sh
export GST_REGISTRY=${XDG_RUNTIME_DIR:-/tmp}/gst-registry.bin
. "$(dirname "$0")/gst-registry.sh"
gst_registry_seed "$GST_REGISTRY" plugin
export TMPDIR=${XDG_RUNTIME_DIR:-/tmp}
frames=30
. "$top/tests/tap.sh"

echo "1..6"

out=$("$chain" --camera no-such-camera 2>&1)
rc=$?
comment <<<"$out"
assert "a missing camera: exit status 1 and a message naming it" eval '[ "$rc" = 1 ] && grep -q "^chain: no .*\(no-such-camera\|V4L2 devices\)" <<<"$out"'

reason=""
[ -e /dev/dma_heap/system ] || reason="no /dev/dma_heap/system"
grep -qs '^vkms ' /sys/kernel/debug/dri/*/name || reason=${reason:-"no vkms display (${DMAHEAP_KERNEL:-this} kernel)"}
grep -qsx stateful-encoder /sys/class/video4linux/video*/name ||
	reason=${reason:-"no vicodec (${DMAHEAP_KERNEL:-this} kernel)"}
[ -x "$build/gst-plugin/tests/gst-pipeline-check" ] || reason=${reason:-"gst-pipeline-check is not built"}
. "$(dirname "$0")/gst-fwht.sh"
[ -n "$reason" ] || reason=$(gst_fwht_broken)
if [ -n "$reason" ]; then
	for what in "EOS" "0 copies in both pools" "bufinfo: every dma-buf from the heap" \
		"the pools' dma-bufs are distinct and recycled" "GPU stage: every frame imported as a dma-buf"; do
		skip "chain.sh --check: $what" "$reason"
	done
	exit 0
fi

out=$(timeout 400 "$chain" --check --frames $frames 2>&1)
rc=$?
comment <<<"$out"
heap=$(sed -n 's/^chain: .*, heap \([^,]*\), .*/\1/p' <<<"$out")
assert "chain.sh --check: EOS (heap ${heap:-?}, status $rc)" eval '[ "$rc" = 0 ] && grep -qx PASS <<<"$out"'

assert "chain.sh --check: 0 copies in both pools, $frames frames captured" eval 'grep -q "^camera-pool: frames $frames, .* copies 0$" <<<"$out" &&
	grep -q "^decoder-pool: frames [1-9][0-9]*, .* copies 0$" <<<"$out"'

n_cam=$(grep -c "^camera-pool: bufinfo inode [0-9]* exporter $heap " <<<"$out")
n_dec=$(grep -c "^decoder-pool: bufinfo inode [0-9]* exporter $heap " <<<"$out")
assert "bufinfo: all $((n_cam + n_dec)) dma-bufs ($n_cam camera, $n_dec decoder) exported by ${heap:-?}" eval '[ -n "$heap" ] && [ "$n_cam" -gt 0 ] && [ "$n_dec" -gt 0 ] &&
	! grep -q "^FAIL:" <<<"$out" &&
	[ "$(grep -c "bufinfo inode" <<<"$out")" = $((n_cam + n_dec)) ]'

inodes=$(sed -n 's/^[a-z]*-pool: bufinfo inode \([0-9]*\) .*/\1/p' <<<"$out")
assert "the two pools' dma-bufs are distinct inodes, recycled (fewer than $frames each)" eval '[ -n "$inodes" ] && [ "$(sort <<<"$inodes" | uniq -d)" = "" ] &&
	[ "$n_cam" -lt $frames ] && [ "$n_dec" -lt $frames ]'

if grep -q '^chain: gpu: glupload: ' <<<"$out"; then
	n_frames=$(sed -n 's/^decoder-pool: frames \([0-9]*\),.*/\1/p' <<<"$out")
	assert "GPU stage: glupload imported all ${n_frames:-?} decoded frames as dma-bufs (EGL dma-buf import), none through a CPU upload" eval '[ "$rc" = 0 ] && [ -n "$n_frames" ] &&
		grep -q "^chain: gpu: glupload: $n_frames of $n_frames decoder-pool frames imported as dma-bufs (uploader Dmabuf), 0 by other" <<<"$out"'
elif why=$(sed -n 's/^chain: no GPU stage (\(.*\)):.*/\1/p' <<<"$out" | grep .); then
	skip "GPU stage: every frame imported as a dma-buf" "$why"
else
	not_ok "GPU stage: chain.sh neither ran it nor said why not"
fi
