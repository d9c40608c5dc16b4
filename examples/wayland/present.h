/* SPDX-License-Identifier: MIT */
/*
 * Showing dma-buf images through a Wayland compositor: one xdg toplevel,
 * each image a wl_buffer made with zwp_linux_dmabuf_v1 (the image's own
 * dma-buf, planes, pitches and a LINEAR modifier: no copy), shown one after
 * the other with frame callbacks. The compositor decides where they go: a
 * KMS plane (scanned out as they are) or its renderer.
 */
#ifndef EXAMPLES_WAYLAND_PRESENT_H
#define EXAMPLES_WAYLAND_PRESENT_H

#include <stdbool.h>

#include "../common.h"

#define PRESENT_MAX_BUFFERS 8

struct presenter;

/* Connects to $WAYLAND_DISPLAY and maps a window of width x height titled
 * title. NULL after saying why on stderr. */
struct presenter *present_open(const char *title, unsigned int width, unsigned int height);
/* Makes img (its dma-buf, which stays the caller's) a wl_buffer; *id names
 * it for present_show. -1 if the compositor refuses it (said why). */
int present_add(struct presenter *p, const struct image *img, const char *label, int *id);
/* Blocks until buffer id is not in the compositor's hands any more (it
 * can be drawn into). */
int present_wait_idle(struct presenter *p, int id);
/* Shows buffer id; returns once the previous frame was shown (frame
 * callback), so the caller draws the next one while this one is up. */
int present_show(struct presenter *p, int id);
/* Keeps the window up for up to seconds, or until SIGTERM or SIGINT. */
int present_hold(struct presenter *p, unsigned int seconds);
/* Frames the compositor said it showed (frame callbacks). */
unsigned long present_frames_shown(const struct presenter *p);
void present_close(struct presenter *p);

#endif /* EXAMPLES_WAYLAND_PRESENT_H */
