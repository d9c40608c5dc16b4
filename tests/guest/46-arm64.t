#!/bin/bash
# What only the arm64 guest has (testbed/vm/run --arch=arm64): a CMA area
# declared the way boards declare it, and devices that are not DMA-coherent.
#
# The CMA area is a /reserved-memory node of the device tree
# (testbed/vm/arm64-cma.dtso: shared-dma-pool, reusable, linux,cma-default,
# 128 MiB): Linux makes it the default area under the node's name, dmaheap's
# CMA heap is then also /dev/dma_heap/linux,cma, the name the kernel's own
# CMA heap gives it before 6.17, and the names users' code looks for
# (linux,cma, reserved, default_cma_region) reach that memory: through
# libdmaheap's choice for a camera and through the tool, and a buffer of
# each is contiguous for the test importer.
#
# Non-coherent DMA: CPU access to a buffer a device maps reaches the
# architecture's cache maintenance (tests/guest/noncoherent-sync.c), for
# the system and the CMA heap. DMA-API debug checks every sync on the way;
# the test bed fails the run on any report.
set -uo pipefail
top=${DMAHEAP_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${DMAHEAP_BUILD:-$top/build}
mods=${DMAHEAP_MODULES:-}
tool=$build/tools/dmaheap
sync_prog=$build/tests/guest/noncoherent-sync
importer=/dev/dmaheap-importer/contig
. "$top/tests/tap.sh"

[ "$(uname -m)" = aarch64 ] || skip_all "arm64 only (this guest is $(uname -m)): testbed/vm/run --arch=arm64"
[ -x "$sync_prog" ] || skip_all "$sync_prog is not built (the arm64 cross build: build/arm64)"
echo "1..34"

# --- the device tree's CMA area ---------------------------------------------
node=/proc/device-tree/reserved-memory/linux,cma
result "$([ -d "$node" ] && [ -e "$node/linux,cma-default" ] && [ -e "$node/reusable" ] &&
	[ "$(tr -d '\0' <"$node/compatible")" = shared-dma-pool ] && echo 0 || echo 1)" \
	"the device tree declares the CMA area: /reserved-memory/linux,cma, shared-dma-pool, reusable, linux,cma-default"
# The boot's kernel log (the test bed keeps it: later tests clear the ring
# buffer), or the ring buffer when this runs alone.
bootlog=${DMAHEAP_BOOT_LOG:-}
[ -r "$bootlog" ] || { bootlog=$(mktemp); trap 'rm -f "$bootlog"' EXIT; dmesg >"$bootlog"; }
line=$(grep -m1 'Reserved memory: created CMA memory pool at' "$bootlog")
echo "# ${line:-no 'created CMA memory pool' line in the kernel log}"
cma_kb=$(awk '$1 == "CmaTotal:" { print $2 }' /proc/meminfo)
result "$(grep -q 'size 128 MiB' <<<"$line" && [ "$cma_kb" = 131072 ] && echo 0 || echo 1)" \
	"Linux made it a 128 MiB CMA pool at boot, the only one (CmaTotal ${cma_kb:-?} kB)"
result "$(grep -q 'OF: reserved mem: initialized node linux,cma, compatible id shared-dma-pool' "$bootlog" && echo 0 || echo 1)" \
	"the pool is the node linux,cma (the kernel log says so)"
result "$(grep -qE 'cma: Reserved [0-9]+ MiB' "$bootlog" && echo 1 || echo 0)" \
	"no second area from the command line or the kernel's configuration (cma= / CMA_SIZE_MBYTES stood aside)"

# --- the heap under the board's name ---------------------------------------------
result "$([ -c /dev/dma_heap/linux,cma ] && [ -c /dev/dma_heap/default_cma_region ] && echo 0 || echo 1)" \
	"dmaheap's CMA heap is /dev/dma_heap/linux,cma (the node's name) and default_cma_region"
echo "# heaps: $(ls /dev/dma_heap | tr '\n' ' ')"
# The alias parameter still adds names; the device tree's is not added twice.
if [ -n "$mods" ] && [ -f "$mods/dmaheap_cma.ko" ] && rmmod dmaheap_cma 2>/dev/null; then
	insmod "$mods/dmaheap_cma.ko" aliases='linux,cma;reserved'
	result "$([ -c /dev/dma_heap/linux,cma ] && [ -c /dev/dma_heap/reserved ] && echo 0 || echo 1)" \
		"with aliases='linux,cma;reserved' the heap is linux,cma and reserved too"
	result "$(dmesg | tail -n 20 | grep -q 'linux,cma not added' && echo 1 || echo 0)" \
		"the device tree's name and the same alias make one node, no error"
else
	skip "with aliases='linux,cma;reserved' the heap is linux,cma and reserved too" "dmaheap_cma cannot be reloaded here"
	skip "the device tree's name and the same alias make one node, no error" "dmaheap_cma cannot be reloaded here"
fi

# The names users' code looks for: each allocates (the tool), and the
# allocation counts in that name's statistics.
for name in linux,cma reserved default_cma_region; do
	if [ ! -c "/dev/dma_heap/$name" ]; then
		skip "$name: the tool allocates 4 MiB from it" "no /dev/dma_heap/$name"
		skip "$name: the allocation counts in its statistics" "no /dev/dma_heap/$name"
		continue
	fi
	stats=/sys/class/dma_heap/$name/stats
	[ -d "$stats" ] || stats=/sys/class/dmaheap/$name/stats
	before=$(cat "$stats/allocations" 2>/dev/null || echo -1)
	expect 0 "from $name, exporter" "$name: the tool allocates 4 MiB from it" -- \
		"$tool" alloc --heap "$name" --size 4M
	after=$(cat "$stats/allocations" 2>/dev/null || echo -1)
	result "$([ "$before" -ge 0 ] && [ "$after" = $((before + 1)) ] && echo 0 || echo 1)" \
		"$name: the allocation counts in its statistics ($stats/allocations $before -> $after)"
done

# libdmaheap's choices: a camera's usage, and a device that takes only
# contiguous memory (the test importer's contig instance), get the device
# tree's area by one of its names.
expect 0 "from (linux,cma|default_cma_region|reserved), exporter" \
	"libdmaheap's camera usage allocates from the device tree's CMA area" -- \
	"$tool" alloc --usage camera --size 1M
if [ -c "$importer" ]; then
	expect 0 "from (linux,cma|default_cma_region|reserved), exporter" \
		"allocating for the contiguous-only test importer chooses the CMA area" -- \
		"$tool" alloc --for "$importer" --size 4M
else
	skip "allocating for the contiguous-only test importer chooses the CMA area" "no $importer"
fi
expect 0 "linux,cma" "the tool lists linux,cma" -- "$tool" list

# --- non-coherent devices --------------------------------------------------------
sysname=$(cat /sys/module/dmaheap_system/parameters/name 2>/dev/null)
cases 9 "$sync_prog" "/dev/dma_heap/${sysname:-system}"
cases 9 "$sync_prog" /dev/dma_heap/linux,cma
exit "$failed"
