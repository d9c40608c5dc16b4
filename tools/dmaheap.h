/* SPDX-License-Identifier: MIT */
/* The dmaheap tool: one file per subcommand, sharing these helpers. */
#ifndef DMAHEAP_TOOL_H
#define DMAHEAP_TOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <dmaheap/dmaheap.h>

/* exit statuses, the same for every subcommand */
#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

int cmd_list(int argc, char **argv);
int cmd_alloc(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_constraints(int argc, char **argv);
int cmd_top(int argc, char **argv);

/* "dmaheap CMD: message" plus a pointer to --help on stderr; returns EXIT_USAGE. */
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "dmaheap CMD: message" on stderr; returns EXIT_FAIL. */
int fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parses a size argument that must not be 0; prints the error itself. */
bool parse_size_arg(const char *cmd, const char *option, const char *text, uint64_t *size);
/* Parses a whole non-negative number. */
bool parse_uint_arg(const char *text, unsigned long *value);
/* none, read, write, rw -> DMAHEAP_CPU_* bits; false on anything else. */
bool parse_cpu_arg(const char *text, unsigned int *cpu);
/* Writes s as a JSON string, quotes included. */
void json_string(FILE *out, const char *s);

#endif /* DMAHEAP_TOOL_H */
