/* SPDX-License-Identifier: MIT */
/*
 * The dma-heap kernel modules through their UAPI, on every heap in
 * /dev/dma_heap: what the kernel's own selftest leaves out. Raw ioctls on
 * purpose: this checks the kernel, not libdmaheap. TAP output.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>
#include <xf86drmMode.h>
#include <drm_fourcc.h>

#include "../tap.h"
#include "v4l2-import.h"
#include "../../kernel/tests/importer.h"

#define PAGE 4096UL
#define MiB (1024UL * 1024UL)

static int heap_alloc_raw(int heap_fd, unsigned long req, void *arg)
{
	return ioctl(heap_fd, req, arg) < 0 ? -errno : 0;
}

/* Allocate @len bytes; returns the dma-buf fd or -errno. */
static int heap_alloc(int heap_fd, uint64_t len, uint32_t fd_flags)
{
	struct dma_heap_allocation_data data = {
		.len = len,
		.fd_flags = fd_flags,
	};
	int ret = heap_alloc_raw(heap_fd, DMA_HEAP_IOCTL_ALLOC, &data);

	return ret < 0 ? ret : (int)data.fd;
}

static long long read_stat(const char *heap, const char *name)
{
	char path[256], buf[64];
	long long v = -1;
	FILE *f;

	/* dmaheap's statistics: class dma_heap, or dmaheap beside a kernel's core */
	snprintf(path, sizeof(path), "/sys/class/dma_heap/%s/stats/%s", heap,
		 name);
	f = fopen(path, "r");
	if (!f) {
		snprintf(path, sizeof(path), "/sys/class/dmaheap/%s/stats/%s",
			 heap, name);
		f = fopen(path, "r");
	}
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		v = strtoll(buf, NULL, 10);
	fclose(f);
	return v;
}

static bool fdinfo_has(int fd, const char *key, const char *value)
{
	char path[64], line[320], want[320];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	snprintf(want, sizeof(want), "%s:\t%s\n", key, value);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strcmp(line, want))
			found = true;
	fclose(f);
	return found;
}

/*
 * Whether dmaheap serves the node itself: its own core (class dma_heap with
 * statistics) or its registrar's node (class dmaheap with a dev number);
 * not where the kernel's dma_heap_add() made the node.
 */
static bool dmaheap_node(const char *heap)
{
	char path[320];

	snprintf(path, sizeof(path), "/sys/class/dmaheap/%s/dev", heap);
	if (access(path, F_OK) == 0)
		return true;
	snprintf(path, sizeof(path), "/sys/class/dma_heap/%s/stats", heap);
	return access(path, F_OK) == 0;
}

/* Open file descriptors of this process. */
static int count_fds(void)
{
	struct dirent *e;
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n - 1; /* the directory's own fd */
}

/*
 * dmaheap's nodes make no buffer whose fd the caller cannot learn: an ALLOC
 * without the output direction, with an argument too short for the fd, of
 * another ioctl type, or whose copy back fails. (Mainline's core makes one
 * in each case: where its nodes serve dmaheap's heaps, this is skipped.)
 */
