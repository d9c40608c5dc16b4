/* SPDX-License-Identifier: MIT */
/*
 * GstVideoFormat <-> DRM fourcc: the layouts are libdmaheap's format table;
 * the GStreamer names for them (matched with gst_video_format_to/from_string())
 * are the plugin's, since libdmaheap speaks DRM only. GStreamer 1.22 has no
 * such mapping (gst_video_dma_drm_fourcc_from_format() arrived in 1.24);
 * only linear layouts are meant.
 *
 * Built against GStreamer >= 1.24, the caps also offer the same formats as
 * explicit dma-buf caps: video/x-raw(memory:DMABuf), format=DMA_DRM,
 * drm-format=<fourcc> (linear, so without a modifier).
 */
#ifndef GST_DMAHEAP_FORMAT_H
#define GST_DMAHEAP_FORMAT_H

#include <gst/video/video.h>

G_BEGIN_DECLS

/* GStreamer's name for the layout of a DRM fourcc ("BGRx" for XRGB8888),
 * NULL when GStreamer 1.22 has none; and back (case-sensitive), 0 when no
 * fourcc of libdmaheap's table has that name. */
const gchar *gst_dmaheap_gst_name_from_fourcc (guint32 fourcc);
guint32 gst_dmaheap_fourcc_from_gst_name (const gchar * name);
/* The DRM fourcc of format, or 0 when there is none (or libdmaheap does
 * not know how to lay it out). */
guint32 gst_dmaheap_fourcc_from_video_format (GstVideoFormat format);
/* The reverse; GST_VIDEO_FORMAT_UNKNOWN when none. */
GstVideoFormat gst_dmaheap_video_format_from_fourcc (guint32 fourcc);
/* "video/x-raw, format={...}" listing every format the pool can lay out;
 * with GStreamer >= 1.24 followed by "video/x-raw(memory:DMABuf),
 * format=DMA_DRM, drm-format={...}" listing their DRM fourccs. */
GstCaps *gst_dmaheap_video_caps (void);

/* The GstVideoInfo of caps, for the buffer pool and dmaheappool: raw video
 * in system memory as gst_video_info_from_caps() parses it, and with
 * GStreamer >= 1.24 DMA_DRM caps, whose drm-format must be a fourcc of
 * libdmaheap's table without a modifier (linear); info then has the
 * GstVideoFormat of the same memory layout (NV12 for drm-format=NV12, BGRx
 * for XR24). FALSE with error set otherwise: GST_CORE_ERROR_NEGOTIATION
 * for caps that are not raw video, GST_STREAM_ERROR_FORMAT for DMA_DRM
 * caps this pool cannot lay out (a modifier, an unknown fourcc). */
gboolean gst_dmaheap_video_info_from_caps (GstVideoInfo * info,
    const GstCaps * caps, GError ** error);

G_END_DECLS

#endif /* GST_DMAHEAP_FORMAT_H */
