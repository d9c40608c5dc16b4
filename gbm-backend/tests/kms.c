// SPDX-License-Identifier: MIT
/*
 * A SCANOUT bo from dmaheap_gbm.so on a vkms plane: drmModeAddFB2WithModifiers
 * with the bo's handle, stride, offset and LINEAR modifier, an atomic commit,
 * then vkms's writeback connector composes the screen into a second bo, whose
 * pixels must be the ones written (plus a CURSOR bo filled by gbm_bo_write).
 * The atomic code is deliberately small; examples/cam2display.c is the full
 * version (vkms 6.1: the primary plane covers the CRTC; writeback takes the
 * CRTC over in its own modeset).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gbm.h>
#include <xf86drmMode.h>
#include <dmaheap/dmaheap.h>

#include "../../tests/tap.h"
#include "drm-device.h"

#define CURSOR_SIZE 64
#define CURSOR_PIXEL 0xffff0000u	/* opaque red */

enum prop { FB_ID, CRTC_ID, SRC_X, SRC_Y, SRC_W, SRC_H, CRTC_X, CRTC_Y, CRTC_W, CRTC_H,
	    MODE_ID, ACTIVE, WB_FB_ID, WB_FENCE, NUM_PROPS };
static const char *const prop_names[NUM_PROPS] = {
	"FB_ID", "CRTC_ID", "SRC_X", "SRC_Y", "SRC_W", "SRC_H", "CRTC_X", "CRTC_Y",
	"CRTC_W", "CRTC_H", "MODE_ID", "ACTIVE", "WRITEBACK_FB_ID", "WRITEBACK_OUT_FENCE_PTR",
};

struct object {
	uint32_t id;
	uint32_t prop[NUM_PROPS];
};

static int fd = -1;

