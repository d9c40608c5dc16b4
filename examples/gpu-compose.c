// SPDX-License-Identifier: MIT
/*
 * gpu-compose - the whole chain, one dma-buf handed on at every hop:
 *
 *   camera (vivid) --NV12 heap buffer--> encoder --FWHT heap buffer-->
 *   decoder --NV12 heap buffer--> GPU (EGL texture, YUV -> RGB) --XRGB8888
 *   heap render target--> display (KMS overlay plane) --> writeback PNG
 *
 * The GPU is Mesa through EGL: on a board, GBM on its GPU's DRM device; in
 * the test bed, which has no GPU, Mesa's software device (llvmpipe, Mesa >=
 * 24.1, which maps the dma-bufs itself). The same code either way. Displays such as vkms
 * scan out only RGB, so the GPU does the colour conversion, as on real
 * devices. --no-codec feeds the camera's buffers to the GPU directly.
 *
 * --compositor ends the chain in a Wayland compositor instead of driving
 * KMS itself: the render targets go to it as linux-dmabuf buffers (the
 * dma-bufs themselves), and the compositor puts them on a plane or composes
 * them. --hold keeps the last frame up for a screenshot.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "display.h"
#include "gpu.h"
#include "image.h"
#include "report.h"
#include "vicodec.h"
#ifdef HAVE_WAYLAND_PRESENT
#include "present.h"
#endif

#define NUM_BUFFERS 4
#define NUM_TARGETS 3	/* on screen, being drawn, spare */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

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
		"  --gpu DRIVER      what EGL runs on: a DRM driver (GBM on that device,\n"
		"                    e.g. panfrost, etnaviv), software (Mesa's software\n"
		"                    device, llvmpipe; Mesa >= 24.1 for dma-buf import) or\n"
		"                    auto (default): the display's device if a hardware\n"
		"                    driver renders there, else software\n"
		"  --display DRIVER  KMS driver to show on (default vkms)\n"
		"  --compositor      show through the Wayland compositor at $WAYLAND_DISPLAY\n"
		"                    (linux-dmabuf) instead of driving KMS; the render\n"
		"                    targets are chosen for DRIVER's display all the same\n"
		"  --hold SECONDS    with --compositor: keep the last frame up that long,\n"
		"                    or until SIGTERM (default 0)\n"
		"  --size WxH        frame size (default 640x480)\n"
		"  --format FOURCC   camera/codec format: NV12 (default) or XRGB8888\n"
		"  --frames N        frames (default 60)\n"
		"  --output FILE     PNG of the last screen (default out/demo/frame.png; not\n"
		"                    with --compositor: read the planes with kms-screenshot)\n"
		"  --report FILE     append the buffer report to FILE\n"
		"  -h, --help        this text\n\n"
		"Heaps: libdmaheap's policy, usages camera, codec and scanout (the render\n"
		"targets), overridable with DMAHEAP_HEAPS=\"camera=...;codec=...;scanout=...\".\n"
		"Exit status: 0 success, 1 failure, 2 bad usage.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		EXAMPLE_OPT_CAMERA, EXAMPLE_OPT_ENCODER, EXAMPLE_OPT_DECODER,
		{ "no-codec", no_argument, NULL, 'C' },
		{ "gpu", required_argument, NULL, 'g' },
		{ "display", required_argument, NULL, 'D' },
		{ "compositor", no_argument, NULL, 'W' },
		{ "hold", required_argument, NULL, 'H' },
		EXAMPLE_OPT_SIZE, EXAMPLE_OPT_FORMAT, EXAMPLE_OPT_FRAMES,
		EXAMPLE_OPT_OUTPUT, EXAMPLE_OPT_REPORT, EXAMPLE_OPT_HELP,
		{ 0 },
	};
	struct example_options o;
	const char *gpu_driver = "auto", *display_driver = "vkms";
	bool use_codec = true, compositor = false;
	unsigned int hold = 0;
	char *end;
#ifdef HAVE_WAYLAND_PRESENT
	struct presenter *wl = NULL;
	int target_wl[NUM_TARGETS];
