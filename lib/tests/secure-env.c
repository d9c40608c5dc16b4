// SPDX-License-Identifier: MIT
/*
 * Prints the heap directory a new context uses. Run setuid by
 * tests/host/10-lib-tool.t: the test-only variables (DMAHEAP_TEST_HEAP_DIR,
 * ...) must not reach a setuid program. Built from the library's sources, so
 * no shared library has to be found through a RUNPATH the loader ignores
 * in setuid programs.
 */
#include <dmaheap/dmaheap.h>
#include <stdio.h>

int main(void)
{
	struct dmaheap_ctx *ctx = dmaheap_ctx_create(0);

	if (!ctx) {
		perror("dmaheap_ctx_create");
		return 1;
	}
	printf("%s\n", dmaheap_ctx_heap_dir(ctx));
	dmaheap_ctx_destroy(ctx);
	return 0;
}
