/* SPDX-License-Identifier: MIT */
/*
 * libdmaheap: find dma-buf heaps, choose one for a usage, allocate from it.
 *
 * A context owns everything: the heap policy (usage -> ordered heap names),
 * and a cache of heap handles whose node fds are opened on first use. All
 * functions taking a context are thread-safe; heap handles stay valid until
 * dmaheap_ctx_destroy() and may be used from any thread.
 */
#ifndef DMAHEAP_HEAP_H
#define DMAHEAP_HEAP_H

#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest heap name, terminating NUL included. */
#define DMAHEAP_NAME_MAX 64
/* The pseudo-heap backed by /dev/udmabuf and a sealed memfd. */
#define DMAHEAP_UDMABUF "udmabuf"
/* What most callers want for fd_flags. */
#define DMAHEAP_FD_FLAGS_DEFAULT (O_RDWR | O_CLOEXEC)

enum dmaheap_usage {
	DMAHEAP_USAGE_SCANOUT,	/* a display controller reads it */
	DMAHEAP_USAGE_CAMERA,	/* a capture device writes it */
	DMAHEAP_USAGE_CODEC,	/* a hardware encoder/decoder */
	DMAHEAP_USAGE_GPU,	/* a GPU texture or render target */
	DMAHEAP_USAGE_CPU,	/* only the CPU (and devices with an IOMMU) */
	DMAHEAP_USAGE_COUNT
};

/* "scanout", "camera", "codec", "gpu", "cpu"; NULL (EINVAL) when out of range. */
const char *dmaheap_usage_name(enum dmaheap_usage usage);
/* The reverse, case-insensitively; -1 with errno EINVAL when unknown. */
int dmaheap_usage_from_name(const char *name, enum dmaheap_usage *usage);

enum dmaheap_ctx_flags {
	/* When no heap of a usage's list can be opened, use udmabuf. */
	DMAHEAP_CTX_UDMABUF_FALLBACK = 1u << 0,
	/* Do not name buffers after their heap (DMA_BUF_SET_NAME). */
	DMAHEAP_CTX_NO_NAMES = 1u << 1,
	/* Ignore the DMAHEAP_HEAPS environment variable. */
	DMAHEAP_CTX_IGNORE_ENV = 1u << 2,
};

/*
 * Creates a context. The policy starts from the built-in defaults
 *   scanout, camera, codec: default_cma_region, linux,cma, reserved, system
 *   gpu: system, default_cma_region, linux,cma, reserved
 *   cpu: system
 * then applies DMAHEAP_HEAPS (same syntax as dmaheap_ctx_set_policy) unless
 * DMAHEAP_CTX_IGNORE_ENV. A malformed DMAHEAP_HEAPS fails with EINVAL: a
 * setting the user made is never silently ignored. Opens nothing yet.
 */
struct dmaheap_ctx *dmaheap_ctx_create(unsigned int flags);
/* Closes every heap fd and frees every heap handle. NULL is allowed. */
void dmaheap_ctx_destroy(struct dmaheap_ctx *ctx);

/*
 * Overrides the heap lists of the usages it names:
 *   "scanout=mycma,system;cpu=system"
 * Entries are separated by ';', names by ','; blanks around them are ignored;
 * usages not named keep their list. All or nothing: on a malformed spec
 * (EINVAL) the policy is unchanged. The heap name "udmabuf" is allowed.
 */
int dmaheap_ctx_set_policy(struct dmaheap_ctx *ctx, const char *spec);
/* Writes usage's list as "a,b,c" into buf; -1 with ERANGE if it does not fit. */
int dmaheap_ctx_get_policy(struct dmaheap_ctx *ctx, enum dmaheap_usage usage,
			   char *buf, size_t len);
/* The directory holding heap nodes, normally /dev/dma_heap. */
const char *dmaheap_ctx_heap_dir(const struct dmaheap_ctx *ctx);

struct dmaheap_heap;

/*
 * The heap called name ("system", "udmabuf", ...), its node opened on first
 * use and cached. Owned by ctx. NULL with errno ENOENT (no such heap; the
 * message lists the heaps present, or says to load the modules when there are
 * none), EACCES (the message gives the udev rule), or EINVAL (bad name).
 */
struct dmaheap_heap *dmaheap_heap_open(struct dmaheap_ctx *ctx, const char *name);
/* The first heap of usage's list that opens (then udmabuf, if the context
 * allows it); NULL with a message naming every heap tried. */
struct dmaheap_heap *dmaheap_heap_for_usage(struct dmaheap_ctx *ctx,
					    enum dmaheap_usage usage);
const char *dmaheap_heap_name(const struct dmaheap_heap *heap);

