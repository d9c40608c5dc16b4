// SPDX-License-Identifier: MIT
/*
 * Drop-in mode against a real Mesa (tests/guest/60-gbm-mesa.t runs it on
 * vkms, or vgem where the kernel has no vkms, with the backports Mesa and
 * with Debian 12's Mesa 22.3):
 *
 *   gbm-mesa --mesa   Mesa has dri_gbm.so. With DMAHEAP_GBM_MESA unset the
 *                     device is Mesa's exactly when Mesa's driver can use a
 *                     buffer it imported, which this program finds out on
 *                     its own (Mesa's own device importing a heap buffer
 *                     and mapping it). With DMAHEAP_GBM_MESA=1 the
 *                     device is Mesa's and every bo is a heap dma-buf
 *                     imported into it: KMS takes its handle, CPU access
 *                     works, EGL accepts the device, nothing leaks.
 *   gbm-mesa --no-dri-gbm
 *                     Mesa without dri_gbm.so: allocation only, and
 *                     gbm_surface_create says why (ENOSYS).
 *   gbm-mesa --hold N allocates N scanout bos on Mesa's device, prints
 *                     "holding", and waits to be killed.
 *
 * Bad settings (DMAHEAP_GBM_MESA=bogus, a dri_gbm.so that is not Mesa's)
 * are tried with --mesa too.
 */
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLES2/gl2.h>
#include <errno.h>
#include <gbm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xf86drmMode.h>

#include <dmaheap/dmaheap.h>

#include "../../tests/tap.h"
#include "drm-device.h"

static struct gbm_device *device(int fd, const char *mesa_setting)
{
	struct gbm_device *gbm;

	if (mesa_setting)
		setenv("DMAHEAP_GBM_MESA", mesa_setting, 1);
	else
		unsetenv("DMAHEAP_GBM_MESA");
	gbm = gbm_create_device(fd);
	unsetenv("DMAHEAP_GBM_MESA");
	return gbm;
}

/* EGL on a GBM device: 1 initialised (renderer into buf), 0 refused. */
static int egl_on(struct gbm_device *gbm, char *renderer, size_t len)
{
	PFNEGLGETPLATFORMDISPLAYEXTPROC get_display = (PFNEGLGETPLATFORMDISPLAYEXTPROC)
		eglGetProcAddress("eglGetPlatformDisplayEXT");
	EGLDisplay dpy = get_display ? get_display(EGL_PLATFORM_GBM_KHR, gbm, NULL) : NULL;
	const char *vendor;

	if (!dpy || !eglInitialize(dpy, NULL, NULL))
		return 0;
	vendor = eglQueryString(dpy, EGL_VENDOR);
	snprintf(renderer, len, "%s", vendor ? vendor : "?");
	eglTerminate(dpy);
	return 1;
}

/* Does Mesa's own device map a heap buffer it imported (what drawing into
 * one takes)? Mesa 25's software renderer on a KMS device asks the kernel
 * (DRM_IOCTL_MODE_MAP_DUMB, refused for imports), Mesa 26.1's maps it
 * itself, a GPU driver maps its own buffer object: asked of Mesa, not
 * guessed from them. */
static bool mesa_maps_imports(struct gbm_device *mesa, int buf_fd)
{
	struct gbm_import_fd_modifier_data data = {
		.width = 64, .height = 64, .format = GBM_FORMAT_XRGB8888,
		.num_fds = 1, .fds = { buf_fd }, .strides = { 256 }, .offsets = { 0 },
		.modifier = DRM_FORMAT_MOD_LINEAR,
	};
	struct gbm_bo *bo = gbm_bo_import(mesa, GBM_BO_IMPORT_FD_MODIFIER, &data,
					  GBM_BO_USE_RENDERING);
	void *map_data = NULL, *addr = NULL;
	uint32_t stride;

	if (bo)
		addr = gbm_bo_map(bo, 0, 0, 64, 64, GBM_BO_TRANSFER_READ_WRITE, &stride,
				  &map_data);
	if (addr)
		gbm_bo_unmap(bo, map_data);
	if (bo)
		gbm_bo_destroy(bo);
	return addr != NULL;
}