static void test_no_hidden_buffer(const char *heap, int hfd)
{
	struct dma_heap_allocation_data data;
	long long buffers0 = read_stat(heap, "buffers");
	static const struct {
		unsigned long req;
		int err;
		const char *what;
	} cases[] = {
		{ _IOW(DMA_HEAP_IOC_MAGIC, 0x0, struct dma_heap_allocation_data), EINVAL,
		  "a write-only ALLOC (_IOW)" },
		{ _IOWR(DMA_HEAP_IOC_MAGIC, 0x0, uint64_t), EINVAL, "an 8-byte ALLOC argument" },
		{ _IOWR('X', 0x0, struct dma_heap_allocation_data), ENOTTY,
		  "ALLOC's number with another ioctl type" },
	};
	void *ro;
	int fds0, ret;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&data, 0, sizeof(data));
		data.len = PAGE;
		data.fd_flags = O_RDWR | O_CLOEXEC;
		fds0 = count_fds();
		ret = heap_alloc_raw(hfd, cases[i].req, &data);
		tap_ok(ret == -cases[i].err && count_fds() == fds0,
		       "%s: %s fails with %s and adds no fd (%s, %d -> %d fds)", heap, cases[i].what,
		       strerror(cases[i].err), strerror(-ret), fds0, count_fds());
	}

	/* The argument is readable but not writable: the fd cannot go back. */
	ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro == MAP_FAILED) {
		tap_skip("mmap failed", "%s: an ALLOC whose copy back fails", heap);
		return;
	}
	memset(&data, 0, sizeof(data));
	data.len = PAGE;
	data.fd_flags = O_RDWR | O_CLOEXEC;
	memcpy(ro, &data, sizeof(data));
	mprotect(ro, PAGE, PROT_READ);
	fds0 = count_fds();
	ret = heap_alloc_raw(hfd, DMA_HEAP_IOCTL_ALLOC, ro);
	tap_ok(ret == -EFAULT && count_fds() == fds0 && read_stat(heap, "buffers") == buffers0,
	       "%s: an ALLOC whose copy back fails gives EFAULT, no fd, no live buffer (%s, fds %d -> %d, buffers %lld -> %lld)",
	       heap, strerror(-ret), fds0, count_fds(), buffers0, read_stat(heap, "buffers"));
	munmap(ro, PAGE);
}

static void test_bad_input(const char *heap, int hfd)
{
	struct dma_heap_allocation_data data = { .len = PAGE };
	struct { uint64_t len; uint32_t fd, fd_flags; } older = {
		.len = PAGE, .fd_flags = O_RDWR | O_CLOEXEC };
	struct { struct dma_heap_allocation_data d; uint64_t extra[3]; } newer = {
		.d = { .len = PAGE, .fd_flags = O_RDWR | O_CLOEXEC },
		.extra = { ~0ULL, ~0ULL, ~0ULL } };
	int devnull, ret, fd;

	ret = heap_alloc_raw(hfd, _IOWR('H', 1, struct dma_heap_allocation_data), &data);
	tap_ok(ret == -EINVAL, "%s: unknown ioctl number -> EINVAL (%d)", heap, ret);

	data = (struct dma_heap_allocation_data){ .len = PAGE, .fd = 3 };
	ret = heap_alloc_raw(hfd, DMA_HEAP_IOCTL_ALLOC, &data);
	tap_ok(ret == -EINVAL, "%s: nonzero input fd -> EINVAL (%d)", heap, ret);

	data = (struct dma_heap_allocation_data){ .len = PAGE, .fd_flags = O_NONBLOCK };
	ret = heap_alloc_raw(hfd, DMA_HEAP_IOCTL_ALLOC, &data);
	tap_ok(ret == -EINVAL, "%s: fd_flags O_NONBLOCK -> EINVAL (%d)", heap, ret);

	data = (struct dma_heap_allocation_data){ .len = PAGE, .heap_flags = 1 };
	ret = heap_alloc_raw(hfd, DMA_HEAP_IOCTL_ALLOC, &data);
	tap_ok(ret == -EINVAL, "%s: nonzero heap_flags -> EINVAL (%d)", heap, ret);

	ret = heap_alloc(hfd, 0, O_RDWR);
	tap_ok(ret == -EINVAL, "%s: len 0 -> EINVAL (%d)", heap, ret);

	ret = heap_alloc(hfd, UINT64_MAX, O_RDWR);
	tap_ok(ret == -EINVAL, "%s: len that page-aligns to 0 -> EINVAL (%d)", heap, ret);

	ret = heap_alloc_raw(hfd, DMA_HEAP_IOCTL_ALLOC, NULL);
	tap_ok(ret == -EFAULT, "%s: NULL argument -> EFAULT (%d)", heap, ret);

	ret = heap_alloc_raw(hfd, _IO('H', 0), NULL);
	tap_ok(ret == -EINVAL, "%s: argument-less command 0 -> EINVAL, len 0 (%d)", heap, ret);

	ret = heap_alloc_raw(hfd, _IOWR('H', 0, older), &older);
	tap_ok(ret == 0 && older.fd > 0, "%s: older 16-byte struct allocates (%d)", heap, ret);
	if (!ret)
		close(older.fd);

	ret = heap_alloc_raw(hfd, _IOWR('H', 0, newer), &newer);
	tap_ok(ret == 0 && newer.d.fd > 0, "%s: newer 48-byte struct allocates (%d)", heap, ret);
	if (!ret)
		close(newer.d.fd);

	devnull = open("/dev/null", O_RDWR);
	data = (struct dma_heap_allocation_data){ .len = PAGE };
	ret = heap_alloc_raw(devnull, DMA_HEAP_IOCTL_ALLOC, &data);
	tap_ok(ret == -ENOTTY, "%s: DMA_HEAP_IOCTL_ALLOC on a non-heap fd -> ENOTTY (%d)", heap, ret);
	close(devnull);

	fd = heap_alloc(hfd, PAGE, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

		tap_ok(p == MAP_FAILED && errno == EACCES,
		       "%s: writable mmap of an O_RDONLY buffer -> EACCES", heap);
		if (p != MAP_FAILED)
			munmap(p, PAGE);
		close(fd);
	} else {
		tap_ok(false, "%s: O_RDONLY allocation failed (%d)", heap, fd);
	}
}

