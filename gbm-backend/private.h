/* SPDX-License-Identifier: MIT */
/*
 * dmaheap_gbm.so internals: the device and buffer object types that wrap the
 * loader's structs, and the functions the files of this directory share.
 */
#ifndef DMAHEAP_GBM_PRIVATE_H
#define DMAHEAP_GBM_PRIVATE_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dmaheap/dmaheap.h>

#include "gbm_backend_abi.h"

#define BACKEND_NAME "dmaheap"
/* Default stride alignment in bytes (DMAHEAP_GBM_STRIDE_ALIGN overrides). */
#define DEFAULT_STRIDE_ALIGN 64
/* Larger than any display engine or GPU this backend feeds; bigger sizes are
 * refused with EINVAL instead of asking a heap for gigabytes. */
#define MAX_DIMENSION 32768
/* Usage bits this backend understands (gbm.h, Mesa 22.3). */
#define KNOWN_USAGE (GBM_BO_USE_SCANOUT | GBM_BO_USE_CURSOR | \
		     GBM_BO_USE_RENDERING | GBM_BO_USE_WRITE | \
		     GBM_BO_USE_LINEAR | GBM_BO_USE_PROTECTED | \
		     GBM_BO_USE_FRONT_RENDERING)

struct gem_handle_ref {
	uint32_t handle;
	unsigned int refs;
};

/* Set in every device and bo this backend made, cleared when it goes. */
#define DMAHEAP_GBM_DEVICE_MAGIC 0x64686764u
#define DMAHEAP_GBM_BO_MAGIC 0x64686762u

struct dmaheap_gbm_device {
	struct gbm_device base;
	uint32_t magic;
	struct dmaheap_ctx *ctx;
	uint32_t stride_align;
	bool debug;		/* DMAHEAP_GBM_DEBUG: say why a call failed */
	bool prime_import;	/* the device fd turns dma-bufs into GEM handles */
	/* what the device accepts (libdmaheap's probe, run by the first
	 * bo_create, under accepts_lock); NULL: heaps by usage */
	pthread_mutex_t accepts_lock;
	bool accepts_learnt;
	struct dmaheap_device *accepts;
	/* the heap chosen for it per usage, once (owned by ctx) */
	struct dmaheap_heap *heap_for[DMAHEAP_USAGE_COUNT];
	uint32_t (*canonicalize)(uint32_t gbm_format);

	/* GEM handles are per device fd and per buffer: one entry per handle */
	pthread_mutex_t handles_lock;
	struct gem_handle_ref *handles;
	size_t num_handles, max_handles;

	/* Drop-in mode (mesa.c): the device the loader got is Mesa's, these
	 * are its own functions, and this struct only holds dmaheap's side. */
	struct gbm_device *mesa;
	struct gbm_device_v0 mesa_v0;
	void *mesa_lib;			/* dlopen handle of dri_gbm.so */
	char mesa_version[64];		/* "25.0.7-2~bpo12+1", or "" */
	/* why this device is allocation-only (surface_create's message) */
	char no_mesa_why[2 * PATH_MAX + 512];
};

struct dmaheap_gbm_bo {
	struct gbm_bo base;
	uint32_t magic;
	const struct dmaheap_format *format;
	unsigned int num_planes;
	uint64_t modifier;
	uint32_t stride[DMAHEAP_MAX_PLANES];
	uint32_t offset[DMAHEAP_MAX_PLANES];
	/* the dma-bufs (one, or one per plane after a multi-fd import) */
	unsigned int num_fds;
	int fds[DMAHEAP_MAX_PLANES];
	uint32_t handles[DMAHEAP_MAX_PLANES];	/* per fd; 0 without PRIME import */
	uint64_t sizes[DMAHEAP_MAX_PLANES];	/* per fd */
	unsigned int plane_fd[DMAHEAP_MAX_PLANES];	/* plane -> index in fds */

	/* drop-in mode: the Mesa bo this heap buffer was imported as */
	struct gbm_bo *mesa_bo;

	/* a CPU mapping of fds[0], made on the first map and kept until destroy */
	pthread_mutex_t map_lock;
	void *map;
	int map_prot;
};

static inline struct dmaheap_gbm_device *device_from_gbm(struct gbm_device *gbm)
{
	return (struct dmaheap_gbm_device *)gbm;
}

