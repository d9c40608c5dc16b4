// SPDX-License-Identifier: MIT
/*
 * dmaheap bench: median alloc+free latency per heap and size, beside udmabuf
 * and a memset of the same size, all in one run: an unpooled allocation has
 * to zero its pages, so memset bandwidth is the floor it is measured against.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dmaheap.h"

#define MAX_SIZES 16
#define MAX_HEAPS 32
#define MEMSET "memset"

static void bench_help(void)
{
	printf("usage: dmaheap bench [--heap NAME]... [--sizes LIST] [--iterations N]\n"
	       "                     [--no-udmabuf] [--json]\n\n"
	       "For each heap (default: every heap present) and each size, allocate and\n"
	       "free a buffer many times and report the median latency and the\n"
	       "bandwidth it amounts to, beside udmabuf (a sealed memfd) and a memset\n"
	       "of the same size, whose bandwidth is the floor of an allocation that\n"
	       "zeroes its pages. Buffers are not named while benchmarking.\n\n"
	       "  --heap NAME       a heap to measure; repeat for more ('udmabuf' too)\n"
	       "  --sizes LIST      comma-separated sizes (default 4K,1M,8M,32M)\n"
	       "  --iterations N    per heap and size (default: 256 MiB worth, 5 to 200)\n"
	       "  --no-udmabuf      leave udmabuf out\n"
	       "  --json            machine-readable output\n"
	       "  --help            this text\n");
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static uint64_t median(uint64_t *samples, unsigned long n)
{
	qsort(samples, n, sizeof(*samples), compare_u64);
	return n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

/*
 * How long one sample must last to be measured: a few ticks of a coarse
 * clock (a guest without a usable TSC falls back to jiffies, 4 ms), nothing
 * with a fine one.
 */
static uint64_t min_sample_ns(void)
{
	struct timespec res;
	uint64_t ns;

	if (clock_getres(CLOCK_MONOTONIC, &res))
		return 0;
	ns = (uint64_t)res.tv_sec * 1000000000u + (uint64_t)res.tv_nsec;
	return ns > 1000 ? 4 * ns : 0;
}

/* One allocation and free (heap), or one memset of buf; false on failure. */
static bool run_once(struct dmaheap_heap *heap, unsigned char *buf, uint64_t size,
		     unsigned long i)
{
	if (heap) {
		int fd = dmaheap_heap_alloc(heap, size, DMAHEAP_FD_FLAGS_DEFAULT, 0);

		if (fd < 0)
			return false;
		close(fd);
	} else {
		memset(buf, (int)i, size);
		__asm__ volatile("" : : "r"(buf) : "memory");
	}
	return true;
}

/*
 * One heap (NULL: memset) at one size: the median of n samples, or 0 on
 * failure. A sample repeats the operation until it lasts min_sample_ns()
 * and counts the mean, so a coarse clock still gives a figure.
 */
static uint64_t measure(struct dmaheap_heap *heap, uint64_t size, unsigned long n,
			uint64_t *samples)
{
	uint64_t span = min_sample_ns();
	unsigned char *buf = NULL;
	bool ok = true;

	if (!heap) {
		buf = malloc(size);
		if (!buf)
			return 0;
		memset(buf, 1, size);	/* fault it in: measure bandwidth, not page faults */
	}
	for (unsigned long i = 0; ok && i <= n; i++) {
		uint64_t t0 = now_ns(), t;
		unsigned long reps = 0;

		do {
			ok = run_once(heap, buf, size, i);
			reps++;
			t = now_ns() - t0;
		} while (ok && t < span);
		if (i > 0)	/* the first sample warms up */
			samples[i - 1] = t / reps ? t / reps : 1;
	}
	free(buf);
	return ok ? median(samples, n) : 0;
}

static bool parse_sizes(const char *text, uint64_t *sizes, size_t *count)
{
	char *copy = strdup(text), *item, *rest;
	bool ok = copy != NULL;

	*count = 0;
	for (rest = copy; ok && (item = strsep(&rest, ",")) != NULL;) {
		if (*count == MAX_SIZES) {
			usage_error("bench", "--sizes: at most %d sizes", MAX_SIZES);
			ok = false;
		} else {
			ok = parse_size_arg("bench", "--sizes", item, &sizes[(*count)++]);
		}
	}
	free(copy);
	return ok;
}

