/* SPDX-License-Identifier: MIT */
/*
 * The system heap's page pool, from userspace: the pieces of
 * tests/guest/40-page-pool.t that need raw ioctls, mmap and fork. Each
 * subcommand prints "ok - ..." or "not ok - ..." lines (the script numbers
 * them) and "# ..." diagnostics, and exits 1 when a check failed.
 *
 *   page-pool reuse SIZE COUNT ROUNDS now|idle
 *   page-pool shared-map SIZE
 *   page-pool fill MIB
 *   page-pool pressure
 *   page-pool wait-idle
 *
 * Pool counters are read from the pooled system heap's pool/ (system-heap.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/dma-heap.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "system-heap.h"

static struct system_heap_paths sys_heap;
#define HEAP_PATH (sys_heap.node)
#define POOL_DIR (sys_heap.pool)
#define STATS_DIR (sys_heap.stats)
#define PAGE 4096UL
#define MiB (1024UL * 1024UL)

static const unsigned int pool_orders[] = { 8, 4, 0 };
static int failures;

__attribute__((format(printf, 2, 3)))
static bool check(bool cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok - ", cond ? "" : "not ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		failures++;
	return cond;
}

__attribute__((format(printf, 1, 2)))
static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static long long read_ll(const char *dir, const char *name)
{
	char path[256], buf[64];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		v = strtoll(buf, NULL, 10);
	fclose(f);
	return v;
}

static long long pool_stat(const char *name)
{
	return read_ll(POOL_DIR, name);
}

/* Bytes in zeroed chunks, ready to be handed out. */
static long long pool_clean_bytes(void)
{
	long long total = 0;
	char name[32];

	for (size_t i = 0; i < sizeof(pool_orders) / sizeof(pool_orders[0]); i++) {
		snprintf(name, sizeof(name), "clean_order%u", pool_orders[i]);
		total += pool_stat(name) * (long long)(PAGE << pool_orders[i]);
	}
	return total;
}

static long long mem_kib(const char *key)
{
	size_t klen = strlen(key);
	long long kib = -1;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			kib = strtoll(line + klen + 1, NULL, 10);
			break;
		}
	}
	if (f)
		fclose(f);
	return kib;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The pool is idle once everything it holds is zeroed: bytes counts chunks
 * on the dirty lists and the one being zeroed, clean_order* only zeroed ones.
 */
static bool wait_pool_idle(double timeout_s)
{
	double end = now_s() + timeout_s;

	do {
		if (pool_stat("bytes") == pool_clean_bytes())
			return true;
		usleep(2000);
	} while (now_s() < end);
	return false;
}

static int heap_open(void)
{
	int fd = open(HEAP_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("Bail out! open %s: %s\n", HEAP_PATH, strerror(errno));
		exit(1);
	}
	return fd;
}

/* Returns the dma-buf fd or -errno. */
static int heap_alloc(int heap_fd, uint64_t len)
{
	struct dma_heap_allocation_data data = {
		.len = len,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};

	if (ioctl(heap_fd, DMA_HEAP_IOCTL_ALLOC, &data) < 0)
		return -errno;
	return (int)data.fd;
}

/* Offset of the first nonzero byte of @p, or -1. */
static long first_nonzero(const unsigned char *p, size_t len)
{
	const uint64_t *w = (const uint64_t *)p;

	for (size_t i = 0; i < len / 8; i++) {
		if (!w[i])
			continue;
		for (size_t j = i * 8; j < i * 8 + 8; j++)
			if (p[j])
				return (long)j;
	}
	return -1;
}

static long first_not(const unsigned char *p, size_t len, unsigned char v)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != v)
			return (long)i;
	return -1;
}

/*
 * Allocate @count buffers of @size, check every byte is zero, dirty them,
 * free them; @rounds times. "now" allocates again at once, while the worker
 * is still zeroing what was freed (a dirty chunk must never be handed out);
 * "idle" waits until the pool has zeroed everything, so allocations hit.
 */
