// SPDX-License-Identifier: MIT
/* "8M"-style sizes: parsing what users type, printing what they read. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "private.h"

static int suffix_shift(char c)
{
	switch (toupper((unsigned char)c)) {
	case 'K': return 10;
	case 'M': return 20;
	case 'G': return 30;
	case 'T': return 40;
	default: return -1;
	}
}

int dmaheap_parse_size(const char *text, uint64_t *size)
{
	const char *p = text;
	uint64_t value = 0;
	int shift = 0;

	if (!text || !size)
		return error_set(EINVAL, "no size given");
	while (isspace((unsigned char)*p))
		p++;
	if (!isdigit((unsigned char)*p))
		return error_set(EINVAL, "size '%s' does not start with a number "
				 "(examples: 4096, 4K, 8M, 1G)", text);
	for (; isdigit((unsigned char)*p); p++) {
		unsigned int digit = (unsigned int)(*p - '0');

		if (value > (UINT64_MAX - digit) / 10)
			return error_set(ERANGE, "size '%s' is too large", text);
		value = value * 10 + digit;
	}
	if (*p && suffix_shift(*p) >= 0) {
		shift = suffix_shift(*p++);
		if (*p == 'i' || *p == 'I') {
			p++;
			if (*p != 'B' && *p != 'b')
				goto bad_suffix;
		}
	}
	if (*p == 'B' || *p == 'b')
		p++;
	while (isspace((unsigned char)*p))
		p++;
	if (*p)
		goto bad_suffix;
	if (shift && value > (UINT64_MAX >> shift))
		return error_set(ERANGE, "size '%s' is too large", text);
	*size = value << shift;
	return 0;
bad_suffix:
	return error_set(EINVAL, "size '%s' has an unknown suffix "
			 "(use K, M, G or T, e.g. 8M)", text);
}

char *dmaheap_format_size(uint64_t size, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned int i = 0;

	while (i + 1 < ARRAY_SIZE(units) && size >> (10 * (i + 1)))
		i++;
	if (i == 0 || (size & ((UINT64_C(1) << (10 * i)) - 1)) == 0)
		snprintf(buf, len, "%" PRIu64 " %s", size >> (10 * i), units[i]);
	else
		snprintf(buf, len, "%.1f %s", (double)size / (double)(UINT64_C(1) << (10 * i)),
			 units[i]);
	return buf;
}
