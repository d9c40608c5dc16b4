/* SPDX-License-Identifier: MIT */
/*
 * The dmaheappool element: it answers the ALLOCATION query with its heap
 * pool, passes heap buffers through untouched, copies (and counts) buffers
 * from elsewhere, fails the state change on an unknown heap, refuses short
 * buffers, and carries frames through appsrc -> dmaheappool -> appsink.
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
    struct dmaheap_buf_desc desc;

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
  return s;
}

GST_CHECK_MAIN (dmaheap_element);
