// SPDX-License-Identifier: MIT
/*
 * kms-screenshot - what a KMS device scans out right now, read from its
 * planes, while another process (a compositor) is DRM master.
 *
 * For every plane bound to a CRTC it prints the framebuffer, where it sits,
 * and the dma-buf behind it (inode and exporter, so a heap buffer is named
 * by its heap), then composes the RGB planes in plane order (primary,
 * overlays, cursor; no zpos in vkms 6.1) into a PNG of the CRTC's mode.
 *
 * Why not the compositor's own screenshot: weston-screenshooter makes weston
 * composite everything with its renderer, and in the test bed that renderer
 * (Mesa's kms_swrast on vkms) cannot read an imported dma-buf; see
 * docs/weston.md. Reading the planes also shows what the display hardware
 * really uses: the client's heap buffer on its plane, with no copy.
 *
 * Needs root (drmModeGetFB2 returns buffer handles only to the DRM master or
 * CAP_SYS_ADMIN). Formats composed: XRGB8888 and ARGB8888, LINEAR.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <png.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include <dmaheap/buffer.h>

struct canvas {
	uint32_t width, height;
	uint32_t *pixels;	/* XRGB8888 */
};

static uint64_t prop_value(int fd, uint32_t plane_id, const char *name, bool *found)
{
	drmModeObjectPropertiesPtr props;
	uint64_t value = 0;

	*found = false;
	props = drmModeObjectGetProperties(fd, plane_id, DRM_MODE_OBJECT_PLANE);
	if (!props)
		return 0;
	for (uint32_t i = 0; i < props->count_props && !*found; i++) {
		drmModePropertyPtr p = drmModeGetProperty(fd, props->props[i]);

		if (p && strcmp(p->name, name) == 0) {
			value = props->prop_values[i];
			*found = true;
		}
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	return value;
}

static const char *plane_type_name(uint64_t type)
{
	switch (type) {
	case DRM_PLANE_TYPE_PRIMARY: return "primary";
	case DRM_PLANE_TYPE_OVERLAY: return "overlay";
	case DRM_PLANE_TYPE_CURSOR: return "cursor";
	default: return "unknown";
	}
}

/* Blends one framebuffer into the canvas at (x, y), clipped; no scaling. */
static void blend(struct canvas *cv, const uint8_t *src, uint32_t stride, uint32_t format,
		  uint32_t w, uint32_t h, int32_t x, int32_t y)
{
	for (uint32_t row = 0; row < h; row++) {
		int64_t cy = (int64_t)y + row;
		const uint32_t *line = (const uint32_t *)(src + (size_t)row * stride);

		if (cy < 0 || cy >= cv->height)
			continue;
		for (uint32_t col = 0; col < w; col++) {
			int64_t cx = (int64_t)x + col;
			uint32_t s = line[col], *d, a;

			if (cx < 0 || cx >= cv->width)
				continue;
			d = &cv->pixels[cy * cv->width + cx];
			a = format == DRM_FORMAT_ARGB8888 ? s >> 24 : 255;
			if (a == 255) {
				*d = s & 0xffffff;
				continue;
			}
			/* Premultiplied alpha, as KMS assumes by default. */
			uint32_t out = 0;

			for (int shift = 0; shift < 24; shift += 8) {
				uint32_t c = ((s >> shift) & 0xff) +
					     ((*d >> shift) & 0xff) * (255 - a) / 255;
				out |= (c > 255 ? 255 : c) << shift;
			}
			*d = out;
		}
	}
}

/* Prints and composes one plane; 0 when done or skipped, -1 on error. */
static int read_plane(int fd, drmModePlanePtr plane, uint64_t type, struct canvas *cv)
{
	drmModeFB2Ptr fb = drmModeGetFB2(fd, plane->fb_id);
	struct dmaheap_buf_desc desc = { .struct_size = sizeof(desc) };
	bool found;
	int32_t x = (int32_t)prop_value(fd, plane->plane_id, "CRTC_X", &found);
	int32_t y = (int32_t)prop_value(fd, plane->plane_id, "CRTC_Y", &found);
	uint32_t w = (uint32_t)prop_value(fd, plane->plane_id, "CRTC_W", &found);
	uint32_t h = (uint32_t)prop_value(fd, plane->plane_id, "CRTC_H", &found);
	int buf_fd = -1, ret = -1;
	void *map = MAP_FAILED;
	size_t size = 0;

	if (!fb) {
		fprintf(stderr, "kms-screenshot: drmModeGetFB2(%u): %s\n", plane->fb_id,
			strerror(errno));
		return -1;
	}
	printf("plane %u (%s): fb %u, %ux%u %.4s modifier 0x%llx, at %d,%d %ux%u",
	       plane->plane_id, plane_type_name(type), fb->fb_id, fb->width, fb->height,
	       (const char *)&fb->pixel_format, (unsigned long long)fb->modifier, x, y, w, h);
	if (!fb->handles[0]) {
		printf("\n");
		fprintf(stderr, "kms-screenshot: no buffer handle for fb %u (run as root)\n",
			fb->fb_id);
		goto out;
	}
	if (drmPrimeHandleToFD(fd, fb->handles[0], DRM_CLOEXEC, &buf_fd)) {
		printf("\n");
		fprintf(stderr, "kms-screenshot: PRIME export of fb %u: %s\n", fb->fb_id,
			strerror(errno));
		goto out;
	}
	if (dmaheap_describe(buf_fd, &desc) == 0)
		printf(", dma-buf inode %llu, exporter %s", (unsigned long long)desc.inode,
		       desc.exporter);
	printf("\n");

	if ((fb->pixel_format != DRM_FORMAT_XRGB8888 && fb->pixel_format != DRM_FORMAT_ARGB8888) ||
	    (fb->modifier != DRM_FORMAT_MOD_LINEAR && fb->modifier != DRM_FORMAT_MOD_INVALID) ||
	    w != fb->width || h != fb->height) {
		printf("plane %u: not composed (only unscaled LINEAR XR24/AR24)\n", plane->plane_id);
		ret = 0;
		goto out;
	}
	size = (size_t)fb->offsets[0] + (size_t)fb->pitches[0] * fb->height;
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, buf_fd, 0);
	if (map == MAP_FAILED) {
		fprintf(stderr, "kms-screenshot: mmap of fb %u's dma-buf: %s\n", fb->fb_id,
			strerror(errno));
		goto out;
	}
	dmaheap_cpu_begin(buf_fd, DMAHEAP_ACCESS_READ);
	blend(cv, (const uint8_t *)map + fb->offsets[0], fb->pitches[0], fb->pixel_format,
	      fb->width, fb->height, x, y);
	dmaheap_cpu_end(buf_fd, DMAHEAP_ACCESS_READ);
	ret = 0;
out:
	if (map != MAP_FAILED)
		munmap(map, size);
	if (buf_fd >= 0)
		close(buf_fd);
	/* GetFB2 made handles in our file: close each distinct one once. */
	for (int i = 0; i < 4; i++) {
		bool seen = false;

		for (int j = 0; j < i; j++)
			seen |= fb->handles[j] == fb->handles[i];
		if (fb->handles[i] && !seen)
			drmCloseBufferHandle(fd, fb->handles[i]);
	}
	drmModeFreeFB2(fb);
	return ret;
}

