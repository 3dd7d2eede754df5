package seat

import (
	"encoding/binary"
	"log/slog"
	"slices"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat/keymap"
	"github.com/nofault/nofault/server"
	"golang.org/x/sys/unix"
)

type keyboardState struct {
	focus       *protocol.Object
	focusClient *server.Client
	keys        []uint32 // pressed evdev codes, in press order
	mods        keymap.ModState
}

// focusAlive reports whether the keyboard focus is a live surface.
func (k *keyboardState) focusAlive() bool {
	return k.focus != nil && !k.focus.Destroyed() && k.focusClient != nil && !k.focusClient.Failed()
}

// KeyboardFocus returns the surface with the keyboard focus, or nil.
func (s *Seat) KeyboardFocus() *protocol.Object {
	if !s.kbd.focusAlive() {
		return nil
	}
	return s.kbd.focus
}

// KeyboardFocusClient returns the client owning the keyboard focus, or nil.
func (s *Seat) KeyboardFocusClient() *server.Client {
	if !s.kbd.focusAlive() {
		return nil
	}
	return s.kbd.focusClient
}

// PressedKeys returns the evdev codes of the keys held, in press order.
func (s *Seat) PressedKeys() []uint32 { return slices.Clone(s.kbd.keys) }

// Modifiers returns the serialized modifier state, as wl_keyboard.modifiers
// sends it.
func (s *Seat) Modifiers() (depressed, latched, locked, group uint32) {
	return s.kbd.mods.Serialize()
}

// SetKeyboardFocus gives the keyboard focus to surface (nil: nobody). The
// old focus gets wl_keyboard.leave if it still lives; every wl_keyboard of
// the new surface's client gets enter, with the keys held, then
// modifiers. Hooks registered with OnKeyboardFocus run when the focus
// moves to another client. The shell calls it when a toplevel is
// activated.
func (s *Seat) SetKeyboardFocus(surface *protocol.Object) {
	k := &s.kbd
	if surface.Destroyed() {
		surface = nil
	}
	if surface != nil && surface == k.focus && k.focusAlive() {
		return
	}
	var c *server.Client
	if surface != nil {
		if c = s.clientOf(surface); c == nil {
			surface = nil
		}
	}
	prev := s.KeyboardFocusClient()
	s.clearKeyboardFocus(true)
	if surface != nil {
		k.focus, k.focusClient = surface, c
		if sc := s.clients[c]; sc != nil && len(sc.keyboards) > 0 {
			serial := s.d.NextSerial()
			for _, o := range sc.keyboards {
				protocol.SendWlKeyboardEnter(c.Events(), o.ID, serial, surface.ID, s.keysArray())
			}
			s.sendModifiers(sc.c, sc.keyboards)
		}
	}
	if c != prev {
		for _, fn := range s.onKbdFocus {
			fn(c)
		}
	}
	s.keyboardSurfaceChanged()
}

// SurfaceDestroyed forgets surface wherever the seat holds it (keyboard
// and pointer focus, cursor) without sending events to it. The shell calls
// it when a wl_surface is destroyed; the seat also notices dead surfaces
// by itself on the next event, so the call only makes it prompt. After
// changing the scene the shell may call RefreshPointerFocus.
func (s *Seat) SurfaceDestroyed(surface *protocol.Object) {
	if surface == nil {
		return
	}
	if s.kbd.focus == surface {
		prev := s.kbd.focusClient
		s.clearKeyboardFocus(false)
		if prev != nil {
			for _, fn := range s.onKbdFocus {
				fn(nil)
			}
		}
		s.keyboardSurfaceChanged()
	}
	if s.ptr.focus == surface {
		s.clearPointerFocus(false)
	}
	if s.ptr.cursor.Surface == surface {
		s.setCursor(Cursor{ClientSet: true})
	}
}

// clearKeyboardFocus drops the keyboard focus, sending leave if notify and
// the surface still lives.
func (s *Seat) clearKeyboardFocus(notify bool) {
	k := &s.kbd
	if notify && k.focusAlive() {
		if sc := s.clients[k.focusClient]; sc != nil && len(sc.keyboards) > 0 {
			serial := s.d.NextSerial()
			for _, o := range sc.keyboards {
				protocol.SendWlKeyboardLeave(sc.c.Events(), o.ID, serial, k.focus.ID)
			}
		}
	}
	k.focus, k.focusClient = nil, nil
}

// keysArray encodes the held keys for wl_keyboard.enter.
func (s *Seat) keysArray() []byte {
	b := make([]byte, 0, 4*len(s.kbd.keys))
	for _, key := range s.kbd.keys {
		b = binary.LittleEndian.AppendUint32(b, key)
	}
	return b
}

func (s *Seat) sendModifiers(c *server.Client, keyboards []*protocol.Object) {
	dep, lat, lck, grp := s.kbd.mods.Serialize()
	serial := s.d.NextSerial()
	for _, o := range keyboards {
		protocol.SendWlKeyboardModifiers(c.Events(), o.ID, serial, dep, lat, lck, grp)
	}
}

// focusKeyboards returns the wl_keyboard objects of the focused client.
func (s *Seat) focusKeyboards() (*server.Client, []*protocol.Object) {
	if !s.kbd.focusAlive() {
		return nil, nil
	}
	sc := s.clients[s.kbd.focusClient]
	if sc == nil {
		return nil, nil
	}
	return sc.c, sc.keyboards
}

func (s *Seat) newKeyboard(sc *seatClient, id protocol.ObjectID, version uint32) {
	h := &keyboardResource{sc: sc}
	o := sc.c.NewObject(id, &protocol.WlKeyboardInterface, version, h)
	if o == nil {
		return
	}
	h.obj = o
	sc.keyboards = append(sc.keyboards, o)
	e := sc.c.Events()
	format, fd, size := s.openKeymap()
	if fd < 0 {
		// Out of fds: nothing to send the event with.
		sc.c.PostError(protocol.NoMemory())
		return
	}
	protocol.SendWlKeyboardKeymap(e, o.ID, format, fd, size) // e owns fd now
	if version >= protocol.WlKeyboardEventRepeatInfoSince {
		protocol.SendWlKeyboardRepeatInfo(e, o.ID, s.rate, s.delay)
	}
	if k := &s.kbd; k.focusAlive() && k.focusClient == sc.c {
		protocol.SendWlKeyboardEnter(e, o.ID, s.d.NextSerial(), k.focus.ID, s.keysArray())
		s.sendModifiers(sc.c, []*protocol.Object{o})
	}
}

// openKeymap returns a fresh fd of the keymap for one wl_keyboard, or
// /dev/null with the no_keymap format when there is no keymap (as wlroots
// does). fd is -1 if even that failed.
func (s *Seat) openKeymap() (format protocol.WlKeyboardKeymapFormat, fd int, size uint32) {
	if s.km != nil {
		fd, size, err := s.km.Open()
		if err == nil {
			return keymap.FormatXKBV1, fd, size
		}
		slog.Error("seat: cannot open keymap", "seat", s.name, "err", err)
	}
	fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		slog.Error("seat: cannot open /dev/null", "err", err)
		return 0, -1, 0
	}
	return protocol.WlKeyboardKeymapFormatNoKeymap, fd, 0
}

// keyboardResource implements wl_keyboard.
type keyboardResource struct {
	sc  *seatClient
	obj *protocol.Object
}

func (r *keyboardResource) OnDestroy() { r.sc.keyboards = remove(r.sc.keyboards, r.obj) }

// Release destroys the wl_keyboard.
func (r *keyboardResource) Release() error { return nil }
