// SPDX-License-Identifier: MIT
/*
 * Buffer objects: creation from a heap (layout by libdmaheap, heap by its
 * usage policy), destruction, and the per-plane queries. Every plane of a
 * created bo lives in one dma-buf at libdmaheap's offsets, and every bo is
 * LINEAR: heaps hand out plain memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xf86drm.h>

#include "private.h"

struct dmaheap_gbm_bo *bo_new(struct dmaheap_gbm_device *dev, uint32_t width,
			      uint32_t height, const struct dmaheap_format *fmt)
{
	struct dmaheap_gbm_bo *bo = calloc(1, sizeof(*bo));

	if (!bo) {
		errno = ENOMEM;
		return NULL;
	}
	if (pthread_mutex_init(&bo->map_lock, NULL)) {
		free(bo);
		errno = ENOMEM;
		return NULL;
	}
	bo->base.gbm = &dev->base;
	bo->magic = DMAHEAP_GBM_BO_MAGIC;
	bo->base.v0.width = width;
	bo->base.v0.height = height;
	bo->base.v0.format = fmt->fourcc;
	bo->format = fmt;
	bo->num_planes = fmt->num_planes;
	bo->modifier = DRM_FORMAT_MOD_LINEAR;
	for (int i = 0; i < DMAHEAP_MAX_PLANES; i++)
		bo->fds[i] = -1;
	return bo;
}

int bo_take_handles(struct dmaheap_gbm_device *dev, struct dmaheap_gbm_bo *bo)
{
	for (unsigned int i = 0; i < bo->num_fds; i++)
		if (gem_handle_get(dev, bo->fds[i], &bo->handles[i]))
			return -1;
	bo->base.v0.handle.u32 = bo->handles[bo->plane_fd[0]];
	bo->base.v0.stride = bo->stride[0];
	return 0;
}

struct dmaheap_gbm_bo *bo_own(struct gbm_bo *gbo, const char *call)
{
	struct dmaheap_gbm_device *dev = gbo ? device_from_gbm(gbo->gbm) : NULL;
	struct dmaheap_gbm_bo *bo = bo_from_gbm(gbo);

	if (!dev || dev->magic != DMAHEAP_GBM_DEVICE_MAGIC)
		dev = NULL;
	if (dev && bo->magic == DMAHEAP_GBM_BO_MAGIC)
		return bo;
	gbm_fail(dev, EINVAL, "%s: %p is not a buffer object of the dmaheap backend "
		 "(NULL, another backend's, or destroyed)", call, (void *)gbo);
	return NULL;
}

void bo_destroy(struct gbm_bo *gbo)
{
	struct dmaheap_gbm_bo *bo = bo_own(gbo, "gbm_bo_destroy");
	struct dmaheap_gbm_device *dev;
	int saved_errno = errno;

	if (!bo)
		return;
	dev = device_from_gbm(gbo->gbm);
	bo_map_release(bo);
	for (unsigned int i = 0; i < bo->num_fds; i++) {
		gem_handle_put(dev, bo->handles[i]);
		if (bo->fds[i] >= 0)
			close(bo->fds[i]);
	}
	pthread_mutex_destroy(&bo->map_lock);
	bo->magic = 0;
	free(bo);
	errno = saved_errno;
}

/* Without a probed device: SCANOUT and CURSOR buffers go to the display
 * (contiguous heaps first); RENDERING to the GPU list; anything else only
 * the CPU touches. With one, also the fallback for a device whose needs are
 * unknown, and the list a user's DMAHEAP_HEAPS entry overrides. */
static enum dmaheap_usage heap_usage(uint32_t usage)
{
	if (usage & (GBM_BO_USE_SCANOUT | GBM_BO_USE_CURSOR))
		return DMAHEAP_USAGE_SCANOUT;
	if (usage & (GBM_BO_USE_RENDERING | GBM_BO_USE_FRONT_RENDERING))
		return DMAHEAP_USAGE_GPU;
	return DMAHEAP_USAGE_CPU;
}

/* LINEAR is all a heap gives; INVALID ("whatever you like") is then LINEAR. */
static int pick_modifier(struct dmaheap_gbm_device *dev, const uint64_t *modifiers,
			 unsigned int count)
{
	bool invalid = false;

	for (unsigned int i = 0; i < count; i++) {
		if (modifiers[i] == DRM_FORMAT_MOD_LINEAR)
			return 0;
		invalid |= modifiers[i] == DRM_FORMAT_MOD_INVALID;
	}
	if (!count || invalid)
		return 0;
	gbm_fail(dev, EINVAL, "bo_create: none of the %u modifiers is LINEAR (or INVALID); "
		 "dma-heap buffers are linear", count);
	return -1;
}

