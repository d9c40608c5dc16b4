// SPDX-License-Identifier: GPL-2.0
/*
 * Carveout heaps: physical ranges set aside at boot, handed out as
 * contiguous blocks.
 *
 * Each range is named by a module parameter, NAME=SIZE@START, and must be
 * memory the kernel does not use: on x86, reserved with memmap=SIZE$START on
 * the kernel's command line (a "Reserved" range in /proc/iomem); elsewhere a
 * reserved-memory node with no-map. Two kinds:
 *
 *   carveout  the CPU maps buffers (mmap, vmap, DMA_BUF_IOCTL_SYNC) with
 *             ordinary cached mappings
 *   unmapped  no CPU mapping is ever made for a buffer: mmap and CPU access
 *             fail with EPERM, the kernel's vmap with EINVAL (there is none);
 *             devices get DMA addresses only. The
 *             kernel maps a block for a moment to zero it before handing it
 *             out, nothing else. See docs/heaps.md for what this protects
 *             against and what it does not.
 *
 * Blocks come from a genalloc pool (best fit; freed blocks coalesce with
 * their free neighbours, as genalloc keeps a bitmap). A range that cannot be
 * used (unaligned, overlapping RAM in use, another range or anything that
 * claimed it, or not reserved at all) is refused with a message naming it;
 * the other ranges still become heaps.
 *
 * The memory has no struct pages the kernel can use (it is not System RAM),
 * so an attachment's mapping is dma_map_resource() of the block: importers
 * get DMA addresses, as with any exporter of device memory.
 */

#define pr_fmt(fmt) "carveout_heap: " fmt

#include <linux/dma-buf.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/genalloc.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/iommu.h>
#include <linux/iosys-map.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../include/dmaheap/compat.h"
#include "../include/dmaheap/dma-heap.h"

#define CARVEOUT_MAX_HEAPS 8

static char *carveout = "";
module_param(carveout, charp, 0444);
MODULE_PARM_DESC(carveout, "CPU-accessible carveouts: NAME=SIZE@START,... (reserved at boot, e.g. memmap=SIZE$START on x86)");

static char *unmapped = "";
module_param(unmapped, charp, 0444);
MODULE_PARM_DESC(unmapped, "Carveouts no CPU may map: NAME=SIZE@START,... (reserved at boot)");

/**
 * struct carveout_heap - one reserved range
 * @heap:     the registered heap
 * @pool:     free blocks of the range
 * @res:      the range, claimed in /proc/iomem
 * @base:     its first byte
 * @size:     its size
 * @vaddr:    the kernel's cached mapping of the whole range (carveout), or
 *            NULL (unmapped)
 * @name:     the heap's name
 */
struct carveout_heap {
	struct dmaheap *heap;
	struct gen_pool *pool;
	struct resource *res;
	phys_addr_t base;
	size_t size;
	void *vaddr;
	char name[32];
};

/**
 * struct carveout_buffer - one block
 * @ch:          its carveout
 * @base:        its first byte
 * @len:         its size
 * @lock:        protects @attachments
 * @attachments: struct carveout_attachment list
 */
struct carveout_buffer {
	struct carveout_heap *ch;
	phys_addr_t base;
	size_t len;
	struct mutex lock; /* attachments */
	struct list_head attachments;
};

struct carveout_attachment {
	struct device *dev;
	struct sg_table table;
	struct list_head list;
	unsigned int seg;
	dma_addr_t addr;
	bool mapped;
};

static struct carveout_heap *carveout_heaps[CARVEOUT_MAX_HEAPS];

static bool carveout_cpu_access(struct carveout_heap *ch)
{
	return ch->vaddr;
}

/*
 * A device must reach the whole block: refuse at attach time rather than
 * let dma_map_resource() warn and fail later. Behind an IOMMU any address
 * can be mapped.
 */
