// SPDX-License-Identifier: GPL-2.0
/*
 * dmaheap core: the registry of dmaheap's heaps. A heap module calls
 * dmaheap_add(); the registry checks the name, gives the heap its sysfs
 * directory with statistics, and asks the node backend (core/core.h) for
 * /dev/dma_heap/<name>. Everything about a buffer (export, mapping,
 * release) belongs to the heap; the core only dispatches.
 *
 * Heaps live in modules, so lifetimes are pinned explicitly: an open heap
 * node and every buffer hold the heap's module, so dmaheap_remove() runs
 * only from a module exit when neither exists. Where the kernel's own core
 * owns the nodes it can never remove one, and the heap's module stays
 * pinned for good: unloading it is refused.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/dma-buf.h>
#include <linux/err.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../include/dmaheap/compat.h"
#include "../include/dmaheap/dma-heap.h"
#include "core.h"

static LIST_HEAD(heap_list);
static DEFINE_MUTEX(heap_list_lock);
static struct class *dmaheap_class;

struct dma_heap_stats *dma_heap_stats_of(struct dmaheap *heap)
{
	return &heap->stats;
}

struct dma_buf *dmaheap_allocate(struct dmaheap *heap, unsigned long len,
				 u32 fd_flags, u64 heap_flags)
{
	struct dma_buf *dmabuf;

	/* Allocations from all heaps begin and end on page boundaries. */
	len = PAGE_ALIGN(len);
	if (!len)
		return ERR_PTR(-EINVAL);

	dmabuf = heap->ops->allocate(heap, len, fd_flags, heap_flags);
	if (IS_ERR(dmabuf))
		dma_heap_stats_failed(&heap->stats);
	return dmabuf;
}

/**
 * dmaheap_get_drvdata - get a heap's private data
 * @heap: the heap
 *
 * Return: the @priv given to dmaheap_add().
 */
void *dmaheap_get_drvdata(struct dmaheap *heap)
{
	return heap->priv;
}
EXPORT_SYMBOL_NS_GPL(dmaheap_get_drvdata, DMAHEAP_NS(DMAHEAP));

/**
 * dmaheap_get_name - get a heap's name
 * @heap: the heap
 *
 * The string lives as long as the heap, so it may serve as the exporter name
 * of the heap's dma-bufs (which pin the heap's module).
 *
 * Return: the heap's name.
 */
const char *dmaheap_get_name(struct dmaheap *heap)
{
	return heap->name;
}
EXPORT_SYMBOL_NS_GPL(dmaheap_get_name, DMAHEAP_NS(DMAHEAP));

/**
 * dmaheap_get_dev - get a heap's class device
 * @heap: the heap
 *
 * Return: the heap's sysfs directory as a struct device.
 */
struct device *dmaheap_get_dev(struct dmaheap *heap)
{
	return heap->dev;
}
EXPORT_SYMBOL_NS_GPL(dmaheap_get_dev, DMAHEAP_NS(DMAHEAP));

/**
 * dmaheap_stats_buffer_created - account a new buffer to its heap
 * @heap: the heap the buffer came from
 * @len:  the buffer's size in bytes
 *
 * Heaps call this once a buffer is exported, and
 * dmaheap_stats_buffer_released() with the same @len when it is freed.
 */
void dmaheap_stats_buffer_created(struct dmaheap *heap, size_t len)
{
	dma_heap_stats_add(&heap->stats, len);
}
EXPORT_SYMBOL_NS_GPL(dmaheap_stats_buffer_created, DMAHEAP_NS(DMAHEAP));

/**
 * dmaheap_stats_buffer_released - account a freed buffer to its heap
 * @heap: the heap the buffer came from
 * @len:  the buffer's size in bytes, as given when it was created
 */
void dmaheap_stats_buffer_released(struct dmaheap *heap, size_t len)
{
	dma_heap_stats_sub(&heap->stats, len);
}
EXPORT_SYMBOL_NS_GPL(dmaheap_stats_buffer_released, DMAHEAP_NS(DMAHEAP));

static bool mem_accounting;
module_param(mem_accounting, bool, 0644);
MODULE_PARM_DESC(mem_accounting,
		 "Charge heap buffers to the allocating task's memory cgroup (default: off, or the kernel's own dma_heap.mem_accounting)");

