package seat_test

import (
	"fmt"
	"testing"

	"github.com/nofault/nofault/internal/rawclient"
	"github.com/nofault/nofault/internal/wltest"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat"
	"github.com/nofault/nofault/seat/keymap"
)

// TestGrabSerial: GrabSerial accepts only the serial of the press that
// started the implicit grab, while that one button is held and no grab
// runs, and names the surface pressed.
func TestGrabSerial(t *testing.T) {
	e := start(t, seat.Options{Pointer: true})
	c := e.Connect()
	comp := c.MustBind("wl_compositor", 4)
	st := c.MustBind("wl_seat", 8)
	_, a := c.Surface(comp)
	e.Place(a, 0, 0, 100, 100)
	ptr := c.NewID()
	c.MustSend(st, protocol.WlSeatRequestGetPointer, rawclient.NewID(ptr))
	c.MustRoundtrip()
	e.Do(func() {
		e.seat.PointerMotion(10, 10, now)
		e.seat.PointerButton(btnLeft, true, now)
	})
	evs := wltest.Only(c.MustRoundtrip(), ptr)
	var serial uint32
	for _, ev := range evs {
		if ev.Opcode == protocol.WlPointerEventButton {
			serial = ev.Reader().Uint()
		}
	}
	if serial == 0 {
		t.Fatalf("no button event: %v", evs)
	}
	e.Do(func() {
		for _, bad := range []uint32{0, serial - 1, serial + 1} {
			if s, ok := e.seat.GrabSerial(bad); ok {
				t.Errorf("GrabSerial(%d) accepted (surface %v); the press was %d", bad, s, serial)
			}
		}
		if s, ok := e.seat.GrabSerial(serial); !ok || s != a {
			t.Errorf("GrabSerial(%d) = %v, %v; want the pressed surface", serial, s, ok)
		}
		e.seat.PointerButton(btnLeft+1, true, now) // a second button
		if _, ok := e.seat.GrabSerial(serial); ok {
			t.Error("GrabSerial accepts the serial with two buttons held")
		}
		e.seat.PointerButton(btnLeft+1, false, now)
		e.seat.PointerButton(btnLeft, false, now)
		if _, ok := e.seat.GrabSerial(serial); ok {
			t.Error("GrabSerial accepts the serial of a released press")
		}
	})
}

// TestShortcut: a bound combination runs its function and neither the press
// nor the release reaches the client; the same key with other modifiers,
// or alone, does.
func TestShortcut(t *testing.T) {
	const keyTab, keyCtrl, keyMeta = 15, 29, 125
	sc, err := seat.ParseShortcut("Ctrl+SUPER+tab")
	if err != nil || sc != (seat.Shortcut{Mods: keymap.ModCtrl | keymap.ModLogo, Key: keyTab}) {
		t.Fatalf("ParseShortcut = %+v, %v", sc, err)
	}
	for _, bad := range []string{"ctrl+", "ctrl+super", "hyper+tab", "ctrl+nokey", "super+shift", "ctrl+leftshift", "super+capslock"} {
		if _, err := seat.ParseShortcut(bad); err == nil {
			t.Errorf("ParseShortcut(%q) accepted", bad)
		}
	}
	if sc, err := seat.ParseShortcut(""); err != nil || sc.Key != 0 {
		t.Errorf("empty shortcut: %+v %v", sc, err)
	}

	e := start(t, seat.Options{Keyboard: true})
	c := e.Connect()
	comp := c.MustBind("wl_compositor", 4)
	st := c.MustBind("wl_seat", 8)
	_, surf := c.Surface(comp)
	kbd, _, _ := getKeyboard(t, c, st)
	runs, inhibited := 0, false
	e.Do(func() {
		e.seat.BindShortcut(sc, func() bool {
			if inhibited {
				return false
			}
			runs++
			return true
		})
		e.seat.SetKeyboardFocus(surf)
	})
	c.MustRoundtrip()
	keysSent := func() []uint32 {
		var keys []uint32
		for _, ev := range wltest.Only(c.MustRoundtrip(), kbd) {
			if ev.Opcode == protocol.WlKeyboardEventKey {
				r := ev.Reader()
				r.Uint()
				r.Uint()
				keys = append(keys, r.Uint()<<1|r.Uint())
			}
		}
		return keys
	}
	e.Do(func() {
		e.seat.Key(keyCtrl, true, now)
		e.seat.Key(keyMeta, true, now)
		e.seat.Key(keyTab, true, now)
		e.seat.Key(keyTab, false, now)
	})
	if got := keysSent(); fmt.Sprint(got) != fmt.Sprint([]uint32{keyCtrl<<1 | 1, keyMeta<<1 | 1}) || runs != 1 {
		t.Errorf("ctrl+super+tab: client got keys %v (code<<1|state), shortcut ran %d times; want only the modifiers, once", got, runs)
	}
	e.Do(func() {
		e.seat.Key(keyMeta, false, now)
		e.seat.Key(keyTab, true, now) // ctrl+tab: not the shortcut
		e.seat.Key(keyTab, false, now)
	})
	if got := keysSent(); fmt.Sprint(got) != fmt.Sprint([]uint32{keyMeta << 1, keyTab<<1 | 1, keyTab << 1}) || runs != 1 {
		t.Errorf("ctrl+tab: client got %v, shortcut ran %d times", got, runs)
	}
	// A binding that declines (shortcuts inhibited) lets the key through.
	e.Do(func() {
		inhibited = true
		e.seat.Key(keyMeta, true, now)
		e.seat.Key(keyTab, true, now)
		e.seat.Key(keyTab, false, now)
	})
	if got := keysSent(); fmt.Sprint(got) != fmt.Sprint([]uint32{keyMeta<<1 | 1, keyTab<<1 | 1, keyTab << 1}) || runs != 1 {
		t.Errorf("declined ctrl+super+tab: client got %v, shortcut ran %d times; want the tab press and release", got, runs)
	}
}
