#!/bin/bash
# dmaheap_gbm.so through Debian's libgbm: every format x usage, handles,
# imports, CPU access, bad input, environment settings (AddressSanitizer):
# gbm-backend/tests/api.c. Needs a vkms or vgem DRM device (both kernels).
top=${DMAHEAP_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${DMAHEAP_BUILD:-$top/build}
exe=$build/gbm-backend/tests/gbm-api
if [ ! -x "$exe" ] || [ ! -e "$build/gbm-backend/dmaheap_gbm.so" ]; then
	echo "1..1"
	echo "ok 1 - dmaheap GBM backend # SKIP not built (libgbm-dev missing or -Dgbm-backend=disabled)"
	exit 0
fi
export GBM_BACKEND=dmaheap GBM_BACKENDS_PATH=$build/gbm-backend
exec "$exe"
