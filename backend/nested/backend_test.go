//go:build cgo && !wayland

package nested

import (
	"context"
	"image/color"
	"testing"
	"time"

	"github.com/nofault/nofault/backend"
	"github.com/nofault/nofault/seat"
)

// backendComp is fakeComp on a loop, as backend.Compositor: what
// compositor.Run hands a backend.
type backendComp struct {
	*fakeComp
	loop chanLoop
}

var _ backend.Compositor = backendComp{}

func (c backendComp) Do(fn func())             { c.loop.Do(fn) }
func (c backendComp) RunLocked(fn func()) bool { c.loop.sync(fn); return true }
func (c backendComp) Presented(time.Time)      {}
func (c backendComp) PointerInside(bool)       {}
func (c backendComp) Input() *seat.Seat        { return nil }

// TestBackendRunClosed: the window as backend.Backend draws the
// compositor's frames with its own renderer; closing the window ends Run
// without an error (a normal end, not a failure), and LastFrame then
// reads the last frame back on the main thread.
func TestBackendRunClosed(t *testing.T) {
	w := openWindow(t, "nofault-nested-backend")
	b := NewBackend(w)
	if b.Name() != "nested" || b.OutputName() != "NESTED-1" || !b.PresentAfterSwap() || b.Renderer() != w.Renderer() {
		t.Fatalf("nested backend: %q, %q, %v", b.Name(), b.OutputName(), b.PresentAfterSwap())
	}
	loop := newLoop(t)
	comp := backendComp{fakeComp: &fakeComp{r: b.Renderer()}, loop: loop}
	runErr := make(chan error, 1)
	go onMain(func() { runErr <- b.Run(context.Background(), comp) })
	waitFor(t, "frames", func() bool {
		var n int
		loop.sync(func() { n = comp.renders })
		return n > 2
	})
	w.win.SetShouldClose(true)
	w.wake()
	select {
	case err := <-runErr:
		if err != nil {
			t.Fatalf("Run after the window closed = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after close")
	}
	var c0, bg color.RGBA
	var err error
	onMain(func() {
		img, e := b.LastFrame()
		if err = e; e == nil {
			c0, bg = img.RGBAAt(10, 20), img.RGBAAt(0, 0)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	// fakeComp draws a red pixel at (10, 20) on blue.
	if c0 != (color.RGBA{0xff, 0, 0, 0xff}) || bg != (color.RGBA{0, 0, 0xff, 0xff}) {
		t.Errorf("last frame: (10,20) %v, background %v", c0, bg)
	}
}
