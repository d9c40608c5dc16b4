// SPDX-License-Identifier: GPL-2.0
/*
 * dmaheap test importer: platform devices that import dma-bufs and read and
 * write them through their DMA addresses, as a device would. For the test
 * bed only: kernel/build builds it, DKMS never does.
 *
 * Each instance is a platform device with its own constraints, given by the
 * module parameter "instances", a comma-separated list of
 *   NAME[:bits=N][:contig][:max_seg=SIZE]
 * (DMA mask width, default 64; contiguous-only; longest DMA segment, default
 * unlimited). Each gets a node, /dev/dmaheap-importer/NAME, whose one ioctl
 * (tests/importer.h) attaches a dma-buf to the device, maps it, checks what
 * the device got against its constraints, then writes or reads the buffer
 * through the mapping's DMA addresses and unmaps it.
 *
 * The DMA engine is the CPU: a device without an IOMMU sees physical
 * addresses, so each segment is reached with memremap() of its DMA address,
 * never through the exporter's pages (an importer must not look at them, and
 * the test kernel's CONFIG_DMABUF_DEBUG scrambles them). What this device
 * writes lands where a real device's DMA would: in the buffer, or, when the
 * DMA API bounced the mapping, in the bounce buffer, which is why a bounced
 * mapping is refused: the device would not be sharing the buffer.
 */

#define pr_fmt(fmt) "dmaheap_importer: " fmt

#include <linux/dma-buf.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/iommu.h>
#include <linux/iosys-map.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "../include/dmaheap/compat.h"
#include "importer.h"

#define IMPORTER_MAX_INSTANCES 8
#define IMPORTER_NAME_MAX 24

struct importer_config {
	char name[IMPORTER_NAME_MAX];
	unsigned int bits;
	bool contig;
	unsigned int max_seg;
};

struct importer {
	struct device *dev;
	struct importer_config cfg;
	char node[IMPORTER_NAME_MAX + 20];
	char misc_name[IMPORTER_NAME_MAX + 20];
	struct miscdevice misc;
};

static char *instances = "any,dma32:bits=32:max_seg=256K,contig:contig,seg64k:max_seg=64K";
module_param(instances, charp, 0444);
MODULE_PARM_DESC(instances, "Devices: NAME[:bits=N][:contig][:max_seg=SIZE],... (default: any,dma32:bits=32:max_seg=256K,contig:contig,seg64k:max_seg=64K)");

static struct platform_device *importer_pdevs[IMPORTER_MAX_INSTANCES];

/* Facts about the mapping the device got. */
static void importer_describe(struct sg_table *sgt,
			      struct dmaheap_importer_op *op)
{
	dma_addr_t next = 0;
	struct scatterlist *sg;
	int i;

	op->segments = 0;
	op->ranges = 0;
	op->lowest = U64_MAX;
	op->highest = 0;
	op->largest = 0;
	for_each_sgtable_dma_sg(sgt, sg, i) {
		dma_addr_t addr = sg_dma_address(sg);
		unsigned int len = sg_dma_len(sg);

		op->segments++;
		if (!op->ranges || addr != next)
			op->ranges++;
		next = addr + len;
		op->lowest = min_t(u64, op->lowest, addr);
		op->highest = max_t(u64, op->highest, addr + len - 1);
		op->largest = max_t(u64, op->largest, len);
	}
}

/* Whether the DMA API had to bounce any segment for this coherent device. */
static bool importer_bounced(struct device *dev, struct sg_table *sgt)
{
	struct scatterlist *sg;
	int i;

	if (!dev_is_dma_coherent(dev))
		return false;
	for_each_sgtable_dma_sg(sgt, sg, i)
		if (dma_need_sync(dev, sg_dma_address(sg)))
			return true;
	return false;
}

/* The device's DMA engine: write, verify or check zeroes, segment by segment. */
static int importer_transfer(struct importer *imp, struct sg_table *sgt,
			     struct dmaheap_importer_op *op)
{
	struct scatterlist *sg;
	u64 word = 0;
	int i;

	op->mismatch = U64_MAX;
	for_each_sgtable_dma_sg(sgt, sg, i) {
		unsigned int len = sg_dma_len(sg), w;
		u32 *p;

		p = memremap(sg_dma_address(sg), len, MEMREMAP_WB);
		if (!p) {
			dev_err(imp->dev, "cannot reach DMA address %pad\n",
				&sg_dma_address(sg));
			return -EIO;
		}
		for (w = 0; w < len / 4; w++, word++) {
			u32 want = op->op == DMAHEAP_IMPORTER_ZERO ? 0 :
				   op->seed + (u32)word * DMAHEAP_IMPORTER_STEP;

			if (op->op == DMAHEAP_IMPORTER_WRITE) {
				p[w] = cpu_to_le32(want);
			} else if (le32_to_cpu(p[w]) != want) {
				op->mismatch = word * 4;
				break;
			}
		}
		memunmap(p);
		if (op->mismatch != U64_MAX)
			break;
		cond_resched();
	}
	return 0;
}

