// SPDX-License-Identifier: MIT
/*
 * A Wayland presenter for dma-buf images (present.h): xdg-shell for the
 * window, zwp_linux_dmabuf_v1 (version 3 or later) for the buffers.
 */
#include <drm_fourcc.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wayland-client.h>

#include "linux-dmabuf-unstable-v1-client-protocol.h"
#include "present.h"
#include "xdg-shell-client-protocol.h"

struct present_buffer {
	struct presenter *p;
	struct wl_buffer *wl_buffer;
	bool busy;		/* attached and not released yet */
	bool failed;
	char label[32];
};

struct presenter {
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_compositor *compositor;
	struct xdg_wm_base *wm_base;
	struct zwp_linux_dmabuf_v1 *dmabuf;
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	struct wl_callback *frame_cb;
	bool unconfigured, closed, frame_pending;
	unsigned int width, height;
	unsigned long shown;
	int num_buffers;
	struct present_buffer bufs[PRESENT_MAX_BUFFERS];
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void buffer_release(void *data, struct wl_buffer *wl_buffer)
{
	struct present_buffer *b = data;

	(void)wl_buffer;
	b->busy = false;
}

static const struct wl_buffer_listener buffer_listener = { .release = buffer_release };

static void params_created(void *data, struct zwp_linux_buffer_params_v1 *params,
			   struct wl_buffer *wl_buffer)
{
	struct present_buffer *b = data;

