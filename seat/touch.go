package seat

import (
	"slices"
	"time"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
)

// This file is wl_touch: the touch capability, which the seat has while a
// touch device exists (SetTouch), and the touch points.
//
// A touch point belongs to the surface it went down on until it goes up,
// as the wl_touch spec says ("the surface receiving the down event receives
// all subsequent events for that touch point"): motion outside the surface
// still goes to it, in its coordinates.

// touchPoint is one finger on the screen.
type touchPoint struct {
	id      int32
	surface *protocol.Object // nil: went down on the background
	client  *server.Client
	// originX, originY is the surface's origin in output coordinates at
	// the down event.
	originX, originY float64
}

// alive reports whether the point's surface and client still live.
func (p *touchPoint) alive() bool {
	return p.surface != nil && !p.surface.Destroyed() && p.client != nil && !p.client.Failed()
}

type touchState struct {
	points []*touchPoint // down, in down order
}

// HasTouch reports whether the seat has the touch capability.
func (s *Seat) HasTouch() bool { return s.caps.Has(protocol.WlSeatCapabilityTouch) }

// SetTouch adds or removes the touch capability (a touch device came or
// went) and tells every bound wl_seat. Losing it cancels the touch points.
func (s *Seat) SetTouch(on bool) {
	bit := protocol.WlSeatCapabilityTouch
	caps := s.caps &^ bit
	if on {
		caps |= bit
	} else {
		s.TouchCancel()
	}
	s.setCaps(caps)
}

// setCaps sets the capability bits and sends them when they changed.
func (s *Seat) setCaps(caps protocol.WlSeatCapability) {
	if caps == s.caps {
		return
	}
	s.caps = caps
	s.everCaps |= caps
	for _, sc := range s.clients {
		for _, o := range sc.seats {
			protocol.SendWlSeatCapabilities(sc.c.Events(), o.ID, caps)
		}
	}
}

// TouchPoints returns the ids of the touch points down, in down order.
func (s *Seat) TouchPoints() []int32 {
	ids := make([]int32, 0, len(s.tch.points))
	for _, p := range s.tch.points {
		ids = append(ids, p.id)
	}
	return ids
}

func (s *Seat) touchPoint(id int32) (int, *touchPoint) {
	for i, p := range s.tch.points {
		if p.id == id {
			return i, p
		}
	}
	return -1, nil
}

// touches returns the wl_touch objects of c.
func (s *Seat) touches(c *server.Client) []*protocol.Object {
	if sc := s.clients[c]; sc != nil {
		return sc.touches
	}
	return nil
}

// TouchDown puts touch point id down at x, y in output coordinates. The
// surface under it gets wl_touch.down and frame, and the OnClick hooks run
// first (a tap raises and activates a window as a click does). An id
// already down is ignored, as is everything without the touch capability.
func (s *Seat) TouchDown(id int32, x, y float64, t time.Time) {
	if !s.HasTouch() {
		return
	}
	if _, p := s.touchPoint(id); p != nil {
		return
	}
	p := &touchPoint{id: id}
	s.tch.points = append(s.tch.points, p)
	surf, sx, sy := s.surfaceAt(x, y)
	if surf == nil {
		return
	}
	c := s.clientOf(surf)
	if c == nil {
		return
	}
	p.surface, p.client = surf, c
	p.originX, p.originY = x-sx, y-sy
	for _, fn := range s.onClick {
		fn(surf)
	}
	if len(s.onClick) == 0 {
		s.SetKeyboardFocus(surf)
	}
	if !p.alive() {
		return // a hook destroyed it
	}
	touches := s.touches(c)
	if len(touches) == 0 {
		return
	}
	serial := s.d.NextSerial()
	ms := msec(t)
	e := c.Events()
	fx, fy := protocol.FixedFromFloat(sx), protocol.FixedFromFloat(sy)
	for _, o := range touches {
		protocol.SendWlTouchDown(e, o.ID, serial, ms, surf.ID, id, fx, fy)
		protocol.SendWlTouchFrame(e, o.ID)
	}
}

