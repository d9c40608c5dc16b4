// SPDX-License-Identifier: MIT
/*
 * dmaheap top: who holds dma-buf memory, live. Per process: the buffers it
 * holds through fds and through mappings, and its share (each buffer's size
 * split evenly among the processes holding it); per heap: bytes, buffers,
 * pool, and CMA; per device: attachments. From /proc (fdinfo, maps), the
 * heaps' sysfs statistics where dmaheap's heaps publish them, and debugfs'
 * bufinfo (root) for mainline's heaps and for devices.
 */
#include <ctype.h>
#include <curses.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmaheap.h"

struct top_buf {
	uint64_t inode;
	uint64_t size;
	char exporter[DMAHEAP_EXPORTER_MAX];
	unsigned int holders;		/* processes that hold it */
};

struct top_proc {
	pid_t pid;
	char comm[32];
	size_t fds, maps;		/* dma-buf fds; mappings of dma-bufs */
	size_t nbufs;			/* distinct buffers, by fd or mapping */
	uint64_t *inodes;
	uint64_t held;			/* their full sizes */
	double share;			/* each split among its holders */
};

struct top_dev {
	char name[96];
	size_t attachments;
	uint64_t bytes;
};

struct snapshot {
	struct top_proc *procs;
	size_t nprocs;
	struct top_buf *bufs;
	size_t nbufs;
	struct top_dev *devs;
	size_t ndevs;
	struct dmaheap_heap_list *heaps;
	struct dmaheap_bufinfo *bufinfo;	/* NULL: not root or no debugfs */
	size_t unreadable;			/* processes /proc refused */
	int64_t cma_total, cma_free;		/* kB; -1 unknown */
};

enum sort_key { SORT_SHARE, SORT_BUFFERS, SORT_PID, SORT_NAME };

static struct top_buf *buf_find(struct snapshot *s, uint64_t inode)
{
	for (size_t i = 0; i < s->nbufs; i++)
		if (s->bufs[i].inode == inode)
			return &s->bufs[i];
	return NULL;
}

static struct top_buf *buf_add(struct snapshot *s, uint64_t inode, uint64_t size,
			       const char *exporter)
{
	struct top_buf *b = buf_find(s, inode), *grown;

	if (b) {
		if (!b->size)
			b->size = size;
		if (!b->exporter[0] && exporter)
			snprintf(b->exporter, sizeof(b->exporter), "%s", exporter);
		return b;
	}
	grown = realloc(s->bufs, (s->nbufs + 1) * sizeof(*s->bufs));
	if (!grown)
		return NULL;
	s->bufs = grown;
	b = &s->bufs[s->nbufs++];
	memset(b, 0, sizeof(*b));
	b->inode = inode;
	b->size = size;
	if (exporter)
		snprintf(b->exporter, sizeof(b->exporter), "%s", exporter);
	return b;
}

static bool proc_has(const struct top_proc *p, uint64_t inode)
{
	for (size_t i = 0; i < p->nbufs; i++)
		if (p->inodes[i] == inode)
			return true;
	return false;
}

static void proc_hold(struct snapshot *s, struct top_proc *p, uint64_t inode, uint64_t size,
		      const char *exporter)
{
	struct top_buf *b = buf_add(s, inode, size, exporter);
	uint64_t *grown;

	if (!b || proc_has(p, inode))
		return;
	grown = realloc(p->inodes, (p->nbufs + 1) * sizeof(*p->inodes));
	if (!grown)
		return;
	p->inodes = grown;
	p->inodes[p->nbufs++] = inode;
	b->holders++;
}

/* Mappings of dma-bufs: "/dmabuf:NAME" (or "anon_inode:dmabuf") in maps. */
static void scan_maps(struct snapshot *s, struct top_proc *p)
{
	char path[64], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)p->pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end;
		unsigned long long inode;
		char name[256] = "";

		if (sscanf(line, "%lx-%lx %*s %*s %*s %llu %255[^\n]", &start, &end, &inode,
			   name) < 3)
			continue;
		if (!strstr(name, "dmabuf"))
			continue;
		p->maps++;
		proc_hold(s, p, inode, 0, NULL);
		/* The mapping's length stands for the size until fdinfo or
		 * bufinfo says it. */
		if (!buf_find(s, inode)->size)
			buf_find(s, inode)->size = end - start;
	}
	fclose(f);
}

