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
 *
 * Beside it, two heaps of the same kind, each with a pool of its own:
 *   system-uncached  pages write-combined everywhere they are mapped, the
 *                    kernel's own mapping included, for buffers the CPU
 *                    writes once and devices read: CPU access needs no
 *                    cache maintenance
 *   system-dma32     pages below 4 GiB, for devices with 32-bit DMA
 */

#define pr_fmt(fmt) "system_heap: " fmt

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched/signal.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmstat.h>
#ifdef CONFIG_X86
#include <asm/set_memory.h>
#endif

#include "../include/dmaheap/compat.h"
#include "../include/dmaheap/dma-heap.h"
#include "../include/dmaheap/page-pool.h"
#include "../include/dmaheap/sg-buffer.h"

/*
 * The last resort, single pages: reclaim as hard as it helps, then fail with
 * ENOMEM rather than call the OOM killer, and without a warning: any
 * process that may open the heap could otherwise fill the kernel log with
 * allocation-failure dumps (each a stack trace and a memory report, which a
 * slow serial console takes seconds to print).
 */
#define LOW_ORDER_GFP (GFP_HIGHUSER | __GFP_ZERO | __GFP_RETRY_MAYFAIL | \
		       __GFP_NOWARN)
#define HIGH_ORDER_GFP (((GFP_HIGHUSER | __GFP_ZERO | __GFP_NOWARN | \
			  __GFP_NORETRY) & ~__GFP_RECLAIM) | __GFP_COMP)

static const unsigned int orders[] = { 8, 4, 0 };
static const gfp_t order_flags[] = { HIGH_ORDER_GFP, HIGH_ORDER_GFP,
				     LOW_ORDER_GFP };

/**
 * struct system_heap - one of the module's heaps
 * @name:     its name (the first: the module parameter "name")
 * @uncached: write-combined pages (see system_heap_make_wc())
 * @dma32:    pages below 4 GiB only (ZONE_DMA32)
 * @heap:     the registered heap, or NULL
 * @pool:     its page pool, published under kernel_param_lock()
 */
struct system_heap {
	const char *name;
	bool uncached;
	bool dma32;
	struct dmaheap *heap;
	struct dma_heap_page_pool *pool;
};

/*
 * "system" where the kernel has no system heap of its own, else
 * "system-pooled" (kernel/select.mk): never a second "system".
 */
static char *name = DMAHEAP_SYSTEM_HEAP_NAME;
module_param(name, charp, 0444);
MODULE_PARM_DESC(name, "The cached heap's name (default here: " DMAHEAP_SYSTEM_HEAP_NAME ")");

static struct system_heap system_heaps[] = {
	{ .name = NULL },	/* "name" */
	{ .name = "system-uncached", .uncached = true },
	{ .name = "system-dma32", .dma32 = true },
};

/*
 * Written by the parameter callbacks with kernel_param_lock() held; init and
 * exit take that lock to publish and retract the pools, so a write to
 * /sys/module/dmaheap_system/parameters/ never sees a half-made pool. They
 * apply to each heap's pool alike.
 */
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
	int i;

	for (i = 0; !ret && i < ARRAY_SIZE(system_heaps); i++)
		if (system_heaps[i].pool)
			dma_heap_page_pool_set_enabled(system_heaps[i].pool,
						       pool_enabled);
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
	int i;

	if (ret)
		return ret;
	if (!pool_limit_mb)
		pool_limit_mb = system_heap_default_limit_mb();
	for (i = 0; i < ARRAY_SIZE(system_heaps); i++)
		if (system_heaps[i].pool)
			dma_heap_page_pool_set_limit(system_heaps[i].pool,
						     pool_limit_mb << (20 - PAGE_SHIFT));
	return 0;
}

static const struct kernel_param_ops system_heap_pool_limit_ops = {
	.set = system_heap_set_pool_limit,
	.get = param_get_ulong,
};
module_param_cb(pool_limit_mb, &system_heap_pool_limit_ops, &pool_limit_mb,
		0644);
MODULE_PARM_DESC(pool_limit_mb, "Most memory each heap's pool holds, in MiB (default and 0: an eighth of RAM)");

static int system_heap_set_pool_decay(const char *val,
				      const struct kernel_param *kp)
{
	int ret = param_set_uint(val, kp);
	int i;

	for (i = 0; !ret && i < ARRAY_SIZE(system_heaps); i++)
		if (system_heaps[i].pool)
			dma_heap_page_pool_set_decay(system_heaps[i].pool,
						     pool_decay_ms);
	return ret;
}

static const struct kernel_param_ops system_heap_pool_decay_ops = {
	.set = system_heap_set_pool_decay,
	.get = param_get_uint,
};
module_param_cb(pool_decay_ms, &system_heap_pool_decay_ops, &pool_decay_ms,
		0644);
MODULE_PARM_DESC(pool_decay_ms, "An idle pool gives back half of what it holds after each period this long, in ms (default 10000; 0: never)");

