// SPDX-License-Identifier: MIT
/*
 * gbm_bo_import for GBM_BO_IMPORT_FD and GBM_BO_IMPORT_FD_MODIFIER: any
 * dma-buf, from a heap or not. Everything the caller says about the planes
 * is checked against the buffers' sizes, so that no later map or scanout
 * reads past the end of a buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "private.h"

/* The size of a dma-buf, or -1 with EINVAL for anything else. */
static int64_t dmabuf_size(struct dmaheap_gbm_device *dev, int fd)
{
	struct statfs sfs;
	off_t size;

	if (fstatfs(fd, &sfs)) {
		gbm_fail(dev, errno, "bo_import: fd %d: %s", fd, strerror(errno));
		return -1;
	}
	if (sfs.f_type != DMA_BUF_MAGIC) {
		gbm_fail(dev, EINVAL, "bo_import: fd %d is not a dma-buf", fd);
		return -1;
	}
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0) {
		gbm_fail(dev, size ? errno : EINVAL, "bo_import: size of dma-buf fd %d: %s",
			 fd, size ? strerror(errno) : "0 bytes");
		return -1;
	}
	return size;
}

/* Bytes one line of plane i holds, and its number of lines. */
static void plane_extent(const struct dmaheap_format *fmt, unsigned int i, uint32_t width,
			 uint32_t height, uint64_t *line, uint64_t *lines)
{
	uint64_t w = width, h = height;

	if (fmt->hsub > 1)
		w = (w + fmt->hsub - 1) / fmt->hsub * fmt->hsub;
	if (fmt->vsub > 1)
		h = (h + fmt->vsub - 1) / fmt->vsub * fmt->vsub;
	if (i > 0) {
		w /= fmt->hsub;
		h /= fmt->vsub;
	}
	*line = w * fmt->cpp[i];
	*lines = h;
}

struct plane_desc {
	int fd;
	int64_t stride, offset;
};

static struct gbm_bo *import_planes(struct dmaheap_gbm_device *dev, uint32_t width,
				    uint32_t height, uint32_t format, uint64_t modifier,
				    unsigned int num_fds, const struct plane_desc *planes)
{
	const struct dmaheap_format *fmt;
	struct dmaheap_gbm_bo *bo;
	char name[5];

	format = canonical_format(dev, format);
	fmt = dmaheap_format_get(format);
	if (!fmt) {
		gbm_fail(dev, EINVAL, "bo_import: format %s (0x%08x) is not in libdmaheap's "
			 "table", dmaheap_fourcc_str(format, name), format);
		return NULL;
	}
	if (modifier != DRM_FORMAT_MOD_LINEAR && modifier != DRM_FORMAT_MOD_INVALID) {
		gbm_fail(dev, EINVAL, "bo_import: modifier 0x%016llx: only linear buffers",
			 (unsigned long long)modifier);
		return NULL;
	}
	if (!width || !height || width > MAX_DIMENSION || height > MAX_DIMENSION) {
		gbm_fail(dev, EINVAL, "bo_import: %ux%u: width and height must be 1 to %u",
			 width, height, MAX_DIMENSION);
		return NULL;
	}
	if (num_fds != 1 && num_fds != fmt->num_planes) {
		gbm_fail(dev, EINVAL, "bo_import: %u fds for %s: want 1 or %u", num_fds,
			 fmt->name, fmt->num_planes);
		return NULL;
	}
	bo = bo_new(dev, width, height, fmt);
	if (!bo)
		return NULL;
	bo->modifier = modifier;
	bo->num_fds = num_fds;
	for (unsigned int i = 0; i < num_fds; i++) {
		int64_t size = dmabuf_size(dev, planes[i].fd);

		if (size < 0)
			goto err;
		bo->fds[i] = fcntl(planes[i].fd, F_DUPFD_CLOEXEC, 0);
		if (bo->fds[i] < 0) {
			gbm_fail(dev, errno, "bo_import: dup: %s", strerror(errno));
			goto err;
		}
		bo->sizes[i] = (uint64_t)size;
	}
	for (unsigned int i = 0; i < fmt->num_planes; i++) {
		unsigned int f = num_fds == 1 ? 0 : i;
		uint64_t line, lines;

		plane_extent(fmt, i, width, height, &line, &lines);
		if (planes[i].stride < (int64_t)line || planes[i].stride > UINT32_MAX ||
		    planes[i].offset < 0 || planes[i].offset > UINT32_MAX) {
			gbm_fail(dev, EINVAL, "bo_import: %s plane %u: stride %lld (a line is "
				 "%llu bytes) or offset %lld out of range", fmt->name, i,
				 (long long)planes[i].stride, (unsigned long long)line,
				 (long long)planes[i].offset);
			goto err;
		}
		/* the last line needs only its pixels, not a whole stride */
		if ((uint64_t)planes[i].offset + (uint64_t)planes[i].stride * (lines - 1) +
		    line > bo->sizes[f]) {
			gbm_fail(dev, EINVAL, "bo_import: %s plane %u (offset %lld, stride %lld, "
				 "%llu lines) ends past the %llu-byte dma-buf", fmt->name, i,
				 (long long)planes[i].offset, (long long)planes[i].stride,
				 (unsigned long long)lines, (unsigned long long)bo->sizes[f]);
			goto err;
		}
		bo->stride[i] = (uint32_t)planes[i].stride;
		bo->offset[i] = (uint32_t)planes[i].offset;
		bo->plane_fd[i] = f;
	}
	if (bo_take_handles(dev, bo))
		goto err;
	return &bo->base;

err:
	bo_destroy(&bo->base);
	return NULL;
}

