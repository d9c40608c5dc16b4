/* SPDX-License-Identifier: MIT */
#include "gstdmaheappool.h"
#include "gstdmaheapallocator.h"
#include "gstdmaheapbufferpool.h"
#include "gstdmaheapdebug.h"
#include "gstdmaheapformat.h"

#include <gst/video/video.h>
#include <dmaheap/dmaheap.h>

#define GST_CAT_DEFAULT gst_dmaheap_debug

struct _GstDmaHeapPool
{
  GstBaseTransform parent;

  /* properties, under the object lock */
  gchar *heap;
  gchar *devices;
  GstDmaHeapUsage usage;
  guint min_buffers, max_buffers;
  guint stride_align;
  gboolean per_plane;
  guint64 copies;

  /* streaming state */
  GstAllocator *allocator;      /* from start() to stop() */
  GstBufferPool *pool;          /* for the current caps */
  gboolean pool_proposed;       /* self->pool went out in a query */
  GList *retired_pools;         /* replaced while upstream still held them */
  GstVideoInfo info;            /* the negotiated caps (the linear layout) */
#if GST_CHECK_VERSION (1, 24, 0)
  gboolean dma_drm;             /* info came from DMA_DRM caps */
  gboolean warned_caps;         /* explained refused DMA_DRM caps */
#endif
  gboolean warned_copy;
};

enum
{
  PROP_0,
  PROP_HEAP,
  PROP_USAGE,
  PROP_MIN_BUFFERS,
  PROP_MAX_BUFFERS,
  PROP_STRIDE_ALIGN,
  PROP_PER_PLANE_MEMORY,
  PROP_COPIES,
  PROP_DEVICES,
};

#define DEFAULT_USAGE GST_DMAHEAP_USAGE_SCANOUT
#define DEFAULT_MIN_BUFFERS 2
#define DEFAULT_MAX_BUFFERS 0
#define DEFAULT_STRIDE_ALIGN 0

G_DEFINE_TYPE_WITH_CODE (GstDmaHeapPool, gst_dmaheap_pool,
    GST_TYPE_BASE_TRANSFORM, gst_dmaheap_debug_init ());

static gboolean
gst_dmaheap_pool_start (GstBaseTransform * trans)
{
  GstDmaHeapPool *self = GST_DMAHEAP_POOL (trans);
  GstDmaHeapAllocator *allocator;
  GError *error = NULL;

  GST_OBJECT_LOCK (self);
  allocator = GST_DMAHEAP_ALLOCATOR (gst_dmaheap_allocator_new (self->heap,
          self->usage));
  if (self->devices)
    g_object_set (allocator, "devices", self->devices, NULL);
  self->copies = 0;
  self->warned_copy = FALSE;
#if GST_CHECK_VERSION (1, 24, 0)
  self->warned_caps = FALSE;
#endif
  GST_OBJECT_UNLOCK (self);

  /* Open the heap now, so a wrong name fails the state change with a
   * message instead of the first allocation. */
  if (!gst_dmaheap_allocator_resolve (allocator, &error)) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("No usable dma-buf heap: %s", error->message),
        ("heap='%s'; set the heap property to a name listed in /dev/dma_heap "
            "(dmaheap list), or load the dmaheap kernel modules",
            self->heap ? self->heap : ""));
    g_error_free (error);
    gst_object_unref (allocator);
    return FALSE;
  }
  {
    gchar *why = NULL;

    g_object_get (allocator, "heap-reason", &why, NULL);
    GST_INFO_OBJECT (self, "using heap '%s'%s%s",
        gst_dmaheap_allocator_get_heap_name (allocator), why ? ": " : "",
        why ? why : "");
    g_free (why);
  }
  self->allocator = GST_ALLOCATOR (allocator);
  return TRUE;
}

static void
clear_pool (GstDmaHeapPool * self)
{
  if (self->pool) {
    gst_buffer_pool_set_active (self->pool, FALSE);
    gst_clear_object (&self->pool);
  }
  self->pool_proposed = FALSE;
}

static void
deactivate_and_unref (gpointer pool)
{
  gst_buffer_pool_set_active (pool, FALSE);
  gst_object_unref (pool);
}

