//go:build cgo

// Package egl makes an OpenGL 3.3 core context that needs no window and no
// display server: Mesa's EGL surfaceless platform
// (EGL_MESA_platform_surfaceless). The context has no default framebuffer;
// render into a framebuffer object. render/gl uses it for the headless GL
// renderer, its tests and its benchmarks.
//
// A context is current on one OS thread at a time: call New and every GL
// function on a goroutine that called runtime.LockOSThread.
package egl

/*
#cgo pkg-config: egl
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <stdlib.h>
#include <string.h>

#ifndef EGL_PLATFORM_SURFACELESS_MESA
#define EGL_PLATFORM_SURFACELESS_MESA 0x31DD
#endif

typedef struct {
	EGLDisplay dpy;
	EGLContext ctx;
	EGLint err;
	int step;
} nf_egl;

static int nf_has_ext(const char *exts, const char *name) {
	size_t n = strlen(name);
	const char *p = exts;
	while (p && (p = strstr(p, name)) != NULL) {
		if ((p == exts || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

static void nf_egl_open(nf_egl *e) {
	e->dpy = EGL_NO_DISPLAY;
	e->ctx = EGL_NO_CONTEXT;
	e->err = EGL_SUCCESS;
	const char *exts = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
	if (!exts || !nf_has_ext(exts, "EGL_MESA_platform_surfaceless")) {
		e->step = 1;
		e->err = eglGetError();
		return;
	}
	PFNEGLGETPLATFORMDISPLAYEXTPROC get =
		(PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
	if (!get) {
		e->step = 2;
		return;
	}
	e->dpy = get(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL);
	if (e->dpy == EGL_NO_DISPLAY) {
		e->step = 3;
		e->err = eglGetError();
		return;
	}
	EGLint major, minor;
	if (!eglInitialize(e->dpy, &major, &minor)) {
		e->step = 4;
		e->err = eglGetError();
		return;
	}
	if (!eglBindAPI(EGL_OPENGL_API)) {
		e->step = 5;
		e->err = eglGetError();
		return;
	}
	// Surfaceless configs are pbuffer-only: the default EGL_WINDOW_BIT
	// matches none.
	EGLint cattr[] = {
		EGL_SURFACE_TYPE, EGL_PBUFFER_BIT,
		EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT,
		EGL_RED_SIZE, 8, EGL_GREEN_SIZE, 8, EGL_BLUE_SIZE, 8, EGL_ALPHA_SIZE, 8,
		EGL_NONE,
	};
	EGLConfig cfg;
	EGLint n = 0;
	if (!eglChooseConfig(e->dpy, cattr, &cfg, 1, &n) || n < 1) {
		e->step = 6;
		e->err = eglGetError();
		return;
	}
	EGLint xattr[] = {
		EGL_CONTEXT_MAJOR_VERSION, 3,
		EGL_CONTEXT_MINOR_VERSION, 3,
		EGL_CONTEXT_OPENGL_PROFILE_MASK, EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT,
		EGL_NONE,
	};
	e->ctx = eglCreateContext(e->dpy, cfg, EGL_NO_CONTEXT, xattr);
	if (e->ctx == EGL_NO_CONTEXT) {
		e->step = 7;
		e->err = eglGetError();
		return;
	}
	if (!eglMakeCurrent(e->dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, e->ctx)) {
		e->step = 8;
		e->err = eglGetError();
		eglDestroyContext(e->dpy, e->ctx);
		e->ctx = EGL_NO_CONTEXT;
		return;
	}
	e->step = 0;
}

static EGLBoolean nf_egl_make_current(EGLDisplay dpy, EGLContext ctx) {
	return eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx);
}

static EGLBoolean nf_egl_release(EGLDisplay dpy) {
	return eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
}
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// Context is a surfaceless OpenGL 3.3 core context.
type Context struct {
	dpy C.EGLDisplay
	ctx C.EGLContext
}

var steps = [...]string{
	1: "EGL_MESA_platform_surfaceless is not available",
	2: "eglGetPlatformDisplayEXT is missing",
	3: "eglGetPlatformDisplayEXT(EGL_PLATFORM_SURFACELESS_MESA)",
	4: "eglInitialize",
	5: "eglBindAPI(EGL_OPENGL_API)",
	6: "eglChooseConfig (pbuffer, OpenGL, RGBA8)",
	7: "eglCreateContext (OpenGL 3.3 core)",
	8: "eglMakeCurrent (no surface)",
}

// New creates a surfaceless OpenGL 3.3 core context and makes it current
// on the calling OS thread, which the caller must have locked.
func New() (*Context, error) {
	var e C.nf_egl
	C.nf_egl_open(&e)
	if e.step != 0 {
		msg := "EGL setup failed"
		if int(e.step) < len(steps) {
			msg = steps[e.step]
		}
		return nil, fmt.Errorf("egl: %s (EGL error 0x%x)", msg, int(e.err))
	}
	return &Context{dpy: e.dpy, ctx: e.ctx}, nil
}

// MakeCurrent makes c current on the calling (locked) OS thread.
func (c *Context) MakeCurrent() error {
	if C.nf_egl_make_current(c.dpy, c.ctx) == C.EGL_FALSE {
		return fmt.Errorf("egl: eglMakeCurrent: error 0x%x", int(C.eglGetError()))
	}
	return nil
}

// ProcAddress returns the address of a GL function, for
// gl.InitWithProcAddrFunc.
func ProcAddress(name string) unsafe.Pointer {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	return unsafe.Pointer(C.eglGetProcAddress(cs))
}

// Destroy releases the context from the calling thread and destroys it.
// The EGL display is not terminated: Mesa shares it between every context
// of the process, so terminating it would break the others.
func (c *Context) Destroy() {
	if c == nil || c.ctx == C.EGLContext(C.EGL_NO_CONTEXT) {
		return
	}
	C.nf_egl_release(c.dpy)
	C.eglDestroyContext(c.dpy, c.ctx)
	c.ctx = C.EGLContext(C.EGL_NO_CONTEXT)
}

// Info returns the display's EGL_VENDOR and EGL_VERSION strings, for
// logs and benchmark reports.
func (c *Context) Info() (vendor, version string) {
	q := func(name C.EGLint) string {
		if s := C.eglQueryString(c.dpy, name); s != nil {
			return C.GoString(s)
		}
		return ""
	}
	return q(C.EGL_VENDOR), q(C.EGL_VERSION)
}

// extBufferAge is the extension's name, made once.
var extBufferAge = C.CString("EGL_EXT_buffer_age")

// BufferAge returns the age of surface's back buffer on display dpy
// (EGL_EXT_buffer_age), for gl.Renderer.Blit: 0 when unknown or when the
// display lacks the extension. dpy and surface are an EGLDisplay and an
// EGLSurface, such as GLFW's GetEGLDisplay and Window.GetEGLSurface.
//
// An EGLDisplay is a uintptr in Go (cgo's rule for EGL handles, which need
// not be pointers).
func BufferAge(dpy uintptr, surface unsafe.Pointer) int {
	if dpy == 0 || surface == nil {
		return 0
	}
	d := C.EGLDisplay(dpy)
	exts := C.eglQueryString(d, C.EGL_EXTENSIONS)
	if exts == nil || C.nf_has_ext(exts, extBufferAge) == 0 {
		return 0
	}
	var age C.EGLint
	if C.eglQuerySurface(d, C.EGLSurface(surface), 0x313D /* EGL_BUFFER_AGE_EXT */, &age) == C.EGL_FALSE {
		return 0
	}
	return int(age)
}
