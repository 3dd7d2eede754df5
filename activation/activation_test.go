package activation_test

import (
	"testing"
	"time"

	"github.com/nofault/nofault/activation"
	"github.com/nofault/nofault/internal/rawclient"
	"github.com/nofault/nofault/internal/wltest"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat"
)

// windows treats every live surface as a mapped toplevel; Activate gives
// it the keyboard focus, as the shell's OnFocus hook does.
type windows struct{ s *seat.Seat }

func (w windows) RootToplevel(s *protocol.Object) *protocol.Object {
	if s.Destroyed() {
		return nil
	}
	return s
}

func (w windows) Activate(s *protocol.Object) bool { w.s.SetKeyboardFocus(s); return true }

type env struct {
	*wltest.Env
	seat *seat.Seat
	m    *activation.Manager
}

func start(t *testing.T) *env {
	e := &env{}
	e.Env = wltest.Start(t, func(w *wltest.Env) {
		e.seat = seat.New(w.D, seat.Options{Keyboard: true, Surfaces: w.Shell})
		e.m = activation.New(w.D, e.seat, windows{e.seat})
	}, func() { e.seat.Destroy() })
	return e
}

type client struct {
	*wltest.Client
	act, seat, sid uint32
	surf           *protocol.Object
}

func (e *env) client() *client {
	c := &client{Client: e.Connect()}
	comp := c.MustBind("wl_compositor", 4)
	c.seat = c.MustBind("wl_seat", 7)
	c.act = c.MustBind("xdg_activation_v1", 1)
	c.sid, c.surf = c.Surface(comp)
	return c
}

// token makes a token (serial and surface set, as GTK does) and returns
// its object and string.
func (c *client) token() (uint32, string) {
	c.T.Helper()
	id := c.NewID()
	c.MustSend(c.act, protocol.XdgActivationV1RequestGetActivationToken, rawclient.NewID(id))
	c.MustSend(id, protocol.XdgActivationTokenV1RequestSetSerial, uint32(1), c.seat)
	c.MustSend(id, protocol.XdgActivationTokenV1RequestSetAppID, "org.example.App")
	c.MustSend(id, protocol.XdgActivationTokenV1RequestSetSurface, c.sid)
	c.MustSend(id, protocol.XdgActivationTokenV1RequestCommit)
	for _, ev := range c.MustRoundtrip() {
		if ev.Object == id && ev.Opcode == protocol.XdgActivationTokenV1EventDone {
			tok := ev.Reader().String()
			if len(tok) < 32 {
				c.T.Fatalf("token %q is short", tok)
			}
			return id, tok
		}
	}
	c.T.Fatal("no done event")
	return 0, ""
}

func (e *env) focus() *protocol.Object {
	var f *protocol.Object
	e.Do(func() { f = e.seat.KeyboardFocus() })
	return f
}

// TestFocusedClientsTokenMovesFocus: a token from the focused client
// (a launcher) lets another client take the focus, once.
func TestFocusedClientsTokenMovesFocus(t *testing.T) {
	e := start(t)
	a, b := e.client(), e.client()
	e.Do(func() { e.seat.SetKeyboardFocus(a.surf) })
	_, tok := a.token()
	b.MustSend(b.act, protocol.XdgActivationV1RequestActivate, tok, b.sid)
	b.MustRoundtrip()
	if e.focus() != b.surf {
		t.Fatal("a granted token did not move the focus")
	}
	// Used up: a second activate (by A) only marks A urgent.
	a.MustSend(a.act, protocol.XdgActivationV1RequestActivate, tok, a.sid)
	a.MustRoundtrip()
	if e.focus() != b.surf {
		t.Fatal("a used token moved the focus")
	}
	e.Do(func() {
		if !e.m.Urgent(a.surf) || e.m.Urgent(b.surf) {
			t.Errorf("urgent: A %v B %v, want A only", e.m.Urgent(a.surf), e.m.Urgent(b.surf))
		}
		st := e.m.Stats()
		if st.Activated != 1 || st.Refused != 1 || st.Urgent != 1 || st.Tokens != 0 {
			t.Errorf("stats %+v", st)
		}
	})
	// The focus ends urgency.
	e.Do(func() { e.seat.SetKeyboardFocus(a.surf) })
	e.Do(func() {
		if e.m.Urgent(a.surf) {
			t.Error("still urgent with the focus")
		}
	})
}

