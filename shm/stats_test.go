package shm_test

import (
	"testing"

	"github.com/nofault/nofault/internal/rawclient"
	"github.com/nofault/nofault/internal/wltest"
	"github.com/nofault/nofault/shm"
)

// TestCountersPerDisplay: two displays in one process each count only the
// pools of their own clients (the counters were process-wide before).
func TestCountersPerDisplay(t *testing.T) {
	var globals [2]*shm.Global
	var envs [2]*wltest.Env
	for i := range envs {
		envs[i] = wltest.Start(t, func(e *wltest.Env) {
			globals[i] = shm.Register(e.D, shm.Options{Mode: shm.ReadGuarded})
		}, nil)
	}
	c := envs[0].Connect()
	wlShm := c.MustBind("wl_shm", 1)
	for range 3 {
		c.MustSend(wlShm, opCreatePool, rawclient.NewID(c.NewID()), rawclient.FD(sparseMemfd(t, "counters", 4096)), int32(4096))
	}
	c.MustRoundtrip()
	var a, b shm.Stats
	envs[0].Do(func() { a = globals[0].Stats() })
	envs[1].Do(func() { b = globals[1].Stats() })
	if a.Guarded.Created != 3 || a.Guarded.Live != 3 || a.LiveMappings != 3 || a.BytesMapped != 3*4096 {
		t.Errorf("display 0 (3 pools of 4 KiB): %+v", a)
	}
	if b != (shm.Stats{}) {
		t.Errorf("display 1 (no client) counts %+v, want nothing", b)
	}
}
