/* SPDX-License-Identifier: MIT */
/*
 * libdmaheap: the userspace side of dma-buf heaps.
 *
 *   heap.h    contexts, the usage -> heap policy, heap handles, allocation
 *   buffer.h  naming, CPU access, describing any dma-buf fd
 *   format.h  DRM fourcc table and plane layouts
 *   size.h    "8M"-style sizes
 *   error.h   the calling thread's last error message
 *
 * Structs that can grow. Every struct the library fills starts with
 * size_t struct_size, and fields are only ever added at the end:
 *  - structs the library allocates (heap infos, buffer descriptions in
 *    lists, bufinfo entries, formats) come as pointers, never as arrays of
 *    structs, and struct_size is the size the library filled: a program built
 *    against a newer header tests DMAHEAP_HAS_FIELD() before it reads a field
 *    an older library may not know;
 *  - structs the caller passes to be filled (struct dmaheap_buf_desc,
 *    struct dmaheap_layout) have struct_size set by the caller to
 *    sizeof(the struct); the library fills the fields it knows that fit,
 *    zeroes the rest, and sets struct_size to what it filled. A struct_size
 *    below the first release's size is EINVAL.
 */
#ifndef DMAHEAP_DMAHEAP_H
#define DMAHEAP_DMAHEAP_H

#include <stddef.h>

#include <dmaheap/error.h>
#include <dmaheap/heap.h>
#include <dmaheap/device.h>
#include <dmaheap/buffer.h>
#include <dmaheap/format.h>
#include <dmaheap/size.h>

/* Whether p (a pointer to a struct TYPE from the library) has FIELD. */
#define DMAHEAP_HAS_FIELD(type, p, field) \
	((p)->struct_size >= offsetof(type, field) + sizeof(((type *)0)->field))

#define DMAHEAP_VERSION_MAJOR 0
#define DMAHEAP_VERSION_MINOR 1
#define DMAHEAP_VERSION_MICRO 0

#endif /* DMAHEAP_DMAHEAP_H */
