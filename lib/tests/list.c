// SPDX-License-Identifier: MIT
/*
 * Heap properties on the host, against a fake heap directory and a fake
 * sysfs (DMAHEAP_TEST_HEAP_DIR, DMAHEAP_TEST_SYSFS_DIR, for tests only):
 * the four attributes dmaheap's modules publish, in class dma_heap and in
 * the sibling class dmaheap, the legacy "secure", malformed files, the name
 * table for heaps that publish nothing, and the kernel winning over it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dmaheap/dmaheap.h>
#include "../../tests/tap.h"

#define CONTIG DMAHEAP_PROP_CONTIGUOUS
#define CACHED DMAHEAP_PROP_CACHED
#define NO_CPU DMAHEAP_PROP_SECURE
#define LIMIT DMAHEAP_PROP_MAX_ADDRESS
#define ALL (CONTIG | CACHED | NO_CPU | LIMIT)

static char top[] = "/tmp/dmaheap-list-XXXXXX";
static char heap_dir[256], sysfs_dir[256], sibling_dir[256];

static void touch(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void subdir(char *out, size_t len, const char *parent, const char *name)
{
	snprintf(out, len, "%s/%s", parent, name);
	if (mkdir(out, 0755) < 0 && errno != EEXIST) {
		perror(out);
		exit(1);
	}
}

/* A heap node and, when attrs is not NULL, its sysfs directory under class. */
static void heap(const char *name, const char *class, const char *const *attrs)
{
	char dir[300];

	touch(heap_dir, name, "");
	if (!attrs)
		return;
	subdir(dir, sizeof(dir), class, name);
	for (; attrs[0]; attrs += 2)
		touch(dir, attrs[0], attrs[1]);
}

static const struct dmaheap_heap_info *find(const struct dmaheap_heap_list *list,
					    const char *name)
{
	for (size_t i = 0; list && i < list->count; i++)
		if (strcmp(list->heaps[i]->name, name) == 0)
			return list->heaps[i];
	tap_diag("heap %s is not in the list", name);
	return NULL;
}

/* Says what differs, so that a failure shows more than "not ok". */
static bool info_is(const struct dmaheap_heap_info *h, unsigned int props,
		    unsigned int known, unsigned int published, uint64_t max_address)
{
	if (!h)
		return false;
	if (h->props == props && h->props_known == known &&
	    h->props_published == published && h->max_address == max_address)
		return true;
	tap_diag("%s: props 0x%x (want 0x%x), known 0x%x (0x%x), published 0x%x (0x%x), "
		 "max_address 0x%llx (0x%llx)", h->name, h->props, props,
		 h->props_known, known, h->props_published, published,
		 (unsigned long long)h->max_address, (unsigned long long)max_address);
	return false;
}

static void make_tree(void)
{
	static const char *const fb[] = {
		"contiguous", "1\n", "cached", "1\n", "cpu_access", "1\n",
		"max_address", "0x3fffffff\n", NULL,
	};
	static const char *const unmapped[] = {
		"contiguous", "1\n", "cached", "0\n", "cpu_access", "0\n",
		"max_address", "0xffffffffffffffff\n", NULL,
	};
	/* the kernel contradicts every guess of the name table */
	static const char *const dma32[] = {
		"contiguous", "1\n", "cached", "0\n", "cpu_access", "0\n",
		"max_address", "0xffffffffff\n", NULL,
	};
	/* only the limit published: the rest stays as the table says */
	static const char *const cma[] = { "max_address", "0xffffffff\n", NULL };
	static const char *const legacy[] = { "secure", "1\n", NULL };
	static const char *const both[] = { "secure", "1\n", "cpu_access", "1\n", NULL };
	static const char *const decimal[] = { "max_address", "4294967295\n", NULL };
	static const char *const bad[] = {
		"contiguous", "2\n", "cached", "yes\n", "cpu_access", "\n",
		"max_address", "ffffffff\n", NULL,
	};
	static const char *const bad_hex[] = { "max_address", "0x\n", NULL };
	static const char *const too_big[] = { "max_address", "0x1ffffffffffffffff\n", NULL };
	static const char *const zero[] = { "max_address", "0x0\n", NULL };
	static const char *const signed_hex[] = { "max_address", "0x-1\n", NULL };
	static const char *const nothing[] = { NULL };

	heap("fb0", sysfs_dir, fb);
	heap("vpu0", sibling_dir, unmapped);	/* beside a kernel's own core */
	heap("blob-dma32", sysfs_dir, dma32);
	heap("linux,cma", sysfs_dir, cma);
	heap("legacy0", sysfs_dir, legacy);
	heap("both0", sysfs_dir, both);
	heap("decimal0", sysfs_dir, decimal);
	heap("bad0", sysfs_dir, bad);
	heap("bad1", sysfs_dir, bad_hex);
	heap("bad2", sysfs_dir, too_big);
	heap("bad3", sysfs_dir, zero);
	heap("bad4", sysfs_dir, signed_hex);
	heap("system", sysfs_dir, nothing);	/* a directory, no attributes */
	heap("system-dma32", NULL, NULL);
	heap("system-uncached", NULL, NULL);
	heap("default_cma_region", NULL, NULL);
	heap("reserved", NULL, NULL);
	heap("secure-carveout", NULL, NULL);
	heap("vendor_heap", NULL, NULL);
}

