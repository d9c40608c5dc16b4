#!/bin/bash
# Module lifetimes: a live buffer or an open heap node pins the heap module,
# unloading is refused while either exists, and 100 load/unload cycles work
# (kmemleak, checked by the test bed at the end of the run, sees no leak).
mods=$DMAHEAP_MODULES
n=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
heaps=(system_heap)
[ -f "$mods/cma_heap.ko" ] && heaps+=(cma_heap)
nodes=(system)
[ -f "$mods/cma_heap.ko" ] && nodes+=(default_cma_region)

# Allocate one buffer from heap node $1, say "ready", then hold it until killed.
hold_buffer() {
	/usr/bin/python3 - "$1" <<'PY'
import fcntl, os, struct, sys, time
heap = os.open(sys.argv[1], os.O_RDWR)
arg = bytearray(struct.pack("QIIQ", 1 << 20, 0, os.O_RDWR, 0))
fcntl.ioctl(heap, 0xC0184800, arg)  # DMA_HEAP_IOCTL_ALLOC
os.close(heap)                      # only the buffer is left
print("ready", flush=True)
time.sleep(3600)
PY
}

for i in "${!heaps[@]}"; do
	m=${heaps[$i]} node=/dev/dma_heap/${nodes[$i]}
	exec 7<"$node"
	rmmod "$m" 2>/dev/null
	ok $(lsmod | grep -q "^$m " && echo 0 || echo 1) "$m: rmmod refused while $node is open"
	exec 7<&-

	exec 8< <(hold_buffer "$node")
	holder=$!
	read -r -u 8 ready
	ok $([ "$ready" = ready ] && echo 0 || echo 1) "$m: another process holds a buffer"
	rmmod "$m" 2>/dev/null
	ok $(lsmod | grep -q "^$m " && echo 0 || echo 1) "$m: rmmod refused while a buffer is alive"
	kill "$holder"
	exec 8<&-
	wait "$holder" 2>/dev/null
	rmmod "$m"
	ok $? "$m: rmmod works once the buffer and node are gone"
	ok $([ ! -e "$node" ] && echo 0 || echo 1) "$m: $node is gone after unload"
	insmod "$mods/$m.ko"
	ok $? "$m: loads again"
	ok $([ -c "$node" ] && echo 0 || echo 1) "$m: $node is back"
done

# Heap modules are what users reload: 100 cycles of them, each opening a
# node; the core and helpers under them take every tenth cycle. Module loading
# with KASAN under TCG costs over a second a cycle, so the test kernel (where
# kmemleak and KASAN watch) runs 20 cycles and the stock kernel the full 100.
cycles=100
[ "$DMAHEAP_KERNEL" = test ] && cycles=20
errors=0
for c in $(seq $cycles); do
	rmmod "${heaps[@]}" || errors=$((errors + 1))
	for m in "${heaps[@]}"; do
		insmod "$mods/$m.ko" || errors=$((errors + 1))
	done
	head -c 1 /dev/dma_heap/system >/dev/null 2>&1
	[ $((c % 10)) = 0 ] || continue
	rmmod "${heaps[@]}" dma_heap_helpers dma_heap || errors=$((errors + 1))
	for m in dma_heap dma_heap_helpers "${heaps[@]}"; do
		insmod "$mods/$m.ko" || errors=$((errors + 1))
	done
done
ok $errors "$cycles unload/load cycles of the heap modules, $((cycles / 10)) of the whole stack ($errors errors)"
loaded=$(lsmod | grep -cE '^(dma_heap|dma_heap_helpers|system_heap|cma_heap) ')
ok $([ "$loaded" = $((2 + ${#heaps[@]})) ] && echo 0 || echo 1) "all modules loaded at the end ($loaded)"
echo "1..$n"
