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
. "$(dirname "$0")/gst-registry.sh"
gst_registry_seed "$GST_REGISTRY" unit
# libcheck and mktemp write into TMPDIR: the runtime directory, this
# guest's own tmpfs, like the registry
export TMPDIR=${XDG_RUNTIME_DIR:-/tmp} TEMP=${XDG_RUNTIME_DIR:-/tmp}
cd "$TMPDIR" || exit 1
export CK_DEFAULT_TIMEOUT=120

# Each test program twice: built against Debian 12's GStreamer 1.22
# (build/), and against Debian 13's 1.26 (build/gst-next/, run with that
# tree's own loader: testbed/gstreamer-trixie), where the plugin also offers
# memory:DMABuf with DMA_DRM caps.
# (x86 only: the arm64 guest has Debian 12's arm64 packages.)
next_env=""
next_why="no Debian 13 GStreamer in the cache or no \$exe (./check fetches and builds both)"
if [ "${DMAHEAP_ARCH:-x86_64}" != x86_64 ]; then
	next_why="Debian 13's GStreamer is tested on x86 only"
else
	next_env=$("$top/testbed/gstreamer-trixie" --offline --env 2>/dev/null) || next_env=""
fi
[ -z "$next_env" ] || gst_registry_seed "$(eval "$next_env"; echo "$GST_REGISTRY")" next
for variant in 1.22 next; do
	for t in allocator bufferpool element; do
		loader=""
		if [ "$variant" = next ]; then
			exe=$build/gst-next/gst-plugin/tests/gst-$t
			if [ -z "$next_env" ] || [ ! -x "$exe" ]; then
				n=$((n + 1))
				echo "ok $n - gst-$t on GStreamer 1.26 # SKIP ${next_why//\$exe/$exe}"
				continue
			fi
			loader=$(eval "$next_env"; echo "$DMAHEAP_GST_LOADER")
			label="gst-$t on GStreamer $(eval "$next_env"; echo "$DMAHEAP_GST_VERSION")"
		else
			exe=$dir/gst-$t
			label=gst-$t
		fi
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
		# libcheck writes every test's result (name, success/failure/error,
		# message) to this XML file; the test program's output is diagnostics.
		export CK_XML_LOG_FILE_NAME=$out.xml
		rm -f "$out.xml"
		if [ -n "$loader" ]; then
			# shellcheck disable=SC2086 # the loader and its options
			(eval "$next_env"; exec $loader "$exe") >"$out" 2>&1
		else
			"$exe" >"$out" 2>&1
		fi
		rc=$?
		results=$(python3 - "$out.xml" <<'PY' 2>&1
import sys, xml.etree.ElementTree as ET
ns = {"c": "http://check.sourceforge.net/ns"}
for t in ET.parse(sys.argv[1]).getroot().iterfind(".//c:test", ns):
    msg = (t.findtext("c:message", "", ns) or "").replace("\n", " ")
    print(t.get("result"), t.findtext("c:id", "?", ns), msg, sep="\t")
PY
		)
		if [ -z "$results" ] || ! grep -q $'^success\t\|^failure\t\|^error\t' <<<"$results"; then
			n=$((n + 1))
			echo "not ok $n - $label: no test results (exit status $rc)"
		else
			while IFS=$'\t' read -r result name msg; do
				n=$((n + 1))
				if [ "$result" = success ]; then
					echo "ok $n - $label: $name"
				else
					echo "not ok $n - $label: $name: $result: $msg"
				fi
			done <<<"$results"
		fi
		rm -f "$out.xml"
		sed 's/^/# /' "$out" | tail -n 40
		rm -f "$out"
	done
done
gst_registry_keep "$GST_REGISTRY" unit
echo "1..$n"