/**
 * dmaheap_mem_accounting - whether heaps charge their buffers to memory cgroups
 *
 * On when this module was loaded with mem_accounting=1, or when the kernel's
 * own dma-heap core has its mem_accounting switch (mainline, 7.0 and later)
 * on, so one switch covers every heap of the machine. Off by default, as in
 * mainline. Heaps then allocate with __GFP_ACCOUNT: the memory counts
 * against the allocating task's cgroup limit until the buffer is freed.
 * Unlike the kernel's, this switch may change at any time: each buffer stays
 * as it was allocated, charged or not, and is uncharged when freed.
 *
 * Return: true when heaps should charge their allocations.
 */
bool dmaheap_mem_accounting(void)
{
	return READ_ONCE(mem_accounting) || dmaheap_node_mem_accounting();
}
EXPORT_SYMBOL_NS_GPL(dmaheap_mem_accounting, DMAHEAP_NS(DMAHEAP));

/* The heap's properties, in its sysfs directory: see struct dmaheap_properties. */
static ssize_t contiguous_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct dmaheap *heap = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", heap->props.contiguous);
}
static DEVICE_ATTR_RO(contiguous);

static ssize_t cached_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct dmaheap *heap = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n",
			  !heap->props.uncached && !heap->props.no_cpu_access);
}
static DEVICE_ATTR_RO(cached);

static ssize_t cpu_access_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct dmaheap *heap = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", !heap->props.no_cpu_access);
}
static DEVICE_ATTR_RO(cpu_access);

static ssize_t max_address_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct dmaheap *heap = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%#llx\n", heap->props.max_address ?
			  heap->props.max_address : U64_MAX);
}
static DEVICE_ATTR_RO(max_address);

static struct attribute *dmaheap_props_attrs[] = {
	&dev_attr_contiguous.attr,
	&dev_attr_cached.attr,
	&dev_attr_cpu_access.attr,
	&dev_attr_max_address.attr,
	NULL,
};

static const struct attribute_group dmaheap_props_group = {
	.attrs = dmaheap_props_attrs,
};

static const struct attribute_group **
dmaheap_build_groups(const struct attribute_group **extra)
{
	const struct attribute_group **groups;
	int n = 0, i;

	while (extra && extra[n])
		n++;
	groups = kcalloc(n + 3, sizeof(*groups), GFP_KERNEL);
	if (!groups)
		return NULL;
	groups[0] = &dmaheap_props_group;
	groups[1] = &dma_heap_stats_group;
	for (i = 0; i < n; i++)
		groups[i + 2] = extra[i];
	return groups;
}

/*
 * Whether the kernel's own core has a heap of this name. Its registry is
 * private, but each of its heaps is a device of class dma_heap.
 */
static bool dmaheap_kernel_has(const char *name)
{
#ifdef DMAHEAP_BESIDE_KERNEL_CORE
	struct path path;
	char *p;
	int ret;

	p = kasprintf(GFP_KERNEL, "/sys/class/dma_heap/%s", name);
	if (!p)
		return false;
	ret = kern_path(p, 0, &path);
	kfree(p);
	if (ret)
		return false;
	path_put(&path);
	return true;
#else
	return false;
#endif
}

/**
 * dmaheap_add - register a heap and create /dev/dma_heap/<name>
 * @exp_info: the heap's name, operations, private data, owner and groups
 *
 * Return: the new heap, or an ERR_PTR: -EINVAL for a missing or unusable
 * name or operations, -EEXIST when the name is taken (by dmaheap or by the
 * kernel's own core), -ENOMEM or -EBUSY when out of memory or minors.
 */
struct dmaheap *dmaheap_add(const struct dmaheap_export_info *exp_info)
{
	struct dmaheap *heap, *h;
	int ret;

	if (!exp_info->name || !exp_info->name[0] ||
	    strchr(exp_info->name, '/')) {
		pr_err("a heap needs a name without '/'\n");
		return ERR_PTR(-EINVAL);
	}
	if (!exp_info->ops || !exp_info->ops->allocate) {
		pr_err("heap %s has no allocate operation\n", exp_info->name);
		return ERR_PTR(-EINVAL);
	}

