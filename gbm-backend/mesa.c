// SPDX-License-Identifier: MIT
/*
 * Drop-in mode: Mesa's own GBM device with heap buffers.
 *
 * Mesa's EGL accepts a GBM device only if its backend is Mesa's ("drm") and
 * then uses the device and every buffer as its own structs. Since Mesa 24.3
 * that backend is a module beside ours (gbm/dri_gbm.so), so create_device()
 * can load it, let it make the device on the client's fd, and hand the
 * client Mesa's device with seven entries of its function table replaced:
 *
 *   bo_create   allocates the layout from a heap (bo_alloc: libdmaheap's
 *               layout and heap choice) and imports that dma-buf with
 *               Mesa's own bo_import (GBM_BO_IMPORT_FD_MODIFIER), so the bo,
 *               its DRI image and every other call on it stay Mesa's;
 *   bo_map, bo_unmap, bo_write
 *               map the heap dma-buf itself for heap bos (Mesa's software
 *               renderer cannot map an imported buffer); Mesa's for others;
 *   bo_get_modifier
 *               LINEAR for heap bos (kms_swrast cannot tell: INVALID);
 *   bo_destroy  Mesa's, then the heap side of the bo;
 *   destroy     Mesa's, then this side, then dlclose.
 *
 * EGL's window-surface colour buffers are made with the public
 * gbm_bo_create() on the device, so they come through bo_create as well.
 * What this relies on is listed in README.md ("Drop-in mode"), and checked
 * before the table is touched: dri_gbm.so's gbmint_get_backend, a backend
 * named "dri" of ABI >= the loader's, a device whose v0 table (the layout
 * gbm_backend_abi.h pins) holds the fd it was given, the name "drm" and
 * only functions of dri_gbm.so.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xf86drm.h>

#include "private.h"

#define MESA_BACKEND_FILE "dri_gbm.so"
#define MESA_BACKEND_NAME "dri"	/* GBM_BACKEND=dri */
#define MESA_DEVICE_NAME "drm"	/* what Mesa's EGL checks */

/* Every device wrapped in this process, and every heap bo handed out as a
 * Mesa bo (keyed by that bo), under one lock: both are small. */
static pthread_mutex_t wrap_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dmaheap_gbm_device **wrapped;
static size_t num_wrapped, max_wrapped;
static void *heap_bos;

static struct dmaheap_gbm_device *wrapped_device(struct gbm_device *gbm)
{
	struct dmaheap_gbm_device *dev = NULL;

	pthread_mutex_lock(&wrap_lock);
	for (size_t i = 0; i < num_wrapped; i++)
		if (wrapped[i]->mesa == gbm)
			dev = wrapped[i];
	pthread_mutex_unlock(&wrap_lock);
	return dev;
}

static int cmp_mesa_bo(const void *a, const void *b)
{
	const struct gbm_bo *x = ((const struct dmaheap_gbm_bo *)a)->mesa_bo;
	const struct gbm_bo *y = ((const struct dmaheap_gbm_bo *)b)->mesa_bo;

	return x < y ? -1 : x > y;
}

/* The heap side of a Mesa bo, or NULL for a bo Mesa allocated or imported
 * for the client. With take, it is also forgotten. */
static struct dmaheap_gbm_bo *heap_bo(struct gbm_bo *bo, bool take)
{
	struct dmaheap_gbm_bo key = { .mesa_bo = bo }, *side = NULL;
	void *node;

	pthread_mutex_lock(&wrap_lock);
	node = tfind(&key, &heap_bos, cmp_mesa_bo);
	if (node) {
		side = *(struct dmaheap_gbm_bo **)node;
		if (take)
			tdelete(&key, &heap_bos, cmp_mesa_bo);
	}
	pthread_mutex_unlock(&wrap_lock);
	return side;
}

/* Mesa's driver name for messages: the kernel driver behind the fd. */
static void driver_name(int fd, char *buf, size_t len)
{
	drmVersionPtr v = drmGetVersion(fd);

	snprintf(buf, len, "%s", v && v->name ? v->name : "a device that is not DRM");
	drmFreeVersion(v);
}

