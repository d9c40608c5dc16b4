// SPDX-License-Identifier: MIT
/* dmaheap list: the heaps present, their properties and statistics. */
#include <getopt.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "dmaheap.h"

static void list_help(void)
{
	printf("usage: dmaheap list [--json]\n\n"
	       "List the dma-buf heaps in /dev/dma_heap: whether this user can open\n"
	       "each, its properties, the buffers it has exported now (from the\n"
	       "dma-buf core, debugfs), and the heap's own counters when its module\n"
	       "publishes them. Also says whether the udmabuf fallback is available.\n\n"
	       "  CONTIG   every buffer is physically contiguous\n"
	       "  CACHED   CPU mappings are cached (no: write-combined or no mapping)\n"
	       "  CPU      the CPU can map buffers (mmap, vmap, DMA_BUF_IOCTL_SYNC)\n"
	       "  ADDRESS  where buffers lie: any, <4 GiB (every byte below 4 GiB),\n"
	       "           or <=0x... (the highest address a byte may have)\n\n"
	       "A value the kernel publishes is shown as is; one taken from the\n"
	       "heap's name (mainline's heaps publish nothing) ends in '?', and a\n"
	       "lone '?' is not known.\n\n"
	       "  --json   machine-readable output\n"
	       "  --help   this text\n");
}

/* "yes", "no"; "yes?", "no?" when taken from the name; "?" when unknown. */
static const char *prop(const struct dmaheap_heap_info *h, unsigned int bit, bool holds)
{
	if (!(h->props_known & bit))
		return "?";
	if (h->props_published & bit)
		return holds ? "yes" : "no";
	return holds ? "yes?" : "no?";
}

/* "any", "<4 GiB", "<=0x8fffffff"; "?" appended when taken from the name. */
static const char *address(const struct dmaheap_heap_info *h, char *buf, size_t len)
{
	const char *guess = (h->props_published & DMAHEAP_PROP_MAX_ADDRESS) ? "" : "?";
	char human[32];

	if (!(h->props_known & DMAHEAP_PROP_MAX_ADDRESS))
		snprintf(buf, len, "?");
	else if (h->max_address == UINT64_MAX)
		snprintf(buf, len, "any%s", guess);
	else if (!strchr(dmaheap_format_size(h->max_address + 1, human, sizeof(human)), '.'))
		snprintf(buf, len, "<%s%s", human, guess);
	else	/* not a round size: the address itself */
		snprintf(buf, len, "<=0x%" PRIx64 "%s", h->max_address, guess);
	return buf;
}

/* true, false, or null when not known */
static const char *json_prop(const struct dmaheap_heap_info *h, unsigned int bit, bool holds)
{
	if (!(h->props_known & bit))
		return "null";
	return holds ? "true" : "false";
}

static void print_json(const struct dmaheap_heap_list *list, bool udmabuf)
{
	static const struct { const char *key; unsigned int bit; } published[] = {
		{ "contiguous", DMAHEAP_PROP_CONTIGUOUS },
		{ "cached", DMAHEAP_PROP_CACHED },
		{ "cpu_access", DMAHEAP_PROP_SECURE },
		{ "max_address", DMAHEAP_PROP_MAX_ADDRESS },
	};

	printf("{\"heaps\": [");
	for (size_t i = 0; i < list->count; i++) {
		const struct dmaheap_heap_info *h = list->heaps[i];
		const char *sep = "";

		printf("%s\n  {\"name\": ", i ? "," : "");
		json_string(stdout, h->name);
		printf(", \"path\": ");
		json_string(stdout, h->path);
		printf(", \"accessible\": %s, \"open_error\": ", h->open_errno ? "false" : "true");
		json_string(stdout, h->open_errno ? strerror(h->open_errno) : "");
		printf(", \"contiguous\": %s, \"cached\": %s, \"secure\": %s, \"cpu_access\": %s",
		       json_prop(h, DMAHEAP_PROP_CONTIGUOUS, h->props & DMAHEAP_PROP_CONTIGUOUS),
		       json_prop(h, DMAHEAP_PROP_CACHED, h->props & DMAHEAP_PROP_CACHED),
		       json_prop(h, DMAHEAP_PROP_SECURE, h->props & DMAHEAP_PROP_SECURE),
		       json_prop(h, DMAHEAP_PROP_SECURE, !(h->props & DMAHEAP_PROP_SECURE)));
		/* a string: JSON readers may hold numbers as doubles */
		if (h->props_known & DMAHEAP_PROP_MAX_ADDRESS)
			printf(", \"max_address\": \"0x%" PRIx64 "\"", h->max_address);
		else
			printf(", \"max_address\": null");
		printf(", \"properties_from\": \"%s\", \"from_kernel\": [",
		       h->props_published ? "kernel" : "name");
		for (size_t p = 0; p < sizeof(published) / sizeof(published[0]); p++) {
			if (!(h->props_published & published[p].bit))
				continue;
			printf("%s\"%s\"", sep, published[p].key);
			sep = ", ";
		}
		printf("], \"live_buffers\": %" PRId64 ", \"live_bytes\": %" PRId64
		       ", \"stats\": {", h->live_buffers, h->live_bytes);
		for (size_t s = 0; s < h->num_stats; s++) {
			printf("%s", s ? ", " : "");
			json_string(stdout, h->stats[s].key);
			printf(": %" PRIu64, h->stats[s].value);
		}
		printf("}}");
	}
	printf("%s], \"udmabuf\": %s}\n", list->count ? "\n" : "", udmabuf ? "true" : "false");
}