/* New caps without a new ALLOCATION query: upstream may still acquire from
 * the current pool (an active pool cannot be reconfigured), so keep it
 * active until stop() and make a new one. */
static void
retire_pool (GstDmaHeapPool * self)
{
  if (self->pool)
    self->retired_pools = g_list_prepend (self->retired_pools, self->pool);
  self->pool = NULL;
  self->pool_proposed = FALSE;
}

/* Upstream asked again, so it is about to replace the pool it had: release
 * the old one now. Deactivating frees its idle buffers at once and the rest
 * as they come back, so a producer that renegotiates often (a decoder after
 * each source change) does not pile up pools of heap memory until stop(). */
static void
release_proposed_pool (GstDmaHeapPool * self)
{
  if (self->pool) {
    GST_DEBUG_OBJECT (self, "releasing %" GST_PTR_FORMAT ": upstream asked "
        "for a new pool", self->pool);
    deactivate_and_unref (self->pool);
  }
  self->pool = NULL;
  self->pool_proposed = FALSE;
}

static gboolean
gst_dmaheap_pool_stop (GstBaseTransform * trans)
{
  GstDmaHeapPool *self = GST_DMAHEAP_POOL (trans);

  clear_pool (self);
  g_list_free_full (self->retired_pools, deactivate_and_unref);
  self->retired_pools = NULL;
  gst_clear_object (&self->allocator);
  return TRUE;
}

/* Whether the current pool was made for caps that parse to info. */
static gboolean
pool_fits (GstDmaHeapPool * self, const GstVideoInfo * info, GstCaps * caps)
{
  if (!self->pool || !gst_video_info_is_equal (info, &self->info))
    return FALSE;
#if GST_CHECK_VERSION (1, 24, 0)
  /* the same layout in system-memory and DMA_DRM caps: the pool's caps
   * differ */
  if (gst_video_is_dma_drm_caps (caps) != self->dma_drm)
    return FALSE;
#endif
  return TRUE;
}

static void
set_pool (GstDmaHeapPool * self, GstBufferPool * pool, GstCaps * caps,
    const GstVideoInfo * info)
{
  self->pool = pool;
  self->info = *info;
#if GST_CHECK_VERSION (1, 24, 0)
  self->dma_drm = gst_video_is_dma_drm_caps (caps);
#endif
}

static GstBufferPool *
make_pool (GstDmaHeapPool * self, GstCaps * caps, GstVideoInfo * info)
{
  GstBufferPool *pool = gst_dmaheap_buffer_pool_new (self->allocator);
  GstStructure *config = gst_buffer_pool_get_config (pool);
  guint min, max;

  gst_dmaheap_buffer_pool_set_owner (GST_DMAHEAP_BUFFER_POOL (pool),
      GST_ELEMENT (self));

  GST_OBJECT_LOCK (self);
  min = self->min_buffers;
  max = self->max_buffers;
  gst_buffer_pool_config_set_params (config, caps, info->size, min, max);
  gst_dmaheap_buffer_pool_config_set_stride_align (config, self->stride_align);
  if (self->per_plane)
    gst_buffer_pool_config_add_option (config,
        GST_BUFFER_POOL_OPTION_DMAHEAP_PER_PLANE_MEMORY);
  GST_OBJECT_UNLOCK (self);
  gst_buffer_pool_config_add_option (config, GST_BUFFER_POOL_OPTION_VIDEO_META);

  /* The pool fits the size to its layout and says so by refusing once:
   * check what it changed and set that. */
  if (!gst_buffer_pool_set_config (pool, config)) {
    config = gst_buffer_pool_get_config (pool);
    if (!gst_buffer_pool_config_validate_params (config, caps, info->size,
            min, max) ||
        !gst_buffer_pool_set_config (pool, config)) {
      gst_object_unref (pool);
      return NULL;
    }
  }
  return pool;
}

