/* SPDX-License-Identifier: MIT */
/*
 * GstDmaHeapBufferPool: libdmaheap's layout in GstVideoMeta, one dma-buf per
 * frame or per plane, stride alignment, GstVideoAlignment padding, buffers
 * recycled with their memories, formats it cannot lay out refused, and a
 * recycled buffer handed out only once its dma-buf's fences signalled (or
 * after the timeout, or at once when the pool starts flushing), with a
 * sw_sync fence imported into the dma-buf. GstBufferPool's protocol: a
 * configuration the pool had to change is refused once, stored changed;
 * paddings that overflow are refused.
 * Built against GStreamer >= 1.24: configured from linear DMA_DRM caps, and
 * refusing a modifier.
 */
#include <gst/check/gstcheck.h>
#include <gst/video/video.h>
#include <dmaheap/dmaheap.h>

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/dma-buf.h>

#include "gstdmaheapallocator.h"
#include "gstdmaheapbufferpool.h"
#include "gstdmaheapformat.h"

/* fence_timeout: GST_CLOCK_TIME_NONE for the pool's default */
static GstBufferPool *
make_pool_full (const gchar * caps_str, guint stride_align,
    gboolean per_plane, GstVideoAlignment * align, guint min, guint max,
    GstClockTime fence_timeout)
{
  GstAllocator *alloc = gst_dmaheap_allocator_new ("system",
      GST_DMAHEAP_USAGE_CPU);
  GstBufferPool *pool = gst_dmaheap_buffer_pool_new (alloc);
  GstStructure *config = gst_buffer_pool_get_config (pool);
  GstCaps *caps = gst_caps_from_string (caps_str);

  gst_buffer_pool_config_set_params (config, caps, 0, min, max);
  gst_buffer_pool_config_add_option (config, GST_BUFFER_POOL_OPTION_VIDEO_META);
  gst_dmaheap_buffer_pool_config_set_stride_align (config, stride_align);
  if (per_plane)
    gst_buffer_pool_config_add_option (config,
        GST_BUFFER_POOL_OPTION_DMAHEAP_PER_PLANE_MEMORY);
  if (align) {
    gst_buffer_pool_config_add_option (config,
        GST_BUFFER_POOL_OPTION_VIDEO_ALIGNMENT);
    gst_buffer_pool_config_set_video_alignment (config, align);
  }
  if (GST_CLOCK_TIME_IS_VALID (fence_timeout))
    gst_dmaheap_buffer_pool_config_set_fence_timeout (config, fence_timeout);
  gst_object_unref (alloc);
  /* GstBufferPool's protocol: a configuration the pool had to change (here
   * the size, 0, becomes the layout's) is refused once, stored changed. */
  if (!gst_buffer_pool_set_config (pool, config)) {
    config = gst_buffer_pool_get_config (pool);
    if (!gst_buffer_pool_config_validate_params (config, caps, 0, min, max)
        || !gst_buffer_pool_set_config (pool, config)) {
      gst_caps_unref (caps);
      gst_object_unref (pool);
      return NULL;
    }
  }
  gst_caps_unref (caps);
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
  return pool;
}

static GstBufferPool *
make_pool (const gchar * caps_str, guint stride_align, gboolean per_plane,
    GstVideoAlignment * align, guint min, guint max)
{
  return make_pool_full (caps_str, stride_align, per_plane, align, min, max,
      GST_CLOCK_TIME_NONE);
}

static void
free_pool (GstBufferPool * pool)
{
  fail_unless (gst_buffer_pool_set_active (pool, FALSE));
  gst_object_unref (pool);
}

static void
check_exporter (GstMemory * mem, const gchar * heap)
{
  struct dmaheap_buf_desc desc = { .struct_size = sizeof (desc) };

  fail_unless (gst_is_dmabuf_memory (mem));
  fail_unless (dmaheap_describe (gst_dmabuf_memory_get_fd (mem), &desc) == 0,
      "%s", dmaheap_last_error ());
  fail_unless_equals_string (desc.exporter, heap);
}