static void scan_proc(struct snapshot *s, pid_t pid)
{
	struct dmaheap_proc_bufs *bufs = dmaheap_proc_bufs_get(pid);
	struct top_proc p = { .pid = pid }, *grown;
	char path[64];
	FILE *f;

	if (!bufs) {
		if (errno == EACCES)
			s->unreadable++;
		return;
	}
	for (size_t i = 0; i < bufs->count; i++) {
		p.fds++;
		proc_hold(s, &p, bufs->bufs[i]->inode, bufs->bufs[i]->size,
			  bufs->bufs[i]->exporter);
	}
	dmaheap_proc_bufs_free(bufs);
	scan_maps(s, &p);
	if (!p.nbufs)
		return;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (f) {
		if (fgets(p.comm, sizeof(p.comm), f))
			p.comm[strcspn(p.comm, "\n")] = '\0';
		fclose(f);
	}
	grown = realloc(s->procs, (s->nprocs + 1) * sizeof(*s->procs));
	if (!grown) {
		free(p.inodes);
		return;
	}
	s->procs = grown;
	s->procs[s->nprocs++] = p;
}

static void read_cma(struct snapshot *s)
{
	char line[128];
	FILE *f = fopen("/proc/meminfo", "re");

	s->cma_total = s->cma_free = -1;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		long long v;

		if (sscanf(line, "CmaTotal: %lld", &v) == 1)
			s->cma_total = v;
		else if (sscanf(line, "CmaFree: %lld", &v) == 1)
			s->cma_free = v;
	}
	fclose(f);
}

static void add_devices(struct snapshot *s)
{
	for (size_t i = 0; s->bufinfo && i < s->bufinfo->count; i++) {
		const struct dmaheap_bufinfo_entry *e = s->bufinfo->entries[i];
		struct top_buf *b = buf_find(s, e->inode);

		if (b && e->size)
			b->size = e->size;
		for (size_t k = 0; k < e->num_devices; k++) {
			struct top_dev *d = NULL, *grown;

			for (size_t j = 0; j < s->ndevs && !d; j++)
				if (!strcmp(s->devs[j].name, e->devices[k]))
					d = &s->devs[j];
			if (!d) {
				grown = realloc(s->devs, (s->ndevs + 1) * sizeof(*s->devs));
				if (!grown)
					return;
				s->devs = grown;
				d = &s->devs[s->ndevs++];
				memset(d, 0, sizeof(*d));
				snprintf(d->name, sizeof(d->name), "%s", e->devices[k]);
			}
			d->attachments++;
			d->bytes += e->size;
		}
	}
}

static void snapshot_free(struct snapshot *s)
{
	for (size_t i = 0; i < s->nprocs; i++)
		free(s->procs[i].inodes);
	free(s->procs);
	free(s->bufs);
	free(s->devs);
	dmaheap_heap_list_free(s->heaps);
	dmaheap_bufinfo_free(s->bufinfo);
	memset(s, 0, sizeof(*s));
}

static int snapshot_take(struct dmaheap_ctx *ctx, struct snapshot *s)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	memset(s, 0, sizeof(*s));
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (*end || pid <= 0)
			continue;
		scan_proc(s, (pid_t)pid);
	}
	closedir(d);
	s->bufinfo = dmaheap_bufinfo_read();
	add_devices(s);
	for (size_t i = 0; i < s->nprocs; i++) {
		struct top_proc *p = &s->procs[i];

		for (size_t k = 0; k < p->nbufs; k++) {
			struct top_buf *b = buf_find(s, p->inodes[k]);

			p->held += b->size;
			p->share += (double)b->size / (b->holders ? b->holders : 1);
		}
	}
	s->heaps = dmaheap_heap_list_get(ctx);
	read_cma(s);
	return 0;
}

static enum sort_key sort_by;

