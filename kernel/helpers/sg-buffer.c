// SPDX-License-Identifier: GPL-2.0
/*
 * dmaheap helpers: attachments, device mapping, CPU access and user/kernel
 * mappings for heaps whose buffers are a list of page chunks.
 *
 * Each attachment gets its own copy of the buffer's sg_table, because
 * dma_map_sgtable() writes the device addresses into the table it maps.
 * begin/end_cpu_access sync only attachments that are mapped right now.
 * mmap maps each chunk with one remap_pfn_range() call (two for a chunk
 * that is the whole mapping), not page by page.
 * An uncached buffer's pages are write-combined wherever they are mapped,
 * and CPU access needs no cache maintenance.
 */

#define pr_fmt(fmt) "dma_heap_helpers: " fmt

#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/iosys-map.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "../include/dmaheap/compat.h"
#include "../include/dmaheap/dma-heap.h"
#include "../include/dmaheap/sg-buffer.h"

struct dma_heap_sg_attachment {
	struct device *dev;
	struct sg_table table;
	struct list_head list;
	bool mapped;
};

/**
 * dma_heap_sg_buffer_init - initialise the shared part of a heap buffer
 * @buffer:  the buffer, its @table not yet filled
 * @heap:    the heap it belongs to
 * @len:     its size in bytes
 * @release: frees the heap's pages and the buffer once the dma-buf is gone;
 *           it calls dma_heap_sg_buffer_destroy()
 */
void dma_heap_sg_buffer_init(struct dma_heap_sg_buffer *buffer,
			     struct dmaheap *heap, size_t len,
			     void (*release)(struct dma_heap_sg_buffer *buffer))
{
	buffer->heap = heap;
	buffer->len = len;
	buffer->release = release;
	mutex_init(&buffer->lock);
	INIT_LIST_HEAD(&buffer->attachments);
	buffer->vmap_cnt = 0;
	buffer->vaddr = NULL;
	buffer->exported = false;
	buffer->uncached = false;
}
EXPORT_SYMBOL_NS_GPL(dma_heap_sg_buffer_init, DMAHEAP_NS(DMAHEAP));

/**
 * dma_heap_sg_buffer_destroy - tear down what dma_heap_sg_buffer_init() and
 * dma_heap_sg_buffer_export() set up
 * @buffer: the buffer; the heap frees its pages and the buffer itself
 *
 * Heaps call it from their dma_buf release, or on their allocation error path.
 */
void dma_heap_sg_buffer_destroy(struct dma_heap_sg_buffer *buffer)
{
	if (buffer->exported)
		dmaheap_stats_buffer_released(buffer->heap, buffer->len);
	WARN_ON(buffer->vmap_cnt);
	WARN_ON(!list_empty(&buffer->attachments));
	mutex_destroy(&buffer->lock);
}
EXPORT_SYMBOL_NS_GPL(dma_heap_sg_buffer_destroy, DMAHEAP_NS(DMAHEAP));

/*
 * The attachment's copy of the table, with no segment longer than the device
 * says it can take (dma_get_max_seg_size(): 64 KiB unless the driver sets
 * dma_parms), so a 1 MiB chunk reaches such a device as sixteen segments.
 */
static int dma_heap_sg_dup_table(struct sg_table *from, struct sg_table *to,
				 struct device *dev)
{
	unsigned int max_seg = max_t(unsigned int, PAGE_SIZE,
				     rounddown(dma_get_max_seg_size(dev),
					       PAGE_SIZE));
	struct scatterlist *src, *dst;
	unsigned int nents = 0;
	int ret, i;

	/* Not DIV_ROUND_UP(): a device may take segments of up to 4 GiB - 1. */
	for_each_sgtable_sg(from, src, i)
		nents += src->length / max_seg + !!(src->length % max_seg);

	ret = sg_alloc_table(to, nents, GFP_KERNEL);
	if (ret)
		return ret;
	dst = to->sgl;
	for_each_sgtable_sg(from, src, i) {
		unsigned int done = 0;

		while (done < src->length) {
			unsigned int len = min(max_seg, src->length - done);

			sg_set_page(dst,
				    dmaheap_nth_page(sg_page(src), done >> PAGE_SHIFT),
				    len, 0);
			done += len;
			dst = sg_next(dst);
		}
	}
	return 0;
}

static int dma_heap_sg_attach(struct dma_buf *dmabuf,
			      struct dma_buf_attachment *attachment)
{
	struct dma_heap_sg_buffer *buffer = dmabuf->priv;
	struct dma_heap_sg_attachment *a;
	int ret;

	a = kzalloc_obj(*a);
	if (!a)
		return -ENOMEM;
	ret = dma_heap_sg_dup_table(&buffer->table, &a->table,
				    attachment->dev);
	if (ret) {
		kfree(a);
		return ret;
	}
	a->dev = attachment->dev;
	INIT_LIST_HEAD(&a->list);
	attachment->priv = a;

