// SPDX-License-Identifier: MIT
/*
 * heap-client - a Wayland client whose buffers come from a dma-buf heap.
 *
 * It allocates its buffers with gbm_bo_create(GBM_BO_USE_SCANOUT |
 * GBM_BO_USE_LINEAR) on whatever libgbm backend is loaded (GBM_BACKEND=dmaheap
 * selects dmaheap_gbm.so, which takes SCANOUT buffers from the scanout heap
 * list), draws into them through gbm_bo_map, and hands them to the compositor
 * with zwp_linux_dmabuf_v1 and an explicit LINEAR modifier: a compositor can
 * only put a client buffer on a KMS plane when it knows the layout.
 *
 * Why not weston-simple-dmabuf-feedback: it renders into its buffers with EGL
 * on the same gbm_device (EGL_PLATFORM_GBM_KHR), and Mesa's EGL refuses a
 * gbm_device of any backend but its own. This client keeps allocation (GBM)
 * and drawing (CPU, through the dma-buf mapping) apart, so any backend works.
 *
 * Everything it learns is printed, one fact per line, for tests to check:
 * the device, each buffer's dma-buf (inode, exporter, size), whether the
 * compositor accepted it, and the frames shown.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <gbm.h>
#include <wayland-client.h>
#include <xf86drm.h>

#include <dmaheap/buffer.h>

#include "linux-dmabuf-unstable-v1-client-protocol.h"
#include "xdg-shell-client-protocol.h"

#define NUM_BUFFERS 3

struct buffer {
	struct client *client;
	struct gbm_bo *bo;
	struct wl_buffer *wl_buffer;
	int fd;
	bool busy;		/* attached and not yet released by the compositor */
};

struct client {
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_compositor *compositor;
	struct xdg_wm_base *wm_base;
	struct zwp_linux_dmabuf_v1 *dmabuf;
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	struct wl_callback *frame_cb;

	int drm_fd;
	struct gbm_device *gbm;
	struct buffer buffers[NUM_BUFFERS];
	int32_t width, height;	/* from the options, or the compositor's configure */
	bool fullscreen;
	bool configured;
	bool closed;
	int created, failed;	/* zwp_linux_buffer_params_v1 answers */

	dev_t main_device;
	bool have_main_device;
	bool feedback_done;

	unsigned long frames_shown;	/* frame callbacks received */
	bool frame_pending;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* ---- drawing ----------------------------------------------------------- */

/*
 * Eight vertical colour bars, and a white square that moves one step per
 * frame, so successive frames differ and a screenshot shows which one is up.
 */
static int draw_frame(struct buffer *buf, unsigned long frame)
{
	static const uint32_t bars[8] = {
		0xffffff, 0xffff00, 0x00ffff, 0x00ff00,
		0xff00ff, 0xff0000, 0x0000ff, 0x000000,
	};
	uint32_t w = gbm_bo_get_width(buf->bo), h = gbm_bo_get_height(buf->bo);
	uint32_t stride = 0, side = h / 4, sx, sy;
	void *map_data = NULL;
	uint8_t *pixels;

	pixels = gbm_bo_map(buf->bo, 0, 0, w, h, GBM_BO_TRANSFER_WRITE, &stride, &map_data);
	if (!pixels) {
		fprintf(stderr, "heap-client: gbm_bo_map: %s\n", strerror(errno));
		return -1;
	}
	sx = w > side ? (uint32_t)(frame * 8 % (w - side)) : 0;
	sy = (h - side) / 2;
	for (uint32_t y = 0; y < h; y++) {
		uint32_t *row = (uint32_t *)(pixels + (size_t)y * stride);

		for (uint32_t x = 0; x < w; x++) {
			bool in_square = x >= sx && x < sx + side && y >= sy && y < sy + side;

			row[x] = in_square ? 0xffffffff : 0xff000000 | bars[x * 8 / w];
		}
	}
	gbm_bo_unmap(buf->bo, map_data);
	return 0;
}

/* ---- buffers ----------------------------------------------------------- */

static void buffer_release(void *data, struct wl_buffer *wl_buffer)
{
	struct buffer *buf = data;

	(void)wl_buffer;
	buf->busy = false;
}

static const struct wl_buffer_listener buffer_listener = {
	.release = buffer_release,
};

static void params_created(void *data, struct zwp_linux_buffer_params_v1 *params,
			   struct wl_buffer *wl_buffer)
{
	struct buffer *buf = data;

