// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "v4l2.h"

int v4l2_open_by_name(const char *name, const char *load_hint, char path[64])
{
	DIR *dir = opendir("/sys/class/video4linux");
	struct dirent *de;
	char sysname[300], found[256];
	int fd;

	path[0] = '\0';
	while (dir && (de = readdir(dir))) {
		FILE *f;

		snprintf(sysname, sizeof(sysname), "/sys/class/video4linux/%s/name", de->d_name);
		f = fopen(sysname, "r");
		if (f && fgets(found, sizeof(found), f) && !strcmp(strtok(found, "\n"), name))
			snprintf(path, 64, "/dev/%.50s", de->d_name);
		if (f)
			fclose(f);
	}
	if (dir)
		closedir(dir);
	if (!path[0])
		return fail("no V4L2 device named '%s': %s", name, load_hint);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail("open %s (%s): %s", path, name, strerror(errno));
	return fd;
}

uint32_t v4l2_from_drm_fourcc(uint32_t drm_fourcc)
{
	/* V4L2 names a format by its bytes in memory, DRM by a little-endian word. */
	switch (drm_fourcc) {
	case DRM_FORMAT_XRGB8888: return V4L2_PIX_FMT_XBGR32;
	case DRM_FORMAT_NV12: return V4L2_PIX_FMT_NV12;
	default: return 0;
	}
}

void v4l2_queue_init(struct v4l2_queue *q, int fd, enum v4l2_buf_type type, const char *what)
{
	memset(q, 0, sizeof(*q));
	q->fd = fd;
	q->type = type;
	q->what = what;
	for (unsigned int i = 0; i < V4L2_MAX_BUFFERS; i++)
		q->bufs[i].fd = -1;
}

int v4l2_queue_get_format(struct v4l2_queue *q)
{
	struct v4l2_format f = { .type = q->type };

	if (ioctl(q->fd, VIDIOC_G_FMT, &f))
		return fail("%s: VIDIOC_G_FMT: %s", q->what, strerror(errno));
	q->fmt = f.fmt.pix;
	return 0;
}

int v4l2_queue_set_format(struct v4l2_queue *q, uint32_t pixelformat, uint32_t width,
			  uint32_t height, uint32_t sizeimage)
{
	struct v4l2_format f = { .type = q->type };
	uint32_t want = pixelformat;

	f.fmt.pix.width = width;
	f.fmt.pix.height = height;
	f.fmt.pix.pixelformat = pixelformat;
	f.fmt.pix.field = V4L2_FIELD_NONE;
	f.fmt.pix.sizeimage = sizeimage;
	if (ioctl(q->fd, VIDIOC_S_FMT, &f))
		return fail("%s: VIDIOC_S_FMT %ux%u '%.4s': %s", q->what, width, height,
			    (char *)&want, strerror(errno));
	/* Drivers adjust rather than fail: check they kept the format. */
	if (f.fmt.pix.pixelformat != pixelformat)
		return fail("%s: the device refused format '%.4s' and offered '%.4s'",
			    q->what, (char *)&want, (char *)&f.fmt.pix.pixelformat);
	if (width && (f.fmt.pix.width != width || f.fmt.pix.height != height))
		printf("%s: no %ux%u, using %ux%u\n", q->what, width, height,
		       f.fmt.pix.width, f.fmt.pix.height);
	q->fmt = f.fmt.pix;
	return 0;
}

static int request_buffers(struct v4l2_queue *q, enum v4l2_memory memory, unsigned int count)
{
	struct v4l2_requestbuffers req = { .count = count, .type = q->type, .memory = memory };

	if (ioctl(q->fd, VIDIOC_REQBUFS, &req))
		return fail("%s: VIDIOC_REQBUFS (%s, %u buffers): %s", q->what,
			    memory == V4L2_MEMORY_DMABUF ? "DMABUF" : "MMAP", count, strerror(errno));
	if (req.count < 1 || req.count > V4L2_MAX_BUFFERS)
		return fail("%s: the driver wants %u buffers", q->what, req.count);
	q->memory = memory;
	q->count = req.count;
	return 0;
}

