//go:build cgo

package nested

import (
	"sync"
	"sync/atomic"

	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/nofault/nofault/backend"
)

// clipboard is the window's side of sharing the host's text clipboard
// (ShareClipboard). GLFW has the clipboard only, not the primary
// selection, so only the clipboard is shared.
type clipboard struct {
	changed func(text string, applied uint64) // display loop; nil: not shared
	applied atomic.Uint64                     // the gen of the last text put on the host's clipboard

	mu      sync.Mutex // guards following
	want    string     // text to put on the host's clipboard
	wantGen uint64
	pending bool

	// Main thread only.
	check bool          // read the host's clipboard at the next chance
	x11   *x11Clipboard // the X11 build's reader (clipboard_x11.go)
}

// ShareClipboard shares the host's text clipboard with the compositor.
// The window reads the host's clipboard when Run starts, whenever the
// window gains the focus and (X11, told by XFIXES) when another host
// client takes the clipboard, and passes the text to changed on the display loop, with the
// gen of the last SetClipboard it applied before the read
// (datadevice.HostClipboard.HostText). Call it before Run.
func (w *Window) ShareClipboard(changed func(text string, applied uint64)) {
	w.clip.changed = changed
	w.clip.check = true
}

// SetClipboard puts text on the host's clipboard; gen numbers the calls
// (datadevice.HostOptions.SetText). Any goroutine: the main thread applies
// the latest text.
func (w *Window) SetClipboard(text string, gen uint64) {
	c := &w.clip
	c.mu.Lock()
	c.want, c.wantGen, c.pending = text, gen, true
	c.mu.Unlock()
	w.wake()
}

// clipboardFocus notes that the window gained the focus: the host's
// clipboard may have changed meanwhile. Main thread.
func (w *Window) clipboardFocus() { w.clip.check = true }

// serviceClipboard puts a text SetClipboard asked for on the host's
// clipboard (glfwSetClipboardString, on the main thread as GLFW
// requires), and asks for a read of the host's when it may have changed.
// Main thread, during Run.
func (w *Window) serviceClipboard() {
	c := &w.clip
	if c.changed == nil {
		return
	}
	c.mu.Lock()
	text, gen, pending := c.want, c.wantGen, c.pending
	c.pending, c.want = false, ""
	c.mu.Unlock()
	if pending {
		glfw.SetClipboardString(text)
		c.applied.Store(gen)
		w.clipSet()
	}
	if c.check {
		c.check = false
		w.readHostClipboard()
	}
}

// ShareClipboard shares the host's clipboard (backend.ClipboardSharer,
// Window.ShareClipboard).
func (b *Backend) ShareClipboard(changed func(text string, applied uint64)) {
	b.w.ShareClipboard(changed)
}

// SetClipboard puts text on the host's clipboard (Window.SetClipboard).
func (b *Backend) SetClipboard(text string, gen uint64) { b.w.SetClipboard(text, gen) }

var _ backend.ClipboardSharer = (*Backend)(nil)
