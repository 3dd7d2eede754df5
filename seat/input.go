package seat

import (
	"log/slog"
	"slices"
	"time"

	"github.com/nofault/nofault/protocol"
	"golang.org/x/sys/unix"
)

// This file is the input API: backends and tests report device events
// here, on the display loop.

// AxisEvent is one scroll event on one axis.
type AxisEvent struct {
	// Axis is vertical or horizontal scroll.
	Axis protocol.WlPointerAxis
	// Value is the scroll distance in surface-local units (libinput gives
	// about 15 per wheel detent).
	Value float64
	// Value120 is the high-resolution wheel value, 120 per detent; 0 for
	// sources without detents (finger, continuous).
	Value120 int32
	// Source is the kind of device (wheel, finger, continuous, wheel tilt).
	Source protocol.WlPointerAxisSource
	// Stop reports that a finger or continuous scroll stopped (axis_stop);
	// Value is ignored.
	Stop bool
}

// PointerMotion moves the pointer to x, y in output coordinates. The
// surface under it gets enter (and the previous one leave), or motion if
// it already had the focus. While a button is held the focus stays on the
// surface that had it (the implicit grab) and motion is sent relative to
// it, even outside it.
func (s *Seat) PointerMotion(x, y float64, t time.Time) {
	if !s.caps.Has(protocol.WlSeatCapabilityPointer) {
		return
	}
	x, y, move := s.constrainMotion(x, y, t) // constraints.go
	defer s.updateConstraint()
	if !move {
		return
	}
	p := &s.ptr
	p.x, p.y = x, y
	if s.grab != nil {
		s.grab.Motion(x, y)
		return
	}
	if len(p.buttons) == 0 || !p.focusAlive() {
		surf, sx, sy := s.surfaceAt(x, y)
		if surf != p.focus || !p.focusAlive() {
			s.setPointerFocus(surf, sx, sy)
			return
		}
		p.originX, p.originY = x-sx, y-sy
	}
	s.sendMotion(t)
}

// PointerButton presses or releases button (an evdev code such as BTN_LEFT,
// 0x110). A press over a surface runs the OnClick hooks (or, without any,
// gives the surface the keyboard focus) before the button event is sent,
// so the client sees keyboard enter first. Pressing a button already down,
// or releasing one that is up, is ignored. Releasing the last button ends
// the implicit grab and re-evaluates the focus.
func (s *Seat) PointerButton(button uint32, pressed bool, t time.Time) {
	if !s.caps.Has(protocol.WlSeatCapabilityPointer) {
		return
	}
	p := &s.ptr
	i := slices.Index(p.buttons, button)
	if pressed == (i >= 0) {
		return
	}
	state := protocol.WlPointerButtonStateReleased
	if s.grab != nil {
		if pressed {
			p.buttons = append(p.buttons, button)
			state = protocol.WlPointerButtonStatePressed
		} else {
			p.buttons = slices.Delete(p.buttons, i, i+1)
		}
		s.grab.Button(button, state)
		return
	}
	if pressed {
		p.buttons = append(p.buttons, button)
		state = protocol.WlPointerButtonStatePressed
		if surf := s.PointerFocus(); surf != nil {
			if len(s.onClick) == 0 {
				s.SetKeyboardFocus(surf)
			}
			for _, fn := range s.onClick {
				fn(surf)
			}
		} else {
			s.pressedEmpty(button) // emptypress.go
			if s.grab != nil {
				return // a hook started a grab (a title bar drag)
			}
		}
	} else {
		p.buttons = slices.Delete(p.buttons, i, i+1)
	}
	if c, pointers := s.pointers(); len(pointers) > 0 {
		serial := s.d.NextSerial()
		if pressed && len(p.buttons) == 1 {
			p.grabSerial = serial
		}
		ms := msec(t)
		e := c.Events()
		for _, o := range pointers {
			protocol.SendWlPointerButton(e, o.ID, serial, ms, button, state)
			frame(e, o)
		}
	}
	if len(p.buttons) == 0 {
		s.RefreshPointerFocus()
	}
}

