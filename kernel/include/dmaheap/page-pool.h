/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmaheap helpers: a page pool with background zeroing, for heaps that build
 * buffers from page chunks of a few fixed orders.
 *
 * A freed chunk enters the pool dirty; a worker zeroes it in the background
 * and only then moves it to the clean list that allocations take from, so a
 * chunk handed out is always zero. A shrinker gives pooled chunks back under
 * memory pressure, a limit caps what the pool holds, and an idle pool gives
 * half of what it holds back after each decay period. The pool's counters
 * appear as an attribute group, "pool", in the heap's sysfs directory.
 */
#ifndef _DMAHEAP_PAGE_POOL_H
#define _DMAHEAP_PAGE_POOL_H

#include <linux/gfp.h>
#include <linux/types.h>

struct attribute_group;
struct dma_heap_page_pool;
struct page;

/* Orders one pool can serve; the system heap uses three. */
#define DMA_HEAP_PAGE_POOL_MAX_ORDERS 4

/**
 * struct dma_heap_page_pool_ops - a heap's work on chunks that enter the
 * pool's care from the page allocator and go back to it
 * @prepare: called on a chunk fresh from the page allocator (already zero),
 *           before it is handed out; an error fails that allocation (the
 *           chunk goes back untouched)
 * @restore: called before a prepared chunk goes back to the page allocator
 *
 * A pooled chunk keeps what @prepare did: that cost is paid once per chunk,
 * not once per buffer (the write-combined system-uncached heap uses it).
 */
struct dma_heap_page_pool_ops {
	int (*prepare)(struct page *page, unsigned int order);
	void (*restore)(struct page *page, unsigned int order);
};

struct dma_heap_page_pool *
dma_heap_page_pool_create(const char *name, const unsigned int *orders,
			  unsigned int nr_orders, unsigned long limit_pages,
			  const struct dma_heap_page_pool_ops *ops);
void dma_heap_page_pool_destroy(struct dma_heap_page_pool *pool);

struct page *dma_heap_page_pool_alloc(struct dma_heap_page_pool *pool,
				      unsigned int order, gfp_t gfp);
void dma_heap_page_pool_free(struct dma_heap_page_pool *pool,
			     struct page *page, unsigned int order);
void dma_heap_page_pool_discard(struct dma_heap_page_pool *pool,
				struct page *page, unsigned int order);

unsigned long dma_heap_page_pool_pages(struct dma_heap_page_pool *pool);
void dma_heap_page_pool_set_enabled(struct dma_heap_page_pool *pool,
				    bool enabled);
void dma_heap_page_pool_set_limit(struct dma_heap_page_pool *pool,
				  unsigned long limit_pages);
void dma_heap_page_pool_set_decay(struct dma_heap_page_pool *pool,
				  unsigned int decay_ms);
const struct attribute_group **
dma_heap_page_pool_groups(struct dma_heap_page_pool *pool);

#endif /* _DMAHEAP_PAGE_POOL_H */