#endif
	long timed;
	struct dmaheap_ctx *ctx = NULL;
	struct v4l2_queue cam = { .count = 0 };
	struct codec_pipe codec = { .enc_fd = -1, .dec_fd = -1, .sink_fd = -1 };
	struct dmaheap_heap *target_heap = NULL;
	char target_why[512];
	struct display d = { .fd = -1 };
	struct gpu g = { .drm_fd = -1 };
	struct report report;
	struct image targets[NUM_TARGETS];
	int cam_tex[V4L2_MAX_BUFFERS], dec_tex[V4L2_MAX_BUFFERS], target_img[NUM_TARGETS];
	uint32_t target_fb[NUM_TARGETS] = { 0 };
	struct dmaheap_layout layout = { .struct_size = sizeof(layout) };
	char cam_path[64], role[32];
	int cam_fd = -1, opt, ret = -1;
	int32_t fence = -1;
	double draw_ms = 0, loop_start = 0, t0;

	for (int t = 0; t < NUM_TARGETS; t++)
		targets[t].fd = -1;
	setvbuf(stdout, NULL, _IOLBF, 0);	/* logs stay in order, even after a crash */
	example_options_init(&o, "out/demo/frame.png");
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (example_option(&o, opt, optarg)) {
		case 1: continue;
		case -1: return 2;
		}
		switch (opt) {
		case 'C': use_codec = false; break;
		case 'g': gpu_driver = optarg; break;
		case 'D': display_driver = optarg; break;
		case 'W': compositor = true; break;
		case 'H':
			errno = 0;
			hold = (unsigned int)strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || optarg[0] == '-' || hold > 3600)
				return fail("--hold wants seconds (0 to 3600), not '%s'", optarg), 2;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc)
		return fail("unexpected argument '%s' (see --help)", argv[optind]), 2;
#ifndef HAVE_WAYLAND_PRESENT
	if (compositor)
		return fail("--compositor: this gpu-compose was built without Wayland (libwayland-dev, wayland-protocols)"), 2;
#endif
	if (hold && !compositor)
		return fail("--hold goes with --compositor"), 2;

	report_init(&report, compositor ? (use_codec ? "camera-codec-gpu-compositor" :
						   "camera-gpu-compositor") :
		    use_codec ? "camera-codec-gpu-display" : "camera-gpu-display");
	if (!(ctx = dmaheap_ctx_create(0))) {
		fail("%s", dmaheap_last_error());
		goto out;
	}
	/* Every device first: a missing one is reported before anything runs. */
	cam_fd = v4l2_open_by_name(o.camera, "load vivid (modprobe vivid) or pass --camera NAME",
				   cam_path);
	/* With a compositor, the display is its: opened only to choose the
	 * render targets' heap, never driven. */
	if (cam_fd < 0 || (use_codec && codec_open(&codec, o.encoder, o.decoder)) ||
	    display_open(&d, display_driver) || (!compositor && display_setup(&d)) ||
	    gpu_open(&g, gpu_driver,
		     strcmp(gpu_driver, display_driver) && strcmp(gpu_driver, "auto") ? -1 :
		     compositor ? -1 : d.fd))
		goto out;
#ifdef HAVE_WAYLAND_PRESENT
	if (compositor && !(wl = present_open("dmaheap gpu-compose", o.width, o.height)))
		goto out;
