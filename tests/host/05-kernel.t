#!/bin/bash
# Kernel sources on the host: checkpatch --strict (the 6.1 tree's and the
# newest tree's), the UAPI header is mainline's byte for byte, DKMS picks the
# right modules for each kind of kernel by itself, and a tree the modules
# cannot be built for stops with a message naming the kernel, the missing
# piece and what to do.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/../tap.sh"
kdir=$("$top/testbed/vm/build-kernel" test) || { echo "1..1"; echo "not ok 1 - no test kernel tree"; exit 0; }
# The other trees are used when cached (./check builds them first).
mainline=$("$top/testbed/vm/build-kernel" --cached mainline 2>/dev/null)
trixie=$("$top/testbed/vm/build-kernel" --cached trixie 2>/dev/null)

for f in $(cd "$top" && find kernel -name '*.[ch]' -not -path 'kernel/include/uapi/*' | sort); do
	out=""
	for tree in "$kdir" $mainline; do
		out+=$("$tree/scripts/checkpatch.pl" --strict --no-tree -q -f "$top/$f" 2>&1)
	done
	[ -z "$out" ] || echo "$out" | sed 's/^/# /'
	result $([ -z "$out" ] && echo 0 || echo 1) "checkpatch --strict${mainline:+ (6.1's and $(cat "$mainline/.kernelrelease")'s)}: $f"
done

tar -xOf /usr/src/linux-source-6.1.tar.xz linux-source-6.1/include/uapi/linux/dma-heap.h |
	cmp -s - "$top/kernel/include/uapi/linux/dma-heap.h"
result $? "kernel/include/uapi/linux/dma-heap.h is mainline's, unchanged"

rel=$(cat "$("$top/testbed/vm/build-kernel" stock)/.kernelrelease")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src" "$tmp/dkms"
cp -r "$top/kernel" "$tmp/src/dmaheap-0.1.0"
dkms_built() { find "$tmp/dkms" -name '*.ko' -path '*/module/*' -printf '%f\n' | sort | tr '\n' ' '; }
# dkms_build SOURCETREE DKMS-ARGS...: a clean DKMS build; sets out, rc, built
dkms_build() {
	local src=$1
	shift
	rm -rf "${tmp:?}/dkms"/*
	out=$(dkms build --dkmstree "$tmp/dkms" --sourcetree "$src" -m dmaheap -v 0.1.0 "$@" 2>&1)
	rc=$?
	[ $rc = 0 ] || echo "$out" | tail -20 | sed 's/^/# /'
	built=$(dkms_built)
}
dkms_build "$tmp/src" -k "$rel"
result $([ $rc = 0 ] && [ "$built" = "dmaheap_carveout.ko dmaheap_core.ko dmaheap_helpers.ko dmaheap_system.ko " ] && echo 0 || echo 1) \
	"dkms build for $rel (no heaps, no CMA): dmaheap's core, system and carveout heaps, never the test importer ($built)"

dkms_build "$tmp/src" -k "$(cat "$kdir/.kernelrelease")" --kernelsourcedir "$kdir"
result $([ $rc = 0 ] && [ "$built" = "dmaheap_carveout.ko dmaheap_cma.ko dmaheap_core.ko dmaheap_helpers.ko dmaheap_system.ko " ] && echo 0 || echo 1) \
	"dkms build for the test kernel (CONFIG_DMA_CMA) adds the CMA heap ($built)"

if [ -n "$mainline" ]; then
	dkms_build "$tmp/src" -k "$(cat "$mainline/.kernelrelease")" --kernelsourcedir "$mainline"
	result $([ $rc = 0 ] && [ "$built" = "dmaheap_carveout.ko dmaheap_helpers.ko dmaheap_registrar.ko dmaheap_system.ko " ] &&
		grep -qs 'exports dma_heap_add: dmaheap_registrar registers' "$tmp/dkms/dmaheap/0.1.0/$(cat "$mainline/.kernelrelease")/x86_64/log/make.log" &&
		echo 0 || echo 1) \
		"dkms build for $(cat "$mainline/.kernelrelease") (heaps built in, dma_heap_add exported): the registrar, no CMA heap of dmaheap's ($built)"
else
	skip "dkms build for the mainline kernel" "no cached mainline tree (testbed/vm/build-kernel mainline)"
fi

if [ -n "$trixie" ]; then
	theaders=/usr/src/linux-headers-$(cat "$trixie/.kernelrelease")
	out=$(make -s -C "$top/kernel" KDIR="$trixie/buildroot$theaders" explain 2>&1)
	list=$(make -s -C "$top/kernel" KDIR="$trixie/buildroot$theaders" list 2>&1)
	result $([ "$list" = "dmaheap_registrar dmaheap_helpers dmaheap_system dmaheap_carveout" ] &&
		grep -q 'does not export dma_heap_add' <<<"$out" && grep -q '"system-pooled"' <<<"$out" && echo 0 || echo 1) \
		"make list for Debian 13's $(cat "$trixie/.kernelrelease"): registrar with nodes of its own, \"system-pooled\" ($list)"
else
	skip "make list for Debian 13's kernel" "no cached trixie tree (testbed/vm/build-kernel trixie)"
fi

# Trees that cannot build the modules: each named, with what to do.
fake=$tmp/fake
mkdir -p "$fake/include/config"
out=$(make -s -C "$top/kernel" KDIR="$tmp/nonexistent" list 2>&1)
rc=$?
result $([ $rc != 0 ] && grep -q "$tmp/nonexistent is not a configured kernel tree.*install the kernel's headers" <<<"$out" && echo 0 || echo 1) \
	"a missing kernel tree is named, with the headers package to install"
echo 5.10.0-30-amd64 >"$fake/include/config/kernel.release"
: >"$fake/include/config/auto.conf"
out=$(make -s -C "$top/kernel" KDIR="$fake" list 2>&1)
rc=$?
result $([ $rc != 0 ] && grep -q 'kernel 5.10.0-30-amd64 is older than 6.1' <<<"$out" && echo 0 || echo 1) \
	"a kernel older than 6.1 is refused, naming it"
echo 6.6.0 >"$fake/include/config/kernel.release"
echo CONFIG_DMABUF_HEAPS=y >"$fake/include/config/auto.conf"
out=$(make -s -C "$top/kernel" KDIR="$fake" list 2>&1)
rc=$?
result $([ $rc != 0 ] && grep -q 'kernel 6.6.0 has a built-in dma-heap core but its tree has no Module.symvers' <<<"$out" && echo 0 || echo 1) \
	"a tree with heaps built in but no Module.symvers is refused: nothing says whether dma_heap_add is exported"
mkdir -p "$tmp/src2/dmaheap-0.1.0" && cp -r "$top/kernel/." "$tmp/src2/dmaheap-0.1.0/"
dkms_build "$tmp/src2" -k 6.6.0 --kernelsourcedir "$fake" 2>/dev/null
result $([ $rc != 0 ] && [ -z "$built" ] && echo 0 || echo 1) \
	"and DKMS builds and installs nothing for it (status $rc)"
echo "1..$n"
