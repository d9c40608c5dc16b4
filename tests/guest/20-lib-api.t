#!/bin/bash
# libdmaheap against the guest's kernel (every heap present, udmabuf, naming,
# CPU sync, describe, bufinfo devices through vgem, 8 threads on one context),
# built with AddressSanitizer: lib/tests/guest/api.c.
top=$(cd "$(dirname "$0")/../.." && pwd)
exe=${DMAHEAP_BUILD:-$top/build}/lib/tests/guest/lib-api
if [ ! -x "$exe" ]; then
	echo "1..1"
	echo "not ok 1 - $exe is not built (ninja -C build)"
	exit 1
fi
exec "$exe"
