// SPDX-License-Identifier: MIT
#include <png.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "image.h"

static int write_rgb(const char *path, const uint8_t *rgb, uint32_t w, uint32_t h)
{
	png_image img = { .version = PNG_IMAGE_VERSION, .format = PNG_FORMAT_RGB,
			  .width = w, .height = h };

	if (make_parent_dirs(path))
		return -1;
	if (!png_image_write_to_file(&img, path, 0, rgb, 0, NULL))
		return fail("write %s: %s", path, img.message);
	return 0;
}

int image_write_png_xrgb(const char *path, const uint32_t *pixels, uint32_t pitch,
			 uint32_t w, uint32_t h)
{
	uint8_t *rgb = malloc((size_t)w * h * 3);
	int ret;

	if (!rgb)
		return fail("out of memory");
	for (uint32_t y = 0; y < h; y++) {
		const uint32_t *row = pixels + (size_t)y * pitch / 4;

		for (uint32_t x = 0; x < w; x++) {
			uint8_t *px = rgb + ((size_t)y * w + x) * 3;

			px[0] = row[x] >> 16, px[1] = row[x] >> 8, px[2] = row[x];
		}
	}
	ret = write_rgb(path, rgb, w, h);
	free(rgb);
	return ret;
}

static uint8_t clamp(int v)
{
	return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

int image_write_png_nv12(const char *path, const uint8_t *y, uint32_t y_pitch,
			 const uint8_t *uv, uint32_t uv_pitch, uint32_t w, uint32_t h)
{
	uint8_t *rgb = malloc((size_t)w * h * 3);
	int ret;

	if (!rgb)
		return fail("out of memory");
	for (uint32_t r = 0; r < h; r++)
		for (uint32_t c = 0; c < w; c++) {
			const uint8_t *cbcr = uv + (size_t)(r / 2) * uv_pitch + (c & ~1u);
			int luma = 298 * (y[(size_t)r * y_pitch + c] - 16);
			int cb = cbcr[0] - 128, cr = cbcr[1] - 128;
			uint8_t *px = rgb + ((size_t)r * w + c) * 3;

			px[0] = clamp((luma + 409 * cr + 128) >> 8);
			px[1] = clamp((luma - 100 * cb - 208 * cr + 128) >> 8);
			px[2] = clamp((luma + 516 * cb + 128) >> 8);
		}
	ret = write_rgb(path, rgb, w, h);
	free(rgb);
	return ret;
}

int image_check_bars(const char *path)
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
		return fail("%s: no picture (all one colour?)", path);
	}
	/* What differs from the corner touches an edge: no background, the
	 * picture fills the image (a decoded frame, not a composed screen). */
	if (left == 0 || top == 0)
		left = 0, top = 0, right = img.width - 1, bottom = img.height - 1;
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
