// SPDX-License-Identifier: MIT
/*
 * The entry point libgbm looks up (gbmint_get_backend), ABI negotiation, and
 * the device: its libdmaheap context, the stride alignment, whether its fd
 * can import dma-bufs, and the calls that are about formats rather than
 * buffers. Surfaces are refused: Mesa's EGL drives only Mesa's own backend.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xf86drm.h>

#include "private.h"

void gbm_fail(const struct dmaheap_gbm_device *dev, int err, const char *fmt, ...)
{
	va_list ap;

	if (!dev || dev->debug) {
		va_start(ap, fmt);
		fputs("dmaheap_gbm: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		va_end(ap);
	}
	errno = err;
}

/* The loader hands its core interface over once, before any device exists,
 * and keeps it for as long as the backend is loaded. */
static const struct gbm_core *loader_core;

/*
 * Buffers come from the cheapest heap this device accepts (learnt once,
 * through the device's own fd, by the first bo_create: a device that never
 * allocates costs no probe), so a display or GPU that takes scattered
 * memory never gets CMA; a device libdmaheap cannot learn keeps the usage
 * policy (heap_usage() in bo.c).
 */
struct dmaheap_heap *device_heap(struct dmaheap_gbm_device *dev, enum dmaheap_usage usage)
{
	struct dmaheap_heap *heap;
	char why[512];
	int err;

	pthread_mutex_lock(&dev->accepts_lock);
	if (!dev->accepts_learnt) {
		dev->accepts = dmaheap_device_get_fd(dev->ctx, dev->base.v0.fd);
		dev->accepts_learnt = true;
		if (!dev->accepts && dev->debug)
			gbm_fail(dev, 0, "fd %d: %s: buffers come from the heaps of "
				 "their usage", dev->base.v0.fd, dmaheap_last_error());
	}
	heap = dev->heap_for[usage];
	if (!heap && dev->accepts) {
		/* gbm_bo_map lets the CPU read as well as write: cached memory */
		heap = dmaheap_heap_for_devices(dev->ctx, &dev->accepts, 1,
						DMAHEAP_CPU_READ | DMAHEAP_CPU_WRITE,
						usage, why, sizeof(why));
		if (heap && dev->debug)
			gbm_fail(dev, 0, "%s buffers: heap %s", dmaheap_usage_name(usage), why);
		dev->heap_for[usage] = heap;
	} else if (!heap) {
		heap = dmaheap_heap_for_usage(dev->ctx, usage);
	}
	err = heap ? 0 : errno;
	pthread_mutex_unlock(&dev->accepts_lock);
	errno = err;
	return heap;
}

uint32_t canonical_format(const struct dmaheap_gbm_device *dev, uint32_t format)
{
	if (dev->canonicalize)
		return dev->canonicalize(format);
	/* The two legacy GBM_BO_FORMAT_* values, as the loader maps them. */
	if (format == GBM_BO_FORMAT_XRGB8888)
		return GBM_FORMAT_XRGB8888;
	if (format == GBM_BO_FORMAT_ARGB8888)
		return GBM_FORMAT_ARGB8888;
	return format;
}

static int is_format_supported(struct gbm_device *gbm, uint32_t format, uint32_t usage)
{
	struct dmaheap_gbm_device *dev = device_from_gbm(gbm);

	if ((usage & ~KNOWN_USAGE) || (usage & GBM_BO_USE_PROTECTED))
		return 0;
	return dmaheap_format_get(canonical_format(dev, format)) != NULL;
}

static int get_format_modifier_plane_count(struct gbm_device *gbm, uint32_t format,
					   uint64_t modifier)
{
	struct dmaheap_gbm_device *dev = device_from_gbm(gbm);
	const struct dmaheap_format *fmt = dmaheap_format_get(canonical_format(dev, format));

	if (!fmt) {
		gbm_fail(dev, EINVAL, "format 0x%08x is not in libdmaheap's table", format);
		return -1;
	}
	if (modifier != DRM_FORMAT_MOD_LINEAR && modifier != DRM_FORMAT_MOD_INVALID) {
		gbm_fail(dev, EINVAL, "modifier 0x%016llx: only LINEAR buffers come from heaps",
			 (unsigned long long)modifier);
		return -1;
	}
	return (int)fmt->num_planes;
}

static struct gbm_surface *surface_create(struct gbm_device *gbm, uint32_t width,
					  uint32_t height, uint32_t format, uint32_t flags,
					  const uint64_t *modifiers, const unsigned int count)
{
	(void)width, (void)height, (void)format, (void)flags, (void)modifiers, (void)count;
	/* always said: it is why the caller's EGL set-up will fail */
	gbm_fail(NULL, ENOSYS, "gbm_surface_create: this dmaheap device is allocation-only, "
		 "and Mesa's EGL renders only on Mesa's own GBM device: %s",
		 device_from_gbm(gbm)->no_mesa_why);
	return NULL;
}

/* No surface is ever created, so the loader never calls these with one. */
static struct gbm_bo *surface_lock_front_buffer(struct gbm_surface *surface)
{
	(void)surface;
	errno = ENOSYS;
	return NULL;
}

static void surface_release_buffer(struct gbm_surface *surface, struct gbm_bo *bo)
{
	(void)surface, (void)bo;
}

static int surface_has_free_buffers(struct gbm_surface *surface)
{
	(void)surface;
	return 0;
}

static void surface_destroy(struct gbm_surface *surface)
{
	(void)surface;
}

