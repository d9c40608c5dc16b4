// SPDX-License-Identifier: MIT
/*
 * The format table and layouts, against values computed by hand (the working
 * is in the comments): every fourcc at 1920x1080 unaligned and at 33x17 with
 * 64-byte strides and 16-line heights, plus odd sizes and bad input.
 */
#include <errno.h>
#include <string.h>

#include <dmaheap/dmaheap.h>
#include "../../tests/tap.h"

struct expect {
	uint32_t fourcc;
	unsigned int planes;
	uint32_t stride[3];
	uint32_t lines[3];
	uint64_t offset[3];
	uint64_t size;
};

/* 1920x1080, stride_align 1, height_align 1 */
static const struct expect full_hd[] = {
	{ DRM_FORMAT_R8, 1, { 1920 }, { 1080 }, { 0 }, 2073600 },
	{ DRM_FORMAT_GR88, 1, { 3840 }, { 1080 }, { 0 }, 4147200 },
	{ DRM_FORMAT_RGB565, 1, { 3840 }, { 1080 }, { 0 }, 4147200 },
	{ DRM_FORMAT_RGB888, 1, { 5760 }, { 1080 }, { 0 }, 6220800 },
	{ DRM_FORMAT_BGR888, 1, { 5760 }, { 1080 }, { 0 }, 6220800 },
	{ DRM_FORMAT_XRGB8888, 1, { 7680 }, { 1080 }, { 0 }, 8294400 },
	{ DRM_FORMAT_ARGB8888, 1, { 7680 }, { 1080 }, { 0 }, 8294400 },
	{ DRM_FORMAT_XBGR8888, 1, { 7680 }, { 1080 }, { 0 }, 8294400 },
	{ DRM_FORMAT_ABGR8888, 1, { 7680 }, { 1080 }, { 0 }, 8294400 },
	{ DRM_FORMAT_XRGB2101010, 1, { 7680 }, { 1080 }, { 0 }, 8294400 },
	{ DRM_FORMAT_ARGB2101010, 1, { 7680 }, { 1080 }, { 0 }, 8294400 },
	{ DRM_FORMAT_YUYV, 1, { 3840 }, { 1080 }, { 0 }, 4147200 },
	{ DRM_FORMAT_YVYU, 1, { 3840 }, { 1080 }, { 0 }, 4147200 },
	{ DRM_FORMAT_UYVY, 1, { 3840 }, { 1080 }, { 0 }, 4147200 },
	{ DRM_FORMAT_VYUY, 1, { 3840 }, { 1080 }, { 0 }, 4147200 },
	/* Y 1920x1080 = 2073600, CbCr 960 pairs x 540 = 1920 x 540 = 1036800 */
	{ DRM_FORMAT_NV12, 2, { 1920, 1920 }, { 1080, 540 }, { 0, 2073600 }, 3110400 },
	{ DRM_FORMAT_NV21, 2, { 1920, 1920 }, { 1080, 540 }, { 0, 2073600 }, 3110400 },
	{ DRM_FORMAT_NV16, 2, { 1920, 1920 }, { 1080, 1080 }, { 0, 2073600 }, 4147200 },
	{ DRM_FORMAT_NV61, 2, { 1920, 1920 }, { 1080, 1080 }, { 0, 2073600 }, 4147200 },
	/* NV24: CbCr unsubsampled, 2 bytes x 1920 = 3840 per line */
	{ DRM_FORMAT_NV24, 2, { 1920, 3840 }, { 1080, 1080 }, { 0, 2073600 }, 6220800 },
	/* P010: 2-byte Y 3840 x 1080 = 4147200; 4-byte CbCr x 960 = 3840 x 540 */
	{ DRM_FORMAT_P010, 2, { 3840, 3840 }, { 1080, 540 }, { 0, 4147200 }, 6220800 },
	{ DRM_FORMAT_P016, 2, { 3840, 3840 }, { 1080, 540 }, { 0, 4147200 }, 6220800 },
	/* YUV420: Cb and Cr 960 x 540 = 518400 each */
	{ DRM_FORMAT_YUV420, 3, { 1920, 960, 960 }, { 1080, 540, 540 },
	  { 0, 2073600, 2592000 }, 3110400 },
	{ DRM_FORMAT_YVU420, 3, { 1920, 960, 960 }, { 1080, 540, 540 },
	  { 0, 2073600, 2592000 }, 3110400 },
	{ DRM_FORMAT_YUV422, 3, { 1920, 960, 960 }, { 1080, 1080, 1080 },
	  { 0, 2073600, 3110400 }, 4147200 },
	{ DRM_FORMAT_YUV444, 3, { 1920, 1920, 1920 }, { 1080, 1080, 1080 },
	  { 0, 2073600, 4147200 }, 6220800 },
};

