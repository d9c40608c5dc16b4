/* SPDX-License-Identifier: MIT */
/*
 * dmaheappool: a passthrough element that puts dma-buf heap memory into a
 * pipeline. It answers upstream's ALLOCATION query with a
 * GstDmaHeapBufferPool, so the producer writes straight into heap buffers
 * that downstream (kmssink, v4l2 encoders, ...) imports without a copy. A
 * buffer that still arrives in other memory is copied into a pool buffer and
 * counted in the read-only "copies" property. Built against GStreamer
 * >= 1.24 it also negotiates linear DMA_DRM caps (memory:DMABuf).
 */
#ifndef GST_DMAHEAP_POOL_H
#define GST_DMAHEAP_POOL_H

#include <gst/gst.h>
#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_DMAHEAP_POOL (gst_dmaheap_pool_get_type ())
G_DECLARE_FINAL_TYPE (GstDmaHeapPool, gst_dmaheap_pool,
    GST, DMAHEAP_POOL, GstBaseTransform)

G_END_DECLS

#endif /* GST_DMAHEAP_POOL_H */
