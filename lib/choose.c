// SPDX-License-Identifier: MIT
/*
 * Allocation for a set of devices: the cheapest heap that every device
 * accepts. A heap is ruled out when a device needs contiguous memory and the
 * heap is not known to be contiguous, when memory beyond a device's reach
 * exists and the heap is not known to stay below it, or when the CPU will
 * map the buffer and the heap cannot be mapped. Of the rest, the cost orders
 * them: memory the CPU cannot map, then contiguous memory, then memory below
 * an address limit are the scarce kinds, so they come last; cached memory
 * for a CPU that reads, uncached memory otherwise (no cache maintenance).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"

#define CPU_ALL (DMAHEAP_CPU_READ | DMAHEAP_CPU_WRITE)

/* The last byte of RAM, from /proc/zoneinfo's TEXT (modified); 0 when unknown. */
uint64_t zoneinfo_memory_top(char *text, uint64_t page)
{
	uint64_t spanned = 0, start, top = 0;
	char *line, *rest;

	for (rest = text; text && (line = strsep(&rest, "\n")) != NULL;) {
		line = str_trim(line);
		if (strncmp(line, "Node ", 5) == 0)
			spanned = 0;
		else if (sscanf(line, "spanned %" SCNu64, &spanned) == 1)
			continue;
		else if (sscanf(line, "start_pfn: %" SCNu64, &start) == 1 && spanned &&
			 start <= UINT64_MAX / page - spanned &&
			 (start + spanned) * page - 1 > top)
			top = (start + spanned) * page - 1;
	}
	return top;
}

static uint64_t memory_top(void)
{
	char *text = file_read_text("/proc/zoneinfo", NULL);
	uint64_t top = zoneinfo_memory_top(text, (uint64_t)sysconf(_SC_PAGESIZE));

	free(text);
	return top;
}

struct needs {
	const struct dmaheap_device *contig_dev;	/* first that needs it */
	const struct dmaheap_device *unknown_dev;	/* first whose need is unknown */
	const struct dmaheap_device *addr_dev;		/* the lowest limit */
	uint64_t max_address;		/* UINT64_MAX: none that matters */
	uint64_t memory_top;
	bool seg_limit;			/* a device limits its segments */
};

static void needs_of(struct dmaheap_device *const *devs, size_t count, struct needs *n)
{
	memset(n, 0, sizeof(*n));
	n->max_address = UINT64_MAX;
	for (size_t i = 0; i < count; i++) {
		const struct dmaheap_device *d = devs[i];

		if (d->contig == DMAHEAP_ANSWER_YES && !n->contig_dev)
			n->contig_dev = d;
		if (d->contig == DMAHEAP_ANSWER_UNKNOWN && !n->unknown_dev)
			n->unknown_dev = d;
		if (d->max_address < n->max_address) {
			n->max_address = d->max_address;
			n->addr_dev = d;
		}
		if (d->max_segment != UINT64_MAX)
			n->seg_limit = true;
	}
	n->memory_top = memory_top();
	/* a limit above all of memory limits nothing */
	if (n->max_address != UINT64_MAX && n->memory_top &&
	    n->max_address >= n->memory_top) {
		n->max_address = UINT64_MAX;
		n->addr_dev = NULL;
	}
}

/* Why h cannot serve; NULL when it can. */
static const char *heap_unfit(const struct dmaheap_heap_info *h, const struct needs *n,
			      unsigned int cpu_access)
{
	bool contig = (h->props_known & DMAHEAP_PROP_CONTIGUOUS) &&
		      (h->props & DMAHEAP_PROP_CONTIGUOUS);
	bool no_cpu = (h->props_known & DMAHEAP_PROP_SECURE) &&
		      (h->props & DMAHEAP_PROP_SECURE);
	uint64_t limit = (h->props_known & DMAHEAP_PROP_MAX_ADDRESS) ?
			 h->max_address : UINT64_MAX;

	if (h->open_errno)
		return "cannot be opened";
	if (n->contig_dev && !contig)
		return "not contiguous";
	if (cpu_access && no_cpu)
		return "the CPU cannot map it";
	if (n->addr_dev && limit > n->max_address)
		return "may lie beyond reach";
	return NULL;
}

