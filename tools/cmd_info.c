// SPDX-License-Identifier: MIT
/*
 * dmaheap info: the dma-bufs a process holds, one line per buffer (several
 * fds may share one), with the devices attached to it from debugfs' bufinfo.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmaheap.h"

static void info_help(void)
{
	printf("usage: dmaheap info (PID | --self) [--json]\n\n"
	       "Show the dma-bufs process PID holds: inode (the buffer's identity in\n"
	       "every process and device), size, exporter (the heap, udmabuf, a DRM\n"
	       "driver...), name, the fds that refer to it, and the devices attached\n"
	       "to it. Devices come from /sys/kernel/debug/dma_buf/bufinfo: debugfs\n"
	       "mounted and root.\n\n"
	       "  --self   this process (mostly useful for tests)\n"
	       "  --json   machine-readable output\n"
	       "  --help   this text\n");
}

/* Indices of the first fd of each distinct buffer. */
static size_t distinct(const struct dmaheap_proc_bufs *bufs, size_t *first)
{
	size_t n = 0;

	for (size_t i = 0; i < bufs->count; i++) {
		size_t j;

		for (j = 0; j < n && bufs->bufs[first[j]]->inode != bufs->bufs[i]->inode; j++)
			;
		if (j == n)
			first[n++] = i;
	}
	return n;
}

/* "3,7": the fds that refer to inode */
static char *fds_text(const struct dmaheap_proc_bufs *bufs, uint64_t inode, char *buf,
		      size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < bufs->count && used < len; i++) {
		if (bufs->bufs[i]->inode == inode)
			used += (size_t)snprintf(buf + used, len - used, "%s%d",
						 used ? "," : "", bufs->bufs[i]->fd);
	}
	return buf;
}

int cmd_info(int argc, char **argv)
{
	static const struct option options[] = {
		{ "self", no_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dmaheap_proc_bufs *bufs;
	struct dmaheap_bufinfo *bufinfo;
	bool json = false, self = false;
	char bufinfo_error[512] = "";
	unsigned long pid_arg = 0;
	uint64_t total = 0;
	size_t *first, n;
	pid_t pid;
	int c;

	while ((c = getopt_long(argc, argv, "sjh", options, NULL)) != -1) {
		switch (c) {
		case 's': self = true; break;
		case 'j': json = true; break;
		case 'h': info_help(); return EXIT_OK;
		default: return usage_error("info", "bad option");
		}
	}
	if (self == (optind < argc))
		return usage_error("info", "give a PID or --self");
	if (optind + (self ? 0 : 1) < argc)
		return usage_error("info", "unexpected argument '%s'", argv[argc - 1]);
	if (!self && (!parse_uint_arg(argv[optind], &pid_arg) || pid_arg == 0 ||
		      pid_arg > INT32_MAX))
		return usage_error("info", "'%s' is not a process id", argv[optind]);
	pid = self ? getpid() : (pid_t)pid_arg;

	bufs = dmaheap_proc_bufs_get(pid);
	if (!bufs)
		return fail("info", "%s", dmaheap_last_error());
	bufinfo = dmaheap_bufinfo_read();
	if (!bufinfo)
		snprintf(bufinfo_error, sizeof(bufinfo_error), "%s", dmaheap_last_error());
	first = calloc(bufs->count + 1, sizeof(*first));
	if (!first) {
		dmaheap_proc_bufs_free(bufs);
		dmaheap_bufinfo_free(bufinfo);
		return fail("info", "out of memory");
	}
	n = distinct(bufs, first);
	for (size_t i = 0; i < n; i++)
		total += bufs->bufs[first[i]]->size;

	if (json)
		printf("{\"pid\": %d, \"buffers\": [", (int)pid);
	else if (n == 0)
		printf("process %d holds no dma-buf fds\n", (int)pid);
	else
		printf("process %d: %zu dma-bufs, %" PRIu64 " bytes\n%-10s %-10s %-20s %-20s "
		       "%-8s %s\n", (int)pid, n, total, "INODE", "SIZE", "EXPORTER", "NAME",
		       "FDS", "DEVICES");
	for (size_t i = 0; i < n; i++) {
		const struct dmaheap_buf_desc *d = bufs->bufs[first[i]];
		const struct dmaheap_bufinfo_entry *e =
			bufinfo ? dmaheap_bufinfo_find(bufinfo, d->inode) : NULL;
		char human[32], fds[128];

		fds_text(bufs, d->inode, fds, sizeof(fds));
		if (json) {
			printf("%s\n  {\"inode\": %" PRIu64 ", \"size\": %" PRIu64 ", \"exporter\": ",
			       i ? "," : "", d->inode, d->size);
			json_string(stdout, d->exporter);
			printf(", \"name\": ");
			json_string(stdout, d->name);
			printf(", \"fds\": [%s], \"devices\": ", fds);
			if (!e) {
				printf("null}");
				continue;
			}
			printf("[");
			for (size_t k = 0; k < e->num_devices; k++) {
				printf("%s", k ? ", " : "");
				json_string(stdout, e->devices[k]);
			}
			printf("]}");
			continue;
		}
		printf("%-10" PRIu64 " %-10s %-20s %-20s %-8s ", d->inode,
		       dmaheap_format_size(d->size, human, sizeof(human)), d->exporter,
		       d->name[0] ? d->name : "-", fds);
		if (!e) {
			printf("?\n");
			continue;
		}
		for (size_t k = 0; k < e->num_devices; k++)
			printf("%s%s", k ? "," : "", e->devices[k]);
		printf("%s\n", e->num_devices ? "" : "none");
	}
	if (json) {
		printf("%s], \"bytes\": %" PRIu64 ", \"devices_known\": %s}\n", n ? "\n" : "",
		       total, bufinfo ? "true" : "false");
	} else if (n && !bufinfo) {
		fprintf(stderr, "dmaheap info: devices unknown: %s\n", bufinfo_error);
	}
	free(first);
	dmaheap_proc_bufs_free(bufs);
	dmaheap_bufinfo_free(bufinfo);
	return EXIT_OK;
}
