#!/bin/bash
# dmaheap's extra heaps: system-uncached, system-dma32, carveout, unmapped.
# Where the guest's kernel command line reserved a range (memmap=SIZE$START,
# as ./check boots every kernel), the carveout module is loaded over it:
# first with bad ranges (each refused with a message naming the range), then
# once with a carveout, an unmapped heap and a range overlapping the first
# (refused, the others created) for the kernel's own selftest and
# tests/guest/heaps.c, which proves through the test importer what devices
# get. Afterwards the module is loaded again as the guest booted it, without
# ranges (except where the kernel's core made the nodes: it stays).
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${DMAHEAP_BUILD:-$top/build}
mods=$DMAHEAP_MODULES
ko=$mods/dmaheap_carveout.ko
. "$(dirname "$0")/../tap.sh"

# The first memmap=SIZE$START of the command line, in bytes.
reserved=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^memmap=\([0-9]*[KMG]\)\$\(0x[0-9a-fA-F]*\)$/\1 \2/p' | head -n1)
bytes() { numfmt --from=iec "$1"; }

# load ARGS...: insmod the carveout module; prints what the kernel logged.
load() {
	local before
	before=$(dmesg | wc -l)
	insmod "$ko" "$@" 2>/dev/null
	local rc=$?
	dmesg | tail -n +$((before + 1)) | sed -n 's/.*carveout_heap: //p'
	return $rc
}

# heaps ARGS...: tests/guest/heaps.c, its cases numbered after this script's.
heaps() {
	local line
	while IFS= read -r line; do
		case "$line" in
		"ok "* | "not ok "*)
			n=$((n + 1))
			sed -E "s/^(ok|not ok) [0-9]+/\1 $n/" <<<"$line"
			;;
		1..*) ;;
		*) echo "$line" ;;
		esac
	done < <("$build/tests/guest/heaps" "$@" 2>&1)
}

if [ ! -f "$ko" ] || [ -z "$reserved" ]; then
	why="no range reserved with memmap= on the kernel command line"
	[ -f "$ko" ] || why="dmaheap_carveout is not built for this kernel (no genalloc)"
	skip "carveout parameters checked at load" "$why"
	heaps
	echo "1..$n"
	exit 0
fi

read -r rsize rstart <<<"$reserved"
size=$(bytes "$rsize")
start=$((rstart))
half=$((size / 2))
hex() { printf '%#x' "$1"; }
rmmod dmaheap_carveout 2>/dev/null

# --- bad ranges --------------------------------------------------------------
# a 16 MiB range of RAM in use: the second "System RAM" entry (above 1 MiB)
ram=$(grep -E '^[0-9a-f]+-[0-9a-f]+ : System RAM' /proc/iomem | sed -n 2p | cut -d- -f1)
out=$(load carveout="ram=16M@0x$ram")
rc=$?
result $([ $rc != 0 ] && grep -q "ram: range \[.*\] overlaps System RAM" <<<"$out" && echo 0 || echo 1) \
	"a range in System RAM is refused, naming it: $(head -n1 <<<"$out")"
out=$(load carveout="odd=16M@$(hex $((start + 2048)))")
rc=$?
result $([ $rc != 0 ] && grep -q "odd: range .* not page aligned" <<<"$out" && echo 0 || echo 1) \
	"an unaligned range is refused: $(head -n1 <<<"$out")"
out=$(load unmapped="gone=16M@0x7000000000")
rc=$?
result $([ $rc != 0 ] && grep -q "gone: range \[.*\] is not reserved memory" <<<"$out" && echo 0 || echo 1) \
	"a range nothing reserved is refused: $(head -n1 <<<"$out")"
out=$(load carveout="nonsense")
rc=$?
result $([ $rc != 0 ] && grep -q "is not NAME=SIZE@START" <<<"$out" && echo 0 || echo 1) \
	"a malformed parameter is refused: $(head -n1 <<<"$out")"
# --- carveout and unmapped, one load: a third range overlapping the first ----
# Loaded once: where the kernel's own core made the nodes (7.x), a module
# that registered a heap can never be unloaded.
sysname=$(cat /sys/module/dmaheap_system/parameters/name 2>/dev/null)
kernel_nodes=0
[ -e "/sys/class/dmaheap/$sysname" ] && [ ! -e "/sys/class/dmaheap/$sysname/dev" ] && kernel_nodes=1
out=$(load carveout="carveout=$((half >> 20))M@$(hex $start),second=16M@$(hex $((start + half / 2)))" \
	unmapped="unmapped=$((half >> 20))M@$(hex $((start + half)))")
rc=$?
result $([ $rc = 0 ] && [ -c /dev/dma_heap/carveout ] && [ -c /dev/dma_heap/unmapped ] &&
	[ ! -e /dev/dma_heap/second ] && grep -q "second: range \[.*\] is already claimed" <<<"$out" &&
	echo 0 || echo 1) \
	"overlapping ranges: the first becomes a heap, the second is refused: $(grep second <<<"$out" | head -n1)"

# --- the kernel's own selftest on the carveout ----------------------------------
selftest=$build/tests/kernel/dmabuf-heap
if [ ! -x "$selftest" ]; then
	skip "the kernel's selftest on the carveout heap" "$selftest is not built (testbed/kernel/build-selftest)"
else
	# It runs on every heap in /dev/dma_heap: give it one with only the
	# carveout's node, in a mount namespace of its own.
	dev=$(stat -c '%t %T' /dev/dma_heap/carveout)
	out=$(unshare -m sh -c 'mount -t tmpfs tmpfs /dev/dma_heap &&
		mknod /dev/dma_heap/carveout c $((0x${1% *})) $((0x${1#* })) && exec "$2"' sh "$dev" "$selftest" 2>&1)
	results=$(awk '/^Testing heap: /{ h = $3; next } h == "carveout" && /Testing .*:/' <<<"$out")
	bad=$(grep -vc 'OK' <<<"$results")
	result $([ -n "$results" ] && [ "$bad" = 0 ] && echo 0 || echo 1) \
		"the kernel's selftest passes on the carveout heap ($(grep -c . <<<"$results") checks, $bad failed)"
	[ "$bad" = 0 ] || sed 's/^/# /' <<<"$results"
fi

# --- carveout and unmapped, proven by the test importer -------------------------
heaps carveout $half "$(hex $((start + half - 1)))" unmapped $half "$(hex $((start + size - 1)))"

if [ "$kernel_nodes" = 1 ]; then
	rmmod dmaheap_carveout 2>/dev/null
	result $(lsmod | grep -q '^dmaheap_carveout ' && echo 0 || echo 1) \
		"dmaheap_carveout stays: the kernel's core made its nodes and cannot remove heaps"
	echo "1..$n"
	exit 0
fi
rmmod dmaheap_carveout
result $? "dmaheap_carveout unloads once its buffers are gone"
load >/dev/null
result $? "dmaheap_carveout loads again without ranges, as at boot"
echo "1..$n"
