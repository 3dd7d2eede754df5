//go:build cgo && !wayland

package nested

import (
	"testing"

	"github.com/go-gl/glfw/v3.3/glfw"
)

// TestPointerLock: SetPointerLocked disables (holds) the host cursor and
// gives it back, applied on the main thread.
func TestPointerLock(t *testing.T) {
	w := openWindow(t, "nofault-pointer-lock")
	check := func(want bool) {
		t.Helper()
		var got bool
		onMain(func() { w.applyPointerLock(); got = w.PointerLocked() })
		if got != want {
			t.Fatalf("locked %v, want %v", got, want)
		}
	}
	check(false)
	w.SetPointerLocked(true)
	check(true)
	w.SetPointerLocked(false)
	check(false)
}

// TestCursorShape: named shapes pick GLFW's standard cursors, unknown
// ones and "" the arrow.
func TestCursorShape(t *testing.T) {
	w := openWindow(t, "nofault-cursor-shape")
	for _, tc := range []struct {
		name string
		want glfw.StandardCursor
	}{{"text", glfw.IBeamCursor}, {"pointer", glfw.HandCursor}, {"ew-resize", glfw.HResizeCursor},
		{"zoom-in", glfw.ArrowCursor}, {"", glfw.ArrowCursor}, {"ns-resize", glfw.VResizeCursor}} {
		w.SetCursorShape(tc.name)
		var got glfw.StandardCursor
		var cur *glfw.Cursor
		onMain(func() { w.applyCursorShape(); got, cur = w.shapeHave, w.cursors[w.shapeHave] })
		if got != tc.want || cur == nil {
			t.Errorf("shape %q: cursor %v (made: %v), want %v", tc.name, got, cur != nil, tc.want)
		}
	}
}