/* The plugin's GStreamer names for libdmaheap's DRM formats: bytes in
 * memory order where DRM names the bits of a little-endian word (the pairs
 * GstVideoFormat documents), each a format this GStreamer knows, and each
 * finding its own fourcc again. */
GST_START_TEST (test_gst_names)
{
  static const struct
  {
    const gchar *gst;
    guint32 fourcc;
  } pairs[] = {
    {"BGRx", DRM_FORMAT_XRGB8888}, {"BGRA", DRM_FORMAT_ARGB8888},
    {"RGBx", DRM_FORMAT_XBGR8888}, {"RGBA", DRM_FORMAT_ABGR8888},
    {"BGR", DRM_FORMAT_RGB888}, {"RGB", DRM_FORMAT_BGR888},
    {"RGB16", DRM_FORMAT_RGB565}, {"GRAY8", DRM_FORMAT_R8},
    {"BGR10A2_LE", DRM_FORMAT_ARGB2101010},
    {"YUY2", DRM_FORMAT_YUYV}, {"I420", DRM_FORMAT_YUV420},
    {"YV12", DRM_FORMAT_YVU420}, {"Y42B", DRM_FORMAT_YUV422},
    {"Y444", DRM_FORMAT_YUV444}, {"P010_10LE", DRM_FORMAT_P010},
    {"P016_LE", DRM_FORMAT_P016}, {"NV12", DRM_FORMAT_NV12},
  };
  guint named = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (pairs); i++)
    fail_unless_equals_int (gst_dmaheap_fourcc_from_gst_name (pairs[i].gst),
        pairs[i].fourcc);
  for (gsize i = 0; i < dmaheap_format_count (); i++) {
    guint32 fourcc = dmaheap_format_at (i)->fourcc;
    const gchar *name = gst_dmaheap_gst_name_from_fourcc (fourcc);

    if (!name)
      continue;
    named++;
    fail_unless_equals_int (gst_dmaheap_fourcc_from_gst_name (name), fourcc);
    fail_if (gst_video_format_from_string (name) == GST_VIDEO_FORMAT_UNKNOWN,
        "GStreamer does not know the name %s", name);
    fail_unless_equals_int (gst_dmaheap_video_format_from_fourcc (fourcc),
        gst_video_format_from_string (name));
  }
  /* the 24 formats the plugin has offered since GStreamer 1.22 */
  fail_unless_equals_int (named, 24);
  fail_unless (gst_dmaheap_gst_name_from_fourcc (DRM_FORMAT_XRGB2101010) == NULL);
  /* case-sensitive, as GStreamer's own names */
  fail_unless_equals_int (gst_dmaheap_fourcc_from_gst_name ("bgrx"), 0);
  fail_unless_equals_int (gst_dmaheap_fourcc_from_gst_name (NULL), 0);
}

GST_END_TEST;

GST_START_TEST (test_nv12_one_dmabuf)
{
  GstBufferPool *pool = make_pool ("video/x-raw,format=NV12,width=322,"
      "height=242,framerate=30/1", 0, FALSE, NULL, 2, 0);
  struct dmaheap_layout layout = { .struct_size = sizeof (layout) };
  GstVideoMeta *meta;
  GstBuffer *buf;

  fail_unless (pool != NULL);
  fail_unless (dmaheap_layout_compute (DRM_FORMAT_NV12, 322, 242, 1, 0,
          &layout) == 0);
  fail_unless (gst_buffer_pool_acquire_buffer (pool, &buf, NULL) ==
      GST_FLOW_OK);
  fail_unless_equals_int (gst_buffer_n_memory (buf), 1);
  check_exporter (gst_buffer_peek_memory (buf, 0), "system");
  fail_unless_equals_int (gst_buffer_get_size (buf), layout.size);
  meta = gst_buffer_get_video_meta (buf);
  fail_unless (meta != NULL);
  fail_unless_equals_int (meta->n_planes, 2);
  for (guint i = 0; i < 2; i++) {
    fail_unless_equals_int (meta->offset[i], layout.offset[i]);
    fail_unless_equals_int (meta->stride[i], layout.stride[i]);
  }
  gst_buffer_unref (buf);
  free_pool (pool);
}
GST_END_TEST;

