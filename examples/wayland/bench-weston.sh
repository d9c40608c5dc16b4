#!/bin/bash
# weston's frame rate and CPU per frame with a client whose buffers come from
# dma-buf heaps (GBM_BACKEND=dmaheap) beside the same client on Mesa's own
# GBM allocation, same device, one guest run (docs/weston.md, Benchmark).
#
#   bench-weston.sh OUTDIR [FRAMES] [ROUNDS]
#
# Starts Debian's weston on vkms, then runs examples/wayland/heap-client
# (640x480 XRGB8888 SCANOUT|LINEAR bos, drawn through gbm_bo_map each frame,
# on a KMS plane) for FRAMES frames (default 90) per run, alternating
# backends for ROUNDS rounds (default 2), on vkms's node (Mesa allocates
# dumb buffers there, dmaheap imports its heap buffers there). Prints one line per run and the
# ratios heap / Mesa (after one warm-up run of each, not counted). Timings in a TCG guest are noisy: only the ratio of
# runs side by side means something.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=${DMAHEAP_TOP:-$(cd "$here/../.." && pwd)}
build=${DMAHEAP_BUILD:-$top/build}
out=${1:?usage: bench-weston.sh OUTDIR [FRAMES] [ROUNDS]}
frames=${2:-90}
rounds=${3:-2}
. "$here/weston-session.sh"

die() { echo "bench-weston: $*" >&2; exit 1; }

mkdir -p "$out"
out=$(cd "$out" && pwd)
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/run/user/0}
mkdir -p "$XDG_RUNTIME_DIR"
weston_write_ini "$out/weston.ini"
weston_start "$out" --config="$out/weston.ini" || die "$WESTON_ERROR"
# the display's own node for both: Mesa makes dumb buffers there (a render
# node refuses them), dmaheap imports its heap buffers there
node=/dev/dri/$WESTON_CARD
trap 'weston_stop' EXIT
weston_wait_fade 180 || echo "bench-weston: desktop-shell's fade-in did not end within 180 s"

ticks=$(getconf CLK_TCK)
# cpu_ticks PID: user + system time of PID so far, in clock ticks
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# run NAME ENV...: one heap-client run; prints "NAME fps client_ms weston_ms plane"
run() {
	local name=$1 log=$out/client-$1-$2.log w0 w1 t0 t1 pid c plane
	shift 2
	w0=$(cpu_ticks "$WESTON_PID")
	t0=$(date +%s%N)
	env "$@" "$build/examples/wayland/heap-client" --device "$node" --frames "$frames" >"$log" 2>&1 &
	pid=$!
	c=0
	while kill -0 "$pid" 2>/dev/null; do
		c=$(cpu_ticks "$pid" 2>/dev/null || echo "$c")
		sleep 0.2
	done
	wait "$pid" || { cat "$log"; die "heap-client ($name) failed"; }
	t1=$(date +%s%N)
	w1=$(cpu_ticks "$WESTON_PID")
	plane=$(weston_client_plane "$pid")
	grep -q "stopping after $frames frames shown" "$log" || { cat "$log"; die "heap-client ($name) did not show $frames frames"; }
	awk -v n="$name" -v f="$frames" -v dt=$((t1 - t0)) -v c="$c" -v w=$((w1 - w0)) -v hz="$ticks" -v p="${plane:-no plane}" \
		'BEGIN { printf "%s %.2f %.2f %.2f %s\n", n, f / (dt / 1e9), c * 1000 / hz / f, w * 1000 / hz / f, p }'
}

: >"$out/runs.txt"
# a first run of each, not counted: library loading, page cache, shaders
run mesa 0 GBM_BACKEND=dri >/dev/null
run heap 0 GBM_BACKEND=dmaheap GBM_BACKENDS_PATH="$build/gbm-backend" >/dev/null
for r in $(seq "$rounds"); do
	run mesa "$r" GBM_BACKEND=dri >>"$out/runs.txt"
	run heap "$r" GBM_BACKEND=dmaheap GBM_BACKENDS_PATH="$build/gbm-backend" >>"$out/runs.txt"
done
grep -h '^gbm backend\|^buffer 0' "$out"/client-*-1.log
awk '{ printf "bench-weston: %-4s %6.2f frames/s, client CPU %6.2f ms/frame, weston CPU %6.2f ms/frame, %s %s %s\n", $1, $2, $3, $4, $5, $6, $7 }' "$out/runs.txt"
awk '{ fps[$1] += $2; cl[$1] += $3; we[$1] += $4 }
	END { printf "bench-weston: heap / Mesa: frames/s %.2fx, client CPU per frame %.2fx, weston CPU per frame %.2fx (%d rounds of %d frames)\n",
		fps["heap"] / fps["mesa"], cl["heap"] / cl["mesa"], we["heap"] / we["mesa"], '"$rounds"', '"$frames"' }' "$out/runs.txt"
