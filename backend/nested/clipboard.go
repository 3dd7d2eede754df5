//go:build cgo

package nested

import (
	"sync"
	"time"

	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/nofault/nofault/backend"
)

// clipboardPoll is how often the X11 build asks the X server who owns the
// clipboard (one small round trip), to notice a copy made on the host
// while the window keeps the focus.
const clipboardPoll = time.Second

// clipboard is the window's side of sharing the host's text clipboard
// (ShareClipboard). GLFW has the clipboard only, not the primary
// selection, so only the clipboard is shared.
type clipboard struct {
	changed func(text string, applied uint64) // display loop; nil: not shared

	mu      sync.Mutex // guards following
	want    string     // text to put on the host's clipboard
	wantGen uint64
	pending bool

	// Main thread only.
	check   bool   // read the host's clipboard at the next chance
	applied uint64 // the gen of the last text put on the host's clipboard
	owner   uint64 // the X11 clipboard owner last seen
	polled  time.Time
}

// ShareClipboard shares the host's text clipboard with the compositor.
// The window reads the host's clipboard when Run starts, whenever the
// window gains the focus and (X11) when another host client takes the
// clipboard, and passes the text to changed on the display loop, with the
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
// clipboard, and reads the host's when it may have changed. The reads
// run here, on the main thread, as GLFW requires; they wait for the
// host's clipboard owner to answer. Main thread, during Run.
func (w *Window) serviceClipboard(now time.Time) {
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
		c.applied = gen
		c.owner, _ = hostClipboardOwner()
	}
	if now.Sub(c.polled) >= clipboardPoll {
		c.polled = now
		if owner, ok := hostClipboardOwner(); ok && owner != c.owner {
			c.owner = owner
			c.check = true
		}
	}
	if !c.check {
		return
	}
	c.check = false
	host, applied, changed := glfw.GetClipboardString(), c.applied, c.changed
	w.fwd.post(func() { changed(host, applied) })
}

// ShareClipboard shares the host's clipboard (backend.ClipboardSharer,
// Window.ShareClipboard).
func (b *Backend) ShareClipboard(changed func(text string, applied uint64)) {
	b.w.ShareClipboard(changed)
}

// SetClipboard puts text on the host's clipboard (Window.SetClipboard).
func (b *Backend) SetClipboard(text string, gen uint64) { b.w.SetClipboard(text, gen) }

var _ backend.ClipboardSharer = (*Backend)(nil)
