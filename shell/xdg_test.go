package shell

import (
	"image"
	"testing"
	"time"

	"github.com/nofault/nofault/protocol"
	"github.com/rajveermalviya/go-wayland/wayland/client"
	xdg "github.com/rajveermalviya/go-wayland/wayland/stable/xdg-shell"
)

func TestXdgConfigureAckAndFocus(t *testing.T) {
	e := startEnv(t, Options{})
	var focus []*protocol.Object
	e.do(func() { e.sh.OnFocus(func(s *protocol.Object) { focus = append(focus, s) }) })
	tc := e.connect()
	w := tc.toplevel()
	if w.configures != 1 || w.size != [2]int32{0, 0} || len(w.states) != 0 {
		t.Fatalf("initial configure: %d configures, size %v, states %v", w.configures, w.size, w.states)
	}
	tc.mapWindow(w, 50, 50, white)
	if w.configures != 2 || !hasState(w.states, protocol.XdgToplevelStateActivated) {
		t.Fatalf("mapping: %d configures, states %v; want a second configure with activated", w.configures, w.states)
	}
	var got []uint32
	e.do(func() {
		for _, s := range focus {
			got = append(got, uint32(s.ID))
		}
	})
	if len(got) != 1 || got[0] != w.s.ID() {
		t.Fatalf("focus events %v, want [wl_surface@%d]", got, w.s.ID())
	}

	// A second window takes activation; the first is told.
	w2 := tc.toplevel()
	tc.mapWindow(w2, 50, 50, red)
	tc.mustRoundtrip()
	if hasState(w.states, protocol.XdgToplevelStateActivated) || !hasState(w2.states, protocol.XdgToplevelStateActivated) {
		t.Fatalf("after second map: first %v second %v", w.states, w2.states)
	}
	items := e.scene()
	if got := colors(items); !equal(got, []uint32{white, red}) {
		t.Fatalf("stacking %x, want white below red", got)
	}
	if items[0].dst.Min == items[1].dst.Min {
		t.Errorf("second window not cascaded: both at %v", items[0].dst.Min)
	}

	// Activate raises; SurfaceAt finds the top one.
	var ok bool
	e.do(func() { ok = e.sh.Activate(e.sh.Toplevels()[0]) })
	tc.mustRoundtrip()
	if !ok || !hasState(w.states, protocol.XdgToplevelStateActivated) {
		t.Fatalf("Activate: ok %v states %v", ok, w.states)
	}
	if got := colors(e.scene()); !equal(got, []uint32{red, white}) {
		t.Fatalf("after Activate: %x, want white on top", got)
	}
	p := items[0].dst.Min
	var hit *protocol.Object
	var sx, sy float64
	e.do(func() { hit, sx, sy = e.sh.SurfaceAt(float64(p.X)+2.5, float64(p.Y)+3.5) })
	if hit == nil || uint32(hit.ID) != w.s.ID() || sx != 2.5 || sy != 3.5 {
		t.Fatalf("SurfaceAt = %v (%v, %v), want wl_surface@%d (2.5, 3.5)", hit, sx, sy, w.s.ID())
	}

	// Destroying the focused toplevel moves focus to the other one.
	w.top.Destroy()
	tc.mustRoundtrip()
	if !hasState(w2.states, protocol.XdgToplevelStateActivated) {
		t.Fatalf("focus did not move on destroy: %v", w2.states)
	}
	if got := colors(e.scene()); !equal(got, []uint32{red}) {
		t.Fatalf("after destroy: %x, want red only", got)
	}
}

func TestXdgUnmapResets(t *testing.T) {
	e := startEnv(t, Options{})
	tc := e.connect()
	w := tc.toplevel()
	tc.mapWindow(w, 20, 20, white)
	w.s.Attach(nil, 0, 0)
	w.s.Commit()
	tc.mustRoundtrip()
	if len(e.scene()) != 0 {
		t.Fatal("still shown after NULL commit")
	}
	n := w.configures
	w.s.Commit() // a new initial commit
	tc.mustRoundtrip()
	if w.configures != n+1 {
		t.Fatalf("no configure for the initial commit after unmap")
	}
	tc.mapWindow(w, 20, 20, red)
	if got := colors(e.scene()); !equal(got, []uint32{red}) {
		t.Fatalf("remapped: %x", got)
	}
}

