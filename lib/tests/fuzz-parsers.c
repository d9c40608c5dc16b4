// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for every parser in libdmaheap of text that comes from
 * outside: sizes ("4M", "0x1000"), the DMAHEAP_HEAPS policy spec, usage
 * names, a dma-buf's fdinfo, debugfs bufinfo and /proc/zoneinfo. The first
 * byte of the input picks the parser, the rest is its text. Built with
 * -Dfuzzing=enabled and clang (tests/fuzz); its corpus is
 * lib/tests/fuzz-corpus/, crashes it found are kept there as regressions.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmaheap/buffer.h"
#include "dmaheap/size.h"
#include "../private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmaheap_bufinfo *info;
	struct dmaheap_buf_desc desc = { .struct_size = sizeof(desc) };
	enum dmaheap_usage usage;
	struct policy policy;
	uint64_t value;
	char *text;

	if (size < 1)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 6) {
	case 0:
		dmaheap_parse_size(text, &value);
		break;
	case 1:
		policy_init_defaults(&policy);
		policy_apply(&policy, text, "fuzz");
		break;
	case 2:
		dmaheap_usage_from_name(text, &usage);
		break;
	case 3:
		fdinfo_parse(text, &desc);
		break;
	case 4:
		info = dmaheap_bufinfo_parse(text);
		if (info && info->count)
			dmaheap_bufinfo_find(info, info->entries[0]->inode);
		dmaheap_bufinfo_free(info);
		break;
	case 5:
		zoneinfo_memory_top(text, 4096);
		break;
	}
	free(text);
	return 0;
}