#ifdef CONFIG_X86
/*
 * system-uncached: the kernel's direct mapping of the pages is made
 * write-combined too (set_memory_wc() also records the memory type, which
 * remap_pfn_range() and vmap() then follow), so no cached alias of them
 * exists while the heap owns them. It flushes them from the caches, which
 * makes the conversion costly: the pool keeps converted chunks.
 */
static int system_heap_make_wc(struct page *page, unsigned int order)
{
	return set_memory_wc((unsigned long)page_address(page), 1 << order);
}

static void system_heap_make_wb(struct page *page, unsigned int order)
{
	set_memory_wb((unsigned long)page_address(page), 1 << order);
}

static const struct dma_heap_page_pool_ops system_heap_uncached_ops = {
	.prepare = system_heap_make_wc,
	.restore = system_heap_make_wb,
};

#define SYSTEM_HEAP_UNCACHED_OPS (&system_heap_uncached_ops)
#define SYSTEM_HEAP_HAS_UNCACHED true
#else
/* Elsewhere the kernel's own mapping cannot be changed page by page (yet). */
#define SYSTEM_HEAP_UNCACHED_OPS NULL
#define SYSTEM_HEAP_HAS_UNCACHED false
#endif

static gfp_t system_heap_gfp(struct system_heap *sh, unsigned int i,
			     bool account)
{
	gfp_t gfp = order_flags[i];

	/* ZONE_DMA32 and __GFP_HIGHMEM do not go together. */
	if (sh->dma32)
		gfp = (gfp & ~__GFP_HIGHMEM) | __GFP_DMA32;
	/*
	 * Charged to the allocating task's memory cgroup. A charge beyond the
	 * group's limit fails the allocation rather than calling the group's
	 * OOM killer: every order is __GFP_RETRY_MAYFAIL or __GFP_NORETRY.
	 */
	if (account)
		gfp |= __GFP_ACCOUNT;
	return gfp;
}

static struct page *system_heap_alloc_chunk(struct system_heap *sh,
					    size_t remaining,
					    unsigned int max_order,
					    bool account)
{
	struct page *page;
	int i;

	for (i = 0; i < ARRAY_SIZE(orders); i++) {
		if (remaining < (PAGE_SIZE << orders[i]))
			continue;
		if (orders[i] > max_order)
			continue;
		page = dma_heap_page_pool_alloc(sh->pool, orders[i],
						system_heap_gfp(sh, i,
								account));
		if (page)
			return page;
	}
	return NULL;
}

/*
 * What an allocation may take: the memory the kernel estimates available
 * (free, and page cache it can reclaim) plus what the pool holds, less the
 * free pages of CMA areas, less a reserve of 1/32 of RAM.
 *
 * Free CMA pages count as free memory, but only movable allocations may use
 * them, and heap pages are not movable: with a 128 MiB CMA area the estimate
 * stayed above the reserve after the heap had taken every page the kernel
 * itself can allocate from, and 7.3 with the checkers then thrashed in
 * reclaim for the rest of a 30-minute run.
 *
 * The reserve keeps the pages the rest of the system needs to go on, such as
 * the allocating program's own code paging back in: without it a process
 * holding buffers until memory ran out got them all (__GFP_RETRY_MAYFAIL),
 * and its next page fault called the OOM killer (Debian 13's kernel, 4 GiB
 * guest), or the machine thrashed in reclaim (7.3 with the checkers).
 * Checked before each chunk: a few counters, nothing to lock.
 */
static unsigned long system_heap_available(struct system_heap *sh)
{
	long avail = si_mem_available() +
		     (long)dma_heap_page_pool_pages(sh->pool) -
		     (long)global_zone_page_state(NR_FREE_CMA_PAGES);
	long reserve = totalram_pages() / 32;

	return avail > reserve ? avail - reserve : 0;
}

/*
 * Error paths give chunks straight back to the page allocator: an allocation
 * that failed under memory pressure should not leave them in the pool.
 */
static void system_heap_free_chunks(struct system_heap *sh,
				    struct sg_table *table)
{
	struct scatterlist *sg;
	int i;

	for_each_sgtable_sg(table, sg, i)
		dma_heap_page_pool_discard(sh->pool, sg_page(sg),
					   get_order(sg->length));
}

/*
 * dma-buf calls release once the last file reference is gone, and every
 * mmap holds one, so no mapping of these pages is left when they go back to
 * the pool.
 */
static void system_heap_release(struct dma_heap_sg_buffer *buffer)
{
	struct system_heap *sh = dmaheap_get_drvdata(buffer->heap);
	struct scatterlist *sg;
	int i;

	for_each_sgtable_sg(&buffer->table, sg, i)
		dma_heap_page_pool_free(sh->pool, sg_page(sg),
					get_order(sg->length));
	sg_free_table(&buffer->table);
	dma_heap_sg_buffer_destroy(buffer);
	kfree(buffer);
}

