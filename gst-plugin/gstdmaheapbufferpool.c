/* SPDX-License-Identifier: MIT */
#include "gstdmaheapbufferpool.h"
#include "gstdmaheapdebug.h"
#include "gstdmaheapformat.h"

#include <dmaheap/dmaheap.h>

#define GST_CAT_DEFAULT gst_dmaheap_debug

#define CONFIG_STRIDE_ALIGN "dmaheap-stride-align"

struct _GstDmaHeapBufferPool
{
  GstBufferPool parent;

  GstAllocator *allocator;      /* a GstDmaHeapAllocator */
  gboolean configured;
  GstVideoInfo info;            /* offsets/strides/size as in the meta */
  GstVideoAlignment align;
  struct dmaheap_layout layout; /* of the padded frame */
  gboolean per_plane;
};

G_DEFINE_TYPE_WITH_CODE (GstDmaHeapBufferPool, gst_dmaheap_buffer_pool,
    GST_TYPE_BUFFER_POOL, gst_dmaheap_debug_init ());

void
gst_dmaheap_buffer_pool_config_set_stride_align (GstStructure * config,
    guint align)
{
  gst_structure_set (config, CONFIG_STRIDE_ALIGN, G_TYPE_UINT, align, NULL);
}

guint
gst_dmaheap_buffer_pool_config_get_stride_align (GstStructure * config)
{
  guint align = 0;

  gst_structure_get_uint (config, CONFIG_STRIDE_ALIGN, &align);
  return align;
}

static const gchar **
gst_dmaheap_buffer_pool_get_options (GstBufferPool * pool)
{
  static const gchar *options[] = {
    GST_BUFFER_POOL_OPTION_VIDEO_META,
    GST_BUFFER_POOL_OPTION_VIDEO_ALIGNMENT,
    GST_BUFFER_POOL_OPTION_DMAHEAP_PER_PLANE_MEMORY,
    NULL
  };

  return options;
}

static guint
lcm (guint a, guint b)
{
  guint x = a, y = b;

  while (y) {
    guint t = x % y;
    x = y;
    y = t;
  }
  return a / x * b;
}

/* GstVideoMeta offsets point at the visible top-left pixel of each plane,
 * inside the padded layout. */
static void
apply_padding (GstDmaHeapBufferPool * self)
{
  const GstVideoFormatInfo *finfo = self->info.finfo;

  for (guint i = 0; i < self->layout.num_planes; i++) {
    gint comp[GST_VIDEO_MAX_COMPONENTS];
    gsize offset = self->layout.offset[i];

    gst_video_format_info_component (finfo, i, comp);
    offset += (gsize) GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT (finfo, comp[0],
        self->align.padding_top) * self->layout.stride[i];
    offset += (gsize) GST_VIDEO_FORMAT_INFO_SCALE_WIDTH (finfo, comp[0],
        self->align.padding_left) * GST_VIDEO_FORMAT_INFO_PSTRIDE (finfo,
        comp[0]);
    GST_VIDEO_INFO_PLANE_OFFSET (&self->info, i) = offset;
    GST_VIDEO_INFO_PLANE_STRIDE (&self->info, i) = self->layout.stride[i];
  }
  self->info.size = self->layout.size;
}