/* Open dma-buf fds of this process, by fdinfo. */
static size_t dmabufs_open(void)
{
	struct dmaheap_proc_bufs *bufs = dmaheap_proc_bufs_get(getpid());
	size_t n = bufs ? bufs->count : (size_t)-1;

	dmaheap_proc_bufs_free(bufs);
	return n;
}

static bool from_heap(struct gbm_bo *bo, struct dmaheap_buf_desc *desc)
{
	char path[300];
	int fd = gbm_bo_get_fd(bo);
	bool ok;

	desc->struct_size = sizeof(*desc);
	ok = fd >= 0 && !dmaheap_describe(fd, desc);
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), "/dev/dma_heap/%s", desc->exporter);
	return ok && !access(path, F_OK);
}

/*
 * After dmaheap refuses to make a device, libgbm's loader tries Mesa's own
 * backend (Mesa 22.3's built-in one, or dri_gbm.so): the client then gets a
 * plain Mesa device, or none. Either way nothing may come from dmaheap.
 */
static bool not_dmaheaps(struct gbm_device *gbm, char *what, size_t len)
{
	struct dmaheap_buf_desc desc = { .struct_size = sizeof(desc) };
	struct gbm_bo *bo;
	bool heap;

	if (!gbm) {
		snprintf(what, len, "no device");
		return true;
	}
	bo = gbm_bo_create(gbm, 64, 64, GBM_FORMAT_XRGB8888, GBM_BO_USE_SCANOUT);
	heap = bo && from_heap(bo, &desc);
	snprintf(what, len, "the loader fell back to backend '%s', whose bo is %s '%s'",
		 gbm_device_get_backend_name(gbm), heap ? "heap" : "exported by",
		 bo ? desc.exporter : "(none)");
	heap |= strcmp(gbm_device_get_backend_name(gbm), "drm") != 0;
	if (bo)
		gbm_bo_destroy(bo);
	gbm_device_destroy(gbm);
	return !heap;
}

static void test_declined_or_wrapped(int fd)
{
	struct dmaheap_ctx *ctx = dmaheap_ctx_create(0);
	struct dmaheap_heap *heap = ctx ? dmaheap_heap_for_usage(ctx, DMAHEAP_USAGE_SCANOUT) : NULL;
	int buf = heap ? dmaheap_heap_alloc(heap, 65536, DMAHEAP_FD_FLAGS_DEFAULT, 0) : -1;
	char vendor[64] = "", renderer[128] = "";
	struct gbm_device *mesa, *gbm;
	bool reaches = false;

	dmaheap_ctx_destroy(ctx);
	/* Mesa's own device (GBM_BACKEND=dri): what Mesa renders with, and
	 * whether it maps a heap buffer it imported */
	setenv("GBM_BACKEND", "dri", 1);
	mesa = gbm_create_device(fd);
	setenv("GBM_BACKEND", "dmaheap", 1);
	if (mesa && buf >= 0)
		reaches = mesa_maps_imports(mesa, buf);
	if (buf >= 0)
		close(buf);
	if (mesa) {
		PFNEGLGETPLATFORMDISPLAYEXTPROC get_display = (PFNEGLGETPLATFORMDISPLAYEXTPROC)
			eglGetProcAddress("eglGetPlatformDisplayEXT");
		EGLDisplay dpy = get_display(EGL_PLATFORM_GBM_KHR, mesa, NULL);
		EGLContext c = EGL_NO_CONTEXT;
		const EGLint ctx_attr[] = { EGL_CONTEXT_CLIENT_VERSION, 2, EGL_NONE };
		EGLConfig cfg;
		EGLint n;

		if (dpy && eglInitialize(dpy, NULL, NULL) && eglBindAPI(EGL_OPENGL_ES_API) &&
		    eglChooseConfig(dpy, NULL, &cfg, 1, &n) && n == 1)
			c = eglCreateContext(dpy, cfg, EGL_NO_CONTEXT, ctx_attr);
		if (c != EGL_NO_CONTEXT && eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, c)) {
			const GLubyte *r = glGetString(GL_RENDERER);

			snprintf(renderer, sizeof(renderer), "%s", r ? (const char *)r : "?");
			eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
			eglDestroyContext(dpy, c);
		}
		if (dpy)
			eglTerminate(dpy);
		gbm_device_destroy(mesa);
	}
	tap_ok(renderer[0] != '\0', "Mesa's own GBM device renders with '%s'", renderer);
	tap_diag("Mesa's own device maps a heap buffer it imported: %s; so Mesa can render "
		 "into heap buffers: %s", reaches ? "yes" : "no", reaches ? "yes" : "no");

	gbm = device(fd, NULL);
	tap_ok(gbm && !strcmp(gbm_device_get_backend_name(gbm), reaches ? "drm" : "dmaheap"),
	       "DMAHEAP_GBM_MESA unset: the device is %s (backend name '%s')",
	       reaches ? "Mesa's" : "dmaheap's own, allocation-only",
	       gbm ? gbm_device_get_backend_name(gbm) : "none");
	if (gbm && !reaches) {
		struct gbm_surface *s;

		errno = 0;
		s = gbm_surface_create(gbm, 64, 64, GBM_FORMAT_XRGB8888,
				       GBM_BO_USE_SCANOUT | GBM_BO_USE_RENDERING);
		tap_ok(!s && errno == ENOSYS, "declined: gbm_surface_create fails with ENOSYS "
		       "(errno %d), saying why on stderr", errno);
		tap_ok(!egl_on(gbm, vendor, sizeof(vendor)),
		       "declined: Mesa's EGL refuses the device, and nothing crashes");
	} else {
		tap_skip("Mesa reaches heap buffers here", "declined: gbm_surface_create fails");
		tap_skip("Mesa reaches heap buffers here", "declined: EGL refuses the device");
	}
	if (gbm)
		gbm_device_destroy(gbm);
}

