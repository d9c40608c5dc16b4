// SPDX-License-Identifier: MIT
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vicodec.h"

#define CODEC_BUFFERS 4

int codec_open(struct codec_pipe *c, const char *encoder, const char *decoder)
{
	static const char hint[] = "use a kernel with CONFIG_VIDEO_VICODEC (modprobe vicodec), e.g. the test guest, or pass the names of a board's stateful codec";

	memset(c, 0, sizeof(*c));
	c->dec_fd = -1;
	c->sink_fd = -1;
	c->enc_fd = v4l2_open_by_name(encoder, hint, c->enc_path);
	if (c->enc_fd < 0)
		return -1;
	c->dec_fd = v4l2_open_by_name(decoder, hint, c->dec_path);
	if (c->dec_fd < 0)
		return -1;
	v4l2_queue_init(&c->enc_out, c->enc_fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, "encoder input");
	v4l2_queue_init(&c->enc_cap, c->enc_fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, "encoder output");
	v4l2_queue_init(&c->dec_out, c->dec_fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, "decoder input");
	v4l2_queue_init(&c->dec_cap, c->dec_fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, "decoder output");
	return 0;
}

int codec_setup(struct codec_pipe *c, struct dmaheap_ctx *ctx, const struct v4l2_queue *src,
		uint32_t drm_fourcc)
{
	struct v4l2_event_subscription sub = { .type = V4L2_EVENT_SOURCE_CHANGE };
	uint32_t w = src->fmt.width, h = src->fmt.height;

	c->ctx = ctx;
	c->drm_fourcc = drm_fourcc;
	if (v4l2_queue_set_format(&c->enc_out, src->fmt.pixelformat, w, h, 0) ||
	    v4l2_queue_set_format(&c->enc_cap, CODEC_FORMAT, w, h, 0) ||
	    v4l2_queue_set_format(&c->dec_out, CODEC_FORMAT, w, h, c->enc_cap.fmt.sizeimage))
		return -1;
	if (c->enc_out.fmt.sizeimage > src->bufs[0].size)
		return fail("encoder input: wants %u-byte frames, the source's buffers have %llu",
			    c->enc_out.fmt.sizeimage, (unsigned long long)src->bufs[0].size);
	if (ioctl(c->dec_fd, VIDIOC_SUBSCRIBE_EVENT, &sub))
		return fail("decoder: VIDIOC_SUBSCRIBE_EVENT source change: %s", strerror(errno));
	if (v4l2_queue_import(&c->enc_out, src) ||
	    v4l2_queue_alloc_heap(&c->enc_cap, ctx, DMAHEAP_USAGE_CODEC, &c->dec_fd, 1,
				  CODEC_BUFFERS, 0) ||
	    v4l2_queue_import(&c->dec_out, &c->enc_cap))
		return -1;
	for (unsigned int i = 0; i < c->enc_cap.count; i++)
		if (v4l2_queue_qbuf(&c->enc_cap, i, 0))
			return -1;
	if (v4l2_queue_stream(&c->enc_out, true) || v4l2_queue_stream(&c->enc_cap, true) ||
	    v4l2_queue_stream(&c->dec_out, true))
		return -1;
	printf("codec: encoder %s, decoder %s, %ux%u '%.4s' <-> FWHT; compressed buffers: %u x %u bytes from heap %s\n",
	       c->enc_path, c->dec_path, w, h, (const char *)&src->fmt.pixelformat,
	       c->enc_cap.count, c->enc_cap.fmt.sizeimage, c->enc_cap.heap);
	return 0;
}

/*
 * The stateful decoder protocol: the first compressed frame tells the decoder
 * the stream's format; it says so with a source-change event, and only then
 * does the CAPTURE queue get its format and buffers.
 */
static int decoder_start_capture(struct codec_pipe *c)
{
	struct pollfd pfd = { .fd = c->dec_fd, .events = POLLPRI };
	struct v4l2_event ev;
	uint32_t want = v4l2_from_drm_fourcc(c->drm_fourcc);

	if (poll(&pfd, 1, TIMEOUT_MS) != 1 || !(pfd.revents & POLLPRI))
		return fail("decoder: no source-change event within %d ms", TIMEOUT_MS);
	if (ioctl(c->dec_fd, VIDIOC_DQEVENT, &ev))
		return fail("decoder: VIDIOC_DQEVENT: %s", strerror(errno));
	if (v4l2_queue_get_format(&c->dec_cap) ||
	    v4l2_queue_set_format(&c->dec_cap, want, c->dec_cap.fmt.width,
				  c->dec_cap.fmt.height, 0) ||
	    v4l2_queue_alloc_heap(&c->dec_cap, c->ctx, DMAHEAP_USAGE_CODEC, &c->sink_fd, 1,
				  CODEC_BUFFERS, c->drm_fourcc))
		return -1;
	for (unsigned int i = 0; i < c->dec_cap.count; i++)
		if (v4l2_queue_qbuf(&c->dec_cap, i, 0))
			return -1;
	if (v4l2_queue_stream(&c->dec_cap, true))
		return -1;
	printf("codec: decoder output %ux%u '%.4s', %u buffers from heap %s\n",
	       c->dec_cap.fmt.width, c->dec_cap.fmt.height, (const char *)&want,
	       c->dec_cap.count, c->dec_cap.heap);
	c->decoding = true;
	return 0;
}

int codec_process(struct codec_pipe *c, unsigned int src_index)
{
	uint32_t bytes = 0;
	int j, k;

	if (v4l2_queue_qbuf(&c->enc_out, src_index, c->enc_out.fmt.sizeimage) ||
	    (j = v4l2_queue_dqbuf(&c->enc_cap, &bytes)) < 0 ||
	    v4l2_queue_dqbuf(&c->enc_out, NULL) < 0)
		return -1;
	/* The compressed dma-buf goes to the decoder as it is. */
	if (v4l2_queue_qbuf(&c->dec_out, (unsigned int)j, bytes) ||
	    (!c->decoding && decoder_start_capture(c)) ||
	    (k = v4l2_queue_dqbuf(&c->dec_cap, NULL)) < 0 ||
	    v4l2_queue_dqbuf(&c->dec_out, NULL) < 0 ||
	    v4l2_queue_qbuf(&c->enc_cap, (unsigned int)j, 0))
		return -1;
	c->frames++;
	c->compressed_bytes += bytes;
	return k;
}

int codec_release(struct codec_pipe *c, unsigned int dec_index)
{
	return v4l2_queue_qbuf(&c->dec_cap, dec_index, 0);
}

void codec_close(struct codec_pipe *c)
{
	v4l2_queue_release(&c->dec_cap);
	v4l2_queue_release(&c->dec_out);
	v4l2_queue_release(&c->enc_cap);
	v4l2_queue_release(&c->enc_out);
	if (c->dec_fd >= 0)
		close(c->dec_fd);
	if (c->enc_fd >= 0)
		close(c->enc_fd);
	c->enc_fd = c->dec_fd = -1;
}
