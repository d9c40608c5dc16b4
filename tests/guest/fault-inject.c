/* SPDX-License-Identifier: MIT */
/*
 * Fault injection on every path of a heap's buffers, the technique of
 * syzkaller: for N = 1, 2, ... the Nth allocation the kernel makes for this
 * thread fails (/proc/thread-self/fail-nth, with failslab and
 * fail_page_alloc set by tests/guest/36-fault-injection.t), until the
 * operation succeeds with no fault left to inject. Each failure must be a
 * clean errno, and after every path the heap's statistics and this
 * process's fds are as before.
 *
 *   fault-inject HEAP [IMPORTER]
 *   fault-inject --module MODULE.ko
 *
 * Paths: alloc (DMA_HEAP_IOCTL_ALLOC), and with a test importer node
 * (/dev/dmaheap-importer/NAME) attach+map (DMAHEAP_IMPORTER_CHECK) and vmap
 * (DMAHEAP_IMPORTER_VMAP: dma_buf_vmap() WARNs once when an exporter's vmap
 * fails, 6.1 to 7.3, which testbed/vm/run expects inside the run); always:
 * CPU access (DMA_BUF_IOCTL_SYNC), mmap, and release (the last close of a
 * buffer that was mapped and imported).
 * With --module: loading MODULE.ko (finit_module), which must not be loaded;
 * every failed load leaves it unloaded, and a load that succeeded is undone
 * with delete_module() until one succeeds with no fault injected.
 * Prints one TAP line per path ("ok - ..." / "not ok - ...", numbered by
 * the script) with the fault points it covered; exits 1 when one failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <dirent.h>
#include <libgen.h>
#include <sys/syscall.h>

#include "../../kernel/tests/importer.h"

#define BUF_SIZE (256 * 1024)
/* A path that still fails after this many points is stuck, not covered. */
#define MAX_POINTS 5000

static int fail_nth = -1;
static int failures;
static char stats_dir[256];

