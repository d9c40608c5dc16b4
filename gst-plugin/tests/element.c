/* SPDX-License-Identifier: MIT */
/*
 * The dmaheappool element: it answers the ALLOCATION query with its heap
 * pool, passes heap buffers through untouched, copies (and counts) buffers
 * from elsewhere, fails the state change on an unknown heap, refuses short
 * buffers, and carries frames through appsrc -> dmaheappool -> appsink.
 * Built against GStreamer >= 1.24, the same in DMA_DRM caps
 * (video/x-raw(memory:DMABuf), format=DMA_DRM, drm-format=NV12 or XR24),
 * and a drm-format with a modifier refused with a message saying why.
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/app/app.h>
#include <gst/video/video.h>
#include <dmaheap/dmaheap.h>

#include "gstdmaheap.h"
#include "gstdmaheapallocator.h"
#include "gstdmaheapbufferpool.h"

#define CAPS "video/x-raw,format=BGRx,width=64,height=32,framerate=30/1"

static gboolean
register_plugin (GstPlugin * plugin)
{
  return gst_dmaheap_register (plugin);
}

/* A harness around a dmaheappool whose heap is set before it starts. */
static GstHarness *
harness_new_min (const gchar * heap, guint min_buffers)
{
  GstElement *el = gst_element_factory_make ("dmaheappool", NULL);
  GstHarness *h;

  fail_unless (el != NULL);
  g_object_set (el, "heap", heap, "min-buffers", min_buffers, NULL);
  /* as gst_harness_new() does: the harness keeps its own reference */
  h = gst_harness_new_with_element (el, "sink", "src");
  gst_object_unref (el);
  return h;
}

static GstHarness *
harness_new (const gchar * heap)
{
  return harness_new_min (heap, 2);
}

static guint64
copies_of (GstElement * element)
{
  guint64 copies = G_MAXUINT64;

  g_object_get (element, "copies", &copies, NULL);
  return copies;
}

/* The pool the element offers upstream, configured and active. */
static GstBufferPool *
query_pool (GstPad * srcpad, const gchar * caps_str)
{
  GstCaps *caps = gst_caps_from_string (caps_str);
  GstQuery *query = gst_query_new_allocation (caps, TRUE);
  GstBufferPool *pool = NULL;
  GstStructure *config;
  guint size, min, max;

  fail_unless (gst_pad_peer_query (srcpad, query),
      "the ALLOCATION query was not answered");
  fail_unless (gst_query_get_n_allocation_pools (query) >= 1);
  gst_query_parse_nth_allocation_pool (query, 0, &pool, &size, &min, &max);
  fail_unless (GST_IS_DMAHEAP_BUFFER_POOL (pool));
  config = gst_buffer_pool_get_config (pool);
  gst_buffer_pool_config_set_params (config, caps, size, min, max);
  fail_unless (gst_buffer_pool_set_config (pool, config));
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
  gst_caps_unref (caps);
  gst_query_unref (query);
  return pool;
}