GST_START_TEST (test_i420_per_plane)
{
  GstBufferPool *pool = make_pool ("video/x-raw,format=I420,width=64,"
      "height=48,framerate=30/1", 0, TRUE, NULL, 1, 0);
  struct dmaheap_layout layout = { .struct_size = sizeof (layout) };
  GstVideoFrame frame;
  GstVideoInfo info;
  GstVideoMeta *meta;
  GstBuffer *buf;

  fail_unless (pool != NULL);
  fail_unless (dmaheap_layout_compute (DRM_FORMAT_YUV420, 64, 48, 1, 0,
          &layout) == 0);
  fail_unless (gst_buffer_pool_acquire_buffer (pool, &buf, NULL) ==
      GST_FLOW_OK);
  fail_unless_equals_int (gst_buffer_n_memory (buf), 3);
  meta = gst_buffer_get_video_meta (buf);
  for (guint i = 0; i < 3; i++) {
    GstMemory *mem = gst_buffer_peek_memory (buf, i);

    check_exporter (mem, "system");
    fail_unless_equals_int (gst_memory_get_sizes (mem, NULL, NULL),
        layout.plane_size[i]);
    /* meta offsets count across memories */
    fail_unless_equals_int (meta->offset[i], layout.offset[i]);
    fail_unless_equals_int (meta->stride[i], layout.stride[i]);
  }
  /* a GstVideoFrame finds each plane in its own memory */
  fail_unless (gst_dmaheap_buffer_pool_get_video_info (GST_DMAHEAP_BUFFER_POOL
          (pool), &info));
  fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_WRITE));
  memset (GST_VIDEO_FRAME_PLANE_DATA (&frame, 2), 0x80,
      GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 2) * 24);
  gst_video_frame_unmap (&frame);
  gst_buffer_unref (buf);
  free_pool (pool);
}
GST_END_TEST;

GST_START_TEST (test_stride_align)
{
  GstBufferPool *pool = make_pool ("video/x-raw,format=BGRx,width=100,"
      "height=10,framerate=30/1", 256, FALSE, NULL, 1, 0);
  GstBuffer *buf;

  fail_unless (pool != NULL);
  fail_unless (gst_buffer_pool_acquire_buffer (pool, &buf, NULL) ==
      GST_FLOW_OK);
  fail_unless_equals_int (gst_buffer_get_video_meta (buf)->stride[0], 512);
  fail_unless_equals_int (gst_buffer_get_size (buf), 512 * 10);
  gst_buffer_unref (buf);
  free_pool (pool);
}
GST_END_TEST;

GST_START_TEST (test_video_alignment)
{
  GstVideoAlignment align;
  GstBufferPool *pool;
  struct dmaheap_layout layout = { .struct_size = sizeof (layout) };
  GstVideoMeta *meta;
  GstBuffer *buf;

  gst_video_alignment_reset (&align);
  align.padding_top = 2;
  align.padding_left = 4;
  align.padding_bottom = 6;
  align.stride_align[0] = 63;
  align.stride_align[1] = 63;
  pool = make_pool ("video/x-raw,format=NV12,width=100,height=20,"
      "framerate=30/1", 0, FALSE, &align, 1, 0);
  fail_unless (pool != NULL);
  fail_unless (dmaheap_layout_compute (DRM_FORMAT_NV12, 104, 28, 64, 0,
          &layout) == 0);
  fail_unless (gst_buffer_pool_acquire_buffer (pool, &buf, NULL) ==
      GST_FLOW_OK);
  meta = gst_buffer_get_video_meta (buf);
  fail_unless_equals_int (meta->width, 100);
  fail_unless_equals_int (meta->height, 20);
  fail_unless_equals_int (meta->stride[0], 128);
  fail_unless_equals_int (meta->stride[0] % 64, 0);
  fail_unless_equals_int (meta->offset[0], 2 * layout.stride[0] + 4);
  fail_unless_equals_int (meta->offset[1], layout.offset[1] +
      1 * layout.stride[1] + 4);
  fail_unless_equals_int (gst_buffer_get_size (buf), layout.size);
  gst_buffer_unref (buf);
  free_pool (pool);
}
GST_END_TEST;

