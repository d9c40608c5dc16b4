/* SPDX-License-Identifier: MIT */
/*
 * A bounded fuzzer for the heap interface, run by tests/guest/37-fuzz.t:
 * random ioctls (numbers, directions, sizes, payloads, bad pointers) on heap
 * nodes, well-formed allocations with random lengths and flags, random
 * ioctls, syncs and mmaps on the buffers, random writes to the heap modules'
 * writable parameters, while a second thread closes and reopens the fds
 * under the first and, with --reload, a third unloads and reloads a heap
 * module whenever it can.
 *
 *   heap-fuzz [--reload MODULE.ko] SEED ITERATIONS HEAP...
 *
 * The fuzzing runs in a child process; the parent then checks that every
 * heap's statistics show no buffer left once the child is gone. Every
 * failure must have an errno from the documented set of its call
 * (docs/reliability.md). Prints TAP lines ("ok - ..."), numbered by the
 * script, and exits 1 when one failed. The same SEED repeats the same run
 * (up to thread timing).
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libgen.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_HEAPS 16
#define SLOTS 32
#define MiB (1024UL * 1024UL)

struct rng {
	uint64_t s;
};

static uint64_t next(struct rng *r)
{
	/* xorshift64* */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

static uint64_t below(struct rng *r, uint64_t n)
{
	return n ? next(r) % n : 0;
}

static int nheaps;
static char *heaps[MAX_HEAPS];
/* The kernel's own heaps (no statistics): see fuzz_alloc(). */
static bool kernels_heap[MAX_HEAPS];
static _Atomic int heap_fds[MAX_HEAPS];
static _Atomic int bufs[SLOTS];
static atomic_bool stop;
static const char *reload_ko;

/* What went wrong, per kind of call: the first example and a count. */
enum call { C_RAW_IOCTL, C_ALLOC, C_BUF_IOCTL, C_SYNC, C_MMAP, C_PARAM, C_RELOAD, C_NR };
static const char *const call_names[C_NR] = {
	"raw ioctls on heap nodes", "allocations", "raw ioctls on buffers",
	"CPU-access syncs", "mmaps", "parameter writes", "module reloads",
};
static atomic_long calls[C_NR], unexpected[C_NR];
static char example[C_NR][160];

static bool allowed(enum call c, int err)
{
	/*
	 * A racing close may take any fd away at any moment, and its number
	 * may come back as another file (a heap node where a buffer was).
	 */
	if (err == EBADF || err == ENOTTY)
		return true;
	switch (c) {
	case C_RAW_IOCTL:
		return err == ENOTTY || err == EINVAL || err == EFAULT || err == ENOMEM;
	case C_ALLOC:
		return err == EINVAL || err == ENOMEM || err == EMFILE;
	case C_BUF_IOCTL:
		return err == ENOTTY || err == EINVAL || err == EFAULT || err == ENOMEM ||
		       err == EBUSY || err == EPERM;
	case C_SYNC:
		return err == EINVAL || err == EPERM;
	case C_MMAP:
		return err == EINVAL || err == ENOMEM || err == EACCES || err == EPERM ||
		       err == ENODEV || err == EOVERFLOW;
	case C_PARAM:
		return err == EINVAL || err == ERANGE;
	case C_RELOAD:
		return err == EBUSY || err == EAGAIN || err == EEXIST || err == ENOENT;
	default:
		return false;
	}
}

static void account(enum call c, long ret, int err, const char *what)
{
	atomic_fetch_add(&calls[c], 1);
	if (ret >= 0 || allowed(c, err))
		return;
	if (atomic_fetch_add(&unexpected[c], 1) == 0)
		snprintf(example[c], sizeof(example[c]), "%s: %s", what, strerror(err));
}

static int pick_buf(struct rng *r)
{
	return atomic_load(&bufs[below(r, SLOTS)]);
}

static void put_buf(struct rng *r, int fd)
{
	int old = atomic_exchange(&bufs[below(r, SLOTS)], fd);

	if (old >= 0)
		close(old);
}

static uint64_t random_len(struct rng *r)
{
	static const uint64_t edges[] = {
		0, 1, 4095, 4096, 4097, 65536, 1 << 20, 4 << 20, 16 << 20,
		1ULL << 31, 1ULL << 32, 1ULL << 40, ~0ULL, ~0ULL - 4095, 1ULL << 63,
	};

	if (below(r, 3) == 0)
		return edges[below(r, sizeof(edges) / sizeof(edges[0]))];
	return below(r, 2 * MiB) + 1;
}