GST_START_TEST (test_allocation_query)
{
  GstHarness *h = harness_new ("system");
  GstCaps *caps = gst_caps_from_string (CAPS);
  GstQuery *query = gst_query_new_allocation (caps, TRUE);
  GstAllocator *alloc = NULL;
  GstBufferPool *pool = NULL;

  gst_harness_play (h);
  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  fail_unless (gst_pad_peer_query (h->srcpad, query));
  fail_unless_equals_int (gst_query_get_n_allocation_pools (query), 1);
  gst_query_parse_nth_allocation_pool (query, 0, &pool, NULL, NULL, NULL);
  fail_unless (GST_IS_DMAHEAP_BUFFER_POOL (pool));
  fail_unless (gst_query_get_n_allocation_params (query) >= 1);
  gst_query_parse_nth_allocation_param (query, 0, &alloc, NULL);
  fail_unless (GST_IS_DMAHEAP_ALLOCATOR (alloc));
  fail_unless_equals_string (gst_dmaheap_allocator_get_heap_name
      (GST_DMAHEAP_ALLOCATOR (alloc)), "system");
  fail_unless (gst_query_find_allocation_meta (query, GST_VIDEO_META_API_TYPE,
          NULL));
  gst_object_unref (pool);
  gst_object_unref (alloc);
  gst_query_unref (query);
  gst_caps_unref (caps);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_pool_buffers_pass_through)
{
  GstHarness *h = harness_new ("system");
  GstBufferPool *pool;

  gst_harness_play (h);
  gst_harness_set_src_caps_str (h, CAPS);
  pool = query_pool (h->srcpad, CAPS);
  for (int i = 0; i < 5; i++) {
    GstBuffer *in, *out;

    fail_unless (gst_buffer_pool_acquire_buffer (pool, &in, NULL) ==
        GST_FLOW_OK);
    fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
    out = gst_harness_pull (h);
    fail_unless (out == in, "a pool buffer was not passed through");
    gst_buffer_unref (out);
  }
  fail_unless_equals_int (copies_of (h->element), 0);
  gst_buffer_pool_set_active (pool, FALSE);
  gst_object_unref (pool);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_foreign_buffers_copied)
{
  GstHarness *h = harness_new ("system");
  GstVideoInfo info;
  GstCaps *caps = gst_caps_from_string (CAPS);

  gst_video_info_from_caps (&info, caps);
  gst_caps_unref (caps);
  gst_harness_play (h);
  gst_harness_set_src_caps_str (h, CAPS);
  for (int i = 0; i < 3; i++) {
    GstBuffer *in = gst_buffer_new_allocate (NULL, info.size, NULL);
    GstVideoFrame frame;
    GstMemory *mem;
    GstBuffer *out;

    gst_buffer_memset (in, 0, 0x10 + i, info.size);
    GST_BUFFER_PTS (in) = i * GST_SECOND;
    fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
    out = gst_harness_pull (h);
    fail_unless (gst_buffer_n_memory (out) == 1);
    mem = gst_buffer_peek_memory (out, 0);
    fail_unless (gst_is_dmaheap_memory (mem));
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), i * GST_SECOND);
    fail_unless (gst_video_frame_map (&frame, &info, out, GST_MAP_READ));
    for (int y = 0; y < 32; y++)
      fail_unless (((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0))
          [y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0) + 255] == 0x10 + i);
    gst_video_frame_unmap (&frame);
    gst_buffer_unref (out);
  }
  fail_unless_equals_int (copies_of (h->element), 3);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_short_buffer_is_an_error)
{
  GstHarness *h = harness_new ("system");

  gst_harness_play (h);
  gst_harness_set_src_caps_str (h, CAPS);
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new_allocate (NULL,
              100, NULL)), GST_FLOW_ERROR);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_unknown_heap_fails_state_change)
{
  GstElement *pipeline = gst_parse_launch ("videotestsrc num-buffers=1 ! "
      "dmaheappool heap=no-such-heap ! fakesink", NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  GError *error = NULL;

  fail_unless (pipeline != NULL);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (bus, 5 * GST_SECOND, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error message");
  gst_message_parse_error (msg, &error, NULL);
  GST_INFO ("error: %s", error->message);
  fail_unless (strstr (error->message, "no-such-heap") != NULL,
      "the error does not name the heap: %s", error->message);
  g_error_free (error);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
}
GST_END_TEST;

/* A producer asking again (a decoder after each source change) gets a new
 * pool, and the one it had is deactivated at once, so repeated
 * renegotiation cannot pile up pools of heap memory: its idle buffers are
 * freed now, the one still held when it comes back. */
GST_START_TEST (test_requery_releases_old_pool)
{
  GstHarness *h = harness_new ("system");
  GstCaps *caps = gst_caps_from_string (CAPS);
  GstBufferPool *first = NULL, *second = NULL;
  GstBuffer *held;

  gst_harness_play (h);
  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  for (int i = 0; i < 2; i++) {
    GstQuery *query = gst_query_new_allocation (caps, TRUE);

    fail_unless (gst_pad_peer_query (h->srcpad, query));
    gst_query_parse_nth_allocation_pool (query, 0, i ? &second : &first,
        NULL, NULL, NULL);
    gst_query_unref (query);
    if (i == 0) {
      fail_unless (gst_buffer_pool_set_active (first, TRUE));
      fail_unless (gst_buffer_pool_acquire_buffer (first, &held, NULL) ==
          GST_FLOW_OK);
    }
  }
  fail_unless (GST_IS_DMAHEAP_BUFFER_POOL (second));
  fail_unless (second != first, "the second query got the same pool");
  fail_if (gst_buffer_pool_is_active (first),
      "the replaced pool is still active");
  fail_unless (gst_is_dmabuf_memory (gst_buffer_peek_memory (held, 0)));
  gst_buffer_unref (held);      /* freed now, not recycled */
  gst_object_unref (first);
  gst_object_unref (second);
  gst_caps_unref (caps);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* The heap running out mid-stream is an error message, not a hang: 64 MiB
 * frames copied into the 128 MiB CMA area while every output is kept. */
GST_START_TEST (test_heap_exhausted_is_an_error)
{
  const gchar *caps_str =
      "video/x-raw,format=BGRx,width=4096,height=4096,framerate=30/1";
  GstHarness *h;
  GstBus *bus;
  GPtrArray *outs = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  GstFlowReturn ret = GST_FLOW_OK;
  GstMessage *msg;
  GError *error = NULL;

  if (!g_file_test ("/dev/dma_heap/default_cma_region", G_FILE_TEST_EXISTS)) {
    GST_INFO ("no CMA heap: nothing to exhaust");
    g_ptr_array_unref (outs);
    return;
  }
  /* no buffers up front: the heap runs out while frames flow */
  h = harness_new_min ("default_cma_region", 0);
  bus = gst_bus_new ();
  gst_element_set_bus (h->element, bus);
  gst_harness_play (h);
  gst_harness_set_src_caps_str (h, caps_str);
  for (int i = 0; i < 8 && ret == GST_FLOW_OK; i++) {
    GstBuffer *in = gst_buffer_new_allocate (NULL, 4096 * 4096 * 4, NULL);

    ret = gst_harness_push (h, in);
    if (ret == GST_FLOW_OK)
      g_ptr_array_add (outs, gst_harness_pull (h));
  }
  fail_unless_equals_int (ret, GST_FLOW_ERROR);
  fail_unless (outs->len >= 1 && outs->len < 8);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error message");
  gst_message_parse_error (msg, &error, NULL);
  GST_INFO ("after %u frames: %s", outs->len, error->message);
  fail_unless (strstr (error->message, "default_cma_region") != NULL,
      "the error does not name the heap: %s", error->message);
  g_error_free (error);
  gst_message_unref (msg);
  g_ptr_array_unref (outs);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* appsrc -> dmaheappool -> appsink. The application asks downstream for a
 * pool as any producer would, so nothing is copied (foreign=FALSE); pushing
 * plain system memory instead gives one copy per frame (foreign=TRUE). */
static void
round_trip (gboolean foreign)
{
  GstElement *pipeline = gst_parse_launch ("appsrc name=src format=time "
      "caps=" CAPS " ! dmaheappool name=pool heap=system ! "
      "appsink name=sink sync=false", NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstElement *pool_el = gst_bin_get_by_name (GST_BIN (pipeline), "pool");
  GstPad *srcpad = gst_element_get_static_pad (src, "src");
  GstBufferPool *pool = NULL;
  GstVideoInfo info;
  GstCaps *caps = gst_caps_from_string (CAPS);
  const int frames = 8;

  gst_video_info_from_caps (&info, caps);
  gst_caps_unref (caps);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_ASYNC);
  if (!foreign)
    pool = query_pool (srcpad, CAPS);
  for (int i = 0; i < frames; i++) {
    GstBuffer *buf;

    if (foreign)
      buf = gst_buffer_new_allocate (NULL, info.size, NULL);
    else
      fail_unless (gst_buffer_pool_acquire_buffer (pool, &buf, NULL) ==
          GST_FLOW_OK);
    gst_buffer_memset (buf, 0, 0x40 + i, gst_buffer_get_size (buf));
    GST_BUFFER_PTS (buf) = i * GST_SECOND / 30;
    GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
    fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (src), buf),
        GST_FLOW_OK);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  for (int i = 0; i < frames; i++) {
    GstSample *sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
        10 * GST_SECOND);
    GstBuffer *buf;
    GstMapInfo map;
    struct dmaheap_buf_desc desc = { .struct_size = sizeof (desc) };

    fail_unless (sample != NULL, "frame %d did not arrive", i);
    buf = gst_sample_get_buffer (sample);
    fail_unless (gst_is_dmabuf_memory (gst_buffer_peek_memory (buf, 0)));
    fail_unless (dmaheap_describe (gst_dmabuf_memory_get_fd
            (gst_buffer_peek_memory (buf, 0)), &desc) == 0);
    fail_unless_equals_string (desc.exporter, "system");
    fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
    fail_unless (map.data[0] == 0x40 + i && map.data[100] == 0x40 + i);
    gst_buffer_unmap (buf, &map);
    gst_sample_unref (sample);
  }
  fail_unless (gst_app_sink_is_eos (GST_APP_SINK (sink)) ||
      gst_app_sink_try_pull_sample (GST_APP_SINK (sink), GST_SECOND) == NULL);
  fail_unless_equals_int (copies_of (pool_el), foreign ? frames : 0);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (pool)
    gst_object_unref (pool);
  gst_object_unref (srcpad);
  gst_object_unref (pool_el);
  gst_object_unref (sink);
  gst_object_unref (src);
  gst_object_unref (pipeline);
}

GST_START_TEST (test_appsrc_appsink_zero_copy)
{
  round_trip (FALSE);
}
GST_END_TEST;

GST_START_TEST (test_appsrc_appsink_foreign)
{
  round_trip (TRUE);
}
GST_END_TEST;

#if GST_CHECK_VERSION (1, 24, 0)
#define DRM_CAPS(drm_format) "video/x-raw(memory:DMABuf),format=DMA_DRM," \
    "drm-format=" drm_format ",width=64,height=32,framerate=30/1"
#define TILED "NV12:0x0100000000000001"

/* Both pad templates: the system-memory caps, then DMA_DRM caps listing the
 * same formats by linear DRM fourcc. */
GST_START_TEST (test_dma_drm_pad_templates)
{
  GstElementFactory *factory = gst_element_factory_find ("dmaheappool");
  const gchar *names[] = { "sink", "src" };

  fail_unless (factory != NULL);
  for (guint t = 0; t < G_N_ELEMENTS (names); t++) {
    GstStaticPadTemplate *templ = NULL;
    const GList *l;
    GstCaps *caps, *drm;
    const GValue *formats, *drm_formats;

    for (l = gst_element_factory_get_static_pad_templates (factory); l;
        l = l->next)
      if (g_str_equal (((GstStaticPadTemplate *) l->data)->name_template,
              names[t]))
        templ = l->data;
    fail_unless (templ != NULL, "no %s template", names[t]);
    caps = gst_static_caps_get (&templ->static_caps);
    fail_unless_equals_int (gst_caps_get_size (caps), 2);
    fail_unless (gst_caps_features_is_equal (gst_caps_get_features (caps, 0),
            GST_CAPS_FEATURES_MEMORY_SYSTEM_MEMORY));
    fail_unless (gst_caps_features_contains (gst_caps_get_features (caps, 1),
            GST_CAPS_FEATURE_MEMORY_DMABUF));
    fail_unless_equals_string (gst_structure_get_string
        (gst_caps_get_structure (caps, 1), "format"), "DMA_DRM");
    formats = gst_structure_get_value (gst_caps_get_structure (caps, 0),
        "format");
    drm_formats = gst_structure_get_value (gst_caps_get_structure (caps, 1),
        "drm-format");
    fail_unless (GST_VALUE_HOLDS_LIST (drm_formats));
    fail_unless_equals_int (gst_value_list_get_size (drm_formats),
        gst_value_list_get_size (formats));
    for (guint i = 0; i < gst_value_list_get_size (drm_formats); i++) {
      const gchar *f = g_value_get_string (gst_value_list_get_value
          (drm_formats, i));

      fail_unless (strlen (f) == 4 && !strchr (f, ':'),
          "drm-format %s is not a linear fourcc", f);
    }
    drm = gst_caps_from_string (DRM_CAPS ("NV12"));
    fail_unless (gst_caps_can_intersect (caps, drm));
    gst_caps_unref (drm);
    drm = gst_caps_from_string (DRM_CAPS ("XR24"));
    fail_unless (gst_caps_can_intersect (caps, drm));
    gst_caps_unref (drm);
    drm = gst_caps_from_string (DRM_CAPS (TILED));
    fail_if (gst_caps_can_intersect (caps, drm));
    gst_caps_unref (drm);
    gst_caps_unref (caps);
  }
  gst_object_unref (factory);
}
GST_END_TEST;

/* Fills every plane of frame with its own byte: 0x10 * (plane + 1) + n. */
static void
fill_frame (GstBuffer * buf, const GstVideoInfo * info, guint n)
{
  GstVideoFrame frame;

  fail_unless (gst_video_frame_map (&frame, (GstVideoInfo *) info, buf,
          GST_MAP_WRITE));
  for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES (&frame); p++) {
    guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (&frame, p);
    gint comp[GST_VIDEO_MAX_COMPONENTS];
    guint rows;

    gst_video_format_info_component (frame.info.finfo, p, comp);
    rows = GST_VIDEO_FRAME_COMP_HEIGHT (&frame, comp[0]);
    for (guint y = 0; y < rows; y++)
      memset (data + y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, p),
          0x10 * (p + 1) + n, GST_VIDEO_FRAME_COMP_WIDTH (&frame, comp[0]) *
          GST_VIDEO_FRAME_COMP_PSTRIDE (&frame, comp[0]));
  }
  gst_video_frame_unmap (&frame);
}