static int carveout_attach(struct dma_buf *dmabuf,
			   struct dma_buf_attachment *attachment)
{
	struct carveout_buffer *buf = dmabuf->priv;
	struct device *dev = attachment->dev;
	struct carveout_attachment *a;
	u64 limit;

	if (!device_iommu_mapped(dev)) {
		limit = min_not_zero(dma_get_mask(dev), dev->bus_dma_limit);
		if (buf->base + buf->len - 1 > limit) {
			dev_dbg(dev, "%s: block at %pa is beyond DMA limit %#llx\n",
				buf->ch->name, &buf->base, limit);
			return -ERANGE;
		}
	}
	a = kzalloc_obj(*a);
	if (!a)
		return -ENOMEM;
	/* No segment longer than the device takes (64 KiB unless it says). */
	a->seg = max_t(unsigned int, PAGE_SIZE,
		       rounddown(dma_get_max_seg_size(dev), PAGE_SIZE));
	if (sg_alloc_table(&a->table, DIV_ROUND_UP(buf->len, a->seg),
			   GFP_KERNEL)) {
		kfree(a);
		return -ENOMEM;
	}
	a->dev = dev;
	attachment->priv = a;
	mutex_lock(&buf->lock);
	list_add(&a->list, &buf->attachments);
	mutex_unlock(&buf->lock);
	return 0;
}

static void carveout_detach(struct dma_buf *dmabuf,
			    struct dma_buf_attachment *attachment)
{
	struct carveout_buffer *buf = dmabuf->priv;
	struct carveout_attachment *a = attachment->priv;

	mutex_lock(&buf->lock);
	list_del(&a->list);
	mutex_unlock(&buf->lock);
	sg_free_table(&a->table);
	kfree(a);
}

/*
 * The whole block is mapped at once; the table has DMA addresses only (the
 * memory has no usable pages), cut into segments the device takes.
 */
static struct sg_table *carveout_map(struct dma_buf_attachment *attachment,
				     enum dma_data_direction dir)
{
	struct carveout_buffer *buf = attachment->dmabuf->priv;
	struct carveout_attachment *a = attachment->priv;
	struct scatterlist *sg;
	size_t done = 0;
	int i;

	a->addr = dma_map_resource(attachment->dev, buf->base, buf->len, dir,
				   0);
	if (dma_mapping_error(attachment->dev, a->addr))
		return ERR_PTR(-EIO);
	for_each_sgtable_sg(&a->table, sg, i) {
		sg_dma_address(sg) = a->addr + done;
		sg_dma_len(sg) = min_t(size_t, a->seg, buf->len - done);
		done += sg_dma_len(sg);
	}
	a->table.nents = a->table.orig_nents;
	a->mapped = true;
	return &a->table;
}

static void carveout_unmap(struct dma_buf_attachment *attachment,
			   struct sg_table *table, enum dma_data_direction dir)
{
	struct carveout_buffer *buf = attachment->dmabuf->priv;
	struct carveout_attachment *a = attachment->priv;

	a->mapped = false;
	dma_unmap_resource(attachment->dev, a->addr, buf->len, dir, 0);
}

/*
 * The kernel's mapping of a carveout is cached, like the direct map: on a
 * cache-coherent machine (x86) there is nothing to maintain. Where DMA is
 * not coherent, the devices' mappings are synced.
 */
static int carveout_sync(struct dma_buf *dmabuf, enum dma_data_direction dir,
			 bool for_cpu)
{
	struct carveout_buffer *buf = dmabuf->priv;
	struct carveout_attachment *a;

	if (!carveout_cpu_access(buf->ch))
		return -EPERM;
	mutex_lock(&buf->lock);
	list_for_each_entry(a, &buf->attachments, list) {
		if (!a->mapped || dev_is_dma_coherent(a->dev))
			continue;
		if (for_cpu)
			dma_sync_single_for_cpu(a->dev, a->addr, buf->len, dir);
		else
			dma_sync_single_for_device(a->dev, a->addr, buf->len,
						   dir);
	}
	mutex_unlock(&buf->lock);
	return 0;
}

