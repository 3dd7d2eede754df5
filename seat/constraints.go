package seat

import (
	"image"
	"log/slog"
	"math"
	"time"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
)

// This file is zwp_pointer_constraints_v1: a client locks the pointer in
// place (it then gets relative motion only) or confines it to a region of
// its surface.
//
// A constraint is active while its surface has the pointer focus and its
// window (its client, when the shell does not say) the keyboard focus (so
// a window in the background cannot take the pointer), and it activates
// once the pointer is inside its region; a focus change re-evaluates it
// at once.
// A oneshot constraint is dead once deactivated; a persistent one waits
// for the next time. Super+Escape always releases the active constraint
// (ReleasePointerConstraint), whatever the client does, until the pointer
// leaves the surface.
//
// Departures from the spec, both harmless for the clients tested: the
// region given to set_region applies at once rather than at the next
// wl_surface.commit, and an unknown lifetime counts as oneshot (the
// protocol version has no error for it). The cursor position hint is
// recorded (PointerConstraint) but the nested window cannot warp the
// host's cursor to it.

// PointerConstraintsVersion is the zwp_pointer_constraints_v1 version.
const PointerConstraintsVersion = 1

// Evdev codes of the release shortcut (Super+Escape).
const (
	keyEsc       = 1
	keyLeftMeta  = 125
	keyRightMeta = 126
)

// PointerConstraint is the active constraint, for backends (the nested
// window hides and holds the host cursor while the pointer is locked).
type PointerConstraint struct {
	Active  bool
	Locked  bool // locked; false: confined
	Surface *protocol.Object
	// HintX, HintY is the lock's cursor position hint in surface
	// coordinates, if HasHint.
	HintX, HintY float64
	HasHint      bool
}

// ConstraintGeometry is what constraints need of the Surfaces beyond
// SurfaceAt; the shell implements it. Without it regions count as the
// whole surface and surfaces as unbounded.
type ConstraintGeometry interface {
	SurfaceRect(surface *protocol.Object) (image.Rectangle, bool)
	RegionRects(region *protocol.Object) ([]image.Rectangle, bool)
}

// AddPointerConstraints advertises zwp_pointer_constraints_v1 on d for
// every seat of d.
func AddPointerConstraints(d *server.Display) *server.Global {
	return d.AddGlobal(&protocol.ZwpPointerConstraintsV1Interface, PointerConstraintsVersion,
		func(c *server.Client, id protocol.ObjectID, version uint32) {
			h := &constraintsManager{c: c}
			h.obj = c.NewObject(id, &protocol.ZwpPointerConstraintsV1Interface, version, h)
		})
}

// OnPointerConstraint registers fn to run when a constraint activates or
// deactivates.
func (s *Seat) OnPointerConstraint(fn func(PointerConstraint)) {
	s.ext.onLock = append(s.ext.onLock, fn)
}

// PointerConstraint returns the active constraint.
func (s *Seat) PointerConstraint() PointerConstraint {
	a := s.ext.active
	if a == nil {
		return PointerConstraint{}
	}
	return PointerConstraint{Active: true, Locked: a.lock, Surface: a.surface, HintX: a.hintX, HintY: a.hintY, HasHint: a.hasHint}
}

// ReleasePointerConstraint deactivates the active constraint (the
// compositor's escape from a client that never lets go). A persistent
// one stays off until the pointer leaves its surface. It reports whether
// a constraint was active.
func (s *Seat) ReleasePointerConstraint() bool {
	a := s.ext.active
	if a == nil {
		return false
	}
	s.deactivate(a)
	if !a.dead {
		s.ext.suspended = a
	}
	return true
}

type constraintsManager struct {
	c   *server.Client
	obj *protocol.Object
}

func (m *constraintsManager) Destroy() error { return nil }

func (m *constraintsManager) LockPointer(id protocol.ObjectID, surface, pointer, region *protocol.Object, lifetime protocol.ZwpPointerConstraintsV1Lifetime) error {
	return m.constrain(id, surface, pointer, region, lifetime, true)
}

func (m *constraintsManager) ConfinePointer(id protocol.ObjectID, surface, pointer, region *protocol.Object, lifetime protocol.ZwpPointerConstraintsV1Lifetime) error {
	return m.constrain(id, surface, pointer, region, lifetime, false)
}

