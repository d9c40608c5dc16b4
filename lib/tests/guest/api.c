// SPDX-License-Identifier: MIT
/*
 * libdmaheap against a real kernel (the QEMU guest): every heap present,
 * the udmabuf fallback, naming, CPU sync, describe, attached devices from
 * bufinfo (through a vgem import), and 8 threads allocating through one
 * context. Prints TAP with the plan at the end: the cases depend on the heaps.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xf86drm.h>

#include <dmaheap/dmaheap.h>
#include "../../../tests/tap.h"

#define MiB (1024 * 1024)

static bool has(const char *needle)
{
	if (strstr(dmaheap_last_error(), needle))
		return true;
	tap_diag("message: %s", dmaheap_last_error());
	return false;
}

/* Maps fd, checks it reads as zeros, writes a pattern, reads it back. */
static bool cpu_roundtrip(int fd, size_t size)
{
	unsigned char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	bool ok = p != MAP_FAILED;

	if (!ok) {
		tap_diag("mmap: %s", strerror(errno));
		return false;
	}
	ok &= dmaheap_cpu_begin(fd, DMAHEAP_ACCESS_RW) == 0;
	for (size_t i = 0; ok && i < size; i += 512)
		ok &= p[i] == 0;
	if (!ok)
		tap_diag("not zero, or sync failed: %s", dmaheap_last_error());
	memset(p, 0xa5, size);
	ok &= dmaheap_cpu_end(fd, DMAHEAP_ACCESS_RW) == 0;
	ok &= dmaheap_cpu_begin(fd, DMAHEAP_ACCESS_READ) == 0;
	ok &= p[0] == 0xa5 && p[size - 1] == 0xa5;
	ok &= dmaheap_cpu_end(fd, DMAHEAP_ACCESS_READ) == 0;
	munmap(p, size);
	return ok;
}

static void check_buffer(struct dmaheap_ctx *ctx, const char *heap, uint64_t size,
			 uint64_t want_size)
{
	struct dmaheap_buf_desc desc = { .struct_size = sizeof(desc) };
	int fd = dmaheap_alloc_from(ctx, heap, size, DMAHEAP_FD_FLAGS_DEFAULT, 0);

	if (!tap_ok(fd >= 0, "%s: allocate %llu bytes", heap, (unsigned long long)size)) {
		tap_diag("%s", dmaheap_last_error());
		tap_skip("no buffer", "%s: describe", heap);
		tap_skip("no buffer", "%s: map, sync, zeroed, write, read", heap);
		return;
	}
	/* describe first: the message below prints what it found */
	if (dmaheap_describe(fd, &desc) < 0) {
		tap_diag("%s", dmaheap_last_error());
		memset(&desc, 0, sizeof(desc));
	}
	tap_ok(desc.size == want_size &&
	       strcmp(desc.exporter, heap) == 0 && strcmp(desc.name, heap) == 0 &&
	       desc.inode != 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC),
	       "%s: described: size %llu, exporter and name '%s', inode %llu, cloexec",
	       heap, (unsigned long long)desc.size, desc.exporter,
	       (unsigned long long)desc.inode);
	tap_ok(cpu_roundtrip(fd, (size_t)want_size), "%s: map, sync, zeroed, write, read", heap);
	close(fd);
}

static int open_vgem(void)
{
	char path[64];

	for (int i = 0; i < 16; i++) {
		drmVersionPtr v;
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		v = drmGetVersion(fd);
		if (v && strcmp(v->name, "vgem") == 0) {
			drmFreeVersion(v);
			return fd;
		}
		drmFreeVersion(v);
		close(fd);
	}
	return -1;
}

/* bufinfo lists the devices a buffer is attached to: import it into vgem. */
static void check_attachments(struct dmaheap_ctx *ctx, const char *heap)
{
	struct dmaheap_buf_desc desc = { .struct_size = sizeof(desc) };
	struct dmaheap_bufinfo *info;
	const struct dmaheap_bufinfo_entry *e;
	int vgem = open_vgem(), fd;
	uint32_t handle;

	if (vgem < 0) {
		tap_skip("no vgem device", "%s: bufinfo names the device a buffer is attached to",
			 heap);
		return;
	}
	/* 64 KiB: vgem claims 64 KiB DMA segments, and DMA-API debugging warns
	 * about a longer one (a 1 MiB system-heap chunk, a CMA range) */
	fd = dmaheap_alloc_from(ctx, heap, 64 * 1024, DMAHEAP_FD_FLAGS_DEFAULT, 0);
	if (fd < 0 || dmaheap_describe(fd, &desc) < 0 || drmPrimeFDToHandle(vgem, fd, &handle)) {
		tap_ok(false, "%s: import into vgem: %s", heap, strerror(errno));
	} else {
		info = dmaheap_bufinfo_read();
		e = info ? dmaheap_bufinfo_find(info, desc.inode) : NULL;
		tap_ok(e && e->num_devices >= 1 && strstr(e->devices[0], "vgem") &&
		       strcmp(e->exporter, heap) == 0,
		       "%s: bufinfo shows the buffer (inode %llu) attached to %s", heap,
		       (unsigned long long)desc.inode, e && e->num_devices ? e->devices[0] : "nothing");
		if (!e)
			tap_diag("%s", dmaheap_last_error());
		dmaheap_bufinfo_free(info);
	}
	if (fd >= 0)
		close(fd);
	close(vgem);
}