/* The CPU path an importer may take instead: the exporter's kernel mapping. */
static int importer_vmap_verify(struct dma_buf *dmabuf,
				struct dmaheap_importer_op *op)
{
	struct iosys_map map;
	const u32 *p;
	u64 w;
	int ret;

	ret = dmaheap_dma_buf_vmap_unlocked(dmabuf, &map);
	if (ret)
		return ret;
	op->mismatch = U64_MAX;
	p = map.is_iomem ? NULL : map.vaddr;
	for (w = 0; p && w < dmabuf->size / 4; w++) {
		if (le32_to_cpu(p[w]) != op->seed + (u32)w * DMAHEAP_IMPORTER_STEP) {
			op->mismatch = w * 4;
			break;
		}
	}
	dmaheap_dma_buf_vunmap_unlocked(dmabuf, &map);
	return p ? 0 : -EOPNOTSUPP;
}

static int importer_op(struct importer *imp, struct dmaheap_importer_op *op)
{
	struct dma_buf_attachment *attach;
	struct device *dev = imp->dev;
	struct sg_table *sgt;
	struct dma_buf *dmabuf;
	int ret = 0;

	if (op->op > DMAHEAP_IMPORTER_VMAP)
		return -EINVAL;
	dmabuf = dma_buf_get(op->fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	op->size = dmabuf->size;
	if (op->op == DMAHEAP_IMPORTER_VMAP) {
		ret = importer_vmap_verify(dmabuf, op);
		goto out_put;
	}

	attach = dma_buf_attach(dmabuf, dev);
	if (IS_ERR(attach)) {
		ret = PTR_ERR(attach);
		goto out_put;
	}
	sgt = dmaheap_dma_buf_map_unlocked(attach, DMA_BIDIRECTIONAL);
	if (IS_ERR(sgt)) {
		ret = PTR_ERR(sgt);
		goto out_detach;
	}

	importer_describe(sgt, op);
	op->bounced = importer_bounced(dev, sgt);
	if (op->bounced || op->highest > dma_get_mask(dev)) {
		dev_info(dev, "refused: buffer out of reach (highest DMA address %#llx, mask %#llx%s)\n",
			 op->highest, dma_get_mask(dev),
			 op->bounced ? ", bounced" : "");
		ret = -ERANGE;
	} else if (imp->cfg.contig && op->ranges != 1) {
		dev_info(dev, "refused: %u DMA ranges, this device needs one\n",
			 op->ranges);
		ret = -EINVAL;
	} else if (imp->cfg.max_seg && op->largest > imp->cfg.max_seg) {
		dev_info(dev, "refused: a %llu-byte segment, this device takes %u\n",
			 op->largest, imp->cfg.max_seg);
		ret = -EMSGSIZE;
	} else if (op->op != DMAHEAP_IMPORTER_CHECK) {
		ret = importer_transfer(imp, sgt, op);
	}

	dmaheap_dma_buf_unmap_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
out_detach:
	dma_buf_detach(dmabuf, attach);
out_put:
	dma_buf_put(dmabuf);
	return ret;
}

static long importer_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct importer *imp = container_of(file->private_data,
					    struct importer, misc);
	struct dmaheap_importer_op op;
	int ret;

	if (cmd != DMAHEAP_IMPORTER_IOC_OP)
		return -ENOTTY;
	if (copy_from_user(&op, (void __user *)arg, sizeof(op)))
		return -EFAULT;
	ret = importer_op(imp, &op);
	/* The facts go back also with a refusal (ERANGE, EINVAL, EMSGSIZE). */
	if (copy_to_user((void __user *)arg, &op, sizeof(op)))
		return -EFAULT;
	return ret;
}

static const struct file_operations importer_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = importer_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static void importer_misc_deregister(void *data)
{
	misc_deregister(data);
}

static int importer_probe(struct platform_device *pdev)
{
	const struct importer_config *cfg = dev_get_platdata(&pdev->dev);
	struct device *dev = &pdev->dev;
	struct importer *imp;
	int ret;

	if (!cfg)
		return -EINVAL;
	if (device_iommu_mapped(dev))
		return dev_err_probe(dev, -EOPNOTSUPP,
				     "behind an IOMMU: DMA addresses are not physical\n");
	imp = devm_kzalloc(dev, sizeof(*imp), GFP_KERNEL);
	if (!imp)
		return -ENOMEM;
	imp->dev = dev;
	imp->cfg = *cfg;

	ret = dma_coerce_mask_and_coherent(dev, DMA_BIT_MASK(cfg->bits));
	if (ret)
		return dev_err_probe(dev, ret, "no %u-bit DMA mask\n", cfg->bits);
	/* Mappings may have longer segments: the device refuses them itself. */
	dma_set_max_seg_size(dev, cfg->max_seg ? cfg->max_seg : UINT_MAX);

	snprintf(imp->misc_name, sizeof(imp->misc_name), "dmaheap-importer-%s",
		 cfg->name);
	snprintf(imp->node, sizeof(imp->node), "dmaheap-importer/%s",
		 cfg->name);
	imp->misc.minor = MISC_DYNAMIC_MINOR;
	imp->misc.name = imp->misc_name;
	imp->misc.nodename = imp->node;
	imp->misc.fops = &importer_fops;
	imp->misc.parent = dev;
	ret = misc_register(&imp->misc);
	if (ret)
		return ret;
	ret = devm_add_action_or_reset(dev, importer_misc_deregister,
				       &imp->misc);
	if (ret)
		return ret;
	dev_info(dev, "/dev/%s: %u-bit DMA%s, segments up to %u bytes\n",
		 imp->node, cfg->bits, cfg->contig ? ", contiguous only" : "",
		 cfg->max_seg ? cfg->max_seg : UINT_MAX);
	return 0;
}

