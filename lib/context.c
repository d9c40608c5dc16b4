// SPDX-License-Identifier: MIT
/*
 * The context: policy, heap-handle cache, and the allocation entry points
 * that go through them. Heap lookups take ctx->lock; allocation does not
 * (the kernel serialises what needs it), so threads allocate in parallel.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"

#define DEFAULT_HEAP_DIR "/dev/dma_heap"
#define DEFAULT_SYSFS_DIR "/sys/class/dma_heap"
#define DEFAULT_UDMABUF "/dev/udmabuf"

/*
 * Paths a test may point elsewhere (a fake heap directory on the host). Like
 * every variable the library reads, ignored in setuid and setgid programs
 * (secure_getenv): such a program must not be steered to other files.
 */
static void ctx_path(char *dst, const char *env, const char *fallback)
{
	const char *value = secure_getenv(env);

	str_copy(dst, value && *value ? value : fallback, PATH_MAX);
}

struct dmaheap_ctx *dmaheap_ctx_create(unsigned int flags)
{
	const unsigned int known = DMAHEAP_CTX_UDMABUF_FALLBACK |
		DMAHEAP_CTX_NO_NAMES | DMAHEAP_CTX_IGNORE_ENV;
	struct dmaheap_ctx *ctx;
	const char *env;

	if (flags & ~known)
		return error_set_null(EINVAL, "unknown context flags 0x%x", flags & ~known);
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return error_set_null(ENOMEM, "out of memory for a dmaheap context");
	ctx->flags = flags;
	policy_init_defaults(&ctx->policy);
	ctx_path(ctx->heap_dir, "DMAHEAP_TEST_HEAP_DIR", DEFAULT_HEAP_DIR);
	ctx_path(ctx->sysfs_dir, "DMAHEAP_TEST_SYSFS_DIR", DEFAULT_SYSFS_DIR);
	ctx_path(ctx->udmabuf_path, "DMAHEAP_TEST_UDMABUF", DEFAULT_UDMABUF);
	env = secure_getenv("DMAHEAP_HEAPS");
	if (!(flags & DMAHEAP_CTX_IGNORE_ENV) && env &&
	    policy_apply(&ctx->policy, env, "DMAHEAP_HEAPS") < 0) {
		int saved = errno;

		free(ctx);
		errno = saved;
		return NULL;
	}
	if (pthread_mutex_init(&ctx->lock, NULL) != 0) {
		free(ctx);
		return error_set_null(ENOMEM, "cannot create the context's mutex");
	}
	return ctx;
}

void dmaheap_ctx_destroy(struct dmaheap_ctx *ctx)
{
	struct dmaheap_heap *heap, *next;

	if (!ctx)
		return;
	for (heap = ctx->heaps; heap; heap = next) {
		next = heap->next;
		heap->impl->destroy(heap);
	}
	device_free_all(ctx);
	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
}

int dmaheap_ctx_set_policy(struct dmaheap_ctx *ctx, const char *spec)
{
	int ret;

	if (!ctx)
		return error_set(EINVAL, "no context given");
	pthread_mutex_lock(&ctx->lock);
	ret = policy_apply(&ctx->policy, spec, "policy");
	pthread_mutex_unlock(&ctx->lock);
	return ret;
}

int dmaheap_ctx_get_policy(struct dmaheap_ctx *ctx, enum dmaheap_usage usage,
			   char *buf, size_t len)
{
	size_t used = 0;
	int ret = 0;

	if (!ctx || !buf || !dmaheap_usage_name(usage))
		return error_set(EINVAL, "bad arguments to dmaheap_ctx_get_policy");
	pthread_mutex_lock(&ctx->lock);
	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < ctx->policy.count[usage]; i++) {
		int n = snprintf(used < len ? buf + used : NULL,
				 used < len ? len - used : 0, "%s%s",
				 i ? "," : "", ctx->policy.names[usage][i]);

		used += (size_t)n;
	}
	pthread_mutex_unlock(&ctx->lock);
	if (used >= len)
		ret = error_set(ERANGE, "the heap list of usage '%s' needs %zu bytes",
				dmaheap_usage_name(usage), used + 1);
	return ret;
}

const char *dmaheap_ctx_heap_dir(const struct dmaheap_ctx *ctx)
{
	if (!ctx)
		return error_set_null(EINVAL, "no context given");
	return ctx->heap_dir;
}

struct dmaheap_heap *dmaheap_heap_open(struct dmaheap_ctx *ctx, const char *name)
{
	struct dmaheap_heap *heap;

	if (!ctx || !name)
		return error_set_null(EINVAL, "no context or heap name given");
	if (!heap_name_valid(name))
		return error_set_null(EINVAL, "'%s' is not a heap name", name);
	pthread_mutex_lock(&ctx->lock);
	for (heap = ctx->heaps; heap; heap = heap->next) {
		if (strcmp(heap->name, name) == 0)
			goto out;
	}
	/* A missing heap is not cached: its module may be loaded later. */
	if (strcmp(name, DMAHEAP_UDMABUF) == 0)
		heap = udmabuf_heap_open(ctx);
	else
		heap = heap_node_open(ctx, name);
	if (heap) {
		heap->next = ctx->heaps;
		ctx->heaps = heap;
	}
out:
	pthread_mutex_unlock(&ctx->lock);
	return heap;
}

static const char *reason(int err)
{
	switch (err) {
	case ENOENT: return "absent";
	case EACCES: case EPERM: return "permission denied";
	default: return strerror(err);
	}
}

