/* SPDX-License-Identifier: MIT */
/*
 * GstDmaHeapAllocator against the guest's heaps: registration, real
 * allocation (CUSTOM_ALLOC cleared), dma-buf memory exported by the chosen
 * heap, CPU map/unmap, prefix/padding, fallback lists and clear errors.
 */
#include <gst/check/gstcheck.h>
#include <dmaheap/dmaheap.h>

#include "gstdmaheap.h"
#include "gstdmaheapallocator.h"

static gboolean
register_plugin (GstPlugin * plugin)
{
  return gst_dmaheap_register (plugin);
}

static gchar *
exporter_of (GstMemory * mem)
{
  struct dmaheap_buf_desc desc = { .struct_size = sizeof (desc) };

  if (dmaheap_describe (gst_dmabuf_memory_get_fd (mem), &desc) < 0)
    return g_strdup_printf ("(describe failed: %s)", dmaheap_last_error ());
  return g_strdup (desc.exporter);
}

GST_START_TEST (test_registered)
{
  GstAllocator *alloc = gst_allocator_find (GST_ALLOCATOR_DMAHEAP);

  fail_unless (alloc != NULL, "gst_allocator_find (\"dmaheap\") found nothing");
  fail_unless (GST_IS_DMAHEAP_ALLOCATOR (alloc));
  fail_unless (GST_IS_DMABUF_ALLOCATOR (alloc));
  fail_if (GST_OBJECT_FLAG_IS_SET (alloc, GST_ALLOCATOR_FLAG_CUSTOM_ALLOC),
      "CUSTOM_ALLOC is still set");
  gst_object_unref (alloc);
}
GST_END_TEST;

GST_START_TEST (test_alloc_system_map)
{
  GstAllocator *alloc = gst_dmaheap_allocator_new ("system",
      GST_DMAHEAP_USAGE_CPU);
  GstMemory *mem = gst_allocator_alloc (alloc, 1 << 20, NULL);
  GstMapInfo map;
  gchar *exporter;
  gchar *heap_name = NULL;

  fail_unless (mem != NULL, "allocation failed: %s", dmaheap_last_error ());
  fail_unless (gst_is_dmabuf_memory (mem));
  fail_unless (gst_is_dmaheap_memory (mem));
  fail_unless (gst_dmabuf_memory_get_fd (mem) >= 0);
  fail_unless_equals_int (gst_memory_get_sizes (mem, NULL, NULL), 1 << 20);
  exporter = exporter_of (mem);
  fail_unless_equals_string (exporter, "system");
  g_free (exporter);
  g_object_get (alloc, "heap-name", &heap_name, NULL);
  fail_unless_equals_string (heap_name, "system");
  g_free (heap_name);

  /* zeroed by the heap; written and read back through CPU maps (each one
   * bracketed by DMA_BUF_IOCTL_SYNC in GstDmaBufAllocator's map) */
  fail_unless (gst_memory_map (mem, &map, GST_MAP_READWRITE));
  fail_unless (map.data[0] == 0 && map.data[map.size - 1] == 0);
  memset (map.data, 0x5a, map.size);
  gst_memory_unmap (mem, &map);
  fail_unless (gst_memory_map (mem, &map, GST_MAP_READ));
  fail_unless (map.data[0] == 0x5a && map.data[map.size - 1] == 0x5a);
  gst_memory_unmap (mem, &map);

  gst_memory_unref (mem);
  gst_object_unref (alloc);
}
GST_END_TEST;

GST_START_TEST (test_alloc_params)
{
  GstAllocator *alloc = gst_dmaheap_allocator_new ("system",
      GST_DMAHEAP_USAGE_CPU);
  GstAllocationParams params;
  GstMemory *mem;
  gsize offset, maxsize, size;

  gst_allocation_params_init (&params);
  params.prefix = 64;
  params.padding = 32;
  mem = gst_allocator_alloc (alloc, 1000, &params);
  fail_unless (mem != NULL);
  size = gst_memory_get_sizes (mem, &offset, &maxsize);
  fail_unless_equals_int (size, 1000);
  fail_unless_equals_int (offset, 64);
  fail_unless (maxsize >= 1000 + 64 + 32);
  gst_memory_unref (mem);
  gst_object_unref (alloc);
}
GST_END_TEST;

