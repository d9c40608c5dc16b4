#!/bin/bash
# Device-aware heap choice (libdmaheap's dmaheap_device_get and
# dmaheap_heap_for_devices, through 'dmaheap constraints' and 'dmaheap alloc
# --for'): what each device accepts, learnt from sysfs and from probes, and
# the heap chosen for a set of devices. Real devices: vivid-000 (vmalloc
# buffers: takes scattered memory), vivid-001 (dma-contig, no IOMMU: needs
# contiguous memory), vkms (shmem: scattered), and the test importer's
# instances (contiguous-only, 32-bit, 64 KiB segments). Each rule is shown
# twice: the choice, and the device refusing what a wrong choice would give.
set -uo pipefail
top=${DMAHEAP_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${DMAHEAP_BUILD:-$top/build}
tool=$build/tools/dmaheap
. "$top/tests/tap.sh"

echo "1..21"

# json KEY...: the value of a key path in the JSON on stdin
json() { python3 -c 'import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1:]:
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v)' "$@"; }

video() { # video NAME: the node of the V4L2 device called NAME
	local d
	for d in /sys/class/video4linux/video*; do
		[ "$(cat "$d/name" 2>/dev/null)" = "$1" ] && { echo "/dev/${d##*/}"; return; }
	done
}
drm_card() { # drm_card DRIVER: the primary node of the DRM device of DRIVER
	local f
	for f in /sys/kernel/debug/dri/[0-9]*/name; do
		[ "$(cut -d' ' -f1 "$f" 2>/dev/null)" = "$1" ] || continue
		f=${f%/name}
		[ -e "/dev/dri/card${f##*/}" ] && { echo "/dev/dri/card${f##*/}"; return; }
	done
}

# --- bad input ---------------------------------------------------------------
expect 1 "device '/no/such/dev': No such file" "a missing device: exit 1 and a message naming it" -- \
	"$tool" constraints /no/such/dev
expect 1 "neither a device node nor.*\\(e\\.g\\. /dev/video0" "a directory that is not a device: exit 1, what to give instead" -- \
	"$tool" constraints /tmp
if [ -d /dev/dma_heap ]; then
	expect 0 "heap for it: .*usage policy, since whether null \(/dev/null\) needs contiguous memory is not known" "a device dmaheap cannot probe (/dev/null): the usage policy, saying why" -- \
		"$tool" constraints /dev/null
else
	skip "a device dmaheap cannot probe: the usage policy" "no heaps on this kernel"
fi

# udmabuf can vmap since Linux 6.2; vmalloc-based V4L2 drivers (vivid-000)
# need that to import it, so before 6.2 vivid-000's probe stays unknown.
IFS=. read -r kmaj kmin _ <<<"$(uname -r)"
udmabuf_vmap=0
[ "$kmaj" -gt 6 ] || { [ "$kmaj" = 6 ] && [ "${kmin%%[!0-9]*}" -ge 2 ]; } && udmabuf_vmap=1
cam0=$(video vivid-000-vid-cap) cam1=$(video vivid-001-vid-cap) disp=$(drm_card vkms)
cma=""
for h in default_cma_region reserved linux,cma; do [ -e "/dev/dma_heap/$h" ] && { cma=$h; break; }; done

# --- V4L2 and DRM devices, probed ------------------------------------------------
if [ -z "$cam0" ] || [ -z "$cam1" ] || [ -z "$cma" ] || [ ! -e /dev/dma_heap/system ]; then
	why="needs vivid (allocators=0,1), a CMA heap and a system heap (${DMAHEAP_KERNEL:-this} kernel)"
	for d in "vivid-000 (vmalloc) takes scattered memory" "vivid-001 (dma-contig) needs contiguous memory" \
		"the probes leave vivid-001's queue as found" "vivid-001: CMA, the reason names it" \
		"vivid-000 with the CPU only writing: an uncached or system heap"; do
		skip "$d" "$why"
	done
else
	out=$("$tool" constraints --json "$cam0" 2>&1)
	c=$(json devices 0 contiguous <<<"$out" 2>/dev/null)
	r=$(json devices 0 contiguous_reason <<<"$out" 2>/dev/null)
	if [ "$udmabuf_vmap" = 1 ] && [ "$c" = False ] &&
		grep -Eq "accepted a scattered buffer \([0-9]+ pieces from udmabuf, QBUF\)" <<<"$r"; then
		ok "vivid-000 (vmalloc) takes scattered memory ($r)"
	elif [ "$udmabuf_vmap" = 0 ] && [ "$c" = None ] &&
		grep -q "refused udmabuf's scattered buffer (QBUF: Bad address), but accepted one from" <<<"$r"; then
		ok "vivid-000 (vmalloc): unknown, since $(uname -r)'s udmabuf cannot vmap ($r)"
	else
		not_ok "vivid-000 (vmalloc) takes scattered memory"
		comment <<<"$out"
	fi
	out=$("$tool" constraints --json "$cam1" 2>&1)
	c=$(json devices 0 contiguous <<<"$out" 2>/dev/null)
	r=$(json devices 0 contiguous_reason <<<"$out" 2>/dev/null)
	# Whether a system heap buffer happens to be one range is chance; when
	# it is, the answer stays unknown and the usage's CMA list decides.
	if { [ "$c" = True ] && grep -q "refused udmabuf's scattered buffer.*refused one from system.*accepted a contiguous one from $cma" <<<"$r"; } ||
		{ [ "$c" = None ] && grep -q "refused udmabuf's scattered buffer.*which may have been one range, and a contiguous one from $cma" <<<"$r"; }; then
		ok "vivid-001 (dma-contig) refuses scattered memory ($r)"
	else
		not_ok "vivid-001 (dma-contig) needs contiguous memory"
		comment <<<"$out"
	fi
	# Probing twice, from two processes: the first left no buffers queued
	# (REQBUFS would say EBUSY to the second if it had kept the queue).
	expect 0 '"contiguous_reason": "refused udmabuf' "the probes leave vivid-001's queue as found" -- \
		"$tool" constraints --json "$cam1"
	expect 0 "^heap $cma: (vivid-001-vid-cap \($cam1\) needs contiguous memory \(refused|the camera usage policy, since whether vivid-001-vid-cap)" "vivid-001: CMA, the reason names it" -- \
		"$tool" alloc --for "$cam1" --usage camera --size 1M
	if [ "$udmabuf_vmap" = 0 ]; then
		expect 0 "^heap $cma: the camera usage policy, since whether vivid-000-vid-cap" "vivid-000 with the CPU only writing: the camera usage's heap, saying why" -- \
			"$tool" alloc --for "$cam0" --usage camera --cpu write --size 1M
	else
		if [ -e /dev/dma_heap/system-uncached ]; then want=system-uncached; else want='system[a-z-]*'; fi
		expect 0 "^heap $want: no device needs contiguous memory; the CPU only writes it" "vivid-000 with the CPU only writing: $want" -- \
			"$tool" alloc --for "$cam0" --usage camera --cpu write --size 1M
	fi
fi

if [ -z "$disp" ] || [ -z "$cam0" ] || [ -z "$cam1" ] || [ -z "$cma" ]; then
	why="needs vkms, vivid and a CMA heap (${DMAHEAP_KERNEL:-this} kernel)"
	skip "vkms takes scattered memory" "$why"
	skip "camera vivid-000 -> display vkms: no CMA" "$why"
	skip "camera vivid-001 -> display vkms: CMA, for the camera" "$why"
else
	expect 0 '"contiguous": false, "contiguous_reason": "accepted a scattered buffer \([0-9]+ pieces from udmabuf, PRIME import' "vkms takes scattered memory" -- \
		"$tool" constraints --json "$disp"
	if [ "$udmabuf_vmap" = 1 ]; then
		want="system[a-z-]*: no device needs contiguous memory; the CPU reads and writes it: cached"
	else
		want="$cma: the camera usage policy"
	fi
	expect 0 "^heap $want" "camera vivid-000 -> display vkms: ${want%%:*}" -- \
		"$tool" alloc --for "$cam0,$disp" --usage camera --size 1M
	expect 0 "^heap $cma: " "camera vivid-001 -> display vkms: CMA, for the camera" -- "$tool" alloc --for "$cam1,$disp" --usage camera --size 1M
fi

# --- the test importer: contiguous-only, 32-bit, segment limit -----------------
imp=/dev/dmaheap-importer
if [ ! -e "$imp/contig" ] || [ ! -e "$imp/dma32" ] || [ -z "$cma" ]; then
	why="needs the test importer (kernel/build DMAHEAP_TESTS=1) and a CMA heap"
	for d in "importer contig: needs contiguous memory" "importer dma32: its 32-bit mask from sysfs" \
		"importer seg64k: its segment limit from sysfs" "importer dma32: a heap below 4 GiB when memory lies above"; do
		skip "$d" "$why"
	done
	for i in contig dma32 seg64k; do
		skip "$i: the chosen heap's buffer passes the device's check" "$why"
		skip "$i: the heap a device-unaware program takes is refused" "$why"
	done
else
	out=$("$tool" constraints --json "$imp/contig" 2>&1)
	if [ "$(json devices 0 contiguous <<<"$out" 2>/dev/null)" = True ] &&
		[ "$(json heap <<<"$out" 2>/dev/null)" = "$cma" ]; then
		ok "importer contig: needs contiguous memory, gets $cma"
	else
		not_ok "importer contig: needs contiguous memory"
		comment <<<"$out"
	fi
	expect 0 '"max_address": 4294967295, "max_address_reason": "a 32-bit DMA mask' "importer dma32: its 32-bit mask from sysfs" -- \
		"$tool" constraints --json "$imp/dma32"
	expect 0 '"max_segment": 65536' "importer seg64k: its segment limit from sysfs" -- \
		"$tool" constraints --json "$imp/seg64k"
	top_addr=$(awk '/start_pfn/ { s = $2 } /spanned/ { sp = $2 } /start_pfn/ && sp { e = s + sp; if (e > m) m = e } END { printf "%.0f\n", m * 4096 }' /proc/zoneinfo)
	if [ "$top_addr" -gt 4294967296 ] && [ -e /dev/dma_heap/system-dma32 ]; then
		expect 0 "^heap system-dma32: .*reaches only up to 0xffffffff" "importer dma32: a heap below 4 GiB when memory lies above (system-dma32)" -- \
			"$tool" alloc --for "$imp/dma32" --size 1M
	elif [ "$top_addr" -le 4294967296 ]; then
		expect 0 "^heap system[a-z-]*: no device needs contiguous memory; the CPU" "importer dma32: with all memory below 4 GiB, no limited heap is needed" -- \
			"$tool" alloc --for "$imp/dma32" --size 1M
	else
		skip "importer dma32: a heap below 4 GiB when memory lies above" "no system-dma32 heap"
	fi
	# Each rule proven by the device: the chosen heap's buffer passes the
	# importer's check, the cpu usage's heap's is refused (6 cases).
	cases 6 "$build/lib/tests/guest/choice-proof" contig dma32 seg64k
fi
exit "$failed"
