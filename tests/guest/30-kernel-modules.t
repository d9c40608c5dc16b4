#!/bin/bash
# Module lifetimes and coexistence. Where dmaheap is the core (a kernel
# without heaps), or a registrar with nodes of its own beside a kernel's
# core: a live buffer or an open heap node pins the heap module, unloading
# is refused while either exists, and 100 load/unload cycles work (kmemleak,
# checked by the test bed at the end of the run, sees no leak). Where the
# kernel's own dma_heap_add() made the nodes: unloading is always refused.
# Beside a kernel's core, nothing of the kernel's is shadowed (one "system",
# the kernel's) and dmaheap's heaps still answer at /dev/dma_heap/<name>.
# A name that is taken is refused with a log line naming it.
mods=$DMAHEAP_MODULES
. "$(dirname "$0")/../tap.sh"

mapfile -t order < <(sed 's|.*/||; s|\.k\?o$||' "$mods/modules.order")
core=${order[0]}
# The carveout module, loaded without ranges, has no heap to test here
# (45-heaps.t does): out of the way, and back at the end.
if lsmod | grep -q '^dmaheap_carveout ' && rmmod dmaheap_carveout; then
	trap 'insmod "$mods/dmaheap_carveout.ko"' EXIT
fi
sysname=$(cat /sys/module/dmaheap_system/parameters/name 2>/dev/null)
heaps=(dmaheap_system) nodes=("$sysname")
if [ -f "$mods/dmaheap_cma.ko" ]; then
	heaps+=(dmaheap_cma)
	nodes+=(default_cma_region)
fi
if [ "$core" = dmaheap_core ]; then
	mode=own class=dma_heap
elif [ -e "/sys/class/dmaheap/$sysname" ] && [ ! -e "/sys/class/dmaheap/$sysname/dev" ]; then
	mode=kernel class=dmaheap
else
	mode=registrar class=dmaheap
fi
echo "# modules: ${order[*]}; heaps: ${nodes[*]}; nodes made by: $mode"

# Allocate one buffer from heap node $1, say "ready" and the buffer's
# exporter name, then hold it until killed.
hold_buffer() {
	/usr/bin/python3 - "$1" <<'PY'
import fcntl, os, struct, sys, time
heap = os.open(sys.argv[1], os.O_RDWR)
arg = bytearray(struct.pack("QIIQ", 1 << 20, 0, os.O_RDWR, 0))
fcntl.ioctl(heap, 0xC0184800, arg)  # DMA_HEAP_IOCTL_ALLOC
os.close(heap)                      # only the buffer is left
fd = struct.unpack("QIIQ", arg)[1]
exp = [l.split()[1] for l in open("/proc/self/fdinfo/%d" % fd) if l.startswith("exp_name:")]
print("ready", exp[0] if exp else "?", flush=True)
time.sleep(3600)
PY
}

# --- what this kernel got -------------------------------------------------------
result "$([ -c "/dev/dma_heap/$sysname" ] && [ -d "/sys/class/$class/$sysname/stats" ] && echo 0 || echo 1)" \
	"dmaheap's system heap is /dev/dma_heap/$sysname, its statistics in /sys/class/$class/$sysname/stats"
if [ "$mode" = own ]; then
	result "$([ "$sysname" = system ] && [ ! -e /sys/class/dmaheap ] && echo 0 || echo 1)" \
		"no kernel core: dmaheap's core provides /dev/dma_heap and its heap is \"system\""
else
	systems=$(ls -1 /dev/dma_heap | grep -cx system)
	result "$([ "$sysname" = system-pooled ] && [ "$systems" = 1 ] &&
		[ -e /sys/class/dma_heap/system ] && [ ! -e /sys/class/dmaheap/system ] && echo 0 || echo 1)" \
		"beside the kernel's core: one \"system\", the kernel's; dmaheap's is \"$sysname\" ($(ls /dev/dma_heap | tr '\n' ' '))"
	allocs0=$(cat "/sys/class/dmaheap/$sysname/stats/allocations")
	exec 8< <(hold_buffer "/dev/dma_heap/$sysname")
	holder=$!
	read -r -u 8 ready exp
	allocs1=$(cat "/sys/class/dmaheap/$sysname/stats/allocations")
	result "$([ "$ready" = ready ] && [ "$exp" = "$sysname" ] && [ "$allocs1" = $((allocs0 + 1)) ] && echo 0 || echo 1)" \
		"/dev/dma_heap/$sysname is served by dmaheap's heap (exporter $exp, allocations $allocs0 -> $allocs1)"
	kill "$holder"
	exec 8<&-
	wait "$holder" 2>/dev/null
	if [ "$mode" = kernel ]; then
		result "$([ -e "/sys/class/dma_heap/$sysname" ] && echo 0 || echo 1)" \
			"the kernel's core made the node: /sys/class/dma_heap/$sysname exists"
	else
		result "$([ -e "/sys/class/dmaheap/$sysname/dev" ] && [ ! -e "/sys/class/dma_heap/$sysname" ] && echo 0 || echo 1)" \
			"dmaheap_registrar made the node (the kernel exports no dma_heap_add)"
	fi
fi

