// SPDX-License-Identifier: MIT
/*
 * The usage -> heap policy and heap lookup, on the host, against a fake heap
 * directory (DMAHEAP_TEST_HEAP_DIR, for tests only): defaults, DMAHEAP_HEAPS
 * and its malformed forms, caller overrides, fallback order, the udmabuf
 * fallback, the heap cache from 8 threads, and every error message.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dmaheap/dmaheap.h>
#include "../../tests/tap.h"

static char top[] = "/tmp/dmaheap-policy-XXXXXX";
static char heap_dir[256], sysfs_dir[256], fake_udmabuf[256];

static void touch(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static void subdir(char *out, size_t len, const char *parent, const char *name)
{
	snprintf(out, len, "%s/%s", parent, name);
	if (mkdir(out, 0755) < 0 && errno != EEXIST) {
		perror(out);
		exit(1);
	}
}

static bool policy_is(struct dmaheap_ctx *ctx, enum dmaheap_usage usage, const char *want)
{
	char buf[512];

	return dmaheap_ctx_get_policy(ctx, usage, buf, sizeof(buf)) == 0 &&
	       strcmp(buf, want) == 0;
}

static bool has(const char *needle)
{
	if (strstr(dmaheap_last_error(), needle))
		return true;
	tap_diag("message: %s", dmaheap_last_error());
	return false;
}

static struct dmaheap_ctx *ctx_with_env(const char *env, unsigned int flags)
{
	if (env)
		setenv("DMAHEAP_HEAPS", env, 1);
	else
		unsetenv("DMAHEAP_HEAPS");
	return dmaheap_ctx_create(flags);
}

static const char *const malformed[] = {
	"scanout",
	"foo=system",
	"cpu=",
	"cpu=a,,b",
	"cpu= , ",
	"cpu=a/b",
	"cpu=..",
	"cpu=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q",
	"cpu=0123456789012345678901234567890123456789012345678901234567890123",
	"=system",
};

static void test_policy(void)
{
	struct dmaheap_ctx *ctx;
	enum dmaheap_usage usage;
	char small[8];

	ctx = ctx_with_env(NULL, 0);
	tap_ok(ctx && policy_is(ctx, DMAHEAP_USAGE_SCANOUT,
				"default_cma_region,linux,cma,reserved,system") &&
	       policy_is(ctx, DMAHEAP_USAGE_CAMERA, "default_cma_region,linux,cma,reserved,system") &&
	       policy_is(ctx, DMAHEAP_USAGE_CODEC, "default_cma_region,linux,cma,reserved,system") &&
	       policy_is(ctx, DMAHEAP_USAGE_GPU, "system,default_cma_region,linux,cma,reserved") &&
	       policy_is(ctx, DMAHEAP_USAGE_CPU, "system"), "built-in defaults");
	tap_ok(dmaheap_ctx_get_policy(ctx, DMAHEAP_USAGE_SCANOUT, small, sizeof(small)) < 0 &&
	       errno == ERANGE && has("needs 45 bytes"), "a short buffer gives ERANGE");
	tap_ok(dmaheap_ctx_set_policy(ctx, "cpu=mine;bogus=x") < 0 && errno == EINVAL &&
	       policy_is(ctx, DMAHEAP_USAGE_CPU, "system") && has("policy: unknown usage 'bogus'"),
	       "a bad caller policy changes nothing (all or nothing)");
	tap_ok(dmaheap_ctx_set_policy(ctx, "cpu=mine, udmabuf") == 0 &&
	       policy_is(ctx, DMAHEAP_USAGE_CPU, "mine,udmabuf") &&
	       policy_is(ctx, DMAHEAP_USAGE_GPU, "system,default_cma_region,linux,cma,reserved"),
	       "the caller overrides one usage, the others keep theirs");
	dmaheap_ctx_destroy(ctx);

	ctx = ctx_with_env("scanout=mycma,system;cpu=system", 0);
	tap_ok(ctx && policy_is(ctx, DMAHEAP_USAGE_SCANOUT, "mycma,system") &&
	       policy_is(ctx, DMAHEAP_USAGE_CPU, "system") &&
	       policy_is(ctx, DMAHEAP_USAGE_CAMERA, "default_cma_region,linux,cma,reserved,system"),
	       "DMAHEAP_HEAPS overrides the usages it names");
	tap_ok(ctx && dmaheap_ctx_set_policy(ctx, "SCANOUT=other") == 0 &&
	       policy_is(ctx, DMAHEAP_USAGE_SCANOUT, "other"), "the caller overrides DMAHEAP_HEAPS");
	dmaheap_ctx_destroy(ctx);

	ctx = ctx_with_env("  camera = a , b ; ;codec=c;", 0);
	tap_ok(ctx && policy_is(ctx, DMAHEAP_USAGE_CAMERA, "a,b") &&
	       policy_is(ctx, DMAHEAP_USAGE_CODEC, "c"),
	       "blanks, empty entries and a trailing ';' are fine");
	dmaheap_ctx_destroy(ctx);

	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		errno = 0;
		ctx = ctx_with_env(malformed[i], 0);
		tap_ok(!ctx && errno == EINVAL && has("DMAHEAP_HEAPS: "),
		       "malformed DMAHEAP_HEAPS '%s' fails: %s", malformed[i],
		       dmaheap_last_error());
		dmaheap_ctx_destroy(ctx);
	}
	ctx = ctx_with_env("scanout", DMAHEAP_CTX_IGNORE_ENV);
	tap_ok(ctx != NULL, "DMAHEAP_CTX_IGNORE_ENV ignores a malformed DMAHEAP_HEAPS");
	dmaheap_ctx_destroy(ctx);
	unsetenv("DMAHEAP_HEAPS");

	tap_ok(dmaheap_usage_from_name("Camera", &usage) == 0 && usage == DMAHEAP_USAGE_CAMERA &&
	       strcmp(dmaheap_usage_name(DMAHEAP_USAGE_GPU), "gpu") == 0,
	       "usage names both ways");
	tap_ok(dmaheap_usage_from_name("display", &usage) < 0 && errno == EINVAL &&
	       has("unknown usage 'display' (usages: scanout, camera, codec, gpu, cpu)"),
	       "an unknown usage lists the known ones");
	tap_ok(!dmaheap_usage_name(DMAHEAP_USAGE_COUNT) && errno == EINVAL,
	       "an out-of-range usage is EINVAL");
	tap_ok(!dmaheap_ctx_create(0x100) && errno == EINVAL, "unknown context flags are EINVAL");
}

static void test_lookup(void)
{
	struct dmaheap_ctx *ctx;
	struct dmaheap_heap *heap, *again;
	char missing[300], empty[300], msg[1024];

	/* no heap directory at all */
	snprintf(missing, sizeof(missing), "%s/none", top);
	setenv("DMAHEAP_TEST_HEAP_DIR", missing, 1);
	ctx = dmaheap_ctx_create(0);
	tap_ok(!dmaheap_heap_open(ctx, "system") && errno == ENOENT &&
	       has("no heap 'system': ") && has("/none does not exist; load the dmaheap "
						"kernel modules"),
	       "no heap directory: the message says to load the modules");
	snprintf(msg, sizeof(msg), "no heap for usage 'scanout': tried default_cma_region, "
		 "linux,cma, reserved, system; %s does not exist: load the dmaheap kernel "
		 "modules", missing);
	tap_ok(!dmaheap_heap_for_usage(ctx, DMAHEAP_USAGE_SCANOUT) && errno == ENOENT &&
	       has(msg), "no heap for a usage: the message names every heap tried");
	tap_ok(dmaheap_alloc(ctx, DMAHEAP_USAGE_CPU, 4096, DMAHEAP_FD_FLAGS_DEFAULT, 0) < 0 &&
	       errno == ENOENT && has("no heap for usage 'cpu': tried system;"),
	       "dmaheap_alloc fails the same way");
	dmaheap_ctx_destroy(ctx);

	subdir(empty, sizeof(empty), top, "empty");
	setenv("DMAHEAP_TEST_HEAP_DIR", empty, 1);
	ctx = dmaheap_ctx_create(0);
	tap_ok(!dmaheap_heap_open(ctx, "system") && errno == ENOENT && has("/empty is empty; load"),
	       "an empty heap directory: the message says to load the modules");
	dmaheap_ctx_destroy(ctx);

	setenv("DMAHEAP_TEST_HEAP_DIR", heap_dir, 1);
	ctx = dmaheap_ctx_create(0);
	tap_ok(!dmaheap_heap_open(ctx, "nope") && errno == ENOENT &&
	       has("no heap 'nope' in ") && has("(heaps present: linux,cma, system)"),
	       "an unknown heap: the message lists the heaps present");
	heap = dmaheap_heap_for_usage(ctx, DMAHEAP_USAGE_SCANOUT);
	tap_ok(heap && strcmp(dmaheap_heap_name(heap), "linux,cma") == 0,
	       "scanout picks the first heap of its list that exists (linux,cma)");
	heap = dmaheap_heap_for_usage(ctx, DMAHEAP_USAGE_CPU);
	again = dmaheap_heap_open(ctx, "system");
	tap_ok(heap && heap == again && strcmp(dmaheap_heap_name(heap), "system") == 0,
	       "heap handles are cached per name");
	tap_ok(dmaheap_heap_alloc(heap, 4096, DMAHEAP_FD_FLAGS_DEFAULT, 0) < 0 && errno == ENOTTY &&
	       has("allocating 4 KiB from heap 'system' (") && has("(not a dma-heap node?)"),
	       "allocating from a node that is not a heap: ENOTTY, named");
	tap_ok(dmaheap_heap_alloc(heap, 0, DMAHEAP_FD_FLAGS_DEFAULT, 0) < 0 && errno == EINVAL &&
	       has("cannot allocate 0 bytes from heap 'system'"), "size 0 is EINVAL");
	tap_ok(dmaheap_heap_alloc(heap, 4096, O_RDWR | O_NONBLOCK, 0) < 0 && errno == EINVAL &&
	       has("only O_CLOEXEC and an access mode"), "fd flags beyond the UAPI's are EINVAL");
	tap_ok(!dmaheap_heap_open(ctx, "") && errno == EINVAL &&
	       !dmaheap_heap_open(ctx, "../system") && errno == EINVAL &&
	       !dmaheap_heap_open(ctx, "..") && errno == EINVAL && has("'..' is not a heap name"),
	       "heap names that are not one path component are EINVAL");
	tap_ok(dmaheap_ctx_set_policy(ctx, "camera=mycma,other") == 0 &&
	       !dmaheap_heap_for_usage(ctx, DMAHEAP_USAGE_CAMERA) && errno == ENOENT &&
	       has("no heap for usage 'camera': tried mycma, other; heaps present: "
		   "linux,cma, system"), "none of a usage's heaps: tried and present both named");
	dmaheap_ctx_destroy(ctx);

	/* the udmabuf fallback, with a device path that does not exist, then one
	 * that is not a udmabuf device */
	setenv("DMAHEAP_TEST_HEAP_DIR", missing, 1);
	setenv("DMAHEAP_TEST_UDMABUF", missing, 1);
	ctx = dmaheap_ctx_create(DMAHEAP_CTX_UDMABUF_FALLBACK);
	tap_ok(!dmaheap_heap_for_usage(ctx, DMAHEAP_USAGE_CPU) && errno == ENOENT &&
	       has("tried system, udmabuf;"), "with the fallback allowed, udmabuf is tried last");
	tap_ok(!dmaheap_heap_open(ctx, "udmabuf") && has("lacks CONFIG_UDMABUF"),
	       "no udmabuf device: the message names the kernel option");
	dmaheap_ctx_destroy(ctx);
	setenv("DMAHEAP_TEST_UDMABUF", fake_udmabuf, 1);
	ctx = dmaheap_ctx_create(DMAHEAP_CTX_UDMABUF_FALLBACK);
	heap = dmaheap_heap_for_usage(ctx, DMAHEAP_USAGE_SCANOUT);
	tap_ok(heap && strcmp(dmaheap_heap_name(heap), "udmabuf") == 0,
	       "no heap but a udmabuf device: the fallback is udmabuf");
	tap_ok(dmaheap_alloc(ctx, DMAHEAP_USAGE_SCANOUT, 5000, DMAHEAP_FD_FLAGS_DEFAULT, 0) < 0 &&
	       errno == ENOTTY && has("allocating 4.9 KiB from udmabuf failed: UDMABUF_CREATE"),
	       "udmabuf allocation errors name the step that failed");
	dmaheap_ctx_destroy(ctx);
	ctx = dmaheap_ctx_create(0);
	tap_ok(!dmaheap_heap_for_usage(ctx, DMAHEAP_USAGE_SCANOUT) && errno == ENOENT,
	       "without the fallback flag, udmabuf is not used");
	dmaheap_ctx_destroy(ctx);
	unsetenv("DMAHEAP_TEST_UDMABUF");
	setenv("DMAHEAP_TEST_HEAP_DIR", heap_dir, 1);
}