func TestXdgMaximizedConfigure(t *testing.T) {
	e := startEnv(t, Options{})
	tc := e.connect()
	w := &window{s: tc.surface()}
	w.xs, _ = tc.wm.GetXdgSurface(w.s)
	w.top, _ = w.xs.GetToplevel()
	var bounds [2]int32
	caps := 0
	w.top.SetConfigureBoundsHandler(func(ev xdg.ToplevelConfigureBoundsEvent) { bounds = [2]int32{ev.Width, ev.Height} })
	w.top.SetWmCapabilitiesHandler(func(ev xdg.ToplevelWmCapabilitiesEvent) { caps = len(ev.Capabilities) / 4 })
	w.xs.SetConfigureHandler(func(ev xdg.SurfaceConfigureEvent) { w.serial = ev.Serial })
	w.top.SetConfigureHandler(func(ev xdg.ToplevelConfigureEvent) {
		w.size = [2]int32{ev.Width, ev.Height}
		w.states = nil
		for i := 0; i+4 <= len(ev.States); i += 4 {
			w.states = append(w.states, uint32(ev.States[i]))
		}
	})
	w.top.SetMaximized()
	w.s.Commit()
	tc.mustRoundtrip()
	if w.size != [2]int32{800, 600} || !hasState(w.states, protocol.XdgToplevelStateMaximized) {
		t.Fatalf("maximized initial configure: size %v states %v", w.size, w.states)
	}
	if bounds != [2]int32{800, 600} || caps != 3 { // maximize, fullscreen, minimize
		t.Errorf("configure_bounds %v, wm_capabilities %d entries", bounds, caps)
	}
	tc.mapWindow(w, 800, 600, white)
	if items := e.scene(); len(items) != 1 || items[0].dst != image.Rect(0, 0, 800, 600) {
		t.Fatalf("maximized window at %v", items)
	}
	// The output grows: maximized windows get the new size.
	e.do(func() { e.out.SetMode(1024, 768) })
	tc.mustRoundtrip()
	if w.size != [2]int32{1024, 768} {
		t.Fatalf("after SetMode: configure size %v, want 1024x768", w.size)
	}
}

