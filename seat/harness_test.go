package seat_test

import (
	"testing"

	"github.com/nofault/nofault/internal/wltest"
	"github.com/nofault/nofault/seat"
)

const timeout = wltest.Timeout

// env is a running display with a seat and the fake shell (internal/wltest).
type env struct {
	*wltest.Env
	seat *seat.Seat
}

func start(t *testing.T, opts seat.Options) *env {
	t.Helper()
	e := &env{}
	e.Env = wltest.Start(t, func(w *wltest.Env) {
		opts.Surfaces = w.Shell
		e.seat = seat.New(w.D, opts)
	}, func() { e.seat.Destroy() })
	return e
}

// ev describes an event for comparisons: object, opcode and 32-bit words.
type ev struct {
	obj   uint32
	op    uint16
	words []uint32
}
