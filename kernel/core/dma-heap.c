// SPDX-License-Identifier: GPL-2.0
/*
 * dmaheap core: one character device per heap, /dev/dma_heap/<name>, and one
 * ioctl, DMA_HEAP_IOCTL_ALLOC, that asks the heap for a dma-buf and returns
 * its fd. The UAPI is mainline's, byte for byte. Everything about a buffer
 * (export, mapping, release) belongs to the heap; the core only dispatches.
 *
 * Unlike mainline's built-in core, heaps here live in modules that can be
 * unloaded, so lifetimes are pinned explicitly: an open heap node holds its
 * heap module (through the cdev owner), and every buffer holds it too
 * (through the dma-buf owner), so dma_heap_remove() only ever runs from a
 * module exit when neither exists.
 */

#define pr_fmt(fmt) "dma_heap: " fmt

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/dma-buf.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "../include/uapi/linux/dma-heap.h"
#include "../include/dmaheap/dma-heap.h"
#include "stats.h"

#define DEVNAME "dma_heap"
#define NUM_HEAP_MINORS 128

/**
 * struct dma_heap - a registered heap
 * @name:     the heap's name (owned copy)
 * @ops:      the heap's operations
 * @priv:     the heap's private data
 * @heap_devt: this heap's device number
 * @list:     entry in heap_list
 * @heap_cdev: the character device; its owner is the heap's module
 * @dev:      the class device, /sys/class/dma_heap/<name>
 * @groups:   sysfs groups of @dev: the statistics, then the heap's own
 * @stats:    allocation statistics
 */
struct dma_heap {
	const char *name;
	const struct dma_heap_ops *ops;
	void *priv;
	dev_t heap_devt;
	struct list_head list;
	struct cdev heap_cdev;
	struct device *dev;
	const struct attribute_group **groups;
	struct dma_heap_stats stats;
};

static LIST_HEAD(heap_list);
static DEFINE_MUTEX(heap_list_lock);
static dev_t dma_heap_devt;
static struct class *dma_heap_class;
static DEFINE_XARRAY_ALLOC(dma_heap_minors);

struct dma_heap_stats *dma_heap_stats_of(struct dma_heap *heap)
{
	return &heap->stats;
}

static int dma_heap_buffer_alloc(struct dma_heap *heap, size_t len,
				 u32 fd_flags, u64 heap_flags)
{
	struct dma_buf *dmabuf;
	int fd;

	/* Allocations from all heaps begin and end on page boundaries. */
	len = PAGE_ALIGN(len);
	if (!len)
		return -EINVAL;

	dmabuf = heap->ops->allocate(heap, len, fd_flags, heap_flags);
	if (IS_ERR(dmabuf)) {
		dma_heap_stats_failed(&heap->stats);
		return PTR_ERR(dmabuf);
	}

	fd = dma_buf_fd(dmabuf, fd_flags);
	if (fd < 0)
		dma_buf_put(dmabuf);
	return fd;
}

static int dma_heap_open(struct inode *inode, struct file *file)
{
	struct dma_heap *heap;

	/*
	 * chrdev_open() already holds the cdev, and with it the heap's
	 * module, so the heap cannot go away while this file is open.
	 */
	heap = xa_load(&dma_heap_minors, iminor(inode));
	if (!heap) {
		pr_err("minor %d without a heap\n", iminor(inode));
		return -ENODEV;
	}
	file->private_data = heap;
	nonseekable_open(inode, file);
	return 0;
}

static long dma_heap_ioctl_allocate(struct file *file, void *data)
{
	struct dma_heap_allocation_data *alloc = data;
	struct dma_heap *heap = file->private_data;
	int fd;

	if (alloc->fd)
		return -EINVAL;
	if (alloc->fd_flags & ~DMA_HEAP_VALID_FD_FLAGS)
		return -EINVAL;
	if (alloc->heap_flags & ~DMA_HEAP_VALID_HEAP_FLAGS)
		return -EINVAL;

	fd = dma_heap_buffer_alloc(heap, alloc->len, alloc->fd_flags,
				   alloc->heap_flags);
	if (fd < 0)
		return fd;
	alloc->fd = fd;
	return 0;
}

static const unsigned int dma_heap_ioctl_cmds[] = {
	DMA_HEAP_IOCTL_ALLOC,
};

/*
 * As in mainline, only the ioctl number selects the command, and the
 * argument may be shorter (older userspace) or longer (newer userspace) than
 * the kernel's struct: what both sides know is copied, the rest is zero.
 */