func TestXdgErrors(t *testing.T) {
	tests := []struct {
		name string
		do   func(tc *tclient) client.Proxy
		code protocol.ErrorCode
	}{
		{"buffer before ack", func(tc *tclient) client.Proxy {
			w := tc.toplevel()
			w.s.Attach(tc.buffer(4, 4, 1, 0), 0, 0)
			w.s.Commit()
			return w.xs
		}, protocol.XdgSurfaceErrorUnconfiguredBuffer},
		{"ack unknown serial", func(tc *tclient) client.Proxy {
			w := tc.toplevel()
			w.xs.AckConfigure(w.serial + 1000)
			return w.xs
		}, protocol.XdgSurfaceErrorInvalidSerial},
		{"ack twice", func(tc *tclient) client.Proxy {
			w := tc.toplevel()
			w.xs.AckConfigure(w.serial)
			w.xs.AckConfigure(w.serial)
			return w.xs
		}, protocol.XdgSurfaceErrorInvalidSerial},
		{"ack before role", func(tc *tclient) client.Proxy {
			xs, _ := tc.wm.GetXdgSurface(tc.surface())
			xs.AckConfigure(1)
			return xs
		}, protocol.XdgSurfaceErrorNotConstructed},
		{"commit without role", func(tc *tclient) client.Proxy {
			s := tc.surface()
			xs, _ := tc.wm.GetXdgSurface(s)
			s.Commit()
			return xs
		}, protocol.XdgSurfaceErrorNotConstructed},
		{"get_toplevel twice", func(tc *tclient) client.Proxy {
			xs, _ := tc.wm.GetXdgSurface(tc.surface())
			xs.GetToplevel()
			xs.GetToplevel()
			return xs
		}, protocol.XdgSurfaceErrorAlreadyConstructed},
		{"second xdg_surface", func(tc *tclient) client.Proxy {
			s := tc.surface()
			tc.wm.GetXdgSurface(s)
			tc.wm.GetXdgSurface(s)
			return tc.wm
		}, protocol.XdgWmBaseErrorRole},
		{"subsurface gets xdg_surface", func(tc *tclient) client.Proxy {
			s := tc.surface()
			tc.subc.GetSubsurface(s, tc.surface())
			tc.wm.GetXdgSurface(s)
			return tc.wm
		}, protocol.XdgWmBaseErrorRole},
		{"toplevel then popup role", func(tc *tclient) client.Proxy {
			w := tc.toplevel()
			w.top.Destroy()
			w.xs.Destroy()
			xs, _ := tc.wm.GetXdgSurface(w.s)
			pos := tc.positioner(10, 10)
			xs.GetPopup(nil, pos)
			return tc.wm
		}, protocol.XdgWmBaseErrorRole},
		{"buffer before get_xdg_surface", func(tc *tclient) client.Proxy {
			s := tc.surface()
			s.Attach(tc.buffer(4, 4, 1, 0), 0, 0)
			tc.wm.GetXdgSurface(s)
			return tc.wm
		}, protocol.XdgWmBaseErrorInvalidSurfaceState},
		{"xdg_surface destroyed before toplevel", func(tc *tclient) client.Proxy {
			w := tc.toplevel()
			w.xs.Destroy()
			return w.xs
		}, protocol.XdgSurfaceErrorDefunctRoleObject},
		{"wm_base destroyed with surfaces", func(tc *tclient) client.Proxy {
			tc.wm.GetXdgSurface(tc.surface())
			tc.wm.Destroy()
			return tc.wm
		}, protocol.XdgWmBaseErrorDefunctSurfaces},
		{"window geometry zero", func(tc *tclient) client.Proxy {
			w := tc.toplevel()
			w.xs.SetWindowGeometry(0, 0, 0, 10)
			return w.xs
		}, protocol.XdgSurfaceErrorInvalidSize},
		{"resize edge", func(tc *tclient) client.Proxy {
			w := tc.toplevel()
			w.top.Resize(tc.seat, 0, 3)
			return w.top
		}, protocol.XdgToplevelErrorInvalidResizeEdge},
		{"parent self", func(tc *tclient) client.Proxy {
			w := tc.toplevel()
			w.top.SetParent(w.top)
			return w.top
		}, protocol.XdgToplevelErrorInvalidParent},
		{"parent loop", func(tc *tclient) client.Proxy {
			a, b := tc.toplevel(), tc.toplevel()
			tc.mapWindow(a, 10, 10, white)
			tc.mapWindow(b, 10, 10, white)
			b.top.SetParent(a.top)
			a.top.SetParent(b.top)
			return a.top
		}, protocol.XdgToplevelErrorInvalidParent},
		{"negative min size", func(tc *tclient) client.Proxy {
			w := tc.toplevel()
			w.top.SetMinSize(-1, 10)
			return w.top
		}, protocol.XdgToplevelErrorInvalidSize},
		{"min above max", func(tc *tclient) client.Proxy {
			w := tc.toplevel()
			w.top.SetMinSize(100, 100)
			w.top.SetMaxSize(50, 50)
			w.s.Commit()
			return w.top
		}, protocol.XdgToplevelErrorInvalidSize},
		{"positioner size zero", func(tc *tclient) client.Proxy {
			p, _ := tc.wm.CreatePositioner()
			p.SetSize(0, 10)
			return p
		}, protocol.XdgPositionerErrorInvalidInput},
		{"positioner anchor rect negative", func(tc *tclient) client.Proxy {
			p, _ := tc.wm.CreatePositioner()
			p.SetAnchorRect(0, 0, -1, 1)
			return p
		}, protocol.XdgPositionerErrorInvalidInput},
		{"positioner anchor 9", func(tc *tclient) client.Proxy {
			p, _ := tc.wm.CreatePositioner()
			p.SetAnchor(9)
			return p
		}, protocol.XdgPositionerErrorInvalidInput},
		{"incomplete positioner", func(tc *tclient) client.Proxy {
			w := tc.toplevel()
			p, _ := tc.wm.CreatePositioner()
			p.SetSize(10, 10)
			xs, _ := tc.wm.GetXdgSurface(tc.surface())
			xs.GetPopup(w.xs, p)
			return tc.wm
		}, protocol.XdgWmBaseErrorInvalidPositioner},
		{"popup without parent", func(tc *tclient) client.Proxy {
			s := tc.surface()
			xs, _ := tc.wm.GetXdgSurface(s)
			xs.GetPopup(nil, tc.positioner(10, 10))
			s.Commit()
			return tc.wm
		}, protocol.XdgWmBaseErrorInvalidPopupParent},
		{"popup not topmost", func(tc *tclient) client.Proxy {
			w := tc.toplevel()
			p1 := tc.popup(w.xs, tc.positioner(10, 10))
			tc.popup(p1.xs, tc.positioner(10, 10))
			p1.pop.Destroy()
			return tc.wm
		}, protocol.XdgWmBaseErrorNotTheTopmostPopup},
		{"grab after commit", func(tc *tclient) client.Proxy {
			w := tc.toplevel()
			p := tc.popup(w.xs, tc.positioner(10, 10))
			p.pop.Grab(tc.seat, 0)
			return p.pop
		}, protocol.XdgPopupErrorInvalidGrab},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := startEnv(t, Options{})
			tc := e.connect()
			tc.expectError(tt.do(tc), tt.code)
		})
	}
}

