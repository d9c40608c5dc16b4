// SPDX-License-Identifier: MIT
/* dmaheap alloc: allocate buffers, describe them, optionally hold them. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmaheap.h"

static void alloc_help(void)
{
	printf("usage: dmaheap alloc (--heap NAME | --usage USAGE | --for DEVICE,...)\n"
	       "                     --size SIZE [--cpu ACCESS]\n"
	       "                     [--count N] [--hold SECONDS] [--udmabuf-fallback]\n"
	       "                     [--name NAME | --no-name]\n\n"
	       "Allocate N buffers (default 1) of SIZE (4096, 64K, 8M, 1G) from a heap,\n"
	       "from the first heap that works for a usage (scanout, camera, codec,\n"
	       "gpu, cpu; see DMAHEAP_HEAPS), or from the cheapest heap every device\n"
	       "given accepts (see 'dmaheap constraints'), print each buffer's fd,\n"
	       "size, heap and inode, keep them for SECONDS (so that 'dmaheap info\n"
	       "PID' can see them), then free them.\n\n"
	       "  --heap NAME          a heap in /dev/dma_heap, or 'udmabuf'\n"
	       "  --usage USAGE        choose the heap through the usage policy\n"
	       "  --for DEVICE,...     choose the heap for these devices (/dev/video0,\n"
	       "                       /dev/dri/card0, ...); prints why\n"
	       "  --cpu ACCESS         with --for: none, read, write or rw (default rw)\n"
	       "                       (--usage with --for: the fallback for a device whose\n"
	       "                       needs are unknown; default cpu)\n"
	       "  --size SIZE          bytes per buffer, with K, M, G suffixes\n"
	       "  --count N            how many buffers (default 1)\n"
	       "  --hold SECONDS       keep the buffers this long before freeing them\n"
	       "  --udmabuf-fallback   with --usage: use udmabuf when no heap works\n"
	       "  --name NAME          name the buffers NAME instead of the heap's name\n"
	       "  --no-name            leave the buffers unnamed\n"
	       "  --help               this text\n");
}

int cmd_alloc(int argc, char **argv)
{
	static const struct option options[] = {
		{ "heap", required_argument, NULL, 'H' },
		{ "usage", required_argument, NULL, 'u' },
		{ "for", required_argument, NULL, 'F' },
		{ "cpu", required_argument, NULL, 'C' },
		{ "size", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'c' },
		{ "hold", required_argument, NULL, 'w' },
		{ "udmabuf-fallback", no_argument, NULL, 'f' },
		{ "name", required_argument, NULL, 'n' },
		{ "no-name", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *heap_name = NULL, *usage_name = NULL, *name = NULL, *devices = NULL;
	unsigned int cpu = DMAHEAP_CPU_READ | DMAHEAP_CPU_WRITE;
	struct dmaheap_device *devs[16];
	size_t ndevs = 0;
	char why[1024];
	unsigned long count = 1, hold = 0;
	unsigned int flags = 0;
	enum dmaheap_usage usage = DMAHEAP_USAGE_CPU;
	struct dmaheap_heap *heap;
	struct dmaheap_ctx *ctx;
	uint64_t size = 0;
	int c, ret = EXIT_OK, *fds = NULL;
	unsigned long made = 0;

	while ((c = getopt_long(argc, argv, "H:u:F:C:s:c:w:fn:Nh", options, NULL)) != -1) {
		switch (c) {
		case 'H': heap_name = optarg; break;
		case 'u': usage_name = optarg; break;
		case 'F': devices = optarg; break;
		case 'C':
			if (!parse_cpu_arg(optarg, &cpu))
				return usage_error("alloc", "--cpu wants none, read, write or rw, "
						   "not '%s'", optarg);
			break;
		case 's':
			if (!parse_size_arg("alloc", "--size", optarg, &size))
				return EXIT_USAGE;
			break;
		case 'c':
			if (!parse_uint_arg(optarg, &count) || count == 0 || count > 65536)
				return usage_error("alloc", "--count wants 1 to 65536, not '%s'",
						   optarg);
			break;
		case 'w':
			if (!parse_uint_arg(optarg, &hold))
				return usage_error("alloc", "--hold wants whole seconds, not '%s'",
						   optarg);
			break;
		case 'f': flags |= DMAHEAP_CTX_UDMABUF_FALLBACK; break;
		case 'n': name = optarg; break;
		case 'N': flags |= DMAHEAP_CTX_NO_NAMES; break;
		case 'h': alloc_help(); return EXIT_OK;
		default: return usage_error("alloc", "bad option");
		}
	}
	if (optind < argc)
		return usage_error("alloc", "unexpected argument '%s'", argv[optind]);
	if (!!heap_name + !!(usage_name && !devices) + !!devices != 1 || (heap_name && usage_name))
		return usage_error("alloc", "give exactly one of --heap NAME, --usage USAGE "
				   "and --for DEVICE,... (--for takes --usage as its fallback)");
	if (size == 0)
		return usage_error("alloc", "--size is required (e.g. --size 8M)");
	if (usage_name && dmaheap_usage_from_name(usage_name, &usage) < 0)
		return usage_error("alloc", "%s", dmaheap_last_error());

	ctx = dmaheap_ctx_create(flags);
	if (!ctx)
		return fail("alloc", "%s", dmaheap_last_error());
	if (devices) {
		char *list = strdup(devices), *rest = list, *dev;

		while (list && (dev = strsep(&rest, ",")) != NULL) {
			if (!*dev)
				continue;
			if (ndevs == sizeof(devs) / sizeof(devs[0])) {
				free(list);
				ret = usage_error("alloc", "--for takes at most %zu devices",
						  ndevs);
				goto out;
			}
			devs[ndevs] = dmaheap_device_get(ctx, dev);
			if (!devs[ndevs]) {
				free(list);
				ret = fail("alloc", "%s", dmaheap_last_error());
				goto out;
			}
			ndevs++;
		}
		free(list);
		if (ndevs == 0) {
			ret = usage_error("alloc", "--for names no device");
			goto out;
		}
		heap = dmaheap_heap_for_devices(ctx, devs, ndevs, cpu,
						usage_name ? usage : DMAHEAP_USAGE_CPU,
						why, sizeof(why));
		if (heap)
			printf("heap %s\n", why);
	} else {
		heap = heap_name ? dmaheap_heap_open(ctx, heap_name) :
			dmaheap_heap_for_usage(ctx, usage);
	}
	fds = calloc(count, sizeof(*fds));
	if (!heap || !fds) {
		ret = fail("alloc", "%s", heap ? "out of memory" : dmaheap_last_error());
		goto out;
	}
	for (made = 0; made < count; made++) {
		struct dmaheap_buf_desc desc = { .struct_size = sizeof(desc) };
		char human[32];

		fds[made] = dmaheap_heap_alloc(heap, size, DMAHEAP_FD_FLAGS_DEFAULT, 0);
		if (fds[made] < 0) {
			ret = fail("alloc", "buffer %lu of %lu: %s", made + 1, count,
				   dmaheap_last_error());
			break;
		}
		if (name && dmaheap_buf_set_name(fds[made], name) < 0) {
			ret = fail("alloc", "%s", dmaheap_last_error());
			made++;
			break;
		}
		if (dmaheap_describe(fds[made], &desc) < 0) {
			ret = fail("alloc", "%s", dmaheap_last_error());
			made++;
			break;
		}
		printf("fd %d: %s from %s, exporter %s, name '%s', inode %" PRIu64 "\n",
		       fds[made], dmaheap_format_size(desc.size, human, sizeof(human)),
		       dmaheap_heap_name(heap), desc.exporter, desc.name, desc.inode);
	}
	if (ret == EXIT_OK && hold) {
		printf("holding %lu buffers for %lu s (pid %d)\n", count, hold, (int)getpid());
		fflush(stdout);
		sleep((unsigned int)hold);
	}
out:
	for (unsigned long i = 0; fds && i < made; i++)
		close(fds[i]);
	free(fds);
	dmaheap_ctx_destroy(ctx);
	return ret;
}
