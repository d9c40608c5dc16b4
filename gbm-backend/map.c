// SPDX-License-Identifier: MIT
/*
 * CPU access: gbm_bo_map/unmap and gbm_bo_write. The dma-buf is mmapped once,
 * on first use, and the mapping kept until the bo goes: compositors map the
 * same buffers every frame. Every access is bracketed by DMA_BUF_IOCTL_SYNC
 * with the direction the caller asked for, which is what makes the CPU's
 * view coherent with devices on machines that are not cache-coherent.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "private.h"

struct map_token {
	enum dmaheap_access access;
};

void bo_map_release(struct dmaheap_gbm_bo *bo)
{
	if (bo->map)
		munmap(bo->map, bo->sizes[0]);
	bo->map = NULL;
}

/* The kept mapping of fds[0], writable if need_write; NULL with errno. */
static void *bo_mapping(struct dmaheap_gbm_bo *bo, bool need_write)
{
	struct dmaheap_gbm_device *dev = device_from_gbm(bo->base.gbm);
	void *map;

	pthread_mutex_lock(&bo->map_lock);
	if (!bo->map) {
		int prot = PROT_READ | PROT_WRITE;

		map = mmap(NULL, bo->sizes[0], prot, MAP_SHARED, bo->fds[0], 0);
		/* an imported read-only dma-buf can still be read */
		if (map == MAP_FAILED && errno == EACCES && !need_write) {
			prot = PROT_READ;
			map = mmap(NULL, bo->sizes[0], prot, MAP_SHARED, bo->fds[0], 0);
		}
		if (map == MAP_FAILED) {
			gbm_fail(dev, errno, "mmap of a %llu-byte dma-buf: %s",
				 (unsigned long long)bo->sizes[0], strerror(errno));
		} else {
			bo->map = map;
			bo->map_prot = prot;
		}
	}
	map = bo->map;
	if (map && need_write && !(bo->map_prot & PROT_WRITE)) {
		gbm_fail(dev, EACCES, "bo_map: the dma-buf was imported read-only");
		map = NULL;
	}
	pthread_mutex_unlock(&bo->map_lock);
	return map;
}

void *bo_map(struct gbm_bo *gbo, uint32_t x, uint32_t y, uint32_t width,
	     uint32_t height, uint32_t flags, uint32_t *stride, void **map_data)
{
	struct dmaheap_gbm_bo *bo = bo_own(gbo, "gbm_bo_map");
	struct dmaheap_gbm_device *dev;
	enum dmaheap_access access = 0;
	struct map_token *token;
	uint8_t *map;

	if (!bo)
		return NULL;
	dev = device_from_gbm(gbo->gbm);
	if (flags & GBM_BO_TRANSFER_READ)
		access |= DMAHEAP_ACCESS_READ;
	if (flags & GBM_BO_TRANSFER_WRITE)
		access |= DMAHEAP_ACCESS_WRITE;
	if (!access || (flags & ~GBM_BO_TRANSFER_READ_WRITE) || !stride || !map_data ||
	    !width || !height || x >= gbo->v0.width || y >= gbo->v0.height ||
	    width > gbo->v0.width - x || height > gbo->v0.height - y) {
		gbm_fail(dev, EINVAL, "bo_map: region %ux%u at (%u,%u) flags 0x%x on a %ux%u bo",
			 width, height, x, y, flags, gbo->v0.width, gbo->v0.height);
		return NULL;
	}
	token = malloc(sizeof(*token));
	if (!token) {
		errno = ENOMEM;
		return NULL;
	}
	map = bo_mapping(bo, access & DMAHEAP_ACCESS_WRITE);
	if (!map)
		goto err;
	if (dmaheap_cpu_begin(bo->fds[0], access)) {
		gbm_fail(dev, errno, "bo_map: DMA_BUF_IOCTL_SYNC start: %s", strerror(errno));
		goto err;
	}
	token->access = access;
	*map_data = token;
	*stride = bo->stride[0];
	/* Whole pixels of plane 0; for a packed 4:2:2 format x is in pixels, as
	 * in gbm.h, and the caller asks for even x. */
	return map + bo->offset[0] + (size_t)y * bo->stride[0] +
	       (size_t)x * bo->format->cpp[0];

err:
	free(token);
	return NULL;
}

void bo_unmap(struct gbm_bo *gbo, void *map_data)
{
	struct dmaheap_gbm_bo *bo = bo_own(gbo, "gbm_bo_unmap");
	struct map_token *token = map_data;

	if (!token || !bo)
		return;
	if (dmaheap_cpu_end(bo->fds[0], token->access))
		gbm_fail(device_from_gbm(gbo->gbm), errno,
			 "bo_unmap: DMA_BUF_IOCTL_SYNC end: %s", strerror(errno));
	free(token);
}

/* Copies count bytes to the start of plane 0 (cursor images, mostly). */
int bo_write(struct gbm_bo *gbo, const void *buf, size_t count)
{
	struct dmaheap_gbm_bo *bo = bo_own(gbo, "gbm_bo_write");
	struct dmaheap_gbm_device *dev;
	uint8_t *map;
	int ret = 0;

	if (!bo)
		return -1;
	dev = device_from_gbm(gbo->gbm);
	if (!buf || count > bo->sizes[0] - bo->offset[0]) {
		gbm_fail(dev, EINVAL, "bo_write: %zu bytes into a %llu-byte buffer from "
			 "offset %u", count, (unsigned long long)bo->sizes[0], bo->offset[0]);
		return -1;
	}
	map = bo_mapping(bo, true);
	if (!map)
		return -1;
	if (dmaheap_cpu_begin(bo->fds[0], DMAHEAP_ACCESS_WRITE)) {
		gbm_fail(dev, errno, "bo_write: DMA_BUF_IOCTL_SYNC start: %s", strerror(errno));
		return -1;
	}
	memcpy(map + bo->offset[0], buf, count);
	if (dmaheap_cpu_end(bo->fds[0], DMAHEAP_ACCESS_WRITE)) {
		gbm_fail(dev, errno, "bo_write: DMA_BUF_IOCTL_SYNC end: %s", strerror(errno));
		ret = -1;
	}
	return ret;
}
