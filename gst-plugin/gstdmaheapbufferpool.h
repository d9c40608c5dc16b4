/* SPDX-License-Identifier: MIT */
/*
 * GstDmaHeapBufferPool: raw video buffers in dma-buf heap memory.
 *
 * Plane offsets and strides come from libdmaheap's layout rule
 * (dmaheap_layout_compute()), so every part of the stack agrees on them, and
 * every buffer carries a GstVideoMeta saying so. By default all planes live
 * in one dma-buf (one GstMemory); GST_BUFFER_POOL_OPTION_DMAHEAP_PER_PLANE_MEMORY
 * gives one dma-buf per plane (V4L2 multi-planar formats such as NV12M).
 * GstVideoAlignment padding and a stride alignment are honoured. Buffers
 * come back to the pool with their memories, so consumers that cache state
 * per GstMemory (kmssink's framebuffers) keep it. Before a buffer is handed
 * out again, the pool waits (bounded) for the implicit fences of its
 * dma-bufs, so a device still reading or writing it is not overwritten.
 *
 * Caps: raw video in system memory; built against GStreamer >= 1.24 also
 * DMA_DRM caps (video/x-raw(memory:DMABuf), format=DMA_DRM,
 * drm-format=NV12), linear only: a drm-format with a modifier is refused.
 */
#ifndef GST_DMAHEAP_BUFFER_POOL_H
#define GST_DMAHEAP_BUFFER_POOL_H

#include <gst/gst.h>
#include <gst/video/video.h>

#include "gstdmaheapallocator.h"

G_BEGIN_DECLS

/* One dma-buf (GstMemory) per plane instead of one for the whole frame. */
#define GST_BUFFER_POOL_OPTION_DMAHEAP_PER_PLANE_MEMORY \
    "GstBufferPoolOptionDmaHeapPerPlaneMemory"

#define GST_TYPE_DMAHEAP_BUFFER_POOL (gst_dmaheap_buffer_pool_get_type ())
G_DECLARE_FINAL_TYPE (GstDmaHeapBufferPool, gst_dmaheap_buffer_pool,
    GST, DMAHEAP_BUFFER_POOL, GstBufferPool)

/* allocator: a GstDmaHeapAllocator, or NULL for the registered "dmaheap"
 * one; a config naming another GstDmaHeapAllocator replaces it. */
GstBufferPool *gst_dmaheap_buffer_pool_new (GstAllocator * allocator);

/* Every plane's stride a multiple of align bytes (0 or 1: no constraint),
 * on top of any GstVideoAlignment stride_align. */
void gst_dmaheap_buffer_pool_config_set_stride_align (GstStructure * config,
    guint align);
guint gst_dmaheap_buffer_pool_config_get_stride_align (GstStructure * config);

/* Longest wait, when a buffer is acquired, for the devices still using its
 * dma-bufs (implicit fences); after it, a warning and the buffer anyway.
 * 0: no wait. Default 1 s. */
void gst_dmaheap_buffer_pool_config_set_fence_timeout (GstStructure * config,
    GstClockTime timeout);
GstClockTime gst_dmaheap_buffer_pool_config_get_fence_timeout (GstStructure *
    config);

/* The element that reports an allocation failure as an element error
 * (naming the heap); the pool keeps a weak reference. */
void gst_dmaheap_buffer_pool_set_owner (GstDmaHeapBufferPool * self,
    GstElement * owner);

/* The layout of the configured caps: offsets and strides as in each
 * buffer's GstVideoMeta, size the buffer size. FALSE before set_config. */
gboolean gst_dmaheap_buffer_pool_get_video_info (GstDmaHeapBufferPool * self,
    GstVideoInfo * info);

G_END_DECLS

#endif /* GST_DMAHEAP_BUFFER_POOL_H */
