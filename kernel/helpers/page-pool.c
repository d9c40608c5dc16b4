// SPDX-License-Identifier: GPL-2.0
/*
 * dmaheap helpers: a page pool that takes zeroing off the allocation path.
 *
 * An unpooled allocation cannot be faster than clearing its pages. Here a
 * freed chunk goes on its order's dirty list, a worker thread clears it and
 * moves it to the clean list, and allocations take only from clean lists: a
 * dirty chunk is never handed out, and a miss goes to the page allocator
 * with __GFP_ZERO, as without a pool.
 *
 * The worker is a kernel thread at nice 19 rather than a work item, because
 * zeroing ahead of demand should yield to any foreground work and a module
 * cannot set a workqueue's priority (apply_workqueue_attrs() is not
 * exported). So it runs on an otherwise idle CPU, or in the gaps of a busy
 * one. A single page freed while the worker sleeps is zeroed in place:
 * waking a thread costs more than clearing 4 KiB.
 *
 * Memory: the pool holds at most its limit (chunks freed beyond it go back
 * to the page allocator), a shrinker returns pooled chunks under memory
 * pressure, dirty ones first (they cost zeroing time to be of any use),
 * turning the pool off drains it, and an idle pool ages: after each decay
 * period without an allocation or a free, the worker gives back half of
 * what the pool holds.
 *
 * Locking: one spinlock per order protects that order's lists and counts.
 * Nothing is allocated, cleared or freed under it, so it is safe from the
 * shrinker in reclaim context. A chunk the worker is clearing is on no list;
 * it is still counted in @nr_pages, and the worker frees it itself if the
 * pool was turned off meanwhile.
 */

#define pr_fmt(fmt) "dma_heap_helpers: " fmt

#include <linux/device.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/sysfs.h>
#include <linux/wait.h>

#include "../include/dmaheap/compat.h"
#include "../include/dmaheap/page-pool.h"

/**
 * struct dma_heap_page_pool_order - the chunks of one order
 * @lock:     protects the lists and counts
 * @clean:    zeroed chunks, ready to be handed out (most recent first)
 * @dirty:    freed chunks waiting for the worker
 * @nr_clean: chunks on @clean
 * @nr_dirty: chunks on @dirty
 * @order:    the order of every chunk here
 */
struct dma_heap_page_pool_order {
	spinlock_t lock; /* protects the lists and their counts */
	struct list_head clean;
	struct list_head dirty;
	unsigned long nr_clean;
	unsigned long nr_dirty;
	unsigned int order;
};

enum dma_heap_page_pool_attr_kind {
	POOL_ATTR_PAGES,	/* per order: chunks held, clean + dirty */
	POOL_ATTR_CLEAN,	/* per order: zeroed chunks */
	POOL_ATTR_DIRTY,	/* per order: chunks waiting to be zeroed */
	POOL_ATTR_ENABLED,
	POOL_ATTR_BYTES,
	POOL_ATTR_LIMIT_BYTES,
	POOL_ATTR_HITS,
	POOL_ATTR_MISSES,
	POOL_ATTR_SHRUNK,
	POOL_ATTR_AGED,
	POOL_ATTR_DECAY_MS,
	POOL_ATTR_ZEROED,
	POOL_ATTR_ZEROED_ON_FREE,
	POOL_ATTR_ZEROING_US,
};

#define POOL_PER_ORDER_ATTRS 3
#define POOL_GLOBAL_ATTRS 11

/*
 * Chunks up to this order freed while the worker sleeps are zeroed in place:
 * clearing one page costs less than waking a thread (under TCG, a fifth).
 */
#define POOL_ZERO_ON_FREE_MAX_ORDER 0