struct dmaheap_heap *dmaheap_heap_for_usage(struct dmaheap_ctx *ctx,
					    enum dmaheap_usage usage)
{
	char names[POLICY_MAX_HEAPS + 1][DMAHEAP_NAME_MAX];
	int errs[POLICY_MAX_HEAPS + 1];
	char tried[1024] = "";
	const char *usage_name;
	size_t count, used = 0;
	bool same = true;
	int err;

	if (!ctx || !dmaheap_usage_name(usage))
		return error_set_null(EINVAL, "no context or a bad usage given");
	pthread_mutex_lock(&ctx->lock);
	count = ctx->policy.count[usage];
	memcpy(names, ctx->policy.names[usage], count * sizeof(names[0]));
	pthread_mutex_unlock(&ctx->lock);
	if (ctx->flags & DMAHEAP_CTX_UDMABUF_FALLBACK) {
		size_t i;

		for (i = 0; i < count && strcmp(names[i], DMAHEAP_UDMABUF) != 0; i++)
			;
		if (i == count)
			str_copy(names[count++], DMAHEAP_UDMABUF, DMAHEAP_NAME_MAX);
	}
	for (size_t i = 0; i < count; i++) {
		struct dmaheap_heap *heap = dmaheap_heap_open(ctx, names[i]);

		if (heap)
			return heap;
		errs[i] = errno;
		if (errs[i] != errs[0])
			same = false;
	}

	/* Name every heap tried; give each its reason only when they differ. */
	for (size_t i = 0; i < count && used < sizeof(tried); i++)
		used += (size_t)snprintf(tried + used, sizeof(tried) - used, "%s%s%s%s%s",
					 i ? ", " : "", names[i], same ? "" : " (",
					 same ? "" : reason(errs[i]), same ? "" : ")");
	err = count ? errs[0] : ENOENT;
	for (size_t i = 0; i < count; i++) {
		if (errs[i] == EACCES || errs[i] == EPERM)
			err = errs[i];
	}
	usage_name = dmaheap_usage_name(usage);
	if (err == EACCES || err == EPERM)
		return error_set_null(err, "no heap for usage '%s': tried %s; %s",
				      usage_name, tried, HEAP_ACCESS_HINT);
	if (err == ENOENT) {
		char present[512];
		int n = heap_dir_names(ctx->heap_dir, present, sizeof(present));

		if (n < 0)
			return error_set_null(err, "no heap for usage '%s': tried %s; %s "
					      "does not exist: %s", usage_name, tried,
					      ctx->heap_dir, HEAP_MODULE_HINT);
		if (n == 0)
			return error_set_null(err, "no heap for usage '%s': tried %s; %s "
					      "is empty: %s", usage_name, tried,
					      ctx->heap_dir, HEAP_MODULE_HINT);
		return error_set_null(err, "no heap for usage '%s': tried %s; heaps "
				      "present: %s", usage_name, tried, present);
	}
	return error_set_null(err, "no heap for usage '%s': tried %s%s%s%s", usage_name,
			      tried, same ? " (" : "", same ? strerror(err) : "",
			      same ? ")" : "");
}

const char *dmaheap_heap_name(const struct dmaheap_heap *heap)
{
	if (!heap)
		return error_set_null(EINVAL, "no heap given");
	return heap->name;
}

int dmaheap_heap_alloc(struct dmaheap_heap *heap, uint64_t size, int fd_flags,
		       uint64_t flags)
{
	const uint64_t known = DMAHEAP_ALLOC_NO_NAME;
	int fd;

	if (!heap)
		return error_set(EINVAL, "no heap given");
	if (size == 0)
		return error_set(EINVAL, "cannot allocate 0 bytes from heap '%s'",
				 heap->name);
	if (fd_flags & ~(O_CLOEXEC | O_ACCMODE))
		return error_set(EINVAL, "fd flags 0%o: only O_CLOEXEC and an access "
				 "mode are allowed", (unsigned int)fd_flags);
	if (flags & ~known)
		return error_set(EINVAL, "allocation flags 0x%" PRIx64 " unknown to this "
				 "libdmaheap (known: 0x%" PRIx64 ")", flags & ~known, known);
	fd = heap->impl->alloc(heap, size, fd_flags);
	if (fd < 0 || (heap->ctx->flags & DMAHEAP_CTX_NO_NAMES) ||
	    (flags & DMAHEAP_ALLOC_NO_NAME))
		return fd;
	if (dmaheap_buf_set_name(fd, heap->name) < 0) {
		int saved = errno;
		char msg[512];

		str_copy(msg, dmaheap_last_error(), sizeof(msg));
		close(fd);
		return error_set(saved, "allocated from heap '%s' but could not name "
				 "the buffer: %s", heap->name, msg);
	}
	return fd;
}

int dmaheap_alloc(struct dmaheap_ctx *ctx, enum dmaheap_usage usage,
		  uint64_t size, int fd_flags, uint64_t flags)
{
	struct dmaheap_heap *heap = dmaheap_heap_for_usage(ctx, usage);

	return heap ? dmaheap_heap_alloc(heap, size, fd_flags, flags) : -1;
}

int dmaheap_alloc_from(struct dmaheap_ctx *ctx, const char *heap_name,
		       uint64_t size, int fd_flags, uint64_t flags)
{
	struct dmaheap_heap *heap = dmaheap_heap_open(ctx, heap_name);

	return heap ? dmaheap_heap_alloc(heap, size, fd_flags, flags) : -1;
}
