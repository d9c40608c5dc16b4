// SPDX-License-Identifier: MIT
// libdmaheap's public headers compile as C++ (strict, every warning an
// error) and the library links from C++: a few calls through them.
#include <dmaheap/dmaheap.h>

#include <cstdio>

int main()
{
	int n = 0, failed = 0;
	struct dmaheap_ctx *ctx = dmaheap_ctx_create(0);

	std::printf("1..3\n");
	std::printf("%sok %d - dmaheap_ctx_create from C++\n", ctx ? "" : "not ", ++n);
	failed += !ctx;
	const char *dir = ctx ? dmaheap_ctx_heap_dir(ctx) : nullptr;
	std::printf("%sok %d - dmaheap_ctx_heap_dir: %s\n", dir ? "" : "not ", ++n, dir ? dir : "(null)");
	failed += !dir;
	const struct dmaheap_format *f = dmaheap_format_from_name("NV12");
	std::printf("%sok %d - dmaheap_format_from_name(\"NV12\") from C++\n", f ? "" : "not ", ++n);
	failed += !f;
	dmaheap_ctx_destroy(ctx);
	return failed ? 1 : 0;
}