#endif

	/* camera */
	v4l2_queue_init(&cam, cam_fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, "camera");
	if (v4l2_queue_set_format(&cam, v4l2_from_drm_fourcc(o.format->fourcc), o.width, o.height, 0) ||
	    v4l2_queue_alloc_heap(&cam, ctx, DMAHEAP_USAGE_CAMERA,
				  use_codec ? &codec.enc_fd : &g.drm_fd, 1, NUM_BUFFERS,
				  o.format->fourcc))
		goto out;
	printf("camera: %s (%s), %ux%u %s, %u buffers from heap %s (V4L2_MEMORY_DMABUF)\n",
	       o.camera, cam_path, cam.fmt.width, cam.fmt.height, o.format->drm_name,
	       cam.count, cam.heap);
	for (unsigned int i = 0; i < cam.count; i++) {
		snprintf(role, sizeof(role), "camera[%u]", i);
		if (report_add(&report, role, cam.bufs[i].fd, cam.heap_why))
			goto out;
		if (!use_codec && (cam_tex[i] = gpu_import(&g, &cam.bufs[i], false)) < 0)
			goto out;
		if (v4l2_queue_qbuf(&cam, i, 0))
			goto out;
	}
	/* codec */
	if (use_codec) {
		codec.sink_fd = g.drm_fd;
		if (codec_setup(&codec, ctx, &cam, o.format->fourcc))
			goto out;
		for (unsigned int i = 0; i < codec.enc_cap.count; i++) {
			snprintf(role, sizeof(role), "fwht[%u]", i);
			if (report_add(&report, role, codec.enc_cap.bufs[i].fd,
				       codec.enc_cap.heap_why))
				goto out;
		}
	}
	/* render targets: what the GPU writes and the display reads */
	if (dmaheap_layout_compute(DRM_FORMAT_XRGB8888, cam.fmt.width, cam.fmt.height, 64, 1,
				   &layout)) {
		fail("render target layout: %s", dmaheap_last_error());
		goto out;
	}
	if (heap_for_users(ctx, DMAHEAP_USAGE_SCANOUT, (int[]){ g.drm_fd, d.fd }, 2,
			   &target_heap, target_why, sizeof(target_why)))
		goto out;
	for (int t = 0; t < NUM_TARGETS; t++) {
		targets[t] = (struct image){
			.fourcc = DRM_FORMAT_XRGB8888, .width = cam.fmt.width,
			.height = cam.fmt.height, .num_planes = 1, .pitch = { layout.stride[0] },
			.size = layout.size,
		};
		targets[t].fd = dmaheap_heap_alloc(target_heap, layout.size,
						   DMAHEAP_FD_FLAGS_DEFAULT, 0);
		if (targets[t].fd < 0) {
			fail("render target: %s", dmaheap_last_error());
			goto out;
		}
		snprintf(role, sizeof(role), "target[%d]", t);
		if (report_add(&report, role, targets[t].fd, target_why) ||
		    (target_img[t] = gpu_import(&g, &targets[t], true)) < 0)
			goto out;
#ifdef HAVE_WAYLAND_PRESENT
		if (compositor) {
			if (present_add(wl, &targets[t], role, &target_wl[t]))
				goto out;
			continue;
		}
#endif
		if (display_add_fb(&d, &targets[t], role, &target_fb[t]))
			goto out;
	}

	if (v4l2_queue_stream(&cam, true))
		goto out;
	loop_start = now_ms();
	for (long n = 1; n <= o.frames; n++) {
		int i = v4l2_queue_dqbuf(&cam, NULL), k = -1, tex, t = (int)(n % NUM_TARGETS);

		if (i < 0)
			goto out;
		if (use_codec) {
			if ((k = codec_process(&codec, (unsigned int)i)) < 0 ||
			    v4l2_queue_qbuf(&cam, (unsigned int)i, 0))
				goto out;
			if (n == 1)	/* the o.decoder's buffers exist once it saw the stream */
				for (unsigned int b = 0; b < codec.dec_cap.count; b++) {
					snprintf(role, sizeof(role), "decoded[%u]", b);
					if (report_add(&report, role, codec.dec_cap.bufs[b].fd,
						       codec.dec_cap.heap_why) ||
					    (dec_tex[b] = gpu_import(&g, &codec.dec_cap.bufs[b],
								     false)) < 0)
						goto out;
				}
			tex = dec_tex[k];
		} else {
			tex = cam_tex[i];
		}
#ifdef HAVE_WAYLAND_PRESENT
		/* the compositor may still scan it out: draw once it let go */
		if (compositor && present_wait_idle(wl, target_wl[t]))
			goto out;
#endif
		t0 = now_ms();
		if (gpu_draw(&g, tex, target_img[t]))
			goto out;
		if (n > 1 || o.frames == 1)	/* frame 1 also compiles the shaders */
			draw_ms += now_ms() - t0;
		if (use_codec ? codec_release(&codec, (unsigned int)k) :
				v4l2_queue_qbuf(&cam, (unsigned int)i, 0))
			goto out;
#ifdef HAVE_WAYLAND_PRESENT
		if (compositor) {
			if (present_show(wl, target_wl[t]))
				goto out;
		} else
#endif
		if (display_show(&d, target_fb[t], targets[t].width, targets[t].height,
				 n == o.frames ? &fence : NULL))
			goto out;
		if (n == 1) {
			report_sample(&report);
			if (o.frames > 1)
				loop_start = now_ms();	/* steady state from frame 2 */
		}
	}
	t0 = now_ms() - loop_start;
	timed = o.frames > 1 ? o.frames - 1 : 1;
	printf("frames: %ld captured,%s composed by the GPU into XRGB8888 and shown on %s%s\n",
	       o.frames, use_codec ? " encoded, decoded," : "",
	       compositor ? "the Wayland compositor's display, " : "", display_driver);
	printf("timing: %ld frames after the first: GPU %.1f ms a frame (%.1f frames/s), whole chain %.1f frames/s (%s)\n",
	       timed, draw_ms / (double)timed, (double)timed * 1e3 / draw_ms,
	       (double)timed * 1e3 / t0, g.renderer);
#ifdef HAVE_WAYLAND_PRESENT
	if (compositor) {
		/* the compositor holds the targets now: the report lists it */
		if (present_hold(wl, 0))
			goto out;
		report_sample(&report);
		if (report_write(&report, o.report))
			goto out;
		if (hold) {
			printf("holding the last frame on screen for up to %u s (SIGTERM ends it)\n",
			       hold);
			if (present_hold(wl, hold))
				goto out;
		}
		ret = 0;
		goto out;
	}
#endif
	if (display_save_writeback(&d, fence, o.output))
		goto out;
	report_sample(&report);
	if (report_write(&report, o.report))
		goto out;
	ret = 0;
out:
#ifdef HAVE_WAYLAND_PRESENT
	present_close(wl);
#endif
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
