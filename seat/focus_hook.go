package seat

import "github.com/nofault/nofault/protocol"

// OnKeyboardFocusSurface registers fn to run whenever the keyboard focus
// moves to another surface (nil: none), including between two surfaces
// of one client, which OnKeyboardFocus does not report. The text input
// protocol needs it: its enter and leave follow the focused surface.
func (s *Seat) OnKeyboardFocusSurface(fn func(surface *protocol.Object)) {
	s.onKbdSurf = append(s.onKbdSurf, fn)
}

func (s *Seat) keyboardSurfaceChanged() {
	for _, fn := range s.onKbdSurf {
		fn(s.kbd.focus)
	}
}
