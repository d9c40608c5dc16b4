# Shared by the test-bed scripts (sourced, not run).
# Where kernels are cached: outside the checkout, so every clone and CI run shares them.

DMAHEAP_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DMAHEAP_CACHE=${DMAHEAP_CACHE:-/var/cache/dmaheap}
LINUX_SOURCE_PKG=linux-source-6.1
TEST_KERNEL_FRAGMENT=$DMAHEAP_TOP/testbed/vm/test-kernel.config
MAINLINE_KERNEL_FRAGMENT=$DMAHEAP_TOP/testbed/vm/mainline-kernel.config
ARM64_KERNEL_FRAGMENT=$DMAHEAP_TOP/testbed/vm/arm64-kernel.config
# Bump when the recipe in build-kernel changes in a way that changes the result.
TEST_KERNEL_RECIPE=1
# The kernel kinds of the test bed (testbed/vm/build-kernel, testbed/vm/run).
KERNEL_KINDS="test stock trixie mainline bench"
# The architectures of the test bed: the host's own, and arm64 (QEMU's virt
# machine, a cross-built test kernel, Debian's arm64 packages as its root).
KERNEL_ARCHES="x86_64 arm64"
# The kernel kinds an architecture other than the host's has.
ARM64_KERNEL_KINDS="test"

die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

# The config fragment of a kernel built from source: "test" is
# testbed/vm/test-kernel.config; "bench" is the same without the correctness
# checkers (KASAN, lockdep, kmemleak, DMA-API debug), for benchmark figures;
# "mainline" is the test kernel's fragment plus mainline-kernel.config (the
# kernel's own heaps, built in). kernel_fragment KIND arm64: the test
# kernel's fragment without its x86-only lines, plus arm64-kernel.config.
kernel_fragment() {
	if [ "${2:-x86_64}" = arm64 ]; then
		grep -vE '^(# )?CONFIG_(X86_[A-Z0-9_]*|SERIAL_8250[A-Z0-9_]*|RTC_DRV_CMOS|MTRR)[= ]' \
			"$TEST_KERNEL_FRAGMENT"
		cat "$ARM64_KERNEL_FRAGMENT"
		return
	fi
	case "$1" in
	test) cat "$TEST_KERNEL_FRAGMENT" ;;
	mainline) cat "$TEST_KERNEL_FRAGMENT" "$MAINLINE_KERNEL_FRAGMENT" ;;
	bench)
		sed '/^# --- added by dmaheap: correctness checkers/,$d' "$TEST_KERNEL_FRAGMENT"
		printf '# CONFIG_SLOB is not set\nCONFIG_SLUB=y\n'
		;;
	esac
}

# --- Debian packages from suites this machine does not run ---------------
# The mirrors are this machine's own (apt's configured sources), never a
# host name written here: the main archive and the security archive.
debian_mirror() {
	local kind=${1:-Debian} uri
	uri=$(apt-get indextargets --format '$(LABEL) $(REPO_URI)' 'Created-By: Packages' 2>/dev/null |
		awk -v l="$kind" '$1 == l { print $2; exit }')
	[ -n "$uri" ] ||
		die "apt has no $kind archive configured (apt-get indextargets shows none; is this Debian with apt-get update run?)"
	echo "${uri%/}"
}

# apt-get/apt-cache with a private state in $DMAHEAP_CACHE/apt-NAME, whose
# sources are the lines of $2 (the system's own lists untouched).
# debian_apt_opts NAME [STANDALONE]: the options; STANDALONE 1 (the default)
# resolves against an empty system, 0 against this machine's packages.
# debian_apt_setup NAME SOURCES refreshes the lists (quiet unless it fails).
debian_apt_opts() {
	local state=$DMAHEAP_CACHE/apt-$1
	printf '%s\n' \
		-o "Dir::Etc::SourceList=$state/sources.list" \
		-o "Dir::Etc::SourceParts=$state/sources.list.d" \
		-o "Dir::Etc::Preferences=$state/preferences" \
		-o "Dir::Etc::PreferencesParts=$state/preferences.d" \
		-o "Dir::State::Lists=$state/lists" \
		-o "Dir::Cache=$state/cache" \
		-o "Debug::NoLocking=1" \
		-o "APT::Get::List-Cleanup=1" \
		-o "Acquire::Retries=2" \
		-o "Acquire::http::Timeout=20"
	[ "${2:-1}" != 1 ] || printf '%s\n' -o "Dir::State::status=$state/empty-status"
}