GST_START_TEST (test_recycled_with_memories)
{
  GstBufferPool *pool = make_pool ("video/x-raw,format=BGRx,width=64,"
      "height=64,framerate=30/1", 0, FALSE, NULL, 3, 3);
  GstMemory *first[3];
  GstBuffer *bufs[3];

  fail_unless (pool != NULL);
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < 3; i++)
      fail_unless (gst_buffer_pool_acquire_buffer (pool, &bufs[i], NULL) ==
          GST_FLOW_OK);
    for (int i = 0; i < 3; i++) {
      GstMemory *mem = gst_buffer_peek_memory (bufs[i], 0);

      if (round == 0) {
        first[i] = mem;
      } else {
        gboolean found = FALSE;
        for (int j = 0; j < 3; j++)
          found |= first[j] == mem;
        fail_unless (found, "round %d: buffer %d has a new memory", round, i);
      }
    }
    for (int i = 0; i < 3; i++)
      gst_buffer_unref (bufs[i]);
  }
  free_pool (pool);
}
GST_END_TEST;

GST_START_TEST (test_refuses_unknown_format)
{
  fail_unless (make_pool ("video/x-raw,format=v210,width=64,height=64,"
          "framerate=30/1", 0, FALSE, NULL, 1, 0) == NULL);
  fail_unless (make_pool ("audio/x-raw,format=S16LE,rate=48000,channels=2",
          0, FALSE, NULL, 1, 0) == NULL);
}
GST_END_TEST;

/* sw_sync (CONFIG_SW_SYNC, debugfs): a timeline whose fences userspace
 * signals. Its UAPI is not in the exported headers. */
struct sw_sync_create_fence_data
{
  __u32 value;
  char name[32];
  __s32 fence;
};
#define SW_SYNC_IOC_CREATE_FENCE _IOWR ('W', 0, struct sw_sync_create_fence_data)
#define SW_SYNC_IOC_INC _IOW ('W', 1, __u32)

/* Puts an unsignalled write fence of a new sw_sync timeline into the
 * dma-buf fd, as a device still writing it would; returns the timeline
 * (signal with SW_SYNC_IOC_INC), or -1 when the kernel has no sw_sync. */
static int
busy_dmabuf (int fd)
{
  struct sw_sync_create_fence_data data = {.value = 1,.name = "dmaheap-test" };
  struct dma_buf_import_sync_file import = {.flags = DMA_BUF_SYNC_WRITE };
  struct pollfd pfd = {.fd = fd,.events = POLLOUT };
  int timeline = open ("/sys/kernel/debug/sync/sw_sync", O_RDWR | O_CLOEXEC);

  if (timeline < 0)
    return -1;
  fail_unless (ioctl (timeline, SW_SYNC_IOC_CREATE_FENCE, &data) == 0,
      "SW_SYNC_IOC_CREATE_FENCE: %s", g_strerror (errno));
  import.fd = data.fence;
  fail_unless (ioctl (fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &import) == 0,
      "DMA_BUF_IOCTL_IMPORT_SYNC_FILE: %s", g_strerror (errno));
  close (data.fence);
  fail_unless_equals_int (poll (&pfd, 1, 0), 0);        /* busy now */
  return timeline;
}

