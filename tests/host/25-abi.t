#!/bin/bash
# libdmaheap's exported ABI against the committed baseline
# (lib/abi/libdmaheap.so.0.abi, written by abidw): abidiff finds no
# incompatible change (a removed function, a changed type or struct layout),
# so an accidental break fails here. A compatible addition passes and says to
# update the baseline; an intended break comes with a new soname and a new
# baseline:
#   abidw --headers-dir lib/include/dmaheap --no-corpus-path \
#         --out-file lib/abi/libdmaheap.so.0.abi build/lib/libdmaheap.so.0
# Known gap: Debian 12's abidw (libabigail 2.2) ties 38 of the 47 functions
# to their ELF symbols; the other 9 (those also called inside the library,
# dmaheap_heap_list_get among them) are seen as declarations only, so a type
# reachable only through them is not compared. Removed functions are always
# caught (checked by hiding one: "2 Removed functions", status 12).
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/tap.sh"
build=${DMAHEAP_BUILD:-$top/build}
baseline=$top/lib/abi/libdmaheap.so.0.abi
lib=$build/lib/libdmaheap.so.0
command -v abidiff >/dev/null || skip_all "no abidiff (apt install abigail-tools)"
[ -f "$lib" ] || skip_all "$lib is not built (ninja -C build)"
echo 1..2

soname=$(objdump -p "$lib" | awk '$1 == "SONAME" { print $2 }')
result "$([ "$soname" = "$(basename "$baseline" .abi)" ] && echo 0 || echo 1)" \
	"the baseline is for the library's soname ($soname)"

out=$(abidiff --headers-dir2 "$top/lib/include/dmaheap" "$baseline" "$lib" 2>&1)
rc=$?
# abidiff's status: bit 0 error, bit 1 usage, bit 2 ABI change, bit 3 an
# incompatible one.
if [ $((rc & 11)) = 0 ]; then
	ok "abidiff against the baseline: no incompatible change$([ $((rc & 4)) != 0 ] && echo " (compatible changes: update the baseline, see the top of this test)")"
else
	not_ok "abidiff against the baseline: status $rc$([ $((rc & 8)) != 0 ] && echo ", an incompatible ABI change")"
fi
[ -z "$out" ] || comment <<<"$out" | head -n 60
exit $failed
