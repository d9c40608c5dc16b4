#!/bin/bash
# The dmaheap tool on the host, where no heap exists: help, exit statuses,
# bad input, and the messages that say what to do. Heaps are faked with
# DMAHEAP_TEST_HEAP_DIR (a directory of plain files, for tests only).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${DMAHEAP_BUILD:-$top/build}
tool=$build/tools/dmaheap
. "$(dirname "$0")/../tap.sh"
json_ok() { python3 -c 'import json, sys; json.load(sys.stdin)'; }

echo "1..33"
if [ ! -x "$tool" ]; then
	for i in $(seq 31); do echo "not ok $i - $tool is not built (ninja -C build)"; done
	exit 1
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/heaps"
: >"$scratch/heaps/system"
: >"$scratch/heaps/linux,cma"

expect 0 "Commands:" "dmaheap --help" -- "$tool" --help
for c in list alloc info bench; do
	expect 0 "^usage: dmaheap $c" "dmaheap $c --help" -- "$tool" $c --help
done
expect 2 "no command given" "no command: exit 2" -- "$tool"
expect 2 "unknown command 'frob'" "unknown command: exit 2" -- "$tool" frob
expect 2 "size 0: a buffer needs" "alloc --size 0: exit 2" -- "$tool" alloc --heap system --size 0
expect 2 "unknown suffix" "alloc --size 12Q: exit 2" -- "$tool" alloc --heap system --size 12Q
expect 2 "is required" "alloc without --size: exit 2" -- "$tool" alloc --heap system
expect 2 "exactly one of --heap" "alloc with --heap and --usage: exit 2" -- "$tool" alloc --heap system --usage cpu --size 4K
expect 2 "unknown usage 'display'" "alloc --usage display: exit 2, usages listed" -- "$tool" alloc --usage display --size 4K
expect 2 "bad option" "an unknown option: exit 2" -- "$tool" list --frob
expect 1 "no heap for usage 'scanout': tried default_cma_region, linux,cma, reserved, system; .* load the dmaheap kernel modules" \
	"no heaps at all: exit 1, says what was tried and to load the modules" -- \
	env DMAHEAP_TEST_HEAP_DIR="$scratch/none" "$tool" alloc --usage scanout --size 8M
expect 1 "no heap 'nope' in .*heaps present: linux,cma, system" \
	"an unknown heap: exit 1, the heaps present listed" -- \
	env DMAHEAP_TEST_HEAP_DIR="$scratch/heaps" "$tool" alloc --heap nope --size 4K
expect 1 "allocating 4 KiB from heap 'linux,cma'.*not a dma-heap node" \
	"scanout picks linux,cma; a node that is no heap fails with a message" -- \
	env DMAHEAP_TEST_HEAP_DIR="$scratch/heaps" "$tool" alloc --usage scanout --size 4K
expect 1 "DMAHEAP_HEAPS: unknown usage 'bogus'" "a malformed DMAHEAP_HEAPS: exit 1, named" -- \
	env DMAHEAP_HEAPS="bogus=system" "$tool" alloc --usage cpu --size 4K
expect 1 "tried mine, udmabuf; " "DMAHEAP_HEAPS and the udmabuf fallback are tried in order" -- \
	env DMAHEAP_HEAPS="cpu=mine" DMAHEAP_TEST_HEAP_DIR="$scratch/heaps" \
	DMAHEAP_TEST_UDMABUF="$scratch/none" "$tool" alloc --usage cpu --size 4K --udmabuf-fallback
expect 0 "load the dmaheap kernel modules" "list with no heaps: exit 0, says to load the modules" -- \
	env DMAHEAP_TEST_HEAP_DIR="$scratch/none" "$tool" list
expect 0 "^linux,cma .*yes\?" "list shows fake heaps, contiguity guessed from the name" -- \
	env DMAHEAP_TEST_HEAP_DIR="$scratch/heaps" "$tool" list