static const char * const dma_heap_page_pool_attr_names[] = {
	[POOL_ATTR_PAGES] = "pages_order%u",
	[POOL_ATTR_CLEAN] = "clean_order%u",
	[POOL_ATTR_DIRTY] = "dirty_order%u",
	[POOL_ATTR_ENABLED] = "enabled",
	[POOL_ATTR_BYTES] = "bytes",
	[POOL_ATTR_LIMIT_BYTES] = "limit_bytes",
	[POOL_ATTR_HITS] = "hits",
	[POOL_ATTR_MISSES] = "misses",
	[POOL_ATTR_SHRUNK] = "shrunk",
	[POOL_ATTR_AGED] = "aged",
	[POOL_ATTR_DECAY_MS] = "decay_ms",
	[POOL_ATTR_ZEROED] = "zeroed_in_background",
	[POOL_ATTR_ZEROED_ON_FREE] = "zeroed_on_free",
	[POOL_ATTR_ZEROING_US] = "zeroing_us",
};

struct dma_heap_page_pool_attr {
	struct device_attribute dattr;
	struct dma_heap_page_pool *pool;
	struct dma_heap_page_pool_order *po;
	enum dma_heap_page_pool_attr_kind kind;
	char name[24];
};

/**
 * struct dma_heap_page_pool - per-order pools, their worker and shrinker
 * @name:      used for the shrinker's name
 * @nr_orders: entries used in @orders
 * @orders:    one pool per order, highest order first
 * @enabled:   pooling on; read under an order's lock where it matters
 * @limit:     most base pages the pool may hold
 * @nr_pages:  base pages held: on the lists and being zeroed
 * @hits:      chunks handed out from a clean list
 * @misses:    chunks the page allocator had to give (and zero) instead
 * @shrunk:    base pages given back by the shrinker or a lower limit
 * @aged:      base pages given back because the pool was idle
 * @decay:     idle period, in jiffies, after which the pool gives back half
 *             of what it holds; 0: never
 * @last_use:  jiffies of the last allocation from or free into the pool, or
 *             of the last ageing
 * @zeroed:    base pages the worker zeroed
 * @zeroed_on_free: base pages zeroed in place when freed (small chunks)
 * @zeroing_ns: time the worker spent zeroing
 * @worker:    the background zeroing thread
 * @worker_wq: where @worker sleeps while no chunk is dirty
 * @shrinker:  gives pooled chunks back under memory pressure
 * @attrs:     the sysfs attributes, @attr_ptrs NULL-terminated
 * @attr_ptrs: pointers to @attrs for @group
 * @group:     the "pool" attribute group
 * @groups:    @group, NULL-terminated, for struct dmaheap_export_info
 */
struct dma_heap_page_pool {
	const char *name;
	unsigned int nr_orders;
	struct dma_heap_page_pool_order orders[DMA_HEAP_PAGE_POOL_MAX_ORDERS];
	bool enabled;
	unsigned long limit;
	atomic_long_t nr_pages;
	atomic_long_t hits;
	atomic_long_t misses;
	atomic_long_t shrunk;
	atomic_long_t aged;
	unsigned long decay;
	unsigned long last_use;
	atomic_long_t zeroed;
	atomic_long_t zeroed_on_free;
	atomic64_t zeroing_ns;
	struct task_struct *worker;
	wait_queue_head_t worker_wq;
	struct shrinker *shrinker;
	struct dma_heap_page_pool_attr *attrs;
	struct attribute **attr_ptrs;
	struct attribute_group group;
	const struct attribute_group *groups[2];
	const struct dma_heap_page_pool_ops *ops;
};

static struct dma_heap_page_pool_order *
dma_heap_page_pool_find(struct dma_heap_page_pool *pool, unsigned int order)
{
	unsigned int i;

	for (i = 0; i < pool->nr_orders; i++)
		if (pool->orders[i].order == order)
			return &pool->orders[i];
	return NULL;
}

/* A chunk leaves the pool's care: undo what the heap's prepare() did. */
static void pool_give_back(struct dma_heap_page_pool *pool, struct page *page,
			   unsigned int order)
{
	if (pool->ops && pool->ops->restore)
		pool->ops->restore(page, order);
	__free_pages(page, order);
}

/* Both under po->lock. Counts are read without it, by sysfs and the shrinker. */
/* Cheap enough for every chunk: the cache line is written once per tick. */
static void dma_heap_page_pool_touch(struct dma_heap_page_pool *pool)
{
	unsigned long now = jiffies;

	if (READ_ONCE(pool->last_use) != now)
		WRITE_ONCE(pool->last_use, now);
}

