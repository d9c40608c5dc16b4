#!/bin/bash
# A bounded fuzzer on every heap node (tests/guest/heap-fuzz.c): random
# ioctls, allocations, buffer ioctls, syncs, mmaps and parameter writes,
# with fds closed and reopened under them and, where dmaheap's core can
# unload its heaps, dmaheap_cma unloaded and reloaded whenever nothing pins
# it. Passes when every failure has a documented errno, no buffer is left
# once the process is gone, and the kernel reports nothing (the test bed
# fails the run on a report; kmemleak is read at its end).
# DMAHEAP_FUZZ_SEED and DMAHEAP_FUZZ_ITERATIONS change the run.
. "$(dirname "$0")/../tap.sh"
bin=$DMAHEAP_BUILD/tests/guest/heap-fuzz
[ -x "$bin" ] || skip_all "$bin is not built (ninja -C build)"
heaps=()
for h in /dev/dma_heap/*; do [ -c "$h" ] && heaps+=("${h##*/}"); done
[ ${#heaps[@]} -gt 0 ] || skip_all "no heap in /dev/dma_heap"
seed=${DMAHEAP_FUZZ_SEED:-20261203}
iterations=${DMAHEAP_FUZZ_ITERATIONS:-10000}
reload=()
if [ -f /sys/module/dmaheap_core/initstate ] && lsmod | grep -q '^dmaheap_cma '; then
	reload=(--reload "$DMAHEAP_MODULES/dmaheap_cma.ko")
fi

# The parameters the fuzzer may write, as they were.
declare -A saved
# (by mode: root may open a read-only sysfs file's name for writing in test -w)
while IFS= read -r p; do
	saved[$p]=$(cat "$p")
done < <(find /sys/module/dmaheap_*/parameters -type f -perm -u+w 2>/dev/null)
restore() {
	for p in "${!saved[@]}"; do echo "${saved[$p]}" >"$p"; done
	lsmod | grep -q '^dmaheap_cma ' || [ ${#reload[@]} = 0 ] || insmod "${reload[1]}"
}
trap restore EXIT

echo "# seed $seed, $iterations iterations on ${heaps[*]}${reload:+; reloading dmaheap_cma}"
plan=$((6 + ${#heaps[@]} + (${#reload[@]} ? 1 : 0)))
echo "1..$plan"
while IFS= read -r line; do
	case "$line" in
	"ok - "* | "not ok - "*)
		n=$((n + 1))
		echo "${line/ok - /ok $n - }"
		;;
	*) echo "# $line" ;;
	esac
done < <("$bin" "${reload[@]}" "$seed" "$iterations" "${heaps[@]}" 2>&1)
