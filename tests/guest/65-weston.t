#!/bin/bash
# A Wayland compositor showing heap-allocated client buffers: Debian's weston
# on vkms, and examples/wayland/heap-client, whose buffers come from
# dmaheap_gbm.so (GBM_BACKEND=dmaheap, SCANOUT|LINEAR -> the scanout heaps).
# Checks that the buffers come from a heap (fdinfo exporter), that weston
# imports the same dma-bufs and shows them, that its DRM backend puts the
# client's buffer on a KMS plane (drm-backend debug scope), that vkms scans
# out the client's own dma-buf (examples/wayland/kms-screenshot reads the
# planes and saves $build/tests/weston/weston-heap-client.png), and that
# client and weston stop cleanly. Then the demo chain ending in weston:
# examples/gpu-compose --compositor (camera -> codec -> GPU -> weston), whose
# heap render targets weston holds and puts on a plane, scanned out as they
# are ($build/tests/weston/weston-gpu-compose.png). Also records what Debian's
# weston-simple-dmabuf-feedback does with GBM_BACKEND=dmaheap. Skips without
# vkms (Debian's stock kernel). See docs/weston.md.
set -uo pipefail
top=${DMAHEAP_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${DMAHEAP_BUILD:-$top/build}
client=$build/examples/wayland/heap-client
kms_screenshot=$build/examples/wayland/kms-screenshot
gpu=$build/examples/gpu-compose
dmaheap=$build/tools/dmaheap
out=$build/tests/weston
. "$top/tests/tap.sh"

# mark TEXT: a line in the kernel log, so a console log shows how far the test got.
mark() { echo "65-weston: $*" >/dev/kmsg 2>/dev/null; }

# wait_for FILE ERE SECONDS [PID]: a line matching ERE appears in FILE within
# SECONDS of wall time (each poll costs a fork under TCG: count time, not
# polls); gives up early when PID exits.
wait_for() {
	local file=$1 pattern=$2 deadline=$((SECONDS + $3)) pid=${4:-}
	while [ "$SECONDS" -lt "$deadline" ]; do
		grep -qE "$pattern" "$file" 2>/dev/null && return 0
		[ -z "$pid" ] || kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	grep -qE "$pattern" "$file" 2>/dev/null
}

# where_is PID: what a process is doing, for a case that timed out.
where_is() {
	local pid=$1
	[ -d "/proc/$pid" ] || { echo "process $pid has exited"; return; }
	echo "process $pid ($(cat "/proc/$pid/comm")): state $(awk '{ print $3 }' "/proc/$pid/stat"), wchan $(cat "/proc/$pid/wchan" 2>/dev/null)"
	head -n 12 "/proc/$pid/stack" 2>/dev/null
}

# stop_pid PID: SIGTERM and a bounded wait; sets stop_rc to the exit status
# (KILLED if it hung). Not for $(...): wait needs the process's own parent.
stop_pid() {
	local pid=$1 deadline=$((SECONDS + 30))
	kill -TERM "$pid" 2>/dev/null
	while [ "$SECONDS" -lt "$deadline" ]; do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		wait "$pid" 2>/dev/null
		stop_rc=KILLED
		return
	fi
	wait "$pid"
	stop_rc=$?
}

cases=(
	"weston starts on vkms with the DRM backend"
	"heap-client loads the dmaheap GBM backend"
	"the client's buffers come from a dma-buf heap (fdinfo exporter)"
	"weston accepts the client's dma-bufs (zwp_linux_dmabuf_v1)"
	"weston holds the client's dma-bufs (same inodes)"
	"weston shows the client's frames (frame callbacks)"
	"weston's DRM backend puts the client's buffer on a KMS plane"
	"vkms scans out the client's own dma-buf (plane fb inode)"
	"kms-screenshot saves a PNG of what vkms scans out"
	"heap-client stops cleanly on SIGTERM"
	"a fullscreen heap-client runs 30 frames and exits 0"
	"weston puts the fullscreen client's buffer on the primary plane"
	"camera -> codec -> GPU -> weston: gpu-compose --compositor runs 5 frames and holds the last"
	"weston holds every GPU render target (the report lists it), 0 CPU copies"
	"weston's DRM backend puts the GPU's render target on a KMS plane, never composing it"
	"vkms scans out a GPU render target itself (plane fb inode), and the screenshot is saved"
	"weston-simple-dmabuf-feedback with GBM_BACKEND=dmaheap: the known limits"
	"weston stops cleanly on SIGTERM"
)
echo "1..${#cases[@]}"

skip_reason=""
if [ ! -x "$client" ] || [ ! -x "$kms_screenshot" ]; then
	skip_reason="$client or $kms_screenshot is not built (wayland-protocols, libwayland-dev, libgbm-dev; ninja -C build)"
elif [ ! -e "$build/gbm-backend/dmaheap_gbm.so" ]; then
	skip_reason="dmaheap_gbm.so is not built (libgbm-dev missing or -Dgbm-backend=disabled)"
elif ! command -v weston >/dev/null; then
	skip_reason="weston is not installed (apt-get install weston)"
elif [ ! -d /sys/devices/platform/vkms ] && ! grep -qs '^vkms ' /sys/kernel/debug/dri/*/name; then
	skip_reason="no vkms display (${DMAHEAP_KERNEL:-this} kernel; use the test kernel)"
elif [ ! -d /dev/dma_heap ]; then
	skip_reason="no /dev/dma_heap (load dmaheap's kernel modules)"
fi
if [ -n "$skip_reason" ]; then
	for c in "${cases[@]}"; do
		skip "$c" "$skip_reason"
	done
	exit 0
fi

. "$top/examples/wayland/weston-session.sh"
rm -rf "$out"
mkdir -p "$out"
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/run/user/0}
# The clients write their logs to the guest's own tmpfs, and they are copied
# to $out at the end: on 7.3, a line of a log written over 9p while the test
# polled it went missing once ("gbm backend: dmaheap", 2026-12-03).
logs=$(mktemp -d "$XDG_RUNTIME_DIR/weston-logs.XXXXXX")
trap 'cp "$logs"/*.log "$out"/ 2>/dev/null; rm -rf "$logs"' EXIT

# --- 1: weston -------------------------------------------------------------
# desktop-shell (the default). Not kiosk-shell: weston 10's kiosk-shell puts
# a toplevel in its layer only when it activates it for a seat, and without
# input devices there is no seat, so no client is ever shown.
# No window animations, no idle blanking (weston_write_ini says why).
weston_write_ini "$out/weston.ini"
mark "starting weston"
if ! weston_start "$out" --config="$out/weston.ini"; then
	not_ok "${cases[0]}: $WESTON_ERROR"
	comment <"$out/weston.out"
	[ -f "$WESTON_LOG" ] && tail -n 30 "$WESTON_LOG" | comment
	for c in "${cases[@]:1}"; do
		skip "$c" "weston did not start"
	done
	exit 0
fi
assert "${cases[0]} ($WESTON_CARD, socket $WAYLAND_DISPLAY)" \
	grep -qE "Output '.*' enabled" "$WESTON_LOG"
grep -E "DRM: supports|Output '.*' enabled|zpos|\[plane\] (primary|overlay|cursor) plane" "$WESTON_LOG" |
	head -n 8 | comment

# Weston must never composite the client's buffer itself: its renderer here
# (Mesa's kms_swrast on vkms) cannot read an imported dma-buf and weston
# crashes (docs/weston.md). desktop-shell fades in from a black surface in
# the top layer, and anything under it goes to the renderer: start the client
# once a scene graph shows that layer empty again (the fade is over).
weston_wait_fade 180 || echo "desktop-shell's fade-in did not end within 180 s" | comment

# --- 2-9: heap-client in a window ------------------------------------------
export GBM_BACKEND=dmaheap GBM_BACKENDS_PATH=$build/gbm-backend
# --device none: the client needs no GEM handles (CPU drawing, no KMS of its
# own), so only vkms imports the buffers. With a DRM node (vgem's render node
# is the only other one here) vgem maps them too, and the test kernel's
# DMA-API debug prints one "overlapping mappings" report per 64 KiB segment.
mark "starting heap-client 480x360"
"$client" --device none --size 480x360 >"$logs/client.log" 2>&1 &
client_pid=$!
wait_for "$logs/client.log" '^frame 30 shown' 240 "$client_pid"
mark "heap-client: $(tail -n 1 "$logs/client.log")"
if ! grep -qx 'frame 30 shown' "$logs/client.log"; then
	{ where_is "$client_pid"; where_is "$WESTON_PID"; } | comment
	tail -n 25 "$WESTON_LOG" | comment
fi
comment <"$logs/client.log"

assert "${cases[1]}" grep -qx 'gbm backend: dmaheap' "$logs/client.log"

# What the client says (libdmaheap's fdinfo reader in the client) and what
# /proc says from outside (dmaheap info PID): both must name a heap.
heaps=$(ls /dev/dma_heap)
client_inodes=$(sed -n 's/^buffer [0-9]*: dma-buf inode \([0-9]*\), .*/\1/p' "$logs/client.log" | sort -u)
# info_inodes PID FILE: "INODE EXPORTER" per dma-buf the process holds, from
# dmaheap info --json (one buffer per line); the table goes to the TAP log
# (stderr: tap-run merges it).
info_inodes() {
	"$dmaheap" info "$1" 2>&1 | comment >&2
	"$dmaheap" info "$1" --json >"$2" 2>&1
	sed -n 's/.*"inode": \([0-9]*\),.*"exporter": "\([^"]*\)".*/\1 \2/p' "$2"
}
client_held=$(info_inodes "$client_pid" "$out/info-client.json")
from_heap=0
for ino in $client_inodes; do
	exporter=$(awk -v ino="$ino" '$1 == ino { print $2; exit }' <<<"$client_held")
	grep -qxF -- "$exporter" <<<"$heaps" && from_heap=$((from_heap + 1))
done
nbuf=$(wc -w <<<"$client_inodes")
assert "${cases[2]} ($from_heap of $nbuf buffers; heaps: $(paste -sd" " <<<"$heaps"))" \
	test "$nbuf" -ge 1 -a "$from_heap" = "$nbuf"

assert "${cases[3]}" grep -qE '^compositor accepted ([0-9]+) of \1 buffers' "$logs/client.log"

weston_held=$(info_inodes "$WESTON_PID" "$out/info-weston.json")
shared=0
for ino in $client_inodes; do
	awk -v ino="$ino" '$1 == ino { found = 1 } END { exit !found }' <<<"$weston_held" &&
		shared=$((shared + 1))
done
assert "${cases[4]} ($shared of $nbuf)" test "$nbuf" -ge 1 -a "$shared" = "$nbuf"

assert "${cases[5]}" grep -qx 'frame 30 shown' "$logs/client.log"

plane=$(weston_client_plane "$client_pid")
grep -E '\[repaint\] (Using|view)|\[overlay\]' "$WESTON_LOG" | sed 's/^[[:space:]]*//' |
	sort | uniq -c | sort -rn | head -n 8 | comment
assert "${cases[6]} (${plane:-never})" test -n "$plane"

# What vkms scans out, from its planes, while weston is DRM master.
shot=$out/weston-heap-client.png
mark "kms-screenshot"
"$kms_screenshot" --device "/dev/dri/$WESTON_CARD" --output "$shot" >"$out/kms-screenshot.log" 2>&1
rc=$?
comment <"$out/kms-screenshot.log"
# shellcheck disable=SC2086 # one inode per word
scanned=$(kms_plane_scanning "$out/kms-screenshot.log" $client_inodes)
assert "${cases[7]} (${scanned:-no plane})" test -n "$scanned"
assert "${cases[8]} (exit $rc)" test "$rc" = 0 -a -s "$shot"

stop_pid "$client_pid"; rc=$stop_rc
tail -n 1 "$logs/client.log" | comment
assert "${cases[9]} (exit $rc)" test "$rc" = 0

# --- 11-12: fullscreen: the output's size, so it can be the primary plane ----
mark "starting heap-client --fullscreen"
"$client" --device none --fullscreen --frames 30 >"$logs/client-fullscreen.log" 2>&1 &
fs_pid=$!
wait_for "$logs/client-fullscreen.log" '^stopping after' 240 "$fs_pid"
stop_pid "$fs_pid"; rc=$stop_rc
comment <"$logs/client-fullscreen.log"
# -a: the log lives on the 9p share, where a write racing the reader can
# leave NUL bytes; grep then calls the file binary and prints no line.
assert "${cases[10]} (exit $rc)" test "$rc" = 0 -a -n "$(grep -ax 'stopping after 30 frames shown (done)' "$logs/client-fullscreen.log")"
plane=$(weston_client_plane "$fs_pid")
assert "${cases[11]} (${plane:-never})" grep -qi '^primary plane' <<<"$plane"

# --- 13-16: the demo chain ending in the compositor --------------------------
# camera (vivid) -> encoder -> decoder (vicodec) -> GPU (Mesa's software
# device, the backports Mesa) -> weston (linux-dmabuf) -> a vkms plane: the
# GPU's heap render targets go to weston as they are, and weston must put
# them on a plane (its renderer here cannot read a client dma-buf).
gpu_skip=""
has_v4l2() { grep -qsx "$1" /sys/class/video4linux/*/name; }
if [ ! -x "$gpu" ] || ! "$gpu" --help | grep -q -- --compositor; then
	gpu_skip="gpu-compose is not built with Wayland (libegl-dev, libgles-dev, libwayland-dev)"
elif ! has_v4l2 vivid-000-vid-cap || ! has_v4l2 stateful-encoder || ! has_v4l2 stateful-decoder; then
	gpu_skip="no vivid or vicodec on the ${DMAHEAP_KERNEL:-this} kernel"
elif ! mesa_env=$("$top/testbed/mesa-backports" --offline --env 2>&1); then
	gpu_skip="no Mesa >= 24.1 in the cache ($(tail -n1 <<<"$mesa_env"))"
fi
if [ -n "$gpu_skip" ]; then
	for c in 12 13 14 15; do skip "${cases[$c]}" "$gpu_skip"; done
else
	mark "starting gpu-compose --compositor"
	chain_log=$logs/gpu-compose.log
	# weston keeps Debian's Mesa; only gpu-compose gets the backports one
	(eval "$mesa_env"; exec "$gpu" --compositor --frames 5 --hold 120 \
		--report "$out/chain-report.txt") >"$chain_log" 2>&1 &
	gpu_pid=$!
	wait_for "$chain_log" '^holding the last frame' 600 "$gpu_pid"
	held=$(grep -c '^holding the last frame' "$chain_log")
	targets=$(sed -n 's/^  \(target\[[0-9]\]\) *inode \([0-9]*\) .*/\1 \2/p' "$chain_log")
	target_inodes=$(awk '{ print $2 }' <<<"$targets")
	assert "${cases[12]}" test "$held" = 1 -a -n "$target_inodes"
	# every target's report entry is followed by a holders line naming weston
	weston_holds=$(awk '/^  target\[/ { t = 1; next } t && /^    holders .*weston\[/ { n++ } { t = 0 } END { print n + 0 }' "$chain_log")
	assert "${cases[13]} ($weston_holds of $(wc -w <<<"$target_inodes") targets)" \
		test "$weston_holds" -ge 1 -a "$weston_holds" = "$(wc -w <<<"$target_inodes")" \
		-a -n "$(grep '^  cpu-copies 0 ' "$chain_log")"
	plane=$(weston_client_plane "$gpu_pid")
	composed=$(weston_client_composed "$gpu_pid")
	assert "${cases[14]} (${plane:-never}; renderer compositions in the log: $composed)" \
		test -n "$plane" -a "$composed" = 0
	chain_shot=$out/weston-gpu-compose.png
	"$kms_screenshot" --device "/dev/dri/$WESTON_CARD" --output "$chain_shot" \
		>"$out/kms-screenshot-chain.log" 2>&1
	rc=$?
	comment <"$out/kms-screenshot-chain.log"
	# shellcheck disable=SC2086 # one inode per word
	scanned=$(kms_plane_scanning "$out/kms-screenshot-chain.log" $target_inodes)
	assert "${cases[15]} (${scanned:-no plane})" test -n "$scanned" -a "$rc" = 0 -a -s "$chain_shot"
	stop_pid "$gpu_pid"
	comment <"$chain_log"
fi

# --- 17: weston-simple-dmabuf-feedback ---------------------------------------
# Two known limits stop it here, whatever the GBM backend (docs/weston.md):
# weston 10 offers linux-dmabuf v4 (feedback) only when its renderer's EGL
# device names a DRM node, and llvmpipe's is a software device, so weston
# offers v3 and the client asserts; past that, the client renders with EGL
# on its gbm_device, which Mesa's EGL accepts only from Mesa's own backend.
# The case passes while one of these is what happens, and says so if it runs.
if command -v weston-simple-dmabuf-feedback >/dev/null; then
	sdf_log=$out/simple-dmabuf-feedback.log
	mark "starting weston-simple-dmabuf-feedback"
	weston-simple-dmabuf-feedback >"$sdf_log" 2>&1 &
	sdf_pid=$!
	wait_for "$sdf_log" 'Assertion|error' 100 "$sdf_pid"
	stop_pid "$sdf_pid"; rc=$stop_rc
	tail -n 1 "$sdf_log" | comment
	if grep -q 'dma-buf feedback is not supported by compositor' "$sdf_log"; then
		ok "${cases[16]}: weston offers no dma-buf feedback here (linux-dmabuf v3: llvmpipe names no DRM device)"
	elif grep -qE 'EGL display' "$sdf_log"; then
		ok "${cases[16]}: stops at EGL setup (Mesa's EGL refuses a non-Mesa gbm_device)"
	elif [ "$rc" = KILLED ] || [ "$rc" = 0 ] || [ "$rc" = 143 ]; then
		ok "${cases[16]}: it ran (exit $rc): update docs/weston.md"
	else
		not_ok "${cases[16]}: failed in an unknown way (exit $rc)"
	fi
else
	skip "${cases[16]}" "weston-simple-dmabuf-feedback not installed"
fi
unset GBM_BACKEND GBM_BACKENDS_PATH

# --- 18: weston stops ------------------------------------------------------
mark "stopping weston"
if weston_stop; then
	ok "${cases[17]}"
else
	not_ok "${cases[17]}: $WESTON_ERROR"
	grep -v '^[[:space:]]*\[' "$WESTON_LOG" | tail -n 20 | comment
fi
