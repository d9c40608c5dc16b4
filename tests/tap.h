/* SPDX-License-Identifier: MIT */
/*
 * A minimal TAP producer for dmaheap's C tests, on the host and in the guest:
 * tap_plan(n) up front or tap_done() at the end prints the plan;
 * tap_ok(cond, fmt, ...) prints "ok N - ..." or "not ok N - ...";
 * tap_skip(reason, fmt, ...) an "ok N - ... # SKIP reason"; tap_diag() a comment.
 * tap_done() returns the exit status: 0 when every case passed.
 */
#ifndef DMAHEAP_TESTS_TAP_H
#define DMAHEAP_TESTS_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int tap_count, tap_failed;
static bool tap_planned;

__attribute__((unused))
static void tap_plan(int n)
{
	printf("1..%d\n", n);
	fflush(stdout);
	tap_planned = true;
}

__attribute__((format(printf, 2, 3), unused))
static bool tap_ok(bool pass, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", pass ? "" : "not ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!pass)
		tap_failed++;
	return pass;
}

__attribute__((format(printf, 2, 3), unused))
static void tap_skip(const char *reason, const char *fmt, ...)
{
	va_list ap;

	printf("ok %d - ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # SKIP %s\n", reason);
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
	if (!tap_planned)
		printf("1..%d\n", tap_count);
	fflush(stdout);
	return tap_failed ? 1 : 0;
}

#endif /* DMAHEAP_TESTS_TAP_H */
