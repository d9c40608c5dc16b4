// SPDX-License-Identifier: MIT
/*
 * The udmabuf pseudo-heap: a memfd sealed against shrinking, turned into a
 * dma-buf by /dev/udmabuf. The fallback when no heap exists (any kernel with
 * CONFIG_UDMABUF), and the reference the benchmark compares heaps with.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/udmabuf.h>

#include "private.h"

static int udmabuf_alloc(struct dmaheap_heap *heap, uint64_t size, int fd_flags)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	struct udmabuf_create create = {
		.flags = (fd_flags & O_CLOEXEC) ? UDMABUF_FLAGS_CLOEXEC : 0,
		.offset = 0,
	};
	char human[32];
	int memfd, fd, err;
	const char *step;

	dmaheap_format_size(size, human, sizeof(human));
	if (size > UINT64_MAX - page)
		return error_set(EINVAL, "udmabuf: size %s is too large", human);
	/* udmabuf wants whole pages */
	create.size = (size + page - 1) / page * page;

	memfd = memfd_create("dmaheap-udmabuf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (memfd < 0) {
		err = errno;
		return error_set(err, "udmabuf: memfd_create failed: %s", strerror(err));
	}
	step = "ftruncate";
	if (ftruncate(memfd, (off_t)create.size) < 0)
		goto fail;
	/* udmabuf refuses a memfd that could shrink under its pinned pages */
	step = "sealing the memfd";
	if (fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0)
		goto fail;
	create.memfd = (__u32)memfd;
	step = "UDMABUF_CREATE";
	do {
		fd = ioctl(heap->fd, UDMABUF_CREATE, &create);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0)
		goto fail;
	close(memfd);	/* the dma-buf holds the pages */
	return fd;
fail:
	err = errno;
	close(memfd);
	return error_set(err, "allocating %s from udmabuf failed: %s: %s", human,
			 step, strerror(err));
}

static void udmabuf_destroy(struct dmaheap_heap *heap)
{
	close(heap->fd);
	free(heap);
}

static const struct heap_impl udmabuf_impl = {
	.kind = "udmabuf",
	.alloc = udmabuf_alloc,
	.destroy = udmabuf_destroy,
};

struct dmaheap_heap *udmabuf_heap_open(struct dmaheap_ctx *ctx)
{
	struct dmaheap_heap *heap;
	int err;

	heap = calloc(1, sizeof(*heap));
	if (!heap)
		return error_set_null(ENOMEM, "out of memory for the udmabuf heap");
	heap->impl = &udmabuf_impl;
	heap->ctx = ctx;
	str_copy(heap->name, DMAHEAP_UDMABUF, sizeof(heap->name));
	str_copy(heap->path, ctx->udmabuf_path, sizeof(heap->path));
	heap->fd = open(heap->path, O_RDWR | O_CLOEXEC);
	if (heap->fd >= 0)
		return heap;
	err = errno;
	free(heap);
	if (err == ENOENT)
		return error_set_null(ENOENT, "no %s: the kernel lacks CONFIG_UDMABUF "
				      "(try modprobe udmabuf)", ctx->udmabuf_path);
	if (err == EACCES || err == EPERM)
		return error_set_null(err, "cannot open %s: %s; give your user access "
				      "with a udev rule such as KERNEL==\"udmabuf\", "
				      "GROUP=\"video\", MODE=\"0660\"",
				      ctx->udmabuf_path, strerror(err));
	return error_set_null(err, "cannot open %s: %s", ctx->udmabuf_path,
			      strerror(err));
}