static void test_kernel(const struct dmaheap_heap_list *list)
{
	tap_ok(info_is(find(list, "fb0"), CONTIG | CACHED, ALL, ALL, 0x3fffffff),
	       "all four attributes: contiguous, cached, CPU access, limit 0x3fffffff");
	tap_ok(info_is(find(list, "vpu0"), CONTIG | NO_CPU, ALL, ALL, UINT64_MAX),
	       "class dmaheap: cpu_access 0 is DMAHEAP_PROP_SECURE, all ones is no limit");
	tap_ok(info_is(find(list, "blob-dma32"), CONTIG | NO_CPU, ALL, ALL, 0xffffffffffULL),
	       "the kernel's attributes win over the name table");
	tap_ok(info_is(find(list, "linux,cma"), CONTIG | CACHED, ALL, LIMIT, 0xffffffff),
	       "what the kernel leaves out comes from the name table");
	tap_ok(info_is(find(list, "legacy0"), NO_CPU, NO_CPU, NO_CPU, UINT64_MAX),
	       "the legacy attribute secure=1 is DMAHEAP_PROP_SECURE");
	tap_ok(info_is(find(list, "both0"), 0, NO_CPU, NO_CPU, UINT64_MAX),
	       "cpu_access wins over secure");
	tap_ok(info_is(find(list, "decimal0"), 0, LIMIT, LIMIT, 0xffffffff),
	       "a decimal max_address is read as decimal");
}

static void test_malformed(const struct dmaheap_heap_list *list)
{
	tap_ok(info_is(find(list, "bad0"), 0, 0, 0, UINT64_MAX),
	       "contiguous 2, cached yes, an empty cpu_access, hex without 0x: all ignored");
	tap_ok(info_is(find(list, "bad1"), 0, 0, 0, UINT64_MAX), "max_address 0x is ignored");
	tap_ok(info_is(find(list, "bad2"), 0, 0, 0, UINT64_MAX),
	       "max_address beyond 64 bits is ignored");
	tap_ok(info_is(find(list, "bad3"), 0, 0, 0, UINT64_MAX), "max_address 0 is ignored");
	tap_ok(info_is(find(list, "bad4"), 0, 0, 0, UINT64_MAX), "max_address 0x-1 is ignored");
}

static void test_names(const struct dmaheap_heap_list *list)
{
	const unsigned int no_limit = CONTIG | CACHED | NO_CPU;

	tap_ok(info_is(find(list, "system"), CACHED, ALL, 0, UINT64_MAX),
	       "system: not contiguous, cached, CPU access, no limit (from the name)");
	tap_ok(info_is(find(list, "system-dma32"), CACHED, ALL, 0, 0xffffffff),
	       "system-dma32: as system, below 4 GiB (from the name)");
	tap_ok(info_is(find(list, "system-uncached"), 0, no_limit, 0, UINT64_MAX),
	       "system-uncached: not cached, limit unknown");
	tap_ok(info_is(find(list, "default_cma_region"), CONTIG | CACHED, no_limit, 0,
		       UINT64_MAX) &&
	       info_is(find(list, "reserved"), CONTIG | CACHED, no_limit, 0, UINT64_MAX),
	       "mainline's CMA heap names: contiguous, cached, CPU access, limit unknown");
	tap_ok(info_is(find(list, "secure-carveout"), CONTIG | NO_CPU, no_limit, 0,
		       UINT64_MAX),
	       "secure-carveout: contiguous, no CPU access, not cached");
	tap_ok(info_is(find(list, "vendor_heap"), 0, 0, 0, UINT64_MAX),
	       "a name in no row: nothing known");
}

int main(void)
{
	struct dmaheap_heap_list *list;
	struct dmaheap_ctx *ctx;
	char class[256], cmd[sizeof(top) + 16];

	if (!mkdtemp(top)) {
		perror("mkdtemp");
		return 1;
	}
	subdir(heap_dir, sizeof(heap_dir), top, "dma_heap");
	subdir(class, sizeof(class), top, "class");
	subdir(sysfs_dir, sizeof(sysfs_dir), class, "dma_heap");
	subdir(sibling_dir, sizeof(sibling_dir), class, "dmaheap");
	make_tree();
	setenv("DMAHEAP_TEST_HEAP_DIR", heap_dir, 1);
	setenv("DMAHEAP_TEST_SYSFS_DIR", sysfs_dir, 1);

	tap_plan(2 + 7 + 5 + 6);
	ctx = dmaheap_ctx_create(DMAHEAP_CTX_IGNORE_ENV);
	list = dmaheap_heap_list_get(ctx);
	if (!tap_ok(list && list->count == 19, "every node is listed (%zu)",
		    list ? list->count : 0))
		tap_diag("%s", dmaheap_last_error());
	{
		bool sized = list && list->struct_size == sizeof(*list);

		for (size_t i = 0; list && i < list->count; i++)
			sized &= list->heaps[i]->struct_size == sizeof(*list->heaps[i]) &&
				 DMAHEAP_HAS_FIELD(struct dmaheap_heap_info, list->heaps[i], stats);
		tap_ok(sized, "the list and each heap's info carry their struct_size");
	}
	test_kernel(list);
	test_malformed(list);
	test_names(list);
	dmaheap_heap_list_free(list);
	dmaheap_ctx_destroy(ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", top);
	return tap_done();
}
