#!/bin/bash
# The dmaheap tool in the guest: list, alloc (from every heap, by usage, and
# through the udmabuf fallback), info on a process holding buffers, bench,
# and permission denied for a user without access.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
tool=${DMAHEAP_BUILD:-$top/build}/tools/dmaheap
. "$(dirname "$0")/../tap.sh"
json_ok() { python3 -c 'import json, sys; json.load(sys.stdin)'; }

if [ ! -x "$tool" ]; then
	echo "1..1"
	echo "not ok 1 - $tool is not built (ninja -C build)"
	exit 1
fi
heaps=()
if [ -d /dev/dma_heap ]; then
	mapfile -t heaps < <(ls /dev/dma_heap)
fi
udmabuf=0
[ -e /dev/udmabuf ] && udmabuf=1
echo "# kernel ${DMAHEAP_KERNEL:-?}: heaps: ${heaps[*]:-none}; udmabuf: $udmabuf"

expect 0 "^udmabuf: " "list" -- "$tool" list
listed=$out
echo "$listed" | sed 's/^/# /'
for h in "${heaps[@]}"; do
	grep -q "^$h " <<<"$listed"
	result $? "list shows heap $h"
	expect 0 "from $h, exporter $h, name '$h'" "alloc 8M from $h, named after it" -- \
		"$tool" alloc --heap "$h" --size 8M --count 2
done
"$tool" list --json | json_ok
result $? "list --json is JSON"

if [ ${#heaps[@]} -gt 0 ]; then
	expect 0 "^fd [0-9]+: 8 MiB from " "alloc --usage scanout finds a heap" -- \
		"$tool" alloc --usage scanout --size 8M
	# Without access to the node, the message gives the udev rule.
	expect 1 "udev rule such as SUBSYSTEM==\"dma_heap\"" \
		"permission denied for nobody names the udev rule" -- \
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$tool" alloc --heap "${heaps[0]}" --size 4K
else
	expect 1 "load the dmaheap kernel modules" "no heaps: alloc --usage scanout says to load the modules" -- \
		"$tool" alloc --usage scanout --size 8M
	skip "permission denied for nobody names the udev rule" "no heaps"
fi

if [ $udmabuf = 1 ]; then
	expect 0 "from udmabuf, exporter udmabuf, name 'udmabuf'" \
		"no heap directory: alloc --usage camera falls back to udmabuf" -- \
		env DMAHEAP_TEST_HEAP_DIR=/nonexistent "$tool" alloc --usage camera --size 3M --udmabuf-fallback
else
	skip "alloc falls back to udmabuf" "no /dev/udmabuf"
fi
expect 1 "no heap for usage 'camera': tried default_cma_region, linux,cma, reserved, system;" \
	"no heap and no fallback allowed: exit 1, every heap tried named" -- \
	env DMAHEAP_TEST_HEAP_DIR=/nonexistent "$tool" alloc --usage camera --size 3M
expect 0 "holds no dma-buf fds" "info --self" -- "$tool" info --self

# A process holding buffers, seen from another one.
if [ ${#heaps[@]} -gt 0 ] || [ $udmabuf = 1 ]; then
	log=$(mktemp)
	"$tool" alloc --usage cpu --udmabuf-fallback --size 2M --count 2 --hold 60 >"$log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		grep -q holding "$log" && break
		sleep 0.2
	done
	inode=$(sed -n 's/.*inode \([0-9]*\)$/\1/p' "$log" | head -n1)
	exporter=$(sed -n 's/.*exporter \([^,]*\),.*/\1/p' "$log" | head -n1)
	expect 0 "^$inode +2 MiB +$exporter +$exporter " "info PID shows the held buffers, inode $inode" -- \
		"$tool" info "$pid"
	grep -qE "^[0-9]+ +2 MiB .* (none|[a-z0-9])" <<<"$out"
	result $? "info PID has a devices column from bufinfo"
	"$tool" info --json "$pid" | python3 -c 'import json, sys; d = json.load(sys.stdin); sys.exit(0 if len(d["buffers"]) == 2 and d["devices_known"] else 1)'
	result $? "info --json: two buffers, devices known"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$log"
else
	for i in 1 2 3; do skip "info on a process holding buffers ($i)" "no heap, no udmabuf"; done
fi

expect 0 "^4 KiB +memset" "bench runs: memset, udmabuf and every heap in one run" -- \
	"$tool" bench --sizes 4K,1M --iterations 5
for h in "${heaps[@]}" $([ $udmabuf = 1 ] && echo udmabuf); do
	grep -qE "^1 MiB +$h +5 +[0-9.]+ +[0-9.]+ +[0-9.]+$" <<<"$out"
	result $? "bench has a 1 MiB row for $h"
done
echo "$out" | sed 's/^/# /'
"$tool" bench --sizes 64K --iterations 3 --json | json_ok
result $? "bench --json is JSON"

echo "1..$n"
exit $failed
