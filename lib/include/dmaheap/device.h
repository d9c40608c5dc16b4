/* SPDX-License-Identifier: MIT */
/*
 * libdmaheap: what a device accepts, and allocation for a set of devices.
 *
 * A device handle stands for one DMA device (a camera, a codec, a display
 * controller, a GPU) found through one of its nodes or its sysfs directory.
 * What it accepts is learnt once, on first use, from what the kernel
 * publishes (IOMMU group, DMA mask, segment limit, coherence) and, where that
 * cannot tell, from a probe: a small buffer made of several pieces is
 * imported into the device and the device's answer recorded. Every answer
 * carries its reason. Handles are cached in the context (a second lookup of
 * the same device, by any of its nodes, returns the same handle) and owned
 * by it: they live until dmaheap_ctx_destroy(). lib/README.md says how each
 * signal is read and where the kernel gives too little to decide.
 */
#ifndef DMAHEAP_DEVICE_H
#define DMAHEAP_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include <dmaheap/heap.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An answer that may not be known. */
enum dmaheap_answer {
	DMAHEAP_ANSWER_UNKNOWN = -1,
	DMAHEAP_ANSWER_NO = 0,
	DMAHEAP_ANSWER_YES = 1,
};

struct dmaheap_device;

/*
 * The device behind path: a device node (/dev/videoN, /dev/dri/cardN,
 * /dev/dri/renderDN, /dev/dmaheap-importer/NAME) or a device's directory in
 * sysfs (/sys/class/video4linux/video0, /sys/devices/...). NULL with errno
 * ENOENT (no such path), ENODEV (not a device node or device directory),
 * EINVAL (no path) and a message naming the path. Probing happens here, once
 * per device; a probe that cannot run leaves the answer unknown with the
 * reason, it does not fail the call.
 */
struct dmaheap_device *dmaheap_device_get(struct dmaheap_ctx *ctx, const char *path);
/* The same for an open device node (a V4L2 or DRM fd); fd stays the caller's. */
struct dmaheap_device *dmaheap_device_get_fd(struct dmaheap_ctx *ctx, int fd);

/* "vivid-001-vid-cap (/dev/video5)", "vkms (/dev/dri/card0)" */
const char *dmaheap_device_name(const struct dmaheap_device *dev);
/* "v4l2", "drm", "importer" (dmaheap's test device) or "sysfs" (no node) */
const char *dmaheap_device_kind(const struct dmaheap_device *dev);
/* The kernel driver bound to it ("vivid", "vkms"), or "" when none is. */
const char *dmaheap_device_driver(const struct dmaheap_device *dev);

/*
 * Whether the device needs physically contiguous memory (YES only when it
 * has no IOMMU that remaps for it and it refused a scattered buffer). *why,
 * when why is not NULL, gets a reason owned by the device handle.
 */
enum dmaheap_answer dmaheap_device_needs_contiguous(const struct dmaheap_device *dev,
						    const char **why);
/* The highest address the device reaches; UINT64_MAX when no limit is known. */
uint64_t dmaheap_device_max_address(const struct dmaheap_device *dev, const char **why);
/* Its longest DMA segment; UINT64_MAX when no limit is known. */
uint64_t dmaheap_device_max_segment(const struct dmaheap_device *dev, const char **why);
/* Whether its DMA is cache-coherent with the CPU. */
enum dmaheap_answer dmaheap_device_coherent(const struct dmaheap_device *dev,
					    const char **why);

/* What the CPU does with a buffer, for dmaheap_heap_for_devices(). */
#define DMAHEAP_CPU_NONE 0u		/* never maps it */
#define DMAHEAP_CPU_READ (1u << 0)	/* reads it (needs cached memory) */
#define DMAHEAP_CPU_WRITE (1u << 1)	/* writes it */

/*
 * The cheapest heap every device in devs accepts, for the CPU access given:
 * scattered memory unless a device needs contiguous memory, memory below a
 * device's address limit only when memory above it exists, uncached memory
 * when the CPU does not read, memory the CPU cannot map only when the CPU
 * never does. Heaps the user names win: DMAHEAP_DEVICE_HEAPS ("a,b": the
 * first that opens; unless the context ignores the environment), then the
 * fallback usage's list when the user set it (DMAHEAP_HEAPS or
 * dmaheap_ctx_set_policy). A device
 * whose need for contiguous memory is not known makes the choice fall back
 * to the usage policy of fallback, and why says so.
 * why (why_len bytes, may be NULL) gets one line saying which heap and why.
 * NULL with errno ENODEV and a message naming each device and what it
 * needs when no heap fits; EINVAL on bad arguments.
 */
struct dmaheap_heap *dmaheap_heap_for_devices(struct dmaheap_ctx *ctx,
					      struct dmaheap_device *const *devs,
					      size_t count, unsigned int cpu_access,
					      enum dmaheap_usage fallback,
					      char *why, size_t why_len);
/* dmaheap_heap_for_devices() + dmaheap_heap_alloc(). */
int dmaheap_alloc_for_devices(struct dmaheap_ctx *ctx, struct dmaheap_device *const *devs,
			      size_t count, unsigned int cpu_access,
			      enum dmaheap_usage fallback, uint64_t size, int fd_flags,
			      char *why, size_t why_len, uint64_t flags);

#ifdef __cplusplus
}
#endif

#endif /* DMAHEAP_DEVICE_H */