func (tc *tclient) positioner(w, h int32) *xdg.Positioner {
	p, err := tc.wm.CreatePositioner()
	if err != nil {
		tc.t.Fatal(err)
	}
	p.SetSize(w, h)
	p.SetAnchorRect(0, 0, 1, 1)
	return p
}

type popupWin struct {
	s      *client.Surface
	xs     *xdg.Surface
	pop    *xdg.Popup
	serial uint32
	geom   image.Rectangle
	done   bool
	token  uint32
}

// popup creates a popup of parent and makes its initial commit.
func (tc *tclient) popup(parent *xdg.Surface, pos *xdg.Positioner) *popupWin {
	tc.t.Helper()
	p := &popupWin{s: tc.surface()}
	p.xs, _ = tc.wm.GetXdgSurface(p.s)
	var err error
	if p.pop, err = p.xs.GetPopup(parent, pos); err != nil {
		tc.t.Fatal(err)
	}
	p.xs.SetConfigureHandler(func(ev xdg.SurfaceConfigureEvent) { p.serial = ev.Serial })
	p.pop.SetConfigureHandler(func(ev xdg.PopupConfigureEvent) {
		p.geom = image.Rect(int(ev.X), int(ev.Y), int(ev.X+ev.Width), int(ev.Y+ev.Height))
	})
	p.pop.SetPopupDoneHandler(func(xdg.PopupPopupDoneEvent) { p.done = true })
	p.pop.SetRepositionedHandler(func(ev xdg.PopupRepositionedEvent) { p.token = ev.Token })
	p.s.Commit()
	tc.mustRoundtrip()
	return p
}