/* Permission denied: run as nobody when root (root opens anything). */
static void test_access(void)
{
	char locked_dir[300], spec[64];
	int status = 0, code = 0;
	pid_t pid;

	subdir(locked_dir, sizeof(locked_dir), top, "locked");
	touch(locked_dir, "system", "", 0600);
	touch(locked_dir, "locked", "", 0000);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct dmaheap_ctx *ctx;

		if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
			_exit(99);
		setenv("DMAHEAP_TEST_HEAP_DIR", locked_dir, 1);
		snprintf(spec, sizeof(spec), "cpu=locked,absent");
		ctx = dmaheap_ctx_create(0);
		if (!ctx)
			_exit(98);
		if (dmaheap_heap_open(ctx, "locked") || errno != EACCES ||
		    !strstr(dmaheap_last_error(), "Permission denied; give your user access "
			    "with a udev rule such as SUBSYSTEM==\"dma_heap\", GROUP=\"video\""))
			code |= 1;
		if (dmaheap_ctx_set_policy(ctx, spec) < 0 ||
		    dmaheap_heap_for_usage(ctx, DMAHEAP_USAGE_CPU) || errno != EACCES ||
		    !strstr(dmaheap_last_error(), "tried locked (permission denied), absent "
			    "(absent); give your user access"))
			code |= 2;
		if (code)
			fprintf(stderr, "# message: %s\n", dmaheap_last_error());
		dmaheap_ctx_destroy(ctx);
		_exit(code);
	}
	waitpid(pid, &status, 0);
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 255;
	if (code >= 98) {
		tap_skip("cannot drop root privileges", "permission denied names the udev rule");
		tap_skip("cannot drop root privileges", "mixed reasons are given per heap");
		return;
	}
	tap_ok(!(code & 1), "permission denied: EACCES, the message gives the udev rule");
	tap_ok(!(code & 2), "mixed failures: each heap with its reason, EACCES wins");
}