static const char *mesa_version(const struct dmaheap_gbm_device *dev)
{
	return dev->mesa_version[0] ? dev->mesa_version : "(version unknown)";
}

/*
 * Can Mesa's driver reach the memory of a buffer it imported? Asked once per
 * device, before it is handed out, with a small heap buffer and Mesa's own
 * gbm_bo_map: a hardware driver maps it (or blits it to a staging copy);
 * Mesa's software renderer on a KMS device (kms_swrast) maps its buffers
 * with DRM_IOCTL_MODE_MAP_DUMB, which Linux refuses for imported buffers, so
 * it could not render into one either (it would crash trying: llvmpipe
 * draws through the failed mapping). 1 yes, 0 no, -1 the probe itself
 * failed (errno, message in why).
 */
static int mesa_reaches_imports(struct dmaheap_gbm_device *dev, struct gbm_device *mesa,
				char *why, size_t len)
{
	struct gbm_import_fd_modifier_data data = {
		.width = 64, .height = 64, .format = GBM_FORMAT_XRGB8888, .num_fds = 1,
		.modifier = DRM_FORMAT_MOD_LINEAR,
	};
	struct dmaheap_gbm_bo *side;
	void *map_data = NULL, *p;
	struct gbm_bo *bo;
	uint32_t stride;
	int err;

	side = bo_alloc(dev, data.width, data.height, data.format, GBM_BO_USE_RENDERING,
			NULL, 0);
	if (!side) {
		snprintf(why, len, "no heap buffer to try Mesa %s with: %s", mesa_version(dev),
			 dmaheap_last_error());
		return -1;
	}
	data.fds[0] = side->fds[0];
	data.strides[0] = (int)side->stride[0];
	bo = mesa->v0.bo_import(mesa, GBM_BO_IMPORT_FD_MODIFIER, &data, GBM_BO_USE_RENDERING);
	if (!bo) {
		err = errno;
		snprintf(why, len, "Mesa %s does not import a heap buffer (64x64 XR24 "
			 "LINEAR): %s", mesa_version(dev), strerror(err));
		bo_destroy(&side->base);
		errno = err;
		return -1;
	}
	p = mesa->v0.bo_map(bo, 0, 0, 1, 1, GBM_BO_TRANSFER_READ, &stride, &map_data);
	if (p)
		mesa->v0.bo_unmap(bo, map_data);
	mesa->v0.bo_destroy(bo);
	bo_destroy(&side->base);
	return p != NULL;
}

static struct gbm_bo *wrap_bo_create(struct gbm_device *gbm, uint32_t width, uint32_t height,
				     uint32_t format, uint32_t usage,
				     const uint64_t *modifiers, const unsigned int count)
{
	struct dmaheap_gbm_device *dev = wrapped_device(gbm);
	struct gbm_import_fd_modifier_data data = { 0 };
	struct dmaheap_gbm_bo *side;
	struct gbm_bo *bo;
	char name[5];
	int err;

	if (!dev) {
		gbm_fail(NULL, EINVAL, "bo_create: %p is not a device dmaheap wrapped", (void *)gbm);
		return NULL;
	}
	side = bo_alloc(dev, width, height, format, usage, modifiers, count);
	if (!side)
		return NULL;
	data.width = width;
	data.height = height;
	data.format = side->base.v0.format;
	data.num_fds = side->num_planes;
	data.modifier = side->modifier;
	for (unsigned int i = 0; i < side->num_planes; i++) {
		data.fds[i] = side->fds[side->plane_fd[i]];
		data.strides[i] = (int)side->stride[i];
		data.offsets[i] = (int)side->offset[i];
	}
	bo = dev->mesa_v0.bo_import(gbm, GBM_BO_IMPORT_FD_MODIFIER, &data, usage);
	if (!bo) {
		err = errno ? errno : EINVAL;
		gbm_fail(dev, err, "bo_create: Mesa %s did not import the %ux%u %s heap buffer "
			 "(usage 0x%x): %s", mesa_version(dev), width, height,
			 dmaheap_fourcc_str(data.format, name), usage, strerror(err));
		bo_destroy(&side->base);
		errno = err;
		return NULL;
	}
	side->mesa_bo = bo;
	pthread_mutex_lock(&wrap_lock);
	err = tsearch(side, &heap_bos, cmp_mesa_bo) ? 0 : ENOMEM;
	pthread_mutex_unlock(&wrap_lock);
	if (err) {
		dev->mesa_v0.bo_destroy(bo);
		bo_destroy(&side->base);
		errno = err;
		return NULL;
	}
	return bo;
}

