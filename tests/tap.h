/* SPDX-License-Identifier: MIT */
/*
 * A minimal TAP producer for dmaheap's C tests: tap_ok(cond, fmt, ...) prints
 * "ok N - ..." or "not ok N - ...", tap_skip() prints a SKIP with its reason,
 * tap_done() prints the plan and returns the exit status.
 */
#ifndef DMAHEAP_TESTS_TAP_H
#define DMAHEAP_TESTS_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int tap_count;
static int tap_failures;

__attribute__((format(printf, 2, 3), unused))
static bool tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failures++;
	return cond;
}

__attribute__((format(printf, 2, 3), unused))
static void tap_skip(const char *what, const char *why_fmt, ...)
{
	va_list ap;

	printf("ok %d - %s # SKIP ", ++tap_count, what);
	va_start(ap, why_fmt);
	vprintf(why_fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

__attribute__((format(printf, 1, 2), unused))
static void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

__attribute__((unused))
static int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failures ? 1 : 0;
}

#endif