/* A buffer leaving dmaheappool: one dma-buf from the system heap, a
 * GstVideoMeta with libdmaheap's layout of fourcc, the planes filled by
 * fill_frame (buf, n). */
static void
check_drm_buffer (GstBuffer * buf, const GstVideoInfo * info, guint32 fourcc,
    guint n)
{
  struct dmaheap_layout layout = { .struct_size = sizeof (layout) };
  struct dmaheap_buf_desc desc = { .struct_size = sizeof (desc) };
  GstVideoMeta *meta = gst_buffer_get_video_meta (buf);
  GstMemory *mem;
  GstVideoFrame frame;

  fail_unless_equals_int (gst_buffer_n_memory (buf), 1);
  mem = gst_buffer_peek_memory (buf, 0);
  fail_unless (gst_is_dmabuf_memory (mem));
  fail_unless (dmaheap_describe (gst_dmabuf_memory_get_fd (mem), &desc) == 0,
      "%s", dmaheap_last_error ());
  fail_unless_equals_string (desc.exporter, "system");
  fail_unless (dmaheap_layout_compute (fourcc, GST_VIDEO_INFO_WIDTH (info),
          GST_VIDEO_INFO_HEIGHT (info), 1, 0, &layout) == 0);
  fail_unless (meta != NULL, "no GstVideoMeta");
  fail_unless_equals_int (meta->format, GST_VIDEO_INFO_FORMAT (info));
  fail_unless_equals_int (meta->n_planes, layout.num_planes);
  for (guint p = 0; p < layout.num_planes; p++) {
    fail_unless_equals_int (meta->offset[p], layout.offset[p]);
    fail_unless_equals_int (meta->stride[p], layout.stride[p]);
  }
  /* mapped through the meta */
  fail_unless (gst_video_frame_map (&frame, (GstVideoInfo *) info, buf,
          GST_MAP_READ));
  for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES (&frame); p++) {
    const guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (&frame, p);
    gint comp[GST_VIDEO_MAX_COMPONENTS];
    guint last_row, last_byte;

    gst_video_format_info_component (frame.info.finfo, p, comp);
    last_row = GST_VIDEO_FRAME_COMP_HEIGHT (&frame, comp[0]) - 1;
    last_byte = GST_VIDEO_FRAME_COMP_WIDTH (&frame, comp[0]) *
        GST_VIDEO_FRAME_COMP_PSTRIDE (&frame, comp[0]) - 1;
    fail_unless_equals_int (data[0], 0x10 * (p + 1) + n);
    fail_unless_equals_int (data[last_row * GST_VIDEO_FRAME_PLANE_STRIDE
            (&frame, p) + last_byte], 0x10 * (p + 1) + n);
  }
  gst_video_frame_unmap (&frame);
}

