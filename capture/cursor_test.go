package capture

import (
	"image"
	"slices"
	"testing"

	"github.com/nofault/nofault/shm"
)

// TestFrameCursor: copies are served by FrameCursor only from an output
// matching their overlay_cursor: the compositor reads the output without
// the cursor for overlay_cursor 0 and with it for 1 (here gen 0 and 1 of
// the fake output stand for the two renders).
func TestFrameCursor(t *testing.T) {
	e := newEnv(t, 32, 24, shm.Options{})
	c := e.connect(3)
	full := image.Rect(0, 0, 32, 24)
	plain := c.capture(c.output, nil)     // overlay_cursor 0
	withCur := c.capture(c.output, &full) // overlay_cursor 1
	c.roundtrip()
	bp, bc := c.goodBuffer(32, 24), c.goodBuffer(32, 24)
	c.send(plain, opCopy, bp.id)
	c.send(withCur, opCopy, bc.id)
	c.roundtrip()
	e.do(func() {
		if !e.m.Waiting(false) || !e.m.Waiting(true) {
			t.Error("Waiting does not see both copies")
		}
		e.m.FrameCursor([]image.Rectangle{full}, false)
		if e.m.Waiting(false) || !e.m.Waiting(true) {
			t.Error("FrameCursor(false) served the wrong copies")
		}
		e.src.gen = 1
		e.m.FrameCursor(nil, true)
		if e.m.Waiting(true) {
			t.Error("FrameCursor(true) left the overlay copy waiting")
		}
	})
	c.roundtrip()
	for _, f := range []uint32{plain, withCur} {
		if got := c.events(f); !slices.Contains(got, evReady) {
			t.Errorf("frame %d: events %v, want ready", f, got)
		}
	}
	bp.checkPixels(t, full, 0)
	bc.checkPixels(t, full, 1)
}