static void
signal_timeline (int timeline)
{
  __u32 one = 1;

  fail_unless (ioctl (timeline, SW_SYNC_IOC_INC, &one) == 0,
      "SW_SYNC_IOC_INC: %s", g_strerror (errno));
}

static gboolean
dmabuf_idle (GstBuffer * buf)
{
  struct pollfd pfd = {
    .fd = gst_dmabuf_memory_get_fd (gst_buffer_peek_memory (buf, 0)),
    .events = POLLOUT
  };

  return poll (&pfd, 1, 0) == 1;
}

/* A buffer whose fence never signals: acquire waits the whole timeout,
 * then hands it out anyway (with a warning) rather than hanging. */
GST_START_TEST (test_fence_timeout_bounds_the_wait)
{
  const GstClockTime timeout = 300 * GST_MSECOND;
  GstBufferPool *pool = make_pool_full ("video/x-raw,format=BGRx,width=64,"
      "height=64,framerate=30/1", 0, FALSE, NULL, 1, 1, timeout);
  GstBuffer *buf, *again;
  GstMemory *mem;
  gint64 t0, waited;
  int timeline;

  fail_unless (pool != NULL);
  fail_unless (gst_buffer_pool_acquire_buffer (pool, &buf, NULL) ==
      GST_FLOW_OK);
  mem = gst_buffer_peek_memory (buf, 0);
  timeline = busy_dmabuf (gst_dmabuf_memory_get_fd (mem));
  if (timeline < 0) {
    GST_INFO ("no /sys/kernel/debug/sync/sw_sync (CONFIG_SW_SYNC): no fence "
        "to wait for");
    gst_buffer_unref (buf);
    free_pool (pool);
    return;
  }
  gst_buffer_unref (buf);

  t0 = g_get_monotonic_time ();
  fail_unless (gst_buffer_pool_acquire_buffer (pool, &again, NULL) ==
      GST_FLOW_OK);
  waited = g_get_monotonic_time () - t0;
  fail_unless (gst_buffer_peek_memory (again, 0) == mem);
  fail_unless (waited >= (gint64) (timeout / GST_USECOND),
      "acquire returned after %" G_GINT64_FORMAT " us, before the fence "
      "timeout", waited);
  fail_if (dmabuf_idle (again));        /* it was handed out busy */
  signal_timeline (timeline);
  fail_unless (dmabuf_idle (again));
  close (timeline);
  gst_buffer_unref (again);
  free_pool (pool);
}
GST_END_TEST;

static gint signalled;

static gpointer
signal_thread (gpointer data)
{
  g_atomic_int_set (&signalled, 1);
  signal_timeline (GPOINTER_TO_INT (data));
  return NULL;
}

/* A buffer released while a device still writes it comes back only once
 * the fence signalled: acquire cannot return before the signalling thread
 * ran, and returns long before the (long) timeout. */
GST_START_TEST (test_acquire_waits_for_fences)
{
  GstBufferPool *pool = make_pool_full ("video/x-raw,format=NV12,width=64,"
      "height=64,framerate=30/1", 0, FALSE, NULL, 1, 1, 60 * GST_SECOND);
  GstBuffer *buf;
  GThread *thread;
  int timeline;

  fail_unless (pool != NULL);
  fail_unless (gst_buffer_pool_acquire_buffer (pool, &buf, NULL) ==
      GST_FLOW_OK);
  timeline = busy_dmabuf (gst_dmabuf_memory_get_fd (gst_buffer_peek_memory
          (buf, 0)));
  if (timeline < 0) {
    GST_INFO ("no sw_sync: no fence to wait for");
    gst_buffer_unref (buf);
    free_pool (pool);
    return;
  }
  gst_buffer_unref (buf);
  g_atomic_int_set (&signalled, 0);
  thread = g_thread_new ("signal", signal_thread, GINT_TO_POINTER (timeline));
  fail_unless (gst_buffer_pool_acquire_buffer (pool, &buf, NULL) ==
      GST_FLOW_OK);
  fail_unless (g_atomic_int_get (&signalled),
      "the buffer came back before its fence signalled");
  fail_unless (dmabuf_idle (buf));
  g_thread_join (thread);
  close (timeline);
  gst_buffer_unref (buf);
  free_pool (pool);
}
GST_END_TEST;

