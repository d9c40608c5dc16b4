/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * dmaheap test importer: a pretend DMA device for the test bed (built by
 * kernel/build only, never by DKMS). Each instance is /dev/dmaheap-importer/
 * <name> with its own constraints; the ioctl imports a dma-buf, maps it for
 * the device and then checks, writes or reads it through the DMA addresses,
 * as a device's DMA engine would.
 */
#ifndef _DMAHEAP_TESTS_IMPORTER_H
#define _DMAHEAP_TESTS_IMPORTER_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* op */
#define DMAHEAP_IMPORTER_CHECK	0	/* map, report, unmap */
#define DMAHEAP_IMPORTER_WRITE	1	/* write the pattern of @seed */
#define DMAHEAP_IMPORTER_VERIFY	2	/* compare with the pattern of @seed */
#define DMAHEAP_IMPORTER_ZERO	3	/* compare with zeroes */
/* VMAP: like VERIFY, through the kernel's mapping (dma_buf_vmap()), no DMA */
#define DMAHEAP_IMPORTER_VMAP	4

/*
 * The pattern: 32-bit word i of the buffer (little endian) is
 * seed + i * 0x9e3779b9.
 */
#define DMAHEAP_IMPORTER_STEP	0x9e3779b9u

/**
 * struct dmaheap_importer_op - one import
 * @fd:       in: the dma-buf
 * @op:       in: DMAHEAP_IMPORTER_*
 * @seed:     in: the pattern's seed (WRITE, VERIFY)
 * @size:     out: the dma-buf's size
 * @segments: out: DMA segments of the mapping
 * @ranges:   out: DMA ranges once adjacent segments are merged
 * @lowest:   out: the lowest DMA address
 * @highest:  out: the highest DMA address (of the last byte)
 * @largest:  out: the longest segment
 * @mismatch: out: VERIFY, ZERO: offset of the first wrong byte, or ~0
 * @bounced:  out: 1 when the DMA API bounced the mapping (a coherent device
 *            whose mapping needs syncs): the device did not see the buffer
 *
 * The ioctl fills the outputs also when it refuses the buffer: ERANGE when
 * the device cannot reach it (beyond its DMA mask, or bounced), EINVAL when a
 * contiguous-only device gets more than one range, EMSGSIZE when a segment
 * is longer than the device's limit.
 */
struct dmaheap_importer_op {
	__s32 fd;
	__u32 op;
	__u32 seed;
	__u32 bounced;
	__u64 size;
	__u32 segments;
	__u32 ranges;
	__u64 lowest;
	__u64 highest;
	__u64 largest;
	__u64 mismatch;
};

#define DMAHEAP_IMPORTER_IOC_OP _IOWR('I', 0xd0, struct dmaheap_importer_op)

#endif /* _DMAHEAP_TESTS_IMPORTER_H */