/* appsrc -> dmaheappool -> appsink in DMA_DRM caps. foreign=FALSE: the
 * application writes into buffers of the pool it got from the ALLOCATION
 * query, nothing is copied. foreign=TRUE: it pushes dma-bufs of another
 * heap (CMA; plain memory without one), each copied once, mapped with
 * the drm-format's linear layout. */
static void
dma_drm_round_trip (const gchar * caps_str, GstVideoFormat format,
    guint32 fourcc, gboolean foreign)
{
  GstElement *pipeline = gst_parse_launch ("appsrc name=src format=time ! "
      "dmaheappool name=pool heap=system ! appsink name=sink sync=false",
      NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstElement *pool_el = gst_bin_get_by_name (GST_BIN (pipeline), "pool");
  GstPad *srcpad = gst_element_get_static_pad (src, "src");
  GstCaps *caps = gst_caps_from_string (caps_str);
  GstAllocator *other = NULL;
  GstBufferPool *pool = NULL;
  GstVideoInfoDmaDrm drm_info;
  GstVideoInfo info;
  const guint frames = 4;

  fail_unless (gst_video_info_dma_drm_from_caps (&drm_info, caps));
  fail_unless (gst_video_info_dma_drm_to_video_info (&drm_info, &info));
  fail_unless_equals_int (GST_VIDEO_INFO_FORMAT (&info), format);
  g_object_set (src, "caps", caps, NULL);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_ASYNC);
  if (!foreign) {
    GstStructure *config;
    GstCaps *pool_caps = NULL;

    pool = query_pool (srcpad, caps_str);
    config = gst_buffer_pool_get_config (pool);
    fail_unless (gst_buffer_pool_config_get_params (config, &pool_caps, NULL,
            NULL, NULL));
    fail_unless (gst_video_is_dma_drm_caps (pool_caps),
        "the pool is configured for %" GST_PTR_FORMAT, pool_caps);
    gst_structure_free (config);
  } else if (g_file_test ("/dev/dma_heap/default_cma_region",
          G_FILE_TEST_EXISTS)) {
    other = gst_dmaheap_allocator_new ("default_cma_region",
        GST_DMAHEAP_USAGE_CAMERA);
  }

  for (guint i = 0; i < frames; i++) {
    GstBuffer *buf;

    if (!foreign)
      fail_unless (gst_buffer_pool_acquire_buffer (pool, &buf, NULL) ==
          GST_FLOW_OK);
    else
      buf = gst_buffer_new_allocate (other, info.size, NULL);
    fail_unless (buf != NULL);
    fill_frame (buf, &info, i);
    GST_BUFFER_PTS (buf) = i * GST_SECOND / 30;
    GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
    fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (src), buf),
        GST_FLOW_OK);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  for (guint i = 0; i < frames; i++) {
    GstSample *sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
        10 * GST_SECOND);

    fail_unless (sample != NULL, "frame %u did not arrive", i);
    fail_unless (gst_caps_is_equal (gst_sample_get_caps (sample), caps),
        "negotiated %" GST_PTR_FORMAT, gst_sample_get_caps (sample));
    check_drm_buffer (gst_sample_get_buffer (sample), &info, fourcc, i);
    gst_sample_unref (sample);
  }
  fail_unless_equals_int (copies_of (pool_el), foreign ? frames : 0);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (pool) {
    gst_buffer_pool_set_active (pool, FALSE);
    gst_object_unref (pool);
  }
  if (other)
    gst_object_unref (other);
  gst_caps_unref (caps);
  gst_object_unref (srcpad);
  gst_object_unref (pool_el);
  gst_object_unref (sink);
  gst_object_unref (src);
  gst_object_unref (pipeline);
}

