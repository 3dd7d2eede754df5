package compositor

import (
	"context"
	"testing"
	"time"
)

// TestFrameAllocatesNothing renders frames of a desktop of several
// windows, each also rendered as after a commit (renderAtCommit), and
// checks that the frame path (the shell's scene, the renderer's plans and
// damage, the frame bookkeeping) allocates nothing once warm: a compositor at 60 Hz that allocates per frame pays for it in
// the garbage collector (docs/benchmarks.md, issue 14).
func TestFrameAllocatesNothing(t *testing.T) {
	c, path := start(t)
	if err := c.Sync(t.Context(), func() { c.Seat.SetTouch(true) }); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		mapWindow(t, path, 64+8*i, 48)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var items int
	var allocs float64
	err := c.Sync(ctx, func() {
		now := time.Now()
		invalidate := func() {
			c.rendered = false // render the whole scene every time
			if inv, ok := c.Renderer.(interface{ Invalidate() }); ok {
				inv.Invalidate()
			}
		}
		frame := func() {
			invalidate()
			c.renderAtCommit(c.Shell.Stats()) // the render after a commit (Frame resets its budget)
			invalidate()
			c.Frame(now)
		}
		frame()
		items = len(c.scene.Items)
		allocs = testing.AllocsPerRun(50, frame)
	})
	if err != nil {
		t.Fatal(err)
	}
	if items < 4 {
		t.Fatalf("the scene has %d items, want the 4 windows and more", items)
	}
	if allocs != 0 {
		t.Errorf("a frame allocates %v times, want 0", allocs)
	}
}