static inline struct dmaheap_gbm_bo *bo_from_gbm(struct gbm_bo *bo)
{
	return (struct dmaheap_gbm_bo *)bo;
}

/* Sets errno to err and, with DMAHEAP_GBM_DEBUG set, prints why. */
/*
 * @gbo as this backend's bo, or NULL (errno EINVAL, and a DMAHEAP_GBM_DEBUG
 * line naming @call) when it is not one: NULL, another backend's, or one
 * already destroyed whose memory was not reused yet.
 */
struct dmaheap_gbm_bo *bo_own(struct gbm_bo *gbo, const char *call);

__attribute__((format(printf, 3, 4)))
void gbm_fail(const struct dmaheap_gbm_device *dev, int err, const char *fmt, ...);

/* backend.c: GBM_BO_FORMAT_* -> DRM fourcc, through the loader's helper */
/* The heap for usage's buffers: chosen once for the device (libdmaheap's
 * device-aware choice), or by usage when the device cannot be learnt. NULL
 * with errno and libdmaheap's message. */
struct dmaheap_heap *device_heap(struct dmaheap_gbm_device *dev, enum dmaheap_usage usage);
uint32_t canonical_format(const struct dmaheap_gbm_device *dev, uint32_t format);

/* handles.c */
int gem_handle_get(struct dmaheap_gbm_device *dev, int buf_fd, uint32_t *handle);
void gem_handle_put(struct dmaheap_gbm_device *dev, uint32_t handle);

/* bo.c */
struct gbm_bo *bo_create(struct gbm_device *gbm, uint32_t width, uint32_t height,
			 uint32_t format, uint32_t usage,
			 const uint64_t *modifiers, const unsigned int count);
void bo_destroy(struct gbm_bo *gbo);
int bo_get_fd(struct gbm_bo *gbo);
int bo_get_planes(struct gbm_bo *gbo);
union gbm_bo_handle bo_get_handle(struct gbm_bo *gbo, int plane);
int bo_get_plane_fd(struct gbm_bo *gbo, int plane);
uint32_t bo_get_stride(struct gbm_bo *gbo, int plane);
uint32_t bo_get_offset(struct gbm_bo *gbo, int plane);
uint64_t bo_get_modifier(struct gbm_bo *gbo);
/* A bo whose memory comes from a heap (layout, heap choice), without GEM
 * handles: bo_create adds them, the Mesa wrapper imports it into Mesa. */
struct dmaheap_gbm_bo *bo_alloc(struct dmaheap_gbm_device *dev, uint32_t width,
				uint32_t height, uint32_t format, uint32_t usage,
				const uint64_t *modifiers, unsigned int count);
/* Allocates a bo and fills what every bo has; fds are the caller's to add. */
struct dmaheap_gbm_bo *bo_new(struct dmaheap_gbm_device *dev, uint32_t width,
			      uint32_t height, const struct dmaheap_format *fmt);
/* Takes GEM handles for every fd of bo; 0 or -1 with errno. */
int bo_take_handles(struct dmaheap_gbm_device *dev, struct dmaheap_gbm_bo *bo);

/* mesa.c: *out is Mesa's device with heap buffers if this libgbm's Mesa
 * has a dri_gbm.so and the fd is one Mesa drives, else NULL (dev stays
 * allocation-only; dev->no_mesa_why says why). -1 with errno on a bad
 * DMAHEAP_GBM_MESA, or when DMAHEAP_GBM_MESA=1 demanded Mesa and failed. */
int mesa_wrap(struct dmaheap_gbm_device *dev, const struct gbm_core *core, int fd,
	      uint32_t abi_version, struct gbm_device **out);
/* device_destroy's end: frees dev and its libdmaheap context. */
void device_free(struct dmaheap_gbm_device *dev);

/* import.c */
struct gbm_bo *bo_import(struct gbm_device *gbm, uint32_t type, void *buffer,
			 uint32_t usage);

/* map.c */
void *bo_map(struct gbm_bo *gbo, uint32_t x, uint32_t y, uint32_t width,
	     uint32_t height, uint32_t flags, uint32_t *stride, void **map_data);
void bo_unmap(struct gbm_bo *gbo, void *map_data);
int bo_write(struct gbm_bo *gbo, const void *buf, size_t count);
/* Unmaps the kept mapping (bo_destroy). */
void bo_map_release(struct dmaheap_gbm_bo *bo);

#endif /* DMAHEAP_GBM_PRIVATE_H */
