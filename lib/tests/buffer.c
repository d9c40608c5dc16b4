// SPDX-License-Identifier: MIT
/*
 * What works on any fd, on the host: describing, naming and syncing refuse
 * what is not a dma-buf with a message saying so; bufinfo parsing against
 * the 6.1 kernel's format (fences, devices, unnamed buffers, garbage).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <dmaheap/dmaheap.h>
#include "../../tests/tap.h"

static const char sample[] =
	"\nDma-buf Objects:\n"
	"size    \tflags   \tmode    \tcount   \texp_name\tino     \tname\n"
	"00004096\t00000002\t00080007\t00000003\tsystem\t00000042\tsystem\n"
	"\twrite fence:drm_sched gfx signalled\n"
	"\tAttached Devices:\n"
	"\tvgem\n"
	"\t0000:00:02.0\n"
	"Total 2 devices attached\n\n"
	"01048576\t00000002\t00080007\t00000001\tudmabuf\t00000043\t<none>\n"
	"\tAttached Devices:\n"
	"Total 0 devices attached\n\n"
	"00008192\t00000002\t00080007\t00000001\tdefault_cma_region\t00000044\tmy frame 1\n"
	"\tAttached Devices:\n"
	"\tvkms\n"
	"Total 1 devices attached\n\n"
	"\nTotal 3 objects, 1060864 bytes\n";

static bool has(const char *needle)
{
	if (strstr(dmaheap_last_error(), needle))
		return true;
	tap_diag("message: %s", dmaheap_last_error());
	return false;
}

int main(void)
{
	struct dmaheap_buf_desc desc = { .struct_size = sizeof(desc) };
	struct dmaheap_proc_bufs *bufs;
	struct dmaheap_bufinfo *info;
	const struct dmaheap_bufinfo_entry *e;
	int pipefd[2];

	tap_plan(19);
	if (pipe(pipefd) < 0)
		return 1;

	tap_ok(dmaheap_describe(pipefd[0], &desc) < 0 && errno == EINVAL &&
	       has("is not a dma-buf (it is pipe:["), "describing a pipe: EINVAL, says what it is");
	tap_ok(dmaheap_describe(999, &desc) < 0 && errno == EBADF && has("fd 999 is not open"),
	       "describing a closed fd: EBADF");
	tap_ok(dmaheap_describe(-1, &desc) < 0 && errno == EBADF, "describing fd -1: EBADF");
	{
		struct dmaheap_buf_desc unsized = { 0 };

		tap_ok(dmaheap_describe(pipefd[0], &unsized) < 0 && errno == EINVAL &&
		       has("set it to sizeof(struct dmaheap_buf_desc)"),
		       "a description whose struct_size is 0: EINVAL before anything is read");
		tap_ok(dmaheap_describe(pipefd[0], NULL) < 0 && errno == EINVAL &&
		       has("no dmaheap_buf_desc to fill"), "no description: EINVAL");
	}
	tap_ok(dmaheap_describe_pid(0x3ffffff0, 0, &desc) < 0 && errno == ESRCH &&
	       has("no process"), "describing in a process that does not exist: ESRCH");
	bufs = dmaheap_proc_bufs_get(getpid());
	tap_ok(bufs && bufs->count == 0, "this process holds no dma-bufs (only a pipe)");
	dmaheap_proc_bufs_free(bufs);
	tap_ok(!dmaheap_proc_bufs_get(0x3ffffff0) && errno == ESRCH,
	       "listing a process that does not exist: ESRCH");

	tap_ok(dmaheap_cpu_begin(pipefd[0], DMAHEAP_ACCESS_RW) < 0 && errno == ENOTTY &&
	       has("(begin CPU access) on fd") && has("(not a dma-buf)"),
	       "CPU sync on a pipe: ENOTTY, not a dma-buf");
	tap_ok(dmaheap_cpu_end(pipefd[0], (enum dmaheap_access)0) < 0 && errno == EINVAL &&
	       has("CPU access 0 is not read, write or read-write"), "access 0: EINVAL");
	tap_ok(dmaheap_buf_set_name(pipefd[0], "x") < 0 && errno == ENOTTY &&
	       has("DMA_BUF_SET_NAME 'x' on fd"), "naming a pipe: ENOTTY");
	tap_ok(dmaheap_buf_set_name(pipefd[0], NULL) < 0 && errno == EINVAL, "naming with NULL: EINVAL");

	info = dmaheap_bufinfo_parse(sample);
	tap_ok(info && info->count == 3, "bufinfo: three buffers");
	e = info ? dmaheap_bufinfo_find(info, 42) : NULL;
	tap_ok(e && e->size == 4096 && e->count == 3 && strcmp(e->exporter, "system") == 0 &&
	       strcmp(e->name, "system") == 0 && e->num_devices == 2 &&
	       strcmp(e->devices[0], "vgem") == 0 && strcmp(e->devices[1], "0000:00:02.0") == 0,
	       "bufinfo: size, count, exporter, name and devices, fences skipped");
	e = info ? dmaheap_bufinfo_find(info, 43) : NULL;
	tap_ok(e && e->size == 1048576 && e->name[0] == '\0' && e->num_devices == 0 &&
	       strcmp(e->exporter, "udmabuf") == 0, "bufinfo: <none> is no name, no devices");
	e = info ? dmaheap_bufinfo_find(info, 44) : NULL;
	tap_ok(e && strcmp(e->name, "my frame 1") == 0 && e->num_devices == 1 &&
	       strcmp(e->exporter, "default_cma_region") == 0, "bufinfo: names with blanks");
	tap_ok(info && !dmaheap_bufinfo_find(info, 7) && errno == ENOENT,
	       "bufinfo: an unknown inode is ENOENT");
	dmaheap_bufinfo_free(info);

	info = dmaheap_bufinfo_parse("garbage\n\tAttached Devices:\n\tx\nTotal 1 devices\n"
				     "1\t2\n12\t0\t0\t1\tx\tnotanumber\ty\n\t\n");
	tap_ok(info && info->count == 0, "bufinfo: garbage parses as no buffers");
	dmaheap_bufinfo_free(info);

	info = dmaheap_bufinfo_read();
	tap_ok(info || has("bufinfo"), "reading bufinfo works or says why: %s",
	       info ? "read" : dmaheap_last_error());
	dmaheap_bufinfo_free(info);

	close(pipefd[0]);
	close(pipefd[1]);
	return tap_done();
}