static gboolean
gst_dmaheap_pool_set_caps (GstBaseTransform * trans, GstCaps * incaps,
    GstCaps * outcaps)
{
  GstDmaHeapPool *self = GST_DMAHEAP_POOL (trans);
  GstVideoInfo info;
  GstBufferPool *pool;
  GError *error = NULL;

  if (!gst_dmaheap_video_info_from_caps (&info, incaps, &error)) {
    /* GST_STREAM_ERROR: DMA_DRM caps (GStreamer >= 1.24) it cannot lay out */
    if (error->domain == GST_STREAM_ERROR)
      GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("%s", error->message),
          ("caps %" GST_PTR_FORMAT, incaps));
    else
      GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
          ("invalid caps %" GST_PTR_FORMAT, incaps));
    g_error_free (error);
    return FALSE;
  }
  if (pool_fits (self, &info, incaps))
    return TRUE;

  pool = make_pool (self, incaps, &info);
  if (!pool) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("Cannot lay out %s %dx%d in a dma-buf heap buffer",
            GST_VIDEO_INFO_NAME (&info), GST_VIDEO_INFO_WIDTH (&info),
            GST_VIDEO_INFO_HEIGHT (&info)),
        ("caps %" GST_PTR_FORMAT, incaps));
    return FALSE;
  }
  retire_pool (self);
  set_pool (self, pool, incaps, &info);
  return TRUE;
}

/* The pool goes to upstream whether it asked for one or not: the point of
 * this element is that the producer writes into heap memory. */
static gboolean
gst_dmaheap_pool_propose_allocation (GstBaseTransform * trans,
    GstQuery * decide_query, GstQuery * query)
{
  GstDmaHeapPool *self = GST_DMAHEAP_POOL (trans);
  GstStructure *config;
  GstCaps *caps;
  guint size, min, max;
  GstVideoInfo info;
  GError *error = NULL;

  gst_query_parse_allocation (query, &caps, NULL);
  if (!caps || !self->allocator)
    return FALSE;
  if (!gst_dmaheap_video_info_from_caps (&info, caps, &error)) {
    GST_WARNING_OBJECT (self, "not answering the ALLOCATION query: %s",
        error->message);
    g_error_free (error);
    return FALSE;
  }
  /* A producer asking again (a decoder after a source change) may still
   * have buffers of the pool it got last time out downstream, and a pool
   * with outstanding buffers cannot be reconfigured: give it a new one. */
  if (self->pool_proposed || !pool_fits (self, &info, caps)) {
    GstBufferPool *pool = make_pool (self, caps, &info);

    if (!pool)
      return FALSE;
    if (self->pool_proposed)
      release_proposed_pool (self);
    else
      retire_pool (self);
    set_pool (self, pool, caps, &info);
  }

  config = gst_buffer_pool_get_config (self->pool);
  gst_buffer_pool_config_get_params (config, NULL, &size, &min, &max);
  gst_structure_free (config);

  gst_query_add_allocation_pool (query, self->pool, size, min, max);
  self->pool_proposed = TRUE;
  gst_query_add_allocation_param (query, self->allocator, NULL);
  gst_query_add_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);
  GST_DEBUG_OBJECT (self, "proposed pool %" GST_PTR_FORMAT " of %u-byte "
      "buffers, %u..%u", self->pool, size, min, max);
  return TRUE;
}

/* GstBaseTransform answers ALLOCATION only once caps are negotiated; a
 * producer that allocates before its first buffer (an application feeding
 * appsrc) asks earlier, and the query carries the caps we need. */
static gboolean
gst_dmaheap_pool_query (GstBaseTransform * trans, GstPadDirection direction,
    GstQuery * query)
{
  if (direction == GST_PAD_SINK && GST_QUERY_TYPE (query) == GST_QUERY_ALLOCATION)
    return gst_dmaheap_pool_propose_allocation (trans, NULL, query);
  return GST_BASE_TRANSFORM_CLASS (gst_dmaheap_pool_parent_class)->query
      (trans, direction, query);
}

#if GST_CHECK_VERSION (1, 24, 0)
/* DMA_DRM caps with a modifier never match the pad templates (linear
 * fourccs only), so a producer that insists on them (appsrc with fixed caps)
 * fails with not-negotiated; a warning (once per start) says why. */