	mutex_lock(&buffer->lock);
	list_add(&a->list, &buffer->attachments);
	mutex_unlock(&buffer->lock);
	return 0;
}

static void dma_heap_sg_detach(struct dma_buf *dmabuf,
			       struct dma_buf_attachment *attachment)
{
	struct dma_heap_sg_buffer *buffer = dmabuf->priv;
	struct dma_heap_sg_attachment *a = attachment->priv;

	mutex_lock(&buffer->lock);
	list_del(&a->list);
	mutex_unlock(&buffer->lock);
	sg_free_table(&a->table);
	kfree(a);
}

/* Uncached pages have nothing in CPU caches: devices need no sync for them. */
static unsigned long dma_heap_sg_map_attrs(struct dma_buf *dmabuf)
{
	struct dma_heap_sg_buffer *buffer = dmabuf->priv;

	return buffer->uncached ? DMA_ATTR_SKIP_CPU_SYNC : 0;
}

static struct sg_table *
dma_heap_sg_map(struct dma_buf_attachment *attachment,
		enum dma_data_direction direction)
{
	struct dma_heap_sg_attachment *a = attachment->priv;
	int ret;

	ret = dma_map_sgtable(attachment->dev, &a->table, direction,
			      dma_heap_sg_map_attrs(attachment->dmabuf));
	if (ret)
		return ERR_PTR(ret);
	a->mapped = true;
	return &a->table;
}

static void dma_heap_sg_unmap(struct dma_buf_attachment *attachment,
			      struct sg_table *table,
			      enum dma_data_direction direction)
{
	struct dma_heap_sg_attachment *a = attachment->priv;

	a->mapped = false;
	dma_unmap_sgtable(attachment->dev, table, direction,
			  dma_heap_sg_map_attrs(attachment->dmabuf));
}

static int dma_heap_sg_begin_cpu_access(struct dma_buf *dmabuf,
					enum dma_data_direction direction)
{
	struct dma_heap_sg_buffer *buffer = dmabuf->priv;
	struct dma_heap_sg_attachment *a;

	if (buffer->uncached)
		return 0;
	mutex_lock(&buffer->lock);
	if (buffer->vmap_cnt)
		invalidate_kernel_vmap_range(buffer->vaddr, buffer->len);
	list_for_each_entry(a, &buffer->attachments, list) {
		if (a->mapped)
			dma_sync_sgtable_for_cpu(a->dev, &a->table, direction);
	}
	mutex_unlock(&buffer->lock);
	return 0;
}

static int dma_heap_sg_end_cpu_access(struct dma_buf *dmabuf,
				      enum dma_data_direction direction)
{
	struct dma_heap_sg_buffer *buffer = dmabuf->priv;
	struct dma_heap_sg_attachment *a;

	if (buffer->uncached)
		return 0;
	mutex_lock(&buffer->lock);
	if (buffer->vmap_cnt)
		flush_kernel_vmap_range(buffer->vaddr, buffer->len);
	list_for_each_entry(a, &buffer->attachments, list) {
		if (a->mapped)
			dma_sync_sgtable_for_device(a->dev, &a->table,
						    direction);
	}
	mutex_unlock(&buffer->lock);
	return 0;
}

/*
 * dma_buf_mmap_internal() has already refused a range past the end of the
 * buffer. A private mapping would need copy-on-write of pages that devices
 * share, so, as with mainline's heaps in practice, only shared mappings work.
 */
static int dma_heap_sg_mmap(struct dma_buf *dmabuf,
			    struct vm_area_struct *vma)
{
	struct dma_heap_sg_buffer *buffer = dmabuf->priv;
	unsigned long addr = vma->vm_start;
	unsigned long skip = vma->vm_pgoff;
	struct scatterlist *sg;
	int i, ret;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	/* Never a cached alias of write-combined pages. */
	if (buffer->uncached)
		vma->vm_page_prot = pgprot_writecombine(vma->vm_page_prot);

	for_each_sgtable_sg(&buffer->table, sg, i) {
		unsigned long npages = sg->length >> PAGE_SHIFT;
		unsigned long size;

		if (skip >= npages) {
			skip -= npages;
			continue;
		}
		size = min((npages - skip) << PAGE_SHIFT, vma->vm_end - addr);
		/*
		 * One call that covers the whole VMA makes x86 PAT track the
		 * range as the VMA's (VM_PAT); if a page table cannot be
		 * allocated midway, kernels before the PAT rework (6.1, 6.12)
		 * WARN while undoing it (untrack_pfn() finds nothing mapped).
		 * Two calls track nothing: the pages' own memory type applies.
		 */
		if (addr == vma->vm_start && size == vma->vm_end - vma->vm_start &&
		    size > PAGE_SIZE) {
			ret = remap_pfn_range(vma, addr,
					      page_to_pfn(sg_page(sg)) + skip,
					      PAGE_SIZE, vma->vm_page_prot);
			if (ret)
				return ret;
			addr += PAGE_SIZE;
			size -= PAGE_SIZE;
			skip++;
		}
		ret = remap_pfn_range(vma, addr, page_to_pfn(sg_page(sg)) + skip,
				      size, vma->vm_page_prot);
		if (ret)
			return ret;
		addr += size;
		skip = 0;
		if (addr >= vma->vm_end)
			break;
	}
	return 0;
}

