/* SPDX-License-Identifier: MIT */
/*
 * libdmaheap: the userspace side of dma-buf heaps.
 *
 *   heap.h    contexts, the usage -> heap policy, heap handles, allocation
 *   buffer.h  naming, CPU access, describing any dma-buf fd
 *   format.h  DRM fourcc table and plane layouts
 *   size.h    "8M"-style sizes
 *   error.h   the calling thread's last error message
 */
#ifndef DMAHEAP_DMAHEAP_H
#define DMAHEAP_DMAHEAP_H

#include <dmaheap/error.h>
#include <dmaheap/heap.h>
#include <dmaheap/device.h>
#include <dmaheap/buffer.h>
#include <dmaheap/format.h>
#include <dmaheap/size.h>

#define DMAHEAP_VERSION_MAJOR 0
#define DMAHEAP_VERSION_MINOR 1
#define DMAHEAP_VERSION_MICRO 0

#endif /* DMAHEAP_DMAHEAP_H */
