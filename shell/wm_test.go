package shell

import (
	"image"
	"testing"

	"github.com/nofault/nofault/protocol"
	xdg "github.com/rajveermalviya/go-wayland/wayland/stable/xdg-shell"
)

// The test output is 800x600 (startEnv).

// windowRects returns the scene's rectangles by colour.
func windowRects(e *env) map[uint32]image.Rectangle {
	m := map[uint32]image.Rectangle{}
	for _, it := range e.scene() {
		m[it.color] = it.dst
	}
	return m
}

// topSurfaces returns the server's toplevel wl_surfaces, bottom first.
func topSurfaces(e *env) []*protocol.Object {
	var out []*protocol.Object
	e.do(func() { out = e.sh.Toplevels() })
	return out
}

func TestPlacementNoOverlap(t *testing.T) {
	e := startEnv(t, Options{})
	tc := e.connect()
	colors := []uint32{0xff100000, 0xff200000, 0xff300000}
	for _, c := range colors {
		tc.mapWindow(tc.toplevel(), 250, 200, c)
	}
	r := windowRects(e)
	out := image.Rect(0, 0, 800, 600)
	if want := image.Rect(275, 200, 525, 400); r[colors[0]] != want {
		t.Errorf("first window at %v, want %v (centred)", r[colors[0]], want)
	}
	for i, a := range colors {
		if !r[a].In(out) {
			t.Errorf("window %d at %v leaves the output", i, r[a])
		}
		for _, b := range colors[i+1:] {
			if r[a].Overlaps(r[b]) {
				t.Errorf("windows at %v and %v overlap", r[a], r[b])
			}
		}
	}
}

// TestPlacementCrowded: windows too large to sit side by side still leave
// part of every title bar visible while that is possible, are never
// placed on another window's corner, and stay on the output.
func TestPlacementCrowded(t *testing.T) {
	e := startEnv(t, Options{})
	tc := e.connect()
	for i := 0; i < 12; i++ {
		tc.mapWindow(tc.toplevel(), 500, 400, 0xff000000|uint32(i+1)<<16)
	}
	items := e.scene()
	out := image.Rect(0, 0, 800, 600)
	corners := map[image.Point]bool{}
	for i, it := range items {
		if !it.dst.In(out) {
			t.Errorf("window %d at %v leaves the output", i, it.dst)
		}
		if corners[it.dst.Min] {
			t.Errorf("window %d at %v: another window has that corner", i, it.dst)
		}
		corners[it.dst.Min] = true
		if i >= 4 {
			continue // four 500x400 windows fit with a title bar each
		}
		visible := false
		for x := it.dst.Min.X; x < it.dst.Max.X && !visible; x += 4 {
			p := image.Pt(x, it.dst.Min.Y+2)
			visible = true
			for _, above := range items[i+1 : 4] {
				if p.In(above.dst) {
					visible = false
					break
				}
			}
		}
		if !visible {
			t.Errorf("window %d at %v: its title bar is hidden by the windows above (%v)", i, it.dst, items[i+1:4])
		}
	}
}

// TestPlacementFitsOutput: a window larger than the output is asked for the
// output's size and placed at its corner.
func TestPlacementFitsOutput(t *testing.T) {
	e := startEnv(t, Options{})
	tc := e.connect()
	w := tc.toplevel()
	tc.mapWindow(w, 1000, 700, white)
	if w.size != [2]int32{800, 600} {
		t.Errorf("configure after mapping a 1000x700 window: %v, want 800x600", w.size)
	}
	if r := windowRects(e)[white]; r.Min != (image.Point{}) {
		t.Errorf("large window at %v, want at 0,0", r)
	}
}

// TestRestoreGeometry: unmaximize and unfullscreen ask for the size the
// window had and put it back where it was, through any chain of states.
func TestRestoreGeometry(t *testing.T) {
	e := startEnv(t, Options{})
	tc := e.connect()
	w := tc.toplevel()
	tc.mapWindow(w, 300, 200, white)
	surf := topSurfaces(e)[0]
	e.do(func() { e.sh.MoveTo(surf, 100, 50) })
	want := image.Rect(100, 50, 400, 250)

	for _, tc2 := range []struct {
		name       string
		set, unset []func()
	}{
		{"maximize", []func(){func() { w.top.SetMaximized() }}, []func(){func() { w.top.UnsetMaximized() }}},
		{"fullscreen", []func(){func() { w.top.SetFullscreen(nil) }}, []func(){func() { w.top.UnsetFullscreen() }}},
		{"maximize then fullscreen",
			[]func(){func() { w.top.SetMaximized() }, func() { w.top.SetFullscreen(nil) }},
			[]func(){func() { w.top.UnsetFullscreen() }, func() { w.top.UnsetMaximized() }}},
	} {
		for _, f := range tc2.set {
			f()
			tc.mustRoundtrip()
			tc.mapWindow(w, int(w.size[0]), int(w.size[1]), white)
		}
		if r := windowRects(e)[white]; r != image.Rect(0, 0, 800, 600) {
			t.Fatalf("%s: window at %v, want the whole output", tc2.name, r)
		}
		for _, f := range tc2.unset {
			f()
			tc.mustRoundtrip()
		}
		if w.size != [2]int32{300, 200} || hasState(w.states, protocol.XdgToplevelStateMaximized) ||
			hasState(w.states, protocol.XdgToplevelStateFullscreen) {
			t.Fatalf("%s: restoring configure %v states %v, want 300x200 without maximized/fullscreen", tc2.name, w.size, w.states)
		}
		tc.mapWindow(w, 300, 200, white)
		if r := windowRects(e)[white]; r != want {
			t.Fatalf("%s: restored window at %v, want %v", tc2.name, r, want)
		}
	}
}

