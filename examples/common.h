/* SPDX-License-Identifier: MIT */
/*
 * What the examples share: a dma-buf image (the one thing that moves between
 * camera, codec, GPU and display) and error reporting.
 */
#ifndef EXAMPLES_COMMON_H
#define EXAMPLES_COMMON_H

#include <stdint.h>

#define TIMEOUT_MS 10000	/* TCG guests with KASAN are slow; a stall is not */
#define MAX_PLANES 4

/*
 * A picture in one dma-buf: planes at offsets inside the same buffer, as
 * libdmaheap's dmaheap_layout_compute() lays them out and as DRM, V4L2
 * (single-planar formats) and EGL import them.
 */
struct image {
	int fd;				/* the dma-buf; -1 when none */
	uint32_t fourcc;		/* DRM_FORMAT_* */
	uint32_t width, height;
	unsigned int num_planes;
	uint32_t pitch[MAX_PLANES];
	uint32_t offset[MAX_PLANES];
	uint64_t size;			/* bytes of the dma-buf */
};

/* Prints "PROGRAM: message" to stderr; returns -1 for `return fail(...)`. */
__attribute__((format(printf, 1, 2)))
int fail(const char *fmt, ...);

/* mkdir -p of the directory part of path; 0 or -1 (message printed). */
int make_parent_dirs(const char *path);

#endif /* EXAMPLES_COMMON_H */