int cmd_bench(int argc, char **argv)
{
	static const struct option options[] = {
		{ "heap", required_argument, NULL, 'H' },
		{ "sizes", required_argument, NULL, 's' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "no-udmabuf", no_argument, NULL, 'U' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t sizes[MAX_SIZES] = { 4 << 10, 1 << 20, 8 << 20, 32 << 20 };
	const char *names[MAX_HEAPS + 2], *asked[MAX_HEAPS];
	struct dmaheap_heap_list *list = NULL;
	size_t nsizes = 4, nheaps = 0, given = 0;
	unsigned long iterations = 0;
	bool json = false, udmabuf = true, first = true;
	struct dmaheap_ctx *ctx;
	int c, ret = EXIT_OK;

	while ((c = getopt_long(argc, argv, "H:s:i:Ujh", options, NULL)) != -1) {
		switch (c) {
		case 'H':
			if (given == MAX_HEAPS)
				return usage_error("bench", "at most %d heaps", MAX_HEAPS);
			asked[given++] = optarg;
			break;
		case 's':
			if (!parse_sizes(optarg, sizes, &nsizes))
				return EXIT_USAGE;
			break;
		case 'i':
			if (!parse_uint_arg(optarg, &iterations) || iterations == 0 ||
			    iterations > 1000000)
				return usage_error("bench", "--iterations wants 1 to 1000000, "
						   "not '%s'", optarg);
			break;
		case 'U': udmabuf = false; break;
		case 'j': json = true; break;
		case 'h': bench_help(); return EXIT_OK;
		default: return usage_error("bench", "bad option");
		}
	}
	if (optind < argc)
		return usage_error("bench", "unexpected argument '%s'", argv[optind]);

	ctx = dmaheap_ctx_create(DMAHEAP_CTX_NO_NAMES);
	if (!ctx)
		return fail("bench", "%s", dmaheap_last_error());
	names[nheaps++] = MEMSET;
	if (given) {
		for (size_t i = 0; i < given; i++)
			names[nheaps++] = asked[i];
	} else {
		list = dmaheap_heap_list_get(ctx);
		for (size_t i = 0; list && i < list->count && nheaps < MAX_HEAPS; i++)
			names[nheaps++] = list->heaps[i]->name;
		if (list && list->count == 0)
			fprintf(stderr, "dmaheap bench: no heaps in %s; measuring %s only\n",
				dmaheap_ctx_heap_dir(ctx), udmabuf ? "udmabuf and memset" : "memset");
	}
	if (udmabuf) {
		bool listed = false;

		for (size_t i = 1; i < nheaps; i++)
			listed |= strcmp(names[i], DMAHEAP_UDMABUF) == 0;
		if (!listed)
			names[nheaps++] = DMAHEAP_UDMABUF;
	}

	if (json)
		printf("{\"results\": [");
	else
		printf("%-10s %-20s %6s %12s %9s %10s\n", "SIZE", "HEAP", "ITERS", "MEDIAN_US",
		       "GB/S", "X_MEMSET");
	for (size_t s = 0; s < nsizes; s++) {
		unsigned long n = iterations ? iterations :
			(unsigned long)((256u << 20) / sizes[s]);
		uint64_t floor_ns = 0, *samples;

		if (!iterations)
			n = n < 5 ? 5 : n > 200 ? 200 : n;
		samples = calloc(n, sizeof(*samples));
		if (!samples) {
			ret = fail("bench", "out of memory");
			break;
		}
		for (size_t h = 0; h < nheaps; h++) {
			bool is_memset = h == 0;
			struct dmaheap_heap *heap = is_memset ? NULL : dmaheap_heap_open(ctx, names[h]);
			uint64_t ns = 0;
			char human[32], error[512] = "";

			if (is_memset || heap)
				ns = measure(heap, sizes[s], n, samples);
			if (!ns && (!is_memset || heap))
				snprintf(error, sizeof(error), "%s", dmaheap_last_error());
			if (is_memset)
				floor_ns = ns;
			/* udmabuf was only asked for implicitly: missing is no failure */
			if (!ns && (given || strcmp(names[h], DMAHEAP_UDMABUF) != 0))
				ret = EXIT_FAIL;
			if (json) {
				printf("%s\n  {\"heap\": ", first ? "" : ",");
				json_string(stdout, names[h]);
				printf(", \"size\": %" PRIu64 ", \"iterations\": %lu", sizes[s], n);
				if (ns)
					printf(", \"median_ns\": %" PRIu64 ", \"gbps\": %.3f, "
					       "\"vs_memset\": %.3f}", ns, (double)sizes[s] / (double)ns,
					       floor_ns ? (double)floor_ns / (double)ns : 0.0);
				else {
					printf(", \"error\": ");
					json_string(stdout, error);
					printf("}");
				}
				first = false;
				continue;
			}
			dmaheap_format_size(sizes[s], human, sizeof(human));
			if (ns)
				printf("%-10s %-20s %6lu %12.2f %9.3f %10.3f\n", human, names[h], n,
				       (double)ns / 1000.0, (double)sizes[s] / (double)ns,
				       floor_ns ? (double)floor_ns / (double)ns : 0.0);
			else
				printf("%-10s %-20s %6s %12s %9s %10s  %s\n", human, names[h], "-",
				       "-", "-", "-", error);
		}
		free(samples);
		fflush(stdout);
	}
	if (json)
		printf("\n]}\n");
	dmaheap_heap_list_free(list);
	dmaheap_ctx_destroy(ctx);
	return ret;
}
