/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmaheap: the in-kernel interface between dmaheap's heap modules and the
 * module that gives them a node, /dev/dma_heap/<name>.
 *
 * It follows mainline's include/linux/dma-heap.h, under its own names (a
 * kernel with a built-in core exports mainline's), plus what out-of-tree
 * heap modules need and mainline lacks: an owner (so an open heap node pins
 * its module), heap removal, extra sysfs attributes and statistics.
 *
 * Which module serves it depends on the kernel (kernel/select.mk):
 *   dmaheap_core       the kernel has no dma-heap core: this one is the core
 *   dmaheap_registrar  the kernel has a core: heaps are registered through
 *                      its exported dma_heap_add(), or, where it exports
 *                      none, get nodes of dmaheap's own in /dev/dma_heap/
 * The heap modules are the same in all three cases.
 */
#ifndef _DMAHEAP_DMA_HEAP_H
#define _DMAHEAP_DMA_HEAP_H

#include <linux/types.h>

struct attribute_group;
struct dma_buf;
struct dmaheap;
struct device;
struct module;

/**
 * struct dmaheap_ops - what a heap implements
 * @allocate: return a new dma-buf of @len bytes (already page aligned, never
 *            0); @fd_flags and @heap_flags are the validated ioctl arguments.
 *            Returns an ERR_PTR on failure.
 */
struct dmaheap_ops {
	struct dma_buf *(*allocate)(struct dmaheap *heap, unsigned long len,
				    u32 fd_flags, u64 heap_flags);
};

/**
 * struct dmaheap_properties - what a heap promises about every buffer
 * @contiguous:    each buffer is one physically contiguous range
 * @uncached:      CPU mappings are write-combined, not cached
 * @no_cpu_access: no CPU mapping at all: mmap, vmap and CPU access fail
 * @max_address:   the highest physical address any byte of a buffer may
 *                 have; 0 for no limit
 *
 * Published read-only in the heap's sysfs directory as "contiguous",
 * "cached", "cpu_access" (0 or 1) and "max_address" (hexadecimal, all ones
 * for no limit), where libdmaheap reads them.
 */
struct dmaheap_properties {
	bool contiguous;
	bool uncached;
	bool no_cpu_access;
	u64 max_address;
};

/**
 * struct dmaheap_export_info - describes a heap to dmaheap_add()
 * @name:   node name under /dev/dma_heap/ and the exporter name of its buffers
 * @ops:    the heap's operations
 * @priv:   the heap's private data, see dmaheap_get_drvdata()
 * @owner:  the module implementing @ops (THIS_MODULE); pinned while the
 *          heap's node is open, and for good where the kernel's core owns
 *          the node (it cannot remove heaps). So a module's init must not
 *          fail once it has added a heap: add it last, or skip what fails.
 * @groups: optional NULL-terminated sysfs attribute groups added to the heap's
 *          device, /sys/class/dma_heap/<name>/ (/sys/class/dmaheap/<name>/
 *          beside a kernel's own core)
 * @props:  what every buffer of the heap is; the zero value describes an
 *          ordinary cached, CPU-accessible heap with no address limit
 */
struct dmaheap_export_info {
	const char *name;
	const struct dmaheap_ops *ops;
	void *priv;
	struct module *owner;
	const struct attribute_group **groups;
	struct dmaheap_properties props;
};

struct dmaheap *dmaheap_add(const struct dmaheap_export_info *exp_info);
void dmaheap_remove(struct dmaheap *heap);
void *dmaheap_get_drvdata(struct dmaheap *heap);
const char *dmaheap_get_name(struct dmaheap *heap);
struct device *dmaheap_get_dev(struct dmaheap *heap);

void dmaheap_stats_buffer_created(struct dmaheap *heap, size_t len);
void dmaheap_stats_buffer_released(struct dmaheap *heap, size_t len);

bool dmaheap_mem_accounting(void);

#endif /* _DMAHEAP_DMA_HEAP_H */
