# shellcheck shell=bash
# Sourced by the GStreamer guest tests.
# gst_registry_seed REGISTRY NAME: starts REGISTRY (a file in the guest's
# tmpfs) as a copy of build/gst-registry/NAME.bin, which testbed/gst-registry
# built on the host for the same plugin paths, so GStreamer rescans only the
# plugins that differ in the guest instead of every plugin (about 40 s under
# TCG with the kernel checkers). Without the host's copy GStreamer simply
# scans everything, as before.
gst_registry_seed() {
	local from=${DMAHEAP_BUILD:-$top/build}/gst-registry/$2.bin
	[ -e "$1" ] || [ ! -f "$from" ] || cp "$from" "$1"
}

# gst_registry_keep REGISTRY NAME: where no host copy exists (the arm64
# guest's plugins cannot be scanned on this machine), keeps the registry the
# guest built as build/gst-registry/NAME.bin for the next guest to start from.
gst_registry_keep() {
	local dir=${DMAHEAP_BUILD:-$top/build}/gst-registry
	[ -s "$1" ] && [ ! -f "$dir/$2.bin" ] || return 0
	mkdir -p "$dir" && cp "$1" "$dir/$2.bin.tmp" && mv "$dir/$2.bin.tmp" "$dir/$2.bin"
}
