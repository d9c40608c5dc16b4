// SPDX-License-Identifier: GPL-2.0
/*
 * The "system" heap: buffers of ordinary pages, not physically contiguous,
 * built from the largest chunks the page allocator gives without effort.
 *
 * Chunks are 1 MiB, 64 KiB or 4 KiB (orders 8, 4, 0). High orders are asked
 * for without reclaim or retries, so a fragmented system falls back to small
 * pages instead of stalling; once an order fails, smaller ones are used for
 * the rest of the buffer. Every page handed out is zero, so no buffer ever
 * shows another's data. The loop checks for fatal signals, so a huge
 * allocation stops promptly when its process is killed, and yields the CPU
 * between chunks.
 *
 * Chunks come from a page pool (helpers/page-pool.c) when it has zeroed ones
 * of the right order, and go back to it dirty when a buffer is released: a
 * worker zeroes them in the background. The module parameter "pool" turns
 * the pool off (draining it) and on at runtime; "pool_limit_mb" caps it.
 */

#define pr_fmt(fmt) "system_heap: " fmt

#include <linux/dma-buf.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched/signal.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "../include/dmaheap/compat.h"
#include "../include/dmaheap/dma-heap.h"
#include "../include/dmaheap/page-pool.h"
#include "../include/dmaheap/sg-buffer.h"

#define LOW_ORDER_GFP (GFP_HIGHUSER | __GFP_ZERO | __GFP_RETRY_MAYFAIL)
#define HIGH_ORDER_GFP (((GFP_HIGHUSER | __GFP_ZERO | __GFP_NOWARN | \
			  __GFP_NORETRY) & ~__GFP_RECLAIM) | __GFP_COMP)

static const unsigned int orders[] = { 8, 4, 0 };
static const gfp_t order_flags[] = { HIGH_ORDER_GFP, HIGH_ORDER_GFP,
				     LOW_ORDER_GFP };

static struct dmaheap *system_heap;

/*
 * "system" where the kernel has no system heap of its own, else
 * "system-pooled" (kernel/select.mk): never a second "system".
 */
static char *name = DMAHEAP_SYSTEM_HEAP_NAME;
module_param(name, charp, 0444);
MODULE_PARM_DESC(name, "The heap's name (default here: " DMAHEAP_SYSTEM_HEAP_NAME ")");

/*
 * Written by the parameter callbacks with kernel_param_lock() held; init and
 * exit take that lock to publish and retract the pool, so a write to
 * /sys/module/system_heap/parameters/ never sees a half-made pool.
 */
static struct dma_heap_page_pool *system_pool;
static bool pool_enabled = true;
static unsigned long pool_limit_mb;
static unsigned int pool_decay_ms = 10000;

/* The default limit: an eighth of RAM. */
static unsigned long system_heap_default_limit_mb(void)
{
	return max(1UL, (totalram_pages() / 8) >> (20 - PAGE_SHIFT));
}

static int system_heap_set_pool(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_bool(val, kp);

	if (!ret && system_pool)
		dma_heap_page_pool_set_enabled(system_pool, pool_enabled);
	return ret;
}

static const struct kernel_param_ops system_heap_pool_ops = {
	.set = system_heap_set_pool,
	.get = param_get_bool,
};
module_param_cb(pool, &system_heap_pool_ops, &pool_enabled, 0644);
MODULE_PARM_DESC(pool, "Keep freed pages in a pool, zeroed in the background (default: on; off drains the pool)");

static int system_heap_set_pool_limit(const char *val,
				      const struct kernel_param *kp)
{
	int ret = param_set_ulong(val, kp);

	if (ret)
		return ret;
	if (!pool_limit_mb)
		pool_limit_mb = system_heap_default_limit_mb();
	if (system_pool)
		dma_heap_page_pool_set_limit(system_pool,
					     pool_limit_mb << (20 - PAGE_SHIFT));
	return 0;
}

static const struct kernel_param_ops system_heap_pool_limit_ops = {
	.set = system_heap_set_pool_limit,
	.get = param_get_ulong,
};
module_param_cb(pool_limit_mb, &system_heap_pool_limit_ops, &pool_limit_mb,
		0644);
MODULE_PARM_DESC(pool_limit_mb, "Most memory the pool holds, in MiB (default and 0: an eighth of RAM)");