/*
 * 33x17, stride_align 64, height_align 16: heights pad to 32 lines (16 for
 * 4:2:0 chroma); subsampled widths pad to 34 first.
 */
static const struct expect odd_aligned[] = {
	{ DRM_FORMAT_R8, 1, { 64 }, { 32 }, { 0 }, 2048 },		/* 33 -> 64 */
	{ DRM_FORMAT_GR88, 1, { 128 }, { 32 }, { 0 }, 4096 },		/* 66 -> 128 */
	{ DRM_FORMAT_RGB565, 1, { 128 }, { 32 }, { 0 }, 4096 },
	{ DRM_FORMAT_RGB888, 1, { 128 }, { 32 }, { 0 }, 4096 },	/* 99 -> 128 */
	{ DRM_FORMAT_BGR888, 1, { 128 }, { 32 }, { 0 }, 4096 },
	{ DRM_FORMAT_XRGB8888, 1, { 192 }, { 32 }, { 0 }, 6144 },	/* 132 -> 192 */
	{ DRM_FORMAT_ARGB8888, 1, { 192 }, { 32 }, { 0 }, 6144 },
	{ DRM_FORMAT_XBGR8888, 1, { 192 }, { 32 }, { 0 }, 6144 },
	{ DRM_FORMAT_ABGR8888, 1, { 192 }, { 32 }, { 0 }, 6144 },
	{ DRM_FORMAT_XRGB2101010, 1, { 192 }, { 32 }, { 0 }, 6144 },
	{ DRM_FORMAT_ARGB2101010, 1, { 192 }, { 32 }, { 0 }, 6144 },
	{ DRM_FORMAT_YUYV, 1, { 128 }, { 32 }, { 0 }, 4096 },		/* 34 x 2 = 68 -> 128 */
	{ DRM_FORMAT_YVYU, 1, { 128 }, { 32 }, { 0 }, 4096 },
	{ DRM_FORMAT_UYVY, 1, { 128 }, { 32 }, { 0 }, 4096 },
	{ DRM_FORMAT_VYUY, 1, { 128 }, { 32 }, { 0 }, 4096 },
	/* Y 34 -> 64 x 32 = 2048; CbCr 17 pairs = 34 bytes, same stride, 16 lines */
	{ DRM_FORMAT_NV12, 2, { 64, 64 }, { 32, 16 }, { 0, 2048 }, 3072 },
	{ DRM_FORMAT_NV21, 2, { 64, 64 }, { 32, 16 }, { 0, 2048 }, 3072 },
	{ DRM_FORMAT_NV16, 2, { 64, 64 }, { 32, 32 }, { 0, 2048 }, 4096 },
	{ DRM_FORMAT_NV61, 2, { 64, 64 }, { 32, 32 }, { 0, 2048 }, 4096 },
	/* NV24: Y 33 -> 64; CbCr 2 x 64 = 128 */
	{ DRM_FORMAT_NV24, 2, { 64, 128 }, { 32, 32 }, { 0, 2048 }, 6144 },
	/* P010: Y 34 x 2 = 68 -> 128 x 32 = 4096; CbCr 128 x 16 = 2048 */
	{ DRM_FORMAT_P010, 2, { 128, 128 }, { 32, 16 }, { 0, 4096 }, 6144 },
	{ DRM_FORMAT_P016, 2, { 128, 128 }, { 32, 16 }, { 0, 4096 }, 6144 },
	/* YUV420: chroma stride = Y / 2 must be 64-aligned, so Y 34 -> 128 */
	{ DRM_FORMAT_YUV420, 3, { 128, 64, 64 }, { 32, 16, 16 }, { 0, 4096, 5120 }, 6144 },
	{ DRM_FORMAT_YVU420, 3, { 128, 64, 64 }, { 32, 16, 16 }, { 0, 4096, 5120 }, 6144 },
	{ DRM_FORMAT_YUV422, 3, { 128, 64, 64 }, { 32, 32, 32 }, { 0, 4096, 6144 }, 8192 },
	{ DRM_FORMAT_YUV444, 3, { 64, 64, 64 }, { 32, 32, 32 }, { 0, 2048, 4096 }, 6144 },
};

