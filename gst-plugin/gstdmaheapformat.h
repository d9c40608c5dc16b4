/* SPDX-License-Identifier: MIT */
/*
 * GstVideoFormat <-> DRM fourcc, from libdmaheap's format table (each
 * entry's gst_name, matched with gst_video_format_to/from_string()).
 * GStreamer 1.22 has no such mapping (gst_video_dma_drm_fourcc_from_format()
 * arrived in 1.24); only linear layouts are meant.
 */
#ifndef GST_DMAHEAP_FORMAT_H
#define GST_DMAHEAP_FORMAT_H

#include <gst/video/video.h>

G_BEGIN_DECLS

/* The DRM fourcc of format, or 0 when there is none (or libdmaheap does
 * not know how to lay it out). */
guint32 gst_dmaheap_fourcc_from_video_format (GstVideoFormat format);
/* The reverse; GST_VIDEO_FORMAT_UNKNOWN when none. */
GstVideoFormat gst_dmaheap_video_format_from_fourcc (guint32 fourcc);
/* "video/x-raw, format={...}" listing every format the pool can lay out. */
GstCaps *gst_dmaheap_video_caps (void);

G_END_DECLS

#endif /* GST_DMAHEAP_FORMAT_H */
