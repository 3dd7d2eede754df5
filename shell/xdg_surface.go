package shell

import (
	"image"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
)

// Role names of xdg-shell surfaces.
const (
	roleToplevel = "xdg_toplevel"
	rolePopup    = "xdg_popup"
)

// maxConfigureSerials bounds the unacknowledged configure serials kept
// per xdg_surface; the oldest are forgotten first.
const maxConfigureSerials = 256

// xdgSurface implements xdg_surface.
type xdgSurface struct {
	sh   *Shell
	base *wmBase
	c    *server.Client
	obj  *protocol.Object
	s    *Surface
	gone bool // the wl_surface was destroyed; the object is inert

	toplevel *xdgToplevel // live role objects
	popup    *xdgPopup
	// constructed is set once a role object has existed: an xdg_surface
	// whose role object was destroyed may still commit (an inert surface).
	constructed bool

	initialized bool // the initial commit was made and configured
	configured  bool // a configure was acked since initialized
	mapped      bool
	serials     []uint32 // configure serials sent and not acked

	geom           image.Rectangle
	geomSet        bool
	pendingGeom    image.Rectangle
	pendingGeomSet bool

	popups []*xdgPopup // child popups, oldest first
}

func (xs *xdgSurface) errorf(code protocol.XdgSurfaceError, format string, args ...any) error {
	return protocol.Errorf(xs.obj, code, format, args...)
}

func (xs *xdgSurface) hasRoleObject() bool { return xs.toplevel != nil || xs.popup != nil }

// Destroy handles xdg_surface.destroy.
func (xs *xdgSurface) Destroy() error {
	if xs.hasRoleObject() {
		return xs.errorf(protocol.XdgSurfaceErrorDefunctRoleObject,
			"xdg_surface@%d destroyed before its role object", xs.obj.ID)
	}
	return nil
}

// OnDestroy detaches the xdg_surface from its wl_surface and dismisses its
// popups (their parent is gone).
func (xs *xdgSurface) OnDestroy() {
	xs.base.surfaces--
	if xs.hasRoleObject() { // the client disconnected
		xs.unmap()
	}
	if xs.s.xdg == xs {
		xs.s.xdg = nil
	}
	for i := len(xs.popups) - 1; i >= 0; i-- {
		p := xs.popups[i]
		p.dismiss()
		p.parent = nil
	}
	xs.popups = nil
	xs.sh.updateOutputs()
}

// surfaceGone makes the xdg_surface inert when its wl_surface is destroyed.
func (xs *xdgSurface) surfaceGone() {
	xs.unmap()
	xs.gone = true
	xs.s.xdg = nil
}

// GetToplevel handles xdg_surface.get_toplevel.
func (xs *xdgSurface) GetToplevel(id protocol.ObjectID) error {
	if xs.hasRoleObject() {
		return xs.errorf(protocol.XdgSurfaceErrorAlreadyConstructed,
			"xdg_surface@%d already has a role object", xs.obj.ID)
	}
	if !xs.s.SetRole(roleToplevel) {
		return xs.base.errorf(protocol.XdgWmBaseErrorRole,
			"wl_surface@%d already has the role %s", xs.s.obj.ID, xs.s.role)
	}
	t := &xdgToplevel{sh: xs.sh, xs: xs}
	obj := xs.c.NewObject(id, &protocol.XdgToplevelInterface, xs.obj.Version, t)
	if obj == nil {
		return nil
	}
	t.obj = obj
	xs.toplevel = t
	xs.constructed = true
	return nil
}