static void fill(uint8_t *p, uint32_t stride, uint32_t w, uint32_t h, uint8_t seed)
{
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w * 4; x++)
			p[(size_t)y * stride + x] = (uint8_t)(seed + x + 3 * y);
}

static bool same(const uint8_t *p, uint32_t stride, uint32_t w, uint32_t h, uint8_t seed)
{
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w * 4; x++)
			if (p[(size_t)y * stride + x] != (uint8_t)(seed + x + 3 * y))
				return false;
	return true;
}

/* What the CPU sees through the bo's own dma-buf. */
static bool dmabuf_holds(struct gbm_bo *bo, uint8_t seed)
{
	uint32_t stride = gbm_bo_get_stride(bo), h = gbm_bo_get_height(bo);
	int fd = gbm_bo_get_fd(bo);
	size_t len = (size_t)stride * h;
	void *p = fd >= 0 ? mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
	bool ok = p != MAP_FAILED && !dmaheap_cpu_begin(fd, DMAHEAP_ACCESS_READ) &&
		  same(p, stride, gbm_bo_get_width(bo), h, seed);

	if (p != MAP_FAILED) {
		dmaheap_cpu_end(fd, DMAHEAP_ACCESS_READ);
		munmap(p, len);
	}
	if (fd >= 0)
		close(fd);
	return ok;
}

