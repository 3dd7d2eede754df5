package inhibit_test

import (
	"image"
	"testing"

	"github.com/nofault/nofault/inhibit"
	"github.com/nofault/nofault/internal/rawclient"
	"github.com/nofault/nofault/internal/wltest"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat"
)

// visible says which surfaces are shown.
type visible map[*protocol.Object]bool

func (v visible) SurfaceRect(s *protocol.Object) (image.Rectangle, bool) {
	return image.Rect(0, 0, 10, 10), v[s]
}

type env struct {
	*wltest.Env
	seat *seat.Seat
	vis  visible
	idle *inhibit.Idle
	sc   *inhibit.Shortcuts
}

func start(t *testing.T) *env {
	e := &env{vis: visible{}}
	e.Env = wltest.Start(t, func(w *wltest.Env) {
		e.seat = seat.New(w.D, seat.Options{Keyboard: true, Surfaces: w.Shell})
		e.idle = inhibit.NewIdle(w.D, e.vis)
		e.sc = inhibit.NewShortcuts(w.D)
	}, func() { e.seat.Destroy() })
	return e
}

type client struct {
	*wltest.Client
	comp, seat, im, sm uint32
}

func (e *env) client() *client {
	c := &client{Client: e.Connect()}
	c.comp = c.MustBind("wl_compositor", 4)
	c.seat = c.MustBind("wl_seat", 7)
	c.im = c.MustBind("zwp_idle_inhibit_manager_v1", 1)
	c.sm = c.MustBind("zwp_keyboard_shortcuts_inhibit_manager_v1", 1)
	return c
}

func (c *client) idleInhibitor(surface uint32) uint32 {
	id := c.NewID()
	c.MustSend(c.im, protocol.ZwpIdleInhibitManagerV1RequestCreateInhibitor, rawclient.NewID(id), surface)
	return id
}

// TestIdleInhibitors: inhibitors count while their surface is visible,
// go with their object or client, and are bounded per client.
func TestIdleInhibitors(t *testing.T) {
	e := start(t)
	a := e.client()
	s1, o1 := a.Surface(a.comp)
	s2, o2 := a.Surface(a.comp)
	i1 := a.idleInhibitor(s1)
	a.idleInhibitor(s1)
	a.idleInhibitor(s2)
	a.MustRoundtrip()
	stats := func() (st inhibit.IdleStats, inh bool) {
		e.Do(func() { st, inh = e.idle.Stats(), e.idle.Inhibited() })
		return
	}
	if st, inh := stats(); st != (inhibit.IdleStats{Inhibitors: 3}) || inh {
		t.Fatalf("nothing visible: %+v inhibited %v", st, inh)
	}
	e.Do(func() { e.vis[o1] = true })
	if st, inh := stats(); st != (inhibit.IdleStats{Inhibitors: 3, Visible: 2, Surfaces: 1}) || !inh {
		t.Fatalf("s1 visible: %+v inhibited %v", st, inh)
	}
	e.Do(func() { e.vis[o2] = true })
	if st, _ := stats(); st != (inhibit.IdleStats{Inhibitors: 3, Visible: 3, Surfaces: 2}) {
		t.Fatalf("both visible: %+v", st)
	}
	a.MustSend(i1, protocol.ZwpIdleInhibitorV1RequestDestroy)
	a.MustRoundtrip()
	if st, _ := stats(); st != (inhibit.IdleStats{Inhibitors: 2, Visible: 2, Surfaces: 2}) {
		t.Fatalf("after destroy: %+v", st)
	}
	for i := 0; i < inhibit.MaxIdleInhibitorsPerClient; i++ {
		a.idleInhibitor(s2)
	}
	a.MustRoundtrip()
	if st, _ := stats(); st.Inhibitors != inhibit.MaxIdleInhibitorsPerClient {
		t.Fatalf("over the limit: %+v", st)
	}
	a.Disconnect()
	if st, inh := stats(); st != (inhibit.IdleStats{}) || inh {
		t.Fatalf("after the client left: %+v", st)
	}
	// A non-surface is the core's invalid_method.
	b := e.client()
	b.MustSend(b.im, protocol.ZwpIdleInhibitManagerV1RequestCreateInhibitor, rawclient.NewID(b.NewID()), b.seat)
	if pe := b.ProtocolError(); pe.ObjectID != 1 || pe.Code != protocol.ErrorInvalidMethod {
		t.Errorf("inhibitor for a seat: %v", pe)
	}
}

func (c *client) shortcutsInhibitor(surface uint32) uint32 {
	id := c.NewID()
	c.MustSend(c.sm, protocol.ZwpKeyboardShortcutsInhibitManagerV1RequestInhibitShortcuts, rawclient.NewID(id), surface, c.seat)
	return id
}

func events(evs []rawclient.Event, obj uint32) []string {
	var out []string
	for _, ev := range wltest.Only(evs, obj) {
		out = append(out, []string{"active", "inactive"}[ev.Opcode])
	}
	return out
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

// TestShortcutsInhibitor: active while the surface has the keyboard
// focus; already_inhibited for a second one; a new one after destroy.
func TestShortcutsInhibitor(t *testing.T) {
	e := start(t)
	a := e.client()
	s1, o1 := a.Surface(a.comp)
	_, o2 := a.Surface(a.comp)
	e.Do(func() { e.seat.SetKeyboardFocus(o1) })
	in := a.shortcutsInhibitor(s1)
	if got := events(a.MustRoundtrip(), in); !eq(got, "active") {
		t.Fatalf("focused surface: %v", got)
	}
	e.Do(func() {
		if !e.sc.Inhibited(e.seat) {
			t.Error("not inhibited")
		}
		e.seat.SetKeyboardFocus(o2)
	})
	if got := events(a.MustRoundtrip(), in); !eq(got, "inactive") {
		t.Fatalf("focus elsewhere: %v", got)
	}
	e.Do(func() {
		if e.sc.Inhibited(e.seat) {
			t.Error("inhibited without the focus")
		}
		e.seat.SetKeyboardFocus(o1)
	})
	if got := events(a.MustRoundtrip(), in); !eq(got, "active") {
		t.Fatalf("focus back: %v", got)
	}
	a.MustSend(in, protocol.ZwpKeyboardShortcutsInhibitorV1RequestDestroy)
	in2 := a.shortcutsInhibitor(s1)
	if got := events(a.MustRoundtrip(), in2); !eq(got, "active") {
		t.Fatalf("after destroy, a new one: %v", got)
	}
	a.shortcutsInhibitor(s1)
	if pe := a.ProtocolError(); pe.ObjectID != a.sm || pe.Code != protocol.ZwpKeyboardShortcutsInhibitManagerV1ErrorAlreadyInhibited.Code() {
		t.Errorf("second inhibitor: %v", pe)
	}
	b := e.client()
	sb, _ := b.Surface(b.comp)
	b.MustSend(b.sm, protocol.ZwpKeyboardShortcutsInhibitManagerV1RequestInhibitShortcuts, rawclient.NewID(b.NewID()), sb, b.comp)
	if pe := b.ProtocolError(); pe.ObjectID != 1 || pe.Code != protocol.ErrorInvalidMethod {
		t.Errorf("inhibitor with a non-seat: %v", pe)
	}
}
