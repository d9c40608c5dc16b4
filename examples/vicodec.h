/* SPDX-License-Identifier: MIT */
/*
 * A frame through a stateful encoder and decoder pair (vicodec's FWHT in the
 * test bed; a board's stateful codec takes the same calls), every queue in
 * DMABUF mode:
 *
 *   source buffers  -> encoder OUTPUT   (the source's own dma-bufs, imported)
 *   encoder CAPTURE -> compressed heap buffers (usage codec)
 *                   -> decoder OUTPUT   (those same dma-bufs, imported)
 *   decoder CAPTURE -> decoded heap buffers (usage codec), raw again
 *
 * Synchronous, one frame at a time: simple to read, enough for the demo.
 */
#ifndef EXAMPLES_VICODEC_H
#define EXAMPLES_VICODEC_H

#include "v4l2.h"

#define CODEC_FORMAT V4L2_PIX_FMT_FWHT

struct codec_pipe {
	int enc_fd, dec_fd;
	char enc_path[64], dec_path[64];
	struct v4l2_queue enc_out, enc_cap, dec_out, dec_cap;
	uint32_t drm_fourcc;		/* raw format on both ends */
	struct dmaheap_ctx *ctx;	/* not owned */
	/* the device that reads decoded frames (a GPU), or -1: the heap of
	 * the decoded buffers is chosen for it and the decoder */
	int sink_fd;
	bool decoding;			/* decoder CAPTURE set up */
	unsigned int frames;
	uint64_t compressed_bytes;
};

/* Opens the encoder and decoder devices by name (stateful-encoder/-decoder). */
int codec_open(struct codec_pipe *c, const char *encoder, const char *decoder);
/*
 * Sets the raw format (from the source queue) and buffers: the encoder imports
 * src's buffers, the rest come from libdmaheap (usage codec).
 */
int codec_setup(struct codec_pipe *c, struct dmaheap_ctx *ctx, const struct v4l2_queue *src,
		uint32_t drm_fourcc);
/*
 * Encodes source buffer src_index and decodes the result. Returns the index
 * of the decoded buffer in c->dec_cap (give it back with codec_release), or
 * -1. The source buffer is free again on return.
 */
int codec_process(struct codec_pipe *c, unsigned int src_index);
int codec_release(struct codec_pipe *c, unsigned int dec_index);
void codec_close(struct codec_pipe *c);

#endif /* EXAMPLES_VICODEC_H */
