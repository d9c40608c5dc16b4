/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmaheap helpers: the dma_buf_ops that every page-backed heap needs, written
 * once. A heap embeds struct dma_heap_sg_buffer in its buffer, initialises it
 * with its release function, fills @table with its pages (one entry per
 * physically contiguous chunk) and exports it with
 * dma_heap_sg_buffer_export(); only allocation and release stay with the
 * heap. A heap that needs other dma_buf_ops writes its own.
 */
#ifndef _DMAHEAP_SG_BUFFER_H
#define _DMAHEAP_SG_BUFFER_H

#include <linux/dma-buf.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>

struct dmaheap;

/**
 * struct dma_heap_sg_buffer - a heap buffer made of page chunks
 * @heap:        the heap it came from
 * @lock:        protects @attachments, @vmap_cnt and @vaddr
 * @attachments: struct dma_heap_sg_attachment list
 * @table:       the buffer's pages, one entry per contiguous chunk, each
 *               starting at a page boundary (offset 0)
 * @len:         size in bytes
 * @vmap_cnt:    kernel mapping users
 * @vaddr:       the kernel mapping while @vmap_cnt > 0
 * @exported:    counted in the heap's statistics
 * @uncached:    the pages are write-combined in the kernel's own mapping:
 *               CPU mappings are write-combined too, CPU access does no
 *               cache maintenance, and devices map with
 *               DMA_ATTR_SKIP_CPU_SYNC. Set by the heap before export.
 * @release:     the heap's part of the dma-buf's release: gives the pages
 *               back, calls dma_heap_sg_buffer_destroy(), frees the buffer
 */
struct dma_heap_sg_buffer {
	struct dmaheap *heap;
	struct mutex lock; /* attachments, vmap_cnt, vaddr */
	struct list_head attachments;
	struct sg_table table;
	size_t len;
	int vmap_cnt;
	void *vaddr;
	bool exported;
	bool uncached;
	void (*release)(struct dma_heap_sg_buffer *buffer);
};

void dma_heap_sg_buffer_init(struct dma_heap_sg_buffer *buffer,
			     struct dmaheap *heap, size_t len,
			     void (*release)(struct dma_heap_sg_buffer *buffer));
void dma_heap_sg_buffer_destroy(struct dma_heap_sg_buffer *buffer);
struct dma_buf *__dma_heap_sg_buffer_export(struct dma_heap_sg_buffer *buffer,
					    unsigned long fd_flags,
					    struct module *owner);
/* Each buffer pins the module of the heap that calls this. */
#define dma_heap_sg_buffer_export(buffer, fd_flags) \
	__dma_heap_sg_buffer_export(buffer, fd_flags, THIS_MODULE)

#endif /* _DMAHEAP_SG_BUFFER_H */
