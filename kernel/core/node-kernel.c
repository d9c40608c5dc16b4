// SPDX-License-Identifier: GPL-2.0
/*
 * Heap nodes made by the kernel's own dma-heap core, through the
 * dma_heap_add() it exports in the DMA_BUF_HEAP namespace (mainline since
 * 6.18): /dev/dma_heap/<name>, its ioctl and its fds are the kernel's, and
 * the kernel's heap forwards each allocation to the dmaheap heap behind it.
 * The heap's statistics and attributes go to a device of class "dmaheap"
 * without a node, /sys/class/dmaheap/<name>/.
 *
 * The kernel's core never removes a heap, so these heaps stay until reboot
 * and their modules are pinned (core/dma-heap.c).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/err.h>
#include <linux/module.h>

#include "../include/dmaheap/compat.h"
#include "../include/dmaheap/dma-heap.h"
#include "core.h"

const bool dmaheap_nodes_removable;

static struct dma_buf *dmaheap_kernel_allocate(struct dma_heap *kheap,
					       unsigned long len, u32 fd_flags,
					       u64 heap_flags)
{
	return dmaheap_allocate(dma_heap_get_drvdata(kheap), len, fd_flags,
				heap_flags);
}

static const struct dma_heap_ops dmaheap_kernel_ops = {
	.allocate = dmaheap_kernel_allocate,
};

int dmaheap_node_add(struct dmaheap *heap, struct class *class)
{
	struct dma_heap_export_info exp_info = {
		.name = heap->name,
		.ops = &dmaheap_kernel_ops,
		.priv = heap,
	};
	struct device *dev;

	dev = device_create_with_groups(class, NULL, MKDEV(0, 0), heap,
					heap->groups, "%s", heap->name);
	if (IS_ERR(dev)) {
		pr_err("device_create for heap %s failed: %ld\n", heap->name,
		       PTR_ERR(dev));
		return PTR_ERR(dev);
	}
	heap->dev = dev;

	heap->kheap = dma_heap_add(&exp_info);
	if (IS_ERR(heap->kheap)) {
		pr_err("the kernel's dma_heap_add refused heap %s: %ld\n",
		       heap->name, PTR_ERR(heap->kheap));
		device_unregister(dev);
		heap->dev = NULL;
		return PTR_ERR(heap->kheap);
	}
	return 0;
}

void dmaheap_node_remove(struct dmaheap *heap, struct class *class)
{
	/* Never called: dmaheap_remove() refuses first. */
}

/*
 * Mainline's core has a mem_accounting switch of its own since 7.0 (Kbuild
 * defines DMAHEAP_KERNEL_MEM_ACCOUNTING where the kernel exports it).
 */
bool dmaheap_node_mem_accounting(void)
{
#ifdef DMAHEAP_KERNEL_MEM_ACCOUNTING
	return READ_ONCE(mem_accounting);
#else
	return false;
#endif
}

int dmaheap_nodes_init(void)
{
	return 0;
}

void dmaheap_nodes_exit(void)
{
}

MODULE_IMPORT_NS(DMAHEAP_NS(DMA_BUF_HEAP));