static void *wrap_bo_map(struct gbm_bo *bo, uint32_t x, uint32_t y, uint32_t width,
			 uint32_t height, uint32_t flags, uint32_t *stride, void **map_data)
{
	struct dmaheap_gbm_bo *side = heap_bo(bo, false);

	if (side)
		return bo_map(&side->base, x, y, width, height, flags, stride, map_data);
	return wrapped_device(bo->gbm)->mesa_v0.bo_map(bo, x, y, width, height, flags,
						      stride, map_data);
}

static void wrap_bo_unmap(struct gbm_bo *bo, void *map_data)
{
	struct dmaheap_gbm_bo *side = heap_bo(bo, false);

	if (side)
		bo_unmap(&side->base, map_data);
	else
		wrapped_device(bo->gbm)->mesa_v0.bo_unmap(bo, map_data);
}

static int wrap_bo_write(struct gbm_bo *bo, const void *buf, size_t count)
{
	struct dmaheap_gbm_bo *side = heap_bo(bo, false);

	if (side)
		return bo_write(&side->base, buf, count);
	return wrapped_device(bo->gbm)->mesa_v0.bo_write(bo, buf, count);
}

/* Mesa cannot always tell (kms_swrast says INVALID); a heap bo is LINEAR. */
static uint64_t wrap_bo_get_modifier(struct gbm_bo *bo)
{
	struct dmaheap_gbm_bo *side = heap_bo(bo, false);

	if (side)
		return side->modifier;
	return wrapped_device(bo->gbm)->mesa_v0.bo_get_modifier(bo);
}

static void wrap_bo_destroy(struct gbm_bo *bo)
{
	struct dmaheap_gbm_bo *side = heap_bo(bo, true);

	wrapped_device(bo->gbm)->mesa_v0.bo_destroy(bo);
	if (side)
		bo_destroy(&side->base);
}

struct leftover {
	struct dmaheap_gbm_device *dev;
	struct dmaheap_gbm_bo **bos;
	size_t num, max;
};

static void collect_leftover(const void *node, VISIT which, void *closure)
{
	struct dmaheap_gbm_bo *side = *(struct dmaheap_gbm_bo *const *)node;
	struct leftover *l = closure;

	if ((which != postorder && which != leaf) ||
	    device_from_gbm(side->base.gbm) != l->dev)
		return;
	if (l->num == l->max) {
		size_t max = l->max ? 2 * l->max : 16;
		void *bos = realloc(l->bos, max * sizeof(*l->bos));

		if (!bos)
			return;
		l->bos = bos;
		l->max = max;
	}
	l->bos[l->num++] = side;
}

static void wrap_destroy(struct gbm_device *gbm)
{
	struct dmaheap_gbm_device *dev = wrapped_device(gbm);
	struct leftover l = { .dev = dev };
	void (*mesa_destroy)(struct gbm_device *gbm) = dev->mesa_v0.destroy;
	void *lib = dev->mesa_lib;

	pthread_mutex_lock(&wrap_lock);
	for (size_t i = 0; i < num_wrapped; i++)
		if (wrapped[i] == dev)
			wrapped[i] = wrapped[--num_wrapped];
	if (!num_wrapped) {
		/* the library may be unloaded next: leave nothing behind */
		free(wrapped);
		wrapped = NULL;
		max_wrapped = 0;
	}
	/* bos the client did not destroy: Mesa's go with its device */
	twalk_r(heap_bos, collect_leftover, &l);
	for (size_t i = 0; i < l.num; i++)
		tdelete(l.bos[i], &heap_bos, cmp_mesa_bo);
	pthread_mutex_unlock(&wrap_lock);
	if (l.num)
		gbm_fail(dev, EBUSY, "device destroyed with %zu heap bos still alive", l.num);
	mesa_destroy(gbm);
	for (size_t i = 0; i < l.num; i++)
		bo_destroy(&l.bos[i]->base);
	free(l.bos);
	device_free(dev);
	dlclose(lib);
}

