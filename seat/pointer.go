package seat

import (
	"time"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
)

// Cursor is the pointer image the backend should draw.
type Cursor struct {
	// ClientSet is false when no client has set a cursor since the pointer
	// last entered a surface: the backend draws its default cursor.
	ClientSet bool
	// Surface is the wl_surface with the wl_pointer-cursor role; nil with
	// ClientSet means the client hid the cursor.
	Surface *protocol.Object
	// HotspotX and HotspotY are the hotspot in surface coordinates.
	HotspotX, HotspotY int32
	// Shape is a named cursor (wp_cursor_shape_v1, CSS names such as
	// "text" or "pointer") when set, instead of Surface (cursorshape.go).
	Shape string
}

type pointerState struct {
	x, y        float64 // position in output coordinates
	focus       *protocol.Object
	focusClient *server.Client
	// originX, originY is the focused surface's origin in output
	// coordinates when last seen, for motion during an implicit grab.
	originX, originY float64
	enterSerial      uint32
	buttons          []uint32 // pressed, in press order
	grabSerial       uint32   // serial of the press that started the implicit grab
	cursor           Cursor
}

// focusAlive reports whether the pointer focus is a live surface.
func (p *pointerState) focusAlive() bool {
	return p.focus != nil && !p.focus.Destroyed() && p.focusClient != nil && !p.focusClient.Failed()
}

// OnCursor registers fn to run when the cursor to draw changes.
func (s *Seat) OnCursor(fn func(Cursor)) { s.onCursor = append(s.onCursor, fn) }

// Cursor returns the cursor to draw. A cursor surface that was destroyed
// reads as a hidden cursor.
func (s *Seat) Cursor() Cursor {
	c := s.ptr.cursor
	if c.Surface.Destroyed() {
		c.Surface = nil
	}
	return c
}

func (s *Seat) setCursor(c Cursor) {
	if c == s.ptr.cursor {
		return
	}
	s.ptr.cursor = c
	for _, fn := range s.onCursor {
		fn(c)
	}
}

// PointerPosition returns the pointer position in output coordinates.
func (s *Seat) PointerPosition() (x, y float64) { return s.ptr.x, s.ptr.y }

// PointerFocus returns the surface with the pointer focus, or nil.
func (s *Seat) PointerFocus() *protocol.Object {
	if !s.ptr.focusAlive() {
		return nil
	}
	return s.ptr.focus
}

// RefreshPointerFocus finds the surface under the pointer again without
// motion, for when surfaces map, unmap or move under it. It does nothing
// during an implicit grab (a button held on a live surface).
func (s *Seat) RefreshPointerFocus() {
	p := &s.ptr
	if !s.caps.Has(protocol.WlSeatCapabilityPointer) {
		return
	}
	defer s.updateConstraint() // the focus may have moved: constraints.go
	if s.grab != nil || len(p.buttons) > 0 && p.focusAlive() {
		return
	}
	surf, sx, sy := s.surfaceAt(p.x, p.y)
	if surf != nil && surf == p.focus && p.focusAlive() {
		// The surface moved under the pointer: the client learns the
		// pointer's new place in it, as if the pointer had moved.
		if ox, oy := p.x-sx, p.y-sy; ox != p.originX || oy != p.originY {
			p.originX, p.originY = ox, oy
			s.sendMotion(time.Time{})
		}
		return
	}
	s.setPointerFocus(surf, sx, sy)
}

// sendMotion sends wl_pointer.motion (and frame) at the pointer's place in
// the focused surface.
func (s *Seat) sendMotion(t time.Time) {
	p := &s.ptr
	c, pointers := s.pointers()
	if len(pointers) == 0 {
		return
	}
	ms := msec(t)
	sx, sy := protocol.FixedFromFloat(p.x-p.originX), protocol.FixedFromFloat(p.y-p.originY)
	e := c.Events()
	for _, o := range pointers {
		protocol.SendWlPointerMotion(e, o.ID, ms, sx, sy)
		frame(e, o)
	}
}

func (s *Seat) surfaceAt(x, y float64) (*protocol.Object, float64, float64) {
	if s.surfaces == nil {
		return nil, 0, 0
	}
	surf, sx, sy := s.surfaces.SurfaceAt(x, y)
	if surf.Destroyed() {
		return nil, 0, 0
	}
	return surf, sx, sy
}