/* A pointer for an ioctl argument: usually good, sometimes not. */
static void *random_arg(struct rng *r, unsigned char *payload, size_t size)
{
	switch (below(r, 8)) {
	case 0:
		return NULL;
	case 1:
		return (void *)(uintptr_t)0xffffffffff600000ULL; /* kernel space */
	case 2:
		return payload + 4096 - (size ? size / 2 : 1); /* runs off the page */
	default:
		for (size_t i = 0; i < size && i < 4096; i++)
			payload[i] = next(r);
		return payload;
	}
}

static void fuzz_raw_ioctl(struct rng *r, unsigned char *payload)
{
	static const unsigned int dirs[] = { _IOC_NONE, _IOC_READ, _IOC_WRITE,
					     _IOC_READ | _IOC_WRITE };
	unsigned int size = below(r, 2) ? below(r, 64) : below(r, 1 << 14);
	unsigned int type = below(r, 4) ? 'H' : below(r, 256);
	unsigned int nr = below(r, 4) ? below(r, 3) : below(r, 256);
	unsigned long cmd = _IOC(dirs[below(r, 4)], type, nr, size);
	int fd = atomic_load(&heap_fds[below(r, nheaps)]);
	char what[64];
	long ret;

	void *arg = random_arg(r, payload, size);
	int err;

	/*
	 * The kernel's own core (7.x) takes any ioctl numbered 0 for an
	 * ALLOC, whatever its type, direction or size, reading the length
	 * from however many bytes it was given, and makes a buffer whose fd
	 * the caller may never learn; its system heap then calls the OOM
	 * killer rather than fail. So such an ioctl always carries a length
	 * the machine can give many times (dmaheap's nodes refuse them).
	 */
	if (nr == 0 && (unsigned char *)arg >= payload &&
	    (unsigned char *)arg < payload + 4096) {
		uint64_t len = below(r, 64 * 1024);
		size_t room = payload + 4096 - (unsigned char *)arg;

		memcpy(arg, &len, room < sizeof(len) ? room : sizeof(len));
	}
	ret = ioctl(fd, cmd, arg);
	err = errno;
	snprintf(what, sizeof(what), "ioctl 0x%lx", cmd);
	account(C_RAW_IOCTL, ret, err, what);
	/* A buffer it made and told about: closed. Others go with the process. */
	if (ret == 0 && arg == payload && size >= 12 && _IOC_NR(cmd) == 0 &&
	    _IOC_TYPE(cmd) == 'H' && (_IOC_DIR(cmd) & _IOC_READ)) {
		int32_t buf;
		char link[64] = "";

		memcpy(&buf, payload + 8, sizeof(buf));
		snprintf(what, sizeof(what), "/proc/self/fd/%d", buf);
		if (buf > 2 && readlink(what, link, sizeof(link) - 1) > 0 &&
		    strstr(link, "dmabuf"))
			close(buf);
	}
}

static void fuzz_alloc(struct rng *r)
{
	struct dma_heap_allocation_data d = {
		.len = random_len(r),
		.fd_flags = below(r, 4) ? O_RDWR | O_CLOEXEC : (uint32_t)next(r),
		.heap_flags = below(r, 4) ? 0 : next(r),
	};
	int h = below(r, nheaps);
	int fd = atomic_load(&heap_fds[h]);
	char what[96];
	long ret;

	/*
	 * Big ones rarely: they are slow to clear under TCG. None beyond
	 * RAM for the kernel's own heaps: its system heap (7.3) does not
	 * refuse them, it allocates until the OOM killer ends somebody.
	 */
	if (d.len > 64 * MiB && (kernels_heap[h] || (d.len < (1ULL << 40) && below(r, 8))))
		d.len = 64 * MiB;
	ret = ioctl(fd, DMA_HEAP_IOCTL_ALLOC, &d);
	snprintf(what, sizeof(what), "ALLOC len %llu fd_flags 0x%x heap_flags 0x%llx",
		 (unsigned long long)d.len, d.fd_flags, (unsigned long long)d.heap_flags);
	account(C_ALLOC, ret, errno, what);
	/* Keep small ones only, so the slots hold 128 MiB at most. */
	if (ret == 0 && d.len <= 4 * MiB)
		put_buf(r, d.fd);
	else if (ret == 0)
		close(d.fd);
}

static void fuzz_buf_ioctl(struct rng *r, unsigned char *payload)
{
	static const unsigned long cmds[] = {
		DMA_BUF_IOCTL_SYNC, DMA_BUF_SET_NAME_A, DMA_BUF_SET_NAME_B,
#ifdef DMA_BUF_IOCTL_EXPORT_SYNC_FILE
		DMA_BUF_IOCTL_EXPORT_SYNC_FILE, DMA_BUF_IOCTL_IMPORT_SYNC_FILE,
#endif
	};
	unsigned long cmd;
	unsigned int size = below(r, 64);
	char what[64];
	long ret;

	if (below(r, 2))
		cmd = cmds[below(r, sizeof(cmds) / sizeof(cmds[0]))];
	else
		cmd = _IOC(below(r, 4), 'b', below(r, 8), size);
	ret = ioctl(pick_buf(r), cmd, random_arg(r, payload, size));
	snprintf(what, sizeof(what), "buffer ioctl 0x%lx", cmd);
	account(C_BUF_IOCTL, ret, errno, what);
}

