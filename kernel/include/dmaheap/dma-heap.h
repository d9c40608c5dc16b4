/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmaheap: the in-kernel interface between the dma-heap core and heap modules.
 *
 * It follows mainline's include/linux/dma-heap.h, plus what out-of-tree heap
 * modules need and mainline lacks: an owner (so an open heap node pins its
 * module), heap removal, extra sysfs attributes, and per-heap statistics.
 */
#ifndef _DMAHEAP_DMA_HEAP_H
#define _DMAHEAP_DMA_HEAP_H

#include <linux/types.h>

struct attribute_group;
struct dma_buf;
struct dma_heap;
struct device;
struct module;

/**
 * struct dma_heap_ops - what a heap implements
 * @allocate: return a new dma-buf of @len bytes (already page aligned, never
 *            0); @fd_flags and @heap_flags are the validated ioctl arguments.
 *            Returns an ERR_PTR on failure.
 */
struct dma_heap_ops {
	struct dma_buf *(*allocate)(struct dma_heap *heap, unsigned long len,
				    unsigned long fd_flags,
				    unsigned long heap_flags);
};

/**
 * struct dma_heap_export_info - describes a heap to dma_heap_add()
 * @name:   node name under /dev/dma_heap/ and the exporter name of its buffers
 * @ops:    the heap's operations
 * @priv:   the heap's private data, see dma_heap_get_drvdata()
 * @owner:  the module implementing @ops (THIS_MODULE); pinned while the
 *          heap's node is open
 * @groups: optional NULL-terminated sysfs attribute groups added to the heap's
 *          device, /sys/class/dma_heap/<name>/
 */
struct dma_heap_export_info {
	const char *name;
	const struct dma_heap_ops *ops;
	void *priv;
	struct module *owner;
	const struct attribute_group **groups;
};

struct dma_heap *dma_heap_add(const struct dma_heap_export_info *exp_info);
void dma_heap_remove(struct dma_heap *heap);
void *dma_heap_get_drvdata(struct dma_heap *heap);
const char *dma_heap_get_name(struct dma_heap *heap);
struct device *dma_heap_get_dev(struct dma_heap *heap);

void dma_heap_stats_buffer_created(struct dma_heap *heap, size_t len);
void dma_heap_stats_buffer_released(struct dma_heap *heap, size_t len);

#endif /* _DMAHEAP_DMA_HEAP_H */
