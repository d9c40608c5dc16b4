/* SPDX-License-Identifier: MIT */
/*
 * gst-pipeline-check: runs a gst-launch description to EOS (or to an
 * expected error) with a deadline, and reports what left every dmaheappool
 * element: frames, the heap that exported each buffer (fdinfo), distinct
 * dma-bufs, the element's "copies", and the process's CPU time per frame.
 * Used by tests/guest/71-gst-pipelines.t and the benchmark.
 *
 *   gst-pipeline-check [--heap=NAME] [--copies=N] [--expect-error=TEXT]
 *                      [--timeout=SECONDS] [--frames=N] [--min-frames=N]
 *                      [--attached=DEVICE] [--bufinfo] PIPELINE
 *
 * --frames=N: exactly N buffers leave the first dmaheappool; --min-frames=N:
 * at least N leave every dmaheappool (a decoder may drop a frame or two
 * around a source change). Every dmaheappool must pass at least one.
 *
 * --bufinfo: at EOS, every dma-buf that left a dmaheappool is listed in
 * debugfs bufinfo (inode, exporter, size, attached devices), with the
 * exporter --heap; no dma-buf left two dmaheappools.
 *
 * --attached=DEVICE: at EOS, every dma-buf that left the last dmaheappool
 * is attached to DEVICE (debugfs bufinfo), i.e. the sink imported it
 * rather than copying it into its own buffers.
 *
 * Exit status: 0 when every expectation holds, 1 when one does not, 2 on
 * bad usage.
 */
#include <gst/gst.h>
#include <gst/allocators/allocators.h>
#include <dmaheap/dmaheap.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

struct pool_stats
{
  GstElement *element;
  guint64 buffers;
  guint64 on_heap;              /* every memory exported by the expected heap */
  GHashTable *inodes;
  gchar *first_exporter;
  GMutex lock;
};

static const gchar *expect_heap;

/* Prints st's dma-bufs as bufinfo lists them; FALSE when one is missing,
 * has another exporter than expect_heap, or is in seen (another pool's). */
static gboolean
check_bufinfo (struct pool_stats *st, GHashTable * seen)
{
  struct dmaheap_bufinfo *info = dmaheap_bufinfo_read ();
  GHashTableIter iter;
  gpointer key;
  gboolean ok = TRUE;

  if (!info) {
    printf ("FAIL: bufinfo: %s\n", dmaheap_last_error ());
    return FALSE;
  }
  g_hash_table_iter_init (&iter, st->inodes);
  while (g_hash_table_iter_next (&iter, &key, NULL)) {
    guint64 inode = (guint64) GPOINTER_TO_SIZE (key);
    const struct dmaheap_bufinfo_entry *e = dmaheap_bufinfo_find (info, inode);
    GString *devs = g_string_new (NULL);

    if (!e) {
      printf ("FAIL: %s: inode %" G_GUINT64_FORMAT " is not in bufinfo\n",
          GST_OBJECT_NAME (st->element), inode);
      ok = FALSE;
      g_string_free (devs, TRUE);
      continue;
    }
    for (size_t i = 0; i < e->num_devices; i++)
      g_string_append_printf (devs, "%s%s", i ? "," : "", e->devices[i]);
    printf ("%s: bufinfo inode %" G_GUINT64_FORMAT " exporter %s size %"
        G_GUINT64_FORMAT " devices %s\n", GST_OBJECT_NAME (st->element),
        inode, e->exporter, e->size, devs->len ? devs->str : "(none)");
    g_string_free (devs, TRUE);
    if (expect_heap && strcmp (e->exporter, expect_heap) != 0) {
      printf ("FAIL: inode %" G_GUINT64_FORMAT ": exporter %s, not %s\n",
          inode, e->exporter, expect_heap);
      ok = FALSE;
    }
    if (!g_hash_table_add (seen, key)) {
      printf ("FAIL: inode %" G_GUINT64_FORMAT " left two dmaheappools\n",
          inode);
      ok = FALSE;
    }
  }
  dmaheap_bufinfo_free (info);
  return ok;
}

/* How many of st's dma-bufs bufinfo shows attached to a device whose name
 * contains device; -1 when bufinfo cannot be read. */
static gint
count_attached (struct pool_stats *st, const gchar * device)
{
  struct dmaheap_bufinfo *info = dmaheap_bufinfo_read ();
  GHashTableIter iter;
  gpointer key;
  gint n = 0;

  if (!info) {
    printf ("bufinfo: %s\n", dmaheap_last_error ());
    return -1;
  }
  g_hash_table_iter_init (&iter, st->inodes);
  while (g_hash_table_iter_next (&iter, &key, NULL)) {
    const struct dmaheap_bufinfo_entry *e =
        dmaheap_bufinfo_find (info, (guint64) GPOINTER_TO_SIZE (key));

    for (size_t i = 0; e && i < e->num_devices; i++) {
      if (strstr (e->devices[i], device)) {
        n++;
        break;
      }
    }
  }
  dmaheap_bufinfo_free (info);
  return n;
}

