#!/bin/bash
# dmaheap_gbm.so as a drop-in for Mesa's own GBM backend (gbm-backend/tests/
# mesa.c, README "Drop-in mode"): with Debian 12's Mesa 22.3 (no dri_gbm.so:
# allocation only, and gbm_surface_create says why); with the backports Mesa
# 25 (testbed/mesa-backports): Mesa's device, heap buffers imported into it,
# and the device declined, saying why, where Mesa's driver cannot render into
# an imported buffer (kms_swrast on vkms); a dri_gbm.so that is not Mesa's;
# a client killed with heap bos alive leaves none behind. Needs vkms.
top=${DMAHEAP_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${DMAHEAP_BUILD:-$top/build}
exe=$build/gbm-backend/tests/gbm-mesa
. "$top/tests/tap.sh"

# dma-bufs a heap exported, system-wide (debugfs bufinfo's exp_name column)
heap_bufs() {
	awk -v heaps="$(ls -1 /dev/dma_heap 2>/dev/null | tr '\n' ' ')" '
		BEGIN { split(heaps, h, " "); for (i in h) is[h[i]] = 1 }
		NF >= 6 && ($5 in is) { n++ } END { print n + 0 }' \
		/sys/kernel/debug/dma_buf/bufinfo
}

# /dev/dri/cardN of a virtual DRM device by its platform device's name
# (vkms, vgem: vgem's has no driver link), or nothing
drm_card() {
	local c
	for c in /sys/class/drm/card[0-9]*; do
		[ -e "$c/device" ] || continue
		if [ "$(basename "$(readlink -f "$c/device")")" = "$1" ]; then
			echo "/dev/dri/${c##*/}"
			return
		fi
	done
}

echo "1..27"
reason=""
if [ ! -x "$exe" ] || [ ! -e "$build/gbm-backend/dmaheap_gbm.so" ]; then
	reason="gbm-mesa is not built (needs libgbm-dev, libegl-dev, libgles-dev)"
elif [ -z "$(drm_card vkms)$(drm_card vgem)" ]; then
	reason="no vkms or vgem device on the ${DMAHEAP_KERNEL:-this} kernel"
elif ! ls /dev/dma_heap/* >/dev/null 2>&1; then
	reason="no /dev/dma_heap (dmaheap modules not loaded)"
elif [ ! -r /sys/kernel/debug/dma_buf/bufinfo ]; then
	reason="no /sys/kernel/debug/dma_buf/bufinfo"
fi
if [ -n "$reason" ]; then
	for i in $(seq 27); do skip "drop-in mode case $i" "$reason"; done
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GBM_BACKEND=dmaheap
# Mesa's own leaks (libgbm, the DRI drivers, EGL) are not this test's
export LSAN_OPTIONS=suppressions=$top/tests/guest/lsan-mesa.supp

# Debian 12's Mesa 22.3: its backend is built into libgbm.
cases 3 sh -c 'GBM_BACKENDS_PATH=$1 "$0" --no-dri-gbm 2>"$2"; s=$?; cat "$2" >&2; exit $s' \
	"$exe" "$build/gbm-backend" "$tmp/err22"
assert "Mesa 22.3: the error names what is missing and the Mesa needed" \
	grep -q "no dri_gbm.so .*Mesa 24.3 or later" "$tmp/err22"

if ! mesa_env=$("$top/testbed/mesa-backports" --offline --env 2>&1); then
	for i in $(seq 23); do skip "drop-in mode with Mesa 25, case $i" "no Mesa >= 24.3 in the cache ($(tail -n1 <<<"$mesa_env"))"; done
	exit "$failed"
fi
eval "$mesa_env"
mesa_gbm=$GBM_BACKENDS_PATH
export GBM_BACKENDS_PATH=$build/gbm-backend:$mesa_gbm

cases 18 bash -c '"$0" --mesa 2>"$1" | tee "$2"; s=${PIPESTATUS[0]}; cat "$1" >&2; exit $s' \
	"$exe" "$tmp/err25" "$tmp/out25"
if grep -q "can render into heap buffers: no" "$tmp/out25"; then
	assert "Mesa $DMAHEAP_MESA declined here: the error names the backend, the Mesa, the device and why (MAP_DUMB)" \
		grep -qE "dmaheap_gbm: gbm_surface_create: this dmaheap device is allocation-only, and Mesa's EGL renders only on Mesa's own GBM device: Mesa $(sed 's/[][\.*^$+?(){}|/]/\\&/g' <<<"$DMAHEAP_MESA") cannot render into heap buffers on (vkms|vgem): its driver there cannot map a buffer it imported \(a 64x64 heap buffer's gbm_bo_map failed; Mesa's software renderer on a KMS device, kms_swrast, maps with DRM_IOCTL_MODE_MAP_DUMB" "$tmp/err25"
else
	skip "the declined device's error" "Mesa renders into heap buffers on this kernel"
fi

assert "DMAHEAP_GBM_MESA=bogus: the error names the setting and what it takes" \
	grep -qF "dmaheap_gbm: DMAHEAP_GBM_MESA='bogus': want auto" "$tmp/err25"

# A dri_gbm.so that is not Mesa's (dmaheap's own, by another name) comes first.
mkdir "$tmp/fake"
ln -s "$build/gbm-backend/dmaheap_gbm.so" "$tmp/fake/dri_gbm.so"
expect 0 "" "a dri_gbm.so that is not Mesa's: allocation only; with DMAHEAP_GBM_MESA=1 no device, saying which file and why" \
	-- env GBM_BACKENDS_PATH="$tmp/fake:$GBM_BACKENDS_PATH" "$exe" --no-dri-gbm
if ! grep -q 'is not the backend dmaheap wraps' <<<"$out"; then
	echo "# the output does not say why:"; sed 's/^/#   /' <<<"$out" | head -n 20
	failed=1
fi

# A real client, unchanged: kmscube with GBM_BACKEND=dmaheap gets an error
# that says why, not a crash inside Mesa.
card=$(drm_card vkms)
if ! command -v kmscube >/dev/null || [ ! -e "$card" ]; then
	skip "kmscube with GBM_BACKEND=dmaheap" "no kmscube (testbed/deps installs it) or no vkms display"
elif grep -q "can render into heap buffers: no" "$tmp/out25"; then
	timeout 120 kmscube -A -D "$card" -c 2 </dev/null >"$tmp/kmscube" 2>&1
	rc=$?
	# kmscube exits 255 (-1) on errors; 124 is timeout's, 129-192 a signal's
	st=1
	if [ "$rc" != 0 ] && [ "$rc" != 124 ] && { [ "$rc" -le 128 ] || [ "$rc" -gt 192 ]; } &&
	   grep -q "cannot render into heap buffers on vkms" "$tmp/kmscube"; then
		st=0
	fi
	result "$st" "kmscube -A on vkms with GBM_BACKEND=dmaheap stops with status $rc (no signal) and dmaheap's reason"
	[ "$st" = 0 ] || sed 's/^/#   /' "$tmp/kmscube" | tail -n 20
else
	timeout 300 kmscube -A -D "$card" -c 2 </dev/null >"$tmp/kmscube" 2>&1
	result $? "kmscube -A on vkms with GBM_BACKEND=dmaheap renders 2 frames"
fi

# A client killed with heap bos alive leaves none behind.
before=$(heap_bufs)
"$exe" --hold 4 >"$tmp/hold" 2>"$tmp/hold.err" &
pid=$!
for _ in $(seq 600); do
	grep -q holding "$tmp/hold" 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
during=$(heap_bufs)
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
after=$(heap_bufs)
result "$([ "$during" -ge $((before + 4)) ] && [ "$after" = "$before" ]; echo $?)" \
	"a client SIGKILLed holding 4 heap bos on Mesa's device leaves none (heap buffers: $before before, $during holding, $after after)"
exit "$failed"