static void test_sizes_and_mmap(const char *heap, int hfd)
{
	static const struct { uint64_t len, size; } sizes[] = {
		{ 1, PAGE }, { PAGE - 1, PAGE }, { PAGE + 1, 2 * PAGE },
	};
	struct dma_buf_sync sync;
	unsigned char *p, *q;
	int fd, ret;
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		fd = heap_alloc(hfd, sizes[i].len, O_RDWR | O_CLOEXEC);
		off_t size = fd >= 0 ? lseek(fd, 0, SEEK_END) : -1;

		tap_ok(fd >= 0 && size == (off_t)sizes[i].size,
		       "%s: len %" PRIu64 " gives a %" PRIu64 "-byte buffer (got %lld)",
		       heap, sizes[i].len, sizes[i].size, (long long)size);
		if (fd >= 0)
			close(fd);
	}

	fd = heap_alloc(hfd, 4 * PAGE, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		tap_ok(false, "%s: 16 KiB allocation (%d)", heap, fd);
		return;
	}
	tap_ok(fdinfo_has(fd, "exp_name", heap), "%s: fdinfo names the heap as exporter", heap);

	p = mmap(NULL, 5 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	tap_ok(p == MAP_FAILED && errno == EINVAL, "%s: mmap past the end -> EINVAL", heap);
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 4 * PAGE);
	tap_ok(p == MAP_FAILED && errno == EINVAL, "%s: mmap at an offset past the end -> EINVAL", heap);
	p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	tap_ok(p == MAP_FAILED && errno == EINVAL, "%s: private mmap -> EINVAL", heap);

	p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	q = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 2 * PAGE);
	if (p != MAP_FAILED && q != MAP_FAILED) {
		sync.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE;
		ret = ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
		for (i = 0; i < 4; i++)
			memset(p + i * PAGE, 0x10 + (int)i, PAGE);
		sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE;
		ret |= ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
		tap_ok(ret == 0, "%s: CPU write access sync", heap);
		tap_ok(q[0] == 0x12 && q[PAGE - 1] == 0x12,
		       "%s: a mapping at page offset 2 sees page 2 (0x%02x)", heap, q[0]);
	} else {
		tap_ok(false, "%s: shared mmap failed: %s", heap, strerror(errno));
		tap_ok(false, "%s: mmap at an offset", heap);
	}
	if (p != MAP_FAILED)
		munmap(p, 4 * PAGE);
	if (q != MAP_FAILED)
		munmap(q, PAGE);
	sync.flags = DMA_BUF_SYNC_START | 0x40;
	ret = ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
	tap_ok(ret < 0 && errno == EINVAL, "%s: sync with bad flags -> EINVAL", heap);
	close(fd);
}

static void test_too_big(const char *heap, int hfd)
{
	struct sysinfo si;
	long long failures = read_stat(heap, "failures");
	uint64_t len;
	int fd;

	sysinfo(&si);
	len = (uint64_t)si.totalram * si.mem_unit * 2;
	fd = heap_alloc(hfd, len, O_RDWR | O_CLOEXEC);
	tap_ok(fd == -ENOMEM, "%s: twice the RAM (%" PRIu64 " MiB) -> ENOMEM (%d)", heap,
	       len / MiB, fd);
	if (fd >= 0)
		close(fd);
	tap_ok(read_stat(heap, "failures") == failures + 1,
	       "%s: the failure is counted in stats/failures", heap);
}

