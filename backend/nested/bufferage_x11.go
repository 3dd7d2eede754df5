//go:build cgo && !wayland

package nested

import (
	"image"
	"unsafe"

	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/nofault/nofault/render/gl"
)

// newBufferAge returns a function reading the window's back-buffer age
// (GLX_EXT_buffer_age) for gl.Renderer.Blit; it returns 0 (copy
// everything) where the extension is missing.
func newBufferAge(win *glfw.Window) (age func() int, supported bool) {
	b := gl.NewGLXBufferAge(unsafe.Pointer(glfw.GetX11Display()), uintptr(win.GetGLXWindow()))
	return b.Age, b.Supported()
}

// newCopySubBuffer returns a copy of back-buffer rectangles to the window
// (GLX_MESA_copy_sub_buffer), or nil where GLX lacks it.
func newCopySubBuffer(win *glfw.Window) func(r image.Rectangle, winH int) {
	c := gl.NewGLXCopySubBuffer(unsafe.Pointer(glfw.GetX11Display()), uintptr(win.GetGLXWindow()))
	if c == nil {
		return nil
	}
	return c.Copy
}

// hostGLAccelerated asks the X server's GLX whether its renderer is
// accelerated (gl.GLXAccelerated), on GLFW's display. After initGLFW.
func hostGLAccelerated() (accelerated, known bool) {
	return gl.GLXAccelerated(unsafe.Pointer(glfw.GetX11Display()))
}
