/* SPDX-License-Identifier: MIT */
/*
 * The plugin's one GST_DEBUG category, "dmaheap", shared by the allocator,
 * the pool and the element (GST_DEBUG=dmaheap:6).
 */
#ifndef GST_DMAHEAP_DEBUG_H
#define GST_DMAHEAP_DEBUG_H

#include <gst/gst.h>

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_dmaheap_debug);

/* Idempotent; every type's class init calls it, so the category exists
 * whether the code runs from the plugin or linked into a test. */
void gst_dmaheap_debug_init (void);

G_END_DECLS

#endif /* GST_DMAHEAP_DEBUG_H */
