// SPDX-License-Identifier: MIT
/*
 * dmaheap_gbm.so through Debian's libgbm only (GBM_BACKEND=dmaheap, set by
 * tests/guest/60-gbm-api.t): every libdmaheap format x usage creates,
 * exports, imports, maps, writes and reads back at libdmaheap's layout, from
 * the heap the usage policy names; GEM handles are shared and refcounted;
 * bad input fails with errno. Built with AddressSanitizer (leaks included).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <gbm.h>
#include <linux/dma-buf.h>
#include <dmaheap/dmaheap.h>

#include "../../tests/tap.h"
#include "drm-device.h"

#define W 67
#define H 35

static int drm_fd = -1;
static char diag[512];

__attribute__((format(printf, 1, 2)))
static bool why(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(diag, sizeof(diag), fmt, ap);
	va_end(ap);
	return false;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

static uint8_t pattern(size_t i, unsigned int seed)
{
	return (uint8_t)(i * 7 + seed * 13 + (i >> 8));
}

static ino_t inode_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

struct usage_case {
	const char *name;
	uint32_t usage;
	bool with_modifier;
	enum dmaheap_usage heap_usage;
};

static const struct usage_case usages[] = {
	{ "none", 0, false, DMAHEAP_USAGE_CPU },
	{ "SCANOUT", GBM_BO_USE_SCANOUT, false, DMAHEAP_USAGE_SCANOUT },
	{ "CURSOR|WRITE", GBM_BO_USE_CURSOR | GBM_BO_USE_WRITE, false, DMAHEAP_USAGE_SCANOUT },
	{ "RENDERING", GBM_BO_USE_RENDERING, false, DMAHEAP_USAGE_GPU },
	{ "LINEAR", GBM_BO_USE_LINEAR, false, DMAHEAP_USAGE_CPU },
	{ "SCANOUT+modifier LINEAR", GBM_BO_USE_SCANOUT, true, DMAHEAP_USAGE_SCANOUT },
};

static char expected_heap[DMAHEAP_USAGE_COUNT][DMAHEAP_NAME_MAX];

/* Plane 0's rows, in bytes (the padded width times cpp[0]). */
static size_t row_bytes(const struct dmaheap_layout *l, const struct dmaheap_format *f)
{
	uint32_t w = (l->width + f->hsub - 1) / f->hsub * f->hsub;

	return (size_t)w * f->cpp[0];
}

