/* SPDX-License-Identifier: MIT */
/*
 * PNG output and the colour-bar check. These are the only places the examples
 * touch pixels with the CPU, and only to look at a result (the writeback
 * readback or a decoded frame), never to move a frame between stages.
 */
#ifndef EXAMPLES_IMAGE_H
#define EXAMPLES_IMAGE_H

#include <stdint.h>

/* Saves w x h XRGB8888 pixels (pitch bytes per line) as an RGB PNG. */
int image_write_png_xrgb(const char *path, const uint32_t *pixels, uint32_t pitch,
			 uint32_t w, uint32_t h);
/* Saves an NV12 picture as an RGB PNG (BT.601 limited range, as vivid makes it). */
int image_write_png_nv12(const char *path, const uint8_t *y, uint32_t y_pitch,
			 const uint8_t *uv, uint32_t uv_pitch, uint32_t w, uint32_t h);
/*
 * Checks that the PNG shows vivid's default 75% colour bars: the picture is
 * whatever differs from the top-left pixel (the whole image when nothing
 * does), sampled in the middle of each bar three quarters of the way down.
 */
int image_check_bars(const char *path);

#endif /* EXAMPLES_IMAGE_H */