static long dma_heap_ioctl(struct file *file, unsigned int ucmd,
			   unsigned long arg)
{
	char stack_kdata[128];
	char *kdata = stack_kdata;
	unsigned int kcmd, in_size, out_size, drv_size, ksize;
	int nr = _IOC_NR(ucmd);
	long ret;

	if (nr >= ARRAY_SIZE(dma_heap_ioctl_cmds))
		return -EINVAL;
	nr = array_index_nospec(nr, ARRAY_SIZE(dma_heap_ioctl_cmds));
	kcmd = dma_heap_ioctl_cmds[nr];

	in_size = _IOC_SIZE(ucmd);
	out_size = _IOC_SIZE(ucmd);
	if (!(ucmd & IOC_IN))
		in_size = 0;
	if (!(ucmd & IOC_OUT))
		out_size = 0;
	drv_size = _IOC_SIZE(kcmd);
	ksize = max(max(in_size, out_size), drv_size);

	if (ksize > sizeof(stack_kdata)) {
		kdata = kmalloc(ksize, GFP_KERNEL);
		if (!kdata)
			return -ENOMEM;
	}

	if (copy_from_user(kdata, (void __user *)arg, in_size)) {
		ret = -EFAULT;
		goto out;
	}
	if (ksize > in_size)
		memset(kdata + in_size, 0, ksize - in_size);

	switch (kcmd) {
	case DMA_HEAP_IOCTL_ALLOC:
		ret = dma_heap_ioctl_allocate(file, kdata);
		break;
	default:
		ret = -ENOTTY;
		goto out;
	}

	if (copy_to_user((void __user *)arg, kdata, out_size))
		ret = -EFAULT;
out:
	if (kdata != stack_kdata)
		kfree(kdata);
	return ret;
}

static const struct file_operations dma_heap_fops = {
	.owner = THIS_MODULE,
	.open = dma_heap_open,
	.unlocked_ioctl = dma_heap_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = no_llseek,
};

/**
 * dma_heap_get_drvdata - get a heap's private data
 * @heap: the heap
 *
 * Return: the @priv given to dma_heap_add().
 */
void *dma_heap_get_drvdata(struct dma_heap *heap)
{
	return heap->priv;
}
EXPORT_SYMBOL_NS_GPL(dma_heap_get_drvdata, DMA_BUF_HEAP);

/**
 * dma_heap_get_name - get a heap's name
 * @heap: the heap
 *
 * The string lives as long as the heap, so it may serve as the exporter name
 * of the heap's dma-bufs (which pin the heap's module).
 *
 * Return: the heap's name.
 */
const char *dma_heap_get_name(struct dma_heap *heap)
{
	return heap->name;
}
EXPORT_SYMBOL_NS_GPL(dma_heap_get_name, DMA_BUF_HEAP);

/**
 * dma_heap_get_dev - get a heap's class device
 * @heap: the heap
 *
 * Return: /sys/class/dma_heap/<name> as a struct device.
 */
struct device *dma_heap_get_dev(struct dma_heap *heap)
{
	return heap->dev;
}
EXPORT_SYMBOL_NS_GPL(dma_heap_get_dev, DMA_BUF_HEAP);

/**
 * dma_heap_stats_buffer_created - account a new buffer to its heap
 * @heap: the heap the buffer came from
 * @len:  the buffer's size in bytes
 *
 * Heaps call this once a buffer is exported, and
 * dma_heap_stats_buffer_released() with the same @len when it is freed.
 */
void dma_heap_stats_buffer_created(struct dma_heap *heap, size_t len)
{
	dma_heap_stats_add(&heap->stats, len);
}
EXPORT_SYMBOL_NS_GPL(dma_heap_stats_buffer_created, DMA_BUF_HEAP);

/**
 * dma_heap_stats_buffer_released - account a freed buffer to its heap
 * @heap: the heap the buffer came from
 * @len:  the buffer's size in bytes, as given when it was created
 */
void dma_heap_stats_buffer_released(struct dma_heap *heap, size_t len)
{
	dma_heap_stats_sub(&heap->stats, len);
}
EXPORT_SYMBOL_NS_GPL(dma_heap_stats_buffer_released, DMA_BUF_HEAP);

static const struct attribute_group **
dma_heap_build_groups(const struct attribute_group **extra)
{
	const struct attribute_group **groups;
	int n = 0, i;

	while (extra && extra[n])
		n++;
	groups = kcalloc(n + 2, sizeof(*groups), GFP_KERNEL);
	if (!groups)
		return NULL;
	groups[0] = &dma_heap_stats_group;
	for (i = 0; i < n; i++)
		groups[i + 1] = extra[i];
	return groups;
}

/**
 * dma_heap_add - register a heap and create /dev/dma_heap/<name>
 * @exp_info: the heap's name, operations, private data, owner and groups
 *
 * Return: the new heap, or an ERR_PTR: -EINVAL for a missing or unusable
 * name or operations, -EEXIST when the name is taken, -ENOMEM or -EBUSY when
 * out of memory or minors.
 */