static gboolean
gst_dmaheap_pool_accept_caps (GstBaseTransform * trans,
    GstPadDirection direction, GstCaps * caps)
{
  GstDmaHeapPool *self = GST_DMAHEAP_POOL (trans);
  GstVideoInfo info;
  GError *error = NULL;

  if (GST_BASE_TRANSFORM_CLASS (gst_dmaheap_pool_parent_class)->accept_caps
      (trans, direction, caps))
    return TRUE;
  if (!self->warned_caps && gst_video_is_dma_drm_caps (caps) &&
      !gst_dmaheap_video_info_from_caps (&info, caps, &error)) {
    self->warned_caps = TRUE;
    GST_ELEMENT_WARNING (self, STREAM, FORMAT, ("Refusing caps: %s",
            error->message), ("caps %" GST_PTR_FORMAT, caps));
    g_error_free (error);
  }
  return FALSE;
}
#endif

/* A buffer needs no copy when every memory of it came from our heap. */
static gboolean
is_our_heap_memory (GstDmaHeapPool * self, GstBuffer * buf)
{
  const gchar *heap = gst_dmaheap_allocator_get_heap_name
      (GST_DMAHEAP_ALLOCATOR (self->allocator));
  guint n = gst_buffer_n_memory (buf);

  if (n == 0)
    return FALSE;
  for (guint i = 0; i < n; i++) {
    GstMemory *mem = gst_buffer_peek_memory (buf, i);
    const gchar *mem_heap;

    if (!gst_is_dmaheap_memory (mem))
      return FALSE;
    mem_heap = gst_dmaheap_allocator_get_heap_name
        (GST_DMAHEAP_ALLOCATOR (mem->allocator));
    if (g_strcmp0 (mem_heap, heap) != 0)
      return FALSE;
  }
  return TRUE;
}

static GstFlowReturn
copy_into_pool_buffer (GstDmaHeapPool * self, GstBuffer * inbuf,
    GstBuffer ** outbuf)
{
  GstVideoFrame in_frame, out_frame;
  GstVideoInfo out_info;
  GstBuffer *out = NULL;
  GstFlowReturn ret;
  gboolean copied;

  if (!gst_buffer_get_video_meta (inbuf) &&
      gst_buffer_get_size (inbuf) < self->info.size) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("Buffer of %" G_GSIZE_FORMAT " bytes is too small for %s %dx%d "
            "(%" G_GSIZE_FORMAT " bytes)", gst_buffer_get_size (inbuf),
            GST_VIDEO_INFO_NAME (&self->info), GST_VIDEO_INFO_WIDTH (&self->info),
            GST_VIDEO_INFO_HEIGHT (&self->info), self->info.size),
        ("upstream produced a short buffer"));
    return GST_FLOW_ERROR;
  }
  /* An allocation failure is reported by the pool, as this element's error
   * naming the heap (gst_dmaheap_buffer_pool_set_owner()). */
  if (!gst_buffer_pool_is_active (self->pool) &&
      !gst_buffer_pool_set_active (self->pool, TRUE))
    return GST_FLOW_ERROR;
  ret = gst_buffer_pool_acquire_buffer (self->pool, &out, NULL);
  if (ret != GST_FLOW_OK)
    return ret;

  gst_dmaheap_buffer_pool_get_video_info (GST_DMAHEAP_BUFFER_POOL (self->pool),
      &out_info);
  if (!gst_video_frame_map (&in_frame, &self->info, inbuf, GST_MAP_READ)) {
    gst_buffer_unref (out);
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("Cannot map an input buffer as %s %dx%d",
            GST_VIDEO_INFO_NAME (&self->info), GST_VIDEO_INFO_WIDTH (&self->info),
            GST_VIDEO_INFO_HEIGHT (&self->info)), (NULL));
    return GST_FLOW_ERROR;
  }
  if (!gst_video_frame_map (&out_frame, &out_info, out, GST_MAP_WRITE)) {
    gst_video_frame_unmap (&in_frame);
    gst_buffer_unref (out);
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
        ("Cannot map a dma-buf heap buffer for writing"), (NULL));
    return GST_FLOW_ERROR;
  }
  copied = gst_video_frame_copy (&out_frame, &in_frame);
  gst_video_frame_unmap (&out_frame);
  gst_video_frame_unmap (&in_frame);
  if (!copied) {
    gst_buffer_unref (out);
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Cannot copy a frame into a dma-buf heap buffer"), (NULL));
    return GST_FLOW_ERROR;
  }
  gst_buffer_copy_into (out, inbuf,
      GST_BUFFER_COPY_FLAGS | GST_BUFFER_COPY_TIMESTAMPS, 0, -1);

  GST_OBJECT_LOCK (self);
  self->copies++;
  GST_OBJECT_UNLOCK (self);
  if (!self->warned_copy) {
    self->warned_copy = TRUE;
    GST_WARNING_OBJECT (self, "upstream did not use the dma-buf heap pool: "
        "copying every such buffer (see the 'copies' property)");
  }
  *outbuf = out;
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_dmaheap_pool_prepare_output_buffer (GstBaseTransform * trans,
    GstBuffer * inbuf, GstBuffer ** outbuf)
{
  GstDmaHeapPool *self = GST_DMAHEAP_POOL (trans);

  if (!self->pool) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("buffer before caps"));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  if (is_our_heap_memory (self, inbuf)) {
    *outbuf = inbuf;            /* the same buffer: passthrough */
    return GST_FLOW_OK;
  }
  return copy_into_pool_buffer (self, inbuf, outbuf);
}