func TestPopupPlacement(t *testing.T) {
	e := startEnv(t, Options{})
	tc := e.connect()
	w := tc.toplevel()
	tc.mapWindow(w, 200, 100, white) // centred: geometry at (300, 250)
	pos, _ := tc.wm.CreatePositioner()
	pos.SetSize(50, 40)
	pos.SetAnchorRect(10, 10, 20, 20)
	pos.SetAnchor(uint32(protocol.XdgPositionerAnchorBottomRight))
	pos.SetGravity(uint32(protocol.XdgPositionerGravityBottomRight))
	pos.SetOffset(1, 2)
	p := tc.popup(w.xs, pos)
	if want := image.Rect(31, 32, 81, 72); p.geom != want {
		t.Fatalf("popup configure %v, want %v", p.geom, want)
	}
	p.xs.AckConfigure(p.serial)
	p.s.Attach(tc.buffer(50, 40, 0, red), 0, 0)
	p.s.Commit()
	tc.mustRoundtrip()
	items := e.scene()
	if got := colors(items); !equal(got, []uint32{white, red}) {
		t.Fatalf("scene %x, want toplevel then popup", got)
	}
	if want := image.Rect(331, 282, 381, 322); items[1].dst != want {
		t.Fatalf("popup at %v, want %v", items[1].dst, want)
	}

	// Reposition near the right edge of the output with flip_x.
	pos2, _ := tc.wm.CreatePositioner()
	pos2.SetSize(400, 20)
	pos2.SetAnchorRect(190, 0, 10, 10)
	pos2.SetAnchor(uint32(protocol.XdgPositionerAnchorTopRight))
	pos2.SetGravity(uint32(protocol.XdgPositionerGravityBottomRight))
	pos2.SetConstraintAdjustment(uint32(protocol.XdgPositionerConstraintAdjustmentFlipX))
	p.pop.Reposition(pos2, 42)
	tc.mustRoundtrip()
	// Unflipped it would span x 200..600 in the parent = 500..900 on the
	// 800-pixel output; flipped it ends at the anchor rect's left edge.
	if want := image.Rect(-210, 0, 190, 20); p.geom != want || p.token != 42 {
		t.Fatalf("repositioned to %v token %d, want %v token 42", p.geom, p.token, want)
	}

	// Unmapping the parent dismisses the popup.
	w.s.Attach(nil, 0, 0)
	w.s.Commit()
	tc.mustRoundtrip()
	if !p.done {
		t.Fatal("popup_done not sent when the parent unmapped")
	}
	if len(e.scene()) != 0 {
		t.Fatal("popup still shown")
	}
}

