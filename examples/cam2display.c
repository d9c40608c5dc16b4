// SPDX-License-Identifier: MIT
/*
 * cam2display - capture frames from a V4L2 camera and show them on a KMS
 * display without copying a pixel: each camera buffer is a dma-buf that the
 * display imports as a framebuffer. The last frame is read back through the
 * display's writeback connector and saved as a PNG, which shows what was
 * actually composed on screen rather than what the camera wrote.
 *
 * Built for the test bed's virtual devices: vivid (camera) and vkms (display
 * with writeback). Today the camera allocates the buffers (V4L2 MMAP, then
 * VIDIOC_EXPBUF); buffers_from_v4l2() is the one place that changes when they
 * come from a dma-heap instead (V4L2_MEMORY_DMABUF import).
 *
 * cam2display --check-bars FILE.png checks that such a PNG shows vivid's
 * default 75% colour bars; the guest tests use it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <png.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/videodev2.h>
#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#define NUM_BUFFERS 4
#define BACKGROUND 0x00202020u	/* dark grey: tells the frame from the screen */
#define TIMEOUT_MS 10000	/* TCG guests with KASAN are slow; a stall is not */

/*
 * V4L2 names formats by the bytes of a pixel in memory order read backwards,
 * DRM by a little-endian 32-bit word: both of these mean bytes B, G, R, X.
 */
#define CAMERA_FORMAT V4L2_PIX_FMT_XBGR32
#define DISPLAY_FORMAT DRM_FORMAT_XRGB8888

struct frame {
	unsigned int index;	/* V4L2 buffer index */
	int dmabuf;		/* the dma-buf shared by camera and display */
	uint32_t gem, fb;	/* the display's handle and framebuffer for it */
};

struct camera {
	int fd;
	char path[64];
	enum v4l2_memory memory;	/* how buffers reach the camera */
	struct v4l2_pix_format fmt;
	struct frame frames[NUM_BUFFERS];
	unsigned int nframes;
};

/* The atomic properties this program sets, on whichever object has them. */
enum prop { FB_ID, CRTC_ID, SRC_X, SRC_Y, SRC_W, SRC_H, CRTC_X, CRTC_Y, CRTC_W, CRTC_H,
	    TYPE, MODE_ID, ACTIVE, WRITEBACK_FB_ID, WRITEBACK_OUT_FENCE_PTR, PROP_COUNT };
static const char *const prop_names[PROP_COUNT] = {
	"FB_ID", "CRTC_ID", "SRC_X", "SRC_Y", "SRC_W", "SRC_H", "CRTC_X", "CRTC_Y",
	"CRTC_W", "CRTC_H", "type", "MODE_ID", "ACTIVE", "WRITEBACK_FB_ID",
	"WRITEBACK_OUT_FENCE_PTR",
};
#define PLANE_PROPS 0x3ffu	/* FB_ID .. CRTC_H */

struct kms_object {
	uint32_t id;
	uint32_t prop[PROP_COUNT];	/* property ids, 0 where absent */
	uint64_t value[PROP_COUNT];	/* their values when looked up */
};

struct dumb {
	uint32_t handle, pitch, fb;
	uint64_t size;
	uint32_t *map;
};

struct display {
	int fd;
	char path[64];
	drmModeModeInfo mode;
	uint32_t crtc_index, mode_blob;
	struct kms_object crtc, conn, wb_conn, primary, overlay;
	struct dumb background, writeback;
	bool enabled;
};