GST_START_TEST (test_dma_drm_nv12_zero_copy)
{
  dma_drm_round_trip (DRM_CAPS ("NV12"), GST_VIDEO_FORMAT_NV12,
      DRM_FORMAT_NV12, FALSE);
}
GST_END_TEST;

GST_START_TEST (test_dma_drm_xr24_zero_copy)
{
  dma_drm_round_trip (DRM_CAPS ("XR24"), GST_VIDEO_FORMAT_BGRx,
      DRM_FORMAT_XRGB8888, FALSE);
}
GST_END_TEST;

GST_START_TEST (test_dma_drm_nv12_foreign_copied)
{
  dma_drm_round_trip (DRM_CAPS ("NV12"), GST_VIDEO_FORMAT_NV12,
      DRM_FORMAT_NV12, TRUE);
}
GST_END_TEST;

GST_START_TEST (test_dma_drm_xr24_foreign_copied)
{
  dma_drm_round_trip (DRM_CAPS ("XR24"), GST_VIDEO_FORMAT_BGRx,
      DRM_FORMAT_XRGB8888, TRUE);
}
GST_END_TEST;

/* A tiled modifier: no pool for it, and a producer insisting on it fails
 * to negotiate, with a warning from dmaheappool saying buffers are
 * linear. */
GST_START_TEST (test_dma_drm_modifier_refused)
{
  GstHarness *h = harness_new ("system");
  GstCaps *caps = gst_caps_from_string (DRM_CAPS (TILED));
  GstQuery *query = gst_query_new_allocation (caps, TRUE);
  GstElement *pipeline;
  GstElement *src, *sink;
  GstBus *bus;
  GstMessage *msg;
  gchar *warning = NULL, *debug = NULL;
  GError *error = NULL;

  /* the ALLOCATION query is not answered */
  gst_harness_play (h);
  fail_if (gst_pad_peer_query (h->srcpad, query),
      "a pool was offered for %s", TILED);
  fail_unless_equals_int (gst_query_get_n_allocation_pools (query), 0);
  gst_query_unref (query);
  gst_harness_teardown (h);

  /* caps negotiation fails, with a reason */
  pipeline = gst_parse_launch ("appsrc name=src format=time ! "
      "dmaheappool heap=system ! appsink name=sink sync=false", NULL);
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  bus = gst_element_get_bus (pipeline);
  g_object_set (src, "caps", caps, NULL);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_ASYNC);
  gst_app_src_push_buffer (GST_APP_SRC (src), gst_buffer_new_allocate (NULL,
          64 * 32 * 3 / 2, NULL));
  while ((msg = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND,
              GST_MESSAGE_ERROR | GST_MESSAGE_WARNING))) {
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING && !warning &&
        g_str_has_prefix (GST_MESSAGE_SRC_NAME (msg), "dmaheappool")) {
      gst_message_parse_warning (msg, &error, NULL);
      warning = g_strdup (error->message);
      g_clear_error (&error);
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      gst_message_parse_error (msg, &error, &debug);
      gst_message_unref (msg);
      break;
    }
    gst_message_unref (msg);
  }
  fail_unless (error != NULL, "no error message");
  GST_INFO ("warning: %s; error: %s (%s)", warning, error->message, debug);
  fail_unless (debug && strstr (debug, "not-negotiated"),
      "not a negotiation failure: %s (%s)", error->message, debug);
  fail_unless (warning != NULL, "dmaheappool did not say why");
  fail_unless (strstr (warning, TILED) && strstr (warning, "linear"),
      "the warning does not explain the refusal: %s", warning);
  fail_if (gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 0) != NULL);

  g_clear_error (&error);
  g_free (debug);
  g_free (warning);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_caps_unref (caps);
  gst_object_unref (bus);
  gst_object_unref (sink);
  gst_object_unref (src);
  gst_object_unref (pipeline);
}
GST_END_TEST;
#endif