	heap = kzalloc_obj(*heap);
	if (!heap)
		return ERR_PTR(-ENOMEM);
	heap->name = kstrdup(exp_info->name, GFP_KERNEL);
	heap->groups = dmaheap_build_groups(exp_info->groups);
	if (!heap->name || !heap->groups) {
		ret = -ENOMEM;
		goto err_free;
	}
	heap->ops = exp_info->ops;
	heap->priv = exp_info->priv;
	heap->owner = exp_info->owner;
	heap->props = exp_info->props;
	dma_heap_stats_init(&heap->stats);

	mutex_lock(&heap_list_lock);
	list_for_each_entry(h, &heap_list, list) {
		if (!strcmp(h->name, heap->name)) {
			pr_err("heap %s already exists\n", heap->name);
			ret = -EEXIST;
			goto err_unlock;
		}
	}
	if (dmaheap_kernel_has(heap->name)) {
		pr_err("heap %s already exists in the kernel's own dma-heap core: not added\n",
		       heap->name);
		ret = -EEXIST;
		goto err_unlock;
	}

	ret = dmaheap_node_add(heap, dmaheap_class);
	if (ret)
		goto err_unlock;
	list_add(&heap->list, &heap_list);
	mutex_unlock(&heap_list_lock);

	/*
	 * A node the kernel's core made stays until reboot, and calls into
	 * the heap's module: that module (and with it this one, which it
	 * links against) must never go.
	 */
	if (!dmaheap_nodes_removable && heap->owner)
		__module_get(heap->owner);
	return heap;

err_unlock:
	mutex_unlock(&heap_list_lock);
err_free:
	kfree(heap->groups);
	kfree(heap->name);
	kfree(heap);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_NS_GPL(dmaheap_add, DMAHEAP_NS(DMAHEAP));

/**
 * dmaheap_remove - unregister a heap and remove its node
 * @heap: a heap returned by dmaheap_add()
 *
 * Call it from the heap module's exit: by then no heap node is open and no
 * buffer of the heap exists, since both pin the module. Where the kernel's
 * core owns the node, the module is pinned for good and this never runs.
 */
void dmaheap_remove(struct dmaheap *heap)
{
	if (WARN(!dmaheap_nodes_removable,
		 "heap %s: the kernel's core cannot remove heaps\n",
		 heap->name))
		return;

	mutex_lock(&heap_list_lock);
	list_del(&heap->list);
	dmaheap_node_remove(heap, dmaheap_class);
	mutex_unlock(&heap_list_lock);

	WARN(dma_heap_stats_live_buffers(&heap->stats),
	     "heap %s removed with live buffers\n", heap->name);
	kfree(heap->groups);
	kfree(heap->name);
	kfree(heap);
}
EXPORT_SYMBOL_NS_GPL(dmaheap_remove, DMAHEAP_NS(DMAHEAP));

static char *dmaheap_devnode(dmaheap_devnode_device *dev, umode_t *mode)
{
	return kasprintf(GFP_KERNEL, "dma_heap/%s", dev_name(dev));
}

static int __init dmaheap_init(void)
{
	int ret;

	dmaheap_class = dmaheap_class_create(DMAHEAP_CLASS_NAME);
	if (IS_ERR(dmaheap_class)) {
		pr_err("cannot create class %s: %ld\n", DMAHEAP_CLASS_NAME,
		       PTR_ERR(dmaheap_class));
		return PTR_ERR(dmaheap_class);
	}
	dmaheap_class->devnode = dmaheap_devnode;

	ret = dmaheap_nodes_init();
	if (ret) {
		class_destroy(dmaheap_class);
		return ret;
	}
	return 0;
}

static void __exit dmaheap_exit(void)
{
	/* Heap modules depend on this one: all of them are gone by now. */
	dmaheap_nodes_exit();
	class_destroy(dmaheap_class);
}

module_init(dmaheap_init);
module_exit(dmaheap_exit);
#ifdef DMAHEAP_BESIDE_KERNEL_CORE
MODULE_DESCRIPTION("dmaheap registrar: dmaheap's heaps beside the kernel's own dma-heap core");
#else
MODULE_DESCRIPTION("DMA-BUF heaps core: /dev/dma_heap/<name> and DMA_HEAP_IOCTL_ALLOC");
#endif
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMAHEAP_NS(DMA_BUF));
