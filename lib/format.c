// SPDX-License-Identifier: MIT
/*
 * The format table (DRM fourcc -> planes, bytes per pixel, subsampling) and
 * the one layout rule the whole stack shares; see dmaheap_layout_compute()
 * in format.h for the rule itself.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "private.h"

#define RGB(f, n, drm, c) \
	{ sizeof(struct dmaheap_format), DRM_FORMAT_##f, n, drm, 1, { c }, 1, 1, false }
#define YUV(f, n, np, c0, c1, c2, h, v) \
	{ sizeof(struct dmaheap_format), DRM_FORMAT_##f, n, #f, np, { c0, c1, c2 }, h, v, \
	  true }

static const struct dmaheap_format formats[] = {
	RGB(R8, "R8", "R8", 1),
	RGB(GR88, "GR88", "GR88", 2),
	RGB(RGB565, "RG16", "RGB565", 2),
	RGB(RGB888, "RG24", "RGB888", 3),
	RGB(BGR888, "BG24", "BGR888", 3),
	RGB(XRGB8888, "XR24", "XRGB8888", 4),
	RGB(ARGB8888, "AR24", "ARGB8888", 4),
	RGB(XBGR8888, "XB24", "XBGR8888", 4),
	RGB(ABGR8888, "AB24", "ABGR8888", 4),
	RGB(XRGB2101010, "XR30", "XRGB2101010", 4),
	RGB(ARGB2101010, "AR30", "ARGB2101010", 4),
	/* packed 4:2:2: two pixels share 4 bytes, so the width is padded to even */
	YUV(YUYV, "YUYV", 1, 2, 0, 0, 2, 1),
	YUV(YVYU, "YVYU", 1, 2, 0, 0, 2, 1),
	YUV(UYVY, "UYVY", 1, 2, 0, 0, 2, 1),
	YUV(VYUY, "VYUY", 1, 2, 0, 0, 2, 1),
	/* semi-planar: Y, then interleaved CbCr (or CrCb) */
	YUV(NV12, "NV12", 2, 1, 2, 0, 2, 2),
	YUV(NV21, "NV21", 2, 1, 2, 0, 2, 2),
	YUV(NV16, "NV16", 2, 1, 2, 0, 2, 1),
	YUV(NV61, "NV61", 2, 1, 2, 0, 2, 1),
	YUV(NV24, "NV24", 2, 1, 2, 0, 1, 1),
	YUV(P010, "P010", 2, 2, 4, 0, 2, 2),
	YUV(P016, "P016", 2, 2, 4, 0, 2, 2),
	/* planar: Y, Cb, Cr (YVU420: Y, Cr, Cb) */
	YUV(YUV420, "YU12", 3, 1, 1, 1, 2, 2),
	YUV(YVU420, "YV12", 3, 1, 1, 1, 2, 2),
	YUV(YUV422, "YU16", 3, 1, 1, 1, 2, 1),
	YUV(YUV444, "YU24", 3, 1, 1, 1, 1, 1),
};

size_t dmaheap_format_count(void)
{
	return ARRAY_SIZE(formats);
}

const struct dmaheap_format *dmaheap_format_at(size_t index)
{
	if (index >= ARRAY_SIZE(formats))
		return error_set_null(EINVAL, "format index %zu is out of range (%zu "
				      "formats)", index, ARRAY_SIZE(formats));
	return &formats[index];
}

char *dmaheap_fourcc_str(uint32_t fourcc, char buf[5])
{
	for (int i = 0; i < 4; i++) {
		unsigned char c = (unsigned char)(fourcc >> (8 * i));

		buf[i] = isprint(c) ? (char)c : '?';
	}
	buf[4] = '\0';
	return buf;
}

const struct dmaheap_format *dmaheap_format_get(uint32_t fourcc)
{
	char text[5];

	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		if (formats[i].fourcc == fourcc)
			return &formats[i];
	}
	return error_set_null(EINVAL, "unknown fourcc '%s' (0x%08x): not in "
			      "libdmaheap's format table", dmaheap_fourcc_str(fourcc, text),
			      fourcc);
}

const struct dmaheap_format *dmaheap_format_from_name(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(formats); i++) {
		if (strcasecmp(name, formats[i].name) == 0 ||
		    strcasecmp(name, formats[i].drm_name) == 0)
			return &formats[i];
	}
	return error_set_null(EINVAL, "unknown format '%s' (use a fourcc such as "
			      "NV12 or XR24, or a DRM name such as XRGB8888)",
			      name ? name : "(null)");
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static uint64_t lcm64(uint64_t a, uint64_t b)
{
	return a / gcd64(a, b) * b;
}

static uint64_t align_up(uint64_t value, uint64_t align)
{
	return (value + align - 1) / align * align;
}

int dmaheap_layout_compute(uint32_t fourcc, uint32_t width, uint32_t height,
			   uint32_t stride_align, uint32_t height_align,
			   struct dmaheap_layout *out)
{
	const struct dmaheap_format *fmt;
	uint64_t pad_w, pad_h, unit = 1, stride0, offset = 0;
	struct dmaheap_layout full, *layout = &full;
	char text[5];

	if (struct_check(out, LAYOUT_SIZE_V1, "dmaheap_layout") < 0)
		return -1;
	fmt = dmaheap_format_get(fourcc);
	if (!fmt)
		return -1;
	if (width == 0 || height == 0)
		return error_set(EINVAL, "%s: a %ux%u image has no pixels", fmt->name,
				 width, height);
	stride_align = stride_align ? stride_align : 1;
	height_align = height_align ? height_align : 1;

	pad_w = align_up(width, fmt->hsub);
	pad_h = align_up(height, lcm64(height_align, fmt->vsub));
	/* plane i's stride is stride0 * cpp[i] / (cpp[0] * hsub); make it whole
	 * and aligned by aligning stride0 to stride_align times each denominator */
	for (unsigned int i = 1; i < fmt->num_planes; i++) {
		uint64_t num = fmt->cpp[i], den = (uint64_t)fmt->cpp[0] * fmt->hsub;

		unit = lcm64(unit, den / gcd64(num, den));
	}
	stride0 = align_up(pad_w * fmt->cpp[0], unit * stride_align);

	memset(layout, 0, sizeof(*layout));
	layout->struct_size = sizeof(*layout);
	layout->fourcc = fourcc;
	layout->width = width;
	layout->height = height;
	layout->num_planes = fmt->num_planes;
	for (unsigned int i = 0; i < fmt->num_planes; i++) {
		uint64_t stride = i == 0 ? stride0 :
			stride0 * fmt->cpp[i] / ((uint64_t)fmt->cpp[0] * fmt->hsub);
		uint64_t lines = i == 0 ? pad_h : pad_h / fmt->vsub, size;

		if (stride > UINT32_MAX || lines > UINT32_MAX ||
		    __builtin_mul_overflow(stride, lines, &size) ||
		    __builtin_add_overflow(offset, size, &layout->size))
			return error_set(EOVERFLOW, "%s %ux%u (stride alignment %u): "
					 "the layout does not fit in 32-bit strides "
					 "and a 64-bit size",
					 dmaheap_fourcc_str(fourcc, text), width, height,
					 stride_align);
		layout->stride[i] = (uint32_t)stride;
		layout->plane_height[i] = (uint32_t)lines;
		layout->offset[i] = offset;
		layout->plane_size[i] = size;
		offset = layout->size;
	}
	return struct_fill(out, &full, sizeof(full), LAYOUT_SIZE_V1, "dmaheap_layout");
}
