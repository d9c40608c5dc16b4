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
	       "each, whether it is physically contiguous, CPU-cached or secure (from\n"
	       "the kernel when it says, otherwise guessed from the name, marked '?'),\n"
	       "the buffers it has exported now (from the dma-buf core, debugfs), and\n"
	       "the heap's own counters when its module publishes them. Also says\n"
	       "whether the udmabuf fallback is available.\n\n"
	       "  --json   machine-readable output\n"
	       "  --help   this text\n");
}

static const char *prop(const struct dmaheap_heap_info *h, unsigned int bit)
{
	if (!(h->props_known & bit))
		return "?";
	if (h->props_from_kernel)
		return (h->props & bit) ? "yes" : "no";
	return (h->props & bit) ? "yes?" : "no?";
}

static void print_json(const struct dmaheap_heap_list *list, bool udmabuf)
{
	printf("{\"heaps\": [");
	for (size_t i = 0; i < list->count; i++) {
		const struct dmaheap_heap_info *h = &list->heaps[i];

		printf("%s\n  {\"name\": ", i ? "," : "");
		json_string(stdout, h->name);
		printf(", \"path\": ");
		json_string(stdout, h->path);
		printf(", \"accessible\": %s, \"open_error\": ", h->open_errno ? "false" : "true");
		json_string(stdout, h->open_errno ? strerror(h->open_errno) : "");
		printf(", \"contiguous\": %s, \"cached\": %s, \"secure\": %s, "
		       "\"properties_from\": \"%s\", \"live_buffers\": %" PRId64
		       ", \"live_bytes\": %" PRId64 ", \"stats\": {",
		       (h->props & DMAHEAP_PROP_CONTIGUOUS) ? "true" : "false",
		       (h->props & DMAHEAP_PROP_CACHED) ? "true" : "false",
		       (h->props & DMAHEAP_PROP_SECURE) ? "true" : "false",
		       h->props_from_kernel ? "kernel" : "name", h->live_buffers, h->live_bytes);
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
	char human[32];

	printf("%-20s %-18s %-6s %-6s %-6s %s\n", "HEAP", "ACCESS", "CONTIG", "CACHED",
	       "SECURE", "LIVE");
	for (size_t i = 0; i < list->count; i++) {
		const struct dmaheap_heap_info *h = &list->heaps[i];
		char live[64] = "unknown (debugfs)";

		if (h->live_buffers >= 0)
			snprintf(live, sizeof(live), "%" PRId64 " buffers, %s", h->live_buffers,
				 dmaheap_format_size((uint64_t)h->live_bytes, human, sizeof(human)));
		printf("%-20s %-18s %-6s %-6s %-6s %s\n", h->name,
		       h->open_errno ? strerror(h->open_errno) : "ok",
		       prop(h, DMAHEAP_PROP_CONTIGUOUS), prop(h, DMAHEAP_PROP_CACHED),
		       prop(h, DMAHEAP_PROP_SECURE), live);
		for (size_t s = 0; s < h->num_stats; s++)
			printf("%-20s   %s: %" PRIu64 "\n", "", h->stats[s].key, h->stats[s].value);
	}
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