static void pool_list_add(struct dma_heap_page_pool_order *po,
			  struct page *page, bool clean)
{
	if (clean) {
		list_add(&page->lru, &po->clean);
		WRITE_ONCE(po->nr_clean, po->nr_clean + 1);
	} else {
		list_add_tail(&page->lru, &po->dirty);
		WRITE_ONCE(po->nr_dirty, po->nr_dirty + 1);
	}
}

static struct page *pool_list_take(struct dma_heap_page_pool_order *po,
				   bool clean)
{
	struct page *page;

	page = list_first_entry_or_null(clean ? &po->clean : &po->dirty,
					struct page, lru);
	if (!page)
		return NULL;
	list_del(&page->lru);
	if (clean)
		WRITE_ONCE(po->nr_clean, po->nr_clean - 1);
	else
		WRITE_ONCE(po->nr_dirty, po->nr_dirty - 1);
	return page;
}

/*
 * Give up to @nr_to_free base pages back to the page allocator: dirty chunks
 * before clean ones, high orders before low ones. Returns base pages freed,
 * which may exceed @nr_to_free by less than one chunk.
 */
static unsigned long dma_heap_page_pool_release(struct dma_heap_page_pool *pool,
						unsigned long nr_to_free)
{
	unsigned long freed = 0;
	struct page *page, *next;
	int pass;
	unsigned int i;

	for (pass = 0; pass < 2; pass++) {
		bool clean = pass == 1;

		for (i = 0; i < pool->nr_orders && freed < nr_to_free; i++) {
			struct dma_heap_page_pool_order *po = &pool->orders[i];
			LIST_HEAD(victims);

			spin_lock(&po->lock);
			while (freed < nr_to_free) {
				page = pool_list_take(po, clean);
				if (!page)
					break;
				list_add(&page->lru, &victims);
				freed += 1UL << po->order;
			}
			spin_unlock(&po->lock);

			list_for_each_entry_safe(page, next, &victims, lru) {
				list_del(&page->lru);
				pool_give_back(pool, page, po->order);
			}
		}
	}
	atomic_long_sub(freed, &pool->nr_pages);
	return freed;
}

static void dma_heap_page_pool_zero_chunk(struct page *page,
					  unsigned int order)
{
	unsigned long i;

	for (i = 0; i < (1UL << order); i++)
		clear_highpage(dmaheap_nth_page(page, i));
}

/* Work for the worker: dirty chunks in an enabled pool (a disabled one drains). */
static bool dma_heap_page_pool_has_work(struct dma_heap_page_pool *pool)
{
	unsigned int i;

	if (!READ_ONCE(pool->enabled))
		return false;
	for (i = 0; i < pool->nr_orders; i++)
		if (READ_ONCE(pool->orders[i].nr_dirty))
			return true;
	return false;
}

/*
 * Zero dirty chunks until none are left. Each round takes up to the largest
 * chunk's worth of base pages from every order, so a backlog of large
 * chunks does not starve small ones.
 */
static void dma_heap_page_pool_zero_dirty(struct dma_heap_page_pool *pool)
{
	unsigned long round = 1UL << pool->orders[0].order;
	bool progress;
	unsigned int i;

	do {
		progress = false;
		for (i = 0; i < pool->nr_orders; i++) {
			struct dma_heap_page_pool_order *po = &pool->orders[i];
			unsigned long nr = 1UL << po->order;
			unsigned long done = 0;
			struct page *page;
			u64 t0;

			while (done < round && READ_ONCE(pool->enabled)) {
				spin_lock(&po->lock);
				page = pool_list_take(po, false);
				spin_unlock(&po->lock);
				if (!page)
					break;

				t0 = ktime_get_ns();
				dma_heap_page_pool_zero_chunk(page, po->order);
				atomic64_add(ktime_get_ns() - t0, &pool->zeroing_ns);
				atomic_long_add(nr, &pool->zeroed);

				spin_lock(&po->lock);
				if (READ_ONCE(pool->enabled)) {
					pool_list_add(po, page, true);
					page = NULL;
				}
				spin_unlock(&po->lock);
				if (page) {
					pool_give_back(pool, page, po->order);
					atomic_long_sub(nr, &pool->nr_pages);
				}
				done += nr;
				progress = true;
				cond_resched();
			}
		}
	} while (progress);
}

