# Shared by the test-bed scripts (sourced, not run).
# Where kernels are cached: outside the checkout, so every clone and CI run shares them.

DMAHEAP_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DMAHEAP_CACHE=${DMAHEAP_CACHE:-/var/cache/dmaheap}
LINUX_SOURCE_PKG=linux-source-6.1
TEST_KERNEL_FRAGMENT=$DMAHEAP_TOP/tests/vm/test-kernel.config
# Bump when the recipe in build-kernel changes in a way that changes the result.
TEST_KERNEL_RECIPE=1

die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

# The cache key of the test kernel: source package version + fragment hash.
test_kernel_dir() {
	local ver hash
	ver=$(dpkg-query -W -f='${Version}' "$LINUX_SOURCE_PKG" 2>/dev/null) ||
		die "$LINUX_SOURCE_PKG is not installed (apt-get install $LINUX_SOURCE_PKG)"
	hash=$( (cat "$TEST_KERNEL_FRAGMENT"; echo "recipe $TEST_KERNEL_RECIPE") |
		sha256sum | cut -c1-12)
	echo "$DMAHEAP_CACHE/test-kernel-$ver-$hash"
}

# Debian's stock kernel: the version the linux-image-amd64 meta-package points at.
stock_kernel_release() {
	local dep
	dep=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\([0-9].*-amd64\)$/\1/p' | head -n1)
	[ -n "$dep" ] || die "cannot resolve linux-image-amd64 (is apt's package list current? run apt-get update)"
	echo "$dep"
}

stock_kernel_dir() {
	echo "$DMAHEAP_CACHE/stock-kernel-$(stock_kernel_release)"
}
