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

// recGrab records what a pointer grab receives.
type recGrab struct {
	got       []string
	cancelled bool
}

func (g *recGrab) Motion(x, y float64) { g.got = append(g.got, fmt.Sprintf("motion %g,%g", x, y)) }
func (g *recGrab) Button(button, state uint32) {
	g.got = append(g.got, fmt.Sprintf("button %#x %d", button, state))
}
func (g *recGrab) Cancel() { g.cancelled = true }

// TestPointerGrab: a grab started on a held button press (whose serial
// GrabSerial accepts) takes motion and buttons away from the client, which
// gets leave at the start and enter again at the end.
func TestPointerGrab(t *testing.T) {
	e := start(t, seat.Options{Pointer: true})
	c := e.Connect()
	comp := c.MustBind("wl_compositor", 4)
	st := c.MustBind("wl_seat", 8)
	aid, a := c.Surface(comp)
	e.Place(a, 0, 0, 100, 100)
	ptr := c.NewID()
	c.MustSend(st, protocol.WlSeatRequestGetPointer, rawclient.NewID(ptr))
	e.Do(func() { e.seat.PointerMotion(10, 10, now) })
	c.MustRoundtrip()

	e.Do(func() { e.seat.PointerButton(btnLeft, true, now) })
	evs := wltest.Only(c.MustRoundtrip(), ptr)
	r := wantEvent(t, evs[0], ptr, protocol.WlPointerEventButton)
	serial := r.Uint()
	e.Do(func() {
		if s, ok := e.seat.GrabSerial(serial - 1); ok {
			t.Errorf("GrabSerial accepts an older serial (surface %v)", s)
		}
		if s, ok := e.seat.GrabSerial(serial); !ok || s != a {
			t.Errorf("GrabSerial(%d) = %v, %v; want the pressed surface", serial, s, ok)
		}
	})

	g := &recGrab{}
	e.Do(func() { e.seat.StartGrab(g) })
	evs = wltest.Only(c.MustRoundtrip(), ptr)
	if len(evs) != 2 || evs[0].Opcode != protocol.WlPointerEventLeave {
		t.Fatalf("grab start: %v, want leave and frame", evs)
	}
	e.Do(func() {
		if _, ok := e.seat.GrabSerial(serial); ok {
			t.Error("GrabSerial accepts a serial while a grab runs")
		}
		e.seat.PointerMotion(150, 30, now)
		e.seat.PointerAxis(seat.AxisEvent{Axis: protocol.WlPointerAxisVerticalScroll, Value: 15}, now)
		e.seat.PointerButton(btnLeft+1, true, now)
		e.seat.PointerButton(btnLeft+1, false, now)
		e.seat.RefreshPointerFocus()
		if n := e.seat.PointerButtons(); n != 1 {
			t.Errorf("PointerButtons = %d during the grab, want 1", n)
		}
	})
	if evs := wltest.Only(c.MustRoundtrip(), ptr); len(evs) != 0 {
		t.Fatalf("the client got %v during the grab", evs)
	}
	want := "[motion 150,30 button 0x111 1 button 0x111 0]"
	if fmt.Sprint(g.got) != want {
		t.Errorf("grab got %v, want %v", g.got, want)
	}
	e.Do(func() {
		e.seat.PointerMotion(20, 20, now)
		e.seat.PointerButton(btnLeft, false, now)
		if e.seat.PointerButtons() != 0 {
			t.Error("button still held")
		}
		e.seat.EndGrab(&recGrab{}) // not the active one: ignored
		if e.seat.Grab() != g {
			t.Error("EndGrab of another grab ended the active one")
		}
		e.seat.EndGrab(g)
	})
	evs = wltest.Only(c.MustRoundtrip(), ptr)
	if len(evs) != 2 || evs[0].Opcode != protocol.WlPointerEventEnter {
		t.Fatalf("grab end: %v, want enter and frame", evs)
	}
	if r := evs[0].Reader(); r.Uint() == 0 || r.Uint() != aid {
		t.Error("enter not on a")
	}
	if g.cancelled {
		t.Error("EndGrab cancelled the grab")
	}
	e.Do(func() {
		if _, ok := e.seat.GrabSerial(serial); ok {
			t.Error("GrabSerial accepts a press whose button is up")
		}
		// A second grab cancels the first.
		g2 := &recGrab{}
		e.seat.StartGrab(g)
		e.seat.StartGrab(g2)
		if !g.cancelled || e.seat.Grab() != g2 {
			t.Error("StartGrab did not cancel the previous grab")
		}
		e.seat.EndGrab(g2)
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
	for _, bad := range []string{"ctrl+", "ctrl+super", "hyper+tab", "ctrl+nokey", "super+shift"} {
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
	runs := 0
	e.Do(func() {
		e.seat.BindShortcut(sc, func() { runs++ })
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
}
