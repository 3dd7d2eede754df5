package shell

import (
	"testing"

	"github.com/nofault/nofault/protocol"
	xdg "github.com/rajveermalviya/go-wayland/wayland/stable/xdg-shell"
)

// A grabbing popup takes the keyboard focus when it maps and gives it back
// to its toplevel when it goes; another toplevel mapping dismisses it;
// every popup going away runs the scene-change hooks while its wl_surface
// still lives (so the seat can send wl_pointer.leave for it). WLCS
// XdgPopupTest.grabbed_popup_gets_keyboard_focus,
// grabbed_popup_gets_done_event_when_new_toplevel_created and
// popup_gives_up_pointer_focus_when_gone found all three missing.
func TestPopupGrab(t *testing.T) {
	e := startEnv(t, Options{})
	var focus []*protocol.Object
	var sceneLive []bool // for each scene change: do all wl_surfaces live?
	e.do(func() {
		e.sh.OnFocus(func(s *protocol.Object) { focus = append(focus, s) })
		e.sh.OnSceneChange(func(*protocol.Object) {
			live := true
			for s := range e.sh.surfaces {
				live = live && !s.obj.Destroyed()
			}
			sceneLive = append(sceneLive, live)
		})
	})
	tc := e.connect()
	w := tc.toplevel()
	tc.mapWindow(w, 200, 100, white)

	grabbed := func() *popupWin {
		p := &popupWin{s: tc.surface()}
		p.xs, _ = tc.wm.GetXdgSurface(p.s)
		p.pop, _ = p.xs.GetPopup(w.xs, tc.positioner(20, 20))
		p.xs.SetConfigureHandler(func(ev xdg.SurfaceConfigureEvent) { p.serial = ev.Serial })
		p.pop.SetPopupDoneHandler(func(xdg.PopupPopupDoneEvent) { p.done = true })
		p.pop.Grab(tc.seat, 1)
		p.s.Commit()
		tc.mustRoundtrip()
		p.xs.AckConfigure(p.serial)
		p.s.Attach(tc.buffer(20, 20, 0, red), 0, 0)
		p.s.Commit()
		tc.mustRoundtrip()
		return p
	}
	surfaceOf := func(id uint32) *protocol.Object {
		var o *protocol.Object
		e.do(func() {
			for s := range e.sh.surfaces {
				if uint32(s.obj.ID) == id {
					o = s.obj
				}
			}
		})
		return o
	}
	top := surfaceOf(w.s.ID())
	lastFocus := func() *protocol.Object {
		var f *protocol.Object
		e.do(func() {
			if len(focus) > 0 {
				f = focus[len(focus)-1]
			}
		})
		return f
	}
	scenesSeen := func() []bool {
		var out []bool
		e.do(func() { out = append(out, sceneLive...) })
		return out
	}
	p := grabbed()
	if f := lastFocus(); f == nil || f != surfaceOf(p.s.ID()) {
		t.Fatalf("focus went to %v, want the grabbing popup", f)
	}
	scenes := len(scenesSeen())
	p.pop.Destroy()
	tc.mustRoundtrip()
	if seen := scenesSeen(); len(seen) == scenes || !seen[len(seen)-1] {
		t.Errorf("destroying the popup: scene hooks %v, want a run while its wl_surface lives", seen[scenes:])
	}
	if f := lastFocus(); f != top {
		t.Errorf("after the popup went, focus on %v, want the toplevel", f)
	}
	p.xs.Destroy()
	p.s.Destroy()

	p = grabbed()
	w2 := tc.toplevel()
	tc.mapWindow(w2, 50, 50, green)
	if !p.done {
		t.Error("a new toplevel mapped and the grabbing popup got no popup_done")
	}
}
