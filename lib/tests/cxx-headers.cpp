// SPDX-License-Identifier: MIT
// libdmaheap's public headers compile as C++ (strict, every warning an
// error) and the library links from C++: a few calls through them.
#include <dmaheap/dmaheap.h>

#include <cstdio>

int main()
{
	int n = 0, failed = 0;
	struct dmaheap_ctx *ctx = dmaheap_ctx_create(0);

	std::printf("1..4\n");
	std::printf("%sok %d - dmaheap_ctx_create from C++\n", ctx ? "" : "not ", ++n);
	failed += !ctx;
	const char *dir = ctx ? dmaheap_ctx_heap_dir(ctx) : nullptr;
	std::printf("%sok %d - dmaheap_ctx_heap_dir: %s\n", dir ? "" : "not ", ++n, dir ? dir : "(null)");
	failed += !dir;
	const struct dmaheap_format *f = dmaheap_format_from_name("NV12");
	std::printf("%sok %d - dmaheap_format_from_name(\"NV12\") from C++\n", f ? "" : "not ", ++n);
	failed += !f;
	// a caller-filled struct and DMAHEAP_HAS_FIELD, as C++ spells them
	struct dmaheap_layout l = {};
	l.struct_size = sizeof(l);
	bool filled = dmaheap_layout_compute(DRM_FORMAT_NV12, 64, 64, 1, 1, &l) == 0 &&
		      DMAHEAP_HAS_FIELD(struct dmaheap_layout, &l, size) && l.size == 64 * 96;
	std::printf("%sok %d - a sized layout filled from C++\n", filled ? "" : "not ", ++n);
	failed += !filled;
	dmaheap_ctx_destroy(ctx);
	return failed ? 1 : 0;
}
