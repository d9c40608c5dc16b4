// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <drm_fourcc.h>
#include <xf86drm.h>
#include <dmaheap/format.h>

#include "display.h"
#include "image.h"

#define BACKGROUND 0x00202020u	/* dark grey: tells the frame from the screen */
#define PLANE_PROPS 0x3ffu	/* FB_ID .. CRTC_H */

static const char *const prop_names[KMS_PROP_COUNT] = {
	"FB_ID", "CRTC_ID", "SRC_X", "SRC_Y", "SRC_W", "SRC_H", "CRTC_X", "CRTC_Y",
	"CRTC_W", "CRTC_H", "type", "MODE_ID", "ACTIVE", "WRITEBACK_FB_ID",
	"WRITEBACK_OUT_FENCE_PTR",
};

int display_open(struct display *d, const char *driver)
{
	memset(d, 0, sizeof(*d));
	d->fd = -1;
	d->driver = driver;
	for (int i = 0; i < 16 && d->fd < 0; i++) {
		drmVersionPtr ver;
		int fd;

		snprintf(d->path, sizeof(d->path), "/dev/dri/card%d", i);
		fd = open(d->path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		ver = drmGetVersion(fd);
		if (ver && !strcmp(ver->name, driver))
			d->fd = fd;
		else
			close(fd);
		drmFreeVersion(ver);
	}
	if (d->fd < 0)
		return fail("no DRM device with driver '%s': use a kernel with CONFIG_DRM_VKMS (modprobe vkms enable_overlay=1), e.g. the test guest (testbed/vm/run --kernel=test)",
			    driver);
	/* vkms has no legacy modeset path; writeback exists only for atomic clients. */
	if (drmSetClientCap(d->fd, DRM_CLIENT_CAP_ATOMIC, 1) ||
	    drmSetClientCap(d->fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) ||
	    drmSetClientCap(d->fd, DRM_CLIENT_CAP_WRITEBACK_CONNECTORS, 1))
		return fail("display: %s lacks atomic modesetting or writeback connectors: %s",
			    d->path, strerror(errno));
	return 0;
}

/* Looks up the properties of KMS object id; fails if one in need is missing. */
static int kms_object_init(struct display *d, struct kms_object *o, uint32_t id,
			   uint32_t type, uint32_t need)
{
	drmModeObjectPropertiesPtr props = drmModeObjectGetProperties(d->fd, id, type);

	o->id = id;
	for (uint32_t i = 0; props && i < props->count_props; i++) {
		drmModePropertyPtr p = drmModeGetProperty(d->fd, props->props[i]);

		for (int k = 0; p && k < KMS_PROP_COUNT; k++)
			if (!strcmp(p->name, prop_names[k]))
				o->prop[k] = p->prop_id, o->value[k] = props->prop_values[i];
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	for (int k = 0; k < KMS_PROP_COUNT; k++)
		if ((need & (1u << k)) && !o->prop[k])
			return fail("display: %s: object %u has no property %s",
				    d->path, id, prop_names[k]);
	return 0;
}

/* vkms 6.1: the primary plane must cover the CRTC exactly; only overlays move. */
static int find_planes(struct display *d)
{
	drmModePlaneResPtr res = drmModeGetPlaneResources(d->fd);

	for (uint32_t i = 0; res && i < res->count_planes; i++) {
		drmModePlanePtr p = drmModeGetPlane(d->fd, res->planes[i]);
		struct kms_object pl = { 0 };
		bool xrgb = false;

		for (uint32_t f = 0; p && f < p->count_formats; f++)
			xrgb |= p->formats[f] == DRM_FORMAT_XRGB8888;
		if (xrgb && (p->possible_crtcs & (1u << d->crtc_index)) &&
		    !kms_object_init(d, &pl, p->plane_id, DRM_MODE_OBJECT_PLANE, PLANE_PROPS)) {
			if (pl.value[TYPE] == DRM_PLANE_TYPE_PRIMARY && !d->primary.id)
				d->primary = pl;
			else if (pl.value[TYPE] == DRM_PLANE_TYPE_OVERLAY && !d->overlay.id)
				d->overlay = pl;
		}
		drmModeFreePlane(p);
	}
	drmModeFreePlaneResources(res);
	if (!d->primary.id || !d->overlay.id)
		return fail("display: %s has no XRGB8888 %s plane (vkms needs vkms.enable_overlay=1)",
			    d->path, d->primary.id ? "overlay" : "primary");
	return 0;
}

/* A CPU-mapped buffer of the mode's size: the background and the writeback target. */
static int dumb_create(struct display *d, struct dumb *b)
{
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };
	uint64_t offset;
	void *map;

	if (drmModeCreateDumbBuffer(d->fd, d->mode.hdisplay, d->mode.vdisplay, 32, 0,
				    &b->handle, &b->pitch, &b->size))
		return fail("display: dumb buffer %ux%u: %s",
			    d->mode.hdisplay, d->mode.vdisplay, strerror(errno));
	handles[0] = b->handle;
	pitches[0] = b->pitch;
	if (drmModeAddFB2(d->fd, d->mode.hdisplay, d->mode.vdisplay, DRM_FORMAT_XRGB8888,
			  handles, pitches, offsets, &b->fb, 0))
		return fail("display: framebuffer for a dumb buffer: %s", strerror(errno));
	if (drmModeMapDumbBuffer(d->fd, b->handle, &offset))
		return fail("display: map dumb buffer: %s", strerror(errno));
	map = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, offset);
	if (map == MAP_FAILED)
		return fail("display: mmap dumb buffer: %s", strerror(errno));
	b->map = map;
	return 0;
}