__attribute__((format(printf, 2, 3)))
static void report(bool good, const char *fmt, ...)
{
	va_list ap;

	printf("%sok - ", good ? "" : "not ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!good)
		failures++;
}

static void arm(int n)
{
	char s[16];
	int len = snprintf(s, sizeof(s), "%d", n);

	if (pwrite(fail_nth, s, len, 0) != len) {
		perror("fault-inject: writing /proc/thread-self/fail-nth");
		exit(2);
	}
}

/* Disarms; returns whether the armed fault was injected. */
static bool disarm(void)
{
	char s[16] = "";
	ssize_t r = pread(fail_nth, s, sizeof(s) - 1, 0);

	arm(0);
	return r > 0 && atoi(s) == 0;
}

static long long stat_of(const char *name)
{
	char path[512];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", stats_dir, name);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static int heap_fd = -1, importer_fd = -1;

static int alloc_buffer(void)
{
	struct dma_heap_allocation_data data = {
		.len = BUF_SIZE,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};

	if (ioctl(heap_fd, DMA_HEAP_IOCTL_ALLOC, &data) < 0)
		return -errno;
	return data.fd;
}

static int importer_op(int buf, unsigned int op)
{
	struct dmaheap_importer_op io = { .fd = buf, .op = op };

	return ioctl(importer_fd, DMAHEAP_IMPORTER_IOC_OP, &io) < 0 ? -errno : 0;
}

/*
 * One step of a path, run with a fault armed: returns 0 or -errno, and
 * leaves nothing behind when it fails.
 */
struct path {
	const char *name;
	bool needs_importer;
	/* Run once per N on buffer @buf (fresh for each N unless @reuse). */
	int (*step)(int buf, int *made);
	bool fresh_buffer;
};

static int step_alloc(int buf, int *made)
{
	int fd;

	(void)buf;
	fd = alloc_buffer();
	if (fd < 0)
		return fd;
	*made = fd;
	return 0;
}

static int step_map(int buf, int *made)
{
	(void)made;
	return importer_op(buf, DMAHEAP_IMPORTER_CHECK);
}

static int step_vmap(int buf, int *made)
{
	(void)made;
	return importer_op(buf, DMAHEAP_IMPORTER_VMAP);
}

static int step_cpu_access(int buf, int *made)
{
	struct dma_buf_sync s = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW };

	(void)made;
	if (ioctl(buf, DMA_BUF_IOCTL_SYNC, &s) < 0)
		return -errno;
	s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
	if (ioctl(buf, DMA_BUF_IOCTL_SYNC, &s) < 0)
		return -errno;
	return 0;
}

/* A mapping made with a fault armed, unmapped once disarmed (munmap itself
 * allocates, and may fail, keeping the mapping). */
static void *armed_map = MAP_FAILED;

static int step_mmap(int buf, int *made)
{
	(void)made;
	armed_map = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
	return armed_map == MAP_FAILED ? -errno : 0;
}

/* The release path: a buffer mapped by the CPU and imported, closed last. */
static int step_release(int buf, int *made)
{
	(void)made;
	close(buf);
	return 0;
}

static const struct path paths[] = {
	{ "alloc", false, step_alloc, false },
	{ "attach+map", true, step_map, true },
	{ "vmap", true, step_vmap, true },
	{ "CPU access", false, step_cpu_access, true },
	{ "mmap", false, step_mmap, true },
	{ "release", false, step_release, true },
};

static bool errno_is_clean(int err)
{
	/* What a caller can be told about memory the kernel could not get. */
	return err == ENOMEM || err == ENFILE || err == EMFILE;
}

/* A heap whose buffers no CPU may touch (an unmapped carveout). */
static bool no_cpu_access;

static void run_path(const struct path *p, const char *heap)
{
	long long buffers0 = stat_of("buffers");
	int fds0 = count_fds(), points = 0, bad_errno = 0, n;
	char errs[128] = "";
	bool done = false;

	for (n = 1; n <= MAX_POINTS && !done; n++) {
		int buf = -1, made = -1, ret;
		bool injected;

		if (p->fresh_buffer) {
			buf = alloc_buffer();
			if (buf < 0) {
				report(false, "%s on %s: allocating the buffer (no fault armed): %s",
				       p->name, heap, strerror(-buf));
				return;
			}
			if (!strcmp(p->name, "release")) {
				/* Something to tear down: a mapping and an import. */
				void *m = mmap(NULL, BUF_SIZE, PROT_READ, MAP_SHARED, buf, 0);

				if (m != MAP_FAILED)
					munmap(m, BUF_SIZE);
				if (importer_fd >= 0)
					importer_op(buf, DMAHEAP_IMPORTER_CHECK);
			}
		}
		arm(n);
		ret = p->step(buf, &made);
		injected = disarm();
		if (armed_map != MAP_FAILED) {
			munmap(armed_map, BUF_SIZE);
			armed_map = MAP_FAILED;
		}
		if (injected)
			points++;
		/*
		 * x86 PAT turns any failure to track a whole-VMA pfn range
		 * (carveouts map theirs in one call) into EINVAL.
		 */
		if (ret == -EINVAL && injected && !strcmp(p->name, "mmap"))
			ret = -ENOMEM;
		if (ret && !errno_is_clean(-ret)) {
			if (!bad_errno++)
				snprintf(errs, sizeof(errs), ", fault %d gave %s", n,
					 strerror(-ret));
		}
		if (ret && !injected) {
			if (!bad_errno++)
				snprintf(errs, sizeof(errs), ", failed with no fault injected: %s",
					 strerror(-ret));
		}
		/* What the failed step left must still work. */
		if (buf >= 0 && strcmp(p->name, "release") && no_cpu_access) {
			if (importer_fd >= 0 && importer_op(buf, DMAHEAP_IMPORTER_CHECK) &&
			    !bad_errno++)
				snprintf(errs, sizeof(errs),
					 ", the buffer was unusable after fault %d", n);
			close(buf);
		} else if (buf >= 0 && strcmp(p->name, "release")) {
			struct dma_buf_sync s = {
				.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ,
			};
			void *m = mmap(NULL, BUF_SIZE, PROT_READ, MAP_SHARED, buf, 0);

			if (m == MAP_FAILED ||
			    ioctl(buf, DMA_BUF_IOCTL_SYNC, &s) < 0 ||
			    ((volatile char *)m)[BUF_SIZE - 1] != 0) {
				if (!bad_errno++)
					snprintf(errs, sizeof(errs),
						 ", the buffer was unusable after fault %d", n);
			} else {
				s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
				ioctl(buf, DMA_BUF_IOCTL_SYNC, &s);
			}
			if (m != MAP_FAILED)
				munmap(m, BUF_SIZE);
			close(buf);
		}
		if (made >= 0)
			close(made);
		done = !injected;
	}
	{
		long long buffers1 = stat_of("buffers");
		int fds1 = count_fds();

		report(done && !bad_errno && buffers1 == buffers0 && fds1 == fds0,
		       "%s on %s: %d fault points, each a clean errno (ENOMEM/ENFILE/EMFILE)%s%s; buffers %lld -> %lld, fds %d -> %d",
		       p->name, heap, points, errs,
		       done ? "" : ", still failing after the last point tried",
		       buffers0, buffers1, fds0, fds1);
	}
}

static bool module_loaded(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	return access(path, F_OK) == 0;
}

static int run_module(const char *ko)
{
	char copy[512], name[64];
	int fd, n, points = 0, bad = 0, errs_seen[8], nerrs = 0;
	bool done = false;
	char errs[256] = "", names[160] = "";

	snprintf(copy, sizeof(copy), "%s", ko);
	snprintf(name, sizeof(name), "%s", basename(copy));
	name[strcspn(name, ".")] = 0;
	if (module_loaded(name)) {
		fprintf(stderr, "fault-inject: %s is loaded: unload it first\n", name);
		return 2;
	}
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "fault-inject: %s: %s\n", ko, strerror(errno));
		return 2;
	}
	for (n = 1; n <= MAX_POINTS && !done; n++) {
		int ret, err;
		bool injected;

		arm(n);
		ret = syscall(SYS_finit_module, fd, "", 0);
		err = errno;
		injected = disarm();
		points += injected;
		/* The module loader's errors are the kernel's: note which. */
		if (ret < 0 && injected && nerrs < 8) {
			bool seen = false;

			for (int i = 0; i < nerrs; i++)
				seen |= errs_seen[i] == err;
			if (!seen)
				errs_seen[nerrs++] = err;
		}
		if (ret < 0 && module_loaded(name) && !bad++)
			snprintf(errs, sizeof(errs), ", fault %d left %s loaded after a failed load", n, name);
		if (ret == 0 && syscall(SYS_delete_module, name, O_NONBLOCK) < 0 && !bad++)
			snprintf(errs, sizeof(errs), ", unloading after fault %d: %s", n, strerror(errno));
		done = ret == 0 && !injected;
		if (ret < 0 && !injected) {
			snprintf(errs, sizeof(errs), ", failed with no fault injected: %s", strerror(err));
			bad++;
			break;
		}
	}
	close(fd);
	for (int i = 0; i < nerrs; i++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 i ? ", " : "", strerrorname_np(errs_seen[i]) ?: "?");
	report(done && !bad, "loading %s: %d fault points, each failed load (%s) left nothing loaded%s",
	       name, points, names, errs);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *classes[] = { "dma_heap", "dmaheap" };
	char node[256];
	size_t i;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: fault-inject HEAP [IMPORTER]\n");
		return 2;
	}
	fail_nth = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (fail_nth < 0) {
		fprintf(stderr, "fault-inject: /proc/thread-self/fail-nth: %s (the kernel needs CONFIG_FAULT_INJECTION)\n",
			strerror(errno));
		return 2;
	}
	if (!strcmp(argv[1], "--module"))
		return argc == 3 ? run_module(argv[2]) : 2;
	snprintf(node, sizeof(node), "/dev/dma_heap/%s", argv[1]);
	heap_fd = open(node, O_RDONLY | O_CLOEXEC);
	if (heap_fd < 0) {
		fprintf(stderr, "fault-inject: %s: %s\n", node, strerror(errno));
		return 2;
	}
	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		snprintf(stats_dir, sizeof(stats_dir), "/sys/class/%s/%s/stats",
			 classes[i], argv[1]);
		if (access(stats_dir, F_OK) == 0)
			break;
	}
	if (argc == 3) {
		snprintf(node, sizeof(node), "/dev/dmaheap-importer/%s", argv[2]);
		importer_fd = open(node, O_RDWR | O_CLOEXEC);
		if (importer_fd < 0) {
			fprintf(stderr, "fault-inject: %s: %s\n", node, strerror(errno));
			return 2;
		}
	}
	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		char path[256];
		FILE *f;
		int v;

		snprintf(path, sizeof(path), "/sys/class/%s/%s/cpu_access", classes[i], argv[1]);
		f = fopen(path, "r");
		if (!f)
			continue;
		no_cpu_access = fscanf(f, "%d", &v) == 1 && v == 0;
		fclose(f);
	}
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (no_cpu_access && (!strcmp(paths[i].name, "mmap") ||
				      !strcmp(paths[i].name, "vmap") ||
				      !strcmp(paths[i].name, "CPU access"))) {
			printf("ok - %s on %s # SKIP its buffers have no CPU access\n",
			       paths[i].name, argv[1]);
			continue;
		}
		if (paths[i].needs_importer && importer_fd < 0) {
			printf("ok - %s on %s # SKIP no test importer\n", paths[i].name, argv[1]);
			continue;
		}
		run_path(&paths[i], argv[1]);
	}
	return failures ? 1 : 0;
}
