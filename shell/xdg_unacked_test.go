package shell

import (
	"testing"

	"github.com/nofault/nofault/protocol"
)

// With AcceptUnackedBuffer a buffer committed after the initial configure
// was sent maps the surface before the client acks it (WLCS 1.5.0's
// clients do this, as mutter and Mir allow); a buffer with the initial
// commit, before any configure, is still unconfigured_buffer. The default
// (strict) mode is TestXdgErrors' "buffer before ack".
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

	// Unmapped by a NULL buffer, it needs an initial commit again.
	w.s.Attach(nil, 0, 0)
	w.s.Commit()
	tc.mustRoundtrip()
	if items := e.scene(); len(items) != 0 {
		t.Fatalf("scene %v after unmap", items)
	}
	w.s.Attach(tc.buffer(30, 20, 1, white), 0, 0)
	w.s.Commit()
	tc.expectError(w.xs, uint32(protocol.XdgSurfaceErrorUnconfiguredBuffer))

	tc2 := e.connect()
	s := tc2.surface()
	xs, _ := tc2.wm.GetXdgSurface(s)
	xs.GetToplevel()
	s.Attach(tc2.buffer(4, 4, 1, white), 0, 0)
	s.Commit()
	tc2.expectError(xs, uint32(protocol.XdgSurfaceErrorUnconfiguredBuffer))
}
