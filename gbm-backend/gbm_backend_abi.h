/* SPDX-License-Identifier: MIT */
/*
 * The libgbm backend ABI, versions 0 and 1, as Mesa's loader (src/gbm/main)
 * lays it out. libgbm-dev installs only the public gbm.h, so the backend
 * declares these structs itself; the static assertions below pin every offset
 * the loader reads on x86-64 (see docs/gbm-backend.md). Versions 0 and 1
 * share these structs: version 1 only means the loader passes real usage
 * flags to bo_create and surface_create together with modifiers.
 */
#ifndef DMAHEAP_GBM_BACKEND_ABI_H
#define DMAHEAP_GBM_BACKEND_ABI_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <gbm.h>

/* The newest backend ABI this backend implements. */
#define GBM_BACKEND_ABI_VERSION 1

struct gbm_backend_desc;	/* the loader's, opaque to backends */

struct gbm_device_v0 {
	const struct gbm_backend_desc *backend_desc;
	/* min(loader, backend): the backend must store what create_device got */
	uint32_t backend_version;
	int fd;
	const char *name;

	void (*destroy)(struct gbm_device *gbm);
	int (*is_format_supported)(struct gbm_device *gbm, uint32_t format,
				   uint32_t usage);
	int (*get_format_modifier_plane_count)(struct gbm_device *gbm,
					       uint32_t format,
					       uint64_t modifier);
	struct gbm_bo *(*bo_create)(struct gbm_device *gbm, uint32_t width,
				    uint32_t height, uint32_t format,
				    uint32_t usage, const uint64_t *modifiers,
				    const unsigned int count);
	struct gbm_bo *(*bo_import)(struct gbm_device *gbm, uint32_t type,
				    void *buffer, uint32_t usage);
	void *(*bo_map)(struct gbm_bo *bo, uint32_t x, uint32_t y,
			uint32_t width, uint32_t height, uint32_t flags,
			uint32_t *stride, void **map_data);
	void (*bo_unmap)(struct gbm_bo *bo, void *map_data);
	int (*bo_write)(struct gbm_bo *bo, const void *buf, size_t data);
	int (*bo_get_fd)(struct gbm_bo *bo);
	int (*bo_get_planes)(struct gbm_bo *bo);
	union gbm_bo_handle (*bo_get_handle)(struct gbm_bo *bo, int plane);
	int (*bo_get_plane_fd)(struct gbm_bo *bo, int plane);
	uint32_t (*bo_get_stride)(struct gbm_bo *bo, int plane);
	uint32_t (*bo_get_offset)(struct gbm_bo *bo, int plane);
	uint64_t (*bo_get_modifier)(struct gbm_bo *bo);
	void (*bo_destroy)(struct gbm_bo *bo);

	struct gbm_surface *(*surface_create)(struct gbm_device *gbm,
					      uint32_t width, uint32_t height,
					      uint32_t format, uint32_t flags,
					      const uint64_t *modifiers,
					      const unsigned int count);
	struct gbm_bo *(*surface_lock_front_buffer)(struct gbm_surface *surface);
	void (*surface_release_buffer)(struct gbm_surface *surface,
				       struct gbm_bo *bo);
	int (*surface_has_free_buffers)(struct gbm_surface *surface);
	void (*surface_destroy)(struct gbm_surface *surface);
};

struct gbm_device {
	/* the loader sets this to gbm_create_device to recognise its devices */
	void *dummy;
	struct gbm_device_v0 v0;
};

struct gbm_bo_v0 {
	uint32_t width;
	uint32_t height;
	uint32_t stride;
	uint32_t format;
	union gbm_bo_handle handle;	/* plane 0's GEM handle on the device fd */
	void *user_data;
	void (*destroy_user_data)(struct gbm_bo *bo, void *data);
};

struct gbm_bo {
	struct gbm_device *gbm;
	struct gbm_bo_v0 v0;
};

struct gbm_surface_v0 {
	uint32_t width;
	uint32_t height;
	uint32_t format;
	uint32_t flags;
	uint64_t *modifiers;
	unsigned int count;
};

struct gbm_surface {
	struct gbm_device *gbm;
	struct gbm_surface_v0 v0;
};

struct gbm_backend_v0 {
	uint32_t backend_version;
	const char *backend_name;
	struct gbm_device *(*create_device)(int fd, uint32_t abi_version);
};

struct gbm_backend {
	struct gbm_backend_v0 v0;
};

struct gbm_core_v0 {
	uint32_t core_version;
	uint32_t (*format_canonicalize)(uint32_t gbm_format);
};

struct gbm_core {
	struct gbm_core_v0 v0;
};

/* The one symbol the loader looks up in <name>_gbm.so. */
const struct gbm_backend *gbmint_get_backend(const struct gbm_core *core);

#if defined(__x86_64__) || defined(__aarch64__)
static_assert(sizeof(struct gbm_device) == 200, "gbm_device layout");
static_assert(offsetof(struct gbm_device, v0) == 8, "gbm_device.v0");
static_assert(offsetof(struct gbm_device, v0.backend_version) == 16, "backend_version");
static_assert(offsetof(struct gbm_device, v0.fd) == 20, "fd");
static_assert(offsetof(struct gbm_device, v0.name) == 24, "name");
static_assert(offsetof(struct gbm_device, v0.destroy) == 32, "destroy");
static_assert(offsetof(struct gbm_device, v0.bo_create) == 56, "bo_create");
static_assert(offsetof(struct gbm_device, v0.bo_get_handle) == 112, "bo_get_handle");
static_assert(offsetof(struct gbm_device, v0.bo_destroy) == 152, "bo_destroy");
static_assert(offsetof(struct gbm_device, v0.surface_create) == 160, "surface_create");
static_assert(offsetof(struct gbm_device, v0.surface_destroy) == 192, "surface_destroy");
static_assert(sizeof(struct gbm_bo) == 48, "gbm_bo layout");
static_assert(offsetof(struct gbm_bo, v0.width) == 8, "bo width");
static_assert(offsetof(struct gbm_bo, v0.format) == 20, "bo format");
static_assert(offsetof(struct gbm_bo, v0.handle) == 24, "bo handle");
static_assert(offsetof(struct gbm_bo, v0.user_data) == 32, "bo user_data");
static_assert(offsetof(struct gbm_bo, v0.destroy_user_data) == 40, "bo destroy_user_data");
static_assert(sizeof(struct gbm_surface) == 40, "gbm_surface layout");
static_assert(offsetof(struct gbm_surface, v0.modifiers) == 24, "surface modifiers");
static_assert(sizeof(struct gbm_backend) == 24, "gbm_backend layout");
static_assert(offsetof(struct gbm_backend, v0.create_device) == 16, "create_device");
static_assert(sizeof(struct gbm_core) == 16, "gbm_core layout");
static_assert(offsetof(struct gbm_core, v0.format_canonicalize) == 8, "format_canonicalize");
#endif

#endif /* DMAHEAP_GBM_BACKEND_ABI_H */
