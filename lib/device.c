// SPDX-License-Identifier: MIT
/*
 * What a device accepts: found from sysfs (IOMMU group, DMA mask, segment
 * limit, device tree coherence) and, for the need for contiguous memory,
 * from a probe that imports a scattered buffer the way the device's own
 * subsystem does (V4L2 QBUF, DRM PRIME import, the test importer's CHECK)
 * and, when that is refused, a contiguous one. lib/README.md describes each
 * signal; dmaheap_heap_for_devices() is in choose.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/videodev2.h>
#include <xf86drm.h>

#include "importer.h"
#include "private.h"

#define SYSFS_DEV_CHAR "/sys/dev/char"
/* A probe buffer is longer than the system heaps' largest chunk (1 MiB), so
 * it has at least two pieces. */
#define PROBE_MIN_SIZE ((UINT64_C(1) << 20) + 4096)

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* The last component of the link at dir/name, or "" */
static void link_base(const char *dir, const char *name, char *out, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	out[0] = '\0';
	str_format(path, sizeof(path), "%s/%s", dir, name);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = '\0';
	str_copy(out, base_name(target), len);
}

static __attribute__((unused)) bool path_exists(const char *dir, const char *name)
{
	char path[PATH_MAX];

	str_format(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* The value of KEY= in dir/uevent, or "" */
static void uevent_value(const char *dir, const char *key, char *out, size_t len)
{
	char path[PATH_MAX], *text, *line, *rest;
	size_t klen = strlen(key);

	out[0] = '\0';
	str_format(path, sizeof(path), "%s/uevent", dir);
	text = file_read_text(path, NULL);
	if (!text)
		return;
	for (rest = text; (line = strsep(&rest, "\n")) != NULL;) {
		if (strncmp(line, key, klen) == 0 && line[klen] == '=') {
			str_copy(out, line + klen + 1, len);
			break;
		}
	}
	free(text);
}

/* A class device under bus device dir (video4linux/videoN, drm/cardN,
 * misc/NAME) that has a node: its directory into out. */
static bool first_class_child(const char *busdir, char *out, size_t len)
{
	static const char *const classes[] = { "video4linux", "drm", "misc" };
	char sub[PATH_MAX], devname[PATH_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(classes); i++) {
		struct dirent **names;
		int n;

		str_format(sub, sizeof(sub), "%s/%s", busdir, classes[i]);
		n = scandir(sub, &names, NULL, alphasort);
		if (n < 0)
			continue;
		for (int j = 0; j < n; j++) {
			char child[PATH_MAX];
			bool found = false;

			if (names[j]->d_name[0] != '.' && out[0] == '\0') {
				str_format(child, sizeof(child), "%s/%s", sub, names[j]->d_name);
				uevent_value(child, "DEVNAME", devname, sizeof(devname));
				found = devname[0] != '\0';
				if (found)
					str_copy(out, child, len);
			}
			free(names[j]);
		}
		free(names);
		if (out[0])
			return true;
	}
	return false;
}

/* Where dev's facts come from: its class directory, bus directory, node. */
static int device_locate(struct dmaheap_device *dev, const char *path, int fd)
{
	char sys[PATH_MAX], real[PATH_MAX], devname[PATH_MAX];
	struct stat st;

	if (fd >= 0) {
		char link[64];
		ssize_t n;

		if (fstat(fd, &st) < 0)
			return error_set(errno, "fd %d: %s", fd, strerror(errno));
		if (!S_ISCHR(st.st_mode))
			return error_set(ENODEV, "fd %d is not a device node", fd);
		str_format(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, dev->node, sizeof(dev->node) - 1);
		dev->node[n > 0 ? n : 0] = '\0';
		path = dev->node[0] ? dev->node : link;
	} else if (stat(path, &st) < 0) {
		return error_set(errno, "device '%s': %s", path, strerror(errno));
	}

	if (S_ISCHR(st.st_mode)) {
		if (fd < 0)
			str_copy(dev->node, path, sizeof(dev->node));
		str_format(sys, sizeof(sys), "%s/%u:%u", SYSFS_DEV_CHAR,
			 major(st.st_rdev), minor(st.st_rdev));
		if (!realpath(sys, dev->classdir))
			return error_set(ENODEV, "device '%s' (%u:%u) has no sysfs "
					 "directory in %s", path, major(st.st_rdev),
					 minor(st.st_rdev), SYSFS_DEV_CHAR);
	} else if (S_ISDIR(st.st_mode) && realpath(path, real) &&
		   strncmp(real, "/sys/", 5) == 0) {
		uevent_value(real, "DEVNAME", devname, sizeof(devname));
		if (devname[0]) {
			str_copy(dev->classdir, real, sizeof(dev->classdir));
		} else if (!first_class_child(real, dev->classdir, sizeof(dev->classdir))) {
			/* a device without a node: only sysfs can tell */
			str_copy(dev->classdir, real, sizeof(dev->classdir));
			str_copy(dev->busdir, real, sizeof(dev->busdir));
		}
		if (!dev->node[0] && dev->classdir[0] && !dev->busdir[0]) {
			uevent_value(dev->classdir, "DEVNAME", devname, sizeof(devname));
			if (devname[0])
				str_format(dev->node, sizeof(dev->node), "/dev/%s", devname);
		}
	} else {
		return error_set(ENODEV, "'%s' is neither a device node nor a device's "
				 "directory in /sys (e.g. /dev/video0, /dev/dri/card0, "
				 "/sys/class/video4linux/video0)", path);
	}
	if (!dev->busdir[0]) {
		str_format(sys, sizeof(sys), "%s/device", dev->classdir);
		if (!realpath(sys, dev->busdir))
			str_copy(dev->busdir, dev->classdir, sizeof(dev->busdir));
	}
	return 0;
}

/* The DRM driver's own name of the device at node ("vkms"), into out. */
static bool drm_driver_name(const char *node, char *out, size_t len)
{
	int fd = open(node, O_RDWR | O_CLOEXEC);
	drmVersionPtr v;

	if (fd < 0)
		return false;
	v = drmGetVersion(fd);
	close(fd);
	if (!v)
		return false;
	str_copy(out, v->name, len);
	drmFreeVersion(v);
	return out[0] != '\0';
}

static void device_describe(struct dmaheap_device *dev)
{
	char subsystem[64], name[128], path[PATH_MAX], *text;

	link_base(dev->classdir, "subsystem", subsystem, sizeof(subsystem));
	link_base(dev->busdir, "driver", dev->driver, sizeof(dev->driver));
	if (!dev->node[0])
		str_copy(dev->kind, "sysfs", sizeof(dev->kind));
	else if (strcmp(subsystem, "video4linux") == 0)
		str_copy(dev->kind, "v4l2", sizeof(dev->kind));
	else if (strcmp(subsystem, "drm") == 0)
		str_copy(dev->kind, "drm", sizeof(dev->kind));
	else if (strstr(dev->node, "dmaheap-importer/"))
		str_copy(dev->kind, "importer", sizeof(dev->kind));
	else
		str_copy(dev->kind, "other", sizeof(dev->kind));

	/* V4L2 names its devices; DRM and the rest go by driver or node */
	str_format(path, sizeof(path), "%s/name", dev->classdir);
	text = strcmp(dev->kind, "v4l2") == 0 ? file_read_text(path, NULL) : NULL;
	if (text) {
		str_copy(name, str_trim(text), sizeof(name));
		free(text);
	} else if (strcmp(dev->kind, "drm") == 0 && drm_driver_name(dev->node, name,
								     sizeof(name))) {
		/* vkms and other virtual devices have no bound driver */
	} else if (strcmp(dev->kind, "importer") == 0 || !dev->driver[0]) {
		str_copy(name, base_name(dev->node[0] ? dev->node : dev->busdir), sizeof(name));
	} else {
		str_copy(name, dev->driver, sizeof(name));
	}
	if (dev->node[0])
		str_format(dev->name, sizeof(dev->name), "%s (%s)", name, dev->node);
	else
		str_format(dev->name, sizeof(dev->name), "%s (%s)", name, dev->busdir);
}

/* Whether an IOMMU translates the device's DMA; the reason into dev. */
static bool device_iommu_remaps(struct dmaheap_device *dev)
{
	char group[PATH_MAX], type[64], path[PATH_MAX], *text;

	str_format(path, sizeof(path), "%s/iommu_group", dev->busdir);
	if (!realpath(path, group))
		return false;
	str_format(path, sizeof(path), "%s/type", group);
	text = file_read_text(path, NULL);
	str_copy(type, text ? str_trim(text) : "DMA", sizeof(type));
	free(text);
	if (strcmp(type, "identity") == 0) {
		str_format(dev->iommu_why, sizeof(dev->iommu_why),
			 "IOMMU group %s is in identity (passthrough) mode: DMA "
			 "addresses are physical", base_name(group));
		return false;
	}
	str_format(dev->iommu_why, sizeof(dev->iommu_why),
		 "behind IOMMU group %s (%s): the IOMMU maps scattered pages "
		 "anywhere in memory to one range of device addresses",
		 base_name(group), type);
	return true;
}

static void device_learn_limits(struct dmaheap_device *dev, bool remaps)
{
	char path[PATH_MAX];
	uint64_t v;

	dev->max_address = UINT64_MAX;
	dev->max_segment = UINT64_MAX;
	str_format(path, sizeof(path), "%s/dma_mask_bits", dev->busdir);
	if (remaps) {
		str_copy(dev->address_why, dev->iommu_why, sizeof(dev->address_why));
	} else if (file_read_u64(path, &v) == 0 && v >= 12 && v < 64) {
		dev->max_address = (UINT64_C(1) << v) - 1;
		str_format(dev->address_why, sizeof(dev->address_why),
			 "a %" PRIu64 "-bit DMA mask (sysfs dma_mask_bits)", v);
	} else if (file_read_u64(path, &v) == 0 && v == 64) {
		str_copy(dev->address_why, "a 64-bit DMA mask (sysfs dma_mask_bits)",
			 sizeof(dev->address_why));
	} else {
		str_copy(dev->address_why, "no limit published (the kernel publishes "
			 "DMA masks for PCI devices only): assumed to reach all memory",
			 sizeof(dev->address_why));
	}
	str_format(path, sizeof(path), "%s/max_segment_size", dev->busdir);
	if (file_read_u64(path, &v) == 0 && v >= 4096) {
		dev->max_segment = v;
		str_format(dev->segment_why, sizeof(dev->segment_why),
			 "%" PRIu64 " bytes (sysfs max_segment_size)", v);
	} else {
		str_copy(dev->segment_why, "no limit published", sizeof(dev->segment_why));
	}

#if defined(__x86_64__) || defined(__i386__)
	dev->coherent = DMAHEAP_ANSWER_YES;
	str_copy(dev->coherent_why, "x86: DMA snoops the CPU caches",
		 sizeof(dev->coherent_why));
#else
	if (path_exists(dev->busdir, "of_node/dma-coherent")) {
		dev->coherent = DMAHEAP_ANSWER_YES;
		str_copy(dev->coherent_why, "device tree: dma-coherent",
			 sizeof(dev->coherent_why));
	} else if (path_exists(dev->busdir, "of_node")) {
		dev->coherent = DMAHEAP_ANSWER_NO;
		str_copy(dev->coherent_why, "device tree: no dma-coherent property, "
			 "the kernel cleans and invalidates caches for it",
			 sizeof(dev->coherent_why));
	} else {
		dev->coherent = DMAHEAP_ANSWER_UNKNOWN;
		str_copy(dev->coherent_why, "no device tree node to tell",
			 sizeof(dev->coherent_why));
	}
#endif
}

/* --- probe buffers ------------------------------------------------------ */

/*
 * A buffer of size bytes for probing dev from a mappable heap whose
 * contiguity is known to be want_contig and that the device can reach; its
 * heap's name goes to heap. A scattered heap's buffer may still be one range
 * by chance (its chunks come from the buddy allocator in order), and
 * userspace cannot see the pages behind a heap mapping. -1 when there is none.
 */
static int probe_buffer(struct dmaheap_device *dev, bool want_contig, uint64_t size,
			char *heap, size_t heap_len)
{
	struct dmaheap_heap_list *list = dmaheap_heap_list_get(dev->ctx);
	int buf = -1;

	heap[0] = '\0';
	for (size_t i = 0; list && i < list->count && buf < 0; i++) {
		const struct dmaheap_heap_info *h = list->heaps[i];
		bool contig = h->props & DMAHEAP_PROP_CONTIGUOUS;

		if (h->open_errno || !(h->props_known & DMAHEAP_PROP_CONTIGUOUS) ||
		    contig != want_contig || (h->props & DMAHEAP_PROP_SECURE) ||
		    h->max_address > dev->max_address)
			continue;
		buf = dmaheap_alloc_from(dev->ctx, h->name, size, DMAHEAP_FD_FLAGS_DEFAULT, 0);
		if (buf >= 0)
			str_copy(heap, h->name, heap_len);
	}
	dmaheap_heap_list_free(list);
	return buf;
}

/* Records the probe's conclusion. */
static void set_contig(struct dmaheap_device *dev, enum dmaheap_answer answer,
		       const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_contig(struct dmaheap_device *dev, enum dmaheap_answer answer,
		       const char *fmt, ...)
{
	va_list ap;

	dev->contig = answer;
	va_start(ap, fmt);
	vsnprintf(dev->contig_why, sizeof(dev->contig_why), fmt, ap);
	va_end(ap);
}

/*
 * Slots of the swiotlb bounce buffer in use (debugfs, root only), or -1. A
 * device that cannot reach a buffer's pages (a 32-bit DMA mask, memory above
 * 4 GiB) still "accepts" it on a kernel with swiotlb: the DMA API copies
 * through bounce slots, which also look contiguous to the device. An import
 * during which this count grows was such a copy, not an acceptance.
 */
static long swiotlb_used(void)
{
	uint64_t v;

	return file_read_u64("/sys/kernel/debug/swiotlb/io_tlb_used", &v) == 0 &&
	       v <= LONG_MAX ? (long)v : -1;
}

/* -EXDEV when the import in progress since before (swiotlb_used()) bounced */
static int bounced(long before)
{
	long now = before >= 0 ? swiotlb_used() : -1;

	return now > before ? -EXDEV : 0;
}

static const char *probe_error(int err)
{
	return err == -EXDEV ? "bounced through swiotlb: the device cannot reach its pages" :
	       strerror(-err);
}

/*
 * The import probe, for a device whose import is try(arg, buf, size) (0 or
 * -errno), how naming it in reasons ("QBUF", "PRIME import"):
 *   - udmabuf's buffer of two pieces over the same pages (udmabuf_scattered)
 *     is surely scattered: accepted, the device takes scattered memory;
 *   - else a buffer from a scattered heap and one from a contiguous heap:
 *     the first refused and the second accepted, it needs contiguous memory;
 *     both accepted, it is not known (the heap's buffer may have been one
 *     range, and udmabuf's refusal may have another cause: before Linux 6.2
 *     udmabuf cannot vmap, which vmalloc-based V4L2 drivers need).
 * Nothing is left behind: every buffer is closed, try undoes its import.
 */
typedef int (*probe_try_fn)(void *arg, int buf, uint64_t size);

static void probe_import(struct dmaheap_device *dev, uint64_t size, probe_try_fn try,
			 void *arg, const char *how)
{
	char heap[DMAHEAP_NAME_MAX], cheap[DMAHEAP_NAME_MAX], uwhy[128];
	unsigned int pieces = 0;
	int buf = -1, err_u = 0, err_s, err_c;

	uwhy[0] = '\0';
	if (dev->max_address == UINT64_MAX)
		buf = udmabuf_scattered(dev->ctx, size, &pieces);
	if (buf >= 0) {
		err_u = try(arg, buf, size);
		close(buf);
		if (err_u == 0) {
			set_contig(dev, DMAHEAP_ANSWER_NO, "accepted a scattered buffer (%u "
				   "pieces from udmabuf, %s)", pieces, how);
			return;
		}
		if (err_u == -EBUSY) {
			set_contig(dev, DMAHEAP_ANSWER_UNKNOWN, "it is in use (%s: EBUSY): "
				   "probe it when it is idle", how);
			return;
		}
		str_format(uwhy, sizeof(uwhy), "refused udmabuf's scattered buffer (%s: %s)",
			   how, probe_error(err_u));
	} else {
		str_format(uwhy, sizeof(uwhy), "no udmabuf buffer (%s)",
			   dev->max_address == UINT64_MAX ? dmaheap_last_error() :
			   "udmabuf's pages may lie beyond its reach");
	}

	buf = probe_buffer(dev, true, size, cheap, sizeof(cheap));
	if (buf < 0) {
		set_contig(dev, DMAHEAP_ANSWER_UNKNOWN, "%s, and there is no contiguous "
			   "heap to compare with", uwhy);
		return;
	}
	err_c = try(arg, buf, size);
	close(buf);
	if (err_c) {
		set_contig(dev, DMAHEAP_ANSWER_UNKNOWN, "%s, and refused a contiguous one "
			   "from %s too (%s)", uwhy, cheap, probe_error(err_c));
		return;
	}
	buf = probe_buffer(dev, false, size, heap, sizeof(heap));
	if (buf < 0) {
		set_contig(dev, err_u ? DMAHEAP_ANSWER_YES : DMAHEAP_ANSWER_UNKNOWN,
			   "%s, accepted a contiguous one from %s", uwhy, cheap);
		return;
	}
	err_s = try(arg, buf, size);
	close(buf);
	if (err_s)
		set_contig(dev, DMAHEAP_ANSWER_YES, "%s, refused one from %s (%s) and "
			   "accepted a contiguous one from %s", uwhy, heap,
			   probe_error(err_s), cheap);
	else
		set_contig(dev, DMAHEAP_ANSWER_UNKNOWN, "%s, but accepted one from %s, "
			   "which may have been one range, and a contiguous one from %s",
			   uwhy, heap, cheap);
}

/* --- V4L2: REQBUFS(DMABUF) + QBUF of the buffer, then REQBUFS(0) --------- */

static int v4l2_try(int fd, uint32_t type, int buf, uint64_t size)
{
	struct v4l2_requestbuffers req = { .count = 1, .type = type,
					   .memory = V4L2_MEMORY_DMABUF };
	struct v4l2_plane plane = { .m.fd = buf, .length = (uint32_t)size,
				    .bytesused = (uint32_t)size };
	struct v4l2_buffer b = { .index = 0, .type = type, .memory = V4L2_MEMORY_DMABUF };
	long before = swiotlb_used();
	int ret, err;

	if (ioctl(fd, VIDIOC_REQBUFS, &req) < 0)
		return -errno;
	if (req.count < 1) {
		err = -ENOBUFS;
		goto out;
	}
	if (V4L2_TYPE_IS_MULTIPLANAR(type)) {
		b.m.planes = &plane;
		b.length = 1;
	} else {
		b.m.fd = buf;
		b.length = (uint32_t)size;
		b.bytesused = (uint32_t)size;
	}
	ret = ioctl(fd, VIDIOC_QBUF, &b);
	err = ret < 0 ? -errno : bounced(before);
out:
	req.count = 0;
	ioctl(fd, VIDIOC_REQBUFS, &req);	/* leaves the queue as found */
	return err;
}

struct v4l2_probe {
	int fd;
	uint32_t type;
};

static int v4l2_probe_try(void *arg, int buf, uint64_t size)
{
	const struct v4l2_probe *q = arg;

	return v4l2_try(q->fd, q->type, buf, size);
}

static void probe_v4l2(struct dmaheap_device *dev)
{
	static const uint32_t types[] = {
		V4L2_BUF_TYPE_VIDEO_CAPTURE, V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE,
		V4L2_BUF_TYPE_VIDEO_OUTPUT, V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE,
	};
	struct v4l2_capability cap = { 0 };
	struct v4l2_probe q;
	const char *last = "no video capture or output queue";
	uint32_t caps;
	int fd;

	fd = open(dev->node, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		set_contig(dev, DMAHEAP_ANSWER_UNKNOWN, "cannot open %s to probe it: %s",
			   dev->node, strerror(errno));
		return;
	}
	if (ioctl(fd, VIDIOC_QUERYCAP, &cap) < 0) {
		set_contig(dev, DMAHEAP_ANSWER_UNKNOWN, "VIDIOC_QUERYCAP: %s", strerror(errno));
		close(fd);
		return;
	}
	caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
	if (caps & V4L2_CAP_VIDEO_M2M)
		caps |= V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_VIDEO_OUTPUT;
	if (caps & V4L2_CAP_VIDEO_M2M_MPLANE)
		caps |= V4L2_CAP_VIDEO_CAPTURE_MPLANE | V4L2_CAP_VIDEO_OUTPUT_MPLANE;
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		static const uint32_t need[] = {
			V4L2_CAP_VIDEO_CAPTURE, V4L2_CAP_VIDEO_CAPTURE_MPLANE,
			V4L2_CAP_VIDEO_OUTPUT, V4L2_CAP_VIDEO_OUTPUT_MPLANE,
		};
		struct v4l2_format fmt = { .type = types[i] };
		uint64_t size;

		if (!(caps & need[i]))
			continue;
		if (ioctl(fd, VIDIOC_G_FMT, &fmt) < 0) {
			last = "VIDIOC_G_FMT failed";
			continue;
		}
		if (V4L2_TYPE_IS_MULTIPLANAR(types[i])) {
			if (fmt.fmt.pix_mp.num_planes != 1) {
				last = "its format has more than one plane";
				continue;
			}
			size = fmt.fmt.pix_mp.plane_fmt[0].sizeimage;
		} else {
			size = fmt.fmt.pix.sizeimage;
		}
		size = size < PROBE_MIN_SIZE ? PROBE_MIN_SIZE : size;
		size = (size + 4095) & ~UINT64_C(4095);
		q.fd = fd;
		q.type = types[i];
		probe_import(dev, size, v4l2_probe_try, &q, "QBUF");
		goto out;
	}
	set_contig(dev, DMAHEAP_ANSWER_UNKNOWN, "no queue to probe: %s", last);
out:
	close(fd);
}

/* --- DRM: PRIME import of the buffer, then GEM close --------------------- */

static int drm_try(int fd, int buf)
{
	long before = swiotlb_used();
	uint32_t handle;
	int err;

	if (drmPrimeFDToHandle(fd, buf, &handle) < 0)
		return -errno;
	err = bounced(before);
	drmCloseBufferHandle(fd, handle);
	return err;
}

static int drm_probe_try(void *arg, int buf, uint64_t size)
{
	(void)size;
	return drm_try(*(const int *)arg, buf);
}

static void probe_drm(struct dmaheap_device *dev)
{
	int fd;

	/* The caller's fd is authenticated (a compositor's is the master);
	 * a new open of a primary node might not be. */
	fd = dev->probe_fd >= 0 ? dev->probe_fd : open(dev->node, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		set_contig(dev, DMAHEAP_ANSWER_UNKNOWN, "cannot open %s to probe it: %s",
			   dev->node, strerror(errno));
		return;
	}
	probe_import(dev, PROBE_MIN_SIZE, drm_probe_try, &fd, "PRIME import");
	if (fd != dev->probe_fd)
		close(fd);
}

/* --- dmaheap's test importer: its CHECK operation ------------------------- */

/* The device counts the DMA ranges it got (also when it refuses them). */
static int importer_try(int fd, int buf, unsigned int *ranges)
{
	struct dmaheap_importer_op op = { .fd = buf, .op = DMAHEAP_IMPORTER_CHECK };
	int ret = ioctl(fd, DMAHEAP_IMPORTER_IOC_OP, &op) < 0 ? -errno : 0;

	if (ranges && op.ranges)
		*ranges = op.ranges;
	return ret;
}

/* The importer says how many DMA ranges it got, so a heap's buffer that
 * happens to be one range is recognised and retried. */
static void probe_importer(struct dmaheap_device *dev)
{
	char heap[DMAHEAP_NAME_MAX], cheap[DMAHEAP_NAME_MAX];
	unsigned int ranges = 0;
	int fd, buf, err = -ENOENT, err2, held[4], n = 0;

	fd = open(dev->node, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		set_contig(dev, DMAHEAP_ANSWER_UNKNOWN, "cannot open %s to probe it: %s",
			   dev->node, strerror(errno));
		return;
	}
	/* up to 4 tries, each held so that the next gets other pages */
	while (n < 4 && (buf = probe_buffer(dev, false, PROBE_MIN_SIZE, heap,
					     sizeof(heap))) >= 0) {
		ranges = 0;
		err = importer_try(fd, buf, &ranges);
		held[n++] = buf;
		if (ranges > 1)
			break;
	}
	while (n > 0)
		close(held[--n]);
	if (ranges < 2) {
		set_contig(dev, DMAHEAP_ANSWER_UNKNOWN, "no scattered buffer to probe it "
			   "with (%s)", heap[0] ? "every try was one range" : "no heap");
		goto out;
	}
	/* a segment longer than it takes says nothing about contiguity */
	if (err == 0 || err == -EMSGSIZE) {
		set_contig(dev, DMAHEAP_ANSWER_NO, "mapped a scattered buffer (%u ranges "
			   "from %s)", ranges, heap);
		goto out;
	}
	buf = probe_buffer(dev, true, PROBE_MIN_SIZE, cheap, sizeof(cheap));
	err2 = buf < 0 ? -ENOENT : importer_try(fd, buf, NULL);
	if (buf >= 0)
		close(buf);
	if (err == -EINVAL && (err2 == 0 || err2 == -EMSGSIZE))
		set_contig(dev, DMAHEAP_ANSWER_YES, "refused a scattered buffer (%u ranges "
			   "from %s: %s) and mapped a contiguous one from %s", ranges, heap,
			   strerror(-err), cheap);
	else
		set_contig(dev, DMAHEAP_ANSWER_UNKNOWN, "refused a scattered buffer (%s)%s",
			   strerror(-err), buf < 0 ? " and there is no contiguous heap" : "");
out:
	close(fd);
}

/* --- handles ------------------------------------------------------------ */

static struct dmaheap_device *device_get(struct dmaheap_ctx *ctx, const char *path, int fd)
{
	struct dmaheap_device *dev, *cached;
	bool remaps;

	if (!ctx)
		return error_set_null(EINVAL, "no context given");
	if (fd < 0 && (!path || !*path))
		return error_set_null(EINVAL, "no device path given");
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return error_set_null(ENOMEM, "out of memory for a device");
	dev->ctx = ctx;
	dev->probe_fd = -1;
	if (device_locate(dev, path, fd) < 0) {
		int saved = errno;

		free(dev);
		errno = saved;
		return NULL;
	}
	pthread_mutex_lock(&ctx->lock);
	for (cached = ctx->devices; cached; cached = cached->next)
		if (strcmp(cached->busdir, dev->busdir) == 0)
			break;
	pthread_mutex_unlock(&ctx->lock);
	if (cached) {
		free(dev);
		return cached;
	}

	device_describe(dev);
	remaps = device_iommu_remaps(dev);
	device_learn_limits(dev, remaps);
	if (remaps)
		set_contig(dev, DMAHEAP_ANSWER_NO, "%s", dev->iommu_why);
	else if (strcmp(dev->kind, "v4l2") == 0)
		probe_v4l2(dev);
	else if (strcmp(dev->kind, "drm") == 0) {
		dev->probe_fd = fd;
		probe_drm(dev);
		dev->probe_fd = -1;
	}
	else if (strcmp(dev->kind, "importer") == 0)
		probe_importer(dev);
	else
		set_contig(dev, DMAHEAP_ANSWER_UNKNOWN, "no IOMMU, and no node of a kind "
			   "dmaheap can probe (V4L2, DRM)");

	/* another thread may have learnt the same device meanwhile */
	pthread_mutex_lock(&ctx->lock);
	for (cached = ctx->devices; cached; cached = cached->next)
		if (strcmp(cached->busdir, dev->busdir) == 0)
			break;
	if (!cached) {
		dev->next = ctx->devices;
		ctx->devices = dev;
	}
	pthread_mutex_unlock(&ctx->lock);
	if (cached) {
		free(dev);
		return cached;
	}
	return dev;
}

struct dmaheap_device *dmaheap_device_get(struct dmaheap_ctx *ctx, const char *path)
{
	return device_get(ctx, path, -1);
}

struct dmaheap_device *dmaheap_device_get_fd(struct dmaheap_ctx *ctx, int fd)
{
	if (fd < 0)
		return error_set_null(EINVAL, "bad fd %d", fd);
	return device_get(ctx, NULL, fd);
}

void device_free_all(struct dmaheap_ctx *ctx)
{
	struct dmaheap_device *dev, *next;

	for (dev = ctx->devices; dev; dev = next) {
		next = dev->next;
		free(dev);
	}
	ctx->devices = NULL;
}

const char *dmaheap_device_name(const struct dmaheap_device *dev)
{
	return dev ? dev->name : error_set_null(EINVAL, "no device given");
}

const char *dmaheap_device_kind(const struct dmaheap_device *dev)
{
	return dev ? dev->kind : error_set_null(EINVAL, "no device given");
}

const char *dmaheap_device_driver(const struct dmaheap_device *dev)
{
	return dev ? dev->driver : error_set_null(EINVAL, "no device given");
}

enum dmaheap_answer dmaheap_device_needs_contiguous(const struct dmaheap_device *dev,
						    const char **why)
{
	if (why)
		*why = dev ? dev->contig_why : "no device given";
	return dev ? dev->contig : DMAHEAP_ANSWER_UNKNOWN;
}

uint64_t dmaheap_device_max_address(const struct dmaheap_device *dev, const char **why)
{
	if (why)
		*why = dev ? dev->address_why : "no device given";
	return dev ? dev->max_address : UINT64_MAX;
}

uint64_t dmaheap_device_max_segment(const struct dmaheap_device *dev, const char **why)
{
	if (why)
		*why = dev ? dev->segment_why : "no device given";
	return dev ? dev->max_segment : UINT64_MAX;
}

enum dmaheap_answer dmaheap_device_coherent(const struct dmaheap_device *dev,
					    const char **why)
{
	if (why)
		*why = dev ? dev->coherent_why : "no device given";
	return dev ? dev->coherent : DMAHEAP_ANSWER_UNKNOWN;
}