/*
 * An idle pool ages: once a whole decay period has passed without an
 * allocation from or a free into it, give back half of what it holds (at
 * least one chunk), so memory that nobody asks for returns to the system
 * within a few periods, while a pool in use keeps its pages.
 */
static void dma_heap_page_pool_age(struct dma_heap_page_pool *pool)
{
	unsigned long decay = READ_ONCE(pool->decay);
	long held = atomic_long_read(&pool->nr_pages);

	if (!decay || held <= 0 ||
	    time_before(jiffies, READ_ONCE(pool->last_use) + decay))
		return;
	atomic_long_add(dma_heap_page_pool_release(pool, max(held / 2, 1L)),
			&pool->aged);
	WRITE_ONCE(pool->last_use, jiffies);
}

static int dma_heap_page_pool_worker(void *data)
{
	struct dma_heap_page_pool *pool = data;

	sched_set_normal(current, MAX_NICE);
	while (!kthread_should_stop()) {
		unsigned long decay = READ_ONCE(pool->decay);

		/* A new decay period wakes the worker to take effect at once. */
		wait_event_interruptible_timeout(pool->worker_wq,
						 dma_heap_page_pool_has_work(pool) ||
						 READ_ONCE(pool->decay) != decay ||
						 kthread_should_stop(),
						 decay ? decay : MAX_SCHEDULE_TIMEOUT);
		dma_heap_page_pool_zero_dirty(pool);
		dma_heap_page_pool_age(pool);
		cond_resched();
	}
	return 0;
}

static unsigned long dma_heap_page_pool_count(struct shrinker *shrinker,
					      struct shrink_control *sc)
{
	struct dma_heap_page_pool *pool = dmaheap_shrinker_priv(shrinker);
	unsigned long count = 0;
	unsigned int i;

	for (i = 0; i < pool->nr_orders; i++) {
		struct dma_heap_page_pool_order *po = &pool->orders[i];

		count += (READ_ONCE(po->nr_clean) + READ_ONCE(po->nr_dirty)) <<
			 po->order;
	}
	return count ? count : SHRINK_EMPTY;
}

static unsigned long dma_heap_page_pool_scan(struct shrinker *shrinker,
					     struct shrink_control *sc)
{
	struct dma_heap_page_pool *pool = dmaheap_shrinker_priv(shrinker);
	unsigned long freed;

	freed = dma_heap_page_pool_release(pool, sc->nr_to_scan);
	atomic_long_add(freed, &pool->shrunk);
	dmaheap_account_reclaimed(freed);
	sc->nr_scanned = freed;
	return freed ? freed : SHRINK_STOP;
}

static ssize_t dma_heap_page_pool_attr_show(struct device *dev,
					    struct device_attribute *attr,
					    char *buf)
{
	struct dma_heap_page_pool_attr *pa =
		container_of(attr, struct dma_heap_page_pool_attr, dattr);
	struct dma_heap_page_pool *pool = pa->pool;
	struct dma_heap_page_pool_order *po = pa->po;
	u64 v;

	switch (pa->kind) {
	case POOL_ATTR_PAGES:
		v = READ_ONCE(po->nr_clean) + READ_ONCE(po->nr_dirty);
		break;
	case POOL_ATTR_CLEAN:
		v = READ_ONCE(po->nr_clean);
		break;
	case POOL_ATTR_DIRTY:
		v = READ_ONCE(po->nr_dirty);
		break;
	case POOL_ATTR_ENABLED:
		v = READ_ONCE(pool->enabled);
		break;
	case POOL_ATTR_BYTES:
		v = (u64)atomic_long_read(&pool->nr_pages) << PAGE_SHIFT;
		break;
	case POOL_ATTR_LIMIT_BYTES:
		v = (u64)READ_ONCE(pool->limit) << PAGE_SHIFT;
		break;
	case POOL_ATTR_HITS:
		v = atomic_long_read(&pool->hits);
		break;
	case POOL_ATTR_MISSES:
		v = atomic_long_read(&pool->misses);
		break;
	case POOL_ATTR_SHRUNK:
		v = atomic_long_read(&pool->shrunk);
		break;
	case POOL_ATTR_AGED:
		v = atomic_long_read(&pool->aged);
		break;
	case POOL_ATTR_DECAY_MS:
		v = jiffies_to_msecs(READ_ONCE(pool->decay));
		break;
	case POOL_ATTR_ZEROED:
		v = atomic_long_read(&pool->zeroed);
		break;
	case POOL_ATTR_ZEROED_ON_FREE:
		v = atomic_long_read(&pool->zeroed_on_free);
		break;
	case POOL_ATTR_ZEROING_US:
		v = div_u64(atomic64_read(&pool->zeroing_ns), NSEC_PER_USEC);
		break;
	default:
		return -EINVAL;
	}
	return sysfs_emit(buf, "%llu\n", v);
}