static void test_stats(const char *heap, int hfd)
{
	long long bytes = read_stat(heap, "bytes");
	long long buffers = read_stat(heap, "buffers");
	long long allocs = read_stat(heap, "allocations");
	int fds[3], i, ok = 1;

	for (i = 0; i < 3; i++)
		ok &= (fds[i] = heap_alloc(hfd, MiB, O_RDWR | O_CLOEXEC)) >= 0;
	tap_ok(ok && read_stat(heap, "bytes") == bytes + 3 * (long long)MiB &&
	       read_stat(heap, "buffers") == buffers + 3 &&
	       read_stat(heap, "allocations") == allocs + 3 &&
	       read_stat(heap, "peak_bytes") >= bytes + 3 * (long long)MiB,
	       "%s: stats count 3 live 1 MiB buffers", heap);
	for (i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	tap_ok(read_stat(heap, "bytes") == bytes && read_stat(heap, "buffers") == buffers,
	       "%s: stats drop back when they are freed", heap);
}

/* Dirty buffers, free them, allocate again: every byte must be zero. */
static void test_zeroed_after_reuse(const char *heap, int hfd, size_t size, int count)
{
	int fds[16], i, bad = -1;
	size_t j;

	for (int round = 0; round < 2; round++) {
		for (i = 0; i < count; i++) {
			unsigned char *p;

			fds[i] = heap_alloc(hfd, size, O_RDWR | O_CLOEXEC);
			if (fds[i] < 0) {
				tap_ok(false, "%s: %zu KiB x %d allocation (%d)", heap,
				       size / 1024, count, fds[i]);
				while (--i >= 0)
					close(fds[i]);
				return;
			}
			p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fds[i], 0);
			if (p == MAP_FAILED)
				continue;
			if (round == 1)
				for (j = 0; j < size && bad < 0; j++)
					if (p[j])
						bad = (int)j;
			memset(p, 0xa5, size);
			munmap(p, size);
		}
		for (i = 0; i < count; i++)
			close(fds[i]);
	}
	tap_ok(bad < 0, "%s: %d re-allocated %zu KiB buffers are all zero (first bad byte %d)",
	       heap, count, size / 1024, bad);
}

struct thread_arg {
	int hfd;
	int id;
	int errors;
};

static void *alloc_thread(void *p)
{
	static const size_t sizes[] = { PAGE, 17 * PAGE, MiB, 3 * MiB };
	struct thread_arg *arg = p;

	for (int i = 0; i < 24; i++) {
		size_t size = sizes[(i + arg->id) % 4];
		int fd = heap_alloc(arg->hfd, size, O_RDWR | O_CLOEXEC);
		unsigned char *m;

		if (fd < 0) {
			arg->errors++;
			continue;
		}
		m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED) {
			arg->errors++;
		} else {
			if (m[0] || m[size - 1])
				arg->errors++;
			memset(m, arg->id, size);
			if (m[size / 2] != arg->id)
				arg->errors++;
			munmap(m, size);
		}
		close(fd);
	}
	return NULL;
}

static void test_threads(const char *heap, int hfd)
{
	struct thread_arg args[8];
	pthread_t threads[8];
	int errors = 0, i;

	for (i = 0; i < 8; i++) {
		args[i] = (struct thread_arg){ .hfd = hfd, .id = i + 1 };
		pthread_create(&threads[i], NULL, alloc_thread, &args[i]);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(threads[i], NULL);
		errors += args[i].errors;
	}
	tap_ok(errors == 0, "%s: 8 threads x 24 allocations of 4 KiB..3 MiB, zeroed and private (%d errors)",
	       heap, errors);
}

/* A field of /proc/meminfo in KiB ("MemFree"), 0 when absent, -1 on error. */
static long long meminfo_kib(const char *field)
{
	char line[128], name[64];
	long long kib, found = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63[^:]: %lld kB", name, &kib) == 2 && !strcmp(name, field)) {
			found = kib;
			break;
		}
	fclose(f);
	return found;
}

static long long mem_free_kib(void)
{
	return meminfo_kib("MemFree");
}