/* The libgbm that loaded us: the loader's core struct lives in it. */
static bool libgbm_path(const struct gbm_core *core, char *buf, size_t len)
{
	void *sym = dlsym(RTLD_DEFAULT, "gbm_create_device");
	Dl_info info;

	if ((core && dladdr(core, &info) && info.dli_fname &&
	     strstr(info.dli_fname, "libgbm")) ||
	    (sym && dladdr(sym, &info) && info.dli_fname)) {
		snprintf(buf, len, "%s", info.dli_fname);
		return true;
	}
	return false;
}

/* Where Mesa's loader would find dri_gbm.so: GBM_BACKENDS_PATH's entries,
 * then the gbm directory beside libgbm. */
static bool find_mesa_backend(const char *libgbm, char *path, size_t len)
{
	const char *env = secure_getenv("GBM_BACKENDS_PATH");
	char dir[PATH_MAX];

	while (env && *env) {
		size_t n = strcspn(env, ":");

		if (n && (size_t)snprintf(path, len, "%.*s/%s", (int)n, env,
					  MESA_BACKEND_FILE) < len && !access(path, R_OK))
			return true;
		env += n + (env[n] == ':');
	}
	if (libgbm) {
		const char *slash = strrchr(libgbm, '/');

		snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - libgbm) : 1,
			 slash ? libgbm : ".");
		if ((size_t)snprintf(path, len, "%s/gbm/%s", dir, MESA_BACKEND_FILE) < len &&
		    !access(path, R_OK))
			return true;
	}
	return false;
}

/* Mesa's version from the libgallium dri_gbm.so brought in (Mesa >= 24.3
 * names it libgallium-VERSION.so). */
static int find_gallium(struct dl_phdr_info *info, size_t size, void *closure)
{
	const char *name = info->dlpi_name ? strstr(info->dlpi_name, "/libgallium-") : NULL;
	char *version = closure;
	const char *end;

	(void)size;
	if (!name)
		return 0;
	name += strlen("/libgallium-");
	end = strstr(name, ".so");
	snprintf(version, 64, "%.*s", end ? (int)(end - name) : (int)strlen(name), name);
	return 1;
}

/*
 * Is every function of Mesa's v0 table in dri_gbm.so (whose base is base)?
 * Three are not Mesa's GBM code's to set: Mesa's EGL fills in the surface
 * calls its window surfaces need (lock_front_buffer, release_buffer,
 * has_free_buffers) when eglInitialize takes the device; before that they
 * are NULL.
 */
static const char *foreign_entry(const struct gbm_device_v0 *v0, const void *base)
{
	const struct {
		const char *name;
		const void *fn;
		bool egl;
	} entries[] = {
#define E(f) { #f, (const void *)v0->f, false }
#define EGL(f) { #f, (const void *)v0->f, true }
		E(destroy), E(is_format_supported), E(get_format_modifier_plane_count),
		E(bo_create), E(bo_import), E(bo_map), E(bo_unmap), E(bo_write),
		E(bo_get_fd), E(bo_get_planes), E(bo_get_handle), E(bo_get_plane_fd),
		E(bo_get_stride), E(bo_get_offset), E(bo_get_modifier), E(bo_destroy),
		E(surface_create), EGL(surface_lock_front_buffer),
		EGL(surface_release_buffer), EGL(surface_has_free_buffers),
		E(surface_destroy),
#undef E
#undef EGL
	};
	Dl_info info;

	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
		if (entries[i].egl && !entries[i].fn)
			continue;
		if (!entries[i].fn || !dladdr(entries[i].fn, &info) ||
		    (!entries[i].egl && info.dli_fbase != base))
			return entries[i].name;
	}
	return NULL;
}

enum mesa_mode { MESA_AUTO, MESA_REQUIRE, MESA_OFF };

