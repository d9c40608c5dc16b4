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

static const char vertex_src[] =
	"attribute vec2 pos;\n"
	"varying vec2 uv;\n"
	"void main() {\n"
	"	uv = vec2(pos.x * 0.5 + 0.5, 0.5 - pos.y * 0.5);\n"
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

static int make_program(struct gpu *g)
{
	static const GLfloat quad[] = { -1, -1, 1, -1, -1, 1, 1, 1 };
	GLuint vs = compile(GL_VERTEX_SHADER, vertex_src);
	GLuint fs = vs ? compile(GL_FRAGMENT_SHADER, fragment_src) : 0;
	GLint ok = 0;

	if (!fs)
		return -1;
	g->program = glCreateProgram();
	glAttachShader(g->program, vs);
	glAttachShader(g->program, fs);
	glBindAttribLocation(g->program, 0, "pos");
	glLinkProgram(g->program);
	glDeleteShader(vs);
	glDeleteShader(fs);
	glGetProgramiv(g->program, GL_LINK_STATUS, &ok);
	if (!ok)
		return fail("gpu: the shader program does not link");
	glGenBuffers(1, &g->vbo);
	glBindBuffer(GL_ARRAY_BUFFER, g->vbo);
	glBufferData(GL_ARRAY_BUFFER, sizeof(quad), quad, GL_STATIC_DRAW);
	return 0;
}