struct thread_arg {
	struct dmaheap_ctx *ctx;
	int failures;
	char heap[DMAHEAP_NAME_MAX];
};

static void *alloc_thread(void *data)
{
	struct thread_arg *arg = data;
	int fds[8];

	for (int round = 0; round < 8; round++) {
		for (int i = 0; i < 8; i++) {
			struct dmaheap_buf_desc desc = { .struct_size = sizeof(desc) };

			fds[i] = dmaheap_alloc(arg->ctx, DMAHEAP_USAGE_CPU, 64 * 1024,
					       DMAHEAP_FD_FLAGS_DEFAULT, 0);
			if (fds[i] < 0 || dmaheap_describe(fds[i], &desc) < 0 ||
			    desc.size != 64 * 1024 || strcmp(desc.name, desc.exporter) != 0) {
				arg->failures++;
				continue;
			}
			snprintf(arg->heap, sizeof(arg->heap), "%s", desc.exporter);
		}
		for (int i = 0; i < 8; i++) {
			if (fds[i] >= 0)
				close(fds[i]);
		}
	}
	return NULL;
}

static void check_threads(struct dmaheap_ctx *ctx)
{
	struct thread_arg args[8];
	pthread_t threads[8];
	int failures = 0;

	for (int t = 0; t < 8; t++) {
		args[t] = (struct thread_arg){ .ctx = ctx };
		pthread_create(&threads[t], NULL, alloc_thread, &args[t]);
	}
	for (int t = 0; t < 8; t++) {
		pthread_join(threads[t], NULL);
		failures += args[t].failures;
	}
	tap_ok(failures == 0, "8 threads x 64 allocations through one context (%s): "
	       "%d failed", args[0].heap, failures);
}

/*
 * What a program built against a newer header passes: a bigger struct. It
 * gets every field this library knows, zeroes after them, and struct_size
 * saying how much was filled.
 */
static void check_newer_desc(int fd, const struct dmaheap_buf_desc *want)
{
	struct {
		struct dmaheap_buf_desc desc;
		unsigned char newer[40];
	} big;
	bool zero = true;

	memset(&big, 0x5a, sizeof(big));
	big.desc.struct_size = sizeof(big);
	if (dmaheap_describe(fd, &big.desc) < 0) {
		tap_ok(false, "a newer program's bigger description: %s", dmaheap_last_error());
		return;
	}
	for (size_t i = 0; i < sizeof(big.newer); i++)
		zero &= big.newer[i] == 0;
	tap_ok(zero && big.desc.struct_size == sizeof(struct dmaheap_buf_desc) &&
	       big.desc.fd == fd && big.desc.inode == want->inode &&
	       big.desc.size == want->size && !strcmp(big.desc.exporter, want->exporter),
	       "a newer program's bigger description: filled, struct_size %zu, the rest zero",
	       big.desc.struct_size);
}

