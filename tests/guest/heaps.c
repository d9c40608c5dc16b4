/* SPDX-License-Identifier: MIT */
/*
 * dmaheap's extra heaps, proven by what a device gets: system-uncached,
 * system-dma32, carveout and unmapped, each checked through the test
 * importer (kernel/tests/importer.c), pretend DMA devices that read and
 * write buffers through their DMA addresses:
 *   any     64-bit DMA          dma32   32-bit DMA, 256 KiB segments
 *   contig  one range only      seg64k  segments of at most 64 KiB
 * A heap that is not there is skipped with the reason. Run by
 * tests/guest/45-heaps.t, which loads the carveout heaps. TAP output.
 */
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
#include <unistd.h>

#include "../tap.h"
#include "../../kernel/tests/importer.h"

#define MiB (1024UL * 1024UL)
#define FOUR_GIB 0x100000000ULL

static int importer_fd(const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/dmaheap-importer/%s", name);
	return open(path, O_RDWR | O_CLOEXEC);
}

/* One import by @dev; returns 0 or -errno, @op filled either way. */
static int import(const char *dev, int buf, unsigned int what, uint32_t seed,
		  struct dmaheap_importer_op *op)
{
	int fd = importer_fd(dev), ret;

	memset(op, 0, sizeof(*op));
	if (fd < 0)
		return -errno;
	op->fd = buf;
	op->op = what;
	op->seed = seed;
	ret = ioctl(fd, DMAHEAP_IMPORTER_IOC_OP, op) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

static bool heap_exists(const char *heap)
{
	char path[128];

	snprintf(path, sizeof(path), "/dev/dma_heap/%s", heap);
	return access(path, F_OK) == 0;
}

static int heap_alloc(const char *heap, uint64_t len)
{
	struct dma_heap_allocation_data data = {
		.len = len,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	char path[128];
	int fd, ret;

	snprintf(path, sizeof(path), "/dev/dma_heap/%s", heap);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = ioctl(fd, DMA_HEAP_IOCTL_ALLOC, &data) < 0 ? -errno : (int)data.fd;
	close(fd);
	return ret;
}

/* A heap attribute, from /sys/class/dma_heap/NAME or /sys/class/dmaheap/NAME. */
static bool heap_attr(const char *heap, const char *attr, char *out, size_t size)
{
	static const char *const classes[] = { "dma_heap", "dmaheap" };

	for (size_t i = 0; i < 2; i++) {
		char path[192];
		FILE *f;

		snprintf(path, sizeof(path), "/sys/class/%s/%s/%s", classes[i], heap, attr);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(out, (int)size, f))
			out[0] = 0;
		fclose(f);
		out[strcspn(out, "\n")] = 0;
		return true;
	}
	return false;
}

static long long heap_stat(const char *heap, const char *name)
{
	char path[64], value[32];

	snprintf(path, sizeof(path), "stats/%s", name);
	return heap_attr(heap, path, value, sizeof(value)) ? atoll(value) : -1;
}

static void check_props(const char *heap, const char *contiguous, const char *cached,
			const char *cpu_access, const char *max_address)
{
	char c[8] = "?", k[8] = "?", a[8] = "?", m[32] = "?";

	heap_attr(heap, "contiguous", c, sizeof(c));
	heap_attr(heap, "cached", k, sizeof(k));
	heap_attr(heap, "cpu_access", a, sizeof(a));
	heap_attr(heap, "max_address", m, sizeof(m));
	tap_ok(!strcmp(c, contiguous) && !strcmp(k, cached) && !strcmp(a, cpu_access) &&
		       !strcmp(m, max_address),
	       "%s: publishes contiguous=%s cached=%s cpu_access=%s max_address=%s (want %s %s %s %s)",
	       heap, c, k, a, m, contiguous, cached, cpu_access, max_address);
}

static uint32_t pattern(uint32_t seed, uint64_t word)
{
	return seed + (uint32_t)word * DMAHEAP_IMPORTER_STEP;
}

/* First word of the mapping that differs from the pattern (or zero), or -1. */
static long long cpu_mismatch(const uint32_t *p, size_t len, bool zero, uint32_t seed)
{
	for (size_t w = 0; w < len / 4; w++)
		if (p[w] != (zero ? 0 : pattern(seed, w)))
			return (long long)w * 4;
	return -1;
}

static int sync_buf(int fd, uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &s) < 0 ? -errno : 0;
}