func TestPositionerPlace(t *testing.T) {
	bounds := image.Rect(0, 0, 100, 100)
	A := protocol.XdgPositionerConstraintAdjustment(0)
	tests := []struct {
		name    string
		anchor  protocol.XdgPositionerAnchor
		gravity protocol.XdgPositionerGravity
		rect    image.Rectangle
		adjust  protocol.XdgPositionerConstraintAdjustment
		want    image.Rectangle
	}{
		{"centre", protocol.XdgPositionerAnchorNone, protocol.XdgPositionerGravityNone, image.Rect(40, 40, 60, 60), A, image.Rect(40, 45, 60, 55)},
		{"top left", protocol.XdgPositionerAnchorTopLeft, protocol.XdgPositionerGravityTopLeft, image.Rect(40, 40, 60, 60), A, image.Rect(20, 30, 40, 40)},
		{"bottom", protocol.XdgPositionerAnchorBottom, protocol.XdgPositionerGravityBottom, image.Rect(40, 40, 60, 60), A, image.Rect(40, 60, 60, 70)},
		{"unconstrained overflow", protocol.XdgPositionerAnchorRight, protocol.XdgPositionerGravityRight, image.Rect(80, 0, 90, 10), A, image.Rect(90, 0, 110, 10)},
		{"flip x", protocol.XdgPositionerAnchorRight, protocol.XdgPositionerGravityRight, image.Rect(80, 0, 90, 10), protocol.XdgPositionerConstraintAdjustmentFlipX, image.Rect(60, 0, 80, 10)},
		{"flip y", protocol.XdgPositionerAnchorBottom, protocol.XdgPositionerGravityBottom, image.Rect(40, 90, 60, 95), protocol.XdgPositionerConstraintAdjustmentFlipY, image.Rect(40, 80, 60, 90)},
		{"slide x", protocol.XdgPositionerAnchorRight, protocol.XdgPositionerGravityRight, image.Rect(80, 0, 90, 10), protocol.XdgPositionerConstraintAdjustmentSlideX, image.Rect(80, 0, 100, 10)},
		{"slide y up", protocol.XdgPositionerAnchorBottom, protocol.XdgPositionerGravityBottom, image.Rect(40, 95, 60, 100), protocol.XdgPositionerConstraintAdjustmentSlideY, image.Rect(40, 90, 60, 100)},
		{"resize x", protocol.XdgPositionerAnchorRight, protocol.XdgPositionerGravityRight, image.Rect(80, 0, 90, 10), protocol.XdgPositionerConstraintAdjustmentResizeX, image.Rect(90, 0, 100, 10)},
		{"flip fails then slide", protocol.XdgPositionerAnchorRight, protocol.XdgPositionerGravityRight, image.Rect(5, 0, 95, 10),
			protocol.XdgPositionerConstraintAdjustmentFlipX | protocol.XdgPositionerConstraintAdjustmentSlideX, image.Rect(80, 0, 100, 10)},
	}
	for _, tt := range tests {
		r := positionerRules{w: 20, h: 10, anchorRect: tt.rect, anchorSet: true,
			anchor: tt.anchor, gravity: tt.gravity, adjust: tt.adjust}
		if got := r.place(bounds); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestPingUnresponsive(t *testing.T) {
	e := startEnv(t, Options{PingInterval: time.Second, PingTimeout: 2 * time.Second})
	tc := e.connect()
	pinged := 0
	tc.wm.SetPingHandler(func(ev xdg.WmBasePingEvent) { pinged++ }) // never pongs
	t0 := time.Now()
	e.frame(t0.Add(time.Second))
	tc.mustRoundtrip()
	if pinged != 1 {
		t.Fatalf("pinged %d times, want 1", pinged)
	}
	e.frame(t0.Add(5 * time.Second))
	tc.expectError(tc.wm, protocol.XdgWmBaseErrorUnresponsive)
}

func TestPingPong(t *testing.T) {
	e := startEnv(t, Options{PingInterval: time.Second, PingTimeout: 2 * time.Second})
	tc := e.connect() // pongs
	t0 := time.Now()
	for i := 1; i <= 5; i++ {
		e.frame(t0.Add(time.Duration(i) * 1500 * time.Millisecond))
		tc.mustRoundtrip()
	}
}

// TestPingSchedule checks when pings go out with a frame at every step
// (pingClients skips its walk over the clients until the next ping or
// timeout is due): a new client is pinged at the next frame, an answered
// one an interval after its last ping, a new client at once even while
// another's ping is not due, and an unanswered one is dropped only past
// the timeout.
func TestPingSchedule(t *testing.T) {
	e := startEnv(t, Options{PingInterval: time.Second, PingTimeout: 2 * time.Second})
	a := e.connect()
	pinged := 0
	a.wm.SetPingHandler(func(ev xdg.WmBasePingEvent) { pinged++; a.wm.Pong(ev.Serial) })
	t0 := time.Now()
	step := func(d time.Duration, want int) {
		t.Helper()
		e.frame(t0.Add(d))
		a.mustRoundtrip()
		if pinged != want {
			t.Fatalf("at %v: pinged %d times, want %d", d, pinged, want)
		}
	}
	step(0, 1) // new: pinged at once
	step(500*time.Millisecond, 1)
	step(999*time.Millisecond, 1)
	step(time.Second, 2) // answered: the next an interval later
	step(1500*time.Millisecond, 2)

	b := e.connect()
	bPinged := 0
	b.wm.SetPingHandler(func(ev xdg.WmBasePingEvent) { bPinged++ }) // never pongs
	e.frame(t0.Add(1600 * time.Millisecond))
	b.mustRoundtrip()
	if bPinged != 1 {
		t.Fatalf("a new client was pinged %d times at the next frame, want 1", bPinged)
	}
	step(2*time.Second, 3)
	e.frame(t0.Add(3600 * time.Millisecond)) // exactly the timeout: not yet
	b.mustRoundtrip()
	e.frame(t0.Add(3601 * time.Millisecond))
	b.expectError(b.wm, protocol.XdgWmBaseErrorUnresponsive)
}