static int system_heap_set_pool_decay(const char *val,
				      const struct kernel_param *kp)
{
	int ret = param_set_uint(val, kp);

	if (!ret && system_pool)
		dma_heap_page_pool_set_decay(system_pool, pool_decay_ms);
	return ret;
}

static const struct kernel_param_ops system_heap_pool_decay_ops = {
	.set = system_heap_set_pool_decay,
	.get = param_get_uint,
};
module_param_cb(pool_decay_ms, &system_heap_pool_decay_ops, &pool_decay_ms,
		0644);
MODULE_PARM_DESC(pool_decay_ms, "An idle pool gives back half of what it holds after each period this long, in ms (default 10000; 0: never)");

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
		page = dma_heap_page_pool_alloc(system_pool, orders[i],
						order_flags[i]);
		if (page)
			return page;
	}
	return NULL;
}

/*
 * Error paths give chunks straight back to the page allocator: an allocation
 * that failed under memory pressure should not leave them in the pool.
 */
static void system_heap_free_chunks(struct sg_table *table)
{
	struct scatterlist *sg;
	int i;

	for_each_sgtable_sg(table, sg, i)
		__free_pages(sg_page(sg), get_order(sg->length));
}

/*
 * dma-buf calls release once the last file reference is gone, and every
 * mmap holds one, so no mapping of these pages is left when they go back to
 * the pool.
 */
static void system_heap_release(struct dma_heap_sg_buffer *buffer)
{
	struct scatterlist *sg;
	int i;

	for_each_sgtable_sg(&buffer->table, sg, i)
		dma_heap_page_pool_free(system_pool, sg_page(sg),
					get_order(sg->length));
	sg_free_table(&buffer->table);
	dma_heap_sg_buffer_destroy(buffer);
	kfree(buffer);
}

static struct dma_buf *system_heap_allocate(struct dmaheap *heap,
					    unsigned long len,
					    u32 fd_flags, u64 heap_flags)
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

	buffer = kzalloc_obj(*buffer);
	if (!buffer)
		return ERR_PTR(-ENOMEM);
	dma_heap_sg_buffer_init(buffer, heap, len, system_heap_release);

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

	dmabuf = dma_heap_sg_buffer_export(buffer, fd_flags);
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

static const struct dmaheap_ops system_heap_ops = {
	.allocate = system_heap_allocate,
};

static int __init system_heap_init(void)
{
	struct dmaheap_export_info exp_info = {
		.name = name,
		.ops = &system_heap_ops,
		.owner = THIS_MODULE,
	};
	struct dma_heap_page_pool *pool;
	int ret;

	pool = dma_heap_page_pool_create(name, orders, ARRAY_SIZE(orders),
					 0);
	if (IS_ERR(pool))
		return PTR_ERR(pool);

	kernel_param_lock(THIS_MODULE);
	if (!pool_limit_mb)
		pool_limit_mb = system_heap_default_limit_mb();
	dma_heap_page_pool_set_limit(pool, pool_limit_mb << (20 - PAGE_SHIFT));
	dma_heap_page_pool_set_enabled(pool, pool_enabled);
	dma_heap_page_pool_set_decay(pool, pool_decay_ms);
	system_pool = pool;
	kernel_param_unlock(THIS_MODULE);

	exp_info.groups = dma_heap_page_pool_groups(pool);
	system_heap = dmaheap_add(&exp_info);
	if (IS_ERR(system_heap)) {
		ret = PTR_ERR(system_heap);
		goto err_pool;
	}
	return 0;

err_pool:
	kernel_param_lock(THIS_MODULE);
	system_pool = NULL;
	kernel_param_unlock(THIS_MODULE);
	dma_heap_page_pool_destroy(pool);
	return ret;
}

static void __exit system_heap_exit(void)
{
	struct dma_heap_page_pool *pool = system_pool;

	/* No buffer is left (each pins this module): nothing frees any more. */
	dmaheap_remove(system_heap);
	kernel_param_lock(THIS_MODULE);
	system_pool = NULL;
	kernel_param_unlock(THIS_MODULE);
	dma_heap_page_pool_destroy(pool);
}

module_init(system_heap_init);
module_exit(system_heap_exit);
MODULE_DESCRIPTION("DMA-BUF system heap: zeroed, non-contiguous pages, pooled");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMAHEAP_NS(DMA_BUF));
MODULE_IMPORT_NS(DMAHEAP_NS(DMAHEAP));