static void object_init(struct object *o, uint32_t id, uint32_t type)
{
	drmModeObjectPropertiesPtr props = drmModeObjectGetProperties(fd, id, type);

	o->id = id;
	for (uint32_t i = 0; props && i < props->count_props; i++) {
		drmModePropertyPtr p = drmModeGetProperty(fd, props->props[i]);

		for (int k = 0; p && k < NUM_PROPS; k++)
			if (!strcmp(p->name, prop_names[k]))
				o->prop[k] = p->prop_id;
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
}

static void set(drmModeAtomicReqPtr req, const struct object *o, enum prop p, uint64_t v)
{
	drmModeAtomicAddProperty(req, o->id, o->prop[p], v);
}

static void place(drmModeAtomicReqPtr req, const struct object *plane, uint32_t crtc,
		  uint32_t fb, uint32_t w, uint32_t h)
{
	const uint64_t v[] = { fb, crtc, 0, 0, (uint64_t)w << 16, (uint64_t)h << 16, 0, 0, w, h };

	for (int i = FB_ID; i <= CRTC_H; i++)
		set(req, plane, i, v[i]);
}

struct pipeline {
	drmModeModeInfo mode;
	uint32_t mode_blob, crtc_index;
	struct object crtc, conn, wb, primary, cursor;
};

static const char *find_pipeline(struct pipeline *p)
{
	drmModeResPtr res = drmModeGetResources(fd);
	drmModePlaneResPtr planes = drmModeGetPlaneResources(fd);
	uint32_t conn = 0, wb = 0, crtc = 0;

	for (int i = 0; res && i < res->count_connectors; i++) {
		drmModeConnectorPtr c = drmModeGetConnector(fd, res->connectors[i]);

		if (c && c->connector_type == DRM_MODE_CONNECTOR_WRITEBACK) {
			wb = c->connector_id;
		} else if (c && !conn && c->connection == DRM_MODE_CONNECTED && c->count_modes) {
			conn = c->connector_id;
			p->mode = c->modes[0];
			for (int m = 0; m < c->count_modes; m++)
				if (c->modes[m].type & DRM_MODE_TYPE_PREFERRED)
					p->mode = c->modes[m];
		}
		drmModeFreeConnector(c);
	}
	if (res && res->count_crtcs)
		crtc = res->crtcs[0], p->crtc_index = 0;
	drmModeFreeResources(res);
	for (uint32_t i = 0; planes && i < planes->count_planes; i++) {
		drmModeObjectPropertiesPtr props =
			drmModeObjectGetProperties(fd, planes->planes[i], DRM_MODE_OBJECT_PLANE);

		for (uint32_t k = 0; props && k < props->count_props; k++) {
			drmModePropertyPtr prop = drmModeGetProperty(fd, props->props[k]);

			if (prop && !strcmp(prop->name, "type")) {
				if (props->prop_values[k] == DRM_PLANE_TYPE_PRIMARY && !p->primary.id)
					object_init(&p->primary, planes->planes[i],
						    DRM_MODE_OBJECT_PLANE);
				if (props->prop_values[k] == DRM_PLANE_TYPE_CURSOR && !p->cursor.id)
					object_init(&p->cursor, planes->planes[i],
						    DRM_MODE_OBJECT_PLANE);
			}
			drmModeFreeProperty(prop);
		}
		drmModeFreeObjectProperties(props);
	}
	drmModeFreePlaneResources(planes);
	if (!conn || !crtc || !p->primary.id)
		return "no connected output, CRTC or primary plane";
	if (!wb)
		return "no writeback connector (vkms.enable_writeback=1)";
	object_init(&p->crtc, crtc, DRM_MODE_OBJECT_CRTC);
	object_init(&p->conn, conn, DRM_MODE_OBJECT_CONNECTOR);
	object_init(&p->wb, wb, DRM_MODE_OBJECT_CONNECTOR);
	if (drmModeCreatePropertyBlob(fd, &p->mode, sizeof(p->mode), &p->mode_blob))
		return "cannot create the mode blob";
	return NULL;
}

/* The bo as a KMS framebuffer, with its modifier. 0 on failure. */
static uint32_t add_fb(struct gbm_bo *bo)
{
	uint32_t handles[4] = { 0 }, strides[4] = { 0 }, offsets[4] = { 0 }, fb = 0;
	uint64_t mods[4] = { 0 };

	for (int i = 0; i < gbm_bo_get_plane_count(bo); i++) {
		handles[i] = gbm_bo_get_handle_for_plane(bo, i).u32;
		strides[i] = gbm_bo_get_stride_for_plane(bo, i);
		offsets[i] = gbm_bo_get_offset(bo, i);
		mods[i] = gbm_bo_get_modifier(bo);
	}
	if (drmModeAddFB2WithModifiers(fd, gbm_bo_get_width(bo), gbm_bo_get_height(bo),
				       gbm_bo_get_format(bo), handles, strides, offsets, mods,
				       &fb, DRM_MODE_FB_MODIFIERS))
		tap_diag("AddFB2WithModifiers: %s", strerror(errno));
	return fb;
}

static uint32_t test_pixel(uint32_t x, uint32_t y)
{
	return 0xff000000u | (x * 251 / 7 & 0xff) << 16 | (y * 13 & 0xff) << 8 | ((x ^ y) & 0xff);
}

static bool close_enough(uint32_t a, uint32_t b)
{
	for (int s = 0; s < 24; s += 8) {
		int d = (int)(a >> s & 0xff) - (int)(b >> s & 0xff);

		if (d > 1 || d < -1)
			return false;
	}
	return true;
}

int main(void)
{
	struct pipeline p = { 0 };
	struct gbm_device *gbm = NULL;
	struct gbm_bo *scan = NULL, *wbbo = NULL, *cursor = NULL;
	uint32_t fb = 0, wbfb = 0, curfb = 0, stride, w, h, bad = 0;
	struct dmaheap_buf_desc desc = { .struct_size = sizeof(desc) };
	drmModeAtomicReqPtr req;
	int32_t fence = -1;
	const char *skip;
	char path[64];
	void *md;
	uint32_t *px;
	int bfd;

	fd = drm_open_driver("vkms", "card", path);
	if (fd < 0)
		skip = "no vkms DRM device (the test kernel has one; Debian's stock kernel does not)";
	else if (drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1) ||
		 drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) ||
		 drmSetClientCap(fd, DRM_CLIENT_CAP_WRITEBACK_CONNECTORS, 1))
		skip = "vkms refuses atomic or writeback client caps";
	else
		skip = find_pipeline(&p);
	if (skip) {
		tap_skip(skip, "a SCANOUT bo on a vkms plane, read back through writeback");
		return tap_done();
	}
	w = p.mode.hdisplay, h = p.mode.vdisplay;
	gbm = gbm_create_device(fd);
	if (!tap_ok(gbm && !strcmp(gbm_device_get_backend_name(gbm), "dmaheap"),
		    "libgbm loads the dmaheap backend on vkms (%s)", path))
		return tap_done();

	scan = gbm_bo_create(gbm, w, h, DRM_FORMAT_XRGB8888, GBM_BO_USE_SCANOUT);
	wbbo = gbm_bo_create(gbm, w, h, DRM_FORMAT_XRGB8888, GBM_BO_USE_SCANOUT);
	cursor = gbm_bo_create(gbm, CURSOR_SIZE, CURSOR_SIZE, DRM_FORMAT_ARGB8888,
			       GBM_BO_USE_CURSOR | GBM_BO_USE_WRITE);
	bfd = scan ? gbm_bo_get_fd(scan) : -1;
	if (bfd >= 0)
		dmaheap_describe(bfd, &desc), close(bfd);
	tap_ok(scan && wbbo && cursor, "%ux%u XR24 SCANOUT bos and a 64x64 AR24 CURSOR bo "
	       "(screen bo from heap '%s')", w, h, desc.exporter);
	if (!scan || !wbbo || !cursor)
		goto out;
	px = gbm_bo_map(scan, 0, 0, w, h, GBM_BO_TRANSFER_WRITE, &stride, &md);
	for (uint32_t y = 0; px && y < h; y++)
		for (uint32_t x = 0; x < w; x++)
			px[(size_t)y * stride / 4 + x] = test_pixel(x, y);
	if (px)
		gbm_bo_unmap(scan, md);
	{
		uint32_t img[CURSOR_SIZE * CURSOR_SIZE];

		for (int i = 0; i < CURSOR_SIZE * CURSOR_SIZE; i++)
			img[i] = CURSOR_PIXEL;
		tap_ok(px && !gbm_bo_write(cursor, img, sizeof(img)),
		       "screen written through gbm_bo_map, cursor through gbm_bo_write");
	}
	fb = add_fb(scan), wbfb = add_fb(wbbo), curfb = add_fb(cursor);
	if (!tap_ok(fb && wbfb && curfb, "drmModeAddFB2WithModifiers takes the bos (LINEAR)"))
		goto out;

	req = drmModeAtomicAlloc();
	set(req, &p.crtc, MODE_ID, p.mode_blob);
	set(req, &p.crtc, ACTIVE, 1);
	set(req, &p.conn, CRTC_ID, p.crtc.id);
	place(req, &p.primary, p.crtc.id, fb, w, h);
	if (p.cursor.id)
		place(req, &p.cursor, p.crtc.id, curfb, CURSOR_SIZE, CURSOR_SIZE);
	tap_ok(!drmModeAtomicCommit(fd, req, DRM_MODE_ATOMIC_ALLOW_MODESET, NULL),
	       "atomic commit shows the bo on the primary plane (mode %s)%s", p.mode.name,
	       p.cursor.id ? " and the cursor bo on the cursor plane" : "");
	drmModeAtomicFree(req);

	req = drmModeAtomicAlloc();
	set(req, &p.conn, CRTC_ID, 0);
	set(req, &p.wb, CRTC_ID, p.crtc.id);
	set(req, &p.wb, WB_FB_ID, wbfb);
	set(req, &p.wb, WB_FENCE, (uintptr_t)&fence);
	if (!tap_ok(!drmModeAtomicCommit(fd, req, DRM_MODE_ATOMIC_ALLOW_MODESET, NULL),
		    "atomic commit with the writeback connector: %s", strerror(errno))) {
		drmModeAtomicFree(req);
		goto out;
	}
	drmModeAtomicFree(req);
	{
		struct pollfd pfd = { .fd = fence, .events = POLLIN };

		tap_ok(fence >= 0 && poll(&pfd, 1, 10000) == 1, "the writeback fence signals");
		if (fence >= 0)
			close(fence);
	}
	px = gbm_bo_map(wbbo, 0, 0, w, h, GBM_BO_TRANSFER_READ, &stride, &md);
	for (uint32_t y = 0; px && y < h; y++)
		for (uint32_t x = 0; x < w; x++) {
			bool in_cursor = p.cursor.id && x < CURSOR_SIZE && y < CURSOR_SIZE;
			uint32_t want = in_cursor ? CURSOR_PIXEL : test_pixel(x, y);

			if (!close_enough(px[(size_t)y * stride / 4 + x], want) && !bad++)
				tap_diag("first difference at (%u,%u): 0x%08x, want 0x%08x", x, y,
					 px[(size_t)y * stride / 4 + x], want);
		}
	tap_ok(px && !bad, "the writeback bo holds the pixels written (%u of %u differ)", bad,
	       w * h);
	if (px)
		gbm_bo_unmap(wbbo, md);
out:
	/* closing the fd turns the display off; framebuffers go before their bos */
	if (fb)
		drmModeRmFB(fd, fb);
	if (wbfb)
		drmModeRmFB(fd, wbfb);
	if (curfb)
		drmModeRmFB(fd, curfb);
	if (cursor)
		gbm_bo_destroy(cursor);
	if (wbbo)
		gbm_bo_destroy(wbbo);
	if (scan)
		gbm_bo_destroy(scan);
	if (gbm)
		gbm_device_destroy(gbm);
	if (p.mode_blob)
		drmModeDestroyPropertyBlob(fd, p.mode_blob);
	close(fd);
	return tap_done();
}