// TestUnfocusedClientsTokenMarksUrgent: a token committed without the
// focus, or a made-up one, does not steal the focus.
func TestUnfocusedClientsTokenMarksUrgent(t *testing.T) {
	e := start(t)
	a, b := e.client(), e.client()
	e.Do(func() { e.seat.SetKeyboardFocus(a.surf) })
	_, tok := b.token() // B has no focus
	b.MustSend(b.act, protocol.XdgActivationV1RequestActivate, tok, b.sid)
	b.MustSend(b.act, protocol.XdgActivationV1RequestActivate, "made-up", b.sid)
	b.MustRoundtrip()
	if e.focus() != a.surf {
		t.Fatal("an ungranted token stole the focus")
	}
	e.Do(func() {
		if !e.m.Urgent(b.surf) {
			t.Error("B not urgent")
		}
		if st := e.m.Stats(); st.Refused != 2 || st.Activated != 0 {
			t.Errorf("stats %+v", st)
		}
	})
}

// TestTokenOutlivesClient: a launcher's token works after it exits.
func TestTokenOutlivesClient(t *testing.T) {
	e := start(t)
	a := e.client()
	e.Do(func() { e.seat.SetKeyboardFocus(a.surf) })
	_, tok := a.token()
	a.Disconnect()
	b := e.client()
	b.MustSend(b.act, protocol.XdgActivationV1RequestActivate, tok, b.sid)
	b.MustRoundtrip()
	if e.focus() != b.surf {
		t.Fatal("the token died with its client")
	}
}

// TestTokenLimit: beyond MaxTokensPerClient unused tokens a client's
// tokens are still sent (done is mandatory) but not granted.
func TestTokenLimit(t *testing.T) {
	e := start(t)
	a, b := e.client(), e.client()
	e.Do(func() { e.seat.SetKeyboardFocus(a.surf) })
	var last string
	for i := 0; i <= activation.MaxTokensPerClient; i++ {
		_, last = a.token()
	}
	e.Do(func() {
		if n := e.m.Stats().Tokens; n != activation.MaxTokensPerClient {
			t.Errorf("%d tokens kept, want %d", n, activation.MaxTokensPerClient)
		}
	})
	b.MustSend(b.act, protocol.XdgActivationV1RequestActivate, last, b.sid)
	b.MustRoundtrip()
	if e.focus() != a.surf {
		t.Fatal("a token over the limit was granted")
	}
}

// TestTokenExpires: a token is refused after TokenLifetime.
func TestTokenExpires(t *testing.T) {
	e := start(t)
	a, b := e.client(), e.client()
	e.Do(func() { e.seat.SetKeyboardFocus(a.surf) })
	_, tok := a.token()
	e.Do(func() { activation.Advance(e.m, activation.TokenLifetime+time.Second) })
	b.MustSend(b.act, protocol.XdgActivationV1RequestActivate, tok, b.sid)
	b.MustRoundtrip()
	if e.focus() != a.surf {
		t.Fatal("an expired token was granted")
	}
}

// TestAlreadyUsed: every request but destroy after commit is the spec's
// already_used error on the token.
func TestAlreadyUsed(t *testing.T) {
	e := start(t)
	for _, tc := range []struct {
		name string
		op   uint16
		args func(c *client) []any
	}{
		{"set_serial", protocol.XdgActivationTokenV1RequestSetSerial, func(c *client) []any { return []any{uint32(1), c.seat} }},
		{"set_app_id", protocol.XdgActivationTokenV1RequestSetAppID, func(c *client) []any { return []any{"x"} }},
		{"set_surface", protocol.XdgActivationTokenV1RequestSetSurface, func(c *client) []any { return []any{c.sid} }},
		{"commit", protocol.XdgActivationTokenV1RequestCommit, func(c *client) []any { return nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := e.client()
			id, _ := c.token()
			c.MustSend(id, tc.op, tc.args(c)...)
			pe := c.ProtocolError()
			if pe.ObjectID != id || pe.Code != protocol.XdgActivationTokenV1ErrorAlreadyUsed.Code() {
				t.Errorf("error %v, want already_used on the token %d", pe, id)
			}
		})
	}
	// Destroy after commit is fine, and the token stays usable.
	c := e.client()
	id, tok := c.token()
	c.MustSend(id, protocol.XdgActivationTokenV1RequestDestroy)
	c.MustRoundtrip()
	e.Do(func() {
		if e.m.Stats().Tokens == 0 {
			t.Error("destroying the token object dropped the token")
		}
	})
	// activate with a non-surface is the core's invalid_method.
	c.MustSend(c.act, protocol.XdgActivationV1RequestActivate, tok, c.seat)
	if pe := c.ProtocolError(); pe.ObjectID != 1 || pe.Code != protocol.ErrorInvalidMethod {
		t.Errorf("activate with a seat: %v", pe)
	}
}
