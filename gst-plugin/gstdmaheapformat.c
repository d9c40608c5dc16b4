/* SPDX-License-Identifier: MIT */
#include "gstdmaheapformat.h"

#include <dmaheap/format.h>
#include <string.h>

#if GST_CHECK_VERSION (1, 24, 0)
#include <gst/allocators/allocators.h>
#endif

/* libdmaheap's format table decides the layouts; this table only names
 * them the way GStreamer does (GstVideoFormat's strings, in 1.22), for
 * the formats GStreamer has. GStreamer names bytes in memory order where
 * DRM names the bits of a little-endian word: DRM XRGB8888 is BGRx. */
static const struct
{
  guint32 fourcc;
  const gchar *name;
} gst_names[] = {
  {DRM_FORMAT_R8, "GRAY8"},
  {DRM_FORMAT_RGB565, "RGB16"},
  {DRM_FORMAT_RGB888, "BGR"},
  {DRM_FORMAT_BGR888, "RGB"},
  {DRM_FORMAT_XRGB8888, "BGRx"},
  {DRM_FORMAT_ARGB8888, "BGRA"},
  {DRM_FORMAT_XBGR8888, "RGBx"},
  {DRM_FORMAT_ABGR8888, "RGBA"},
  {DRM_FORMAT_ARGB2101010, "BGR10A2_LE"},
  {DRM_FORMAT_YUYV, "YUY2"},
  {DRM_FORMAT_YVYU, "YVYU"},
  {DRM_FORMAT_UYVY, "UYVY"},
  {DRM_FORMAT_VYUY, "VYUY"},
  {DRM_FORMAT_NV12, "NV12"},
  {DRM_FORMAT_NV21, "NV21"},
  {DRM_FORMAT_NV16, "NV16"},
  {DRM_FORMAT_NV61, "NV61"},
  {DRM_FORMAT_NV24, "NV24"},
  {DRM_FORMAT_P010, "P010_10LE"},
  {DRM_FORMAT_P016, "P016_LE"},
  {DRM_FORMAT_YUV420, "I420"},
  {DRM_FORMAT_YVU420, "YV12"},
  {DRM_FORMAT_YUV422, "Y42B"},
  {DRM_FORMAT_YUV444, "Y444"},
};

const gchar *
gst_dmaheap_gst_name_from_fourcc (guint32 fourcc)
{
  for (gsize i = 0; i < G_N_ELEMENTS (gst_names); i++) {
    if (gst_names[i].fourcc == fourcc)
      return gst_names[i].name;
  }
  return NULL;
}

guint32
gst_dmaheap_fourcc_from_gst_name (const gchar * name)
{
  for (gsize i = 0; name && i < G_N_ELEMENTS (gst_names); i++) {
    /* case-sensitive, as GStreamer's: "RGBx" and "xRGB" differ */
    if (strcmp (gst_names[i].name, name) == 0)
      return dmaheap_format_get (gst_names[i].fourcc) ? gst_names[i].fourcc : 0;
  }
  return 0;
}

guint32
gst_dmaheap_fourcc_from_video_format (GstVideoFormat format)
{
  if (format == GST_VIDEO_FORMAT_UNKNOWN || format == GST_VIDEO_FORMAT_ENCODED)
    return 0;
  return gst_dmaheap_fourcc_from_gst_name (gst_video_format_to_string (format));
}

GstVideoFormat
gst_dmaheap_video_format_from_fourcc (guint32 fourcc)
{
  const gchar *name = gst_dmaheap_gst_name_from_fourcc (fourcc);

  if (!name || !dmaheap_format_get (fourcc))
    return GST_VIDEO_FORMAT_UNKNOWN;
  return gst_video_format_from_string (name);
}

GstCaps *
gst_dmaheap_video_caps (void)
{
  GValue list = G_VALUE_INIT;
#if GST_CHECK_VERSION (1, 24, 0)
  GValue drm_list = G_VALUE_INIT;
  GstStructure *drm;
#endif
  GstCaps *caps;

  g_value_init (&list, GST_TYPE_LIST);
#if GST_CHECK_VERSION (1, 24, 0)
  g_value_init (&drm_list, GST_TYPE_LIST);
#endif
  for (gsize i = 0; i < dmaheap_format_count (); i++) {
    const struct dmaheap_format *fmt = dmaheap_format_at (i);
    const gchar *name = gst_dmaheap_gst_name_from_fourcc (fmt->fourcc);
    GValue v = G_VALUE_INIT;

    if (!name || gst_video_format_from_string (name) == GST_VIDEO_FORMAT_UNKNOWN)
      continue;
    g_value_init (&v, G_TYPE_STRING);
    g_value_set_static_string (&v, name);
    gst_value_list_append_and_take_value (&list, &v);
#if GST_CHECK_VERSION (1, 24, 0)
    /* linear: the fourcc alone, no ":0x..." modifier */
    g_value_init (&v, G_TYPE_STRING);
    g_value_take_string (&v, gst_video_dma_drm_fourcc_to_string (fmt->fourcc,
            DRM_FORMAT_MOD_LINEAR));
    gst_value_list_append_and_take_value (&drm_list, &v);
#endif
  }
  caps = gst_caps_new_simple ("video/x-raw",
      "width", GST_TYPE_INT_RANGE, 1, G_MAXINT,
      "height", GST_TYPE_INT_RANGE, 1, G_MAXINT,
      "framerate", GST_TYPE_FRACTION_RANGE, 0, 1, G_MAXINT, 1, NULL);
  gst_caps_set_value (caps, "format", &list);
  g_value_unset (&list);

#if GST_CHECK_VERSION (1, 24, 0)
  /* The same buffers as explicit dma-buf caps, after the system-memory ones
   * (which 1.22-era consumers such as kmssink and v4l2 elements expect). */
  drm = gst_structure_new ("video/x-raw",
      "format", G_TYPE_STRING, "DMA_DRM",
      "width", GST_TYPE_INT_RANGE, 1, G_MAXINT,
      "height", GST_TYPE_INT_RANGE, 1, G_MAXINT,
      "framerate", GST_TYPE_FRACTION_RANGE, 0, 1, G_MAXINT, 1, NULL);
  gst_structure_set_value (drm, "drm-format", &drm_list);
  g_value_unset (&drm_list);
  gst_caps_append_structure_full (caps, drm,
      gst_caps_features_new_single (GST_CAPS_FEATURE_MEMORY_DMABUF));
#endif
  return caps;
}

