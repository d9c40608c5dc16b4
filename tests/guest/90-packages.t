#!/bin/bash
# The Debian packages (debian/, built by ./check into build/deb/), installed
# and used as a user would: inside the guest, dpkg -i into an overlay over the
# shared root (the host is never changed), then only the installed files are
# tested: DKMS builds and installs the modules for the running kernel and
# modprobe loads them; the packaged udev rule gives a user in group video
# access to the heaps while another user gets EACCES; gst-inspect finds the
# plugin without GST_PLUGIN_PATH; GBM_BACKEND=dmaheap works without
# GBM_BACKENDS_PATH; pkg-config --cflags --libs dmaheap builds a client.
# Needs the running kernel's headers on the shared root: Debian 12's stock
# kernel (linux-headers-amd64); elsewhere it skips.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/tap.sh"
build=${DMAHEAP_BUILD:-$top/build}
debs=$build/deb
krel=$(uname -r)
ver=0.1.0

[ -e "/usr/src/linux-headers-$krel/Makefile" ] ||
	skip_all "no headers for $krel on the shared root (the packages' DKMS test runs on the stock kernel)"
mapfile -t pkgs < <(ls "$debs"/*_"$ver"_*.deb 2>/dev/null | grep -v -- '-dbgsym_')
[ ${#pkgs[@]} -ge 6 ] || skip_all "no packages in $debs (./check builds them with dpkg-buildpackage)"
modprobe overlay 2>/dev/null
grep -qw overlay /proc/filesystems || skip_all "no overlayfs in $krel"

# --- the overlay, and dmaheap's build-tree modules out of the way ------------
modules=()
[ -f "$DMAHEAP_MODULES/modules.order" ] &&
	mapfile -t modules < <(sed 's|.*/||; s|\.[ko]*$||' "$DMAHEAP_MODULES/modules.order")
for ((i = ${#modules[@]} - 1; i >= 0; i--)); do
	rmmod "${modules[i]}" 2>/dev/null
done
lsmod | grep -q '^dmaheap_' && skip_all "dmaheap's modules are in use: $(lsmod | grep '^dmaheap_' | cut -d' ' -f1 | tr '\n' ' ')"

work=$(mktemp -d)
root=$work/root
cleanup() {
	[ -n "${udevd:-}" ] && kill "$udevd" 2>/dev/null
	for m in dmaheap_carveout dmaheap_cma dmaheap_system dmaheap_core dmaheap_registrar dmaheap_helpers; do
		rmmod "$m" 2>/dev/null
	done
	umount -R "$root" 2>/dev/null
	umount "$work" 2>/dev/null
	rm -rf "$work"
	# Give the suites after this one the build tree's modules back.
	for m in "${modules[@]}"; do
		insmod "$DMAHEAP_MODULES/$m.ko" 2>/dev/null
	done
}
trap cleanup EXIT
mount -t tmpfs tmpfs "$work" && mkdir "$work/upper" "$work/work" "$root" &&
	mount -t overlay overlay -o "lowerdir=/,upperdir=$work/upper,workdir=$work/work" "$root" ||
	skip_all "cannot mount an overlay over / (9p lower layer)"
for m in proc sys dev; do mount --rbind "/$m" "$root/$m"; done
mount -t tmpfs tmpfs "$root/tmp"
mount -t tmpfs tmpfs "$root/run"
# systemd's tools (udevd, udevadm) refuse to act in a chroot unless told.
in_root() {
	chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
		SYSTEMD_IGNORE_CHROOT=1 "$@"
}

echo "1..13"

# --- installing -----------------------------------------------------------------
# No man-db index rebuild (minutes under emulation) for one page.
rm -f "$root/var/lib/man-db/auto-update"
names=$(for p in "${pkgs[@]}"; do basename "${p%%_*}"; done | tr '\n' ' ')
# Into the chroot's own /tmp: the build tree may itself be under /tmp.
mkdir -p "$root/tmp/debs" && cp "${pkgs[@]}" "$root/tmp/debs/"
out=$(in_root sh -c 'DEBIAN_FRONTEND=noninteractive dpkg -i /tmp/debs/*.deb' 2>&1)
rc=$?
comment <<<"$out" | tail -n 40
bad=$(for n in $names; do
	[ "$(in_root dpkg-query -W -f='${Status}' "$n" 2>/dev/null)" = "install ok installed" ] || echo "$n"
done)
result "$([ $rc = 0 ] && [ -z "$bad" ] && echo 0 || echo 1)" \
	"dpkg -i installs $names${bad:+(not installed: $bad)}"

status=$(in_root dkms status dmaheap 2>&1)
comment <<<"$status"
grep -q "^dmaheap/$ver, $krel, .*: installed" <<<"$status"
result $? "the dkms package built and installed the modules for $krel"

out=$(in_root modprobe dmaheap_system 2>&1)
path=$(in_root modinfo -n dmaheap_system 2>/dev/null)
sysname=$(cat /sys/module/dmaheap_system/parameters/name 2>/dev/null)
result "$([ -z "$out" ] && [ -c "/dev/dma_heap/$sysname" ] && [[ $path == */updates/dkms/* ]] && echo 0 || echo 1)" \
	"modprobe dmaheap_system loads the DKMS build ($path): /dev/dma_heap/${sysname:-?}${out:+: $out}"

# --- the udev rule --------------------------------------------------------------
ls -l "/dev/dma_heap/$sysname" | comment
in_root /lib/systemd/systemd-udevd --daemon >/dev/null 2>&1
udevd=$(pgrep -f systemd-udevd | head -n1)
in_root udevadm trigger --action=add --subsystem-match=dma_heap --subsystem-match=dmaheap >/dev/null 2>&1
in_root udevadm settle --timeout=60 >/dev/null 2>&1
perm=$(stat -c '%G %a' "/dev/dma_heap/$sysname" 2>/dev/null)
result "$([ "$perm" = "video 660" ] && echo 0 || echo 1)" \
	"the packaged udev rule gives /dev/dma_heap/$sysname to group video, mode 0660 (got $perm)"

in_root useradd --create-home --groups video heapuser >/dev/null 2>&1
in_root useradd --create-home heapnobody >/dev/null 2>&1
expect 0 "from $sysname" "a user in group video allocates from $sysname with the installed dmaheap" -- \
	in_root setpriv --reuid=heapuser --regid=heapuser --init-groups dmaheap alloc --heap "$sysname" --size 1M
expect 1 "Permission denied|EACCES|udev rule" "a user outside group video gets EACCES, and a message saying so" -- \
	in_root setpriv --reuid=heapnobody --regid=heapnobody --init-groups dmaheap alloc --heap "$sysname" --size 1M

# --- the GStreamer plugin ---------------------------------------------------------
# A registry of every other plugin (testbed/gst-registry) spares a cold scan;
# the new plugin file is scanned because the registry does not know it.
[ -f "$build/gst-registry/unit.bin" ] && cp "$build/gst-registry/unit.bin" "$root/tmp/registry.bin"
expect 0 "Filename +(/usr)?/lib/[a-z0-9_-]*/gstreamer-1.0/libgstdmaheap.so" \
	"gst-inspect-1.0 finds dmaheappool in the system plugin directory, without GST_PLUGIN_PATH" -- \
	in_root env GST_REGISTRY=/tmp/registry.bin gst-inspect-1.0 dmaheappool

# --- pkg-config, and clients built against the installed files --------------------
cat >"$root/tmp/client.c" <<'EOF'
#include <dmaheap/dmaheap.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	struct dmaheap_ctx *ctx = dmaheap_ctx_create(0);
	int fd = ctx ? dmaheap_alloc(ctx, DMAHEAP_USAGE_CPU, 1 << 20, DMAHEAP_FD_FLAGS_DEFAULT, 0) : -1;

	if (fd < 0)
		return 1;
	printf("fd %d\n", fd);
	close(fd);
	dmaheap_ctx_destroy(ctx);
	return 0;
}
EOF
flags=$(in_root pkg-config --cflags --libs dmaheap 2>&1)
comment <<<"pkg-config --cflags --libs dmaheap: $flags"
# shellcheck disable=SC2086 # the flags are words
out=$(in_root cc -Wall -Wextra -Werror -o /tmp/client /tmp/client.c $flags 2>&1)
rc=$?
comment <<<"$out"
result "$([ $rc = 0 ] && [ -n "$flags" ] && echo 0 || echo 1)" \
	"pkg-config --cflags --libs dmaheap builds a client ($flags)"
expect 0 "^fd [0-9]+" "the client runs against the installed libdmaheap.so.0 and allocates" -- \
	in_root /tmp/client
linked=$(in_root ldd /tmp/client 2>&1 | grep -o 'libdmaheap.so.0 => [^ ]*')
[[ $linked == "libdmaheap.so.0 => /usr/lib/"* || $linked == "libdmaheap.so.0 => /lib/"* ]]
result $? "the client links the packaged library (${linked:-not linked})"

cat >"$root/tmp/gbm-client.c" <<'EOF'
#include <fcntl.h>
#include <gbm.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* A GBM buffer object on the given DRM node; prints its dma-buf's exporter. */
int main(int argc, char **argv)
{
	char path[64], line[256];
	int drm = open(argc > 1 ? argv[1] : "", O_RDWR | O_CLOEXEC);
	struct gbm_device *gbm = drm >= 0 ? gbm_create_device(drm) : NULL;
	struct gbm_bo *bo;
	FILE *f;
	int fd;

	if (!gbm)
		return 2;
	printf("backend %s\n", gbm_device_get_backend_name(gbm));
	bo = gbm_bo_create(gbm, 256, 256, GBM_FORMAT_XRGB8888, GBM_BO_USE_LINEAR);
	fd = bo ? gbm_bo_get_fd(bo) : -1;
	if (fd < 0)
		return 1;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "exp_name:", 9))
			printf("%s", line);
	if (f)
		fclose(f);
	close(fd);
	gbm_bo_destroy(bo);
	gbm_device_destroy(gbm);
	close(drm);
	return 0;
}
EOF
card=
for c in /sys/class/drm/card[0-9]*; do
	[ "$(basename "$(readlink -f "$c/device")")" = vgem ] && card=/dev/dri/${c##*/}
done
if [ -z "$card" ]; then
	skip "GBM_BACKEND=dmaheap without GBM_BACKENDS_PATH" "no vgem device"
else
	# shellcheck disable=SC2046
	out=$(in_root cc -Wall -Wextra -Werror -o /tmp/gbm-client /tmp/gbm-client.c \
		$(in_root pkg-config --cflags --libs gbm) 2>&1) || comment <<<"$out"
	heaps=$(ls /dev/dma_heap | paste -sd'|')
	expect 0 "exp_name:[[:space:]]+($heaps)\$" \
		"GBM_BACKEND=dmaheap without GBM_BACKENDS_PATH: the installed backend's buffer is a heap's dma-buf" -- \
		in_root env GBM_BACKEND=dmaheap /tmp/gbm-client "$card"
	comment <<<"$out"
fi

# --- a kernel without headers ---------------------------------------------------------
# The package configured again with the running kernel's headers gone: the
# message names the package to install.
mv "$root/usr/lib/modules/$krel/build" "$root/usr/lib/modules/$krel/build.hidden" 2>/dev/null
out=$(in_root /var/lib/dpkg/info/dmaheap-dkms.postinst configure 2>&1)
mv "$root/usr/lib/modules/$krel/build.hidden" "$root/usr/lib/modules/$krel/build" 2>/dev/null
grep -q "apt install linux-headers-$krel" <<<"$out"
result $? "without the running kernel's headers, configuring dmaheap-dkms says: apt install linux-headers-$krel"
comment <<<"$out" | tail -n 8

# --- removal ------------------------------------------------------------------------
in_root rmmod dmaheap_system >/dev/null 2>&1
out=$(in_root env DEBIAN_FRONTEND=noninteractive dpkg --purge $names 2>&1)
rc=$?
comment <<<"$out" | tail -n 20
left=$(in_root dkms status dmaheap 2>/dev/null; ls "$root/usr/lib/modules/$krel/updates/dkms" 2>/dev/null | grep dmaheap)
result "$([ $rc = 0 ] && [ -z "$left" ] && echo 0 || echo 1)" \
	"dpkg --purge removes them all, the DKMS modules included${left:+ (left: $left)}"
exit $failed
