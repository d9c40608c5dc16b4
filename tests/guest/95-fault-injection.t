#!/bin/bash
# Fault injection (failslab, fail_page_alloc, /proc/thread-self/fail-nth):
# every path of every dmaheap heap (alloc, attach+map, vmap, CPU access,
# mmap, release) and the loading of a heap module, with the Nth kernel allocation
# failing for every N until the operation succeeds
# (tests/guest/fault-inject.c). Each failure must be a clean errno, nothing
# may be left behind (heap statistics, fds; kmemleak is read by the test bed
# at the end of the run) and no checker may report. Needs a kernel with
# CONFIG_FAULT_INJECTION and its debugfs knobs: the test kernel.
#
# The injected failures' own messages (the allocator's "page allocation
# failure" and "vmalloc error" dumps, a checker that could not allocate, the
# dma-buf core's WARN when an exporter's vmap fails) are
# expected: the runs are bracketed by "dmaheap-fault-injection: begin/end"
# in the kernel log, and testbed/vm/run leaves such messages out between the
# two (counted), while any other report there fails the run as anywhere.
# It runs last: DMA-API debug turns itself off for good when its own
# tracking allocation is the one that fails.
. "$(dirname "$0")/../tap.sh"

bin=$DMAHEAP_BUILD/tests/guest/fault-inject
[ -x "$bin" ] || skip_all "$bin is not built (ninja -C build)"
[ -e /proc/self/fail-nth ] || skip_all "this kernel has no fail-nth (CONFIG_FAULT_INJECTION)"
dbg=/sys/kernel/debug
[ -d $dbg/failslab ] && [ -d $dbg/fail_page_alloc ] ||
	skip_all "this kernel lacks failslab or fail_page_alloc in debugfs (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS)"

# fail-nth decides which call fails; these knobs decide which calls count:
# every one (sleeping, highmem, order 0), silently (the test bed would take
# the injection's own stack dump for a report).
declare -A saved
knob() { # FILE VALUE
	saved[$1]=$(cat "$1")
	echo "$2" >"$1"
}
restore() {
	for f in "${!saved[@]}"; do echo "${saved[$f]}" >"$f"; done
}
trap restore EXIT
knob $dbg/failslab/ignore-gfp-wait N
knob $dbg/failslab/verbose 0
knob $dbg/fail_page_alloc/ignore-gfp-wait N
knob $dbg/fail_page_alloc/ignore-gfp-highmem N
knob $dbg/fail_page_alloc/min-order 0
knob $dbg/fail_page_alloc/verbose 0

# dmaheap's heaps: those with statistics.
heaps=()
for h in /dev/dma_heap/*; do
	h=${h##*/}
	[ -d "/sys/class/dma_heap/$h/stats" ] || [ -d "/sys/class/dmaheap/$h/stats" ] && heaps+=("$h")
done
importer=
[ -c /dev/dmaheap-importer/any ] && importer=any
cma_ko=$DMAHEAP_MODULES/dmaheap_cma.ko
echo "1..$((${#heaps[@]} * 6 + 1))"
echo "# heaps: ${heaps[*]}; importer: ${importer:-none}"

mark() { echo "dmaheap-fault-injection: $1" >/dev/kmsg; }
mark begin
out=$(for h in "${heaps[@]}"; do "$bin" "$h" $importer; done 2>&1)
while IFS= read -r line; do
	case "$line" in
	"ok - "* | "not ok - "*)
		n=$((n + 1))
		echo "${line/ok - /ok $n - }"
		;;
	*) echo "# $line" ;;
	esac
done <<<"$out"

if lsmod | grep -q '^dmaheap_cma ' && rmmod dmaheap_cma 2>/dev/null; then
	line=$("$bin" --module "$cma_ko" 2>&1 | tail -n1)
	lsmod | grep -q '^dmaheap_cma ' || insmod "$cma_ko"
	n=$((n + 1))
	echo "${line/ok - /ok $n - }"
else
	n=$((n + 1))
	echo "ok $n - loading a heap module under fault injection # SKIP dmaheap_cma is not loaded, or cannot be unloaded here (the kernel's core owns its node)"
fi
mark end