static void dma_heap_page_pool_init_attr(struct dma_heap_page_pool *pool,
					 unsigned int idx,
					 enum dma_heap_page_pool_attr_kind kind,
					 struct dma_heap_page_pool_order *po)
{
	struct dma_heap_page_pool_attr *pa = &pool->attrs[idx];

	if (po)
		snprintf(pa->name, sizeof(pa->name),
			 dma_heap_page_pool_attr_names[kind], po->order);
	else
		strscpy(pa->name, dma_heap_page_pool_attr_names[kind],
			sizeof(pa->name));
	sysfs_attr_init(&pa->dattr.attr);
	pa->dattr.attr.name = pa->name;
	pa->dattr.attr.mode = 0444;
	pa->dattr.show = dma_heap_page_pool_attr_show;
	pa->pool = pool;
	pa->po = po;
	pa->kind = kind;
	pool->attr_ptrs[idx] = &pa->dattr.attr;
}

static int dma_heap_page_pool_init_attrs(struct dma_heap_page_pool *pool)
{
	unsigned int n = pool->nr_orders * POOL_PER_ORDER_ATTRS +
			 POOL_GLOBAL_ATTRS;
	unsigned int i, idx = 0;
	int kind;

	pool->attrs = kcalloc(n, sizeof(*pool->attrs), GFP_KERNEL);
	if (!pool->attrs)
		return -ENOMEM;
	pool->attr_ptrs = kcalloc(n + 1, sizeof(*pool->attr_ptrs), GFP_KERNEL);
	if (!pool->attr_ptrs) {
		kfree(pool->attrs);
		pool->attrs = NULL;
		return -ENOMEM;
	}

	for (kind = POOL_ATTR_PAGES; kind <= POOL_ATTR_DIRTY; kind++)
		for (i = 0; i < pool->nr_orders; i++)
			dma_heap_page_pool_init_attr(pool, idx++, kind,
						     &pool->orders[i]);
	for (kind = POOL_ATTR_ENABLED; kind <= POOL_ATTR_ZEROING_US; kind++)
		dma_heap_page_pool_init_attr(pool, idx++, kind, NULL);

	pool->group.name = "pool";
	pool->group.attrs = pool->attr_ptrs;
	pool->groups[0] = &pool->group;
	pool->groups[1] = NULL;
	return 0;
}

/**
 * dma_heap_page_pool_create - create a pool for chunks of the given orders
 * @name:        a name for the pool's shrinker, usually the heap's name
 * @orders:      the chunk orders the pool keeps, highest first
 * @nr_orders:   entries in @orders, at most DMA_HEAP_PAGE_POOL_MAX_ORDERS
 * @limit_pages: most base pages the pool may hold
 * @ops:         what the heap does to chunks from and back to the page
 *               allocator, or NULL
 *
 * The pool starts empty and enabled. Its counters are in the attribute group
 * that dma_heap_page_pool_groups() returns; pass it to dmaheap_add(), and
 * the pool must then outlive the heap.
 *
 * Return: the pool, or an ERR_PTR.
 */