static gboolean
gst_dmaheap_buffer_pool_set_config (GstBufferPool * pool,
    GstStructure * config)
{
  GstDmaHeapBufferPool *self = GST_DMAHEAP_BUFFER_POOL (pool);
  GstCaps *caps;
  guint size, min, max, stride_align;
  GstAllocator *allocator = NULL;
  GstVideoInfo info;
  guint32 fourcc;
  gint width, height;

  if (!gst_buffer_pool_config_get_params (config, &caps, &size, &min, &max)
      || !caps) {
    GST_WARNING_OBJECT (pool, "config without caps");
    return FALSE;
  }
  if (!gst_video_info_from_caps (&info, caps)) {
    GST_WARNING_OBJECT (pool, "not raw video caps: %" GST_PTR_FORMAT, caps);
    return FALSE;
  }
  fourcc = gst_dmaheap_fourcc_from_video_format (GST_VIDEO_INFO_FORMAT (&info));
  if (!fourcc) {
    GST_WARNING_OBJECT (pool, "format %s has no linear DRM layout",
        GST_VIDEO_INFO_NAME (&info));
    return FALSE;
  }

  if (gst_buffer_pool_config_get_allocator (config, &allocator, NULL) &&
      GST_IS_DMAHEAP_ALLOCATOR (allocator))
    gst_object_replace ((GstObject **) & self->allocator,
        GST_OBJECT (allocator));
  if (!self->allocator) {
    self->allocator = gst_allocator_find (GST_ALLOCATOR_DMAHEAP);
    if (!GST_IS_DMAHEAP_ALLOCATOR (self->allocator)) {
      gst_clear_object (&self->allocator);
      self->allocator = gst_dmaheap_allocator_new (NULL,
          GST_DMAHEAP_USAGE_SCANOUT);
    }
  }

  gst_video_alignment_reset (&self->align);
  if (gst_buffer_pool_config_has_option (config,
          GST_BUFFER_POOL_OPTION_VIDEO_ALIGNMENT))
    gst_buffer_pool_config_get_video_alignment (config, &self->align);
  stride_align = MAX (gst_dmaheap_buffer_pool_config_get_stride_align
      (config), 1);
  for (guint i = 0; i < GST_VIDEO_MAX_PLANES; i++)
    stride_align = lcm (stride_align, self->align.stride_align[i] + 1);
  self->per_plane = gst_buffer_pool_config_has_option (config,
      GST_BUFFER_POOL_OPTION_DMAHEAP_PER_PLANE_MEMORY);

  width = GST_VIDEO_INFO_WIDTH (&info) + self->align.padding_left +
      self->align.padding_right;
  height = GST_VIDEO_INFO_FIELD_HEIGHT (&info) + self->align.padding_top +
      self->align.padding_bottom;
  if (dmaheap_layout_compute (fourcc, width, height, stride_align, 0,
          &self->layout) < 0) {
    GST_WARNING_OBJECT (pool, "no layout for %s %dx%d: %s",
        GST_VIDEO_INFO_NAME (&info), width, height, dmaheap_last_error ());
    return FALSE;
  }
  if (self->layout.num_planes != GST_VIDEO_INFO_N_PLANES (&info)) {
    GST_WARNING_OBJECT (pool, "%s: libdmaheap has %u planes, GStreamer %u",
        GST_VIDEO_INFO_NAME (&info), self->layout.num_planes,
        GST_VIDEO_INFO_N_PLANES (&info));
    return FALSE;
  }
  self->info = info;
  apply_padding (self);
  self->configured = TRUE;

  GST_DEBUG_OBJECT (pool, "%s %dx%d: %" G_GUINT64_FORMAT " bytes, stride0 %u, "
      "%s, %u..%u buffers", GST_VIDEO_INFO_NAME (&info),
      GST_VIDEO_INFO_WIDTH (&info), GST_VIDEO_INFO_HEIGHT (&info),
      self->layout.size, self->layout.stride[0],
      self->per_plane ? "one dma-buf per plane" : "one dma-buf", min, max);

  /* The buffer size is the layout's, whatever was asked: a smaller size
   * could not hold the frame, a bigger one would never be used. */
  gst_buffer_pool_config_set_params (config, caps, self->layout.size, min,
      max);
  gst_buffer_pool_config_set_allocator (config, self->allocator, NULL);
  return GST_BUFFER_POOL_CLASS (gst_dmaheap_buffer_pool_parent_class)->
      set_config (pool, config);
}

static GstMemory *
alloc_memory (GstDmaHeapBufferPool * self, gsize size)
{
  GstMemory *mem = gst_allocator_alloc (self->allocator, size, NULL);

  if (!mem)
    GST_ERROR_OBJECT (self, "cannot allocate %" G_GSIZE_FORMAT " bytes: %s",
        size, dmaheap_last_error ());
  return mem;
}