static int proc_cmp(const void *a, const void *b)
{
	const struct top_proc *x = a, *y = b;

	switch (sort_by) {
	case SORT_BUFFERS:
		if (x->nbufs != y->nbufs)
			return x->nbufs < y->nbufs ? 1 : -1;
		break;
	case SORT_PID:
		return x->pid < y->pid ? -1 : x->pid > y->pid;
	case SORT_NAME: {
		int c = strcmp(x->comm, y->comm);

		if (c)
			return c;
		break;
	}
	case SORT_SHARE:
		break;
	}
	if (x->share != y->share)
		return x->share < y->share ? 1 : -1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static uint64_t heap_stat(const struct dmaheap_heap_info *h, const char *key, bool *found)
{
	for (size_t i = 0; i < h->num_stats; i++) {
		if (!strcmp(h->stats[i].key, key)) {
			*found = true;
			return h->stats[i].value;
		}
	}
	*found = false;
	return 0;
}

/* The heap's live bytes and buffers: its statistics, else the dma-buf core's
 * count, else what the process scan saw exported by it. */
static void heap_usage(const struct snapshot *s, const struct dmaheap_heap_info *h,
		       uint64_t *bytes, uint64_t *buffers, const char **source)
{
	bool fb, fn;

	*bytes = heap_stat(h, "bytes", &fb);
	*buffers = heap_stat(h, "buffers", &fn);
	*source = "stats";
	if (fb && fn)
		return;
	if (h->live_buffers >= 0) {
		*bytes = (uint64_t)h->live_bytes;
		*buffers = (uint64_t)h->live_buffers;
		*source = "dma-buf core";
		return;
	}
	*bytes = *buffers = 0;
	*source = "seen in /proc";
	for (size_t i = 0; i < s->nbufs; i++) {
		if (!strcmp(s->bufs[i].exporter, h->name)) {
			*bytes += s->bufs[i].size;
			(*buffers)++;
		}
	}
}

static int64_t pool_bytes(const char *heap)
{
	static const char *const classes[] = { "dma_heap", "dmaheap" };

	for (size_t i = 0; i < 2; i++) {
		char path[256];
		long long v;
		FILE *f;

		snprintf(path, sizeof(path), "/sys/class/%s/%s/pool/bytes", classes[i], heap);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
		fclose(f);
		return v;
	}
	return -1;
}

static uint64_t total_share(const struct snapshot *s)
{
	uint64_t t = 0;

	for (size_t i = 0; i < s->nbufs; i++)
		t += s->bufs[i].holders ? s->bufs[i].size : 0;
	return t;
}

static void print_json(const struct snapshot *s)
{
	printf("{\"processes\": [");
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct top_proc *p = &s->procs[i];

		printf("%s\n  {\"pid\": %d, \"command\": ", i ? "," : "", (int)p->pid);
		json_string(stdout, p->comm);
		printf(", \"buffers\": %zu, \"fds\": %zu, \"mappings\": %zu, \"held_bytes\": %" PRIu64
		       ", \"share_bytes\": %.0f, \"inodes\": [", p->nbufs, p->fds, p->maps, p->held,
		       p->share);
		for (size_t k = 0; k < p->nbufs; k++)
			printf("%s%" PRIu64, k ? ", " : "", p->inodes[k]);
		printf("]}");
	}
	printf("%s],\n \"heaps\": [", s->nprocs ? "\n " : "");
	for (size_t i = 0; s->heaps && i < s->heaps->count; i++) {
		const struct dmaheap_heap_info *h = s->heaps->heaps[i];
		uint64_t bytes, buffers;
		const char *source;

		heap_usage(s, h, &bytes, &buffers, &source);
		printf("%s\n  {\"name\": ", i ? "," : "");
		json_string(stdout, h->name);
		printf(", \"bytes\": %" PRIu64 ", \"buffers\": %" PRIu64 ", \"source\": \"%s\", "
		       "\"pool_bytes\": %" PRId64 "}", bytes, buffers, source, pool_bytes(h->name));
	}
	printf("%s],\n \"devices\": ", s->heaps && s->heaps->count ? "\n " : "");
	if (!s->bufinfo) {
		printf("null");
	} else {
		printf("[");
		for (size_t i = 0; i < s->ndevs; i++) {
			printf("%s\n  {\"name\": ", i ? "," : "");
			json_string(stdout, s->devs[i].name);
			printf(", \"attachments\": %zu, \"bytes\": %" PRIu64 "}", s->devs[i].attachments,
			       s->devs[i].bytes);
		}
		printf("%s]", s->ndevs ? "\n " : "");
	}
	printf(",\n \"cma_total_kb\": %" PRId64 ", \"cma_free_kb\": %" PRId64
	       ", \"unreadable_processes\": %zu}\n", s->cma_total, s->cma_free, s->unreadable);
}

