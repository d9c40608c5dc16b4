#!/bin/bash
# The system heap's page pool (kernel/helpers/page-pool.c): freed chunks are
# zeroed in the background and never handed out dirty, a buffer still mapped
# elsewhere stays out of the pool, the shrinker gives pages back under memory
# pressure without an OOM kill, the pool can be turned off and capped at
# runtime, an idle pool gives its pages back by itself, and unloading with a full pool gives every page back (kmemleak is
# checked by the test bed at the end of the run). The C parts are in
# tests/guest/page-pool.c.
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${DMAHEAP_BUILD:-$top/build}
helper=$build/tests/guest/page-pool
mods=$DMAHEAP_MODULES
# dmaheap's pooled system heap: "system", or "system-pooled" beside a
# kernel's own; class dma_heap, or dmaheap beside a kernel's core.
param=/sys/module/dmaheap_system/parameters
name=$(cat "$param/name" 2>/dev/null)
sysfs=/sys/class/dma_heap/$name
[ -d "$sysfs/stats" ] || sysfs=/sys/class/dmaheap/$name
pool=$sysfs/pool
MiB=$((1024 * 1024))

. "$(dirname "$0")/../tap.sh"
pool_stat() { cat "$pool/$1" 2>/dev/null || echo -1; }

# Run a helper subcommand, number its "ok - " lines, pass its "# " lines on.
helper() {
	local out rc line bad=0
	out=$(mktemp)
	"$helper" "$@" >"$out" 2>&1
	rc=$?
	while IFS= read -r line; do
		case "$line" in
		"ok - "*) n=$((n + 1)); echo "ok $n - ${line#ok - }" ;;
		"not ok - "*) n=$((n + 1)); bad=1; echo "not ok $n - ${line#not ok - }" ;;
		"#"*) echo "$line" ;;
		*) echo "# $line" ;;
		esac
	done <"$out"
	rm -f "$out"
	if [ "$rc" != 0 ] && [ "$bad" = 0 ]; then
		result 1 "page-pool $* exited with status $rc"
	fi
	return "$rc"
}

if [ ! -x "$helper" ] || [ ! -d "$pool" ]; then
	echo "1..1"
	echo "not ok 1 - needs $helper (ninja -C build) and $pool (dmaheap_system loaded)"
	exit 0
fi

# --- the counters and parameters ---------------------------------------------
missing=""
for f in pages_order8 pages_order4 pages_order0 clean_order8 clean_order4 clean_order0 \
	dirty_order8 dirty_order4 dirty_order0 hits misses shrunk zeroed_in_background \
	zeroed_on_free zeroing_us bytes limit_bytes enabled aged decay_ms; do
	[ -r "$pool/$f" ] || missing="$missing $f"
done
result "$([ -z "$missing" ] && echo 0 || echo 1)" "$pool has every counter${missing:+ (missing:$missing)}"
total_kib=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
limit_mb=$(cat "$param/pool_limit_mb")
result "$([ "$(cat "$param/pool")" = Y ] && [ "$(pool_stat enabled)" = 1 ] &&
	[ "$limit_mb" -ge $((total_kib / 8 / 1024 - 1)) ] && [ "$limit_mb" -le $((total_kib / 8 / 1024 + 1)) ] &&
	[ "$(pool_stat limit_bytes)" = $((limit_mb * MiB)) ] && echo 0 || echo 1)" \
	"pool on by default, limit an eighth of RAM (${limit_mb} MiB of $((total_kib / 1024)) MiB)"

decay_ms=$(cat "$param/pool_decay_ms")
result "$([ "$decay_ms" = 10000 ] && [ "$(pool_stat decay_ms)" = 10000 ] && echo 0 || echo 1)" \
	"idle ageing on by default (pool_decay_ms=$decay_ms, decay_ms=$(pool_stat decay_ms))"
# Until the ageing cases, only what a test does may change the pool.
echo 0 >"$param/pool_decay_ms"

