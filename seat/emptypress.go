package seat

// OnEmptyPress registers fn to run when a pointer button is pressed where
// no surface takes input, with the pointer's output position: the
// compositor's own title bars (server-side decorations) are there. fn may
// start a pointer grab (StartGrab); the press then goes to nobody else.
func (s *Seat) OnEmptyPress(fn func(x, y float64, button uint32)) {
	s.onEmpty = append(s.onEmpty, fn)
}

func (s *Seat) pressedEmpty(button uint32) {
	for _, fn := range s.onEmpty {
		fn(s.ptr.x, s.ptr.y, button)
	}
}
