// SPDX-License-Identifier: MIT
/*
 * The udmabuf pseudo-heap: a memfd sealed against shrinking, turned into a
 * dma-buf by /dev/udmabuf. The fallback when no heap exists (any kernel with
 * CONFIG_UDMABUF), and the reference the benchmark compares heaps with.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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

int udmabuf_scattered(struct dmaheap_ctx *ctx, uint64_t size, unsigned int *pieces)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), pages, per, chunks;
	struct udmabuf_create_list *list;
	int memfd, dev, fd = -1;
	uint32_t count;

	*pieces = 0;
	pages = (size + page - 1) / page;
	/*
	 * Chunks of per pages, each listed twice in a row: the second copy of a
	 * chunk starts where the first did, so the buffer is never one range,
	 * each page is mapped only twice (DMA-API debug allows a cacheline up
	 * to 7 overlapping mappings), and no DMA segment can be longer than
	 * two chunks (udmabuf merges adjacent pages): 8 KiB for a probe of up
	 * to 4 MiB, within any device's segment limit.
	 */
	per = (pages + UDMABUF_PROBE_MAX_ITEMS - 1) / UDMABUF_PROBE_MAX_ITEMS;
	if (pages < 2 || per > UDMABUF_PROBE_MAX_CHUNK)
		return error_set(EINVAL, "no probe buffer of %" PRIu64 " pages", pages);
	chunks = (pages + 2 * per - 1) / (2 * per);
	count = (uint32_t)(2 * chunks);
	list = calloc(1, sizeof(*list) + count * sizeof(list->list[0]));
	if (!list)
		return error_set(ENOMEM, "out of memory for a probe buffer");
	memfd = memfd_create("dmaheap-probe", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	dev = open(ctx->udmabuf_path, O_RDWR | O_CLOEXEC);
	if (memfd >= 0 && dev >= 0 && ftruncate(memfd, (off_t)(chunks * per * page)) == 0 &&
	    fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) == 0) {
		list->flags = UDMABUF_FLAGS_CLOEXEC;
		list->count = count;
		for (uint32_t i = 0; i < count; i++) {
			list->list[i].memfd = (__u32)memfd;
			list->list[i].offset = (i / 2) * per * page;
			list->list[i].size = per * page;
		}
		do {
			fd = ioctl(dev, UDMABUF_CREATE_LIST, list);
		} while (fd < 0 && errno == EINTR);
	}
	if (fd < 0)
		error_set(errno, "building a scattered probe buffer with %s: %s",
			  ctx->udmabuf_path, strerror(errno));
	else
		*pieces = count;
	if (memfd >= 0)
		close(memfd);
	if (dev >= 0)
		close(dev);
	free(list);
	return fd;
}