struct dmaheap_gbm_bo *bo_alloc(struct dmaheap_gbm_device *dev, uint32_t width,
				uint32_t height, uint32_t format, uint32_t usage,
				const uint64_t *modifiers, unsigned int count)
{
	const struct dmaheap_format *fmt;
	struct dmaheap_layout layout = { .struct_size = sizeof(layout) };
	struct dmaheap_heap *heap;
	struct dmaheap_gbm_bo *bo;
	char name[5];
	int fd;

	format = canonical_format(dev, format);
	fmt = dmaheap_format_get(format);
	if (!fmt) {
		gbm_fail(dev, EINVAL, "bo_create: format %s (0x%08x) is not in libdmaheap's "
			 "table (dmaheap formats lists it)", dmaheap_fourcc_str(format, name),
			 format);
		return NULL;
	}
	if (usage & ~KNOWN_USAGE) {
		gbm_fail(dev, EINVAL, "bo_create: unknown usage bits 0x%x", usage & ~KNOWN_USAGE);
		return NULL;
	}
	if (usage & GBM_BO_USE_PROTECTED) {
		gbm_fail(dev, ENOTSUP, "bo_create: GBM_BO_USE_PROTECTED needs a secure heap, "
			 "which this backend does not use");
		return NULL;
	}
	if ((count && !modifiers) || pick_modifier(dev, modifiers, count)) {
		errno = EINVAL;
		return NULL;
	}
	if (!width || !height || width > MAX_DIMENSION || height > MAX_DIMENSION) {
		gbm_fail(dev, EINVAL, "bo_create: %ux%u: width and height must be 1 to %u",
			 width, height, MAX_DIMENSION);
		return NULL;
	}
	if (dmaheap_layout_compute(format, width, height, dev->stride_align, 1, &layout)) {
		gbm_fail(dev, errno, "bo_create: %s", dmaheap_last_error());
		return NULL;
	}
	/* the heap is chosen once per usage, not per buffer */
	heap = device_heap(dev, heap_usage(usage));
	fd = heap ? dmaheap_heap_alloc(heap, layout.size, DMAHEAP_FD_FLAGS_DEFAULT, 0) : -1;
	if (fd < 0) {
		gbm_fail(dev, errno, "bo_create: %s", dmaheap_last_error());
		return NULL;
	}
	bo = bo_new(dev, width, height, fmt);
	if (!bo) {
		close(fd);
		return NULL;
	}
	bo->num_fds = 1;
	bo->fds[0] = fd;
	bo->sizes[0] = layout.size;
	for (unsigned int i = 0; i < layout.num_planes; i++) {
		bo->stride[i] = layout.stride[i];
		bo->offset[i] = (uint32_t)layout.offset[i];
		bo->plane_fd[i] = 0;
	}
	bo->base.v0.stride = bo->stride[0];
	if (layout.offset[layout.num_planes - 1] > UINT32_MAX) {
		gbm_fail(dev, EOVERFLOW, "bo_create: a plane offset does not fit 32 bits");
		bo_destroy(&bo->base);
		return NULL;
	}
	return bo;
}

struct gbm_bo *bo_create(struct gbm_device *gbm, uint32_t width, uint32_t height,
			 uint32_t format, uint32_t usage,
			 const uint64_t *modifiers, const unsigned int count)
{
	struct dmaheap_gbm_device *dev = device_from_gbm(gbm);
	struct dmaheap_gbm_bo *bo = bo_alloc(dev, width, height, format, usage,
					     modifiers, count);

	if (!bo)
		return NULL;
	if (bo_take_handles(dev, bo)) {
		bo_destroy(&bo->base);
		return NULL;
	}
	return &bo->base;
}

static bool plane_ok(struct dmaheap_gbm_bo *bo, int plane)
{
	if (plane >= 0 && (unsigned int)plane < bo->num_planes)
		return true;
	gbm_fail(device_from_gbm(bo->base.gbm), EINVAL, "plane %d: this %s bo has %u plane(s)",
		 plane, bo->format->name, bo->num_planes);
	return false;
}

static int dup_fd(struct dmaheap_gbm_bo *bo, unsigned int index)
{
	int fd = fcntl(bo->fds[index], F_DUPFD_CLOEXEC, 0);

	if (fd < 0)
		gbm_fail(device_from_gbm(bo->base.gbm), errno, "duplicating dma-buf fd: %s",
			 strerror(errno));
	return fd;
}

int bo_get_fd(struct gbm_bo *gbo)
{
	struct dmaheap_gbm_bo *bo = bo_own(gbo, "gbm_bo_get_fd");

	return bo ? dup_fd(bo, bo->plane_fd[0]) : -1;
}

int bo_get_plane_fd(struct gbm_bo *gbo, int plane)
{
	struct dmaheap_gbm_bo *bo = bo_own(gbo, "gbm_bo_get_fd_for_plane");

	return bo && plane_ok(bo, plane) ? dup_fd(bo, bo->plane_fd[plane]) : -1;
}

int bo_get_planes(struct gbm_bo *gbo)
{
	struct dmaheap_gbm_bo *bo = bo_own(gbo, "gbm_bo_get_plane_count");

	return bo ? (int)bo->num_planes : -1;
}

union gbm_bo_handle bo_get_handle(struct gbm_bo *gbo, int plane)
{
	struct dmaheap_gbm_bo *bo = bo_own(gbo, "gbm_bo_get_handle_for_plane");
	union gbm_bo_handle h = { .s64 = -1 };

	if (bo && plane_ok(bo, plane)) {
		h.u64 = 0;
		h.u32 = bo->handles[bo->plane_fd[plane]];
	}
	return h;
}

uint32_t bo_get_stride(struct gbm_bo *gbo, int plane)
{
	struct dmaheap_gbm_bo *bo = bo_own(gbo, "gbm_bo_get_stride_for_plane");

	return bo && plane_ok(bo, plane) ? bo->stride[plane] : 0;
}

uint32_t bo_get_offset(struct gbm_bo *gbo, int plane)
{
	struct dmaheap_gbm_bo *bo = bo_own(gbo, "gbm_bo_get_offset");

	return bo && plane_ok(bo, plane) ? bo->offset[plane] : 0;
}

uint64_t bo_get_modifier(struct gbm_bo *gbo)
{
	struct dmaheap_gbm_bo *bo = bo_own(gbo, "gbm_bo_get_modifier");

	return bo ? bo->modifier : DRM_FORMAT_MOD_INVALID;
}
