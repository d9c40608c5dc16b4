// SPDX-License-Identifier: MIT
/* The calling thread's last error message (dmaheap_last_error). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "private.h"

static _Thread_local char last_error[1024];

const char *dmaheap_last_error(void)
{
	return last_error;
}

__attribute__((format(printf, 2, 0)))
static void error_vset(int errnum, const char *fmt, va_list ap)
{
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	errno = errnum;
}

int error_set(int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vset(errnum, fmt, ap);
	va_end(ap);
	return -1;
}

void *error_set_null(int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vset(errnum, fmt, ap);
	va_end(ap);
	return NULL;
}