/*
 * A big allocation in progress dies promptly with its process: 1 GiB, or
 * half of what the heap may take if that is less (available memory beside
 * free CMA pages, which a system heap cannot use).
 */
static void test_fatal_signal(const char *heap, const char *path)
{
	long long failures = read_stat(heap, "failures");
	long long bytes = read_stat(heap, "bytes");
	long long free0 = mem_free_kib();
	long long usable = meminfo_kib("MemAvailable") - meminfo_kib("CmaFree");
	long long mib = usable / 2 / 1024 < 1024 ? usable / 2 / 1024 : 1024;
	struct timespec t0, t1;
	int status = 0, in_alloc = 0;
	pid_t pid;

	if (mib < 256) {
		tap_skip("too little memory", "%s: SIGKILL inside a big allocation (%lld MiB usable)",
			 heap, usable / 1024);
		tap_skip("too little memory", "%s: the interrupted allocation counted", heap);
		tap_skip("too little memory", "%s: the interrupted allocation's pages are back", heap);
		return;
	}
	pid = fork();
	if (pid == 0) {
		int hfd = open(path, O_RDWR);
		int fd = heap_alloc(hfd, mib * MiB, O_RDWR);

		_exit(fd >= 0 ? 0 : 1);
	}
	/* The allocation is under way once 64 MiB of free memory are gone. */
	while (!in_alloc) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			pid = -1;
			break;
		}
		in_alloc = mem_free_kib() < free0 - 64 * 1024;
		sched_yield();
	}
	if (pid < 0) {
		tap_ok(false, "%s: the %lld MiB allocation ended (status 0x%x) before it could be killed",
		       heap, mib, status);
		tap_skip("no allocation to interrupt", "%s: the interrupted allocation counted", heap);
		tap_skip("no allocation to interrupt", "%s: the interrupted allocation's pages are back", heap);
		return;
	}
	{
		char sp[64], sc[128] = "";
		FILE *f;

		snprintf(sp, sizeof(sp), "/proc/%d/syscall", pid);
		f = fopen(sp, "r");
		if (f) {
			if (!fgets(sc, sizeof(sc), f))
				sc[0] = 0;
			sc[strcspn(sc, "\n")] = 0;
			fclose(f);
		}
		tap_diag("%s: killing the child: MemFree %lld -> %lld MiB, allocations %lld, syscall %s",
			 heap, free0 / 1024, mem_free_kib() / 1024, read_stat(heap, "allocations"), sc);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	tap_diag("%s: SIGKILL to reaped in %.3f s", heap,
		 (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	tap_ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	       "%s: SIGKILL ends a process inside a %lld MiB allocation", heap, mib);
	tap_ok(read_stat(heap, "failures") == failures + 1 && read_stat(heap, "bytes") == bytes,
	       "%s: the allocation was interrupted (failures %lld -> %lld) and nothing stays allocated (bytes %lld -> %lld)",
	       heap, failures, read_stat(heap, "failures"), bytes, read_stat(heap, "bytes"));
	tap_ok(mem_free_kib() > free0 - 64 * 1024,
	       "%s: the interrupted allocation's pages are back (MemFree %lld -> %lld MiB)",
	       heap, free0 / 1024, mem_free_kib() / 1024);
}

static int open_drm_by_name(const char *want)
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
		if (v && !strcmp(v->name, want)) {
			drmFreeVersion(v);
			return fd;
		}
		drmFreeVersion(v);
		close(fd);
	}
	return -1;
}

static void test_drm_import(const char *heap, int hfd, const char *driver)
{
	int dev = open_drm_by_name(driver);
	uint32_t handle = 0, fb = 0;
	int fd, ret;

	if (dev < 0) {
		tap_skip("no such DRM device in this kernel", "%s: PRIME import into %s", heap, driver);
		return;
	}
	fd = heap_alloc(hfd, 256 * 256 * 4, O_RDWR | O_CLOEXEC);
	ret = fd >= 0 ? drmPrimeFDToHandle(dev, fd, &handle) : fd;
	tap_ok(ret == 0 && handle, "%s: buffer imported into %s by PRIME (%d)", heap, driver, ret);
	if (!strcmp(driver, "vkms") && !ret) {
		uint32_t handles[4] = { handle }, pitches[4] = { 256 * 4 }, offsets[4] = { 0 };

		ret = drmModeAddFB2(dev, 256, 256, DRM_FORMAT_XRGB8888, handles, pitches,
				    offsets, &fb, 0);
		tap_ok(ret == 0, "%s: vkms makes a framebuffer of it (%d)", heap, ret);
		if (!ret)
			drmModeRmFB(dev, fb);
	}
	if (handle)
		drmCloseBufferHandle(dev, handle);
	if (fd >= 0)
		close(fd);
	close(dev);
}

