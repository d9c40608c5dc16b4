// SPDX-License-Identifier: MIT
/*
 * codec - camera frames through a stateful encoder and decoder, every buffer
 * a dma-buf from a heap and every queue in DMABUF mode: the camera writes a
 * heap buffer, the encoder reads that same buffer, writes a compressed heap
 * buffer that the decoder reads as it is, and the decoder writes a raw heap
 * buffer. The last decoded frame is saved as a PNG (read with the CPU only
 * to look at it, after the report is taken).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "image.h"
#include "report.h"
#include "vicodec.h"

#define NUM_BUFFERS 4

static void usage(FILE *out)
{
	fprintf(out,
		"usage: codec [OPTIONS]\n\n"
		"Capture frames from a V4L2 camera into heap buffers, encode and decode\n"
		"each with a stateful codec (vicodec's FWHT), all queues in DMABUF mode\n"
		"on heap buffers, and save the last decoded frame as a PNG.\n\n"
		"  --camera NAME     camera's V4L2 name (default vivid-000-vid-cap)\n"
		"  --encoder NAME    encoder's V4L2 name (default stateful-encoder)\n"
		"  --decoder NAME    decoder's V4L2 name (default stateful-decoder)\n"
		"  --size WxH        frame size (default 640x480)\n"
		"  --format FOURCC   NV12 (default) or XRGB8888\n"
		"  --frames N        frames (default 60)\n"
		"  --output FILE     PNG of the last decoded frame (default out/demo/decoded.png)\n"
		"  --report FILE     append the buffer report to FILE\n"
		"  -h, --help        this text\n\n"
		"Heaps: libdmaheap's policy, usages camera and codec (DMAHEAP_HEAPS).\n"
		"Exit status: 0 success, 1 failure, 2 bad usage.\n");
}

static int save_decoded(const struct image *img, const char *path)
{
	uint8_t *map;
	int ret;

	if (dmaheap_cpu_begin(img->fd, DMAHEAP_ACCESS_READ))
		return fail("decoded frame: %s", dmaheap_last_error());
	map = mmap(NULL, img->size, PROT_READ, MAP_SHARED, img->fd, 0);
	if (map == MAP_FAILED) {
		dmaheap_cpu_end(img->fd, DMAHEAP_ACCESS_READ);
		return fail("decoded frame: mmap failed");
	}
	if (img->fourcc == DRM_FORMAT_NV12)
		ret = image_write_png_nv12(path, map, img->pitch[0], map + img->offset[1],
					   img->pitch[1], img->width, img->height);
	else
		ret = image_write_png_xrgb(path, (const uint32_t *)map, img->pitch[0],
					   img->width, img->height);
	munmap(map, img->size);
	dmaheap_cpu_end(img->fd, DMAHEAP_ACCESS_READ);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		EXAMPLE_OPT_CAMERA, EXAMPLE_OPT_ENCODER, EXAMPLE_OPT_DECODER,
		EXAMPLE_OPT_SIZE, EXAMPLE_OPT_FORMAT, EXAMPLE_OPT_FRAMES,
		EXAMPLE_OPT_OUTPUT, EXAMPLE_OPT_REPORT, EXAMPLE_OPT_HELP,
		{ 0 },
	};
	struct example_options o;
	struct dmaheap_ctx *ctx = NULL;
	struct v4l2_queue cam = { .count = 0 };
	struct codec_pipe codec = { .enc_fd = -1, .dec_fd = -1, .sink_fd = -1 };
	struct report report;
	char cam_path[64], role[32];
	int cam_fd = -1, last = -1, opt, ret = -1;

	setvbuf(stdout, NULL, _IOLBF, 0);	/* logs stay in order, even after a crash */
	example_options_init(&o, "out/demo/decoded.png");
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (example_option(&o, opt, optarg)) {
		case 1: continue;
		case -1: return 2;
		}
		switch (opt) {
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc)
		return fail("unexpected argument '%s' (see --help)", argv[optind]), 2;

	report_init(&report, "codec");
	if (!(ctx = dmaheap_ctx_create(0))) {
		fail("%s", dmaheap_last_error());
		goto out;
	}
	cam_fd = v4l2_open_by_name(o.camera, "load vivid (modprobe vivid) or pass --camera NAME",
				   cam_path);
	if (cam_fd < 0 || codec_open(&codec, o.encoder, o.decoder))
		goto out;
	v4l2_queue_init(&cam, cam_fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, "camera");
	if (v4l2_queue_set_format(&cam, v4l2_from_drm_fourcc(o.format->fourcc), o.width, o.height, 0) ||
	    v4l2_queue_alloc_heap(&cam, ctx, DMAHEAP_USAGE_CAMERA, &codec.enc_fd, 1, NUM_BUFFERS,
				  o.format->fourcc))
		goto out;
	printf("camera: %s (%s), %ux%u %s, %u buffers from heap %s (V4L2_MEMORY_DMABUF)\n",
	       o.camera, cam_path, cam.fmt.width, cam.fmt.height, o.format->drm_name,
	       cam.count, cam.heap);
	if (codec_setup(&codec, ctx, &cam, o.format->fourcc))
		goto out;
	for (unsigned int i = 0; i < cam.count; i++) {
		snprintf(role, sizeof(role), "camera[%u]", i);
		if (report_add(&report, role, cam.bufs[i].fd, cam.heap_why) || v4l2_queue_qbuf(&cam, i, 0))
			goto out;
	}
	for (unsigned int i = 0; i < codec.enc_cap.count; i++) {
		snprintf(role, sizeof(role), "fwht[%u]", i);
		if (report_add(&report, role, codec.enc_cap.bufs[i].fd, codec.enc_cap.heap_why))
			goto out;
	}
	if (v4l2_queue_stream(&cam, true))
		goto out;
	for (long n = 1; n <= o.frames; n++) {
		int i = v4l2_queue_dqbuf(&cam, NULL), k;

		if (i < 0 || (k = codec_process(&codec, (unsigned int)i)) < 0 ||
		    v4l2_queue_qbuf(&cam, (unsigned int)i, 0))
			goto out;
		if (n == 1)
			for (unsigned int b = 0; b < codec.dec_cap.count; b++) {
				snprintf(role, sizeof(role), "decoded[%u]", b);
				if (report_add(&report, role, codec.dec_cap.bufs[b].fd, codec.dec_cap.heap_why))
					goto out;
			}
		if (n == 1 || n == o.frames)
			report_sample(&report);
		if (last >= 0 && codec_release(&codec, (unsigned int)last))
			goto out;
		last = k;
	}
	printf("frames: %ld captured, encoded (%llu bytes of FWHT, %.1f%% of raw) and decoded\n",
	       o.frames, (unsigned long long)codec.compressed_bytes,
	       100.0 * (double)codec.compressed_bytes /
	       ((double)o.frames * codec.enc_out.fmt.sizeimage));
	if (report_write(&report, o.report))
		goto out;
	if (save_decoded(&codec.dec_cap.bufs[last], o.output))
		goto out;
	printf("output: %s (the last decoded frame, %ux%u, read with the CPU to save it)\n",
	       o.output, codec.dec_cap.fmt.width, codec.dec_cap.fmt.height);
	ret = 0;
out:
	v4l2_queue_release(&cam);
	codec_close(&codec);
	if (cam_fd >= 0)
		close(cam_fd);
	dmaheap_ctx_destroy(ctx);
	return ret ? 1 : 0;
}
