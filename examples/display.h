/* SPDX-License-Identifier: MIT */
/*
 * A KMS display driven with atomic commits: one connected output, its CRTC,
 * a full-screen primary plane showing a grey background, an overlay plane
 * showing a dma-buf image, and the writeback connector that reads the
 * composed screen back. Written for vkms 6.1 (primary plane full screen, no
 * scaling, writeback only when the CRTC drives it alone); a board's display
 * controller takes the same commits.
 */
#ifndef EXAMPLES_DISPLAY_H
#define EXAMPLES_DISPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <xf86drmMode.h>

#include "common.h"

/* The atomic properties set here, on whichever object has them. */
enum kms_prop { FB_ID, CRTC_ID, SRC_X, SRC_Y, SRC_W, SRC_H, CRTC_X, CRTC_Y, CRTC_W, CRTC_H,
		TYPE, MODE_ID, ACTIVE, WRITEBACK_FB_ID, WRITEBACK_OUT_FENCE_PTR, KMS_PROP_COUNT };

struct kms_object {
	uint32_t id;
	uint32_t prop[KMS_PROP_COUNT];	/* property ids, 0 where absent */
	uint64_t value[KMS_PROP_COUNT];	/* their values when looked up */
};

struct dumb {
	uint32_t handle, pitch, fb;
	uint64_t size;
	uint32_t *map;
};

struct display {
	int fd;
	char path[64];
	const char *driver;
	drmModeModeInfo mode;
	uint32_t crtc_index, mode_blob;
	struct kms_object crtc, conn, wb_conn, primary, overlay;
	struct dumb background, writeback;
	bool enabled;
};

/* Opens the DRM device of driver (by name, never by number) for atomic KMS. */
int display_open(struct display *d, const char *driver);
/* Finds output, CRTC, planes and writeback; makes background and writeback buffers. */
int display_setup(struct display *d);

/*
 * Imports img's dma-buf as a framebuffer. Exporting the GEM handle again must
 * give the very same dma-buf (same inode): the display scans out that memory,
 * not a copy. Prints one line saying so, labelled label.
 */
int display_add_fb(struct display *d, const struct image *img, const char *label, uint32_t *fb);

/*
 * Shows framebuffer fb (w x h) centred on the overlay plane. The first call
 * lights the output up. With fence, this commit routes the CRTC to the
 * writeback connector instead and *fence signals when the screen is written
 * back (vkms's encoders have no possible_clones). Blocking: on return the
 * previous framebuffer is off screen.
 */
int display_show(struct display *d, uint32_t fb, uint32_t w, uint32_t h, int32_t *fence);

/* Waits for fence, saves the written-back screen as a PNG, says so on stdout. */
int display_save_writeback(const struct display *d, int fence, const char *path);

void display_close(struct display *d);

#endif /* EXAMPLES_DISPLAY_H */
