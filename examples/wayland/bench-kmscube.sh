#!/bin/bash
# kmscube's frame rate and CPU per frame when EGL's window-surface buffers
# come from dma-buf heaps (GBM_BACKEND=dmaheap, drop-in mode) beside Mesa's
# own allocation, same kmscube, same Mesa, same vkms device, one guest run
# (docs/weston.md, Benchmark).
#
#   bench-kmscube.sh OUTDIR [FRAMES] [ROUNDS]
#
# Runs Debian forky's kmscube with its Mesa 26.1 (testbed/weston-forky,
# fetched on the host first) on vkms for FRAMES frames (default 120) per run,
# alternating backends for ROUNDS rounds (default 3) after one warm-up run
# of each. Prints one line per run and the ratios heap / Mesa. The frame rate
# is kmscube's own (its last "Rendered N frames in T sec" line: drawing and
# page flips, start-up excluded); CPU per frame is kmscube's user + system
# time over the whole run, start-up included, divided by FRAMES. Timings in a
# TCG guest are noisy: only the ratio of runs side by side means something.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=${DMAHEAP_TOP:-$(cd "$here/../.." && pwd)}
build=${DMAHEAP_BUILD:-$top/build}
out=${1:?usage: bench-kmscube.sh OUTDIR [FRAMES] [ROUNDS]}
frames=${2:-120}
rounds=${3:-3}
. "$here/weston-session.sh"

die() { echo "bench-kmscube: $*" >&2; exit 1; }

forky_env=$("$top/testbed/weston-forky" --offline --env) ||
	die "no kmscube and Mesa 26 in the cache: run testbed/weston-forky on the host (with network) first"
eval "$forky_env"
card=$(weston_find_card vkms) || die "no vkms display (boot a kernel with vkms: the mainline or test kernel)"
mkdir -p "$out"
out=$(cd "$out" && pwd)
heap_env=(GBM_BACKEND=dmaheap "GBM_BACKENDS_PATH=$build/gbm-backend:$GBM_BACKENDS_PATH")
# kmscube stops at a key on stdin: a FIFO held open for reading and writing
# gives it neither a key nor EOF
fifo=$(mktemp -u "${TMPDIR:-/tmp}/bench-kmscube.XXXXXX")
mkfifo "$fifo" || die "mkfifo $fifo failed"
exec 7<>"$fifo"
rm -f "$fifo"

# run NAME ROUND ENV...: one kmscube run; prints "NAME fps cpu_ms_per_frame heap"
run() {
	local name=$1 log=$out/kmscube-$1-$2.log t fps cpu heap
	shift 2
	t=$( { TIMEFORMAT='%U %S'; time env "$@" timeout 600 $WESTON_FORKY_LOADER \
		"$WESTON_FORKY_BIN/kmscube" -A -D "/dev/dri/$card" -c "$frames" <&7 >"$log" 2>&1; } 2>&1) ||
		{ tail -n 20 "$log"; die "kmscube ($name) failed"; }
	fps=$(sed -nE 's/^Rendered [0-9]+ frames in [0-9.]+ sec \(([0-9.]+) fps\)$/\1/p' "$log" | tail -n 1)
	[ -n "$fps" ] || { tail -n 20 "$log"; die "kmscube ($name) printed no frame rate"; }
	cpu=$(awk -v f="$frames" '{ printf "%.2f", ($1 + $2) * 1000 / f }' <<<"$t")
	heap=$(grep -q "buffers from heaps" "$log" && echo heap-buffers || echo mesa-buffers)
	echo "$name $fps $cpu $heap"
}

: >"$out/runs.txt"
# a first run of each, not counted: library loading, page cache, shaders
run mesa 0 GBM_BACKEND=dri >/dev/null
run heap 0 "${heap_env[@]}" DMAHEAP_GBM_DEBUG=1 >/dev/null
for r in $(seq "$rounds"); do
	run mesa "$r" GBM_BACKEND=dri >>"$out/runs.txt"
	run heap "$r" "${heap_env[@]}" DMAHEAP_GBM_DEBUG=1 >>"$out/runs.txt"
done
# the heap runs must have drawn into heap buffers, the Mesa runs not
grep -q '^heap .* heap-buffers$' "$out/runs.txt" && ! grep -q '^mesa .* heap-buffers$' "$out/runs.txt" ||
	die "the runs did not use the allocators they were meant to (see $out/kmscube-*.log)"
awk '{ printf "bench-kmscube: %-4s %6.2f frames/s, kmscube CPU %7.2f ms/frame (%s)\n", $1, $2, $3, $4 }' "$out/runs.txt"
awk '{ fps[$1] += $2; cpu[$1] += $3 }
	END { printf "bench-kmscube: heap / Mesa: frames/s %.2fx, kmscube CPU per frame %.2fx (%d rounds of %d frames)\n",
		fps["heap"] / fps["mesa"], cpu["heap"] / cpu["mesa"], '"$rounds"', '"$frames"' }' "$out/runs.txt"
