/* SPDX-License-Identifier: MIT */
#include "gstdmaheapformat.h"

#include <dmaheap/format.h>

/* DRM fourccs name the bits of a little-endian word, GStreamer names bytes
 * in memory order: DRM XRGB8888 is GStreamer's BGRx. */
static const struct
{
  GstVideoFormat format;
  guint32 fourcc;
} format_map[] = {
  {GST_VIDEO_FORMAT_BGRx, DRM_FORMAT_XRGB8888},
  {GST_VIDEO_FORMAT_BGRA, DRM_FORMAT_ARGB8888},
  {GST_VIDEO_FORMAT_RGBx, DRM_FORMAT_XBGR8888},
  {GST_VIDEO_FORMAT_RGBA, DRM_FORMAT_ABGR8888},
  {GST_VIDEO_FORMAT_BGR10A2_LE, DRM_FORMAT_ARGB2101010},
  {GST_VIDEO_FORMAT_BGR, DRM_FORMAT_RGB888},
  {GST_VIDEO_FORMAT_RGB, DRM_FORMAT_BGR888},
  {GST_VIDEO_FORMAT_RGB16, DRM_FORMAT_RGB565},
  {GST_VIDEO_FORMAT_GRAY8, DRM_FORMAT_R8},
  {GST_VIDEO_FORMAT_NV12, DRM_FORMAT_NV12},
  {GST_VIDEO_FORMAT_NV21, DRM_FORMAT_NV21},
  {GST_VIDEO_FORMAT_NV16, DRM_FORMAT_NV16},
  {GST_VIDEO_FORMAT_NV61, DRM_FORMAT_NV61},
  {GST_VIDEO_FORMAT_NV24, DRM_FORMAT_NV24},
  {GST_VIDEO_FORMAT_P010_10LE, DRM_FORMAT_P010},
  {GST_VIDEO_FORMAT_P016_LE, DRM_FORMAT_P016},
  {GST_VIDEO_FORMAT_I420, DRM_FORMAT_YUV420},
  {GST_VIDEO_FORMAT_YV12, DRM_FORMAT_YVU420},
  {GST_VIDEO_FORMAT_Y42B, DRM_FORMAT_YUV422},
  {GST_VIDEO_FORMAT_Y444, DRM_FORMAT_YUV444},
  {GST_VIDEO_FORMAT_YUY2, DRM_FORMAT_YUYV},
  {GST_VIDEO_FORMAT_YVYU, DRM_FORMAT_YVYU},
  {GST_VIDEO_FORMAT_UYVY, DRM_FORMAT_UYVY},
  {GST_VIDEO_FORMAT_VYUY, DRM_FORMAT_VYUY},
};

guint32
gst_dmaheap_fourcc_from_video_format (GstVideoFormat format)
{
  for (gsize i = 0; i < G_N_ELEMENTS (format_map); i++) {
    if (format_map[i].format == format)
      return dmaheap_format_get (format_map[i].fourcc) ?
          format_map[i].fourcc : 0;
  }
  return 0;
}

GstVideoFormat
gst_dmaheap_video_format_from_fourcc (guint32 fourcc)
{
  for (gsize i = 0; i < G_N_ELEMENTS (format_map); i++) {
    if (format_map[i].fourcc == fourcc)
      return format_map[i].format;
  }
  return GST_VIDEO_FORMAT_UNKNOWN;
}

GstCaps *
gst_dmaheap_video_caps (void)
{
  GValue list = G_VALUE_INIT;
  GstCaps *caps;

  g_value_init (&list, GST_TYPE_LIST);
  for (gsize i = 0; i < G_N_ELEMENTS (format_map); i++) {
    GValue v = G_VALUE_INIT;

    if (!dmaheap_format_get (format_map[i].fourcc))
      continue;
    g_value_init (&v, G_TYPE_STRING);
    g_value_set_static_string (&v,
        gst_video_format_to_string (format_map[i].format));
    gst_value_list_append_and_take_value (&list, &v);
  }
  caps = gst_caps_new_simple ("video/x-raw",
      "width", GST_TYPE_INT_RANGE, 1, G_MAXINT,
      "height", GST_TYPE_INT_RANGE, 1, G_MAXINT,
      "framerate", GST_TYPE_FRACTION_RANGE, 0, 1, G_MAXINT, 1, NULL);
  gst_caps_set_value (caps, "format", &list);
  g_value_unset (&list);
  return caps;
}
