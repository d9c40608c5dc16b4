/* SPDX-License-Identifier: MIT */
/*
 * GstDmaHeapAllocator: a GstDmaBufAllocator that really allocates, from a
 * dma-buf heap chosen through libdmaheap (a heap name, a comma-separated
 * fallback list, or a usage and the libdmaheap policy). Its memory is
 * ordinary dma-buf memory (gst_is_dmabuf_memory()); mapping it for the CPU
 * brackets the access with DMA_BUF_IOCTL_SYNC (GstDmaBufAllocator's map).
 *
 * The plugin registers one instance as GST_ALLOCATOR_DMAHEAP ("dmaheap"),
 * so gst_allocator_find ("dmaheap") returns it.
 */
#ifndef GST_DMAHEAP_ALLOCATOR_H
#define GST_DMAHEAP_ALLOCATOR_H

#include <gst/gst.h>
#include <gst/allocators/allocators.h>

G_BEGIN_DECLS

#define GST_ALLOCATOR_DMAHEAP "dmaheap"

/* libdmaheap's enum dmaheap_usage, value for value. */
typedef enum
{
  GST_DMAHEAP_USAGE_SCANOUT,
  GST_DMAHEAP_USAGE_CAMERA,
  GST_DMAHEAP_USAGE_CODEC,
  GST_DMAHEAP_USAGE_GPU,
  GST_DMAHEAP_USAGE_CPU,
} GstDmaHeapUsage;

#define GST_TYPE_DMAHEAP_USAGE (gst_dmaheap_usage_get_type ())
GType gst_dmaheap_usage_get_type (void);

#define GST_TYPE_DMAHEAP_ALLOCATOR (gst_dmaheap_allocator_get_type ())
G_DECLARE_FINAL_TYPE (GstDmaHeapAllocator, gst_dmaheap_allocator,
    GST, DMAHEAP_ALLOCATOR, GstDmaBufAllocator)

/* heap: a heap name or "a,b,c" tried in order; NULL: the usage's list from
 * the libdmaheap policy (DMAHEAP_HEAPS applies). */
GstAllocator *gst_dmaheap_allocator_new (const gchar * heap,
    GstDmaHeapUsage usage);

/* Opens the heap now (it is otherwise opened on the first allocation).
 * FALSE with a GST_RESOURCE_ERROR naming every heap tried. */
gboolean gst_dmaheap_allocator_resolve (GstDmaHeapAllocator * self,
    GError ** error);

/* The heap allocations come from, or NULL before it is resolved. */
const gchar *gst_dmaheap_allocator_get_heap_name (GstDmaHeapAllocator * self);

/* TRUE when mem was allocated by a GstDmaHeapAllocator. */
gboolean gst_is_dmaheap_memory (GstMemory * mem);

G_END_DECLS

#endif /* GST_DMAHEAP_ALLOCATOR_H */
