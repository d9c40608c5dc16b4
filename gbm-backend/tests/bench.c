// SPDX-License-Identifier: MIT
/*
 * gbm-bench: dmaheap_gbm.so against Mesa's own backend on the same vkms
 * device, in one process: the full cycle a client pays (create + map + fill
 * every byte + unmap + destroy), map + fill + unmap on a kept bo, and NV12,
 * which Mesa cannot create on vkms. Run in the guest, see docs/gbm-backend.md:
 *   GBM_BACKENDS_PATH=build/gbm-backend build/gbm-backend/tests/gbm-bench [SECONDS]
 * Prints a Markdown table. TCG timings: compare ratios, not absolute figures.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <gbm.h>
#include <dmaheap/dmaheap.h>

#include "drm-device.h"

#define W 1920
#define H 1080

static double seconds = 2.0;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Fills every byte of every plane a write map gives (plane 0 rows, then for
 * multi-planar bos the rest through a mapping of plane 0's height). */
static int fill(struct gbm_bo *bo, uint8_t value)
{
	uint32_t stride, h = gbm_bo_get_height(bo);
	void *md = NULL;
	uint8_t *map = gbm_bo_map(bo, 0, 0, gbm_bo_get_width(bo), h, GBM_BO_TRANSFER_WRITE,
				  &stride, &md);
	size_t bytes;

	if (!map)
		return -1;
	bytes = (size_t)stride * h;
	if (gbm_bo_get_plane_count(bo) > 1)	/* chroma follows luma in one dma-buf */
		bytes = gbm_bo_get_offset(bo, gbm_bo_get_plane_count(bo) - 1) +
			(size_t)gbm_bo_get_stride_for_plane(bo, 1) * ((h + 1) / 2);
	memset(map, value, bytes);
	gbm_bo_unmap(bo, md);
	return 0;
}

/* Full cycles per second, or -errno. */
static double full_cycle(struct gbm_device *gbm, uint32_t format, uint32_t usage)
{
	double t0 = now(), t;
	long n = 0;

	do {
		struct gbm_bo *bo = gbm_bo_create(gbm, W, H, format, usage);

		if (!bo)
			return -errno;
		if (fill(bo, (uint8_t)n)) {
			int e = errno;

			gbm_bo_destroy(bo);
			return -e;
		}
		gbm_bo_destroy(bo);
		n++;
		t = now() - t0;
	} while (t < seconds);
	return n / t;
}

/* MB/s of map + fill + unmap on one kept bo, or -errno. */
static double kept_fill(struct gbm_device *gbm, uint32_t format, uint32_t usage)
{
	struct gbm_bo *bo = gbm_bo_create(gbm, W, H, format, usage);
	double t0, t;
	long n = 0;

	if (!bo || fill(bo, 0))	/* first touch outside the timing */
		return -errno;
	t0 = now();
	do {
		if (fill(bo, (uint8_t)n)) {
			gbm_bo_destroy(bo);
			return -errno;
		}
		n++;
		t = now() - t0;
	} while (t < seconds);
	n *= (long)gbm_bo_get_stride(bo) * H;	/* plane 0 only: comparable */
	if (gbm_bo_get_plane_count(bo) > 1)
		n = n * 3 / 2;
	gbm_bo_destroy(bo);
	return n / t / 1e6;
}

static void cell(double v, const char *unit)
{
	if (v < 0)
		printf(" fails (%s) |", strerror((int)-v));
	else
		printf(" %.1f %s |", v, unit);
}

int main(int argc, char **argv)
{
	static const struct { const char *name; uint32_t format, usage; } cases[] = {
		{ "XR24 SCANOUT", DRM_FORMAT_XRGB8888, GBM_BO_USE_SCANOUT | GBM_BO_USE_LINEAR },
		{ "XR24 RENDERING", DRM_FORMAT_XRGB8888, GBM_BO_USE_RENDERING | GBM_BO_USE_LINEAR },
		{ "NV12 SCANOUT", DRM_FORMAT_NV12, GBM_BO_USE_SCANOUT | GBM_BO_USE_LINEAR },
	};
	struct gbm_device *dev[2];
	struct dmaheap_ctx *ctx = dmaheap_ctx_create(0);
	char path[64];
	int fds[2];

	if (argc > 1)
		seconds = atof(argv[1]);
	for (int i = 0; i < 2; i++) {
		fds[i] = drm_open_driver("vkms", "card", path);
		if (fds[i] < 0) {
			fprintf(stderr, "gbm-bench: no vkms device (use the test or bench kernel)\n");
			return 1;
		}
	}
	unsetenv("GBM_BACKEND");
	dev[0] = gbm_create_device(fds[0]);
	setenv("GBM_BACKEND", "dmaheap", 1);
	dev[1] = gbm_create_device(fds[1]);
	if (!dev[0] || !dev[1] || strcmp(gbm_device_get_backend_name(dev[1]), "dmaheap")) {
		fprintf(stderr, "gbm-bench: cannot create both GBM devices on %s\n", path);
		return 1;
	}
	printf("%ux%u on %s, %.1f s per figure; Mesa's backend: '%s'; heaps: scanout '%s', "
	       "gpu '%s'\n\n", W, H, path, seconds, gbm_device_get_backend_name(dev[0]),
	       dmaheap_heap_name(dmaheap_heap_for_usage(ctx, DMAHEAP_USAGE_SCANOUT)),
	       dmaheap_heap_name(dmaheap_heap_for_usage(ctx, DMAHEAP_USAGE_GPU)));
	printf("| buffer | Mesa full cycle | dmaheap full cycle | ratio | Mesa map+fill+unmap "
	       "| dmaheap map+fill+unmap | ratio |\n|---|---|---|---|---|---|---|\n");
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		double fm = full_cycle(dev[0], cases[c].format, cases[c].usage);
		double fd = full_cycle(dev[1], cases[c].format, cases[c].usage);
		double km = kept_fill(dev[0], cases[c].format, cases[c].usage);
		double kd = kept_fill(dev[1], cases[c].format, cases[c].usage);

		printf("| %s |", cases[c].name);
		cell(fm, "/s");
		cell(fd, "/s");
		if (fm > 0 && fd > 0)
			printf(" %.2fx |", fd / fm);
		else
			printf(" - |");
		cell(km, "MB/s");
		cell(kd, "MB/s");
		if (km > 0 && kd > 0)
			printf(" %.2fx |\n", kd / km);
		else
			printf(" - |\n");
		fflush(stdout);
	}
	gbm_device_destroy(dev[1]);
	gbm_device_destroy(dev[0]);
	dmaheap_ctx_destroy(ctx);
	close(fds[0]);
	close(fds[1]);
	return 0;
}