__attribute__((format(printf, 1, 2)))
static int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("cam2display: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* Device numbers depend on probe order; the name is what identifies vivid. */
static int camera_open(struct camera *cam, const char *name)
{
	DIR *dir = opendir("/sys/class/video4linux");
	struct v4l2_capability cap = { 0 };
	struct dirent *de;
	char path[300], found[256];

	while (dir && (de = readdir(dir))) {
		FILE *f;

		snprintf(path, sizeof(path), "/sys/class/video4linux/%s/name", de->d_name);
		f = fopen(path, "r");
		if (f && fgets(found, sizeof(found), f) && !strcmp(strtok(found, "\n"), name))
			snprintf(cam->path, sizeof(cam->path), "/dev/%.50s", de->d_name);
		if (f)
			fclose(f);
	}
	if (dir)
		closedir(dir);
	if (!cam->path[0])
		return fail("no V4L2 device named '%s': load vivid (modprobe vivid) or pass --camera NAME",
			    name);
	cam->fd = open(cam->path, O_RDWR | O_CLOEXEC);
	if (cam->fd < 0)
		return fail("open %s (%s): %s", cam->path, name, strerror(errno));
	if (ioctl(cam->fd, VIDIOC_QUERYCAP, &cap) ||
	    !(cap.device_caps & V4L2_CAP_VIDEO_CAPTURE) || !(cap.device_caps & V4L2_CAP_STREAMING))
		return fail("%s (%s) is not a streaming video capture device", cam->path, name);
	return 0;
}

static int camera_set_format(struct camera *cam, unsigned int width, unsigned int height)
{
	struct v4l2_format f = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };

	f.fmt.pix.width = width;
	f.fmt.pix.height = height;
	f.fmt.pix.pixelformat = CAMERA_FORMAT;
	f.fmt.pix.field = V4L2_FIELD_NONE;
	if (ioctl(cam->fd, VIDIOC_S_FMT, &f))
		return fail("camera: VIDIOC_S_FMT %ux%u XR24 on %s: %s",
			    width, height, cam->path, strerror(errno));
	/* Drivers adjust rather than fail: check they kept what the display needs. */
	if (f.fmt.pix.pixelformat != CAMERA_FORMAT || f.fmt.pix.field != V4L2_FIELD_NONE)
		return fail("camera: %s refused format XR24 (V4L2_PIX_FMT_XBGR32) progressive, offered '%.4s'",
			    cam->path, (char *)&f.fmt.pix.pixelformat);
	if (f.fmt.pix.width != width || f.fmt.pix.height != height)
		printf("camera: %s has no %ux%u, using %ux%u\n", cam->path, width, height,
		       f.fmt.pix.width, f.fmt.pix.height);
	cam->fmt = f.fmt.pix;
	return 0;
}

/*
 * The buffer source: the camera allocates and each buffer is exported as a
 * dma-buf. A heap-backed source would allocate from /dev/dma_heap instead,
 * set cam->memory = V4L2_MEMORY_DMABUF and leave the rest of the program be.
 */
static int buffers_from_v4l2(struct camera *cam)
{
	struct v4l2_requestbuffers req = {
		.count = NUM_BUFFERS,
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_MMAP,
	};

	cam->memory = V4L2_MEMORY_MMAP;
	if (ioctl(cam->fd, VIDIOC_REQBUFS, &req) || req.count < 2)
		return fail("camera: VIDIOC_REQBUFS (MMAP) on %s: %s", cam->path,
			    req.count ? strerror(errno) : "too few buffers");
	for (unsigned int i = 0; i < req.count && i < NUM_BUFFERS; i++) {
		struct v4l2_exportbuffer exp = {
			.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
			.index = i,
			.flags = O_RDWR | O_CLOEXEC,
		};

		if (ioctl(cam->fd, VIDIOC_EXPBUF, &exp))
			return fail("camera: VIDIOC_EXPBUF buffer %u on %s: %s",
				    i, cam->path, strerror(errno));
		cam->frames[i] = (struct frame){ .index = i, .dmabuf = exp.fd };
		cam->nframes = i + 1;
	}
	return 0;
}

static int camera_queue(struct camera *cam, struct frame *frame)
{
	struct v4l2_buffer buf = {
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = cam->memory,
		.index = frame->index,
	};

	if (cam->memory == V4L2_MEMORY_DMABUF)
		buf.m.fd = frame->dmabuf;
	if (ioctl(cam->fd, VIDIOC_QBUF, &buf))
		return fail("camera: VIDIOC_QBUF buffer %u: %s", frame->index, strerror(errno));
	return 0;
}

static struct frame *camera_dequeue(struct camera *cam)
{
	struct pollfd pfd = { .fd = cam->fd, .events = POLLIN };
	struct v4l2_buffer buf = {
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = cam->memory,
	};

	if (poll(&pfd, 1, TIMEOUT_MS) != 1)
		fail("camera: no frame from %s within %d ms", cam->path, TIMEOUT_MS);
	else if (ioctl(cam->fd, VIDIOC_DQBUF, &buf))
		fail("camera: VIDIOC_DQBUF: %s", strerror(errno));
	else
		return &cam->frames[buf.index];
	return NULL;
}

