// SPDX-License-Identifier: GPL-2.0
/*
 * The "system" heap: buffers of ordinary pages, not physically contiguous,
 * built from the largest chunks the page allocator gives without effort.
 *
 * Chunks are 1 MiB, 64 KiB or 4 KiB (orders 8, 4, 0). High orders are asked
 * for without reclaim or retries, so a fragmented system falls back to small
 * pages instead of stalling; once an order fails, smaller ones are used for
 * the rest of the buffer. Every page is zeroed by the allocator, so no buffer
 * ever shows another's data. The loop checks for fatal signals, so a huge
 * allocation stops promptly when its process is killed, and yields the CPU
 * between chunks.
 */

#define pr_fmt(fmt) "system_heap: " fmt

#include <linux/dma-buf.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "../include/dmaheap/dma-heap.h"
#include "../include/dmaheap/sg-buffer.h"

#define LOW_ORDER_GFP (GFP_HIGHUSER | __GFP_ZERO | __GFP_RETRY_MAYFAIL)
#define HIGH_ORDER_GFP (((GFP_HIGHUSER | __GFP_ZERO | __GFP_NOWARN | \
			  __GFP_NORETRY) & ~__GFP_RECLAIM) | __GFP_COMP)

static const unsigned int orders[] = { 8, 4, 0 };
static const gfp_t order_flags[] = { HIGH_ORDER_GFP, HIGH_ORDER_GFP,
				     LOW_ORDER_GFP };

static struct dma_heap *system_heap;

static struct page *system_heap_alloc_chunk(size_t remaining,
					    unsigned int max_order)
{
	struct page *page;
	int i;

	for (i = 0; i < ARRAY_SIZE(orders); i++) {
		if (remaining < (PAGE_SIZE << orders[i]))
			continue;
		if (orders[i] > max_order)
			continue;
		page = alloc_pages(order_flags[i], orders[i]);
		if (page)
			return page;
	}
	return NULL;
}

static void system_heap_free_chunks(struct sg_table *table)
{
	struct scatterlist *sg;
	int i;

	for_each_sgtable_sg(table, sg, i)
		__free_pages(sg_page(sg), get_order(sg->length));
}

static void system_heap_release(struct dma_buf *dmabuf)
{
	struct dma_heap_sg_buffer *buffer = dmabuf->priv;

	system_heap_free_chunks(&buffer->table);
	sg_free_table(&buffer->table);
	dma_heap_sg_buffer_destroy(buffer);
	kfree(buffer);
}

static const struct dma_buf_ops system_heap_buf_ops = {
	.attach = dma_heap_sg_attach,
	.detach = dma_heap_sg_detach,
	.map_dma_buf = dma_heap_sg_map,
	.unmap_dma_buf = dma_heap_sg_unmap,
	.begin_cpu_access = dma_heap_sg_begin_cpu_access,
	.end_cpu_access = dma_heap_sg_end_cpu_access,
	.mmap = dma_heap_sg_mmap,
	.vmap = dma_heap_sg_vmap,
	.vunmap = dma_heap_sg_vunmap,
	.release = system_heap_release,
};

static struct dma_buf *system_heap_allocate(struct dma_heap *heap,
					    unsigned long len,
					    unsigned long fd_flags,
					    unsigned long heap_flags)
{
	struct dma_heap_sg_buffer *buffer;
	unsigned int max_order = orders[0];
	size_t remaining = len;
	struct scatterlist *sg;
	struct dma_buf *dmabuf;
	struct page *page, *next;
	LIST_HEAD(pages);
	int nchunks = 0;
	int ret;

	/* More than the machine has can never succeed: say so at once. */
	if (len >> PAGE_SHIFT > totalram_pages())
		return ERR_PTR(-ENOMEM);

	buffer = kzalloc(sizeof(*buffer), GFP_KERNEL);
	if (!buffer)
		return ERR_PTR(-ENOMEM);
	dma_heap_sg_buffer_init(buffer, heap, len);

	while (remaining > 0) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto err_free_pages;
		}
		page = system_heap_alloc_chunk(remaining, max_order);
		if (!page) {
			ret = -ENOMEM;
			goto err_free_pages;
		}
		list_add_tail(&page->lru, &pages);
		remaining -= page_size(page);
		max_order = compound_order(page);
		nchunks++;
		/*
		 * High-order allocations without reclaim never sleep: without
		 * this, a 1 GiB buffer holds a non-preemptible CPU for seconds.
		 */
		cond_resched();
	}

	ret = sg_alloc_table(&buffer->table, nchunks, GFP_KERNEL);
	if (ret)
		goto err_free_pages;
	sg = buffer->table.sgl;
	list_for_each_entry_safe(page, next, &pages, lru) {
		sg_set_page(sg, page, page_size(page), 0);
		sg = sg_next(sg);
		list_del(&page->lru);
	}

	dmabuf = dma_heap_sg_buffer_export(buffer, &system_heap_buf_ops,
					   fd_flags);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		goto err_free_table;
	}
	return dmabuf;

err_free_table:
	system_heap_free_chunks(&buffer->table);
	sg_free_table(&buffer->table);
	goto err_free_buffer;
err_free_pages:
	list_for_each_entry_safe(page, next, &pages, lru)
		__free_pages(page, compound_order(page));
err_free_buffer:
	dma_heap_sg_buffer_destroy(buffer);
	kfree(buffer);
	return ERR_PTR(ret);
}

static const struct dma_heap_ops system_heap_ops = {
	.allocate = system_heap_allocate,
};

static int __init system_heap_init(void)
{
	struct dma_heap_export_info exp_info = {
		.name = "system",
		.ops = &system_heap_ops,
		.owner = THIS_MODULE,
	};

	system_heap = dma_heap_add(&exp_info);
	return PTR_ERR_OR_ZERO(system_heap);
}

static void __exit system_heap_exit(void)
{
	dma_heap_remove(system_heap);
}

module_init(system_heap_init);
module_exit(system_heap_exit);
MODULE_DESCRIPTION("DMA-BUF system heap: zeroed, non-contiguous pages");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
MODULE_IMPORT_NS(DMA_BUF_HEAP);
