#!/bin/bash
# dmaheap's extra heaps: system-uncached, system-dma32, carveout, unmapped.
# Where the guest's kernel command line reserved a range (memmap=SIZE$START,
# as ./check boots every kernel), the carveout module is loaded over it:
# first with bad ranges (each refused with a message naming the range, the
# good ones still created), then with a carveout for the kernel's own
# selftest, then with a carveout and an unmapped heap for tests/guest/heaps.c,
# which proves through the test importer what devices get. Afterwards the
# module is loaded again as the guest booted it, without ranges.
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${DMAHEAP_BUILD:-$top/build}
mods=$DMAHEAP_MODULES
ko=$mods/dmaheap_carveout.ko
n=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

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
ok $([ $rc != 0 ] && grep -q "ram: range \[.*\] overlaps System RAM" <<<"$out" && echo 0 || echo 1) \
	"a range in System RAM is refused, naming it: $(head -n1 <<<"$out")"
out=$(load carveout="odd=16M@$(hex $((start + 2048)))")
rc=$?
ok $([ $rc != 0 ] && grep -q "odd: range .* not page aligned" <<<"$out" && echo 0 || echo 1) \
	"an unaligned range is refused: $(head -n1 <<<"$out")"
out=$(load unmapped="gone=16M@0x7000000000")
rc=$?
ok $([ $rc != 0 ] && grep -q "gone: range \[.*\] is not reserved memory" <<<"$out" && echo 0 || echo 1) \
	"a range nothing reserved is refused: $(head -n1 <<<"$out")"
out=$(load carveout="nonsense")
rc=$?
ok $([ $rc != 0 ] && grep -q "is not NAME=SIZE@START" <<<"$out" && echo 0 || echo 1) \
	"a malformed parameter is refused: $(head -n1 <<<"$out")"
out=$(load carveout="first=$((half >> 20))M@$(hex $start),second=$((half >> 20))M@$(hex $((start + half / 2)))")
rc=$?
ok $([ $rc = 0 ] && [ -c /dev/dma_heap/first ] && [ ! -e /dev/dma_heap/second ] &&
	grep -q "second: range \[.*\] is already claimed" <<<"$out" && echo 0 || echo 1) \
	"overlapping ranges: the first becomes a heap, the second is refused: $(grep second <<<"$out" | head -n1)"
rmmod dmaheap_carveout

# --- the kernel's own selftest on a carveout ------------------------------------
selftest=$build/tests/kernel/dmabuf-heap
if ! load carveout="carveout=$((size >> 20))M@$(hex $start)" >/dev/null; then
	ok 1 "the carveout module loads over the reserved range for the selftest"
elif [ ! -x "$selftest" ]; then
	skip "the kernel's selftest on the carveout heap" "$selftest is not built (tests/kernel/build-selftest)"
	rmmod dmaheap_carveout
else
	out=$("$selftest" 2>&1)
	results=$(awk '/^Testing heap: /{ h = $3; next } h == "carveout" && /Testing .*:/' <<<"$out")
	bad=$(grep -vc 'OK' <<<"$results")
	ok $([ -n "$results" ] && [ "$bad" = 0 ] && echo 0 || echo 1) \
		"the kernel's selftest passes on the carveout heap ($(grep -c . <<<"$results") checks, $bad failed)"
	[ "$bad" = 0 ] || sed 's/^/# /' <<<"$results"
	rmmod dmaheap_carveout
fi

# --- carveout and unmapped, proven by the test importer -------------------------
if load carveout="carveout=$((half >> 20))M@$(hex $start)" \
	unmapped="unmapped=$((half >> 20))M@$(hex $((start + half)))" >/dev/null; then
	heaps carveout $half "$(hex $((start + half - 1)))" \
		unmapped $half "$(hex $((start + size - 1)))"
	rmmod dmaheap_carveout
else
	ok 1 "the carveout module loads with a carveout and an unmapped heap"
fi

load >/dev/null
ok $? "dmaheap_carveout loads again without ranges, as at boot"
echo "1..$n"