/* The screen as lines, for curses and for --once alike. */
typedef void (*emit_fn)(int row, bool bold, const char *fmt, ...);

static void render(const struct snapshot *s, emit_fn emit, int max_rows, unsigned int delay,
		   bool interactive)
{
	static const char *const keys[] = { "share", "buffers", "pid", "name" };
	char a[32], b[32], c[32];
	int row = 0;

	emit(row++, true, "dmaheap top: %zu processes hold %zu dma-bufs, %s; CMA %s used of %s",
	     s->nprocs, s->nbufs, dmaheap_format_size(total_share(s), a, sizeof(a)),
	     s->cma_total < 0 ? "?" :
	     dmaheap_format_size((uint64_t)(s->cma_total - s->cma_free) * 1024, b, sizeof(b)),
	     s->cma_total < 0 ? "?" : dmaheap_format_size((uint64_t)s->cma_total * 1024, c,
							      sizeof(c)));
	if (interactive)
		emit(row++, false, "sorted by %s, every %u s; keys: s share, b buffers, p pid, "
		     "n name, q quit", keys[sort_by], delay);
	if (s->unreadable)
		emit(row++, false, "%zu processes could not be read (run as root to see them)",
		     s->unreadable);
	row++;
	emit(row++, true, "%8s %-16s %7s %5s %5s %10s %10s", "PID", "COMMAND", "BUFFERS", "FDS",
	     "MAPS", "HELD", "SHARE");
	for (size_t i = 0; i < s->nprocs && row < max_rows - 8; i++) {
		const struct top_proc *p = &s->procs[i];

		emit(row++, false, "%8d %-16s %7zu %5zu %5zu %10s %10s", (int)p->pid, p->comm,
		     p->nbufs, p->fds, p->maps, dmaheap_format_size(p->held, a, sizeof(a)),
		     dmaheap_format_size((uint64_t)(p->share + 0.5), b, sizeof(b)));
	}
	row++;
	emit(row++, true, "%-24s %7s %10s %10s  %s", "HEAP", "BUFFERS", "BYTES", "POOL", "FROM");
	for (size_t i = 0; s->heaps && i < s->heaps->count && row < max_rows - 3; i++) {
		const struct dmaheap_heap_info *h = s->heaps->heaps[i];
		int64_t pool = pool_bytes(h->name);
		uint64_t bytes, buffers;
		const char *source;

		heap_usage(s, h, &bytes, &buffers, &source);
		emit(row++, false, "%-24s %7" PRIu64 " %10s %10s  %s", h->name, buffers,
		     dmaheap_format_size(bytes, a, sizeof(a)),
		     pool < 0 ? "-" : dmaheap_format_size((uint64_t)pool, b, sizeof(b)), source);
	}
	row++;
	if (!s->bufinfo) {
		emit(row++, false, "devices: unknown (%s)", dmaheap_last_error());
		return;
	}
	emit(row++, true, "%-24s %7s %10s", "DEVICE", "ATTACH", "BYTES");
	for (size_t i = 0; i < s->ndevs && row < max_rows; i++)
		emit(row++, false, "%-24s %7zu %10s", s->devs[i].name, s->devs[i].attachments,
		     dmaheap_format_size(s->devs[i].bytes, a, sizeof(a)));
}