struct dma_heap_page_pool *
dma_heap_page_pool_create(const char *name, const unsigned int *orders,
			  unsigned int nr_orders, unsigned long limit_pages,
			  const struct dma_heap_page_pool_ops *ops)
{
	struct dma_heap_page_pool *pool;
	unsigned int i;
	int ret;

	if (!nr_orders || nr_orders > DMA_HEAP_PAGE_POOL_MAX_ORDERS)
		return ERR_PTR(-EINVAL);
	for (i = 0; i < nr_orders; i++)
		if (orders[i] > DMAHEAP_MAX_PAGE_ORDER || (i && orders[i] >= orders[i - 1]))
			return ERR_PTR(-EINVAL);

	pool = kzalloc_obj(*pool);
	if (!pool)
		return ERR_PTR(-ENOMEM);
	pool->name = kstrdup(name, GFP_KERNEL);
	if (!pool->name) {
		ret = -ENOMEM;
		goto err_free_pool;
	}

	pool->nr_orders = nr_orders;
	pool->ops = ops;
	for (i = 0; i < nr_orders; i++) {
		struct dma_heap_page_pool_order *po = &pool->orders[i];

		spin_lock_init(&po->lock);
		INIT_LIST_HEAD(&po->clean);
		INIT_LIST_HEAD(&po->dirty);
		po->order = orders[i];
	}
	pool->enabled = true;
	pool->limit = limit_pages;
	pool->last_use = jiffies;
	atomic_long_set(&pool->nr_pages, 0);
	init_waitqueue_head(&pool->worker_wq);

	ret = dma_heap_page_pool_init_attrs(pool);
	if (ret)
		goto err_free_name;

	/* "dmaheap-system": thread names are cut at 15 characters. */
	pool->worker = kthread_run(dma_heap_page_pool_worker, pool, "dmaheap-%s",
				   name);
	if (IS_ERR(pool->worker)) {
		ret = PTR_ERR(pool->worker);
		goto err_free_attrs;
	}

	pool->shrinker = dmaheap_shrinker_register(dma_heap_page_pool_count,
						   dma_heap_page_pool_scan,
						   pool, name);
	if (IS_ERR(pool->shrinker)) {
		ret = PTR_ERR(pool->shrinker);
		goto err_stop_worker;
	}
	return pool;

err_stop_worker:
	kthread_stop(pool->worker);
err_free_attrs:
	kfree(pool->attr_ptrs);
	kfree(pool->attrs);
err_free_name:
	kfree(pool->name);
err_free_pool:
	kfree(pool);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_NS_GPL(dma_heap_page_pool_create, DMAHEAP_NS(DMAHEAP));

/**
 * dma_heap_page_pool_destroy - free a pool and every chunk in it
 * @pool: a pool from dma_heap_page_pool_create(), or NULL
 *
 * Call it once nothing can free into the pool any more: after the heap is
 * removed and its last buffer released.
 */
void dma_heap_page_pool_destroy(struct dma_heap_page_pool *pool)
{
	if (!pool)
		return;
	WRITE_ONCE(pool->enabled, false);
	dmaheap_shrinker_unregister(pool->shrinker);
	kthread_stop(pool->worker);
	dma_heap_page_pool_release(pool, ULONG_MAX);
	WARN(atomic_long_read(&pool->nr_pages),
	     "page pool %s destroyed holding %ld pages\n", pool->name,
	     atomic_long_read(&pool->nr_pages));
	kfree(pool->attr_ptrs);
	kfree(pool->attrs);
	kfree(pool->name);
	kfree(pool);
}
EXPORT_SYMBOL_NS_GPL(dma_heap_page_pool_destroy, DMAHEAP_NS(DMAHEAP));

/**
 * dma_heap_page_pool_alloc - get a zeroed chunk
 * @pool:  the pool
 * @order: the chunk's order
 * @gfp:   flags for the page allocator when the pool has no clean chunk of
 *         @order (__GFP_ZERO is added)
 *
 * Takes a clean chunk when the pool is enabled and has one (a hit), else asks
 * the page allocator (a miss). Either way every byte of the chunk is zero.
 * With __GFP_ACCOUNT in @gfp the chunk is always the page allocator's,
 * charged to the caller's memory cgroup: pooled chunks are charged to nobody.
 * Must be called from process context.
 *
 * Return: the chunk's first page, or NULL when the page allocator failed.
 */
struct page *dma_heap_page_pool_alloc(struct dma_heap_page_pool *pool,
				      unsigned int order, gfp_t gfp)
{
	struct dma_heap_page_pool_order *po;
	struct page *page = NULL;

	po = dma_heap_page_pool_find(pool, order);
	if (po && READ_ONCE(pool->enabled) && !(gfp & __GFP_ACCOUNT)) {
		spin_lock(&po->lock);
		page = pool_list_take(po, true);
		spin_unlock(&po->lock);
		if (page) {
			atomic_long_sub(1UL << order, &pool->nr_pages);
			atomic_long_inc(&pool->hits);
			dma_heap_page_pool_touch(pool);
			return page;
		}
	}

	page = alloc_pages(gfp | __GFP_ZERO, order);
	if (!page)
		return NULL;
	if (pool->ops && pool->ops->prepare &&
	    pool->ops->prepare(page, order)) {
		__free_pages(page, order);
		return NULL;
	}
	if (po && READ_ONCE(pool->enabled))
		atomic_long_inc(&pool->misses);
	return page;
}
EXPORT_SYMBOL_NS_GPL(dma_heap_page_pool_alloc, DMAHEAP_NS(DMAHEAP));

/**
 * dma_heap_page_pool_free - give back a chunk that is no longer in use
 * @pool:  the pool
 * @page:  the chunk's first page, from dma_heap_page_pool_alloc(); nothing
 *         (no mapping, no device) may use it any more
 * @order: its order
 *
 * The chunk enters the pool dirty, to be zeroed in the background, unless the
 * pool is disabled or full, or the chunk is charged to a memory cgroup (it
 * would stay charged to a group that no longer uses it): then it goes back
 * to the page allocator, which uncharges it. A
 * single page freed while the worker sleeps is zeroed here instead, which is
 * cheaper than waking the worker for it.
 * Must be called from process context.
 */
void dma_heap_page_pool_free(struct dma_heap_page_pool *pool,
			     struct page *page, unsigned int order)
{
	struct dma_heap_page_pool_order *po;
	unsigned long nr = 1UL << order;
	bool zeroed = false;

	po = dma_heap_page_pool_find(pool, order);
	if (!po || !READ_ONCE(pool->enabled) || PageMemcgKmem(page))
		goto free;
	if (atomic_long_add_return(nr, &pool->nr_pages) > READ_ONCE(pool->limit))
		goto unaccount;

	if (order <= POOL_ZERO_ON_FREE_MAX_ORDER &&
	    wq_has_sleeper(&pool->worker_wq)) {
		dma_heap_page_pool_zero_chunk(page, order);
		atomic_long_add(nr, &pool->zeroed_on_free);
		zeroed = true;
	}

	spin_lock(&po->lock);
	if (!READ_ONCE(pool->enabled)) {
		spin_unlock(&po->lock);
		goto unaccount;
	}
	pool_list_add(po, page, zeroed);
	spin_unlock(&po->lock);
	dma_heap_page_pool_touch(pool);
	/* Pairs with the barrier in the worker's wait_event(). */
	if (!zeroed && wq_has_sleeper(&pool->worker_wq))
		wake_up(&pool->worker_wq);
	return;

unaccount:
	atomic_long_sub(nr, &pool->nr_pages);
free:
	pool_give_back(pool, page, order);
}
EXPORT_SYMBOL_NS_GPL(dma_heap_page_pool_free, DMAHEAP_NS(DMAHEAP));

/**
 * dma_heap_page_pool_discard - give a chunk straight back to the page allocator
 * @pool:  the pool it came from
 * @page:  the chunk's first page, from dma_heap_page_pool_alloc()
 * @order: its order
 *
 * For error paths: an allocation that failed under memory pressure should
 * not fill the pool. The heap's restore() is called first.
 */
void dma_heap_page_pool_discard(struct dma_heap_page_pool *pool,
				struct page *page, unsigned int order)
{
	pool_give_back(pool, page, order);
}
EXPORT_SYMBOL_NS_GPL(dma_heap_page_pool_discard, DMAHEAP_NS(DMAHEAP));

/**
 * dma_heap_page_pool_pages - how much memory the pool holds
 * @pool: the pool
 *
 * Return: pages held, clean and dirty: memory the heap can hand out again
 * or give back, which the kernel's own estimate of available memory
 * (si_mem_available()) does not count.
 */
unsigned long dma_heap_page_pool_pages(struct dma_heap_page_pool *pool)
{
	long n = atomic_long_read(&pool->nr_pages);

	return n > 0 ? n : 0;
}
EXPORT_SYMBOL_NS_GPL(dma_heap_page_pool_pages, DMAHEAP_NS(DMAHEAP));

/**
 * dma_heap_page_pool_set_enabled - turn pooling on or off
 * @pool:    the pool
 * @enabled: the new state
 *
 * Turning the pool off gives every pooled chunk back to the page allocator;
 * from then on allocations go to the page allocator and freed chunks straight
 * back to it. Callers serialise calls for one pool.
 */
void dma_heap_page_pool_set_enabled(struct dma_heap_page_pool *pool,
				    bool enabled)
{
	WRITE_ONCE(pool->enabled, enabled);
	if (!enabled)
		dma_heap_page_pool_release(pool, ULONG_MAX);
}
EXPORT_SYMBOL_NS_GPL(dma_heap_page_pool_set_enabled, DMAHEAP_NS(DMAHEAP));

/**
 * dma_heap_page_pool_set_limit - change how much the pool may hold
 * @pool:        the pool
 * @limit_pages: most base pages the pool may hold from now on
 *
 * What the pool holds beyond the new limit goes back to the page allocator
 * at once. Callers serialise calls for one pool.
 */
void dma_heap_page_pool_set_limit(struct dma_heap_page_pool *pool,
				  unsigned long limit_pages)
{
	long excess;

	WRITE_ONCE(pool->limit, limit_pages);
	excess = atomic_long_read(&pool->nr_pages) - (long)limit_pages;
	if (excess > 0)
		atomic_long_add(dma_heap_page_pool_release(pool, excess),
				&pool->shrunk);
}
EXPORT_SYMBOL_NS_GPL(dma_heap_page_pool_set_limit, DMAHEAP_NS(DMAHEAP));

/**
 * dma_heap_page_pool_set_decay - change how soon an idle pool gives memory back
 * @pool:     the pool
 * @decay_ms: after each period this long without an allocation from or a
 *            free into the pool, it gives back half of what it holds; 0
 *            turns ageing off (a new pool does not age)
 */
void dma_heap_page_pool_set_decay(struct dma_heap_page_pool *pool,
				  unsigned int decay_ms)
{
	WRITE_ONCE(pool->decay, msecs_to_jiffies(decay_ms));
	wake_up(&pool->worker_wq);
}
EXPORT_SYMBOL_NS_GPL(dma_heap_page_pool_set_decay, DMAHEAP_NS(DMAHEAP));

/**
 * dma_heap_page_pool_groups - the pool's sysfs attributes
 * @pool: the pool
 *
 * Return: a NULL-terminated array holding the "pool" attribute group, for
 * &struct dmaheap_export_info.groups. Per order N: pages_orderN, clean_orderN
 * and dirty_orderN count chunks; bytes and limit_bytes are what the pool holds
 * and may hold; hits and misses count chunks handed out from the pool and
 * from the page allocator; shrunk, aged, zeroed_in_background and
 * zeroed_on_free count base pages; zeroing_us is the worker's time spent
 * zeroing; decay_ms is the idle ageing period (0: off); enabled is 0 or 1.
 */
const struct attribute_group **
dma_heap_page_pool_groups(struct dma_heap_page_pool *pool)
{
	return pool->groups;
}
EXPORT_SYMBOL_NS_GPL(dma_heap_page_pool_groups, DMAHEAP_NS(DMAHEAP));