# Start from an empty pool: turning it off drains it.
echo 0 >"$param/pool"
echo 1 >"$param/pool"

# --- zeroing across all three orders -------------------------------------------
zeroed0=$(pool_stat zeroed_in_background)
on_free0=$(pool_stat zeroed_on_free)
for size in 4096 65536 $MiB $((MiB + 65536 + 4096)) $((8 * MiB)); do
	count=16
	[ "$size" -ge $((8 * MiB)) ] && count=4
	helper reuse "$size" "$count" 3 now
	hits0=$(pool_stat hits)
	helper reuse "$size" "$count" 3 idle
	hits=$(pool_stat hits)
	result "$([ "$hits" -gt "$hits0" ] && echo 0 || echo 1)" \
		"$size-byte buffers came from the pool once it was idle (hits $hits0 -> $hits)"
done
result "$([ "$(pool_stat zeroed_in_background)" -gt "$zeroed0" ] && echo 0 || echo 1)" \
	"the worker zeroed pages in the background (+$(($(pool_stat zeroed_in_background) - zeroed0)) pages in $(pool_stat zeroing_us) us in all)"
result "$([ "$(pool_stat zeroed_on_free)" -gt "$on_free0" ] && echo 0 || echo 1)" \
	"single pages freed while the worker slept were zeroed on free (+$(($(pool_stat zeroed_on_free) - on_free0)) pages)"
for o in 8 4 0; do
	result "$([ "$(pool_stat clean_order$o)" -gt 0 ] && echo 0 || echo 1)" \
		"order $o chunks are pooled ($(pool_stat clean_order$o) clean)"
done

# --- a buffer still mapped by another process --------------------------------
helper shared-map $((4 * MiB + 65536 + 4096))

# --- turning the pool off and on ----------------------------------------------
echo 0 >"$param/pool"
sum=$(($(pool_stat pages_order8) + $(pool_stat pages_order4) + $(pool_stat pages_order0)))
result "$([ "$(pool_stat enabled)" = 0 ] && [ "$(pool_stat bytes)" = 0 ] && [ "$sum" = 0 ] && echo 0 || echo 1)" \
	"pool=0 at runtime drains the pool (bytes $(pool_stat bytes), chunks $sum)"
hits0=$(pool_stat hits)
helper reuse $MiB 8 2 now
result "$([ "$(pool_stat hits)" = "$hits0" ] && [ "$(pool_stat bytes)" = 0 ] && echo 0 || echo 1)" \
	"with the pool off, nothing is taken from or kept in it (hits +$(($(pool_stat hits) - hits0)), bytes $(pool_stat bytes))"
echo 1 >"$param/pool"
hits0=$(pool_stat hits)
helper reuse $MiB 8 2 idle
result "$([ "$(pool_stat enabled)" = 1 ] && [ "$(pool_stat hits)" -gt "$hits0" ] && [ "$(pool_stat bytes)" -gt 0 ] && echo 0 || echo 1)" \
	"pool=1 turns it back on (hits +$(($(pool_stat hits) - hits0)), bytes $(pool_stat bytes))"

# --- the limit ----------------------------------------------------------------
echo 8 >"$param/pool_limit_mb"
result "$([ "$(pool_stat limit_bytes)" = $((8 * MiB)) ] && [ "$(pool_stat bytes)" -le $((8 * MiB)) ] && echo 0 || echo 1)" \
	"pool_limit_mb=8 trims the pool at once ($(pool_stat bytes) bytes)"
helper fill 32
result "$([ "$(pool_stat bytes)" -le $((8 * MiB)) ] && [ "$(pool_stat bytes)" -gt 0 ] && echo 0 || echo 1)" \
	"freeing 32 MiB keeps at most 8 MiB in the pool ($(($(pool_stat bytes) / 1024)) KiB)"
echo 0 >"$param/pool_limit_mb"
result "$([ "$(cat "$param/pool_limit_mb")" = "$limit_mb" ] && echo 0 || echo 1)" \
	"pool_limit_mb=0 restores the default ($(cat "$param/pool_limit_mb") MiB)"