struct gbm_bo *bo_import(struct gbm_device *gbm, uint32_t type, void *buffer,
			 uint32_t usage)
{
	struct dmaheap_gbm_device *dev = device_from_gbm(gbm);
	struct plane_desc planes[DMAHEAP_MAX_PLANES] = { { 0 } };

	if (!buffer) {
		gbm_fail(dev, EINVAL, "bo_import: no import data");
		return NULL;
	}
	if (usage & ~KNOWN_USAGE) {
		gbm_fail(dev, EINVAL, "bo_import: unknown usage bits 0x%x", usage & ~KNOWN_USAGE);
		return NULL;
	}
	if (type == GBM_BO_IMPORT_FD) {
		const struct gbm_import_fd_data *d = buffer;
		const struct dmaheap_format *fmt =
			dmaheap_format_get(canonical_format(dev, d->format));

		if (fmt && fmt->num_planes > 1) {
			gbm_fail(dev, EINVAL, "bo_import: GBM_BO_IMPORT_FD has no plane offsets: "
				 "import %s with GBM_BO_IMPORT_FD_MODIFIER", fmt->name);
			return NULL;
		}
		planes[0] = (struct plane_desc){ d->fd, d->stride, 0 };
		return import_planes(dev, d->width, d->height, d->format,
				     DRM_FORMAT_MOD_INVALID, 1, planes);
	}
	if (type == GBM_BO_IMPORT_FD_MODIFIER) {
		const struct gbm_import_fd_modifier_data *d = buffer;

		if (d->num_fds < 1 || d->num_fds > DMAHEAP_MAX_PLANES) {
			gbm_fail(dev, EINVAL, "bo_import: num_fds %u (want 1 to %d)", d->num_fds,
				 DMAHEAP_MAX_PLANES);
			return NULL;
		}
		for (unsigned int i = 0; i < DMAHEAP_MAX_PLANES; i++)
			planes[i] = (struct plane_desc){ i < d->num_fds ? d->fds[i] : -1,
							 d->strides[i], d->offsets[i] };
		return import_planes(dev, d->width, d->height, d->format, d->modifier,
				     d->num_fds, planes);
	}
	gbm_fail(dev, ENOSYS, "bo_import: type 0x%x: this backend imports dma-bufs only "
		 "(GBM_BO_IMPORT_FD, GBM_BO_IMPORT_FD_MODIFIER)", type);
	return NULL;
}