func (m *constraintsManager) constrain(id protocol.ObjectID, surface, pointer, region *protocol.Object, lifetime protocol.ZwpPointerConstraintsV1Lifetime, lock bool) error {
	pr, ok := pointer.Handler.(*pointerResource)
	if !ok {
		return protocol.Errorf(nil, protocol.WlDisplayErrorImplementation, "wl_pointer@%d is not a pointer of this compositor", pointer.ID)
	}
	s := pr.s
	e := &s.ext
	if old := e.constraints[surface]; old != nil {
		return protocol.Errorf(m.obj, protocol.ZwpPointerConstraintsV1ErrorAlreadyConstrained,
			"wl_surface@%d already has a pointer constraint on this seat", surface.ID)
	}
	c := &constraint{s: s, c: m.c, surface: surface, lock: lock,
		oneshot: lifetime != protocol.ZwpPointerConstraintsV1LifetimePersistent}
	if c.oneshot && lifetime != protocol.ZwpPointerConstraintsV1LifetimeOneshot {
		slog.Debug("seat: unknown constraint lifetime; oneshot", "client", m.c.ID(), "lifetime", lifetime)
	}
	c.region = s.regionRects(region)
	iface := &protocol.ZwpConfinedPointerV1Interface
	if lock {
		iface = &protocol.ZwpLockedPointerV1Interface
	}
	c.obj = m.c.NewObject(id, iface, 1, c)
	if c.obj == nil {
		return nil
	}
	if e.constraints == nil {
		e.constraints = make(map[*protocol.Object]*constraint)
	}
	e.constraints[surface] = c
	if !e.hooked {
		e.hooked = true
		s.OnKeyboardFocusSurface(func(*protocol.Object) { s.updateConstraint() })
	}
	s.updateConstraint()
	return nil
}

// regionRects copies a wl_region's rectangles; nil (infinite) for a null
// region or without ConstraintGeometry.
func (s *Seat) regionRects(region *protocol.Object) []image.Rectangle {
	if region == nil {
		return nil
	}
	g, ok := s.surfaces.(ConstraintGeometry)
	if !ok {
		return nil
	}
	rs, _ := g.RegionRects(region)
	if rs == nil {
		rs = []image.Rectangle{} // an empty region: never activates
	}
	return rs
}

// constraint implements zwp_locked_pointer_v1 and zwp_confined_pointer_v1.
type constraint struct {
	s       *Seat
	c       *server.Client
	obj     *protocol.Object
	surface *protocol.Object
	lock    bool
	oneshot bool
	region  []image.Rectangle // surface-local; nil: the whole surface
	active  bool
	dead    bool // a oneshot constraint that was deactivated

	hintX, hintY float64
	hasHint      bool
}

func (c *constraint) Destroy() error { return nil }

// OnDestroy deactivates (without events) and forgets the constraint.
func (c *constraint) OnDestroy() {
	e := &c.s.ext
	if e.active == c {
		c.dead = true
		e.active = nil
		c.s.constraintChanged()
	}
	if e.suspended == c {
		e.suspended = nil
	}
	if e.constraints[c.surface] == c {
		delete(e.constraints, c.surface)
	}
	c.s.updateConstraint()
}

// SetCursorPositionHint records where the client draws the cursor while
// locked.
func (c *constraint) SetCursorPositionHint(x, y protocol.Fixed) error {
	c.hintX, c.hintY, c.hasHint = x.Float(), y.Float(), true
	return nil
}

// SetRegion replaces the region (at once; see the file comment).
func (c *constraint) SetRegion(region *protocol.Object) error {
	c.region = c.s.regionRects(region)
	c.s.updateConstraint()
	return nil
}

// bounds returns the surface's size as a rectangle at 0,0, and false when
// unknown (no geometry, or the surface is not visible).
func (c *constraint) bounds() (image.Rectangle, bool) {
	g, ok := c.s.surfaces.(ConstraintGeometry)
	if !ok {
		return image.Rectangle{}, false
	}
	r, ok := g.SurfaceRect(c.surface)
	return r.Sub(r.Min), ok
}

// areas returns the rectangles the pointer may be in (surface-local), or
// nil, true for anywhere.
func (c *constraint) areas() ([]image.Rectangle, bool) {
	b, hasB := c.bounds()
	if c.region == nil {
		if !hasB {
			return nil, true
		}
		return []image.Rectangle{b}, false
	}
	if !hasB {
		return c.region, false
	}
	out := make([]image.Rectangle, 0, len(c.region))
	for _, r := range c.region {
		if r = r.Intersect(b); !r.Empty() {
			out = append(out, r)
		}
	}
	return out, false
}

func (c *constraint) contains(x, y float64) bool {
	rs, all := c.areas()
	if all {
		return true
	}
	for _, r := range rs {
		if x >= float64(r.Min.X) && y >= float64(r.Min.Y) && x < float64(r.Max.X) && y < float64(r.Max.Y) {
			return true
		}
	}
	return false
}