int display_setup(struct display *d)
{
	drmModeResPtr res = drmModeGetResources(d->fd);
	uint32_t conn = 0, wb_conn = 0, crtc = 0;

	for (int i = 0; res && i < res->count_connectors; i++) {
		drmModeConnectorPtr c = drmModeGetConnector(d->fd, res->connectors[i]);
		drmModeEncoderPtr enc;

		if (c && c->connector_type == DRM_MODE_CONNECTOR_WRITEBACK) {
			wb_conn = c->connector_id;
		} else if (c && !conn && c->connection == DRM_MODE_CONNECTED &&
			   c->count_modes && c->count_encoders) {
			conn = c->connector_id;
			d->mode = c->modes[0];
			for (int m = 0; m < c->count_modes; m++)
				if (c->modes[m].type & DRM_MODE_TYPE_PREFERRED)
					d->mode = c->modes[m];
			enc = drmModeGetEncoder(d->fd, c->encoders[0]);
			for (int k = 0; enc && k < res->count_crtcs && !crtc; k++)
				if (enc->possible_crtcs & (1u << k))
					crtc = res->crtcs[k], d->crtc_index = k;
			drmModeFreeEncoder(enc);
		}
		drmModeFreeConnector(c);
	}
	drmModeFreeResources(res);
	if (!conn || !crtc)
		return fail("display: %s has no connected output with a CRTC", d->path);
	if (!wb_conn)
		return fail("display: %s has no writeback connector (vkms.enable_writeback=1)", d->path);
	if (kms_object_init(d, &d->crtc, crtc, DRM_MODE_OBJECT_CRTC, 1u << MODE_ID | 1u << ACTIVE) ||
	    kms_object_init(d, &d->conn, conn, DRM_MODE_OBJECT_CONNECTOR, 1u << CRTC_ID) ||
	    kms_object_init(d, &d->wb_conn, wb_conn, DRM_MODE_OBJECT_CONNECTOR,
			    1u << CRTC_ID | 1u << WRITEBACK_FB_ID | 1u << WRITEBACK_OUT_FENCE_PTR) ||
	    find_planes(d))
		return -1;
	if (drmModeCreatePropertyBlob(d->fd, &d->mode, sizeof(d->mode), &d->mode_blob))
		return fail("display: mode blob: %s", strerror(errno));
	if (dumb_create(d, &d->background) || dumb_create(d, &d->writeback))
		return -1;
	for (uint32_t i = 0; i < d->mode.vdisplay * d->background.pitch / 4; i++)
		d->background.map[i] = BACKGROUND;
	printf("display: %s (%s), mode %s, CRTC %u, primary plane %u, overlay plane %u, writeback connector %u\n",
	       d->driver, d->path, d->mode.name, d->crtc.id, d->primary.id, d->overlay.id,
	       d->wb_conn.id);
	return 0;
}

