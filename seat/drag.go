package seat

import (
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
)

// This file is what drag-and-drop (package datadevice) needs from the
// seat: the implicit grab a drag must start from, the surface under the
// pointer, and the pointer focus to clear while the drag's grab runs.

// cancelGrab cancels the active grab (the pointer went away).
func (s *Seat) cancelGrab() {
	if g := s.grab; g != nil {
		s.grab = nil
		g.Cancel()
	}
}

// ValidImplicitGrab reports whether serial is the serial of the button
// press that started the implicit grab held now on surface: exactly one
// button down, pressed while surface had the pointer focus, and no other
// grab active (wlroots' wlr_seat_validate_pointer_grab_serial).
func (s *Seat) ValidImplicitGrab(surface *protocol.Object, serial uint32) bool {
	p := &s.ptr
	return s.grab == nil && len(p.buttons) == 1 && p.focusAlive() && p.focus == surface && p.grabSerial == serial
}

// ButtonsHeld returns how many pointer buttons are down.
func (s *Seat) ButtonsHeld() int { return len(s.ptr.buttons) }

// SurfaceUnder returns the surface under output position x, y and the
// position in its coordinates; nil over the background.
func (s *Seat) SurfaceUnder(x, y float64) (surface *protocol.Object, sx, sy float64) {
	return s.surfaceAt(x, y)
}

// ClientOf returns the client owning surface, or nil if it is gone.
func (s *Seat) ClientOf(surface *protocol.Object) *server.Client { return s.clientOf(surface) }

// ClearPointerFocus sends leave to the surface with the pointer focus and
// drops the focus (the cursor goes back to the default), as a grab that
// takes the pointer does.
func (s *Seat) ClearPointerFocus() { s.clearPointerFocus(true) }
