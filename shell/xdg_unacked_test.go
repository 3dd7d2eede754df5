package shell

import (
	"testing"

	xdg "github.com/rajveermalviya/go-wayland/wayland/stable/xdg-shell"
)

// With AcceptUnackedBuffer a buffer committed before the client acked a
// configure maps the surface, as Mir allows and WLCS 1.5.0's clients
// need: after the initial configure was sent, and with the initial commit
// itself (which then gets the configure and maps at once). The default,
// strict mode is TestXdgErrors' "buffer before ack".
func TestAcceptUnackedBuffer(t *testing.T) {
	e := startEnv(t, Options{AcceptUnackedBuffer: true})
	tc := e.connect()
	w := tc.toplevel() // initial commit made, configure received, not acked
	w.s.Attach(tc.buffer(30, 20, 1, white), 0, 0)
	w.s.Commit()
	tc.mustRoundtrip()
	if items := e.scene(); len(items) != 1 || items[0].dst.Dx() != 30 {
		t.Fatalf("scene %v, want the unacked window mapped", items)
	}
	w.xs.AckConfigure(w.serial) // the late ack is still valid
	tc.mustRoundtrip()

	// A buffer in the initial commit: configure, and mapped.
	w2 := &window{s: tc.surface()}
	w2.xs, _ = tc.wm.GetXdgSurface(w2.s)
	w2.top, _ = w2.xs.GetToplevel()
	w2.xs.SetConfigureHandler(func(ev xdg.SurfaceConfigureEvent) { w2.serial = ev.Serial; w2.configures++ })
	w2.s.Attach(tc.buffer(10, 10, 1, red), 0, 0)
	w2.s.Commit()
	tc.mustRoundtrip()
	if w2.configures == 0 { // the initial one, then activated on map
		t.Error("no configure after an initial commit with a buffer")
	}
	if items := e.scene(); len(items) != 2 || items[1].color != red {
		t.Fatalf("scene %v, want the second window mapped on top", items)
	}
	w2.xs.AckConfigure(w2.serial)
	tc.mustRoundtrip()
}