// clamp returns the point of the allowed area nearest to x, y.
func (c *constraint) clamp(x, y float64) (float64, float64) {
	if c.contains(x, y) {
		return x, y
	}
	rs, _ := c.areas()
	// Pushed past a right or bottom edge, the pointer stops on the last
	// whole pixel inside it, as in wlroots 0.15 (sway 1.7) and Mir, whose
	// WLCS test expects it there.
	const in = 1
	bx, by, best := x, y, math.Inf(1)
	for _, r := range rs {
		cx := math.Min(math.Max(x, float64(r.Min.X)), float64(r.Max.X)-in)
		cy := math.Min(math.Max(y, float64(r.Min.Y)), float64(r.Max.Y)-in)
		if d := (cx-x)*(cx-x) + (cy-y)*(cy-y); d < best {
			bx, by, best = cx, cy, d
		}
	}
	return bx, by
}

// eligible reports whether c may be active now.
func (c *constraint) eligible() bool {
	s := c.s
	p := &s.ptr
	if c.dead || c.obj.Destroyed() || c.surface.Destroyed() || !p.focusAlive() || p.focus != c.surface ||
		s.kbd.focusClient != c.c || !s.kbd.focusAlive() {
		return false
	}
	// Another window of the same client being focused puts this one in
	// the background too (WLCS PointerConstraints: a new window of the
	// client unlocks the pointer, as in Mir).
	if w, ok := s.surfaces.(windowSurfaces); ok {
		return w.SameWindow(s.kbd.focus, c.surface)
	}
	return true
}

// windowSurfaces is implemented by a Surfaces that knows which surfaces
// make one window (the shell: a toplevel or popup and its subsurfaces).
type windowSurfaces interface {
	SameWindow(a, b *protocol.Object) bool
}

func (s *Seat) activate(c *constraint) {
	c.active = true
	s.ext.active = c
	if c.lock {
		protocol.SendZwpLockedPointerV1Locked(c.c.Events(), c.obj.ID)
	} else {
		protocol.SendZwpConfinedPointerV1Confined(c.c.Events(), c.obj.ID)
	}
	s.constraintChanged()
}

func (s *Seat) deactivate(c *constraint) {
	c.active = false
	s.ext.active = nil
	if !c.obj.Destroyed() && !c.c.Failed() {
		if c.lock {
			protocol.SendZwpLockedPointerV1Unlocked(c.c.Events(), c.obj.ID)
		} else {
			protocol.SendZwpConfinedPointerV1Unconfined(c.c.Events(), c.obj.ID)
		}
	}
	if c.oneshot {
		c.dead = true
	}
	if c.lock {
		// The backend held the host cursor; released, it jumps back to
		// where the lock began: no relative motion for that jump.
		s.ext.haveLast = false
	}
	s.constraintChanged()
}

func (s *Seat) constraintChanged() {
	pc := s.PointerConstraint()
	for _, fn := range s.ext.onLock {
		fn(pc)
	}
}

// updateConstraint deactivates the active constraint if it no longer
// may be, and activates the one of the pointer focus if the pointer is in
// its region.
func (s *Seat) updateConstraint() {
	e := &s.ext
	if len(e.constraints) == 0 && e.active == nil {
		return
	}
	p := &s.ptr
	if sus := e.suspended; sus != nil && (!p.focusAlive() || p.focus != sus.surface) {
		e.suspended = nil
	}
	if a := e.active; a != nil {
		if a.eligible() {
			return
		}
		s.deactivate(a)
	}
	if !p.focusAlive() {
		return
	}
	c := e.constraints[p.focus]
	if c == nil || c == e.suspended || !c.eligible() || !c.contains(p.x-p.originX, p.y-p.originY) {
		return
	}
	s.activate(c)
}

// constrainMotion is PointerMotion's first step: it sends relative motion
// and applies the active constraint. It returns where the pointer goes,
// and false when it stays (locked).
func (s *Seat) constrainMotion(x, y float64, t time.Time) (float64, float64, bool) {
	sent := s.motionDeltas(x, y, t)
	a := s.ext.active
	if a == nil || !a.eligible() {
		return x, y, true
	}
	p := &s.ptr
	if a.lock {
		if sent {
			if c, pointers := s.pointers(); c != nil {
				for _, o := range pointers {
					frame(c.Events(), o)
				}
			}
		}
		return p.x, p.y, false
	}
	cx, cy := a.clamp(x-p.originX, y-p.originY)
	return p.originX + cx, p.originY + cy, true
}

// constraintKey is Key's hook: Super+Escape releases the active
// constraint. The key still goes to the client.
func (s *Seat) constraintKey(code uint32, pressed bool) {
	if !pressed || code != keyEsc || s.ext.active == nil {
		return
	}
	for _, k := range s.kbd.keys {
		if k == keyLeftMeta || k == keyRightMeta {
			slog.Info("seat: pointer constraint released by Super+Escape")
			s.ReleasePointerConstraint()
			return
		}
	}
}
