/* SPDX-License-Identifier: MIT */
#include "gstdmaheapformat.h"

#include <dmaheap/format.h>

/* libdmaheap's format table is the one source: each entry's gst_name is
 * GStreamer's name for the same memory layout. A name this GStreamer does
 * not know (a newer format) is skipped. */

guint32
gst_dmaheap_fourcc_from_video_format (GstVideoFormat format)
{
  const struct dmaheap_format *fmt;

  if (format == GST_VIDEO_FORMAT_UNKNOWN || format == GST_VIDEO_FORMAT_ENCODED)
    return 0;
  fmt = dmaheap_format_from_gst_name (gst_video_format_to_string (format));
  return fmt ? fmt->fourcc : 0;
}

GstVideoFormat
gst_dmaheap_video_format_from_fourcc (guint32 fourcc)
{
  const struct dmaheap_format *fmt = dmaheap_format_get (fourcc);

  if (!fmt || !fmt->gst_name)
    return GST_VIDEO_FORMAT_UNKNOWN;
  return gst_video_format_from_string (fmt->gst_name);
}

GstCaps *
gst_dmaheap_video_caps (void)
{
  GValue list = G_VALUE_INIT;
  GstCaps *caps;

  g_value_init (&list, GST_TYPE_LIST);
  for (gsize i = 0; i < dmaheap_format_count (); i++) {
    const struct dmaheap_format *fmt = dmaheap_format_at (i);
    GValue v = G_VALUE_INIT;

    if (!fmt->gst_name ||
        gst_video_format_from_string (fmt->gst_name) == GST_VIDEO_FORMAT_UNKNOWN)
      continue;
    g_value_init (&v, G_TYPE_STRING);
    g_value_set_static_string (&v, fmt->gst_name);
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
