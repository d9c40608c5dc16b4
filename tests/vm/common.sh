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

# The config fragment of a kernel built from source: "test" is
# tests/vm/test-kernel.config; "bench" is the same without the correctness
# checkers (KASAN, lockdep, kmemleak, DMA-API debug), for benchmark figures.
kernel_fragment() {
	case "$1" in
	test) cat "$TEST_KERNEL_FRAGMENT" ;;
	bench)
		sed '/^# --- added by dmaheap: correctness checkers/,$d' "$TEST_KERNEL_FRAGMENT"
		printf '# CONFIG_SLOB is not set\nCONFIG_SLUB=y\n'
		;;
	esac
}

# The cache key of a kernel built from source: source package version +
# fragment hash.
source_kernel_dir() {
	local kind=$1 ver hash
	ver=$(dpkg-query -W -f='${Version}' "$LINUX_SOURCE_PKG" 2>/dev/null) ||
		die "$LINUX_SOURCE_PKG is not installed (apt-get install $LINUX_SOURCE_PKG)"
	hash=$( (kernel_fragment "$kind"; echo "recipe $TEST_KERNEL_RECIPE") |
		sha256sum | cut -c1-12)
	echo "$DMAHEAP_CACHE/$kind-kernel-$ver-$hash"
}

test_kernel_dir() {
	source_kernel_dir test
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
