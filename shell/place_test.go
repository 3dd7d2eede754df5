package shell

import (
	"image"
	"testing"
)

// MoveSurfaceTo puts the wl_surface's top-left corner at the point, also
// when a window geometry or a subsurface left of the surface moves the
// geometry's corner elsewhere; maximized windows go there when restored.
func TestMoveSurfaceTo(t *testing.T) {
	e := startEnv(t, Options{})
	tc := e.connect()
	plain := tc.toplevel()
	tc.mapWindow(plain, 40, 30, white)
	shadow := tc.toplevel()
	shadow.xs.SetWindowGeometry(5, 6, 20, 10)
	tc.mapWindow(shadow, 40, 30, red)
	wide := tc.toplevel()
	tc.mapWindow(wide, 40, 30, green)
	tc.child(wide.s, white, -10, -20)
	wide.s.Commit()
	tc.mustRoundtrip()

	origin := func(i int) image.Point {
		t.Helper()
		var p image.Point
		e.do(func() {
			var ok bool
			if p, ok = e.sh.SurfaceOrigin(e.sh.Toplevels()[i]); !ok {
				t.Errorf("toplevel %d not visible", i)
			}
		})
		return p
	}
	for i := range 3 {
		e.do(func() {
			if !e.sh.MoveSurfaceTo(e.sh.Toplevels()[i], 100+i, 200) {
				t.Errorf("MoveSurfaceTo(toplevel %d) = false", i)
			}
		})
		if got, want := origin(i), image.Pt(100+i, 200); got != want {
			t.Errorf("toplevel %d: surface at %v, want %v", i, got, want)
		}
	}
	e.do(func() {
		if x, y, _ := e.sh.Position(e.sh.Toplevels()[1]); x != 106 || y != 206 {
			t.Errorf("window geometry of the shadowed toplevel at %d,%d, want 106,206", x, y)
		}
	})

	// Maximized: it stays, and goes to the new place on restore.
	plain.top.SetMaximized()
	tc.mustRoundtrip()
	e.do(func() { e.sh.MoveSurfaceTo(e.sh.Toplevels()[0], 300, 310) })
	if got := origin(0); got != (image.Point{}) {
		t.Errorf("maximized toplevel moved to %v", got)
	}
	plain.top.UnsetMaximized()
	tc.mustRoundtrip()
	if got := origin(0); got != image.Pt(300, 310) {
		t.Errorf("restored toplevel at %v, want 300,310", got)
	}

	// Not a toplevel's surface.
	s := tc.surface()
	tc.mustRoundtrip()
	e.do(func() {
		for x := range e.sh.surfaces {
			if uint32(x.obj.ID) == s.ID() && e.sh.MoveSurfaceTo(x.obj, 0, 0) {
				t.Error("MoveSurfaceTo of a role-less surface = true")
			}
		}
		if e.sh.MoveSurfaceTo(nil, 0, 0) {
			t.Error("MoveSurfaceTo of a role-less surface = true")
		}
	})
}

// A subsurface mapped or moved above-left of its parent extends the
// implicit window geometry; the parent surface stays where it is on the
// output and the window geometry's corner moves instead (WLCS
// SubsurfaceTest.subsurface_moves_under_input_device_once found the
// parent jumping away from the pointer).
func TestSurfaceStaysWhenGeometryGrows(t *testing.T) {
	e := startEnv(t, Options{})
	tc := e.connect()
	w := tc.toplevel()
	tc.mapWindow(w, 40, 30, white)
	e.do(func() { e.sh.MoveTo(e.sh.Toplevels()[0], 100, 100) })
	_, sub := tc.child(w.s, red, 5, 5)
	w.s.Commit()
	tc.mustRoundtrip()
	surfaceAt := func() (image.Point, image.Point) {
		var o image.Point
		var x, y int
		e.do(func() {
			top := e.sh.Toplevels()[0]
			o, _ = e.sh.SurfaceOrigin(top)
			x, y, _ = e.sh.Position(top)
		})
		return o, image.Pt(x, y)
	}
	if o, g := surfaceAt(); o != image.Pt(100, 100) || g != image.Pt(100, 100) {
		t.Fatalf("surface at %v, geometry at %v, want both at 100,100", o, g)
	}
	sub.SetPosition(-10, -20)
	w.s.Commit()
	tc.mustRoundtrip()
	if o, g := surfaceAt(); o != image.Pt(100, 100) || g != image.Pt(90, 80) {
		t.Errorf("after the subsurface moved to -10,-20: surface at %v, geometry at %v; want 100,100 and 90,80", o, g)
	}
	sub.SetPosition(0, 0)
	w.s.Commit()
	tc.mustRoundtrip()
	if o, g := surfaceAt(); o != image.Pt(100, 100) || g != image.Pt(100, 100) {
		t.Errorf("after it moved back: surface at %v, geometry at %v, want both at 100,100", o, g)
	}
}