// TestOutputShrinkKeepsWindowsReachable: when the output shrinks, windows
// move so that their title bar is on it, including the place a maximized
// window goes back to; configure_bounds follows the output.
func TestOutputShrinkKeepsWindowsReachable(t *testing.T) {
	e := startEnv(t, Options{})
	tc := e.connect()
	a, b := tc.toplevel(), tc.toplevel()
	var bounds [2]int32
	a.top.SetConfigureBoundsHandler(func(ev xdg.ToplevelConfigureBoundsEvent) { bounds = [2]int32{ev.Width, ev.Height} })
	tc.mapWindow(a, 300, 200, white)
	tc.mapWindow(b, 300, 200, 0xff00ff00)
	s := topSurfaces(e)
	e.do(func() {
		e.sh.MoveTo(s[0], 600, 450)
		e.sh.MoveTo(s[1], -250, 500)
	})
	b.top.SetMaximized()
	tc.mustRoundtrip()
	tc.mapWindow(b, 800, 600, 0xff00ff00)

	e.do(func() { e.out.SetMode(400, 300) })
	tc.mustRoundtrip()
	if bounds != [2]int32{400, 300} {
		t.Errorf("configure_bounds after the output shrank: %v, want 400x300", bounds)
	}
	out := image.Rect(0, 0, 400, 300)
	reach := func(what string, r image.Rectangle) {
		t.Helper()
		title := image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+reachTitle).Intersect(out)
		if title.Dy() < reachTitle || title.Dx() < reachWidth {
			t.Errorf("%s at %v: title bar area %v on the %v output, want at least %dx%d", what, r, title, out.Size(), reachWidth, reachTitle)
		}
	}
	reach("floating window", windowRects(e)[white])
	if b.size != [2]int32{400, 300} {
		t.Errorf("maximized window configured %v, want 400x300", b.size)
	}
	tc.mapWindow(b, 400, 300, 0xff00ff00)
	b.top.UnsetMaximized()
	tc.mustRoundtrip()
	tc.mapWindow(b, int(b.size[0]), int(b.size[1]), 0xff00ff00)
	reach("unmaximized window", windowRects(e)[0xff00ff00])
}

func TestMinimizeAndRestore(t *testing.T) {
	e := startEnv(t, Options{})
	tc := e.connect()
	a, b := tc.toplevel(), tc.toplevel()
	const colA, colB = 0xffaa0000, 0xff00bb00
	tc.mapWindow(a, 100, 100, colA)
	tc.mapWindow(b, 100, 100, colB)
	b.top.SetMinimized()
	tc.mustRoundtrip()
	if r := windowRects(e); len(r) != 1 || r[colA].Empty() {
		t.Fatalf("after minimizing B the scene has %v, want A alone", r)
	}
	if !hasState(a.states, protocol.XdgToplevelStateActivated) || hasState(b.states, protocol.XdgToplevelStateActivated) {
		t.Errorf("after minimizing B: A states %v, B states %v; want A activated", a.states, b.states)
	}
	var n int
	e.do(func() { n = len(e.sh.Minimized()) })
	if n != 1 {
		t.Fatalf("%d minimized windows, want 1", n)
	}
	var ok bool
	e.do(func() { ok = e.sh.RestoreMinimized() })
	tc.mustRoundtrip()
	items := e.scene()
	if !ok || len(items) != 2 || items[1].color != colB {
		t.Fatalf("after RestoreMinimized: %v, want B back on top", items)
	}
	if !hasState(b.states, protocol.XdgToplevelStateActivated) {
		t.Errorf("restored B not activated: %v", b.states)
	}
	e.do(func() { ok = e.sh.RestoreMinimized() })
	if ok {
		t.Error("RestoreMinimized with nothing minimized reported true")
	}
}