# --- memory pressure ----------------------------------------------------------
# The test kernel has no /proc/vmstat counters: count the OOM killer's reports.
oom_kills() { dmesg | grep -c 'invoked oom-killer'; }
oom0=$(oom_kills)
helper fill $((limit_mb * 3 / 4))
helper pressure
oom=$(oom_kills)
result "$([ "$oom" = "$oom0" ] && echo 0 || echo 1)" \
	"the OOM killer did not run ($oom0 -> $oom reports in the kernel log)"

# --- idle ageing ----------------------------------------------------------------
helper fill 32
held=$(pool_stat bytes)
aged0=$(pool_stat aged)
echo 100 >"$param/pool_decay_ms"
# Poll, bounded: an idle pool halves every 100 ms, so it is empty within
# about a second, or a few under the test kernel's checkers.
for _ in $(seq 300); do
	[ "$(pool_stat bytes)" = 0 ] && break
	sleep 0.1
done
aged=$(($(pool_stat aged) - aged0))
result "$([ "$(pool_stat decay_ms)" = 100 ] && [ "$held" -gt 0 ] && [ "$(pool_stat bytes)" = 0 ] &&
	[ $((aged * 4096)) -ge "$held" ] && echo 0 || echo 1)" \
	"pool_decay_ms=100: the idle pool gives back all $((held / 1024)) KiB by itself (aged +$aged pages, $(pool_stat bytes) bytes left)"
echo 0 >"$param/pool_decay_ms"
helper fill 8
result "$([ "$(pool_stat decay_ms)" = 0 ] && [ "$(pool_stat bytes)" -gt 0 ] && echo 0 || echo 1)" \
	"pool_decay_ms=0 stops ageing: the pool refills and keeps $(($(pool_stat bytes) / 1024)) KiB"

# --- unloading with a full pool ------------------------------------------------
helper fill 64
held=$(pool_stat bytes)
if [ "${sysfs#/sys/class/dmaheap/}" != "$sysfs" ] && [ ! -e "$sysfs/dev" ]; then
	# The kernel's own core made the node and cannot remove it.
	rmmod dmaheap_system 2>/dev/null
	result "$(lsmod | grep -q '^dmaheap_system ' && echo 0 || echo 1)" \
		"rmmod dmaheap_system is refused: its node belongs to the kernel's core, which cannot remove heaps"
	result "$([ "$(pool_stat bytes)" -gt 0 ] && [ -c "/dev/dma_heap/$name" ] && echo 0 || echo 1)" \
		"and /dev/dma_heap/$name and its pool ($((held / MiB)) MiB) are still there"
	echo "1..$n"
	exit 0
fi
free0=$(awk '/^MemFree:/ { print $2 }' /proc/meminfo)
rmmod dmaheap_system
result $? "rmmod dmaheap_system with $((held / MiB)) MiB in the pool"
free1=$(awk '/^MemFree:/ { print $2 }' /proc/meminfo)
result "$([ $(((free1 - free0) * 1024)) -ge $((held - 8 * MiB)) ] && echo 0 || echo 1)" \
	"MemFree recovers what the pool held ($((free0 / 1024)) -> $((free1 / 1024)) MiB, pool had $((held / MiB)) MiB)"
insmod "$mods/dmaheap_system.ko" pool=0
loaded=$?
result "$([ "$loaded" = 0 ] && [ "$(pool_stat enabled)" = 0 ] && [ "$(cat "$param/pool")" = N ] && echo 0 || echo 1)" \
	"dmaheap_system loads again with pool=0"
echo 1 >"$param/pool"
helper reuse 65536 8 2 idle
result "$([ "$(pool_stat enabled)" = 1 ] && [ "$(pool_stat hits)" -gt 0 ] && echo 0 || echo 1)" \
	"and its pool can be turned on afterwards (hits $(pool_stat hits))"
echo "1..$n"
