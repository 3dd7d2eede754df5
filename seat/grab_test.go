package seat_test

import (
	"testing"
	"time"

	"github.com/nofault/nofault/internal/rawclient"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat"
)

// recGrab records what a pointer grab gets.
type recGrab struct {
	motions   [][2]float64
	buttons   []grabButton
	cancelled int
}

func (g *recGrab) Motion(x, y float64) { g.motions = append(g.motions, [2]float64{x, y}) }

type grabButton struct {
	button uint32
	state  protocol.WlPointerButtonState
}

func (g *recGrab) Button(button uint32, state protocol.WlPointerButtonState) {
	g.buttons = append(g.buttons, grabButton{button, state})
}
func (g *recGrab) Cancel() { g.cancelled++ }

// TestGrab: while a grab is active it gets motion and buttons and the
// client's wl_pointer gets nothing (no scroll either); EndGrab gives the
// pointer back to the surface under it; a new grab or losing the pointer
// cancels the active one.
func TestGrab(t *testing.T) {
	e := start(t, seat.Options{Pointer: true})
	c := e.Connect()
	comp := c.MustBind("wl_compositor", 4)
	st := c.MustBind("wl_seat", 8)
	_, a := c.Surface(comp)
	e.Place(a, 0, 0, 100, 100)
	ptr := c.NewID()
	c.MustSend(st, protocol.WlSeatRequestGetPointer, rawclient.NewID(ptr))
	var t0 time.Time
	e.Do(func() { e.seat.PointerMotion(10, 10, t0); e.seat.PointerButton(0x110, true, t0) })
	var serial uint32
	for _, ev := range c.MustRoundtrip() {
		if ev.Object == ptr && ev.Opcode == protocol.WlPointerEventButton {
			serial = ev.Uint(0)
		}
	}
	e.Do(func() {
		if !e.seat.ValidImplicitGrab(a, serial) {
			t.Error("the press serial is not the implicit grab's")
		}
		if e.seat.ValidImplicitGrab(a, serial+1) || e.seat.ValidImplicitGrab(nil, serial) {
			t.Error("a wrong serial or surface validates")
		}
	})

	g := &recGrab{}
	e.Do(func() {
		e.seat.ClearPointerFocus()
		e.seat.StartGrab(g)
		if e.seat.ValidImplicitGrab(a, serial) {
			t.Error("the implicit grab validates during a grab")
		}
		e.seat.PointerMotion(20, 30, t0)
		e.seat.PointerAxis(seat.AxisEvent{Axis: protocol.WlPointerAxisVerticalScroll, Value: 15}, t0)
		e.seat.PointerButton(0x110, false, t0)
		if e.seat.ButtonsHeld() != 0 {
			t.Error("the release did not count")
		}
		e.seat.RefreshPointerFocus()
	})
	for _, ev := range c.MustRoundtrip() {
		if ev.Object == ptr && ev.Opcode != protocol.WlPointerEventLeave && ev.Opcode != protocol.WlPointerEventFrame {
			t.Errorf("wl_pointer event %d during the grab", ev.Opcode)
		}
	}
	if len(g.motions) != 1 || g.motions[0] != [2]float64{20, 30} || len(g.buttons) != 1 || g.buttons[0] != (grabButton{0x110, protocol.WlPointerButtonStateReleased}) {
		t.Errorf("grab got motions %v buttons %v", g.motions, g.buttons)
	}
	e.Do(func() { e.seat.EndGrab() })
	entered := false
	for _, ev := range c.MustRoundtrip() {
		entered = entered || ev.Object == ptr && ev.Opcode == protocol.WlPointerEventEnter
	}
	if !entered {
		t.Error("no enter after EndGrab")
	}

	g2, g3 := &recGrab{}, &recGrab{}
	e.Do(func() {
		e.seat.StartGrab(g2)
		e.seat.StartGrab(g3)
		e.seat.SetCapabilities(false, false)
		if e.seat.Grab() != nil {
			t.Error("a grab survived the pointer")
		}
	})
	if g2.cancelled != 1 || g3.cancelled != 1 {
		t.Errorf("cancelled %d and %d times, want once each", g2.cancelled, g3.cancelled)
	}
}
