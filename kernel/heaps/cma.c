// SPDX-License-Identifier: GPL-2.0
/*
 * The CMA heap: physically contiguous buffers, for devices without an IOMMU
 * (cameras, display controllers, codecs on many boards).
 *
 * The heap is "default_cma_region", mainline's name since 6.17. Older kernels
 * called it "reserved" or "linux,cma", and libcamera, Kodi and vendor stacks
 * still look for those: the aliases parameter registers them too, each a node
 * for the same memory, e.g. aliases="linux,cma;reserved". On a device-tree
 * board whose default CMA area is a reserved-memory node (compatible
 * "shared-dma-pool", reusable, linux,cma-default), the heap is also named
 * after that node, as the kernel's own CMA heap names it before 6.17: the
 * name the board gives it, usually "linux,cma".
 *
 * Linux 6.1 does not export cma_alloc() to modules, so this heap allocates
 * through the DMA API with dma_alloc_pages() on a device of its own without
 * an IOMMU: dma-direct takes the pages from the default CMA area (falling
 * back to the page allocator only for what fits in one high-order block),
 * and zeroes them.
 */

#define pr_fmt(fmt) "cma_heap: " fmt

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../include/dmaheap/compat.h"
#include "../include/dmaheap/dma-heap.h"
#include "../include/dmaheap/sg-buffer.h"

#define CMA_HEAP_MAX_NAMES 5

static char *aliases = "";
module_param(aliases, charp, 0444);
MODULE_PARM_DESC(aliases,
		 "more heap names for the same memory, separated by ';' (e.g. \"linux,cma;reserved\")");

struct cma_heap_buffer {
	struct dma_heap_sg_buffer sg;
	struct page *pages;
	dma_addr_t dma_addr;
};

static struct platform_device *cma_heap_pdev;
static struct dmaheap *cma_heaps[CMA_HEAP_MAX_NAMES];

static void cma_heap_release(struct dma_heap_sg_buffer *sg)
{
	struct cma_heap_buffer *buffer =
		container_of(sg, struct cma_heap_buffer, sg);

	dma_free_pages(&cma_heap_pdev->dev, buffer->sg.len, buffer->pages,
		       buffer->dma_addr, DMA_TO_DEVICE);
	sg_free_table(&buffer->sg.table);
	dma_heap_sg_buffer_destroy(&buffer->sg);
	kfree(buffer);
}

static struct dma_buf *cma_heap_allocate(struct dmaheap *heap,
					 unsigned long len,
					 u32 fd_flags, u64 heap_flags)
{
	struct device *dev = &cma_heap_pdev->dev;
	struct cma_heap_buffer *buffer;
	struct dma_buf *dmabuf;
	int ret;

	/* One sg entry holds the buffer: its length is an unsigned int. */
	if (len > UINT_MAX || len >> PAGE_SHIFT > totalram_pages())
		return ERR_PTR(-ENOMEM);

	buffer = kzalloc_obj(*buffer);
	if (!buffer)
		return ERR_PTR(-ENOMEM);
	dma_heap_sg_buffer_init(&buffer->sg, heap, len, cma_heap_release);

	/*
	 * The heap's own device never touches the memory: DMA_TO_DEVICE keeps
	 * the DMA API debug layer from tracking it as a device write that
	 * later mappings by real importers would overlap.
	 */
	buffer->pages = dma_alloc_pages(dev, len, &buffer->dma_addr,
					DMA_TO_DEVICE,
					GFP_KERNEL | __GFP_NOWARN);
	if (!buffer->pages) {
		ret = -ENOMEM;
		goto err_free_buffer;
	}
	/* Not a mapping that can fail, but the DMA API debug layer wants it asked. */
	WARN_ON(dma_mapping_error(dev, buffer->dma_addr));

	ret = sg_alloc_table(&buffer->sg.table, 1, GFP_KERNEL);
	if (ret)
		goto err_free_pages;
	sg_set_page(buffer->sg.table.sgl, buffer->pages, len, 0);

	dmabuf = dma_heap_sg_buffer_export(&buffer->sg, fd_flags);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		goto err_free_table;
	}
	return dmabuf;

err_free_table:
	sg_free_table(&buffer->sg.table);
err_free_pages:
	dma_free_pages(dev, len, buffer->pages, buffer->dma_addr,
		       DMA_TO_DEVICE);
err_free_buffer:
	dma_heap_sg_buffer_destroy(&buffer->sg);
	kfree(buffer);
	return ERR_PTR(ret);
}

static const struct dmaheap_ops cma_heap_ops = {
	.allocate = cma_heap_allocate,
};

