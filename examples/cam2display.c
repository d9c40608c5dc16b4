// SPDX-License-Identifier: MIT
/*
 * cam2display - capture frames from a V4L2 camera and show them on a KMS
 * display without copying a pixel: each capture buffer is one dma-buf that
 * the camera writes and the display scans out. By default the buffers come
 * from a dma-buf heap (libdmaheap, usage "camera": contiguous memory first,
 * which a camera without an IOMMU needs) and the camera imports them
 * (V4L2_MEMORY_DMABUF); --buffers=v4l2 lets the camera allocate them instead.
 * The last frame is read back through the display's writeback connector and
 * saved as a PNG: what was actually composed on screen.
 *
 * cam2display --check-bars FILE.png checks that a PNG shows vivid's default
 * 75% colour bars; the guest tests use it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "display.h"
#include "image.h"
#include "report.h"
#include "v4l2.h"

#define NUM_BUFFERS 4

static void usage(FILE *out)
{
	fprintf(out,
		"usage: cam2display [OPTIONS]\n"
		"       cam2display --check-bars FILE.png\n\n"
		"Capture frames from a V4L2 camera and show them on vkms through shared\n"
		"dma-bufs (no copies); save the last composed screen, read back through\n"
		"vkms's writeback connector, as a PNG.\n\n"
		"  --camera NAME     V4L2 device name in /sys/class/video4linux/*/name\n"
		"                    (default vivid-000-vid-cap; vivid-001-vid-cap is the\n"
		"                    dma-contig instance that needs contiguous buffers)\n"
		"  --size WxH        capture size (default 640x480); format is always XR24\n"
		"  --frames N        frames to capture and show (default 60)\n"
		"  --buffers SOURCE  who allocates the buffers: heap (default: libdmaheap,\n"
		"                    usage 'camera', override with DMAHEAP_HEAPS=camera=NAME;\n"
		"                    the camera imports them) or v4l2 (the camera, exported\n"
		"                    with VIDIOC_EXPBUF)\n"
		"  --output FILE     PNG of the last frame (default out/demo/frame.png)\n"
		"  --report FILE     append the buffer report (inodes, heaps, devices) to FILE\n"
		"  --check-bars FILE check that FILE shows vivid's 75%% colour bars\n"
		"  -h, --help        this text\n\n"
		"Exit status: 0 success, 1 failure, 2 bad usage.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		EXAMPLE_OPT_CAMERA, EXAMPLE_OPT_SIZE, EXAMPLE_OPT_FRAMES,
		EXAMPLE_OPT_OUTPUT, EXAMPLE_OPT_REPORT, EXAMPLE_OPT_HELP,
		{ "buffers", required_argument, NULL, 'b' },
		{ "check-bars", required_argument, NULL, 'k' },
		{ 0 },
	};
	struct example_options o;
	bool heap_buffers = true;
	struct dmaheap_ctx *ctx = NULL;
	struct v4l2_queue cam = { .count = 0 };
	struct display d = { .fd = -1 };
	struct report report;
	uint32_t fbs[V4L2_MAX_BUFFERS] = { 0 };
	char cam_path[64];
	int cam_fd = -1, shown = -1, opt, ret = -1;
	int32_t fence = -1;

	setvbuf(stdout, NULL, _IOLBF, 0);	/* logs stay in order, even after a crash */
	example_options_init(&o, "out/demo/frame.png");
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (example_option(&o, opt, optarg)) {
		case 1: continue;
		case -1: return 2;
		}
		switch (opt) {
		case 'k': return image_check_bars(optarg) ? 1 : 0;
		case 'h': usage(stdout); return 0;
		case 'b':
			if (!strcmp(optarg, "heap") || !strcmp(optarg, "v4l2"))
				heap_buffers = !strcmp(optarg, "heap");
			else
				return fail("--buffers: unknown source '%s' (heap or v4l2)", optarg), 2;
			break;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc)
		return fail("unexpected argument '%s' (see --help)", argv[optind]), 2;

	report_init(&report, "cam2display");
	cam_fd = v4l2_open_by_name(o.camera, "load vivid (modprobe vivid) or pass --camera NAME",
				   cam_path);
	if (cam_fd < 0)
		goto out;
	v4l2_queue_init(&cam, cam_fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, "camera");
	if (v4l2_queue_set_format(&cam, V4L2_PIX_FMT_XBGR32, o.width, o.height, 0) ||
	    display_open(&d, "vkms") || display_setup(&d))
		goto out;
	printf("camera: %s (%s), %ux%u XR24 = V4L2_PIX_FMT_XBGR32 = DRM XRGB8888, %u bytes per line\n",
	       o.camera, cam_path, cam.fmt.width, cam.fmt.height, cam.fmt.bytesperline);

	if (heap_buffers) {
		if (!(ctx = dmaheap_ctx_create(0))) {
			fail("%s", dmaheap_last_error());
			goto out;
		}
		if (v4l2_queue_alloc_heap(&cam, ctx, DMAHEAP_USAGE_CAMERA, &d.fd, 1, NUM_BUFFERS,
					  DRM_FORMAT_XRGB8888))
			goto out;
		printf("buffers: %u from heap %s, imported by the camera (V4L2_MEMORY_DMABUF)\n"
		       "heap choice: %s\n", cam.count, cam.heap, cam.heap_why);
	} else {
		if (v4l2_queue_alloc_mmap(&cam, NUM_BUFFERS, DRM_FORMAT_XRGB8888))
			goto out;
		printf("buffers: %u, allocated by the camera (V4L2 MMAP) and exported with VIDIOC_EXPBUF\n",
		       cam.count);
	}
	for (unsigned int i = 0; i < cam.count; i++) {
		char role[32];

		snprintf(role, sizeof(role), "camera[%u]", i);
		if (report_add(&report, role, cam.bufs[i].fd, heap_buffers ? cam.heap_why : NULL) ||
		    display_add_fb(&d, &cam.bufs[i], role, &fbs[i]) || v4l2_queue_qbuf(&cam, i, 0))
			goto out;
	}
	if (v4l2_queue_stream(&cam, true))
		goto out;
	for (long n = 1; n <= o.frames; n++) {
		int i = v4l2_queue_dqbuf(&cam, NULL);

		if (i < 0 || display_show(&d, fbs[i], cam.fmt.width, cam.fmt.height,
					  n == o.frames ? &fence : NULL))
			goto out;
		if (n == 1)
			report_sample(&report);
		/* The display let go of the previous frame: the camera may refill it. */
		if (shown >= 0 && v4l2_queue_qbuf(&cam, shown, 0))
			goto out;
		shown = i;
	}
	printf("frames: %ld captured and shown, each as a %ux%u overlay centred on %s\n",
	       o.frames, cam.fmt.width, cam.fmt.height, d.mode.name);
	if (display_save_writeback(&d, fence, o.output))
		goto out;
	/* Every buffer is still attached to camera and display: the proof. */
	report_sample(&report);
	if (report_write(&report, o.report))
		goto out;
	ret = 0;
out:
	if (fence >= 0)
		close(fence);
	v4l2_queue_release(&cam);
	display_close(&d);
	if (cam_fd >= 0)
		close(cam_fd);
	dmaheap_ctx_destroy(ctx);
	return ret ? 1 : 0;
}