/* One format x usage: create, query, export, write, import, map, read back. */
static bool check_combo(struct gbm_device *gbm, const struct dmaheap_format *f,
			const struct usage_case *u)
{
	static const uint64_t linear = DRM_FORMAT_MOD_LINEAR;
	struct dmaheap_layout l = { .struct_size = sizeof(l) };
	struct dmaheap_buf_desc desc = { .struct_size = sizeof(desc) };
	struct gbm_import_fd_modifier_data imp = { 0 };
	struct gbm_bo *bo, *bo2 = NULL;
	uint8_t *pat = NULL, *map, *cpu = MAP_FAILED;
	void *map_data = NULL;
	uint32_t stride, handle;
	size_t rb;
	bool ok = false;
	int fd = -1, pfd, hfd = -1;

	diag[0] = '\0';
	if (dmaheap_layout_compute(f->fourcc, W, H, 64, 1, &l))
		return why("layout: %s", dmaheap_last_error());
	rb = row_bytes(&l, f);
	if (u->with_modifier)
		bo = gbm_bo_create_with_modifiers2(gbm, W, H, f->fourcc, &linear, 1, u->usage);
	else
		bo = gbm_bo_create(gbm, W, H, f->fourcc, u->usage);
	if (!bo)
		return why("create: %s", strerror(errno));
	if (gbm_bo_get_format(bo) != f->fourcc || gbm_bo_get_width(bo) != W ||
	    gbm_bo_get_height(bo) != H || gbm_bo_get_modifier(bo) != DRM_FORMAT_MOD_LINEAR ||
	    gbm_bo_get_plane_count(bo) != (int)l.num_planes ||
	    gbm_bo_get_stride(bo) != l.stride[0]) {
		why("format/size/modifier/planes/stride: %08x %ux%u %llx %d %u",
		    gbm_bo_get_format(bo), gbm_bo_get_width(bo), gbm_bo_get_height(bo),
		    (unsigned long long)gbm_bo_get_modifier(bo), gbm_bo_get_plane_count(bo),
		    gbm_bo_get_stride(bo));
		goto out;
	}
	handle = gbm_bo_get_handle(bo).u32;
	if (!handle) {
		why("no GEM handle");
		goto out;
	}
	fd = gbm_bo_get_fd(bo);
	if (fd < 0 || dmaheap_describe(fd, &desc)) {
		why("get_fd/describe: %s", strerror(errno));
		goto out;
	}
	if (strcmp(desc.exporter, expected_heap[u->heap_usage]) || desc.size < l.size) {
		why("exporter '%s' size %llu, expected '%s' >= %llu", desc.exporter,
		    (unsigned long long)desc.size, expected_heap[u->heap_usage],
		    (unsigned long long)l.size);
		goto out;
	}
	for (unsigned int i = 0; i < l.num_planes; i++) {
		if (gbm_bo_get_stride_for_plane(bo, (int)i) != l.stride[i] ||
		    gbm_bo_get_offset(bo, (int)i) != l.offset[i] ||
		    gbm_bo_get_handle_for_plane(bo, (int)i).u32 != handle) {
			why("plane %u: stride %u offset %u handle %u, libdmaheap says %u %llu %u",
			    i, gbm_bo_get_stride_for_plane(bo, (int)i), gbm_bo_get_offset(bo, (int)i),
			    gbm_bo_get_handle_for_plane(bo, (int)i).u32, l.stride[i],
			    (unsigned long long)l.offset[i], handle);
			goto out;
		}
		pfd = gbm_bo_get_fd_for_plane(bo, (int)i);
		if (pfd < 0 || inode_of(pfd) != desc.inode) {
			why("plane %u fd: %s", i, pfd < 0 ? strerror(errno) : "another buffer");
			if (pfd >= 0)
				close(pfd);
			goto out;
		}
		close(pfd);
		imp.strides[i] = (int)l.stride[i];
		imp.offsets[i] = (int)l.offset[i];
	}

	/* the whole buffer through gbm_bo_write */
	pat = malloc(l.size);
	for (size_t i = 0; pat && i < l.size; i++)
		pat[i] = pattern(i, 1);
	if (!pat || gbm_bo_write(bo, pat, l.size)) {
		why("bo_write: %s", strerror(errno));
		goto out;
	}
	/* a second bo of the same dma-buf shares the GEM handle */
	imp.width = W, imp.height = H, imp.format = f->fourcc, imp.num_fds = 1;
	imp.fds[0] = fd, imp.modifier = DRM_FORMAT_MOD_LINEAR;
	bo2 = gbm_bo_import(gbm, GBM_BO_IMPORT_FD_MODIFIER, &imp, u->usage);
	if (!bo2 || gbm_bo_get_handle(bo2).u32 != handle ||
	    gbm_bo_get_plane_count(bo2) != (int)l.num_planes ||
	    gbm_bo_get_offset(bo2, (int)l.num_planes - 1) != l.offset[l.num_planes - 1]) {
		why("import: %s", bo2 ? "handle or planes differ" : strerror(errno));
		goto out;
	}
	map = gbm_bo_map(bo2, 0, 0, W, H, GBM_BO_TRANSFER_READ, &stride, &map_data);
	if (!map || stride != l.stride[0]) {
		why("map for reading: %s", map ? "wrong stride" : strerror(errno));
		goto out;
	}
	for (uint32_t y = 0; y < H; y++)
		if (memcmp(map + (size_t)y * stride, pat + l.offset[0] + (size_t)y * stride, rb)) {
			gbm_bo_unmap(bo2, map_data);
			why("row %u read through the imported bo differs", y);
			goto out;
		}
	gbm_bo_unmap(bo2, map_data);
	/* plane 0 rewritten through a write map; the other planes keep bo_write's */
	map = gbm_bo_map(bo, 0, 0, W, H, GBM_BO_TRANSFER_WRITE, &stride, &map_data);
	if (!map) {
		why("map for writing: %s", strerror(errno));
		goto out;
	}
	for (uint32_t y = 0; y < H; y++)
		for (size_t x = 0; x < rb; x++)
			map[(size_t)y * stride + x] = pattern((size_t)y * stride + x, 2);
	gbm_bo_unmap(bo, map_data);
	cpu = mmap(NULL, l.size, PROT_READ, MAP_SHARED, fd, 0);
	if (cpu == MAP_FAILED || dmaheap_cpu_begin(fd, DMAHEAP_ACCESS_READ)) {
		why("mmap of the exported fd: %s", strerror(errno));
		goto out;
	}
	for (uint32_t y = 0; y < H && !diag[0]; y++)
		for (size_t x = 0; x < rb && !diag[0]; x++)
			if (cpu[(size_t)y * stride + x] != pattern((size_t)y * stride + x, 2))
				why("plane 0 byte (%zu,%u) not what the write map wrote", x, y);
	for (size_t i = l.num_planes > 1 ? l.offset[1] : l.size; i < l.size && !diag[0]; i++)
		if (cpu[i] != pat[i])
			why("byte %zu of planes 1.. changed", i);
	dmaheap_cpu_end(fd, DMAHEAP_ACCESS_READ);
	if (diag[0])
		goto out;
	/* destroying one bo keeps the handle alive for the other ... */
	gbm_bo_destroy(bo);
	bo = NULL;
	if (drmPrimeHandleToFD(drm_fd, handle, DRM_CLOEXEC, &hfd) || inode_of(hfd) != desc.inode) {
		why("handle %u died with the first bo: %s", handle, strerror(errno));
		goto out;
	}
	close(hfd);
	hfd = -1;
	/* ... and the last one closes it */
	gbm_bo_destroy(bo2);
	bo2 = NULL;
	if (!drmPrimeHandleToFD(drm_fd, handle, DRM_CLOEXEC, &hfd)) {
		/* the number may be reused by nobody else here: it must be gone */
		why("handle %u outlived both bos", handle);
		goto out;
	}
	ok = true;
out:
	if (hfd >= 0)
		close(hfd);
	if (cpu != MAP_FAILED)
		munmap(cpu, l.size);
	if (fd >= 0)
		close(fd);
	free(pat);
	if (bo2)
		gbm_bo_destroy(bo2);
	if (bo)
		gbm_bo_destroy(bo);
	return ok;
}