	buf->wl_buffer = wl_buffer;
	wl_buffer_add_listener(wl_buffer, &buffer_listener, buf);
	buf->client->created++;
	zwp_linux_buffer_params_v1_destroy(params);
}

static void params_failed(void *data, struct zwp_linux_buffer_params_v1 *params)
{
	struct buffer *buf = data;

	buf->client->failed++;
	zwp_linux_buffer_params_v1_destroy(params);
}

static const struct zwp_linux_buffer_params_v1_listener params_listener = {
	.created = params_created,
	.failed = params_failed,
};

static int buffer_create(struct client *c, struct buffer *buf, int index)
{
	const uint32_t usage = GBM_BO_USE_SCANOUT | GBM_BO_USE_LINEAR;
	struct zwp_linux_buffer_params_v1 *params;
	struct dmaheap_buf_desc desc = { .struct_size = sizeof(desc) };
	uint64_t modifier;

	buf->client = c;
	buf->fd = -1;
	buf->bo = gbm_bo_create(c->gbm, c->width, c->height, GBM_FORMAT_XRGB8888, usage);
	if (!buf->bo) {
		fprintf(stderr, "heap-client: gbm_bo_create(%dx%d XR24, SCANOUT|LINEAR) on "
			"backend '%s': %s\n", c->width, c->height,
			gbm_device_get_backend_name(c->gbm), strerror(errno));
		return -1;
	}
	buf->fd = gbm_bo_get_fd(buf->bo);
	if (buf->fd < 0) {
		fprintf(stderr, "heap-client: gbm_bo_get_fd: %s\n", strerror(errno));
		return -1;
	}
	/* Asked for LINEAR: say so, even if the backend answers INVALID. */
	modifier = gbm_bo_get_modifier(buf->bo);
	if (modifier == DRM_FORMAT_MOD_INVALID)
		modifier = DRM_FORMAT_MOD_LINEAR;

	if (dmaheap_describe(buf->fd, &desc) == 0)
		printf("buffer %d: dma-buf inode %llu, exporter %s, size %llu, stride %u, "
		       "modifier 0x%llx\n", index, (unsigned long long)desc.inode,
		       desc.exporter, (unsigned long long)desc.size,
		       gbm_bo_get_stride(buf->bo), (unsigned long long)modifier);
	else
		printf("buffer %d: dma-buf not described: %s\n", index, strerror(errno));

	params = zwp_linux_dmabuf_v1_create_params(c->dmabuf);
	zwp_linux_buffer_params_v1_add_listener(params, &params_listener, buf);
	zwp_linux_buffer_params_v1_add(params, buf->fd, 0, gbm_bo_get_offset(buf->bo, 0),
				       gbm_bo_get_stride(buf->bo), modifier >> 32,
				       modifier & 0xffffffff);
	zwp_linux_buffer_params_v1_create(params, c->width, c->height, GBM_FORMAT_XRGB8888, 0);
	return 0;
}

static void buffer_destroy(struct buffer *buf)
{
	if (buf->wl_buffer)
		wl_buffer_destroy(buf->wl_buffer);
	if (buf->fd >= 0)
		close(buf->fd);
	if (buf->bo)
		gbm_bo_destroy(buf->bo);
	memset(buf, 0, sizeof(*buf));
	buf->fd = -1;
}

/* ---- the GBM device ------------------------------------------------------ */

/*
 * The node to give gbm_create_device: the compositor's main device when it
 * says (linux-dmabuf v4), else the first render node, else the first card.
 * With the dmaheap backend the device only provides GEM handles (memory comes
 * from the heaps), so any node does; a render node needs no DRM master.
 */
static char *pick_node(struct client *c)
{
	drmDevicePtr devs[16], dev = NULL;
	char *path = NULL;
	int count;

	if (c->have_main_device && drmGetDeviceFromDevId(c->main_device, 0, &dev) == 0) {
		if (dev->available_nodes & (1 << DRM_NODE_RENDER))
			path = strdup(dev->nodes[DRM_NODE_RENDER]);
		else if (dev->available_nodes & (1 << DRM_NODE_PRIMARY))
			path = strdup(dev->nodes[DRM_NODE_PRIMARY]);
		drmFreeDevice(&dev);
		return path;
	}
	count = drmGetDevices2(0, devs, 16);
	for (int node = DRM_NODE_RENDER; count > 0 && !path; node = DRM_NODE_PRIMARY) {
		for (int i = 0; i < count && !path; i++)
			if (devs[i]->available_nodes & (1 << node))
				path = strdup(devs[i]->nodes[node]);
		if (node == DRM_NODE_PRIMARY)
			break;
	}
	if (count > 0)
		drmFreeDevices(devs, count);
	return path;
}

static int open_device(struct client *c, const char *path)
{
	char *picked = NULL;

	if (path && strcmp(path, "none") == 0) {
		/*
		 * The client never needs GEM handles: it draws with the CPU and
		 * leaves KMS to the compositor. The dmaheap backend takes any
		 * character device and skips PRIME import when it is not DRM, so
		 * only the display imports the buffer.
		 */
		c->drm_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (c->drm_fd < 0)
			fprintf(stderr, "heap-client: open /dev/null: %s\n", strerror(errno));
		else
			printf("device: none (/dev/null: no GEM handles, no PRIME import)\n");
		return c->drm_fd < 0 ? -1 : 0;
	}
	if (!path)
		path = picked = pick_node(c);
	if (!path) {
		fprintf(stderr, "heap-client: no DRM device found (/dev/dri); name one with --device\n");
		return -1;
	}
	c->drm_fd = open(path, O_RDWR | O_CLOEXEC);
	if (c->drm_fd < 0)
		fprintf(stderr, "heap-client: open %s: %s\n", path, strerror(errno));
	else
		printf("device: %s (%s)\n", path,
		       picked ? (c->have_main_device ? "the compositor's main device" :
				 "the first DRM node; the compositor names none") : "--device");
	free(picked);
	return c->drm_fd < 0 ? -1 : 0;
}

/* ---- dma-buf feedback: only the main device is used -------------------- */

static void fb_done(void *data, struct zwp_linux_dmabuf_feedback_v1 *fb)
{
	struct client *c = data;

	(void)fb;
	c->feedback_done = true;
}

static void fb_format_table(void *data, struct zwp_linux_dmabuf_feedback_v1 *fb,
			    int32_t fd, uint32_t size)
{
	(void)data, (void)fb, (void)size;
	close(fd);
}

static void fb_main_device(void *data, struct zwp_linux_dmabuf_feedback_v1 *fb,
			   struct wl_array *device)
{
	struct client *c = data;