int main(void)
{
	struct dmaheap_ctx *ctx = dmaheap_ctx_create(DMAHEAP_CTX_UDMABUF_FALLBACK);
	struct dmaheap_heap_list *list = ctx ? dmaheap_heap_list_get(ctx) : NULL;
	struct dmaheap_proc_bufs *bufs;
	struct dmaheap_buf_desc desc = { .struct_size = sizeof(desc) };
	bool udmabuf = access("/dev/udmabuf", F_OK) == 0;
	int fd, nullfd;

	tap_ok(list != NULL, "list the heaps: %zu present", list ? list->count : 0);
	if (!list)
		return 1;
	for (size_t i = 0; i < list->count; i++) {
		tap_diag("heap %s (%s)", list->heaps[i]->name,
			 list->heaps[i]->open_errno ? strerror(list->heaps[i]->open_errno) : "opens");
		check_buffer(ctx, list->heaps[i]->name, MiB, MiB);
		check_buffer(ctx, list->heaps[i]->name, 5000, 8192);
		check_attachments(ctx, list->heaps[i]->name);
	}

	if (list->count == 0) {
		tap_ok(dmaheap_alloc(ctx, DMAHEAP_USAGE_SCANOUT, MiB, 0, 0) >= 0 || udmabuf ||
		       has("load the dmaheap kernel modules"),
		       "no heaps: usage allocation falls back to udmabuf or says to load modules");
	} else {
		struct dmaheap_heap *heap = dmaheap_heap_for_usage(ctx, DMAHEAP_USAGE_SCANOUT);

		tap_ok(heap && strcmp(dmaheap_heap_name(heap), "udmabuf") != 0,
		       "scanout finds a heap: %s", heap ? dmaheap_heap_name(heap) : dmaheap_last_error());
		/* the flags word: one flag known, the other bits refused */
		fd = heap ? dmaheap_heap_alloc(heap, MiB, DMAHEAP_FD_FLAGS_DEFAULT,
					       DMAHEAP_ALLOC_NO_NAME) : -1;
		tap_ok(fd >= 0 && dmaheap_describe(fd, &desc) == 0 && desc.name[0] == '\0',
		       "DMAHEAP_ALLOC_NO_NAME: the buffer stays unnamed ('%s')",
		       fd >= 0 ? desc.name : dmaheap_last_error());
		if (fd >= 0)
			close(fd);
		errno = 0;
		fd = heap ? dmaheap_heap_alloc(heap, MiB, DMAHEAP_FD_FLAGS_DEFAULT,
					       UINT64_C(1) << 40) : -1;
		tap_ok(fd < 0 && errno == EINVAL && has("allocation flags 0x10000000000 unknown"),
		       "an unknown allocation flag is EINVAL, naming the bits: %s",
		       dmaheap_last_error());
		if (fd >= 0)
			close(fd);
	}

	if (udmabuf) {
		struct dmaheap_ctx *fallback;

		/* 64 KiB, not 1 MiB: on 6.1, udmabuf's CPU sync maps its pages to
		 * a misc device with 64 KiB segments, and DMA-API debugging warns
		 * about the longer ones contiguous memfd pages merge into */
		check_buffer(ctx, DMAHEAP_UDMABUF, 64 * 1024, 64 * 1024);
		check_buffer(ctx, DMAHEAP_UDMABUF, 5000, 8192);
		check_attachments(ctx, DMAHEAP_UDMABUF);
		/* no heap directory at all: the fallback must still allocate */
		setenv("DMAHEAP_TEST_HEAP_DIR", "/nonexistent/dma_heap", 1);
		fallback = dmaheap_ctx_create(DMAHEAP_CTX_UDMABUF_FALLBACK);
		unsetenv("DMAHEAP_TEST_HEAP_DIR");
		fd = dmaheap_alloc(fallback, DMAHEAP_USAGE_SCANOUT, 3 * MiB, O_RDWR | O_CLOEXEC, 0);
		tap_ok(fd >= 0 && dmaheap_describe(fd, &desc) == 0 &&
		       strcmp(desc.exporter, "udmabuf") == 0 && strcmp(desc.name, "udmabuf") == 0 &&
		       desc.size == 3 * MiB, "no heaps: scanout falls back to udmabuf");
		if (fd >= 0)
			close(fd);
		dmaheap_ctx_destroy(fallback);
	} else {
		for (int i = 0; i < 7; i++)
			tap_skip("no /dev/udmabuf in this kernel", "udmabuf case %d", i + 1);
	}

	/* the process view: every buffer this process holds, by inode */
	fd = dmaheap_alloc(ctx, DMAHEAP_USAGE_CPU, 2 * MiB, DMAHEAP_FD_FLAGS_DEFAULT, 0);
	if (fd >= 0 && dmaheap_describe(fd, &desc) == 0) {
		bool found = false;

		bufs = dmaheap_proc_bufs_get(getpid());
		for (size_t i = 0; bufs && i < bufs->count; i++)
			found |= bufs->bufs[i]->fd == fd && bufs->bufs[i]->inode == desc.inode;
		tap_ok(found && bufs->count == 1, "the process's dma-bufs: the one it holds");
		dmaheap_proc_bufs_free(bufs);
		check_newer_desc(fd, &desc);
		close(fd);
	} else {
		tap_skip(dmaheap_last_error(), "the process's dma-bufs");
		tap_skip(dmaheap_last_error(), "a newer program's bigger description");
	}

	nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	tap_ok(dmaheap_describe(nullfd, &desc) < 0 && errno == EINVAL &&
	       has("is not a dma-buf (it is /dev/null"), "describing /dev/null: not a dma-buf");
	close(nullfd);

	if (list->count || udmabuf)
		check_threads(ctx);
	else
		tap_skip("no heap and no udmabuf", "8 threads allocating through one context");

	dmaheap_heap_list_free(list);
	dmaheap_ctx_destroy(ctx);
	tap_plan(tap_count);
	return tap_done();
}