#define FAILS_WITH(expr, err) fails_with((expr) == NULL, err)
static bool fails_with(bool failed, int err)
{
	int e = errno;

	if (!failed)
		return why("succeeded");
	if (e != err)
		return why("errno %d (%s), want %d (%s)", e, strerror(e), err, strerror(err));
	return true;
}

static void check_bad_input(struct gbm_device *gbm)
{
	static const uint64_t tiled = I915_FORMAT_MOD_X_TILED;
	static const uint64_t invalid = DRM_FORMAT_MOD_INVALID;
	struct gbm_import_fd_modifier_data imp = { 0 };
	struct gbm_import_fd_data fdd = { 0 };
	struct gbm_bo *bo;
	int memfd = memfd_create("not-a-dma-buf", MFD_CLOEXEC);
	int fd;

	errno = 0;
	diag[0] = '\0';
	tap_ok(FAILS_WITH(gbm_bo_create(gbm, 64, 64, fourcc_code('A', 'B', 'C', 'D'), 0), EINVAL),
	       "unknown format fails with EINVAL %s", diag);
	tap_ok(FAILS_WITH(gbm_bo_create(gbm, 64, 64, DRM_FORMAT_C8, 0), EINVAL),
	       "format C8 (not in libdmaheap's table) fails with EINVAL %s", diag);
	tap_ok(FAILS_WITH(gbm_bo_create_with_modifiers(gbm, 64, 64, DRM_FORMAT_XRGB8888, &tiled, 1),
			  EINVAL), "an X-tiled-only modifier list fails with EINVAL %s", diag);
	bo = gbm_bo_create_with_modifiers(gbm, 64, 64, DRM_FORMAT_XRGB8888, &invalid, 1);
	tap_ok(bo && gbm_bo_get_modifier(bo) == DRM_FORMAT_MOD_LINEAR,
	       "a modifier list of INVALID gives a LINEAR bo");
	if (bo)
		gbm_bo_destroy(bo);
	tap_ok(FAILS_WITH(gbm_bo_create(gbm, 64, 64, DRM_FORMAT_XRGB8888, 1u << 20), EINVAL),
	       "an unknown usage bit fails with EINVAL %s", diag);
	tap_ok(FAILS_WITH(gbm_bo_create(gbm, 64, 64, DRM_FORMAT_XRGB8888, GBM_BO_USE_PROTECTED),
			  ENOTSUP), "GBM_BO_USE_PROTECTED fails with ENOTSUP %s", diag);
	tap_ok(FAILS_WITH(gbm_bo_create(gbm, 0, 64, DRM_FORMAT_XRGB8888, 0), EINVAL),
	       "width 0 fails with EINVAL %s", diag);
	tap_ok(FAILS_WITH(gbm_bo_create(gbm, 100000, 64, DRM_FORMAT_XRGB8888, 0), EINVAL),
	       "width 100000 fails with EINVAL %s", diag);
	tap_ok(FAILS_WITH(gbm_bo_create(gbm, UINT32_MAX, UINT32_MAX, DRM_FORMAT_NV12, 0), EINVAL),
	       "4294967295 x 4294967295 NV12 fails with EINVAL %s", diag);
	tap_ok(FAILS_WITH(gbm_surface_create(gbm, 64, 64, DRM_FORMAT_XRGB8888,
					     GBM_BO_USE_RENDERING), ENOSYS),
	       "gbm_surface_create fails with ENOSYS (Mesa's EGL drives only Mesa's backend) %s",
	       diag);
	tap_ok(gbm_device_is_format_supported(gbm, DRM_FORMAT_NV12, GBM_BO_USE_SCANOUT) == 1 &&
	       gbm_device_is_format_supported(gbm, DRM_FORMAT_C8, 0) == 0 &&
	       gbm_device_is_format_supported(gbm, DRM_FORMAT_XRGB8888, GBM_BO_USE_PROTECTED) == 0,
	       "is_format_supported: NV12 scanout yes, C8 no, PROTECTED no");
	tap_ok(gbm_device_get_format_modifier_plane_count(gbm, DRM_FORMAT_NV12,
							  DRM_FORMAT_MOD_LINEAR) == 2 &&
	       gbm_device_get_format_modifier_plane_count(gbm, DRM_FORMAT_YUV420,
							  DRM_FORMAT_MOD_LINEAR) == 3 &&
	       gbm_device_get_format_modifier_plane_count(gbm, DRM_FORMAT_NV12, tiled) == -1,
	       "modifier plane count: NV12 2, YUV420 3, tiled -1");
	bo = gbm_bo_create(gbm, 64, 48, GBM_BO_FORMAT_XRGB8888, GBM_BO_USE_SCANOUT);
	tap_ok(bo && gbm_bo_get_format(bo) == DRM_FORMAT_XRGB8888,
	       "GBM_BO_FORMAT_XRGB8888 is canonicalised to XR24");

	/* imports */
	fdd = (struct gbm_import_fd_data){ memfd, 64, 48, 256, DRM_FORMAT_XRGB8888 };
	tap_ok(FAILS_WITH(gbm_bo_import(gbm, GBM_BO_IMPORT_FD, &fdd, 0), EINVAL),
	       "importing a memfd (not a dma-buf) fails with EINVAL %s", diag);
	fdd.fd = -1;
	tap_ok(FAILS_WITH(gbm_bo_import(gbm, GBM_BO_IMPORT_FD, &fdd, 0), EBADF),
	       "importing fd -1 fails with EBADF %s", diag);
	tap_ok(FAILS_WITH(gbm_bo_import(gbm, GBM_BO_IMPORT_WL_BUFFER, &fdd, 0), ENOSYS),
	       "GBM_BO_IMPORT_WL_BUFFER fails with ENOSYS %s", diag);
	fd = bo ? gbm_bo_get_fd(bo) : -1;
	fdd = (struct gbm_import_fd_data){ fd, 64, 48, 256, DRM_FORMAT_XRGB8888 };
	{
		struct gbm_bo *b = gbm_bo_import(gbm, GBM_BO_IMPORT_FD, &fdd, GBM_BO_USE_SCANOUT);

		tap_ok(b && gbm_bo_get_handle(b).u32 == gbm_bo_get_handle(bo).u32 &&
		       gbm_bo_get_stride(b) == 256, "GBM_BO_IMPORT_FD of a bo's fd: same handle");
		if (b)
			gbm_bo_destroy(b);
	}
	fdd.stride = 200;
	tap_ok(FAILS_WITH(gbm_bo_import(gbm, GBM_BO_IMPORT_FD, &fdd, 0), EINVAL),
	       "stride 200 for a 64-pixel XR24 line fails with EINVAL %s", diag);
	fdd.stride = 256, fdd.height = 64 + 1;
	tap_ok(FAILS_WITH(gbm_bo_import(gbm, GBM_BO_IMPORT_FD, &fdd, 0), EINVAL),
	       "more lines than the buffer holds fail with EINVAL %s", diag);
	fdd.height = 48, fdd.format = DRM_FORMAT_NV12;
	tap_ok(FAILS_WITH(gbm_bo_import(gbm, GBM_BO_IMPORT_FD, &fdd, 0), EINVAL),
	       "NV12 through GBM_BO_IMPORT_FD (no offsets) fails with EINVAL %s", diag);
	imp = (struct gbm_import_fd_modifier_data){ 64, 32, DRM_FORMAT_NV12, 1, { fd },
						    { 64, 64 }, { 0, 64 * 32 },
						    DRM_FORMAT_MOD_LINEAR };
	{
		struct gbm_bo *b = gbm_bo_import(gbm, GBM_BO_IMPORT_FD_MODIFIER, &imp, 0);

		tap_ok(b && gbm_bo_get_plane_count(b) == 2 && gbm_bo_get_offset(b, 1) == 2048,
		       "an XR24 dma-buf imported as 64x32 NV12 (FD_MODIFIER) works");
		if (b)
			gbm_bo_destroy(b);
	}
	imp.num_fds = 2, imp.fds[1] = fd;
	{
		struct gbm_bo *b = gbm_bo_import(gbm, GBM_BO_IMPORT_FD_MODIFIER, &imp, 0);

		tap_ok(b && gbm_bo_get_handle_for_plane(b, 1).u32 == gbm_bo_get_handle(bo).u32,
		       "two fds of one buffer: both planes get its one handle");
		if (b)
			gbm_bo_destroy(b);
	}
	imp.num_fds = 3, imp.fds[2] = fd;
	tap_ok(FAILS_WITH(gbm_bo_import(gbm, GBM_BO_IMPORT_FD_MODIFIER, &imp, 0), EINVAL),
	       "3 fds for 2-plane NV12 fail with EINVAL %s", diag);
	imp.num_fds = 1, imp.offsets[1] = 48 * 256 - 64 * 15;
	tap_ok(FAILS_WITH(gbm_bo_import(gbm, GBM_BO_IMPORT_FD_MODIFIER, &imp, 0), EINVAL),
	       "a chroma plane ending past the buffer fails with EINVAL %s", diag);
	imp.offsets[1] = -64;
	tap_ok(FAILS_WITH(gbm_bo_import(gbm, GBM_BO_IMPORT_FD_MODIFIER, &imp, 0), EINVAL),
	       "a negative offset fails with EINVAL %s", diag);
	imp.offsets[1] = 2048, imp.modifier = I915_FORMAT_MOD_Y_TILED;
	tap_ok(FAILS_WITH(gbm_bo_import(gbm, GBM_BO_IMPORT_FD_MODIFIER, &imp, 0), EINVAL),
	       "a Y-tiled import fails with EINVAL %s", diag);
	imp.modifier = DRM_FORMAT_MOD_LINEAR, imp.num_fds = 0;
	tap_ok(FAILS_WITH(gbm_bo_import(gbm, GBM_BO_IMPORT_FD_MODIFIER, &imp, 0), EINVAL),
	       "num_fds 0 fails with EINVAL %s", diag);

	/* CPU access */
	if (bo) {
		uint32_t stride;
		void *md = NULL;
		void *m = gbm_bo_map(bo, 60, 40, 8, 8, GBM_BO_TRANSFER_READ, &stride, &md);

		tap_ok(!m && errno == EINVAL, "mapping past the bo's edge fails with EINVAL");
		m = gbm_bo_map(bo, 63, 47, 1, 1, GBM_BO_TRANSFER_READ_WRITE, &stride, &md);
		tap_ok(m && stride == 256, "mapping the last pixel works");
		if (m)
			gbm_bo_unmap(bo, md);
		char big[64 * 48 * 4 + 1];

		memset(big, 0x5a, sizeof(big));
		tap_ok(gbm_bo_write(bo, big, sizeof(big) - 1) == 0,
		       "gbm_bo_write of the whole buffer works");
		tap_ok(gbm_bo_write(bo, big, 64 * 48 * 4 + 4096) == -1 && errno == EINVAL,
		       "gbm_bo_write past the buffer fails with EINVAL");
		gbm_bo_destroy(bo);
	}
	if (fd >= 0)
		close(fd);
	close(memfd);

	/* Something that is not one of its bos, handed to the backend through
	 * the loader (which dispatches on the object's first word, its device):
	 * refused, never used or freed. */
	void **fake = calloc(512, sizeof(void *));

	if (fake) {
		fake[0] = gbm;
		errno = 0;
		tap_ok(gbm_bo_get_fd((struct gbm_bo *)fake) == -1 && errno == EINVAL,
		       "a bo the backend did not make is refused: gbm_bo_get_fd fails with EINVAL");
		errno = 0;
		tap_ok(gbm_bo_get_modifier((struct gbm_bo *)fake) == DRM_FORMAT_MOD_INVALID &&
		       errno == EINVAL && !gbm_bo_map((struct gbm_bo *)fake, 0, 0, 1, 1,
						      GBM_BO_TRANSFER_READ, &(uint32_t){ 0 },
						      &(void *){ NULL }),
		       "... and so are gbm_bo_get_modifier and gbm_bo_map on it");
		gbm_bo_destroy((struct gbm_bo *)fake);
		tap_ok(fake[0] == gbm, "... and gbm_bo_destroy leaves it alone");
		free(fake);
	}
}

