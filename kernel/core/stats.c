// SPDX-License-Identifier: GPL-2.0
/*
 * Per-heap statistics: counters updated lock-free on the allocation path and
 * read through sysfs, one value per file, /sys/class/dma_heap/<name>/stats/.
 */

#include <linux/device.h>
#include <linux/sysfs.h>

#include "stats.h"

void dma_heap_stats_init(struct dma_heap_stats *stats)
{
	atomic64_set(&stats->bytes, 0);
	atomic64_set(&stats->buffers, 0);
	atomic64_set(&stats->peak_bytes, 0);
	atomic64_set(&stats->allocations, 0);
	atomic64_set(&stats->failures, 0);
}

void dma_heap_stats_add(struct dma_heap_stats *stats, size_t len)
{
	s64 now = atomic64_add_return(len, &stats->bytes);
	s64 peak = atomic64_read(&stats->peak_bytes);

	atomic64_inc(&stats->buffers);
	atomic64_inc(&stats->allocations);
	while (now > peak &&
	       !atomic64_try_cmpxchg(&stats->peak_bytes, &peak, now))
		;
}

void dma_heap_stats_sub(struct dma_heap_stats *stats, size_t len)
{
	atomic64_sub(len, &stats->bytes);
	atomic64_dec(&stats->buffers);
}

void dma_heap_stats_failed(struct dma_heap_stats *stats)
{
	atomic64_inc(&stats->failures);
}

s64 dma_heap_stats_live_buffers(struct dma_heap_stats *stats)
{
	return atomic64_read(&stats->buffers);
}

/* One read-only sysfs file per counter: the attribute knows its offset. */
struct dma_heap_stat_attr {
	struct device_attribute attr;
	size_t offset;
};

static ssize_t dma_heap_stat_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	struct dma_heap_stat_attr *sa =
		container_of(attr, struct dma_heap_stat_attr, attr);
	struct dma_heap_stats *stats = dma_heap_stats_of(dev_get_drvdata(dev));
	atomic64_t *counter = (void *)stats + sa->offset;

	return sysfs_emit(buf, "%lld\n", atomic64_read(counter));
}

static struct dma_heap_stat_attr dma_heap_stat_attrs[] = {
	{ __ATTR(bytes, 0444, dma_heap_stat_show, NULL),
	  offsetof(struct dma_heap_stats, bytes) },
	{ __ATTR(buffers, 0444, dma_heap_stat_show, NULL),
	  offsetof(struct dma_heap_stats, buffers) },
	{ __ATTR(peak_bytes, 0444, dma_heap_stat_show, NULL),
	  offsetof(struct dma_heap_stats, peak_bytes) },
	{ __ATTR(allocations, 0444, dma_heap_stat_show, NULL),
	  offsetof(struct dma_heap_stats, allocations) },
	{ __ATTR(failures, 0444, dma_heap_stat_show, NULL),
	  offsetof(struct dma_heap_stats, failures) },
};

static struct attribute *dma_heap_stats_attrs[] = {
	&dma_heap_stat_attrs[0].attr.attr,
	&dma_heap_stat_attrs[1].attr.attr,
	&dma_heap_stat_attrs[2].attr.attr,
	&dma_heap_stat_attrs[3].attr.attr,
	&dma_heap_stat_attrs[4].attr.attr,
	NULL,
};

const struct attribute_group dma_heap_stats_group = {
	.name = "stats",
	.attrs = dma_heap_stats_attrs,
};
