// SPDX-License-Identifier: MIT
#include <dmaheap/format.h>
#include <drm_fourcc.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"
#include "v4l2.h"

void example_options_init(struct example_options *o, const char *output)
{
	*o = (struct example_options){
		.camera = "vivid-000-vid-cap",
		.encoder = "stateful-encoder",
		.decoder = "stateful-decoder",
		.output = output,
		.width = 640,
		.height = 480,
		.frames = 60,
		.format = dmaheap_format_get(DRM_FORMAT_NV12),
	};
}

int example_option(struct example_options *o, int opt, const char *arg)
{
	char *end;

	switch (opt) {
	case 'c': o->camera = arg; return 1;
	case 'e': o->encoder = arg; return 1;
	case 'd': o->decoder = arg; return 1;
	case 'o': o->output = arg; return 1;
	case 'r': o->report = arg; return 1;
	case 's':
		if (sscanf(arg, "%ux%u", &o->width, &o->height) != 2 || !o->width || !o->height)
			return fail("--size wants WxH, e.g. 640x480, not '%s'", arg);
		return 1;
	case 'f':
		o->format = dmaheap_format_from_name(arg);
		if (!o->format || !v4l2_from_drm_fourcc(o->format->fourcc))
			return fail("--format: '%s' is not NV12 or XRGB8888", arg);
		return 1;
	case 'n':
		o->frames = strtol(arg, &end, 10);
		if (*end || o->frames < 1 || o->frames > 100000)
			return fail("--frames wants a number from 1, not '%s'", arg);
		return 1;
	default:
		return 0;
	}
}

int fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

int make_parent_dirs(const char *path)
{
	char dir[4096];

	snprintf(dir, sizeof(dir), "%s", path);
	for (char *p = strchr(dir + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST)
			return fail("mkdir %s: %s", dir, strerror(errno));
		*p = '/';
	}
	return 0;
}