static int write_png(const struct canvas *cv, const char *path)
{
	FILE *f = fopen(path, "wb");
	png_structp png = NULL;
	png_infop info = NULL;
	uint8_t *row = NULL;
	int ret = -1;

	if (!f) {
		fprintf(stderr, "kms-screenshot: %s: %s\n", path, strerror(errno));
		return -1;
	}
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	info = png ? png_create_info_struct(png) : NULL;
	row = malloc((size_t)cv->width * 3);
	if (!png || !info || !row)
		goto out;
	if (setjmp(png_jmpbuf(png)))
		goto out;
	png_init_io(png, f);
	png_set_IHDR(png, info, cv->width, cv->height, 8, PNG_COLOR_TYPE_RGB,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (uint32_t y = 0; y < cv->height; y++) {
		for (uint32_t x = 0; x < cv->width; x++) {
			uint32_t p = cv->pixels[y * cv->width + x];

			row[3 * x] = p >> 16;
			row[3 * x + 1] = p >> 8;
			row[3 * x + 2] = p;
		}
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	ret = 0;
out:
	if (ret)
		fprintf(stderr, "kms-screenshot: writing %s failed\n", path);
	png_destroy_write_struct(&png, &info);
	free(row);
	if (fclose(f) && !ret) {
		fprintf(stderr, "kms-screenshot: %s: %s\n", path, strerror(errno));
		ret = -1;
	}
	return ret;
}

/* Distinct colours in the canvas, counting up to max (a frame someone drew
 * has many, an unpainted or cleared one one or two), and the most common
 * among the first pixels' colours. */
static unsigned int count_colours(const struct canvas *cv, unsigned int max, uint32_t *common)
{
	uint32_t seen[64];
	size_t count[64] = { 0 };
	unsigned int n = 0, best = 0;
	size_t total = (size_t)cv->width * cv->height;

	if (max > sizeof(seen) / sizeof(seen[0]))
		max = sizeof(seen) / sizeof(seen[0]);
	for (size_t i = 0; i < total; i++) {
		uint32_t c = cv->pixels[i] & 0xffffff;
		unsigned int j;

		for (j = 0; j < n && seen[j] != c; j++)
			;
		if (j == n) {
			if (n == max)
				continue;
			seen[n++] = c;
		}
		if (++count[j] > count[best])
			best = j;
	}
	*common = n ? seen[best] : 0;
	return n;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: kms-screenshot --device /dev/dri/cardN --output FILE.png\n\n"
		"Print the planes the first active CRTC of a KMS device scans out (fb,\n"
		"position, dma-buf inode and exporter) and compose them into a PNG, while\n"
		"a compositor is DRM master, and say how many colours it has (up to 64) and\n"
		"which is the most common.\n"
		"Run as root.\n\n"
		"  --device PATH   the KMS device (a primary node)\n"
		"  --output FILE   the PNG to write\n"
		"  -h, --help      this text\n\n"
		"Exit status: 0 success, 1 failure, 2 bad usage.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const uint64_t order[] = {
		DRM_PLANE_TYPE_PRIMARY, DRM_PLANE_TYPE_OVERLAY, DRM_PLANE_TYPE_CURSOR,
	};
	const char *device = NULL, *output = NULL;
	drmModePlaneResPtr planes = NULL;
	drmModeCrtcPtr crtc = NULL;
	struct canvas cv = { 0 };
	uint32_t crtc_id = 0;
	int fd, opt, ret = 1;
	bool found;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': device = optarg; break;
		case 'o': output = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!device || !output || optind < argc) {
		usage(stderr);
		return 2;
	}
	fd = open(device, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "kms-screenshot: open %s: %s\n", device, strerror(errno));
		return 1;
	}
	/* Atomic exposes CRTC_X/Y/W/H as plane properties. */
	if (drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) ||
	    drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1)) {
		fprintf(stderr, "kms-screenshot: %s has no atomic KMS: %s\n", device,
			strerror(errno));
		goto out;
	}
	planes = drmModeGetPlaneResources(fd);
	if (!planes) {
		fprintf(stderr, "kms-screenshot: %s: no planes: %s\n", device, strerror(errno));
		goto out;
	}
	for (uint32_t i = 0; i < planes->count_planes && !crtc_id; i++) {
		drmModePlanePtr p = drmModeGetPlane(fd, planes->planes[i]);

		if (p && p->fb_id && p->crtc_id)
			crtc_id = p->crtc_id;
		drmModeFreePlane(p);
	}
	crtc = crtc_id ? drmModeGetCrtc(fd, crtc_id) : NULL;
	if (!crtc || !crtc->mode_valid) {
		fprintf(stderr, "kms-screenshot: %s shows nothing (no plane on an active CRTC)\n",
			device);
		goto out;
	}
	cv.width = crtc->mode.hdisplay;
	cv.height = crtc->mode.vdisplay;
	cv.pixels = calloc((size_t)cv.width * cv.height, sizeof(*cv.pixels));
	if (!cv.pixels)
		goto out;
	printf("crtc %u: mode %ux%u\n", crtc_id, cv.width, cv.height);
	for (size_t t = 0; t < sizeof(order) / sizeof(order[0]); t++) {
		for (uint32_t i = 0; i < planes->count_planes; i++) {
			drmModePlanePtr p = drmModeGetPlane(fd, planes->planes[i]);
			uint64_t type = p ? prop_value(fd, p->plane_id, "type", &found) : 0;
			int r = 0;

			if (p && found && type == order[t] && p->fb_id && p->crtc_id == crtc_id)
				r = read_plane(fd, p, type, &cv);
			drmModeFreePlane(p);
			if (r < 0)
				goto out;
		}
	}
	if (write_png(&cv, output) == 0) {
		uint32_t common;
		unsigned int colours = count_colours(&cv, 64, &common);

		printf("wrote %s (%ux%u, %s%u colours, most common #%06x)\n", output, cv.width,
		       cv.height, colours == 64 ? ">= " : "", colours, common);
		ret = 0;
	}
out:
	free(cv.pixels);
	drmModeFreeCrtc(crtc);
	drmModeFreePlaneResources(planes);
	close(fd);
	return ret;
}