static void fuzz_sync(struct rng *r)
{
	struct dma_buf_sync s = { .flags = below(r, 4) ? below(r, 8) : next(r) };
	char what[64];
	long ret;

	ret = ioctl(pick_buf(r), DMA_BUF_IOCTL_SYNC, &s);
	snprintf(what, sizeof(what), "SYNC flags 0x%llx", (unsigned long long)s.flags);
	account(C_SYNC, ret, errno, what);
}

static void fuzz_mmap(struct rng *r)
{
	static const int prots[] = { PROT_READ, PROT_WRITE, PROT_READ | PROT_WRITE,
				     PROT_NONE, PROT_READ | PROT_EXEC };
	size_t len = below(r, 4) ? 4096 * (below(r, 64) + 1) : random_len(r);
	off_t off = below(r, 4) ? 0 : (off_t)(4096 * below(r, 1024) + below(r, 2));
	int flags = below(r, 4) ? MAP_SHARED : MAP_PRIVATE;
	int prot = prots[below(r, 5)];
	char what[96];
	void *p;

	p = mmap(NULL, len, prot, flags, pick_buf(r), off);
	snprintf(what, sizeof(what), "mmap len %zu off %lld prot %d flags %d", len,
		 (long long)off, prot, flags);
	account(C_MMAP, p == MAP_FAILED ? -1 : 0, errno, what);
	if (p != MAP_FAILED) {
		if ((prot & PROT_WRITE) && flags == MAP_SHARED)
			((volatile char *)p)[0] = 1;
		munmap(p, len);
	}
}

static glob_t params;

static void fuzz_param(struct rng *r)
{
	static const char *const values[] = {
		"0", "1", "Y", "N", "-1", "4294967296", "18446744073709551616",
		"abc", "", " ", "1000000", "0x10", "007",
	};
	char value[32], what[300];
	const char *path;
	ssize_t ret;
	int fd;

	if (!params.gl_pathc)
		return;
	path = params.gl_pathv[below(r, params.gl_pathc)];
	if (below(r, 2))
		snprintf(value, sizeof(value), "%s", values[below(r, sizeof(values) / sizeof(values[0]))]);
	else
		snprintf(value, sizeof(value), "%llu", (unsigned long long)below(r, 1 << 12));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ret = write(fd, value, strlen(value));
	snprintf(what, sizeof(what), "%s <- \"%s\"", path, value);
	account(C_PARAM, ret, errno, what);
	close(fd);
}

/* The second thread: takes fds away and gives new ones. */
static void *closer(void *arg)
{
	struct rng r = { *(uint64_t *)arg ^ 0x9e3779b97f4a7c15ULL };

	while (!atomic_load(&stop)) {
		if (below(&r, 2)) {
			int i = below(&r, nheaps);
			char node[256];
			int fd, old;

			/* Sometimes none for a while: a module may go meanwhile. */
			snprintf(node, sizeof(node), "/dev/dma_heap/%s", heaps[i]);
			fd = below(&r, 4) ? open(node, O_RDONLY | O_CLOEXEC) : -1;
			old = atomic_exchange(&heap_fds[i], fd);
			if (old >= 0)
				close(old);
		} else {
			int old = atomic_exchange(&bufs[below(&r, SLOTS)], -1);

			if (old >= 0)
				close(old);
		}
		usleep(below(&r, 2000));
	}
	return NULL;
}

/* The third thread: unloads the module whenever nothing pins it, reloads it. */
static void *reloader(void *arg)
{
	char copy[512], name[64];

	(void)arg;
	snprintf(copy, sizeof(copy), "%s", reload_ko);
	snprintf(name, sizeof(name), "%s", basename(copy));
	name[strcspn(name, ".")] = 0;
	while (!atomic_load(&stop)) {
		long ret = syscall(SYS_delete_module, name, O_NONBLOCK);

		account(C_RELOAD, ret, errno, "delete_module");
		if (ret == 0) {
			int fd = open(reload_ko, O_RDONLY | O_CLOEXEC);

			ret = fd < 0 ? -1 : syscall(SYS_finit_module, fd, "", 0);
			account(C_RELOAD, ret, errno, "finit_module");
			if (fd >= 0)
				close(fd);
		}
		usleep(20000);
	}
	return NULL;
}

