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
		{ "camera", required_argument, NULL, 'c' },
		{ "encoder", required_argument, NULL, 'e' },
		{ "decoder", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "frames", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "report", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *camera_name = "vivid-000-vid-cap", *encoder = "stateful-encoder";
	const char *decoder = "stateful-decoder", *output = "out/demo/decoded.png";
	const char *report_path = NULL;
	const struct dmaheap_format *format = dmaheap_format_get(DRM_FORMAT_NV12);
	unsigned int width = 640, height = 480;
	long nframes = 60;
	struct dmaheap_ctx *ctx = NULL;
	struct v4l2_queue cam = { .count = 0 };
	struct codec_pipe codec = { .enc_fd = -1, .dec_fd = -1 };
	struct report report;
	char cam_path[64], role[32];
	int cam_fd = -1, last = -1, opt, ret = -1;
	char *end;

	setvbuf(stdout, NULL, _IOLBF, 0);	/* logs stay in order, even after a crash */
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': camera_name = optarg; break;
		case 'e': encoder = optarg; break;
		case 'd': decoder = optarg; break;
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

	report_init(&report, "codec");
	if (!(ctx = dmaheap_ctx_create(0))) {
		fail("%s", dmaheap_last_error());
		goto out;
	}
	cam_fd = v4l2_open_by_name(camera_name, "load vivid (modprobe vivid) or pass --camera NAME",
				   cam_path);
	if (cam_fd < 0 || codec_open(&codec, encoder, decoder))
		goto out;
	v4l2_queue_init(&cam, cam_fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, "camera");
	if (v4l2_queue_set_format(&cam, v4l2_from_drm_fourcc(format->fourcc), width, height, 0) ||
	    v4l2_queue_alloc_heap(&cam, ctx, DMAHEAP_USAGE_CAMERA, NUM_BUFFERS, format->fourcc))
		goto out;
	printf("camera: %s (%s), %ux%u %s, %u buffers from heap %s (V4L2_MEMORY_DMABUF)\n",
	       camera_name, cam_path, cam.fmt.width, cam.fmt.height, format->drm_name,
	       cam.count, cam.heap);
	if (codec_setup(&codec, ctx, &cam, format->fourcc))
		goto out;
	for (unsigned int i = 0; i < cam.count; i++) {
		snprintf(role, sizeof(role), "camera[%u]", i);
		if (report_add(&report, role, cam.bufs[i].fd) || v4l2_queue_qbuf(&cam, i, 0))
			goto out;
	}
	for (unsigned int i = 0; i < codec.enc_cap.count; i++) {
		snprintf(role, sizeof(role), "fwht[%u]", i);
		if (report_add(&report, role, codec.enc_cap.bufs[i].fd))
			goto out;
	}
	if (v4l2_queue_stream(&cam, true))
		goto out;
	for (long n = 1; n <= nframes; n++) {
		int i = v4l2_queue_dqbuf(&cam, NULL), k;

		if (i < 0 || (k = codec_process(&codec, (unsigned int)i)) < 0 ||
		    v4l2_queue_qbuf(&cam, (unsigned int)i, 0))
			goto out;
		if (n == 1)
			for (unsigned int b = 0; b < codec.dec_cap.count; b++) {
				snprintf(role, sizeof(role), "decoded[%u]", b);
				if (report_add(&report, role, codec.dec_cap.bufs[b].fd))
					goto out;
			}
		if (n == 1 || n == nframes)
			report_sample(&report);
		if (last >= 0 && codec_release(&codec, (unsigned int)last))
			goto out;
		last = k;
	}
	printf("frames: %ld captured, encoded (%llu bytes of FWHT, %.1f%% of raw) and decoded\n",
	       nframes, (unsigned long long)codec.compressed_bytes,
	       100.0 * (double)codec.compressed_bytes /
	       ((double)nframes * codec.enc_out.fmt.sizeimage));
	if (report_write(&report, NULL) || (report_path && report_write(&report, report_path)))
		goto out;
	if (save_decoded(&codec.dec_cap.bufs[last], output))
		goto out;
	printf("output: %s (the last decoded frame, %ux%u, read with the CPU to save it)\n",
	       output, codec.dec_cap.fmt.width, codec.dec_cap.fmt.height);
	ret = 0;
out:
	v4l2_queue_release(&cam);
	codec_close(&codec);
	if (cam_fd >= 0)
		close(cam_fd);
	dmaheap_ctx_destroy(ctx);
	return ret ? 1 : 0;
}