static int carveout_begin_cpu_access(struct dma_buf *dmabuf,
				     enum dma_data_direction dir)
{
	return carveout_sync(dmabuf, dir, true);
}

static int carveout_end_cpu_access(struct dma_buf *dmabuf,
				   enum dma_data_direction dir)
{
	return carveout_sync(dmabuf, dir, false);
}

static int carveout_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct carveout_buffer *buf = dmabuf->priv;

	if (!carveout_cpu_access(buf->ch))
		return -EPERM;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	return remap_pfn_range(vma, vma->vm_start,
			       PHYS_PFN(buf->base) + vma->vm_pgoff,
			       vma->vm_end - vma->vm_start, vma->vm_page_prot);
}

static int carveout_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct carveout_buffer *buf = dmabuf->priv;

	iosys_map_set_vaddr(map, buf->ch->vaddr + (buf->base - buf->ch->base));
	return 0;
}

static void carveout_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	iosys_map_clear(map);
}

static void carveout_release(struct dma_buf *dmabuf)
{
	struct carveout_buffer *buf = dmabuf->priv;

	WARN_ON(!list_empty(&buf->attachments));
	gen_pool_free(buf->ch->pool, buf->base, buf->len);
	dmaheap_stats_buffer_released(buf->ch->heap, buf->len);
	mutex_destroy(&buf->lock);
	kfree(buf);
}

static const struct dma_buf_ops carveout_buffer_ops = {
	.attach = carveout_attach,
	.detach = carveout_detach,
	.map_dma_buf = carveout_map,
	.unmap_dma_buf = carveout_unmap,
	.begin_cpu_access = carveout_begin_cpu_access,
	.end_cpu_access = carveout_end_cpu_access,
	.mmap = carveout_mmap,
	.vmap = carveout_vmap,
	.vunmap = carveout_vunmap,
	.release = carveout_release,
};

/*
 * No CPU path: mmap and CPU access are refused with EPERM. There is no vmap
 * at all, so dma_buf_vmap() fails with EINVAL: the dma-buf core warns when
 * an exporter's vmap fails, treating that as a bug.
 */
static const struct dma_buf_ops unmapped_buffer_ops = {
	.attach = carveout_attach,
	.detach = carveout_detach,
	.map_dma_buf = carveout_map,
	.unmap_dma_buf = carveout_unmap,
	.begin_cpu_access = carveout_begin_cpu_access,
	.end_cpu_access = carveout_end_cpu_access,
	.mmap = carveout_mmap,
	.release = carveout_release,
};

/* Every block is zero when handed out; an unmapped one is mapped only for that. */
static int carveout_zero(struct carveout_heap *ch, phys_addr_t base,
			 size_t len)
{
	void *p;

	if (ch->vaddr) {
		memset(ch->vaddr + (base - ch->base), 0, len);
		return 0;
	}
	p = memremap(base, len, MEMREMAP_WB);
	if (!p)
		return -ENOMEM;
	memset(p, 0, len);
	memunmap(p);
	return 0;
}

static struct dma_buf *carveout_allocate(struct dmaheap *heap,
					 unsigned long len, u32 fd_flags,
					 u64 heap_flags)
{
	struct carveout_heap *ch = dmaheap_get_drvdata(heap);
	struct dma_buf_export_info exp_info = {
		.exp_name = ch->name,
		.owner = THIS_MODULE,
		.ops = ch->vaddr ? &carveout_buffer_ops : &unmapped_buffer_ops,
		.size = len,
		.flags = fd_flags,
	};
	struct carveout_buffer *buf;
	struct dma_buf *dmabuf;
	int ret;

	/* Larger than the range, or than what is free: fail at once. */
	if (len > ch->size)
		return ERR_PTR(-ENOMEM);
	buf = kzalloc_obj(*buf);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	buf->ch = ch;
	buf->len = len;
	mutex_init(&buf->lock);
	INIT_LIST_HEAD(&buf->attachments);
	buf->base = gen_pool_alloc(ch->pool, len);
	if (!buf->base) {
		ret = -ENOMEM;
		goto err_free;
	}
	ret = carveout_zero(ch, buf->base, len);
	if (ret)
		goto err_pool;

	exp_info.priv = buf;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		goto err_pool;
	}
	dmaheap_stats_buffer_created(heap, len);
	return dmabuf;