static int cmd_reuse(size_t size, int count, int rounds, bool wait_idle)
{
	long long hits0 = pool_stat("hits"), misses0 = pool_stat("misses");
	int heap = heap_open(), *fds = calloc(count, sizeof(int));
	long bad = -1;
	int errors = 0;

	for (int r = 0; r < rounds && bad < 0 && !errors; r++) {
		for (int i = 0; i < count; i++) {
			unsigned char *p;

			fds[i] = heap_alloc(heap, size);
			if (fds[i] < 0) {
				diag("allocation of %zu bytes: %s", size, strerror(-fds[i]));
				errors++;
				continue;
			}
			p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fds[i], 0);
			if (p == MAP_FAILED) {
				diag("mmap: %s", strerror(errno));
				errors++;
				continue;
			}
			if (bad < 0) {
				bad = first_nonzero(p, size);
				if (bad >= 0)
					diag("round %d buffer %d: byte %ld is 0x%02x", r, i, bad,
					     p[bad]);
			}
			memset(p, 0xa5 ^ r ^ i, size);
			munmap(p, size);
		}
		for (int i = 0; i < count; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		if (wait_idle && !wait_pool_idle(60)) {
			diag("the pool did not finish zeroing within 60 s");
			errors++;
		}
	}
	diag("%zu bytes x %d x %d rounds: pool hits +%lld, misses +%lld, pool holds %lld KiB",
	     size, count, rounds, pool_stat("hits") - hits0, pool_stat("misses") - misses0,
	     pool_stat("bytes") / 1024);
	check(bad < 0 && !errors,
	      "%zu-byte buffers x %d, %d rounds, re-allocated %s: every byte zero",
	      size, count, rounds, wait_idle ? "once the pool is idle" : "at once");
	free(fds);
	close(heap);
	return failures ? 1 : 0;
}

/*
 * A buffer freed by its owner while another process still maps it: the
 * dma-buf lives on through the mapping, its pages must not enter the pool,
 * the mapping keeps its data, and new allocations are zero. Only when the
 * mapping goes do the pages reach the pool.
 */
static int cmd_shared_map(size_t size)
{
	int heap = heap_open(), to_child[2], from_child[2];
	long long buffers0, bytes0, bytes1, bytes2, buffers1;
	unsigned char *p, c;
	int fd, status;
	long bad = -1;
	pid_t pid;

	if (!wait_pool_idle(60))
		diag("the pool was still zeroing at the start");
	buffers0 = read_ll(STATS_DIR, "buffers");
	fd = heap_alloc(heap, size);
	if (!check(fd >= 0, "allocate a %zu-byte buffer", size))
		return 1;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!check(p != MAP_FAILED, "map it"))
		return 1;
	memset(p, 0x5a, size);
	munmap(p, size);

	if (pipe(to_child) || pipe(from_child))
		return 1;
	pid = fork();
	if (pid == 0) {
		unsigned char *q = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

		close(fd);	/* only the mapping is left */
		c = q != MAP_FAILED ? 'r' : 'e';
		if (write(from_child[1], &c, 1) != 1 || read(to_child[0], &c, 1) != 1)
			_exit(3);
		if (q == MAP_FAILED)
			_exit(2);
		/* The owner has freed and reallocated meanwhile: still ours? */
		bad = first_not(q, size, 0x5a);
		memset(q, 0x3c, size);
		bad = bad >= 0 ? bad : first_not(q, size, 0x3c);
		c = bad < 0 ? 'k' : 'b';
		if (write(from_child[1], &c, 1) != 1 || read(to_child[0], &c, 1) != 1)
			_exit(3);
		munmap(q, size);
		_exit(bad < 0 ? 0 : 1);
	}
	if (read(from_child[0], &c, 1) != 1 || c != 'r') {
		check(false, "the other process maps the buffer");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return 1;
	}
	/* The owner frees its buffer: only the other process's mapping is left. */
	close(fd);
	bytes0 = pool_stat("bytes");
	check(read_ll(STATS_DIR, "buffers") == buffers0 + 1,
	      "the buffer outlives its fd while another process maps it (live buffers %lld)",
	      read_ll(STATS_DIR, "buffers") - buffers0);

	/* Allocate and free the same size a few times: all zero, none ours. */
	for (int i = 0; i < 6 && bad < 0; i++) {
		int nfd = heap_alloc(heap, size);
		unsigned char *n;

		if (nfd < 0) {
			bad = 0;
			break;
		}
		n = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, nfd, 0);
		if (n != MAP_FAILED) {
			bad = first_nonzero(n, size);
			memset(n, 0xee, size);
			munmap(n, size);
		}
		close(nfd);
		if (i % 2)
			wait_pool_idle(60);
	}
	check(bad < 0, "6 new buffers of the same size while it is mapped: all zero");
	wait_pool_idle(60);
	bytes1 = pool_stat("bytes");

	c = 'g';
	if (write(to_child[1], &c, 1) != 1 || read(from_child[0], &c, 1) != 1)
		c = 'e';
	check(c == 'k', "the other process's mapping still holds its data and takes writes");
	diag("pool: %lld KiB after the owner's free, %lld KiB after 6 more buffers",
	     bytes0 / 1024, bytes1 / 1024);
	check(read_ll(STATS_DIR, "buffers") == buffers0 + 1,
	      "the buffer is still alive while mapped");

	/* Now the mapping goes, and with it the last reference. */
	if (write(to_child[1], &c, 1) != 1)
		diag("write to the child failed");
	waitpid(pid, &status, 0);
	buffers1 = read_ll(STATS_DIR, "buffers");
	bytes2 = pool_stat("bytes");
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0 && buffers1 == buffers0,
	      "munmap in the other process releases the buffer (status 0x%x, live buffers %+lld)",
	      status, buffers1 - buffers0);
	check(bytes2 == bytes1 + (long long)size,
	      "only then do its pages enter the pool (%lld -> %lld KiB)",
	      bytes1 / 1024, bytes2 / 1024);
	close(heap);
	return failures ? 1 : 0;
}

