package shell

import (
	"image"
	"time"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
)

// wmBase implements xdg_wm_base for one bound object.
type wmBase struct {
	sh       *Shell
	c        *server.Client
	obj      *protocol.Object
	surfaces int // live xdg_surfaces created through this object

	pingSerial uint32 // outstanding ping, 0 when none
	pingSent   time.Time
}

func (sh *Shell) bindWmBase(c *server.Client, id protocol.ObjectID, version uint32) {
	b := &wmBase{sh: sh, c: c}
	b.obj = c.NewObject(id, &protocol.XdgWmBaseInterface, version, b)
	if b.obj != nil {
		sh.wmBases[b] = struct{}{}
		sh.pingDue = time.Time{} // ping it at the next frame
	}
}

func (b *wmBase) errorf(code protocol.XdgWmBaseError, format string, args ...any) error {
	return protocol.Errorf(b.obj, code, format, args...)
}

// Destroy handles xdg_wm_base.destroy.
func (b *wmBase) Destroy() error {
	if b.surfaces > 0 {
		return b.errorf(protocol.XdgWmBaseErrorDefunctSurfaces,
			"xdg_wm_base@%d destroyed while %d xdg_surfaces still exist", b.obj.ID, b.surfaces)
	}
	return nil
}

// OnDestroy stops pinging.
func (b *wmBase) OnDestroy() { delete(b.sh.wmBases, b) }

// Pong handles xdg_wm_base.pong; a stale or unknown serial is ignored.
func (b *wmBase) Pong(serial uint32) error {
	if serial == b.pingSerial {
		b.pingSerial = 0
		b.sh.pingDue = time.Time{} // its next ping is due from pingSent
	}
	return nil
}

// CreatePositioner handles xdg_wm_base.create_positioner.
func (b *wmBase) CreatePositioner(id protocol.ObjectID) error {
	p := &positioner{}
	p.obj = b.c.NewObject(id, &protocol.XdgPositionerInterface, b.obj.Version, p)
	return nil
}

// GetXdgSurface handles xdg_wm_base.get_xdg_surface.
func (b *wmBase) GetXdgSurface(id protocol.ObjectID, surface *protocol.Object) error {
	s := b.sh.Surface(surface)
	switch {
	case s == nil:
		return b.errorf(protocol.XdgWmBaseErrorRole, "wl_surface@%d is not usable", surface.ID)
	case s.xdg != nil || (s.role != "" && s.role != roleToplevel && s.role != rolePopup):
		return b.errorf(protocol.XdgWmBaseErrorRole,
			"wl_surface@%d already has a role (%s) or an xdg_surface", surface.ID, s.role)
	case s.hasBuffer || (s.pending.set&fBuffer != 0 && s.pending.buffer != nil):
		return b.errorf(protocol.XdgWmBaseErrorInvalidSurfaceState,
			"wl_surface@%d has a buffer attached or committed before get_xdg_surface", surface.ID)
	}
	xs := &xdgSurface{sh: b.sh, base: b, c: b.c, s: s}
	obj := b.c.NewObject(id, &protocol.XdgSurfaceInterface, b.obj.Version, xs)
	if obj == nil {
		return nil
	}
	xs.obj = obj
	s.xdg = xs
	b.surfaces++
	return nil
}

// positionerRules is a snapshot of an xdg_positioner's state.
type positionerRules struct {
	w, h         int
	anchorRect   image.Rectangle
	anchorSet    bool
	anchor       protocol.XdgPositionerAnchor
	gravity      protocol.XdgPositionerGravity
	adjust       protocol.XdgPositionerConstraintAdjustment
	offX, offY   int
	reactive     bool
	parentW      int
	parentH      int
	parentSerial uint32
}

// positioner implements xdg_positioner.
type positioner struct {
	obj   *protocol.Object
	rules positionerRules
}