// pointers returns the wl_pointer objects of the focused client.
func (s *Seat) pointers() (*server.Client, []*protocol.Object) {
	p := &s.ptr
	if !p.focusAlive() {
		return nil, nil
	}
	sc := s.clients[p.focusClient]
	if sc == nil {
		return nil, nil
	}
	return sc.c, sc.pointers
}

// setPointerFocus moves the pointer focus to surf (nil: none) at surface
// coordinates sx, sy: leave and frame to the old surface if it still
// lives, enter and frame to the new one. The focus does not change if surf
// already has it.
func (s *Seat) setPointerFocus(surf *protocol.Object, sx, sy float64) {
	p := &s.ptr
	if surf != nil && surf == p.focus && p.focusAlive() {
		p.originX, p.originY = p.x-sx, p.y-sy
		return
	}
	s.clearPointerFocus(true)
	if surf == nil {
		return
	}
	c := s.clientOf(surf)
	if c == nil {
		return
	}
	p.focus, p.focusClient = surf, c
	p.originX, p.originY = p.x-sx, p.y-sy
	p.enterSerial = s.d.NextSerial()
	if sc := s.clients[c]; sc != nil {
		for _, o := range sc.pointers {
			s.sendEnter(c, o, sx, sy)
		}
	}
}

func (s *Seat) sendEnter(c *server.Client, o *protocol.Object, sx, sy float64) {
	e := c.Events()
	protocol.SendWlPointerEnter(e, o.ID, s.ptr.enterSerial, s.ptr.focus.ID, protocol.FixedFromFloat(sx), protocol.FixedFromFloat(sy))
	frame(e, o)
}

// clearPointerFocus drops the pointer focus, with leave events if notify
// and the surface still lives, and resets the cursor to the default.
func (s *Seat) clearPointerFocus(notify bool) {
	p := &s.ptr
	if notify && p.focusAlive() {
		if sc := s.clients[p.focusClient]; sc != nil && len(sc.pointers) > 0 {
			serial := s.d.NextSerial()
			e := sc.c.Events()
			for _, o := range sc.pointers {
				protocol.SendWlPointerLeave(e, o.ID, serial, p.focus.ID)
				frame(e, o)
			}
		}
	}
	p.focus, p.focusClient = nil, nil
	s.setCursor(Cursor{})
}

// frame sends wl_pointer.frame to pointers that have it (version 5).
func frame(e *protocol.Encoder, o *protocol.Object) {
	if o.Version >= protocol.WlPointerEventFrameSince {
		protocol.SendWlPointerFrame(e, o.ID)
	}
}

func (s *Seat) newPointer(sc *seatClient, id protocol.ObjectID, version uint32) {
	h := &pointerResource{s: s, sc: sc}
	o := sc.c.NewObject(id, &protocol.WlPointerInterface, version, h)
	if o == nil {
		return
	}
	h.obj = o
	sc.pointers = append(sc.pointers, o)
	// A pointer made while its client has the focus learns it at once,
	// as wlroots does.
	if p := &s.ptr; p.focusAlive() && p.focusClient == sc.c {
		s.sendEnter(sc.c, o, p.x-p.originX, p.y-p.originY)
	}
}

// pointerResource implements wl_pointer.
type pointerResource struct {
	s   *Seat
	sc  *seatClient
	obj *protocol.Object
}

func (r *pointerResource) OnDestroy() { r.sc.pointers = remove(r.sc.pointers, r.obj) }

// SetCursor sets the cursor while the client has the pointer focus. As the
// spec says, requests from a client without the focus, or whose serial is
// older than the latest enter sent to it, are ignored; a serial of a later
// event (a button press) is accepted, as wlroots accepts any serial the
// client was sent. A surface with another role is a role error.
func (r *pointerResource) SetCursor(serial uint32, surface *protocol.Object, hotspotX, hotspotY int32) error {
	s, p := r.s, &r.s.ptr
	if !p.focusAlive() || p.focusClient != r.sc.c {
		return nil
	}
	if serial-p.enterSerial > s.d.Serial()-p.enterSerial {
		return nil // older than the enter, or never handed out
	}
	if surface != nil {
		if !s.AssignRole(surface, RoleCursor) {
			return protocol.Errorf(r.obj, protocol.WlPointerErrorRole,
				"Cannot assign role %s to wl_surface@%d, already has another role", RoleCursor, surface.ID)
		}
	}
	s.setCursor(Cursor{ClientSet: true, Surface: surface, HotspotX: hotspotX, HotspotY: hotspotY})
	return nil
}

// Release destroys the wl_pointer.
func (r *pointerResource) Release() error { return nil }
