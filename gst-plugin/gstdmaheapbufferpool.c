/* SPDX-License-Identifier: MIT */
#include "gstdmaheapbufferpool.h"
#include "gstdmaheapdebug.h"
#include "gstdmaheapformat.h"

#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <dmaheap/dmaheap.h>

#define GST_CAT_DEFAULT gst_dmaheap_debug

#define CONFIG_STRIDE_ALIGN "dmaheap-stride-align"
#define CONFIG_FENCE_TIMEOUT "dmaheap-fence-timeout"
#define DEFAULT_FENCE_TIMEOUT (1 * GST_SECOND)

struct _GstDmaHeapBufferPool
{
  GstBufferPool parent;

  GstAllocator *allocator;      /* a GstDmaHeapAllocator */
  gboolean configured;
  GstVideoInfo info;            /* offsets/strides/size as in the meta */
  GstVideoAlignment align;
  struct dmaheap_layout layout; /* of the padded frame */
  gsize buffer_size;            /* >= layout.size (one dma-buf) */
  gboolean per_plane;
  GstClockTime fence_timeout;   /* 0: do not wait */
  int flush_fd;                 /* eventfd, readable while flushing; -1 */
  GWeakRef owner;               /* element that reports allocation errors */
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

void
gst_dmaheap_buffer_pool_config_set_fence_timeout (GstStructure * config,
    GstClockTime timeout)
{
  gst_structure_set (config, CONFIG_FENCE_TIMEOUT, G_TYPE_UINT64, timeout,
      NULL);
}

GstClockTime
gst_dmaheap_buffer_pool_config_get_fence_timeout (GstStructure * config)
{
  guint64 timeout = DEFAULT_FENCE_TIMEOUT;

  gst_structure_get_uint64 (config, CONFIG_FENCE_TIMEOUT, &timeout);
  return timeout;
}

void
gst_dmaheap_buffer_pool_set_owner (GstDmaHeapBufferPool * self,
    GstElement * owner)
{
  g_return_if_fail (GST_IS_DMAHEAP_BUFFER_POOL (self));
  g_weak_ref_set (&self->owner, owner);
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
  GError *error = NULL;
  guint32 fourcc;
  gint width, height;
  gboolean changed;

  if (!gst_buffer_pool_config_get_params (config, &caps, &size, &min, &max)
      || !caps) {
    GST_WARNING_OBJECT (pool, "config without caps");
    return FALSE;
  }
  /* system-memory raw video, or (GStreamer >= 1.24) linear DMA_DRM caps */
  if (!gst_dmaheap_video_info_from_caps (&info, caps, &error)) {
    GST_WARNING_OBJECT (pool, "%s", error->message);
    g_error_free (error);
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
  self->fence_timeout =
      gst_dmaheap_buffer_pool_config_get_fence_timeout (config);

  /* The paddings come from the caller: add them without overflow. */
  {
    guint64 w = (guint64) GST_VIDEO_INFO_WIDTH (&info) +
        self->align.padding_left + self->align.padding_right;
    guint64 h = (guint64) GST_VIDEO_INFO_FIELD_HEIGHT (&info) +
        self->align.padding_top + self->align.padding_bottom;

    if (w > G_MAXINT || h > G_MAXINT) {
      GST_WARNING_OBJECT (pool, "%dx%d with padding %u+%u, %u+%u is too "
          "large", GST_VIDEO_INFO_WIDTH (&info), GST_VIDEO_INFO_HEIGHT (&info),
          self->align.padding_left, self->align.padding_right,
          self->align.padding_top, self->align.padding_bottom);
      return FALSE;
    }
    width = (gint) w;
    height = (gint) h;
  }
  self->layout.struct_size = sizeof (self->layout);
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

  if (self->layout.size > G_MAXUINT) {
    GST_WARNING_OBJECT (pool, "a %" G_GUINT64_FORMAT "-byte frame is more "
        "than a buffer pool's size can say", self->layout.size);
    return FALSE;
  }

  /* The buffer size is at least the layout's: a smaller size could not
   * hold the frame (with one dma-buf per plane, exactly the layout's). As
   * GstBufferPool's protocol says, a configuration that had to change is
   * stored changed and refused: the caller reads it back, checks it
   * (gst_buffer_pool_config_validate_params) and sets it again. */
  self->buffer_size = self->per_plane ? self->layout.size :
      MAX (size, self->layout.size);
  changed = size != self->buffer_size ||
      (allocator != NULL && allocator != self->allocator);
  gst_buffer_pool_config_set_params (config, caps, self->buffer_size, min,
      max);
  gst_buffer_pool_config_set_allocator (config, self->allocator, NULL);
  if (changed)
    GST_DEBUG_OBJECT (pool, "configuration changed (size %u -> %"
        G_GSIZE_FORMAT ", allocator %" GST_PTR_FORMAT ")", size,
        self->buffer_size, self->allocator);
  if (!GST_BUFFER_POOL_CLASS (gst_dmaheap_buffer_pool_parent_class)->
      set_config (pool, config))
    return FALSE;
  return !changed;
}

static GstMemory *
alloc_memory (GstDmaHeapBufferPool * self, gsize size)
{
  GstMemory *mem = gst_allocator_alloc (self->allocator, size, NULL);
  GstElement *owner;

  if (mem)
    return mem;
  GST_ERROR_OBJECT (self, "cannot allocate %" G_GSIZE_FORMAT " bytes: %s",
      size, dmaheap_last_error ());
  /* The producer only sees GST_FLOW_ERROR ("Internal data stream error");
   * the element that offered the pool says which heap ran out. */
  owner = g_weak_ref_get (&self->owner);
  if (owner) {
    GST_ELEMENT_ERROR (owner, RESOURCE, NO_SPACE_LEFT,
        ("Cannot allocate a %" G_GSIZE_FORMAT "-byte buffer from dma-buf "
            "heap '%s': %s", size, gst_dmaheap_allocator_get_heap_name
            (GST_DMAHEAP_ALLOCATOR (self->allocator)), dmaheap_last_error ()),
        ("the pool holds buffers still in use downstream; free memory in "
            "the heap, use fewer or smaller buffers (max-buffers), or "
            "another heap"));
    gst_object_unref (owner);
  }
  return NULL;
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
    GstMemory *mem = alloc_memory (self, self->buffer_size);

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

typedef enum
{
  WAIT_IDLE,
  WAIT_TIMEOUT,
  WAIT_FLUSHING,
} WaitResult;

/* Waits until no device still reads or writes fd: poll() on a dma-buf for
 * POLLOUT waits for all its implicit fences (the reservation object's
 * readers and writers). Ends early when the pool starts flushing (a flushing
 * seek, or a state change deactivating it): flush_fd becomes readable. */
static WaitResult
wait_dmabuf_idle (int fd, int flush_fd, gint64 deadline)
{
  struct pollfd pfd[2] = {
    {.fd = fd,.events = POLLOUT},
    {.fd = flush_fd,.events = POLLIN},
  };

  for (;;) {
    gint64 left_ms = (deadline - g_get_monotonic_time () + 999) / 1000;
    int ret;

    ret = poll (pfd, flush_fd >= 0 ? 2 : 1, (int) CLAMP (left_ms, 0, G_MAXINT));
    if (ret > 0 && (pfd[1].revents & POLLIN))
      return WAIT_FLUSHING;
    if (ret > 0)
      return WAIT_IDLE;
    if (ret == 0)
      return WAIT_TIMEOUT;
    if (errno != EINTR)
      return WAIT_IDLE;         /* not pollable: nothing to wait for */
  }
}

static void
gst_dmaheap_buffer_pool_flush_start (GstBufferPool * pool)
{
  GstDmaHeapBufferPool *self = GST_DMAHEAP_BUFFER_POOL (pool);

  if (self->flush_fd >= 0 && eventfd_write (self->flush_fd, 1) < 0)
    GST_WARNING_OBJECT (self, "cannot wake fence waits: %s",
        g_strerror (errno));
}

static void
gst_dmaheap_buffer_pool_flush_stop (GstBufferPool * pool)
{
  GstDmaHeapBufferPool *self = GST_DMAHEAP_BUFFER_POOL (pool);
  eventfd_t value;

  /* Non-blocking: EAGAIN when no flush_start came, which is fine. */
  if (self->flush_fd >= 0)
    (void) eventfd_read (self->flush_fd, &value);
}

/* A buffer comes back to the pool when the last GstBuffer reference goes,
 * which for a device may be before it is done with the memory (a display
 * still scanning out, an encoder still reading, work queued behind a
 * fence). Before handing it out for writing again, wait for its fences, but
 * never past the fence timeout or a flush. */
static GstFlowReturn
gst_dmaheap_buffer_pool_acquire_buffer (GstBufferPool * pool,
    GstBuffer ** buffer, GstBufferPoolAcquireParams * params)
{
  GstDmaHeapBufferPool *self = GST_DMAHEAP_BUFFER_POOL (pool);
  GstFlowReturn ret;
  gint64 deadline;

  ret = GST_BUFFER_POOL_CLASS (gst_dmaheap_buffer_pool_parent_class)->
      acquire_buffer (pool, buffer, params);
  if (ret != GST_FLOW_OK || self->fence_timeout == 0)
    return ret;

  deadline = g_get_monotonic_time () + self->fence_timeout / GST_USECOND;
  for (guint i = 0; i < gst_buffer_n_memory (*buffer); i++) {
    GstMemory *mem = gst_buffer_peek_memory (*buffer, i);
    int fd = gst_is_dmabuf_memory (mem) ? gst_dmabuf_memory_get_fd (mem) : -1;
    WaitResult wait = fd >= 0 ? wait_dmabuf_idle (fd, self->flush_fd,
        deadline) : WAIT_IDLE;

    if (wait == WAIT_FLUSHING) {
      GST_DEBUG_OBJECT (self, "flushing while buffer %p waited for its "
          "fences", *buffer);
      /* Back into the queue; gst_buffer_pool_acquire_buffer() accounts. */
      GST_BUFFER_POOL_CLASS (gst_dmaheap_buffer_pool_parent_class)->
          release_buffer (pool, *buffer);
      *buffer = NULL;
      return GST_FLOW_FLUSHING;
    }
    if (wait == WAIT_TIMEOUT) {
      GST_WARNING_OBJECT (self, "buffer %p: dma-buf fd %d still busy (a "
          "device is reading or writing it) after %" GST_TIME_FORMAT "; "
          "handing it out anyway, the frame may tear", *buffer, fd,
          GST_TIME_ARGS (self->fence_timeout));
      break;
    }
  }
  return GST_FLOW_OK;
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
  if (self->flush_fd >= 0)
    close (self->flush_fd);
  g_weak_ref_clear (&self->owner);
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
  pool_class->acquire_buffer = gst_dmaheap_buffer_pool_acquire_buffer;
  pool_class->flush_start = gst_dmaheap_buffer_pool_flush_start;
  pool_class->flush_stop = gst_dmaheap_buffer_pool_flush_stop;
}

static void
gst_dmaheap_buffer_pool_init (GstDmaHeapBufferPool * self)
{
  gst_video_alignment_reset (&self->align);
  self->fence_timeout = DEFAULT_FENCE_TIMEOUT;
  /* Without it a flush cannot cut a fence wait short; waits still end at
   * the fence timeout. */
  self->flush_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (self->flush_fd < 0)
    GST_WARNING_OBJECT (self, "eventfd: %s", g_strerror (errno));
  g_weak_ref_init (&self->owner, NULL);
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
