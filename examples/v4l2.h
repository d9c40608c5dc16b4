/* SPDX-License-Identifier: MIT */
/*
 * One V4L2 buffer queue (single-planar API) whose buffers are dma-bufs: a
 * camera's capture queue, or either queue of a memory-to-memory codec.
 * Buffers come from a dma-buf heap (libdmaheap, V4L2_MEMORY_DMABUF: the
 * device imports them) or from the device itself (V4L2_MEMORY_MMAP, then
 * exported with VIDIOC_EXPBUF). Either way every buffer is an fd.
 */
#ifndef EXAMPLES_V4L2_H
#define EXAMPLES_V4L2_H

#include <stdbool.h>
#include <linux/videodev2.h>
#include <dmaheap/dmaheap.h>

#include "common.h"

#define V4L2_MAX_BUFFERS 8

struct v4l2_queue {
	int fd;				/* the device; not owned */
	const char *what;		/* "camera", "encoder input", ... for messages */
	enum v4l2_buf_type type;
	enum v4l2_memory memory;
	struct v4l2_pix_format fmt;	/* as the driver set it */
	unsigned int count;
	struct image bufs[V4L2_MAX_BUFFERS];
	char heap[DMAHEAP_NAME_MAX];	/* where DMABUF buffers came from */
	char heap_why[512];		/* and why that heap (libdmaheap's line) */
};

/* Most devices besides the queue's own that use its buffers. */
#define V4L2_MAX_USERS 4

/*
 * Opens the video device whose /sys/class/video4linux/NAME/name is name;
 * path receives /dev/videoN. -1 with a message naming the device and how to
 * get it (load_hint, e.g. "modprobe vivid").
 */
int v4l2_open_by_name(const char *name, const char *load_hint, char path[64]);

/* V4L2 pixel format of a DRM fourcc (XRGB8888 -> XBGR32, NV12 -> NV12), or 0. */
uint32_t v4l2_from_drm_fourcc(uint32_t drm_fourcc);

void v4l2_queue_init(struct v4l2_queue *q, int fd, enum v4l2_buf_type type, const char *what);
/* S_FMT; fails unless the driver keeps pixelformat (it may change the size). */
int v4l2_queue_set_format(struct v4l2_queue *q, uint32_t pixelformat, uint32_t width,
			  uint32_t height, uint32_t sizeimage);
/* G_FMT into q->fmt. */
int v4l2_queue_get_format(struct v4l2_queue *q);

/*
 * count buffers allocated with libdmaheap and imported by the device
 * (V4L2_MEMORY_DMABUF), from the cheapest heap that the device and every
 * other user (users: device fds, V4L2 or DRM; -1 entries are skipped)
 * accepts, as libdmaheap learns them; when a device's needs cannot be
 * learnt, from usage's heap list. q->heap and q->heap_why say which and why.
 * drm_fourcc != 0: each buffer gets the plane layout
 * dmaheap_layout_compute() gives, which must agree with the driver's
 * bytesperline; 0 (compressed data): sizeimage bytes.
 */
int v4l2_queue_alloc_heap(struct v4l2_queue *q, struct dmaheap_ctx *ctx,
			  enum dmaheap_usage usage, const int *users, size_t num_users,
			  unsigned int count, uint32_t drm_fourcc);
/*
 * The heap for a buffer that the devices fds (-1 entries skipped) share,
 * chosen as above, into *heap, with the reason in why. -1 with a message.
 */
int heap_for_users(struct dmaheap_ctx *ctx, enum dmaheap_usage usage, const int *fds,
		   size_t num_fds, struct dmaheap_heap **heap, char *why, size_t why_len);
/*
 * The device imports buffers another queue already holds (V4L2_MEMORY_DMABUF,
 * one slot per buffer, same index): the same dma-bufs, fds duplicated.
 */
int v4l2_queue_import(struct v4l2_queue *q, const struct v4l2_queue *from);
/* count buffers allocated by the driver (MMAP), exported as dma-bufs. */
int v4l2_queue_alloc_mmap(struct v4l2_queue *q, unsigned int count, uint32_t drm_fourcc);

int v4l2_queue_qbuf(struct v4l2_queue *q, unsigned int index, uint32_t bytesused);
/* Waits for a done buffer; its index, or -1. *bytesused may be NULL. */
int v4l2_queue_dqbuf(struct v4l2_queue *q, uint32_t *bytesused);
int v4l2_queue_stream(struct v4l2_queue *q, bool on);
/* STREAMOFF, REQBUFS 0, closes the buffer fds (the device keeps its fd). */
void v4l2_queue_release(struct v4l2_queue *q);

#endif /* EXAMPLES_V4L2_H */