/*
 * The kernel's own heaps (7.3) map a buffer for vivid (64 KiB segments) in
 * segments of up to the whole buffer, which DMA-API debug reports ("mapping
 * sg segment longer than device claims to support"; testbed/vm/run leaves out
 * those from the kernel's heaps): dmaheap's helpers split each attachment's
 * table to the device's limit, so dmaheap's system heap is the one tested
 * where the kernel has its own.
 */
/*
 * A buffer that is really scattered, and below 4 GiB: on a machine with
 * much free memory the page allocator often hands out adjacent chunks (a
 * contiguous buffer after all), and pages above 4 GiB are bounced for a
 * 32-bit device such as vivid's dma-contig instance, through swiotlb slots
 * that are contiguous in turn. The test importer's 32-bit device says both:
 * no refusal (reachable, not bounced) and more than one DMA range. From
 * system-dma32 where it exists, else from @system_fd. -ENOENT without the
 * importer, -EAGAIN when eight tries found none.
 */
static int scattered_buffer(int system_fd, size_t size, const char **from)
{
	int imp = open("/dev/dmaheap-importer/dma32", O_RDWR | O_CLOEXEC);
	int heap = open("/dev/dma_heap/system-dma32", O_RDWR | O_CLOEXEC);
	int ret = -EAGAIN;

	*from = heap >= 0 ? "system-dma32" : "system";
	if (heap < 0 && system_fd >= 0)
		heap = dup(system_fd);
	if (imp < 0 || heap < 0) {
		ret = -ENOENT;
		goto out;
	}
	for (int i = 0; i < 8; i++) {
		struct dmaheap_importer_op op = { .op = DMAHEAP_IMPORTER_CHECK };
		int buf = heap_alloc(heap, size, O_RDWR | O_CLOEXEC);

		if (buf < 0)
			break;
		op.fd = buf;
		if (ioctl(imp, DMAHEAP_IMPORTER_IOC_OP, &op) == 0 && op.ranges > 1) {
			ret = buf;
			break;
		}
		close(buf);
	}
out:
	if (imp >= 0)
		close(imp);
	if (heap >= 0)
		close(heap);
	return ret;
}

static void test_v4l2_contiguity(int system_fd, int cma_fd)
{
	static const char *cams[] = { "vivid-000-vid-cap", "vivid-001-vid-cap" };
	/* 1280x720 XRGB is 3.5 MiB: more than one system-heap chunk. */
	size_t size = 1280 * 720 * 4;
	int sys_buf, cma_buf, ret;
	const char *from = "system";

	for (int c = 0; c < 2; c++) {
		int cam = v4l2_open_by_name(cams[c]);

		if (cam < 0) {
			tap_skip("no such V4L2 device", "DMABUF import into %s", cams[c]);
			continue;
		}
		sys_buf = c == 0 ? (system_fd >= 0 ? heap_alloc(system_fd, size, O_RDWR | O_CLOEXEC) : -1)
				 : scattered_buffer(system_fd, size, &from);
		cma_buf = cma_fd >= 0 ? heap_alloc(cma_fd, size, O_RDWR | O_CLOEXEC) : -1;
		if (cma_buf >= 0) {
			ret = v4l2_queue_dmabuf(cam, 1280, 720, cma_buf);
			tap_ok(ret == 0, "%s accepts a CMA-heap buffer by DMABUF import (%s)",
			       cams[c], strerror(-ret));
		} else {
			tap_skip("no CMA heap", "CMA buffer into %s", cams[c]);
		}
		if (c == 1 && sys_buf == -ENOENT)
			tap_skip("no test importer to tell a scattered buffer (/dev/dmaheap-importer/any)",
				 "%s (dma-contig) refuses a non-contiguous system-heap buffer", cams[c]);
		else if (c == 1 && sys_buf == -EAGAIN)
			tap_skip("8 buffers in a row were contiguous or above 4 GiB",
				 "%s (dma-contig) refuses a non-contiguous buffer", cams[c]);
		if (sys_buf >= 0) {
			ret = v4l2_queue_dmabuf(cam, 1280, 720, sys_buf);
			if (c == 0)
				tap_ok(ret == 0, "%s (vmalloc) accepts a system-heap buffer (%s)",
				       cams[c], strerror(-ret));
			else
				tap_ok(ret < 0, "%s (dma-contig) refuses a non-contiguous %s buffer below 4 GiB (%s)",
				       cams[c], from, strerror(-ret));
		}
		if (sys_buf >= 0)
			close(sys_buf);
		if (cma_buf >= 0)
			close(cma_buf);
		close(cam);
	}
}

