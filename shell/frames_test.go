package shell

import (
	"image"
	"testing"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/render"
)

// fakeFramer draws each title bar as one item with a marker texture.
type fakeFramer struct {
	forgot int
}

func (f *fakeFramer) DrawFrame(fr Frame) []render.Item {
	return []render.Item{{Texture: &fakeTexture{color: 0xf4a3e}, Dst: fr.Bar}}
}

func (f *fakeFramer) Forget(*protocol.Object) { f.forgot++ }

// TestServerSideFrames: a toplevel made server-side has a title bar item
// just below its surfaces, above it in the global space; presses over the
// bar find it unless a surface is above; maximized, it fits below its bar;
// fullscreen, it has none; taken back, the drawer forgets it.
func TestServerSideFrames(t *testing.T) {
	e := startEnv(t, Options{})
	ff := &fakeFramer{}
	e.do(func() { e.sh.SetFrameDrawer(ff) })
	tc := e.connect()
	w := tc.toplevel()
	tc.mapWindow(w, 200, 100, 0xff0000ff)
	var top *protocol.Object
	var surf *protocol.Object
	e.do(func() {
		surf = e.sh.Toplevels()[0]
		top = e.sh.Surface(surf).xdg.toplevel.obj
		e.sh.SetServerSide(top, true)
	})
	items := e.scene()
	if len(items) != 2 || items[0].color != 0xf4a3e {
		t.Fatalf("scene %v, want the bar below the window", items)
	}
	win := items[1].dst
	if want := image.Rect(win.Min.X, win.Min.Y-TitleBarHeight, win.Max.X, win.Min.Y); items[0].dst != want {
		t.Fatalf("bar at %v, want %v", items[0].dst, want)
	}
	var hit *protocol.Object
	var at image.Point
	e.do(func() { hit, at, _ = e.sh.FrameAt(float64(win.Min.X+5), float64(win.Min.Y-3)) })
	if hit != surf || at != image.Pt(5, TitleBarHeight-3) {
		t.Fatalf("FrameAt over the bar = %v %v, want the window at (5, %d)", hit, at, TitleBarHeight-3)
	}
	e.do(func() { hit, _, _ = e.sh.FrameAt(float64(win.Min.X+5), float64(win.Min.Y+3)) })
	if hit != nil {
		t.Fatal("FrameAt over the window's surface found the bar")
	}

	// A second window over the bar hides it from the pointer.
	w2 := tc.toplevel()
	tc.mapWindow(w2, 50, 50, 0xff00ff00)
	e.do(func() {
		e.sh.MoveTo(e.sh.Toplevels()[1], win.Min.X, win.Min.Y-TitleBarHeight)
		hit, _, _ = e.sh.FrameAt(float64(win.Min.X+5), float64(win.Min.Y-3))
	})
	if hit != nil {
		t.Fatal("FrameAt found a bar under another window")
	}

	// Maximized: the window fills the output below its bar.
	w.top.SetMaximized()
	tc.mustRoundtrip()
	if w.size != [2]int32{800, 600 - TitleBarHeight} {
		t.Fatalf("maximized configure %v, want 800x%d", w.size, 600-TitleBarHeight)
	}
	w.xs.AckConfigure(w.serial)
	w.s.Attach(tc.buffer(800, 600-TitleBarHeight, 1, 0xff0000ff), 0, 0)
	w.s.Commit()
	tc.mustRoundtrip()
	var r image.Rectangle
	e.do(func() { r, _ = e.sh.SurfaceRect(surf) })
	if r != image.Rect(0, TitleBarHeight, 800, 600) {
		t.Fatalf("maximized window at %v", r)
	}
	w.top.SetFullscreen(nil)
	tc.mustRoundtrip()
	if w.size != [2]int32{800, 600} {
		t.Fatalf("fullscreen configure %v, want the whole output", w.size)
	}
	for _, it := range e.scene() {
		if it.color == 0xf4a3e {
			t.Fatal("a fullscreen window has a title bar")
		}
	}
	e.do(func() { e.sh.SetServerSide(top, false) })
	if ff.forgot != 1 {
		t.Fatalf("drawer told to forget %d times, want 1", ff.forgot)
	}
}
