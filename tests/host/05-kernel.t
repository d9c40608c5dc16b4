#!/bin/bash
# Kernel sources on the host: checkpatch --strict, the UAPI header is
# mainline's byte for byte, DKMS builds the modules for Debian's stock kernel,
# and a kernel that already has heaps is refused with a clear message.
top=$(cd "$(dirname "$0")/../.." && pwd)
n=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
kdir=$("$top/tests/vm/build-kernel" test) || { echo "1..1"; echo "not ok 1 - no test kernel tree"; exit 0; }

for f in $(cd "$top" && find kernel -name '*.[ch]' -not -path 'kernel/include/uapi/*' | sort); do
	out=$("$kdir/scripts/checkpatch.pl" --strict --no-tree -q -f "$top/$f" 2>&1)
	[ -z "$out" ] || echo "$out" | sed 's/^/# /'
	ok $([ -z "$out" ] && echo 0 || echo 1) "checkpatch --strict: $f"
done

tar -xOf /usr/src/linux-source-6.1.tar.xz linux-source-6.1/include/uapi/linux/dma-heap.h |
	cmp -s - "$top/kernel/include/uapi/linux/dma-heap.h"
ok $? "kernel/include/uapi/linux/dma-heap.h is mainline's, unchanged"

rel=$(cat "$("$top/tests/vm/build-kernel" stock)/.kernelrelease")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src" "$tmp/dkms"
cp -r "$top/kernel" "$tmp/src/dmaheap-0.1.0"
out=$(dkms build --dkmstree "$tmp/dkms" --sourcetree "$tmp/src" -m dmaheap -v 0.1.0 -k "$rel" 2>&1)
rc=$?
[ $rc = 0 ] || echo "$out" | tail -20 | sed 's/^/# /'
built=$(find "$tmp/dkms" -name '*.ko' -path '*/module/*' -printf '%f\n' | sort | tr '\n' ' ')
ok $([ $rc = 0 ] && [ "$built" = "dma_heap.ko dma_heap_helpers.ko system_heap.ko " ] && echo 0 || echo 1) \
	"dkms build for $rel gives the system heap modules ($built)"

rm -rf "$tmp/dkms"/*
out=$(dkms build --dkmstree "$tmp/dkms" --sourcetree "$tmp/src" -m dmaheap -v 0.1.0 \
	-k "$(cat "$kdir/.kernelrelease")" --kernelsourcedir "$kdir" 2>&1)
rc=$?
[ $rc = 0 ] || echo "$out" | tail -20 | sed 's/^/# /'
built=$(find "$tmp/dkms" -name '*.ko' -path '*/module/*' -printf '%f\n' | sort | tr '\n' ' ')
ok $([ $rc = 0 ] && [ "$built" = "cma_heap.ko dma_heap.ko dma_heap_helpers.ko system_heap.ko " ] && echo 0 || echo 1) \
	"dkms build for the test kernel (CONFIG_DMA_CMA) adds the CMA heap ($built)"

mkdir -p "$tmp/has-heaps"
cp -r "$top/kernel/." "$tmp/has-heaps/"
out=$(make -C "/usr/src/linux-headers-$rel" M="$tmp/has-heaps" CONFIG_DMABUF_HEAPS=y modules 2>&1)
rc=$?
ok $([ $rc != 0 ] && grep -q 'already has DMA-BUF heaps' <<<"$out" && echo 0 || echo 1) \
	"a kernel with CONFIG_DMABUF_HEAPS is refused with a clear message"
echo "1..$n"