static void cma_heap_remove_all(void)
{
	int i;

	for (i = CMA_HEAP_MAX_NAMES - 1; i >= 0; i--) {
		if (cma_heaps[i])
			dmaheap_remove(cma_heaps[i]);
		cma_heaps[i] = NULL;
	}
}

static int cma_heap_add(int slot, const char *name)
{
	struct dmaheap_export_info exp_info = {
		.name = name,
		.ops = &cma_heap_ops,
		.owner = THIS_MODULE,
		/*
		 * Where the CMA area lies is the command line's or the device
		 * tree's business, so no address limit is promised.
		 */
		.props = { .contiguous = true },
	};
	struct dmaheap *heap;

	if (slot >= CMA_HEAP_MAX_NAMES) {
		pr_err("too many names, %s ignored (at most %d)\n", name,
		       CMA_HEAP_MAX_NAMES);
		return -E2BIG;
	}
	heap = dmaheap_add(&exp_info);
	if (IS_ERR(heap))
		return PTR_ERR(heap);
	cma_heaps[slot] = heap;
	return 0;
}

/*
 * The name of the device tree's default CMA area (kfree() it), or NULL: the
 * full name of the /reserved-memory node that declares it, unit address
 * included, which is the name Linux gives the area.
 */
static char *cma_heap_board_name(void)
{
	struct device_node *rmem, *np;
	char *name = NULL;

	rmem = of_find_node_by_path("/reserved-memory");
	if (!rmem)
		return NULL;
	for_each_available_child_of_node(rmem, np) {
		if (of_device_is_compatible(np, "shared-dma-pool") &&
		    of_property_read_bool(np, "reusable") &&
		    of_property_read_bool(np, "linux,cma-default")) {
			name = kstrdup(kbasename(of_node_full_name(np)),
				       GFP_KERNEL);
			of_node_put(np);
			break;
		}
	}
	of_node_put(rmem);
	return name;
}

/* Whether @name is one of the ';'-separated names of @list. */
static bool cma_heap_listed(const char *list, const char *name)
{
	size_t len = strlen(name);
	const char *p = list;

	while ((p = strstr(p, name)) != NULL) {
		if ((p == list || p[-1] == ';') &&
		    (p[len] == '\0' || p[len] == ';'))
			return true;
		p += len;
	}
	return false;
}

/*
 * Nothing fails after the first heap is added: beside a kernel core that
 * exports dma_heap_add() a registered heap can never be removed, so a
 * failing init would leave a node calling into a freed module. An alias that
 * cannot be added (a name taken, too many) is logged and skipped; the other
 * names still work.
 */
static int __init cma_heap_init(void)
{
	char *names, *cursor, *name, *board;
	int slot = 0, ret;

	cma_heap_pdev = platform_device_register_simple("dma_heap_cma",
							PLATFORM_DEVID_NONE,
							NULL, 0);
	if (IS_ERR(cma_heap_pdev))
		return PTR_ERR(cma_heap_pdev);
	ret = dma_coerce_mask_and_coherent(&cma_heap_pdev->dev,
					   DMA_BIT_MASK(64));
	if (ret)
		goto err_pdev;

	names = kstrdup(aliases ? aliases : "", GFP_KERNEL);
	if (!names) {
		ret = -ENOMEM;
		goto err_pdev;
	}
	ret = cma_heap_add(slot, "default_cma_region");
	if (ret) {
		kfree(names);
		goto err_pdev;
	}
	slot++;

	board = cma_heap_board_name();
	if (board && !cma_heap_listed(names, board)) {
		ret = cma_heap_add(slot, board);
		if (ret)
			pr_err("the device tree's name %s not added (%d); the other names work\n",
			       board, ret);
		else
			slot++;
	}
	kfree(board);

	cursor = names;
	while ((name = strsep(&cursor, ";")) != NULL) {
		name = strim(name);
		if (!*name)
			continue;
		ret = cma_heap_add(slot, name);
		if (ret)
			pr_err("alias %s not added (%d); the other names work\n",
			       name, ret);
		else
			slot++;
	}
	kfree(names);
	return 0;

err_pdev:
	platform_device_unregister(cma_heap_pdev);
	return ret;
}

static void __exit cma_heap_exit(void)
{
	cma_heap_remove_all();
	platform_device_unregister(cma_heap_pdev);
}

module_init(cma_heap_init);
module_exit(cma_heap_exit);
MODULE_DESCRIPTION("DMA-BUF CMA heap: physically contiguous buffers");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMAHEAP_NS(DMA_BUF));
MODULE_IMPORT_NS(DMAHEAP_NS(DMAHEAP));