void device_free(struct dmaheap_gbm_device *dev)
{
	if (dev->num_handles)
		gbm_fail(dev, EBUSY, "device destroyed with %zu GEM handles still in use",
			 dev->num_handles);
	free(dev->handles);
	pthread_mutex_destroy(&dev->handles_lock);
	pthread_mutex_destroy(&dev->accepts_lock);
	dmaheap_ctx_destroy(dev->ctx);
	dev->magic = 0;
	free(dev);
}

static void device_destroy(struct gbm_device *gbm)
{
	device_free(device_from_gbm(gbm));
}

/* DMAHEAP_GBM_STRIDE_ALIGN: a power of two from 1 to 4096; unset means 64. */
static int stride_align_from_env(struct dmaheap_gbm_device *dev)
{
	const char *s = secure_getenv("DMAHEAP_GBM_STRIDE_ALIGN");
	unsigned long v;
	char *end;

	dev->stride_align = DEFAULT_STRIDE_ALIGN;
	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v == 0 || v > 4096 || (v & (v - 1))) {
		/* A setting the user made is never silently ignored. */
		gbm_fail(NULL, EINVAL, "DMAHEAP_GBM_STRIDE_ALIGN='%s': want a power of "
			 "two from 1 to 4096 (bytes)", s);
		return -1;
	}
	dev->stride_align = (uint32_t)v;
	return 0;
}

static struct gbm_device *create_device(int fd, uint32_t abi_version)
{
	struct dmaheap_gbm_device *dev;
	const char *debug = secure_getenv("DMAHEAP_GBM_DEBUG");
	struct gbm_device *mesa;
	uint64_t prime = 0;

	if (abi_version > GBM_BACKEND_ABI_VERSION) {
		gbm_fail(NULL, EINVAL, "the loader asked for backend ABI %u; this backend "
			 "implements 0 to %u", abi_version, GBM_BACKEND_ABI_VERSION);
		return NULL;
	}
	dev = calloc(1, sizeof(*dev));
	if (!dev) {
		errno = ENOMEM;
		return NULL;
	}
	dev->magic = DMAHEAP_GBM_DEVICE_MAGIC;
	dev->debug = debug && *debug && strcmp(debug, "0");
	if (stride_align_from_env(dev))
		goto err_free;
	dev->ctx = dmaheap_ctx_create(0);
	if (!dev->ctx) {
		gbm_fail(NULL, errno, "%s", dmaheap_last_error());
		goto err_free;
	}
	if (pthread_mutex_init(&dev->handles_lock, NULL)) {
		errno = ENOMEM;
		goto err_ctx;
	}
	if (pthread_mutex_init(&dev->accepts_lock, NULL)) {
		pthread_mutex_destroy(&dev->handles_lock);
		errno = ENOMEM;
		goto err_ctx;
	}
	/* A render node or a primary node: handles come from PRIME import. A fd
	 * that is not DRM (or cannot import) still allocates; handles are 0. */
	dev->prime_import = !drmGetCap(fd, DRM_CAP_PRIME, &prime) &&
			    (prime & DRM_PRIME_CAP_IMPORT);
	if (!dev->prime_import && dev->debug)
		gbm_fail(dev, 0, "fd %d cannot import dma-bufs (no DRM_PRIME_CAP_IMPORT): "
			 "buffers get no GEM handles", fd);
	if (loader_core)
		dev->canonicalize = loader_core->v0.format_canonicalize;

	dev->base.v0.backend_version = abi_version;
	dev->base.v0.fd = fd;
	dev->base.v0.name = BACKEND_NAME;
	dev->base.v0.destroy = device_destroy;
	dev->base.v0.is_format_supported = is_format_supported;
	dev->base.v0.get_format_modifier_plane_count = get_format_modifier_plane_count;
	dev->base.v0.bo_create = bo_create;
	dev->base.v0.bo_import = bo_import;
	dev->base.v0.bo_map = bo_map;
	dev->base.v0.bo_unmap = bo_unmap;
	dev->base.v0.bo_write = bo_write;
	dev->base.v0.bo_get_fd = bo_get_fd;
	dev->base.v0.bo_get_planes = bo_get_planes;
	dev->base.v0.bo_get_handle = bo_get_handle;
	dev->base.v0.bo_get_plane_fd = bo_get_plane_fd;
	dev->base.v0.bo_get_stride = bo_get_stride;
	dev->base.v0.bo_get_offset = bo_get_offset;
	dev->base.v0.bo_get_modifier = bo_get_modifier;
	dev->base.v0.bo_destroy = bo_destroy;
	dev->base.v0.surface_create = surface_create;
	dev->base.v0.surface_lock_front_buffer = surface_lock_front_buffer;
	dev->base.v0.surface_release_buffer = surface_release_buffer;
	dev->base.v0.surface_has_free_buffers = surface_has_free_buffers;
	dev->base.v0.surface_destroy = surface_destroy;
	/* Mesa's own device, if there is one to wrap: the loader gets it and
	 * dev stays behind it as dmaheap's side (the heaps, the probe) */
	if (mesa_wrap(dev, loader_core, fd, abi_version, &mesa)) {
		device_free(dev);
		return NULL;
	}
	return mesa ? mesa : &dev->base;

err_ctx:
	dmaheap_ctx_destroy(dev->ctx);
err_free:
	free(dev);
	return NULL;
}

static const struct gbm_backend backend = {
	.v0 = {
		.backend_version = GBM_BACKEND_ABI_VERSION,
		.backend_name = BACKEND_NAME,
		.create_device = create_device,
	},
};

__attribute__((visibility("default")))
const struct gbm_backend *gbmint_get_backend(const struct gbm_core *core)
{
	loader_core = core;
	return &backend;
}
