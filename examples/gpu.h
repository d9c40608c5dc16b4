/* SPDX-License-Identifier: MIT */
/*
 * The GPU stage: EGL with no window, on GBM on a DRM device (the board's GPU
 * driver) or on Mesa's software device (llvmpipe, in the test bed). Dma-buf images are imported with
 * EGL_EXT_image_dma_buf_import: sources become external textures (any format
 * the driver samples, NV12 included: the GPU converts YUV to RGB), render
 * targets become the colour attachment of a framebuffer object. Nothing is
 * copied in or out; the GPU reads and writes the dma-bufs themselves.
 */
#ifndef EXAMPLES_GPU_H
#define EXAMPLES_GPU_H

#include <stdbool.h>
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLES2/gl2.h>
#include <GLES2/gl2ext.h>

#include "common.h"

#define GPU_MAX_IMAGES 16

struct gpu_image {
	int fd;				/* not owned */
	EGLImageKHR image;
	EGLImageKHR image_uv;		/* NV12 imported plane by plane: CbCr */
	GLuint texture, texture_uv, fbo;	/* fbo only for render targets */
	uint32_t width, height;
};

struct gpu {
	int drm_fd;			/* GBM's DRM file; -1 on the software device */
	char where[96];			/* what EGL runs on, for messages */
	const char *driver;
	struct gbm_device *gbm;
	EGLDisplay dpy;
	EGLContext ctx;
	GLuint program, program_yuv, vbo;
	const char *renderer;
	bool software;			/* llvmpipe/softpipe: the CPU renders */
	bool split_nv12;		/* the driver imports NV12 only plane by plane */
	struct gpu_image images[GPU_MAX_IMAGES];
	unsigned int num_images;
	PFNEGLCREATEIMAGEKHRPROC create_image;
	PFNEGLDESTROYIMAGEKHRPROC destroy_image;
	PFNGLEGLIMAGETARGETTEXTURE2DOESPROC image_target_texture;
};

/*
 * Brings up EGL/GLES 2. driver is a DRM driver name (GBM on that device),
 * "software" (Mesa's software device: llvmpipe mapping dma-bufs itself, Mesa
 * >= 24.1) or "auto": GBM on the display's device (share_fd) if it renders
 * with a hardware driver there, else the software device. When share_fd is
 * the GPU's device already open (the display's), GBM uses the same DRM file:
 * a dma-buf imported by both then is one GEM object with one attachment and
 * one DMA mapping, not two.
 */
int gpu_open(struct gpu *g, const char *driver, int share_fd);
/* Imports img for sampling (source) or rendering (target); index into g->images. */
int gpu_import(struct gpu *g, const struct image *img, bool target);
/* Draws source over the whole of target, colour-converted, and waits for it. */
int gpu_draw(struct gpu *g, int source, int target);
void gpu_close(struct gpu *g);

#endif /* EXAMPLES_GPU_H */
