/* SPDX-License-Identifier: MIT */
/* libdmaheap internals shared between its files; not installed. */
#ifndef DMAHEAP_PRIVATE_H
#define DMAHEAP_PRIVATE_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "dmaheap/dmaheap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* error.c: set the thread's message and errno; return -1 / NULL. */
int error_set(int errnum, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void *error_set_null(int errnum, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* util.c */
/* Copies src into dst (size len), always NUL-terminated; returns false when cut. */
bool str_copy(char *dst, const char *src, size_t len);
/* Strips leading and trailing blanks in place; returns the new start. */
char *str_trim(char *s);
/* snprintf into dst that may cut the text (messages, sysfs paths whose
 * parts are known short); returns false when it did. */
bool str_format(char *dst, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Reads a (small, possibly /proc or sysfs) file whole, NUL-terminated.
 * Returns the text (caller frees) or NULL with errno; sets no message. */
char *file_read_text(const char *path, size_t *len);
/* Reads an unsigned integer from a one-value file; -1 with errno on failure. */
int file_read_u64(const char *path, uint64_t *value);
/* Parses a whole unsigned decimal number; false on anything else. */
bool parse_u64(const char *s, uint64_t *value);
/* The same, or hexadecimal after 0x (sysfs's %#llx); false on anything else. */
bool parse_u64_auto(const char *s, uint64_t *value);

/* policy.c */
#define POLICY_MAX_HEAPS 16

struct policy {
	size_t count[DMAHEAP_USAGE_COUNT];
	char names[DMAHEAP_USAGE_COUNT][POLICY_MAX_HEAPS][DMAHEAP_NAME_MAX];
	/* the user named this usage's heaps (DMAHEAP_HEAPS, set_policy) */
	bool user[DMAHEAP_USAGE_COUNT];
};

void policy_init_defaults(struct policy *policy);
/* Applies spec (see dmaheap_ctx_set_policy) to policy, all or nothing.
 * origin names the source in messages, e.g. "DMAHEAP_HEAPS". */
int policy_apply(struct policy *policy, const char *spec, const char *origin);
/* Parsers of what the kernel publishes (exposed for the fuzzer). */
bool fdinfo_parse(char *text, struct dmaheap_buf_desc *desc);

/*
 * Structs that can grow (dmaheap.h): the size of each in the first release,
 * the smallest struct_size a caller may pass. Frozen: fields added later do
 * not change them.
 */
#define BUF_DESC_SIZE_V1 \
	(offsetof(struct dmaheap_buf_desc, name) + DMAHEAP_BUF_NAME_MAX)
#define LAYOUT_SIZE_V1 (offsetof(struct dmaheap_layout, size) + sizeof(uint64_t))
/*
 * Copies src, a struct of lib_size bytes whose first member is its
 * struct_size, into the caller's dst, whose struct_size says how big it is:
 * the fields that fit, zeroes after them, and struct_size set to what was
 * filled. -1 with EINVAL (and a message) when dst is NULL or smaller than
 * min_size, which struct_check() alone tests.
 */
int struct_check(const void *dst, size_t min_size, const char *what);
int struct_fill(void *dst, const void *src, size_t lib_size, size_t min_size,
		const char *what);
uint64_t zoneinfo_memory_top(char *text, uint64_t page);
/* A heap name is a single path component: 1..63 bytes, no '/', not . or .. */
bool heap_name_valid(const char *name);

/* heap implementations: a node in /dev/dma_heap (heap_node.c) or udmabuf */
struct dmaheap_heap;

struct heap_impl {
	const char *kind;
	/* returns a dma-buf fd, or -1 with errno and message */
	int (*alloc)(struct dmaheap_heap *heap, uint64_t size, int fd_flags);
	void (*destroy)(struct dmaheap_heap *heap);
};

struct dmaheap_heap {
	const struct heap_impl *impl;
	struct dmaheap_ctx *ctx;
	char name[DMAHEAP_NAME_MAX];
	char path[PATH_MAX];
	int fd;			/* the node (or /dev/udmabuf), opened once */
	struct dmaheap_heap *next;	/* in ctx->heaps */
};

/* device.c: what a device accepts, learnt once (see dmaheap/device.h) */
struct dmaheap_device {
	struct dmaheap_ctx *ctx;
	char node[PATH_MAX];		/* "" for a device without one */
	int probe_fd;			/* the caller's DRM fd while probing, or -1 */
	char classdir[PATH_MAX];	/* /sys/devices/.../video4linux/video0 */
	char busdir[PATH_MAX];		/* the device itself; the cache key */
	char kind[16];
	char driver[64];
	char name[PATH_MAX + 160];
	char iommu_why[192];
	enum dmaheap_answer contig;
	char contig_why[320];
	uint64_t max_address;
	char address_why[160];
	uint64_t max_segment;
	char segment_why[96];
	enum dmaheap_answer coherent;
	char coherent_why[128];
	struct dmaheap_device *next;	/* in ctx->devices */
};

void device_free_all(struct dmaheap_ctx *ctx);

struct dmaheap_ctx {
	pthread_mutex_t lock;	/* guards policy, heaps and devices */
	struct dmaheap_device *devices;
	unsigned int flags;
	struct policy policy;
	struct dmaheap_heap *heaps;
	char heap_dir[PATH_MAX];
	char sysfs_dir[PATH_MAX];
	char udmabuf_path[PATH_MAX];
};

/* Open a new, uncached heap; NULL with errno and message. */
struct dmaheap_heap *heap_node_open(struct dmaheap_ctx *ctx, const char *name);
struct dmaheap_heap *udmabuf_heap_open(struct dmaheap_ctx *ctx);
/*
 * A dma-buf of at least size bytes from udmabuf that is surely not one
 * physical range, whatever pages the allocator gave: every chunk of a memfd
 * is listed twice in a row (see udmabuf.c). *pieces: the list's length.
 * -1 with errno and message (no /dev/udmabuf; more than
 * UDMABUF_PROBE_MAX_ITEMS * UDMABUF_PROBE_MAX_CHUNK pages).
 */
#define UDMABUF_PROBE_MAX_ITEMS 1024	/* udmabuf's default list_limit */
#define UDMABUF_PROBE_MAX_CHUNK 8	/* pages: segments stay within 64 KiB */
int udmabuf_scattered(struct dmaheap_ctx *ctx, uint64_t size, unsigned int *pieces);
/* "system, default_cma_region" (the heaps in dir, sorted) into buf; returns
 * the number of heaps, or -1 with errno (ENOENT: no such directory). */
int heap_dir_names(const char *dir, char *buf, size_t len);
/* The hint for a heap node the user may not open. */
#define HEAP_ACCESS_HINT \
	"give your user access with a udev rule such as " \
	"SUBSYSTEM==\"dma_heap\", GROUP=\"video\", MODE=\"0660\" " \
	"(see kernel/README.md) and add the user to group video"
#define HEAP_MODULE_HINT \
	"load the dmaheap kernel modules (see kernel/README.md) " \
	"or boot a kernel with CONFIG_DMABUF_HEAPS"

#endif /* DMAHEAP_PRIVATE_H */