/* The thread waiting in acquire, and what acquire returned. */
static gint waiter_tid;
static GstFlowReturn waiter_ret;

static gpointer
acquire_thread (gpointer data)
{
  GstBuffer *buf = NULL;

  g_atomic_int_set (&waiter_tid, (gint) syscall (SYS_gettid));
  waiter_ret = gst_buffer_pool_acquire_buffer (GST_BUFFER_POOL (data), &buf,
      NULL);
  if (buf)
    gst_buffer_unref (buf);
  return NULL;
}

/* Whether thread tid is blocked in poll() or ppoll(), as the kernel says in
 * /proc: no guessing with sleeps. The numbers are the architecture's own;
 * arm64 (the generic system-call table) has only ppoll(), which its C
 * library's poll() calls. */
static gboolean
blocked_in_poll (gint tid)
{
  gchar *path = g_strdup_printf ("/proc/self/task/%d/syscall", tid);
  gchar *text = NULL;
  gboolean in_poll = FALSE;

  if (g_file_get_contents (path, &text, NULL, NULL)) {
    long nr = strtol (text, NULL, 10);

    in_poll = nr == SYS_ppoll;
#ifdef SYS_poll
    in_poll = in_poll || nr == SYS_poll;
#endif
  }
  g_free (text);
  g_free (path);
  return in_poll;
}

/* A fence that never signals, a 60 s timeout, and a flushing seek (or the
 * pool's deactivation in a state change): the waiting acquire returns
 * GST_FLOW_FLUSHING at once, the buffer stays the pool's. */
static void
check_flush_ends_wait (gboolean deactivate)
{
  GstBufferPool *pool = make_pool_full ("video/x-raw,format=BGRx,width=64,"
      "height=64,framerate=30/1", 0, FALSE, NULL, 1, 1, 60 * GST_SECOND);
  GstBuffer *buf;
  GThread *thread;
  int timeline;

  fail_unless (pool != NULL);
  fail_unless (gst_buffer_pool_acquire_buffer (pool, &buf, NULL) ==
      GST_FLOW_OK);
  timeline = busy_dmabuf (gst_dmabuf_memory_get_fd (gst_buffer_peek_memory
          (buf, 0)));
  if (timeline < 0) {
    GST_INFO ("no sw_sync: no fence to wait for");
    gst_buffer_unref (buf);
    free_pool (pool);
    return;
  }
  gst_buffer_unref (buf);
  g_atomic_int_set (&waiter_tid, 0);
  waiter_ret = GST_FLOW_OK;
  thread = g_thread_new ("acquire", acquire_thread, pool);
  while (!g_atomic_int_get (&waiter_tid) ||
      !blocked_in_poll (g_atomic_int_get (&waiter_tid)))
    g_usleep (1000);
  if (deactivate)
    fail_unless (gst_buffer_pool_set_active (pool, FALSE));
  else
    gst_buffer_pool_set_flushing (pool, TRUE);
  g_thread_join (thread);
  fail_unless_equals_int (waiter_ret, GST_FLOW_FLUSHING);

  /* The buffer was not lost: once the fence signals it comes back. */
  signal_timeline (timeline);
  close (timeline);
  if (deactivate) {
    fail_unless (gst_buffer_pool_set_active (pool, TRUE));
  } else {
    gst_buffer_pool_set_flushing (pool, FALSE);
  }
  fail_unless (gst_buffer_pool_acquire_buffer (pool, &buf, NULL) ==
      GST_FLOW_OK);
  fail_unless (dmabuf_idle (buf));
  gst_buffer_unref (buf);
  free_pool (pool);
}

