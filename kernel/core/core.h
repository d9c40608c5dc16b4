/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmaheap core internals: the registry (core/dma-heap.c) and the two ways a
 * registered heap gets its node, chosen by kernel/select.mk at build time:
 *
 *   core/node-chrdev.c  a character device per heap, /dev/dma_heap/<name>,
 *                       with mainline's ioctl: the whole core on kernels
 *                       without one (class "dma_heap"), or a registrar of
 *                       dmaheap's own beside a kernel's core that exports no
 *                       dma_heap_add() (class "dmaheap", same directory)
 *   core/node-kernel.c  the kernel's own dma_heap_add() makes the node; the
 *                       heap's sysfs directory is a device of class "dmaheap"
 */
#ifndef _DMAHEAP_CORE_CORE_H
#define _DMAHEAP_CORE_CORE_H

#include <linux/cdev.h>
#include <linux/list.h>
#include <linux/types.h>

#include "../include/dmaheap/dma-heap.h"
#include "stats.h"

struct dma_buf;
struct dma_heap;

/*
 * DMAHEAP_BESIDE_KERNEL_CORE (set by Kbuild): the kernel has its own
 * dma-heap core, so dmaheap's heaps must not take a name it already has,
 * and their sysfs directories live in class "dmaheap".
 */
#ifdef DMAHEAP_BESIDE_KERNEL_CORE
#define DMAHEAP_CLASS_NAME "dmaheap"
#else
#define DMAHEAP_CLASS_NAME "dma_heap"
#endif

/**
 * struct dmaheap - a registered heap
 * @name:   the heap's name (owned copy)
 * @ops:    the heap's operations
 * @priv:   the heap's private data
 * @owner:  the heap's module
 * @list:   entry in the registry
 * @dev:    the heap's class device, /sys/class/DMAHEAP_CLASS_NAME/<name>
 * @groups: sysfs groups of @dev: properties, statistics, then the heap's own
 * @props:  what the heap promises about its buffers
 * @stats:  allocation statistics
 * @devt:   the node's device number (node-chrdev.c)
 * @cdev:   the node's character device; its owner is @owner (node-chrdev.c)
 * @kheap:  the kernel's heap that serves the node (node-kernel.c)
 */
struct dmaheap {
	const char *name;
	const struct dmaheap_ops *ops;
	void *priv;
	struct module *owner;
	struct list_head list;
	struct device *dev;
	const struct attribute_group **groups;
	struct dmaheap_properties props;
	struct dma_heap_stats stats;
	dev_t devt;
	struct cdev cdev;
	struct dma_heap *kheap;
};

/* Node backends: called with the registry lock held, except init/exit. */
int dmaheap_nodes_init(void);
void dmaheap_nodes_exit(void);
int dmaheap_node_add(struct dmaheap *heap, struct class *class);
void dmaheap_node_remove(struct dmaheap *heap, struct class *class);
/* Whether heaps registered by this backend can ever be removed. */
extern const bool dmaheap_nodes_removable;
/* Whether the kernel's own core asks heaps to charge memory cgroups. */
bool dmaheap_node_mem_accounting(void);

/* Asks @heap for a buffer; counts failures. @len is not yet aligned. */
struct dma_buf *dmaheap_allocate(struct dmaheap *heap, unsigned long len,
				 u32 fd_flags, u64 heap_flags);

#endif /* _DMAHEAP_CORE_CORE_H */
