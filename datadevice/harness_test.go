package datadevice_test

import (
	"testing"

	"github.com/nofault/nofault/datadevice"
	"github.com/nofault/nofault/internal/wltest"
	"github.com/nofault/nofault/seat"
)

const timeout = wltest.Timeout

// env is a running display with a seat, the data device manager and the
// fake shell (internal/wltest).
type env struct {
	*wltest.Env
	seat *seat.Seat
	dm   *datadevice.Manager
}

func start(t *testing.T, opts seat.Options) *env {
	t.Helper()
	e := &env{}
	e.Env = wltest.Start(t, func(w *wltest.Env) {
		opts.Surfaces = w.Shell
		e.seat = seat.New(w.D, opts)
		e.dm = datadevice.New(w.D)
	}, func() { e.seat.Destroy() })
	return e
}