static int display_open(struct display *d)
{
	for (int i = 0; i < 16 && d->fd < 0; i++) {
		drmVersionPtr ver;
		int fd;

		snprintf(d->path, sizeof(d->path), "/dev/dri/card%d", i);
		fd = open(d->path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		ver = drmGetVersion(fd);
		if (ver && !strcmp(ver->name, "vkms"))
			d->fd = fd;
		else
			close(fd);
		drmFreeVersion(ver);
	}
	if (d->fd < 0)
		return fail("no DRM device with driver 'vkms': use a kernel with CONFIG_DRM_VKMS (modprobe vkms), e.g. the test guest (tests/vm/run --kernel=test)");
	/* vkms has no legacy modeset path; writeback exists only for atomic clients. */
	if (drmSetClientCap(d->fd, DRM_CLIENT_CAP_ATOMIC, 1) ||
	    drmSetClientCap(d->fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) ||
	    drmSetClientCap(d->fd, DRM_CLIENT_CAP_WRITEBACK_CONNECTORS, 1))
		return fail("display: %s lacks atomic modesetting or writeback connectors: %s",
			    d->path, strerror(errno));
	return 0;
}

/* Looks up the properties of KMS object @id; fails if one in @need is missing. */
static int kms_object_init(struct display *d, struct kms_object *o, uint32_t id,
			   uint32_t type, uint32_t need)
{
	drmModeObjectPropertiesPtr props = drmModeObjectGetProperties(d->fd, id, type);

	o->id = id;
	for (uint32_t i = 0; props && i < props->count_props; i++) {
		drmModePropertyPtr p = drmModeGetProperty(d->fd, props->props[i]);

		for (int k = 0; p && k < PROP_COUNT; k++)
			if (!strcmp(p->name, prop_names[k]))
				o->prop[k] = p->prop_id, o->value[k] = props->prop_values[i];
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	for (int k = 0; k < PROP_COUNT; k++)
		if ((need & (1u << k)) && !o->prop[k])
			return fail("display: %s: object %u has no property %s",
				    d->path, id, prop_names[k]);
	return 0;
}

/* vkms 6.1: the primary plane must cover the CRTC exactly; only overlays move. */
static int display_find_planes(struct display *d)
{
	drmModePlaneResPtr res = drmModeGetPlaneResources(d->fd);

	for (uint32_t i = 0; res && i < res->count_planes; i++) {
		drmModePlanePtr p = drmModeGetPlane(d->fd, res->planes[i]);
		struct kms_object pl = { 0 };
		bool xrgb = false;

		for (uint32_t f = 0; p && f < p->count_formats; f++)
			xrgb |= p->formats[f] == DISPLAY_FORMAT;
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

/* One connected output and its CRTC, the writeback connector, two planes. */
static int display_find_pipeline(struct display *d)
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
	    display_find_planes(d))
		return -1;
	if (drmModeCreatePropertyBlob(d->fd, &d->mode, sizeof(d->mode), &d->mode_blob))
		return fail("display: mode blob: %s", strerror(errno));
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
	if (drmModeAddFB2(d->fd, d->mode.hdisplay, d->mode.vdisplay, DISPLAY_FORMAT,
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

/*
 * Turns a camera dma-buf into a framebuffer. Exporting the GEM handle again
 * must give back the very same dma-buf (same inode): the display scans out
 * the camera's memory, not a copy of it.
 */
static int display_import(struct display *d, const struct camera *cam, struct frame *f)
{
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };
	struct stat cam_st, disp_st;
	int back = -1;

	if (drmPrimeFDToHandle(d->fd, f->dmabuf, &f->gem))
		return fail("display: import dma-buf of buffer %u into %s: %s",
			    f->index, d->path, strerror(errno));
	handles[0] = f->gem;
	pitches[0] = cam->fmt.bytesperline;
	if (drmModeAddFB2(d->fd, cam->fmt.width, cam->fmt.height, DISPLAY_FORMAT,
			  handles, pitches, offsets, &f->fb, 0))
		return fail("display: %s refused a %ux%u XRGB8888 framebuffer (pitch %u): %s",
			    d->path, cam->fmt.width, cam->fmt.height, pitches[0], strerror(errno));
	if (fstat(f->dmabuf, &cam_st) || drmPrimeHandleToFD(d->fd, f->gem, O_CLOEXEC, &back) ||
	    fstat(back, &disp_st))
		return fail("display: re-export of buffer %u: %s", f->index, strerror(errno));
	close(back);
	printf("buffer %u: dma-buf inode %lu from the camera, vkms GEM handle %u is dma-buf inode %lu%s\n",
	       f->index, (unsigned long)cam_st.st_ino, f->gem, (unsigned long)disp_st.st_ino,
	       cam_st.st_ino == disp_st.st_ino ? " (same buffer)" : " (DIFFERENT!)");
	return cam_st.st_ino == disp_st.st_ino ? 0 : fail("display: imported buffer is not the camera's");
}

static void plane_place(drmModeAtomicReqPtr req, const struct kms_object *pl, uint32_t crtc,
			uint32_t fb, int x, int y, uint32_t w, uint32_t h)
{
	const uint64_t v[CRTC_H + 1] = { fb, crtc, 0, 0, (uint64_t)w << 16, (uint64_t)h << 16,
					 (uint64_t)(int64_t)x, (uint64_t)(int64_t)y, w, h };

	for (int i = FB_ID; i <= CRTC_H; i++)
		drmModeAtomicAddProperty(req, pl->id, pl->prop[i], v[i]);
}

static void set(drmModeAtomicReqPtr req, const struct kms_object *o, enum prop p, uint64_t v)
{
	drmModeAtomicAddProperty(req, o->id, o->prop[p], v);
}

/*
 * Shows one camera frame, centred on the overlay plane above the background.
 * The first commit also lights up the pipeline. With @fence, the composed
 * screen is written back into d->writeback and *fence signals when it is done:
 * vkms 6.1 gives its encoders no possible_clones, so a CRTC drives either the
 * virtual connector or the writeback connector, never both; that commit moves
 * the CRTC over to writeback (a modeset, same mode and planes).
 * Blocking: on return the previous frame is off screen and can be requeued.
 */
static int display_show(struct display *d, const struct camera *cam,
			const struct frame *f, int32_t *fence)
{
	drmModeAtomicReqPtr req = drmModeAtomicAlloc();
	uint32_t flags = 0, w = d->mode.hdisplay, h = d->mode.vdisplay, crtc = d->crtc.id;
	int ret;

	if (!d->enabled) {
		flags = DRM_MODE_ATOMIC_ALLOW_MODESET;
		set(req, &d->crtc, MODE_ID, d->mode_blob);
		set(req, &d->crtc, ACTIVE, 1);
		set(req, &d->conn, CRTC_ID, crtc);
		plane_place(req, &d->primary, crtc, d->background.fb, 0, 0, w, h);
	}
	plane_place(req, &d->overlay, crtc, f->fb,
		    ((int)w - (int)cam->fmt.width) / 2, ((int)h - (int)cam->fmt.height) / 2,
		    cam->fmt.width, cam->fmt.height);
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

/* Waits for the writeback and saves what the display composed. */
static int save_writeback(const struct display *d, int fence, const char *path)
{
	struct pollfd pfd = { .fd = fence, .events = POLLIN };
	png_image img = { .version = PNG_IMAGE_VERSION, .format = PNG_FORMAT_RGB };
	char dir[4096];
	uint8_t *rgb;
	int ret = 0;

	if (fence < 0 || poll(&pfd, 1, TIMEOUT_MS) != 1)
		return fail("display: writeback did not complete within %d ms", TIMEOUT_MS);
	img.width = d->mode.hdisplay;
	img.height = d->mode.vdisplay;
	rgb = malloc((size_t)img.width * img.height * 3);
	if (!rgb)
		return fail("out of memory");
	for (uint32_t y = 0; y < img.height; y++) {
		const uint32_t *row = d->writeback.map + (size_t)y * d->writeback.pitch / 4;

		for (uint32_t x = 0; x < img.width; x++) {
			uint8_t *px = rgb + ((size_t)y * img.width + x) * 3;

			px[0] = row[x] >> 16, px[1] = row[x] >> 8, px[2] = row[x];
		}
	}
	snprintf(dir, sizeof(dir), "%s", path);	/* mkdir -p "$(dirname path)" */
	for (char *p = strchr(dir + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST)
			ret = fail("mkdir %s: %s", dir, strerror(errno));
		*p = '/';
	}
	if (!ret && !png_image_write_to_file(&img, path, 0, rgb, 0, NULL))
		ret = fail("write %s: %s", path, img.message);
	free(rgb);
	return ret;
}

/*
 * vivid's default pattern is the ITU-R 75% colour bars, with text in the top
 * rows. Find the frame (whatever differs from the top-left background pixel)
 * and sample the middle of each bar three quarters of the way down.
 */
static int check_bars(const char *path)
{
	static const uint8_t bars[8][3] = {
		{ 191, 191, 191 }, { 191, 191, 0 }, { 0, 191, 191 }, { 0, 191, 0 },
		{ 191, 0, 191 }, { 191, 0, 0 }, { 0, 0, 191 }, { 0, 0, 0 },
	};
	png_image img = { .version = PNG_IMAGE_VERSION };
	uint32_t left = UINT32_MAX, right = 0, top = UINT32_MAX, bottom = 0, bad = 0;
	uint8_t *rgb;

	if (!png_image_begin_read_from_file(&img, path))
		return fail("%s: %s", path, img.message);
	img.format = PNG_FORMAT_RGB;
	rgb = malloc(PNG_IMAGE_SIZE(img));
	if (!rgb || !png_image_finish_read(&img, NULL, rgb, 0, NULL)) {
		png_image_free(&img);
		free(rgb);
		return fail("%s: cannot decode", path);
	}
	printf("%s: %ux%u\n", path, img.width, img.height);
	for (uint32_t y = 0; y < img.height; y++)
		for (uint32_t x = 0; x < img.width; x++)
			if (memcmp(rgb + ((size_t)y * img.width + x) * 3, rgb, 3)) {
				left = x < left ? x : left, right = x > right ? x : right;
				top = y < top ? y : top, bottom = y > bottom ? y : bottom;
			}
	if (left > right || right - left < 16) {
		free(rgb);
		return fail("%s: no camera frame on the background (all one colour?)", path);
	}
	printf("frame at %u,%u size %ux%u\n", left, top, right - left + 1, bottom - top + 1);
	for (int i = 0; i < 8; i++) {
		uint32_t x = left + (2 * i + 1) * (right - left + 1) / 16;
		uint32_t y = top + 3 * (bottom - top + 1) / 4;
		const uint8_t *px = rgb + ((size_t)y * img.width + x) * 3;
		bool ok = true;

		for (int c = 0; c < 3; c++)
			ok &= abs(px[c] - bars[i][c]) <= 32;
		printf("bar %d at %u,%u: %3u %3u %3u, expected %3u %3u %3u%s\n", i, x, y,
		       px[0], px[1], px[2], bars[i][0], bars[i][1], bars[i][2], ok ? "" : "  MISMATCH");
		bad += !ok;
	}
	free(rgb);
	return bad ? fail("%s: %u of 8 bars are not vivid's 75%% colour bars", path, bad) : 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: cam2display [OPTIONS]\n"
		"       cam2display --check-bars FILE.png\n\n"
		"Capture frames from a V4L2 camera and show them on vkms through shared\n"
		"dma-bufs (no copies); save the last composed screen, read back through\n"
		"vkms's writeback connector, as a PNG.\n\n"
		"  --camera NAME     V4L2 device name in /sys/class/video4linux/*/name\n"
		"                    (default vivid-000-vid-cap)\n"
		"  --size WxH        capture size (default 640x480); format is always XR24\n"
		"  --frames N        frames to capture and show (default 60)\n"
		"  --buffers SOURCE  who allocates the buffers: v4l2 (the camera, exported\n"
		"                    with VIDIOC_EXPBUF; the only source so far)\n"
		"  --output FILE     PNG of the last frame (default out/demo/frame.png)\n"
		"  --check-bars FILE check that FILE shows vivid's 75%% colour bars\n"
		"  -h, --help        this text\n\n"
		"Exit status: 0 success, 1 failure, 2 bad usage.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "camera", required_argument, NULL, 'c' },
		{ "size", required_argument, NULL, 's' },
		{ "frames", required_argument, NULL, 'n' },
		{ "buffers", required_argument, NULL, 'b' },
		{ "output", required_argument, NULL, 'o' },
		{ "check-bars", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *camera_name = "vivid-000-vid-cap", *output = "out/demo/frame.png";
	unsigned int width = 640, height = 480;
	long nframes = 60;
	struct camera cam = { .fd = -1 };
	struct display d = { .fd = -1 };
	struct frame *shown = NULL;
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	int32_t fence = -1;
	int opt, ret = -1;
	char *end;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': camera_name = optarg; break;
		case 'o': output = optarg; break;
		case 'k': return check_bars(optarg) ? 1 : 0;
		case 'h': usage(stdout); return 0;
		case 's':
			if (sscanf(optarg, "%ux%u", &width, &height) != 2 || !width || !height)
				return fail("--size wants WxH, e.g. 640x480, not '%s'", optarg), 2;
			break;
		case 'n':
			nframes = strtol(optarg, &end, 10);
			if (*end || nframes < 1 || nframes > 100000)
				return fail("--frames wants a number from 1, not '%s'", optarg), 2;
			break;
		case 'b':
			if (strcmp(optarg, "v4l2"))
				return fail("--buffers: unknown source '%s' (only 'v4l2' so far)", optarg), 2;
			break;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc)
		return fail("unexpected argument '%s' (see --help)", argv[optind]), 2;

	if (camera_open(&cam, camera_name) || camera_set_format(&cam, width, height) ||
	    display_open(&d) || display_find_pipeline(&d) ||
	    dumb_create(&d, &d.background) || dumb_create(&d, &d.writeback))
		goto out;
	printf("camera: %s (%s), %ux%u XR24 = V4L2_PIX_FMT_XBGR32, %u bytes per line\n",
	       camera_name, cam.path, cam.fmt.width, cam.fmt.height, cam.fmt.bytesperline);
	printf("display: vkms (%s), mode %s, CRTC %u, primary plane %u, overlay plane %u, writeback connector %u\n",
	       d.path, d.mode.name, d.crtc.id, d.primary.id, d.overlay.id, d.wb_conn.id);
	for (uint32_t i = 0; i < d.mode.vdisplay * d.background.pitch / 4; i++)
		d.background.map[i] = BACKGROUND;

	if (buffers_from_v4l2(&cam))
		goto out;
	printf("buffers: %u, allocated by the camera (V4L2 MMAP) and exported with VIDIOC_EXPBUF\n",
	       cam.nframes);
	for (unsigned int i = 0; i < cam.nframes; i++)
		if (display_import(&d, &cam, &cam.frames[i]) || camera_queue(&cam, &cam.frames[i]))
			goto out;
	if (ioctl(cam.fd, VIDIOC_STREAMON, &type)) {
		fail("camera: VIDIOC_STREAMON on %s: %s", cam.path, strerror(errno));
		goto out;
	}
	for (long n = 1; n <= nframes; n++) {
		struct frame *f = camera_dequeue(&cam);

		if (!f || display_show(&d, &cam, f, n == nframes ? &fence : NULL))
			goto out;
		/* The display let go of the previous frame: the camera may refill it. */
		if (shown && camera_queue(&cam, shown))
			goto out;
		shown = f;
	}
	printf("frames: %ld captured and shown, each as a %ux%u overlay at (%d,%d) on %s\n",
	       nframes, cam.fmt.width, cam.fmt.height,
	       ((int)d.mode.hdisplay - (int)cam.fmt.width) / 2,
	       ((int)d.mode.vdisplay - (int)cam.fmt.height) / 2, d.mode.name);
	if (save_writeback(&d, fence, output))
		goto out;
	printf("output: %s (%ux%u, read back through the vkms writeback connector)\n",
	       output, d.mode.hdisplay, d.mode.vdisplay);
	ret = 0;
out:
	/*
	 * Closing is enough to tear down: removing a framebuffer that is on
	 * screen disables its plane (its CRTC too, for the primary), and the
	 * camera frees its buffers once the display has dropped its references.
	 */
	if (fence >= 0)
		close(fence);
	if (cam.fd >= 0)
		ioctl(cam.fd, VIDIOC_STREAMOFF, &type);
	for (unsigned int i = 0; i < cam.nframes; i++) {
		if (cam.frames[i].fb)
			drmModeRmFB(d.fd, cam.frames[i].fb);
		close(cam.frames[i].dmabuf);
	}
	if (d.fd >= 0)
		close(d.fd);
	if (cam.fd >= 0)
		close(cam.fd);
	return ret ? 1 : 0;
}