/* A second device created under env settings; returns its backend name. */
static struct gbm_device *device_with_env(const char *var, const char *value)
{
	struct gbm_device *gbm;

	setenv(var, value, 1);
	gbm = gbm_create_device(drm_fd);
	unsetenv(var);
	return gbm;
}

static void check_env(void)
{
	struct gbm_device *gbm = device_with_env("DMAHEAP_HEAPS", "scanout=system");
	struct gbm_bo *bo = gbm ? gbm_bo_create(gbm, 64, 64, DRM_FORMAT_XRGB8888,
						GBM_BO_USE_SCANOUT) : NULL;
	struct dmaheap_buf_desc desc = { .struct_size = sizeof(desc) };
	int fd = bo ? gbm_bo_get_fd(bo) : -1;

	tap_ok(fd >= 0 && !dmaheap_describe(fd, &desc) && !strcmp(desc.exporter, "system"),
	       "DMAHEAP_HEAPS=scanout=system puts SCANOUT bos in 'system' (got '%s')",
	       desc.exporter);
	if (fd >= 0)
		close(fd);
	if (bo)
		gbm_bo_destroy(bo);
	if (gbm)
		gbm_device_destroy(gbm);

	gbm = device_with_env("DMAHEAP_GBM_STRIDE_ALIGN", "256");
	bo = gbm ? gbm_bo_create(gbm, 67, 8, DRM_FORMAT_XRGB8888, 0) : NULL;
	tap_ok(bo && gbm_bo_get_stride(bo) == 512,
	       "DMAHEAP_GBM_STRIDE_ALIGN=256: a 67-pixel XR24 line gets stride 512 (got %u)",
	       bo ? gbm_bo_get_stride(bo) : 0);
	if (bo)
		gbm_bo_destroy(bo);
	if (gbm)
		gbm_device_destroy(gbm);

	/* The loader then falls back to Mesa's own backend, whose leaks are not
	 * ours to report: ask in a child that skips the leak check (_exit). */
	pid_t pid = fork();
	int status = -1;

	if (pid == 0) {
		gbm = device_with_env("DMAHEAP_GBM_STRIDE_ALIGN", "100");
		_exit(!gbm || strcmp(gbm_device_get_backend_name(gbm), "dmaheap") ? 0 : 1);
	}
	tap_ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0,
	       "DMAHEAP_GBM_STRIDE_ALIGN=100 (not a power of two) refuses the device");
}

