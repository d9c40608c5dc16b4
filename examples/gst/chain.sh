#!/bin/bash
# camera -> encoder -> decoder -> display as one gst-launch pipeline on
# dma-buf heap buffers: the camera captures into a dmaheappool's buffers
# (io-mode=dmabuf-import), the encoder reads them in place, the decoder
# writes into a second dmaheappool's buffers, and the display shows the
# frames, converted from NV12 by the GPU (GStreamer GL, EGL dma-buf import)
# or by videoconvert. Devices are found by name, never by /dev/videoN number.
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
    ! glupload ! glcolorconvert ! BGRx ! gldownload ! kmssink (DISPLAY)

The decoder decodes into the stream's own NV12 (vicodec cannot decode into
another subsampling); the GPU converts it to BGRx for displays that scan out
only RGB, such as vkms: glupload imports the decoder pool's dma-bufs as EGL
images (no copy), glcolorconvert renders BGRx, gldownload reads it back into
system memory (a copy; GStreamer 1.22's kmssink takes no memory:DMABuf caps)
and kmssink copies that into its own scanout buffer. Without a GPU stage,
videoconvert converts on the CPU. Both dmaheappools allocate from HEAP.

  --frames N        frames to capture (default 60)
  --size WxH        camera resolution (default 640x480)
  --camera NAME     V4L2 capture device name (default vivid-000-vid-cap)
  --encoder NAME    V4L2 FWHT encoder name (default stateful-encoder, vicodec)
  --decoder NAME    V4L2 FWHT decoder name (default stateful-decoder, vicodec)
  --display DRIVER  DRM driver kmssink uses (default vkms)
  --heap NAME       heap for both pools (default: the libdmaheap policy's
                    first working heap for usage 'camera': CMA, then system)
  --gpu             convert on the GPU (GStreamer GL); fail if it cannot
  --no-gpu          convert with videoconvert on the CPU
                    (default: the GPU when GStreamer GL and a Mesa that
                    imports dma-bufs are there, else videoconvert, said so)
  --no-convert      give the decoded NV12 to the display as it is (displays
                    that scan out NV12); then the display imports heap buffers
  --check           run with build/gst-plugin/tests/gst-pipeline-check: EOS,
                    0 copies in both pools, every dma-buf from HEAP in bufinfo;
                    with the GPU, every frame imported by glupload's dma-buf
                    uploader (its GST_DEBUG log, counted)
  -h, --help        this text

GPU: GStreamer GL runs on EGL device 0 (GST_GL_WINDOW=egl-device), which
Mesa makes the first render node; a vgem render node (no GPU behind it:
kms_swrast, which cannot import dma-bufs) is hidden from the pipeline in a
private mount namespace (needs root), so that device 0 is Mesa's software
device (llvmpipe). llvmpipe imports dma-bufs from Mesa 24.1 on: with an
older system Mesa, the one from testbed/mesa-backports (cached) is used.

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
gpu=auto
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
	--gpu) gpu=1 ;;
	--no-gpu) gpu=0 ;;
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

# --- the GPU stage ----------------------------------------------------------
# drm_node_driver NODE: the driver of /sys/class/drm/NODE (a platform device
# without a bound driver, such as vgem or vkms, by the device's own name)
drm_node_driver() {
	local d=/sys/class/drm/$1/device
	if [ -L "$d/driver" ]; then
		basename "$(readlink -f "$d/driver")"
	else
		basename "$(readlink -f "$d")"
	fi
}
# gpu_off REASON: with --gpu a failure; by default a note, and videoconvert
gpu_off() {
	[ "$gpu" != 1 ] || die "--gpu: $*"
	echo "chain: no GPU stage ($*): videoconvert converts on the CPU"
	gpu=0
}
[ "$convert" = 1 ] || gpu=0
run=()      # what runs the pipeline: nothing, or a mount namespace without vgem
gpu_where=""
if [ "$gpu" != 0 ]; then
	for el in glupload glcolorconvert gldownload; do
		gst-inspect-1.0 "$el" >/dev/null 2>&1 || { gpu_off "GStreamer has no $el: install gstreamer1.0-gl"; break; }
	done
