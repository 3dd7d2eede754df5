package seat

import "github.com/nofault/nofault/protocol"

// PointerGrab takes the pointer away from the surfaces under it: while a
// grab is active, motion and buttons go to the grab instead of to the
// clients (no wl_pointer events), and scrolling is dropped. Interactive
// move and resize and drag-and-drop are grabs. Its methods run on the
// display loop.
type PointerGrab interface {
	// Motion reports the pointer's new position in output coordinates.
	Motion(x, y float64)
	// Button reports a press or release of an evdev button code; the
	// seat's held buttons are already updated.
	Button(button uint32, state protocol.WlPointerButtonState)
	// Cancel ends the grab from the seat's side (another grab started or
	// the pointer went away); the grab must not call EndGrab.
	Cancel()
}

// StartGrab makes g the active pointer grab, cancelling the one active.
func (s *Seat) StartGrab(g PointerGrab) {
	if old := s.grab; old != nil {
		s.grab = nil
		old.Cancel()
	}
	s.grab = g
}

// EndGrab ends the active grab and gives the pointer back to the surface
// under it.
func (s *Seat) EndGrab() {
	s.grab = nil
	s.RefreshPointerFocus()
}

// Grab returns the active pointer grab, or nil.
func (s *Seat) Grab() PointerGrab { return s.grab }