	b->wl_buffer = wl_buffer;
	wl_buffer_add_listener(wl_buffer, &buffer_listener, b);
	zwp_linux_buffer_params_v1_destroy(params);
}

static void params_failed(void *data, struct zwp_linux_buffer_params_v1 *params)
{
	struct present_buffer *b = data;

	b->failed = true;
	zwp_linux_buffer_params_v1_destroy(params);
}

static const struct zwp_linux_buffer_params_v1_listener params_listener = {
	.created = params_created,
	.failed = params_failed,
};

static void wm_base_ping(void *data, struct xdg_wm_base *wm_base, uint32_t serial)
{
	(void)data;
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = { .ping = wm_base_ping };

static void xdg_surface_configure(void *data, struct xdg_surface *xdg_surface, uint32_t serial)
{
	struct presenter *p = data;

	xdg_surface_ack_configure(xdg_surface, serial);
	p->unconfigured = false;
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_surface_configure,
};

static void toplevel_configure(void *data, struct xdg_toplevel *toplevel, int32_t width,
			       int32_t height, struct wl_array *states)
{
	(void)data, (void)toplevel, (void)width, (void)height, (void)states;
}

static void toplevel_close(void *data, struct xdg_toplevel *toplevel)
{
	struct presenter *p = data;

	(void)toplevel;
	p->closed = true;
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure,
	.close = toplevel_close,
};

static void registry_global(void *data, struct wl_registry *registry, uint32_t name,
			    const char *interface, uint32_t version)
{
	struct presenter *p = data;

	if (!strcmp(interface, wl_compositor_interface.name)) {
		p->compositor = wl_registry_bind(registry, name, &wl_compositor_interface, 1);
	} else if (!strcmp(interface, xdg_wm_base_interface.name)) {
		p->wm_base = wl_registry_bind(registry, name, &xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(p->wm_base, &wm_base_listener, p);
	} else if (!strcmp(interface, zwp_linux_dmabuf_v1_interface.name) && version >= 3) {
		p->dmabuf = wl_registry_bind(registry, name, &zwp_linux_dmabuf_v1_interface, 3);
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

/* One wait for events; a signal interrupts it (wl_display_dispatch would
 * retry). timeout_ms < 0: no timeout. 0, or -1 with the compositor gone. */
static int dispatch_once(struct presenter *p, int timeout_ms)
{
	struct pollfd pfd = { .fd = wl_display_get_fd(p->display), .events = POLLIN };
	int n;

	while (wl_display_prepare_read(p->display))
		if (wl_display_dispatch_pending(p->display) < 0)
			return -1;
	if (wl_display_flush(p->display) < 0 && errno != EAGAIN) {
		wl_display_cancel_read(p->display);
		return -1;
	}
	n = poll(&pfd, 1, timeout_ms);
	if (n <= 0) {
		wl_display_cancel_read(p->display);
		return n < 0 && errno != EINTR ? -1 : 0;
	}
	if (wl_display_read_events(p->display) < 0)
		return -1;
	return wl_display_dispatch_pending(p->display) < 0 ? -1 : 0;
}

static int lost(struct presenter *p)
{
	(void)p;
	return fail("present: lost the Wayland compositor: %s", strerror(errno));
}

/* Dispatches until *flag is false, bounded by TIMEOUT_MS; -1 said why. */
static int wait_false(struct presenter *p, const bool *flag, const char *what)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (*flag) {
		if (p->closed)
			return fail("present: the compositor closed the window");
		if (stop)
			return fail("present: stopped by a signal while waiting for %s", what);
		if (dispatch_once(p, 500) < 0)
			return lost(p);
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 > TIMEOUT_MS)
			return fail("present: the compositor did not answer within %d ms (%s)",
				    TIMEOUT_MS, what);
	}
	return 0;
}

struct presenter *present_open(const char *title, unsigned int width, unsigned int height)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct presenter *p = calloc(1, sizeof(*p));

	if (!p) {
		fail("present: out of memory");
		return NULL;
	}
	p->width = width;
	p->height = height;
	p->display = wl_display_connect(NULL);
	if (!p->display) {
		fail("present: cannot connect to the Wayland display '%s' (is the compositor running? WAYLAND_DISPLAY, XDG_RUNTIME_DIR)",
		     getenv("WAYLAND_DISPLAY") ? getenv("WAYLAND_DISPLAY") : "wayland-0");
		free(p);
		return NULL;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	p->registry = wl_display_get_registry(p->display);
	wl_registry_add_listener(p->registry, &registry_listener, p);
	if (wl_display_roundtrip(p->display) < 0)
		goto err_lost;
	if (!p->compositor || !p->wm_base || !p->dmabuf) {
		fail("present: the compositor lacks %s", !p->compositor ? "wl_compositor" :
		     !p->wm_base ? "xdg_wm_base" : "zwp_linux_dmabuf_v1 version 3 or later");
		goto err;
	}
	p->surface = wl_compositor_create_surface(p->compositor);
	p->xdg_surface = xdg_wm_base_get_xdg_surface(p->wm_base, p->surface);
	xdg_surface_add_listener(p->xdg_surface, &xdg_surface_listener, p);
	p->toplevel = xdg_surface_get_toplevel(p->xdg_surface);
	xdg_toplevel_add_listener(p->toplevel, &toplevel_listener, p);
	xdg_toplevel_set_title(p->toplevel, title);
	xdg_toplevel_set_app_id(p->toplevel, "org.dmaheap.gpu-compose");
	p->unconfigured = true;
	wl_surface_commit(p->surface);
	if (wait_false(p, &p->unconfigured, "the window's first configure"))
		goto err;
	return p;

err_lost:
	lost(p);
err:
	present_close(p);
	return NULL;
}

int present_add(struct presenter *p, const struct image *img, const char *label, int *id)
{
	struct present_buffer *b;
	struct zwp_linux_buffer_params_v1 *params;
	const uint64_t mod = DRM_FORMAT_MOD_LINEAR;

	if (p->num_buffers == PRESENT_MAX_BUFFERS)
		return fail("present: more than %d buffers", PRESENT_MAX_BUFFERS);
	b = &p->bufs[p->num_buffers];
	b->p = p;
	snprintf(b->label, sizeof(b->label), "%s", label);
	params = zwp_linux_dmabuf_v1_create_params(p->dmabuf);
	zwp_linux_buffer_params_v1_add_listener(params, &params_listener, b);
	for (unsigned int i = 0; i < img->num_planes; i++)
		zwp_linux_buffer_params_v1_add(params, img->fd, i, img->offset[i], img->pitch[i],
					       (uint32_t)(mod >> 32), (uint32_t)mod);
	zwp_linux_buffer_params_v1_create(params, (int32_t)img->width, (int32_t)img->height,
					  img->fourcc, 0);
	while (!b->wl_buffer && !b->failed)
		if (wl_display_roundtrip(p->display) < 0)
			return lost(p);
	if (b->failed)
		return fail("present: the compositor refused %s as a dma-buf (%ux%u, fourcc 0x%08x, LINEAR)",
			    label, img->width, img->height, img->fourcc);
	printf("%s: wl_buffer through zwp_linux_dmabuf_v1 (the dma-buf itself, LINEAR)\n", label);
	*id = p->num_buffers++;
	return 0;
}

int present_wait_idle(struct presenter *p, int id)
{
	return wait_false(p, &p->bufs[id].busy, p->bufs[id].label);
}

static void frame_done(void *data, struct wl_callback *cb, uint32_t time)
{
	struct presenter *p = data;

	(void)time;
	wl_callback_destroy(cb);
	p->frame_cb = NULL;
	p->frame_pending = false;
	p->shown++;
}

static const struct wl_callback_listener frame_listener = { .done = frame_done };

int present_show(struct presenter *p, int id)
{
	struct present_buffer *b = &p->bufs[id];

	if (wait_false(p, &p->frame_pending, "the previous frame"))
		return -1;
	wl_surface_attach(p->surface, b->wl_buffer, 0, 0);
	wl_surface_damage(p->surface, 0, 0, (int32_t)p->width, (int32_t)p->height);
	p->frame_cb = wl_surface_frame(p->surface);
	wl_callback_add_listener(p->frame_cb, &frame_listener, p);
	wl_surface_commit(p->surface);
	b->busy = true;
	p->frame_pending = true;
	if (wl_display_flush(p->display) < 0 && errno != EAGAIN)
		return lost(p);
	return 0;
}

int present_hold(struct presenter *p, unsigned int seconds)
{
	struct timespec t0, t;

	if (wait_false(p, &p->frame_pending, "the last frame"))
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		if (dispatch_once(p, 500) < 0)
			return lost(p);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (!stop && !p->closed && t.tv_sec - t0.tv_sec < (time_t)seconds);
	return 0;
}

unsigned long present_frames_shown(const struct presenter *p)
{
	return p->shown;
}

void present_close(struct presenter *p)
{
	if (!p)
		return;
	if (p->frame_cb)
		wl_callback_destroy(p->frame_cb);
	for (int i = 0; i < p->num_buffers; i++)
		if (p->bufs[i].wl_buffer)
			wl_buffer_destroy(p->bufs[i].wl_buffer);
	if (p->toplevel)
		xdg_toplevel_destroy(p->toplevel);
	if (p->xdg_surface)
		xdg_surface_destroy(p->xdg_surface);
	if (p->surface)
		wl_surface_destroy(p->surface);
	if (p->dmabuf)
		zwp_linux_dmabuf_v1_destroy(p->dmabuf);
	if (p->wm_base)
		xdg_wm_base_destroy(p->wm_base);
	if (p->compositor)
		wl_compositor_destroy(p->compositor);
	if (p->registry)
		wl_registry_destroy(p->registry);
	if (p->display) {
		wl_display_roundtrip(p->display);
		wl_display_disconnect(p->display);
	}
	free(p);
}