int main(void)
{
	int system_fd = -1, pooled_fd = -1, cma_fd = -1;
	struct dirent *e;
	DIR *d;

	d = opendir("/dev/dma_heap");
	if (!tap_ok(d != NULL, "/dev/dma_heap exists (the modules are loaded)"))
		return tap_done();
	while ((e = readdir(d))) {
		char path[300];
		bool ours;
		int hfd;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/dev/dma_heap/%s", e->d_name);
		hfd = open(path, O_RDWR | O_CLOEXEC);
		if (!tap_ok(hfd >= 0, "open %s", path))
			continue;
		/*
		 * The kernel's own heaps (beside dmaheap's, on kernels with a
		 * core) share the UAPI checks; failing large requests at once
		 * and statistics are dmaheap's. Mainline's system heap meets a
		 * request for twice the RAM with the OOM killer.
		 */
		ours = read_stat(e->d_name, "buffers") >= 0;
		tap_diag("heap %s (%s)", e->d_name, ours ? "dmaheap's" : "the kernel's own");
		test_bad_input(e->d_name, hfd);
		test_sizes_and_mmap(e->d_name, hfd);
		if (ours && dmaheap_node(e->d_name)) {
			test_no_hidden_buffer(e->d_name, hfd);
		} else {
			tap_skip("the kernel's core serves this node: mainline's ALLOC makes a buffer also when its fd cannot be returned",
				 "%s: no hidden buffers", e->d_name);
		}
		if (ours) {
			test_too_big(e->d_name, hfd);
			test_stats(e->d_name, hfd);
		} else {
			tap_skip("the kernel's own heap: failing impossible sizes at once is dmaheap's (mainline's system heap calls the OOM killer)",
				 "%s: twice the RAM -> ENOMEM", e->d_name);
			tap_skip("the kernel's own heap publishes no statistics",
				 "%s: statistics", e->d_name);
		}
		test_zeroed_after_reuse(e->d_name, hfd, 64 * 1024, 16);
		test_zeroed_after_reuse(e->d_name, hfd, MiB, 8);
		test_zeroed_after_reuse(e->d_name, hfd, 8 * MiB, 4);
		test_threads(e->d_name, hfd);
		test_drm_import(e->d_name, hfd, "vgem");
		test_drm_import(e->d_name, hfd, "vkms");
		if (!strcmp(e->d_name, "system")) {
			if (ours)
				test_fatal_signal(e->d_name, path);
			else
				tap_skip("the kernel's own heap publishes no statistics",
					 "%s: a killed allocation leaves nothing behind", e->d_name);
			system_fd = hfd;
		} else if (!strcmp(e->d_name, "system-pooled")) {
			pooled_fd = hfd;
		} else if (!strcmp(e->d_name, "default_cma_region")) {
			cma_fd = hfd;
		} else {
			close(hfd);
		}
	}
	closedir(d);
	/* dmaheap's system heap where the kernel has its own (see above) */
	test_v4l2_contiguity(pooled_fd >= 0 ? pooled_fd : system_fd, cma_fd);
	if (system_fd >= 0)
		close(system_fd);
	if (pooled_fd >= 0)
		close(pooled_fd);
	if (cma_fd >= 0)
		close(cma_fd);
	return tap_done();
}