func TestCycleWindows(t *testing.T) {
	e := startEnv(t, Options{})
	tc := e.connect()
	cols := []uint32{0xff010000, 0xff020000, 0xff030000}
	var ws []*window
	for _, c := range cols {
		w := tc.toplevel()
		tc.mapWindow(w, 500, 400, c) // overlapping: cascaded
		ws = append(ws, w)
	}
	for _, want := range []int{0, 1, 2, 0} {
		e.do(func() { e.sh.CycleWindows() })
		tc.mustRoundtrip()
		items := e.scene()
		if items[len(items)-1].color != cols[want] {
			t.Fatalf("cycle: top window %#x, want %#x", items[len(items)-1].color, cols[want])
		}
		for i, w := range ws {
			if act := hasState(w.states, protocol.XdgToplevelStateActivated); act != (i == want) {
				t.Errorf("cycle to %d: window %d activated=%v", want, i, act)
			}
		}
	}
}

func TestInteractiveMove(t *testing.T) {
	e := startEnv(t, Options{})
	tc := e.connect()
	w := tc.toplevel()
	tc.mapWindow(w, 200, 100, white)
	start := windowRects(e)[white]
	surf := topSurfaces(e)[0]
	var ok bool
	e.do(func() {
		in := e.sh.BeginMove(surf, 400, 300)
		ok = in != nil && in.Motion(450, 280) && in.Motion(470, 260)
		in.End()
	})
	if r := windowRects(e)[white]; !ok || r != start.Add(image.Pt(70, -40)) {
		t.Fatalf("moved window at %v (ok %v), want %v", r, ok, start.Add(image.Pt(70, -40)))
	}
	// Dragged far off: the title bar stays on the output.
	e.do(func() {
		in := e.sh.BeginMove(surf, 0, 0)
		in.Motion(-5000, -5000)
		in.End()
	})
	if r := windowRects(e)[white]; r.Min.Y != 0 || r.Max.X < reachWidth {
		t.Errorf("window dragged off the top-left at %v: not reachable", r)
	}
	w.top.SetMaximized()
	tc.mustRoundtrip()
	e.do(func() {
		if e.sh.BeginMove(surf, 0, 0) != nil || e.sh.BeginResize(surf, 8, 0, 0) != nil {
			t.Error("a maximized window can be moved or resized")
		}
	})
}

// TestInteractiveResize drags the left edge: configures carry the resizing
// state and the pointer's size, the right edge stays put while the client
// follows, and the last configure drops the resizing state.
func TestInteractiveResize(t *testing.T) {
	e := startEnv(t, Options{})
	tc := e.connect()
	w := tc.toplevel()
	w.top.SetMinSize(150, 0)
	tc.mapWindow(w, 300, 200, white)
	start := windowRects(e)[white]
	surf := topSurfaces(e)[0]
	var in *Interactive
	e.do(func() {
		in = e.sh.BeginResize(surf, protocol.XdgToplevelResizeEdgeLeft, float64(start.Min.X), 300)
	})
	if in == nil {
		t.Fatal("BeginResize refused")
	}
	tc.mustRoundtrip()
	if !hasState(w.states, protocol.XdgToplevelStateResizing) {
		t.Errorf("resize start: states %v, want resizing", w.states)
	}
	e.do(func() { in.Motion(float64(start.Min.X-50), 320) })
	tc.mustRoundtrip()
	if w.size != [2]int32{350, 200} || !hasState(w.states, protocol.XdgToplevelStateResizing) {
		t.Fatalf("resize configure %v states %v, want 350x200 resizing", w.size, w.states)
	}
	tc.mapWindow(w, 350, 200, white)
	if r := windowRects(e)[white]; r != image.Rect(start.Min.X-50, start.Min.Y, start.Max.X, start.Max.Y) {
		t.Fatalf("after the client resized: %v, want the right edge at %d", r, start.Max.X)
	}
	e.do(func() { in.Motion(float64(start.Min.X+500), 320) }) // past the minimum width
	tc.mustRoundtrip()
	if w.size != [2]int32{150, 200} {
		t.Fatalf("resize below the minimum: configure %v, want 150x200", w.size)
	}
	tc.mapWindow(w, 150, 200, white)
	e.do(func() { in.End() })
	tc.mustRoundtrip()
	if w.size != [2]int32{150, 200} || hasState(w.states, protocol.XdgToplevelStateResizing) {
		t.Fatalf("resize end: configure %v states %v, want 150x200 without resizing", w.size, w.states)
	}
	tc.mapWindow(w, 150, 200, white)
	want := image.Rect(start.Max.X-150, start.Min.Y, start.Max.X, start.Max.Y)
	if r := windowRects(e)[white]; r != want {
		t.Fatalf("after the resize: %v, want %v", r, want)
	}
	// Once the last configure is committed the window grows to the right
	// again when it resizes itself.
	b := tc.buffer(200, 200, 1, white)
	w.s.Attach(b, 0, 0)
	w.s.Commit()
	tc.mustRoundtrip()
	if r := windowRects(e)[white]; r.Min != want.Min {
		t.Errorf("self-resize after the grab moved the window to %v, want it at %v", r, want.Min)
	}
}