DMAHEAP_TEST_HEAP_DIR="$scratch/heaps" "$tool" list --json | json_ok
result $? "list --json is JSON"
# Properties the kernel publishes (a fake sysfs) against the name table's.
mkdir -p "$scratch/sysfs/dma_heap/linux,cma" "$scratch/sysfs/empty"
printf '1\n' >"$scratch/sysfs/dma_heap/linux,cma/contiguous"
printf '0\n' >"$scratch/sysfs/dma_heap/linux,cma/cached"
printf '0\n' >"$scratch/sysfs/dma_heap/linux,cma/cpu_access"
printf '0xffffffff\n' >"$scratch/sysfs/dma_heap/linux,cma/max_address"
expect 0 "^system +ok +no\? +yes\? +yes\? +any\? " \
	"list: system's properties from the name table, marked ?" -- \
	env DMAHEAP_TEST_HEAP_DIR="$scratch/heaps" DMAHEAP_TEST_SYSFS_DIR="$scratch/sysfs/empty" "$tool" list
expect 0 "^linux,cma +ok +yes +no +no +<4 GiB +" \
	"list: published contiguous, cached, cpu_access and max_address, unmarked" -- \
	env DMAHEAP_TEST_HEAP_DIR="$scratch/heaps" DMAHEAP_TEST_SYSFS_DIR="$scratch/sysfs/dma_heap" "$tool" list
expect 0 "^\?: taken from the heap's name" "list: says what ? means" -- \
	env DMAHEAP_TEST_HEAP_DIR="$scratch/heaps" DMAHEAP_TEST_SYSFS_DIR="$scratch/sysfs/dma_heap" "$tool" list
DMAHEAP_TEST_HEAP_DIR="$scratch/heaps" DMAHEAP_TEST_SYSFS_DIR="$scratch/sysfs/dma_heap" "$tool" list --json |
	python3 -c 'import json, sys
h = {x["name"]: x for x in json.load(sys.stdin)["heaps"]}
c, s = h["linux,cma"], h["system"]
sys.exit(not (c["cpu_access"] is False and c["secure"] is True and c["max_address"] == "0xffffffff"
	and c["from_kernel"] == ["contiguous", "cached", "cpu_access", "max_address"]
	and s["cpu_access"] is True and s["max_address"] == "0xffffffffffffffff" and s["from_kernel"] == []))'
result $? "list --json: cpu_access, max_address and what came from the kernel"
expect 0 "holds no dma-buf fds" "info --self" -- "$tool" info --self
expect 2 "not a process id" "info with a bad pid: exit 2" -- "$tool" info 12x
expect 1 "no process 2147483647" "info for no such process: exit 1" -- "$tool" info 2147483647
expect 0 "^4 KiB +memset +3 " "bench measures memset without heaps" -- \
	env DMAHEAP_TEST_HEAP_DIR="$scratch/none" "$tool" bench --sizes 4K --iterations 3 --no-udmabuf
DMAHEAP_TEST_HEAP_DIR="$scratch/none" "$tool" bench --sizes 4K,64K --iterations 3 --json 2>/dev/null | json_ok
result $? "bench --json is JSON"
expect 2 "at least one byte" "bench --sizes 4K,0: exit 2" -- "$tool" bench --sizes 4K,0
# The test-only variables are ignored in setuid programs (secure_getenv): a
# setuid copy of a program that prints the context's heap directory, run by
# root, sees /dev/dma_heap whatever DMAHEAP_TEST_HEAP_DIR says.
prog=$build/lib/tests/secure-env
suid=$build/lib/tests/secure-env-setuid
rm -f "$suid"
why="not root, or $prog not built"
findmnt -no OPTIONS --target "$build" 2>/dev/null | grep -qw nosuid && why="$build is on a nosuid mount"
if [ "$(id -u)" = 0 ] && [ -x "$prog" ] && [ "$why" != "$build is on a nosuid mount" ] &&
	cp "$prog" "$suid" && chown nobody "$suid" && chmod 4755 "$suid"; then
	expect 0 "^$scratch/heaps\$" "a program follows DMAHEAP_TEST_HEAP_DIR" -- \
		env DMAHEAP_TEST_HEAP_DIR="$scratch/heaps" "$prog"
	expect 0 "^/dev/dma_heap\$" "the same program setuid ignores it (secure_getenv): /dev/dma_heap" -- \
		env DMAHEAP_TEST_HEAP_DIR="$scratch/heaps" "$suid"
else
	skip "a program follows DMAHEAP_TEST_HEAP_DIR" "$why"
	skip "the same program setuid ignores it" "$why"
fi
rm -f "$suid"
exit $failed