GST_START_TEST (test_flush_ends_fence_wait)
{
  check_flush_ends_wait (FALSE);
}
GST_END_TEST;

GST_START_TEST (test_deactivation_ends_fence_wait)
{
  check_flush_ends_wait (TRUE);
}
GST_END_TEST;

/* set_config returns FALSE when it changed the configuration, and the
 * changed one, set again, is accepted; a bigger size is kept. */
GST_START_TEST (test_set_config_protocol)
{
  GstBufferPool *pool = gst_dmaheap_buffer_pool_new (NULL);
  GstCaps *caps = gst_caps_from_string ("video/x-raw,format=BGRx,width=64,"
      "height=64,framerate=30/1");
  GstStructure *config = gst_buffer_pool_get_config (pool);
  guint size = 0, min, max;
  GstBuffer *buf;

  gst_buffer_pool_config_set_params (config, caps, 100, 2, 0);
  fail_if (gst_buffer_pool_set_config (pool, config),
      "a 100-byte size for a 64x64 BGRx frame was accepted unchanged");
  config = gst_buffer_pool_get_config (pool);
  fail_unless (gst_buffer_pool_config_get_params (config, NULL, &size, &min,
          &max));
  fail_unless (size >= 64 * 64 * 4 && min == 2 && max == 0, "size %u", size);
  fail_unless (gst_buffer_pool_config_validate_params (config, caps, 100, 2,
          0));
  fail_unless (gst_buffer_pool_set_config (pool, config),
      "the pool's own changed configuration was refused");

  /* More than the layout needs: kept, and the buffers have it. */
  config = gst_buffer_pool_get_config (pool);
  gst_buffer_pool_config_set_params (config, caps, size + 8192, 2, 0);
  fail_unless (gst_buffer_pool_set_config (pool, config));
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
  fail_unless (gst_buffer_pool_acquire_buffer (pool, &buf, NULL) ==
      GST_FLOW_OK);
  fail_unless_equals_int (gst_buffer_get_size (buf), size + 8192);
  gst_buffer_unref (buf);
  gst_caps_unref (caps);
  free_pool (pool);
}
GST_END_TEST;

/* Paddings near G_MAXUINT: refused, not wrapped into a small frame. */
GST_START_TEST (test_padding_overflow_refused)
{
  GstVideoAlignment align;

  gst_video_alignment_reset (&align);
  align.padding_right = G_MAXUINT - 10;
  fail_unless (make_pool ("video/x-raw,format=NV12,width=64,height=64,"
          "framerate=30/1", 0, FALSE, &align, 1, 0) == NULL);
  gst_video_alignment_reset (&align);
  align.padding_top = G_MAXUINT / 2;
  align.padding_bottom = G_MAXUINT / 2 + 100;
  fail_unless (make_pool ("video/x-raw,format=NV12,width=64,height=64,"
          "framerate=30/1", 0, FALSE, &align, 1, 0) == NULL);
}
GST_END_TEST;

#if GST_CHECK_VERSION (1, 24, 0)
#define DRM_CAPS(drm_format) "video/x-raw(memory:DMABuf),format=DMA_DRM," \
    "drm-format=" drm_format ",width=322,height=242,framerate=30/1"

/* DMA_DRM caps: the DRM fourcc's layout from libdmaheap, the GstVideoMeta
 * in the GstVideoFormat of the same layout. P016 is in libdmaheap's table
 * but not in GStreamer 1.26's DRM table. */