static bool layout_matches(const struct dmaheap_layout *l, const struct expect *e)
{
	if (l->num_planes != e->planes || l->size != e->size)
		return false;
	for (unsigned int i = 0; i < e->planes; i++) {
		if (l->stride[i] != e->stride[i] || l->plane_height[i] != e->lines[i] ||
		    l->offset[i] != e->offset[i] ||
		    l->plane_size[i] != (uint64_t)e->stride[i] * e->lines[i])
			return false;
	}
	return true;
}

static void check_table(const struct expect *table, size_t n, uint32_t w, uint32_t h,
			uint32_t sa, uint32_t ha)
{
	for (size_t i = 0; i < n; i++) {
		struct dmaheap_layout l = { .struct_size = sizeof(l) };
		char text[5];
		int ret = dmaheap_layout_compute(table[i].fourcc, w, h, sa, ha, &l);

		if (!tap_ok(ret == 0 && layout_matches(&l, &table[i]),
			    "%s %ux%u stride_align %u height_align %u",
			    dmaheap_fourcc_str(table[i].fourcc, text), w, h, sa, ha))
			tap_diag("got ret %d, %u planes, strides %u/%u/%u, offsets "
				 "%llu/%llu/%llu, size %llu (%s)", ret, l.num_planes,
				 l.stride[0], l.stride[1], l.stride[2],
				 (unsigned long long)l.offset[0],
				 (unsigned long long)l.offset[1],
				 (unsigned long long)l.offset[2],
				 (unsigned long long)l.size, dmaheap_last_error());
	}
}