__attribute__((format(printf, 3, 4)))
static void emit_stdout(int row, bool bold, const char *fmt, ...)
{
	va_list ap;

	(void)row, (void)bold;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

__attribute__((format(printf, 3, 4)))
static void emit_curses(int row, bool bold, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (bold)
		attron(A_BOLD);
	mvaddnstr(row, 0, line, COLS);
	if (bold)
		attroff(A_BOLD);
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void top_help(void)
{
	printf("usage: dmaheap top [--once | --json] [--delay SECONDS] [--sort KEY]\n\n"
	       "Who holds dma-buf memory, refreshed every SECONDS (default 2):\n"
	       "per process the buffers it holds through fds or mappings, their\n"
	       "full size (HELD) and its share (each buffer's size split evenly\n"
	       "among the processes holding it); per heap its buffers, bytes and\n"
	       "page pool; per device its attachments (debugfs bufinfo: root).\n"
	       "Processes of other users show only to root.\n\n"
	       "  --once          print one snapshot as text and exit\n"
	       "  --json          print one snapshot as JSON and exit\n"
	       "  --delay SECONDS refresh period (1 to 3600)\n"
	       "  --sort KEY      share (default), buffers, pid or name; keys s, b, p, n\n"
	       "                  change it while running, q quits\n"
	       "  --help          this text\n");
}

int cmd_top(int argc, char **argv)
{
	static const struct option options[] = {
		{ "once", no_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "delay", required_argument, NULL, 'd' },
		{ "sort", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool once = false, json = false;
	unsigned long delay = 2;
	struct dmaheap_ctx *ctx;
	struct snapshot snap;
	int c;

	sort_by = SORT_SHARE;
	while ((c = getopt_long(argc, argv, "ojd:s:h", options, NULL)) != -1) {
		switch (c) {
		case 'o': once = true; break;
		case 'j': json = true; break;
		case 'd':
			if (!parse_uint_arg(optarg, &delay) || delay < 1 || delay > 3600)
				return usage_error("top", "--delay wants 1 to 3600 seconds, not '%s'",
						   optarg);
			break;
		case 's':
			if (!strcmp(optarg, "share"))
				sort_by = SORT_SHARE;
			else if (!strcmp(optarg, "buffers"))
				sort_by = SORT_BUFFERS;
			else if (!strcmp(optarg, "pid"))
				sort_by = SORT_PID;
			else if (!strcmp(optarg, "name"))
				sort_by = SORT_NAME;
			else
				return usage_error("top", "--sort wants share, buffers, pid or name, "
						   "not '%s'", optarg);
			break;
		case 'h': top_help(); return EXIT_OK;
		default: return usage_error("top", "bad option");
		}
	}
	if (optind < argc)
		return usage_error("top", "unexpected argument '%s'", argv[optind]);
	if (once && json)
		return usage_error("top", "--once and --json: choose one");
	if (!once && !json && !isatty(STDOUT_FILENO))
		return usage_error("top", "standard output is not a terminal: use --once or --json");

	ctx = dmaheap_ctx_create(0);
	if (!ctx)
		return fail("top", "%s", dmaheap_last_error());
	if (once || json) {
		snapshot_take(ctx, &snap);
		qsort(snap.procs, snap.nprocs, sizeof(*snap.procs), proc_cmp);
		if (json)
			print_json(&snap);
		else
			render(&snap, emit_stdout, 1 << 20, (unsigned int)delay, false);
		snapshot_free(&snap);
		dmaheap_ctx_destroy(ctx);
		return EXIT_OK;
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (!initscr()) {
		dmaheap_ctx_destroy(ctx);
		return fail("top", "cannot set up the terminal (TERM=%s)",
			    getenv("TERM") ? getenv("TERM") : "");
	}
	cbreak();
	noecho();
	curs_set(0);
	keypad(stdscr, TRUE);
	while (!stop) {
		struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };

		snapshot_take(ctx, &snap);
		qsort(snap.procs, snap.nprocs, sizeof(*snap.procs), proc_cmp);
		erase();
		render(&snap, emit_curses, LINES, (unsigned int)delay, true);
		refresh();
		snapshot_free(&snap);
		if (poll(&pfd, 1, (int)delay * 1000) > 0) {
			switch (getch()) {
			case 'q': case 'Q': stop = 1; break;
			case 's': sort_by = SORT_SHARE; break;
			case 'b': sort_by = SORT_BUFFERS; break;
			case 'p': sort_by = SORT_PID; break;
			case 'n': sort_by = SORT_NAME; break;
			default: break;
			}
		}
	}
	endwin();
	dmaheap_ctx_destroy(ctx);
	return EXIT_OK;
}