func (p *positioner) invalid(format string, args ...any) error {
	return protocol.Errorf(p.obj, protocol.XdgPositionerErrorInvalidInput, format, args...)
}

// Destroy handles xdg_positioner.destroy.
func (p *positioner) Destroy() error { return nil }

// SetSize handles xdg_positioner.set_size.
func (p *positioner) SetSize(w, h int32) error {
	if w <= 0 || h <= 0 {
		return p.invalid("xdg_positioner@%d.set_size: invalid size %dx%d", p.obj.ID, w, h)
	}
	p.rules.w, p.rules.h = int(w), int(h)
	return nil
}

// SetAnchorRect handles xdg_positioner.set_anchor_rect.
func (p *positioner) SetAnchorRect(x, y, w, h int32) error {
	if w < 0 || h < 0 {
		return p.invalid("xdg_positioner@%d.set_anchor_rect: negative size %dx%d", p.obj.ID, w, h)
	}
	p.rules.anchorRect = image.Rect(int(x), int(y), int(x)+int(w), int(y)+int(h))
	p.rules.anchorSet = true
	return nil
}

// SetAnchor handles xdg_positioner.set_anchor.
func (p *positioner) SetAnchor(anchor protocol.XdgPositionerAnchor) error {
	if anchor > protocol.XdgPositionerAnchorBottomRight {
		return p.invalid("xdg_positioner@%d.set_anchor: invalid anchor %d", p.obj.ID, anchor)
	}
	p.rules.anchor = anchor
	return nil
}

// SetGravity handles xdg_positioner.set_gravity.
func (p *positioner) SetGravity(gravity protocol.XdgPositionerGravity) error {
	if gravity > protocol.XdgPositionerGravityBottomRight {
		return p.invalid("xdg_positioner@%d.set_gravity: invalid gravity %d", p.obj.ID, gravity)
	}
	p.rules.gravity = gravity
	return nil
}

// SetConstraintAdjustment handles xdg_positioner.set_constraint_adjustment.
// The XML (wayland-protocols 1.31) gives the argument no enum type.
func (p *positioner) SetConstraintAdjustment(adjust uint32) error {
	p.rules.adjust = protocol.XdgPositionerConstraintAdjustment(adjust)
	return nil
}

// SetOffset handles xdg_positioner.set_offset.
func (p *positioner) SetOffset(x, y int32) error {
	p.rules.offX, p.rules.offY = int(x), int(y)
	return nil
}

// SetReactive handles xdg_positioner.set_reactive (v3).
func (p *positioner) SetReactive() error {
	p.rules.reactive = true
	return nil
}

// SetParentSize handles xdg_positioner.set_parent_size (v3).
func (p *positioner) SetParentSize(w, h int32) error {
	p.rules.parentW, p.rules.parentH = int(w), int(h)
	return nil
}

// SetParentConfigure handles xdg_positioner.set_parent_configure (v3).
func (p *positioner) SetParentConfigure(serial uint32) error {
	p.rules.parentSerial = serial
	return nil
}

func (r *positionerRules) complete() bool { return r.w > 0 && r.h > 0 && r.anchorSet }

// Anchor and gravity edges as bits, derived from the enum values.
const (
	edgeTop = 1 << iota
	edgeBottom
	edgeLeft
	edgeRight
)

var anchorEdges = [9]int{
	0, edgeTop, edgeBottom, edgeLeft, edgeRight,
	edgeTop | edgeLeft, edgeBottom | edgeLeft, edgeTop | edgeRight, edgeBottom | edgeRight,
}

func flipEdges(e int, x bool) int {
	if x {
		if e&(edgeLeft|edgeRight) != 0 {
			e ^= edgeLeft | edgeRight
		}
	} else if e&(edgeTop|edgeBottom) != 0 {
		e ^= edgeTop | edgeBottom
	}
	return e
}