fi
if [ "$gpu" != 0 ]; then
	# GStreamer 1.22 puts GL on EGL device 0 (GST_GL_WINDOW=egl-device; its
	# EGL display types "egl" and "gbm" end up on kms_swrast here). Mesa lists
	# the render nodes first and its software device last. vgem's render node
	# has no GPU behind it: Mesa would run llvmpipe there through kms_swrast,
	# which maps imported dma-bufs with DRM_IOCTL_MODE_MAP_DUMB (refused for
	# imported buffers; glcolorconvert then reads through a bad mapping and
	# crashes). Hide such nodes from the pipeline: a private mount namespace
	# whose /dev/dri holds the other nodes only.
	keep=() hidden=() gpu_nodes=()
	for n in /dev/dri/card[0-9]* /dev/dri/renderD[0-9]*; do
		[ -c "$n" ] || continue
		node=${n##*/} drv=$(drm_node_driver "${n##*/}")
		case "$node:$drv" in
		renderD*:vgem) hidden+=("$node ($drv)"); continue ;;
		renderD*) gpu_nodes+=("$node ($drv)") ;;
		esac
		keep+=("$node=$(stat -c '%t:%T:%a' "$n")")
	done
	if [ ${#hidden[@]} -gt 0 ]; then
		if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
			gpu_off "EGL device 0 would be ${hidden[0]}, kms_swrast, which cannot import dma-bufs; hiding it needs root and unshare"
		else
			# NODE=MAJOR:MINOR:MODE (hex major and minor, from stat) ... -- COMMAND
			# shellcheck disable=SC2016 # expanded by the inner sh
			run=(unshare --mount sh -c 'mount -t tmpfs -o mode=0755 chain-dri /dev/dri || exit 125
while [ "$1" != -- ]; do
	n=${1%%=*} v=${1#*=}; ma=${v%%:*} v=${v#*:}; mi=${v%%:*} mode=${v#*:}
	mknod -m "$mode" "/dev/dri/$n" c $((0x$ma)) $((0x$mi)) || exit 125
	shift
done
shift
exec "$@"' chain-dri "${keep[@]}" --)
		fi
	fi
fi
if [ "$gpu" != 0 ]; then
	if [ ${#gpu_nodes[@]} -gt 0 ]; then
		# a GPU driver's render node is device 0: the system's Mesa
		gpu_where="EGL device 0: ${gpu_nodes[0]}, the system's Mesa"
	else
		# Mesa's software device, llvmpipe: it imports dma-bufs from Mesa 24.1 on
		mesa=$(dpkg-query -W -f='${Version}' libegl-mesa0 2>/dev/null || true)
		if [ -n "$mesa" ] && dpkg --compare-versions "$mesa" lt 24.1; then
			menv=$("$top/testbed/mesa-backports" --offline --env 2>&1) ||
				{ gpu_off "llvmpipe in Mesa $mesa cannot import dma-bufs (24.1 can), and there is no cached newer Mesa: run testbed/mesa-backports once (it downloads Debian's bookworm-backports Mesa; $(tail -n 1 <<<"$menv"))"; menv=""; }
			[ -z "$menv" ] || eval "$menv"
			mesa=${DMAHEAP_MESA:-$mesa}
		fi
		gpu_where="EGL device 0: Mesa's software device (llvmpipe), Mesa ${mesa:-?}${hidden:+; ${hidden[*]} hidden from the pipeline}"
	fi
fi
if [ "$gpu" != 0 ]; then
	export GST_GL_WINDOW=egl-device GST_GL_PLATFORM=egl GST_GL_API=gles2
	gpu=1
fi

raw="video/x-raw,format=NV12,width=$width,height=$height"
sink="kmssink driver-name=$display"
# The check counts frames: under emulation every frame is late, and the
# decoder would drop late frames (QoS) if the display kept time.
[ "$check" = 0 ] || sink="$sink sync=false"
if [ "$gpu" = 1 ]; then
	sink="glupload ! glcolorconvert ! video/x-raw(memory:GLMemory),format=BGRx ! gldownload ! video/x-raw,format=BGRx ! $sink"
elif [ "$convert" = 1 ]; then
	sink="videoconvert ! video/x-raw,format=BGRx ! $sink"
fi
pipeline="v4l2src device=$cam_dev io-mode=dmabuf-import num-buffers=$frames ! $raw ! \
dmaheappool name=camera-pool heap=$heap ! $enc_el output-io-mode=dmabuf-import ! \
$dec_el capture-io-mode=dmabuf-import ! video/x-raw,format=NV12 ! \
dmaheappool name=decoder-pool heap=$heap ! $sink"

echo "chain: camera $camera ($cam_dev), encoder $encoder ($enc_dev, $enc_el), decoder $decoder ($dec_dev, $dec_el), display $display, heap $heap, $frames frames of ${width}x$height NV12"
[ "$gpu" = 0 ] || echo "chain: gpu: GStreamer GL, GST_GL_WINDOW=egl-device GST_GL_API=gles2, $gpu_where"
echo "chain: $pipeline"
if [ "$check" = 0 ]; then
	exec "${run[@]}" gst-launch-1.0 -e $pipeline
fi
checker=$top/build/gst-plugin/tests/gst-pipeline-check
[ -x "$checker" ] || die "--check needs $checker (ninja -C build)"
opts=(--heap="$heap" --copies=0 --frames="$frames" --bufinfo --timeout=300)
# vicodec's decoder drops a frame or two around its first source change
[ "$frames" -le 2 ] || opts+=(--min-frames=$((frames - 2)))
[ "$convert" = 1 ] || opts+=(--attached="$display")
[ "$gpu" = 1 ] || exec "$checker" "${opts[@]}" "$pipeline"

# With the GPU: glupload logs, for every buffer, which uploader took it
# ("uploader Dmabuf returned 1": EGL_EXT_image_dma_buf_import, one EGLImage
# per plane of the dma-buf, no copy; "Raw Data" would be glTexSubImage2D
# from a CPU mapping, a copy). Count them against the decoder pool's frames.
log=$(mktemp "${TMPDIR:-/tmp}/chain-gl.XXXXXX")
out=$(mktemp "${TMPDIR:-/tmp}/chain-out.XXXXXX")
trap 'rm -f "$log" "$out"' EXIT
rc=0
GST_DEBUG="${GST_DEBUG:+$GST_DEBUG,}glupload:6,glcontext:4" GST_DEBUG_FILE=$log GST_DEBUG_NO_COLOR=1 \
	"${run[@]}" "$checker" "${opts[@]}" "$pipeline" >"$out" 2>&1 || rc=$?
grep -v '^PASS$' "$out" || true
renderer=$(sed -n 's/.*GL_RENDERER: //p' "$log" | head -n 1)
version=$(sed -n 's/.*GL_VERSION: //p' "$log" | head -n 1)
uploads=$(sed -n 's/.*uploader \(.*\) returned \(-\{0,1\}[0-9]*\), buffer.*/\1 (\2)/p' "$log" | sort | uniq -c |
	awk '{ n = $1; $1 = ""; printf "%s%s:%s", sep, n, $0; sep = "," }')
n_dmabuf=$(grep -c 'uploader Dmabuf returned 1,' "$log" || true)
n_other=$(grep 'uploader .* returned' "$log" | grep -vc 'uploader Dmabuf returned 1,' || true)
n_dec=$(sed -n 's/^decoder-pool: frames \([0-9]*\),.*/\1/p' "$out")
echo "chain: gpu: renderer ${renderer:-?} (${version:-?})"
echo "chain: gpu: glupload: $n_dmabuf of ${n_dec:-?} decoder-pool frames imported as dma-bufs (uploader Dmabuf), $n_other by other uploaders or failed (all: ${uploads:- none})"
echo "chain: gpu: copies: none into the GPU; gldownload reads each frame back into system memory and kmssink copies it into its scanout buffer (2 CPU copies after the GPU)"
if [ "$rc" != 0 ]; then
	grep -qx PASS "$out" && echo "FAIL: the checker's status is $rc"
	exit 1
fi
if [ "$n_other" != 0 ] || [ -z "$n_dec" ] || [ "$n_dmabuf" != "$n_dec" ]; then
	echo "FAIL: gpu: not every decoded frame was imported by glupload's dma-buf uploader ($n_dmabuf of ${n_dec:-?}; others $n_other)"
	exit 1
fi
echo PASS
