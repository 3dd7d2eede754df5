//go:build cgo

package nested

import "github.com/go-gl/glfw/v3.3/glfw"

// SetCursorShape shows the host's cursor of a named shape
// (wp_cursor_shape_v1's CSS names: "text", "pointer", "ew-resize", ...)
// over the window; "" (no shape: the default, or a client's surface
// cursor, which the window does not draw) shows the arrow. Shapes GLFW has
// no cursor for show the arrow too. Any goroutine; the main thread
// applies it.
func (w *Window) SetCursorShape(name string) {
	w.mu.Lock()
	w.shapeWant = name
	w.mu.Unlock()
	w.wake()
}

// glfwShapes maps shape names to GLFW's standard cursors.
var glfwShapes = map[string]glfw.StandardCursor{
	"text": glfw.IBeamCursor, "vertical-text": glfw.IBeamCursor,
	"crosshair": glfw.CrosshairCursor, "cell": glfw.CrosshairCursor,
	"pointer": glfw.HandCursor, "grab": glfw.HandCursor, "grabbing": glfw.HandCursor,
	"ew-resize": glfw.HResizeCursor, "e-resize": glfw.HResizeCursor, "w-resize": glfw.HResizeCursor, "col-resize": glfw.HResizeCursor,
	"ns-resize": glfw.VResizeCursor, "n-resize": glfw.VResizeCursor, "s-resize": glfw.VResizeCursor, "row-resize": glfw.VResizeCursor,
}

// applyCursorShape sets the cursor SetCursorShape asked for. Main thread.
func (w *Window) applyCursorShape() {
	w.mu.Lock()
	want := w.shapeWant
	w.mu.Unlock()
	std, ok := glfwShapes[want]
	if !ok {
		std = glfw.ArrowCursor
	}
	if w.cursors == nil {
		w.cursors = make(map[glfw.StandardCursor]*glfw.Cursor)
	}
	if std == w.shapeHave && w.cursors[std] != nil {
		return
	}
	w.shapeHave = std
	cur := w.cursors[std]
	if cur == nil {
		if cur = glfw.CreateStandardCursor(std); cur == nil {
			return
		}
		w.cursors[std] = cur
	}
	w.win.SetCursor(cur)
}
