package shell

import (
	"image"

	"github.com/nofault/nofault/protocol"
)

// This file places toplevels at absolute output coordinates, for window
// management: the WLCS integration's position_window_absolute, and a
// window manager that restores saved positions. MoveTo (shell.go) places
// the window geometry; MoveSurfaceTo places the wl_surface itself, which
// differs when the client set a window geometry (client-side shadows) or
// a subsurface sticks out above or left of the main surface.

// MoveSurfaceTo places the toplevel whose wl_surface is surface so that
// the surface's top-left corner is at (x, y) in output coordinates. It
// reports false when surface is not a toplevel's. The position holds until
// the window is moved again; a toplevel placed before it maps keeps the
// place instead of being cascaded. A maximized or fullscreen toplevel
// stays where it is and goes there when restored.
func (sh *Shell) MoveSurfaceTo(surface *protocol.Object, x, y int) bool {
	t := sh.toplevelOf(surface)
	if t == nil {
		return false
	}
	g := t.xs.geometry().Min
	x, y = x+g.X, y+g.Y
	if t.maximized || t.fullscreen {
		t.savedX, t.savedY = x, y
		return true
	}
	t.x, t.y, t.placed = x, y, true
	sh.updateOutputs()
	return true
}

// SurfaceOrigin returns where the wl_surface's top-left corner is in
// output coordinates, for a mapped toplevel, popup or subsurface of one,
// and false for a surface that is not shown.
func (sh *Shell) SurfaceOrigin(surface *protocol.Object) (image.Point, bool) {
	r, visible := sh.SurfaceRect(surface)
	return r.Min, visible
}

// OnSceneChange registers fn to run after a wl_surface commit was applied
// (a surface may have mapped, moved, grown or shrunk; committed is that
// wl_surface) and after a wl_surface or its role object was destroyed
// (committed is nil), before the next request is handled: the compositor
// finds the pointer focus again there, so that a client's roundtrip after
// the commit sees the enter or leave.
func (sh *Shell) OnSceneChange(fn func(committed *protocol.Object)) {
	sh.onScene = append(sh.onScene, fn)
}

// sceneChanged runs after s was committed, or with nil after a surface
// was destroyed.
func (sh *Shell) sceneChanged(s *Surface) {
	var obj *protocol.Object
	if s != nil {
		sh.keepSurfaceOrigin(s)
		obj = s.obj
	}
	for _, fn := range sh.onScene {
		fn(obj)
	}
}

// windowRoot returns the surface at the top of s's subsurface tree (a
// toplevel's or popup's wl_surface, or a surface without a role), or nil
// for a destroyed one.
func windowRoot(s *Surface) *Surface {
	for s != nil && !s.destroyed {
		p := s.parent()
		if p == nil {
			return s
		}
		s = p
	}
	return nil
}

// SameWindow reports whether wl_surfaces a and b are one window: the same
// toplevel or popup, or subsurfaces of it.
func (sh *Shell) SameWindow(a, b *protocol.Object) bool {
	ra, rb := windowRoot(sh.Surface(a)), windowRoot(sh.Surface(b))
	return ra != nil && ra == rb
}

// WindowBounds returns where the window that surface belongs to (its
// toplevel or popup with their subsurfaces) is on the output, in output
// pixels (the global space times the scale), and false
// when it is not shown. A commit of surface can change what is under the
// pointer only there.
func (sh *Shell) WindowBounds(surface *protocol.Object) (image.Rectangle, bool) {
	root := windowRoot(sh.Surface(surface))
	if root == nil || root.xdg == nil {
		return image.Rectangle{}, false
	}
	x := root.xdg
	if !x.mapped || x.gone || (x.popup != nil && (x.popup.dismissed || x.popup.parent == nil)) {
		return image.Rectangle{}, false
	}
	return sh.toPixels(treeBounds(root, x.surfaceOrigin())), true // output pixels, as pointer positions (outputs.go)
}

// keepSurfaceOrigin keeps the wl_surface of the toplevel that s belongs
// to where it is on the output when its window geometry's corner moves in
// surface coordinates: a subsurface mapped or moved above or left of the
// surface (the implicit geometry is the bounds of the surface tree), or a
// client changing its set_window_geometry offset. The window, not the
// surface, moves on screen, as in weston and Mir (WLCS
// SubsurfaceTest.subsurface_moves_under_input_device_once). Maximized and
// fullscreen windows keep their geometry on the output instead.
func (sh *Shell) keepSurfaceOrigin(s *Surface) {
	root := sh.Surface(sh.RootToplevel(s.obj))
	if root == nil || root.xdg == nil || root.xdg.toplevel == nil {
		return
	}
	t := root.xdg.toplevel
	g := t.xs.geometry().Min
	if t.geomKnown && g != t.geomMin && !t.maximized && !t.fullscreen {
		t.x += g.X - t.geomMin.X
		t.y += g.Y - t.geomMin.Y
		sh.updateOutputs()
	}
	t.geomMin, t.geomKnown = g, true
}