struct dma_heap *dma_heap_add(const struct dma_heap_export_info *exp_info)
{
	struct dma_heap *heap, *h;
	struct device *dev;
	u32 minor;
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

	heap = kzalloc(sizeof(*heap), GFP_KERNEL);
	if (!heap)
		return ERR_PTR(-ENOMEM);
	heap->name = kstrdup(exp_info->name, GFP_KERNEL);
	heap->groups = dma_heap_build_groups(exp_info->groups);
	if (!heap->name || !heap->groups) {
		ret = -ENOMEM;
		goto err_free;
	}
	heap->ops = exp_info->ops;
	heap->priv = exp_info->priv;
	dma_heap_stats_init(&heap->stats);

	mutex_lock(&heap_list_lock);
	list_for_each_entry(h, &heap_list, list) {
		if (!strcmp(h->name, heap->name)) {
			pr_err("heap %s already exists\n", heap->name);
			ret = -EEXIST;
			goto err_unlock;
		}
	}

	ret = xa_alloc(&dma_heap_minors, &minor, heap,
		       XA_LIMIT(0, NUM_HEAP_MINORS - 1), GFP_KERNEL);
	if (ret < 0) {
		pr_err("no minor left for heap %s: %d\n", heap->name, ret);
		goto err_unlock;
	}
	heap->heap_devt = MKDEV(MAJOR(dma_heap_devt), minor);

	cdev_init(&heap->heap_cdev, &dma_heap_fops);
	heap->heap_cdev.owner = exp_info->owner;
	ret = cdev_add(&heap->heap_cdev, heap->heap_devt, 1);
	if (ret < 0) {
		pr_err("cdev_add for heap %s failed: %d\n", heap->name, ret);
		goto err_minor;
	}

	dev = device_create_with_groups(dma_heap_class, NULL, heap->heap_devt,
					heap, heap->groups, "%s", heap->name);
	if (IS_ERR(dev)) {
		ret = PTR_ERR(dev);
		pr_err("device_create for heap %s failed: %d\n", heap->name,
		       ret);
		goto err_cdev;
	}
	heap->dev = dev;
	list_add(&heap->list, &heap_list);
	mutex_unlock(&heap_list_lock);
	return heap;

err_cdev:
	cdev_del(&heap->heap_cdev);
err_minor:
	xa_erase(&dma_heap_minors, minor);
err_unlock:
	mutex_unlock(&heap_list_lock);
err_free:
	kfree(heap->groups);
	kfree(heap->name);
	kfree(heap);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_NS_GPL(dma_heap_add, DMA_BUF_HEAP);

/**
 * dma_heap_remove - unregister a heap and remove its node
 * @heap: a heap returned by dma_heap_add()
 *
 * Call it from the heap module's exit: by then no heap node is open and no
 * buffer of the heap exists, since both pin the module.
 */
void dma_heap_remove(struct dma_heap *heap)
{
	mutex_lock(&heap_list_lock);
	list_del(&heap->list);
	device_destroy(dma_heap_class, heap->heap_devt);
	cdev_del(&heap->heap_cdev);
	xa_erase(&dma_heap_minors, MINOR(heap->heap_devt));
	mutex_unlock(&heap_list_lock);

	WARN(dma_heap_stats_live_buffers(&heap->stats),
	     "heap %s removed with live buffers\n", heap->name);
	kfree(heap->groups);
	kfree(heap->name);
	kfree(heap);
}
EXPORT_SYMBOL_NS_GPL(dma_heap_remove, DMA_BUF_HEAP);

static char *dma_heap_devnode(struct device *dev, umode_t *mode)
{
	return kasprintf(GFP_KERNEL, "dma_heap/%s", dev_name(dev));
}

static int __init dma_heap_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&dma_heap_devt, 0, NUM_HEAP_MINORS, DEVNAME);
	if (ret)
		return ret;

	dma_heap_class = class_create(THIS_MODULE, DEVNAME);
	if (IS_ERR(dma_heap_class)) {
		unregister_chrdev_region(dma_heap_devt, NUM_HEAP_MINORS);
		return PTR_ERR(dma_heap_class);
	}
	dma_heap_class->devnode = dma_heap_devnode;
	return 0;
}

static void __exit dma_heap_exit(void)
{
	/* Heap modules depend on this one: all of them are gone by now. */
	class_destroy(dma_heap_class);
	unregister_chrdev_region(dma_heap_devt, NUM_HEAP_MINORS);
	xa_destroy(&dma_heap_minors);
}

module_init(dma_heap_init);
module_exit(dma_heap_exit);
MODULE_DESCRIPTION("DMA-BUF heaps core: /dev/dma_heap/<name> and DMA_HEAP_IOCTL_ALLOC");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
