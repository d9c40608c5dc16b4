/* SPDX-License-Identifier: MIT */
/* V4L2 helpers for the kernel tests: find a device by name, import a dma-buf. */
#ifndef DMAHEAP_TESTS_V4L2_IMPORT_H
#define DMAHEAP_TESTS_V4L2_IMPORT_H

#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Open /dev/videoN whose sysfs name is @want; -1 if there is none. */
static int v4l2_open_by_name(const char *want)
{
	char path[96], name[64];

	for (int i = 0; i < 64; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "/sys/class/video4linux/video%d/name", i);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(name, sizeof(name), f)) {
			name[strcspn(name, "\n")] = 0;
			if (!strcmp(name, want)) {
				fclose(f);
				snprintf(path, sizeof(path), "/dev/video%d", i);
				return open(path, O_RDWR | O_CLOEXEC);
			}
		}
		fclose(f);
	}
	return -1;
}

/*
 * Set a YUYV capture format, ask for one DMABUF buffer and queue @dmabuf in
 * it: the driver attaches and maps the dma-buf at that point, which is where a
 * dma-contig driver refuses memory that is not contiguous.
 * Returns 0 or -errno of the step that failed.
 */
static int v4l2_queue_dmabuf(int fd, unsigned int width, unsigned int height, int dmabuf)
{
	struct v4l2_format fmt = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	struct v4l2_requestbuffers req = {
		.count = 1,
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_DMABUF,
	};
	struct v4l2_buffer buf = {
		.index = 0,
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_DMABUF,
	};
	off_t size = lseek(dmabuf, 0, SEEK_END);
	int ret = 0;

	fmt.fmt.pix.width = width;
	fmt.fmt.pix.height = height;
	fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
	fmt.fmt.pix.field = V4L2_FIELD_NONE;
	if (ioctl(fd, VIDIOC_S_FMT, &fmt) < 0)
		return -errno;
	if (fmt.fmt.pix.sizeimage > size)
		return -ENOSPC;
	if (ioctl(fd, VIDIOC_REQBUFS, &req) < 0)
		return -errno;
	buf.m.fd = dmabuf;
	buf.length = (unsigned int)size;
	if (ioctl(fd, VIDIOC_QBUF, &buf) < 0)
		ret = -errno;
	req.count = 0;
	ioctl(fd, VIDIOC_REQBUFS, &req);
	return ret;
}

#endif
