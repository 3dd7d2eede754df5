//go:build cgo

package nested

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"os"

	"github.com/nofault/nofault/backend"
	"github.com/nofault/nofault/render"
)

// Backend is the window as nofault's backend (backend.Backend): the
// compositor draws with the window's GL renderer into its one output,
// NESTED-1, and the window drives the frames and brings the host's input.
type Backend struct {
	w *Window
}

var (
	_ backend.Backend       = (*Backend)(nil)
	_ backend.PointerLocker = (*Backend)(nil)
	_ backend.LastFramer    = (*Backend)(nil)
	_ backend.Waker         = (*Backend)(nil)
)

// NewBackend returns w as a backend. The caller still closes w after
// the backend's Run.
func NewBackend(w *Window) *Backend { return &Backend{w: w} }

// Name returns "nested".
func (b *Backend) Name() string { return "nested" }

// Renderer is the window's GL renderer (Window.Renderer).
func (b *Backend) Renderer() render.Renderer { return b.w.Renderer() }

// OutputName returns "NESTED-1".
func (b *Backend) OutputName() string { return "NESTED-1" }

// PresentAfterSwap is true: a frame is shown once the host's swap
// returned.
func (b *Backend) PresentAfterSwap() bool { return true }

// Wake ends the window's idle sleep after client activity (Window.Wake).
func (b *Backend) Wake() { b.w.Wake() }

// SetPointerLocked holds the host's cursor while a client holds a pointer
// lock (Window.SetPointerLocked).
func (b *Backend) SetPointerLocked(locked bool) { b.w.SetPointerLocked(locked) }

// Run runs the window (Window.Run) on the calling goroutine, which must be
// the main thread. A window the user closed returns nil; a lost host
// connection and other failures return an error for the user.
func (b *Backend) Run(ctx context.Context, c backend.Compositor) error {
	var in Input
	if s := c.Input(); s != nil {
		in = s
	}
	err := b.w.Run(ctx, c, c, in)
	switch {
	case ctx.Err() != nil:
		return nil
	case errors.Is(err, ErrClosed):
		slog.Info("window closed; shutting down")
		return nil
	case errors.Is(err, ErrHostLost):
		return fmt.Errorf("lost the connection to the host display (%s); shutting down", hostName())
	case err == nil:
		return errors.New("nested window: stopped")
	}
	return fmt.Errorf("nested window: %w", err)
}

// LastFrame reads the last rendered frame after Run returned on its own:
// the GL context is still current on this thread (until Close), while the
// display loop's GL calls already fail.
func (b *Backend) LastFrame() (*image.RGBA, error) {
	if b.w.soft != nil {
		return nil, backend.ErrRendererOnLoop // render/soft: the display loop's
	}
	r := b.w.GL()
	w, h := r.Size()
	return render.ReadImage(r, image.Rect(0, 0, w, h))
}

// hostName names the host display for messages.
func hostName() string {
	if d := os.Getenv("DISPLAY"); d != "" {
		return "DISPLAY=" + d
	}
	return "WAYLAND_DISPLAY=" + os.Getenv("WAYLAND_DISPLAY")
}
