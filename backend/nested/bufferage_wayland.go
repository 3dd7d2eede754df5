//go:build cgo && wayland

package nested

import (
	"unsafe"

	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/nofault/nofault/render/gl/egl"
)

// newBufferAge returns a function reading the window's back-buffer age
// (EGL_EXT_buffer_age) for gl.Renderer.Blit; it returns 0 (copy
// everything) where the extension is missing.
func newBufferAge(win *glfw.Window) (age func() int, supported bool) {
	dpy, surf := uintptr(glfw.GetEGLDisplay()), unsafe.Pointer(win.GetEGLSurface())
	return func() int { return egl.BufferAge(dpy, surf) }, dpy != 0 && surf != nil
}
