#!/bin/bash
# The Debian packages built from debian/ (./check runs dpkg-buildpackage into
# build/deb/): lintian finds nothing (errors, warnings, pedantic tags), and
# each package holds what it should, where Debian's tools look for it. The
# packages installed and used are tested in the guest (90-packages.t).
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/tap.sh"
build=${DMAHEAP_BUILD:-$top/build}
deb=$build/deb
ver=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version 2>/dev/null)
changes=$deb/dmaheap_${ver}_$(dpkg --print-architecture).changes
[ -f "$changes" ] || skip_all "$changes is not built (./check runs dpkg-buildpackage)"
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
echo 1..9

out=$(lintian --pedantic --info "$changes" 2>&1 | grep -v '^running with root privileges')
[ -z "$out" ]
result $? "lintian --pedantic: no tags on $(basename "$changes")"
[ -z "$out" ] || comment <<<"$out"

has() { # PACKAGE PATH-REGEX...: the package holds every path
	local pkg=$1 list
	shift
	list=$(dpkg-deb -c "$deb/${pkg}_${ver}_"*.deb | awk '{ print substr($6, 2) }')
	for p in "$@"; do
		grep -qxE "$p" <<<"$list" || { echo "# $pkg has no $p"; return 1; }
	done
}
gstdir=$(pkg-config --variable=pluginsdir gstreamer-1.0)
gbmdir=$(pkg-config --variable=gbmbackendspath gbm 2>/dev/null)
gbmdir=${gbmdir:-/usr/lib/$multiarch/gbm}
assert "libdmaheap0: the shared library (soname libdmaheap.so.0)" \
	has libdmaheap0 "/usr/lib/$multiarch/libdmaheap\.so\.0" "/usr/lib/$multiarch/libdmaheap\.so\.0\.[0-9.]+"
assert "libdmaheap-dev: headers, the .so link and dmaheap.pc" \
	has libdmaheap-dev /usr/include/dmaheap/dmaheap.h "/usr/lib/$multiarch/libdmaheap\.so" \
	"/usr/lib/$multiarch/pkgconfig/dmaheap\.pc"
symbols=$(dpkg-deb -I "$deb/libdmaheap0_${ver}_"*.deb symbols 2>/dev/null)
nsym=$(grep -c "^ dmaheap_.*@DMAHEAP_0 " <<<"$symbols")
exported=$(dpkg-deb --fsys-tarfile "$deb/libdmaheap0_${ver}_"*.deb | tar -xO --wildcards '*/libdmaheap.so.0.*' |
	{ tmp=$(mktemp); cat >"$tmp"; nm -D --defined-only "$tmp" | grep -c ' T dmaheap_'; rm -f "$tmp"; })
result "$([ "$nsym" -gt 0 ] && [ "$nsym" = "$exported" ] && echo 0 || echo 1)" \
	"libdmaheap0's symbols file lists every exported function ($nsym listed, $exported exported)"
assert "dmaheap-tools: the dmaheap command and its manual page" \
	has dmaheap-tools /usr/bin/dmaheap /usr/share/man/man1/dmaheap\.1\.gz
assert "dmaheap-gbm-backend: dmaheap_gbm.so in libgbm's backends directory ($gbmdir)" \
	has dmaheap-gbm-backend "$gbmdir/dmaheap_gbm\.so"
assert "gstreamer1.0-dmaheap: the plugin in GStreamer's plugin directory ($gstdir)" \
	has gstreamer1.0-dmaheap "$gstdir/libgstdmaheap\.so"
assert "dmaheap-dkms: the module sources with dkms.conf, and the udev rule" \
	has dmaheap-dkms "/usr/src/dmaheap-$ver/dkms\.conf" "/usr/src/dmaheap-$ver/Kbuild" \
	"/usr/src/dmaheap-$ver/heaps/system\.c" /usr/lib/udev/rules.d/60-dma-heap\.rules
dpkg-deb -I "$deb/dmaheap-dkms_${ver}_all.deb" postinst 2>/dev/null | grep -q 'dkms'
result $? "dmaheap-dkms's postinst hands the modules to DKMS"
exit $failed
