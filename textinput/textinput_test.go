package textinput_test

import (
	"testing"

	"github.com/nofault/nofault/internal/rawclient"
	"github.com/nofault/nofault/internal/wltest"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat"
	"github.com/nofault/nofault/textinput"
)

type env struct {
	*wltest.Env
	seat *seat.Seat
	m    *textinput.Manager
}

func start(t *testing.T) *env {
	e := &env{}
	e.Env = wltest.Start(t, func(w *wltest.Env) {
		e.seat = seat.New(w.D, seat.Options{Keyboard: true, Surfaces: w.Shell})
		e.m = textinput.New(w.D)
	}, func() { e.seat.Destroy() })
	return e
}

type client struct {
	*wltest.Client
	comp, seat, tim uint32
}

func (e *env) client() *client {
	c := &client{Client: e.Connect()}
	c.comp = c.MustBind("wl_compositor", 4)
	c.seat = c.MustBind("wl_seat", 7)
	c.tim = c.MustBind("zwp_text_input_manager_v3", 1)
	return c
}

func (c *client) textInput() uint32 {
	id := c.NewID()
	c.MustSend(c.tim, protocol.ZwpTextInputManagerV3RequestGetTextInput, rawclient.NewID(id), c.seat)
	return id
}

// tiEvents returns "enter N" / "leave N" / other opcodes of ti's events.
func tiEvents(evs []rawclient.Event, ti uint32) []string {
	var out []string
	for _, ev := range wltest.Only(evs, ti) {
		switch ev.Opcode {
		case protocol.ZwpTextInputV3EventEnter:
			out = append(out, "enter "+itoa(ev.Uint(0)))
		case protocol.ZwpTextInputV3EventLeave:
			out = append(out, "leave "+itoa(ev.Uint(0)))
		default:
			out = append(out, "opcode "+itoa(uint32(ev.Opcode)))
		}
	}
	return out
}

func itoa(u uint32) string {
	if u == 0 {
		return "0"
	}
	var b []byte
	for ; u > 0; u /= 10 {
		b = append([]byte{byte('0' + u%10)}, b...)
	}
	return string(b)
}