/*
 * The constraints, as the kernel publishes them for real hardware where it
 * does at all: PCI devices have dma_mask_bits (the same format); no bus
 * publishes the segment limit, so max_segment_size is this device's own.
 * libdmaheap reads both where they exist.
 */
static ssize_t dma_mask_bits_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", fls64(dma_get_mask(dev)));
}
static DEVICE_ATTR_RO(dma_mask_bits);

static ssize_t max_segment_size_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", dma_get_max_seg_size(dev));
}
static DEVICE_ATTR_RO(max_segment_size);

static struct attribute *importer_attrs[] = {
	&dev_attr_dma_mask_bits.attr,
	&dev_attr_max_segment_size.attr,
	NULL,
};
ATTRIBUTE_GROUPS(importer);

static struct platform_driver importer_driver = {
	.probe = importer_probe,
	.driver = {
		.name = "dmaheap-importer",
		.dev_groups = importer_groups,
	},
};

/* One "NAME[:bits=N][:contig][:max_seg=SIZE]". */
static int importer_parse(char *spec, struct importer_config *cfg)
{
	char *opt, *name = strsep(&spec, ":");

	if (!*name || strlen(name) >= sizeof(cfg->name) || strchr(name, '/')) {
		pr_err("instance name '%s' must be 1 to %zu characters, no '/'\n",
		       name, sizeof(cfg->name) - 1);
		return -EINVAL;
	}
	strscpy(cfg->name, name, sizeof(cfg->name));
	cfg->bits = 64;
	while ((opt = strsep(&spec, ":")) != NULL) {
		char *end;

		if (!strcmp(opt, "contig")) {
			cfg->contig = true;
		} else if (!strncmp(opt, "bits=", 5)) {
			if (kstrtouint(opt + 5, 0, &cfg->bits) ||
			    cfg->bits < 24 || cfg->bits > 64)
				goto bad;
		} else if (!strncmp(opt, "max_seg=", 8)) {
			u64 v = memparse(opt + 8, &end);

			if (*end || v < PAGE_SIZE || v > UINT_MAX)
				goto bad;
			cfg->max_seg = v;
		} else {
			goto bad;
		}
	}
	return 0;
bad:
	pr_err("%s: bad option '%s' (bits=24..64, contig, max_seg=4K..4G-1)\n",
	       cfg->name, opt);
	return -EINVAL;
}

static void importer_remove_devices(void)
{
	int i;

	for (i = IMPORTER_MAX_INSTANCES - 1; i >= 0; i--) {
		platform_device_unregister(importer_pdevs[i]);
		importer_pdevs[i] = NULL;
	}
}

static int __init importer_init(void)
{
	char *list, *rest, *spec;
	int i = 0, ret;

	list = kstrdup(instances, GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	ret = platform_driver_register(&importer_driver);
	if (ret)
		goto out;
	rest = list;
	while ((spec = strsep(&rest, ",")) != NULL) {
		struct importer_config cfg = {};
		struct platform_device *pdev;

		if (!*spec)
			continue;
		if (i == IMPORTER_MAX_INSTANCES) {
			pr_err("more than %d instances\n", IMPORTER_MAX_INSTANCES);
			ret = -EINVAL;
			goto err;
		}
		ret = importer_parse(spec, &cfg);
		if (ret)
			goto err;
		pdev = platform_device_register_data(NULL, "dmaheap-importer",
						     PLATFORM_DEVID_AUTO, &cfg,
						     sizeof(cfg));
		if (IS_ERR(pdev)) {
			ret = PTR_ERR(pdev);
			goto err;
		}
		importer_pdevs[i++] = pdev;
		if (!pdev->dev.driver) {
			pr_err("%s did not probe\n", cfg.name);
			ret = -ENODEV;
			goto err;
		}
	}
	goto out;
err:
	importer_remove_devices();
	platform_driver_unregister(&importer_driver);
out:
	kfree(list);
	return ret;
}

static void __exit importer_exit(void)
{
	importer_remove_devices();
	platform_driver_unregister(&importer_driver);
}

module_init(importer_init);
module_exit(importer_exit);
MODULE_DESCRIPTION("dmaheap test importer: pretend DMA devices with constraints");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMAHEAP_NS(DMA_BUF));
