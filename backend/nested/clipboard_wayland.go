//go:build cgo && wayland

package nested

import "github.com/go-gl/glfw/v3.3/glfw"

// x11Clipboard is the X11 build's reader; the Wayland build has none.
//
//lint:ignore U1000 a placeholder: clipboard.go's field of this type is shared by both builds and used only by the X11 one
type x11Clipboard struct{}

// readHostClipboard reads the host's clipboard with GLFW, on the main
// thread, and reports it. A Wayland client cannot ask who owns the
// selection (it is told, while it has the keyboard focus): the window
// reads at start and on focus-in only. GLFW's read waits for the owner.
// Main thread.
func (w *Window) readHostClipboard() {
	text, applied, changed := glfw.GetClipboardString(), w.clip.applied.Load(), w.clip.changed
	w.fwd.post(func() { changed(text, applied) })
}

// clipSet: nothing to note on Wayland.
func (w *Window) clipSet() {}