static Suite *
dmaheap_element_suite (void)
{
  Suite *s = suite_create ("dmaheappool");
  TCase *tc = tcase_create ("general");

  gst_plugin_register_static (GST_VERSION_MAJOR, GST_VERSION_MINOR, "dmaheap",
      "test registration", register_plugin, "0", "MIT/X11", "dmaheap",
      "dmaheap", "dmaheap");
  tcase_set_timeout (tc, 60);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_allocation_query);
  tcase_add_test (tc, test_pool_buffers_pass_through);
  tcase_add_test (tc, test_foreign_buffers_copied);
  tcase_add_test (tc, test_short_buffer_is_an_error);
  tcase_add_test (tc, test_unknown_heap_fails_state_change);
  tcase_add_test (tc, test_requery_releases_old_pool);
  tcase_add_test (tc, test_heap_exhausted_is_an_error);
  tcase_add_test (tc, test_appsrc_appsink_zero_copy);
  tcase_add_test (tc, test_appsrc_appsink_foreign);
#if GST_CHECK_VERSION (1, 24, 0)
  tcase_add_test (tc, test_dma_drm_pad_templates);
  tcase_add_test (tc, test_dma_drm_nv12_zero_copy);
  tcase_add_test (tc, test_dma_drm_xr24_zero_copy);
  tcase_add_test (tc, test_dma_drm_nv12_foreign_copied);
  tcase_add_test (tc, test_dma_drm_xr24_foreign_copied);
  tcase_add_test (tc, test_dma_drm_modifier_refused);
#endif
  return s;
}

GST_CHECK_MAIN (dmaheap_element);
