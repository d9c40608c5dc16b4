/* SPDX-License-Identifier: MIT */
/*
 * CPU access to heap buffers shared with devices that are not DMA-coherent
 * (run by 46-arm64.t on the arm64 guest, where QEMU's virt machine declares
 * none of vgem, vkms or the test importer coherent). Such a device's DMA
 * mappings are kept in step with the CPU's caches by the architecture's
 * cache maintenance, arch_sync_dma_for_device() (clean) and
 * arch_sync_dma_for_cpu() (invalidate). This counts the calls that reach
 * them, with kprobe events on those two functions, around each step:
 *
 *   - DMA_BUF_IOCTL_SYNC on a buffer no device has mapped: no maintenance
 *     (the heap has no mapping to keep in step);
 *   - the same buffer imported into vgem (a DRM PRIME import maps it for the
 *     device and keeps the mapping): SYNC_START reaches _for_cpu and
 *     SYNC_END reaches _for_device, once per mapped segment at least, and
 *     the data written between them is what is read back;
 *   - the test importer's device writing the buffer through its DMA
 *     addresses (map, write, unmap): the map cleans, the unmap invalidates,
 *     and the CPU then reads what the device wrote.
 *
 * Not "the ioctl returned 0": a heap whose begin/end_cpu_access forgot the
 * attachments, or synced them with the wrong device, returns 0 too.
 *
 *   noncoherent-sync HEAP-NODE
 *
 * Prints TAP (plan included); exits 1 when a case failed, 77 when the
 * kernel has no kprobe events.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <unistd.h>
#include <xf86drm.h>

#include "../../kernel/tests/importer.h"
#include "../tap.h"

#define TRACEFS "/sys/kernel/tracing"
#define GROUP "dmaheap_nc"
#define BUF_SIZE (1024 * 1024)

struct hits {
	uint64_t cpu; /* arch_sync_dma_for_cpu */
	uint64_t dev; /* arch_sync_dma_for_device */
};

static int write_file(const char *path, const char *text, bool append)
{
	int fd = open(path, O_WRONLY | (append ? O_APPEND : O_TRUNC));
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int probes_add(void)
{
	if (access(TRACEFS "/kprobe_events", W_OK) != 0 &&
	    mount("tracefs", TRACEFS, "tracefs", 0, NULL) != 0)
		return -1;
	if (write_file(TRACEFS "/kprobe_events",
		       "p:" GROUP "/for_cpu arch_sync_dma_for_cpu\n", true) ||
	    write_file(TRACEFS "/kprobe_events",
		       "p:" GROUP "/for_device arch_sync_dma_for_device\n", true))
		return -1;
	return write_file(TRACEFS "/events/" GROUP "/enable", "1", false);
}

static void probes_remove(void)
{
	write_file(TRACEFS "/events/" GROUP "/enable", "0", false);
	write_file(TRACEFS "/kprobe_events", "-:" GROUP "/for_cpu\n", true);
	write_file(TRACEFS "/kprobe_events", "-:" GROUP "/for_device\n", true);
}

/* kprobe_profile: "  EVENT   HITS   MISSES" per probe. */
static int hits_read(struct hits *h)
{
	FILE *f = fopen(TRACEFS "/kprobe_profile", "r");
	char event[128];
	uint64_t hit, miss;
	int found = 0;

	if (!f)
		return -1;
	while (fscanf(f, "%127s %" SCNu64 " %" SCNu64, event, &hit, &miss) == 3) {
		if (strcmp(event, "for_cpu") == 0 ||
		    strcmp(event, GROUP "/for_cpu") == 0) {
			h->cpu = hit;
			found++;
		} else if (strcmp(event, "for_device") == 0 ||
			   strcmp(event, GROUP "/for_device") == 0) {
			h->dev = hit;
			found++;
		}
	}
	fclose(f);
	return found == 2 ? 0 : -1;
}

static struct hits since(const struct hits *before)
{
	struct hits now = { 0 }, d = { 0 };

	if (hits_read(&now) == 0) {
		d.cpu = now.cpu - before->cpu;
		d.dev = now.dev - before->dev;
	}
	return d;
}

static int sync_buf(int fd, uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags };
	int ret;

	do
		ret = ioctl(fd, DMA_BUF_IOCTL_SYNC, &s);
	while (ret && (errno == EINTR || errno == EAGAIN));
	return ret;
}

