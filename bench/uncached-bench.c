/* SPDX-License-Identifier: MIT */
/*
 * system-uncached beside the cached system heap, in one run, alternating
 * between the two so that both see the same machine:
 *   write   sequential CPU writes to a mapping (memset), MB/s
 *   read    sequential CPU reads of a mapping (64-bit sums), MB/s
 *   sync    one DMA_BUF_IOCTL_SYNC START+END pair, us
 *   alloc   allocation + free of one buffer, pool off (each chunk is new:
 *           for system-uncached, converted to write-combined and back) and
 *           pool on, warm (the pool's worker has zeroed the last buffer's
 *           chunks: they are reused, already converted), us
 * Each figure is the median of --rounds rounds; every ratio is uncached over
 * cached of the figure as shown (bandwidths in MB/s: above 1 is faster;
 * times in us: above 1 is slower). CSV with --csv FILE.
 *
 *   uncached-bench [--cached HEAP] [--size MiB] [--rounds N] [--csv FILE]
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MiB (1024UL * 1024UL)
#define MAX_ROUNDS 64

static const char *pool_param = "/sys/module/dmaheap_system/parameters/pool";

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int heap_open(const char *name)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/dev/dma_heap/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "uncached-bench: cannot open %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

static int alloc_buf(int heap, size_t len)
{
	struct dma_heap_allocation_data d = { .len = len, .fd_flags = O_RDWR | O_CLOEXEC };

	if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d) < 0) {
		fprintf(stderr, "uncached-bench: allocating %zu bytes: %s\n", len, strerror(errno));
		exit(1);
	}
	return (int)d.fd;
}

static void set_pool(int on)
{
	FILE *f = fopen(pool_param, "w");

	if (!f || fprintf(f, "%d\n", on) < 0 || fclose(f) != 0) {
		fprintf(stderr, "uncached-bench: cannot write %s\n", pool_param);
		exit(1);
	}
}

static int sync_buf(int fd, uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &s);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct figures {
	double write_mbs, read_mbs, sync_us, alloc_cold_us, alloc_warm_us;
};

static volatile uint64_t sink;

/* One round on one heap; the buffer for write/read/sync is @buf (mapped at @p). */
static void round_mapped(int buf, uint8_t *p, size_t len, double *write_mbs, double *read_mbs,
			 double *sync_us)
{
	const uint64_t *q = (const uint64_t *)p;
	uint64_t sum = 0;
	double t0;
	int i;

	sync_buf(buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
	t0 = now_us();
	memset(p, 0x5a, len);
	*write_mbs = len / (now_us() - t0);
	sync_buf(buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);

	sync_buf(buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	t0 = now_us();
	for (size_t w = 0; w < len / 8; w++)
		sum += q[w];
	*read_mbs = len / (now_us() - t0);
	sync_buf(buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	sink += sum;

	t0 = now_us();
	for (i = 0; i < 100; i++) {
		sync_buf(buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW);
		sync_buf(buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW);
	}
	*sync_us = (now_us() - t0) / 100;
}

static long long read_ll(const char *path)
{
	long long v = -1;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* Wait (at most 10 s) until everything @heap's pool holds is zeroed. */
static void wait_pool_clean(const char *heap)
{
	static const char *const classes[] = { "dma_heap", "dmaheap" };
	static const unsigned int orders[] = { 8, 4, 0 };
	char path[192];

	for (int i = 0; i < 5000; i++) {
		for (int c = 0; c < 2; c++) {
			long long bytes, clean = 0;

			snprintf(path, sizeof(path), "/sys/class/%s/%s/pool/bytes", classes[c], heap);
			bytes = read_ll(path);
			if (bytes < 0)
				continue;
			for (int o = 0; o < 3; o++) {
				snprintf(path, sizeof(path), "/sys/class/%s/%s/pool/clean_order%u",
					 classes[c], heap, orders[o]);
				clean += read_ll(path) * (4096LL << orders[o]);
			}
			if (bytes == clean)
				return;
		}
		usleep(2000);
	}
}

/*
 * Allocation + free of one buffer; with @heap_name, each from a pool its
 * worker has zeroed (a warm allocation), else back to back.
 */
static double round_alloc(int heap, size_t len, const char *heap_name)
{
	double total = 0, t0;

	for (int i = 0; i < 8; i++) {
		if (heap_name)
			wait_pool_clean(heap_name);
		t0 = now_us();
		close(alloc_buf(heap, len));
		total += now_us() - t0;
	}
	return total / 8;
}

int main(int argc, char **argv)
{
	const char *cached = "system", *uncached = "system-uncached", *csv = NULL;
	double v[2][5][MAX_ROUNDS];
	struct figures fig[2];
	size_t len = 16 * MiB;
	int rounds = 15;
	int heap[2], buf[2];
	uint8_t *map[2];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--cached") && i + 1 < argc)
			cached = argv[++i];
		else if (!strcmp(argv[i], "--size") && i + 1 < argc)
			len = strtoul(argv[++i], NULL, 0) * MiB;
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--csv") && i + 1 < argc)
			csv = argv[++i];
		else {
			fprintf(stderr, "usage: uncached-bench [--cached HEAP] [--size MiB] [--rounds N] [--csv FILE]\n");
			return 2;
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || !len) {
		fprintf(stderr, "uncached-bench: --rounds 1..%d, --size > 0\n", MAX_ROUNDS);
		return 2;
	}
	heap[0] = heap_open(cached);
	heap[1] = heap_open(uncached);
	for (int h = 0; h < 2; h++) {
		buf[h] = alloc_buf(heap[h], len);
		map[h] = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, buf[h], 0);
		if (map[h] == MAP_FAILED) {
			fprintf(stderr, "uncached-bench: mmap: %s\n", strerror(errno));
			return 1;
		}
		memset(map[h], 0, len); /* fault every page in before timing */
	}

	for (int r = 0; r < rounds; r++) {
		for (int h = 0; h < 2; h++)
			round_mapped(buf[h], map[h], len, &v[h][0][r], &v[h][1][r], &v[h][2][r]);
		set_pool(0);
		for (int h = 0; h < 2; h++)
			v[h][3][r] = round_alloc(heap[h], 4 * MiB, NULL);
		set_pool(1);
		for (int h = 0; h < 2; h++) {
			close(alloc_buf(heap[h], 4 * MiB)); /* fill the pool */
			v[h][4][r] = round_alloc(heap[h], 4 * MiB, h ? uncached : cached);
		}
	}
	for (int h = 0; h < 2; h++) {
		fig[h].write_mbs = median(v[h][0], rounds);
		fig[h].read_mbs = median(v[h][1], rounds);
		fig[h].sync_us = median(v[h][2], rounds);
		fig[h].alloc_cold_us = median(v[h][3], rounds);
		fig[h].alloc_warm_us = median(v[h][4], rounds);
	}

	static const char *const names[] = {
		"CPU sequential write to a mapping (MB/s)",
		"CPU sequential read of a mapping (MB/s)",
		"DMA_BUF_IOCTL_SYNC start+end (us)",
		"alloc+free 4 MiB, pool off (us)",
		"alloc+free 4 MiB, pool on, warm (us)",
	};
	const double *c = &fig[0].write_mbs, *u = &fig[1].write_mbs;
	FILE *out = csv ? fopen(csv, "w") : NULL;

	printf("%d rounds, %zu MiB mappings; medians; ratio = %s / %s\n", rounds, len / MiB,
	       uncached, cached);
	printf("%-44s %12s %12s %8s\n", "", cached, uncached, "ratio");
	if (out)
		fprintf(out, "figure,%s,%s,ratio\n", cached, uncached);
	for (int i = 0; i < 5; i++) {
		printf("%-44s %12.1f %12.1f %7.2fx\n", names[i], c[i], u[i], u[i] / c[i]);
		if (out)
			fprintf(out, "\"%s\",%.3f,%.3f,%.4f\n", names[i], c[i], u[i], u[i] / c[i]);
	}
	if (out)
		fclose(out);
	for (int h = 0; h < 2; h++) {
		munmap(map[h], len);
		close(buf[h]);
		close(heap[h]);
	}
	return 0;
}
