// SPDX-License-Identifier: MIT
/*
 * GEM handles on the device fd, reference-counted per buffer. PRIME import
 * of one dma-buf on one fd always gives the same handle, so two bos of one
 * buffer (a bo and its re-import, or the planes of a multi-fd import) share
 * it: closing it when the first bo goes would break the other.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xf86drm.h>

#include "private.h"

static struct gem_handle_ref *find(struct dmaheap_gbm_device *dev, uint32_t handle)
{
	for (size_t i = 0; i < dev->num_handles; i++)
		if (dev->handles[i].handle == handle)
			return &dev->handles[i];
	return NULL;
}

int gem_handle_get(struct dmaheap_gbm_device *dev, int buf_fd, uint32_t *handle)
{
	struct gem_handle_ref *ref;
	int ret = -1;

	*handle = 0;
	if (!dev->prime_import)
		return 0;
	pthread_mutex_lock(&dev->handles_lock);
	if (drmPrimeFDToHandle(dev->base.v0.fd, buf_fd, handle)) {
		gbm_fail(dev, errno, "PRIME import of dma-buf fd %d on fd %d: %s",
			 buf_fd, dev->base.v0.fd, strerror(errno));
		goto out;
	}
	ref = find(dev, *handle);
	if (ref) {
		ref->refs++;
		ret = 0;
		goto out;
	}
	if (dev->num_handles == dev->max_handles) {
		size_t max = dev->max_handles ? 2 * dev->max_handles : 16;
		struct gem_handle_ref *h = realloc(dev->handles, max * sizeof(*h));

		if (!h) {
			drmCloseBufferHandle(dev->base.v0.fd, *handle);
			*handle = 0;
			errno = ENOMEM;
			goto out;
		}
		dev->handles = h;
		dev->max_handles = max;
	}
	dev->handles[dev->num_handles++] = (struct gem_handle_ref){ *handle, 1 };
	ret = 0;
out:
	pthread_mutex_unlock(&dev->handles_lock);
	return ret;
}

void gem_handle_put(struct dmaheap_gbm_device *dev, uint32_t handle)
{
	struct gem_handle_ref *ref;
	int saved_errno = errno;

	if (!handle)
		return;
	pthread_mutex_lock(&dev->handles_lock);
	ref = find(dev, handle);
	if (ref && --ref->refs == 0) {
		if (drmCloseBufferHandle(dev->base.v0.fd, handle))
			gbm_fail(dev, errno, "closing GEM handle %u: %s", handle,
				 strerror(errno));
		*ref = dev->handles[--dev->num_handles];
	}
	pthread_mutex_unlock(&dev->handles_lock);
	errno = saved_errno;
}