/* The first DRM node whose driver is vgem, opened; -1 when there is none. */
static int vgem_open(void)
{
	DIR *d = opendir("/dev/dri");
	struct dirent *e;
	int fd = -1;

	if (!d)
		return -1;
	while (fd < 0 && (e = readdir(d)) != NULL) {
		char path[300];
		drmVersionPtr v;

		if (strncmp(e->d_name, "card", 4) != 0)
			continue;
		snprintf(path, sizeof(path), "/dev/dri/%s", e->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		v = drmGetVersion(fd);
		if (!v || strcmp(v->name, "vgem") != 0) {
			close(fd);
			fd = -1;
		}
		drmFreeVersion(v);
	}
	closedir(d);
	return fd;
}

static void fill(uint32_t *p, uint32_t seed)
{
	for (size_t i = 0; i < BUF_SIZE / 4; i++)
		p[i] = seed + (uint32_t)i * DMAHEAP_IMPORTER_STEP;
}

static bool matches(const uint32_t *p, uint32_t seed)
{
	for (size_t i = 0; i < BUF_SIZE / 4; i++)
		if (p[i] != seed + (uint32_t)i * DMAHEAP_IMPORTER_STEP)
			return false;
	return true;
}

int main(int argc, char **argv)
{
	struct dma_heap_allocation_data alloc = {
		.len = BUF_SIZE,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	struct dmaheap_importer_op op = { 0 };
	struct hits base = { 0 }, d;
	int heap, vgem, imp, ret;
	uint32_t handle = 0;
	uint32_t *map;

	if (argc != 2) {
		fprintf(stderr, "usage: noncoherent-sync HEAP-NODE\n");
		return 2;
	}
	if (probes_add() || hits_read(&base)) {
		printf("1..0 # SKIP no kprobe events on arch_sync_dma_for_cpu/_for_device (%s)\n",
		       strerror(errno));
		probes_remove();
		return 77;
	}
	tap_plan(9);

	heap = open(argv[1], O_RDONLY | O_CLOEXEC);
	ret = heap < 0 ? -1 : ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &alloc);
	if (!tap_ok(ret == 0, "allocate 1 MiB from %s", argv[1])) {
		probes_remove();
		return 1;
	}
	map = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   (int)alloc.fd, 0);
	if (map == MAP_FAILED)
		map = NULL;

	hits_read(&base);
	ret = sync_buf((int)alloc.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW);
	ret |= sync_buf((int)alloc.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW);
	d = since(&base);
	tap_ok(ret == 0 && d.cpu == 0 && d.dev == 0,
	       "a buffer no device maps: SYNC_START/END do no cache maintenance (for_cpu %" PRIu64 ", for_device %" PRIu64 ")",
	       d.cpu, d.dev);

	vgem = vgem_open();
	ret = vgem < 0 ? -1 : drmPrimeFDToHandle(vgem, (int)alloc.fd, &handle);
	tap_ok(ret == 0, "vgem imports the buffer (a device that is not DMA-coherent here)");

	hits_read(&base);
	ret = sync_buf((int)alloc.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW);
	d = since(&base);
	tap_ok(ret == 0 && d.cpu >= 1 && d.dev == 0,
	       "SYNC_START with vgem's mapping invalidates: arch_sync_dma_for_cpu reached %" PRIu64 " times",
	       d.cpu);
	if (map)
		fill(map, 0x1234);
	hits_read(&base);
	ret = sync_buf((int)alloc.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW);
	d = since(&base);
	tap_ok(ret == 0 && d.dev >= 1 && d.cpu == 0,
	       "SYNC_END with vgem's mapping cleans: arch_sync_dma_for_device reached %" PRIu64 " times",
	       d.dev);
	tap_ok(map && matches(map, 0x1234),
	       "what the CPU wrote between START and END reads back");

	if (handle) {
		struct drm_gem_close close_args = { .handle = handle };

		drmIoctl(vgem, DRM_IOCTL_GEM_CLOSE, &close_args);
	}
	if (vgem >= 0)
		close(vgem);
	hits_read(&base);
	ret = sync_buf((int)alloc.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW);
	ret |= sync_buf((int)alloc.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW);
	d = since(&base);
	tap_ok(ret == 0 && d.cpu == 0 && d.dev == 0,
	       "once vgem let go of it, the buffer's syncs do no maintenance again (for_cpu %" PRIu64 ", for_device %" PRIu64 ")",
	       d.cpu, d.dev);

	/* The test importer's device writes the buffer through its DMA addresses. */
	imp = open("/dev/dmaheap-importer/any", O_RDWR | O_CLOEXEC);
	op.fd = (int)alloc.fd;
	op.op = DMAHEAP_IMPORTER_WRITE;
	op.seed = 0xc0ffee;
	hits_read(&base);
	ret = imp < 0 ? -1 : ioctl(imp, DMAHEAP_IMPORTER_IOC_OP, &op);
	d = since(&base);
	tap_ok(ret == 0 && d.dev >= 1 && d.cpu >= 1,
	       "the test importer's write: its map cleans (for_device %" PRIu64 "), its unmap invalidates (for_cpu %" PRIu64 ")",
	       d.dev, d.cpu);
	ret = sync_buf((int)alloc.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	tap_ok(ret == 0 && map && matches(map, 0xc0ffee),
	       "the CPU reads what the device wrote");
	sync_buf((int)alloc.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	if (imp >= 0)
		close(imp);

	if (map)
		munmap(map, BUF_SIZE);
	close((int)alloc.fd);
	close(heap);
	probes_remove();
	return tap_done();
}