static void test_list(void)
{
	struct dmaheap_ctx *ctx;
	struct dmaheap_heap_list *list;
	char dir[300], stats[300];

	subdir(dir, sizeof(dir), sysfs_dir, "system");
	touch(dir, "cached", "1\n", 0644);
	touch(dir, "contiguous", "0\n", 0644);
	subdir(stats, sizeof(stats), dir, "stats");
	touch(stats, "bytes", "4096\n", 0644);
	touch(stats, "buffers", "1\n", 0644);
	touch(stats, "note", "not a number\n", 0644);
	subdir(dir, sizeof(dir), sysfs_dir, "linux,cma");
	touch(dir, "stats", "bytes: 8192\nbuffers 2\npeak=3\nbogus: x\n\n", 0644);

	setenv("DMAHEAP_TEST_SYSFS_DIR", sysfs_dir, 1);
	ctx = dmaheap_ctx_create(0);
	list = dmaheap_heap_list_get(ctx);
	tap_ok(list && list->count == 2 && strcmp(list->heaps[0]->name, "linux,cma") == 0 &&
	       strcmp(list->heaps[1]->name, "system") == 0 && list->heaps[1]->open_errno == 0,
	       "the list has every node, sorted by name");
	tap_ok(list && list->count == 2 && !list->heaps[0]->props_published &&
	       (list->heaps[0]->props & DMAHEAP_PROP_CONTIGUOUS) &&
	       list->heaps[1]->props_published &&
	       (list->heaps[1]->props & DMAHEAP_PROP_CACHED) &&
	       !(list->heaps[1]->props & DMAHEAP_PROP_CONTIGUOUS),
	       "properties come from sysfs when published, else from the name");
	tap_ok(list && list->count == 2 && list->heaps[0]->num_stats == 3 &&
	       strcmp(list->heaps[0]->stats[0].key, "bytes") == 0 &&
	       list->heaps[0]->stats[0].value == 8192 && list->heaps[0]->stats[1].value == 2 &&
	       strcmp(list->heaps[0]->stats[2].key, "peak") == 0 &&
	       list->heaps[1]->num_stats == 2 &&
	       strcmp(list->heaps[1]->stats[0].key, "buffers") == 0 &&
	       list->heaps[1]->stats[1].value == 4096,
	       "statistics from a stats file and from a stats directory");
	dmaheap_heap_list_free(list);
	dmaheap_ctx_destroy(ctx);
	unsetenv("DMAHEAP_TEST_SYSFS_DIR");

	setenv("DMAHEAP_TEST_HEAP_DIR", "/nonexistent/dmaheap", 1);
	ctx = dmaheap_ctx_create(0);
	list = dmaheap_heap_list_get(ctx);
	tap_ok(list && list->count == 0, "no heap directory lists no heaps, without failing");
	dmaheap_heap_list_free(list);
	dmaheap_ctx_destroy(ctx);
	setenv("DMAHEAP_TEST_HEAP_DIR", heap_dir, 1);
}

