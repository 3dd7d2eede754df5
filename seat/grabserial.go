package seat

import "github.com/nofault/nofault/protocol"

// GrabSerial reports which surface a grab request (xdg_toplevel.move and
// resize) with serial may start on: serial must be the one of the button
// press that started the implicit grab held now (one button down, no
// other grab), as weston and wlroots check; a request that fails is
// ignored. surface is the surface that has had the pointer focus since
// that press: a subsurface when the client draws its title bar in one
// (foot), so the caller compares the requester with the surface's
// toplevel rather than the surface itself (ValidImplicitGrab, for
// start_drag, compares the surface).
func (s *Seat) GrabSerial(serial uint32) (surface *protocol.Object, ok bool) {
	p := &s.ptr
	if serial == 0 || s.grab != nil || len(p.buttons) != 1 || !p.focusAlive() || p.grabSerial != serial {
		return nil, false
	}
	return p.focus, true
}
