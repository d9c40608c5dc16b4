/* SPDX-License-Identifier: MIT */
/*
 * System-heap allocation latency with the page pool off and on, in one boot:
 * the pool is switched through /sys/module/dmaheap_system/parameters/pool.
 * Run inside the test-bed guest by bench/run-page-pool-bench.
 *
 * One sample is one buffer's allocation (DMA_HEAP_IOCTL_ALLOC) plus its free
 * (close(), which releases the dma-buf before returning). Three modes:
 *   tight  allocate, free, repeat
 *   warm   wait until the pool has zeroed everything (its clean counters
 *          account for all it holds) before each allocation
 *   burst  allocate a burst of buffers, then free them all, repeat at once
 * Each size and mode is measured pool off and pool on alternately, three
 * times each, every run from an empty pool (switching it off drains it) and
 * after a few unmeasured rounds.
 *
 * With --against HEAP (a heap of the kernel's own, mainline's system heap on
 * a kernel that has one), that heap is measured a third time in every
 * round, in the same modes, and the table compares the pool with it.
 *
 * The floor: creating and closing an empty memfd, in the tight and warm
 * modes, is the part of every buffer's cost that no pool can remove (a
 * syscall pair, a new anonymous inode and file, an fd). It bounds what the
 * pool can achieve at 4 KiB, where clearing the page is a small part.
 *
 *   page-pool-bench [--csv FILE] [--quick] [--against HEAP]
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/dma-heap.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../guest/system-heap.h"

static struct system_heap_paths sys_heap;
#define HEAP_PATH (sys_heap.node)
#define POOL_PARAM SYSTEM_HEAP_PARAMS "pool"
#define KiB 1024UL
#define MiB (1024UL * 1024UL)

enum mode { TIGHT, WARM, BURST, NR_MODES };
#define REPS 3	/* pool off, pool on, alternately, this many times */
static const char *const mode_names[] = { "tight", "warm", "burst" };

struct size_plan {
	size_t size;
	int iterations;	/* tight and warm samples, in all */
	int burst;	/* buffers per burst */
	int rounds;	/* bursts, in all */
};

static struct size_plan plans[] = {
	{ 4 * KiB, 3000, 256, 12 },
	{ 1 * MiB, 600, 64, 12 },
	{ 8 * MiB, 150, 16, 12 },
	{ 32 * MiB, 48, 4, 12 },
};
#define NR_SIZES (sizeof(plans) / sizeof(plans[0]))

struct result {
	double median_ns, p10_ns, p90_ns;
	double free_median_ns;	/* the free (close) part alone */
	double ops_per_s;	/* samples / wall time of the measured loop */
	long long hits, misses, zeroed, zeroed_on_free, zeroing_us, pool_bytes;
	int samples;
};