// GetPopup handles xdg_surface.get_popup.
func (xs *xdgSurface) GetPopup(id protocol.ObjectID, parent, pos *protocol.Object) error {
	if xs.hasRoleObject() {
		return xs.errorf(protocol.XdgSurfaceErrorAlreadyConstructed,
			"xdg_surface@%d already has a role object", xs.obj.ID)
	}
	if xs.s.role != "" && xs.s.role != rolePopup {
		return xs.base.errorf(protocol.XdgWmBaseErrorRole,
			"wl_surface@%d already has the role %s", xs.s.obj.ID, xs.s.role)
	}
	rules := pos.Handler.(*positioner).rules
	if !rules.complete() {
		return xs.base.errorf(protocol.XdgWmBaseErrorInvalidPositioner,
			"xdg_positioner@%d is incomplete: set_size and set_anchor_rect are required", pos.ID)
	}
	var pxs *xdgSurface
	if parent != nil {
		pxs = parent.Handler.(*xdgSurface)
		if pxs == xs || !pxs.hasRoleObject() {
			return xs.base.errorf(protocol.XdgWmBaseErrorInvalidPopupParent,
				"xdg_surface@%d is not a valid popup parent", parent.ID)
		}
	}
	xs.s.SetRole(rolePopup)
	p := &xdgPopup{sh: xs.sh, xs: xs, parent: pxs, rules: rules}
	obj := xs.c.NewObject(id, &protocol.XdgPopupInterface, xs.obj.Version, p)
	if obj == nil {
		return nil
	}
	p.obj = obj
	xs.popup = p
	xs.constructed = true
	if pxs != nil {
		pxs.popups = append(pxs.popups, p)
	}
	return nil
}

// SetWindowGeometry handles xdg_surface.set_window_geometry.
func (xs *xdgSurface) SetWindowGeometry(x, y, w, h int32) error {
	if !xs.hasRoleObject() {
		return xs.errorf(protocol.XdgSurfaceErrorNotConstructed,
			"xdg_surface@%d.set_window_geometry before a role was assigned", xs.obj.ID)
	}
	if w <= 0 || h <= 0 {
		return xs.errorf(protocol.XdgSurfaceErrorInvalidSize,
			"xdg_surface@%d.set_window_geometry: invalid size %dx%d", xs.obj.ID, w, h)
	}
	xs.pendingGeom = rectFrom(x, y, w, h)
	xs.pendingGeomSet = true
	return nil
}

// AckConfigure handles xdg_surface.ack_configure: the serial and every
// older one are consumed.
func (xs *xdgSurface) AckConfigure(serial uint32) error {
	if !xs.hasRoleObject() {
		return xs.errorf(protocol.XdgSurfaceErrorNotConstructed,
			"xdg_surface@%d.ack_configure before a role was assigned", xs.obj.ID)
	}
	for i, s := range xs.serials {
		if s == serial {
			xs.serials = append(xs.serials[:0], xs.serials[i+1:]...)
			xs.configured = true
			return nil
		}
	}
	return xs.errorf(protocol.XdgSurfaceErrorInvalidSerial,
		"xdg_surface@%d.ack_configure: serial %d was not sent or was already acked", xs.obj.ID, serial)
}

// ackedOrSent reports whether a buffer may map the surface: a configure
// was acked since the initial commit, or (Options.AcceptUnackedBuffer) the
// initial configure was sent, possibly by this very commit.
func (xs *xdgSurface) ackedOrSent() bool {
	return xs.configured || (xs.sh.opts.AcceptUnackedBuffer && xs.initialized)
}

// sendConfigure ends a configure sequence with xdg_surface.configure.
func (xs *xdgSurface) sendConfigure() {
	serial := xs.sh.d.NextSerial()
	if len(xs.serials) >= maxConfigureSerials {
		xs.serials = append(xs.serials[:0], xs.serials[1:]...)
	}
	xs.serials = append(xs.serials, serial)
	protocol.SendXdgSurfaceConfigure(xs.c.Events(), xs.obj.ID, serial)
}

// precommit validates a wl_surface.commit of this xdg_surface's surface.
func (xs *xdgSurface) precommit() error {
	if !xs.hasRoleObject() {
		if xs.constructed {
			return nil
		}
		return xs.errorf(protocol.XdgSurfaceErrorNotConstructed,
			"xdg_surface@%d committed without a role (get_toplevel or get_popup)", xs.obj.ID)
	}
	s := xs.s
	if s.pending.set&fBuffer != 0 && s.pending.buffer != nil && !xs.configured && !xs.sh.opts.AcceptUnackedBuffer {
		return xs.errorf(protocol.XdgSurfaceErrorUnconfiguredBuffer,
			"xdg_surface@%d: buffer committed before the configure was acked", xs.obj.ID)
	}
	if t := xs.toplevel; t != nil {
		if err := t.checkMinMax(); err != nil {
			return err
		}
	}
	if p := xs.popup; p != nil && !xs.initialized && p.parent == nil {
		return xs.base.errorf(protocol.XdgWmBaseErrorInvalidPopupParent,
			"xdg_popup@%d committed without a parent", p.obj.ID)
	}
	return nil
}

