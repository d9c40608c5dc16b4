#!/bin/bash
# camera -> codec: vivid captures NV12 into heap buffers; vicodec's stateful
# encoder reads those same dma-bufs and writes FWHT into heap buffers that its
# decoder reads as they are; the decoder writes NV12 into heap buffers. Every
# queue is in DMABUF mode. The last decoded frame must show vivid's colour
# bars. Without vicodec (Debian's stock kernel) the cases are skipped.
set -uo pipefail
top=${DMAHEAP_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${DMAHEAP_BUILD:-$top/build}
codec=$build/examples/codec
c2d=$build/examples/cam2display
out=$build/tests/codec
. "$top/tests/tap.sh"

has_v4l2() { grep -qsx "$1" /sys/class/video4linux/*/name; }

echo "1..6"

skip_reason=""
if [ ! -x "$codec" ]; then
	skip_reason="$codec is not built (ninja -C build)"
elif ! has_v4l2 stateful-encoder || ! has_v4l2 stateful-decoder; then
	skip_reason="no vicodec (stateful-encoder/-decoder) on the ${DMAHEAP_KERNEL:-this} kernel; use the test kernel"
elif ! has_v4l2 vivid-000-vid-cap; then
	skip_reason="no vivid-000-vid-cap (modprobe vivid)"
elif ! ls /dev/dma_heap/* >/dev/null 2>&1; then
	skip_reason="no /dev/dma_heap (dmaheap modules not loaded)"
fi

cases=("codec captures, encodes and decodes 5 NV12 frames, all queues DMABUF on heap buffers"
	"camera, compressed and decoded buffers all come from dma-buf heaps"
	"no CPU copy and no CPU mapping of any buffer while the pipeline runs"
	"the encoder reads the camera's dma-bufs and the decoder the encoder's (same inodes)"
	"the decoded frame shows vivid's 75% colour bars")
if [ -n "$skip_reason" ]; then
	for c in "${cases[@]}"; do
		skip "$c" "$skip_reason"
	done
else
	rm -rf "$out"
	mkdir -p "$out"
	"$codec" --frames 5 --output "$out/decoded.png" --report "$out/report.txt" >"$out/run.log" 2>&1
	rc=$?
	comment <"$out/run.log"
	assert "${cases[0]} (exit $rc)" test "$rc" = 0 -a -s "$out/decoded.png"

	roles=$(awk '$2 == "inode" { sub(/\[.*/, "", $1); print $1 }' "$out/report.txt" | sort -u | tr '\n' ' ')
	bad=0
	for h in $(awk '$2 == "inode" { print $5 }' "$out/report.txt"); do
		[ -e "/dev/dma_heap/$h" ] || bad=$((bad + 1))
	done
	assert "${cases[1]} (roles: $roles; $bad not from a heap)" \
		test "$roles" = "camera decoded fwht " -a "$bad" = 0
	assert "${cases[2]}" test -n "$(grep '^  cpu-copies 0 .*cpu-maps 0$' "$out/report.txt")"

	handoffs=$(grep -c '^[a-z ]*\[[0-9]*\] imports .*(same buffer)$' "$out/run.log")
	assert "${cases[3]} ($handoffs hand-offs)" test "$handoffs" -ge 8 -a \
		-z "$(grep '^[a-z ]*\[[0-9]*\] imports .*DIFFERENT' "$out/run.log")"

	"$c2d" --check-bars "$out/decoded.png" >"$out/check.log" 2>&1
	rc=$?
	comment <"$out/check.log"
	assert "${cases[4]}" test "$rc" = 0
fi

if [ -x "$codec" ]; then
	msg=$("$codec" --encoder no-such-encoder --frames 1 --output "$out/none.png" 2>&1)
	rc=$?
	comment <<<"$msg"
	assert "a missing codec fails with status 1, names it and says how to load it" \
		test "$rc" = 1 -a -n "$(grep -F "'no-such-encoder'" <<<"$msg")"
else
	skip "a missing codec fails with status 1 and names it" "$codec is not built"
fi
