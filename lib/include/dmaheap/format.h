/* SPDX-License-Identifier: MIT */
/*
 * libdmaheap: pixel formats and buffer layouts.
 *
 * The one place in the stack that knows, for a DRM fourcc, how many planes a
 * buffer has, how many bytes a pixel takes in each, and how chroma is
 * subsampled, and that turns (width, height, fourcc, alignments) into plane
 * offsets, strides and a total size. All planes live in one dma-buf.
 * Fourccs are libdrm's DRM_FORMAT_* (drm_fourcc.h, included here).
 */
#ifndef DMAHEAP_FORMAT_H
#define DMAHEAP_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <drm_fourcc.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DMAHEAP_MAX_PLANES 4

struct dmaheap_format {
	size_t struct_size;	/* see dmaheap.h: structs that can grow */
	uint32_t fourcc;	/* DRM_FORMAT_* */
	const char *name;	/* the fourcc as text, blanks trimmed: "NV12", "R8" */
	const char *drm_name;	/* the name after DRM_FORMAT_: "XRGB8888", "YUV420" */
	unsigned int num_planes;
	/* bytes per pixel of each plane, counted at that plane's own resolution
	 * (NV12: 1 for Y, 2 for the interleaved CbCr plane; YUYV: 2) */
	unsigned int cpp[DMAHEAP_MAX_PLANES];
	/* chroma subsampling: planes 1.. are width/hsub by height/vsub; for packed
	 * 4:2:2 (YUYV) hsub = 2 says the width is padded to an even number */
	unsigned int hsub, vsub;
	bool is_yuv;
};

/* The format of fourcc, or NULL with errno EINVAL ("unknown fourcc ..."). */
const struct dmaheap_format *dmaheap_format_get(uint32_t fourcc);
/* By fourcc text ("NV12", "XR24", "R8") or DRM name ("XRGB8888", "YUV420"),
 * case-insensitively; NULL with errno EINVAL when unknown. */
const struct dmaheap_format *dmaheap_format_from_name(const char *name);
/* The table, for listing: index < dmaheap_format_count(), else NULL/EINVAL. */
size_t dmaheap_format_count(void);
const struct dmaheap_format *dmaheap_format_at(size_t index);

/* Writes fourcc as 4 characters (non-printable bytes as '?') plus NUL into
 * buf, which must hold 5 bytes; returns buf. */
char *dmaheap_fourcc_str(uint32_t fourcc, char buf[5]);

/* Set struct_size = sizeof(struct dmaheap_layout) before passing one in. */
struct dmaheap_layout {
	size_t struct_size;	/* see dmaheap.h: structs that can grow */
	uint32_t fourcc;
	uint32_t width, height;	/* as asked, not padded */
	unsigned int num_planes;
	uint32_t stride[DMAHEAP_MAX_PLANES];	/* bytes per line */
	uint32_t plane_height[DMAHEAP_MAX_PLANES];	/* lines, padded */
	uint64_t offset[DMAHEAP_MAX_PLANES];	/* from the start of the buffer */
	uint64_t plane_size[DMAHEAP_MAX_PLANES];	/* stride * plane_height */
	uint64_t size;		/* all planes, back to back */
};

/*
 * Computes the layout of a width x height image of fourcc in one buffer.
 *
 * stride_align: every plane's stride is a multiple of it, in bytes (0 = 1).
 * height_align: the luma height is padded to a multiple of it, in lines
 * (0 = 1); chroma heights follow from the padded luma height.
 *
 * Rules, so that every consumer agrees: a subsampled format's width and
 * height are first padded to multiples of hsub and vsub. The stride of
 * plane 0 is the padded width times cpp[0], rounded up so that every other
 * plane's stride, stride[0] * cpp[i] / (cpp[0] * hsub), is a whole multiple
 * of stride_align (NV12: chroma stride = luma stride; YUV420: half of it, so
 * the luma stride is a multiple of 2 * stride_align). Planes follow one
 * another with no gap: offset[i + 1] = offset[i] + stride[i] * plane_height[i].
 *
 * Returns 0, or -1 with errno EINVAL (unknown fourcc, zero width or height,
 * layout->struct_size too small) or EOVERFLOW (a stride beyond 32 bits or a size beyond 64 bits).
 */
int dmaheap_layout_compute(uint32_t fourcc, uint32_t width, uint32_t height,
			   uint32_t stride_align, uint32_t height_align,
			   struct dmaheap_layout *layout);

#ifdef __cplusplus
}
#endif

#endif /* DMAHEAP_FORMAT_H */