/*
 * Both directions between CPU and device on one buffer: the device writes,
 * the CPU reads through mmap; the CPU writes, another device reads.
 */
static void check_cpu_device(const char *heap, int buf, size_t len, const char *reader)
{
	struct dmaheap_importer_op op;
	uint32_t *p;
	int ret;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
	if (!tap_ok(p != MAP_FAILED, "%s: mmap (%s)", heap, p == MAP_FAILED ? strerror(errno) : "ok"))
		return;
	ret = import("any", buf, DMAHEAP_IMPORTER_WRITE, 0x1234, &op);
	sync_buf(buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	tap_ok(ret == 0 && cpu_mismatch(p, len, false, 0x1234) < 0,
	       "%s: what the device wrote through its DMA addresses, the CPU reads (%d)", heap, ret);
	sync_buf(buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);

	sync_buf(buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
	for (size_t w = 0; w < len / 4; w++)
		p[w] = pattern(0xabcd, w);
	sync_buf(buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
	ret = import(reader, buf, DMAHEAP_IMPORTER_VERIFY, 0xabcd, &op);
	tap_ok(ret == 0 && op.mismatch == UINT64_MAX,
	       "%s: what the CPU wrote, device %s reads (%d, first mismatch %#" PRIx64 ")", heap,
	       reader, ret, (uint64_t)op.mismatch);
	ret = import("any", buf, DMAHEAP_IMPORTER_VMAP, 0xabcd, &op);
	tap_ok(ret == 0 && op.mismatch == UINT64_MAX,
	       "%s: the kernel's mapping (vmap) sees it too (%d)", heap, ret);
	munmap(p, len);
}

static long long pool_attr(const char *heap, const char *name)
{
	char path[64], value[32];

	snprintf(path, sizeof(path), "pool/%s", name);
	return heap_attr(heap, path, value, sizeof(value)) ? atoll(value) : -1;
}

/* Wait (at most 60 s) until everything @heap's pool holds is zeroed. */
static bool wait_pool_clean(const char *heap)
{
	static const unsigned int orders[] = { 8, 4, 0 };

	for (int i = 0; i < 30000; i++) {
		long long clean = 0;
		char name[32];

		for (size_t o = 0; o < 3; o++) {
			snprintf(name, sizeof(name), "clean_order%u", orders[o]);
			clean += pool_attr(heap, name) * (4096LL << orders[o]);
		}
		if (pool_attr(heap, "bytes") == clean)
			return true;
		usleep(2000);
	}
	return false;
}

static void test_uncached(void)
{
	const char *heap = "system-uncached";
	struct dmaheap_importer_op op;
	long long hits0, hits1;
	char value[32];
	int buf, ret;

	if (!heap_exists(heap)) {
		tap_skip("no system-uncached heap (x86 only)", "system-uncached");
		return;
	}
	check_props(heap, "0", "0", "1", "0xffffffffffffffff");
	buf = heap_alloc(heap, 4 * MiB);
	if (!tap_ok(buf >= 0, "%s: 4 MiB allocated (%d)", heap, buf))
		return;
	ret = import("any", buf, DMAHEAP_IMPORTER_ZERO, 0, &op);
	tap_ok(ret == 0 && op.mismatch == UINT64_MAX, "%s: a new buffer is zero to a device", heap);
	tap_ok(sync_buf(buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW) == 0 &&
		       sync_buf(buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW) == 0,
	       "%s: DMA_BUF_IOCTL_SYNC works (no cache maintenance to do)", heap);
	check_cpu_device(heap, buf, 4 * MiB, "seg64k");
	close(buf);

	/*
	 * Converted chunks stay in the pool: once its worker has zeroed them
	 * (pool bytes all on the clean lists), the next buffer takes them back.
	 */
	if (!wait_pool_clean(heap))
		tap_diag("%s: the pool's worker did not zero the freed chunks within 60 s", heap);
	hits0 = heap_attr(heap, "pool/hits", value, sizeof(value)) ? atoll(value) : -1;
	buf = heap_alloc(heap, 4 * MiB);
	hits1 = heap_attr(heap, "pool/hits", value, sizeof(value)) ? atoll(value) : -1;
	tap_ok(buf >= 0 && hits0 >= 0 && hits1 > hits0,
	       "%s: a freed buffer's write-combined chunks are reused from the pool (hits %lld -> %lld)",
	       heap, hits0, hits1);
	ret = import("any", buf, DMAHEAP_IMPORTER_ZERO, 0, &op);
	tap_ok(ret == 0 && op.mismatch == UINT64_MAX,
	       "%s: a buffer from pooled chunks is zero too (%d)", heap, ret);
	close(buf);
}

/* The name dmaheap_system gave its pooled system heap ("system", or
 * "system-pooled" beside a kernel's own), into buf; returns buf. */
static const char *system_heap_name(char *buf, size_t len)
{
	FILE *f = fopen("/sys/module/dmaheap_system/parameters/name", "r");

	snprintf(buf, len, "system");
	if (f) {
		if (fgets(buf, (int)len, f))
			buf[strcspn(buf, "\n")] = 0;
		fclose(f);
	}
	return buf;
}

static void test_dma32(void)
{
	const char *heap = "system-dma32", *sys;
	struct dmaheap_importer_op op;
	int bufs[32], n = 0, ret, high = -1;
	uint64_t highest = 0;
	bool all_ok = true;
	char sysname[32];

	if (!heap_exists(heap)) {
		tap_skip("no system-dma32 heap (no ZONE_DMA32)", "system-dma32");
		return;
	}
	check_props(heap, "0", "1", "1", "0xffffffff");
	for (n = 0; n < 8; n++) {
		bufs[n] = heap_alloc(heap, 16 * MiB);
		if (bufs[n] < 0)
			break;
		ret = import("any", bufs[n], DMAHEAP_IMPORTER_CHECK, 0, &op);
		if (ret || op.highest >= FOUR_GIB)
			all_ok = false;
		if (op.highest > highest)
			highest = op.highest;
		ret = import("dma32", bufs[n], DMAHEAP_IMPORTER_WRITE, (uint32_t)n, &op);
		if (ret || op.bounced)
			all_ok = false;
	}
	tap_ok(n == 8 && all_ok,
	       "%s: every page of %d 16 MiB buffers is below 4 GiB (highest DMA address %#" PRIx64
	       ") and the 32-bit device takes each without bouncing",
	       heap, n, highest);
	for (int i = 0; i < n; i++) {
		ret = import("any", bufs[i], DMAHEAP_IMPORTER_VERIFY, (uint32_t)i, &op);
		if (ret || op.mismatch != UINT64_MAX)
			all_ok = false;
		close(bufs[i]);
	}
	tap_ok(all_ok, "%s: what the 32-bit device wrote is in the buffers", heap);

	/*
	 * The system heap's buffers may have pages above 4 GiB: refused. The
	 * pool may hold low pages from earlier tests, so take up to 512 MiB
	 * before concluding that none lies above 4 GiB.
	 */
	sys = system_heap_name(sysname, sizeof(sysname));
	for (n = 0; n < 32 && high < 0; n++) {
		bufs[n] = heap_alloc(sys, 16 * MiB);
		if (bufs[n] < 0)
			break;
		if (import("any", bufs[n], DMAHEAP_IMPORTER_CHECK, 0, &op) == 0 &&
		    op.highest >= FOUR_GIB)
			high = bufs[n];
	}
	if (high < 0) {
		tap_skip("no system-heap buffer got pages above 4 GiB (the guest needs more than 4 GiB)",
			 "%s: the 32-bit device refuses a buffer with pages above 4 GiB", sys);
	} else {
		/*
		 * The DMA API bounces the high pages through swiotlb (dma32's
		 * 256 KiB segments fit its slots): the device would not be
		 * sharing the buffer, so it refuses.
		 */
		ret = import("dma32", high, DMAHEAP_IMPORTER_CHECK, 0, &op);
		tap_ok(ret == -ERANGE && op.bounced,
		       "%s: the 32-bit device refuses a buffer with pages above 4 GiB (%s, %s)", sys,
		       strerror(-ret), op.bounced ? "bounced by the DMA API" : "not bounced");
	}
	for (int i = 0; i < n; i++)
		close(bufs[i]);
}

/* Fill @heap with 1 MiB blocks; free every other; then the rest. */
static void check_coalescing(const char *heap, uint64_t size)
{
	int nblocks = (int)(size / MiB), got = 0, ret;
	int *bufs = calloc((size_t)nblocks + 1, sizeof(int));
	bool whole;

	if (!bufs)
		return;
	while (got <= nblocks && (bufs[got] = heap_alloc(heap, MiB)) >= 0)
		got++;
	ret = got <= nblocks ? bufs[got] : 0;
	tap_ok(got == nblocks && ret == -ENOMEM,
	       "%s: %d blocks of 1 MiB fill %" PRIu64 " MiB, the next one fails with ENOMEM (%s)",
	       heap, got, size / MiB, strerror(-ret));
	for (int i = 0; i < got; i += 2)
		close(bufs[i]);
	ret = heap_alloc(heap, 2 * MiB);
	tap_ok(ret == -ENOMEM, "%s: half free in 1 MiB holes: 2 MiB fails (%s)", heap,
	       ret < 0 ? strerror(-ret) : "allocated");
	if (ret >= 0)
		close(ret);
	for (int i = 1; i < got; i += 2)
		close(bufs[i]);
	ret = heap_alloc(heap, size);
	whole = ret >= 0;
	tap_ok(whole, "%s: all blocks back: they coalesced, one %" PRIu64 " MiB buffer fits (%s)",
	       heap, size / MiB, whole ? "ok" : strerror(-ret));
	if (whole)
		close(ret);
	free(bufs);
}

static void test_carveout(const char *heap, uint64_t size, const char *max)
{
	struct dmaheap_importer_op op;
	int buf, again, ret;

	if (!heap_exists(heap)) {
		tap_skip("no carveout heap (45-heaps.t loads one where memmap= reserved a range)",
			 "carveout %s", heap);
		return;
	}
	check_props(heap, "1", "1", "1", max);
	ret = heap_alloc(heap, size + 4096);
	tap_ok(ret == -ENOMEM, "%s: more than the carveout fails at once with ENOMEM (%s)", heap,
	       ret < 0 ? strerror(-ret) : "allocated");
	buf = heap_alloc(heap, 4 * MiB);
	if (!tap_ok(buf >= 0, "%s: 4 MiB allocated (%d)", heap, buf))
		return;
	ret = import("contig", buf, DMAHEAP_IMPORTER_ZERO, 0, &op);
	tap_ok(ret == 0 && op.ranges == 1 && op.mismatch == UINT64_MAX,
	       "%s: the contiguous-only device takes it (%u range) and finds it zero (%d)", heap,
	       op.ranges, ret);
	ret = import("seg64k", buf, DMAHEAP_IMPORTER_CHECK, 0, &op);
	tap_ok(ret == 0 && op.largest <= 65536 && op.ranges == 1,
	       "%s: a device with 64 KiB segments gets %u segments of at most %" PRIu64
	       " bytes, still one range (%d)",
	       heap, op.segments, (uint64_t)op.largest, ret);
	check_cpu_device(heap, buf, 4 * MiB, "contig");
	close(buf);
	/* Best fit gives the same block back: it must not show the old data. */
	again = heap_alloc(heap, 4 * MiB);
	ret = import("any", again, DMAHEAP_IMPORTER_ZERO, 0, &op);
	tap_ok(again >= 0 && ret == 0 && op.mismatch == UINT64_MAX,
	       "%s: a block handed out again is zero (%d)", heap, ret);
	close(again);
	check_coalescing(heap, size);
	tap_ok(heap_stat(heap, "buffers") == 0, "%s: no buffer left in the statistics (%lld)", heap,
	       heap_stat(heap, "buffers"));
}

static void test_unmapped(const char *heap, uint64_t size, const char *max)
{
	struct dmaheap_importer_op op;
	int buf, again, ret, refused = 0;
	void *p;

	if (!heap_exists(heap)) {
		tap_skip("no unmapped heap (45-heaps.t loads one where memmap= reserved a range)",
			 "unmapped %s", heap);
		return;
	}
	check_props(heap, "1", "0", "0", max);
	buf = heap_alloc(heap, 2 * MiB);
	if (!tap_ok(buf >= 0, "%s: 2 MiB allocated (%d)", heap, buf))
		return;
	ret = import("any", buf, DMAHEAP_IMPORTER_ZERO, 0, &op);
	tap_ok(ret == 0 && op.mismatch == UINT64_MAX, "%s: a new buffer is zero to a device (%d)",
	       heap, ret);
	ret = import("any", buf, DMAHEAP_IMPORTER_WRITE, 0x5a5a, &op);
	tap_ok(ret == 0, "%s: device any writes a pattern (%d)", heap, ret);
	ret = import("contig", buf, DMAHEAP_IMPORTER_VERIFY, 0x5a5a, &op);
	tap_ok(ret == 0 && op.mismatch == UINT64_MAX,
	       "%s: device contig reads it back through its own mapping (%d)", heap, ret);

	/* Every CPU path, many times: refused, never an oops or a leak. */
	for (int i = 0; i < 100; i++) {
		int prot = i % 2 ? PROT_READ : PROT_READ | PROT_WRITE;
		int flags = i % 3 ? MAP_SHARED : MAP_PRIVATE;

		p = mmap(NULL, 2 * MiB >> (i % 4), prot, flags, buf, (off_t)(i % 4) * 4096);
		if (p != MAP_FAILED) {
			munmap(p, 2 * MiB >> (i % 4));
			continue;
		}
		if (errno == EPERM || (flags == MAP_PRIVATE && errno == EINVAL))
			refused++;
	}
	tap_ok(refused == 100, "%s: mmap refused 100 of 100 times (EPERM)", heap);
	ret = sync_buf(buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	tap_ok(ret == -EPERM, "%s: DMA_BUF_IOCTL_SYNC refused (%s)", heap, strerror(-ret));
	/* No vmap at all: the dma-buf core warns when an exporter's vmap fails. */
	ret = import("any", buf, DMAHEAP_IMPORTER_VMAP, 0x5a5a, &op);
	tap_ok(ret == -EINVAL, "%s: the kernel's vmap refused (%s: the heap has none)", heap,
	       strerror(-ret));
	close(buf);

	again = heap_alloc(heap, 2 * MiB);
	ret = import("any", again, DMAHEAP_IMPORTER_ZERO, 0, &op);
	tap_ok(again >= 0 && ret == 0 && op.mismatch == UINT64_MAX,
	       "%s: the block handed out again was zeroed (%d)", heap, ret);
	close(again);
	check_coalescing(heap, size);
	tap_ok(heap_stat(heap, "buffers") == 0, "%s: no buffer left in the statistics (%lld)", heap,
	       heap_stat(heap, "buffers"));
}

/* The importer itself: its constraints hold on the system heap's buffers. */
static void test_importer(void)
{
	struct dmaheap_importer_op op;
	char sysname[32];
	int refused = 0, scattered = 0, wrong = 0;

	system_heap_name(sysname, sizeof(sysname));
	for (int i = 0; i < 8; i++) {
		int buf = heap_alloc(sysname, MiB + 68 * 1024), ret;

		if (buf < 0)
			continue;
		ret = import("contig", buf, DMAHEAP_IMPORTER_CHECK, 0, &op);
		if (op.ranges > 1) {
			scattered++;
			refused += ret == -EINVAL;
		} else if (ret) {
			wrong++;
		}
		ret = import("seg64k", buf, DMAHEAP_IMPORTER_CHECK, 0, &op);
		if (ret || op.largest > 65536)
			wrong++;
		close(buf);
	}
	tap_ok(scattered > 0 && refused == scattered && !wrong,
	       "importer: the contiguous-only device refused %d of %d scattered %s buffers, "
	       "the 64 KiB-segment device got no longer segment (%d wrong)",
	       refused, scattered, sysname, wrong);
}

int main(int argc, char **argv)
{
	/* 45-heaps.t passes: CARVEOUT SIZE MAX UNMAPPED SIZE MAX (or nothing) */
	const char *cname = argc > 3 ? argv[1] : "carveout";
	uint64_t csize = argc > 3 ? strtoull(argv[2], NULL, 0) : 0;
	const char *cmax = argc > 3 ? argv[3] : "";
	const char *uname = argc > 6 ? argv[4] : "unmapped";
	uint64_t usize = argc > 6 ? strtoull(argv[5], NULL, 0) : 0;
	const char *umax = argc > 6 ? argv[6] : "";
	int fd = importer_fd("any");

	if (fd < 0) {
		tap_skip("no /dev/dmaheap-importer/any: the test importer is not loaded",
			 "every heap test");
		return tap_done();
	}
	close(fd);
	test_importer();
	test_uncached();
	test_dma32();
	test_carveout(cname, csize, cmax);
	test_unmapped(uname, usize, umax);
	return tap_done();
}