static GstFlowReturn
gst_dmaheap_pool_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  return GST_FLOW_OK;
}

static void
gst_dmaheap_pool_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstDmaHeapPool *self = GST_DMAHEAP_POOL (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_HEAP:
      g_free (self->heap);
      self->heap = g_value_dup_string (value);
      break;
    case PROP_USAGE:
      self->usage = g_value_get_enum (value);
      break;
    case PROP_DEVICES:
      g_free (self->devices);
      self->devices = g_value_dup_string (value);
      break;
    case PROP_MIN_BUFFERS:
      self->min_buffers = g_value_get_uint (value);
      break;
    case PROP_MAX_BUFFERS:
      self->max_buffers = g_value_get_uint (value);
      break;
    case PROP_STRIDE_ALIGN:
      self->stride_align = g_value_get_uint (value);
      break;
    case PROP_PER_PLANE_MEMORY:
      self->per_plane = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_dmaheap_pool_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstDmaHeapPool *self = GST_DMAHEAP_POOL (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_HEAP:
      g_value_set_string (value, self->heap);
      break;
    case PROP_USAGE:
      g_value_set_enum (value, self->usage);
      break;
    case PROP_DEVICES:
      g_value_set_string (value, self->devices);
      break;
    case PROP_MIN_BUFFERS:
      g_value_set_uint (value, self->min_buffers);
      break;
    case PROP_MAX_BUFFERS:
      g_value_set_uint (value, self->max_buffers);
      break;
    case PROP_STRIDE_ALIGN:
      g_value_set_uint (value, self->stride_align);
      break;
    case PROP_PER_PLANE_MEMORY:
      g_value_set_boolean (value, self->per_plane);
      break;
    case PROP_COPIES:
      g_value_set_uint64 (value, self->copies);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_dmaheap_pool_finalize (GObject * object)
{
  GstDmaHeapPool *self = GST_DMAHEAP_POOL (object);

  g_free (self->heap);
  g_free (self->devices);
  G_OBJECT_CLASS (gst_dmaheap_pool_parent_class)->finalize (object);
}

static void
gst_dmaheap_pool_class_init (GstDmaHeapPoolClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstCaps *caps = gst_dmaheap_video_caps ();
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY;

  gobject_class->set_property = gst_dmaheap_pool_set_property;
  gobject_class->get_property = gst_dmaheap_pool_get_property;
  gobject_class->finalize = gst_dmaheap_pool_finalize;

  g_object_class_install_property (gobject_class, PROP_HEAP,
      g_param_spec_string ("heap", "Heap",
          "dma-buf heap to allocate from (a name in /dev/dma_heap, e.g. "
          "\"system\"), or a comma-separated list tried in order; empty: the "
          "heaps of 'usage' from the libdmaheap policy (DMAHEAP_HEAPS)",
          NULL, rw));
  g_object_class_install_property (gobject_class, PROP_USAGE,
      g_param_spec_enum ("usage", "Usage",
          "Which device uses the buffers, when no heap is given: scanout, "
          "camera and codec try contiguous (CMA) heaps first, gpu and cpu "
          "the system heap", GST_TYPE_DMAHEAP_USAGE, DEFAULT_USAGE, rw));
  g_object_class_install_property (gobject_class, PROP_DEVICES,
      g_param_spec_string ("devices", "Devices",
          "Device-aware mode: the devices that use the buffers, comma "
          "separated (/dev/video0,/dev/dri/card0); with no heap given, the "
          "buffers come from the cheapest heap all of them accept (system "
          "before CMA, CMA only for a device that needs it), as libdmaheap "
          "learns them; 'usage' is then the fallback for a device whose needs "
          "are unknown", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_MIN_BUFFERS,
      g_param_spec_uint ("min-buffers", "Minimum buffers",
          "Buffers the pool allocates up front (upstream may ask for more)",
          0, 64, DEFAULT_MIN_BUFFERS, rw));
  g_object_class_install_property (gobject_class, PROP_MAX_BUFFERS,
      g_param_spec_uint ("max-buffers", "Maximum buffers",
          "Most buffers the pool allocates (0 = no limit); a full pool makes "
          "the producer wait for a buffer to come back", 0, 64,
          DEFAULT_MAX_BUFFERS, rw));
  g_object_class_install_property (gobject_class, PROP_STRIDE_ALIGN,
      g_param_spec_uint ("stride-align", "Stride alignment",
          "Every plane's stride a multiple of this many bytes (0 = no "
          "constraint beyond the format's), for devices with stride "
          "constraints (e.g. 64 or 256)", 0, 4096, DEFAULT_STRIDE_ALIGN, rw));
  g_object_class_install_property (gobject_class, PROP_PER_PLANE_MEMORY,
      g_param_spec_boolean ("per-plane-memory", "One dma-buf per plane",
          "Allocate each plane in its own dma-buf (for consumers of "
          "multi-planar formats such as V4L2 NV12M) instead of all planes in "
          "one dma-buf", FALSE, rw));
  g_object_class_install_property (gobject_class, PROP_COPIES,
      g_param_spec_uint64 ("copies", "Copies",
          "Buffers that arrived in other memory and were copied into heap "
          "buffers since the element started (0 when upstream uses the pool)",
          0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_pad_template (element_class,
      gst_pad_template_new ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, caps));
  gst_element_class_add_pad_template (element_class,
      gst_pad_template_new ("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps));
  gst_caps_unref (caps);
  gst_element_class_set_static_metadata (element_class,
      "dma-buf heap buffer pool", "Filter/Video",
      "Offers upstream a pool of dma-buf heap buffers (one dma-buf per frame, "
      "GstVideoMeta with libdmaheap's layout) and passes them on unchanged; "
      "copies buffers from elsewhere into heap buffers and counts them",
      "dmaheap project");

  trans_class->start = GST_DEBUG_FUNCPTR (gst_dmaheap_pool_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_dmaheap_pool_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_dmaheap_pool_set_caps);
  trans_class->propose_allocation =
      GST_DEBUG_FUNCPTR (gst_dmaheap_pool_propose_allocation);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_dmaheap_pool_query);
#if GST_CHECK_VERSION (1, 24, 0)
  trans_class->accept_caps = GST_DEBUG_FUNCPTR (gst_dmaheap_pool_accept_caps);
#endif
  trans_class->prepare_output_buffer =
      GST_DEBUG_FUNCPTR (gst_dmaheap_pool_prepare_output_buffer);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_dmaheap_pool_transform_ip);
  trans_class->passthrough_on_same_caps = FALSE;
  gst_type_mark_as_plugin_api (GST_TYPE_DMAHEAP_USAGE, 0);
}

static void
gst_dmaheap_pool_init (GstDmaHeapPool * self)
{
  self->usage = DEFAULT_USAGE;
  self->min_buffers = DEFAULT_MIN_BUFFERS;
  self->max_buffers = DEFAULT_MAX_BUFFERS;
  self->stride_align = DEFAULT_STRIDE_ALIGN;
  /* In place: every buffer goes out as it came in, or as its heap copy. */
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}
