/* SPDX-License-Identifier: MIT */
/*
 * Where dmaheap's pooled system heap lives on the running kernel: its name
 * is "system", or "system-pooled" beside a kernel's own system heap (the
 * module's "name" parameter says which), and its sysfs directory is in
 * class dma_heap (dmaheap's core) or dmaheap (beside a kernel's core).
 * Shared by the guest tests and the page-pool benchmark.
 */
#ifndef DMAHEAP_TESTS_SYSTEM_HEAP_H
#define DMAHEAP_TESTS_SYSTEM_HEAP_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SYSTEM_HEAP_MODULE "dmaheap_system"
#define SYSTEM_HEAP_PARAMS "/sys/module/" SYSTEM_HEAP_MODULE "/parameters/"

struct system_heap_paths {
	char name[64];
	char node[128];   /* /dev/dma_heap/NAME */
	char sysfs[160];  /* its sysfs directory, with a trailing '/' */
	char pool[192];   /* SYSFS pool/ */
	char stats[192];  /* SYSFS stats/ */
};

/* Fills @p; returns 0, or -1 when dmaheap_system is not loaded. */
static inline int system_heap_find(struct system_heap_paths *p)
{
	static const char *const classes[] = { "dma_heap", "dmaheap" };
	FILE *f = fopen(SYSTEM_HEAP_PARAMS "name", "r");

	if (!f)
		return -1;
	if (!fgets(p->name, sizeof(p->name), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	p->name[strcspn(p->name, "\n")] = 0;
	snprintf(p->node, sizeof(p->node), "/dev/dma_heap/%s", p->name);
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		snprintf(p->sysfs, sizeof(p->sysfs), "/sys/class/%s/%s/", classes[i],
			 p->name);
		snprintf(p->stats, sizeof(p->stats), "%sstats/", p->sysfs);
		if (access(p->stats, F_OK) == 0)
			break;
	}
	snprintf(p->pool, sizeof(p->pool), "%spool/", p->sysfs);
	return 0;
}

#endif