err_pool:
	gen_pool_free(ch->pool, buf->base, len);
err_free:
	mutex_destroy(&buf->lock);
	kfree(buf);
	return ERR_PTR(ret);
}

static const struct dmaheap_ops carveout_heap_ops = {
	.allocate = carveout_allocate,
};

static void carveout_heap_free(struct carveout_heap *ch)
{
	if (ch->vaddr)
		memunmap(ch->vaddr);
	if (ch->res)
		release_mem_region(ch->base, ch->size);
	if (ch->pool)
		gen_pool_destroy(ch->pool);
	kfree(ch);
}

/*
 * Is [base, base + size) reserved memory nobody else uses? Refusals name
 * the range and say what to do.
 */
static int carveout_check_range(const char *name, phys_addr_t base,
				size_t size)
{
	phys_addr_t end = base + size - 1;

	if (!size || !base || !PAGE_ALIGNED(base) || !PAGE_ALIGNED(size) || end < base) {
		pr_err("%s: range %pa+%#zx is empty or not page aligned: not created\n",
		       name, &base, size);
		return -EINVAL;
	}
	if (region_intersects(base, size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT) {
		pr_err("%s: range [%pa-%pa] overlaps System RAM in use: reserve it at boot (x86: memmap=SIZE$START): not created\n",
		       name, &base, &end);
		return -EBUSY;
	}
	if (region_intersects(base, size, IORESOURCE_MEM,
			      IORES_DESC_RESERVED) != REGION_INTERSECTS) {
		pr_err("%s: range [%pa-%pa] is not reserved memory (see /proc/iomem): not created\n",
		       name, &base, &end);
		return -ENXIO;
	}
	return 0;
}

static int carveout_heap_create(const char *name, phys_addr_t base,
				size_t size, bool cpu_access)
{
	struct dmaheap_export_info exp_info = {
		.ops = &carveout_heap_ops,
		.owner = THIS_MODULE,
		.props = {
			.contiguous = true,
			.no_cpu_access = !cpu_access,
			.max_address = base + size - 1,
		},
	};
	phys_addr_t end = base + size - 1;
	struct carveout_heap *ch;
	int ret, i;

	ret = carveout_check_range(name, base, size);
	if (ret)
		return ret;
	for (i = 0; i < CARVEOUT_MAX_HEAPS && carveout_heaps[i]; i++)
		;
	if (i == CARVEOUT_MAX_HEAPS) {
		pr_err("%s: more than %d carveouts: not created\n", name,
		       CARVEOUT_MAX_HEAPS);
		return -ENOSPC;
	}

	ch = kzalloc_obj(*ch);
	if (!ch)
		return -ENOMEM;
	strscpy(ch->name, name, sizeof(ch->name));
	ch->base = base;
	ch->size = size;
	ch->res = request_mem_region(base, size, ch->name);
	if (!ch->res) {
		pr_err("%s: range [%pa-%pa] is already claimed (another carveout or a driver; see /proc/iomem): not created\n",
		       name, &base, &end);
		ret = -EBUSY;
		goto err;
	}
	ch->pool = gen_pool_create(PAGE_SHIFT, -1);
	if (!ch->pool) {
		ret = -ENOMEM;
		goto err;
	}
	gen_pool_set_algo(ch->pool, gen_pool_best_fit, NULL);
	ret = gen_pool_add(ch->pool, base, size, -1);
	if (ret)
		goto err;
	if (cpu_access) {
		ch->vaddr = memremap(base, size, MEMREMAP_WB);
		if (!ch->vaddr) {
			pr_err("%s: cannot map [%pa-%pa]: not created\n", name,
			       &base, &end);
			ret = -ENOMEM;
			goto err;
		}
	}

	exp_info.name = ch->name;
	exp_info.priv = ch;
	ch->heap = dmaheap_add(&exp_info);
	if (IS_ERR(ch->heap)) {
		ret = PTR_ERR(ch->heap);
		goto err;
	}
	carveout_heaps[i] = ch;
	pr_info("%s: [%pa-%pa], %zu MiB%s\n", name, &base, &end, size >> 20,
		cpu_access ? "" : ", no CPU access");
	return 0;

err:
	carveout_heap_free(ch);
	return ret;
}

/* "NAME=SIZE@START,..."; returns how many were asked for. */
static int carveout_create_all(const char *param, const char *what,
			       bool cpu_access, int *created)
{
	char *list, *rest, *spec;
	int asked = 0;

	list = kstrdup(param, GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	rest = list;
	while ((spec = strsep(&rest, ",")) != NULL) {
		char *name = strsep(&spec, "="), *end;
		unsigned long long size, start;

		if (!*name && !spec)
			continue;
		asked++;
		if (!spec || !*name || strlen(name) >= sizeof_field(struct carveout_heap, name)) {
			pr_err("%s: '%s' is not NAME=SIZE@START (NAME up to 31 characters): not created\n",
			       what, name);
			continue;
		}
		size = memparse(spec, &end);
		if (*end != '@') {
			pr_err("%s: '%s' is not SIZE@START: not created\n",
			       name, spec);
			continue;
		}
		start = memparse(end + 1, &end);
		if (*end) {
			pr_err("%s: '%s' is not SIZE@START: not created\n",
			       name, spec);
			continue;
		}
		if (!carveout_heap_create(name, start, size, cpu_access))
			(*created)++;
	}
	kfree(list);
	return asked;
}

static void carveout_remove_all(void)
{
	int i;

	for (i = CARVEOUT_MAX_HEAPS - 1; i >= 0; i--) {
		if (!carveout_heaps[i])
			continue;
		dmaheap_remove(carveout_heaps[i]->heap);
		carveout_heap_free(carveout_heaps[i]);
		carveout_heaps[i] = NULL;
	}
}

static int __init carveout_heap_init(void)
{
	int created = 0, asked = 0, ret;

	ret = carveout_create_all(carveout, "carveout", true, &created);
	if (ret >= 0) {
		asked += ret;
		ret = carveout_create_all(unmapped, "unmapped", false,
					  &created);
	}
	if (ret < 0 && !created)
		return ret;
	/* Once a heap exists nothing fails (the kernel's core may own it). */
	if (ret < 0) {
		pr_err("unmapped: not read (error %d)\n", ret);
		ret = 0;
	}
	asked += ret;
	/*
	 * Nothing asked for: load without heaps (the module may be loaded by
	 * default). Everything asked for refused: fail, so modprobe says so.
	 */
	if (asked && !created)
		return -EINVAL;
	if (!asked)
		pr_info("no carveout configured (parameters carveout= and unmapped=)\n");
	return 0;
}

static void __exit carveout_heap_exit(void)
{
	/* No buffer is left: each pins this module. */
	carveout_remove_all();
}

module_init(carveout_heap_init);
module_exit(carveout_heap_exit);
MODULE_DESCRIPTION("DMA-BUF carveout heaps: reserved ranges, contiguous blocks, with or without CPU access");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMAHEAP_NS(DMA_BUF));
MODULE_IMPORT_NS(DMAHEAP_NS(DMAHEAP));
