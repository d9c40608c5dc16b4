#!/bin/bash
# A SCANOUT bo from dmaheap_gbm.so on a vkms plane (atomic commit), read back
# through the vkms writeback connector: gbm-backend/tests/kms.c. Skips
# without vkms (stock kernel).
top=${DMAHEAP_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${DMAHEAP_BUILD:-$top/build}
exe=$build/gbm-backend/tests/gbm-kms
if [ ! -x "$exe" ] || [ ! -e "$build/gbm-backend/dmaheap_gbm.so" ]; then
	echo "1..1"
	echo "ok 1 - dmaheap GBM backend # SKIP not built (libgbm-dev missing or -Dgbm-backend=disabled)"
	exit 0
fi
export GBM_BACKEND=dmaheap GBM_BACKENDS_PATH=$build/gbm-backend
exec "$exe"