int gpu_open(struct gpu *g, const char *driver, int share_fd)
{
	static const EGLint ctx_attrs[] = { EGL_CONTEXT_CLIENT_VERSION, 2, EGL_NONE };
	PFNEGLGETPLATFORMDISPLAYEXTPROC get_display;
	const char *exts;
	EGLint major, minor;

	memset(g, 0, sizeof(*g));
	g->drm_fd = -1;
	g->driver = driver;
	g->dpy = EGL_NO_DISPLAY;
	if (share_fd >= 0) {
		g->drm_fd = fcntl(share_fd, F_DUPFD_CLOEXEC, 0);
		snprintf(g->path, sizeof(g->path), "the display's DRM file");
	}
	for (int i = 0; i < 16 && g->drm_fd < 0; i++) {
		drmVersionPtr ver;
		int fd;

		snprintf(g->path, sizeof(g->path), "/dev/dri/card%d", i);
		fd = open(g->path, O_RDWR | O_CLOEXEC);
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
		return fail("gpu: no DRM device with driver '%s' (the test guest has vkms and vgem; on a board name its GPU driver)",
			    driver);
	g->gbm = gbm_create_device(g->drm_fd);
	if (!g->gbm)
		return fail("gpu: gbm_create_device on %s failed", g->path);
	exts = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
	get_display = (PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
	if (!has_ext(exts, "EGL_MESA_platform_gbm") && !has_ext(exts, "EGL_KHR_platform_gbm"))
		return fail("gpu: EGL has no GBM platform (EGL_MESA_platform_gbm): install Mesa's libegl-mesa0");
	g->dpy = get_display ? get_display(EGL_PLATFORM_GBM_KHR, g->gbm, NULL) : EGL_NO_DISPLAY;
	if (g->dpy == EGL_NO_DISPLAY || !eglInitialize(g->dpy, &major, &minor))
		return fail("gpu: EGL on GBM (%s) does not initialise (error 0x%x)", g->path, eglGetError());
	exts = eglQueryString(g->dpy, EGL_EXTENSIONS);
	if (!has_ext(exts, "EGL_EXT_image_dma_buf_import"))
		return fail("gpu: this EGL cannot import dma-bufs (no EGL_EXT_image_dma_buf_import)");
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
	printf("gpu: EGL %d.%d on GBM (%s, %s), %s, renderer %s\n", major, minor, driver, g->path,
	       (const char *)glGetString(GL_VERSION), g->renderer);
	return make_program(g);
}

/*
 * Mesa's software renderer on a KMS device (kms_swrast) reads and writes an
 * imported dma-buf through DRM_IOCTL_MODE_MAP_DUMB on its GEM handle, which
 * Linux 6.1 refuses for imported objects (drm_gem_dumb_map_offset): Mesa
 * 22.3 then renders through a NULL mapping and crashes. Ask the same
 * question first (same DRM file, so the handle is the one Mesa will get) and
 * fail with a message instead.
 */
static int probe_cpu_mapping(struct gpu *g, const struct image *img)
{
	struct drm_mode_map_dumb map = { 0 };

	if (drmPrimeFDToHandle(g->drm_fd, img->fd, &map.handle))
		return fail("gpu: %s cannot import a dma-buf: %s", g->driver, strerror(errno));
	if (drmIoctl(g->drm_fd, DRM_IOCTL_MODE_MAP_DUMB, &map))
		return fail("gpu: the renderer is %s (software, kms_swrast), which maps imported dma-bufs with DRM_IOCTL_MODE_MAP_DUMB, and %s refuses that for imported buffers (%s): use a hardware GPU driver (--gpu DRIVER) or a Mesa whose llvmpipe maps the dma-buf itself",
			    g->renderer, g->driver, strerror(errno));
	return 0;
}

int gpu_import(struct gpu *g, const struct image *img, bool target)
{
	static const EGLint fd_key[] = { EGL_DMA_BUF_PLANE0_FD_EXT, EGL_DMA_BUF_PLANE1_FD_EXT,
					 EGL_DMA_BUF_PLANE2_FD_EXT };
	static const EGLint offset_key[] = { EGL_DMA_BUF_PLANE0_OFFSET_EXT,
					     EGL_DMA_BUF_PLANE1_OFFSET_EXT,
					     EGL_DMA_BUF_PLANE2_OFFSET_EXT };
	static const EGLint pitch_key[] = { EGL_DMA_BUF_PLANE0_PITCH_EXT,
					    EGL_DMA_BUF_PLANE1_PITCH_EXT,
					    EGL_DMA_BUF_PLANE2_PITCH_EXT };
	struct gpu_image *gi;
	EGLint attrs[64];
	unsigned int n = 0;
	char fourcc[5];

	if (g->num_images == GPU_MAX_IMAGES || img->num_planes > 3)
		return fail("gpu: too many images or planes");
	gi = &g->images[g->num_images];
	if (g->software && probe_cpu_mapping(g, img) < 0)
		return -1;
	attrs[n++] = EGL_WIDTH, attrs[n++] = (EGLint)img->width;
	attrs[n++] = EGL_HEIGHT, attrs[n++] = (EGLint)img->height;
	attrs[n++] = EGL_LINUX_DRM_FOURCC_EXT, attrs[n++] = (EGLint)img->fourcc;
	for (unsigned int p = 0; p < img->num_planes; p++) {
		attrs[n++] = fd_key[p], attrs[n++] = img->fd;
		attrs[n++] = offset_key[p], attrs[n++] = (EGLint)img->offset[p];
		attrs[n++] = pitch_key[p], attrs[n++] = (EGLint)img->pitch[p];
	}
	if (img->fourcc == DRM_FORMAT_NV12) {
		/* What vivid and the codec produce: BT.601, limited range. */
		attrs[n++] = EGL_YUV_COLOR_SPACE_HINT_EXT, attrs[n++] = EGL_ITU_REC601_EXT;
		attrs[n++] = EGL_SAMPLE_RANGE_HINT_EXT, attrs[n++] = EGL_YUV_NARROW_RANGE_EXT;
	}
	attrs[n] = EGL_NONE;
	gi->image = g->create_image(g->dpy, EGL_NO_CONTEXT, EGL_LINUX_DMA_BUF_EXT, NULL, attrs);
	if (gi->image == EGL_NO_IMAGE_KHR)
		return fail("gpu: EGL refused to import a %ux%u %s dma-buf as %s (error 0x%x)",
			    img->width, img->height, dmaheap_fourcc_str(img->fourcc, fourcc),
			    target ? "a render target" : "a texture", eglGetError());
	gi->fd = img->fd;
	gi->width = img->width;
	gi->height = img->height;
	glGenTextures(1, &gi->texture);
	if (target) {
		glBindTexture(GL_TEXTURE_2D, gi->texture);
		g->image_target_texture(GL_TEXTURE_2D, gi->image);
		glGenFramebuffers(1, &gi->fbo);
		glBindFramebuffer(GL_FRAMEBUFFER, gi->fbo);
		glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D,
				       gi->texture, 0);
		if (glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE)
			return fail("gpu: a %s dma-buf is not a complete render target (0x%x)",
				    dmaheap_fourcc_str(img->fourcc, fourcc),
				    glCheckFramebufferStatus(GL_FRAMEBUFFER));
	} else {
		glBindTexture(GL_TEXTURE_EXTERNAL_OES, gi->texture);
		g->image_target_texture(GL_TEXTURE_EXTERNAL_OES, gi->image);
		glTexParameteri(GL_TEXTURE_EXTERNAL_OES, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
		glTexParameteri(GL_TEXTURE_EXTERNAL_OES, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
	}
	if (glGetError() != GL_NO_ERROR)
		return fail("gpu: binding the imported %s image failed",
			    dmaheap_fourcc_str(img->fourcc, fourcc));
	return (int)g->num_images++;
}

int gpu_draw(struct gpu *g, int source, int target)
{
	const struct gpu_image *src = &g->images[source], *dst = &g->images[target];

	glBindFramebuffer(GL_FRAMEBUFFER, dst->fbo);
	glViewport(0, 0, (GLsizei)dst->width, (GLsizei)dst->height);
	glUseProgram(g->program);
	glActiveTexture(GL_TEXTURE0);
	glBindTexture(GL_TEXTURE_EXTERNAL_OES, src->texture);
	glUniform1i(glGetUniformLocation(g->program, "tex"), 0);
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
			glDeleteFramebuffers(1, &g->images[i].fbo);
			glDeleteTextures(1, &g->images[i].texture);
			g->destroy_image(g->dpy, g->images[i].image);
		}
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
	g->gbm = NULL;
}