static void test_wrapped(int fd, bool kms)
{
	size_t open_before = dmabufs_open();
	struct gbm_device *gbm = device(fd, "1");
	struct dmaheap_buf_desc desc;
	uint32_t stride, fb = 0, handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };
	const uint64_t vendor_mod[] = { 0x0100000000000001ull }, linear[] = { 0 };
	struct gbm_bo *bo, *cursor, *other;
	struct gbm_surface *surface;
	char vendor[64];
	void *map_data = NULL;
	bool ok;
	uint8_t *p;

	tap_ok(gbm && !strcmp(gbm_device_get_backend_name(gbm), "drm"),
	       "DMAHEAP_GBM_MESA=1: the client gets Mesa's device (backend name '%s')",
	       gbm ? gbm_device_get_backend_name(gbm) : "none");
	if (!gbm)
		return;
	bo = gbm_bo_create(gbm, 256, 128, GBM_FORMAT_XRGB8888, GBM_BO_USE_SCANOUT | GBM_BO_USE_LINEAR);
	ok = bo && from_heap(bo, &desc);
	tap_ok(ok, "a scanout bo's dma-buf, exported again, is a heap's (exporter '%s', "
	       "%llu bytes)", ok ? desc.exporter : "-", ok ? (unsigned long long)desc.size : 0ull);
	if (!bo) {
		gbm_device_destroy(gbm);
		return;
	}
	tap_ok(gbm_bo_get_width(bo) == 256 && gbm_bo_get_height(bo) == 128 &&
	       gbm_bo_get_format(bo) == GBM_FORMAT_XRGB8888 &&
	       gbm_bo_get_modifier(bo) == 0 && gbm_bo_get_plane_count(bo) == 1 &&
	       gbm_bo_get_stride(bo) >= 1024 && gbm_bo_get_handle(bo).u32 != 0,
	       "Mesa's bo describes it: %ux%u %08x modifier 0x%llx, %d plane(s), stride %u, "
	       "GEM handle %u", gbm_bo_get_width(bo), gbm_bo_get_height(bo),
	       gbm_bo_get_format(bo), (unsigned long long)gbm_bo_get_modifier(bo),
	       gbm_bo_get_plane_count(bo), gbm_bo_get_stride(bo), gbm_bo_get_handle(bo).u32);
	handles[0] = gbm_bo_get_handle(bo).u32;
	pitches[0] = gbm_bo_get_stride(bo);
	if (kms) {
		tap_ok(!drmModeAddFB2(fd, 256, 128, GBM_FORMAT_XRGB8888, handles, pitches,
				      offsets, &fb, 0),
		       "KMS makes a framebuffer of its GEM handle (%s)", fb ? "ok" : strerror(errno));
		if (fb)
			drmModeRmFB(fd, fb);
	} else {
		tap_skip("vgem has no KMS", "KMS makes a framebuffer of its GEM handle");
	}
	p = gbm_bo_map(bo, 0, 0, 256, 128, GBM_BO_TRANSFER_WRITE, &stride, &map_data);
	if (p) {
		fill(p, stride, 256, 128, 7);
		gbm_bo_unmap(bo, map_data);
	}
	tap_ok(p && dmabuf_holds(bo, 7), "gbm_bo_map writes the heap buffer itself (read back "
	       "through its dma-buf)");
	p = gbm_bo_map(bo, 0, 0, 256, 128, GBM_BO_TRANSFER_READ, &stride, &map_data);
	tap_ok(p && same(p, stride, 256, 128, 7), "gbm_bo_map reads it back");
	if (p)
		gbm_bo_unmap(bo, map_data);

	cursor = gbm_bo_create(gbm, 64, 64, GBM_FORMAT_ARGB8888, GBM_BO_USE_CURSOR | GBM_BO_USE_WRITE);
	if (cursor) {
		uint8_t img[64 * 64 * 4];

		fill(img, 256, 64, 64, 40);
		tap_ok(from_heap(cursor, &desc) && !gbm_bo_write(cursor, img, sizeof(img)) &&
		       dmabuf_holds(cursor, 40), "a cursor bo comes from heap '%s' and gbm_bo_write "
		       "fills it", desc.exporter);
		gbm_bo_destroy(cursor);
	} else {
		tap_ok(false, "cursor bo: %s", strerror(errno));
	}

	errno = 0;
	other = gbm_bo_create_with_modifiers(gbm, 64, 64, GBM_FORMAT_XRGB8888, vendor_mod, 1);
	tap_ok(!other && errno == EINVAL, "a modifier list without LINEAR is refused (EINVAL): "
	       "heap buffers are linear");
	if (other)
		gbm_bo_destroy(other);
	other = gbm_bo_create_with_modifiers(gbm, 64, 64, GBM_FORMAT_XRGB8888, linear, 1);
	ok = other && from_heap(other, &desc);
	tap_ok(ok && gbm_bo_get_modifier(other) == 0, "gbm_bo_create_with_modifiers(LINEAR) "
	       "comes from heap '%s', modifier LINEAR (%s)", ok ? desc.exporter : "-",
	       other ? "made" : strerror(errno));
	if (other)
		gbm_bo_destroy(other);

	/* a dma-buf the client imports stays Mesa's import */
	{
		struct gbm_import_fd_data imp = {
			.fd = gbm_bo_get_fd(bo), .width = 256, .height = 128,
			.stride = gbm_bo_get_stride(bo), .format = GBM_FORMAT_XRGB8888,
		};
		struct dmaheap_buf_desc a = { .struct_size = sizeof(a) };

		other = imp.fd >= 0 ? gbm_bo_import(gbm, GBM_BO_IMPORT_FD, &imp, GBM_BO_USE_SCANOUT) : NULL;
		tap_ok(other && from_heap(other, &desc) && !dmaheap_describe(imp.fd, &a) &&
		       a.inode == desc.inode && gbm_bo_get_handle(other).u32 == gbm_bo_get_handle(bo).u32,
		       "gbm_bo_import of that dma-buf gives the same buffer and GEM handle");
		if (other)
			gbm_bo_destroy(other);
		if (imp.fd >= 0)
			close(imp.fd);
	}

	tap_ok(egl_on(gbm, vendor, sizeof(vendor)) && !strcmp(vendor, "Mesa Project"),
	       "Mesa's EGL initialises on the device (vendor '%s')", vendor);
	surface = gbm_surface_create(gbm, 64, 64, GBM_FORMAT_XRGB8888,
				     GBM_BO_USE_SCANOUT | GBM_BO_USE_RENDERING);
	tap_ok(surface != NULL, "gbm_surface_create is Mesa's (%s)",
	       surface ? "ok" : strerror(errno));
	if (surface)
		gbm_surface_destroy(surface);
	gbm_bo_destroy(bo);
	gbm_device_destroy(gbm);
	tap_ok(dmabufs_open() == open_before, "no dma-buf left open after the device (%zu before, "
	       "%zu after)", open_before, dmabufs_open());
}