static void check_one(const char *what, uint32_t fourcc, uint32_t w, uint32_t h,
		      uint32_t sa, uint32_t ha, const struct expect *e)
{
	struct dmaheap_layout l = { .struct_size = sizeof(l) };
	int ret = dmaheap_layout_compute(fourcc, w, h, sa, ha, &l);

	tap_ok(ret == 0 && layout_matches(&l, e), "%s", what);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The struct_size contract of dmaheap.h, for a caller-filled struct. */
static void growth_tests(void)
{
	/* what a program built against a newer header would pass */
	struct {
		struct dmaheap_layout l;
		unsigned char newer[24];
	} big;
	struct dmaheap_layout l = { 0 };
	const struct dmaheap_format *f = dmaheap_format_get(DRM_FORMAT_NV12);
	bool zero = true;

	tap_ok(dmaheap_layout_compute(DRM_FORMAT_NV12, 64, 64, 1, 1, &l) < 0 && errno == EINVAL &&
	       strstr(dmaheap_last_error(), "set it to sizeof(struct dmaheap_layout)"),
	       "a layout whose struct_size is 0: EINVAL, says what to set");
	memset(&big, 0xa5, sizeof(big));
	big.l.struct_size = sizeof(big);
	tap_ok(dmaheap_layout_compute(DRM_FORMAT_NV12, 64, 64, 1, 1, &big.l) == 0 &&
	       big.l.struct_size == sizeof(struct dmaheap_layout) && big.l.size == 64 * 96,
	       "a bigger (newer) layout: filled, struct_size says how much (%zu)",
	       big.l.struct_size);
	for (size_t i = 0; i < sizeof(big.newer); i++)
		zero &= big.newer[i] == 0;
	tap_ok(zero, "the fields this library does not know are zeroed");
	tap_ok(f && f->struct_size == sizeof(*f) &&
	       DMAHEAP_HAS_FIELD(struct dmaheap_format, f, is_yuv) &&
	       DMAHEAP_HAS_FIELD(struct dmaheap_layout, &big.l, size),
	       "a format from the table has its struct_size; DMAHEAP_HAS_FIELD sees the last field");
}

int main(void)
{
	const size_t count = dmaheap_format_count();
	const struct dmaheap_format *f;
	struct dmaheap_layout l = { .struct_size = sizeof(l) };
	bool all_listed = true;
	char text[5];

	tap_plan(26 + 26 + 17 + 4);

	check_table(full_hd, N(full_hd), 1920, 1080, 1, 1);
	check_table(odd_aligned, N(odd_aligned), 33, 17, 64, 16);

	/* every table entry has an expectation above, and the reverse */
	for (size_t i = 0; i < count; i++) {
		bool found = false;

		for (size_t j = 0; j < N(full_hd); j++)
			found |= full_hd[j].fourcc == dmaheap_format_at(i)->fourcc;
		all_listed &= found;
	}
	tap_ok(all_listed && count == N(full_hd), "all %zu formats are checked", count);

	/* 1919x1081 NV12: width pads to 1920, height to 1082: chroma 541 lines */
	check_one("NV12 1919x1081 pads to even", DRM_FORMAT_NV12, 1919, 1081, 1, 1,
		  &(struct expect){ 0, 2, { 1920, 1920 }, { 1082, 541 },
				    { 0, 2077440 }, 3116160 });
	/* 641x481 YUV420: 642 x 482 = 309444; 321 x 241 = 77361 twice */
	check_one("YUV420 641x481 chroma stride is half the luma stride",
		  DRM_FORMAT_YUV420, 641, 481, 1, 1,
		  &(struct expect){ 0, 3, { 642, 321, 321 }, { 482, 241, 241 },
				    { 0, 309444, 386805 }, 464166 });
	/* height_align 3 with vsub 2: pad to a multiple of 6: 64 -> 66, chroma 33 */
	check_one("NV12 64x64 height_align 3 keeps chroma whole", DRM_FORMAT_NV12,
		  64, 64, 1, 3,
		  &(struct expect){ 0, 2, { 64, 64 }, { 66, 33 }, { 0, 4224 }, 6336 });
	/* a stride alignment that is not a power of two: 40 -> 48 */
	check_one("XR24 10x2 stride_align 48", DRM_FORMAT_XRGB8888, 10, 2, 48, 0,
		  &(struct expect){ 0, 1, { 48 }, { 2 }, { 0 }, 96 });

	f = dmaheap_format_from_name("nv12");
	tap_ok(f && f->fourcc == DRM_FORMAT_NV12 && f->num_planes == 2 && f->cpp[1] == 2 &&
	       f->hsub == 2 && f->vsub == 2 && f->is_yuv, "lookup by fourcc text, any case");
	f = dmaheap_format_from_name("XRGB8888");
	tap_ok(f && f->fourcc == DRM_FORMAT_XRGB8888 && strcmp(f->name, "XR24") == 0 &&
	       f->cpp[0] == 4 && !f->is_yuv, "lookup by DRM name");
	f = dmaheap_format_from_name("R8");
	tap_ok(f && f->fourcc == DRM_FORMAT_R8, "R8 (fourcc with blanks) by its trimmed name");
	tap_ok(!dmaheap_format_from_name("NV13") && errno == EINVAL &&
	       strstr(dmaheap_last_error(), "unknown format 'NV13'"),
	       "unknown name: EINVAL and a message naming it");
	errno = 0;
	tap_ok(!dmaheap_format_get(fourcc_code('A', 'B', 'C', 'D')) && errno == EINVAL &&
	       strstr(dmaheap_last_error(), "'ABCD' (0x44434241)"),
	       "unknown fourcc: EINVAL, message shows it as text and hex");
	tap_ok(strcmp(dmaheap_fourcc_str(0x00313233, text), "321?") == 0,
	       "fourcc text shows a NUL byte as '?'");
	tap_ok(dmaheap_layout_compute(fourcc_code('A', 'B', 'C', 'D'), 64, 64, 1, 1, &l) < 0 &&
	       errno == EINVAL, "layout of an unknown fourcc fails with EINVAL");
	tap_ok(dmaheap_layout_compute(DRM_FORMAT_NV12, 0, 64, 1, 1, &l) < 0 && errno == EINVAL &&
	       strstr(dmaheap_last_error(), "0x64 image has no pixels"),
	       "zero width fails with EINVAL");
	tap_ok(dmaheap_layout_compute(DRM_FORMAT_NV12, 64, 0, 1, 1, &l) < 0 && errno == EINVAL,
	       "zero height fails with EINVAL");
	tap_ok(dmaheap_layout_compute(DRM_FORMAT_XRGB8888, 0x40000000u, 1, 1, 1, &l) < 0 &&
	       errno == EOVERFLOW, "a stride beyond 32 bits fails with EOVERFLOW");
	tap_ok(dmaheap_layout_compute(DRM_FORMAT_XRGB8888, 0x3fffffffu, 0xffffffffu, 1, 1, &l) == 0 &&
	       l.size == UINT64_C(0xfffffffc) * 0xffffffffu,
	       "the largest 32-bit image still fits a 64-bit size");
	tap_ok(dmaheap_layout_compute(DRM_FORMAT_NV12, 64, 64, 0, 0, &l) == 0 && l.stride[0] == 64,
	       "alignment 0 means none");
	growth_tests();
	return tap_done();
}
