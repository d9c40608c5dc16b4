#!/bin/bash
# libdmaheap's exported ABI against the committed baseline
# (lib/abi/libdmaheap.so.0.abi, written by abidw): abidiff finds no
# removed or changed function (its parameters, the structs it reaches), so an
# accidental break fails here. An addition passes and says to update the
# baseline; an intended break comes with a new baseline (and, once released,
# a new soname):
#   abidw --exported-interfaces-only --headers-dir lib/include/dmaheap --no-corpus-path \
#         --out-file lib/abi/libdmaheap.so.0.abi build/lib/libdmaheap.so.0
# abidw and abidiff run with --exported-interfaces-only: without it Debian
# 12's libabigail (2.2) left 9 of the exported functions, those also called
# inside the library, as bare declarations and compared nothing about them.
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

out=$(abidiff --exported-interfaces-only --headers-dir2 "$top/lib/include/dmaheap" "$baseline" "$lib" 2>&1)
rc=$?
# abidiff's status: bit 0 error, bit 1 usage, bit 2 an ABI change, bit 3 an
# incompatible one. A changed function or variable (a parameter's type, a
# struct it reaches) fails too; only additions pass.
changed=$(sed -nE 's/^(Functions|Variables) changes summary: ([0-9]+) Removed(\([^)]*\))?, ([0-9]+) Changed.*/\2 \4/p' <<<"$out" |
	awk '{ n += $1 + $2 } END { print n + 0 }')
if [ $((rc & 11)) = 0 ] && [ "$changed" = 0 ]; then
	ok "abidiff against the baseline: no incompatible change$([ $((rc & 4)) != 0 ] && echo " (additions: update the baseline, see the top of this test)")"
else
	not_ok "abidiff against the baseline: status $rc, $changed removed or changed functions and variables"
fi
[ -z "$out" ] || comment <<<"$out" | head -n 60
exit $failed
