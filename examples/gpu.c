// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <gbm.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <xf86drm.h>
#include <dmaheap/format.h>

#include "gpu.h"

/*
 * No flip: in a framebuffer object GL's first row (window y = 0, pos.y = -1)
 * is the first row in memory, which is the top row of the dma-buf the
 * display scans out, and the texture's first row (v = 0) is the top row of
 * the camera's picture.
 */
static const char vertex_src[] =
	"attribute vec2 pos;\n"
	"varying vec2 uv;\n"
	"void main() {\n"
	"	uv = pos * 0.5 + 0.5;\n"
	"	gl_Position = vec4(pos, 0.0, 1.0);\n"
	"}\n";
/* samplerExternalOES: the driver does the YUV -> RGB conversion on sampling. */
static const char fragment_src[] =
	"#extension GL_OES_EGL_image_external : require\n"
	"precision mediump float;\n"
	"uniform samplerExternalOES tex;\n"
	"varying vec2 uv;\n"
	"void main() {\n"
	"	gl_FragColor = vec4(texture2D(tex, uv).rgb, 1.0);\n"
	"}\n";

/*
 * NV12 as two single-plane images, for drivers that import only one plane
 * per image (llvmpipe): Y as R8, CbCr as GR88 (R = Cb, G = Cr), converted
 * here. BT.601, limited range, as vivid and the codec produce.
 */
static const char fragment_yuv_src[] =
	"precision mediump float;\n"
	"uniform sampler2D tex, tex_uv;\n"
	"varying vec2 uv;\n"
	"void main() {\n"
	"	float y = 1.1644 * (texture2D(tex, uv).r - 0.0625);\n"
	"	vec2 c = texture2D(tex_uv, uv).rg - 0.5;\n"
	"	gl_FragColor = vec4(y + 1.5960 * c.y, y - 0.3918 * c.x - 0.8130 * c.y,\n"
	"			    y + 2.0172 * c.x, 1.0);\n"
	"}\n";