static struct dma_buf *system_heap_allocate(struct dmaheap *heap,
					    unsigned long len,
					    u32 fd_flags, u64 heap_flags)
{
	struct system_heap *sh = dmaheap_get_drvdata(heap);
	struct dma_heap_sg_buffer *buffer;
	bool account = dmaheap_mem_accounting();
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
	if (len >> PAGE_SHIFT > system_heap_available(sh))
		return ERR_PTR(-ENOMEM);

	buffer = kzalloc_obj(*buffer);
	if (!buffer)
		return ERR_PTR(-ENOMEM);
	dma_heap_sg_buffer_init(buffer, heap, len, system_heap_release);
	buffer->uncached = sh->uncached;

	while (remaining > 0) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto err_free_pages;
		}
		/* The reserve holds while other allocations run too. */
		if (remaining >> PAGE_SHIFT > system_heap_available(sh)) {
			ret = -ENOMEM;
			goto err_free_pages;
		}
		page = system_heap_alloc_chunk(sh, remaining, max_order,
					       account);
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
	system_heap_free_chunks(sh, &buffer->table);
	sg_free_table(&buffer->table);
	goto err_free_buffer;
err_free_pages:
	list_for_each_entry_safe(page, next, &pages, lru)
		dma_heap_page_pool_discard(sh->pool, page,
					   compound_order(page));
err_free_buffer:
	dma_heap_sg_buffer_destroy(buffer);
	kfree(buffer);
	return ERR_PTR(ret);
}

static const struct dmaheap_ops system_heap_ops = {
	.allocate = system_heap_allocate,
};

static void system_heap_destroy(struct system_heap *sh)
{
	struct dma_heap_page_pool *pool = sh->pool;

	/* No buffer is left (each pins this module): nothing frees any more. */
	if (sh->heap)
		dmaheap_remove(sh->heap);
	sh->heap = NULL;
	kernel_param_lock(THIS_MODULE);
	sh->pool = NULL;
	kernel_param_unlock(THIS_MODULE);
	dma_heap_page_pool_destroy(pool);
}

static int system_heap_create(struct system_heap *sh)
{
	struct dmaheap_export_info exp_info = {
		.name = sh->name,
		.ops = &system_heap_ops,
		.priv = sh,
		.owner = THIS_MODULE,
		.props = {
			.uncached = sh->uncached,
			.max_address = sh->dma32 ? DMA_BIT_MASK(32) : 0,
		},
	};
	struct dma_heap_page_pool *pool;
	int ret;

	pool = dma_heap_page_pool_create(sh->name, orders, ARRAY_SIZE(orders),
					 0, sh->uncached ?
					 SYSTEM_HEAP_UNCACHED_OPS : NULL);
	if (IS_ERR(pool))
		return PTR_ERR(pool);

	kernel_param_lock(THIS_MODULE);
	if (!pool_limit_mb)
		pool_limit_mb = system_heap_default_limit_mb();
	dma_heap_page_pool_set_limit(pool, pool_limit_mb << (20 - PAGE_SHIFT));
	dma_heap_page_pool_set_enabled(pool, pool_enabled);
	dma_heap_page_pool_set_decay(pool, pool_decay_ms);
	sh->pool = pool;
	kernel_param_unlock(THIS_MODULE);

	exp_info.groups = dma_heap_page_pool_groups(pool);
	sh->heap = dmaheap_add(&exp_info);
	if (IS_ERR(sh->heap)) {
		ret = PTR_ERR(sh->heap);
		sh->heap = NULL;
		system_heap_destroy(sh);
		return ret;
	}
	return 0;
}

/*
 * The heaps this kernel can offer: system-uncached needs a way to make the
 * kernel's own mapping write-combined (x86 for now), system-dma32 a
 * ZONE_DMA32.
 */
static bool system_heap_supported(struct system_heap *sh)
{
	if (sh->uncached && !SYSTEM_HEAP_HAS_UNCACHED) {
		pr_info("%s: not offered: no write-combined kernel mapping on this architecture\n",
			sh->name);
		return false;
	}
	if (sh->dma32 && !IS_ENABLED(CONFIG_ZONE_DMA32)) {
		pr_info("%s: not offered: the kernel has no ZONE_DMA32\n",
			sh->name);
		return false;
	}
	return true;
}

static int __init system_heap_init(void)
{
	int i, ret;

	system_heaps[0].name = name;
	/* The cached heap first: the others are extras, skipped when they fail. */
	ret = system_heap_create(&system_heaps[0]);
	if (ret)
		return ret;
	for (i = 1; i < ARRAY_SIZE(system_heaps); i++) {
		struct system_heap *sh = &system_heaps[i];

		if (!system_heap_supported(sh))
			continue;
		ret = system_heap_create(sh);
		if (ret)
			pr_warn("%s: not offered (error %d)\n", sh->name, ret);
	}
	return 0;
}

static void __exit system_heap_exit(void)
{
	int i;

	for (i = ARRAY_SIZE(system_heaps) - 1; i >= 0; i--)
		if (system_heaps[i].pool)
			system_heap_destroy(&system_heaps[i]);
}

module_init(system_heap_init);
module_exit(system_heap_exit);
MODULE_DESCRIPTION("DMA-BUF system heaps: zeroed, non-contiguous pages, pooled; cached, write-combined and below 4 GiB");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMAHEAP_NS(DMA_BUF));
MODULE_IMPORT_NS(DMAHEAP_NS(DMAHEAP));