# --- a name that is taken ---------------------------------------------------------
# taken_name MODULE ARGS LOADS NODE WHAT: loading MODULE with ARGS logs a line
# naming "system" and leaves the system heap; the module's load fails (LOADS
# no: its only heap) or succeeds with its other heaps (LOADS yes: NODE is
# there). Then MODULE loads again as it was.
taken_name() {
	local m=$1 args=$2 loads=$3 node=$4 what=$5 rc log
	rmmod "$m"
	dmesg -c >/dev/null
	insmod "$mods/$m.ko" "$args" 2>/dev/null
	rc=$?
	log=$(dmesg)
	if [ "$loads" = yes ]; then
		result "$([ "$rc" = 0 ] && [ -c "$node" ] && grep -q 'heap system already exists' <<<"$log" &&
			[ -c /dev/dma_heap/system ] && echo 0 || echo 1)" \
			"$what is refused with a log line naming it; $node still loads, /dev/dma_heap/system stays"
		rmmod "$m"
	else
		result "$([ "$rc" != 0 ] && grep -q 'heap system already exists' <<<"$log" &&
			[ -c /dev/dma_heap/system ] && echo 0 || echo 1)" \
			"$what is refused with a log line naming it, /dev/dma_heap/system stays"
	fi
	insmod "$mods/$m.ko"
	result "$([ $? = 0 ] && [ -c "$node" ] && echo 0 || echo 1)" "and $m loads again ($node)"
}
if [ "$mode" = registrar ]; then
	taken_name dmaheap_system name=system no "/dev/dma_heap/$sysname" \
		"a heap named \"system\" beside the kernel's"
elif [ "$mode" = own ] && [ -f "$mods/dmaheap_cma.ko" ]; then
	taken_name dmaheap_cma aliases=system yes /dev/dma_heap/default_cma_region \
		"a CMA alias named \"system\""
else
	skip "a taken name is refused" "needs a second heap module or an unloadable one (nodes by the kernel's core)"
	skip "the heap loads again afterwards" "as above"
fi

# --- lifetimes ----------------------------------------------------------------------
if [ "$mode" = kernel ]; then
	for m in "${heaps[@]}" dmaheap_helpers "$core"; do
		rmmod "$m" 2>/dev/null
		result "$(lsmod | grep -q "^$m " && echo 0 || echo 1)" \
			"$m: rmmod refused, with no buffer or node open: the kernel's core cannot remove heaps"
	done
	echo "1..$n"
	exit 0
fi

for i in "${!heaps[@]}"; do
	m=${heaps[$i]} node=/dev/dma_heap/${nodes[$i]}
	exec 7<"$node"
	rmmod "$m" 2>/dev/null
	result $(lsmod | grep -q "^$m " && echo 0 || echo 1) "$m: rmmod refused while $node is open"
	exec 7<&-

	exec 8< <(hold_buffer "$node")
	holder=$!
	read -r -u 8 ready _
	result $([ "$ready" = ready ] && echo 0 || echo 1) "$m: another process holds a buffer"
	rmmod "$m" 2>/dev/null
	result $(lsmod | grep -q "^$m " && echo 0 || echo 1) "$m: rmmod refused while a buffer is alive"
	kill "$holder"
	exec 8<&-
	wait "$holder" 2>/dev/null
	rmmod "$m"
	result $? "$m: rmmod works once the buffer and node are gone"
	result $([ ! -e "$node" ] && echo 0 || echo 1) "$m: $node is gone after unload"
	insmod "$mods/$m.ko"
	result $? "$m: loads again"
	result $([ -c "$node" ] && echo 0 || echo 1) "$m: $node is back"
done

# Heap modules are what users reload: 100 cycles of them, each opening a
# node; the core and helpers under them take every tenth cycle. Module loading
# with KASAN under TCG costs over a second a cycle, so the kernels with the
# checkers (where kmemleak and KASAN watch) run 20 cycles, Debian 12's stock
# kernel 100; Debian 13's, whose module loads cost 0.6 s a cycle, 30.
case "$DMAHEAP_KERNEL" in
test | mainline) cycles=20 ;;
trixie) cycles=30 ;;
*) cycles=100 ;;
esac
errors=0
for c in $(seq $cycles); do
	rmmod "${heaps[@]}" || errors=$((errors + 1))
	for m in "${heaps[@]}"; do
		insmod "$mods/$m.ko" || errors=$((errors + 1))
	done
	head -c 1 "/dev/dma_heap/$sysname" >/dev/null 2>&1
	[ $((c % 10)) = 0 ] || continue
	rmmod "${heaps[@]}" dmaheap_helpers "$core" || errors=$((errors + 1))
	for m in "$core" dmaheap_helpers "${heaps[@]}"; do
		insmod "$mods/$m.ko" || errors=$((errors + 1))
	done
done
result $errors "$cycles unload/load cycles of the heap modules, $((cycles / 10)) of the whole stack ($errors errors)"
loaded=$(lsmod | grep -cE "^($core|dmaheap_helpers|dmaheap_system|dmaheap_cma) ")
result $([ "$loaded" = $((2 + ${#heaps[@]})) ] && echo 0 || echo 1) "all modules loaded at the end ($loaded)"
echo "1..$n"