/* The image a buffer holds: one plane, or the layout of the DRM format. */
static int describe_image(struct v4l2_queue *q, struct image *img, uint32_t drm_fourcc,
			  struct dmaheap_layout *layout)
{
	img->fourcc = drm_fourcc;
	img->width = q->fmt.width;
	img->height = q->fmt.height;
	img->num_planes = 1;
	img->pitch[0] = q->fmt.bytesperline;
	img->size = q->fmt.sizeimage;
	if (!drm_fourcc)
		return 0;
	if (dmaheap_layout_compute(drm_fourcc, q->fmt.width, q->fmt.height, 1, 1, layout))
		return fail("%s: layout of %ux%u: %s", q->what, q->fmt.width, q->fmt.height,
			    dmaheap_last_error());
	/* Single-planar V4L2 formats are planes back to back at bytesperline. */
	if (layout->stride[0] != q->fmt.bytesperline)
		return fail("%s: the driver wants %u bytes per line, libdmaheap's layout has %u",
			    q->what, q->fmt.bytesperline, layout->stride[0]);
	img->num_planes = layout->num_planes;
	for (unsigned int p = 0; p < layout->num_planes; p++) {
		img->pitch[p] = layout->stride[p];
		img->offset[p] = (uint32_t)layout->offset[p];
	}
	if (layout->size > img->size)
		img->size = layout->size;
	return 0;
}

int heap_for_users(struct dmaheap_ctx *ctx, enum dmaheap_usage usage, const int *fds,
		   size_t num_fds, struct dmaheap_heap **heap, char *why, size_t why_len)
{
	struct dmaheap_device *devs[V4L2_MAX_USERS + 1];
	size_t n = 0;

	for (size_t i = 0; i < num_fds && n < V4L2_MAX_USERS + 1; i++) {
		if (fds[i] < 0)
			continue;
		devs[n] = dmaheap_device_get_fd(ctx, fds[i]);
		if (!devs[n]) {
			/* a device libdmaheap cannot learn: the usage's heaps */
			*heap = dmaheap_heap_for_usage(ctx, usage);
			snprintf(why, why_len, "the %s usage's heaps (%s)",
				 dmaheap_usage_name(usage), dmaheap_last_error());
			return *heap ? 0 : fail("%s", dmaheap_last_error());
		}
		n++;
	}
	/* The examples' CPU only checks and saves frames: it reads them. */
	*heap = dmaheap_heap_for_devices(ctx, devs, n, DMAHEAP_CPU_READ | DMAHEAP_CPU_WRITE,
					 usage, why, why_len);
	return *heap ? 0 : fail("%s", dmaheap_last_error());
}

int v4l2_queue_alloc_heap(struct v4l2_queue *q, struct dmaheap_ctx *ctx,
			  enum dmaheap_usage usage, const int *users, size_t num_users,
			  unsigned int count, uint32_t drm_fourcc)
{
	int fds[V4L2_MAX_USERS + 1] = { q->fd };
	struct dmaheap_layout layout = { .struct_size = sizeof(layout) };
	struct dmaheap_heap *heap;

	if (num_users > V4L2_MAX_USERS)
		return fail("%s: more than %d users", q->what, V4L2_MAX_USERS);
	for (size_t i = 0; i < num_users; i++)
		fds[i + 1] = users[i];
	if (heap_for_users(ctx, usage, fds, num_users + 1, &heap, q->heap_why,
			   sizeof(q->heap_why)))
		return fail("%s: no heap", q->what);
	snprintf(q->heap, sizeof(q->heap), "%s", dmaheap_heap_name(heap));
	if (request_buffers(q, V4L2_MEMORY_DMABUF, count))
		return -1;
	for (unsigned int i = 0; i < q->count; i++) {
		struct image *img = &q->bufs[i];

		if (describe_image(q, img, drm_fourcc, &layout))
			return -1;
		img->fd = dmaheap_heap_alloc(heap, img->size, DMAHEAP_FD_FLAGS_DEFAULT, 0);
		if (img->fd < 0)
			return fail("%s: buffer %u: %s", q->what, i, dmaheap_last_error());
	}
	return 0;
}