static GstFlowReturn
gst_dmaheap_buffer_pool_alloc_buffer (GstBufferPool * pool,
    GstBuffer ** buffer, GstBufferPoolAcquireParams * params)
{
  GstDmaHeapBufferPool *self = GST_DMAHEAP_BUFFER_POOL (pool);
  GstVideoMeta *vmeta;
  GstBuffer *buf;

  if (!self->configured)
    return GST_FLOW_NOT_NEGOTIATED;

  buf = gst_buffer_new ();
  if (self->per_plane) {
    for (guint i = 0; i < self->layout.num_planes; i++) {
      GstMemory *mem = alloc_memory (self, self->layout.plane_size[i]);

      if (!mem)
        goto failed;
      gst_buffer_append_memory (buf, mem);
    }
  } else {
    GstMemory *mem = alloc_memory (self, self->layout.size);

    if (!mem)
      goto failed;
    gst_buffer_append_memory (buf, mem);
  }

  /* Always: the strides are libdmaheap's, not necessarily GStreamer's
   * defaults, so a consumer must not guess them. GstVideoMeta offsets are
   * from the start of the buffer, across memories. */
  vmeta = gst_buffer_add_video_meta_full (buf, GST_VIDEO_FRAME_FLAG_NONE,
      GST_VIDEO_INFO_FORMAT (&self->info), GST_VIDEO_INFO_WIDTH (&self->info),
      GST_VIDEO_INFO_HEIGHT (&self->info), GST_VIDEO_INFO_N_PLANES (&self->info),
      self->info.offset, self->info.stride);
  gst_video_meta_set_alignment (vmeta, self->align);
  GST_META_FLAG_SET (vmeta, GST_META_FLAG_POOLED);

  *buffer = buf;
  return GST_FLOW_OK;

failed:
  gst_buffer_unref (buf);
  return GST_FLOW_ERROR;
}

gboolean
gst_dmaheap_buffer_pool_get_video_info (GstDmaHeapBufferPool * self,
    GstVideoInfo * info)
{
  g_return_val_if_fail (GST_IS_DMAHEAP_BUFFER_POOL (self), FALSE);
  if (!self->configured)
    return FALSE;
  *info = self->info;
  return TRUE;
}

static void
gst_dmaheap_buffer_pool_finalize (GObject * object)
{
  GstDmaHeapBufferPool *self = GST_DMAHEAP_BUFFER_POOL (object);

  gst_clear_object (&self->allocator);
  G_OBJECT_CLASS (gst_dmaheap_buffer_pool_parent_class)->finalize (object);
}

static void
gst_dmaheap_buffer_pool_class_init (GstDmaHeapBufferPoolClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstBufferPoolClass *pool_class = GST_BUFFER_POOL_CLASS (klass);

  gobject_class->finalize = gst_dmaheap_buffer_pool_finalize;
  pool_class->get_options = gst_dmaheap_buffer_pool_get_options;
  pool_class->set_config = gst_dmaheap_buffer_pool_set_config;
  pool_class->alloc_buffer = gst_dmaheap_buffer_pool_alloc_buffer;
}

static void
gst_dmaheap_buffer_pool_init (GstDmaHeapBufferPool * self)
{
  gst_video_alignment_reset (&self->align);
}

GstBufferPool *
gst_dmaheap_buffer_pool_new (GstAllocator * allocator)
{
  GstDmaHeapBufferPool *self;

  g_return_val_if_fail (!allocator || GST_IS_DMAHEAP_ALLOCATOR (allocator),
      NULL);
  self = g_object_new (GST_TYPE_DMAHEAP_BUFFER_POOL, NULL);
  if (allocator)
    self->allocator = gst_object_ref (allocator);
  return GST_BUFFER_POOL (gst_object_ref_sink (self));
}
