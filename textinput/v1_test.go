package textinput_test

import (
	"testing"

	"github.com/nofault/nofault/internal/rawclient"
	"github.com/nofault/nofault/internal/wltest"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat"
	"github.com/nofault/nofault/textinput"
)

func v1Events(evs []rawclient.Event, ti uint32) []string {
	var out []string
	for _, ev := range wltest.Only(evs, ti) {
		switch ev.Opcode {
		case protocol.ZwpTextInputV1EventEnter:
			out = append(out, "enter "+itoa(ev.Uint(0)))
		case protocol.ZwpTextInputV1EventLeave:
			out = append(out, "leave")
		default:
			out = append(out, "opcode "+itoa(uint32(ev.Opcode)))
		}
	}
	return out
}

// TestV1: activate enters only a focused surface; deactivate and a focus
// move leave; state requests send nothing; a non-seat is invalid_method;
// text inputs beyond MaxPerClient stay inert.
func TestV1(t *testing.T) {
	var v1 *textinput.V1
	e := &env{}
	e.Env = wltest.Start(t, func(w *wltest.Env) {
		e.seat = seat.New(w.D, seat.Options{Keyboard: true, Surfaces: w.Shell})
		v1 = textinput.NewV1(w.D)
	}, func() { e.seat.Destroy() })
	c := e.Connect()
	comp := c.MustBind("wl_compositor", 4)
	st := c.MustBind("wl_seat", 7)
	tim := c.MustBind("zwp_text_input_manager_v1", 1)
	s1, o1 := c.Surface(comp)
	s2, o2 := c.Surface(comp)
	ti := c.NewID()
	c.MustSend(tim, protocol.ZwpTextInputManagerV1RequestCreateTextInput, rawclient.NewID(ti))
	c.MustSend(ti, protocol.ZwpTextInputV1RequestActivate, st, s1)
	if got := v1Events(c.MustRoundtrip(), ti); len(got) != 0 {
		t.Fatalf("activate without focus: %v", got)
	}
	e.Do(func() { e.seat.SetKeyboardFocus(o1) })
	c.MustSend(ti, protocol.ZwpTextInputV1RequestActivate, st, s1)
	c.MustSend(ti, protocol.ZwpTextInputV1RequestSetSurroundingText, "abc", uint32(1), uint32(1))
	c.MustSend(ti, protocol.ZwpTextInputV1RequestShowInputPanel)
	c.MustSend(ti, protocol.ZwpTextInputV1RequestCommitState, uint32(1))
	if got := v1Events(c.MustRoundtrip(), ti); !eq(got, "enter "+itoa(s1)) {
		t.Fatalf("activate with focus: %v", got)
	}
	e.Do(func() {
		if v1.Active(e.seat) != o1 {
			t.Error("not active in s1")
		}
		e.seat.SetKeyboardFocus(o2)
	})
	if got := v1Events(c.MustRoundtrip(), ti); !eq(got, "leave") {
		t.Fatalf("focus moved: %v", got)
	}
	c.MustSend(ti, protocol.ZwpTextInputV1RequestActivate, st, s2)
	c.MustSend(ti, protocol.ZwpTextInputV1RequestDeactivate, st)
	if got := v1Events(c.MustRoundtrip(), ti); !eq(got, "enter "+itoa(s2), "leave") {
		t.Fatalf("activate then deactivate: %v", got)
	}
	var ids []uint32
	for i := 0; i < textinput.MaxPerClient+1; i++ {
		id := c.NewID()
		c.MustSend(tim, protocol.ZwpTextInputManagerV1RequestCreateTextInput, rawclient.NewID(id))
		ids = append(ids, id)
	}
	for _, id := range ids {
		c.MustSend(id, protocol.ZwpTextInputV1RequestActivate, st, s2)
	}
	evs := c.MustRoundtrip()
	enters := 0
	for _, id := range ids {
		if eq(v1Events(evs, id), "enter "+itoa(s2)) {
			enters++
		}
	}
	if enters != textinput.MaxPerClient-1 { // ti holds one slot
		t.Errorf("%d entered, want %d", enters, textinput.MaxPerClient-1)
	}
	c.MustSend(ti, protocol.ZwpTextInputV1RequestActivate, s1, s1)
	if pe := c.ProtocolError(); pe.ObjectID != 1 || pe.Code != protocol.ErrorInvalidMethod {
		t.Errorf("activate with a non-seat: %v", pe)
	}
}
