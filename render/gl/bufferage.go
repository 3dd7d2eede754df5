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

// nf_glx_has_buffer_age reports whether dpy's GLX has GLX_EXT_buffer_age.
static int nf_glx_has_buffer_age(void *dpy) {
	nf_glXQueryExtensionsString_t qes = (nf_glXQueryExtensionsString_t)
		glXGetProcAddressARB((const unsigned char *)"glXQueryExtensionsString");
	if (!qes || !glXGetProcAddressARB((const unsigned char *)"glXQueryDrawable"))
		return 0;
	return nf_has_word(qes(dpy, XDefaultScreen(dpy)), "GLX_EXT_buffer_age");
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

import "unsafe"

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
