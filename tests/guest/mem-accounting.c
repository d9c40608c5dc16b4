/* SPDX-License-Identifier: MIT */
/*
 * Heap memory and memory cgroups, from inside a group: the part of
 * tests/guest/35-mem-accounting.t that allocates.
 *
 *   mem-accounting HEAP BYTES COUNT
 *
 * Allocates up to COUNT buffers of BYTES from /dev/dma_heap/HEAP, stopping
 * at the first failure, then frees them all. Prints, one per line, for the
 * script to check:
 *   before N       the group's memory.current before the first allocation
 *   allocated K    buffers that were allocated
 *   errno E        the first failure's errno (0 when all COUNT succeeded)
 *   held N         memory.current while they are held
 *   freed N        memory.current once they are all closed
 * Exits 2 when it cannot run at all (no heap, no cgroup v2).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/dma-heap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static char current_path[4200];

/* The memory.current of the group this process is in (cgroup v2). */
static int find_current(void)
{
	char line[4096];
	FILE *f = fopen("/proc/self/cgroup", "r");
	int found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = 0;
			snprintf(current_path, sizeof(current_path),
				 "/sys/fs/cgroup%s/memory.current", line + 3);
			found = 1;
		}
	}
	fclose(f);
	return found && access(current_path, R_OK) == 0 ? 0 : -1;
}

static unsigned long long memory_current(void)
{
	unsigned long long v = 0;
	FILE *f = fopen(current_path, "r");

	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

int main(int argc, char **argv)
{
	unsigned long long bytes;
	char node[256];
	int heap, err = 0;
	long count, n = 0;
	int *fds;

	if (argc != 4) {
		fprintf(stderr, "usage: mem-accounting HEAP BYTES COUNT\n");
		return 2;
	}
	bytes = strtoull(argv[2], NULL, 0);
	count = strtol(argv[3], NULL, 0);
	if (!bytes || count <= 0) {
		fprintf(stderr, "mem-accounting: BYTES and COUNT must be positive\n");
		return 2;
	}
	if (find_current()) {
		fprintf(stderr, "mem-accounting: not in a cgroup v2 group with the memory controller\n");
		return 2;
	}
	snprintf(node, sizeof(node), "/dev/dma_heap/%s", argv[1]);
	heap = open(node, O_RDONLY | O_CLOEXEC);
	if (heap < 0) {
		fprintf(stderr, "mem-accounting: %s: %s\n", node, strerror(errno));
		return 2;
	}
	fds = calloc(count, sizeof(*fds));
	if (!fds)
		return 2;

	printf("before %llu\n", memory_current());
	while (n < count) {
		struct dma_heap_allocation_data data = {
			.len = bytes,
			.fd_flags = O_RDWR | O_CLOEXEC,
		};

		if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &data) < 0) {
			err = errno;
			break;
		}
		fds[n++] = data.fd;
	}
	printf("allocated %ld\nerrno %d\nheld %llu\n", n, err, memory_current());
	while (n > 0)
		close(fds[--n]);
	printf("freed %llu\n", memory_current());
	free(fds);
	close(heap);
	return 0;
}