// PointerAxis scrolls. Pointers of version 5 and later get axis_source,
// axis_discrete (versions 5 to 7) or axis_value120 (version 8), axis or
// axis_stop, then frame; older ones get axis alone.
func (s *Seat) PointerAxis(ev AxisEvent, t time.Time) {
	if !s.caps.Has(protocol.WlSeatCapabilityPointer) {
		return
	}
	if s.grab != nil {
		return
	}
	if ev.Axis > protocol.WlPointerAxisHorizontalScroll || ev.Source > protocol.WlPointerAxisSourceWheelTilt {
		slog.Warn("seat: dropping invalid axis event", "axis", ev.Axis, "source", ev.Source)
		return
	}
	c, pointers := s.pointers()
	if len(pointers) == 0 {
		return
	}
	ms := msec(t)
	axis := ev.Axis
	e := c.Events()
	for _, o := range pointers {
		if o.Version < protocol.WlPointerEventFrameSince {
			if !ev.Stop {
				protocol.SendWlPointerAxis(e, o.ID, ms, axis, protocol.FixedFromFloat(ev.Value))
			}
			continue
		}
		src := ev.Source
		if src == protocol.WlPointerAxisSourceWheelTilt && o.Version < 6 {
			src = protocol.WlPointerAxisSourceWheel // wheel_tilt is since 6
		}
		protocol.SendWlPointerAxisSource(e, o.ID, src)
		if ev.Stop {
			protocol.SendWlPointerAxisStop(e, o.ID, ms, axis)
		} else {
			if ev.Value120 != 0 {
				if o.Version >= protocol.WlPointerEventAxisValue120Since {
					protocol.SendWlPointerAxisValue120(e, o.ID, axis, ev.Value120)
				} else if d := ev.Value120 / 120; d != 0 {
					protocol.SendWlPointerAxisDiscrete(e, o.ID, axis, d)
				}
			}
			protocol.SendWlPointerAxis(e, o.ID, ms, axis, protocol.FixedFromFloat(ev.Value))
		}
		protocol.SendWlPointerFrame(e, o.ID)
	}
}

// Key presses or releases the key with the given evdev code. The focused
// client's keyboards get key, then modifiers if the modifier state
// changed. A press of a key already down (host auto-repeat: clients repeat
// by themselves) and a release of a key that is up are ignored.
func (s *Seat) Key(evdevCode uint32, pressed bool, t time.Time) {
	if !s.caps.Has(protocol.WlSeatCapabilityKeyboard) {
		return
	}
	k := &s.kbd
	i := slices.Index(k.keys, evdevCode)
	if pressed == (i >= 0) || s.shortcut(evdevCode, pressed) { // shortcut.go
		return
	}
	state := protocol.WlKeyboardKeyStateReleased
	if pressed {
		k.keys = append(k.keys, evdevCode)
		state = protocol.WlKeyboardKeyStatePressed
	} else {
		k.keys = slices.Delete(k.keys, i, i+1)
	}
	changed := k.mods.Key(evdevCode, pressed)
	s.constraintKey(evdevCode, pressed) // constraints.go
	c, keyboards := s.focusKeyboards()
	if len(keyboards) == 0 {
		return
	}
	serial := s.d.NextSerial()
	ms := msec(t)
	for _, o := range keyboards {
		protocol.SendWlKeyboardKey(c.Events(), o.ID, serial, ms, evdevCode, state)
	}
	if changed {
		s.sendModifiers(c, keyboards)
	}
}

// SetLockedModifiers replaces the Caps Lock and Num Lock locks with those
// in mask (keymap.ModCaps, keymap.ModNum), for a backend that learns them
// from its host, and sends modifiers to the focus if they changed.
func (s *Seat) SetLockedModifiers(mask uint32) {
	if !s.kbd.mods.SetLocked(mask) {
		return
	}
	if c, keyboards := s.focusKeyboards(); len(keyboards) > 0 {
		s.sendModifiers(c, keyboards)
	}
}

// ReleaseAllKeys forgets every held key, as when the host window loses
// focus and the releases will never come. The focus gets release events
// for them and modifiers if they changed.
func (s *Seat) ReleaseAllKeys(t time.Time) {
	for len(s.kbd.keys) > 0 {
		s.Key(s.kbd.keys[len(s.kbd.keys)-1], false, t)
	}
}

// msec converts t to a Wayland timestamp: milliseconds of CLOCK_MONOTONIC,
// the clock libinput and other compositors use. The zero time is now.
func msec(t time.Time) uint32 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return uint32(time.Now().UnixMilli())
	}
	now := time.Duration(ts.Nano())
	if !t.IsZero() {
		now -= time.Since(t)
	}
	return uint32(now.Milliseconds())
}
