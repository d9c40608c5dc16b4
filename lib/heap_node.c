// SPDX-License-Identifier: MIT
/*
 * A heap behind a node in /dev/dma_heap: mainline's UAPI, one ioctl
 * (DMA_HEAP_IOCTL_ALLOC) returning a dma-buf fd. Works the same on a kernel
 * with built-in heaps and with this project's modules.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/dma-heap.h>

#include "private.h"

static int heap_node_alloc(struct dmaheap_heap *heap, uint64_t size, int fd_flags)
{
	struct dma_heap_allocation_data data = {
		.len = size,
		.fd_flags = (__u32)fd_flags,
	};
	char human[32];
	int ret;

	do {
		ret = ioctl(heap->fd, DMA_HEAP_IOCTL_ALLOC, &data);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0) {
		int err = errno;

		return error_set(err, "allocating %s from heap '%s' (%s) failed: %s%s",
				 dmaheap_format_size(size, human, sizeof(human)),
				 heap->name, heap->path, strerror(err),
				 err == ENOTTY ? " (not a dma-heap node?)" :
				 err == ENOMEM ? " (the heap is full: free buffers, "
				 "allocate fewer or smaller ones, or pick another "
				 "heap with DMAHEAP_HEAPS)" : "");
	}
	return (int)data.fd;
}

static void heap_node_destroy(struct dmaheap_heap *heap)
{
	close(heap->fd);
	free(heap);
}

static const struct heap_impl heap_node_impl = {
	.kind = "dma-heap",
	.alloc = heap_node_alloc,
	.destroy = heap_node_destroy,
};

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int heap_dir_names(const char *dir, char *buf, size_t len)
{
	char *names[128];
	size_t count = 0, used = 0;
	struct dirent *entry;
	DIR *d = opendir(dir);

	if (len)
		buf[0] = '\0';
	if (!d)
		return -1;
	while ((entry = readdir(d)) != NULL && count < ARRAY_SIZE(names)) {
		if (entry->d_name[0] == '.')
			continue;
		names[count] = strdup(entry->d_name);
		if (names[count])
			count++;
	}
	closedir(d);
	qsort(names, count, sizeof(names[0]), compare_names);
	for (size_t i = 0; i < count; i++) {
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
						 i ? ", " : "", names[i]);
		free(names[i]);
	}
	return (int)count;
}

struct dmaheap_heap *heap_node_open(struct dmaheap_ctx *ctx, const char *name)
{
	struct dmaheap_heap *heap;
	char present[512];
	int err, n;

	heap = calloc(1, sizeof(*heap));
	if (!heap)
		return error_set_null(ENOMEM, "out of memory for heap '%s'", name);
	heap->impl = &heap_node_impl;
	heap->ctx = ctx;
	str_copy(heap->name, name, sizeof(heap->name));
	if ((size_t)snprintf(heap->path, sizeof(heap->path), "%s/%s", ctx->heap_dir,
			     name) >= sizeof(heap->path)) {
		free(heap);
		return error_set_null(ENAMETOOLONG, "heap path %s/%s is too long",
				      ctx->heap_dir, name);
	}
	/* The allocation ioctl needs no write access to the node. */
	heap->fd = open(heap->path, O_RDONLY | O_CLOEXEC);
	if (heap->fd >= 0)
		return heap;

	err = errno;
	free(heap);
	switch (err) {
	case ENOENT:
		n = heap_dir_names(ctx->heap_dir, present, sizeof(present));
		if (n < 0)
			return error_set_null(ENOENT, "no heap '%s': %s does not exist; %s",
					      name, ctx->heap_dir, HEAP_MODULE_HINT);
		if (n == 0)
			return error_set_null(ENOENT, "no heap '%s': %s is empty; %s",
					      name, ctx->heap_dir, HEAP_MODULE_HINT);
		return error_set_null(ENOENT, "no heap '%s' in %s (heaps present: %s)",
				      name, ctx->heap_dir, present);
	case EACCES:
	case EPERM:
		return error_set_null(err, "cannot open %s/%s: %s; %s", ctx->heap_dir,
				      name, strerror(err), HEAP_ACCESS_HINT);
	default:
		return error_set_null(err, "cannot open %s/%s: %s", ctx->heap_dir,
				      name, strerror(err));
	}
}
