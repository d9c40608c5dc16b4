// SPDX-License-Identifier: MIT
/*
 * gpu-compose - the whole chain, one dma-buf handed on at every hop:
 *
 *   camera (vivid) --NV12 heap buffer--> encoder --FWHT heap buffer-->
 *   decoder --NV12 heap buffer--> GPU (EGL texture, YUV -> RGB) --XRGB8888
 *   heap render target--> display (KMS overlay plane) --> writeback PNG
 *
 * The GPU is Mesa through EGL on GBM: llvmpipe in the test bed, the board's
 * GPU driver on a board, the same code either way. Displays such as vkms
 * scan out only RGB, so the GPU does the colour conversion, as on real
 * devices. --no-codec feeds the camera's buffers to the GPU directly.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "display.h"
#include "gpu.h"
#include "image.h"
#include "report.h"
#include "vicodec.h"

#define NUM_BUFFERS 4
#define NUM_TARGETS 3	/* on screen, being drawn, spare */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: gpu-compose [OPTIONS]\n\n"
		"camera -> codec -> GPU -> display, zero-copy: every stage reads and writes\n"
		"dma-bufs from heaps; the last composed screen is read back through the\n"
		"display's writeback connector as a PNG.\n\n"
		"  --camera NAME     camera's V4L2 name (default vivid-000-vid-cap)\n"
		"  --encoder NAME    encoder's V4L2 name (default stateful-encoder)\n"
		"  --decoder NAME    decoder's V4L2 name (default stateful-decoder)\n"
		"  --no-codec        the GPU samples the camera's buffers directly\n"
		"  --gpu DRIVER      DRM driver EGL runs on through GBM (default vkms;\n"
		"                    on a board: its GPU's, e.g. panfrost, etnaviv)\n"
		"  --display DRIVER  KMS driver to show on (default vkms)\n"
		"  --size WxH        frame size (default 640x480)\n"
		"  --format FOURCC   camera/codec format: NV12 (default) or XRGB8888\n"
		"  --frames N        frames (default 60)\n"
		"  --output FILE     PNG of the last screen (default out/demo/frame.png)\n"
		"  --report FILE     append the buffer report to FILE\n"
		"  -h, --help        this text\n\n"
		"Heaps: libdmaheap's policy, usages camera, codec and scanout (the render\n"
		"targets), overridable with DMAHEAP_HEAPS=\"camera=...;codec=...;scanout=...\".\n"
		"Exit status: 0 success, 1 failure, 2 bad usage.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "camera", required_argument, NULL, 'c' },
		{ "encoder", required_argument, NULL, 'e' },
		{ "decoder", required_argument, NULL, 'd' },
		{ "no-codec", no_argument, NULL, 'C' },
		{ "gpu", required_argument, NULL, 'g' },
		{ "display", required_argument, NULL, 'D' },
		{ "size", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "frames", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "report", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *camera_name = "vivid-000-vid-cap", *encoder = "stateful-encoder";
	const char *decoder = "stateful-decoder", *output = "out/demo/frame.png";
	const char *gpu_driver = "vkms", *display_driver = "vkms", *report_path = NULL;
	const struct dmaheap_format *format = dmaheap_format_get(DRM_FORMAT_NV12);
	unsigned int width = 640, height = 480;
	bool use_codec = true;
	long nframes = 60;
	struct dmaheap_ctx *ctx = NULL;
	struct v4l2_queue cam = { .count = 0 };
	struct codec_pipe codec = { .enc_fd = -1, .dec_fd = -1 };
	struct display d = { .fd = -1 };
	struct gpu g = { .drm_fd = -1 };
	struct report report;
	struct image targets[NUM_TARGETS];
	int cam_tex[V4L2_MAX_BUFFERS], dec_tex[V4L2_MAX_BUFFERS], target_img[NUM_TARGETS];
	uint32_t target_fb[NUM_TARGETS] = { 0 };
	struct dmaheap_layout layout;
	char cam_path[64], role[32];
	int cam_fd = -1, opt, ret = -1;
	int32_t fence = -1;
	char *end;

	for (int t = 0; t < NUM_TARGETS; t++)
		targets[t].fd = -1;
	setvbuf(stdout, NULL, _IOLBF, 0);	/* logs stay in order, even after a crash */
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': camera_name = optarg; break;
		case 'e': encoder = optarg; break;
		case 'd': decoder = optarg; break;
		case 'C': use_codec = false; break;
		case 'g': gpu_driver = optarg; break;
		case 'D': display_driver = optarg; break;
		case 'o': output = optarg; break;
		case 'r': report_path = optarg; break;
		case 'h': usage(stdout); return 0;
		case 's':
			if (sscanf(optarg, "%ux%u", &width, &height) != 2 || !width || !height)
				return fail("--size wants WxH, e.g. 640x480, not '%s'", optarg), 2;
			break;
		case 'f':
			format = dmaheap_format_from_name(optarg);
			if (!format || !v4l2_from_drm_fourcc(format->fourcc))
				return fail("--format: '%s' is not NV12 or XRGB8888", optarg), 2;
			break;
		case 'n':
			nframes = strtol(optarg, &end, 10);
			if (*end || nframes < 1 || nframes > 100000)
				return fail("--frames wants a number from 1, not '%s'", optarg), 2;
			break;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc)
		return fail("unexpected argument '%s' (see --help)", argv[optind]), 2;

	report_init(&report, use_codec ? "camera-codec-gpu-display" : "camera-gpu-display");
	if (!(ctx = dmaheap_ctx_create(0))) {
		fail("%s", dmaheap_last_error());
		goto out;
	}
	/* Every device first: a missing one is reported before anything runs. */
	cam_fd = v4l2_open_by_name(camera_name, "load vivid (modprobe vivid) or pass --camera NAME",
				   cam_path);
	if (cam_fd < 0 || (use_codec && codec_open(&codec, encoder, decoder)) ||
	    display_open(&d, display_driver) || display_setup(&d) || gpu_open(&g, gpu_driver, strcmp(gpu_driver, display_driver) ? -1 : d.fd))
		goto out;

	/* camera */
	v4l2_queue_init(&cam, cam_fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, "camera");
	if (v4l2_queue_set_format(&cam, v4l2_from_drm_fourcc(format->fourcc), width, height, 0) ||
	    v4l2_queue_alloc_heap(&cam, ctx, DMAHEAP_USAGE_CAMERA, NUM_BUFFERS, format->fourcc))
		goto out;
	printf("camera: %s (%s), %ux%u %s, %u buffers from heap %s (V4L2_MEMORY_DMABUF)\n",
	       camera_name, cam_path, cam.fmt.width, cam.fmt.height, format->drm_name,
	       cam.count, cam.heap);
	for (unsigned int i = 0; i < cam.count; i++) {
		snprintf(role, sizeof(role), "camera[%u]", i);
		if (report_add(&report, role, cam.bufs[i].fd))
			goto out;
		if (!use_codec && (cam_tex[i] = gpu_import(&g, &cam.bufs[i], false)) < 0)
			goto out;
		if (v4l2_queue_qbuf(&cam, i, 0))
			goto out;
	}
	/* codec */
	if (use_codec) {
		if (codec_setup(&codec, ctx, &cam, format->fourcc))
			goto out;
		for (unsigned int i = 0; i < codec.enc_cap.count; i++) {
			snprintf(role, sizeof(role), "fwht[%u]", i);
			if (report_add(&report, role, codec.enc_cap.bufs[i].fd))
				goto out;
		}
	}
	/* render targets: what the GPU writes and the display reads */
	if (dmaheap_layout_compute(DRM_FORMAT_XRGB8888, cam.fmt.width, cam.fmt.height, 64, 1,
				   &layout)) {
		fail("render target layout: %s", dmaheap_last_error());
		goto out;
	}
	for (int t = 0; t < NUM_TARGETS; t++) {
		targets[t] = (struct image){
			.fourcc = DRM_FORMAT_XRGB8888, .width = cam.fmt.width,
			.height = cam.fmt.height, .num_planes = 1, .pitch = { layout.stride[0] },
			.size = layout.size,
		};
		targets[t].fd = dmaheap_alloc(ctx, DMAHEAP_USAGE_SCANOUT, layout.size,
					      DMAHEAP_FD_FLAGS_DEFAULT);
		if (targets[t].fd < 0) {
			fail("render target: %s", dmaheap_last_error());
			goto out;
		}
		snprintf(role, sizeof(role), "target[%d]", t);
		if (report_add(&report, role, targets[t].fd) ||
		    (target_img[t] = gpu_import(&g, &targets[t], true)) < 0 ||
		    display_add_fb(&d, &targets[t], role, &target_fb[t]))
			goto out;
	}

	if (v4l2_queue_stream(&cam, true))
		goto out;
	for (long n = 1; n <= nframes; n++) {
		int i = v4l2_queue_dqbuf(&cam, NULL), k = -1, tex, t = (int)(n % NUM_TARGETS);

		if (i < 0)
			goto out;
		if (use_codec) {
			if ((k = codec_process(&codec, (unsigned int)i)) < 0 ||
			    v4l2_queue_qbuf(&cam, (unsigned int)i, 0))
				goto out;
			if (n == 1)	/* the decoder's buffers exist once it saw the stream */
				for (unsigned int b = 0; b < codec.dec_cap.count; b++) {
					snprintf(role, sizeof(role), "decoded[%u]", b);
					if (report_add(&report, role, codec.dec_cap.bufs[b].fd) ||
					    (dec_tex[b] = gpu_import(&g, &codec.dec_cap.bufs[b],
								     false)) < 0)
						goto out;
				}
			tex = dec_tex[k];
		} else {
			tex = cam_tex[i];
		}
		if (gpu_draw(&g, tex, target_img[t]) ||
		    (use_codec ? codec_release(&codec, (unsigned int)k) :
				 v4l2_queue_qbuf(&cam, (unsigned int)i, 0)) ||
		    display_show(&d, target_fb[t], targets[t].width, targets[t].height,
				 n == nframes ? &fence : NULL))
			goto out;
		if (n == 1)
			report_sample(&report);
	}
	printf("frames: %ld captured,%s composed by the GPU into XRGB8888 and shown on %s\n",
	       nframes, use_codec ? " encoded, decoded," : "", display_driver);
	if (display_save_writeback(&d, fence, output))
		goto out;
	printf("output: %s (%ux%u, read back through the writeback connector)\n",
	       output, d.mode.hdisplay, d.mode.vdisplay);
	report_sample(&report);
	if (report_write(&report, NULL) || (report_path && report_write(&report, report_path)))
		goto out;
	ret = 0;
out:
	if (fence >= 0)
		close(fence);
	v4l2_queue_release(&cam);
	codec_close(&codec);
	gpu_close(&g);
	display_close(&d);
	for (int t = 0; t < NUM_TARGETS; t++)
		if (targets[t].fd >= 0)
			close(targets[t].fd);
	if (cam_fd >= 0)
		close(cam_fd);
	dmaheap_ctx_destroy(ctx);
	return ret ? 1 : 0;
}
