/* SPDX-License-Identifier: MIT */
/*
 * Registration shared by the plugin and the tests (which link the code
 * statically and register it with gst_plugin_register_static()).
 */
#ifndef GST_DMAHEAP_H
#define GST_DMAHEAP_H

#include <gst/gst.h>

G_BEGIN_DECLS

/* Registers the dmaheappool element and the "dmaheap" allocator. */
gboolean gst_dmaheap_register (GstPlugin * plugin);

G_END_DECLS

#endif /* GST_DMAHEAP_H */
