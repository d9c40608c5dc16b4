// SPDX-License-Identifier: MIT
/*
 * That dmaheap_alloc_for_devices() chooses right, proven by a device: for
 * each test importer instance named (kernel/tests/importer.c: contig, dma32,
 * seg64k), a buffer allocated for it must pass the importer's CHECK (it maps
 * the buffer and refuses it with EINVAL for more than one range, ERANGE when
 * it cannot reach a page or bounced, EMSGSIZE for a segment beyond its
 * limit), and a buffer from the heap a device-unaware program would take
 * (the cpu usage's, normally "system") must be refused: the rule mattered.
 * Where that heap fits the device too (all memory below 4 GiB, a heap that
 * cuts segments to the device's limit), the second case is skipped with the
 * reason. A heap's buffer can fit by chance (pages that happen to be
 * adjacent or low); up to eight are held and tried before that counts.
 * TAP output; run by tests/guest/25-device-choice.t.
 *
 *   choice-proof INSTANCE...
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <dmaheap/dmaheap.h>

#include "../../../tests/tap.h"
#include "importer.h"

#define PROOF_SIZE ((UINT64_C(4) << 20) + 4096)
#define TRIES 8

/* The importer's CHECK of buf: 0 or the errno it refused with. */
static int check(int dev, int buf, struct dmaheap_importer_op *op)
{
	memset(op, 0, sizeof(*op));
	op->fd = buf;
	op->op = DMAHEAP_IMPORTER_CHECK;
	return ioctl(dev, DMAHEAP_IMPORTER_IOC_OP, op) < 0 ? errno : 0;
}

static const char *what(const struct dmaheap_importer_op *op, char *buf, size_t len)
{
	snprintf(buf, len, "%u ranges, %u segments, longest %" PRIu64 ", highest 0x%" PRIx64 "%s",
		 op->ranges, op->segments, (uint64_t)op->largest, (uint64_t)op->highest,
		 op->bounced ? ", bounced" : "");
	return buf;
}

static void prove(struct dmaheap_ctx *ctx, const char *name)
{
	char path[128], why[512], text[160];
	struct dmaheap_importer_op op;
	struct dmaheap_device *dev;
	struct dmaheap_heap *naive;
	int imp, buf, err, held[TRIES], nheld = 0;

	snprintf(path, sizeof(path), "/dev/dmaheap-importer/%s", name);
	imp = open(path, O_RDWR | O_CLOEXEC);
	dev = dmaheap_device_get(ctx, path);
	if (imp < 0 || !dev) {
		tap_ok(false, "%s: the chosen heap's buffer passes the device's check (%s)", name,
		       imp < 0 ? strerror(errno) : dmaheap_last_error());
		tap_skip("no device", "%s: the heap a device-unaware program takes is refused", name);
		if (imp >= 0)
			close(imp);
		return;
	}

	buf = dmaheap_alloc_for_devices(ctx, &dev, 1, DMAHEAP_CPU_READ | DMAHEAP_CPU_WRITE,
					DMAHEAP_USAGE_CPU, PROOF_SIZE, DMAHEAP_FD_FLAGS_DEFAULT,
					why, sizeof(why), 0);
	err = buf < 0 ? errno : check(imp, buf, &op);
	tap_ok(buf >= 0 && err == 0, "%s: the chosen heap's buffer passes the device's check "
	       "(%s; %s)", name, buf < 0 ? dmaheap_last_error() : why,
	       buf < 0 ? "no buffer" : err ? strerror(err) : what(&op, text, sizeof(text)));
	if (buf >= 0)
		close(buf);

	naive = dmaheap_heap_for_usage(ctx, DMAHEAP_USAGE_CPU);
	err = 0;
	for (int i = 0; naive && i < TRIES && err == 0; i++) {
		buf = dmaheap_heap_alloc(naive, PROOF_SIZE, DMAHEAP_FD_FLAGS_DEFAULT, 0);
		if (buf < 0)
			break;
		err = check(imp, buf, &op);
		held[nheld++] = buf;	/* so that the next one gets other pages */
	}
	if (!naive || nheld == 0)
		tap_ok(false, "%s: a buffer from the cpu usage's heap (%s)", name,
		       dmaheap_last_error());
	else if (err)
		tap_ok(err == EINVAL || err == ERANGE || err == EMSGSIZE,
		       "%s: %s, which a device-unaware program takes, would have failed: "
		       "the device refused its buffer with %s (%s)", name,
		       dmaheap_heap_name(naive), strerror(err), what(&op, text, sizeof(text)));
	else
		tap_skip("that heap fits this device on this kernel",
			 "%s: %s's buffers fit it too (%d tried; the last: %s)", name,
			 dmaheap_heap_name(naive), nheld, what(&op, text, sizeof(text)));
	while (nheld)
		close(held[--nheld]);
	close(imp);
}

int main(int argc, char **argv)
{
	struct dmaheap_ctx *ctx = dmaheap_ctx_create(DMAHEAP_CTX_IGNORE_ENV);

	if (argc < 2) {
		fprintf(stderr, "usage: choice-proof INSTANCE... (/dev/dmaheap-importer/INSTANCE)\n");
		return 2;
	}
	tap_plan(2 * (argc - 1));
	for (int i = 1; i < argc; i++)
		prove(ctx, argv[i]);
	dmaheap_ctx_destroy(ctx);
	return tap_done();
}