/* [0] pool off, [1] pool on, [2] the kernel's heap named by --against */
#define NR_VARIANTS 3
static struct result results[NR_MODES][NR_SIZES][NR_VARIANTS];
static const char *const variant_names[] = { "off", "on", "kernel" };
static const char *against;	/* --against HEAP, or NULL */
static int own_fd, against_fd = -1;
static double floor_ns[NR_MODES];	/* empty memfd create + close, median */
static double ceiling[2];	/* parallel ceiling before and after */
static int heap_fd;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Counters are polled often in warm mode: keep their files open, pread them. */
static long long pool_stat(const char *name)
{
	static struct { char name[32]; int fd; } files[24];
	static int nr_files;
	char path[256], buf[64];
	ssize_t len;
	int i, fd = -1;

	for (i = 0; i < nr_files; i++)
		if (!strcmp(files[i].name, name))
			fd = files[i].fd;
	if (fd < 0) {
		snprintf(path, sizeof(path), "%s%s", sys_heap.pool, name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -1;
		if (nr_files < (int)(sizeof(files) / sizeof(files[0]))) {
			snprintf(files[nr_files].name, sizeof(files[0].name), "%s", name);
			files[nr_files++].fd = fd;
		}
	}
	len = pread(fd, buf, sizeof(buf) - 1, 0);
	if (len <= 0)
		return -1;
	buf[len] = 0;
	return strtoll(buf, NULL, 10);
}

static void set_pool(bool on)
{
	FILE *f = fopen(POOL_PARAM, "w");

	if (!f || fputs(on ? "1\n" : "0\n", f) < 0 || fclose(f)) {
		fprintf(stderr, "page-pool-bench: cannot write %s: %s\n", POOL_PARAM,
			strerror(errno));
		exit(1);
	}
}

/*
 * Idle until everything the pool holds is zeroed, so the next allocation can
 * hit: the clean counters account for all the pool's bytes. Pool off or on,
 * this sleeps at least once, so both modes allocate after the same kind of
 * pause.
 */
static void wait_pool_idle(void)
{
	static const char *const clean[] = { "clean_order8", "clean_order4", "clean_order0" };
	static const int orders[] = { 8, 4, 0 };
	uint64_t end = now_ns() + 60ULL * 1000000000ULL;

	for (;;) {
		long long bytes = 0;

		usleep(500);
		for (int i = 0; i < 3; i++)
			bytes += pool_stat(clean[i]) * (4096LL << orders[i]);
		if (pool_stat("bytes") == bytes)
			return;
		if (now_ns() > end) {
			fprintf(stderr, "page-pool-bench: the pool is still zeroing after 60 s\n");
			exit(1);
		}
	}
}

static int alloc_buffer(size_t size)
{
	struct dma_heap_allocation_data data = {
		.len = size,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};

	if (ioctl(heap_fd, DMA_HEAP_IOCTL_ALLOC, &data) < 0) {
		fprintf(stderr, "page-pool-bench: allocating %zu bytes: %s\n", size,
			strerror(errno));
		exit(1);
	}
	return (int)data.fd;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double median(const uint64_t *sorted, int n)
{
	return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
}

/* One buffer: allocation plus free, in ns; the allocation alone in @alloc. */
static uint64_t one_alloc_free(size_t size, uint64_t *alloc)
{
	uint64_t t0 = now_ns(), t1;
	int fd = alloc_buffer(size);

	t1 = now_ns();
	close(fd);
	*alloc = t1 - t0;
	return now_ns() - t0;
}

/*
 * Fills @lat with @n samples (@n / @p->burst bursts in burst mode) after a few
 * unmeasured ones, @alloc_lat with their allocation part; returns the wall
 * time of the measured part.
 */
static uint64_t run_mode(enum mode mode, const struct size_plan *p, uint64_t *lat,
			 uint64_t *alloc_lat, int n)
{
	int warmup = mode == BURST ? 1 : (n / 10 > 3 ? n / 10 : 3);
	uint64_t *alloc_ns = calloc(p->burst, sizeof(uint64_t));
	int *fds = calloc(p->burst, sizeof(int));
	uint64_t start = 0;
	int got = 0;

	if (mode != BURST) {
		for (int i = -warmup; i < n; i++) {
			if (i == 0)
				start = now_ns();
			if (mode == WARM)
				wait_pool_idle();
			uint64_t a, t = one_alloc_free(p->size, &a);

			if (i >= 0) {
				lat[i] = t;
				alloc_lat[i] = a;
			}
		}
	} else {
		for (int r = -warmup; r < n / p->burst; r++) {
			if (r == 0)
				start = now_ns();
			for (int b = 0; b < p->burst; b++) {
				uint64_t t0 = now_ns();

				fds[b] = alloc_buffer(p->size);
				alloc_ns[b] = now_ns() - t0;
			}
			for (int b = 0; b < p->burst; b++) {
				uint64_t t0 = now_ns();

				close(fds[b]);
				if (r >= 0) {
					alloc_lat[got] = alloc_ns[b];
					lat[got++] = alloc_ns[b] + now_ns() - t0;
				}
			}
		}
	}
	free(alloc_ns);
	free(fds);
	return now_ns() - start;
}

/*
 * Pool off and pool on, alternately, REPS times each, so that a slow spell of
 * the (shared, emulated) machine hits both alike. Each run starts from an
 * empty pool: switching the pool off drains it.
 */
static void measure(enum mode mode, int si)
{
	const struct size_plan *p = &plans[si];
	int n = mode == BURST ? p->burst * p->rounds : p->iterations;
	int per_rep = mode == BURST ? p->burst * (p->rounds / REPS) : n / REPS;
	uint64_t *lat[NR_VARIANTS], *alloc_lat[NR_VARIANTS], wall[NR_VARIANTS] = { 0 };
	int variants = against_fd >= 0 ? 3 : 2;

	n = per_rep * REPS;
	for (int on = 0; on < variants; on++) {
		lat[on] = calloc(n, sizeof(uint64_t));
		alloc_lat[on] = calloc(n, sizeof(uint64_t));
		memset(&results[mode][si][on], 0, sizeof(struct result));
	}
	for (int rep = 0; rep < REPS; rep++) {
		for (int on = 0; on < variants; on++) {
			struct result *res = &results[mode][si][on];
			long long hits0, misses0, zeroed0, on_free0, zus0;

			/* the kernel's heap runs with dmaheap's pool off and empty */
			set_pool(false);
			set_pool(on == 1);
			heap_fd = on == 2 ? against_fd : own_fd;
			hits0 = pool_stat("hits");
			misses0 = pool_stat("misses");
			zeroed0 = pool_stat("zeroed_in_background");
			on_free0 = pool_stat("zeroed_on_free");
			zus0 = pool_stat("zeroing_us");

			wall[on] += run_mode(mode, p, lat[on] + rep * per_rep,
					     alloc_lat[on] + rep * per_rep, per_rep);

			res->hits += pool_stat("hits") - hits0;
			res->misses += pool_stat("misses") - misses0;
			res->zeroed += pool_stat("zeroed_in_background") - zeroed0;
			res->zeroed_on_free += pool_stat("zeroed_on_free") - on_free0;
			res->zeroing_us += pool_stat("zeroing_us") - zus0;
			if (pool_stat("bytes") > res->pool_bytes)
				res->pool_bytes = pool_stat("bytes");
		}
	}
	heap_fd = own_fd;
	for (int on = 0; on < variants; on++) {
		struct result *res = &results[mode][si][on];
		uint64_t *l = lat[on], *a = alloc_lat[on];

		/* The free part of each sample: total minus allocation. */
		for (int i = 0; i < n; i++)
			a[i] = l[i] - a[i];
		qsort(a, n, sizeof(*a), cmp_u64);
		res->free_median_ns = median(a, n);
		qsort(l, n, sizeof(*l), cmp_u64);
		res->samples = n;
		res->median_ns = median(l, n);
		res->p10_ns = l[n / 10];
		res->p90_ns = l[n * 9 / 10];
		res->ops_per_s = n / (wall[on] / 1e9);
		free(l);
		free(a);
	}
}

/*
 * The file cost every dma-buf pays, pool or no pool: an empty memfd created
 * and closed, after the same kind of pause as the pool-on samples of @mode.
 */
static void measure_floor(enum mode mode, int n)
{
	uint64_t *lat = calloc(n, sizeof(uint64_t));

	set_pool(true);
	for (int i = -n / 10; i < n; i++) {
		uint64_t t0;
		int fd;

		if (mode == WARM)
			wait_pool_idle();
		t0 = now_ns();
		fd = memfd_create("page-pool-bench-floor", MFD_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "page-pool-bench: memfd_create: %s\n", strerror(errno));
			exit(1);
		}
		close(fd);
		if (i >= 0)
			lat[i] = now_ns() - t0;
	}
	qsort(lat, n, sizeof(*lat), cmp_u64);
	floor_ns[mode] = median(lat, n);
	free(lat);
}

static const char *size_name(size_t size, char *buf, size_t len)
{
	if (size >= MiB)
		snprintf(buf, len, "%zu MiB", size / MiB);
	else
		snprintf(buf, len, "%zu KiB", size / KiB);
	return buf;
}

static void print_table(void)
{
	char sz[32];

	printf("\nSystem heap alloc+free latency, pool off vs on (median of N samples, us)\n");
	printf("%-6s %-7s %6s %11s %11s %7s %11s %11s %7s %9s %9s\n", "mode", "size", "N",
	       "off us", "on us", "on/off", "off ops/s", "on ops/s", "thrpt",
	       "pool hit%", "held MiB");
	for (int m = 0; m < NR_MODES; m++) {
		for (size_t s = 0; s < NR_SIZES; s++) {
			struct result *off = &results[m][s][0], *on = &results[m][s][1];
			long long chunks = on->hits + on->misses;

			printf("%-6s %-7s %6d %11.1f %11.1f %6.2fx %11.0f %11.0f %6.2fx %8.0f%% %9.1f\n",
			       mode_names[m], size_name(plans[s].size, sz, sizeof(sz)),
			       on->samples, off->median_ns / 1e3, on->median_ns / 1e3,
			       on->median_ns / off->median_ns, off->ops_per_s, on->ops_per_s,
			       on->ops_per_s / off->ops_per_s,
			       chunks ? 100.0 * on->hits / chunks : 0.0,
			       on->pool_bytes / (double)MiB);
		}
	}
	printf("\non/off: median latency ratio (lower is better); thrpt: throughput ratio\n"
	       "(samples per second of the measured loop, higher is better); pool hit%%:\n"
	       "chunks served from the pool; held MiB: what the pool held at the end.\n");

	printf("\nBackground zeroing (pool on): the worker's time per sample and its rate\n");
	for (int m = 0; m < NR_MODES; m++)
		for (size_t s = 0; s < NR_SIZES; s++) {
			struct result *on = &results[m][s][1];

			printf("  %-6s %-7s %9.1f us per sample, %7.1f MiB zeroed, %5.0f MiB/s; %6.1f MiB zeroed on free\n",
			       mode_names[m], size_name(plans[s].size, sz, sizeof(sz)),
			       on->samples ? (double)on->zeroing_us / on->samples : 0.0,
			       on->zeroed * 4096.0 / MiB,
			       on->zeroing_us ? on->zeroed * 4096.0 / MiB / (on->zeroing_us / 1e6) : 0.0,
			       on->zeroed_on_free * 4096.0 / MiB);
		}
}

/* dmaheap's heap, pool off and on, against the kernel's own (--against). */
static void print_against(void)
{
	double worst_off = 1e9, worst_tight = 1e9, worst_warm = 0;
	char sz[32];

	printf("\nAgainst the kernel's own heap \"%s\" (same boot, same modes; median us)\n",
	       against);
	printf("%-6s %-7s %11s %11s %11s %9s %9s %9s\n", "mode", "size", "kernel us",
	       "off us", "on us", "off thrpt", "on thrpt", "on lat");
	for (int m = 0; m < NR_MODES; m++)
		for (size_t s = 0; s < NR_SIZES; s++) {
			struct result *off = &results[m][s][0], *on = &results[m][s][1];
			struct result *k = &results[m][s][2];
			double off_t = off->ops_per_s / k->ops_per_s;
			double on_t = on->ops_per_s / k->ops_per_s;
			double on_l = on->median_ns / k->median_ns;

			printf("%-6s %-7s %11.1f %11.1f %11.1f %8.2fx %8.2fx %8.2fx\n",
			       mode_names[m], size_name(plans[s].size, sz, sizeof(sz)),
			       k->median_ns / 1e3, off->median_ns / 1e3, on->median_ns / 1e3,
			       off_t, on_t, on_l);
			if (m == TIGHT && off_t < worst_off)
				worst_off = off_t;
			if (m == TIGHT && plans[s].size >= MiB && on_t < worst_tight)
				worst_tight = on_t;
			if (m == WARM && plans[s].size >= MiB && on_l > worst_warm)
				worst_warm = on_l;
		}
	printf("\noff/on thrpt: throughput over the kernel heap's (higher is better);\n"
	       "on lat: median latency over the kernel heap's (lower is better).\n");
	printf("\nTargets against the kernel's heap (issue 12):\n");
	printf("  unpooled tight throughput >= 1.00x at every size: worst %.2fx  %s\n",
	       worst_off, worst_off >= 1.0 ? "met" : "MISSED");
	printf("  pooled tight throughput >= 1.50x at >= 1 MiB:     worst %.2fx  %s\n",
	       worst_tight, worst_tight >= 1.5 ? "met" : "MISSED");
	printf("  pooled warm latency <= 0.10x at >= 1 MiB:         worst %.2fx  %s\n",
	       worst_warm, worst_warm <= 0.1 ? "met" : "MISSED");
}

/*
 * How much a second vCPU adds right now: memset bandwidth of two threads
 * over one. Background zeroing can at best reach this ratio in the tight
 * loop (one CPU allocates while the other zeroes); on an idle two-core host
 * it is about 2, less when other work shares the host's cores.
 */
#define CAL_BYTES (32 * MiB)
#define CAL_ROUNDS 12

static void *memset_rounds(void *buf)
{
	for (int r = 0; r < CAL_ROUNDS; r++)
		memset(buf, r, CAL_BYTES);
	return NULL;
}

static double parallel_ceiling(void)
{
	char *buf[2] = { malloc(CAL_BYTES), malloc(CAL_BYTES) };
	pthread_t thread;
	uint64_t t0, one, two;

	memset_rounds(buf[0]);
	memset_rounds(buf[1]);
	t0 = now_ns();
	memset_rounds(buf[0]);
	one = now_ns() - t0;
	t0 = now_ns();
	pthread_create(&thread, NULL, memset_rounds, buf[1]);
	memset_rounds(buf[0]);
	pthread_join(thread, NULL);
	two = now_ns() - t0;
	free(buf[0]);
	free(buf[1]);
	return 2.0 * one / two;
}

static void print_targets(void)
{
	double worst_warm = 0, worst_tight = 1e9, worst_burst = 0;
	double warm4k = results[WARM][0][1].median_ns / results[WARM][0][0].median_ns;

	for (size_t s = 0; s < NR_SIZES; s++) {
		double warm = results[WARM][s][1].median_ns / results[WARM][s][0].median_ns;
		double tight = results[TIGHT][s][1].ops_per_s / results[TIGHT][s][0].ops_per_s;
		double burst = results[BURST][s][1].median_ns / results[BURST][s][0].median_ns;

		if (plans[s].size >= MiB && warm > worst_warm)
			worst_warm = warm;
		if (tight < worst_tight)
			worst_tight = tight;
		if (burst > worst_burst)
			worst_burst = burst;
	}
	printf("\nParallel ceiling (memset, two threads over one): %.2fx before, %.2fx after\n",
	       ceiling[0], ceiling[1]);
	printf("\nFloor at 4 KiB: an empty memfd created and closed, the file cost no pool\n"
	       "removes: tight %.1f us, warm %.1f us. Even a free allocation would leave\n"
	       "tight throughput at most %.2fx and warm latency at least %.2fx pool-off.\n",
	       floor_ns[TIGHT] / 1e3, floor_ns[WARM] / 1e3,
	       results[TIGHT][0][0].median_ns / floor_ns[TIGHT],
	       floor_ns[WARM] / results[WARM][0][0].median_ns);
	printf("\nTargets (issue 4):\n");
	printf("  warm latency >= 1 MiB at most 0.20x pool-off:   worst %.2fx  %s\n", worst_warm,
	       worst_warm <= 0.2 ? "met" : "MISSED");
	printf("  tight-loop throughput at least 1.30x pool-off: worst %.2fx  %s\n", worst_tight,
	       worst_tight >= 1.3 ? "met" : "MISSED");
	printf("  4 KiB warm latency at most 0.50x pool-off:     %.2fx  %s\n", warm4k,
	       warm4k <= 0.5 ? "met" : "MISSED");
	printf("  burst never slower than pool-off (<= 1.00x):   worst %.2fx  %s\n", worst_burst,
	       worst_burst <= 1.0 ? "met" : "MISSED");
}

static void write_csv(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "page-pool-bench: cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	fprintf(f, "mode,size_bytes,pool,samples,median_ns,p10_ns,p90_ns,free_median_ns,ops_per_s,"
		   "hits,misses,zeroed_pages,zeroing_us,pool_bytes\n");
	for (int m = 0; m < NR_MODES; m++)
		for (size_t s = 0; s < NR_SIZES; s++)
			for (int on = 0; on < (against_fd >= 0 ? 3 : 2); on++) {
				struct result *r = &results[m][s][on];

				fprintf(f, "%s,%zu,%s,%d,%.0f,%.0f,%.0f,%.0f,%.1f,%lld,%lld,%lld,%lld,%lld\n",
					mode_names[m], plans[s].size, variant_names[on],
					r->samples, r->median_ns, r->p10_ns, r->p90_ns,
					r->free_median_ns, r->ops_per_s, r->hits, r->misses, r->zeroed,
					r->zeroing_us, r->pool_bytes);
			}
	fclose(f);
}

