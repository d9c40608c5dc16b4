#!/bin/bash
# GstCheck unit tests of the GStreamer plugin (gst-plugin/tests/: allocator,
# buffer pool, dmaheappool element incl. the ALLOCATION query, copy counting
# and an appsrc/appsink round trip), one TAP case per GstCheck test.
# They link the plugin's code statically, so the built plugin must not also
# be on GST_PLUGIN_PATH (its types would be registered twice).
set -uo pipefail
top=${DMAHEAP_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${DMAHEAP_BUILD:-$top/build}
dir=$build/gst-plugin/tests
n=0

unset GST_PLUGIN_PATH
export GST_REGISTRY=${XDG_RUNTIME_DIR:-/tmp}/gst-registry-unit.bin
# libcheck and mktemp need a writable TMPDIR; the guest's /tmp is the host's,
# read-only
export TMPDIR=${XDG_RUNTIME_DIR:-/tmp} TEMP=${XDG_RUNTIME_DIR:-/tmp}
cd "$TMPDIR" || exit 1
export CK_DEFAULT_TIMEOUT=120

for t in allocator bufferpool element; do
	exe=$dir/gst-$t
	if [ ! -x "$exe" ]; then
		n=$((n + 1))
		echo "ok $n - gst-$t # SKIP $exe is not built (gstreamer-check-1.0 missing? ninja -C build)"
		continue
	fi
	if [ ! -e /dev/dma_heap/system ]; then
		n=$((n + 1))
		echo "ok $n - gst-$t # SKIP no /dev/dma_heap/system (load the dmaheap modules)"
		continue
	fi
	out=$(mktemp)
	"$exe" >"$out" 2>&1
	rc=$?
	# GstCheck prints only failures ("file:line:F:tcase:test:0: message",
	# E for errors) and a summary; the test names come from the source.
	mapfile -t names < <(sed -n 's/.*tcase_add_test (tc, \([a-z0-9_]*\)).*/\1/p' \
		"$top/gst-plugin/tests/$t.c")
	summary=$(grep -E '^[0-9]+%: Checks: [0-9]+' "$out")
	for name in "${names[@]}"; do
		n=$((n + 1))
		failure=$(grep -E "^[^:]+:[0-9]+:[FE]:[^:]*:$name:" "$out" | head -n 1)
		if [ -n "$failure" ]; then
			echo "not ok $n - gst-$t: $name: ${failure#*:*:*:*:*:*:}"
		elif [ -z "$summary" ]; then
			echo "not ok $n - gst-$t: $name (no result: exit status $rc)"
		else
			echo "ok $n - gst-$t: $name"
		fi
	done
	sed 's/^/# /' "$out" | tail -n 40
	rm -f "$out"
done
echo "1..$n"
