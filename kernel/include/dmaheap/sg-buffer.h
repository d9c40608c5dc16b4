/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmaheap helpers: the dma_buf_ops that every page-backed heap needs, written
 * once. A heap embeds struct dma_heap_sg_buffer in its buffer, fills @table
 * with its pages (one entry per physically contiguous chunk), points
 * dmabuf->priv at the embedded struct, and uses these functions in its
 * dma_buf_ops; only allocation and release stay with the heap.
 */
#ifndef _DMAHEAP_SG_BUFFER_H
#define _DMAHEAP_SG_BUFFER_H

#include <linux/dma-buf.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>

struct dma_heap;

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
 */
struct dma_heap_sg_buffer {
	struct dma_heap *heap;
	struct mutex lock; /* attachments, vmap_cnt, vaddr */
	struct list_head attachments;
	struct sg_table table;
	size_t len;
	int vmap_cnt;
	void *vaddr;
	bool exported;
};

void dma_heap_sg_buffer_init(struct dma_heap_sg_buffer *buffer,
			     struct dma_heap *heap, size_t len);
void dma_heap_sg_buffer_destroy(struct dma_heap_sg_buffer *buffer);
struct dma_buf *__dma_heap_sg_buffer_export(struct dma_heap_sg_buffer *buffer,
					    const struct dma_buf_ops *ops,
					    unsigned long fd_flags,
					    struct module *owner);
/* Each buffer pins the module of the heap that calls this. */
#define dma_heap_sg_buffer_export(buffer, ops, fd_flags) \
	__dma_heap_sg_buffer_export(buffer, ops, fd_flags, THIS_MODULE)

int dma_heap_sg_attach(struct dma_buf *dmabuf,
		       struct dma_buf_attachment *attachment);
void dma_heap_sg_detach(struct dma_buf *dmabuf,
			struct dma_buf_attachment *attachment);
struct sg_table *dma_heap_sg_map(struct dma_buf_attachment *attachment,
				 enum dma_data_direction direction);
void dma_heap_sg_unmap(struct dma_buf_attachment *attachment,
		       struct sg_table *table,
		       enum dma_data_direction direction);
int dma_heap_sg_begin_cpu_access(struct dma_buf *dmabuf,
				 enum dma_data_direction direction);
int dma_heap_sg_end_cpu_access(struct dma_buf *dmabuf,
			       enum dma_data_direction direction);
int dma_heap_sg_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma);
int dma_heap_sg_vmap(struct dma_buf *dmabuf, struct iosys_map *map);
void dma_heap_sg_vunmap(struct dma_buf *dmabuf, struct iosys_map *map);

#endif /* _DMAHEAP_SG_BUFFER_H */