	(void)fb;
	if (device->size == sizeof(dev_t)) {
		memcpy(&c->main_device, device->data, sizeof(dev_t));
		c->have_main_device = true;
	}
}

static void fb_tranche_done(void *data, struct zwp_linux_dmabuf_feedback_v1 *fb)
{
	(void)data, (void)fb;
}

static void fb_tranche_target_device(void *data, struct zwp_linux_dmabuf_feedback_v1 *fb,
				     struct wl_array *device)
{
	(void)data, (void)fb, (void)device;
}

static void fb_tranche_formats(void *data, struct zwp_linux_dmabuf_feedback_v1 *fb,
			       struct wl_array *indices)
{
	(void)data, (void)fb, (void)indices;
}

static void fb_tranche_flags(void *data, struct zwp_linux_dmabuf_feedback_v1 *fb,
			     uint32_t flags)
{
	(void)data, (void)fb, (void)flags;
}

static const struct zwp_linux_dmabuf_feedback_v1_listener feedback_listener = {
	.done = fb_done,
	.format_table = fb_format_table,
	.main_device = fb_main_device,
	.tranche_done = fb_tranche_done,
	.tranche_target_device = fb_tranche_target_device,
	.tranche_formats = fb_tranche_formats,
	.tranche_flags = fb_tranche_flags,
};

/* ---- xdg-shell ----------------------------------------------------------- */

static void wm_base_ping(void *data, struct xdg_wm_base *wm_base, uint32_t serial)
{
	(void)data;
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {
	.ping = wm_base_ping,
};

static void xdg_surface_configure(void *data, struct xdg_surface *xdg_surface, uint32_t serial)
{
	struct client *c = data;

	xdg_surface_ack_configure(xdg_surface, serial);
	c->configured = true;
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_surface_configure,
};

static void toplevel_configure(void *data, struct xdg_toplevel *toplevel,
			       int32_t width, int32_t height, struct wl_array *states)
{
	struct client *c = data;

	(void)toplevel, (void)states;
	/* Fullscreen: take the size the compositor asks for (the output's). */
	if (c->fullscreen && width > 0 && height > 0 && !c->buffers[0].bo) {
		c->width = width;
		c->height = height;
	}
}

static void toplevel_close(void *data, struct xdg_toplevel *toplevel)
{
	struct client *c = data;

	(void)toplevel;
	c->closed = true;
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure,
	.close = toplevel_close,
};

/* ---- globals ------------------------------------------------------------ */

static void registry_global(void *data, struct wl_registry *registry, uint32_t name,
			    const char *interface, uint32_t version)
{
	struct client *c = data;

	if (strcmp(interface, wl_compositor_interface.name) == 0) {
		c->compositor = wl_registry_bind(registry, name, &wl_compositor_interface, 1);
	} else if (strcmp(interface, xdg_wm_base_interface.name) == 0) {
		c->wm_base = wl_registry_bind(registry, name, &xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(c->wm_base, &wm_base_listener, c);
	} else if (strcmp(interface, zwp_linux_dmabuf_v1_interface.name) == 0 && version >= 3) {
		/* v4 tells us the compositor's main device. */
		c->dmabuf = wl_registry_bind(registry, name, &zwp_linux_dmabuf_v1_interface,
					     version >= 4 ? 4 : 3);
	}
}

static void registry_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
	(void)data, (void)registry, (void)name;
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

/* ---- the frame loop ----------------------------------------------------- */

static const struct wl_callback_listener frame_listener;

static int present(struct client *c)
{
	struct buffer *buf = NULL;

	for (int i = 0; i < NUM_BUFFERS && !buf; i++)
		if (!c->buffers[i].busy)
			buf = &c->buffers[i];
	if (!buf)
		return 0;	/* all busy: the next release or frame retries */
	if (draw_frame(buf, c->frames_shown) < 0)
		return -1;
	wl_surface_attach(c->surface, buf->wl_buffer, 0, 0);
	wl_surface_damage(c->surface, 0, 0, c->width, c->height);
	c->frame_cb = wl_surface_frame(c->surface);
	wl_callback_add_listener(c->frame_cb, &frame_listener, c);
	wl_surface_commit(c->surface);
	buf->busy = true;
	c->frame_pending = true;
	return 0;
}

static void frame_done(void *data, struct wl_callback *cb, uint32_t time)
{
	struct client *c = data;

	(void)time;
	wl_callback_destroy(cb);
	c->frame_cb = NULL;
	c->frame_pending = false;
	c->frames_shown++;
	if (c->frames_shown == 1 || c->frames_shown % 30 == 0)
		printf("frame %lu shown\n", c->frames_shown);
}

static const struct wl_callback_listener frame_listener = {
	.done = frame_done,
};

/*
 * wl_display_dispatch() retries poll() on EINTR, so a signal would not stop
 * it: poll here, and look at the stop flag between waits.
 */
static int dispatch_once(struct wl_display *display)
{
	struct pollfd pfd = { .fd = wl_display_get_fd(display), .events = POLLIN };

	while (wl_display_prepare_read(display) != 0)
		if (wl_display_dispatch_pending(display) < 0)
			return -1;
	if (wl_display_flush(display) < 0 && errno != EAGAIN) {
		wl_display_cancel_read(display);
		return -1;
	}
	if (poll(&pfd, 1, -1) < 0) {
		wl_display_cancel_read(display);
		return errno == EINTR ? 0 : -1;
	}
	if (wl_display_read_events(display) < 0)
		return -1;
	return wl_display_dispatch_pending(display) < 0 ? -1 : 0;
}

/* ---- main --------------------------------------------------------------- */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: heap-client [OPTIONS]\n\n"
		"A Wayland client whose buffers are gbm_bo_create(SCANOUT|LINEAR) buffers,\n"
		"shared with the compositor through zwp_linux_dmabuf_v1 (LINEAR modifier).\n"
		"Run it with GBM_BACKEND=dmaheap (and GBM_BACKENDS_PATH=build/gbm-backend\n"
		"for an uninstalled build) to take them from a dma-buf heap.\n\n"
		"  --size WxH     window size (default 640x480)\n"
		"  --fullscreen   ask for fullscreen and use the size the compositor gives\n"
		"  --frames N     stop after N frames shown (default 0: until SIGTERM/SIGINT)\n"
		"  --device PATH  the DRM node for gbm_create_device (default: the\n"
		"                 compositor's main device from dma-buf feedback, else\n"
		"                 the first render node); 'none': no DRM device, so the\n"
		"                 buffers get no GEM handles and only the compositor's\n"
		"                 display imports them (needs a backend that allows it,\n"
		"                 such as dmaheap)\n"
		"  -h, --help     this text\n\n"
		"Prints the device, every buffer's dma-buf (inode, exporter = heap, size),\n"
		"whether the compositor accepted them, and the frames shown.\n"
		"Exit status: 0 success, 1 failure, 2 bad usage.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "fullscreen", no_argument, NULL, 'f' },
		{ "frames", required_argument, NULL, 'n' },
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct client c = { .drm_fd = -1, .width = 640, .height = 480 };
	struct zwp_linux_dmabuf_feedback_v1 *feedback = NULL;
	const char *device = NULL;
	unsigned long max_frames = 0;
	struct sigaction sa = { .sa_handler = on_signal };
	int opt, ret = 1;
	char *end;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (sscanf(optarg, "%dx%d", &c.width, &c.height) != 2 ||
			    c.width <= 0 || c.height <= 0 || c.width > 8192 || c.height > 8192) {
				fprintf(stderr, "heap-client: --size wants WxH, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'f':
			c.fullscreen = true;
			break;
		case 'n':
			errno = 0;
			max_frames = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || optarg[0] == '-') {
				fprintf(stderr, "heap-client: --frames wants a count, not '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'd':
			device = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "heap-client: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (int i = 0; i < NUM_BUFFERS; i++)
		c.buffers[i].fd = -1;

	c.display = wl_display_connect(NULL);
	if (!c.display) {
		fprintf(stderr, "heap-client: cannot connect to the Wayland display '%s' "
			"(is the compositor running? WAYLAND_DISPLAY, XDG_RUNTIME_DIR)\n",
			getenv("WAYLAND_DISPLAY") ? getenv("WAYLAND_DISPLAY") : "wayland-0");
		return 1;
	}
	c.registry = wl_display_get_registry(c.display);
	wl_registry_add_listener(c.registry, &registry_listener, &c);
	wl_display_roundtrip(c.display);
	if (!c.compositor || !c.wm_base || !c.dmabuf) {
		fprintf(stderr, "heap-client: the compositor lacks %s\n",
			!c.compositor ? "wl_compositor" : !c.wm_base ? "xdg_wm_base" :
			"zwp_linux_dmabuf_v1 version 3 or later");
		goto out;
	}
	if (zwp_linux_dmabuf_v1_get_version(c.dmabuf) >= 4) {
		feedback = zwp_linux_dmabuf_v1_get_default_feedback(c.dmabuf);
		zwp_linux_dmabuf_feedback_v1_add_listener(feedback, &feedback_listener, &c);
		while (!c.feedback_done)
			if (wl_display_roundtrip(c.display) < 0)
				goto out;
	}
	if (open_device(&c, device) < 0)
		goto out;
	c.gbm = gbm_create_device(c.drm_fd);
	if (!c.gbm) {
		fprintf(stderr, "heap-client: gbm_create_device: %s\n", strerror(errno));
		goto out;
	}
	printf("gbm backend: %s\n", gbm_device_get_backend_name(c.gbm));

	c.surface = wl_compositor_create_surface(c.compositor);
	c.xdg_surface = xdg_wm_base_get_xdg_surface(c.wm_base, c.surface);
	xdg_surface_add_listener(c.xdg_surface, &xdg_surface_listener, &c);
	c.toplevel = xdg_surface_get_toplevel(c.xdg_surface);
	xdg_toplevel_add_listener(c.toplevel, &toplevel_listener, &c);
	xdg_toplevel_set_title(c.toplevel, "dmaheap heap-client");
	xdg_toplevel_set_app_id(c.toplevel, "org.dmaheap.heap-client");
	if (c.fullscreen)
		xdg_toplevel_set_fullscreen(c.toplevel, NULL);
	wl_surface_commit(c.surface);
	while (!c.configured)
		if (wl_display_dispatch(c.display) < 0)
			goto out;

	for (int i = 0; i < NUM_BUFFERS; i++)
		if (buffer_create(&c, &c.buffers[i], i) < 0)
			goto out;
	while (c.created + c.failed < NUM_BUFFERS)
		if (wl_display_roundtrip(c.display) < 0)
			goto out;
	printf("compositor accepted %d of %d buffers (%dx%d XR24 LINEAR)\n",
	       c.created, NUM_BUFFERS, c.width, c.height);
	if (c.failed) {
		fprintf(stderr, "heap-client: the compositor refused %d dma-buf(s)\n", c.failed);
		goto out;
	}

	while (!stop_requested && !c.closed && (!max_frames || c.frames_shown < max_frames)) {
		if (!c.frame_pending && present(&c) < 0)
			goto out;
		if (dispatch_once(c.display) < 0) {
			fprintf(stderr, "heap-client: lost the compositor: %s\n", strerror(errno));
			goto out;
		}
	}
	printf("stopping after %lu frames shown (%s)\n", c.frames_shown,
	       stop_requested ? "signal" : c.closed ? "closed by the compositor" : "done");
	ret = 0;
out:
	if (c.frame_cb)
		wl_callback_destroy(c.frame_cb);
	for (int i = 0; i < NUM_BUFFERS; i++)
		buffer_destroy(&c.buffers[i]);
	if (c.toplevel)
		xdg_toplevel_destroy(c.toplevel);
	if (c.xdg_surface)
		xdg_surface_destroy(c.xdg_surface);
	if (c.surface)
		wl_surface_destroy(c.surface);
	if (feedback)
		zwp_linux_dmabuf_feedback_v1_destroy(feedback);
	if (c.gbm)
		gbm_device_destroy(c.gbm);
	if (c.drm_fd >= 0)
		close(c.drm_fd);
	if (c.dmabuf)
		zwp_linux_dmabuf_v1_destroy(c.dmabuf);
	if (c.wm_base)
		xdg_wm_base_destroy(c.wm_base);
	if (c.compositor)
		wl_compositor_destroy(c.compositor);
	if (c.registry)
		wl_registry_destroy(c.registry);
	if (c.display) {
		wl_display_roundtrip(c.display);
		wl_display_disconnect(c.display);
	}
	return ret;
}
