// SPDX-License-Identifier: MIT
/*
 * ABI negotiation, as a loader older or newer than Debian's would do it:
 * dlopen dmaheap_gbm.so, call gbmint_get_backend with core ABI 0 and 1, and
 * create devices at ABI 0, 1 and 2 (2 must be refused). Needs no heap and
 * no DRM device (the device fd is /dev/null): runs on any kernel.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../tests/tap.h"
#include "../gbm_backend_abi.h"

static uint32_t canonicalize(uint32_t format)
{
	return format == GBM_BO_FORMAT_XRGB8888 ? GBM_FORMAT_XRGB8888 : format;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "build/gbm-backend/dmaheap_gbm.so";
	void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	const struct gbm_backend *(*get)(const struct gbm_core *);
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (!tap_ok(lib != NULL, "dlopen %s: %s", path, lib ? "ok" : dlerror()))
		return tap_done();
	get = (const struct gbm_backend *(*)(const struct gbm_core *))dlsym(lib, "gbmint_get_backend");
	tap_ok(get != NULL, "gbmint_get_backend is exported");
	for (uint32_t core_version = 0; get && core_version <= 1; core_version++) {
		const struct gbm_core core = { { core_version, canonicalize } };
		const struct gbm_backend *b = get(&core);

		tap_ok(b && b->v0.backend_version == 1 && !strcmp(b->v0.backend_name, "dmaheap"),
		       "core ABI %u: backend 'dmaheap' says ABI 1", core_version);
		for (uint32_t abi = 0; b && abi <= core_version; abi++) {
			struct gbm_device *dev = b->v0.create_device(fd, abi);

			tap_ok(dev && dev->v0.backend_version == abi && dev->v0.fd == fd &&
			       !strcmp(dev->v0.name, "dmaheap") && dev->v0.surface_create &&
			       dev->v0.surface_destroy,
			       "core ABI %u, device ABI %u: backend_version %u, name, all calls set",
			       core_version, abi, dev ? dev->v0.backend_version : 99);
			if (dev)
				dev->v0.destroy(dev);
		}
		if (b) {
			struct gbm_device *dev = b->v0.create_device(fd, 2);

			tap_ok(!dev && errno == EINVAL, "device ABI 2 is refused with EINVAL");
			if (dev)
				dev->v0.destroy(dev);
		}
	}
	close(fd);
	dlclose(lib);
	return tap_done();
}
