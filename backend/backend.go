// Package backend defines what a backend is to the compositor: where the
// output goes and what drives its frames. backend/headless (a frame clock,
// no window) and backend/nested (a window on the host desktop) implement
// it; compositor.Run starts nofault the same way with either.
package backend

import (
	"context"
	"errors"
	"image"
	"time"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/seat"
)

// Backend shows the compositor's output and drives its frames.
type Backend interface {
	// Name is the backend's name in logs: "headless", "nested".
	Name() string
	// Renderer is what the compositor draws with and keeps surfaces'
	// textures in; nil means render/soft. Its maker closes it.
	Renderer() render.Renderer
	// OutputName names the one output the backend shows ("NESTED-1"); ""
	// lets the compositor make its own (HEADLESS-1, or several with
	// --outputs).
	OutputName() string
	// PresentAfterSwap reports whether a rendered frame reaches the screen
	// later, when the backend calls Compositor.Presented (the nested
	// window, after the host's swap), rather than when Frame renders it.
	PresentAfterSwap() bool
	// Run drives c's frames until ctx is done (it then returns nil) or
	// the backend ends on its own: nil when the user closed it (the nested
	// window), an error worded for the user when it broke. It runs on the
	// goroutine that called compositor.Run (the nested window needs the
	// process's main thread) while the display loop runs on another.
	Run(ctx context.Context, c Compositor) error
}

// Compositor is the compositor as its backend drives it;
// *compositor.Compositor implements it. Do and RunLocked may be called
// from any goroutine but the display loop; the other methods run on the
// display loop (through Do or RunLocked).
type Compositor interface {
	// Do queues fn to run on the display loop.
	Do(fn func())
	// RunLocked runs fn at once on the calling goroutine as the display
	// loop (under the display lock) and flushes the events it queued; a
	// frame clock costs no hand-off to the loop's goroutine. It reports
	// false, without running fn, once the display is shutting down.
	RunLocked(fn func()) bool
	// Frame is one output frame: render the scene if anything changed,
	// send frame callbacks. rendered reports a new image for the backend
	// to show.
	Frame(now time.Time) (rendered bool)
	// FramesWanted reports whether a client waits for a frame (a frame
	// callback, a screen capture). After a Frame that rendered nothing
	// and with none wanted, a frame clock may sleep until the next client
	// activity (Waker).
	FramesWanted() bool
	// Resize sets the output mode: the window's framebuffer size.
	Resize(width, height int)
	// Presented reports that the last rendered frame reached the screen
	// at t (with PresentAfterSwap).
	Presented(t time.Time)
	// PointerInside reports the host pointer entering or leaving the
	// window: the compositor hides its cursor while it is elsewhere.
	PointerInside(inside bool)
	// Input is the seat that takes the host's input.
	Input() *seat.Seat
}

// A Waker is a Backend whose frame clock sleeps while the compositor is
// idle: the compositor calls Wake (from the display loop) after client
// activity.
type Waker interface {
	Wake()
}

// A PointerLocker is a Backend that holds the host's cursor while a
// client holds a pointer lock (zwp_pointer_constraints_v1): the
// compositor calls SetPointerLocked from the display loop when a lock
// starts or ends.
type PointerLocker interface {
	SetPointerLocked(locked bool)
}

// A LastFramer is a Backend whose renderer stops serving the display loop
// once its Run returned on its own (the nested window: GL lives on the
// calling thread). The final screenshot is then read with LastFrame, on
// the goroutine that called Run.
type LastFramer interface {
	LastFrame() (*image.RGBA, error)
}

// ErrRendererOnLoop is LastFrame's answer when the backend's renderer
// still serves the display loop after Run returned (the nested window
// drawing with render/soft): the final screenshot is taken there.
var ErrRendererOnLoop = errors.New("backend: the renderer still serves the display loop")

// A ClipboardSharer is a Backend with a host clipboard (the nested
// window): with --host-clipboard the compositor shares the seat's
// clipboard through it (datadevice.HostClipboard), text only, both ways.
type ClipboardSharer interface {
	// ShareClipboard makes the backend report the host's clipboard text
	// to changed, on the display loop, with the gen of the last
	// SetClipboard it applied before reading. Called before Run.
	ShareClipboard(changed func(text string, applied uint64))
	// SetClipboard puts text on the host's clipboard; gen numbers the
	// calls. It runs on the display loop and must not block.
	SetClipboard(text string, gen uint64)
}