// TouchMotion moves touch point id to x, y in output coordinates; its
// surface gets wl_touch.motion and frame in its own coordinates.
func (s *Seat) TouchMotion(id int32, x, y float64, t time.Time) {
	_, p := s.touchPoint(id)
	if p == nil || !p.alive() {
		return
	}
	touches := s.touches(p.client)
	if len(touches) == 0 {
		return
	}
	ms := msec(t)
	e := p.client.Events()
	fx, fy := protocol.FixedFromFloat(x-p.originX), protocol.FixedFromFloat(y-p.originY)
	for _, o := range touches {
		protocol.SendWlTouchMotion(e, o.ID, ms, id, fx, fy)
		protocol.SendWlTouchFrame(e, o.ID)
	}
}

// TouchUp lifts touch point id; its surface gets wl_touch.up and frame.
func (s *Seat) TouchUp(id int32, t time.Time) {
	i, p := s.touchPoint(id)
	if p == nil {
		return
	}
	s.tch.points = slices.Delete(s.tch.points, i, i+1)
	if !p.alive() {
		return
	}
	touches := s.touches(p.client)
	if len(touches) == 0 {
		return
	}
	serial := s.d.NextSerial()
	ms := msec(t)
	e := p.client.Events()
	for _, o := range touches {
		protocol.SendWlTouchUp(e, o.ID, serial, ms, id)
		protocol.SendWlTouchFrame(e, o.ID)
	}
}

// TouchCancel forgets every touch point; the clients that had one get
// wl_touch.cancel (the compositor took the touch sequence over).
func (s *Seat) TouchCancel() {
	var told []*server.Client
	for _, p := range s.tch.points {
		if !p.alive() || slices.Contains(told, p.client) {
			continue
		}
		told = append(told, p.client)
		for _, o := range s.touches(p.client) {
			protocol.SendWlTouchCancel(p.client.Events(), o.ID)
		}
	}
	clear(s.tch.points)
	s.tch.points = s.tch.points[:0]
}

// GetTouch creates a wl_touch. A seat that never had touch answers
// missing_capability, as the XML says and wlroots does.
func (r *seatResource) GetTouch(id protocol.ObjectID) error {
	if !r.s.everCaps.Has(protocol.WlSeatCapabilityTouch) {
		return protocol.Errorf(r.obj, protocol.WlSeatErrorMissingCapability,
			"wl_seat.get_touch called when no touch capability has existed")
	}
	h := &touchResource{sc: r.sc}
	o := r.sc.c.NewObject(id, &protocol.WlTouchInterface, r.obj.Version, h)
	if o != nil {
		h.obj = o
		r.sc.touches = append(r.sc.touches, o)
	}
	return nil
}

// touchResource implements wl_touch.
type touchResource struct {
	sc  *seatClient
	obj *protocol.Object
}

func (r *touchResource) OnDestroy() { r.sc.touches = remove(r.sc.touches, r.obj) }

// Release destroys the wl_touch.
func (r *touchResource) Release() error { return nil }

// EndDeadTouches ends the touch points whose surface was destroyed: their
// client gets wl_touch.up and frame for each (as Mir does; the point's
// sequence cannot go on without its surface), and the points are
// forgotten. The compositor calls it when surfaces may have gone.
func (s *Seat) EndDeadTouches(t time.Time) {
	for i := 0; i < len(s.tch.points); i++ {
		p := s.tch.points[i]
		if p.surface == nil || !p.surface.Destroyed() {
			continue
		}
		s.tch.points = slices.Delete(s.tch.points, i, i+1)
		i--
		if p.client == nil || p.client.Failed() {
			continue
		}
		touches := s.touches(p.client)
		if len(touches) == 0 {
			continue
		}
		serial := s.d.NextSerial()
		ms := msec(t)
		e := p.client.Events()
		for _, o := range touches {
			protocol.SendWlTouchUp(e, o.ID, serial, ms, p.id)
			protocol.SendWlTouchFrame(e, o.ID)
		}
	}
}