struct thread_arg {
	struct dmaheap_ctx *ctx;
	struct dmaheap_heap *seen[200];
};

static void *lookup_thread(void *data)
{
	struct thread_arg *arg = data;

	for (int i = 0; i < 200; i++) {
		arg->seen[i] = i % 2 ? dmaheap_heap_for_usage(arg->ctx, DMAHEAP_USAGE_CAMERA)
				     : dmaheap_heap_open(arg->ctx, "system");
		if (i % 50 == 0)
			dmaheap_ctx_set_policy(arg->ctx, "cpu=system");
	}
	return NULL;
}

static void test_threads(void)
{
	static struct thread_arg args[8];
	pthread_t threads[8];
	struct dmaheap_ctx *ctx = dmaheap_ctx_create(0);
	struct dmaheap_heap *system = NULL, *cma = NULL;
	bool same = ctx != NULL;

	for (int t = 0; t < 8; t++) {
		args[t].ctx = ctx;
		pthread_create(&threads[t], NULL, lookup_thread, &args[t]);
	}
	for (int t = 0; t < 8; t++)
		pthread_join(threads[t], NULL);
	for (int t = 0; t < 8; t++) {
		for (int i = 0; i < 200; i++) {
			struct dmaheap_heap **first = i % 2 ? &cma : &system;

			if (!*first)
				*first = args[t].seen[i];
			same &= args[t].seen[i] && args[t].seen[i] == *first;
		}
	}
	tap_ok(same && system != cma, "8 threads looking heaps up share one handle per heap");
	dmaheap_ctx_destroy(ctx);
}

int main(void)
{
	if (!mkdtemp(top)) {
		perror("mkdtemp");
		return 1;
	}
	chmod(top, 0755);	/* the permission test runs as nobody */
	subdir(heap_dir, sizeof(heap_dir), top, "dma_heap");
	subdir(sysfs_dir, sizeof(sysfs_dir), top, "sysfs");
	touch(heap_dir, "system", "", 0644);
	touch(heap_dir, "linux,cma", "", 0644);
	snprintf(fake_udmabuf, sizeof(fake_udmabuf), "%s/udmabuf", top);
	touch(top, "udmabuf", "", 0644);
	unsetenv("DMAHEAP_TEST_UDMABUF");
	unsetenv("DMAHEAP_TEST_SYSFS_DIR");
	setenv("DMAHEAP_TEST_HEAP_DIR", heap_dir, 1);

	tap_plan(22 + 17 + 2 + 4 + 1);
	test_policy();
	test_lookup();
	test_access();
	test_list();
	test_threads();

	{
		char cmd[sizeof(top) + 16];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
		if (system(cmd) != 0)
			tap_diag("could not remove %s", top);
	}
	return tap_done();
}