int main(int argc, char **argv)
{
	const char *csv = NULL;
	bool quick = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--csv") && i + 1 < argc) {
			csv = argv[++i];
		} else if (!strcmp(argv[i], "--quick")) {
			quick = true;
		} else if (!strcmp(argv[i], "--against") && i + 1 < argc) {
			against = argv[++i];
		} else {
			fprintf(stderr, "usage: page-pool-bench [--csv FILE] [--quick] [--against HEAP]\n");
			return 2;
		}
	}
	if (system_heap_find(&sys_heap)) {
		fprintf(stderr, "page-pool-bench: %s is not loaded (insmod it first)\n",
			SYSTEM_HEAP_MODULE);
		return 1;
	}
	heap_fd = open(HEAP_PATH, O_RDWR | O_CLOEXEC);
	if (heap_fd < 0) {
		fprintf(stderr, "page-pool-bench: open %s: %s (is %s loaded?)\n",
			HEAP_PATH, strerror(errno), SYSTEM_HEAP_MODULE);
		return 1;
	}
	if (pool_stat("enabled") < 0) {
		fprintf(stderr, "page-pool-bench: no %s: %s without a page pool\n",
			sys_heap.pool, SYSTEM_HEAP_MODULE);
		return 1;
	}
	own_fd = heap_fd;
	if (against) {
		char path[300];

		snprintf(path, sizeof(path), "/dev/dma_heap/%s", against);
		against_fd = open(path, O_RDWR | O_CLOEXEC);
		if (against_fd < 0) {
			fprintf(stderr, "page-pool-bench: --against: open %s: %s (the kernel has no such heap?)\n",
				path, strerror(errno));
			return 1;
		}
	}
	for (size_t s = 0; quick && s < NR_SIZES; s++) {
		plans[s].iterations = plans[s].iterations / 10 + 3 * REPS;
		plans[s].rounds = REPS;
	}

	ceiling[0] = parallel_ceiling();
	for (int m = 0; m < NR_MODES; m++)
		for (size_t s = 0; s < NR_SIZES; s++) {
			char sz[32];

			fprintf(stderr, "# %s %s ...\n", mode_names[m],
				size_name(plans[s].size, sz, sizeof(sz)));
			measure(m, s);
		}
	fprintf(stderr, "# floor: empty memfd create + close ...\n");
	measure_floor(TIGHT, plans[0].iterations);
	measure_floor(WARM, plans[0].iterations);
	set_pool(true);
	ceiling[1] = parallel_ceiling();
	print_table();
	print_targets();
	if (against_fd >= 0)
		print_against();
	if (csv)
		write_csv(csv);
	return 0;
}
