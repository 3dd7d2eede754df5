//go:build cgo

package gl

/*
#cgo pkg-config: gl x11
#include <stdlib.h>
#include <string.h>

// Declared here rather than taken from GL/glx.h, so that nothing but the
// libraries the binary already links (libGL through go-gl, libX11 through
// GLFW) is needed.
typedef unsigned long nf_XID;
typedef void (*nf_glXQueryDrawable_t)(void *dpy, nf_XID drawable, int attribute, unsigned int *value);
typedef const char *(*nf_glXQueryExtensionsString_t)(void *dpy, int screen);
extern void (*glXGetProcAddressARB(const unsigned char *name))(void);
extern int XDefaultScreen(void *dpy);

#define NF_GLX_BACK_BUFFER_AGE_EXT 0x20F4

static int nf_has_word(const char *list, const char *word) {
	size_t n = strlen(word);
	const char *p = list;
	while (p && (p = strstr(p, word)) != NULL) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

// nf_glx_has reports whether dpy's GLX (its default screen's) has the
// extension ext.
static int nf_glx_has(void *dpy, const char *ext) {
	nf_glXQueryExtensionsString_t qes = (nf_glXQueryExtensionsString_t)
		glXGetProcAddressARB((const unsigned char *)"glXQueryExtensionsString");
	return qes && nf_has_word(qes(dpy, XDefaultScreen(dpy)), ext);
}

// nf_glx_has_buffer_age reports whether dpy's GLX has GLX_EXT_buffer_age.
static int nf_glx_has_buffer_age(void *dpy) {
	return glXGetProcAddressARB((const unsigned char *)"glXQueryDrawable") && nf_glx_has(dpy, "GLX_EXT_buffer_age");
}

typedef void (*nf_glXCopySubBufferMESA_t)(void *dpy, nf_XID drawable, int x, int y, int width, int height);

// nf_glx_copy_sub_buffer returns glXCopySubBufferMESA where dpy's GLX has
// GLX_MESA_copy_sub_buffer, else NULL.
static void *nf_glx_copy_sub_buffer(void *dpy) {
	if (!nf_glx_has(dpy, "GLX_MESA_copy_sub_buffer"))
		return NULL;
	return (void *)glXGetProcAddressARB((const unsigned char *)"glXCopySubBufferMESA");
}

static void nf_glx_copy(void *fn, void *dpy, nf_XID drawable, int x, int y, int w, int h) {
	((nf_glXCopySubBufferMESA_t)fn)(dpy, drawable, x, y, w, h);
}

#define NF_GLX_RENDERER_ACCELERATED_MESA 0x8186
typedef int (*nf_glXQueryRendererIntegerMESA_t)(void *dpy, int screen, int renderer, int attribute, unsigned int *value);

// nf_glx_accelerated answers GLX_MESA_query_renderer's
// GLX_RENDERER_ACCELERATED_MESA for dpy's default screen: 1 or 0, and -1
// where GLX or the extension is missing. It needs no context.
static int nf_glx_accelerated(void *dpy) {
	if (!nf_glx_has(dpy, "GLX_MESA_query_renderer"))
		return -1;
	nf_glXQueryRendererIntegerMESA_t q = (nf_glXQueryRendererIntegerMESA_t)
		glXGetProcAddressARB((const unsigned char *)"glXQueryRendererIntegerMESA");
	unsigned int v = 0;
	if (!q || !q(dpy, XDefaultScreen(dpy), 0, NF_GLX_RENDERER_ACCELERATED_MESA, &v))
		return -1;
	return v != 0;
}

static unsigned int nf_glx_buffer_age(void *dpy, nf_XID drawable) {
	nf_glXQueryDrawable_t qd = (nf_glXQueryDrawable_t)
		glXGetProcAddressARB((const unsigned char *)"glXQueryDrawable");
	unsigned int age = 0;
	if (qd)
		qd(dpy, drawable, NF_GLX_BACK_BUFFER_AGE_EXT, &age);
	return age;
}
*/
import "C"

import (
	"image"
	"unsafe"
)

// GLXBufferAge reads the back buffer's age of a GLX drawable
// (GLX_EXT_buffer_age) for Blit. display is the X Display*, drawable the
// GLXWindow the context swaps (GLFW: GetX11Display, Window.GetGLXWindow).
// Call it on the thread where the context is current, before drawing.
type GLXBufferAge struct {
	dpy      unsafe.Pointer
	drawable uintptr
	ok       bool
}

// NewGLXBufferAge checks for GLX_EXT_buffer_age once. Without it (or with
// a nil display) Age always returns 0, and Blit copies everything.
func NewGLXBufferAge(display unsafe.Pointer, drawable uintptr) *GLXBufferAge {
	b := &GLXBufferAge{dpy: display, drawable: drawable}
	b.ok = display != nil && drawable != 0 && C.nf_glx_has_buffer_age(display) != 0
	return b
}

// Supported reports whether the extension is there.
func (b *GLXBufferAge) Supported() bool { return b.ok }

// Age is the back buffer's age: 0 when unknown.
func (b *GLXBufferAge) Age() int {
	if !b.ok {
		return 0
	}
	return int(C.nf_glx_buffer_age(b.dpy, C.nf_XID(b.drawable)))
}

// GLXCopySubBuffer copies a rectangle of a GLX drawable's back buffer to
// its front (GLX_MESA_copy_sub_buffer) without a swap: the back buffer
// keeps its contents, so a window can present only what changed. Mesa's
// software GLX (llvmpipe on Xvfb, VNC, a machine without a GPU) has it
// where it lacks buffer age, and there a swap sends the whole window to
// the X server.
type GLXCopySubBuffer struct {
	fn       unsafe.Pointer
	dpy      unsafe.Pointer
	drawable uintptr
}

// NewGLXCopySubBuffer returns nil where the extension is missing.
func NewGLXCopySubBuffer(display unsafe.Pointer, drawable uintptr) *GLXCopySubBuffer {
	if display == nil || drawable == 0 {
		return nil
	}
	fn := C.nf_glx_copy_sub_buffer(display)
	if fn == nil {
		return nil
	}
	return &GLXCopySubBuffer{fn: fn, dpy: display, drawable: drawable}
}

// Copy copies r (window pixels, origin top left) of a window winH pixels
// high from the back buffer to the front. Call it on the thread where the
// context is current.
func (c *GLXCopySubBuffer) Copy(r image.Rectangle, winH int) {
	if r.Empty() {
		return
	}
	C.nf_glx_copy(c.fn, c.dpy, C.nf_XID(c.drawable), C.int(r.Min.X), C.int(winH-r.Max.Y), C.int(r.Dx()), C.int(r.Dy()))
}

// GLXAccelerated reports whether the X display's GLX renderer is
// accelerated, without a context (GLX_MESA_query_renderer): Mesa answers
// false for llvmpipe and softpipe (Xvfb, VNC, a machine without a GPU),
// true for a GPU. known is false where GLX or the extension is missing
// (NVIDIA's driver, a display without GLX).
func GLXAccelerated(display unsafe.Pointer) (accelerated, known bool) {
	if display == nil {
		return false, false
	}
	switch C.nf_glx_accelerated(display) {
	case 0:
		return false, true
	case 1:
		return true, true
	}
	return false, false
}