debian_apt_setup() {
	local name=$1 sources=$2 state=$DMAHEAP_CACHE/apt-$1 opts
	mkdir -p "$state/lists/partial" "$state/cache/archives/partial" \
		"$state/sources.list.d" "$state/preferences.d"
	: >"$state/preferences"
	: >"$state/empty-status"
	echo "$sources" >"$state/sources.list"
	mapfile -t opts < <(debian_apt_opts "$name")
	if ! apt-get "${opts[@]}" -q update >"$state/update.log" 2>&1 ||
		grep -q '^\(Err\|W: Failed\|E: \)' "$state/update.log"; then
		sed 's/^/  /' "$state/update.log" | tail -n 6 >&2
		echo "${0##*/}: cannot download the package lists of: $sources" >&2
		echo "${0##*/}: (apt-get update with a private sources list, log: $state/update.log); needed once, then cached in $DMAHEAP_CACHE" >&2
		return 1
	fi
}

# The newest linux-source-X.Y Debian ships (trixie and trixie-backports),
# as "PACKAGE VERSION". Needs debian_apt_setup mainline-source first.
debian_newest_linux_source() {
	local opts
	mapfile -t opts < <(debian_apt_opts mainline-source)
	apt-cache "${opts[@]}" search --names-only '^linux-source-[0-9]+\.[0-9]+$' |
		awk '{ print $1 }' | while read -r p; do
		apt-cache "${opts[@]}" show "$p" 2>/dev/null |
			sed -n "s/^Version: /$p /p"
	done | sort -t' ' -k2,2V | tail -n1
}

mainline_sources() {
	local m
	m=$(debian_mirror Debian) || return 1
	printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
		"$m" trixie "$m" trixie-backports
}

# The cache key of a kernel built from source: source package version +
# fragment hash. The mainline kernel's source is the newest Debian ships,
# resolved once and remembered in $DMAHEAP_CACHE/mainline-source (a file
# "PACKAGE VERSION"); DMAHEAP_REFRESH=1 resolves again.
source_kernel_pkg() {
	local f=$DMAHEAP_CACHE/mainline-source
	if [ "$1" != mainline ]; then
		echo "$LINUX_SOURCE_PKG $(dpkg-query -W -f='${Version}' "$LINUX_SOURCE_PKG" 2>/dev/null)"
		return
	fi
	if [ ! -s "$f" ] || [ "${DMAHEAP_REFRESH:-0}" = 1 ]; then
		mkdir -p "$DMAHEAP_CACHE"
		debian_apt_setup mainline-source "$(mainline_sources)" || return 1
		debian_newest_linux_source >"$f.tmp" && [ -s "$f.tmp" ] ||
			{ rm -f "$f.tmp"; die "no linux-source-X.Y package in Debian's trixie or trixie-backports"; }
		mv "$f.tmp" "$f"
	fi
	cat "$f"
}

# source_kernel_dir KIND [ARCH]: x86_64 kernels keep their names, other
# architectures' have the architecture after the kind (test-arm64-kernel-...).
source_kernel_dir() {
	local kind=$1 arch=${2:-x86_64} pkg ver hash name
	read -r pkg ver < <(source_kernel_pkg "$kind") || true
	[ -n "${ver:-}" ] ||
		die "${pkg:-the kernel source} is not available (test/bench: apt-get install $LINUX_SOURCE_PKG; mainline: network to Debian's archive once)"
	hash=$( (kernel_fragment "$kind" "$arch"; echo "recipe $TEST_KERNEL_RECIPE") |
		sha256sum | cut -c1-12)
	name=$kind
	[ "$arch" = x86_64 ] || name=$kind-$arch
	echo "$DMAHEAP_CACHE/$name-kernel-$ver-$hash"
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