int v4l2_queue_import(struct v4l2_queue *q, const struct v4l2_queue *from)
{
	if (request_buffers(q, V4L2_MEMORY_DMABUF, from->count))
		return -1;
	if (q->count != from->count)
		return fail("%s: the driver wants %u buffers, %s has %u", q->what, q->count,
			    from->what, from->count);
	snprintf(q->heap, sizeof(q->heap), "%s", from->heap);
	snprintf(q->heap_why, sizeof(q->heap_why), "%s", from->heap_why);
	for (unsigned int i = 0; i < q->count; i++) {
		struct stat a, b;

		q->bufs[i] = from->bufs[i];
		q->bufs[i].fd = fcntl(from->bufs[i].fd, F_DUPFD_CLOEXEC, 0);
		if (q->bufs[i].fd < 0 || fstat(from->bufs[i].fd, &a) || fstat(q->bufs[i].fd, &b))
			return fail("%s: dup: %s", q->what, strerror(errno));
		printf("%s[%u] imports %s[%u]: dma-buf inode %lu%s\n", q->what, i, from->what, i,
		       (unsigned long)b.st_ino, a.st_ino == b.st_ino ? " (same buffer)" : " (DIFFERENT!)");
	}
	return 0;
}

int v4l2_queue_alloc_mmap(struct v4l2_queue *q, unsigned int count, uint32_t drm_fourcc)
{
	struct dmaheap_layout layout = { .struct_size = sizeof(layout) };

	if (request_buffers(q, V4L2_MEMORY_MMAP, count))
		return -1;
	for (unsigned int i = 0; i < q->count; i++) {
		struct v4l2_exportbuffer exp = {
			.type = q->type, .index = i, .flags = O_RDWR | O_CLOEXEC,
		};

		if (describe_image(q, &q->bufs[i], drm_fourcc, &layout))
			return -1;
		if (ioctl(q->fd, VIDIOC_EXPBUF, &exp))
			return fail("%s: VIDIOC_EXPBUF buffer %u: %s", q->what, i, strerror(errno));
		q->bufs[i].fd = exp.fd;
	}
	return 0;
}

int v4l2_queue_qbuf(struct v4l2_queue *q, unsigned int index, uint32_t bytesused)
{
	struct v4l2_buffer buf = {
		.type = q->type, .memory = q->memory, .index = index,
		.bytesused = bytesused, .field = V4L2_FIELD_NONE,
	};

	if (q->memory == V4L2_MEMORY_DMABUF) {
		buf.m.fd = q->bufs[index].fd;
		buf.length = (uint32_t)q->bufs[index].size;
	}
	if (ioctl(q->fd, VIDIOC_QBUF, &buf))
		return fail("%s: VIDIOC_QBUF buffer %u: %s", q->what, index, strerror(errno));
	return 0;
}

int v4l2_queue_dqbuf(struct v4l2_queue *q, uint32_t *bytesused)
{
	/* A memory-to-memory device polls POLLOUT for its output (source) queue. */
	short want = V4L2_TYPE_IS_OUTPUT(q->type) ? POLLOUT : POLLIN;
	struct pollfd pfd = { .fd = q->fd, .events = want };
	struct v4l2_buffer buf = { .type = q->type, .memory = q->memory };

	for (;;) {
		int r = poll(&pfd, 1, TIMEOUT_MS);

		if (r < 0 && errno == EINTR)
			continue;
		if (r != 1)
			return fail("%s: no buffer done within %d ms", q->what, TIMEOUT_MS);
		if (pfd.revents & (POLLERR | want))
			break;
		usleep(1000);	/* the other queue of an m2m device is ready, not ours */
	}
	if (ioctl(q->fd, VIDIOC_DQBUF, &buf))
		return fail("%s: VIDIOC_DQBUF: %s", q->what, strerror(errno));
	if (buf.flags & V4L2_BUF_FLAG_ERROR)
		return fail("%s: buffer %u came back with an error", q->what, buf.index);
	if (bytesused)
		*bytesused = buf.bytesused;
	return (int)buf.index;
}

int v4l2_queue_stream(struct v4l2_queue *q, bool on)
{
	int type = q->type;

	if (ioctl(q->fd, on ? VIDIOC_STREAMON : VIDIOC_STREAMOFF, &type))
		return fail("%s: %s: %s", q->what, on ? "VIDIOC_STREAMON" : "VIDIOC_STREAMOFF",
			    strerror(errno));
	return 0;
}

void v4l2_queue_release(struct v4l2_queue *q)
{
	struct v4l2_requestbuffers req = { .type = q->type, .memory = q->memory };
	int type = q->type;

	if (!q->count)
		return;
	ioctl(q->fd, VIDIOC_STREAMOFF, &type);
	ioctl(q->fd, VIDIOC_REQBUFS, &req);
	for (unsigned int i = 0; i < q->count; i++) {
		if (q->bufs[i].fd >= 0)
			close(q->bufs[i].fd);
		q->bufs[i].fd = -1;
	}
	q->count = 0;
}
