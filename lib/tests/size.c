// SPDX-License-Identifier: MIT
/* Size parsing ("8M") and printing, including what must be refused. */
#include <errno.h>
#include <string.h>

#include <dmaheap/dmaheap.h>
#include "../../tests/tap.h"

static const struct {
	const char *text;
	uint64_t value;
} good[] = {
	{ "0", 0 },
	{ "4096", 4096 },
	{ "4K", 4096 },
	{ "4k", 4096 },
	{ "8M", 8 << 20 },
	{ "8MiB", 8 << 20 },
	{ "8MB", 8 << 20 },
	{ "1G", UINT64_C(1) << 30 },
	{ "3g", UINT64_C(3) << 30 },
	{ "2T", UINT64_C(2) << 40 },
	{ " 32M ", 32 << 20 },
	{ "100B", 100 },
	{ "18446744073709551615", UINT64_MAX },
	{ "16777215T", UINT64_C(16777215) << 40 },
};

static const struct {
	const char *text;
	int err;
} bad[] = {
	{ "", EINVAL },
	{ "M", EINVAL },
	{ "-1", EINVAL },
	{ "+4K", EINVAL },
	{ "1.5M", EINVAL },
	{ "8X", EINVAL },
	{ "8Mi", EINVAL },
	{ "8 M", EINVAL },
	{ "8MM", EINVAL },
	{ "0x100", EINVAL },
	{ "18446744073709551616", ERANGE },
	{ "16777216T", ERANGE },
};

static const struct {
	uint64_t value;
	const char *text;
} shown[] = {
	{ 0, "0 B" },
	{ 100, "100 B" },
	{ 4096, "4 KiB" },
	{ 8 << 20, "8 MiB" },
	{ 3 << 19, "1.5 MiB" },
	{ UINT64_C(1) << 30, "1 GiB" },
	{ 4097, "4.0 KiB" },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

int main(void)
{
	char buf[32];

	tap_plan((int)(N(good) + N(bad) + N(shown) + 2));
	for (size_t i = 0; i < N(good); i++) {
		uint64_t value = 12345;
		int ret = dmaheap_parse_size(good[i].text, &value);

		tap_ok(ret == 0 && value == good[i].value, "'%s' parses as %llu",
		       good[i].text, (unsigned long long)good[i].value);
	}
	for (size_t i = 0; i < N(bad); i++) {
		uint64_t value = 12345;
		int ret;

		errno = 0;
		ret = dmaheap_parse_size(bad[i].text, &value);
		tap_ok(ret == -1 && errno == bad[i].err && value == 12345 &&
		       strstr(dmaheap_last_error(), bad[i].text),
		       "'%s' is refused with %s, naming the input", bad[i].text,
		       bad[i].err == ERANGE ? "ERANGE" : "EINVAL");
	}
	for (size_t i = 0; i < N(shown); i++)
		tap_ok(strcmp(dmaheap_format_size(shown[i].value, buf, sizeof(buf)),
			      shown[i].text) == 0, "%llu prints as '%s' (got '%s')",
		       (unsigned long long)shown[i].value, shown[i].text, buf);
	tap_ok(dmaheap_parse_size(NULL, (uint64_t[1]){ 0 }) == -1 && errno == EINVAL,
	       "NULL text is EINVAL");
	tap_ok(strstr(dmaheap_last_error(), "no size given") != NULL,
	       "and says so");
	return tap_done();
}