static int fuzz(uint64_t seed, long iterations)
{
	unsigned char *payload;
	pthread_t t1, t2;
	struct rng r = { seed | 1 };
	long i;

	/* A page followed by an unmapped one, for arguments that run off it. */
	payload = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (payload == MAP_FAILED)
		return 2;
	munmap(payload + 4096, 4096);
	for (i = 0; i < SLOTS; i++)
		atomic_store(&bufs[i], -1);
	for (i = 0; i < nheaps; i++) {
		char node[256];

		snprintf(node, sizeof(node), "/dev/dma_heap/%s", heaps[i]);
		atomic_store(&heap_fds[i], open(node, O_RDONLY | O_CLOEXEC));
	}
	glob("/sys/module/dmaheap_*/parameters/*", 0, NULL, &params);
	/* Only the writable ones, and never mem_accounting or name. */
	for (size_t j = 0; j < params.gl_pathc; j++) {
		struct stat st;

		if (stat(params.gl_pathv[j], &st) || !(st.st_mode & S_IWUSR) ||
		    strstr(params.gl_pathv[j], "mem_accounting")) {
			params.gl_pathv[j] = params.gl_pathv[params.gl_pathc - 1];
			params.gl_pathc--;
			j--;
		}
	}
	pthread_create(&t1, NULL, closer, &seed);
	if (reload_ko)
		pthread_create(&t2, NULL, reloader, NULL);
	for (i = 0; i < iterations; i++) {
		switch (below(&r, 10)) {
		case 0: case 1:
			fuzz_raw_ioctl(&r, payload);
			break;
		case 2: case 3: case 4:
			fuzz_alloc(&r);
			break;
		case 5:
			fuzz_buf_ioctl(&r, payload);
			break;
		case 6:
			fuzz_sync(&r);
			break;
		case 7: case 8:
			fuzz_mmap(&r);
			break;
		default:
			if (below(&r, 8) == 0)
				fuzz_param(&r);
			else
				fuzz_alloc(&r);
		}
	}
	atomic_store(&stop, true);
	pthread_join(t1, NULL);
	if (reload_ko)
		pthread_join(t2, NULL);
	for (i = 0; i < C_NR; i++) {
		if (i == C_RELOAD && !reload_ko)
			continue;
		printf("%sok - %s: %ld, %ld with an undocumented errno%s%s\n",
		       atomic_load(&unexpected[i]) ? "not " : "", call_names[i],
		       atomic_load(&calls[i]), atomic_load(&unexpected[i]),
		       example[i][0] ? ", first: " : "", example[i]);
	}
	fflush(stdout);
	/* Buffers and fds are left open on purpose: exit must clean them up. */
	return 0;
}

static long long buffers_of(const char *heap)
{
	const char *classes[] = { "dma_heap", "dmaheap" };
	long long v = -1;

	for (size_t i = 0; i < 2 && v < 0; i++) {
		char path[256];
		FILE *f;

		snprintf(path, sizeof(path), "/sys/class/%s/%s/stats/buffers", classes[i], heap);
		f = fopen(path, "r");
		if (f) {
			if (fscanf(f, "%lld", &v) != 1)
				v = -1;
			fclose(f);
		}
	}
	return v;
}

int main(int argc, char **argv)
{
	long long before[MAX_HEAPS];
	int status, a = 1, failed = 0;
	uint64_t seed;
	long iterations;
	pid_t pid;

	if (argc > 3 && !strcmp(argv[1], "--reload")) {
		reload_ko = argv[2];
		a = 3;
	}
	if (argc - a < 3 || argc - a - 2 > MAX_HEAPS) {
		fprintf(stderr, "usage: heap-fuzz [--reload MODULE.ko] SEED ITERATIONS HEAP...\n");
		return 2;
	}
	seed = strtoull(argv[a], NULL, 0);
	iterations = strtol(argv[a + 1], NULL, 0);
	for (int i = a + 2; i < argc; i++) {
		heaps[nheaps] = argv[i];
		before[nheaps] = buffers_of(argv[i]);
		kernels_heap[nheaps] = before[nheaps] < 0;
		nheaps++;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0)
		_exit(fuzz(seed, iterations));
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		printf("not ok - the fuzzing process ended abnormally (status 0x%x)\n", status);
		return 1;
	}
	for (int i = 0; i < nheaps; i++) {
		long long after = buffers_of(heaps[i]);

		if (before[i] < 0) {
			printf("ok - %s: no buffer left behind # SKIP the kernel's own heap has no statistics\n",
			       heaps[i]);
			continue;
		}
		failed |= after != before[i];
		printf("%sok - %s: no buffer left behind once the process is gone (%lld -> %lld)\n",
		       after == before[i] ? "" : "not ", heaps[i], before[i], after);
	}
	return failed;
}
