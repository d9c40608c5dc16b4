/* SPDX-License-Identifier: GPL-2.0 */
/* Per-heap allocation statistics, shown in /sys/class/dma_heap/<name>/stats/. */
#ifndef _DMAHEAP_CORE_STATS_H
#define _DMAHEAP_CORE_STATS_H

#include <linux/atomic.h>
#include <linux/sysfs.h>

/**
 * struct dma_heap_stats - what a heap has handed out
 * @bytes:       bytes in live buffers
 * @buffers:     live buffers
 * @peak_bytes:  highest @bytes seen
 * @allocations: buffers ever allocated
 * @failures:    allocations that failed
 */
struct dma_heap_stats {
	atomic64_t bytes;
	atomic64_t buffers;
	atomic64_t peak_bytes;
	atomic64_t allocations;
	atomic64_t failures;
};

struct dmaheap;

extern const struct attribute_group dma_heap_stats_group;

/* The stats of the heap whose class device's drvdata is @heap. */
struct dma_heap_stats *dma_heap_stats_of(struct dmaheap *heap);

void dma_heap_stats_init(struct dma_heap_stats *stats);
void dma_heap_stats_add(struct dma_heap_stats *stats, size_t len);
void dma_heap_stats_sub(struct dma_heap_stats *stats, size_t len);
void dma_heap_stats_failed(struct dma_heap_stats *stats);
s64 dma_heap_stats_live_buffers(struct dma_heap_stats *stats);

#endif /* _DMAHEAP_CORE_STATS_H */
