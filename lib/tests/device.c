// SPDX-License-Identifier: MIT
/*
 * Device handles and the heap choice for devices, on the host: every bad
 * argument and path (errno and message), the handle cache, the fallback to
 * the usage policy for a device dmaheap cannot probe, the choice by CPU
 * access among a fake heap directory (DMAHEAP_TEST_HEAP_DIR) whose heaps
 * are known by name, and DMAHEAP_DEVICE_HEAPS. Real devices are probed in
 * the guest (tests/guest/25-device-choice.t).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dmaheap/dmaheap.h>
#include "../../tests/tap.h"

static char top[] = "/tmp/dmaheap-device-XXXXXX";
static char heap_dir[256], sysfs_dir[256];

static void touch(const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", heap_dir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fclose(f);
}

static bool fails_with(bool failed, int err, const char *text)
{
	if (failed && errno == err && strstr(dmaheap_last_error(), text))
		return true;
	tap_diag("failed %d, errno %d (%s, want %d), message: %s", failed, errno,
		 strerror(errno), err, dmaheap_last_error());
	return false;
}

static bool chose(const struct dmaheap_heap *heap, const char *name, const char *why,
		  const char *text)
{
	if (heap && strcmp(dmaheap_heap_name(heap), name) == 0 && strstr(why, text))
		return true;
	tap_diag("chose %s (want %s): %s / %s", heap ? dmaheap_heap_name(heap) : "nothing",
		 name, heap ? why : "", heap ? "" : dmaheap_last_error());
	return false;
}

static void test_bad_devices(struct dmaheap_ctx *ctx)
{
	int pipefd[2];

	tap_ok(fails_with(!dmaheap_device_get(NULL, "/dev/null"), EINVAL, "no context"),
	       "device_get without a context: EINVAL");
	tap_ok(fails_with(!dmaheap_device_get(ctx, NULL), EINVAL, "no device path"),
	       "device_get without a path: EINVAL");
	tap_ok(fails_with(!dmaheap_device_get(ctx, ""), EINVAL, "no device path"),
	       "device_get with an empty path: EINVAL");
	tap_ok(fails_with(!dmaheap_device_get(ctx, "/no/such/video0"), ENOENT,
			  "device '/no/such/video0'"),
	       "a missing path: ENOENT, the message names it");
	tap_ok(fails_with(!dmaheap_device_get(ctx, top), ENODEV,
			  "is neither a device node nor a device's directory"),
	       "a directory outside /sys: ENODEV, the message says what to give");
	tap_ok(fails_with(!dmaheap_device_get_fd(ctx, -1), EINVAL, "bad fd"),
	       "device_get_fd(-1): EINVAL");
	if (pipe(pipefd) == 0) {
		tap_ok(fails_with(!dmaheap_device_get_fd(ctx, pipefd[0]), ENODEV,
				  "is not a device node"),
		       "a pipe's fd: ENODEV");
		close(pipefd[0]);
		close(pipefd[1]);
	} else {
		tap_ok(false, "pipe: %s", strerror(errno));
	}
	errno = 0;
	tap_ok(!dmaheap_device_name(NULL) && errno == EINVAL, "device_name(NULL): EINVAL");
}

static void test_unprobed(struct dmaheap_ctx *ctx)
{
	struct dmaheap_device *dev = dmaheap_device_get(ctx, "/dev/null"), *again;
	struct dmaheap_heap *heap;
	const char *why = NULL;
	char line[1024];
	int fd;

	tap_ok(dev && strcmp(dmaheap_device_name(dev), "null (/dev/null)") == 0 &&
	       strcmp(dmaheap_device_kind(dev), "other") == 0,
	       "/dev/null is a device of a kind dmaheap cannot probe (%s, %s)",
	       dev ? dmaheap_device_name(dev) : dmaheap_last_error(),
	       dev ? dmaheap_device_kind(dev) : "");
	enum dmaheap_answer contig = dmaheap_device_needs_contiguous(dev, &why);

	tap_ok(dev && contig == DMAHEAP_ANSWER_UNKNOWN && strstr(why, "no node of a kind "
								"dmaheap can probe"),
	       "its need for contiguous memory is unknown, and why (%s)", why);
	uint64_t limit = dmaheap_device_max_address(dev, &why);

	tap_ok(dev && limit == UINT64_MAX && strstr(why, "no limit published"),
	       "no address limit is published for it (%s)", why);
	again = dmaheap_device_get(ctx, "/dev/null");
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	tap_ok(dev && again == dev && fd >= 0 && dmaheap_device_get_fd(ctx, fd) == dev,
	       "the same device by path twice and by fd: the same handle");
	if (fd >= 0)
		close(fd);
	heap = dmaheap_heap_for_devices(ctx, &dev, 1, DMAHEAP_CPU_READ,
					DMAHEAP_USAGE_CAMERA, line, sizeof(line));
	tap_ok(chose(heap, "default_cma_region", line, "the camera usage policy, since "
		     "whether null (/dev/null) needs contiguous memory is not known"),
	       "an unprobed device: the fallback usage's policy, and the line says why");
}

static void test_choice(struct dmaheap_ctx *ctx)
{
	struct dmaheap_device *devs[1] = { NULL };
	struct dmaheap_heap *heap;
	char line[1024];

	heap = dmaheap_heap_for_devices(ctx, NULL, 0, DMAHEAP_CPU_READ | DMAHEAP_CPU_WRITE,
					DMAHEAP_USAGE_CPU, line, sizeof(line));
	tap_ok(chose(heap, "system", line, "system: no devices, so no contiguous memory; "
		     "the CPU reads and writes it: cached"),
	       "the CPU reads: cached scattered memory (system), never CMA");
	heap = dmaheap_heap_for_devices(ctx, NULL, 0, DMAHEAP_CPU_WRITE,
					DMAHEAP_USAGE_CPU, line, sizeof(line));
	tap_ok(chose(heap, "system-uncached", line, "the CPU only writes it: uncached"),
	       "the CPU only writes: uncached (system-uncached)");
	heap = dmaheap_heap_for_devices(ctx, NULL, 0, DMAHEAP_CPU_NONE,
					DMAHEAP_USAGE_CPU, line, sizeof(line));
	tap_ok(chose(heap, "system-uncached", line, "the CPU never maps it: uncached"),
	       "the CPU never maps it: uncached, not the unmapped carveout");

	tap_ok(fails_with(!dmaheap_heap_for_devices(NULL, NULL, 0, 0, DMAHEAP_USAGE_CPU,
						    NULL, 0), EINVAL, "no context"),
	       "heap_for_devices without a context: EINVAL");
	tap_ok(fails_with(!dmaheap_heap_for_devices(ctx, NULL, 2, 0, DMAHEAP_USAGE_CPU,
						    NULL, 0), EINVAL, "no devices given"),
	       "two devices and no array: EINVAL");
	tap_ok(fails_with(!dmaheap_heap_for_devices(ctx, devs, 1, 0, DMAHEAP_USAGE_CPU,
						    NULL, 0), EINVAL, "device 1 of 1 is NULL"),
	       "a NULL device: EINVAL naming it");
	tap_ok(fails_with(!dmaheap_heap_for_devices(ctx, NULL, 0, 4, DMAHEAP_USAGE_CPU,
						    NULL, 0), EINVAL, "unknown CPU access bits 0x4"),
	       "unknown CPU access bits: EINVAL");
	tap_ok(fails_with(!dmaheap_heap_for_devices(ctx, NULL, 0, 0,
						    (enum dmaheap_usage)99, NULL, 0),
			  EINVAL, "fallback usage 99"),
	       "a fallback usage out of range: EINVAL");
	tap_ok(fails_with(dmaheap_alloc_for_devices(ctx, NULL, 0, 4, DMAHEAP_USAGE_CPU,
						    4096, DMAHEAP_FD_FLAGS_DEFAULT,
						    NULL, 0, 0) < 0, EINVAL, "unknown CPU access"),
	       "alloc_for_devices passes the error on");
}

static void test_env(void)
{
	struct dmaheap_ctx *ctx, *plain;
	struct dmaheap_heap *heap;
	char line[256];

	setenv("DMAHEAP_DEVICE_HEAPS", "no-such-heap, default_cma_region", 1);
	ctx = dmaheap_ctx_create(0);
	heap = ctx ? dmaheap_heap_for_devices(ctx, NULL, 0, DMAHEAP_CPU_READ,
					      DMAHEAP_USAGE_CPU, line, sizeof(line)) : NULL;
	tap_ok(chose(heap, "default_cma_region", line, "named in DMAHEAP_DEVICE_HEAPS"),
	       "DMAHEAP_DEVICE_HEAPS: the first of its heaps that opens wins");
	plain = dmaheap_ctx_create(DMAHEAP_CTX_IGNORE_ENV);
	heap = plain ? dmaheap_heap_for_devices(plain, NULL, 0, DMAHEAP_CPU_READ,
						DMAHEAP_USAGE_CPU, line, sizeof(line)) : NULL;
	tap_ok(chose(heap, "system", line, "no devices"),
	       "a context that ignores the environment ignores DMAHEAP_DEVICE_HEAPS");
	unsetenv("DMAHEAP_DEVICE_HEAPS");
	heap = NULL;
	if (plain && dmaheap_ctx_set_policy(plain, "cpu=default_cma_region") == 0)
		heap = dmaheap_heap_for_devices(plain, NULL, 0, DMAHEAP_CPU_READ,
						DMAHEAP_USAGE_CPU, line, sizeof(line));
	tap_ok(chose(heap, "default_cma_region", line, "named by the user for the cpu usage"),
	       "a usage list the caller set wins over the devices' choice");
	dmaheap_ctx_destroy(ctx);
	dmaheap_ctx_destroy(plain);
}

int main(void)
{
	struct dmaheap_ctx *ctx;
	int ret;

	if (!mkdtemp(top)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(heap_dir, sizeof(heap_dir), "%s/heaps", top);
	snprintf(sysfs_dir, sizeof(sysfs_dir), "%s/sysfs", top);
	mkdir(heap_dir, 0755);
	mkdir(sysfs_dir, 0755);
	/* mainline's heaps and dmaheap's, known by their names alone */
	touch("system");
	touch("system-uncached");
	touch("default_cma_region");
	touch("unmapped");
	setenv("DMAHEAP_TEST_HEAP_DIR", heap_dir, 1);
	setenv("DMAHEAP_TEST_SYSFS_DIR", sysfs_dir, 1);
	unsetenv("DMAHEAP_HEAPS");
	unsetenv("DMAHEAP_DEVICE_HEAPS");

	tap_plan(25);
	ctx = dmaheap_ctx_create(0);
	if (!ctx) {
		tap_diag("dmaheap_ctx_create: %s", dmaheap_last_error());
		return 1;
	}
	test_bad_devices(ctx);
	test_unprobed(ctx);
	test_choice(ctx);
	test_env();
	dmaheap_ctx_destroy(ctx);
	ret = tap_done();
	if (system("rm -rf /tmp/dmaheap-device-*") != 0)
		tap_diag("could not remove %s", top);
	return ret;
}