static void test_bad_settings(int fd)
{
	char what[256];

	tap_ok(not_dmaheaps(device(fd, "bogus"), what, sizeof(what)),
	       "DMAHEAP_GBM_MESA=bogus: dmaheap makes no device (%s)", what);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "--mesa";
	char path[64];
	/* a display if there is one (vkms), else vgem (Debian's kernels have
	 * no vkms): Mesa drives both with kms_swrast */
	int fd = drm_open_driver("vkms", "card", path);
	bool kms = fd >= 0;

	if (fd < 0)
		fd = drm_open_driver("vgem", "card", path);
	if (fd < 0) {
		tap_skip("no vkms or vgem device", "drop-in mode");
		return tap_done();
	}
	tap_diag("device: %s (%s)", path, kms ? "vkms" : "vgem");
	setenv("GBM_BACKEND", "dmaheap", 1);
	if (!strcmp(mode, "--hold")) {
		int n = argc > 2 ? atoi(argv[2]) : 4;
		struct gbm_device *gbm = device(fd, "1");

		for (int i = 0; gbm && i < n; i++)
			if (!gbm_bo_create(gbm, 640, 480, GBM_FORMAT_XRGB8888, GBM_BO_USE_SCANOUT))
				return 1;
		printf("holding %d\n", n);
		fflush(stdout);
		pause();
		return 0;
	}
	if (!strcmp(mode, "--no-dri-gbm")) {
		struct gbm_device *gbm = device(fd, NULL);
		struct gbm_surface *s = NULL;

		tap_ok(gbm && !strcmp(gbm_device_get_backend_name(gbm), "dmaheap"),
		       "without dri_gbm.so the device is dmaheap's own (allocation only)");
		errno = 0;
		if (gbm)
			s = gbm_surface_create(gbm, 64, 64, GBM_FORMAT_XRGB8888,
					       GBM_BO_USE_SCANOUT | GBM_BO_USE_RENDERING);
		tap_ok(!s && errno == ENOSYS, "gbm_surface_create fails with ENOSYS (errno %d)", errno);
		char what[256];

		tap_ok(not_dmaheaps(device(fd, "1"), what, sizeof(what)),
		       "DMAHEAP_GBM_MESA=1 without dri_gbm.so: dmaheap makes no device (%s)", what);
		if (gbm)
			gbm_device_destroy(gbm);
		return tap_done();
	}
	test_declined_or_wrapped(fd);
	test_wrapped(fd, kms);
	test_bad_settings(fd);
	close(fd);
	return tap_done();
}