static int mesa_mode(enum mesa_mode *mode)
{
	const char *s = secure_getenv("DMAHEAP_GBM_MESA");

	*mode = MESA_AUTO;
	if (!s || !*s || !strcmp(s, "auto"))
		return 0;
	if (!strcmp(s, "1") || !strcmp(s, "require")) {
		*mode = MESA_REQUIRE;
		return 0;
	}
	if (!strcmp(s, "0") || !strcmp(s, "off")) {
		*mode = MESA_OFF;
		return 0;
	}
	gbm_fail(NULL, EINVAL, "DMAHEAP_GBM_MESA='%s': want auto (Mesa's device when Mesa "
		 "has dri_gbm.so and can render into heap buffers), 1 (Mesa's device even if "
		 "it cannot render into them, or fail) or 0 (allocation only)", s);
	return -1;
}

int mesa_wrap(struct dmaheap_gbm_device *dev, const struct gbm_core *core, int fd,
	      uint32_t abi_version, struct gbm_device **out)
{
	const struct gbm_backend *(*get_backend)(const struct gbm_core *core);
	const struct gbm_backend *backend;
	char libgbm[PATH_MAX] = "", path[PATH_MAX];
	struct gbm_device *mesa;
	char why[sizeof(dev->no_mesa_why)], drv[64];
	enum mesa_mode mode;
	const char *bad;
	int reach;
	Dl_info info;
	void *lib;

	*out = NULL;
	if (mesa_mode(&mode))
		return -1;
	if (mode == MESA_OFF) {
		snprintf(dev->no_mesa_why, sizeof(dev->no_mesa_why),
			 "DMAHEAP_GBM_MESA=0 keeps the dmaheap backend allocation-only");
		return 0;
	}
	libgbm_path(core, libgbm, sizeof(libgbm));
	if (!find_mesa_backend(libgbm[0] ? libgbm : NULL, path, sizeof(path))) {
		snprintf(dev->no_mesa_why, sizeof(dev->no_mesa_why),
			 "no %s in GBM_BACKENDS_PATH or beside %s: Mesa before 24.3 builds its "
			 "GBM backend into libgbm, where dmaheap cannot wrap it. EGL on a dmaheap "
			 "device needs Mesa 24.3 or later (Debian 12: bookworm-backports' "
			 "Mesa 25)", MESA_BACKEND_FILE, libgbm[0] ? libgbm : "libgbm");
		goto not_wrapped;
	}
	lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		snprintf(dev->no_mesa_why, sizeof(dev->no_mesa_why), "%s does not load: %s",
			 path, dlerror());
		goto not_wrapped;
	}
	dl_iterate_phdr(find_gallium, dev->mesa_version);
	get_backend = (const struct gbm_backend *(*)(const struct gbm_core *))
		dlsym(lib, "gbmint_get_backend");
	backend = get_backend ? get_backend(core) : NULL;
	if (!backend || backend->v0.backend_version < abi_version || !backend->v0.backend_name ||
	    strcmp(backend->v0.backend_name, MESA_BACKEND_NAME) || !backend->v0.create_device) {
		snprintf(dev->no_mesa_why, sizeof(dev->no_mesa_why),
			 "%s (Mesa %s) is not the backend dmaheap wraps: want gbmint_get_backend "
			 "giving backend \"%s\" of ABI %u or later", path, mesa_version(dev),
			 MESA_BACKEND_NAME, abi_version);
		goto err_close;
	}
	mesa = backend->v0.create_device(fd, abi_version);
	if (!mesa) {
		snprintf(dev->no_mesa_why, sizeof(dev->no_mesa_why),
			 "Mesa %s made no device on fd %d (%s): not a device Mesa drives",
			 mesa_version(dev), fd, strerror(errno));
		goto err_close;
	}
	/* Before anything in the table is called or changed: is it the table
	 * gbm_backend_abi.h describes? A mismatch leaks the device rather
	 * than calling into it. */
	bad = NULL;
	if (!dladdr((const void *)get_backend, &info))
		bad = "gbmint_get_backend";
	else if (mesa->v0.fd != fd)
		bad = "fd";
	else if (mesa->v0.backend_version != abi_version)
		bad = "backend_version";
	else if (!mesa->v0.name || strcmp(mesa->v0.name, MESA_DEVICE_NAME))
		bad = "name";
	else
		bad = foreign_entry(&mesa->v0, info.dli_fbase);
	if (bad) {
		/* always said: this Mesa and this backend do not fit */
		gbm_fail(NULL, EPROTO, "Mesa %s's GBM device (%s) does not have the layout the "
			 "dmaheap backend was built for (gbm backend ABI %u; field %s differs): "
			 "not using it. Rebuild dmaheap_gbm.so against this Mesa, or set "
			 "DMAHEAP_GBM_MESA=0", mesa_version(dev), path, GBM_BACKEND_ABI_VERSION,
			 bad);
		snprintf(dev->no_mesa_why, sizeof(dev->no_mesa_why),
			 "Mesa %s's device layout differs from the one dmaheap checked (%s)",
			 mesa_version(dev), bad);
		goto not_wrapped;
	}

	/* EGL renders into any bo of the device, whatever its usage flags
	 * (surfaces made with modifiers pass none): wrap only a device whose
	 * driver can use heap buffers. */
	reach = mesa_reaches_imports(dev, mesa, why, sizeof(why));
	if (reach <= 0) {
		if (!reach) {
			driver_name(fd, drv, sizeof(drv));
			snprintf(why, sizeof(why), "Mesa %s cannot render into heap buffers on %s: "
				 "its driver there cannot map a buffer it imported (a 64x64 heap "
				 "buffer's gbm_bo_map failed; Mesa's software renderer on a KMS "
				 "device, kms_swrast, maps with DRM_IOCTL_MODE_MAP_DUMB, which Linux "
				 "refuses for imported buffers). Render on a GPU whose Mesa driver "
				 "imports dma-bufs, or leave GBM_BACKEND unset for this program",
				 mesa_version(dev), drv);
		}
		snprintf(dev->no_mesa_why, sizeof(dev->no_mesa_why), "%s", why);
		if (reach < 0 || mode != MESA_REQUIRE) {
			/* always said in auto mode: EGL on this device will fail
			 * next, and Mesa's own message (EGL_NOT_INITIALIZED) gives
			 * no reason; DMAHEAP_GBM_MESA=1 says it once, below */
			if (mode != MESA_REQUIRE)
				gbm_fail(NULL, 0, "allocation only: %s", why);
			mesa->v0.destroy(mesa);
			goto err_close;
		}
		/* asked for by name: allocation and scanout still work */
		gbm_fail(NULL, 0, "DMAHEAP_GBM_MESA=1: using Mesa's device although %s", why);
	}

	pthread_mutex_lock(&wrap_lock);
	if (num_wrapped == max_wrapped) {
		size_t max = max_wrapped ? 2 * max_wrapped : 4;
		void *p = realloc(wrapped, max * sizeof(*wrapped));

		if (!p) {
			pthread_mutex_unlock(&wrap_lock);
			mesa->v0.destroy(mesa);
			dlclose(lib);
			errno = ENOMEM;
			return -1;
		}
		wrapped = p;
		max_wrapped = max;
	}
	wrapped[num_wrapped++] = dev;
	dev->mesa = mesa;
	dev->mesa_v0 = mesa->v0;
	dev->mesa_lib = lib;
	mesa->v0.bo_create = wrap_bo_create;
	mesa->v0.bo_map = wrap_bo_map;
	mesa->v0.bo_unmap = wrap_bo_unmap;
	mesa->v0.bo_write = wrap_bo_write;
	mesa->v0.bo_get_modifier = wrap_bo_get_modifier;
	mesa->v0.bo_destroy = wrap_bo_destroy;
	mesa->v0.destroy = wrap_destroy;
	pthread_mutex_unlock(&wrap_lock);
	if (dev->debug)
		gbm_fail(dev, 0, "fd %d: Mesa %s's device (%s), buffers from heaps", fd,
			 mesa_version(dev), path);
	*out = mesa;
	return 0;

err_close:
	dlclose(lib);
not_wrapped:
	if (mode == MESA_REQUIRE) {
		gbm_fail(NULL, ENOTSUP, "DMAHEAP_GBM_MESA=1: cannot use Mesa's device: %s",
			 dev->no_mesa_why);
		return -1;
	}
	if (dev->debug)
		gbm_fail(dev, 0, "allocation only: %s", dev->no_mesa_why);
	return 0;
}
