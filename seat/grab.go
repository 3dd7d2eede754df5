package seat

import (
	"github.com/nofault/nofault/protocol"
)

// PointerGrab takes the pointer away from the clients while it is active:
// the seat hands it every motion and button instead of sending them to the
// surface under the pointer, and sends no axis events. An interactive move
// or resize of a window (the compositor, on xdg_toplevel.move/resize) and a
// drag-and-drop (the data device, on wl_data_device.start_drag) are grabs.
//
// Start one with [Seat.StartGrab] and end it with [Seat.EndGrab]; the
// grab usually ends itself when the button that started it is released.
// All methods run on the display loop.
type PointerGrab interface {
	// Motion reports the pointer at x, y in output coordinates.
	Motion(x, y float64)
	// Button reports a press or release (state is a
	// wl_pointer.button_state: 1 pressed, 0 released) of an evdev button.
	// The seat's held buttons ([Seat.PointerButtons]) already include
	// the change.
	Button(button, state uint32)
	// Cancel ends the grab from outside: another grab started, or the
	// seat lost its pointer. The seat has already dropped the grab; Cancel
	// must not call EndGrab.
	Cancel()
}

// StartGrab makes g the seat's pointer grab. A grab already active is
// cancelled first. The client with the pointer focus gets
// wl_pointer.leave (as weston and wlroots do for move, resize and drag),
// and the cursor returns to the compositor's default until the grab ends.
func (s *Seat) StartGrab(g PointerGrab) {
	if old := s.ptr.grab; old != nil {
		s.ptr.grab = nil
		old.Cancel()
	}
	s.clearPointerFocus(true)
	s.ptr.grab = g
}

// EndGrab ends g if it is the active grab (a stale g is ignored) and gives
// the pointer back to the surface under it.
func (s *Seat) EndGrab(g PointerGrab) {
	if s.ptr.grab != g || g == nil {
		return
	}
	s.ptr.grab = nil
	s.RefreshPointerFocus()
}

// Grab returns the active pointer grab, or nil.
func (s *Seat) Grab() PointerGrab { return s.ptr.grab }

// PointerButtons returns how many pointer buttons are held.
func (s *Seat) PointerButtons() int { return len(s.ptr.buttons) }

// GrabSerial reports which surface a grab request with serial may start
// on: the serial must be the one of the latest wl_pointer.button press,
// and that button must still be held, as xdg_toplevel.move/resize and
// wl_data_device.start_drag require (weston and wlroots check the same;
// a request that fails the check is ignored). surface is the surface that
// had the pointer focus at the press (a subsurface, for client
// decorations drawn in one); the caller compares it with the requester,
// through its root toplevel where that applies.
func (s *Seat) GrabSerial(serial uint32) (surface *protocol.Object, ok bool) {
	p := &s.ptr
	if serial == 0 || serial != p.pressSerial || len(p.buttons) == 0 || p.grab != nil ||
		p.pressSurface == nil || p.pressSurface.Destroyed() {
		return nil, false
	}
	return p.pressSurface, true
}

// grabMotion hands motion to the active grab and reports whether there
// was one.
func (s *Seat) grabMotion(x, y float64) bool {
	if g := s.ptr.grab; g != nil {
		g.Motion(x, y)
		return true
	}
	return false
}

// grabButton hands a button change to the active grab and reports whether
// there was one. at is the button's index in the held list (-1 if up).
func (s *Seat) grabButton(button uint32, pressed bool, at int) bool {
	p := &s.ptr
	g := p.grab
	if g == nil {
		return false
	}
	state := protocol.WlPointerButtonStateReleased
	if pressed {
		p.buttons = append(p.buttons, button)
		state = protocol.WlPointerButtonStatePressed
	} else {
		p.buttons = append(p.buttons[:at], p.buttons[at+1:]...)
	}
	g.Button(button, uint32(state))
	return true
}

// notePress remembers a button press sent to the focused surface with
// serial, for GrabSerial.
func (s *Seat) notePress(serial uint32) {
	s.ptr.pressSerial, s.ptr.pressSurface = serial, s.ptr.focus
}
