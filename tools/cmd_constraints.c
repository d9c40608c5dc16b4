// SPDX-License-Identifier: MIT
/* dmaheap constraints: what each device accepts, and the heap for all. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dmaheap.h"

static void constraints_help(void)
{
	printf("usage: dmaheap constraints [--cpu ACCESS] [--json] DEVICE...\n\n"
	       "What each DEVICE accepts for the buffers it imports: whether it\n"
	       "needs physically contiguous memory, the highest address it\n"
	       "reaches, its longest DMA segment and whether its DMA is\n"
	       "cache-coherent, each with the reason. Learnt from sysfs and, where\n"
	       "sysfs cannot tell, by importing a scattered and then a contiguous\n"
	       "buffer into the device (its queues are left as found). Then the heap\n"
	       "that 'dmaheap alloc --for' would choose for all of them.\n\n"
	       "  DEVICE         /dev/videoN, /dev/dri/cardN, /dev/dri/renderDN,\n"
	       "                 /dev/dmaheap-importer/NAME or a device's directory in /sys\n"
	       "  --cpu ACCESS   what the CPU does with the buffers: none, read, write\n"
	       "                 or rw (default rw)\n"
	       "  --json         one JSON object\n"
	       "  --help         this text\n");
}

bool parse_cpu_arg(const char *text, unsigned int *cpu)
{
	if (strcmp(text, "none") == 0)
		*cpu = DMAHEAP_CPU_NONE;
	else if (strcmp(text, "read") == 0)
		*cpu = DMAHEAP_CPU_READ;
	else if (strcmp(text, "write") == 0)
		*cpu = DMAHEAP_CPU_WRITE;
	else if (strcmp(text, "rw") == 0)
		*cpu = DMAHEAP_CPU_READ | DMAHEAP_CPU_WRITE;
	else
		return false;
	return true;
}

static const char *answer_text(enum dmaheap_answer a, const char *yes, const char *no)
{
	return a == DMAHEAP_ANSWER_YES ? yes : a == DMAHEAP_ANSWER_NO ? no : "unknown";
}

static void print_limit(const char *label, uint64_t v, const char *none, const char *why)
{
	if (v == UINT64_MAX)
		printf("  %-11s %s (%s)\n", label, none, why);
	else
		printf("  %-11s %#" PRIx64 " (%s)\n", label, v, why);
}

static void json_answer(const char *key, enum dmaheap_answer a, const char *why)
{
	printf("\"%s\": %s, \"%s_reason\": ", key,
	       a == DMAHEAP_ANSWER_YES ? "true" : a == DMAHEAP_ANSWER_NO ? "false" : "null",
	       key);
	json_string(stdout, why);
}

static void json_limit(const char *key, uint64_t v, const char *why)
{
	if (v == UINT64_MAX)
		printf("\"%s\": null, \"%s_reason\": ", key, key);
	else
		printf("\"%s\": %" PRIu64 ", \"%s_reason\": ", key, v, key);
	json_string(stdout, why);
}

int cmd_constraints(int argc, char **argv)
{
	static const struct option options[] = {
		{ "cpu", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int cpu = DMAHEAP_CPU_READ | DMAHEAP_CPU_WRITE;
	struct dmaheap_device **devs;
	struct dmaheap_heap *heap;
	struct dmaheap_ctx *ctx;
	bool json = false;
	char why[1024];
	int c, n, ret = EXIT_OK;

	while ((c = getopt_long(argc, argv, "c:jh", options, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (!parse_cpu_arg(optarg, &cpu))
				return usage_error("constraints", "--cpu wants none, read, "
						   "write or rw, not '%s'", optarg);
			break;
		case 'j': json = true; break;
		case 'h': constraints_help(); return EXIT_OK;
		default: return usage_error("constraints", "bad option");
		}
	}
	n = argc - optind;
	if (n < 1)
		return usage_error("constraints", "name at least one device (e.g. /dev/video0)");
	ctx = dmaheap_ctx_create(0);
	if (!ctx)
		return fail("constraints", "%s", dmaheap_last_error());
	devs = calloc((size_t)n, sizeof(*devs));
	if (!devs) {
		dmaheap_ctx_destroy(ctx);
		return fail("constraints", "out of memory");
	}
	for (int i = 0; i < n; i++) {
		devs[i] = dmaheap_device_get(ctx, argv[optind + i]);
		if (!devs[i]) {
			ret = fail("constraints", "%s", dmaheap_last_error());
			goto out;
		}
	}
	heap = dmaheap_heap_for_devices(ctx, devs, (size_t)n, cpu, DMAHEAP_USAGE_CPU,
					why, sizeof(why));
	if (json)
		printf("{\"devices\": [");
	for (int i = 0; i < n; i++) {
		const struct dmaheap_device *d = devs[i];
		const char *w_contig, *w_addr, *w_seg, *w_coh;
		enum dmaheap_answer contig = dmaheap_device_needs_contiguous(d, &w_contig);
		enum dmaheap_answer coh = dmaheap_device_coherent(d, &w_coh);
		uint64_t addr = dmaheap_device_max_address(d, &w_addr);
		uint64_t seg = dmaheap_device_max_segment(d, &w_seg);

		if (json) {
			printf("%s{\"name\": ", i ? ", " : "");
			json_string(stdout, dmaheap_device_name(d));
			printf(", \"kind\": ");
			json_string(stdout, dmaheap_device_kind(d));
			printf(", \"driver\": ");
			json_string(stdout, dmaheap_device_driver(d));
			printf(", ");
			json_answer("contiguous", contig, w_contig);
			printf(", ");
			json_limit("max_address", addr, w_addr);
			printf(", ");
			json_limit("max_segment", seg, w_seg);
			printf(", ");
			json_answer("coherent", coh, w_coh);
			printf("}");
			continue;
		}
		printf("%s\n  kind        %s, driver %s\n", dmaheap_device_name(d),
		       dmaheap_device_kind(d),
		       *dmaheap_device_driver(d) ? dmaheap_device_driver(d) : "(none)");
		printf("  contiguous  %s (%s)\n", answer_text(contig, "needed", "not needed"),
		       w_contig);
		print_limit("reaches", addr, "all memory", w_addr);
		print_limit("segments", seg, "any length", w_seg);
		printf("  coherent    %s (%s)\n", answer_text(coh, "yes", "no"), w_coh);
	}
	if (json) {
		printf("], \"heap\": ");
		json_string(stdout, heap ? dmaheap_heap_name(heap) : "");
		printf(", \"reason\": ");
		json_string(stdout, heap ? why : dmaheap_last_error());
		printf("}\n");
	} else if (heap) {
		printf("heap for %s: %s\n", n > 1 ? "all of them" : "it", why);
	} else {
		printf("heap: none (%s)\n", dmaheap_last_error());
	}
	if (!heap)
		ret = EXIT_FAIL;
out:
	free(devs);
	dmaheap_ctx_destroy(ctx);
	return ret;
}