/* The same backend on a render node: handles by PRIME import work there too. */
static void check_render_node(void)
{
	struct gbm_device *rgbm = NULL;
	struct gbm_bo *bo = NULL;
	char rpath[64] = "";
	int rfd, fd = -1;

	rfd = drm_open_driver("vgem", "renderD", rpath);
	if (rfd < 0) {
		tap_skip("no vgem render node", "dmaheap GBM backend on a render node");
		return;
	}
	rgbm = gbm_create_device(rfd);
	if (rgbm)
		bo = gbm_bo_create(rgbm, 64, 64, GBM_FORMAT_XRGB8888,
				   GBM_BO_USE_RENDERING | GBM_BO_USE_LINEAR);
	if (bo)
		fd = gbm_bo_get_fd(bo);
	tap_ok(rgbm && !strcmp(gbm_device_get_backend_name(rgbm), "dmaheap") && bo &&
	       gbm_bo_get_handle(bo).u32 != 0 && fd >= 0,
	       "render node %s: backend dmaheap, bo with a GEM handle and a dma-buf fd", rpath);
	if (fd >= 0)
		close(fd);
	if (bo)
		gbm_bo_destroy(bo);
	if (rgbm)
		gbm_device_destroy(rgbm);
	close(rfd);
}

int main(void)
{
	static const char *const drivers[] = { "vkms", "vgem" };
	struct dmaheap_device *accepts;
	struct dmaheap_ctx *ctx;
	struct gbm_device *gbm;
	char path[64] = "";
	int fds_before;

	for (size_t i = 0; i < 2 && drm_fd < 0; i++)
		drm_fd = drm_open_driver(drivers[i], "card", path);
	if (drm_fd < 0) {
		tap_skip("no vkms or vgem DRM device (modprobe vgem)", "dmaheap GBM backend");
		return tap_done();
	}
	/* The backend allocates for its device: the heap libdmaheap chooses for
	 * it, with each usage's list as the fallback. */
	ctx = dmaheap_ctx_create(0);
	accepts = ctx ? dmaheap_device_get_fd(ctx, drm_fd) : NULL;
	for (int u = 0; ctx && u < DMAHEAP_USAGE_COUNT; u++) {
		char why[512] = "";
		struct dmaheap_heap *heap = accepts ?
			dmaheap_heap_for_devices(ctx, &accepts, 1,
						 DMAHEAP_CPU_READ | DMAHEAP_CPU_WRITE,
						 (enum dmaheap_usage)u, why, sizeof(why)) :
			dmaheap_heap_for_usage(ctx, (enum dmaheap_usage)u);

		snprintf(expected_heap[u], DMAHEAP_NAME_MAX, "%s",
			 heap ? dmaheap_heap_name(heap) : "?");
		if (u == DMAHEAP_USAGE_SCANOUT)
			tap_diag("scanout heap %s", accepts ? why : "by usage");
	}
	dmaheap_ctx_destroy(ctx);
	tap_diag("device %s; heaps: scanout '%s', gpu '%s', cpu '%s'", path,
		 expected_heap[DMAHEAP_USAGE_SCANOUT], expected_heap[DMAHEAP_USAGE_GPU],
		 expected_heap[DMAHEAP_USAGE_CPU]);
	fds_before = count_fds();

	gbm = gbm_create_device(drm_fd);
	if (!tap_ok(gbm && !strcmp(gbm_device_get_backend_name(gbm), "dmaheap"),
		    "libgbm loads the dmaheap backend on %s (GBM_BACKEND=%s, got '%s')", path,
		    getenv("GBM_BACKEND") ? getenv("GBM_BACKEND") : "",
		    gbm ? gbm_device_get_backend_name(gbm) : strerror(errno)))
		return tap_done();

	for (size_t i = 0; i < dmaheap_format_count(); i++) {
		const struct dmaheap_format *f = dmaheap_format_at(i);

		for (size_t k = 0; k < sizeof(usages) / sizeof(usages[0]); k++)
			tap_ok(check_combo(gbm, f, &usages[k]),
			       "%s %s %ux%u: create, planes, fds, heap, write, import, map %s",
			       f->name, usages[k].name, W, H, diag);
	}
	check_bad_input(gbm);
	gbm_device_destroy(gbm);
	check_env();
	check_render_node();
	tap_ok(count_fds() == fds_before, "no fd leaked (%d before, %d after)", fds_before,
	       count_fds());
	close(drm_fd);
	return tap_done();
}