static void *dma_heap_sg_do_vmap(struct dma_heap_sg_buffer *buffer)
{
	unsigned long npages = PAGE_ALIGN(buffer->len) >> PAGE_SHIFT;
	struct sg_page_iter piter;
	struct page **pages, **p;
	void *vaddr;

	pages = kvmalloc_array(npages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return ERR_PTR(-ENOMEM);
	p = pages;
	for_each_sgtable_page(&buffer->table, &piter, 0) {
		WARN_ON(p - pages >= npages);
		*p++ = sg_page_iter_page(&piter);
	}
	vaddr = vmap(pages, npages, VM_MAP, buffer->uncached ?
		     pgprot_writecombine(PAGE_KERNEL) : PAGE_KERNEL);
	kvfree(pages);
	return vaddr ? vaddr : ERR_PTR(-ENOMEM);
}

static int dma_heap_sg_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct dma_heap_sg_buffer *buffer = dmabuf->priv;
	void *vaddr;
	int ret = 0;

	mutex_lock(&buffer->lock);
	if (buffer->vmap_cnt) {
		buffer->vmap_cnt++;
		iosys_map_set_vaddr(map, buffer->vaddr);
		goto out;
	}
	vaddr = dma_heap_sg_do_vmap(buffer);
	if (IS_ERR(vaddr)) {
		ret = PTR_ERR(vaddr);
		goto out;
	}
	buffer->vaddr = vaddr;
	buffer->vmap_cnt++;
	iosys_map_set_vaddr(map, buffer->vaddr);
out:
	mutex_unlock(&buffer->lock);
	return ret;
}

static void dma_heap_sg_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct dma_heap_sg_buffer *buffer = dmabuf->priv;

	mutex_lock(&buffer->lock);
	if (!--buffer->vmap_cnt) {
		vunmap(buffer->vaddr);
		buffer->vaddr = NULL;
	}
	mutex_unlock(&buffer->lock);
	iosys_map_clear(map);
}

/* dma-buf calls it once the last reference to the file is gone. */
static void dma_heap_sg_release(struct dma_buf *dmabuf)
{
	struct dma_heap_sg_buffer *buffer = dmabuf->priv;

	buffer->release(buffer);
}

static const struct dma_buf_ops dma_heap_sg_buffer_ops = {
	.attach = dma_heap_sg_attach,
	.detach = dma_heap_sg_detach,
	.map_dma_buf = dma_heap_sg_map,
	.unmap_dma_buf = dma_heap_sg_unmap,
	.begin_cpu_access = dma_heap_sg_begin_cpu_access,
	.end_cpu_access = dma_heap_sg_end_cpu_access,
	.mmap = dma_heap_sg_mmap,
	.vmap = dma_heap_sg_vmap,
	.vunmap = dma_heap_sg_vunmap,
	.release = dma_heap_sg_release,
};

/**
 * __dma_heap_sg_buffer_export - export a filled buffer as a dma-buf
 * @buffer:   the buffer, @table filled
 * @fd_flags: the allocation's fd flags, which set the file mode
 * @owner:    the heap's module, pinned as long as the dma-buf lives
 *
 * Heaps call it as dma_heap_sg_buffer_export(), which passes THIS_MODULE.
 * The dma-buf is named after the heap, so /proc/PID/fdinfo and
 * /sys/kernel/debug/dma_buf/bufinfo say where a buffer came from. On success
 * the heap's statistics count it.
 *
 * Return: the dma-buf, or an ERR_PTR.
 */
struct dma_buf *__dma_heap_sg_buffer_export(struct dma_heap_sg_buffer *buffer,
					    unsigned long fd_flags,
					    struct module *owner)
{
	struct dma_buf_export_info exp_info = {
		.exp_name = dmaheap_get_name(buffer->heap),
		.owner = owner,
		.ops = &dma_heap_sg_buffer_ops,
		.size = buffer->len,
		.flags = fd_flags,
		.priv = buffer,
	};
	struct dma_buf *dmabuf;

	dmabuf = dma_buf_export(&exp_info);
	if (!IS_ERR(dmabuf)) {
		buffer->exported = true;
		dmaheap_stats_buffer_created(buffer->heap, buffer->len);
	}
	return dmabuf;
}
EXPORT_SYMBOL_NS_GPL(__dma_heap_sg_buffer_export, DMAHEAP_NS(DMAHEAP));

MODULE_DESCRIPTION("DMA-BUF heap helpers: sg-table buffers");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMAHEAP_NS(DMA_BUF));
MODULE_IMPORT_NS(DMAHEAP_NS(DMAHEAP));