static unsigned int heap_cost(const struct dmaheap_heap_info *h, const struct needs *n,
			      unsigned int cpu_access)
{
	unsigned int known = h->props_known, cost = 0;
	bool cached = !(known & DMAHEAP_PROP_CACHED) || (h->props & DMAHEAP_PROP_CACHED);

	if ((known & DMAHEAP_PROP_SECURE) && (h->props & DMAHEAP_PROP_SECURE))
		cost += 4000;	/* kept for what the CPU must not see */
	if (!(known & DMAHEAP_PROP_CONTIGUOUS))
		cost += 2000;	/* nothing known: last resort */
	else if (h->props & DMAHEAP_PROP_CONTIGUOUS)
		cost += 1000;	/* CMA and carveouts are the scarcest memory */
	if ((known & DMAHEAP_PROP_MAX_ADDRESS) && h->max_address != UINT64_MAX)
		cost += 100;	/* low memory is scarcer than the rest */
	if (cpu_access & DMAHEAP_CPU_READ)
		cost += cached ? 0 : 50;	/* CPU reads of uncached memory crawl */
	else
		cost += cached ? 10 : 0;	/* no cache maintenance needed */
	if (n->seg_limit && !h->props_published)
		cost += 20;	/* mainline's heaps do not cut segments to a device's limit */
	if (!h->props_published)
		cost += 1;	/* dmaheap's own (pooled) before mainline's of the same kind */
	return cost;
}

static const char *cpu_text(unsigned int cpu_access)
{
	switch (cpu_access) {
	case DMAHEAP_CPU_NONE: return "the CPU never maps it";
	case DMAHEAP_CPU_WRITE: return "the CPU only writes it";
	case DMAHEAP_CPU_READ: return "the CPU reads it";
	default: return "the CPU reads and writes it";
	}
}

/* "a, b and c" of the devices' names, for messages */
static void device_names(struct dmaheap_device *const *devs, size_t count, char *out,
			 size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < count && used < len; i++) {
		str_format(out + used, len - used, "%s%s",
			   i == 0 ? "" : i + 1 == count ? " and " : ", ", devs[i]->name);
		used = strlen(out);
	}
}

static void explain(char *why, size_t len, const char *heap,
		    const struct dmaheap_heap_info *h, const struct needs *n,
		    unsigned int cpu_access, size_t count)
{
	char contig[512], addr[320] = "", cpu[128];
	bool cached = !(h->props_known & DMAHEAP_PROP_CACHED) ||
		      (h->props & DMAHEAP_PROP_CACHED);

	if (n->contig_dev)
		str_format(contig, sizeof(contig), "%s needs contiguous memory (%s)",
			 n->contig_dev->name, n->contig_dev->contig_why);
	else
		str_format(contig, sizeof(contig), "%s contiguous memory",
			 count ? "no device needs" : "no devices, so no");
	if (n->addr_dev)
		str_format(addr, sizeof(addr), "; %s reaches only up to %#" PRIx64
			 " (%s) and memory goes up to %#" PRIx64, n->addr_dev->name,
			 n->max_address, n->addr_dev->address_why, n->memory_top);
	str_format(cpu, sizeof(cpu), "; %s: %s", cpu_text(cpu_access),
		 cached ? "cached" : "uncached");
	str_format(why, len, "%s: %s%s%s", heap, contig, addr, cpu);
}

