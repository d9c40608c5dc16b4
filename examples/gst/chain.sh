#!/bin/bash
# camera -> encoder -> decoder -> display as one gst-launch pipeline on
# dma-buf heap buffers: the camera captures into a dmaheappool's buffers
# (io-mode=dmabuf-import), the encoder reads them in place, the decoder
# writes into a second dmaheappool's buffers, and the display shows the
# frames. Devices are found by name, never by /dev/videoN number.
# See usage() and examples/README.md.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

usage() {
	cat <<USAGE
usage: examples/gst/chain.sh [OPTIONS]

Runs, with gst-launch-1.0 (or, with --check, gst-pipeline-check):

  v4l2src (CAMERA, io-mode=dmabuf-import) ! NV12 ! dmaheappool
    ! v4l2fwhtenc (ENCODER, output-io-mode=dmabuf-import)
    ! v4l2fwhtdec (DECODER, capture-io-mode=dmabuf-import) ! NV12 ! dmaheappool
    ! videoconvert ! BGRx ! kmssink (DISPLAY)

The decoder decodes into the stream's own NV12 (vicodec cannot decode into
another subsampling); videoconvert converts it on the CPU for displays that
scan out only RGB, such as vkms. Both dmaheappools allocate from HEAP.

  --frames N        frames to capture (default 60)
  --size WxH        camera resolution (default 640x480)
  --camera NAME     V4L2 capture device name (default vivid-000-vid-cap)
  --encoder NAME    V4L2 FWHT encoder name (default stateful-encoder, vicodec)
  --decoder NAME    V4L2 FWHT decoder name (default stateful-decoder, vicodec)
  --display DRIVER  DRM driver kmssink uses (default vkms)
  --heap NAME       heap for both pools (default: the libdmaheap policy's
                    first working heap for usage 'camera': CMA, then system)
  --no-convert      give the decoded NV12 to the display as it is (displays
                    that scan out NV12); then the display imports heap buffers
  --check           run with build/gst-plugin/tests/gst-pipeline-check: EOS,
                    0 copies in both pools, every dma-buf from HEAP in bufinfo
  -h, --help        this text

Device names are the ones in /sys/class/video4linux/*/name (v4l2-ctl -D -d
/dev/videoN shows them too). Exit status: 0 success, 1 failure, 2 bad usage.
USAGE
}

frames=60
size=640x480
camera=vivid-000-vid-cap
encoder=stateful-encoder
decoder=stateful-decoder
display=vkms
heap=""
convert=1
check=0
while [ $# -gt 0 ]; do
	case "$1" in
	--frames | --size | --camera | --encoder | --decoder | --display | --heap)
		[ $# -ge 2 ] || { echo "chain: $1 needs a value" >&2; exit 2; }
		set -- "$1=$2" "${@:3}"
		continue
		;;
	--frames=*) frames=${1#--frames=} ;;
	--size=*) size=${1#--size=} ;;
	--camera=*) camera=${1#--camera=} ;;
	--encoder=*) encoder=${1#--encoder=} ;;
	--decoder=*) decoder=${1#--decoder=} ;;
	--display=*) display=${1#--display=} ;;
	--heap=*) heap=${1#--heap=} ;;
	--no-convert) convert=0 ;;
	--check) check=1 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "chain: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
	shift
done
case "$frames" in '' | *[!0-9]* | 0) echo "chain: --frames wants a positive number, not '$frames'" >&2; exit 2 ;; esac
[[ "$size" =~ ^([1-9][0-9]*)x([1-9][0-9]*)$ ]] ||
	{ echo "chain: --size wants WxH, e.g. 640x480, not '$size'" >&2; exit 2; }
width=${BASH_REMATCH[1]} height=${BASH_REMATCH[2]}

die() {
	echo "chain: $*" >&2
	exit 1
}

# video_device NAME: /dev/videoN of the V4L2 device called NAME
video_device() {
	local d
	for d in /sys/class/video4linux/video*; do
		[ "$(cat "$d/name" 2>/dev/null)" = "$1" ] && { echo "/dev/${d##*/}"; return 0; }
	done
	return 1
}

# v4l2_element SUFFIX DEVICE: the GStreamer element (v4l2fwhtenc,
# v4l2video5fwhtenc, ...) bound to DEVICE; GStreamer makes one per device
v4l2_element() {
	local el
	for el in $(gst-inspect-1.0 video4linux2 2>/dev/null | grep -o "v4l2[a-z0-9]*$1" | sort -u); do
		if gst-inspect-1.0 "$el" 2>/dev/null | grep -A3 '^  device ' | grep -q "Default: \"$2\""; then
			echo "$el"
			return 0
		fi
	done
	return 1
}

