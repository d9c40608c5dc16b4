#!/bin/bash
# The demo chain ending in a Wayland compositor, inside the test guest:
#   camera -> codec -> GPU -> weston -> KMS plane
# weston (Debian's, DRM backend on vkms) is started; examples/gpu-compose
# --compositor sends the GPU's heap render targets to it as linux-dmabuf
# buffers; weston's drm-backend debug scope says which plane they went to,
# and examples/wayland/kms-screenshot reads what vkms scans out.
#
#   compositor-chain.sh OUTDIR [gpu-compose options]
#
# Writes OUTDIR/frame.png (the screen), OUTDIR/report.txt (gpu-compose's
# buffer report: heaps, devices, holders), OUTDIR/weston.log, and prints
# "compositor: ..." lines. Needs the backports Mesa (testbed/mesa-backports)
# for the GPU stage and root (weston's direct launcher, kms-screenshot).
# Exit status: 0 when weston put a render target on a plane and vkms scans
# it out; 1 otherwise.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=${DMAHEAP_TOP:-$(cd "$here/../.." && pwd)}
build=${DMAHEAP_BUILD:-$top/build}
out=${1:?usage: compositor-chain.sh OUTDIR [gpu-compose options]}
shift
. "$here/weston-session.sh"

die() { echo "compositor-chain: $*" >&2; exit 1; }

mkdir -p "$out"
out=$(cd "$out" && pwd)
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/run/user/0}
mkdir -p "$XDG_RUNTIME_DIR"
mesa_env=$("$top/testbed/mesa-backports" --offline --env) ||
	die "the GPU stage needs Mesa >= 24.1 (testbed/mesa-backports on the host first)"
weston_write_ini "$out/weston.ini"
weston_start "$out" --config="$out/weston.ini" || die "$WESTON_ERROR"
cp_log() { cp "$WESTON_LOG" "$out/weston.log" 2>/dev/null; }
trap 'weston_stop; cp_log' EXIT
weston_wait_fade 180 || echo "compositor-chain: desktop-shell's fade-in did not end within 180 s"

(eval "$mesa_env"; exec "$build/examples/gpu-compose" --compositor --hold 120 \
	--report "$out/report.txt" "$@") >"$out/gpu-compose.log" 2>&1 &
gpu_pid=$!
deadline=$((SECONDS + 600))
until grep -q '^holding the last frame' "$out/gpu-compose.log"; do
	if ! kill -0 "$gpu_pid" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
		cat "$out/gpu-compose.log"
		die "gpu-compose did not get to its last frame (above)"
	fi
	sleep 0.5
done
cat "$out/gpu-compose.log"
"$build/examples/wayland/kms-screenshot" --device "/dev/dri/$WESTON_CARD" \
	--output "$out/frame.png" >"$out/kms-screenshot.log" 2>&1 ||
	{ cat "$out/kms-screenshot.log"; die "kms-screenshot failed"; }
plane=$(weston_client_plane "$gpu_pid")
composed=$(weston_client_composed "$gpu_pid")
kill -TERM "$gpu_pid"
wait "$gpu_pid"
status=$?
# shellcheck disable=SC2046 # one inode per word
scanned=$(kms_plane_scanning "$out/kms-screenshot.log" \
	$(sed -n 's/^  target\[[0-9]\] *inode \([0-9]*\) .*/\1/p' "$out/gpu-compose.log"))
echo "compositor: weston put the GPU's render targets on ${plane:-no plane} (renderer compositions: $composed)"
echo "compositor: vkms scans out ${scanned:-no render target}"
echo "compositor: gpu-compose exited with status $status after SIGTERM"
[ -n "$plane" ] && [ "$composed" = 0 ] && [ -n "$scanned" ] && [ "$status" = 0 ]
