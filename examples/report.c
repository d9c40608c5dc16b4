// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "report.h"

void report_init(struct report *r, const char *stage)
{
	memset(r, 0, sizeof(*r));
	r->stage = stage;
}

int report_add(struct report *r, const char *role, int fd, const char *why)
{
	struct report_buffer *b;

	if (r->count == REPORT_MAX_BUFFERS)
		return fail("report: more than %d buffers", REPORT_MAX_BUFFERS);
	b = &r->bufs[r->count];
	memset(b, 0, sizeof(*b));
	snprintf(b->role, sizeof(b->role), "%s", role);
	b->fd = fd;
	snprintf(b->why, sizeof(b->why), "%s", why ? why : "");
	b->desc.struct_size = sizeof(b->desc);
	if (dmaheap_describe(fd, &b->desc))
		return fail("report: describe %s: %s", role, dmaheap_last_error());
	r->count++;
	printf("%s: dma-buf inode %" PRIu64 ", heap %s, %" PRIu64 " bytes\n", role,
	       b->desc.inode, b->desc.exporter, b->desc.size);
	return 0;
}

static void add_device(struct report_buffer *b, const char *dev)
{
	for (unsigned int i = 0; i < b->num_devices; i++)
		if (!strcmp(b->devices[i], dev))
			return;
	if (b->num_devices < REPORT_MAX_DEVICES)
		snprintf(b->devices[b->num_devices++], sizeof(b->devices[0]), "%s", dev);
}

/* Mappings of a dma-buf show in /proc/self/maps as "/dmabuf:NAME" with its inode. */
static void count_cpu_maps(struct report *r)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned int maps[REPORT_MAX_BUFFERS] = { 0 };
	char line[512];

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long long inode;
		char path[256] = "";

		if (sscanf(line, "%*s %*s %*s %*s %llu %255s", &inode, path) < 2 ||
		    strncmp(path, "/dmabuf", 7))
			continue;
		for (unsigned int i = 0; i < r->count; i++)
			maps[i] += r->bufs[i].desc.inode == inode;
	}
	if (f)
		fclose(f);
	for (unsigned int i = 0; i < r->count; i++)
		if (maps[i] > r->bufs[i].cpu_maps)
			r->bufs[i].cpu_maps = maps[i];
}

/* Other processes holding one of the buffers through an fd (a compositor
 * that imported them): /proc/PID/fdinfo, root or the same user only. */
static void find_holders(struct report *r)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;

	while (proc && (de = readdir(proc))) {
		pid_t pid = (pid_t)atoi(de->d_name);
		struct dmaheap_proc_bufs *bufs;
		char comm[32] = "?", path[64], who[48];
		FILE *f;

		if (pid <= 0 || pid == getpid() || !(bufs = dmaheap_proc_bufs_get(pid)))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
		if ((f = fopen(path, "r"))) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
		snprintf(who, sizeof(who), "%s[%d]", comm, (int)pid);
		for (unsigned int i = 0; i < r->count; i++) {
			struct report_buffer *b = &r->bufs[i];
			bool held = false, known = false;

			for (size_t k = 0; k < bufs->count; k++)
				held |= bufs->bufs[k]->inode == b->desc.inode;
			for (unsigned int h = 0; h < b->num_holders; h++)
				known |= !strcmp(b->holders[h], who);
			if (held && !known && b->num_holders < REPORT_MAX_DEVICES)
				snprintf(b->holders[b->num_holders++], sizeof(b->holders[0]), "%s", who);
		}
		dmaheap_proc_bufs_free(bufs);
	}
	if (proc)
		closedir(proc);
}

void report_sample(struct report *r)
{
	struct dmaheap_bufinfo *info = dmaheap_bufinfo_read();

	r->samples++;
	count_cpu_maps(r);
	find_holders(r);
	if (!info) {
		snprintf(r->bufinfo_error, sizeof(r->bufinfo_error), "%s", dmaheap_last_error());
		return;
	}
	for (unsigned int i = 0; i < r->count; i++) {
		const struct dmaheap_bufinfo_entry *e =
			dmaheap_bufinfo_find(info, r->bufs[i].desc.inode);

		for (size_t d = 0; e && d < e->num_devices; d++)
			add_device(&r->bufs[i], e->devices[d]);
	}
	dmaheap_bufinfo_free(info);
}

/* Whether heap is known to give physically contiguous memory (CMA, carveouts). */
static bool heap_contiguous(const struct dmaheap_heap_list *list, const char *heap)
{
	for (size_t i = 0; list && i < list->count; i++)
		if (strcmp(list->heaps[i]->name, heap) == 0)
			return (list->heaps[i]->props_known & DMAHEAP_PROP_CONTIGUOUS) &&
			       (list->heaps[i]->props & DMAHEAP_PROP_CONTIGUOUS);
	return false;
}

static void report_print(const struct report *r, FILE *f)
{
	struct dmaheap_ctx *ctx = dmaheap_ctx_create(DMAHEAP_CTX_IGNORE_ENV);
	struct dmaheap_heap_list *heaps = ctx ? dmaheap_heap_list_get(ctx) : NULL;
	unsigned int maps = 0, contig_bufs = 0;
	uint64_t contig_bytes = 0;

	fprintf(f, "stage %s: %u buffers, devices from %u bufinfo samples%s%s\n", r->stage,
		r->count, r->samples, r->bufinfo_error[0] ? ": " : "", r->bufinfo_error);
	for (unsigned int i = 0; i < r->count; i++) {
		const struct report_buffer *b = &r->bufs[i];

		fprintf(f, "  %-12s inode %-6" PRIu64 " heap %-18s size %-8" PRIu64 " cpu-maps %u devices",
			b->role, b->desc.inode, b->desc.exporter, b->desc.size, b->cpu_maps);
		for (unsigned int d = 0; d < b->num_devices; d++)
			fprintf(f, "%s%s", d ? "," : " ", b->devices[d]);
		fprintf(f, "%s\n", b->num_devices ? "" : " (none seen)");
		for (unsigned int h = 0; h < b->num_holders; h++)
			fprintf(f, "%s%s%s", h ? "," : "    holders ", b->holders[h],
				h + 1 == b->num_holders ? "\n" : "");
		if (b->why[0] && (i == 0 || strcmp(b->why, r->bufs[i - 1].why)))
			fprintf(f, "    heap-choice %s\n", b->why);
		maps += b->cpu_maps;
		if (heap_contiguous(heaps, b->desc.exporter)) {
			contig_bytes += b->desc.size;
			contig_bufs++;
		}
	}
	fprintf(f, "  contiguous-memory %" PRIu64 " bytes in %u buffers (from CMA or "
		"carveout heaps)%s\n", contig_bytes, contig_bufs,
		heaps ? "" : " (heap properties unknown)");
	dmaheap_heap_list_free(heaps);
	dmaheap_ctx_destroy(ctx);
	fprintf(f, "  cpu-copies %u (pixel copies between stages), cpu-maps %u\n",
		r->cpu_copies, maps);
}

int report_write(const struct report *r, const char *path)
{
	FILE *f;

	report_print(r, stdout);
	if (!path)
		return 0;
	f = fopen(path, "a");
	if (!f)
		return fail("report: open %s: %s", path, strerror(errno));
	report_print(r, f);
	if (fclose(f))
		return fail("report: write %s: %s", path, strerror(errno));
	return 0;
}
