//go:build cgo && wayland

package nested

import (
	"image"
	"unsafe"

	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/nofault/nofault/render/gl/egl"
)

// newBufferAge returns a function reading the window's back-buffer age
// (EGL_EXT_buffer_age) for gl.Renderer.Blit; it returns 0 (copy
// everything) where the extension is missing or GLFW cannot name the
// window's EGL surface.
func newBufferAge(win *glfw.Window) (age func() int, supported bool) {
	none := func() int { return 0 }
	// This GLFW binding reports errors by panicking: GetEGLSurface raises
	// NoWindowContext when GLFW's Wayland window did not get its context
	// through GLFW's own EGL code. That only costs buffer age.
	defer func() {
		if recover() != nil {
			age, supported = none, false
		}
	}()
	dpy, surf := uintptr(glfw.GetEGLDisplay()), unsafe.Pointer(win.GetEGLSurface())
	if dpy == 0 || surf == nil {
		return none, false
	}
	return func() int { return egl.BufferAge(dpy, surf) }, true
}

// newCopySubBuffer: a Wayland window always swaps.
func newCopySubBuffer(*glfw.Window) func(r image.Rectangle, winH int) { return nil }

// hostGLAccelerated: unknown on a Wayland host (and the Wayland build has
// no soft window).
func hostGLAccelerated() (accelerated, known bool) { return false, false }