static GstPadProbeReturn
count_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  struct pool_stats *st = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  gboolean all_on_heap = TRUE;

  g_mutex_lock (&st->lock);
  st->buffers++;
  for (guint i = 0; i < gst_buffer_n_memory (buf); i++) {
    GstMemory *mem = gst_buffer_peek_memory (buf, i);
    struct dmaheap_buf_desc desc = { .struct_size = sizeof (desc) };

    if (!gst_is_dmabuf_memory (mem) ||
        dmaheap_describe (gst_dmabuf_memory_get_fd (mem), &desc) < 0) {
      all_on_heap = FALSE;
      continue;
    }
    if (!st->first_exporter)
      st->first_exporter = g_strdup (desc.exporter);
    g_hash_table_add (st->inodes, GSIZE_TO_POINTER ((gsize) desc.inode));
    if (expect_heap && strcmp (desc.exporter, expect_heap) != 0)
      all_on_heap = FALSE;
  }
  if (all_on_heap)
    st->on_heap++;
  g_mutex_unlock (&st->lock);
  return GST_PAD_PROBE_OK;
}

static double
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
      (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int
main (int argc, char **argv)
{
  gint expect_copies = -1, timeout = 120, expect_frames = -1, min_frames = 1;
  gboolean bufinfo = FALSE;
  gchar *expect_error = NULL, *attached = NULL;
  GOptionEntry entries[] = {
    {"heap", 0, 0, G_OPTION_ARG_STRING, &expect_heap,
        "every buffer leaving a dmaheappool is exported by this heap", "NAME"},
    {"copies", 0, 0, G_OPTION_ARG_INT, &expect_copies,
        "every dmaheappool's copies property at the end", "N"},
    {"frames", 0, 0, G_OPTION_ARG_INT, &expect_frames,
        "buffers leaving the first dmaheappool", "N"},
    {"min-frames", 0, 0, G_OPTION_ARG_INT, &min_frames,
        "at least this many buffers leave every dmaheappool (default 1)", "N"},
    {"bufinfo", 0, 0, G_OPTION_ARG_NONE, &bufinfo,
        "at EOS, every dma-buf that left a dmaheappool is in bufinfo, "
        "exported by --heap, and left only one dmaheappool", NULL},
    {"expect-error", 0, 0, G_OPTION_ARG_STRING, &expect_error,
        "the pipeline must fail with an error containing TEXT", "TEXT"},
    {"attached", 0, 0, G_OPTION_ARG_STRING, &attached,
        "at EOS, the last dmaheappool's dma-bufs are attached to DEVICE",
        "DEVICE"},
    {"timeout", 0, 0, G_OPTION_ARG_INT, &timeout,
        "give up (and fail) after this long", "SECONDS"},
    {NULL}
  };
  GOptionContext *octx = g_option_context_new ("PIPELINE");
  GError *error = NULL;
  GstElement *pipeline;
  GPtrArray *pools = g_ptr_array_new ();
  GstIterator *it;
  GValue item = G_VALUE_INIT;
  GstBus *bus;
  GstMessage *msg;
  gboolean ok = TRUE, eos = FALSE;
  gchar *error_text = NULL;
  double cpu0, cpu1;
  gint64 t0, t1;

  g_option_context_add_main_entries (octx, entries, NULL);
  g_option_context_add_group (octx, gst_init_get_option_group ());
  if (!g_option_context_parse (octx, &argc, &argv, &error) || argc != 2) {
    fprintf (stderr, "%s\n", error ? error->message :
        "usage: gst-pipeline-check [OPTIONS] PIPELINE");
    return 2;
  }
  pipeline = gst_parse_launch (argv[1], &error);
  if (!pipeline) {
    printf ("pipeline: %s\n", error->message);
    return 1;
  }

  /* sinks first: prepending puts the most upstream dmaheappool first */
  it = gst_bin_iterate_sorted (GST_BIN (pipeline));
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElement *el = g_value_get_object (&item);
    GstElementFactory *f = gst_element_get_factory (el);

    if (f && !strcmp (GST_OBJECT_NAME (f), "dmaheappool")) {
      struct pool_stats *st = g_new0 (struct pool_stats, 1);
      GstPad *src = gst_element_get_static_pad (el, "src");

      st->element = gst_object_ref (el);
      st->inodes = g_hash_table_new (NULL, NULL);
      g_mutex_init (&st->lock);
      gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, count_buffer, st,
          NULL);
      gst_object_unref (src);
      g_ptr_array_insert (pools, 0, st);
    }
    g_value_reset (&item);
  }
  gst_iterator_free (it);

  cpu0 = cpu_seconds ();
  t0 = g_get_monotonic_time ();
  bus = gst_element_get_bus (pipeline);
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE)
    printf ("state change to PLAYING failed\n");
  msg = gst_bus_timed_pop_filtered (bus, (GstClockTime) timeout * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  t1 = g_get_monotonic_time ();
  cpu1 = cpu_seconds ();
  if (!msg) {
    printf ("TIMEOUT: no EOS or error after %d s\n", timeout);
    ok = FALSE;
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
    eos = TRUE;
  } else {
    GError *err = NULL;
    gchar *dbg = NULL;

    gst_message_parse_error (msg, &err, &dbg);
    error_text = g_strdup_printf ("%s (from %s; %s)", err->message,
        GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), dbg ? dbg : "");
    printf ("error: %s\n", error_text);
    g_error_free (err);
    g_free (dbg);
  }
  if (msg)
    gst_message_unref (msg);

  for (guint i = 0; i < pools->len; i++) {
    struct pool_stats *st = g_ptr_array_index (pools, i);
    guint64 copies = 0;

    g_object_get (st->element, "copies", &copies, NULL);
    printf ("%s: frames %" G_GUINT64_FORMAT ", from heap %s: %" G_GUINT64_FORMAT
        ", distinct dma-bufs %u, copies %" G_GUINT64_FORMAT "\n",
        GST_OBJECT_NAME (st->element), st->buffers,
        expect_heap ? expect_heap : (st->first_exporter ? st->first_exporter :
            "(none)"), st->on_heap, g_hash_table_size (st->inodes), copies);
    if (expect_error)
      continue;
    if (expect_heap && st->on_heap != st->buffers) {
      printf ("FAIL: %s: %" G_GUINT64_FORMAT " buffers not from heap '%s' "
          "(first exporter '%s')\n", GST_OBJECT_NAME (st->element),
          st->buffers - st->on_heap, expect_heap,
          st->first_exporter ? st->first_exporter : "none");
      ok = FALSE;
    }
    if (st->buffers < (guint64) MAX (min_frames, 1) || (i == 0 &&
            expect_frames >= 0 && st->buffers != (guint64) expect_frames)) {
      printf ("FAIL: %s: %" G_GUINT64_FORMAT " buffers\n",
          GST_OBJECT_NAME (st->element), st->buffers);
      ok = FALSE;
    }
    if (expect_copies >= 0 && copies != (guint64) expect_copies) {
      printf ("FAIL: %s: copies %" G_GUINT64_FORMAT ", expected %d\n",
          GST_OBJECT_NAME (st->element), copies, expect_copies);
      ok = FALSE;
    }
  }
  if (attached && eos && pools->len > 0) {
    struct pool_stats *st = g_ptr_array_index (pools, pools->len - 1);
    gint n = count_attached (st, attached);

    printf ("%s: %d of %u dma-bufs attached to %s\n",
        GST_OBJECT_NAME (st->element), n, g_hash_table_size (st->inodes),
        attached);
    if (n < 0 || (guint) n != g_hash_table_size (st->inodes)) {
      printf ("FAIL: not every dma-buf is attached to %s\n", attached);
      ok = FALSE;
    }
  }
  if (bufinfo && eos) {
    GHashTable *seen = g_hash_table_new (NULL, NULL);

    for (guint i = 0; i < pools->len; i++)
      ok &= check_bufinfo (g_ptr_array_index (pools, i), seen);
    g_hash_table_unref (seen);
  }
  {
    /* frames: what left the first dmaheappool, or --frames without one */
    guint64 n = pools->len > 0 ?
        ((struct pool_stats *) g_ptr_array_index (pools, 0))->buffers :
        (guint64) MAX (expect_frames, 0);

    n = MAX (n, 1);
    printf ("cpu %.3f s, wall %.3f s, cpu per frame %.3f ms\n", cpu1 - cpu0,
        (t1 - t0) / 1e6, (cpu1 - cpu0) * 1000.0 / n);
  }

  if (expect_error) {
    if (!error_text || !strstr (error_text, expect_error)) {
      printf ("FAIL: expected an error containing '%s'\n", expect_error);
      ok = FALSE;
    }
  } else if (!eos) {
    ok = FALSE;
  }

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  printf ("%s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