static bool has_ext(const char *list, const char *ext)
{
	size_t n = strlen(ext);

	for (const char *p = list; p && (p = strstr(p, ext)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

static GLuint compile(GLenum type, const char *src)
{
	GLuint s = glCreateShader(type);
	GLint ok = 0;
	char log[512] = "";

	glShaderSource(s, 1, &src, NULL);
	glCompileShader(s);
	glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
	if (!ok) {
		glGetShaderInfoLog(s, sizeof(log), NULL, log);
		fail("gpu: %s shader: %s", type == GL_VERTEX_SHADER ? "vertex" : "fragment", log);
		glDeleteShader(s);
		return 0;
	}
	return s;
}

static GLuint link_program(const char *fragment, const char *what)
{
	GLuint vs = compile(GL_VERTEX_SHADER, vertex_src);
	GLuint fs = vs ? compile(GL_FRAGMENT_SHADER, fragment) : 0;
	GLuint program;
	GLint ok = 0;

	if (!fs)
		return 0;
	program = glCreateProgram();
	glAttachShader(program, vs);
	glAttachShader(program, fs);
	glBindAttribLocation(program, 0, "pos");
	glLinkProgram(program);
	glDeleteShader(vs);
	glDeleteShader(fs);
	glGetProgramiv(program, GL_LINK_STATUS, &ok);
	if (!ok) {
		fail("gpu: the %s shader program does not link", what);
		glDeleteProgram(program);
		return 0;
	}
	return program;
}

static int make_programs(struct gpu *g)
{
	static const GLfloat quad[] = { -1, -1, 1, -1, -1, 1, 1, 1 };

	g->program = link_program(fragment_src, "external-texture");
	g->program_yuv = g->program ? link_program(fragment_yuv_src, "NV12") : 0;
	if (!g->program_yuv)
		return -1;
	glGenBuffers(1, &g->vbo);
	glBindBuffer(GL_ARRAY_BUFFER, g->vbo);
	glBufferData(GL_ARRAY_BUFFER, sizeof(quad), quad, GL_STATIC_DRAW);
	return 0;
}

/* EGL on GBM on the DRM device of driver (the display's file when shared). */
static int open_gbm(struct gpu *g, const char *driver, int share_fd)
{
	PFNEGLGETPLATFORMDISPLAYEXTPROC get_display =
		(PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
	const char *exts = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);

	if (share_fd >= 0) {
		g->drm_fd = fcntl(share_fd, F_DUPFD_CLOEXEC, 0);
		snprintf(g->where, sizeof(g->where), "GBM on the display's DRM file (%s)", driver);
	}
	for (int i = 0; i < 16 && g->drm_fd < 0; i++) {
		drmVersionPtr ver;
		char path[32];
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		snprintf(g->where, sizeof(g->where), "GBM on %s (%s)", path, driver);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		ver = drmGetVersion(fd);
		if (ver && !strcmp(ver->name, driver))
			g->drm_fd = fd;
		else
			close(fd);
		drmFreeVersion(ver);
	}
	if (g->drm_fd < 0)
		return fail("gpu: no DRM device with driver '%s' (on a board name its GPU driver; --gpu software for Mesa's software renderer)",
			    driver);
	g->gbm = gbm_create_device(g->drm_fd);
	if (!g->gbm)
		return fail("gpu: gbm_create_device on %s failed", g->where);
	if (!has_ext(exts, "EGL_MESA_platform_gbm") && !has_ext(exts, "EGL_KHR_platform_gbm"))
		return fail("gpu: EGL has no GBM platform (EGL_MESA_platform_gbm): install Mesa's libegl-mesa0");
	g->dpy = get_display ? get_display(EGL_PLATFORM_GBM_KHR, g->gbm, NULL) : EGL_NO_DISPLAY;
	return 0;
}

/*
 * Mesa's software device (EGL_MESA_device_software): llvmpipe with no DRM
 * device behind it. Since Mesa 24.1 it imports a dma-buf by mapping the
 * dma-buf itself (mmap of its fd), which every heap supports.
 */
static int open_software(struct gpu *g)
{
	PFNEGLGETPLATFORMDISPLAYEXTPROC get_display =
		(PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
	PFNEGLQUERYDEVICESEXTPROC query_devices =
		(PFNEGLQUERYDEVICESEXTPROC)eglGetProcAddress("eglQueryDevicesEXT");
	PFNEGLQUERYDEVICESTRINGEXTPROC query_string =
		(PFNEGLQUERYDEVICESTRINGEXTPROC)eglGetProcAddress("eglQueryDeviceStringEXT");
	const char *exts = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
	EGLDeviceEXT devices[16];
	EGLint n = 0;

	snprintf(g->where, sizeof(g->where), "Mesa's software device (no DRM device)");
	if (!has_ext(exts, "EGL_EXT_platform_device") || !get_display || !query_devices ||
	    !query_string)
		return fail("gpu: EGL has no device platform (EGL_EXT_platform_device, EGL_EXT_device_enumeration): install Mesa's libegl-mesa0");
	if (!query_devices(16, devices, &n))
		return fail("gpu: eglQueryDevicesEXT failed (error 0x%x)", eglGetError());
	for (EGLint i = 0; i < n && g->dpy == EGL_NO_DISPLAY; i++)
		if (has_ext(query_string(devices[i], EGL_EXTENSIONS), "EGL_MESA_device_software"))
			g->dpy = get_display(EGL_PLATFORM_DEVICE_EXT, devices[i], NULL);
	if (g->dpy == EGL_NO_DISPLAY)
		return fail("gpu: none of EGL's %d devices is Mesa's software device (EGL_MESA_device_software)",
			    (int)n);
	return 0;
}

/* EGL and a GLES 2 context on g->dpy, with no surface. */
static int init_egl(struct gpu *g, EGLint *major, EGLint *minor)
{
	static const EGLint ctx_attrs[] = { EGL_CONTEXT_CLIENT_VERSION, 2, EGL_NONE };
	const char *exts;

	if (g->dpy == EGL_NO_DISPLAY || !eglInitialize(g->dpy, major, minor))
		return fail("gpu: EGL on %s does not initialise (error 0x%x)", g->where,
			    eglGetError());
	exts = eglQueryString(g->dpy, EGL_EXTENSIONS);
	if (!has_ext(exts, "EGL_EXT_image_dma_buf_import"))
		return fail("gpu: EGL on %s cannot import dma-bufs (no EGL_EXT_image_dma_buf_import; Mesa's software renderer can from Mesa 24.1 on: testbed/mesa-backports)",
			    g->where);
	if (!has_ext(exts, "EGL_KHR_surfaceless_context") || !has_ext(exts, "EGL_KHR_no_config_context"))
		return fail("gpu: this EGL needs EGL_KHR_surfaceless_context and EGL_KHR_no_config_context");
	if (!eglBindAPI(EGL_OPENGL_ES_API))
		return fail("gpu: no OpenGL ES in this EGL");
	g->ctx = eglCreateContext(g->dpy, EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, ctx_attrs);
	if (g->ctx == EGL_NO_CONTEXT ||
	    !eglMakeCurrent(g->dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, g->ctx))
		return fail("gpu: no GLES 2 context (error 0x%x)", eglGetError());
	if (!has_ext((const char *)glGetString(GL_EXTENSIONS), "GL_OES_EGL_image_external"))
		return fail("gpu: GLES lacks GL_OES_EGL_image_external");
	g->create_image = (PFNEGLCREATEIMAGEKHRPROC)eglGetProcAddress("eglCreateImageKHR");
	g->destroy_image = (PFNEGLDESTROYIMAGEKHRPROC)eglGetProcAddress("eglDestroyImageKHR");
	g->image_target_texture =
		(PFNGLEGLIMAGETARGETTEXTURE2DOESPROC)eglGetProcAddress("glEGLImageTargetTexture2DOES");
	if (!g->create_image || !g->destroy_image || !g->image_target_texture)
		return fail("gpu: EGLImage entry points missing");
	g->renderer = (const char *)glGetString(GL_RENDERER);
	g->software = strstr(g->renderer, "llvmpipe") || strstr(g->renderer, "softpipe");
	return 0;
}

static void gpu_reset(struct gpu *g)
{
	memset(g, 0, sizeof(*g));
	g->drm_fd = -1;
	g->dpy = EGL_NO_DISPLAY;
	g->ctx = EGL_NO_CONTEXT;
}

int gpu_open(struct gpu *g, const char *driver, int share_fd)
{
	EGLint major = 0, minor = 0;
	int ret;

	gpu_reset(g);
	if (!strcmp(driver, "auto")) {
		/*
		 * The display's own device first: a GPU behind it (i.MX, Rockchip:
		 * kmsro) renders there. Mesa's software renderer on a KMS device
		 * (kms_swrast) cannot map imported dma-bufs (see probe_cpu_mapping),
		 * so if that is all there is, use the software device instead.
		 */
		if (share_fd >= 0 && !open_gbm(g, "the display's driver", share_fd) &&
		    !init_egl(g, &major, &minor) && !g->software) {
			driver = "the display's device";
		} else {
			if (g->software)
				printf("gpu: GBM on the display's device renders with %s through kms_swrast, which maps imported dma-bufs with DRM_IOCTL_MODE_MAP_DUMB (refused for imported buffers): using Mesa's software device, which maps them itself\n",
				       g->renderer);
			else if (share_fd >= 0)
				printf("gpu: EGL on GBM on the display's device did not come up (above): using Mesa's software device\n");
			gpu_close(g);
			gpu_reset(g);
			driver = "software";
		}
	}
	g->driver = driver;
	if (g->ctx == EGL_NO_CONTEXT) {
		ret = !strcmp(driver, "software") ? open_software(g) : open_gbm(g, driver, share_fd);
		if (ret || init_egl(g, &major, &minor))
			return -1;
	}
	printf("gpu: EGL %d.%d on %s, %s, renderer %s\n", major, minor, g->where,
	       (const char *)glGetString(GL_VERSION), g->renderer);
	return make_programs(g);
}

/*
 * Mesa's software renderer on a KMS device (kms_swrast) reads and writes an
 * imported dma-buf through DRM_IOCTL_MODE_MAP_DUMB on its GEM handle, which
 * Linux refuses for imported objects (drm_gem_dumb_map_offset): Mesa 22.3
 * then renders through a NULL mapping and crashes, and Mesa 25 still maps
 * that way on a KMS device (only its software device maps the dma-buf
 * itself). Ask the same question first (same DRM file, so the handle is the
 * one Mesa will get) and fail with a message instead.
 */
static int probe_cpu_mapping(struct gpu *g, const struct image *img)
{
	struct drm_mode_map_dumb map = { 0 };

	if (drmPrimeFDToHandle(g->drm_fd, img->fd, &map.handle))
		return fail("gpu: %s cannot import a dma-buf: %s", g->where, strerror(errno));
	if (drmIoctl(g->drm_fd, DRM_IOCTL_MODE_MAP_DUMB, &map))
		return fail("gpu: the renderer is %s (software, kms_swrast on %s), which maps imported dma-bufs with DRM_IOCTL_MODE_MAP_DUMB, and the kernel refuses that for imported buffers (%s): use --gpu software (Mesa >= 24.1) or a hardware GPU driver (--gpu DRIVER)",
			    g->renderer, g->where, strerror(errno));
	return 0;
}

/* One EGLImage of a dma-buf: planes [first, first + count) of img, as fourcc. */
static EGLImageKHR create_image(struct gpu *g, const struct image *img, uint32_t fourcc,
				unsigned int first, unsigned int count, uint32_t width,
				uint32_t height)
{
	static const EGLint fd_key[] = { EGL_DMA_BUF_PLANE0_FD_EXT, EGL_DMA_BUF_PLANE1_FD_EXT,
					 EGL_DMA_BUF_PLANE2_FD_EXT };
	static const EGLint offset_key[] = { EGL_DMA_BUF_PLANE0_OFFSET_EXT,
					     EGL_DMA_BUF_PLANE1_OFFSET_EXT,
					     EGL_DMA_BUF_PLANE2_OFFSET_EXT };
	static const EGLint pitch_key[] = { EGL_DMA_BUF_PLANE0_PITCH_EXT,
					    EGL_DMA_BUF_PLANE1_PITCH_EXT,
					    EGL_DMA_BUF_PLANE2_PITCH_EXT };
	EGLint attrs[64];
	unsigned int n = 0;

	attrs[n++] = EGL_WIDTH, attrs[n++] = (EGLint)width;
	attrs[n++] = EGL_HEIGHT, attrs[n++] = (EGLint)height;
	attrs[n++] = EGL_LINUX_DRM_FOURCC_EXT, attrs[n++] = (EGLint)fourcc;
	for (unsigned int p = 0; p < count; p++) {
		attrs[n++] = fd_key[p], attrs[n++] = img->fd;
		attrs[n++] = offset_key[p], attrs[n++] = (EGLint)img->offset[first + p];
		attrs[n++] = pitch_key[p], attrs[n++] = (EGLint)img->pitch[first + p];
	}
	if (fourcc == DRM_FORMAT_NV12) {
		/* What vivid and the codec produce: BT.601, limited range. */
		attrs[n++] = EGL_YUV_COLOR_SPACE_HINT_EXT, attrs[n++] = EGL_ITU_REC601_EXT;
		attrs[n++] = EGL_SAMPLE_RANGE_HINT_EXT, attrs[n++] = EGL_YUV_NARROW_RANGE_EXT;
	}
	attrs[n] = EGL_NONE;
	return g->create_image(g->dpy, EGL_NO_CONTEXT, EGL_LINUX_DMA_BUF_EXT, NULL, attrs);
}

static GLuint texture_of(struct gpu *g, GLenum target, EGLImageKHR image)
{
	GLuint texture;

	glGenTextures(1, &texture);
	glBindTexture(target, texture);
	g->image_target_texture(target, image);
	glTexParameteri(target, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
	glTexParameteri(target, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
	glTexParameteri(target, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
	glTexParameteri(target, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
	return texture;
}

int gpu_import(struct gpu *g, const struct image *img, bool target)
{
	struct gpu_image *gi;
	char fourcc[5];

	if (g->num_images == GPU_MAX_IMAGES || img->num_planes > 3)
		return fail("gpu: too many images or planes");
	gi = &g->images[g->num_images];
	if (g->software && g->gbm && probe_cpu_mapping(g, img) < 0)
		return -1;
	gi->fd = img->fd;
	gi->width = img->width;
	gi->height = img->height;
	gi->image = gi->image_uv = EGL_NO_IMAGE_KHR;
	if (!(target || img->fourcc != DRM_FORMAT_NV12 || g->split_nv12))
		gi->image = create_image(g, img, img->fourcc, 0, img->num_planes, img->width,
					 img->height);
	if (gi->image == EGL_NO_IMAGE_KHR && !target && img->fourcc == DRM_FORMAT_NV12) {
		/*
		 * A driver that imports one plane per image (llvmpipe, Mesa 25):
		 * the same dma-buf as two images, Y and CbCr, converted by the
		 * shader. Still no copy: both sample the dma-buf itself.
		 */
		if (!g->split_nv12)
			printf("gpu: %s imports NV12 only plane by plane: Y as R8, CbCr as GR88 from the same dma-buf, converted to RGB by the shader\n",
			       g->renderer);
		g->split_nv12 = true;
		gi->image = create_image(g, img, DRM_FORMAT_R8, 0, 1, img->width, img->height);
		gi->image_uv = gi->image == EGL_NO_IMAGE_KHR ? EGL_NO_IMAGE_KHR :
			create_image(g, img, DRM_FORMAT_GR88, 1, 1, (img->width + 1) / 2,
				     (img->height + 1) / 2);
		if (gi->image_uv == EGL_NO_IMAGE_KHR && gi->image != EGL_NO_IMAGE_KHR) {
			g->destroy_image(g->dpy, gi->image);
			gi->image = EGL_NO_IMAGE_KHR;
		}
	} else if (gi->image == EGL_NO_IMAGE_KHR) {
		gi->image = create_image(g, img, img->fourcc, 0, img->num_planes, img->width,
					 img->height);
	}
	if (gi->image == EGL_NO_IMAGE_KHR)
		return fail("gpu: EGL on %s refused to import a %ux%u %s dma-buf as %s (error 0x%x)",
			    g->where, img->width, img->height,
			    dmaheap_fourcc_str(img->fourcc, fourcc),
			    target ? "a render target" : "a texture", eglGetError());
	if (target) {
		gi->texture = texture_of(g, GL_TEXTURE_2D, gi->image);
		glGenFramebuffers(1, &gi->fbo);
		glBindFramebuffer(GL_FRAMEBUFFER, gi->fbo);
		glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D,
				       gi->texture, 0);
		if (glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE)
			return fail("gpu: a %s dma-buf is not a complete render target (0x%x)",
				    dmaheap_fourcc_str(img->fourcc, fourcc),
				    glCheckFramebufferStatus(GL_FRAMEBUFFER));
	} else if (gi->image_uv != EGL_NO_IMAGE_KHR) {
		gi->texture = texture_of(g, GL_TEXTURE_2D, gi->image);
		gi->texture_uv = texture_of(g, GL_TEXTURE_2D, gi->image_uv);
	} else {
		gi->texture = texture_of(g, GL_TEXTURE_EXTERNAL_OES, gi->image);
	}
	g->num_images++;	/* gpu_close() releases it from here on */
	if (glGetError() != GL_NO_ERROR)
		return fail("gpu: binding the imported %s image failed",
			    dmaheap_fourcc_str(img->fourcc, fourcc));
	return (int)g->num_images - 1;
}

int gpu_draw(struct gpu *g, int source, int target)
{
	const struct gpu_image *src = &g->images[source], *dst = &g->images[target];
	bool split = src->image_uv != EGL_NO_IMAGE_KHR;
	GLuint program = split ? g->program_yuv : g->program;

	glBindFramebuffer(GL_FRAMEBUFFER, dst->fbo);
	glViewport(0, 0, (GLsizei)dst->width, (GLsizei)dst->height);
	glUseProgram(program);
	glActiveTexture(GL_TEXTURE0);
	glBindTexture(split ? GL_TEXTURE_2D : GL_TEXTURE_EXTERNAL_OES, src->texture);
	glUniform1i(glGetUniformLocation(program, "tex"), 0);
	if (split) {
		glActiveTexture(GL_TEXTURE1);
		glBindTexture(GL_TEXTURE_2D, src->texture_uv);
		glUniform1i(glGetUniformLocation(program, "tex_uv"), 1);
	}
	glBindBuffer(GL_ARRAY_BUFFER, g->vbo);
	glEnableVertexAttribArray(0);
	glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, NULL);
	glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
	/* The display reads the target next and the source is refilled: wait. */
	glFinish();
	if (glGetError() != GL_NO_ERROR)
		return fail("gpu: drawing failed");
	return 0;
}

void gpu_close(struct gpu *g)
{
	if (g->dpy != EGL_NO_DISPLAY) {
		for (unsigned int i = 0; i < g->num_images; i++) {
			const struct gpu_image *gi = &g->images[i];

			glDeleteFramebuffers(1, &gi->fbo);
			glDeleteTextures(1, &gi->texture);
			glDeleteTextures(1, &gi->texture_uv);
			g->destroy_image(g->dpy, gi->image);
			if (gi->image_uv != EGL_NO_IMAGE_KHR)
				g->destroy_image(g->dpy, gi->image_uv);
		}
		if (g->program)
			glDeleteProgram(g->program);
		if (g->program_yuv)
			glDeleteProgram(g->program_yuv);
		if (g->vbo)
			glDeleteBuffers(1, &g->vbo);
		eglMakeCurrent(g->dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
		if (g->ctx != EGL_NO_CONTEXT)
			eglDestroyContext(g->dpy, g->ctx);
		eglTerminate(g->dpy);
	}
	if (g->gbm)
		gbm_device_destroy(g->gbm);
	if (g->drm_fd >= 0)
		close(g->drm_fd);
	g->drm_fd = -1;
	g->dpy = EGL_NO_DISPLAY;
	g->ctx = EGL_NO_CONTEXT;
	g->gbm = NULL;
	g->num_images = 0;
}