/*
 * Allocates size bytes (rounded up to pages by the kernel) and returns a new
 * dma-buf fd the caller closes. fd_flags: O_CLOEXEC and an access mode only
 * (DMAHEAP_FD_FLAGS_DEFAULT; udmabuf buffers are always read-write). The
 * buffer is named after its heap unless the context or flags say not to; a
 * naming failure fails the allocation. flags: DMAHEAP_ALLOC_* (0 for none);
 * bits the library does not know are EINVAL, so a flag added later fails
 * clearly with an older library. -1 with errno EINVAL (size 0, bad flags),
 * ENOMEM, ... and a message naming heap and size.
 */
/* Leave the buffer unnamed (its dma-buf name stays empty), for this call. */
#define DMAHEAP_ALLOC_NO_NAME (UINT64_C(1) << 0)
int dmaheap_heap_alloc(struct dmaheap_heap *heap, uint64_t size, int fd_flags,
		       uint64_t flags);
/* dmaheap_heap_for_usage() + dmaheap_heap_alloc(). */
int dmaheap_alloc(struct dmaheap_ctx *ctx, enum dmaheap_usage usage,
		  uint64_t size, int fd_flags, uint64_t flags);
/* dmaheap_heap_open() + dmaheap_heap_alloc(). */
int dmaheap_alloc_from(struct dmaheap_ctx *ctx, const char *heap_name,
		       uint64_t size, int fd_flags, uint64_t flags);

/*
 * Heap properties; see props_known for which ones are known at all. The
 * kernel publishes them in the heap's sysfs directory (lib/README.md); for
 * heaps that publish nothing (mainline's) they come from a table of names.
 */
#define DMAHEAP_PROP_CONTIGUOUS (1u << 0)	/* physically contiguous */
#define DMAHEAP_PROP_CACHED (1u << 1)		/* CPU mappings are cached */
/*
 * The CPU cannot map it: mmap, vmap and DMA_BUF_IOCTL_SYNC fail. The kernel
 * publishes this as cpu_access = 0 (older modules: secure = 1). The name is
 * historical: it says nothing about who else may read the memory.
 */
#define DMAHEAP_PROP_SECURE (1u << 2)
/* Never set in props; in props_known: max_address holds the heap's limit. */
#define DMAHEAP_PROP_MAX_ADDRESS (1u << 3)

#define DMAHEAP_STAT_KEY_MAX 48

/* One of a heap's counters; a key and a value, and it stays that. */
struct dmaheap_stat {
	char key[DMAHEAP_STAT_KEY_MAX];
	uint64_t value;
};

/* A heap as dmaheap_heap_list_get() found it; the library allocates it. */
struct dmaheap_heap_info {
	size_t struct_size;	/* see dmaheap.h: structs that can grow */
	char name[DMAHEAP_NAME_MAX];
	char path[256];
	/* 0 when the node opens; otherwise the errno of opening it (EACCES) */
	int open_errno;
	unsigned int props;		/* DMAHEAP_PROP_* that hold */
	unsigned int props_known;	/* DMAHEAP_PROP_* whose value is known */
	/*
	 * Of props_known, the DMAHEAP_PROP_* bits (DMAHEAP_PROP_MAX_ADDRESS
	 * included) the kernel published (sysfs); the others came from the
	 * table of names. 0 when everything came from the table.
	 */
	unsigned int props_published;
	/*
	 * The highest physical address any byte of any buffer may have
	 * (0xffffffff: every buffer lies below 4 GiB); UINT64_MAX when there is
	 * no limit. Meaningful only when props_known has DMAHEAP_PROP_MAX_ADDRESS;
	 * UINT64_MAX when it does not.
	 */
	uint64_t max_address;
	/* live buffers exported by this heap, from the dma-buf core (bufinfo or
	 * /sys/kernel/dmabuf); -1 when unknown */
	int64_t live_buffers;
	int64_t live_bytes;
	/* the heap's own counters (/sys/class/dma_heap/NAME/stats), when
	 * present, sorted by key */
	size_t num_stats;
	const struct dmaheap_stat *stats;
};

struct dmaheap_heap_list {
	size_t struct_size;
	size_t count;
	/* count pointers, sorted by heap name */
	const struct dmaheap_heap_info *const *heaps;
};

/*
 * Lists the heap nodes present (not udmabuf). No heap directory is not an
 * error: the list is empty. NULL with errno only on a real failure.
 */
struct dmaheap_heap_list *dmaheap_heap_list_get(struct dmaheap_ctx *ctx);
void dmaheap_heap_list_free(struct dmaheap_heap_list *list);

#ifdef __cplusplus
}
#endif

#endif /* DMAHEAP_HEAP_H */