GST_START_TEST (test_dma_drm_caps)
{
  const struct
  {
    const gchar *caps;
    guint32 fourcc;
    GstVideoFormat format;
  } cases[] = {
    {DRM_CAPS ("NV12"), DRM_FORMAT_NV12, GST_VIDEO_FORMAT_NV12},
    {DRM_CAPS ("XR24"), DRM_FORMAT_XRGB8888, GST_VIDEO_FORMAT_BGRx},
    {DRM_CAPS ("YU12"), DRM_FORMAT_YUV420, GST_VIDEO_FORMAT_I420},
    {DRM_CAPS ("P016"), DRM_FORMAT_P016, GST_VIDEO_FORMAT_P016_LE},
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++) {
    GstBufferPool *pool = make_pool (cases[c].caps, 0, FALSE, NULL, 1, 0);
    struct dmaheap_layout layout = { .struct_size = sizeof (layout) };
    GstVideoMeta *meta;
    GstVideoInfo info;
    GstBuffer *buf;

    fail_unless (pool != NULL, "no pool for %s", cases[c].caps);
    fail_unless (dmaheap_layout_compute (cases[c].fourcc, 322, 242, 1, 0,
            &layout) == 0);
    fail_unless (gst_dmaheap_buffer_pool_get_video_info
        (GST_DMAHEAP_BUFFER_POOL (pool), &info));
    fail_unless_equals_int (GST_VIDEO_INFO_FORMAT (&info), cases[c].format);
    fail_unless (gst_buffer_pool_acquire_buffer (pool, &buf, NULL) ==
        GST_FLOW_OK);
    fail_unless_equals_int (gst_buffer_n_memory (buf), 1);
    check_exporter (gst_buffer_peek_memory (buf, 0), "system");
    fail_unless_equals_int (gst_buffer_get_size (buf), layout.size);
    meta = gst_buffer_get_video_meta (buf);
    fail_unless (meta != NULL);
    fail_unless_equals_int (meta->format, cases[c].format);
    fail_unless_equals_int (meta->n_planes, layout.num_planes);
    for (guint i = 0; i < layout.num_planes; i++) {
      fail_unless_equals_int (meta->offset[i], layout.offset[i]);
      fail_unless_equals_int (meta->stride[i], layout.stride[i]);
    }
    gst_buffer_unref (buf);
    free_pool (pool);
  }
}
GST_END_TEST;

GST_START_TEST (test_dma_drm_refuses_modifier)
{
  /* tiled (Vivante), and the linear modifier written out, which 1.24's
   * drm-format syntax does not allow */
  fail_unless (make_pool (DRM_CAPS ("NV12:0x0100000000000001"), 0, FALSE,
          NULL, 1, 0) == NULL);
  fail_unless (make_pool (DRM_CAPS ("NV12:0x0"), 0, FALSE, NULL, 1,
          0) == NULL);
  /* in libdmaheap's table, but no GStreamer format names its layout */
  fail_unless (make_pool (DRM_CAPS ("XR30"), 0, FALSE, NULL, 1, 0) == NULL);
  /* in no table */
  fail_unless (make_pool (DRM_CAPS ("ABCD"), 0, FALSE, NULL, 1, 0) == NULL);
}
GST_END_TEST;
#endif

static Suite *
dmaheap_bufferpool_suite (void)
{
  Suite *s = suite_create ("dmaheap-bufferpool");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_gst_names);
  tcase_add_test (tc, test_nv12_one_dmabuf);
  tcase_add_test (tc, test_i420_per_plane);
  tcase_add_test (tc, test_stride_align);
  tcase_add_test (tc, test_video_alignment);
  tcase_add_test (tc, test_recycled_with_memories);
  tcase_add_test (tc, test_refuses_unknown_format);
  tcase_add_test (tc, test_fence_timeout_bounds_the_wait);
  tcase_add_test (tc, test_acquire_waits_for_fences);
  tcase_add_test (tc, test_flush_ends_fence_wait);
  tcase_add_test (tc, test_deactivation_ends_fence_wait);
  tcase_add_test (tc, test_set_config_protocol);
  tcase_add_test (tc, test_padding_overflow_refused);
#if GST_CHECK_VERSION (1, 24, 0)
  tcase_add_test (tc, test_dma_drm_caps);
  tcase_add_test (tc, test_dma_drm_refuses_modifier);
#endif
  return s;
}

GST_CHECK_MAIN (dmaheap_bufferpool);
