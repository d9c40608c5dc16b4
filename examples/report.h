/* SPDX-License-Identifier: MIT */
/*
 * The zero-copy evidence: every dma-buf a pipeline uses, named by its role
 * ("camera[0]", "decoded[1]"), with its inode, heap and size (fdinfo), every
 * device the dma-buf core saw attached to it (bufinfo, sampled while the
 * pipeline runs), every other process holding it (a compositor: /proc/PID/fd), and how often this process mapped it with the CPU
 * (/proc/self/maps). The examples never copy a pixel between stages, so the
 * copy count is 0 by construction; the mapping count checks it.
 */
#ifndef EXAMPLES_REPORT_H
#define EXAMPLES_REPORT_H

#include <stdint.h>
#include <dmaheap/dmaheap.h>

#define REPORT_MAX_BUFFERS 32
#define REPORT_MAX_DEVICES 8

struct report_buffer {
	char role[32];
	int fd;				/* not owned */
	struct dmaheap_buf_desc desc;
	unsigned int num_devices;
	char devices[REPORT_MAX_DEVICES][48];
	unsigned int cpu_maps;		/* most mappings seen at one sample */
	unsigned int num_holders;	/* other processes with an fd of it */
	char holders[REPORT_MAX_DEVICES][48];	/* "weston[123]" */
	char why[512];			/* why its heap ("" when not said) */
};

struct report {
	const char *stage;
	unsigned int count, samples;
	unsigned int cpu_copies;	/* pixel copies between stages: stays 0 */
	char bufinfo_error[160];	/* why devices are unknown, or "" */
	struct report_buffer bufs[REPORT_MAX_BUFFERS];
};

void report_init(struct report *r, const char *stage);
/*
 * Adds fd under role (describes it now) and prints "ROLE: inode N, heap H,
 * size S"; why (may be NULL) is why its heap was chosen (libdmaheap's line).
 */
int report_add(struct report *r, const char *role, int fd, const char *why);
/* Reads bufinfo and /proc/self/maps; call while the devices hold the buffers. */
void report_sample(struct report *r);
/* Prints the report, and appends it to path too unless that is NULL. */
int report_write(const struct report *r, const char *path);

#endif /* EXAMPLES_REPORT_H */
