/* SPDX-License-Identifier: MIT */
/*
 * What the examples share: a dma-buf image (the one thing that moves between
 * camera, codec, GPU and display) and error reporting.
 */
#ifndef EXAMPLES_COMMON_H
#define EXAMPLES_COMMON_H

#include <getopt.h>
#include <stdint.h>

struct dmaheap_format;

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

/*
 * The options the camera examples share. Each program lists the ones it takes
 * in its getopt_long() table with these entries and gives every other option
 * to example_option().
 */
struct example_options {
	const char *camera, *encoder, *decoder;	/* V4L2 device names */
	const char *output, *report;		/* PNG path; report to append to */
	unsigned int width, height;
	long frames;
	const struct dmaheap_format *format;	/* NV12 or XRGB8888 */
};

#define EXAMPLE_OPT_CAMERA { "camera", required_argument, NULL, 'c' }
#define EXAMPLE_OPT_ENCODER { "encoder", required_argument, NULL, 'e' }
#define EXAMPLE_OPT_DECODER { "decoder", required_argument, NULL, 'd' }
#define EXAMPLE_OPT_SIZE { "size", required_argument, NULL, 's' }
#define EXAMPLE_OPT_FORMAT { "format", required_argument, NULL, 'f' }
#define EXAMPLE_OPT_FRAMES { "frames", required_argument, NULL, 'n' }
#define EXAMPLE_OPT_OUTPUT { "output", required_argument, NULL, 'o' }
#define EXAMPLE_OPT_REPORT { "report", required_argument, NULL, 'r' }
#define EXAMPLE_OPT_HELP { "help", no_argument, NULL, 'h' }

/* The defaults: vivid's first camera, vicodec, 60 frames of 640x480 NV12. */
void example_options_init(struct example_options *o, const char *output);

/*
 * Takes one option from getopt_long(): 1 when it was a shared one and is now
 * in @o, 0 when it is not a shared one, -1 when its value is bad (message
 * printed; exit with status 2).
 */
int example_option(struct example_options *o, int opt, const char *arg);

/* Prints "PROGRAM: message" to stderr; returns -1 for `return fail(...)`. */
__attribute__((format(printf, 1, 2)))
int fail(const char *fmt, ...);

/* mkdir -p of the directory part of path; 0 or -1 (message printed). */
int make_parent_dirs(const char *path);

#endif /* EXAMPLES_COMMON_H */
