/* SPDX-License-Identifier: MIT */
/* libdmaheap: byte sizes with K, M, G suffixes, as users type them. */
#ifndef DMAHEAP_SIZE_H
#define DMAHEAP_SIZE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Parses "4096", "4K", "8M", "1G", "2T" (binary multiples: K = 1024) with an
 * optional "iB" or "B" after the suffix ("8MiB", "8MB") and a lower-case
 * suffix ("8m"). Surrounding blanks are allowed; signs, fractions and trailing
 * garbage are not. Returns 0, or -1 with errno EINVAL (unparseable) or ERANGE
 * (above UINT64_MAX). A size of 0 parses; callers that refuse it say so.
 */
int dmaheap_parse_size(const char *text, uint64_t *size);

/*
 * Writes a short human form of size into buf ("8 MiB", "4 KiB", "1.5 MiB",
 * "100 B") and returns buf. len should be at least 16.
 */
char *dmaheap_format_size(uint64_t size, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* DMAHEAP_SIZE_H */
