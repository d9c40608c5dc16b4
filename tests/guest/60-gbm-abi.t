#!/bin/bash
# dmaheap_gbm.so's backend ABI negotiation (core ABI 0 and 1, device ABI 0, 1,
# and 2 refused), by dlopen as any libgbm loader would: gbm-backend/tests/abi.c.
# Needs no heap or DRM device, so it also runs on the host.
top=${DMAHEAP_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${DMAHEAP_BUILD:-$top/build}
exe=$build/gbm-backend/tests/gbm-abi
if [ ! -x "$exe" ] || [ ! -e "$build/gbm-backend/dmaheap_gbm.so" ]; then
	echo "1..1"
	echo "ok 1 - dmaheap GBM backend ABI # SKIP not built (libgbm-dev missing or -Dgbm-backend=disabled)"
	exit 0
fi
exec "$exe" "$build/gbm-backend/dmaheap_gbm.so"
