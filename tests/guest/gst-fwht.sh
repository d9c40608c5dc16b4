# shellcheck shell=bash
# Sourced by the GStreamer guest tests: whether GStreamer's vicodec FWHT
# encoder works on this kernel at all, without dmaheap anywhere in the
# pipeline. Debian 12's GStreamer 1.22 fails to start v4l2fwhtenc on 7.x's
# vicodec ("Buffer pool activation failed" on a plain videotestsrc !
# v4l2fwhtenc pipeline), so a dmaheap codec case there could only fail for
# that reason; the probe turns that into a SKIP that names it. On every
# kernel where the plain pipeline works the dmaheap cases run.
#
# gst_fwht_broken: prints the reason and succeeds when the plain pipeline fails
gst_fwht_broken() {
	local out
	out=$(timeout 120 gst-launch-1.0 -q videotestsrc num-buffers=2 ! \
		video/x-raw,format=NV12,width=640,height=480 ! v4l2fwhtenc ! fakesink 2>&1) && return 1
	echo "GStreamer $(gst-launch-1.0 --version | sed -n 's/^GStreamer //p') cannot run v4l2fwhtenc on this kernel's vicodec even without dmaheap (videotestsrc ! v4l2fwhtenc ! fakesink: $(grep -m1 -o 'Buffer pool activation failed\|Internal data stream error\|not-negotiated' <<<"$out" || echo failed))"
}