GST_START_TEST (test_fallback_list)
{
  GstAllocator *alloc = gst_dmaheap_allocator_new ("no-such-heap, system",
      GST_DMAHEAP_USAGE_SCANOUT);
  GError *error = NULL;
  GstMemory *mem;
  gchar *exporter;

  fail_unless (gst_dmaheap_allocator_resolve (GST_DMAHEAP_ALLOCATOR (alloc),
          &error), "%s", error ? error->message : "");
  fail_unless_equals_string (gst_dmaheap_allocator_get_heap_name
      (GST_DMAHEAP_ALLOCATOR (alloc)), "system");
  mem = gst_allocator_alloc (alloc, 4096, NULL);
  fail_unless (mem != NULL);
  exporter = exporter_of (mem);
  fail_unless_equals_string (exporter, "system");
  g_free (exporter);
  gst_memory_unref (mem);
  gst_object_unref (alloc);
}
GST_END_TEST;

GST_START_TEST (test_usage_picks_policy_heap)
{
  GstAllocator *alloc = gst_dmaheap_allocator_new (NULL,
      GST_DMAHEAP_USAGE_CAMERA);
  GstMemory *mem = gst_allocator_alloc (alloc, 65536, NULL);
  const gchar *heap;
  gchar *exporter;

  fail_unless (mem != NULL, "%s", dmaheap_last_error ());
  heap = gst_dmaheap_allocator_get_heap_name (GST_DMAHEAP_ALLOCATOR (alloc));
  fail_unless (heap != NULL);
  /* a CMA heap where there is one (test kernel), else system */
  if (g_file_test ("/dev/dma_heap/default_cma_region", G_FILE_TEST_EXISTS))
    fail_unless_equals_string (heap, "default_cma_region");
  exporter = exporter_of (mem);
  fail_unless_equals_string (exporter, heap);
  g_free (exporter);
  gst_memory_unref (mem);
  gst_object_unref (alloc);
}
GST_END_TEST;

GST_START_TEST (test_unknown_heap)
{
  GstAllocator *alloc = gst_dmaheap_allocator_new ("no-such-heap",
      GST_DMAHEAP_USAGE_SCANOUT);
  GError *error = NULL;

  fail_if (gst_dmaheap_allocator_resolve (GST_DMAHEAP_ALLOCATOR (alloc),
          &error));
  fail_unless (error != NULL);
  GST_INFO ("message: %s", error->message);
  fail_unless (strstr (error->message, "no-such-heap") != NULL,
      "message does not name the heap: %s", error->message);
  g_clear_error (&error);
  fail_unless (gst_allocator_alloc (alloc, 4096, NULL) == NULL);
  gst_object_unref (alloc);
}
GST_END_TEST;

GST_START_TEST (test_malformed_env)
{
  GstAllocator *alloc;
  GError *error = NULL;

  g_setenv ("DMAHEAP_HEAPS", "scanout", TRUE);
  alloc = gst_dmaheap_allocator_new (NULL, GST_DMAHEAP_USAGE_SCANOUT);
  fail_if (gst_dmaheap_allocator_resolve (GST_DMAHEAP_ALLOCATOR (alloc),
          &error));
  g_unsetenv ("DMAHEAP_HEAPS");
  fail_unless (error != NULL);
  GST_INFO ("message: %s", error->message);
  fail_unless (strstr (error->message, "DMAHEAP_HEAPS") != NULL,
      "message does not name DMAHEAP_HEAPS: %s", error->message);
  g_clear_error (&error);
  gst_object_unref (alloc);
}
GST_END_TEST;

static Suite *
dmaheap_allocator_suite (void)
{
  Suite *s = suite_create ("dmaheap-allocator");
  TCase *tc = tcase_create ("general");

  gst_plugin_register_static (GST_VERSION_MAJOR, GST_VERSION_MINOR, "dmaheap",
      "test registration", register_plugin, "0", "MIT/X11", "dmaheap",
      "dmaheap", "dmaheap");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_registered);
  tcase_add_test (tc, test_alloc_system_map);
  tcase_add_test (tc, test_alloc_params);
  tcase_add_test (tc, test_fallback_list);
  tcase_add_test (tc, test_usage_picks_policy_heap);
  tcase_add_test (tc, test_unknown_heap);
  tcase_add_test (tc, test_malformed_env);
  return s;
}

GST_CHECK_MAIN (dmaheap_allocator);
