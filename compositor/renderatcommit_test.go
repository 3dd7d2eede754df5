package compositor

import (
	"context"
	"encoding/binary"
	"image"
	"os"
	"testing"
	"time"

	"github.com/nofault/nofault/config"
	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/render/soft"
)

// countingSoft is render/soft counting its renders (ReadsLate promoted:
// a render.LateReader).
type countingSoft struct {
	*soft.Renderer
	renders int
}

func (r *countingSoft) Render(sc *render.Scene, w, h int) error {
	r.renders++
	return r.Renderer.Render(sc, w, h)
}

// countingEager is a renderer that reads buffers at upload (as GL does):
// it hides ReadsLate.
type countingEager struct {
	render.Renderer
	renders *int
}

func (r countingEager) Render(sc *render.Scene, w, h int) error {
	*r.renders++
	return r.Renderer.Render(sc, w, h)
}

// startNoClock runs a compositor made with opts whose frames the test
// drives: no frame clock, only the display loop.
func startNoClock(t *testing.T, opts Options) *Compositor {
	t.Helper()
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	t.Setenv("XDG_RUNTIME_DIR", dir)
	c, err := NewWithOptions(config.Default(), opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Display.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return c
}

// startTouchNoClock is startNoClock with renderer r and a touch
// capability (mapWindow gets a wl_touch).
func startTouchNoClock(t *testing.T, r render.Renderer) *Compositor {
	c := startNoClock(t, Options{Renderer: r})
	do(t, c, func() { c.Seat.SetTouch(true) })
	return c
}

// TestRenderAtCommit: with render/soft the scene is rendered once the
// first commit of a refresh interval is handled, before the frame; the
// frame then presents that render without rendering again. A second
// commit in the same interval waits for the frame.
func TestRenderAtCommit(t *testing.T) {
	r := &countingSoft{Renderer: soft.New()}
	c := startTouchNoClock(t, r)
	var renders int
	frame := func() (shown bool) {
		do(t, c, func() { shown = c.Frame(time.Now()); renders = r.renders })
		return shown
	}
	count := func() int {
		do(t, c, func() { renders = r.renders })
		return renders
	}
	pixel := func(x, y int) (px uint32) {
		do(t, c, func() {
			b := make([]byte, 4)
			if err := c.Renderer.ReadPixels(image.Rect(x, y, x+1, y+1), b, 4); err != nil {
				t.Fatal(err)
			}
			px = binary.LittleEndian.Uint32(b)
		})
		return px
	}

	w, _, _ := mapWindow(t, c.Socket.Path, 64, 64)
	do(t, c, func() { c.Shell.MoveTo(c.Shell.Toplevels()[0], 100, 100) })
	frame()
	n := count()
	bg := uint32(Background[3])<<24 | uint32(Background[0])<<16 | uint32(Background[1])<<8 | uint32(Background[2])
	if px := pixel(200, 200); px != bg {
		t.Fatalf("pixel (200,200) outside the 64x64 window is %#08x, want the background %#08x", px, bg)
	}

	// Growing to 128x128: the zero (black) buffer covers (200,200) as soon
	// as the commit is handled, before any frame.
	w.attach(t, 128, 128)
	if got := count(); got != n+1 {
		t.Fatalf("%d renders after the commit, want %d: rendered at commit", got, n+1)
	}
	if px := pixel(200, 200); px != 0xff000000 {
		t.Fatalf("pixel (200,200) after the commit is %#08x, want the window's black", px)
	}
	if !frame() {
		t.Error("the frame after the commit did not present the render")
	}
	if renders != n+1 {
		t.Errorf("the frame rendered again (%d renders, want %d)", renders, n+1)
	}

	// Two commits in one interval: one render at the first, the second
	// waits for the frame.
	w.attach(t, 128, 128)
	w.attach(t, 128, 128)
	if got := count(); got != n+2 {
		t.Fatalf("%d renders after two commits in an interval, want %d", got, n+2)
	}
	frame()
	if renders != n+3 {
		t.Errorf("%d renders after the frame, want %d (the second commit's)", renders, n+3)
	}
	if frame() {
		t.Error("a frame with nothing new presented")
	}
}

// TestNoRenderAtCommitForEagerRenderers: a renderer that is no
// render.LateReader (GL copies at upload) renders in the frame only.
func TestNoRenderAtCommitForEagerRenderers(t *testing.T) {
	var renders int
	c := startTouchNoClock(t, countingEager{Renderer: soft.New(), renders: &renders})
	w, _, _ := mapWindow(t, c.Socket.Path, 64, 64)
	w.attach(t, 128, 128)
	var got int
	do(t, c, func() { got = renders })
	if got != 0 {
		t.Fatalf("%d renders before any frame, want 0", got)
	}
	do(t, c, func() { c.Frame(time.Now()); got = renders })
	if got != 1 {
		t.Errorf("%d renders after a frame, want 1", got)
	}
}