int display_add_fb(struct display *d, const struct image *img, const char *label, uint32_t *fb)
{
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 }, gem;
	struct stat src_st, disp_st;
	char fourcc[5];
	int back = -1;

	if (drmPrimeFDToHandle(d->fd, img->fd, &gem))
		return fail("display: import dma-buf of %s into %s: %s", label, d->path,
			    strerror(errno));
	for (unsigned int p = 0; p < img->num_planes; p++) {
		handles[p] = gem;
		pitches[p] = img->pitch[p];
		offsets[p] = img->offset[p];
	}
	if (drmModeAddFB2(d->fd, img->width, img->height, img->fourcc, handles, pitches,
			  offsets, fb, 0))
		return fail("display: %s refused a %ux%u %s framebuffer (pitch %u) for %s: %s",
			    d->path, img->width, img->height, dmaheap_fourcc_str(img->fourcc, fourcc),
			    pitches[0], label, strerror(errno));
	if (fstat(img->fd, &src_st) || drmPrimeHandleToFD(d->fd, gem, O_CLOEXEC, &back) ||
	    fstat(back, &disp_st))
		return fail("display: re-export of %s: %s", label, strerror(errno));
	close(back);
	printf("%s: dma-buf inode %lu, %s GEM handle %u is dma-buf inode %lu%s\n", label,
	       (unsigned long)src_st.st_ino, d->driver, gem, (unsigned long)disp_st.st_ino,
	       src_st.st_ino == disp_st.st_ino ? " (same buffer)" : " (DIFFERENT!)");
	return src_st.st_ino == disp_st.st_ino ? 0 :
	       fail("display: the imported buffer is not %s", label);
}

static void plane_place(drmModeAtomicReqPtr req, const struct kms_object *pl, uint32_t crtc,
			uint32_t fb, int x, int y, uint32_t w, uint32_t h)
{
	const uint64_t v[CRTC_H + 1] = { fb, crtc, 0, 0, (uint64_t)w << 16, (uint64_t)h << 16,
					 (uint64_t)(int64_t)x, (uint64_t)(int64_t)y, w, h };

	for (int i = FB_ID; i <= CRTC_H; i++)
		drmModeAtomicAddProperty(req, pl->id, pl->prop[i], v[i]);
}

static void set(drmModeAtomicReqPtr req, const struct kms_object *o, enum kms_prop p, uint64_t v)
{
	drmModeAtomicAddProperty(req, o->id, o->prop[p], v);
}

int display_show(struct display *d, uint32_t fb, uint32_t w, uint32_t h, int32_t *fence)
{
	drmModeAtomicReqPtr req = drmModeAtomicAlloc();
	uint32_t flags = 0, mw = d->mode.hdisplay, mh = d->mode.vdisplay, crtc = d->crtc.id;
	int ret;

	if (!d->enabled) {
		flags = DRM_MODE_ATOMIC_ALLOW_MODESET;
		set(req, &d->crtc, MODE_ID, d->mode_blob);
		set(req, &d->crtc, ACTIVE, 1);
		set(req, &d->conn, CRTC_ID, crtc);
		plane_place(req, &d->primary, crtc, d->background.fb, 0, 0, mw, mh);
	}
	plane_place(req, &d->overlay, crtc, fb, ((int)mw - (int)w) / 2, ((int)mh - (int)h) / 2,
		    w, h);
	if (fence) {
		flags = DRM_MODE_ATOMIC_ALLOW_MODESET;
		set(req, &d->conn, CRTC_ID, 0);
		set(req, &d->wb_conn, CRTC_ID, crtc);
		set(req, &d->wb_conn, WRITEBACK_FB_ID, d->writeback.fb);
		set(req, &d->wb_conn, WRITEBACK_OUT_FENCE_PTR, (uintptr_t)fence);
	}
	ret = drmModeAtomicCommit(d->fd, req, flags, NULL);
	drmModeAtomicFree(req);
	if (ret)
		return fail("display: atomic commit%s%s on %s: %s", d->enabled ? "" : " (modeset)",
			    fence ? " with writeback" : "", d->path, strerror(errno));
	d->enabled = true;
	return 0;
}

int display_save_writeback(const struct display *d, int fence, const char *path)
{
	struct pollfd pfd = { .fd = fence, .events = POLLIN };

	if (fence < 0 || poll(&pfd, 1, TIMEOUT_MS) != 1)
		return fail("display: writeback did not complete within %d ms", TIMEOUT_MS);
	if (image_write_png_xrgb(path, d->writeback.map, d->writeback.pitch,
				 d->mode.hdisplay, d->mode.vdisplay))
		return -1;
	printf("output: %s (%ux%u, read back through %s's writeback connector)\n",
	       path, d->mode.hdisplay, d->mode.vdisplay, d->driver);
	return 0;
}

void display_close(struct display *d)
{
	/*
	 * Closing is enough to tear down: removing a framebuffer that is on
	 * screen disables its plane, and the GEM handles go with the fd.
	 */
	if (d->background.map)
		munmap(d->background.map, d->background.size);
	if (d->writeback.map)
		munmap(d->writeback.map, d->writeback.size);
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}