/*
 * Fill the pool with about @mib MiB in buffers that use all three orders,
 * then wait until it is all zeroed.
 */
static int cmd_fill(long mib)
{
	const size_t size = MiB + 64 * 1024 + PAGE;
	int heap = heap_open();
	long n = mib * (long)MiB / (long)size;
	int *fds = calloc(n, sizeof(int));
	int errors = 0;

	for (long i = 0; i < n; i++) {
		fds[i] = heap_alloc(heap, size);
		if (fds[i] < 0)
			errors++;
	}
	for (long i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (!wait_pool_idle(120))
		errors++;
	diag("pool after freeing %ld buffers of %zu bytes: %lld KiB, orders 8/4/0: %lld/%lld/%lld chunks",
	     n, size, pool_stat("bytes") / 1024, pool_stat("pages_order8"),
	     pool_stat("pages_order4"), pool_stat("pages_order0"));
	free(fds);
	close(heap);
	return errors ? 1 : 0;
}

/*
 * Memory pressure: allocate anonymous memory, touched page by page, until the
 * shrinker gives pool pages back. Stop as soon as the pool falls: the pool is
 * what reclaim can take, so the kernel must take it before killing anyone.
 */
static int cmd_pressure(void)
{
	const size_t step = 8 * MiB;
	long long total_kib = mem_kib("MemTotal");
	long long bytes0 = pool_stat("bytes"), shrunk0 = pool_stat("shrunk");
	long long bytes = bytes0, shrunk = shrunk0;
	size_t nsteps = (size_t)total_kib * 1024 / step, used = 0;
	char **chunks = calloc(nsteps, sizeof(char *));

	diag("MemTotal %lld MiB, MemFree %lld MiB, pool %lld MiB, shrunk %lld pages",
	     total_kib / 1024, mem_kib("MemFree") / 1024, bytes0 / MiB, shrunk0);
	if (!check(bytes0 >= 16 * (long long)MiB, "the pool holds %lld MiB before the pressure",
		   bytes0 / MiB))
		return 1;
	while (used < nsteps) {
		char *m = mmap(NULL, step, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED)
			break;
		for (size_t off = 0; off < step; off += PAGE)
			m[off] = 1;
		chunks[used++] = m;
		bytes = pool_stat("bytes");
		shrunk = pool_stat("shrunk");
		if (bytes < bytes0 && shrunk > shrunk0)
			break;
	}
	diag("after %zu MiB of anonymous memory: MemFree %lld MiB, pool %lld MiB, shrunk +%lld pages",
	     used * step / MiB, mem_kib("MemFree") / 1024, bytes / MiB, shrunk - shrunk0);
	check(bytes < bytes0 && shrunk > shrunk0,
	      "the shrinker gave pool pages back under pressure (%lld -> %lld MiB)",
	      bytes0 / MiB, bytes / MiB);
	for (size_t i = 0; i < used; i++)
		munmap(chunks[i], step);
	free(chunks);
	check(true, "the process putting on the pressure survived it");
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (system_heap_find(&sys_heap)) {
		printf("Bail out! %s is not loaded\n", SYSTEM_HEAP_MODULE);
		return 1;
	}
	if (!strcmp(cmd, "reuse") && argc == 6)
		return cmd_reuse(strtoul(argv[2], NULL, 0), atoi(argv[3]), atoi(argv[4]),
				 !strcmp(argv[5], "idle"));
	if (!strcmp(cmd, "shared-map") && argc == 3)
		return cmd_shared_map(strtoul(argv[2], NULL, 0));
	if (!strcmp(cmd, "fill") && argc == 3)
		return cmd_fill(atol(argv[2]));
	if (!strcmp(cmd, "pressure") && argc == 2)
		return cmd_pressure();
	if (!strcmp(cmd, "wait-idle") && argc == 2)
		return wait_pool_idle(120) ? 0 : 1;
	fprintf(stderr,
		"usage: page-pool reuse SIZE COUNT ROUNDS now|idle | shared-map SIZE |\n"
		"       fill MIB | pressure | wait-idle\n");
	return 2;
}
