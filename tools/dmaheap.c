// SPDX-License-Identifier: MIT
/*
 * dmaheap: list heaps, allocate from them, show the dma-bufs a process holds,
 * and benchmark allocation against udmabuf and memset. A thin front end on
 * libdmaheap; exit status 0 on success, 1 on failure, 2 on bad usage.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmaheap.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "list", cmd_list, "the heaps, what is known about them, their statistics" },
	{ "alloc", cmd_alloc, "allocate buffers from a heap, for a usage or for devices" },
	{ "constraints", cmd_constraints, "what devices accept, and the heap for all of them" },
	{ "info", cmd_info, "the dma-bufs a process holds and the devices using them" },
	{ "top", cmd_top, "who holds dma-buf memory, live: processes, heaps, devices" },
	{ "bench", cmd_bench, "alloc+free latency per heap and size, beside udmabuf and memset" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: dmaheap COMMAND [OPTIONS]\n"
		"       dmaheap COMMAND --help\n\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-11s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nSizes take K, M, G suffixes (binary: 1K = 1024).\n"
		"Environment: DMAHEAP_HEAPS overrides the heap list of a usage,\n"
		"e.g. DMAHEAP_HEAPS='scanout=mycma,system;cpu=system'.\n"
		"Exit status: 0 success, 1 failure, 2 bad usage.\n");
}

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "dmaheap%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'dmaheap%s%s --help'.\n", cmd ? " " : "", cmd ? cmd : "");
	return EXIT_USAGE;
}

int fail(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "dmaheap %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAIL;
}

bool parse_size_arg(const char *cmd, const char *option, const char *text, uint64_t *size)
{
	if (dmaheap_parse_size(text, size) < 0) {
		usage_error(cmd, "%s: %s", option, dmaheap_last_error());
		return false;
	}
	if (*size == 0) {
		usage_error(cmd, "%s: size 0: a buffer needs at least one byte", option);
		return false;
	}
	return true;
}

bool parse_uint_arg(const char *text, unsigned long *value)
{
	char *end;

	if (!text || *text < '0' || *text > '9')
		return false;
	errno = 0;
	*value = strtoul(text, &end, 10);
	return errno == 0 && *end == '\0';
}

void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error(NULL, "no command given (list, alloc, info, bench)");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("dmaheap %d.%d.%d\n", DMAHEAP_VERSION_MAJOR, DMAHEAP_VERSION_MINOR,
		       DMAHEAP_VERSION_MICRO);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) == 0) {
			char prog[32];

			/* getopt prefixes its own messages with argv[0] */
			snprintf(prog, sizeof(prog), "dmaheap %s", commands[i].name);
			argv[1] = prog;
			return commands[i].run(argc - 1, argv + 1);
		}
	}
	return usage_error(NULL, "unknown command '%s' (list, alloc, info, bench)", argv[1]);
}
