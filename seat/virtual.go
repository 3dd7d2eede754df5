package seat

import (
	"slices"
	"time"

	"github.com/nofault/nofault/protocol"
)

// This file is the virtual-input API: pointers and touch screens driven by
// code instead of a backend's host events. The WLCS integration
// (cmd/nofault-wlcs) creates one per WlcsPointer and WlcsTouch, and tests
// use them to click and tap on real surfaces. They go through the same
// seat paths as the nested backend's events (PointerMotion, PointerButton,
// TouchDown ...). Like everything in the seat, they run on the display loop.
//
// A virtual device gives the seat its capability while it exists: the
// first virtual touch screen adds wl_seat.capability.touch and the last
// one to go removes it; a virtual pointer adds the pointer capability only
// when the seat had none.

// virtualDevices counts the virtual devices of a seat.
type virtualDevices struct {
	pointers     int
	addedPointer bool // the pointer capability came from a virtual pointer
	touches      int
}

// VirtualPointer is a pointer device driven by code.
type VirtualPointer struct {
	s       *Seat
	buttons []uint32 // held by this device
	gone    bool
}

// NewVirtualPointer adds a pointer device to the seat, with the pointer
// capability if the seat had none.
func (s *Seat) NewVirtualPointer() *VirtualPointer {
	s.virt.pointers++
	if !s.caps.Has(protocol.WlSeatCapabilityPointer) {
		s.virt.addedPointer = true
		s.SetCapabilities(true, s.caps.Has(protocol.WlSeatCapabilityKeyboard))
	}
	return &VirtualPointer{s: s}
}

// MoveTo moves the pointer to x, y in output coordinates.
func (p *VirtualPointer) MoveTo(x, y float64, t time.Time) {
	if !p.gone {
		p.s.PointerMotion(x, y, t)
	}
}

// MoveBy moves the pointer by dx, dy: motion from where it is (a
// relative-pointer protocol sees the delta as with any motion).
func (p *VirtualPointer) MoveBy(dx, dy float64, t time.Time) {
	if !p.gone {
		p.s.PointerMotion(p.s.ptr.x+dx, p.s.ptr.y+dy, t)
	}
}

// Button presses or releases button (an evdev code such as BTN_LEFT).
func (p *VirtualPointer) Button(button uint32, pressed bool, t time.Time) {
	if p.gone {
		return
	}
	i := slices.Index(p.buttons, button)
	switch {
	case pressed && i < 0:
		p.buttons = append(p.buttons, button)
	case !pressed && i >= 0:
		p.buttons = slices.Delete(p.buttons, i, i+1)
	}
	p.s.PointerButton(button, pressed, t)
}

// Destroy releases the buttons the device holds and removes it; the
// pointer capability goes with the last virtual pointer if one brought it.
func (p *VirtualPointer) Destroy(t time.Time) {
	if p.gone {
		return
	}
	for len(p.buttons) > 0 {
		p.Button(p.buttons[len(p.buttons)-1], false, t)
	}
	p.gone = true
	s := p.s
	s.virt.pointers--
	if s.virt.pointers == 0 && s.virt.addedPointer {
		s.virt.addedPointer = false
		s.SetCapabilities(false, s.caps.Has(protocol.WlSeatCapabilityKeyboard))
	}
}

// VirtualTouch is a touch screen with one finger, driven by code.
type VirtualTouch struct {
	s    *Seat
	id   int32 // the touch point while down
	down bool
	gone bool
}

// NewVirtualTouch adds a touch device; the seat gets the touch capability.
func (s *Seat) NewVirtualTouch() *VirtualTouch {
	s.virt.touches++
	s.SetTouch(true)
	return &VirtualTouch{s: s}
}

// Down puts the finger down at x, y in output coordinates. A finger
// already down is lifted first.
func (v *VirtualTouch) Down(x, y float64, t time.Time) {
	if v.gone {
		return
	}
	if v.down {
		v.Up(t)
	}
	v.id, v.down = v.s.freeTouchID(), true
	v.s.TouchDown(v.id, x, y, t)
}

// Move moves the finger to x, y in output coordinates.
func (v *VirtualTouch) Move(x, y float64, t time.Time) {
	if v.down && !v.gone {
		v.s.TouchMotion(v.id, x, y, t)
	}
}

// Up lifts the finger.
func (v *VirtualTouch) Up(t time.Time) {
	if v.down && !v.gone {
		v.down = false
		v.s.TouchUp(v.id, t)
	}
}

// Destroy lifts the finger and removes the device; the touch capability
// goes with the last virtual touch device.
func (v *VirtualTouch) Destroy(t time.Time) {
	if v.gone {
		return
	}
	v.Up(t)
	v.gone = true
	v.s.virt.touches--
	if v.s.virt.touches == 0 {
		v.s.SetTouch(false)
	}
}

// freeTouchID returns the lowest touch point id not down, as libinput
// reuses slots.
func (s *Seat) freeTouchID() int32 {
	for id := int32(0); ; id++ {
		if _, p := s.touchPoint(id); p == nil {
			return id
		}
	}
}