struct dmaheap_heap *dmaheap_heap_for_devices(struct dmaheap_ctx *ctx,
					      struct dmaheap_device *const *devs,
					      size_t count, unsigned int cpu_access,
					      enum dmaheap_usage fallback,
					      char *why, size_t why_len)
{
	char local[1024], names[1024], unfit[1024];
	const struct dmaheap_heap_info *best = NULL;
	struct dmaheap_heap_list *list;
	struct dmaheap_heap *heap;
	unsigned int best_cost = 0;
	const char *env;
	struct needs n;
	bool user;
	size_t used = 0;

	if (!why || why_len == 0) {
		why = local;
		why_len = sizeof(local);
	}
	why[0] = '\0';
	if (!ctx)
		return error_set_null(EINVAL, "no context given");
	if (count && !devs)
		return error_set_null(EINVAL, "no devices given");
	for (size_t i = 0; i < count; i++)
		if (!devs[i])
			return error_set_null(EINVAL, "device %zu of %zu is NULL", i + 1, count);
	if (cpu_access & ~CPU_ALL)
		return error_set_null(EINVAL, "unknown CPU access bits 0x%x", cpu_access & ~CPU_ALL);
	if ((unsigned int)fallback >= DMAHEAP_USAGE_COUNT)
		return error_set_null(EINVAL, "fallback usage %d is out of range", (int)fallback);

	env = (ctx->flags & DMAHEAP_CTX_IGNORE_ENV) ? NULL : secure_getenv("DMAHEAP_DEVICE_HEAPS");
	if (env && *env) {
		char *copy = strdup(env), *rest = copy, *name;

		for (heap = NULL; copy && !heap && (name = strsep(&rest, ",")) != NULL;) {
			name = str_trim(name);
			if (*name && heap_name_valid(name))
				heap = dmaheap_heap_open(ctx, name);
		}
		free(copy);
		if (heap) {
			str_format(why, why_len, "%s: named in DMAHEAP_DEVICE_HEAPS",
				 dmaheap_heap_name(heap));
			return heap;
		}
	}

	pthread_mutex_lock(&ctx->lock);
	user = ctx->policy.user[fallback];
	pthread_mutex_unlock(&ctx->lock);
	if (user) {
		heap = dmaheap_heap_for_usage(ctx, fallback);
		if (heap)
			str_format(why, why_len, "%s: named by the user for the %s usage "
				   "(DMAHEAP_HEAPS or dmaheap_ctx_set_policy)",
				   dmaheap_heap_name(heap), dmaheap_usage_name(fallback));
		return heap;
	}

	device_names(devs, count, names, sizeof(names));
	needs_of(devs, count, &n);
	if (n.unknown_dev) {
		heap = dmaheap_heap_for_usage(ctx, fallback);
		if (heap)
			str_format(why, why_len, "%s: the %s usage policy, since whether %s "
				 "needs contiguous memory is not known (%s)",
				 dmaheap_heap_name(heap), dmaheap_usage_name(fallback),
				 n.unknown_dev->name, n.unknown_dev->contig_why);
		return heap;
	}

	list = dmaheap_heap_list_get(ctx);
	if (!list)
		return NULL;
	unfit[0] = '\0';
	for (size_t i = 0; i < list->count; i++) {
		const struct dmaheap_heap_info *h = list->heaps[i];
		const char *no = heap_unfit(h, &n, cpu_access);
		unsigned int cost;

		if (no) {
			str_format(unfit + used, sizeof(unfit) - used, "%s%s (%s)",
				   used ? ", " : "", h->name, no);
			used = strlen(unfit);
			continue;
		}
		cost = heap_cost(h, &n, cpu_access);
		if (!best || cost < best_cost) {
			best = h;
			best_cost = cost;
		}
	}
	if (!best) {
		char needs[768];

		str_format(needs, sizeof(needs), "%s%s%s%s%s",
			 n.contig_dev ? "contiguous memory for " : "",
			 n.contig_dev ? n.contig_dev->name : "",
			 n.addr_dev ? (n.contig_dev ? " below " : "memory below ") : "",
			 n.addr_dev ? "the address limit of " : "",
			 n.addr_dev ? n.addr_dev->name : "");
		dmaheap_heap_list_free(list);
		return error_set_null(ENODEV, "no heap fits %s: they need %s, %s; heaps: %s",
				      names[0] ? names : "the CPU",
				      needs[0] ? needs : "nothing special",
				      cpu_text(cpu_access), unfit[0] ? unfit : "none");
	}
	heap = dmaheap_heap_open(ctx, best->name);
	if (heap)
		explain(why, why_len, best->name, best, &n, cpu_access, count);
	dmaheap_heap_list_free(list);
	return heap;
}

int dmaheap_alloc_for_devices(struct dmaheap_ctx *ctx, struct dmaheap_device *const *devs,
			      size_t count, unsigned int cpu_access,
			      enum dmaheap_usage fallback, uint64_t size, int fd_flags,
			      char *why, size_t why_len, uint64_t flags)
{
	struct dmaheap_heap *heap;

	heap = dmaheap_heap_for_devices(ctx, devs, count, cpu_access, fallback, why, why_len);
	return heap ? dmaheap_heap_alloc(heap, size, fd_flags, flags) : -1;
}