// committed runs after the surface state was applied: the initial commit
// gets a configure; a buffer on a configured surface maps it; a NULL
// buffer unmaps it and resets it to its initial state.
func (xs *xdgSurface) committed() {
	if xs.pendingGeomSet {
		xs.geom, xs.geomSet, xs.pendingGeomSet = xs.pendingGeom, true, false
	}
	if !xs.hasRoleObject() {
		return
	}
	if t := xs.toplevel; t != nil {
		t.min, t.max = t.pendingMin, t.pendingMax
	}
	if !xs.initialized {
		xs.initialized = true
		if xs.toplevel != nil {
			xs.toplevel.configure()
		} else {
			xs.popup.configure()
		}
		if !xs.s.hasBuffer || !xs.sh.opts.AcceptUnackedBuffer {
			return
		}
	}
	switch {
	case xs.s.hasBuffer && !xs.mapped && xs.ackedOrSent():
		if p := xs.popup; p != nil && (p.dismissed || p.parent == nil) {
			return
		}
		xs.mapped = true
		if xs.toplevel != nil {
			xs.toplevel.mapped()
		} else if xs.popup.grabbed {
			xs.sh.grabbedPopupMapped(xs.popup)
		}
	case !xs.s.hasBuffer && xs.mapped:
		xs.unmap()
	case xs.mapped && xs.toplevel != nil:
		xs.toplevel.applied() // wm.go
	}
}

// unmap hides the surface, dismisses its popups and resets it: the client
// must make an initial commit again.
func (xs *xdgSurface) unmap() {
	wasMapped := xs.mapped
	xs.mapped, xs.initialized, xs.configured = false, false, false
	xs.serials = xs.serials[:0]
	for i := len(xs.popups) - 1; i >= 0; i-- {
		xs.popups[i].dismiss()
	}
	if wasMapped && xs.toplevel != nil {
		xs.toplevel.unmapped()
	}
}

// geometry is the effective window geometry in surface coordinates: the
// one set, clamped to the bounds of the surface and its subsurfaces, or
// those bounds when never set.
func (xs *xdgSurface) geometry() image.Rectangle {
	bounds := treeBounds(xs.s, image.Point{})
	if !xs.geomSet {
		return bounds
	}
	if g := xs.geom.Intersect(bounds); !g.Empty() {
		return g
	}
	return xs.geom
}

// treeBounds is the union of s's rectangle (at origin) and its mapped
// subsurfaces'.
func treeBounds(s *Surface, origin image.Point) image.Rectangle {
	w, h := s.Size()
	b := image.Rectangle{Min: origin, Max: origin.Add(image.Pt(w, h))}
	for _, ch := range s.children {
		if ch != s && ch.sub != nil && ch.hasBuffer {
			b = b.Union(treeBounds(ch, origin.Add(image.Pt(ch.sub.x, ch.sub.y))))
		}
	}
	return b
}

// geometryOrigin is where the window geometry's top-left corner is in
// output coordinates.
func (xs *xdgSurface) geometryOrigin() image.Point {
	switch {
	case xs.toplevel != nil:
		return image.Pt(xs.toplevel.x, xs.toplevel.y)
	case xs.popup != nil && xs.popup.parent != nil:
		return xs.popup.parent.geometryOrigin().Add(xs.popup.geom.Min)
	}
	return image.Point{}
}

// surfaceOrigin is where the wl_surface's (0, 0) is in output coordinates.
func (xs *xdgSurface) surfaceOrigin() image.Point {
	return xs.geometryOrigin().Sub(xs.geometry().Min)
}
