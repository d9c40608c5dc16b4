/* SPDX-License-Identifier: MIT */
/* libgstdmaheap.so: the plugin entry point; everything else is in the
 * static part shared with the tests (gstdmaheap.c). */
#include "gstdmaheap.h"

#define PACKAGE "dmaheap"
#define VERSION DMAHEAP_VERSION

static gboolean
plugin_init (GstPlugin * plugin)
{
  return gst_dmaheap_register (plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, dmaheap,
    "dma-buf heap allocator, video buffer pool and the dmaheappool element",
    plugin_init, VERSION, "MIT/X11", "dmaheap", "dmaheap project")
