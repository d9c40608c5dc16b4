/* SPDX-License-Identifier: MIT */
/*
 * For the GBM backend's guest tests: open the first DRM node whose driver
 * has a given name (/dev/dri numbering changes from boot to boot).
 */
#ifndef DMAHEAP_GBM_TESTS_DRM_DEVICE_H
#define DMAHEAP_GBM_TESTS_DRM_DEVICE_H

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <xf86drm.h>

/* node: "card" or "renderD"; path receives the node's path. -1 if none. */
static inline int drm_open_driver(const char *driver, const char *node, char path[64])
{
	int first = strcmp(node, "renderD") ? 0 : 128;

	for (int i = first; i < first + 16; i++) {
		drmVersionPtr ver;
		int fd;

		snprintf(path, 64, "/dev/dri/%s%d", node, i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		ver = drmGetVersion(fd);
		if (ver && !strcmp(ver->name, driver)) {
			drmFreeVersion(ver);
			return fd;
		}
		drmFreeVersion(ver);
		close(fd);
	}
	path[0] = '\0';
	return -1;
}

#endif