command -v gst-launch-1.0 >/dev/null ||
	die "no gst-launch-1.0: install gstreamer1.0-tools (and gstreamer1.0-plugins-good, -bad, -base)"
[ -d /sys/class/video4linux ] || die "no V4L2 devices at all (/sys/class/video4linux is missing)"
cam_dev=$(video_device "$camera") ||
	die "no V4L2 device named '$camera' (/sys/class/video4linux/*/name): load vivid (modprobe vivid), or name your camera with --camera"
enc_dev=$(video_device "$encoder") ||
	die "no V4L2 device named '$encoder': load vicodec (modprobe vicodec), or name your FWHT encoder with --encoder"
dec_dev=$(video_device "$decoder") ||
	die "no V4L2 device named '$decoder': load vicodec (modprobe vicodec), or name your FWHT decoder with --decoder"
# drm_driver_present DRIVER: a DRM card whose driver is DRIVER
drm_driver_present() {
	local c drv
	for c in /sys/class/drm/card[0-9]*; do
		drv=$(readlink -f "$c/device/driver" 2>/dev/null) || continue
		[ "${drv##*/}" = "$1" ] && return 0
	done
	grep -qs "^$1 " /sys/kernel/debug/dri/*/name
}
drm_driver_present "$display" ||
	die "no DRM device of driver '$display' (for kmssink): load vkms (modprobe vkms), or name your display's driver with --display"

# the plugin from this checkout's build, unless GStreamer already finds it
if ! gst-inspect-1.0 dmaheappool >/dev/null 2>&1 && [ -f "$top/build/gst-plugin/libgstdmaheap.so" ]; then
	export GST_PLUGIN_PATH=$top/build/gst-plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}
fi
gst-inspect-1.0 dmaheappool >/dev/null 2>&1 ||
	die "GStreamer has no dmaheappool element: build the plugin (ninja -C build) or install it (meson install)"
enc_el=$(v4l2_element fwhtenc "$enc_dev") ||
	die "GStreamer has no FWHT encoder element for $enc_dev ('$encoder'); is gstreamer1.0-plugins-good installed?"
dec_el=$(v4l2_element fwhtdec "$dec_dev") ||
	die "GStreamer has no FWHT decoder element for $dec_dev ('$decoder'); is gstreamer1.0-plugins-good installed?"

# one heap for both pools, so the check can name it
if [ -z "$heap" ]; then
	tool=$(command -v dmaheap || echo "$top/build/tools/dmaheap")
	[ -x "$tool" ] || die "no dmaheap tool to pick the heap for usage 'camera': pass --heap NAME (ls /dev/dma_heap)"
	heap=$("$tool" alloc --usage camera --size 4K 2>&1 | sed -n 's/^fd [0-9]*: .* from \([^,]*\), .*/\1/p') || true
	[ -n "$heap" ] ||
		die "no dma-buf heap for usage 'camera' ($("$tool" alloc --usage camera --size 4K 2>&1 | tail -n 1)); load the dmaheap modules or pass --heap NAME"
fi

raw="video/x-raw,format=NV12,width=$width,height=$height"
sink="kmssink driver-name=$display"
# The check counts frames: under emulation every frame is late, and the
# decoder would drop late frames (QoS) if the display kept time.
[ "$check" = 0 ] || sink="$sink sync=false"
[ "$convert" = 0 ] || sink="videoconvert ! video/x-raw,format=BGRx ! $sink"
pipeline="v4l2src device=$cam_dev io-mode=dmabuf-import num-buffers=$frames ! $raw ! \
dmaheappool name=camera-pool heap=$heap ! $enc_el output-io-mode=dmabuf-import ! \
$dec_el capture-io-mode=dmabuf-import ! video/x-raw,format=NV12 ! \
dmaheappool name=decoder-pool heap=$heap ! $sink"

echo "chain: camera $camera ($cam_dev), encoder $encoder ($enc_dev, $enc_el), decoder $decoder ($dec_dev, $dec_el), display $display, heap $heap, $frames frames of ${width}x$height NV12"
echo "chain: $pipeline"
if [ "$check" = 0 ]; then
	exec gst-launch-1.0 -e $pipeline
fi
checker=$top/build/gst-plugin/tests/gst-pipeline-check
[ -x "$checker" ] || die "--check needs $checker (ninja -C build)"
opts=(--heap="$heap" --copies=0 --frames="$frames" --bufinfo --timeout=300)
# vicodec's decoder drops a frame or two around its first source change
[ "$frames" -le 2 ] || opts+=(--min-frames=$((frames - 2)))
[ "$convert" = 1 ] || opts+=(--attached="$display")
exec "$checker" "${opts[@]}" "$pipeline"