// box places the popup for the given anchor and gravity edges and offset,
// relative to the parent's window geometry.
func (r *positionerRules) box(anchor, gravity int, offX, offY int) image.Rectangle {
	ar := r.anchorRect
	ax, ay := (ar.Min.X+ar.Max.X)/2, (ar.Min.Y+ar.Max.Y)/2
	switch {
	case anchor&edgeLeft != 0:
		ax = ar.Min.X
	case anchor&edgeRight != 0:
		ax = ar.Max.X
	}
	switch {
	case anchor&edgeTop != 0:
		ay = ar.Min.Y
	case anchor&edgeBottom != 0:
		ay = ar.Max.Y
	}
	x, y := ax-r.w/2, ay-r.h/2
	switch {
	case gravity&edgeLeft != 0:
		x = ax - r.w
	case gravity&edgeRight != 0:
		x = ax
	}
	switch {
	case gravity&edgeTop != 0:
		y = ay - r.h
	case gravity&edgeBottom != 0:
		y = ay
	}
	return image.Rect(x+offX, y+offY, x+offX+r.w, y+offY+r.h)
}

// place computes the popup geometry relative to the parent's window
// geometry, adjusted to stay inside bounds (the output, in the same
// coordinates) as the constraint adjustment allows: flip, then slide,
// then resize, each axis on its own.
func (r *positionerRules) place(bounds image.Rectangle) image.Rectangle {
	anchor, gravity := anchorEdges[r.anchor], anchorEdges[r.gravity]
	b := r.box(anchor, gravity, r.offX, r.offY)
	fitsX := func(b image.Rectangle) bool { return b.Min.X >= bounds.Min.X && b.Max.X <= bounds.Max.X }
	fitsY := func(b image.Rectangle) bool { return b.Min.Y >= bounds.Min.Y && b.Max.Y <= bounds.Max.Y }
	adj := r.adjust

	if !fitsX(b) && adj&protocol.XdgPositionerConstraintAdjustmentFlipX != 0 {
		f := r.box(flipEdges(anchor, true), flipEdges(gravity, true), -r.offX, r.offY)
		f.Min.Y, f.Max.Y = b.Min.Y, b.Max.Y
		if fitsX(f) {
			b, anchor, gravity = f, flipEdges(anchor, true), flipEdges(gravity, true)
		}
	}
	if !fitsY(b) && adj&protocol.XdgPositionerConstraintAdjustmentFlipY != 0 {
		f := r.box(flipEdges(anchor, false), flipEdges(gravity, false), r.offX, -r.offY)
		f.Min.X, f.Max.X = b.Min.X, b.Max.X
		if fitsY(f) {
			b = f
		}
	}
	if !fitsX(b) && adj&protocol.XdgPositionerConstraintAdjustmentSlideX != 0 {
		if d := b.Max.X - bounds.Max.X; d > 0 {
			b = b.Sub(image.Pt(d, 0))
		}
		if d := bounds.Min.X - b.Min.X; d > 0 {
			b = b.Add(image.Pt(d, 0))
		}
	}
	if !fitsY(b) && adj&protocol.XdgPositionerConstraintAdjustmentSlideY != 0 {
		if d := b.Max.Y - bounds.Max.Y; d > 0 {
			b = b.Sub(image.Pt(0, d))
		}
		if d := bounds.Min.Y - b.Min.Y; d > 0 {
			b = b.Add(image.Pt(0, d))
		}
	}
	if !fitsX(b) && adj&protocol.XdgPositionerConstraintAdjustmentResizeX != 0 {
		if c := b.Intersect(image.Rect(bounds.Min.X, b.Min.Y, bounds.Max.X, b.Max.Y)); !c.Empty() {
			b = c
		}
	}
	if !fitsY(b) && adj&protocol.XdgPositionerConstraintAdjustmentResizeY != 0 {
		if c := b.Intersect(image.Rect(b.Min.X, bounds.Min.Y, b.Max.X, bounds.Max.Y)); !c.Empty() {
			b = c
		}
	}
	return b
}
