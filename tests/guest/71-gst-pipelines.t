#!/bin/bash
# The dmaheappool element in real pipelines, run to EOS by
# build/gst-plugin/tests/gst-pipeline-check, which checks that every buffer
# leaving dmaheappool was exported by the chosen heap (fdinfo) and that
# nothing was copied: videotestsrc and vivid (dmabuf-import) to kmssink on
# vkms, vivid through the vicodec FWHT encoder and decoder with both
# dmaheappools (the decoder writing into the second), vivid's dma-contig
# device importing CMA heap buffers (and refusing system heap ones with an
# error, not a hang), the CMA heap running out mid-stream, and an unknown
# heap. Cases needing vkms, a CMA heap or vicodec SKIP on kernels without
# them (Debian's stock kernel).
set -uo pipefail
top=${DMAHEAP_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${DMAHEAP_BUILD:-$top/build}
check_exe=$build/gst-plugin/tests/gst-pipeline-check
export GST_PLUGIN_PATH=$build/gst-plugin
export GST_REGISTRY=${XDG_RUNTIME_DIR:-/tmp}/gst-registry.bin
. "$(dirname "$0")/gst-registry.sh"
gst_registry_seed "$GST_REGISTRY" plugin
# the host's root (and its /tmp) is read-only in the guest
export TMPDIR=${XDG_RUNTIME_DIR:-/tmp}
frames=30
. "$top/tests/tap.sh"

# why REASON...: the first non-empty reason to skip, or nothing
why() {
	local r
	for r; do [ -n "$r" ] && { echo "$r"; return; }; done
}

# video_device NAME: /dev/videoN of the V4L2 device called NAME, or nothing
video_device() {
	local d
	for d in /sys/class/video4linux/video*; do
		[ "$(cat "$d/name" 2>/dev/null)" = "$1" ] && { echo "/dev/${d##*/}"; return; }
	done
}

# pipeline DESCRIPTION REASON-TO-SKIP CHECK-OPTIONS... -- PIPELINE
pipeline() {
	local desc=$1 skip_reason=$2
	shift 2
	local opts=()
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	if [ -n "$skip_reason" ]; then
		skip "$desc" "$skip_reason"
		return
	fi
	local log rc
	echo "# gst-pipeline-check ${opts[*]} '$*'"
	log=$(timeout 300 "$check_exe" "${opts[@]}" "$*" 2>&1)
	rc=$?
	comment <<<"$log"
	if [ "$rc" = 0 ]; then ok "$desc"; else not_ok "$desc (status $rc)"; fi
}

echo "1..12"
if [ ! -x "$check_exe" ] || [ ! -f "$build/gst-plugin/libgstdmaheap.so" ]; then
	for i in $(seq 12); do
		skip "case $i" "the plugin or $check_exe is not built (ninja -C build)"
	done
	exit 0
fi

props=$(gst-inspect-1.0 dmaheappool 2>&1)
missing=""
for p in heap usage devices min-buffers max-buffers stride-align per-plane-memory copies; do
	grep -q "^  $p  *: ..*" <<<"$props" || missing="$missing $p"
done
if [ -z "$missing" ] && grep -q "SINK template" <<<"$props"; then
	ok "gst-inspect-1.0 dmaheappool documents every property and pad template"
else
	comment <<<"$props"
	not_ok "gst-inspect-1.0 dmaheappool: missing${missing:- pad templates}"
fi

no_vkms=""
grep -qs '^vkms ' /sys/kernel/debug/dri/*/name || [ -d /sys/devices/platform/vkms ] ||
	no_vkms="no vkms display (${DMAHEAP_KERNEL:-this} kernel)"
no_heap=""
[ -e /dev/dma_heap/system ] || no_heap="no /dev/dma_heap/system"
cma=""
for h in default_cma_region linux,cma reserved; do
	[ -e "/dev/dma_heap/$h" ] && { cma=$h; break; }
done
camera_heap=${cma:-system}
cap0=$(video_device vivid-000-vid-cap)
cap1=$(video_device vivid-001-vid-cap)
enc=$(video_device stateful-encoder)
no_cap0=""
[ -n "$cap0" ] || no_cap0="no V4L2 device named vivid-000-vid-cap"
no_cap1=""
[ -n "$cap1" ] || no_cap1="no V4L2 device named vivid-001-vid-cap (vivid with allocators=0,1)"
raw="video/x-raw,format=BGRx,width=640,height=480"

pipeline "videotestsrc ! dmaheappool heap=system ! kmssink driver-name=vkms: EOS, 0 copies, every buffer from system" \
	"$(why "$no_heap" "$no_vkms")" --heap=system --copies=0 --frames=$frames --attached=vkms -- \
	videotestsrc num-buffers=$frames ! $raw ! dmaheappool heap=system ! kmssink driver-name=vkms

pipeline "videotestsrc NV12 ! dmaheappool per-plane-memory=true stride-align=256 ! fakesink: 0 copies" \
	"$no_heap" --heap=system --copies=0 --frames=$frames -- \
	videotestsrc num-buffers=$frames ! video/x-raw,format=NV12,width=320,height=240 ! \
	dmaheappool heap=system per-plane-memory=true stride-align=256 ! fakesink

# sync=false: every frame reaches the display. A synchronised sink drops
# late frames before importing them, and a buffer that only ever carried
# late frames is never attached to vkms (2 of 4 on the 7.3 kernel with KASAN).
pipeline "v4l2src (vivid-000) io-mode=dmabuf-import ! dmaheappool usage=camera ! kmssink driver-name=vkms: 0 copies, every buffer from $camera_heap" \
	"$(why "$no_heap" "$no_vkms" "$no_cap0")" --heap=$camera_heap --copies=0 --frames=$frames --attached=vkms -- \
	v4l2src device=$cap0 io-mode=dmabuf-import num-buffers=$frames ! $raw ! \
	dmaheappool usage=camera ! kmssink driver-name=vkms sync=false

no_cma=""
[ -n "$cma" ] || no_cma="no CMA heap (${DMAHEAP_KERNEL:-this} kernel)"
pipeline "v4l2src (vivid-000) io-mode=dmabuf-import ! dmaheappool usage=camera ! fakesink: 0 copies, every buffer from $camera_heap" \
	"$(why "$no_heap" "$no_cap0")" --heap=$camera_heap --copies=0 --frames=$frames -- \
	v4l2src device=$cap0 io-mode=dmabuf-import num-buffers=$frames ! $raw ! \
	dmaheappool usage=camera ! fakesink

pipeline "vivid-001 (dma-contig) imports CMA heap buffers (${cma:-no CMA heap}): EOS, 0 copies" \
	"$(why "$no_heap" "$no_cap1" "$no_cma")" --heap=$cma --copies=0 --frames=$frames -- \
	v4l2src device=$cap1 io-mode=dmabuf-import num-buffers=$frames ! $raw ! \
	dmaheappool heap=$cma ! fakesink

pipeline "vivid-001 (dma-contig) refuses system heap buffers with an error, not a hang" \
	"$(why "$no_heap" "$no_cap1")" --expect-error="memory" --timeout=60 -- \
	v4l2src device=$cap1 io-mode=dmabuf-import num-buffers=$frames ! $raw ! \
	dmaheappool heap=system ! fakesink

# Device-aware mode: dmaheappool devices=... allocates from the heap
# libdmaheap chooses for the devices (docs/device-choice.md): scattered
# memory for vivid-000 (vmalloc) and vkms, CMA for vivid-001 (dma-contig).
disp=""
for f in /sys/kernel/debug/dri/[0-9]*/name; do
	[ "$(cut -d' ' -f1 "$f" 2>/dev/null)" = vkms ] || continue
	f=${f%/name}
	[ -e "/dev/dri/card${f##*/}" ] && { disp=/dev/dri/card${f##*/}; break; }
done
for_devices=""
if [ -n "$cap0" ] && [ -n "$disp" ]; then
	for_devices=$("$build/tools/dmaheap" constraints --json "$cap0" "$disp" 2>/dev/null |
		python3 -c 'import json, sys
j = json.load(sys.stdin)
print(j["heap"] if all(d["contiguous"] is not None for d in j["devices"]) else "unknown")' 2>/dev/null)
fi
no_choice=""
case "$for_devices" in
"") no_choice="no heap chosen for vivid-000 and vkms" ;;
unknown) no_choice="whether vivid-000 or vkms needs contiguous memory is not known on this kernel (dmaheap constraints $cap0 $disp says why)" ;;
"$cma") no_choice="libdmaheap chose CMA ($cma) for vivid-000 and vkms" ;;
esac
pipeline "v4l2src (vivid-000) ! dmaheappool devices=vivid-000,vkms ! kmssink: every buffer from ${for_devices:-the chosen heap}, not CMA" \
	"$(why "$no_heap" "$no_vkms" "$no_cap0" "$no_choice")" --heap=$for_devices --copies=0 --frames=$frames --attached=vkms -- \
	v4l2src device=$cap0 io-mode=dmabuf-import num-buffers=$frames ! $raw ! \
	dmaheappool devices=$cap0,$disp ! kmssink driver-name=vkms sync=false

pipeline "v4l2src (vivid-001, dma-contig) ! dmaheappool devices=vivid-001 ! fakesink: every buffer from $cma" \
	"$(why "$no_heap" "$no_cap1" "$no_cma")" --heap=$cma --copies=0 --frames=$frames -- \
	v4l2src device=$cap1 io-mode=dmabuf-import num-buffers=$frames ! $raw ! \
	dmaheappool devices=$cap1 ! fakesink

no_codec=""
[ -n "$enc" ] || no_codec="no vicodec stateful-encoder (${DMAHEAP_KERNEL:-this} kernel)"
gst-inspect-1.0 v4l2fwhtenc >/dev/null 2>&1 || no_codec=${no_codec:-"no v4l2fwhtenc element"}
. "$(dirname "$0")/gst-fwht.sh"
[ -n "$no_codec" ] || no_codec=$(gst_fwht_broken)
# The decoder writes into the second dmaheappool's buffers
# (capture-io-mode=dmabuf-import). It decodes into NV12, the stream's own
# 4:2:0: vicodec decodes only into a format with the stream's chroma
# subsampling and raises a source change on every frame otherwise (then
# nothing is decoded and v4l2fwhtdec 1.22 waits forever at EOS). vkms scans
# out only RGB, so videoconvert converts for the display, after the pools.
# kmssink sync=false: under emulation frames are late, and the decoder would
# drop late ones (QoS); only the frame or two of the first source change go.
pipeline "vivid ! dmaheappool ! v4l2fwhtenc dmabuf-import ! v4l2fwhtdec dmabuf-import ! dmaheappool ! videoconvert ! kmssink: EOS, 0 copies, both pools' buffers from $camera_heap" \
	"$(why "$no_heap" "$no_vkms" "$no_codec" "$no_cap0")" --heap=$camera_heap --copies=0 --frames=$frames \
	--min-frames=$((frames - 2)) --bufinfo -- \
	v4l2src device=$cap0 io-mode=dmabuf-import num-buffers=$frames ! video/x-raw,format=NV12,width=640,height=480 ! \
	dmaheappool usage=camera ! v4l2fwhtenc output-io-mode=dmabuf-import ! \
	v4l2fwhtdec capture-io-mode=dmabuf-import ! video/x-raw,format=NV12 ! dmaheappool usage=camera ! \
	videoconvert ! video/x-raw,format=BGRx ! kmssink driver-name=vkms sync=false

# The producer allocates from the pool while a sink holds its frames (the
# second frame is due 100 s later, the queue fills): 64 MiB frames exhaust
# the 128 MiB CMA area after a frame or two. dmaheappool posts the error,
# naming the heap, before the source's "Internal data stream error".
pipeline "the CMA heap running out mid-stream (64 MiB frames, a sink holding them): an error naming the heap, no hang" \
	"$(why "$no_heap" "$no_cma")" --expect-error="from dma-buf heap '$cma'" --timeout=120 -- \
	videotestsrc num-buffers=10 ! video/x-raw,format=BGRx,width=4096,height=4096,framerate=1/100 ! \
	dmaheappool heap=$cma min-buffers=0 ! queue max-size-buffers=4 max-size-bytes=0 max-size-time=0 ! \
	fakesink sync=true

pipeline "an unknown heap fails the pipeline with an error naming it" \
	"" --expect-error=no-such-heap --timeout=30 -- \
	videotestsrc num-buffers=1 ! dmaheappool heap=no-such-heap ! fakesink