#if GST_CHECK_VERSION (1, 24, 0)
/* DMA_DRM caps: GstVideoInfoDmaDrm, then the GstVideoInfo of the linear
 * layout. The DRM fourcc goes straight to libdmaheap's table, which decides
 * the layout; gst_video_info_dma_drm_to_video_info() (GStreamer's own DRM
 * table) serves where it knows the fourcc, and agrees with ours on all. */
static gboolean
video_info_from_dma_drm_caps (GstVideoInfo * info, const GstCaps * caps,
    GError ** error)
{
  const gchar *drm_format = gst_structure_get_string
      (gst_caps_get_structure (caps, 0), "drm-format");
  GstVideoInfoDmaDrm drm_info;
  GstVideoFormat format;
  gchar *linear;

  gst_video_info_dma_drm_init (&drm_info);
  if (!gst_video_info_dma_drm_from_caps (&drm_info, caps)) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT,
        "Invalid DMA_DRM caps: drm-format '%s' is not a DRM fourcc with an "
        "optional modifier (\"NV12\", \"NV12:0x0100000000000002\"; a "
        "linear buffer has none), or a field is missing",
        drm_format ? drm_format : "(none)");
    return FALSE;
  }
  linear = gst_video_dma_drm_fourcc_to_string (drm_info.drm_fourcc,
      DRM_FORMAT_MOD_LINEAR);
  if (drm_info.drm_modifier != DRM_FORMAT_MOD_LINEAR) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT,
        "drm-format %s has modifier 0x%016" G_GINT64_MODIFIER "x: dma-buf "
        "heap buffers are linear only (drm-format=%s)", drm_format,
        drm_info.drm_modifier, linear);
    g_free (linear);
    return FALSE;
  }
  format = gst_dmaheap_video_format_from_fourcc (drm_info.drm_fourcc);
  if (format == GST_VIDEO_FORMAT_UNKNOWN) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT,
        "DRM format %s is not one libdmaheap lays out in this GStreamer "
        "(no format of libdmaheap's table with a GStreamer video format)",
        linear);
    g_free (linear);
    return FALSE;
  }
  g_free (linear);

  if (!gst_video_info_dma_drm_to_video_info (&drm_info, info) ||
      GST_VIDEO_INFO_FORMAT (info) != format) {
    /* GStreamer's table lacks the fourcc (P016 in 1.26): ours decides */
    const GstVideoInfo *vinfo = &drm_info.vinfo;
    GstVideoInfo tmp;

    if (!gst_video_info_set_interlaced_format (&tmp, format,
            GST_VIDEO_INFO_INTERLACE_MODE (vinfo), GST_VIDEO_INFO_WIDTH (vinfo),
            GST_VIDEO_INFO_HEIGHT (vinfo))) {
      g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT,
          "Cannot describe %s %dx%d", gst_video_format_to_string (format),
          GST_VIDEO_INFO_WIDTH (vinfo), GST_VIDEO_INFO_HEIGHT (vinfo));
      return FALSE;
    }
    *info = *vinfo;
    info->finfo = tmp.finfo;
    for (guint i = 0; i < GST_VIDEO_MAX_PLANES; i++) {
      info->offset[i] = tmp.offset[i];
      info->stride[i] = tmp.stride[i];
    }
    info->size = tmp.size;
  }
  return TRUE;
}
#endif

gboolean
gst_dmaheap_video_info_from_caps (GstVideoInfo * info, const GstCaps * caps,
    GError ** error)
{
  g_return_val_if_fail (info != NULL, FALSE);
  g_return_val_if_fail (GST_IS_CAPS (caps), FALSE);

#if GST_CHECK_VERSION (1, 24, 0)
  if (gst_video_is_dma_drm_caps (caps))
    return video_info_from_dma_drm_caps (info, caps, error);
#endif
  if (!gst_video_info_from_caps (info, caps)) {
    gchar *str = gst_caps_to_string (caps);

    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
        "Not raw video caps: %s", str);
    g_free (str);
    return FALSE;
  }
  return TRUE;
}
