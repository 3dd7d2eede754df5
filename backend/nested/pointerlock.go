//go:build cgo

package nested

import "github.com/go-gl/glfw/v3.3/glfw"

// SetPointerLocked makes the window hold the host's cursor while a client
// holds a pointer lock (zwp_pointer_constraints_v1): GLFW's disabled
// cursor, hidden and unbounded, with raw (unaccelerated) mouse motion
// where the platform has it, so the locked client keeps getting relative
// motion however far the mouse moves. Off restores the normal (or hidden)
// cursor. Any goroutine; the main thread applies it.
func (w *Window) SetPointerLocked(on bool) {
	w.mu.Lock()
	w.lockWant = on
	w.mu.Unlock()
	w.wake()
}

// applyPointerLock sets the cursor mode SetPointerLocked asked for. Main
// thread.
func (w *Window) applyPointerLock() {
	w.mu.Lock()
	want := w.lockWant
	w.mu.Unlock()
	if want == w.lockHave {
		return
	}
	w.lockHave = want
	raw := glfw.RawMouseMotionSupported()
	switch {
	case want:
		w.win.SetInputMode(glfw.CursorMode, glfw.CursorDisabled)
		if raw {
			w.win.SetInputMode(glfw.RawMouseMotion, glfw.True)
		}
	default:
		if raw {
			w.win.SetInputMode(glfw.RawMouseMotion, glfw.False)
		}
		mode := glfw.CursorNormal
		if w.opts.HideCursor {
			mode = glfw.CursorHidden
		}
		w.win.SetInputMode(glfw.CursorMode, mode)
	}
}

// PointerLocked reports whether the window holds the cursor now. Main
// thread.
func (w *Window) PointerLocked() bool {
	return w.win.GetInputMode(glfw.CursorMode) == glfw.CursorDisabled
}
