// SPDX-License-Identifier: GPL-2.0
/*
 * Heap nodes as character devices of dmaheap's own: one per heap,
 * /dev/dma_heap/<name>, and one ioctl, DMA_HEAP_IOCTL_ALLOC, that asks the
 * heap for a dma-buf and returns its fd. The UAPI is mainline's, byte for
 * byte. Used where the kernel has no dma-heap core, and beside a kernel core
 * that exports no dma_heap_add() (the nodes then share /dev/dma_heap/ with
 * the kernel's own).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/dma-buf.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "../include/uapi/linux/dma-heap.h"
#include "../include/dmaheap/compat.h"
#include "../include/dmaheap/dma-heap.h"
#include "core.h"

#define NUM_HEAP_MINORS 128

const bool dmaheap_nodes_removable = true;

static dev_t dmaheap_devt;
static DEFINE_XARRAY_ALLOC(dmaheap_minors);

static int dmaheap_open(struct inode *inode, struct file *file)
{
	struct dmaheap *heap;

	/*
	 * chrdev_open() already holds the cdev, and with it the heap's
	 * module, so the heap cannot go away while this file is open.
	 */
	heap = xa_load(&dmaheap_minors, iminor(inode));
	if (!heap) {
		pr_err("minor %d without a heap\n", iminor(inode));
		return -ENODEV;
	}
	file->private_data = heap;
	nonseekable_open(inode, file);
	return 0;
}

/*
 * The fd is reserved first and installed only once the caller has it: an
 * allocation whose result cannot reach the caller (a failed copy back)
 * leaves no buffer and no fd behind.
 */
static long dmaheap_ioctl_allocate(struct file *file, void *data,
				   void __user *uarg, unsigned int out_size)
{
	struct dma_heap_allocation_data *alloc = data;
	struct dmaheap *heap = file->private_data;
	struct dma_buf *dmabuf;
	int fd;

	if (alloc->fd)
		return -EINVAL;
	if (alloc->fd_flags & ~DMA_HEAP_VALID_FD_FLAGS)
		return -EINVAL;
	if (alloc->heap_flags & ~DMA_HEAP_VALID_HEAP_FLAGS)
		return -EINVAL;

	fd = get_unused_fd_flags(alloc->fd_flags);
	if (fd < 0)
		return fd;
	dmabuf = dmaheap_allocate(heap, alloc->len, alloc->fd_flags,
				  alloc->heap_flags);
	if (IS_ERR(dmabuf)) {
		put_unused_fd(fd);
		return PTR_ERR(dmabuf);
	}
	alloc->fd = fd;
	if (copy_to_user(uarg, data, out_size)) {
		put_unused_fd(fd);
		dma_buf_put(dmabuf);
		return -EFAULT;
	}
	fd_install(fd, dmabuf->file);
	return 0;
}

static const unsigned int dmaheap_ioctl_cmds[] = {
	DMA_HEAP_IOCTL_ALLOC,
};

/*
 * As in mainline, the argument may be shorter (older userspace) or longer
 * (newer userspace) than the kernel's struct: what both sides know is
 * copied, the rest is zero. Stricter than mainline, so that no buffer is
 * made that its caller cannot see: the ioctl's type must be the heaps'
 * ('H', else ENOTTY), and an allocation must be able to return its fd (a
 * read-write ioctl whose argument reaches past the fd, else EINVAL).
 */
static long dmaheap_ioctl(struct file *file, unsigned int ucmd,
			  unsigned long arg)
{
	char stack_kdata[128];
	char *kdata = stack_kdata;
	unsigned int kcmd, in_size, out_size, drv_size, ksize;
	int nr = _IOC_NR(ucmd);
	long ret;

	if (_IOC_TYPE(ucmd) != DMA_HEAP_IOC_MAGIC)
		return -ENOTTY;
	if (nr >= ARRAY_SIZE(dmaheap_ioctl_cmds))
		return -EINVAL;
	nr = array_index_nospec(nr, ARRAY_SIZE(dmaheap_ioctl_cmds));
	kcmd = dmaheap_ioctl_cmds[nr];

	in_size = _IOC_SIZE(ucmd);
	out_size = _IOC_SIZE(ucmd);
	if (!(ucmd & IOC_IN))
		in_size = 0;
	if (!(ucmd & IOC_OUT))
		out_size = 0;
	drv_size = _IOC_SIZE(kcmd);
	ksize = max(max(in_size, out_size), drv_size);

	if (kcmd == DMA_HEAP_IOCTL_ALLOC &&
	    out_size < offsetofend(struct dma_heap_allocation_data, fd))
		return -EINVAL;

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
		ret = dmaheap_ioctl_allocate(file, kdata, (void __user *)arg,
					     out_size);
		break;
	default:
		ret = -ENOTTY;
		break;
	}
out:
	if (kdata != stack_kdata)
		kfree(kdata);
	return ret;
}

/* No .llseek: nonseekable_open() makes every seek fail with ESPIPE. */
static const struct file_operations dmaheap_fops = {
	.owner = THIS_MODULE,
	.open = dmaheap_open,
	.unlocked_ioctl = dmaheap_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

int dmaheap_node_add(struct dmaheap *heap, struct class *class)
{
	struct device *dev;
	u32 minor;
	int ret;

	ret = xa_alloc(&dmaheap_minors, &minor, heap,
		       XA_LIMIT(0, NUM_HEAP_MINORS - 1), GFP_KERNEL);
	if (ret < 0) {
		pr_err("no minor left for heap %s: %d\n", heap->name, ret);
		return ret;
	}
	heap->devt = MKDEV(MAJOR(dmaheap_devt), minor);

	cdev_init(&heap->cdev, &dmaheap_fops);
	heap->cdev.owner = heap->owner;
	ret = cdev_add(&heap->cdev, heap->devt, 1);
	if (ret < 0) {
		pr_err("cdev_add for heap %s failed: %d\n", heap->name, ret);
		goto err_minor;
	}

	dev = device_create_with_groups(class, NULL, heap->devt, heap,
					heap->groups, "%s", heap->name);
	if (IS_ERR(dev)) {
		ret = PTR_ERR(dev);
		pr_err("device_create for heap %s failed: %d\n", heap->name,
		       ret);
		goto err_cdev;
	}
	heap->dev = dev;
	return 0;

err_cdev:
	cdev_del(&heap->cdev);
err_minor:
	xa_erase(&dmaheap_minors, minor);
	return ret;
}

void dmaheap_node_remove(struct dmaheap *heap, struct class *class)
{
	device_destroy(class, heap->devt);
	cdev_del(&heap->cdev);
	xa_erase(&dmaheap_minors, MINOR(heap->devt));
}

/* No kernel core here, or one without a mem_accounting switch (6.12). */
bool dmaheap_node_mem_accounting(void)
{
	return false;
}

int dmaheap_nodes_init(void)
{
	return alloc_chrdev_region(&dmaheap_devt, 0, NUM_HEAP_MINORS,
				   DMAHEAP_CLASS_NAME);
}

void dmaheap_nodes_exit(void)
{
	unregister_chrdev_region(dmaheap_devt, NUM_HEAP_MINORS);
	xa_destroy(&dmaheap_minors);
}
