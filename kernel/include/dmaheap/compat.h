/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmaheap: every difference between the kernels dmaheap builds for, in one
 * place. The rest of kernel/ is written against the newest interfaces and
 * includes this header; nothing else tests the kernel's version.
 *
 * Supported: 6.1 (Debian 12) up to 7.x (Debian's newest linux-source).
 * DMAHEAP_KVER is the target kernel's version as major * 100 + minor
 * (6.12 is 612), set by kernel/select.mk from the tree's kernel.release.
 *
 *   6.2   class devnode() takes a const struct device;
 *         dma_buf_map_attachment() and dma_buf_vmap() want the
 *         reservation lock held; the old behaviour is their _unlocked()
 *   6.4   class_create() lost its owner argument; MAX_ORDER became
 *         inclusive (the largest order, no longer one past it); pages a
 *         shrinker frees are counted by mm_account_reclaimed_pages()
 *   6.7   shrinkers are allocated by the core: shrinker_alloc(),
 *         shrinker_register(), shrinker_free(), with private_data
 *   6.8   MAX_ORDER was renamed MAX_PAGE_ORDER
 *   6.12  no_llseek went away (a file without .llseek that called
 *         nonseekable_open() refuses seeking on every version)
 *   6.13  symbol namespaces are string literals in EXPORT_SYMBOL_NS*() and
 *         MODULE_IMPORT_NS()
 *   6.18  nth_page() went away: the pages of a compound page or of one
 *         contiguous allocation are now always contiguous in the memmap
 *   7.x   kzalloc_obj() allocates one object of a variable's type (7.3 has
 *         it; provided here where the kernel lacks it)
 * The last two are tested by the macros' presence, not by version.
 */
#ifndef _DMAHEAP_COMPAT_H
#define _DMAHEAP_COMPAT_H

#ifndef DMAHEAP_KVER
#error "DMAHEAP_KVER is not set: build with kernel/Kbuild"
#endif

#include <linux/device.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/sched.h>
#include <linux/shrinker.h>
#include <linux/swap.h>
#include <linux/slab.h>

/*
 * DMAHEAP_NS(DMA_BUF) names a symbol namespace in EXPORT_SYMBOL_NS_GPL() and
 * MODULE_IMPORT_NS() on every version: before 6.13 those macros stringify
 * their argument (after expanding it), since 6.13 they take the string.
 */
#if DMAHEAP_KVER >= 613
#define DMAHEAP_NS(ns) #ns
#else
#define DMAHEAP_NS(ns) ns
#endif

/* The largest page order the buddy allocator hands out. */
#if DMAHEAP_KVER >= 608
#define DMAHEAP_MAX_PAGE_ORDER MAX_PAGE_ORDER
#elif DMAHEAP_KVER >= 604
#define DMAHEAP_MAX_PAGE_ORDER MAX_ORDER
#else
#define DMAHEAP_MAX_PAGE_ORDER (MAX_ORDER - 1)
#endif

#ifndef kzalloc_obj
#define kzalloc_obj(obj) kzalloc(sizeof(obj), GFP_KERNEL)
#endif

/* The @n-th page after @page, within one compound page or allocation. */
#ifdef nth_page
#define dmaheap_nth_page(page, n) nth_page(page, n)
#else
#define dmaheap_nth_page(page, n) ((page) + (n))
#endif

/* An importer's mappings, taking the reservation lock themselves. */
#if DMAHEAP_KVER >= 602
#define dmaheap_dma_buf_map_unlocked dma_buf_map_attachment_unlocked
#define dmaheap_dma_buf_unmap_unlocked dma_buf_unmap_attachment_unlocked
#define dmaheap_dma_buf_vmap_unlocked dma_buf_vmap_unlocked
#define dmaheap_dma_buf_vunmap_unlocked dma_buf_vunmap_unlocked
#else
#define dmaheap_dma_buf_map_unlocked dma_buf_map_attachment
#define dmaheap_dma_buf_unmap_unlocked dma_buf_unmap_attachment
#define dmaheap_dma_buf_vmap_unlocked dma_buf_vmap
#define dmaheap_dma_buf_vunmap_unlocked dma_buf_vunmap
#endif

/* The device argument of struct class's devnode(). */
#if DMAHEAP_KVER >= 602
#define dmaheap_devnode_device const struct device
#else
#define dmaheap_devnode_device struct device
#endif

static inline struct class *dmaheap_class_create(const char *name)
{
#if DMAHEAP_KVER >= 604
	return class_create(name);
#else
	return class_create(THIS_MODULE, name);
#endif
}

/*
 * Tells the reclaim that called a shrinker how many pages it gave back to the
 * page allocator: without it, reclaim sees no progress and may call the OOM
 * killer while the shrinker is freeing memory.
 */
static inline void dmaheap_account_reclaimed(unsigned long pages)
{
#if DMAHEAP_KVER >= 604
	mm_account_reclaimed_pages(pages);
#else
	if (current->reclaim_state)
		current->reclaim_state->reclaimed_slab += pages;
#endif
}

/*
 * A shrinker whose callbacks find their object with dmaheap_shrinker_priv().
 * Before 6.7 the caller's structure embedded struct shrinker; here it is
 * always allocated, so one calling convention serves both.
 */
typedef unsigned long (*dmaheap_shrink_fn)(struct shrinker *shrinker,
					   struct shrink_control *sc);

#if DMAHEAP_KVER >= 607

static inline struct shrinker *
dmaheap_shrinker_register(dmaheap_shrink_fn count, dmaheap_shrink_fn scan,
			  void *priv, const char *name)
{
	struct shrinker *shrinker;

	shrinker = shrinker_alloc(0, "dma-heap-pool-%s", name);
	if (!shrinker)
		return ERR_PTR(-ENOMEM);
	shrinker->count_objects = count;
	shrinker->scan_objects = scan;
	shrinker->seeks = DEFAULT_SEEKS;
	shrinker->private_data = priv;
	shrinker_register(shrinker);
	return shrinker;
}

static inline void *dmaheap_shrinker_priv(struct shrinker *shrinker)
{
	return shrinker->private_data;
}

static inline void dmaheap_shrinker_unregister(struct shrinker *shrinker)
{
	shrinker_free(shrinker);
}

#else

struct dmaheap_legacy_shrinker {
	struct shrinker shrinker;
	void *priv;
};

static inline struct shrinker *
dmaheap_shrinker_register(dmaheap_shrink_fn count, dmaheap_shrink_fn scan,
			  void *priv, const char *name)
{
	struct dmaheap_legacy_shrinker *ls;
	int ret;

	ls = kzalloc_obj(*ls);
	if (!ls)
		return ERR_PTR(-ENOMEM);
	ls->shrinker.count_objects = count;
	ls->shrinker.scan_objects = scan;
	ls->shrinker.seeks = DEFAULT_SEEKS;
	ls->priv = priv;
	ret = register_shrinker(&ls->shrinker, "dma-heap-pool-%s", name);
	if (ret) {
		kfree(ls);
		return ERR_PTR(ret);
	}
	return &ls->shrinker;
}

static inline void *dmaheap_shrinker_priv(struct shrinker *shrinker)
{
	return container_of(shrinker, struct dmaheap_legacy_shrinker,
			    shrinker)->priv;
}

static inline void dmaheap_shrinker_unregister(struct shrinker *shrinker)
{
	unregister_shrinker(shrinker);
	kfree(container_of(shrinker, struct dmaheap_legacy_shrinker, shrinker));
}

#endif

#endif /* _DMAHEAP_COMPAT_H */