func eq(a []string, b ...string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestEnterLeaveFollowFocus: enter and leave follow the keyboard focus,
// between surfaces of one client and between clients, and a text input
// made while focused enters at once.
func TestEnterLeaveFollowFocus(t *testing.T) {
	e := start(t)
	a, b := e.client(), e.client()
	s1, o1 := a.Surface(a.comp)
	s2, o2 := a.Surface(a.comp)
	sb, ob := b.Surface(b.comp)
	ti := a.textInput()
	tb := b.textInput()
	if evs := tiEvents(a.MustRoundtrip(), ti); len(evs) != 0 {
		t.Fatalf("events without focus: %v", evs)
	}
	e.Do(func() { e.seat.SetKeyboardFocus(o1) })
	if evs := tiEvents(a.MustRoundtrip(), ti); !eq(evs, "enter "+itoa(s1)) {
		t.Fatalf("focus on s1: %v", evs)
	}
	e.Do(func() { e.seat.SetKeyboardFocus(o2) })
	if evs := tiEvents(a.MustRoundtrip(), ti); !eq(evs, "leave "+itoa(s1), "enter "+itoa(s2)) {
		t.Fatalf("focus s1 -> s2: %v", evs)
	}
	ti2 := a.textInput()
	if evs := tiEvents(a.MustRoundtrip(), ti2); !eq(evs, "enter "+itoa(s2)) {
		t.Fatalf("new text input while focused: %v", evs)
	}
	e.Do(func() { e.seat.SetKeyboardFocus(ob) })
	if evs := tiEvents(a.MustRoundtrip(), ti); !eq(evs, "leave "+itoa(s2)) {
		t.Fatalf("focus to B: A got %v", evs)
	}
	if evs := tiEvents(b.MustRoundtrip(), tb); !eq(evs, "enter "+itoa(sb)) {
		t.Fatalf("focus to B: B got %v", evs)
	}
	// The focused surface destroyed: no leave for a dead surface, and the
	// text input no longer counts as entered.
	b.MustSend(sb, protocol.WlSurfaceRequestDestroy)
	b.MustRoundtrip()
	e.Do(func() { e.seat.SurfaceDestroyed(ob) })
	if evs := tiEvents(b.MustRoundtrip(), tb); len(evs) != 0 {
		t.Fatalf("after the surface died: %v", evs)
	}
}

// TestStateMachine: enable/disable and the double-buffered state apply on
// commit; enable resets to the initial state; leave disables; no input
// method means no events besides enter and leave, whatever is committed.
func TestStateMachine(t *testing.T) {
	e := start(t)
	a := e.client()
	sid, o := a.Surface(a.comp)
	ti := a.textInput()
	e.Do(func() { e.seat.SetKeyboardFocus(o) })
	a.MustRoundtrip()
	active := func() (textinput.State, bool) {
		var st textinput.State
		var ok bool
		e.Do(func() {
			var s *protocol.Object
			s, st, ok = e.m.Active(e.seat)
			if ok && s != o {
				t.Errorf("active on surface %d, want %d", s.ID, sid)
			}
		})
		return st, ok
	}
	a.MustSend(ti, protocol.ZwpTextInputV3RequestEnable)
	a.MustSend(ti, protocol.ZwpTextInputV3RequestSetSurroundingText, "héllo", int32(2), int32(0))
	a.MustSend(ti, protocol.ZwpTextInputV3RequestSetTextChangeCause, protocol.ZwpTextInputV3ChangeCauseOther)
	a.MustSend(ti, protocol.ZwpTextInputV3RequestSetContentType, protocol.ZwpTextInputV3ContentHintMultiline, protocol.ZwpTextInputV3ContentPurposeTerminal)
	a.MustSend(ti, protocol.ZwpTextInputV3RequestSetCursorRectangle, int32(10), int32(20), int32(2), int32(16))
	if evs := tiEvents(a.MustRoundtrip(), ti); len(evs) != 0 {
		t.Fatalf("events before commit: %v", evs)
	}
	if _, ok := active(); ok {
		t.Fatal("enabled before commit")
	}
	a.MustSend(ti, protocol.ZwpTextInputV3RequestCommit)
	if evs := tiEvents(a.MustRoundtrip(), ti); len(evs) != 0 {
		t.Fatalf("events after commit with no input method: %v", evs)
	}
	st, ok := active()
	want := textinput.State{Enabled: true, Text: "héllo", Cursor: 2, HasSurrounding: true,
		Cause: 1, Hint: 0x200, Purpose: 13, HasContentType: true,
		CursorX: 10, CursorY: 20, CursorW: 2, CursorH: 16, HasCursorRect: true, Commits: 1}
	if !ok || st != want {
		t.Fatalf("state %+v, want %+v", st, want)
	}
	// Invalid values are ignored (the protocol has no error for them).
	long := make([]byte, textinput.MaxSurroundingText+1)
	for i := range long {
		long[i] = 'x'
	}
	a.MustSend(ti, protocol.ZwpTextInputV3RequestSetSurroundingText, string(long), int32(0), int32(0))
	a.MustSend(ti, protocol.ZwpTextInputV3RequestSetSurroundingText, "ab", int32(3), int32(0))
	a.MustSend(ti, protocol.ZwpTextInputV3RequestSetContentType, uint32(1<<12), uint32(0))
	a.MustSend(ti, protocol.ZwpTextInputV3RequestSetContentType, uint32(0), uint32(99))
	a.MustSend(ti, protocol.ZwpTextInputV3RequestSetTextChangeCause, uint32(7))
	a.MustSend(ti, protocol.ZwpTextInputV3RequestCommit)
	a.MustRoundtrip()
	st, _ = active()
	want.Commits, want.Cause = 2, 0 // the cause is per commit
	if st != want {
		t.Fatalf("after invalid values: %+v, want %+v", st, want)
	}
	// enable again resets everything but the commit count.
	a.MustSend(ti, protocol.ZwpTextInputV3RequestEnable)
	a.MustSend(ti, protocol.ZwpTextInputV3RequestCommit)
	a.MustRoundtrip()
	if st, _ = active(); st != (textinput.State{Enabled: true, Commits: 3}) {
		t.Fatalf("after enable: %+v", st)
	}
	a.MustSend(ti, protocol.ZwpTextInputV3RequestDisable)
	a.MustSend(ti, protocol.ZwpTextInputV3RequestCommit)
	a.MustRoundtrip()
	if _, ok := active(); ok {
		t.Fatal("enabled after disable")
	}
	// Leave disables; committing without the focus does not enable.
	a.MustSend(ti, protocol.ZwpTextInputV3RequestEnable)
	a.MustSend(ti, protocol.ZwpTextInputV3RequestCommit)
	a.MustRoundtrip()
	e.Do(func() { e.seat.SetKeyboardFocus(nil) })
	a.MustSend(ti, protocol.ZwpTextInputV3RequestEnable)
	a.MustSend(ti, protocol.ZwpTextInputV3RequestCommit)
	a.MustRoundtrip()
	e.Do(func() { e.seat.SetKeyboardFocus(o) })
	a.MustRoundtrip()
	if _, ok := active(); ok {
		t.Fatal("enabled by a commit made without the focus")
	}
	a.MustSend(ti, protocol.ZwpTextInputV3RequestDestroy)
	a.MustRoundtrip()
	if !a.Deleted(ti) {
		t.Error("destroy did not delete")
	}
}

// TestLimitAndErrors: text inputs beyond MaxPerClient stay inert; a
// non-seat is the core's invalid_method.
func TestLimitAndErrors(t *testing.T) {
	e := start(t)
	a := e.client()
	sid, o := a.Surface(a.comp)
	e.Do(func() { e.seat.SetKeyboardFocus(o) })
	var ids []uint32
	for i := 0; i < textinput.MaxPerClient+3; i++ {
		ids = append(ids, a.textInput())
	}
	evs := a.MustRoundtrip()
	enters := 0
	for _, id := range ids {
		if eq(tiEvents(evs, id), "enter "+itoa(sid)) {
			enters++
		}
	}
	if enters != textinput.MaxPerClient {
		t.Errorf("%d text inputs entered, want %d", enters, textinput.MaxPerClient)
	}
	a.MustSend(a.tim, protocol.ZwpTextInputManagerV3RequestGetTextInput, rawclient.NewID(a.NewID()), a.tim)
	if pe := a.ProtocolError(); pe.ObjectID != 1 || pe.Code != protocol.ErrorInvalidMethod {
		t.Errorf("get_text_input with a non-seat: %v", pe)
	}
}
