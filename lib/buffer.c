// SPDX-License-Identifier: MIT
/* Naming a dma-buf and bracketing CPU access to it: two dma-buf ioctls. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/dma-buf.h>

#include "private.h"

static int cpu_sync(int buf_fd, enum dmaheap_access access, __u64 phase)
{
	struct dma_buf_sync sync = { .flags = phase };
	const char *what = phase == DMA_BUF_SYNC_END ? "end" : "begin";
	int ret;

	switch (access) {
	case DMAHEAP_ACCESS_READ: sync.flags |= DMA_BUF_SYNC_READ; break;
	case DMAHEAP_ACCESS_WRITE: sync.flags |= DMA_BUF_SYNC_WRITE; break;
	case DMAHEAP_ACCESS_RW: sync.flags |= DMA_BUF_SYNC_RW; break;
	default:
		return error_set(EINVAL, "CPU access %d is not read, write or "
				 "read-write", (int)access);
	}
	/* A sync may wait for fences; a signal or a busy exporter means retry. */
	do {
		ret = ioctl(buf_fd, DMA_BUF_IOCTL_SYNC, &sync);
	} while (ret < 0 && (errno == EINTR || errno == EAGAIN));
	if (ret < 0) {
		int err = errno;

		return error_set(err, "DMA_BUF_IOCTL_SYNC (%s CPU access) on fd %d "
				 "failed: %s%s", what, buf_fd, strerror(err),
				 err == ENOTTY ? " (not a dma-buf)" : "");
	}
	return 0;
}

int dmaheap_cpu_begin(int buf_fd, enum dmaheap_access access)
{
	return cpu_sync(buf_fd, access, DMA_BUF_SYNC_START);
}

int dmaheap_cpu_end(int buf_fd, enum dmaheap_access access)
{
	return cpu_sync(buf_fd, access, DMA_BUF_SYNC_END);
}

int dmaheap_buf_set_name(int buf_fd, const char *name)
{
	char cut[DMAHEAP_BUF_NAME_MAX];

	if (!name)
		return error_set(EINVAL, "no buffer name given");
	/* the kernel refuses names of DMA_BUF_NAME_LEN bytes or more */
	str_copy(cut, name, sizeof(cut));
	if (ioctl(buf_fd, DMA_BUF_SET_NAME, cut) < 0) {
		int err = errno;

		return error_set(err, "DMA_BUF_SET_NAME '%s' on fd %d failed: %s%s",
				 cut, buf_fd, strerror(err),
				 err == ENOTTY ? " (not a dma-buf)" : "");
	}
	return 0;
}