static void print_table(const struct dmaheap_heap_list *list)
{
	const unsigned int all = DMAHEAP_PROP_CONTIGUOUS | DMAHEAP_PROP_CACHED |
				 DMAHEAP_PROP_SECURE | DMAHEAP_PROP_MAX_ADDRESS;
	bool guessed = false;
	char human[32], where[40];

	printf("%-20s %-18s %-6s %-6s %-6s %-12s %s\n", "HEAP", "ACCESS", "CONTIG", "CACHED",
	       "CPU", "ADDRESS", "LIVE");
	for (size_t i = 0; i < list->count; i++) {
		const struct dmaheap_heap_info *h = list->heaps[i];
		char live[64] = "unknown (debugfs)";

		if (h->live_buffers >= 0)
			snprintf(live, sizeof(live), "%" PRId64 " buffers, %s", h->live_buffers,
				 dmaheap_format_size((uint64_t)h->live_bytes, human, sizeof(human)));
		printf("%-20s %-18s %-6s %-6s %-6s %-12s %s\n", h->name,
		       h->open_errno ? strerror(h->open_errno) : "ok",
		       prop(h, DMAHEAP_PROP_CONTIGUOUS, h->props & DMAHEAP_PROP_CONTIGUOUS),
		       prop(h, DMAHEAP_PROP_CACHED, h->props & DMAHEAP_PROP_CACHED),
		       prop(h, DMAHEAP_PROP_SECURE, !(h->props & DMAHEAP_PROP_SECURE)),
		       address(h, where, sizeof(where)), live);
		for (size_t s = 0; s < h->num_stats; s++)
			printf("%-20s   %s: %" PRIu64 "\n", "", h->stats[s].key, h->stats[s].value);
		guessed |= (h->props_published & all) != all;
	}
	if (guessed)
		printf("?: taken from the heap's name, not published by the kernel; "
		       "a lone ?: not known\n");
}

int cmd_list(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dmaheap_heap_list *list;
	struct dmaheap_ctx *ctx;
	bool json = false, udmabuf;
	int c;

	while ((c = getopt_long(argc, argv, "jh", options, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'h': list_help(); return EXIT_OK;
		default: return usage_error("list", "bad option");
		}
	}
	if (optind < argc)
		return usage_error("list", "unexpected argument '%s'", argv[optind]);

	ctx = dmaheap_ctx_create(0);
	if (!ctx)
		return fail("list", "%s", dmaheap_last_error());
	list = dmaheap_heap_list_get(ctx);
	if (!list) {
		fail("list", "%s", dmaheap_last_error());
		dmaheap_ctx_destroy(ctx);
		return EXIT_FAIL;
	}
	udmabuf = dmaheap_heap_open(ctx, DMAHEAP_UDMABUF) != NULL;
	if (json) {
		print_json(list, udmabuf);
	} else {
		if (list->count)
			print_table(list);
		else
			fprintf(stderr, "dmaheap list: no heaps in %s: %s\n",
				dmaheap_ctx_heap_dir(ctx),
				access(dmaheap_ctx_heap_dir(ctx), F_OK) == 0 ? "it is empty; load "
				"the dmaheap kernel modules (see kernel/README.md)" :
				"it does not exist; load the dmaheap kernel modules "
				"(see kernel/README.md) or boot a kernel with "
				"CONFIG_DMABUF_HEAPS");
		printf("udmabuf: %s\n", udmabuf ? "available (fallback and reference)" :
		       dmaheap_last_error());
	}
	dmaheap_heap_list_free(list);
	dmaheap_ctx_destroy(ctx);
	return EXIT_OK;
}
