#!/bin/bash
# The kernel's own selftest (tools/testing/selftests/dmabuf-heaps), built
# unchanged, on every heap in /dev/dma_heap: each of its checks is a TAP case.
bin=$DMAHEAP_BUILD/tests/kernel/dmabuf-heap
if [ ! -x "$bin" ]; then
	echo "1..1"
	echo "not ok 1 - selftest binary missing: run testbed/kernel/build-selftest${DMAHEAP_ARCH:+ --arch=$DMAHEAP_ARCH}"
	exit 0
fi
out=$("$bin" 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
n=0
heap=""
while IFS= read -r line; do
	case "$line" in
	"Testing heap: "*) heap=${line#Testing heap: } ;;
	*"Testing "*:*)
		n=$((n + 1))
		what=$(sed -E 's/^ *Testing ([^:]*):.*/\1/' <<<"$line")
		result=$(sed -E 's/^[^:]*: *//' <<<"$line")
		case "$result" in
		*OK*) echo "ok $n - $heap: $what" ;;
		*) echo "not ok $n - $heap: $what: $result" ;;
		esac
		;;
	esac
done <<<"$out"
n=$((n + 1))
if [ "$rc" = 0 ]; then
	echo "ok $n - selftest exit status 0"
else
	echo "not ok $n - selftest exit status $rc"
fi
heaps=$(ls /dev/dma_heap 2>/dev/null | wc -l)
n=$((n + 1))
# stock: dmaheap's system; test: and its CMA heap; trixie: the kernel's
# system and dmaheap's system-pooled; mainline: the kernel's system and CMA
# heaps and dmaheap's system-pooled.
case "$DMAHEAP_KERNEL" in
test | trixie) expect=2 ;;
mainline) expect=3 ;;
*) expect=1 ;;
esac
if [ "$heaps" -ge "$expect" ]; then
	echo "ok $n - $heaps heaps tested ($(ls /dev/dma_heap | tr '\n' ' '))"
else
	echo "not ok $n - only $heaps heaps in /dev/dma_heap, expected $expect or more"
fi
echo "1..$n"
