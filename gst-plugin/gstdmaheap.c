/* SPDX-License-Identifier: MIT */
#include "gstdmaheap.h"
#include "gstdmaheapallocator.h"
#include "gstdmaheapdebug.h"
#include "gstdmaheappool.h"

GST_DEBUG_CATEGORY (gst_dmaheap_debug);

void
gst_dmaheap_debug_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (gst_dmaheap_debug, "dmaheap", 0,
        "dma-buf heap allocator, buffer pool and dmaheappool");
    g_once_init_leave (&done, 1);
  }
}

gboolean
gst_dmaheap_register (GstPlugin * plugin)
{
  gst_dmaheap_debug_init ();
  /* Allocates nothing until used: the heap opens on the first allocation,
   * so registering is harmless on machines without heaps. */
  gst_allocator_register (GST_ALLOCATOR_DMAHEAP,
      gst_dmaheap_allocator_new (NULL, GST_DMAHEAP_USAGE_SCANOUT));
  return gst_element_register (plugin, "dmaheappool", GST_RANK_NONE,
      GST_TYPE_DMAHEAP_POOL);
}
