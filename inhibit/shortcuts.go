package inhibit

import (
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat"
	"github.com/nofault/nofault/server"
)

// ShortcutsVersion is the zwp_keyboard_shortcuts_inhibit_manager_v1
// version advertised.
const ShortcutsVersion = 1

// Shortcuts is the zwp_keyboard_shortcuts_inhibit_manager_v1 global. An
// inhibitor is active (the client is told so) while its surface has the
// keyboard focus of its seat; Inhibited then reports true and every key
// goes to the client. nofault binds one shortcut of its own,
// Super+Escape, which releases a pointer lock: it stays, as the spec
// allows for the way out of a grab, and it reaches the client as well.
//
// Errors are the spec's: a second inhibitor for a surface and seat is
// already_inhibited on the manager. The number of inhibitors is bounded
// by the surfaces a client has (one per surface and seat).
type Shortcuts struct {
	d      *server.Display
	global *server.Global
	byKey  map[shortcutKey]*shortcutInhibitor
	hooked map[*seat.Seat]bool
}

type shortcutKey struct {
	surface *protocol.Object
	seat    *seat.Seat
}

// NewShortcuts advertises zwp_keyboard_shortcuts_inhibit_manager_v1 on d.
func NewShortcuts(d *server.Display) *Shortcuts {
	m := &Shortcuts{d: d, byKey: make(map[shortcutKey]*shortcutInhibitor), hooked: make(map[*seat.Seat]bool)}
	m.global = d.AddGlobal(&protocol.ZwpKeyboardShortcutsInhibitManagerV1Interface, ShortcutsVersion, func(c *server.Client, id protocol.ObjectID, v uint32) {
		h := &shortcutsManager{m: m, c: c}
		h.obj = c.NewObject(id, &protocol.ZwpKeyboardShortcutsInhibitManagerV1Interface, v, h)
	})
	return m
}

// Destroy withdraws the global.
func (m *Shortcuts) Destroy() { m.d.RemoveGlobal(m.global) }

// Inhibited reports whether s's focused surface inhibits the compositor's
// shortcuts.
func (m *Shortcuts) Inhibited(s *seat.Seat) bool {
	f := s.KeyboardFocus()
	if f == nil {
		return false
	}
	in := m.byKey[shortcutKey{f, s}]
	return in != nil && in.active
}

func (m *Shortcuts) focusChanged(s *seat.Seat, focus *protocol.Object) {
	for k, in := range m.byKey {
		if k.seat != s {
			continue
		}
		in.setActive(k.surface == focus && focus != nil)
	}
}

type shortcutsManager struct {
	m   *Shortcuts
	c   *server.Client
	obj *protocol.Object
}

func (r *shortcutsManager) Destroy() error { return nil }

// InhibitShortcuts makes the inhibitor, active at once if surface has the
// keyboard focus.
func (r *shortcutsManager) InhibitShortcuts(id protocol.ObjectID, surface, seatObj *protocol.Object) error {
	s := seat.FromResource(seatObj)
	if s == nil {
		return protocol.Errorf(nil, protocol.WlDisplayErrorImplementation, "wl_seat@%d is not a seat of this compositor", seatObj.ID)
	}
	m := r.m
	k := shortcutKey{surface, s}
	if m.byKey[k] != nil {
		return protocol.Errorf(r.obj, protocol.ZwpKeyboardShortcutsInhibitManagerV1ErrorAlreadyInhibited,
			"wl_surface@%d already inhibits the shortcuts of this seat", surface.ID)
	}
	in := &shortcutInhibitor{m: m, c: r.c, key: k}
	if in.obj = r.c.NewObject(id, &protocol.ZwpKeyboardShortcutsInhibitorV1Interface, 1, in); in.obj == nil {
		return nil
	}
	m.byKey[k] = in
	if !m.hooked[s] {
		m.hooked[s] = true
		s.OnKeyboardFocusSurface(func(f *protocol.Object) { m.focusChanged(s, f) })
	}
	in.setActive(s.KeyboardFocus() == surface)
	return nil
}

type shortcutInhibitor struct {
	m      *Shortcuts
	c      *server.Client
	obj    *protocol.Object
	key    shortcutKey
	active bool
}

func (in *shortcutInhibitor) setActive(on bool) {
	if on == in.active {
		return
	}
	in.active = on
	if in.key.surface.Destroyed() {
		return
	}
	if on {
		protocol.SendZwpKeyboardShortcutsInhibitorV1Active(in.c.Events(), in.obj.ID)
	} else {
		protocol.SendZwpKeyboardShortcutsInhibitorV1Inactive(in.c.Events(), in.obj.ID)
	}
}

func (in *shortcutInhibitor) Destroy() error { return nil }

func (in *shortcutInhibitor) OnDestroy() {
	if in.m.byKey[in.key] == in {
		delete(in.m.byKey, in.key)
	}
}
